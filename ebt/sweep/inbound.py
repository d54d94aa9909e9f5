"""`ebt sweep inbound`: claim the partners' waiting files, read them onto the delivery queue,
decide the queue in delivery order, and archive what is done — safely repeatable after a
crash at any point, and shareable by any number of workers on one PostgreSQL store.

Each file's life: waiting in a partner's inbound folder → claimed (renamed into work/ and
recorded with its hash) → ingested (every set queued; 997s it is owed in the outbox) →
decided (every queued set) → archived (archive/YYYY/MM/DD/). A file that is a repeat of one
already received (same bytes) is archived with a finding and not processed again; a file that
cannot be read at all, or is over the size limit, goes to error/ with a report beside it and
a TA1 rejection to its sender.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, delete, exists, select
from sqlalchemy.orm import Session, sessionmaker

from ebt.market.reference import Market
from ebt.pipeline.decide import DecideNow, DecideSummary, Enqueue
from ebt.pipeline.intake import Sink
from ebt.pipeline.process import stream_digest
from ebt.store.schema import (
    DeliveryQueue,
    FindingRow,
    InboundFile,
    Outbox,
    QueueState,
    WorkItem,
)
from ebt.sweep.config import SweepConfig
from ebt.sweep.decide import DecidePhase
from ebt.sweep.faults import crash_point
from ebt.sweep.folders import (
    UnsafeEntryError,
    archive_path,
    claim,
    claimed_partner,
    move,
    open_plain,
    original_name,
    orphans,
    set_aside,
    waiting,
    write_text_atomically,
)
from ebt.sweep.ingest import Ingester
from ebt.sweep.locks import (
    CLAIM_ORDER,
    FILE_LOCKS,
    PARTITION_LOCKS,
    SINGLETON_LOCKS,
    Locks,
    hold_in_transaction,
)
from ebt.sweep.queue import PARTITIONS, partition_count

IDLE_WAIT = 0.1  # seconds between looks while other workers hold the remaining work
NEXT_PAGE = 32  # files looked at a time for the next one to take


@dataclass(slots=True)
class InboundSummary:
    claimed: int = 0
    ingested: int = 0
    archived: int = 0
    duplicates: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # interchanges: repeated, test/production
    errors: list[str] = field(default_factory=list)
    unsafe: list[str] = field(default_factory=list)  # links, FIFOs...: set aside unopened
    problems: list[str] = field(default_factory=list)
    decided: DecideSummary = field(default_factory=DecideSummary)
    seconds: float = 0.0  # how long the sweep took


Progress = Callable[[str, int], None]


class InboundSweep:
    def __init__(
        self,
        engine: Engine,
        sessions: sessionmaker[Session],
        market: Market,
        config: SweepConfig,
        progress: Progress | None = None,
    ):
        self.sessions = sessions
        self.market = market
        self.config = config
        self.locks = Locks(engine)
        self.summary = InboundSummary()
        self.progress = progress or (lambda _phase, _n: None)
        self.decide = DecidePhase(
            sessions, market, self.summary.decided, lambda n: self.progress("decide", n)
        )
        # one sweep at a time on SQLite: each batch is decided as it is read; on PostgreSQL
        # the sweeps share the work through the delivery queue
        dialect = engine.dialect.name
        self.decide_now = DecideNow(sessions, market, self.summary.decided)
        # files read and decided at once whose last writes may still be under way, each
        # with the writes submitted by then (`DecideNow.mark`): this worker keeps their
        # locks, and the partitions, until those writes are committed
        self.held: list[tuple[int, int]] = []
        self.partitions_held = False
        self.sink: Sink = (
            self.decide_now
            if dialect == "sqlite"
            else Enqueue(
                sessions, partition_count(dialect), lambda n: self.progress("total:decide", n)
            )
        )

    def run(self) -> InboundSummary:
        """Sweep until no file is waiting, being read or waiting to be archived."""
        started = time.perf_counter()
        try:
            self.recover()
            while True:
                worked = self.claim_waiting()
                worked += self.ingest_claimed()
                worked += self.decide.run()
                worked += self.archive_done()
                if not worked:
                    if not self._unfinished():
                        self.summary.seconds = time.perf_counter() - started
                        return self.summary
                    time.sleep(IDLE_WAIT)  # the rest is in other workers' hands
        finally:
            self.locks.close()

    # -- claiming --------------------------------------------------------------------------

    def recover(self) -> None:
        """Files a sweep renamed into work/ but died before recording."""
        with self.sessions() as session:
            known = set(
                session.scalars(select(InboundFile.path).where(InboundFile.path.isnot(None)))
            )
        for path in orphans(self.config.work):
            if str(path) not in known:
                with self.sessions() as session:
                    hold_in_transaction(session, SINGLETON_LOCKS, CLAIM_ORDER, wait=True)
                    self.record(session, path, claimed_partner(path) or "")

    def claim_waiting(self) -> int:
        """Claim the waiting files, oldest first. The rename and the numbering happen under
        one lock across workers, so the numbers follow the order the files were taken in.
        What is not a plain file (a link, a FIFO, a device) is set aside unopened."""
        count = 0
        for item in waiting(self.config):
            if item.unsafe is not None:
                self.refuse(item.path, item.partner.duns, item.unsafe)
                continue
            with self.sessions() as session:
                hold_in_transaction(session, SINGLETON_LOCKS, CLAIM_ORDER, wait=True)
                claimed = claim(item, self.config.work, self.market.now)
                if claimed is None:
                    continue
                crash_point("claim")
                self.record(session, claimed, item.partner.duns)
            count += 1
        return count

    def refuse(self, path: Path, duns: str, kind: str) -> None:
        """Set an entry that is not a plain file aside, unopened, named in a work item."""
        partner = self.config.partner(duns)
        if partner is None:
            return
        try:
            target = set_aside(
                path, self.config.refused, partner=partner, kind=kind, when=self.market.now
            )
        except FileNotFoundError:
            return  # another sweep took it
        name = original_name(target)
        with self.sessions() as session:
            session.add(
                WorkItem(
                    kind="inbox_refused",
                    description=(
                        f"{partner.name}'s inbound folder held {name!r}, {kind}; it was not "
                        f"opened and was moved to {target}. Find out who put it there."
                    ),
                    status="open",
                    created_at=self.market.now,
                )
            )
            session.commit()
        self.summary.unsafe.append(f"{name} ({kind}) from {partner.name}")

    def record(self, session: Session, path: Path, partner: str) -> None:
        """Record the claimed file with its hash and its number in delivery order (the
        caller holds the claim lock); a repeat of a file already received is refused."""
        try:
            with open_plain(path) as source:  # a link swapped in after the listing: refused
                digest, size = stream_digest(source)
        except UnsafeEntryError as unsafe:
            session.rollback()
            self.refuse(path, partner, unsafe.kind)
            return
        known = session.scalar(select(InboundFile).where(InboundFile.sha256 == digest))
        if known is not None and known.path == str(path):
            return  # recorded already (by a worker that claimed it, or an earlier run)
        if known is not None:
            target = archive_path(self.config.archive, path, self.market.now)
            session.add(
                FindingRow(
                    file_id=known.id,
                    code="DUPLICATE-FILE",
                    severity="error",
                    message=(
                        f"{original_name(path)} from {partner} has the same bytes as "
                        f"{known.name} received {known.received_at:%Y-%m-%d %H:%M}; it was "
                        f"not processed again (kept as {target}). To take a file again on "
                        f"purpose: ebt reprocess {known.id} --reason '...'"
                    ),
                )
            )
            session.commit()
            move(path, target)
            self.summary.duplicates.append(original_name(path))
            return
        session.add(
            InboundFile(
                name=original_name(path),
                sha256=digest,
                size=size,
                status="claimed",
                received_at=self.market.now,
                partner=partner,
                path=str(path),
            )
        )
        session.commit()
        self.summary.claimed += 1
        self.progress("total:read", size)

    # -- reading ---------------------------------------------------------------------------

    def ingest_claimed(self) -> int:
        count = 0
        try:
            while (file := self._next("claimed")) is not None:
                try:
                    self._ingest(file)
                    count += 1
                finally:
                    if self.partitions_held:  # its writes may be under way: hold it
                        self.held.append((file.id, self.decide_now.mark()))
                    else:
                        self.locks.unlock(FILE_LOCKS, file.id)
                    self._let_go_written()
        finally:
            self._let_go()
        return count

    def _held_ids(self) -> list[int]:
        return [file_id for file_id, _ in self.held]

    def _let_go_written(self) -> None:
        """Let go of the held files whose writes are all committed (a few stay held)."""
        while self.held and self.decide_now.written(self.held[0][1]):
            self.locks.unlock(FILE_LOCKS, self.held.pop(0)[0])

    def _let_go(self) -> None:
        """Once every batch and file end written behind is committed, the files and
        partitions held for them are let go."""
        try:
            self.decide_now.settle()
        finally:
            for file_id in self._held_ids():
                self.locks.unlock(FILE_LOCKS, file_id)
            self.held = []
            if self.partitions_held:
                for partition in range(PARTITIONS):
                    self.locks.unlock(PARTITION_LOCKS, partition)
                self.partitions_held = False

    def _next(self, status: str) -> InboundFile | None:
        """The oldest file in `status` that no other worker holds, locked for this one. The
        candidates are looked at a page at a time: the first is usually free, and an inbox
        of many small files costs a look each, not a read of all that are left."""
        after = 0
        with self.sessions() as session:
            while True:
                query = select(InboundFile.id).where(
                    InboundFile.status == status, InboundFile.id > after
                )
                if self.held:  # read already, being written
                    query = query.where(InboundFile.id.notin_(self._held_ids()))
                if status == "ingested":
                    query = query.where(
                        ~exists().where(
                            DeliveryQueue.file_id == InboundFile.id,
                            DeliveryQueue.state == QueueState.PENDING.value,
                        )
                    )
                page = session.scalars(query.order_by(InboundFile.id).limit(NEXT_PAGE)).all()
                for file_id in page:
                    if self.locks.try_lock(FILE_LOCKS, file_id):
                        file = session.get(InboundFile, file_id, populate_existing=True)
                        if file is not None and file.status == status:
                            return file
                        self.locks.unlock(FILE_LOCKS, file_id)
                if len(page) < NEXT_PAGE:
                    return None
                after = page[-1]

    def _ingest(self, file: InboundFile) -> None:
        if file.size > self.config.max_file_bytes:
            limit = self.config.max_file_bytes // (1024 * 1024)
            self._error(
                file,
                [
                    f"FILE-TOO-LARGE: the file is {file.size:,} bytes, over the limit of "
                    f"{limit} MiB ([limits] max_file_mb in {self.config.source.name})."
                ],
            )
            return
        file.path = str(self._locate(file))
        sink = self.decide_now if self._alone(file) else self.sink
        ingester = Ingester(
            self.sessions, self.market, self.config, sink, lambda n: self.progress("read", n)
        )
        summary = ingester.run(file)
        if not summary.readable:
            self._error(file, summary.problems or ["the file holds no X12 interchange"])
            return
        self.summary.ingested += 1
        self.summary.refused += [
            f"{file.name} ISA13 {c}"
            for c in summary.duplicate_interchanges + summary.refused_interchanges
        ]
        self.summary.problems.extend(f"{file.name}: {p}" for p in summary.problems)

    def _alone(self, file: InboundFile) -> bool:
        """Whether this worker may decide the file as it reads it (one pass, no queue):
        always on SQLite (one sweep at a time); on PostgreSQL when it holds every partition
        and nothing delivered before the file waits (no earlier file being read but those
        it holds, no set on the queue), so that deciding now keeps delivery order. It then
        holds the partitions until what it decided is committed (`_let_go`); else the file
        goes through the queue."""
        if self.sink is self.decide_now:
            return True
        if not self.partitions_held and not self._hold_partitions():
            return False
        earlier = (
            select(InboundFile.id)
            .where(InboundFile.status == "claimed", InboundFile.id < file.id)
            .where(InboundFile.id.notin_(self._held_ids()))
            .limit(1)
        )
        queued = (
            select(DeliveryQueue.id).where(DeliveryQueue.state == QueueState.PENDING.value).limit(1)
        )
        with self.sessions() as session:  # both in one round trip
            first, pending = session.execute(
                select(earlier.scalar_subquery(), queued.scalar_subquery())
            ).one()
        if first is None and pending is None:
            return True
        self._let_go()
        return False

    def _hold_partitions(self) -> bool:
        """Every partition for this worker, or none (another worker decides some)."""
        taken: list[int] = []
        for partition in range(PARTITIONS):
            if not self.locks.try_lock(PARTITION_LOCKS, partition):
                for held in taken:
                    self.locks.unlock(PARTITION_LOCKS, held)
                return False
            taken.append(partition)
        self.partitions_held = True
        return True

    def _locate(self, file: InboundFile) -> Path:
        """Where the claimed file is now: work/, or error/ when a run died moving it."""
        assert file.path is not None
        path = Path(file.path)
        moved = self.config.error / path.name
        return moved if not path.exists() and moved.exists() else path

    def _error(self, file: InboundFile, reasons: list[str]) -> None:
        """Set the file aside in error/ with a report, and reject it to its sender (TA1).
        What earlier files left being written is committed first, so that the rejection
        follows their answers in the outbox whatever the timing."""
        self._let_go()
        source = self._locate(file)
        target = self.config.error / source.name
        partner = self.config.partner(file.partner or "")
        write_text_atomically(
            target.with_name(target.name + ".report.txt"), _report(file, reasons, self.config)
        )
        if source != target:
            move(source, target)
        with self.sessions() as session:
            row = session.get(InboundFile, file.id)
            assert row is not None
            row.status, row.path, row.errors = "error", str(target), len(reasons)
            session.add_all(
                FindingRow(file_id=file.id, code=r.split(":")[0], severity="error", message=r)
                for r in reasons
            )
            if partner is not None and partner.acknowledgments.ta1 != "never":
                session.add(
                    Outbox(
                        recipient=partner.duns,
                        set_id="TA1",
                        kind=f"reject:{file.id}",
                        body=json.dumps({"control": _isa13(target), "code": "R", "note": "022"}),
                        created_at=self.market.now,
                    )
                )
            session.commit()
        self.summary.errors.append(file.name)

    # -- archiving -------------------------------------------------------------------------

    def archive_done(self) -> int:
        count = 0
        while (file := self._next("ingested")) is not None:
            try:
                self._archive(file)
                count += 1
            finally:
                self.locks.unlock(FILE_LOCKS, file.id)
        return count

    def _archive(self, file: InboundFile) -> None:
        assert file.path is not None
        with self.sessions() as session:
            row = session.get(InboundFile, file.id)
            assert row is not None
            if row.archived_to is None:
                row.archived_to = str(
                    archive_path(self.config.archive, Path(file.path), file.received_at)
                )
                session.commit()
            target = Path(row.archived_to)
            if Path(file.path).exists():
                crash_point("archive")
                move(Path(file.path), target)
            row.status, row.path = "archived", None
            session.execute(delete(DeliveryQueue).where(DeliveryQueue.file_id == file.id))
            session.commit()
        self.summary.archived += 1

    def _unfinished(self) -> bool:
        with self.sessions() as session:
            left = session.scalar(
                select(InboundFile.id)
                .where(InboundFile.status.in_(("claimed", "ingested")))
                .limit(1)
            )
        return left is not None or bool(waiting(self.config))


def _isa13(path: Path) -> str:
    """ISA13 when the file has a readable one, else zeros."""
    try:
        with path.open("rb") as source:
            head = source.read(106).decode("latin-1")
    except OSError:
        return "000000000"
    if head.startswith("ISA") and len(head) >= 100:
        control = head.split(head[3])[13] if len(head.split(head[3])) > 13 else ""
        if control.isdigit() and len(control) == 9:
            return control
    return "000000000"


def _report(file: InboundFile, reasons: list[str], config: SweepConfig) -> str:
    partner = config.partner(file.partner or "")
    lines = [
        f"File:      {file.name}",
        f"From:      {partner.name if partner else '?'} ({file.partner or 'unknown'})",
        f"Received:  {file.received_at:%Y-%m-%d %H:%M}",
        f"Size:      {file.size:,} bytes",
        f"SHA-256:   {file.sha256}",
        "",
        "It was not processed, because:",
        *(f"  - {reason}" for reason in reasons),
        "",
        "What to do: ask the sender for a corrected file (a TA1 rejection was sent to them",
        "unless their acknowledgment preference is 'never'); the corrected file is swept",
        "like any other once it is in their inbound folder.",
    ]
    return "\n".join(lines) + "\n"

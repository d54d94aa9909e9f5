"""A recorded inbound file read once, whatever brought it in (`ebt process`, a sweep, a
reprocessing): its interchanges checked against the channel it came by and recorded, every
transaction set turned once into what deciding needs (`InboundSet`) and handed on in
batches, in delivery order, to a sink that decides them at once (`DecideNow`) or queues them
for the sweep's decide phase (`Enqueue`); at the end the file's own findings, the 997s and
TA1s it is owed and the 997s it carries, with its new state, in one database transaction.

A run that died part way resumes: the sets through the position the file records were taken
already, interchanges already recorded are not recorded (nor refused) again.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, BinaryIO, Protocol, cast

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ebt.acks.functional import Acknowledger, InterchangeAck
from ebt.channel import Channel, ChannelCheck, Registry
from ebt.check import FileFindings, GroupStart, InterchangeStart, SetResult
from ebt.findings import Finding
from ebt.formats.detect import checker_for
from ebt.mapping.mapper import iter_segments
from ebt.mapping.records import FunctionalAck
from ebt.market.inbound import InboundSet
from ebt.market.reference import Market
from ebt.pipeline.acks import match_acks
from ebt.pipeline.ahead import ahead
from ebt.pipeline.outbox import encode_body
from ebt.store.schema import FindingRow, InboundFile, Interchange, Outbox, Transaction
from ebt.sweep.faults import crash_point
from ebt.syntax.envelope import GroupEnd, InterchangeEnd
from ebt.syntax.envelope import Interchange as EnvelopeInterchange
from ebt.syntax.writer import segments_text

BATCH = 1000
# interchanges refused without an answer: a repeat, or the wrong mode (test / production)
SILENT_REFUSALS = frozenset({"DUPLICATE-INTERCHANGE", "ISA15-MODE"})


@dataclass(frozen=True, slots=True)
class Terms:
    """What is agreed with the partner a file comes from, as the intake applies it."""

    channel: Channel | None  # None: `ebt process` without --from (ISA06 says)
    registry: Registry
    ta1: str = "on_error"  # always, on_error, never
    send_997: bool = True
    production: bool | None = None  # the ISA15 mode expected; None: either
    duplicate_window_days: int | None = None  # None: repeated interchanges are not looked for
    config_name: str = "partners.toml"  # named in a finding that points at a setting


@dataclass(slots=True)
class IntakeSummary:
    """What one run of the intake did with a file."""

    file: str
    sets: int = 0  # sets taken by this run
    skipped: int = 0  # taken by an earlier, interrupted run
    duplicate_interchanges: list[str] = field(default_factory=list)
    refused_interchanges: list[str] = field(default_factory=list)  # its mode or sender
    refused: list[str] = field(default_factory=list)  # what was refused for its sender
    acks_matched: int = 0
    problems: list[str] = field(default_factory=list)  # errors outside the sets
    interchanges: int = 0

    @property
    def readable(self) -> bool:
        """Whether the file held an interchange at all."""
        return self.interchanges > 0


class Sink(Protocol):
    """Where the intake hands a file's sets, a batch at a time, in delivery order."""

    def take(self, file_id: int, batch: list[InboundSet], interchanges: dict[str, int]) -> None:
        """Take one batch for good: committed with the file's position set to the batch's
        last (`taken`), so that a run resumes after it; before returning, or at the latest
        by `settle`."""
        ...

    def end(self, file_id: int, record: Callable[[Session], None]) -> None:
        """Run `record` (the file's end: it commits its own transaction) after every batch
        taken is committed; before returning, or at the latest by `settle`."""
        ...

    def settle(self) -> None:
        """Return once every batch taken and every end is committed (raising what stopped
        one)."""
        ...


class Intake:
    """Reads one recorded file into a sink."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        market: Market,
        terms: Terms,
        sink: Sink,
        progress: Callable[[int], None] | None = None,
    ):
        self.sessions = sessions
        self.market = market
        self.terms = terms
        self.sink = sink
        self.progress = progress

    def run(
        self,
        file_id: int,
        name: str,
        source: BinaryIO,
        *,
        state: str,
        unreadable: bool = True,
        again: bool = False,
    ) -> IntakeSummary:
        """Take every set of the file; then its findings, acknowledgments and `state`. A
        file with no interchange at all is left as it is unless `unreadable` says to
        record it too (a sweep sets such a file aside in error/ instead). `again` (an
        operator's reprocessing): sets already decided are skipped, whatever their
        position, and interchanges refused before are looked at anew.

        The file's end is the sink's to record after its batches (`Sink.end`): it may still
        be being written when this returns, and is committed once the sink settles. Until
        then the caller holds on to the file (`acks_matched` is counted then, too)."""
        run = _Run(self, file_id, name, again)
        counted = _Counted(source, self.progress) if self.progress is not None else None
        read = cast(BinaryIO, counted) if counted is not None else source
        events = checker_for(read, name=name).events()  # X12, XML or EDIFACT
        try:
            for event in ahead(events, taken=counted.tell_progress if counted else None):
                run.feed(event)
            if counted is not None:
                counted.tell_progress()
            run.flush()
            return run.finish(state, unreadable)
        except BaseException:
            self.sink.settle()  # what was taken is committed (or its error raised) first
            raise


class _Counted(io.RawIOBase):
    """A binary stream that counts the bytes read from it (in the reader's thread) and
    tells the progress callback how many since it last told (in the caller's)."""

    def __init__(self, source: BinaryIO, progress: Callable[[int], None]):
        self.source = source
        self.progress = progress
        self.count = 0  # read so far
        self.told = 0  # told so far

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.count += len(data)
        return data

    def tell_progress(self) -> None:
        count = self.count
        if count > self.told:
            self.progress(count - self.told)
            self.told = count

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Run:
    def __init__(self, intake: Intake, file_id: int, name: str, again: bool):
        self.intake = intake
        self.sessions = intake.sessions
        self.market = intake.market
        self.terms = intake.terms
        self.file_id = file_id
        self.summary = IntakeSummary(name)
        self.check = ChannelCheck(self.terms.channel, self.terms.registry, file=name)
        self.acker = Acknowledger()
        self.answers: list[tuple[str, InterchangeAck]] = []  # (recipient, what it is owed)
        self.findings: list[Finding] = []  # errors outside the sets
        self.acks: list[tuple[str, FunctionalAck]] = []  # the 997s it carries
        self.batch: list[InboundSet] = []
        self.position = 0
        self.silent = False  # in an interchange refused without an answer
        self.again = again
        self.decided: set[tuple[str, str, str]] = set()  # taken before: (ISA13, GS06, ST02)
        with self.sessions() as session:
            self.done = (
                session.scalar(select(InboundFile.position).where(InboundFile.id == file_id)) or 0
            )
            if again:
                self.done = 0
                self.decided = {
                    (isa, gs, st)
                    for isa, gs, st in session.execute(
                        select(Interchange.control, Transaction.group_control, Transaction.control)
                        .join(Transaction, Transaction.interchange_id == Interchange.id)
                        .where(Interchange.file_id == file_id)
                        .where(Transaction.status != "syntax_error")
                    )
                }
            self.known: dict[str, tuple[int, str | None]] = {
                control: (row_id, refused)
                for control, row_id, refused in session.execute(
                    select(Interchange.control, Interchange.id, Interchange.refused).where(
                        Interchange.file_id == file_id
                    )
                )
            }

    @property
    def interchange_ids(self) -> dict[str, int]:
        return {control: row_id for control, (row_id, _) in self.known.items()}

    def feed(self, event: object) -> None:
        refusal = None
        if isinstance(event, InterchangeStart):
            refusal = self.check.interchange(event)  # ISA06 must be the channel's
        elif isinstance(event, GroupStart):
            refusal = self.check.group(event)  # GS02 too
        answer = self.acker.feed(event)
        if answer is not None and not self.silent:
            self.answers.append((self.check.sender, answer))
        if refusal is not None:
            self.findings.append(refusal)
            self.summary.refused.append(f"{refusal.code}: {refusal.message}")
        if isinstance(event, InterchangeStart):
            self.summary.interchanges += 1
            self.silent = self._interchange(event, refusal.code if refusal else None)
        elif isinstance(event, FileFindings | InterchangeEnd | GroupEnd):
            self.findings.extend(f for f in event.findings if f.is_error)
        elif isinstance(event, SetResult) and not (self.silent or self.check.refused):
            self._set(event)

    def _interchange(self, event: InterchangeStart, refused: str | None) -> bool:
        """Record the interchange (once: not again when a run resumes); True when it is
        refused without an answer (a repeat, the wrong mode). One refused for its sender
        (`refused`) is answered (TA1 and 997 rejections to the channel); neither has its
        sets taken."""
        inter = event.interchange
        known = self.known.get(inter.control)
        if known is not None and not (self.again and known[1] is not None):
            return known[1] in SILENT_REFUSALS
        with self.sessions() as session:
            if refused is None:
                refused = self._repeated(session, inter) or self._wrong_mode(session, inter)
            else:
                self.summary.refused_interchanges.append(inter.control)
            if known is not None:  # refused before, looked at again
                row = session.get(Interchange, known[0])
                assert row is not None
                row.refused = refused
            else:
                row = Interchange(
                    file_id=self.file_id,
                    control=inter.control,
                    sender=inter.sender[1],
                    receiver=inter.receiver[1],
                    production=inter.production,
                    refused=refused,
                )
                session.add(row)
            session.commit()
            self.known[inter.control] = (row.id, refused)
        return refused in SILENT_REFUSALS

    def _repeated(self, session: Session, inter: EnvelopeInterchange) -> str | None:
        """DUPLICATE-INTERCHANGE (its finding recorded) when the same sender sent this ISA13
        within the window."""
        window = self.terms.duplicate_window_days
        if window is None:
            return None
        channel = self.terms.channel
        senders = sorted(channel.ids) if channel else [inter.sender[1]]
        since = self.market.now - timedelta(days=window)
        earlier = session.execute(
            select(InboundFile.name, InboundFile.received_at)
            .join(Interchange, Interchange.file_id == InboundFile.id)
            .where(Interchange.sender.in_(senders), Interchange.control == inter.control)
            .where(Interchange.refused.is_(None))
            .where(Interchange.file_id != self.file_id)
            .where(InboundFile.received_at >= since)
            .limit(1)
        ).first()
        if earlier is None:
            return None
        who = f"{channel.name} ({channel.duns})" if channel else inter.sender[1]
        message = (
            f"Interchange {inter.control} from {who} was already received in {earlier[0]} on "
            f"{earlier[1]:%Y-%m-%d}; it is not processed again."
        )
        self.summary.duplicate_interchanges.append(inter.control)
        session.add(_finding_row(self.file_id, "DUPLICATE-INTERCHANGE", message))
        return "DUPLICATE-INTERCHANGE"

    def _wrong_mode(self, session: Session, inter: EnvelopeInterchange) -> str | None:
        """ISA15-MODE (its finding recorded) when a test interchange comes from a production
        partner, or the reverse."""
        expected, channel = self.terms.production, self.terms.channel
        if expected is None or channel is None or inter.production == expected:
            return None
        marked = "production (ISA15 P)" if inter.production else "test (ISA15 T)"
        wanted = "production" if expected else "test"
        message = (
            f"Interchange {inter.control} from {channel.name} is marked {marked}, but "
            f"{channel.name} is configured for {wanted} exchange ([[partner]] production in "
            f"{self.terms.config_name}); it is not processed."
        )
        self.summary.refused_interchanges.append(inter.control)
        session.add(_finding_row(self.file_id, "ISA15-MODE", message))
        return "ISA15-MODE"

    def _set(self, result: SetResult) -> None:
        self.position += 1
        record = result.record
        if isinstance(record, FunctionalAck):
            self.acks.append((self.check.sender, record))
        tx = result.transaction
        if self.position <= self.done or (
            self.again
            and (tx.group.interchange.control, tx.group.control, tx.control) in self.decided
        ):
            self.summary.skipped += 1
            return
        self.batch.append(
            InboundSet(
                interchange=tx.group.interchange.control,
                group=tx.group.control,
                control=tx.control,
                set_id=tx.set_id,
                position=self.position,
                sender=self.check.sender,
                raw=segments_text(tx.segments, tx.group.interchange.separators),
                record=record,
                findings=tuple(result.findings),
            )
        )
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        self.intake.sink.take(self.file_id, self.batch, self.interchange_ids)
        crash_point("parse")
        self.summary.sets += len(self.batch)
        self.batch = []

    def finish(self, state: str, unreadable: bool) -> IntakeSummary:
        """What the run did; the file's end handed to the sink to record after its last
        batch (`end`)."""
        summary = self.summary
        self.findings = list(dict.fromkeys(self.findings))  # a group's come with its end too
        summary.problems = [f"{f.code}: {f.message}" for f in self.findings]
        if summary.interchanges == 0 and not unreadable:
            return summary
        self.intake.sink.end(self.file_id, lambda session: self.end(session, state))
        return summary

    def end(self, session: Session, state: str) -> None:
        """The file's findings, the acknowledgments it is owed and the 997s it carries, with
        its new state (unless an earlier run finished it), committed."""
        row = session.get(InboundFile, self.file_id)
        assert row is not None
        if row.status == state:
            return
        session.add_all(_finding_row(self.file_id, f.code, f.message, f) for f in self.findings)
        session.add_all(self._acknowledgments())
        self.summary.acks_matched = match_acks(
            session, self.acks, self.market.now, carrier=self.summary.file
        )
        row.status = state
        row.errors = len(self.findings)
        session.commit()
        crash_point("ingest")

    def _acknowledgments(self) -> Iterable[Outbox]:
        """The TA1s (under the partner's preference) and 997s the file is owed, each to the
        partner it came from, whatever its envelope names."""
        mapping = self.market.mapping("997")
        now, terms = self.market.now, self.terms
        for recipient, answer in self.answers:
            ta1 = _ta1(answer, terms.ta1)
            if ta1 is not None:
                body = json.dumps(ta1)
                kind = f"ta1:{self.file_id}"
                yield Outbox(
                    recipient=recipient, set_id="TA1", kind=kind, body=body, created_at=now
                )
            if not terms.send_997:
                continue
            for ack in answer.acks:
                yield Outbox(
                    recipient=recipient,
                    set_id="997",
                    kind=f"ack:{self.file_id}",
                    body=encode_body(iter_segments(ack, mapping)),
                    created_at=now,
                )


def _ta1(answer: InterchangeAck, preference: str) -> dict[str, str] | None:
    """The TA1 the interchange gets under the partner's preference (always, on_error, never)."""
    if preference == "never":
        return None
    if answer.ta1 is not None:
        code, note = answer.ta1
    elif preference == "always":
        code, note = "A", "000"
    else:
        return None
    return {"control": answer.interchange.control, "code": code, "note": note}


def _finding_row(file_id: int, code: str, message: str, found: Finding | None = None) -> FindingRow:
    where = found.location if found else None
    return FindingRow(
        file_id=file_id,
        code=code,
        severity=found.severity.value if found else "error",
        message=message,
        segment=where.segment if where else None,
        position=where.position if where else None,
        element=where.element if where else None,
        origin=where.origin[:120] if where and where.origin else None,
    )


def taken(session: Session, file_id: int, position: int) -> None:
    """Record in the caller's transaction that the file's sets are taken through
    `position` (what a sink does with each batch it commits)."""
    session.execute(update(InboundFile).where(InboundFile.id == file_id).values(position=position))

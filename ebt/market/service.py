"""Process an inbound file: validate, decide every supplier request, commit, answer.

One inbound file is recorded with its hash (a file already processed is not processed
again); its interchanges and transaction sets are recorded with their raw text and findings;
every valid CES request is decided by its decision table in delivery order (first in wins)
against the account aggregates; the state change, the decision with its trace and every
outbound message (outbox) are committed in one database transaction per batch. A crash is
recovered by running the same file again: what was committed is skipped.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ebt.acks.functional import Acknowledger, InterchangeAck
from ebt.channel import Channel, ChannelCheck, Registry
from ebt.check import FileFindings, GroupStart, InterchangeStart, SetResult
from ebt.findings import Finding
from ebt.formats.detect import checker_for
from ebt.guides.loader import default_guidebook
from ebt.mapping.mapper import guidebook_mapping, iter_segments
from ebt.mapping.records import Transaction814
from ebt.market.decider import Decider, Market, Reference
from ebt.market.outbound import encode_body
from ebt.rules.tables import Verdict
from ebt.store.schema import (
    FindingRow,
    InboundFile,
    Interchange,
    Outbox,
    TradingPartner,
    Transaction,
)
from ebt.syntax.envelope import GroupEnd, InterchangeEnd

BATCH = 500


@dataclass(slots=True)
class RunSummary:
    """What one `process` run did with a file."""

    file: str
    duplicate: bool = False
    resumed: bool = False
    transactions: int = 0
    skipped: int = 0  # already committed by an earlier, interrupted run
    syntax_errors: int = 0
    refused: list[str] = field(default_factory=list)  # interchanges and groups, why
    outcomes: dict[str, int] = field(default_factory=dict)
    rejects: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # errors in the file's bytes or envelopes


def file_digest(path: Path) -> tuple[str, int]:
    with path.open("rb") as source:
        return stream_digest(source)


def stream_digest(source: BinaryIO) -> tuple[str, int]:
    """The SHA-256 and size of what `source` holds, read a MiB at a time."""
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: source.read(1 << 20), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def store_registry(session: Session) -> Registry:
    """The partners registered in the store, by DUNS (the ids `ebt process` knows)."""
    rows = session.execute(select(TradingPartner.duns, TradingPartner.name))
    return Registry({duns: (duns, name) for duns, name in rows})


class Processor:
    """Process inbound files into the store with the market's rules. `sender` (the DUNS of
    `ebt process --from`) says whose files they are; without it each interchange's ISA06
    does, and its GS02 must agree (`ebt.channel`)."""

    def __init__(
        self, sessions: sessionmaker[Session], market: Market, *, sender: str | None = None
    ):
        self.sessions = sessions
        self.market = market
        with sessions() as session:
            self.registry = store_registry(session)
        self.channel: Channel | None = None
        if sender is not None:
            self.channel = self.registry.channel(sender, "--from")
            if self.channel is None:
                raise UnknownSenderError(sender)

    def process_path(self, path: Path) -> RunSummary:
        digest, size = file_digest(path)
        with path.open("rb") as source:
            return self.process(source, name=path.name, digest=digest, size=size)

    def process_bytes(self, data: bytes, name: str) -> RunSummary:
        digest = hashlib.sha256(data).hexdigest()
        return self.process(io.BytesIO(data), name=name, digest=digest, size=len(data))

    def process(self, source: BinaryIO, *, name: str, digest: str, size: int) -> RunSummary:
        summary = RunSummary(name)
        with self.sessions() as session:
            known = session.scalar(select(InboundFile).where(InboundFile.sha256 == digest))
            if known is not None and known.status == "processed":
                summary.duplicate = True
                return summary
            if known is None:
                known = InboundFile(
                    name=name,
                    sha256=digest,
                    size=size,
                    status="received",
                    received_at=self.market.now,
                    partner=self.channel.duns if self.channel else None,
                )
                session.add(known)
                session.commit()
            else:
                summary.resumed = True
            file_id = known.id
        check = ChannelCheck(self.channel, self.registry, file=name)
        run = _Run(self, file_id, check, summary)
        run.consume(checker_for(source, name=name).events())  # X12, XML or EDIFACT
        run.finish()
        return summary


class UnknownSenderError(LookupError):
    """`--from` names no partner registered in the store."""


class _Run:
    def __init__(
        self, processor: Processor, file_id: int, check: ChannelCheck, summary: RunSummary
    ):
        self.processor = processor
        self.market = processor.market
        self.file_id = file_id
        self.check = check
        self.summary = summary
        self.acker = Acknowledger()
        self.reference: Reference | None = None
        self.answers: list[tuple[str, InterchangeAck]] = []  # (recipient, what it is owed)
        self.senders: dict[str, str] = {}  # interchange control -> the partner it came from
        with processor.sessions() as session:
            self.done = {
                (ic, gc, sc)
                for ic, gc, sc in session.execute(
                    select(Interchange.control, Transaction.group_control, Transaction.control)
                    .join(Transaction, Transaction.interchange_id == Interchange.id)
                    .where(Interchange.file_id == file_id)
                )
            }
            rows = session.execute(
                select(Interchange.control, Interchange.id).where(Interchange.file_id == file_id)
            )
            self.interchange_ids: dict[str, int] = dict(rows.all())
            # the file's own findings an earlier, interrupted run recorded: not again
            self.recorded: set[tuple[str, str, str | None, int | None, str | None]] = set(
                session.execute(
                    select(
                        FindingRow.code,
                        FindingRow.message,
                        FindingRow.segment,
                        FindingRow.position,
                        FindingRow.element,
                    )
                    .where(FindingRow.file_id == file_id)
                    .where(FindingRow.transaction_id.is_(None))
                ).all()
            )

    def consume(self, events: Iterator[object]) -> None:
        batch: list[SetResult] = []
        check = self.check
        for event in events:
            refusal = None
            if isinstance(event, InterchangeStart):
                refusal = check.interchange(event)
            elif isinstance(event, GroupStart):
                refusal = check.group(event)
            answer = self.acker.feed(event)
            if answer is not None:
                self.answers.append((check.sender, answer))
            if isinstance(event, InterchangeStart):
                self._interchange(event, refusal.code if refusal else None)
            if refusal is not None:
                self.summary.refused.append(f"{refusal.code}: {refusal.message}")
                self._file_findings([refusal])
            elif isinstance(event, FileFindings | InterchangeEnd | GroupEnd):
                self._file_findings(event.findings)
            elif isinstance(event, SetResult) and not check.refused:
                batch.append(event)
                if len(batch) >= BATCH:
                    self._batch(batch)
                    batch = []
        if batch:
            self._batch(batch)

    def _file_findings(self, found: list[Finding]) -> None:
        """Errors outside any transaction set: kept with the file, and said in the summary."""
        errors = []
        for f in found:
            where = f.location
            key = (f.code, f.message, where.segment, where.position, where.element)
            if f.is_error and key not in self.recorded:
                self.recorded.add(key)
                errors.append(f)
        if not errors:
            return
        self.summary.problems.extend(f"{f.code}: {f.message}" for f in errors)
        with self.processor.sessions() as session:
            session.add_all(
                FindingRow(
                    file_id=self.file_id,
                    code=f.code,
                    severity=f.severity.value,
                    message=f.message,
                    segment=f.location.segment,
                    position=f.location.position,
                    element=f.location.element,
                    origin=f.location.origin[:120] if f.location.origin else None,
                )
                for f in errors
            )
            session.commit()

    def _interchange(self, event: InterchangeStart, refused: str | None) -> None:
        inter = event.interchange
        self.senders[inter.control] = self.check.sender
        if inter.control in self.interchange_ids:
            return
        with self.processor.sessions() as session:
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
            self.interchange_ids[inter.control] = row.id

    def _batch(self, batch: Sequence[SetResult]) -> None:
        todo = [r for r in batch if _key(r) not in self.done]
        self.summary.skipped += len(batch) - len(todo)
        if not todo:
            return
        with self.processor.sessions() as session:
            if self.reference is None:
                self.reference = Reference(session)  # partners and cycle reads: once a run
            decider = Decider(
                session, self.market, self.file_id, self.interchange_ids, self.reference
            )
            decider.load(todo)
            for result in todo:
                sender = self.senders[result.transaction.group.interchange.control]
                outcome = decider.take(result, sender)
                self.summary.transactions += 1
                if outcome == "syntax_error":
                    self.summary.syntax_errors += 1
                else:
                    self.summary.outcomes[outcome] = self.summary.outcomes.get(outcome, 0) + 1
                code = decider.last_code
                if code:
                    self.summary.rejects[code] = self.summary.rejects.get(code, 0) + 1
            decider.flush()
            session.commit()

    def finish(self) -> None:
        """The 997s the file is owed, into the outbox; the file is then processed."""
        mapping = guidebook_mapping(default_guidebook(), "997", self.market.today)
        with self.processor.sessions() as session:
            already = session.scalar(
                select(Outbox.id).where(
                    Outbox.set_id == "997", Outbox.kind == f"ack:{self.file_id}"
                )
            )
            if already is None:
                for recipient, answer in self.answers:
                    for ack in answer.acks:
                        session.add(
                            Outbox(
                                recipient=recipient,
                                set_id="997",
                                kind=f"ack:{self.file_id}",
                                body=encode_body(iter_segments(ack, mapping)),
                                created_at=self.market.now,
                            )
                        )
            row = session.get(InboundFile, self.file_id)
            assert row is not None
            row.status = "processed"
            row.errors = self.summary.syntax_errors
            session.commit()


def _key(result: SetResult) -> tuple[str, str, str]:
    tx = result.transaction
    return (tx.group.interchange.control, tx.group.control, tx.control)


def return_to_standard_offer(
    sessions: sessionmaker[Session], market: Market, account: str
) -> tuple[Verdict, Transaction814]:
    """The customer called to leave its CES: decide, commit, and queue the drop notice."""
    with sessions() as session:
        decider = Decider(session, market, 0, {})
        verdict, notice = decider.return_to_standard_offer(account)
        decider.flush()
        session.commit()
    return verdict, notice

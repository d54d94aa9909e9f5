"""Ingest one claimed file: read and check it, record its interchanges, put every
transaction set on the delivery queue, match the 997s it carries to what was sent, and queue
the 997s it is owed — without deciding anything (the decide phase does that, in delivery
order per account).

Sets go on the queue in batches, each committed with its positions, so a run that died part
way resumes after the last committed position. The file's findings, the 997s it is owed and
its new state are committed together at the end.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ebt.acks.functional import Acknowledger, InterchangeAck
from ebt.channel import ChannelCheck
from ebt.check import FileFindings, GroupStart, InterchangeStart, SetResult
from ebt.findings import Finding
from ebt.formats.detect import checker_for
from ebt.guides.loader import default_guidebook
from ebt.mapping.mapper import guidebook_mapping, iter_segments
from ebt.mapping.records import FunctionalAck, Transaction814
from ebt.market.decider import Market
from ebt.market.outbound import encode_body
from ebt.market.rows import insert_many, table_of
from ebt.store.schema import (
    DeliveryQueue,
    FindingRow,
    InboundFile,
    Interchange,
    OutboundFile,
    Outbox,
    QueueState,
    WorkItem,
)
from ebt.sweep.config import SweepConfig
from ebt.sweep.faults import crash_point
from ebt.sweep.folders import open_plain
from ebt.sweep.queue import (
    envelope_head,
    partition_count,
    partition_of,
    separators_text,
    set_text,
)
from ebt.syntax.envelope import GroupEnd, InterchangeEnd
from ebt.syntax.envelope import Interchange as EnvelopeInterchange

QUEUE_BATCH = 1000
# interchanges refused without an answer: a repeat, or the wrong mode (test / production)
SILENT_REFUSALS = frozenset({"DUPLICATE-INTERCHANGE", "ISA15-MODE"})


@dataclass(slots=True)
class IngestSummary:
    file: str
    sets: int = 0
    duplicate_interchanges: list[str] = field(default_factory=list)
    refused_interchanges: list[str] = field(default_factory=list)  # its mode or sender
    acks_matched: int = 0
    problems: list[str] = field(default_factory=list)  # errors outside the sets
    readable: bool = True


class Ingester:
    """Puts one claimed file's sets on the delivery queue."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        market: Market,
        config: SweepConfig,
        progress: Callable[[int], None] | None = None,
    ):
        self.sessions = sessions
        self.market = market
        self.config = config
        self.progress = progress

    def run(self, file: InboundFile) -> IngestSummary:
        assert file.path is not None
        run = _Ingest(self, file)
        with open_plain(Path(file.path)) as source:  # never through a link
            for event in checker_for(source, name=file.name).events():  # X12, XML or EDIFACT
                run.feed(event)
        run.flush()
        return run.finish()


class _Ingest:
    def __init__(self, ingester: Ingester, file: InboundFile):
        self.sessions = ingester.sessions
        self.market = ingester.market
        self.config = ingester.config
        self.progress = ingester.progress
        self.file = file
        self.summary = IngestSummary(file.name)
        # the file is its channel's: the partner whose inbound folder it was claimed from
        self.channel = self.config.channel(file.partner or "")
        self.check = ChannelCheck(self.channel, self.config.registry(), file=file.name)
        self.acker = Acknowledger()
        self.answers: list[InterchangeAck] = []
        self.findings: list[Finding] = []
        self.acks: list[tuple[str, FunctionalAck]] = []
        self.rows: list[dict[str, Any]] = []
        self.position = 0
        self.skipping = False
        self.interchanges = 0
        self.group: object = None
        self.head = ""
        with self.sessions() as session:
            self.partitions = partition_count(session.get_bind().dialect.name)
            self.done = (
                session.scalar(
                    select(func.max(DeliveryQueue.position)).where(DeliveryQueue.file_id == file.id)
                )
                or 0
            )
            # interchanges an earlier, interrupted run recorded, and whether it skipped them
            self.known: dict[str, str | None] = dict(
                session.execute(
                    select(Interchange.control, Interchange.refused).where(
                        Interchange.file_id == file.id
                    )
                ).all()
            )

    def feed(self, event: object) -> None:
        refusal = None
        if isinstance(event, InterchangeStart):
            refusal = self.check.interchange(event)  # ISA06 must be the channel's
        elif isinstance(event, GroupStart):
            refusal = self.check.group(event)  # GS02 too
        answer = self.acker.feed(event)
        if answer is not None and not self.skipping:
            self.answers.append(answer)
        if refusal is not None:
            self.findings.append(refusal)
        if isinstance(event, InterchangeStart):
            self.interchanges += 1
            self.skipping = self._interchange(event, refusal.code if refusal else None)
        elif isinstance(event, FileFindings | InterchangeEnd | GroupEnd):
            self.findings.extend(f for f in event.findings if f.is_error)
        elif isinstance(event, SetResult) and not self.check.refused:
            self._set(event)

    def _interchange(self, event: InterchangeStart, refused: str | None) -> bool:
        """Record the interchange; True when it repeats one already received (same sender
        and ISA13 within the retention window) or is refused for its mode: its sets are not
        taken, and it gets no answer. One refused for its sender (`refused`) is answered
        (TA1 and 997 rejections to the channel) but its sets are not taken either."""
        inter = event.interchange
        control = inter.control
        if control in self.known:  # recorded by an earlier, interrupted run of this file
            return self.known[control] in SILENT_REFUSALS
        with self.sessions() as session:
            if refused is None:
                refused = self._duplicate(session, inter) or self._mode_mismatch(session, inter)
            else:
                self.summary.refused_interchanges.append(control)
            session.add(
                Interchange(
                    file_id=self.file.id,
                    control=control,
                    sender=inter.sender[1],
                    receiver=inter.receiver[1],
                    production=inter.production,
                    refused=refused,
                )
            )
            session.commit()
        self.known[control] = refused
        return refused in SILENT_REFUSALS

    def _duplicate(self, session: Session, inter: EnvelopeInterchange) -> str | None:
        """DUPLICATE-INTERCHANGE (its finding recorded) when the channel's partner already
        sent this ISA13 within the retention window."""
        control = inter.control
        since = self.market.now - timedelta(days=self.config.duplicate_window_days)
        earlier = session.execute(
            select(InboundFile.name, InboundFile.received_at)
            .join(Interchange, Interchange.file_id == InboundFile.id)
            .where(Interchange.sender.in_(sorted(self.channel.ids)))
            .where(Interchange.control == control)
            .where(Interchange.refused.is_(None))
            .where(Interchange.file_id != self.file.id)
            .where(InboundFile.received_at >= since)
            .limit(1)
        ).first()
        if earlier is None:
            return None
        message = (
            f"Interchange {control} from {self.channel.name} ({self.channel.duns}) was "
            f"already received in {earlier[0]} on {earlier[1]:%Y-%m-%d}; it is not processed "
            "again."
        )
        self.summary.duplicate_interchanges.append(control)
        session.add(_finding_row(self.file.id, "DUPLICATE-INTERCHANGE", message))
        return "DUPLICATE-INTERCHANGE"

    def _mode_mismatch(self, session: Session, inter: EnvelopeInterchange) -> str | None:
        """ISA15-MODE (its finding recorded) when a test interchange comes from a production
        partner, or the reverse."""
        partner = self.config.partner(self.channel.duns)
        if partner is None or inter.production == partner.production:
            return None
        marked = "production (ISA15 P)" if inter.production else "test (ISA15 T)"
        wanted = "production" if partner.production else "test"
        message = (
            f"Interchange {inter.control} from {partner.name} is marked {marked}, but "
            f"{partner.name} is configured for {wanted} exchange ([[partner]] production in "
            f"{self.config.source.name}); it is not processed."
        )
        self.summary.refused_interchanges.append(inter.control)
        session.add(_finding_row(self.file.id, "ISA15-MODE", message))
        return "ISA15-MODE"

    def _set(self, result: SetResult) -> None:
        if self.skipping:
            return
        self.position += 1
        self.summary.sets += 1
        record = result.record
        if isinstance(record, FunctionalAck):
            self.acks.append((self.channel.duns, record))
        if self.position <= self.done:
            return
        tx = result.transaction
        account = record.account if isinstance(record, Transaction814) else None
        if self.group is not tx.group:
            self.group, self.head = tx.group, envelope_head(tx)
        head = self.head
        self.rows.append(
            {
                "file_id": self.file.id,
                "position": self.position,
                "partition": partition_of(account, self.position, self.partitions),
                "account_number": account,
                "head": head,
                "separators": separators_text(tx.group.interchange.separators),
                "raw": set_text(tx),
                "state": QueueState.PENDING.value,
            }
        )
        if len(self.rows) >= QUEUE_BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        with self.sessions() as session:
            insert_many(session.connection(), table_of(DeliveryQueue), self.rows)
            session.commit()
        if self.progress is not None:
            self.progress(len(self.rows))
        self.rows = []
        crash_point("parse")

    def finish(self) -> IngestSummary:
        """The file's findings, the 997s it is owed and the matched 997s, with its new state."""
        summary = self.summary
        self.findings = list(dict.fromkeys(self.findings))  # a group's come with its end too
        summary.problems = [f"{f.code}: {f.message}" for f in self.findings]
        if self.interchanges == 0:
            summary.readable = False
            return summary
        mapping = guidebook_mapping(default_guidebook(), "997", self.market.today)
        with self.sessions() as session:
            row = session.get(InboundFile, self.file.id)
            assert row is not None
            if row.status != "claimed":
                return summary  # finished by an earlier run
            session.add_all(_finding_row(self.file.id, f.code, f.message, f) for f in self.findings)
            partner = self.config.partner(self.channel.duns)
            recipient = self.channel.duns  # every answer to the channel, whatever ISA06 says
            for answer in self.answers:
                ta1 = _ta1(answer, partner.acknowledgments.ta1 if partner else "on_error")
                if ta1 is not None:
                    session.add(
                        Outbox(
                            recipient=recipient,
                            set_id="TA1",
                            kind=f"ta1:{self.file.id}",
                            body=json.dumps(ta1),
                            created_at=self.market.now,
                        )
                    )
                if partner is not None and not partner.acknowledgments.send_997:
                    continue
                for ack in answer.acks:
                    session.add(
                        Outbox(
                            recipient=recipient,
                            set_id="997",
                            kind=f"ack:{self.file.id}",
                            body=encode_body(iter_segments(ack, mapping)),
                            created_at=self.market.now,
                        )
                    )
            summary.acks_matched = match_acks(session, self.acks, self.market)
            row.status = "ingested"
            row.errors = len(self.findings)
            session.commit()
        crash_point("ingest")
        return summary


def match_acks(session: Session, acks: list[tuple[str, FunctionalAck]], market: Market) -> int:
    """Mark the files we sent that these 997s acknowledge (by sender and AK1 group)."""
    matched = 0
    for sender, ack in acks:
        pattern = f'%"{ack.functional_id}":"{ack.group_control.lstrip("0") or "0"}"%'
        sent = session.scalars(
            select(OutboundFile)
            .where(OutboundFile.recipient == sender)
            .where(OutboundFile.groups.like(pattern))
            .order_by(OutboundFile.id.desc())
            .limit(1)
        ).first()
        if sent is None:
            continue
        if sent.ack_status != "R":
            sent.ack_status = ack.status
        sent.acked_at = market.now
        if ack.status == "R" and sent.work_item_id is None:
            item = WorkItem(
                kind="ack_rejected",
                description=(
                    f"{sender} rejected group {ack.functional_id} {ack.group_control} of "
                    f"{sent.name} (997 AK9 R: {ack.accepted} of {ack.included} set(s) "
                    "accepted). Correct what its AK3/AK4 name and resend."
                ),
                status="open",
                created_at=market.now,
            )
            session.add(item)
            session.flush()
            sent.work_item_id = item.id
        matched += 1
    return matched


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
    )

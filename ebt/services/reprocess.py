"""`ebt reprocess`: an operator deliberately takes a file again through the pipeline, after
its partner fixed what was wrong (a setup problem, an id not yet registered, the wrong
test/production mode), recorded with when, why and who.

The file's original bytes come from archive/ or error/. Its sets already decided are not
decided again; what failed (a set that did not pass its checks, an interchange refused) is
taken as the file now reads; the 997s (and TA1s) it is owed as it now reads are queued
again. A file set aside in error/ is archived once it reads. Only this command passes the
refusal of a repeated file: the same bytes dropped in an inbox are still refused.
"""

from __future__ import annotations

import getpass
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from ebt.channel import Channel
from ebt.market.inbound import InboundSet
from ebt.market.reference import Market
from ebt.pipeline.decide import DecideNow, DecideSummary
from ebt.pipeline.intake import Intake, Terms
from ebt.pipeline.process import store_registry
from ebt.store.schema import InboundFile, Reprocessing
from ebt.sweep.config import SweepConfig
from ebt.sweep.folders import archive_path, open_plain
from ebt.sweep.locks import PARTITION_LOCKS, hold_in_transaction
from ebt.sweep.queue import PARTITIONS, partition_of


class ReprocessError(LookupError):
    """The file cannot be taken again; the message says why and what to do."""


@dataclass(slots=True)
class ReprocessSummary:
    file: str
    reprocessing: int  # its record's id
    decided: DecideSummary = field(default_factory=DecideSummary)
    skipped: int = 0  # sets decided before
    refused: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    archived_to: str | None = None


def find_file(session: Session, reference: str) -> InboundFile:
    """A received file by its id or name (the latest of that name)."""
    number = int(reference) if reference.isdigit() else -1
    found = session.scalar(
        select(InboundFile)
        .where(or_(InboundFile.id == number, InboundFile.name == reference))
        .order_by(InboundFile.id.desc())
        .limit(1)
    )
    if found is None:
        raise ReprocessError(f"no inbound file named {reference!r} (or with that id)")
    return found


def original(file: InboundFile) -> Path:
    """Where the file's original bytes are kept."""
    for kept in (file.archived_to, file.path):
        if kept and Path(kept).exists():
            return Path(kept)
    if file.status in ("received", "processed"):
        raise ReprocessError(
            f"{file.name} came in through `ebt process`, which keeps no copy of its bytes: "
            "process the file again with `ebt process` (its sets already decided are skipped)"
        )
    raise ReprocessError(
        f"the bytes of {file.name} are not where the store says they are "
        f"({file.archived_to or file.path}); restore the file there and run again"
    )


class _LockedDecideNow(DecideNow):
    """Decides each batch holding the partitions of its accounts, as a sweep would, so that
    a reprocessing and running sweeps never decide one account at once."""

    def take(self, file_id: int, batch: list[InboundSet], interchanges: dict[str, int]) -> None:
        with self.sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                for partition in sorted({partition_of(s.account, 0, PARTITIONS) for s in batch}):
                    hold_in_transaction(session, PARTITION_LOCKS, partition, wait=True)
            self.deciding.decide(session, file_id, batch, interchanges)
            session.commit()


def reprocess(
    sessions: sessionmaker[Session],
    market: Market,
    config: SweepConfig | None,
    reference: str,
    *,
    reason: str,
    operator: str | None = None,
) -> ReprocessSummary:
    """Take the file again, recorded with `reason` and `operator` (the OS user)."""
    if not reason.strip():
        raise ReprocessError("say why the file is taken again (--reason)")
    with sessions() as session:
        file = find_file(session, reference)
        source = original(file)
        if file.status in ("claimed", "ingested"):
            raise ReprocessError(f"{file.name} is being swept now ({file.status}); let it finish")
        record = Reprocessing(
            file_id=file.id,
            started_at=market.now,
            reason=reason.strip(),
            operator=operator or getpass.getuser(),
        )
        session.add(record)
        session.commit()
        summary = ReprocessSummary(file.name, record.id)
        file_id, name, partner, was = file.id, file.name, file.partner, file.status
    decided = summary.decided
    sink = _LockedDecideNow(sessions, market, decided, behind=False)
    intake = Intake(sessions, market, _terms(sessions, config, partner), sink)
    with open_plain(source) as stream:
        read = intake.run(file_id, name, stream, state="reprocessed", again=True)
    sink.settle()
    summary.skipped, summary.refused, summary.problems = read.skipped, read.refused, read.problems
    with sessions() as session:
        row = session.get(InboundFile, file_id)
        done = session.get(Reprocessing, summary.reprocessing)
        assert row is not None and done is not None
        if was == "error" and read.readable and config is not None:
            target = archive_path(config.archive, source, market.now)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(source, target)
            row.archived_to, row.path = str(target), None
            summary.archived_to = str(target)
        row.status = "archived" if row.archived_to else was
        done.finished_at = market.now
        done.decided = decided.transactions
        session.commit()
    return summary


def _terms(
    sessions: sessionmaker[Session], config: SweepConfig | None, partner: str | None
) -> Terms:
    """The terms of the partner the file came from: the configuration's, or (for a file of
    `ebt process --from`) the store's registry."""
    if config is not None and partner:
        registry = config.registry()
        channel: Channel | None = config.channel(partner)
        known = config.partner(partner)
        return Terms(
            channel=channel,
            registry=registry,
            ta1=known.acknowledgments.ta1 if known else "on_error",
            send_997=known.acknowledgments.send_997 if known else True,
            production=known.production if known else None,
            duplicate_window_days=config.duplicate_window_days,
            config_name=config.source.name,
        )
    with sessions() as session:
        registry = store_registry(session)
    channel = registry.channel(partner, "the partner recorded with the file") if partner else None
    return Terms(channel=channel, registry=registry, ta1="never")

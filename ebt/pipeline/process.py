"""`ebt process`: an inbound file given on the command line through the one pipeline.

The file is recorded with its hash (a file already processed, or taken by a sweep, is not
processed again: its 997 would go to the partner twice); the intake reads it once, deciding
every batch as it goes (`DecideNow`), each batch's state, decisions and answers committed
together; at the end its findings and the 997s it is owed.
A crash is recovered by running the same file again: what was committed is skipped. Whose
file it is comes from `--from DUNS`, else from each interchange's ISA06 (`ebt.channel`).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ebt.channel import Channel, Registry
from ebt.market.reference import Market
from ebt.pipeline.decide import DecideNow, DecideSummary
from ebt.pipeline.intake import Intake, Terms
from ebt.store.schema import InboundFile, TradingPartner


@dataclass(slots=True)
class RunSummary:
    """What one `process` run did with a file."""

    file: str
    known: tuple[int, str] | None = None  # the same bytes received before: (id, state)
    resumed: bool = False
    transactions: int = 0
    skipped: int = 0  # decided before (an earlier, interrupted run): skipped
    syntax_errors: int = 0
    refused: list[str] = field(default_factory=list)  # interchanges and groups, why
    outcomes: dict[str, int] = field(default_factory=dict)
    rejects: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # errors in the file's bytes or envelopes

    @property
    def duplicate(self) -> bool:
        """Processed before, or taken by a sweep: nothing was done again."""
        return self.known is not None


class UnknownSenderError(LookupError):
    """`--from` names no partner registered in the store."""


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
        self,
        sessions: sessionmaker[Session],
        market: Market,
        *,
        sender: str | None = None,
        progress: Callable[[int], None] | None = None,
    ):
        self.sessions = sessions
        self.market = market
        self.progress = progress  # told the bytes read
        with sessions() as session:
            registry = store_registry(session)
        channel: Channel | None = None
        if sender is not None:
            channel = registry.channel(sender, "--from")
            if channel is None:
                raise UnknownSenderError(sender)
        # ebt process answers with 997s; TA1s are the sweeps' (ebt ack writes one too)
        self.terms = Terms(channel=channel, registry=registry, ta1="never")

    def process_path(self, path: Path) -> RunSummary:
        digest, size = file_digest(path)
        with path.open("rb") as source:
            return self.process(source, name=path.name, digest=digest, size=size)

    def process_bytes(self, data: bytes, name: str) -> RunSummary:
        digest = hashlib.sha256(data).hexdigest()
        return self.process(io.BytesIO(data), name=name, digest=digest, size=len(data))

    def process(self, source: BinaryIO, *, name: str, digest: str, size: int) -> RunSummary:
        summary = RunSummary(name)
        channel = self.terms.channel
        with self.sessions() as session:
            known = session.scalar(select(InboundFile).where(InboundFile.sha256 == digest))
            if known is not None and known.status != "received":  # processed, or swept
                summary.known = (known.id, known.status)
                return summary
            if known is None:
                known = InboundFile(
                    name=name,
                    sha256=digest,
                    size=size,
                    status="received",
                    received_at=self.market.now,
                    partner=channel.duns if channel else None,
                )
                session.add(known)
                session.commit()
            else:
                summary.resumed = True
            file_id = known.id
        decided = DecideSummary()
        sink = DecideNow(self.sessions, self.market, decided)
        intake = Intake(self.sessions, self.market, self.terms, sink, self.progress)
        read = intake.run(file_id, name, source, state="processed")
        sink.settle()  # the file's end committed
        summary.transactions = decided.transactions
        summary.syntax_errors = decided.syntax_errors
        summary.outcomes, summary.rejects = decided.outcomes, decided.rejects
        summary.skipped, summary.refused = read.skipped, read.refused
        summary.problems = [p for p in read.problems if p not in read.refused]
        return summary

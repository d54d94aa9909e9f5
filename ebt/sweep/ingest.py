"""Ingest one claimed file: the one pipeline's intake (`ebt.pipeline.intake`) under the
terms agreed with the partner whose inbound folder the file came from.

On SQLite one sweep runs at a time, so each batch is decided as it is read; on PostgreSQL
several sweeps share the work, so each batch goes on the delivery queue and the decide phase
(`decide.py`) decides it in delivery order per account.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from ebt.market.reference import Market
from ebt.pipeline.intake import Intake, IntakeSummary, Sink, Terms
from ebt.store.schema import InboundFile
from ebt.sweep.config import SweepConfig
from ebt.sweep.folders import open_plain


class Ingester:
    """Reads claimed files into a sink (deciding at once, or the delivery queue)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        market: Market,
        config: SweepConfig,
        sink: Sink,
        progress: Callable[[int], None] | None = None,
    ):
        self.sessions = sessions
        self.market = market
        self.config = config
        self.sink = sink
        self.progress = progress

    def terms(self, file: InboundFile) -> Terms:
        """What the partner whose folder the file came from agreed to."""
        config = self.config
        partner = config.partner(file.partner or "")
        return Terms(
            channel=config.channel(file.partner or ""),
            registry=config.registry(),
            ta1=partner.acknowledgments.ta1 if partner else "on_error",
            send_997=partner.acknowledgments.send_997 if partner else True,
            production=partner.production if partner else None,
            duplicate_window_days=config.duplicate_window_days,
            config_name=config.source.name,
        )

    def run(self, file: InboundFile) -> IntakeSummary:
        assert file.path is not None
        intake = Intake(self.sessions, self.market, self.terms(file), self.sink, self.progress)
        with open_plain(Path(file.path)) as source:  # never through a link
            return intake.run(file.id, file.name, source, state="ingested", unreadable=False)

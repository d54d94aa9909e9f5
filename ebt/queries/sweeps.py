"""Sweep runs: each inbound or outbound sweep recorded with how long it took, and the last
ones read back for the Today page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ebt.queries.scope import Scope
from ebt.store.schema import SweepRun


@dataclass(frozen=True, slots=True)
class SweepRunRow:
    kind: str
    started_at: datetime
    seconds: float
    files: int
    transactions: int
    summary: str


def record_sweep_run(
    sessions: sessionmaker[Session],
    kind: str,
    *,
    started_at: datetime,
    seconds: float,
    files: int,
    transactions: int,
    summary: str,
) -> None:
    """Remember one sweep (its own short database transaction)."""
    with sessions() as session:
        session.add(
            SweepRun(
                kind=kind,
                started_at=started_at,
                seconds=round(seconds, 3),
                files=files,
                transactions=transactions,
                summary=summary[:2000],
            )
        )
        session.commit()


def last_sweeps(session: Session, scope: Scope, count: int) -> tuple[SweepRunRow, ...]:
    """The newest `count` sweeps; a supplier's user sees none (they cover every partner)."""
    if scope.is_supplier:
        return ()
    rows = session.scalars(
        select(SweepRun).order_by(SweepRun.started_at.desc(), SweepRun.id.desc()).limit(count)
    )
    return tuple(
        SweepRunRow(r.kind, r.started_at, r.seconds, r.files, r.transactions, r.summary)
        for r in rows
    )

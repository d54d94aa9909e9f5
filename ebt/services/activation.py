"""The daily activation (`ebt activate`, the scheduler's daily job), in one database
transaction: pending service with its start read becomes active, the rest work items;
service whose end has come is ended; CES receivables due are written off."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy.orm import Session, sessionmaker

from ebt.data.rules import default_parameter_book
from ebt.market import activation
from ebt.store.unit_of_work import service_unit


@dataclass(slots=True)
class ActivationReport:
    activated: list[int] = field(default_factory=list)  # service period ids
    ended: list[int] = field(default_factory=list)
    work_items: list[int] = field(default_factory=list)  # opened this run
    closed: list[int] = field(default_factory=list)  # work items closed by themselves
    written_off: list[int] = field(default_factory=list)  # final bill ids


def activate(
    sessions: sessionmaker[Session], today: date, now: datetime | None = None
) -> ActivationReport:
    """Run the daily activation as of `today` and commit; what it did, by row id."""
    parameters = default_parameter_book().parameters_for(today)
    with service_unit(
        sessions, today=today, now=now or datetime.combine(today, time(0, 0))
    ) as unit:
        done = activation.activate(unit, parameters)
    return ActivationReport(
        activated=[p.id or 0 for p in done.activated],
        ended=[p.id or 0 for p in done.ended],
        work_items=[i.id or 0 for i in done.work_items],
        closed=[i.id or 0 for i in done.closed],
        written_off=[b.id or 0 for b in done.written_off],
    )

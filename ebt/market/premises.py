"""The service timeline of a premise, and the unit of work the T&D's own processes decide in.

The service periods of a premise form a timeline like the supplier periods of an account:
periods cover [start, end) and never overlap (`PremiseService`). A premise whose service was
never recorded gets its periods from the accounts there when first touched: one active period
per account not closed, from the day it was opened (an account opened for a day still to come
gets its period from its start).

`ServiceUnit` is one command's view of the store: rows are read through the store's port
(`ports.ServiceStore`), each premise's timeline once, and every row the command adds is
collected (`writes.ServiceWrites`) for the store to write when the command is done.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from ebt.market.ports import ServiceStore
from ebt.market.rows import ProcessRow
from ebt.market.service_rows import ServicePeriodRow, WorkItemRow
from ebt.market.vocabulary import PeriodStatus, ProcessKind, ProcessState, ServiceRole
from ebt.market.writes import ServiceWrites
from ebt.rules.tables import Verdict


class ServiceUnit:
    """The store to read through, the day, and what the command adds."""

    def __init__(self, store: ServiceStore, *, today: date, now: datetime):
        self.store = store
        self.today = today
        self.now = now
        self.writes = ServiceWrites()
        self._premises: dict[tuple[int, str], PremiseService] = {}

    def premise(self, premise_id: int, service: str = "EL") -> PremiseService:
        """The premise's timeline for `service`, read (and seeded) once."""
        key = (premise_id, service)
        found = self._premises.get(key)
        if found is None:
            periods = self.store.service_periods(premise_id, service)
            found = self._premises[key] = PremiseService(self, premise_id, service, periods)
            if not periods:
                found.seed()
        return found

    def add_period(self, period: ServicePeriodRow) -> None:
        """A new service period; the premise's timeline holds it if read."""
        self.writes.service_periods.append(period)
        timeline = self._premises.get((period.premise_id, period.service))
        if timeline is not None:
            timeline.hold(period)

    def process_of(self, period: ServicePeriodRow) -> ProcessRow | None:
        """The process that made the period."""
        if period.process is not None:
            return period.process
        return self.store.process(period.process_id) if period.process_id else None

    def new_process(
        self,
        *,
        kind: ProcessKind,
        account_id: int | None,
        reference: str | None,
        effective_on: date | None,
        state: ProcessState = ProcessState.PENDING,
    ) -> ProcessRow:
        process = ProcessRow(
            kind=str(kind),
            account_id=account_id,
            ces_id=None,
            state=str(state),
            reference=reference,
            requested_on=self.today,
            effective_on=effective_on,
            created_at=self.now,
        )
        self.writes.processes.append(process)
        return process

    def work_item(
        self, kind: str, *, account_id: int | None, process: ProcessRow | None, text: str
    ) -> WorkItemRow:
        """An open work item for a person, belonging to `process`."""
        item = WorkItemRow(
            kind=kind,
            account_id=account_id,
            description=text,
            created_at=self.now,
            process=process,
            process_id=process.id if process is not None else None,
        )
        self.writes.work_items.append(item)
        return item

    def decision(self, verdict: Verdict, process: ProcessRow, reference: str) -> None:
        """The decision of one of the T&D's own tables, with its whole trace."""
        steps = [
            {"step": a.step, "question": a.question, "predicate": a.predicate, "answer": a.answer}
            for a in verdict.steps
        ]
        self.writes.decisions.append(
            {
                "transaction": None,
                "process": process,
                "reference": reference,
                "table_name": verdict.table,
                "table_version": verdict.version,
                "steps": json.dumps(steps),
                "outcome": verdict.outcome,
                "code": verdict.code,
                "decided_on": self.today,
            }
        )


def detail(process: ProcessRow) -> dict[str, Any]:
    """What the process carries, as written (rows by id)."""
    return dict(json.loads(process.detail)) if process.detail else {}


def note(process: ProcessRow, **items: Any) -> None:
    """Add to what the process carries (rows may be given as objects: see `notes_json`)."""
    notes = process.notes if process.notes is not None else detail(process)
    notes.update(items)
    process.notes = notes


def _order(period: ServicePeriodRow) -> tuple[date, bool, int]:
    """By start, then as the store numbers them: rows read by id, new rows after."""
    return (period.start, period.id is None, period.id or 0)


class PremiseService:
    """The service periods of one premise for one service, oldest first."""

    def __init__(
        self, unit: ServiceUnit, premise_id: int, service: str, periods: list[ServicePeriodRow]
    ):
        self.unit = unit
        self.premise_id = premise_id
        self.service = service
        self.periods = list(periods)

    def seed(self) -> None:
        store, today = self.unit.store, self.unit.today
        landlords = store.landlord_ids(self.premise_id)
        for account in store.accounts_at(self.premise_id):
            if account.opened_on > today:
                continue  # opened for a tenant to come: its start makes its period
            role = ServiceRole.LANDLORD if account.id in landlords else ServiceRole.TENANT
            self.add(account.id, role, account.opened_on, account.closed_on, PeriodStatus.ACTIVE)

    def add(
        self,
        account_id: int,
        role: ServiceRole,
        start: date,
        end: date | None,
        status: PeriodStatus,
        process: ProcessRow | None = None,
    ) -> ServicePeriodRow:
        period = ServicePeriodRow(
            premise_id=self.premise_id,
            account_id=account_id,
            service=self.service,
            role=str(role),
            start=start,
            end=end,
            status=str(status),
            process_id=process.id if process else None,
            process=process,
        )
        self.unit.add_period(period)
        return period

    def hold(self, period: ServicePeriodRow) -> None:
        self.periods.append(period)
        self.periods.sort(key=_order)

    def live(self) -> list[ServicePeriodRow]:
        return [p for p in self.periods if p.status != PeriodStatus.CANCELLED]

    def covering(self, day: date) -> ServicePeriodRow | None:
        for period in self.live():
            if period.start <= day and (period.end is None or day < period.end):
                return period
        return None

    def of_account(self, account_id: int) -> ServicePeriodRow | None:
        """The account's last live period here."""
        own = [p for p in self.live() if p.account_id == account_id]
        return own[-1] if own else None

    def starting_on_or_after(self, day: date) -> list[ServicePeriodRow]:
        return [p for p in self.live() if p.start >= day]

    def others(self, period: ServicePeriodRow) -> list[ServicePeriodRow]:
        """The other live periods."""
        return [p for p in self.live() if p is not period]

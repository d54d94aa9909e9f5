"""The daily activation over plain objects (ebt/market/activation.py): a period without its
start read opens one work item, named for that period alone, and the run that finds the
read activates the period and closes the item, saying why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ebt.data.rules import default_parameter_book
from ebt.market.activation import ACTIVATION, activate
from ebt.market.premises import ServiceUnit
from ebt.market.service_rows import FinalBillRow, ServicePeriodRow, WorkItemRow

START = date(2026, 12, 1)


@dataclass
class Store:
    """The part of the service store the activation reads, over lists."""

    periods: list[ServicePeriodRow]
    items: list[WorkItemRow] = field(default_factory=list)
    reads: set[tuple[int, date]] = field(default_factory=set)

    def pending_service(self, on: date) -> list[ServicePeriodRow]:
        return [p for p in self.periods if p.status == "pending" and p.start <= on]

    def has_read(self, premise_id: int, on: date) -> bool:
        return (premise_id, on) in self.reads

    def open_work_items(self, kind: str, prefix: str) -> list[WorkItemRow]:
        return [
            i
            for i in self.items
            if i.kind == kind and i.status == "open" and i.description.startswith(prefix)
        ]

    def account(self, account_id: int) -> None:
        return None

    def premise(self, premise_id: int) -> None:
        return None

    def active_service_ending(self, on: date) -> list[ServicePeriodRow]:
        return []

    def write_offs_due(self, on: date) -> list[FinalBillRow]:
        return []


def period(period_id: int, premise_id: int) -> ServicePeriodRow:
    return ServicePeriodRow(
        premise_id=premise_id,
        account_id=period_id,
        service="EL",
        role="tenant",
        start=START,
        end=None,
        status="pending",
        id=period_id,
    )


def run(store: Store, today: date) -> tuple[list[WorkItemRow], list[WorkItemRow]]:
    unit = ServiceUnit(store, today=today, now=datetime(today.year, today.month, today.day, 5))  # type: ignore[arg-type]
    done = activate(unit, default_parameter_book().parameters_for(today))
    for number, item in enumerate(done.work_items, start=len(store.items) + 1):
        item.id = number
        store.items.append(item)
    return done.work_items, done.closed


def test_a_work_item_is_opened_once_for_its_own_period_not_one_whose_id_it_starts() -> None:
    """Regression: the item of period 12 counted as period 1's (the description was matched
    on 'service period 1'), so period 1 never got its own."""
    store = Store([period(12, 112)])
    opened, _ = run(store, START)
    assert [i.description.split(" ", 3)[:3] for i in opened] == [["service", "period", "12:"]]
    store.periods.append(period(1, 101))
    opened, _ = run(store, START)
    assert [i.description.startswith("service period 1: ") for i in opened] == [True]
    assert run(store, date(2026, 12, 2))[0] == []  # each has its item: none opened again


def test_the_item_closes_itself_when_the_start_read_comes_and_says_why() -> None:
    store = Store([period(1, 101), period(12, 112)])
    run(store, START)
    store.reads.add((101, START))
    today = date(2026, 12, 2)
    opened, closed = run(store, today)
    assert opened == []
    assert [i.description.split(":")[0] for i in closed] == ["service period 1"]
    (item,) = closed
    assert item.status == "resolved" and item.resolved_at == datetime(2026, 12, 2, 5)
    assert item.resolution == (
        "closed by itself: the start read of 2026-12-01 was recorded and service period 1 "
        "activated on 2026-12-02"
    )
    still_open = store.open_work_items(ACTIVATION, "service period ")
    assert [i.description.split(":")[0] for i in still_open] == ["service period 12"]
    assert store.periods[0].status == "active" and store.periods[1].status == "pending"

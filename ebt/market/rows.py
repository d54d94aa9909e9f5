"""The rows a batch of decisions reads and changes, as plain objects.

Deciding a request touches an account, its supplier periods and its open processes. They are
read into the slotted classes here (by `ebt.store.market_reader`), changed in memory by the
account aggregate, and written back (by `ebt.store.bulk`): new rows by bulk INSERT, rows whose
changeable values differ from what was read (`saved`) by bulk UPDATE. The classes carry the
store's column names; nothing here knows the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple


class AccountRow(NamedTuple):
    """An account as decisions read it."""

    id: int
    number: str
    customer_name: str
    premise_id: int
    bill_cycle: str
    status: str
    services: str
    rate_class: str | None
    opened_on: date
    closed_on: date | None


@dataclass(slots=True, eq=False)
class ProcessRow:
    """A row of `processes`: one request and what became of it."""

    kind: str
    account_id: int | None
    ces_id: int | None
    state: str
    reference: str | None
    requested_on: date
    created_at: datetime
    effective_on: date | None = None
    fee: Decimal | None = None
    detail: str | None = None
    id: int | None = None
    saved: tuple[Any, ...] | None = None  # the changeable values as read; None: a new row
    # what the process carries (`detail` is its JSON), noted while rows it names may not be
    # written yet: they are held as objects, and written by id (`notes_json`)
    notes: dict[str, Any] | None = None

    CHANGEABLE = ("ces_id", "state", "effective_on", "fee", "detail")

    def snapshot(self) -> tuple[Any, ...]:
        return (self.ces_id, self.state, self.effective_on, self.fee, self.detail)


@dataclass(slots=True, eq=False)
class PeriodRow:
    """A row of `supplier_periods`: who serves an account over [start, end)."""

    account_id: int
    supplier_id: int | None
    start: date
    end: date | None
    status: str
    process: ProcessRow | None = None  # the process that made it, when that one is open
    process_id: int | None = None
    billing_option: str | None = None
    bill_calculator: str | None = None
    ces_rate_code: str | None = None
    ces_account: str | None = None
    id: int | None = None
    saved: tuple[Any, ...] | None = None

    CHANGEABLE = (
        "end",
        "status",
        "billing_option",
        "bill_calculator",
        "ces_rate_code",
        "ces_account",
    )

    def snapshot(self) -> tuple[Any, ...]:
        return (
            self.end,
            self.status,
            self.billing_option,
            self.bill_calculator,
            self.ces_rate_code,
            self.ces_account,
        )


def notes_json(notes: dict[str, Any]) -> str:
    """A process's notes as its `detail` keeps them: the rows they hold by id (the store
    writes them first)."""
    return json.dumps(notes, default=_row_id)


def _row_id(row: Any) -> int:
    row_id = getattr(row, "id", None)
    if not isinstance(row_id, int):
        raise TypeError(f"{row!r} is noted before it has an id")
    return row_id

"""The rows the T&D's own processes read and change, as plain objects: premises, who takes
the service at them (service periods), landlord agreements, work items, final bills, moves,
and the meters with their installations and reads.

The store reads rows into these classes (`ebt.store.service_store`), the processes change
them in memory and add new ones (`writes.ServiceWrites`), and the store writes them back in
one database transaction: a row with no `id` is new; a row read whose changeable values
differ from what was read (`saved`) is updated. A row refers to a row not yet written (a
process of the same command, a meter put in) by the object itself; the store writes that one
first and fills in its id. The classes carry the store's column names; nothing here knows
the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ebt.market.rows import ProcessRow


@dataclass(frozen=True, slots=True)
class PremiseRow:
    """A service location; a unit of a building names the building (`parent_id`)."""

    id: int
    number: str
    street: str
    street2: str | None
    city: str
    parent_id: int | None

    @property
    def address(self) -> str:
        unit = f" {self.street2}" if self.street2 else ""
        return f"{self.street}{unit}, {self.city}"


@dataclass(frozen=True, slots=True)
class AccountFinal:
    """An account made final (the customer moved out): no service after `on`."""

    account_id: int
    on: date


@dataclass(slots=True, eq=False)
class ServicePeriodRow:
    """A row of `service_periods`: who takes the service at a premise over [start, end)."""

    premise_id: int
    account_id: int
    service: str
    role: str  # ServiceRole
    start: date
    end: date | None
    status: str  # PeriodStatus
    process_id: int | None = None  # the start, reversion or landlord change that made it
    stop_process_id: int | None = None  # the stop that ends it
    id: int | None = None
    process: ProcessRow | None = None  # that process, when it is not written yet
    stop_process: ProcessRow | None = None
    saved: tuple[Any, ...] | None = None

    CHANGEABLE = ("account_id", "end", "status", "stop_process_id")

    def snapshot(self) -> tuple[Any, ...]:
        return (self.account_id, self.end, self.status, self.stop_process_id)

    def stopped_by(self, process: ProcessRow | None) -> None:
        """The stop that ends the period (None: none does any more)."""
        self.stop_process = process
        self.stop_process_id = process.id if process is not None else None

    def resolve(self) -> None:
        """Take the ids of the processes it refers to (written by now)."""
        if self.process is not None:
            self.process_id = self.process.id
        if self.stop_process is not None:
            self.stop_process_id = self.stop_process.id


@dataclass(slots=True, eq=False)
class AgreementRow:
    """A row of `landlord_agreements`: whether a premise's service reverts to its landlord."""

    landlord_account_id: int
    premise_id: int
    service: str
    season_start: str | None  # MM-DD; None: all year
    season_end: str | None
    reverts: bool
    valid_from: date | None  # None: since ever
    valid_to: date | None = None  # the first day it no longer holds; None: open
    id: int | None = None
    saved: tuple[Any, ...] | None = None

    CHANGEABLE = ("valid_to",)

    def snapshot(self) -> tuple[Any, ...]:
        return (self.valid_to,)

    def in_force(self, on: date) -> bool:
        after_start = self.valid_from is None or self.valid_from <= on
        before_end = self.valid_to is None or on < self.valid_to
        return after_start and before_end


@dataclass(slots=True, eq=False)
class WorkItemRow:
    """A row of `work_items`: an exception for a person to resolve."""

    kind: str
    account_id: int | None
    description: str
    created_at: datetime
    status: str = "open"
    process_id: int | None = None
    process: ProcessRow | None = None  # the process it belongs to, when not written yet
    resolved_at: datetime | None = None
    resolution: str | None = None  # how it was closed: by whom with what note
    id: int | None = None
    saved: tuple[Any, ...] | None = None

    CHANGEABLE = ("status", "resolved_at", "resolution")

    def snapshot(self) -> tuple[Any, ...]:
        return (self.status, self.resolved_at, self.resolution)

    def resolve(self) -> None:
        if self.process is not None:
            self.process_id = self.process.id


@dataclass(slots=True, eq=False)
class FinalBillRow:
    """A row of `final_bills`: an account's last bill, where it goes, and the CES
    receivable carried after it."""

    account_id: int
    bill_date: date
    transferred_to_account_id: int | None
    ces_id: int | None
    receivable_carried_until: date | None
    process_id: int | None = None
    process: ProcessRow | None = None
    amount: Decimal | None = None
    written_off_on: date | None = None
    write_off_code: str | None = None
    id: int | None = None
    saved: tuple[Any, ...] | None = None

    CHANGEABLE = ("written_off_on", "write_off_code")

    def snapshot(self) -> tuple[Any, ...]:
        return (self.written_off_on, self.write_off_code)

    def resolve(self) -> None:
        if self.process is not None:
            self.process_id = self.process.id


@dataclass(slots=True, eq=False)
class MoveRow:
    """A row of `moves`: a customer's move as called in, and what the customer was told."""

    process: ProcessRow
    old_account_id: int
    new_account_id: int | None
    called_on: date
    move_out: date
    move_in: date
    standard_offer_chosen: bool
    seamless: bool
    ces_id: int | None
    confirmation: str
    process_id: int | None = None
    id: int | None = None
    saved: tuple[Any, ...] | None = None

    CHANGEABLE = ()

    def snapshot(self) -> tuple[Any, ...]:
        return ()

    def resolve(self) -> None:
        self.process_id = self.process.id


@dataclass(slots=True, eq=False)
class MeterRow:
    """A row of `meters`."""

    number: str
    type: str
    smart: bool
    multiplier_active: Decimal
    multiplier_reactive: Decimal | None
    multiplier_demand: Decimal | None
    rate_structures: str  # comma list
    id: int | None = None
    saved: tuple[Any, ...] | None = None

    CHANGEABLE = ("multiplier_active",)

    def snapshot(self) -> tuple[Any, ...]:
        return (self.multiplier_active,)


@dataclass(slots=True, eq=False)
class InstallationRow:
    """A row of `meter_installations`: a meter at a premise over [installed_on, removed_on)."""

    premise_id: int
    installed_on: date
    removed_on: date | None = None
    meter_id: int | None = None
    meter: MeterRow | None = None  # the meter, when it is not written yet
    id: int | None = None
    saved: tuple[Any, ...] | None = None

    CHANGEABLE = ("removed_on",)

    def snapshot(self) -> tuple[Any, ...]:
        return (self.removed_on,)

    def resolve(self) -> None:
        if self.meter is not None:
            self.meter_id = self.meter.id


@dataclass(slots=True, eq=False)
class MeterReadRow:
    """A row of `meter_reads`."""

    account_id: int | None
    read_on: date
    kind: str  # cycle, final, exchange, first, start
    value: Decimal
    meter_id: int | None = None
    meter: MeterRow | None = None  # the meter, when it is not written yet
    id: int | None = None
    saved: tuple[Any, ...] | None = None

    CHANGEABLE = ()

    def snapshot(self) -> tuple[Any, ...]:
        return ()

    def resolve(self) -> None:
        if self.meter is not None:
            self.meter_id = self.meter.id

"""What the market core asks of the store, as protocols: the store implements them
(`ebt.store.market_reader.SqlMarketReader`, `ebt.store.service_store.SqlServiceStore`), tests
may fake them. The core never sees a database, only these answers as plain objects."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Protocol

from ebt.market.account import AccountAggregate
from ebt.market.facts import MeterFacts
from ebt.market.reference import Reference
from ebt.market.rows import AccountRow, PeriodRow, ProcessRow
from ebt.market.service_rows import (
    AgreementRow,
    FinalBillRow,
    InstallationRow,
    MeterRow,
    PremiseRow,
    ServicePeriodRow,
    WorkItemRow,
)
from ebt.market.vocabulary import ProcessKind


class MarketReader(Protocol):
    def reference(self) -> Reference:
        """The registered partners and the cycle read schedule."""
        ...

    def accounts(
        self, numbers: Collection[str], on: date
    ) -> tuple[list[AccountAggregate], dict[int, tuple[MeterFacts, ...]]]:
        """The accounts with these numbers (those that exist, by number), each with its
        supplier periods by start and its pending processes, the periods joined to the
        pending process that made them; and the meters installed on `on` at each of their
        premises (every premise a key)."""
        ...

    def decided_requests(self, references: Collection[str]) -> set[tuple[str, str]]:
        """(sender, BGN02) of the requests with these references already decided."""
        ...


class Premises(Protocol):
    """Accounts, premises, landlord agreements and who takes the service at premises.

    For one unit of work a row (by id) is always the same object, so that what one step
    changed the next one sees; the store writes back what changed in the rows it gave."""

    def reference(self) -> Reference:
        """The registered partners and the cycle read schedule."""
        ...

    def account(self, account_id: int) -> AccountRow | None: ...

    def account_numbered(self, number: str) -> AccountRow | None: ...

    def accounts_at(self, premise_id: int) -> list[AccountRow]:
        """The accounts at the premise that are not closed, by the day they were opened."""
        ...

    def premise(self, premise_id: int) -> PremiseRow | None: ...

    def premise_numbered(self, number: str) -> PremiseRow | None: ...

    def units(self, parent_id: int) -> list[PremiseRow]:
        """The premises of a building (those naming it their parent)."""
        ...

    def agreements(
        self, premise_ids: Collection[int], service: str | None = None
    ) -> list[AgreementRow]:
        """The landlord agreements of these premises (for `service`, or every one), by id."""
        ...

    def landlord_ids(self, premise_id: int) -> set[int]:
        """The landlord accounts any agreement of the premise names."""
        ...

    def service_periods(self, premise_id: int, service: str) -> list[ServicePeriodRow]:
        """Every service period of the premise for `service`, by start."""
        ...

    def service_period(self, period_id: int) -> ServicePeriodRow | None: ...

    def periods_of_process(self, process_id: int) -> list[ServicePeriodRow]:
        """The service periods the process made."""
        ...

    def landlord_periods(self, premise_ids: Collection[int]) -> list[ServicePeriodRow]:
        """The landlords' service periods (reversions) at these premises not cancelled."""
        ...

    def supplier_periods(self, account_id: int) -> list[PeriodRow]:
        """The account's supplier periods by start (to read, not to change)."""
        ...

    def served_by_ces(self, account_id: int, after: date) -> bool:
        """Whether a CES serves the account on some day from `after` on (a period not
        cancelled)."""
        ...

    def process(self, process_id: int) -> ProcessRow | None: ...

    def pending_processes(self, account_id: int, kind: ProcessKind) -> list[ProcessRow]: ...


class Meters(Protocol):
    """Meters, where they are installed, and their reads."""

    def meters_at(self, premise_id: int, on: date) -> list[MeterRow]:
        """The meters installed at the premise on `on`, by number."""
        ...

    def meter(self, meter_id: int) -> MeterRow | None: ...

    def meter_numbered(self, number: str) -> MeterRow | None: ...

    def installation_on(self, meter_id: int, on: date) -> InstallationRow | None:
        """The meter's installation that began before `on` and still holds on `on`."""
        ...

    def installed_after(self, meter_id: int, on: date) -> bool:
        """Whether the meter has an installation that begins after `on`."""
        ...

    def in_service(self, meter_id: int) -> bool:
        """Whether the meter is installed somewhere with no removal."""
        ...

    def has_read(self, premise_id: int, on: date) -> bool:
        """Whether a meter installed at the premise on `on` was read on that day."""
        ...


class Activations(Protocol):
    """What the daily activation reads: service due to start or end, work items, bills."""

    def pending_service(self, on: date) -> list[ServicePeriodRow]:
        """The pending service periods whose start has come, by start."""
        ...

    def active_service_ending(self, on: date) -> list[ServicePeriodRow]:
        """The active service periods whose end has come, by id."""
        ...

    def open_work_items(self, kind: str, prefix: str) -> list[WorkItemRow]:
        """The open work items of `kind` whose description starts with `prefix`, by id."""
        ...

    def write_offs_due(self, on: date) -> list[FinalBillRow]:
        """The final bills whose CES receivable is carried until `on` or before and not yet
        written off, by id."""
        ...


class ServiceStore(Premises, Meters, Activations, Protocol):
    """Everything the T&D's own processes read (`ebt.store.service_store`)."""

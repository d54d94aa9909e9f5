"""The store's side of the T&D processes' port (`ebt.market.ports.ServiceStore`), and their
unit of work.

Rows are read with plain SELECTs into the market's rows (`ebt.market.service_rows`). For one
unit of work a row is one object: the store keeps every changeable row it handed out (an
identity map), so that a step sees what an earlier one changed, and `write` updates those
whose values changed and inserts the new ones (`ebt.market.writes.ServiceWrites`), each
table in bulk, rows referring to a row made in the same unit of work getting its id.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, Table, and_, or_, select, update
from sqlalchemy.orm import Session

from ebt.market.reference import Reference
from ebt.market.rows import AccountRow, PeriodRow, ProcessRow, notes_json
from ebt.market.service_rows import (
    AgreementRow,
    FinalBillRow,
    InstallationRow,
    MeterRow,
    PremiseRow,
    ServicePeriodRow,
    WorkItemRow,
)
from ebt.market.vocabulary import PeriodStatus, ProcessKind, ProcessState, ServiceRole
from ebt.market.writes import ServiceWrites
from ebt.store.bulk import (
    ACCOUNT_COLUMNS,
    insert_many,
    insert_objects,
    read_periods,
    resolve_references,
    table_of,
    unique_objects,
    update_changed,
)
from ebt.store.market_reader import read_reference
from ebt.store.schema import (
    Account,
    Base,
    Decision,
    FinalBill,
    LandlordAgreement,
    Meter,
    MeterInstallation,
    MeterRead,
    Move,
    Outbox,
    Premise,
    Process,
    ServicePeriod,
    SupplierPeriod,
    WorkItem,
)


class Tracked(Protocol):
    id: int | None
    saved: tuple[Any, ...] | None

    def snapshot(self) -> tuple[Any, ...]: ...


R = TypeVar("R", bound=Tracked)

# each changeable row class and the table it is a row of
TABLES: dict[type[Any], type[Base]] = {
    ProcessRow: Process,
    ServicePeriodRow: ServicePeriod,
    AgreementRow: LandlordAgreement,
    MeterRow: Meter,
    InstallationRow: MeterInstallation,
    FinalBillRow: FinalBill,
    WorkItemRow: WorkItem,
}


class SqlServiceStore:
    """`ServiceStore` over one session, with its identity map."""

    def __init__(self, session: Session):
        self.session = session
        self.rows: dict[type[Any], dict[int, Any]] = {kind: {} for kind in TABLES}

    # -- reading ---------------------------------------------------------------------------

    def _load(self, kind: type[R], query: Select[Any]) -> list[R]:
        """The rows of `query` as `kind`, each the object already handed out for its id if
        there is one."""
        known = self.rows[kind]
        found: list[R] = []
        for row in self.session.execute(query).mappings():
            item = known.get(row["id"])
            if item is None:
                item = kind(**row)
                item.saved = item.snapshot()
                known[row["id"]] = item
            found.append(item)
        return found

    def _one(self, kind: type[R], query: Select[Any]) -> R | None:
        found = self._load(kind, query.limit(1))
        return found[0] if found else None

    def _get(self, kind: type[R], row_id: int) -> R | None:
        item = self.rows[kind].get(row_id)
        if item is not None:
            return item  # type: ignore[no-any-return]
        table = table_of(TABLES[kind])
        return self._one(kind, select(table).where(table.c.id == row_id))

    def _exists(self, query: Select[Any]) -> bool:
        return self.session.execute(query.limit(1)).first() is not None

    def _accounts(self, where: ColumnElement[bool]) -> list[AccountRow]:
        return [AccountRow(*row) for row in self.session.execute(_ACCOUNTS.where(where))]

    def reference(self) -> Reference:
        return read_reference(self.session)

    def account(self, account_id: int) -> AccountRow | None:
        found = self._accounts(Account.id == account_id)
        return found[0] if found else None

    def account_numbered(self, number: str) -> AccountRow | None:
        found = self._accounts(Account.number == number)
        return found[0] if found else None

    def accounts_at(self, premise_id: int) -> list[AccountRow]:
        query = (
            _ACCOUNTS.where(Account.premise_id == premise_id)
            .where(Account.status != "closed")
            .order_by(Account.opened_on)
        )
        return [AccountRow(*row) for row in self.session.execute(query)]

    def _premises(self, where: ColumnElement[bool]) -> list[PremiseRow]:
        query = select(*_PREMISE_COLUMNS).where(where).order_by(Premise.id)
        return [PremiseRow(*row) for row in self.session.execute(query)]

    def premise(self, premise_id: int) -> PremiseRow | None:
        found = self._premises(Premise.id == premise_id)
        return found[0] if found else None

    def premise_numbered(self, number: str) -> PremiseRow | None:
        found = self._premises(Premise.number == number)
        return found[0] if found else None

    def units(self, parent_id: int) -> list[PremiseRow]:
        return self._premises(Premise.parent_id == parent_id)

    def agreements(
        self, premise_ids: Collection[int], service: str | None = None
    ) -> list[AgreementRow]:
        table = table_of(LandlordAgreement)
        query = select(table).where(table.c.premise_id.in_(list(premise_ids)))
        if service is not None:
            query = query.where(table.c.service == service)
        return self._load(AgreementRow, query.order_by(table.c.id))

    def landlord_ids(self, premise_id: int) -> set[int]:
        query = select(LandlordAgreement.landlord_account_id).where(
            LandlordAgreement.premise_id == premise_id
        )
        return set(self.session.scalars(query))

    def service_periods(self, premise_id: int, service: str) -> list[ServicePeriodRow]:
        table = _SERVICE
        query = (
            select(table)
            .where(table.c.premise_id == premise_id)
            .where(table.c.service == service)
            .order_by(table.c.start, table.c.id)
        )
        return self._load(ServicePeriodRow, query)

    def service_period(self, period_id: int) -> ServicePeriodRow | None:
        return self._get(ServicePeriodRow, period_id)

    def periods_of_process(self, process_id: int) -> list[ServicePeriodRow]:
        query = select(_SERVICE).where(_SERVICE.c.process_id == process_id)
        return self._load(ServicePeriodRow, query.order_by(_SERVICE.c.id))

    def landlord_periods(self, premise_ids: Collection[int]) -> list[ServicePeriodRow]:
        query = (
            select(_SERVICE)
            .where(_SERVICE.c.premise_id.in_(list(premise_ids)))
            .where(_SERVICE.c.role == str(ServiceRole.LANDLORD))
            .where(_SERVICE.c.status != str(PeriodStatus.CANCELLED))
            .order_by(_SERVICE.c.id)
        )
        return self._load(ServicePeriodRow, query)

    def pending_service(self, on: date) -> list[ServicePeriodRow]:
        query = (
            select(_SERVICE)
            .where(_SERVICE.c.status == str(PeriodStatus.PENDING))
            .where(_SERVICE.c.start <= on)
            .order_by(_SERVICE.c.start, _SERVICE.c.id)
        )
        return self._load(ServicePeriodRow, query)

    def active_service_ending(self, on: date) -> list[ServicePeriodRow]:
        query = (
            select(_SERVICE)
            .where(_SERVICE.c.status == str(PeriodStatus.ACTIVE))
            .where(_SERVICE.c.end.is_not(None))
            .where(_SERVICE.c.end <= on)
            .order_by(_SERVICE.c.id)
        )
        return self._load(ServicePeriodRow, query)

    def supplier_periods(self, account_id: int) -> list[PeriodRow]:
        return list(read_periods(self.session, [account_id], {}))

    def served_by_ces(self, account_id: int, after: date) -> bool:
        return self._exists(
            select(SupplierPeriod.id)
            .where(SupplierPeriod.account_id == account_id)
            .where(SupplierPeriod.supplier_id.is_not(None))
            .where(SupplierPeriod.status != "cancelled")
            .where(or_(SupplierPeriod.end.is_(None), SupplierPeriod.end > after))
        )

    def process(self, process_id: int) -> ProcessRow | None:
        return self._get(ProcessRow, process_id)

    def pending_processes(self, account_id: int, kind: ProcessKind) -> list[ProcessRow]:
        table = table_of(Process)
        query = (
            select(table)
            .where(table.c.account_id == account_id)
            .where(table.c.kind == str(kind))
            .where(table.c.state == str(ProcessState.PENDING))
            .order_by(table.c.id)
        )
        return self._load(ProcessRow, query)

    def meters_at(self, premise_id: int, on: date) -> list[MeterRow]:
        query = (
            select(table_of(Meter))
            .join(MeterInstallation, MeterInstallation.meter_id == Meter.id)
            .where(MeterInstallation.premise_id == premise_id)
            .where(_installed_on(on))
            .order_by(Meter.number)
        )
        return self._load(MeterRow, query)

    def meter(self, meter_id: int) -> MeterRow | None:
        return self._get(MeterRow, meter_id)

    def meter_numbered(self, number: str) -> MeterRow | None:
        return self._one(MeterRow, select(table_of(Meter)).where(Meter.number == number))

    def installation_on(self, meter_id: int, on: date) -> InstallationRow | None:
        table = table_of(MeterInstallation)
        query = (
            select(table)
            .where(table.c.meter_id == meter_id)
            .where(table.c.installed_on < on)
            .where(or_(table.c.removed_on.is_(None), table.c.removed_on > on))
            .order_by(table.c.id)
        )
        return self._one(InstallationRow, query)

    def installed_after(self, meter_id: int, on: date) -> bool:
        return self._exists(
            select(MeterInstallation.id)
            .where(MeterInstallation.meter_id == meter_id)
            .where(MeterInstallation.installed_on > on)
        )

    def in_service(self, meter_id: int) -> bool:
        return self._exists(
            select(MeterInstallation.id)
            .where(MeterInstallation.meter_id == meter_id)
            .where(MeterInstallation.removed_on.is_(None))
        )

    def has_read(self, premise_id: int, on: date) -> bool:
        return self._exists(
            select(MeterRead.id)
            .join(MeterInstallation, MeterInstallation.meter_id == MeterRead.meter_id)
            .where(MeterInstallation.premise_id == premise_id)
            .where(_installed_on(on))
            .where(MeterRead.read_on == on)
        )

    def open_work_items(self, kind: str, prefix: str) -> list[WorkItemRow]:
        table = table_of(WorkItem)
        query = (
            select(table)
            .where(table.c.kind == kind)
            .where(table.c.status == "open")
            .where(table.c.description.startswith(prefix, autoescape=True))
            .order_by(table.c.id)
        )
        return self._load(WorkItemRow, query)

    def write_offs_due(self, on: date) -> list[FinalBillRow]:
        table = table_of(FinalBill)
        query = (
            select(table)
            .where(table.c.ces_id.is_not(None))
            .where(table.c.written_off_on.is_(None))
            .where(table.c.receivable_carried_until.is_not(None))
            .where(table.c.receivable_carried_until <= on)
            .order_by(table.c.id)
        )
        return self._load(FinalBillRow, query)

    # -- writing ---------------------------------------------------------------------------

    def write(self, writes: ServiceWrites) -> None:
        """Write what the unit of work added and changed, in the session's transaction:
        processes and meters first (others refer to them), then the rows that refer to
        them, then the changes to rows read."""
        session = self.session
        processes = unique_objects([*writes.processes, *self.rows[ProcessRow].values()])
        insert_objects(session, Process, [p for p in processes if p.id is None])
        insert_objects(session, Meter, writes.meters)
        periods = [*writes.service_periods, *self.rows[ServicePeriodRow].values()]
        for period in periods:
            period.resolve()
        insert_objects(session, ServicePeriod, writes.service_periods)
        for process in processes:
            if process.notes is not None:
                process.detail = notes_json(process.notes)
        update_changed(session, Process, processes)
        for kind in (ServicePeriodRow, AgreementRow, MeterRow, InstallationRow, FinalBillRow):
            update_changed(session, TABLES[kind], self.rows[kind].values())
        _insert(session, LandlordAgreement, writes.agreements)
        _insert(session, MeterInstallation, writes.installations)
        _insert(session, MeterRead, writes.reads)
        _insert(session, WorkItem, writes.work_items)
        update_changed(session, WorkItem, self.rows[WorkItemRow].values())
        _insert(session, FinalBill, writes.final_bills)
        _insert(session, Move, writes.moves)
        for final in writes.finals:
            session.execute(
                update(Account)
                .where(Account.id == final.account_id)
                .values(status="final", closed_on=final.on)
            )
        _insert_resolved(session, Decision, writes.decisions)
        _insert_resolved(session, Outbox, writes.outbox)


def _insert(session: Session, model: type[Base], rows: Sequence[Any]) -> None:
    """INSERT new rows, each first taking the ids of the rows it refers to (`resolve`)."""
    for row in rows:
        resolve = getattr(row, "resolve", None)
        if resolve is not None:
            resolve()
    insert_objects(session, model, list(rows))


def _insert_resolved(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """INSERT column dictionaries holding a process (and a transaction row) by reference."""
    for row in rows:
        resolve_references(row)
    insert_many(session.connection(), table_of(model), rows)


def _installed_on(on: date) -> ColumnElement[bool]:
    """A meter installation holding on `on`."""
    return and_(
        MeterInstallation.installed_on <= on,
        or_(MeterInstallation.removed_on.is_(None), MeterInstallation.removed_on > on),
    )


_ACCOUNTS = select(*ACCOUNT_COLUMNS)
_PREMISE_COLUMNS = [getattr(Premise, name) for name in PremiseRow.__dataclass_fields__]
_SERVICE: Table = table_of(ServicePeriod)

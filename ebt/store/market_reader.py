"""The store's side of the market core's port (`ebt.market.ports.MarketReader`): partners,
cycle reads, a batch's accounts with their periods and pending processes, the meters at their
premises, and the requests already decided — each read with a few plain SELECTs into the
market's own plain objects."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, or_, select, true
from sqlalchemy.orm import Session

from ebt.market.account import AccountAggregate
from ebt.market.facts import MeterFacts, Partner
from ebt.market.reference import Reference
from ebt.market.rows import AccountRow, PeriodRow, ProcessRow
from ebt.market.vocabulary import ProcessState
from ebt.store.bulk import ACCOUNT_COLUMNS, PERIOD_COLUMNS, PROCESS_COLUMNS, table_of
from ebt.store.schema import (
    Account,
    CycleRead,
    Meter,
    MeterInstallation,
    Process,
    SupplierPeriod,
    TradingPartner,
    Transaction,
)


def read_reference(session: Session) -> Reference:
    """The registered partners and the cycle read schedule."""
    partners = [_partner(p) for p in session.scalars(select(TradingPartner))]
    reads = [(c, d) for c, d in session.execute(select(CycleRead.bill_cycle, CycleRead.read_date))]
    return Reference(partners, reads)


def _partner(row: TradingPartner) -> Partner:
    options = frozenset(o.strip() for o in row.billing_options.split(",") if o.strip())
    return Partner(row.id, row.duns, row.name, row.role, row.licensed, options)


class SqlMarketReader:
    """`MarketReader` over one session."""

    def __init__(self, session: Session):
        self.session = session

    def reference(self) -> Reference:
        return read_reference(self.session)

    def accounts(
        self, numbers: Collection[str], on: date
    ) -> tuple[list[AccountAggregate], dict[int, tuple[MeterFacts, ...]]]:
        wanted = list(numbers)
        by_number = Account.number.in_(wanted)
        processes = table_of(Process)
        periods = table_of(SupplierPeriod)
        # each account's rows found from the account (by number, then by account id): on
        # PostgreSQL a plain join, planned from statistics that lag a busy store, started
        # from the other side and scanned every pending process for each batch; a LATERAL
        # subquery (not folded: OFFSET 0) looks each account up by its index. SQLite starts
        # from the IN list by itself
        lateral = self.session.get_bind().dialect.name == "postgresql"
        of_accounts = select(Account.id, Account.premise_id).where(by_number).subquery("a")

        def per_account(
            query: Select[*tuple[Any, ...]], key: Any, order: tuple[str, ...], column: str = "id"
        ) -> Select[*tuple[Any, ...]]:
            mine = of_accounts.c[column]
            if not lateral:
                by = [query.selected_columns[name] for name in order]
                return query.join(of_accounts, mine == key).order_by(*by)
            # OFFSET 0 keeps the planner from folding the subquery into a plain join
            inner = query.where(key == mine).offset(0).lateral("r")
            return (
                select(inner)
                .select_from(of_accounts.join(inner, true()))
                .order_by(*(inner.c[name] for name in order))
            )

        open_processes_query = per_account(
            select(processes).where(processes.c.state == ProcessState.PENDING),
            processes.c.account_id,
            ("account_id", "id"),
        )
        timeline_query = per_account(select(periods), periods.c.account_id, ("account_id", "start"))
        installed = per_account(
            select(MeterInstallation.premise_id, Meter.number, Meter.smart, Meter.rate_structures)
            .join(Meter, Meter.id == MeterInstallation.meter_id)
            .where(MeterInstallation.installed_on <= on)
            .where(or_(MeterInstallation.removed_on.is_(None), MeterInstallation.removed_on > on)),
            MeterInstallation.premise_id,
            ("premise_id", "number"),
            "premise_id",
        ).distinct()  # two accounts at one premise see its meters once
        accounts, open_processes, timeline, meters = self._all(
            select(*ACCOUNT_COLUMNS).where(by_number).order_by(Account.number),
            open_processes_query,
            timeline_query,
            installed,
        )
        found = [AccountAggregate(AccountRow(*row)) for row in accounts]
        by_id = {a.account.id: a for a in found}
        pending: dict[int, ProcessRow] = {}
        for row in open_processes:
            process = ProcessRow(**dict(zip(PROCESS_COLUMNS, row, strict=True)))
            process.saved = process.snapshot()
            by_id[process.account_id or 0].processes.append(process)
            pending[process.id or 0] = process
        for row in timeline:
            period = PeriodRow(**dict(zip(PERIOD_COLUMNS, row, strict=True)))
            period.process = pending.get(period.process_id) if period.process_id else None
            period.saved = period.snapshot()
            by_id[period.account_id].periods.append(period)
        at: dict[int, list[MeterFacts]] = {a.account.premise_id: [] for a in found}
        for premise_id, number, smart, rate_structures in meters:
            structures = frozenset(s.strip() for s in rate_structures.split(","))
            at[premise_id].append(MeterFacts(number, smart, structures))
        return found, {premise: tuple(items) for premise, items in at.items()}

    def _all(self, *queries: Select[*tuple[Any, ...]]) -> list[Sequence[Any]]:
        """The rows of each query: on PostgreSQL sent together in one round trip (psycopg's
        pipeline mode), elsewhere one after another."""
        connection = self.session.connection()
        if connection.dialect.name != "postgresql":
            return [connection.execute(q).all() for q in queries]
        driver: Any = connection.connection.dbapi_connection
        compiled = [
            q.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
            for q in queries
        ]
        cursors = []
        with driver.pipeline():
            for statement in compiled:
                cursor = driver.cursor()
                cursor.execute(str(statement), statement.params)
                cursors.append(cursor)
        try:
            return [cursor.fetchall() for cursor in cursors]
        finally:
            for cursor in cursors:
                cursor.close()

    def decided_requests(self, references: Collection[str]) -> set[tuple[str, str]]:
        rows = self.session.execute(
            select(Transaction.sender, Transaction.reference)
            .where(Transaction.reference.in_(list(references)))
            .where(Transaction.status.in_(("accepted", "rejected")))
        )
        return {(sender or "", reference or "") for sender, reference in rows}

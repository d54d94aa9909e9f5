"""The store's side of the market core's port (`ebt.market.ports.MarketReader`): partners,
cycle reads, a batch's accounts with their periods and pending processes, the meters at their
premises, and the requests already decided — each read with a few plain SELECTs into the
market's own plain objects."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    String,
    bindparam,
    cast,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Compiled
from sqlalchemy.orm import Session

from ebt.market.account import AccountAggregate
from ebt.market.facts import MeterFacts, Partner
from ebt.market.reference import Reference
from ebt.market.rows import AccountRow, PeriodRow, ProcessRow
from ebt.market.vocabulary import ProcessState
from ebt.store.bulk import ACCOUNT_COLUMNS, PERIOD_COLUMNS, PROCESS_COLUMNS, pg_array, table_of
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
        values = {"numbers": list(numbers), "on": on}
        accounts, open_processes, timeline, meters = self._all(_account_queries, values)
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

    def _all(
        self, build: Callable[[str], list[Select[*tuple[Any, ...]]]], values: dict[str, Any]
    ) -> list[Sequence[Any]]:
        """The rows of each query `build` makes for the dialect, with `values` bound. On
        PostgreSQL they are compiled once a process (no IN lists: a batch's keys are one array
        parameter, so the text never changes: psycopg keeps its parsed form and prepares
        it on the server) and sent together in one round trip (pipeline mode); elsewhere
        run one after another through SQLAlchemy's own statement cache."""
        connection = self.session.connection()
        dialect = connection.dialect
        if dialect.name != "postgresql":
            return [connection.execute(q, values).all() for q in build(dialect.name)]
        compiled = _COMPILED.get(build)
        if compiled is None:
            compiled = _COMPILED[build] = [q.compile(dialect=dialect) for q in build(dialect.name)]
        driver: Any = connection.connection.dbapi_connection
        values = {k: pg_array(v) if isinstance(v, list) else v for k, v in values.items()}
        cursors = []
        with driver.pipeline():
            for statement in compiled:
                cursor = driver.cursor()
                cursor.execute(str(statement), statement.construct_params(values))
                cursors.append(cursor)
        try:
            return [cursor.fetchall() for cursor in cursors]
        finally:
            for cursor in cursors:
                cursor.close()

    def decided_requests(self, references: Collection[str]) -> set[tuple[str, str]]:
        (rows,) = self._all(_decided_query, {"references": list(references)})
        return {(sender or "", reference or "") for sender, reference in rows}


# each statement list, compiled for PostgreSQL once a process (by the function that builds it)
_COMPILED: dict[Callable[[str], list[Select[*tuple[Any, ...]]]], list[Compiled]] = {}


def _among(
    query: Select[*tuple[Any, ...]], column: ColumnElement[Any], name: str, dialect: str
) -> Select[*tuple[Any, ...]]:
    """`query`'s rows whose `column` is one of the values bound as `name`. On PostgreSQL
    joined to the values' array, unnested (bound as one literal, the same text whatever the
    batch's size: `_all` binds a list as `pg_array` writes it); elsewhere an IN list
    expanded when run.

    Not `column = ANY(array)`: on a table not yet analyzed (a store just loaded, or one
    autovacuum has not reached) the planner gives each of a thousand values the default
    selectivity, expects every row, and plans a sequential scan; psycopg's prepared
    statement then keeps it, and each row is compared with each value in turn: seconds
    a batch at 20,000 accounts, growing with the store. A join to the unnested array is
    linear whatever the plan (an index probe a value, or one hash of the values)."""
    if dialect != "postgresql":
        return query.where(column.in_(bindparam(name, expanding=True)))
    values = cast(bindparam(name, type_=String), ARRAY(String))
    keys = func.unnest(values).table_valued("value").render_derived(name="k")
    return query.join(keys, keys.c.value == column)


@cache  # built once a dialect: the statements do not depend on the batch
def _account_queries(dialect: str) -> list[Select[*tuple[Any, ...]]]:
    """A batch's accounts (by number), their pending processes, supplier periods, and the
    meters installed at their premises on the day bound as `on`."""
    number = Account.__table__.c.number
    on = bindparam("on", type_=Date)
    processes = table_of(Process)
    periods = table_of(SupplierPeriod)
    # each account's rows found from the account (by number, then by account id): on
    # PostgreSQL a plain join, planned from statistics that lag a busy store, started
    # from the other side and scanned every pending process for each batch; a LATERAL
    # subquery (not folded: OFFSET 0) looks each account up by its index. SQLite starts
    # from the IN list by itself
    lateral = dialect == "postgresql"
    of_accounts = _among(
        select(Account.id, Account.premise_id), number, "numbers", dialect
    ).subquery("a")

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

    open_processes = per_account(
        select(processes).where(processes.c.state == ProcessState.PENDING),
        processes.c.account_id,
        ("account_id", "id"),
    )
    timeline = per_account(select(periods), periods.c.account_id, ("account_id", "start"))
    installed = per_account(
        select(MeterInstallation.premise_id, Meter.number, Meter.smart, Meter.rate_structures)
        .join(Meter, Meter.id == MeterInstallation.meter_id)
        .where(MeterInstallation.installed_on <= on)
        .where(or_(MeterInstallation.removed_on.is_(None), MeterInstallation.removed_on > on)),
        MeterInstallation.premise_id,
        ("premise_id", "number"),
        "premise_id",
    ).distinct()  # two accounts at one premise see its meters once
    accounts = _among(select(*ACCOUNT_COLUMNS), number, "numbers", dialect).order_by(number)
    return [accounts, open_processes, timeline, installed]


@cache
def _decided_query(dialect: str) -> list[Select[*tuple[Any, ...]]]:
    """The requests among the references bound as `references` already decided."""
    return [
        _among(
            select(Transaction.sender, Transaction.reference),
            Transaction.__table__.c.reference,
            "references",
            dialect,
        ).where(or_(Transaction.status == "accepted", Transaction.status == "rejected"))
    ]

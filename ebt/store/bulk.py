"""Bulk reads and writes of the market's plain rows (`ebt.market.rows`): the account rows a
batch reads with plain SELECTs, and new rows by bulk INSERT, changed rows by bulk UPDATE.

The ORM costs tens of microseconds per object it builds, loads or watches; at thousands of
requests a second that is most of the time. On SQLite the statements go straight to the
driver's executemany, each value bound as its column's type binds it; on PostgreSQL new rows
go by COPY and changed rows by one UPDATE joined to the new values as arrays; elsewhere
through SQLAlchemy's executemany.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Connection, Dialect, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from ebt.codegen import compile_function
from ebt.market.rows import AccountRow, PeriodRow, ProcessRow
from ebt.store.schema import Account, Base, Process, SupplierPeriod

ACCOUNT_COLUMNS = [getattr(Account, name) for name in AccountRow._fields]
PROCESS_COLUMNS = [c.key for c in Process.__table__.columns]
PERIOD_COLUMNS = [c.key for c in SupplierPeriod.__table__.columns]


def read_periods(
    session: Session, account_ids: Iterable[int], processes: dict[int, ProcessRow]
) -> Iterator[PeriodRow]:
    """The supplier periods of these accounts by start, each joined to its process when
    that one is open (in `processes`)."""
    table = table_of(SupplierPeriod)
    query = (
        select(table)
        .where(table.c.account_id.in_(list(account_ids)))
        .order_by(table.c.account_id, table.c.start)
    )
    for row in session.execute(query).mappings():
        period = PeriodRow(**{name: row[name] for name in PERIOD_COLUMNS})
        period.process = processes.get(period.process_id) if period.process_id else None
        period.saved = period.snapshot()
        yield period


def insert_rows(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> list[int]:
    """INSERT rows (column name to value) in bulk; their new ids, in order."""
    if not rows:
        return []
    table = table_of(model)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # the ids first, from the table's sequence in one round trip; then the rows by COPY
        ids = list(
            connection.exec_driver_sql(
                f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
                f"FROM generate_series(1, {len(rows)})"
            ).scalars()
        )
        _copy(connection, table, rows, ids)
        return ids
    if connection.dialect.name != "sqlite":
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(connection.execute(statement, rows).scalars().all())
    # SQLite cannot promise the order of a many-row RETURNING, so SQLAlchemy would insert
    # one row per statement. Instead: the first row with RETURNING, which takes the
    # database's write lock until commit; no one else can add a row, and an INTEGER
    # PRIMARY KEY takes max(id) + 1, so the others get the ids that follow, given outright.
    first: int = connection.execute(insert(table).returning(table.c.id), rows[0]).scalar_one()
    ids = list(range(first, first + len(rows)))
    if len(rows) > 1:
        _driver_insert(connection, table, rows[1:], ids[1:])
    return ids


def insert_many(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT rows whose ids nobody needs back, in bulk: on SQLite by the driver's own
    executemany (`_driver_insert`), on PostgreSQL by COPY, elsewhere by SQLAlchemy's."""
    if not rows:
        return
    if connection.dialect.name == "sqlite":
        _driver_insert(connection, table, rows)
    elif connection.dialect.name == "postgresql":
        _copy(connection, table, rows)
    else:
        connection.execute(insert(table), rows)


def _driver_insert(
    connection: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    ids: list[int] | None = None,
) -> None:
    """INSERT rows with one executemany of the driver, each value bound as the column's type
    binds it (dates, times and decimals as SQLAlchemy stores them), missing columns taking
    their default; with `ids`, each row's id. SQLAlchemy's own executemany builds each
    row's parameters through its general machinery, several times slower."""
    quote = connection.dialect.identifier_preparer.quote
    names, values = _values(connection.dialect, table, rows, ids)
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    connection.exec_driver_sql(sql, values)


def _copy(
    connection: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    ids: list[int] | None = None,
) -> None:
    """INSERT rows on PostgreSQL with one COPY (psycopg 3), in the connection's transaction:
    no statement text to build or parse per row, one round trip for the lot."""
    quote = connection.dialect.identifier_preparer.quote
    names, values = _values(connection.dialect, table, rows, ids)
    driver = connection.connection.dbapi_connection
    assert driver is not None
    columns = ", ".join(quote(n) for n in names)
    statement = f"COPY {quote(table.name)} ({columns}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[attr-defined]
        for item in values:
            copy.write_row(item)


def _values(
    dialect: Dialect, table: Table, rows: list[dict[str, Any]], ids: list[int] | None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The column names and each row's values for them, as the columns' types bind them,
    missing columns taking their default (a column the rows do not give and only the
    database defaults is left out)."""
    given = rows[0]
    columns = [
        c
        for c in table.columns
        if c.key != "id" and (c.key in given or c.default is not None or c.server_default is None)
    ]
    defaults: dict[str, Any] = {}
    for column in columns:
        default = column.default
        if default is not None and getattr(default, "is_scalar", False):
            defaults[column.key] = getattr(default, "arg", None)
    bound = _binder(table, tuple(c.key for c in columns), dialect)
    names = (["id"] if ids is not None else []) + [c.name for c in columns]
    values = []
    for number, row in enumerate(rows):
        item = bound(({**defaults, **row} if defaults else row).get)
        values.append(item if ids is None else (ids[number], *item))
    return names, values


Binder = Callable[[Callable[[str], Any]], tuple[Any, ...]]
_BINDERS: dict[tuple[str, str, tuple[str, ...]], Binder] = {}


def _binder(table: Table, names: tuple[str, ...], dialect: Dialect) -> Binder:
    """From a row's getter to its values for `names`, each as its column's type binds it
    (None stays None): a function generated once per table and columns (`ebt.codegen`)."""
    key = (table.name, dialect.name, names)
    binder = _BINDERS.get(key)
    if binder is not None:
        return binder
    namespace: dict[str, Any] = {}
    body = []
    for number, name in enumerate(names):
        namespace[f"K{number}"] = name
        bind = table.c[name].type.bind_processor(dialect)
        if bind is None:
            body.append(f"a{number} = get(K{number})")
        else:
            namespace[f"P{number}"] = bind
            body += [f"v = get(K{number})", f"a{number} = v if v is None else P{number}(v)"]
    body.append(f"return ({''.join(f'a{n}, ' for n in range(len(names)))})")
    binder = _BINDERS[key] = compile_function("bound", body, namespace, args="get")
    return binder


def plain_binder(table: Table, names: tuple[str, ...], dialect: Dialect) -> Binder:
    """`_binder`'s twin as a plain loop: the property tests hold the two equal, and
    bench/codegen.py weighs them."""
    steps = [(name, table.c[name].type.bind_processor(dialect)) for name in names]

    def bound(get: Callable[[str], Any]) -> tuple[Any, ...]:
        values = []
        for name, bind in steps:
            value = get(name)
            values.append(value if value is None or bind is None else bind(value))
        return tuple(values)

    return bound


def insert_objects(session: Session, model: type[Base], objects: list[Any]) -> None:
    """INSERT new row objects (`ProcessRow`, `PeriodRow`); each gets its id."""
    names = [c.key for c in table_of(model).columns if c.key != "id"]
    ids = insert_rows(session, model, [{n: getattr(o, n) for n in names} for o in objects])
    for item, new_id in zip(objects, ids, strict=True):
        item.id = new_id
        item.saved = item.snapshot()


def update_changed(session: Session, model: type[Base], objects: Iterable[Any]) -> int:
    """UPDATE the read rows whose changeable values differ from what was read; how many."""
    changed = [o for o in objects if o.saved is not None and o.snapshot() != o.saved]
    if not changed:
        return 0
    names: tuple[str, ...] = changed[0].CHANGEABLE
    table = table_of(model)
    connection = session.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    bound = _binder(table, names, dialect)
    if dialect.name == "sqlite":  # straight to the driver, as _driver_insert does
        sets = ", ".join(f"{quote(name)} = ?" for name in names)
        connection.exec_driver_sql(
            f"UPDATE {quote(table.name)} SET {sets} WHERE id = ?",
            [(*bound(item.__getattribute__), item.id) for item in changed],
        )
    elif dialect.name == "postgresql":
        # one statement for the lot: each column's new values as one array, joined by id
        columns = list(zip(*(bound(item.__getattribute__) for item in changed), strict=True))
        arrays = ", ".join(
            f"%s::{table.c[name].type.compile(dialect=dialect)}[]" for name in ("id", *names)
        )
        sets = ", ".join(f"{quote(name)} = v.{quote(name)}" for name in names)
        connection.exec_driver_sql(
            f"UPDATE {quote(table.name)} AS t SET {sets} "
            f"FROM unnest({arrays}) AS v(id, {', '.join(quote(n) for n in names)}) "
            "WHERE t.id = v.id",
            (pg_array([item.id for item in changed]), *map(pg_array, columns)),
        )
    else:
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({name: bindparam(f"new_{name}") for name in names})
        )
        connection.execute(
            statement,
            [
                {"row_id": o.id, **{f"new_{name}": getattr(o, name) for name in names}}
                for o in changed
            ],
        )
    for item in changed:
        item.saved = item.snapshot()
    return len(changed)


def pg_array(values: Iterable[Any]) -> str:
    """Values as one PostgreSQL array literal (`{"a","b",NULL}`), for a statement that casts
    it to the array's type. psycopg dumps a list element by element in Python (about 3 ms a
    thousand strings); one string is dumped at once. Every element but NULL is quoted and
    read by the element type's own input (numbers, dates and times as their text)."""
    return "{" + ",".join(map(_array_element, values)) + "}"


def _array_element(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):  # a str enum too: its value, not its name
        text: str = str.__str__(value)
    elif isinstance(value, bool):
        text = "t" if value else "f"
    elif isinstance(value, date):  # datetime too
        text = value.isoformat()
    else:
        text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def table_of(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


T = TypeVar("T")


def unique_objects(objects: Iterable[T]) -> list[T]:
    """Each object once (by identity), in the order first met."""
    seen: set[int] = set()
    out: list[T] = []
    for item in objects:
        if id(item) not in seen:
            seen.add(id(item))
            out.append(item)
    return out


def resolve_references(row: dict[str, Any]) -> None:
    """Turn the references a column dictionary holds (a transaction row, a process) into
    ids, once those have been written."""
    transaction = row.pop("transaction", None)
    row["transaction_id"] = transaction["id"] if transaction is not None else None
    if "process" in row:
        process = row.pop("process")
        row["process_id"] = process.id if process is not None else None

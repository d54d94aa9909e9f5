"""Writing reference rows into the store: the statements of one file's transaction, a batch
at a time.

Rows are looked up and written by business key in batches (`BATCH`): one SELECT for the
batch's keys, one bulk INSERT (`insert_many`, the engine's own) for the new rows and one
executemany UPDATE for the changed ones. The one place a statement differs by database is
`Load.among`, a list of values given at execution. The keys a file has given so far wait in
a temporary table (`SeenKeys`), so that a million keys cost no memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    MetaData,
    Row,
    String,
    Table,
    any_,
    bindparam,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from ebt.store.bulk import insert_many
from ebt.store.reference.columns import ReferenceRow
from ebt.store.reference.results import LoadResult

BATCH = 2000

# Old rows of a batch: a row of the store read with its columns, by key.
Stored = Row[Any]
# A record to write (column to value) and the stored row it updates, or None to insert it.
Record = tuple[dict[str, Any], Stored | None]


def chunks(items: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass(slots=True)
class Load:
    """One file (or one kind of a JSON file) being loaded in one database transaction."""

    session: Session
    result: LoadResult

    def error(self, line: int | None, column: str | None, problem: str, fix: str) -> None:
        self.result.error(line, column, problem, fix)

    def absent(self, row: ReferenceRow, column: str, what: str, source: str) -> None:
        """Report a reference to a key that is not in the store."""
        self.error(
            row.line,
            column,
            f"{what} '{getattr(row, column)}' is not in the store",
            f"load it in {source} first or correct the number",
        )

    # -- reading

    def among(self, column: Any) -> ColumnElement[bool]:
        """`column IN (:values)`, the values given at execution (`rows`): `= ANY(:values)`, one
        array parameter, on PostgreSQL. (A literal list would live on in the statement, whose
        reference cycles the batch-tuned garbage collector frees late.)"""
        if self.session.get_bind().dialect.name == "postgresql":
            return column == any_(bindparam("values"))  # type: ignore[no-any-return]
        return column.in_(bindparam("values", expanding=True))  # type: ignore[no-any-return]

    def rows(self, statement: Any, values: Iterable[Any] | None = None) -> list[Stored]:
        """The rows of a query; `values` fill its list of values (see `among`)."""
        params = None if values is None else {"values": list(values)}
        return list(self.session.execute(statement, params))

    def pairs(self, statement: Any, values: Iterable[Any] | None = None) -> list[tuple[Any, Any]]:
        """The rows of a two-column query as pairs."""
        rows: list[Any] = self.rows(statement, values)
        return [(row[0], row[1]) for row in rows]

    def existing(self, table: Table, column: str, values: Iterable[Any]) -> dict[Any, Stored]:
        """Rows of `table` whose `column` is one of `values`, by that column."""
        found: dict[Any, Stored] = {}
        for chunk in chunks(set(values)):
            statement = select(table).where(self.among(table.c[column]))
            found.update((row._mapping[column], row) for row in self.rows(statement, chunk))
        return found

    def ids(self, table: Table, numbers: Iterable[str | None]) -> dict[str, int]:
        """Surrogate ids of `table` rows by business number."""
        found: dict[str, int] = {}
        for chunk in chunks({n for n in numbers if n}):
            statement = select(table.c.number, table.c.id).where(self.among(table.c.number))
            found.update(self.pairs(statement, chunk))
        return found

    # -- writing

    def upsert(self, table: Table, records: list[Record]) -> None:
        """Insert the new records, update the changed ones; counts added, updated and
        unchanged."""
        new = [record for record, old in records if old is None]
        changed = [
            {**record, "_id": old.id}
            for record, old in records
            if old is not None and any(old._mapping[k] != v for k, v in record.items())
        ]
        self.result.added += len(new)
        self.result.updated += len(changed)
        self.result.unchanged += len(records) - len(new) - len(changed)
        self.update(table, changed)
        self.insert(table, new)

    def insert(self, table: Table, records: list[dict[str, Any]]) -> None:
        if records:
            written(self.session).add(table.name)
        insert_many(self.session.connection(), table, records)

    def update(self, table: Table, records: list[dict[str, Any]]) -> None:
        """UPDATE rows by id: each record's `_id`, its other keys the new values."""
        if records:
            written(self.session).add(table.name)
        statement = update(table).where(table.c.id == bindparam("_id"))
        for chunk in chunks(records):
            self.session.execute(statement, chunk)


def written(session: Session) -> set[str]:
    """The tables a load has written in `session` (kept in its `info`)."""
    tables: set[str] = session.info.setdefault("ebt_load_written", set())
    return tables


def analyze_written(session: Session) -> None:
    """On PostgreSQL, ANALYZE the tables the load wrote and committed, so that the next
    sweep's plans start from statistics that count the new rows instead of waiting for
    autovacuum (which may come minutes later). Other databases keep no such statistics to
    refresh."""
    tables = sorted(written(session))
    written(session).clear()
    dialect = session.get_bind().dialect
    if not tables or dialect.name != "postgresql":
        return
    quote = dialect.identifier_preparer.quote
    session.execute(text(f"ANALYZE {', '.join(quote(t) for t in tables)}"))
    session.commit()


_KEYS = Table(
    "ebt_load_keys",
    MetaData(),
    Column("key", String(200), primary_key=True),
    Column("line", Integer, nullable=False),
)


class SeenKeys:
    """The business keys a file has given so far, with their lines, in a temporary table:
    finds a key given twice."""

    def __init__(self, load: Load) -> None:
        self.load = load
        session = load.session
        session.execute(
            text(
                "CREATE TEMPORARY TABLE IF NOT EXISTS ebt_load_keys "
                "(key VARCHAR(200) PRIMARY KEY, line INTEGER NOT NULL)"
            )
        )
        session.execute(_KEYS.delete())

    def lines(self, keys: Iterable[str]) -> dict[str, int]:
        """The line each of `keys` was first seen on, for those seen already."""
        statement = select(_KEYS.c.key, _KEYS.c.line).where(self.load.among(_KEYS.c.key))
        found: dict[str, int] = {}
        for chunk in chunks(set(keys)):
            found.update(self.load.pairs(statement, chunk))
        return found

    def add(self, lines: dict[str, int]) -> None:
        self.load.insert(_KEYS, [{"key": key, "line": line} for key, line in lines.items()])

    def close(self) -> None:
        self.load.session.execute(_KEYS.delete())

"""Reference data into the store: trading partners, bill-cycle read schedules, premises, meters,
meter installations, accounts (with their supplier of record) and landlord agreements, from CSV
files named for their kind or one JSON file holding several kinds (docs/reference-data.md).

Rows name each other by business key (DUNS, premise, meter and account numbers), never by
surrogate id. Every row of a file is checked (columns, types, dates, references, duplicates) and
the file is written in one database transaction, in batches of bulk (executemany) statements;
a file with any error is rolled back whole, so it loads nothing, and each error names the file,
line and column and says what to fix. Loading a file again updates rows by business key.
Memory stays flat with the file's size: rows are read and written a batch at a time and the keys
seen so far wait in a temporary table.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from itertools import islice
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import Row, Table, any_, bindparam, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from ebt.store.schema import Base, PartnerRole, PeriodStatus

BATCH = 2000
MAX_ERRORS_KEPT = 200
KINDS = (
    "partners",
    "cycle_reads",
    "premises",
    "meters",
    "meter_installations",
    "accounts",
    "landlord_agreements",
)
ACCOUNT_STATUSES = ("active", "final", "closed")
BILLING_OPTIONS = ("LDC", "DUAL")
RATE_STRUCTURES = ("FLAT", "TOU", "DEMAND")

TABLES = Base.metadata.tables
# Keys of more than one part are joined with this character (never in a CSV value we accept).
KEY_JOIN = "\x1f"


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadError:
    """One thing wrong in a reference file: where, what, and what to do about it."""

    file: str
    line: int | None
    column: str | None
    problem: str
    fix: str

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.problem}; {self.fix}"


@dataclass(slots=True)
class LoadResult:
    """What loading one file (or one kind of a JSON file) did."""

    file: str
    kind: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[LoadError] = field(default_factory=list)
    error_count: int = 0
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and self.skipped is None

    def add_error(self, error: LoadError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)

    def summary(self) -> str:
        """One line: the file, its kind and what happened."""
        label = self.file if Path(self.file).stem == self.kind else f"{self.file} [{self.kind}]"
        if self.skipped:
            return f"{label}: not loaded: {self.skipped}"
        if self.error_count:
            return f"{label}: {self.error_count} error(s) in {self.rows} row(s); nothing loaded"
        return (
            f"{label}: {self.rows} row(s): {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )


class BadValueError(Exception):
    """A value that cannot be loaded: the problem and the fix."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


# -- values -----------------------------------------------------------------------------------

Parser = Callable[[str], Any]


@dataclass(frozen=True, slots=True)
class Field:
    """One column of a reference file: its name, how its text becomes a value, its default."""

    name: str
    parse: Parser
    required: bool = False
    default: Any = None


def _length(table: str, column: str) -> int:
    length = getattr(TABLES[table].c[column].type, "length", None)
    if not isinstance(length, int):
        raise TypeError(f"{table}.{column} has no length")
    return length


def text_value(limit: int) -> Parser:
    def parse(value: str) -> str:
        if len(value) > limit:
            raise BadValueError(
                f"'{value}' is {len(value)} characters long", f"shorten it to {limit}"
            )
        return value

    return parse


def code_value(pattern: str, what: str, limit: int) -> Parser:
    compiled = re.compile(pattern)

    def parse(value: str) -> str:
        if not compiled.fullmatch(value):
            raise BadValueError(f"'{value}' is not {what}", f"write {what}")
        return str(text_value(limit)(value))

    return parse


def one_of(*options: str) -> Parser:
    canonical = {option.upper(): option for option in options}

    def parse(value: str) -> str:
        found = canonical.get(value.upper())
        if found is None:
            raise BadValueError(f"'{value}' is not allowed", f"write one of {', '.join(options)}")
        return found

    return parse


def list_of(*options: str, limit: int) -> Parser:
    """A comma list of codes from `options` (or any code when none are given), deduplicated."""
    single = one_of(*options) if options else code_value(r"[A-Z0-9]{1,4}", "a code", 4)

    def parse(value: str) -> str:
        items = [single(item.strip()) for item in value.split(",") if item.strip()]
        if len(set(items)) != len(items):
            raise BadValueError(f"'{value}' names a code twice", "name each code once")
        joined = ",".join(items)
        if not joined:
            raise BadValueError(f"'{value}' names no code", "name at least one code")
        return str(text_value(limit)(joined))

    return parse


def date_value(value: str) -> date:
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise BadValueError(f"'{value}' is not a date", "write it as YYYY-MM-DD, e.g. 2026-11-18")


def flag_value(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("true", "yes", "y", "1"):
        return True
    if lowered in ("false", "no", "n", "0"):
        return False
    raise BadValueError(f"'{value}' is not true or false", "write true or false")


def decimal_value(table: str, column: str) -> Parser:
    kind = TABLES[table].c[column].type
    precision, scale = getattr(kind, "precision", 12), getattr(kind, "scale", 4)

    def parse(value: str) -> Decimal:
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or number <= 0:
            raise BadValueError(
                f"'{value}' is not a number above 0", "write a number such as 1 or 40"
            )
        if number != number.quantize(Decimal(1).scaleb(-scale)) or number >= 10 ** (
            precision - scale
        ):
            raise BadValueError(
                f"'{value}' does not fit", f"use at most {scale} decimals and {precision} digits"
            )
        return number

    return parse


def month_day_value(value: str) -> str:
    try:
        if re.fullmatch(r"\d\d-\d\d", value):
            date.fromisoformat(f"2000-{value}")  # a leap year: 02-29 is a day of the season
            return value
    except ValueError:
        pass
    raise BadValueError(f"'{value}' is not a month and day", "write it as MM-DD, e.g. 11-01")


NUMBER = r"[A-Za-z0-9][A-Za-z0-9./-]*"
NUMBER_WHAT = "a number of letters, digits and . / -"
DUNS = code_value(r"\d{9}(\d{4})?", "a DUNS: 9 digits, or 13 for DUNS+4", 13)
ACCOUNT_NUMBER = code_value(
    r"[A-Za-z0-9]+", "letters and digits only", _length("accounts", "number")
)
CYCLE = code_value(r"[A-Za-z0-9]{1,4}", "a bill cycle of 1 to 4 letters or digits", 4)


def number_value(table: str, column: str = "number") -> Parser:
    return code_value(NUMBER, NUMBER_WHAT, _length(table, column))


# -- rows and batches -------------------------------------------------------------------------


@dataclass(slots=True)
class Line:
    """A row that passed its own checks: its line in the file and its typed values."""

    line: int
    values: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


@dataclass(slots=True)
class Load:
    """One file (or one kind of a JSON file) being loaded in one database transaction."""

    session: Session
    result: LoadResult

    def error(self, line: int | None, column: str | None, problem: str, fix: str) -> None:
        self.result.add_error(LoadError(self.result.file, line, column, problem, fix))

    def among(self, column: Any) -> Any:
        """`column IN (:values)`, the values given at execution (`rows`): `= ANY(:values)`, one
        array parameter, on PostgreSQL. (A literal list would live on in the statement, whose
        reference cycles the batch-tuned garbage collector frees late.)"""
        if self.session.get_bind().dialect.name == "postgresql":
            return column == any_(bindparam("values"))
        return column.in_(bindparam("values", expanding=True))

    def rows(self, statement: Any, values: Iterable[Any] | None = None) -> list[Row[Any]]:
        """The rows of a query; `values` fill its list of values (see `among`)."""
        params = None if values is None else {"values": list(values)}
        return list(self.session.execute(statement, params))

    def pairs(self, statement: Any, values: Iterable[Any] | None = None) -> list[tuple[Any, Any]]:
        """The rows of a two-column query as pairs."""
        rows: list[Any] = self.rows(statement, values)
        return [(row[0], row[1]) for row in rows]


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class SeenKeys:
    """The business keys loaded so far from one file, with their lines, in a temporary table
    (so that a million keys cost no memory): finds a key given twice."""

    def __init__(self, session: Session) -> None:
        self.session = session
        session.execute(
            text(
                "CREATE TEMPORARY TABLE IF NOT EXISTS ebt_load_keys "
                "(key VARCHAR(200) PRIMARY KEY, line INTEGER NOT NULL)"
            )
        )
        session.execute(text("DELETE FROM ebt_load_keys"))

    def lines(self, keys: Iterable[str]) -> dict[str, int]:
        """The line each of `keys` was first seen on, for those seen already."""
        found: dict[str, int] = {}
        for chunk in _chunks(set(keys), BATCH):
            statement = text("SELECT key, line FROM ebt_load_keys WHERE key IN :keys")
            if self.session.get_bind().dialect.name == "postgresql":
                statement = text("SELECT key, line FROM ebt_load_keys WHERE key = ANY(:keys)")
            else:
                statement = statement.bindparams(bindparam("keys", expanding=True))
            found.update(
                (key, line) for key, line in self.session.execute(statement, {"keys": chunk})
            )
        return found

    def add(self, pairs: list[dict[str, Any]]) -> None:
        if pairs:
            statement = text("INSERT INTO ebt_load_keys (key, line) VALUES (:key, :line)")
            self.session.execute(statement, pairs)

    def close(self) -> None:
        self.session.execute(text("DELETE FROM ebt_load_keys"))


# -- kinds ------------------------------------------------------------------------------------


class Kind:
    """How one kind of reference row is checked and written; subclasses name the columns."""

    name: ClassVar[str]
    table: ClassVar[str]
    fields: ClassVar[tuple[Field, ...]]
    key_fields: ClassVar[tuple[str, ...]]

    def __init__(self) -> None:
        self.by_name = {f.name: f for f in self.fields}

    @property
    def t(self) -> Table:
        return TABLES[self.table]

    def key(self, values: Mapping[str, Any]) -> str:
        return KEY_JOIN.join(str(values[name] or "") for name in self.key_fields)

    def show_key(self, values: Mapping[str, Any]) -> str:
        return " ".join(str(values[name] or "(all year)") for name in self.key_fields)

    # -- one row on its own

    def parse(self, load: Load, line: int, raw: Mapping[str, str]) -> Line | None:
        values: dict[str, Any] = {}
        errors_before = load.result.error_count
        for f in self.fields:
            value = (raw.get(f.name) or "").strip()
            if not value:
                if f.required:
                    load.error(line, f.name, "is empty", f"give the {f.name} of this row")
                values[f.name] = f.default
                continue
            try:
                values[f.name] = f.parse(value)
            except BadValueError as bad:
                load.error(line, f.name, bad.problem, bad.fix)
        if load.result.error_count == errors_before:
            for column, problem, fix in self.check(values):
                load.error(line, column, problem, fix)
        return Line(line, values) if load.result.error_count == errors_before else None

    def check(self, values: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
        """Checks between the columns of one row: (column, problem, fix)."""
        return iter(())

    # -- a batch against the store

    def start(self, load: Load) -> None:
        """Read what the whole file needs from the store (small tables only)."""

    def apply(self, load: Load, rows: list[Line]) -> None:
        raise NotImplementedError

    def finish(self, load: Load, seen: SeenKeys) -> None:
        """Checks that need the whole file written (still inside its transaction)."""

    # -- helpers for subclasses

    def existing(self, load: Load, column: str, values: Iterable[Any]) -> dict[Any, Row[Any]]:
        """Rows of this kind's table whose `column` is one of `values`, by that column."""
        found: dict[Any, Row[Any]] = {}
        for chunk in _chunks(set(values), BATCH):
            statement = select(self.t).where(load.among(self.t.c[column]))
            found.update((row._mapping[column], row) for row in load.rows(statement, chunk))
        return found

    def ids(self, load: Load, table: str, values: Iterable[str]) -> dict[str, int]:
        """Surrogate ids of `table` rows by business number."""
        t = TABLES[table]
        found: dict[str, int] = {}
        for chunk in _chunks({v for v in values if v}, BATCH):
            statement = select(t.c.number, t.c.id).where(load.among(t.c.number))
            found.update(load.pairs(statement, chunk))
        return found

    def write(self, load: Load, records: list[tuple[dict[str, Any], Row[Any] | None]]) -> None:
        """Insert the new records, update the changed ones (each an executemany); counts
        added, updated and unchanged."""
        new = [record for record, old in records if old is None]
        changed = [
            {**record, "_id": old.id}
            for record, old in records
            if old is not None and any(old._mapping[k] != v for k, v in record.items())
        ]
        load.result.added += len(new)
        load.result.updated += len(changed)
        load.result.unchanged += len(records) - len(new) - len(changed)
        if changed:
            statement = update(self.t).where(self.t.c.id == bindparam("_id"))
            for chunk in _chunks(changed, BATCH):
                load.session.execute(statement, chunk)
        self.insert(load, new)

    def insert(self, load: Load, records: list[dict[str, Any]]) -> None:
        if records:
            load.session.execute(insert(self.t), records)


def absent(load: Load, row: Line, column: str, what: str, source: str) -> None:
    """Report a reference to a key that is not in the store."""
    load.error(
        row.line,
        column,
        f"{what} '{row[column]}' is not in the store",
        f"load it in {source} first or correct the number",
    )


@dataclass(slots=True)
class Held:
    """What one row or stored record claims (a meter's dates, a premise's season) and where
    it comes from, to find two that clash."""

    key: Any
    span: Any
    where: str
    old: Row[Any] | None


ALREADY_LOADED = "in the store or earlier in this file"


class Partners(Kind):
    name = "partners"
    table = "trading_partners"
    fields = (
        Field("duns", DUNS, required=True),
        Field("name", text_value(_length("trading_partners", "name")), required=True),
        Field("role", one_of(*(r.value for r in PartnerRole)), required=True),
        Field("licensed", flag_value, default=True),
        Field("billing_options", list_of(*BILLING_OPTIONS, limit=20), default="LDC,DUAL"),
        Field("production", flag_value, default=True),
    )
    key_fields = ("duns",)

    def start(self, load: Load) -> None:
        statement = select(self.t.c.duns).where(self.t.c.role == PartnerRole.TD.value)
        self.td: tuple[str, str] | None = None
        if (duns := load.session.scalars(statement).first()) is not None:
            self.td = (duns, "the store")

    def apply(self, load: Load, rows: list[Line]) -> None:
        existing = self.existing(load, "duns", (r["duns"] for r in rows))
        records = [
            ({name: row[name] for name in self.by_name}, existing.get(row["duns"]))
            for row in rows
            if row["role"] != PartnerRole.TD or self.one_td(load, row)
        ]
        self.write(load, records)

    def one_td(self, load: Load, row: Line) -> bool:
        if self.td is not None and self.td[0] != row["duns"]:
            load.error(
                row.line,
                "role",
                f"the T&D is DUNS {self.td[0]} ({self.td[1]}); a store serves one T&D utility",
                "make this partner a CES, or give the T&D's own DUNS",
            )
            return False
        self.td = self.td or (row["duns"], f"line {row.line}")
        return True


class CycleReads(Kind):
    name = "cycle_reads"
    table = "cycle_reads"
    fields = (Field("bill_cycle", CYCLE, required=True), Field("read_date", date_value, True))
    key_fields = ("bill_cycle", "read_date")

    def apply(self, load: Load, rows: list[Line]) -> None:
        cycles = {r["bill_cycle"] for r in rows}
        statement = select(self.t.c.bill_cycle, self.t.c.read_date)
        known = set(load.pairs(statement.where(load.among(self.t.c.bill_cycle)), cycles))
        new = [r.values for r in rows if (r["bill_cycle"], r["read_date"]) not in known]
        load.result.added += len(new)
        load.result.unchanged += len(rows) - len(new)
        self.insert(load, new)


class Premises(Kind):
    name = "premises"
    table = "premises"
    fields = (
        Field("premise_number", number_value("premises"), required=True),
        Field("street", text_value(_length("premises", "street")), required=True),
        Field("street2", text_value(_length("premises", "street2"))),
        Field("city", text_value(_length("premises", "city")), required=True),
        Field("state", code_value(r"[A-Z]{2}", "a two-letter state code such as ME", 2), True),
        Field(
            "postal_code", code_value(r"\d{5}(-\d{4})?", "a ZIP code (5 digits or ZIP+4)", 10), True
        ),
        Field("parent_premise_number", number_value("premises")),
    )
    key_fields = ("premise_number",)
    address = ("street", "street2", "city", "state", "postal_code")

    def start(self, load: Load) -> None:
        self.pending: list[Line] = []  # rows whose parent premise was not written yet

    def check(self, values: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
        if values["parent_premise_number"] == values["premise_number"]:
            yield (
                "parent_premise_number",
                "a premise cannot be its own parent",
                "give the building's premise number, or leave it empty",
            )

    def apply(self, load: Load, rows: list[Line]) -> None:
        numbers = {r["premise_number"] for r in rows} | {r["parent_premise_number"] for r in rows}
        existing = self.existing(load, "number", numbers - {None})
        records = []
        for row in rows:
            parent = existing.get(row["parent_premise_number"])
            if row["parent_premise_number"] and parent is None:
                self.pending.append(row)
            record = {"number": row["premise_number"], "parent_id": parent.id if parent else None}
            record |= {name: row[name] for name in self.address}
            records.append((record, existing.get(row["premise_number"])))
        self.write(load, records)
        self.link_pending(load)

    def link_pending(self, load: Load) -> None:
        """Link the rows waiting for their parent premise to those written since."""
        parents = self.ids(load, "premises", (r["parent_premise_number"] for r in self.pending))
        linked = [r for r in self.pending if r["parent_premise_number"] in parents]
        self.pending = [r for r in self.pending if r["parent_premise_number"] not in parents]
        statement = (
            update(self.t)
            .where(self.t.c.number == bindparam("_number"))
            .values(parent_id=bindparam("_parent"))
        )
        for chunk in _chunks(linked, BATCH):
            params = [
                {"_number": r["premise_number"], "_parent": parents[r["parent_premise_number"]]}
                for r in chunk
            ]
            load.session.execute(statement, params)

    def finish(self, load: Load, seen: SeenKeys) -> None:
        self.link_pending(load)
        for row in self.pending:
            absent(load, row, "parent_premise_number", "parent premise", "premises.csv")
        child, parent = self.t.alias("child"), self.t.alias("parent")
        statement = (
            select(child.c.number, parent.c.number)
            .join(parent, child.c.parent_id == parent.c.id)
            .where(parent.c.parent_id.is_not(None))
        )
        nested = load.pairs(statement)
        lines = seen.lines([c for c, _ in nested] + [p for _, p in nested])
        for child_number, parent_number in nested:
            load.error(
                lines.get(child_number) or lines.get(parent_number),
                "parent_premise_number",
                f"premise '{child_number}' has parent '{parent_number}', which has a parent "
                "itself; parent premises (buildings) are one level deep",
                "point units at the building's premise and leave the building's parent empty",
            )


class Meters(Kind):
    name = "meters"
    table = "meters"
    fields = (
        Field("meter_number", number_value("meters"), required=True),
        Field("type", code_value(r"[A-Z][A-Z0-9_]*", "a meter type such as KWH", 20), True),
        Field("smart", flag_value, default=False),
        Field(
            "multiplier_active", decimal_value("meters", "multiplier_active"), default=Decimal(1)
        ),
        Field("multiplier_reactive", decimal_value("meters", "multiplier_reactive")),
        Field("multiplier_demand", decimal_value("meters", "multiplier_demand")),
        Field("rate_structures", list_of(*RATE_STRUCTURES, limit=60), default="FLAT"),
    )
    key_fields = ("meter_number",)

    def apply(self, load: Load, rows: list[Line]) -> None:
        existing = self.existing(load, "number", (r["meter_number"] for r in rows))
        records = []
        for row in rows:
            record = {"number": row["meter_number"]} | row.values
            del record["meter_number"]
            records.append((record, existing.get(row["meter_number"])))
        self.write(load, records)


def _overlap(a: tuple[date, date | None], b: tuple[date, date | None]) -> bool:
    """Whether two [start, end) spans share a day; an end of None is open."""
    return (b[1] is None or a[0] < b[1]) and (a[1] is None or b[0] < a[1])


class MeterInstallations(Kind):
    name = "meter_installations"
    table = "meter_installations"
    fields = (
        Field("meter_number", number_value("meters"), required=True),
        Field("premise_number", number_value("premises"), required=True),
        Field("installed_on", date_value, required=True),
        Field("removed_on", date_value),
    )
    key_fields = ("meter_number", "installed_on")

    def check(self, values: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
        removed = values["removed_on"]
        if removed is not None and removed <= values["installed_on"]:
            yield (
                "removed_on",
                f"{removed} is not after installed_on {values['installed_on']}",
                "give a removal date after the installation date, or leave it empty",
            )

    def apply(self, load: Load, rows: list[Line]) -> None:
        meters = self.ids(load, "meters", (r["meter_number"] for r in rows))
        premises = self.ids(load, "premises", (r["premise_number"] for r in rows))
        held: dict[int, list[Held]] = {}
        statement = select(self.t).where(load.among(self.t.c.meter_id))
        for stored in load.rows(statement, set(meters.values())):
            span = (stored.installed_on, stored.removed_on)
            held.setdefault(stored.meter_id, []).append(
                Held(stored.installed_on, span, ALREADY_LOADED, stored)
            )
        records: list[tuple[dict[str, Any], Row[Any] | None]] = []
        for row in rows:
            meter_id, premise_id = (
                meters.get(row["meter_number"]),
                premises.get(row["premise_number"]),
            )
            if meter_id is None:
                absent(load, row, "meter_number", "meter", "meters.csv")
            if premise_id is None:
                absent(load, row, "premise_number", "premise", "premises.csv")
            if meter_id is None or premise_id is None:
                continue
            mine = held.setdefault(meter_id, [])
            span = (row["installed_on"], row["removed_on"])
            free, old = self.claim(load, row, mine, span)
            if free:
                record = {"meter_id": meter_id, "premise_id": premise_id, "installed_on": span[0]}
                records.append((record | {"removed_on": span[1]}, old))
        self.write(load, records)

    def claim(
        self, load: Load, row: Line, mine: list[Held], span: tuple[date, date | None]
    ) -> tuple[bool, Row[Any] | None]:
        """Take the meter for the row's dates: (True, the stored installation it replaces), or
        (False, None) after reporting that the meter is elsewhere then."""
        same = next((h for h in mine if h.key == span[0]), None)
        clash = next((h for h in mine if h is not same and _overlap(span, h.span)), None)
        if clash is not None:
            start, end = clash.span
            load.error(
                row.line,
                "installed_on",
                f"meter '{row['meter_number']}' is installed from {start} to {end or 'now'} "
                f"({clash.where}) over these dates",
                "a meter is in one place at a time: fix the dates, or give the other "
                "installation its removed_on",
            )
            return False, None
        if same is not None:
            mine.remove(same)
        mine.append(Held(span[0], span, f"line {row.line}", same.old if same else None))
        return True, same.old if same else None


@dataclass(frozen=True, slots=True)
class Partner:
    """A trading partner as the accounts file needs it."""

    id: int
    role: str
    billing_options: tuple[str, ...]
    name: str


class Accounts(Kind):
    name = "accounts"
    table = "accounts"
    fields = (
        Field("account_number", ACCOUNT_NUMBER, required=True),
        Field("customer_name", text_value(_length("accounts", "customer_name")), required=True),
        Field("premise_number", number_value("premises"), required=True),
        Field("bill_cycle", CYCLE, required=True),
        Field("status", one_of(*ACCOUNT_STATUSES), default="active"),
        Field("opened_on", date_value, required=True),
        Field("closed_on", date_value),
        Field("rate_class", text_value(_length("accounts", "rate_class"))),
        Field("services", list_of(limit=_length("accounts", "services")), default="EL"),
        Field("ces_duns", DUNS),
        Field("billing_option", one_of(*BILLING_OPTIONS)),
        Field("bill_calculator", one_of(*BILLING_OPTIONS)),
        Field("ces_account", text_value(_length("supplier_periods", "ces_account"))),
        Field("ces_rate_code", text_value(_length("supplier_periods", "ces_rate_code"))),
        Field("supplier_start", date_value),
    )
    key_fields = ("account_number",)
    columns = ("customer_name", "bill_cycle", "status", "services", "rate_class", "opened_on")

    def start(self, load: Load) -> None:
        self.partners = {
            p.duns: Partner(p.id, p.role, tuple(p.billing_options.split(",")), p.name)
            for p in load.rows(select(TABLES["trading_partners"]))
        }
        cycles = select(TABLES["cycle_reads"].c.bill_cycle).distinct()
        self.cycles = set(load.session.scalars(cycles))

    def check(self, values: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
        opened, closed, status = values["opened_on"], values["closed_on"], values["status"]
        if status == "active" and closed is not None:
            yield ("closed_on", "is given for an active account", "leave it empty or fix status")
        if status != "active" and closed is None:
            yield (
                "closed_on",
                f"is empty for a {status} account",
                "give the day service ended (the final read date)",
            )
        if closed is not None and closed < opened:
            yield ("closed_on", f"{closed} is before opened_on {opened}", "fix the dates")
        start = values["supplier_start"]
        if start is not None and start < opened:
            yield ("supplier_start", f"{start} is before opened_on {opened}", "fix the dates")
        if start is not None and closed is not None and start >= closed:
            yield ("supplier_start", f"{start} is not before closed_on {closed}", "fix the dates")
        yield from self.check_supplier(values)

    def check_supplier(self, values: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
        if values["ces_duns"] is None:
            for name in ("billing_option", "bill_calculator", "ces_account", "ces_rate_code"):
                if values[name] is not None:
                    yield (
                        name,
                        "is given but the account has no CES (ces_duns is empty)",
                        "give the CES's DUNS in ces_duns, or leave this column empty",
                    )
            return
        for name in ("billing_option", "supplier_start"):
            if values[name] is None:
                yield (name, "is empty but the account has a CES", f"give the {name}")

    def apply(self, load: Load, rows: list[Line]) -> None:
        premises = self.ids(load, "premises", (r["premise_number"] for r in rows))
        existing = self.existing(load, "number", (r["account_number"] for r in rows))
        current = self.current_periods(load, [old.id for old in existing.values()])
        records: list[tuple[dict[str, Any], Row[Any] | None]] = []
        periods: list[dict[str, Any]] = []
        fresh: list[tuple[Line, dict[str, Any]]] = []
        for row in rows:
            premise_id, ces = premises.get(row["premise_number"]), self.supplier(load, row)
            if premise_id is None:
                absent(load, row, "premise_number", "premise", "premises.csv")
            if not self.has_reads(load, row) or premise_id is None or ces is False:
                continue
            old, wanted = existing.get(row["account_number"]), self.period(row, ces)
            if old is None:
                fresh.append((row, wanted))
            elif not self.move_period(
                load, row, current.get(old.id), wanted | {"account_id": old.id}, periods
            ):
                continue
            record = {"number": row["account_number"], "premise_id": premise_id}
            record |= {name: row[name] for name in (*self.columns, "closed_on")}
            records.append((record, old))
        self.write(load, records)
        new_ids = self.ids(load, "accounts", (row["account_number"] for row, _ in fresh))
        for row, wanted in fresh:
            account_id = new_ids[row["account_number"]]
            periods.extend(self.first_periods(row, wanted | {"account_id": account_id}))
        self.write_periods(load, periods)

    def has_reads(self, load: Load, row: Line) -> bool:
        if row["bill_cycle"] in self.cycles:
            return True
        load.error(
            row.line,
            "bill_cycle",
            f"bill cycle '{row['bill_cycle']}' has no scheduled read dates",
            "load its dates in cycle_reads.csv first or correct the cycle",
        )
        return False

    def supplier(self, load: Load, row: Line) -> Partner | bool | None:
        """The row's CES (None: Standard Offer), or False after reporting an error."""
        if row["ces_duns"] is None:
            return None
        partner = self.partners.get(row["ces_duns"])
        if partner is None or partner.role != PartnerRole.CES:
            if partner is None:
                absent(load, row, "ces_duns", "CES", "partners.csv")
            else:
                load.error(
                    row.line,
                    "ces_duns",
                    f"{partner.name} is the T&D, not a CES",
                    "give a CES's DUNS",
                )
            return False
        for name in ("billing_option", "bill_calculator"):
            if row[name] is not None and row[name] not in partner.billing_options:
                offered = ", ".join(partner.billing_options)
                load.error(
                    row.line,
                    name,
                    f"{partner.name} offers {offered} billing, not {row[name]}",
                    f"give one of {offered}",
                )
                return False
        return partner

    def period(self, row: Line, ces: Partner | bool | None) -> dict[str, Any]:
        """The supplier period the row asks for (without its account id)."""
        closed = row["status"] == "closed"
        return {
            "supplier_id": ces.id if isinstance(ces, Partner) else None,
            "start": row["supplier_start"] or row["opened_on"],
            "end": row["closed_on"],
            "status": (PeriodStatus.ENDED if closed else PeriodStatus.ACTIVE).value,
            "process_id": None,
            "billing_option": row["billing_option"],
            "bill_calculator": row["bill_calculator"] or row["billing_option"],
            "ces_rate_code": row["ces_rate_code"],
            "ces_account": row["ces_account"],
        }

    def first_periods(self, row: Line, wanted: dict[str, Any]) -> list[dict[str, Any]]:
        """A new account's periods: Standard Offer from opened_on until its CES started."""
        if wanted["start"] == row["opened_on"]:
            return [wanted]
        standard_offer = dict.fromkeys(wanted) | {
            "account_id": wanted["account_id"],
            "start": row["opened_on"],
            "end": wanted["start"],
            "status": PeriodStatus.ENDED.value,
        }
        return [standard_offer, wanted]

    def current_periods(self, load: Load, account_ids: list[int]) -> dict[int, Row[Any]]:
        """Each account's latest active or ended supplier period (pending and cancelled ones
        are the engine's business)."""
        t = TABLES["supplier_periods"]
        latest: dict[int, Row[Any]] = {}
        statuses = (PeriodStatus.ACTIVE.value, PeriodStatus.ENDED.value)
        for chunk in _chunks(account_ids, BATCH):
            statement = select(t).where(load.among(t.c.account_id), t.c.status.in_(statuses))
            for period in load.rows(statement, chunk):
                known = latest.get(period.account_id)
                if known is None or (period.start, period.id) > (known.start, known.id):
                    latest[period.account_id] = period
        return latest

    def move_period(
        self,
        load: Load,
        row: Line,
        current: Row[Any] | None,
        wanted: dict[str, Any],
        periods: list[dict[str, Any]],
    ) -> bool:
        """Bring an account's current supplier period in line with the row: the same supplier
        and start update it; a later start ends it and opens the new one. False on an error."""
        if current is None:
            periods.append(wanted)
        elif (current.supplier_id, current.start) == (wanted["supplier_id"], wanted["start"]):
            if any(current._mapping[k] != v for k, v in wanted.items()):
                periods.append(wanted | {"_id": current.id})
        elif wanted["start"] > current.start:
            ended = {k: current._mapping[k] for k in wanted} | {"end": wanted["start"]}
            periods += [ended | {"_id": current.id, "status": PeriodStatus.ENDED.value}, wanted]
        else:
            load.error(
                row.line,
                "supplier_start",
                f"the account's supplier of record last changed on {current.start}; another "
                f"supplier from {wanted['start']} would rewrite that history",
                f"give the day the supplier in this row started serving, after {current.start}",
            )
            return False
        return True

    def write_periods(self, load: Load, periods: list[dict[str, Any]]) -> None:
        t = TABLES["supplier_periods"]
        changed = [p for p in periods if "_id" in p]
        new = [p for p in periods if "_id" not in p]
        for chunk in _chunks(changed, BATCH):
            load.session.execute(update(t).where(t.c.id == bindparam("_id")), chunk)
        for chunk in _chunks(new, BATCH):
            load.session.execute(insert(t), chunk)


def _season_days(start: str | None, end: str | None) -> frozenset[str]:
    """The days (MM-DD) a season covers, wrapping the year end; every day when it has none."""
    if start is None or end is None:
        return YEAR
    if start <= end:
        return frozenset(d for d in YEAR if start <= d <= end)
    return frozenset(d for d in YEAR if d >= start or d <= end)


YEAR = frozenset(f"{d:%m-%d}" for d in (date(2000, 1, 1) + timedelta(n) for n in range(366)))


class LandlordAgreements(Kind):
    name = "landlord_agreements"
    table = "landlord_agreements"
    fields = (
        Field("premise_number", number_value("premises"), required=True),
        Field("landlord_account_number", ACCOUNT_NUMBER, required=True),
        Field(
            "service", code_value(r"[A-Z0-9]{1,4}", "a service code such as EL", 4), default="EL"
        ),
        Field("season_start", month_day_value),
        Field("season_end", month_day_value),
        Field("reverts", flag_value, default=True),
    )
    key_fields = ("premise_number", "service", "season_start")
    columns = ("service", "season_start", "season_end", "reverts")

    def check(self, values: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
        if (values["season_start"] is None) != (values["season_end"] is None):
            yield (
                "season_end" if values["season_end"] is None else "season_start",
                "a season needs both its start and its end",
                "give both season_start and season_end (MM-DD), or neither for all year",
            )

    def apply(self, load: Load, rows: list[Line]) -> None:
        premises = self.ids(load, "premises", (r["premise_number"] for r in rows))
        accounts = self.existing_accounts(load, (r["landlord_account_number"] for r in rows))
        held: dict[tuple[int, str], list[Held]] = {}
        statement = select(self.t).where(load.among(self.t.c.premise_id))
        for stored in load.rows(statement, set(premises.values())):
            days = _season_days(stored.season_start, stored.season_end)
            held.setdefault((stored.premise_id, stored.service), []).append(
                Held(stored.season_start, days, ALREADY_LOADED, stored)
            )
        records: list[tuple[dict[str, Any], Row[Any] | None]] = []
        for row in rows:
            premise_id = premises.get(row["premise_number"])
            account_id = self.landlord(load, row, accounts.get(row["landlord_account_number"]))
            if premise_id is None:
                absent(load, row, "premise_number", "premise", "premises.csv")
            if premise_id is None or account_id is None:
                continue
            mine = held.setdefault((premise_id, row["service"]), [])
            free, old = self.claim(load, row, mine)
            if free:
                record = {"premise_id": premise_id, "landlord_account_id": account_id}
                records.append((record | {name: row[name] for name in self.columns}, old))
        self.write(load, records)

    def existing_accounts(self, load: Load, numbers: Iterable[str]) -> dict[str, Row[Any]]:
        t = TABLES["accounts"]
        found: dict[str, Row[Any]] = {}
        for chunk in _chunks(set(numbers), BATCH):
            statement = select(t.c.number, t.c.id, t.c.status).where(load.among(t.c.number))
            found.update((account.number, account) for account in load.rows(statement, chunk))
        return found

    def landlord(self, load: Load, row: Line, account: Row[Any] | None) -> int | None:
        """The landlord's account id, or None after reporting why it cannot be used."""
        if account is None:
            absent(load, row, "landlord_account_number", "account", "accounts.csv")
            return None
        if account.status == "closed":
            load.error(
                row.line,
                "landlord_account_number",
                f"account '{account.number}' is closed",
                "give the landlord's open account",
            )
            return None
        return int(account.id)

    def claim(self, load: Load, row: Line, mine: list[Held]) -> tuple[bool, Row[Any] | None]:
        """Take the row's season: (True, the stored agreement it replaces), or (False, None)
        after reporting another agreement of the premise and service that shares a day."""
        days = _season_days(row["season_start"], row["season_end"])
        same = next((h for h in mine if h.key == row["season_start"]), None)
        clash = next((h for h in mine if h is not same and days & h.span), None)
        if clash is not None:
            season = f"from {clash.key}" if clash.key else "for all year"
            load.error(
                row.line,
                "season_start",
                f"the premise already has a {row['service']} agreement {season} "
                f"({clash.where}) that shares days with this one",
                "make the seasons of one premise and service not overlap",
            )
            return False, None
        if same is not None:
            mine.remove(same)
        mine.append(Held(row["season_start"], days, f"line {row.line}", same.old if same else None))
        return True, same.old if same else None


KIND_TYPES: dict[str, type[Kind]] = {
    k.name: k
    for k in (
        Partners,
        CycleReads,
        Premises,
        Meters,
        MeterInstallations,
        Accounts,
        LandlordAgreements,
    )
}


# -- files ------------------------------------------------------------------------------------


def kind_of(path: Path) -> str | None:
    """The kind a file holds, told by its name: `<kind>.csv`, or "json" for any .json file."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix == ".csv" and path.stem.lower() in KINDS:
        return path.stem.lower()
    return None


def plan(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """The files to load, in dependency order (JSON files first, then CSV by kind), and the
    files of the given directories that are not reference files."""
    files: list[Path] = []
    ignored: list[Path] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.iterdir() if p.is_file()):
                (files if kind_of(child) else ignored).append(child)
        else:
            files.append(path)

    def order(path: Path) -> int:
        kind = kind_of(path)
        return -1 if kind == "json" else KINDS.index(kind) if kind else len(KINDS)

    return sorted(files, key=order), ignored


def load_paths(sessions: sessionmaker[Session], paths: Sequence[Path]) -> Iterator[LoadResult]:
    """Load files and directories in dependency order, yielding each file's result as it is
    done; after a file with errors the rest are not loaded (they would repeat its errors)."""
    failed = False
    for path in plan(paths)[0]:
        if failed:
            yield LoadResult(str(path), kind_of(path) or "?", skipped="an earlier file had errors")
            continue
        for result in load_file(sessions, path):
            failed = failed or not result.ok
            yield result


def load_file(sessions: sessionmaker[Session], path: Path) -> list[LoadResult]:
    """Load one CSV or JSON file in one transaction; nothing stays when it has an error."""
    kind = kind_of(path)
    if kind is None:
        result = LoadResult(str(path), path.stem)
        result.add_error(
            LoadError(
                str(path),
                None,
                None,
                "the file name does not say what it holds",
                f"name it <kind>.csv with a kind from {', '.join(KINDS)}, or use a .json file",
            )
        )
        return [result]
    with sessions() as session:  # closing it rolls back what was not committed
        if kind == "json":
            results = _load_json(session, path)
        else:
            result = LoadResult(str(path), kind)
            _load_rows(Load(session, result), KIND_TYPES[kind](), _csv_rows(path, result))
            results = [result]
        if all(r.ok for r in results):
            session.commit()
        else:
            session.rollback()
    return results


def _load_rows(load: Load, kind: Kind, rows: Iterable[tuple[int, Mapping[str, str]]]) -> None:
    """Check and write the rows of one kind, a batch at a time (inside the caller's transaction)."""
    seen = SeenKeys(load.session)
    kind.start(load)
    for batch in _chunks(rows, BATCH):
        load.result.rows += len(batch)
        parsed = [p for p in (kind.parse(load, line, raw) for line, raw in batch) if p]
        kind.apply(load, _first_of_each_key(load, kind, seen, parsed))
    kind.finish(load, seen)
    seen.close()


def _first_of_each_key(load: Load, kind: Kind, seen: SeenKeys, rows: list[Line]) -> list[Line]:
    """The rows whose business key was not in the file before; errors for the others."""
    earlier = seen.lines(kind.key(r.values) for r in rows)
    fresh: list[Line] = []
    for row in rows:
        key = kind.key(row.values)
        if key in earlier:
            load.error(
                row.line,
                kind.key_fields[0],
                f"{kind.show_key(row.values)} is already on line {earlier[key]}",
                "give each row once: remove or merge one of the two",
            )
            continue
        earlier[key] = row.line
        fresh.append(row)
    seen.add([{"key": kind.key(r.values), "line": r.line} for r in fresh])
    return fresh


def _csv_rows(path: Path, result: LoadResult) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, {column: text}) for each data row; header and shape errors go to `result`."""
    kind = KIND_TYPES[result.kind]()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip().lower() for h in next(reader, [])]
            if not _header_ok(result, header, kind):
                return
            line = reader.line_num + 1
            for cells in reader:
                if cells and any(c.strip() for c in cells):
                    if len(cells) != len(header):
                        result.add_error(
                            LoadError(
                                result.file,
                                line,
                                None,
                                f"the row has {len(cells)} fields but the header has {len(header)}",
                                "quote values that hold commas; give one value per column",
                            )
                        )
                    else:
                        yield line, dict(zip(header, cells, strict=True))
                line = reader.line_num + 1
        except UnicodeDecodeError as bad:
            result.add_error(
                LoadError(
                    result.file,
                    reader.line_num + 1,
                    None,
                    f"the file is not UTF-8 text ({bad.reason})",
                    "save it as UTF-8 (CSV UTF-8 in a spreadsheet)",
                )
            )
        except csv.Error as bad:
            result.add_error(
                LoadError(
                    result.file, reader.line_num, None, f"unreadable CSV: {bad}", "fix the quoting"
                )
            )


def _header_ok(result: LoadResult, header: list[str], kind: Kind) -> bool:
    names = [f.name for f in kind.fields]
    ok = True
    if not header:
        result.add_error(
            LoadError(
                result.file,
                1,
                None,
                "the file is empty",
                f"start it with the header: {','.join(names)}",
            )
        )
        return False
    for column in header:
        if column not in kind.by_name:
            result.add_error(
                LoadError(
                    result.file,
                    1,
                    column or "(empty)",
                    f"'{column}' is not a column of {kind.name}",
                    f"remove it or rename it to one of {', '.join(names)}",
                )
            )
            ok = False
    for f in kind.fields:
        if f.required and f.name not in header:
            result.add_error(
                LoadError(
                    result.file,
                    1,
                    f.name,
                    "the required column is missing",
                    f"add {f.name} to the header",
                )
            )
            ok = False
    for column in {c for c in header if header.count(c) > 1}:
        result.add_error(
            LoadError(result.file, 1, column, "the column is named twice", "keep one of them")
        )
        ok = False
    return ok


# -- JSON -------------------------------------------------------------------------------------

_SPACE = re.compile(r"[ \t\n\r]*")


@dataclass(slots=True)
class Section:
    """One top-level member of a JSON reference file, with the line of each item."""

    name: str
    line: int
    items: list[tuple[int, Any]] | None  # None: the member is not a list


class _Lines:
    """Line numbers of offsets into a text, counted incrementally (offsets only grow)."""

    def __init__(self, text: str) -> None:
        self.text, self.offset, self.line = text, 0, 1

    def at(self, offset: int) -> int:
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line


def _json_sections(text: str) -> list[Section]:
    """The members of the top-level object of a valid JSON text, each list item with its line."""
    decoder, lines = json.JSONDecoder(), _Lines(text)

    def skip(pos: int) -> int:
        match = _SPACE.match(text, pos)
        return match.end() if match else pos

    sections: list[Section] = []
    pos = skip(0) + 1  # past "{"
    while (pos := skip(pos)) < len(text) and text[pos] != "}":
        name, pos = decoder.raw_decode(text, pos)
        pos = skip(skip(pos) + 1)  # past ":"
        section = Section(name, lines.at(pos), None)
        if text[pos] == "[":
            section.items, pos = [], skip(pos + 1)
            while text[pos] != "]":
                line = lines.at(pos)
                item, pos = decoder.raw_decode(text, pos)
                section.items.append((line, item))
                pos = skip(pos)
                pos = skip(pos + 1) if text[pos] == "," else pos
            pos += 1
        else:
            _value, pos = decoder.raw_decode(text, pos)
        sections.append(section)
        pos = skip(pos)
        pos = pos + 1 if text[pos] == "," else pos
    return sections


def _load_json(session: Session, path: Path) -> list[LoadResult]:
    """Load the kinds of one JSON file in dependency order, stopping at the first with errors."""
    whole = LoadResult(str(path), "json")
    sections = _read_json(path, whole)
    if sections is None:
        return [whole]
    results: list[LoadResult] = []
    for kind in KINDS:
        for section in (s for s in sections if s.name == kind and s.items is not None):
            result = LoadResult(str(path), kind)
            results.append(result)
            rows = _json_rows(result, KIND_TYPES[kind](), section.items or [])
            _load_rows(Load(session, result), KIND_TYPES[kind](), rows)
            if not result.ok:
                return results
    return results or [whole]


def _read_json(path: Path, whole: LoadResult) -> list[Section] | None:
    """The sections of a JSON reference file, or None after reporting what is wrong with it."""

    def fail(line: int | None, column: str | None, problem: str, fix: str) -> None:
        whole.add_error(LoadError(whole.file, line, column, problem, fix))

    try:
        text = path.read_text(encoding="utf-8-sig")
        document = json.loads(text)
    except UnicodeDecodeError as bad:
        fail(None, None, f"the file is not UTF-8 text ({bad.reason})", "save it as UTF-8")
        return None
    except json.JSONDecodeError as bad:
        fail(bad.lineno, None, f"not valid JSON: {bad.msg} at character {bad.colno}", "fix it")
        return None
    if not isinstance(document, dict):
        fail(1, None, "the file is not a JSON object", 'write {"partners": [...], ...}')
        return None
    sections = _json_sections(text)
    for section in sections:
        if section.name not in KINDS:
            fail(
                section.line,
                section.name,
                "is not a kind of reference data",
                f"use {', '.join(KINDS)}",
            )
        elif section.items is None:
            fail(
                section.line, section.name, "is not a list", "give a list of objects: [{...}, ...]"
            )
        elif [s.name for s in sections].count(section.name) > 1:
            fail(section.line, section.name, "is given twice", "merge the two lists")
    return None if whole.error_count else sections


def _json_rows(
    result: LoadResult, kind: Kind, items: list[tuple[int, Any]]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, {column: text}) for each item of one kind; shape errors go to `result` (an item
    that is not an object, or holds a list or an object as a value, is not checked further)."""
    for line, item in items:
        if not isinstance(item, dict):
            result.rows += 1
            problem, fix = f"each {kind.name} item must be an object", "write {...}"
            result.add_error(LoadError(result.file, line, None, problem, fix))
            continue
        nested = [column for column, value in item.items() if isinstance(value, dict | list)]
        for column in nested:
            problem, fix = "holds a list or an object", "give a plain value"
            result.add_error(LoadError(result.file, line, column, problem, fix))
        for column in item:
            if column not in kind.by_name:
                problem = f"'{column}' is not a column of {kind.name}"
                fix = f"remove it or use one of {', '.join(kind.by_name)}"
                result.add_error(LoadError(result.file, line, column, problem, fix))
        if nested:
            result.rows += 1
            continue
        yield line, {column: _json_text(value) for column, value in item.items()}


def _json_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

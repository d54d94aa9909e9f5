"""The rules as the console shows them: each decision table and version (its steps, what
follows each answer) and the parameters in force on a day."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from functools import cache

from ebt.data.market import load_rules
from ebt.data.rules import load_parameter_book
from ebt.queries.codes import meaning
from ebt.rules.tables import Next, Outcome, RuleBook, Table


@dataclass(frozen=True, slots=True)
class TableRow:
    name: str
    version: str
    valid_from: date
    about: str
    steps: int
    in_force: bool


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    value: str


@cache
def rulebook(on: date) -> RuleBook:
    """The bundled rule tables (loaded and checked once per day asked)."""
    return load_rules(on)


def tables(on: date) -> tuple[TableRow, ...]:
    book = rulebook(on)
    rows = []
    for name in sorted(book.tables):
        current = _in_force(book, name, on)
        for table in book.tables[name]:
            rows.append(
                TableRow(
                    table.name,
                    table.version,
                    table.valid_from,
                    table.about,
                    len(table.steps),
                    table is current,
                )
            )
    return tuple(rows)


def _in_force(book: RuleBook, name: str, on: date) -> Table | None:
    versions = [t for t in book.tables[name] if t.valid_from <= on]
    return versions[-1] if versions else None


def table(name: str, version: str, on: date) -> Table | None:
    return rulebook(on).version(name, version)


def parameters(on: date) -> tuple[str, date, tuple[Parameter, ...]]:
    """The version of the parameters in force on `on`, from when, and each value."""
    found = load_parameter_book().parameters_for(on)
    values = tuple(
        Parameter(f.name, str(getattr(found, f.name)))
        for f in fields(found)
        if f.name not in ("version", "valid_from")
    )
    return found.version, found.valid_from, values


def outcome_text(outcome: Next, on: date) -> str:
    """An outcome as a person reads it: `reject A76 (account not found)`."""
    if not isinstance(outcome, Outcome):
        return outcome
    if outcome.code is None:
        return outcome.name
    said = meaning("rejection", outcome.code)
    return f"{outcome.name} {outcome.code}" + (f" ({said})" if said else "")

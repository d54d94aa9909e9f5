"""The columns of reference rows: how a value's text becomes a typed value, and what an error
says when it cannot.

A row of each kind is a pydantic model (`ReferenceRow`) whose annotations name a column type
from here: `customer_name: Annotated[str, Text.of("accounts", "customer_name")]`. The column
type gives pydantic its check (a string, pattern or decimal check that pydantic-core runs, or
one of the small functions below) and words that check's errors as a problem and a fix
(`problems`). Values reach the model as stripped text; an empty value is left out, so it
takes the column's default, or is reported empty when the column is required.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, ValidationError
from pydantic_core import PydanticCustomError, core_schema

from ebt.store.reference.results import Problem
from ebt.store.schema import Base

TABLES = Base.metadata.tables


def column_length(table: str, column: str) -> int:
    """The length of a string column of the store."""
    length = getattr(TABLES[table].c[column].type, "length", None)
    if not isinstance(length, int):
        raise TypeError(f"{table}.{column} has no length")
    return length


def bad_value(problem: str, fix: str) -> PydanticCustomError:
    """The error a column's own function raises: the problem and the fix, as they are shown."""
    return PydanticCustomError(
        "reference_value", "{problem}; {fix}", {"problem": problem, "fix": fix}
    )


class ColumnType:
    """A column's check (its pydantic-core schema) and the words of that check's errors."""

    def schema(self) -> core_schema.CoreSchema:
        raise NotImplementedError

    def explain(self, value: str) -> tuple[str, str]:
        """The problem and the fix for a value that failed the check pydantic-core ran."""
        return f"'{value}' is not allowed", "correct it"

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return self.schema()


@dataclass(frozen=True, slots=True)
class Text(ColumnType):
    """Free text of at most `limit` characters (a name, a street)."""

    limit: int

    @classmethod
    def of(cls, table: str, column: str) -> Text:
        return cls(column_length(table, column))

    def schema(self) -> core_schema.CoreSchema:
        return core_schema.str_schema(max_length=self.limit)

    def explain(self, value: str) -> tuple[str, str]:
        return f"'{value}' is {len(value)} characters long", f"shorten it to {self.limit}"


@dataclass(frozen=True, slots=True)
class Code(ColumnType):
    """A code or number of a given shape (`pattern`, described as `what`), at most `limit`
    characters; a value of the wrong shape is reported as such even when it is also too long."""

    pattern: str
    what: str
    limit: int

    def schema(self) -> core_schema.CoreSchema:
        return core_schema.str_schema(pattern=f"^(?:{self.pattern})$", max_length=self.limit)

    def explain(self, value: str) -> tuple[str, str]:
        if re.fullmatch(self.pattern, value):
            return Text(self.limit).explain(value)
        return f"'{value}' is not {self.what}", f"write {self.what}"


@dataclass(frozen=True, slots=True)
class Amount(ColumnType):
    """A number above 0 that fits a NUMERIC(precision, scale) column (a meter multiplier);
    a value that is not a number above 0 is reported as such even when it would not fit."""

    precision: int
    scale: int

    @classmethod
    def of(cls, table: str, column: str) -> Amount:
        kind = TABLES[table].c[column].type
        return cls(getattr(kind, "precision", 12), getattr(kind, "scale", 4))

    def schema(self) -> core_schema.CoreSchema:
        return core_schema.decimal_schema(
            gt=Decimal(0), max_digits=self.precision, decimal_places=self.scale, allow_inf_nan=False
        )

    def explain(self, value: str) -> tuple[str, str]:
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or number <= 0:
            return f"'{value}' is not a number above 0", "write a number such as 1 or 40"
        return (
            f"'{value}' does not fit",
            f"use at most {self.scale} decimals and {self.precision} digits",
        )


class Checked(ColumnType):
    """A column checked by a function of its own, which words its errors (`bad_value`)."""

    def check(self, value: str) -> Any:
        raise NotImplementedError

    def schema(self) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(self.check)


class OneOf(ColumnType):
    """One of a few codes, in any case; the value kept is the code as written here (all in
    capitals, or all in small letters)."""

    def __init__(self, *options: str) -> None:
        self.options = options
        self.upper = all(option == option.upper() for option in options)
        if not self.upper and any(option != option.lower() for option in options):
            raise ValueError(f"options of one case only: {options}")
        self.canonical = {option.upper(): option for option in options}

    def schema(self) -> core_schema.CoreSchema:
        text = core_schema.str_schema(to_upper=self.upper, to_lower=not self.upper)
        return core_schema.chain_schema([text, core_schema.literal_schema(list(self.options))])

    def explain(self, value: str) -> tuple[str, str]:
        return f"'{value}' is not allowed", f"write one of {', '.join(self.options)}"

    def check(self, value: str) -> str:
        """The code, for a code in a list."""
        found = self.canonical.get(value.upper())
        if found is None:
            raise bad_value(*self.explain(value))
        return found


class ListOf(Checked):
    """A comma list of codes from `options` (or any code of 1 to 4 letters or digits when none
    are given), each named once, kept joined by commas without spaces."""

    KEPT = 1024  # lists checked already, by text: a utility's lists are few

    def __init__(self, *options: str, limit: int) -> None:
        self.one: Callable[[str], str] = OneOf(*options).check if options else ANY_CODE.check
        self.limit = limit
        self.known: dict[str, str] = {}

    def check(self, value: str) -> str:
        found = self.known.get(value)
        if found is None:
            found = self.parse(value)
            if len(self.known) < self.KEPT:
                self.known[value] = found
        return found

    def parse(self, value: str) -> str:
        items = [self.one(item.strip()) for item in value.split(",") if item.strip()]
        if len(set(items)) != len(items):
            raise bad_value(f"'{value}' names a code twice", "name each code once")
        joined = ",".join(items)
        if not joined:
            raise bad_value(f"'{value}' names no code", "name at least one code")
        if len(joined) > self.limit:
            raise bad_value(*Text(self.limit).explain(joined))
        return joined


class CodeCheck(Checked):
    """A `Code` checked in Python, for codes inside a list."""

    def __init__(self, code: Code) -> None:
        self.code = code
        self.compiled = re.compile(code.pattern)

    def check(self, value: str) -> str:
        if not self.compiled.fullmatch(value) or len(value) > self.code.limit:
            raise bad_value(*self.code.explain(value))
        return value


class IsoDate(ColumnType):
    """A day written YYYY-MM-DD."""

    def schema(self) -> core_schema.CoreSchema:
        shape = core_schema.str_schema(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
        return core_schema.chain_schema([shape, core_schema.date_schema()])

    def explain(self, value: str) -> tuple[str, str]:
        return f"'{value}' is not a date", "write it as YYYY-MM-DD, e.g. 2026-11-18"


class Flag(Checked):
    """true or false (also yes/no, y/n, 1/0), in any case."""

    WORDS: ClassVar[dict[str, bool]] = {
        **dict.fromkeys(("true", "yes", "y", "1"), True),
        **dict.fromkeys(("false", "no", "n", "0"), False),
    }

    def check(self, value: str) -> bool:
        found = self.WORDS.get(value.lower())
        if found is None:
            raise bad_value(f"'{value}' is not true or false", "write true or false")
        return found


class MonthDay(Checked):
    """A day of the year written MM-DD (02-29 is one: a season may end on it)."""

    def check(self, value: str) -> str:
        try:
            if re.fullmatch(r"\d\d-\d\d", value):
                date.fromisoformat(f"2000-{value}")  # a leap year
                return value
        except ValueError:
            pass
        raise bad_value(f"'{value}' is not a month and day", "write it as MM-DD, e.g. 11-01")


NUMBER_WHAT = "a number of letters, digits and . / -"
DUNS = Code(r"\d{9}(\d{4})?", "a DUNS: 9 digits, or 13 for DUNS+4", 13)
ACCOUNT_NUMBER = Code(
    r"[A-Za-z0-9]+", "letters and digits only", column_length("accounts", "number")
)
CYCLE = Code(r"[A-Za-z0-9]{1,4}", "a bill cycle of 1 to 4 letters or digits", 4)
ANY_CODE = CodeCheck(Code(r"[A-Z0-9]{1,4}", "a code", 4))
DATE = IsoDate()
FLAG = Flag()


def number_of(table: str) -> Code:
    """A premise's or meter's number: letters, digits and . / -, as long as the store keeps."""
    return Code(r"[A-Za-z0-9][A-Za-z0-9./-]*", NUMBER_WHAT, column_length(table, "number"))


class ReferenceRow(BaseModel):
    """A row of a reference file that passed its column checks: its line in the file and its
    typed values (the subclass of each kind names them)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    line: int

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        """The columns of this kind, in their order."""
        return tuple(name for name in cls.model_fields if name != "line")

    @classmethod
    def required(cls) -> tuple[str, ...]:
        """The columns a row must give."""
        return tuple(n for n in cls.columns() if cls.model_fields[n].is_required())


def problems(
    row_type: type[ReferenceRow], error: ValidationError, values: dict[str, str]
) -> Iterator[Problem]:
    """The problems of a row (its `values`) that failed its column checks, in column order."""
    for detail in error.errors(include_url=False):
        column = str(detail["loc"][0])
        context = detail.get("ctx") or {}
        if detail["type"] == "missing":
            yield Problem(column, "is empty", f"give the {column} of this row")
        elif "problem" in context:
            yield Problem(column, context["problem"], context["fix"])
        else:
            field = row_type.model_fields[column]
            found = (m for m in field.metadata if isinstance(m, ColumnType))
            text = values.get(column, str(detail["input"]))
            yield Problem(column, *next(found, ColumnType()).explain(text))

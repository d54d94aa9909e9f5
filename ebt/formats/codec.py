"""Record fields as text and back, for the syntaxes that carry records field by field.

The types come from the record dataclasses themselves (`ebt/mapping/records.py`), so XML and
EDIFACT read a field exactly as the X12 mapping does: dates are dates, amounts `Decimal`s
(kept with their written scale, so 12.50 stays 12.50), counts `int`s.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from ebt.mapping import records
from ebt.mapping.records import RECORD_TYPES, Kind

SCALARS = {str: "str", dt.date: "date", Decimal: "decimal", int: "int", Kind: "kind"}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One record field: its name, scalar type, whether it is required, and for a tuple the
    record class of its items (None for a tuple of strings)."""

    name: str
    scalar: str  # str, date, decimal, int, kind, or "records" / "strings" for tuples
    required: bool
    item: type | None = None


@cache
def fields_of(record: type) -> tuple[FieldSpec, ...]:
    """The fields of a record class, in declaration order."""
    hints = typing.get_type_hints(record, vars(records))
    out = []
    for item in dataclasses.fields(record):
        hint = hints[item.name]
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        required = item.default is dataclasses.MISSING
        origin = typing.get_origin(hint)
        if origin is tuple:
            inner = typing.get_args(hint)[0]
            kind = "strings" if inner is str else "records"
            out.append(FieldSpec(item.name, kind, False, None if inner is str else inner))
        else:
            base = args[0] if args and hint not in SCALARS else hint
            out.append(FieldSpec(item.name, SCALARS[base], required))
    return tuple(out)


def record_named(name: str) -> type:
    return RECORD_TYPES[name]


def parse_scalar(scalar: str, text: str, *, iso_dates: bool) -> Any:
    """A field value from its text; ValueError when the text is not one."""
    if scalar == "date":
        if iso_dates:
            return dt.date.fromisoformat(text) if len(text) == 10 else _bad(text, "a date")
        if len(text) != 8 or not text.isdigit():
            raise ValueError(f"{text!r} is not a date (CCYYMMDD)")
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    if scalar == "decimal":
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        return value if value is not None and value.is_finite() else _bad(text, "a number")
    if scalar == "int":
        return int(text) if text.isascii() and text.lstrip("-").isdigit() else _bad(text, "a count")
    if scalar == "kind":
        return Kind(text)
    return text


def _bad(text: str, what: str) -> Any:
    raise ValueError(f"{text!r} is not {what}")


def format_scalar(value: Any, *, iso_dates: bool) -> str:
    if isinstance(value, dt.date):
        return value.isoformat() if iso_dates else value.strftime("%Y%m%d")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Kind):
        return value.value
    return str(value)

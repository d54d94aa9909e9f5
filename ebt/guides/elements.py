"""Check the elements of one segment against the guide's element rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache

from ebt.findings import Finding, Location, finding
from ebt.guides.model import ElementRule


@lru_cache(maxsize=4096)
def valid_date(value: str) -> bool:
    """CCYYMMDD (or YYMMDD in ISA09) is a real calendar date."""
    if not value.isdigit() or len(value) not in (6, 8):
        return False
    year = int(value[:-4]) + (2000 if len(value) == 6 else 0)
    try:
        date(year, int(value[-4:-2]), int(value[-2:]))
    except ValueError:
        return False
    return True


@lru_cache(maxsize=4096)
def valid_time(value: str) -> bool:
    """HHMM, HHMMSS or HHMMSSd..: a real time of day."""
    if not value.isdigit() or len(value) < 4:
        return False
    hours, minutes = int(value[:2]), int(value[2:4])
    seconds = int(value[4:6]) if len(value) >= 6 else 0
    return hours < 24 and minutes < 60 and seconds < 60


def _is_decimal(value: str) -> bool:
    digits = value.removeprefix("-").replace(".", "", 1)
    return digits.isdigit()


def _is_integer(value: str) -> bool:
    return value.removeprefix("-").isdigit()


def check_elements(
    rules: tuple[ElementRule, ...],
    segment: list[str],
    where: Callable[[ElementRule | None], Location],
    out: list[Finding],
) -> None:
    """Append a finding to `out` for each element of `segment` that breaks its rule."""
    values = len(segment) - 1
    if values > len(rules):
        out.append(
            finding(
                "ELEMENT-TOO-MANY",
                f"{segment[0]} has {values} elements; it has at most {len(rules)}.",
                where(None),
                element_position=len(rules) + 1,
            )
        )
    for rule in rules:
        value = segment[rule.index] if rule.index <= values else ""
        if not value:
            if rule.required:
                out.append(
                    finding(
                        "ELEMENT-MISSING",
                        f"{rule.ref} ({rule.name}) is required but empty.",
                        where(rule),
                        element_position=rule.index,
                    )
                )
            continue
        if not rule.used:
            out.append(
                finding(
                    "ELEMENT-NOT-USED",
                    f"{rule.ref} ({rule.name}) is not used by this guide; {value!r} was ignored.",
                    where(rule),
                    value=value,
                    element_position=rule.index,
                )
            )
            continue
        problem = _problem(rule, value)
        if problem is not None:
            code, message = problem
            out.append(
                finding(code, message, where(rule), value=value, element_position=rule.index)
            )


def _problem(rule: ElementRule, value: str) -> tuple[str, str] | None:
    length = len(value)
    label = f"{rule.ref} ({rule.name})"
    if length < rule.min_length:
        return "ELEMENT-TOO-SHORT", (
            f"{label} is {value!r}, {length} characters; at least {rule.min_length} are required."
        )
    if length > rule.max_length:
        return "ELEMENT-TOO-LONG", (
            f"{label} is {value[:40]!r}, {length} characters; at most "
            f"{rule.max_length} are allowed."
        )
    codes = rule.codes
    if codes is not None and value not in codes:
        listed = ", ".join(
            f"{code} ({meaning})" if meaning else code for code, meaning in list(codes.items())[:12]
        )
        return "ELEMENT-CODE", f"{label} is {value!r}, which is not one of: {listed}."
    kind = rule.kind
    if kind == "DT" and not valid_date(value):
        return "ELEMENT-DATE", f"{label} is {value!r}, which is not a real date (CCYYMMDD)."
    if kind == "TM" and not valid_time(value):
        return "ELEMENT-TIME", f"{label} is {value!r}, which is not a time (HHMM)."
    if kind == "N0" and not _is_integer(value):
        return "ELEMENT-BAD-CHARACTER", f"{label} is {value!r}; it must be a whole number."
    if kind == "R" and not _is_decimal(value):
        return "ELEMENT-BAD-CHARACTER", f"{label} is {value!r}; it must be a decimal number."
    return None

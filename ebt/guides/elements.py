"""Check the elements of one segment against the guide's element rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from functools import lru_cache

from ebt.findings import Finding, Location, count_of, finding
from ebt.guides.model import ElementRule


@lru_cache(maxsize=4096)
def valid_date(value: str) -> bool:
    """CCYYMMDD (or YYMMDD in ISA09) is a real calendar date."""
    if not (value.isascii() and value.isdigit()) or len(value) not in (6, 8):
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
    if not (value.isascii() and value.isdigit()) or len(value) < 4:
        return False
    hours, minutes = int(value[:2]), int(value[2:4])
    seconds = int(value[4:6]) if len(value) >= 6 else 0
    return hours < 24 and minutes < 60 and seconds < 60


def _is_decimal(value: str) -> bool:
    digits = value.removeprefix("-").replace(".", "", 1)
    return digits.isascii() and digits.isdigit()


def _is_integer(value: str) -> bool:
    digits = value.removeprefix("-")
    return digits.isascii() and digits.isdigit()


NUMERIC = frozenset({"N0", "R"})

_KIND_CHECKS: dict[str, Callable[[str], bool]] = {
    "DT": valid_date,
    "TM": valid_time,
    "N0": _is_integer,
    "R": _is_decimal,
}

# index, required, min length, max length, codes, type check
_Fast = tuple[int, bool, int, int, "Mapping[str, str] | None", "Callable[[str], bool] | None"]


class ElementChecker:
    """The element rules of one segment, compiled for the hot path: only the elements the
    guide uses are checked one by one; unused ones are only looked at when sent."""

    __slots__ = ("by_index", "count", "fast", "rules", "unused")

    def __init__(self, rules: tuple[ElementRule, ...]):
        self.rules = rules
        self.count = len(rules)
        self.by_index = {rule.index: rule for rule in rules}
        self.fast: tuple[_Fast, ...] = tuple(_fast(r) for r in rules if r.used or r.required)
        self.unused = tuple(r.index for r in rules if not (r.used or r.required))

    def ok(self, segment: list[str]) -> bool:
        """True when `check` would find nothing: the fast path for clean segments."""
        values = len(segment) - 1
        if values > self.count or (values and not segment[-1]):
            return False
        for index, required, low, high, codes, kind_ok in self.fast:
            value = segment[index] if index <= values else ""
            if not value:
                if required:
                    return False
                continue
            if (
                not low <= len(value) <= high
                or (codes is not None and value not in codes)
                or (kind_ok is not None and not kind_ok(value))
            ):
                return False
        for index in self.unused:
            if index > values:
                break
            if segment[index]:
                return False
        return True

    def check(
        self,
        segment: list[str],
        where: Callable[[ElementRule | None], Location],
        out: list[Finding],
    ) -> None:
        """Append a finding to `out` for each element of `segment` that breaks its rule."""
        values = len(segment) - 1
        if values and not segment[-1]:
            out.append(
                finding(
                    "SEGMENT-TRAILING-SEPARATOR",
                    f"{segment[0]} ends with an element separator (an empty last element).",
                    where(None),
                )
            )
        if values > self.count:
            out.append(
                finding(
                    "ELEMENT-TOO-MANY",
                    f"{segment[0]} has {values} elements; it has at most {self.count}.",
                    where(None),
                    element_position=self.count + 1,
                )
            )
        for index, required, low, high, codes, kind_ok in self.fast:
            value = segment[index] if index <= values else ""
            if not value:
                if required:
                    self._report(segment, index, "", where, out)
                continue
            if (
                not low <= len(value) <= high
                or (codes is not None and value not in codes)
                or (kind_ok is not None and not kind_ok(value))
            ):
                self._report(segment, index, value, where, out)
        for index in self.unused:
            if index <= values and segment[index]:
                rule = self.by_index[index]
                out.append(
                    finding(
                        "ELEMENT-NOT-USED",
                        f"{rule.ref} ({rule.name}) is not used by this guide; "
                        f"{segment[index]!r} was ignored.",
                        where(rule),
                        value=segment[index],
                        element_position=index,
                    )
                )

    def _report(
        self,
        segment: list[str],
        index: int,
        value: str,
        where: Callable[[ElementRule | None], Location],
        out: list[Finding],
    ) -> None:
        rule = self.by_index[index]
        if not value:
            out.append(
                finding(
                    "ELEMENT-MISSING",
                    f"{rule.ref} ({rule.name}) is required but empty.",
                    where(rule),
                    element_position=index,
                )
            )
            return
        problem = _problem(rule, value)
        if problem is not None:
            code, message = problem
            out.append(finding(code, message, where(rule), value=value, element_position=index))


def check_elements(
    rules: tuple[ElementRule, ...],
    segment: list[str],
    where: Callable[[ElementRule | None], Location],
    out: list[Finding],
) -> None:
    """Check `segment` against `rules` (compiling them first: for one-off segments)."""
    ElementChecker(rules).check(segment, where, out)


def _length(kind: str, value: str) -> int:
    """An element's X12 length: numbers do not count their sign or decimal point."""
    if kind in NUMERIC:
        return len(value) - value.startswith("-") - value.count(".")
    return len(value)


def _fast(rule: ElementRule) -> _Fast:
    """The hot-path form of a rule. Numbers check their length with their type, since the
    sign and decimal point do not count."""
    kind_ok = _KIND_CHECKS.get(rule.kind)
    if rule.kind not in NUMERIC or kind_ok is None:
        return (rule.index, rule.required, rule.min_length, rule.max_length, rule.codes, kind_ok)
    low, high, is_number = rule.min_length, rule.max_length, kind_ok

    def number_ok(value: str) -> bool:
        return is_number(value) and low <= _length(rule.kind, value) <= high

    return (rule.index, rule.required, 1, high + 2, rule.codes, number_ok)


def _problem(rule: ElementRule, value: str) -> tuple[str, str] | None:
    label = f"{rule.ref} ({rule.name})"
    kind = rule.kind
    if kind == "N0" and not _is_integer(value):
        return "ELEMENT-BAD-CHARACTER", f"{label} is {value!r}; it must be a whole number."
    if kind == "R" and not _is_decimal(value):
        return "ELEMENT-BAD-CHARACTER", f"{label} is {value!r}; it must be a decimal number."
    length = _length(kind, value)
    if length < rule.min_length:
        return "ELEMENT-TOO-SHORT", (
            f"{label} is {value!r}, {count_of(length, 'character')}; at least "
            f"{rule.min_length} {'is' if rule.min_length == 1 else 'are'} required."
        )
    if length > rule.max_length:
        return "ELEMENT-TOO-LONG", (
            f"{label} is {value[:40]!r}, {count_of(length, 'character')}; at most "
            f"{rule.max_length} {'is' if rule.max_length == 1 else 'are'} allowed."
        )
    codes = rule.codes
    if codes is not None and value not in codes:
        listed = ", ".join(
            f"{code} ({meaning})" if meaning else code for code, meaning in list(codes.items())[:12]
        )
        return "ELEMENT-CODE", f"{label} is {value!r}, which is not one of: {listed}."
    if kind == "DT" and not valid_date(value):
        return "ELEMENT-DATE", f"{label} is {value!r}, which is not a real date (CCYYMMDD)."
    if kind == "TM" and not valid_time(value):
        return "ELEMENT-TIME", f"{label} is {value!r}, which is not a time (HHMM)."
    return None

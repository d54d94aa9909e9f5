"""The parts of ebt.store.reference on their own: the registry of kinds, the column checks
(pydantic-core's string, pattern and decimal checks agree with the rules the columns are
documented with, and their errors are worded as problem and fix), the named rules of a row,
and the JSON reader (each item's line, whatever the layout; errors with their line)."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ebt.store.reference import KINDS
from ebt.store.reference.accounts import (
    AccountRow,
    closed_on_matches_status,
    supplier_columns_need_a_ces,
    supplier_starts_while_open,
)
from ebt.store.reference.columns import (
    DATE,
    DUNS,
    Amount,
    Code,
    ReferenceRow,
    Text,
    problems,
)
from ebt.store.reference.landlord_agreements import season_days
from ebt.store.reference.loading import KIND_TYPES, columns_of
from ebt.store.reference.meter_installations import overlap
from ebt.store.reference.reading import Section, json_items, json_rows, json_sections
from ebt.store.reference.results import LoadResult, Problem


def test_the_registry_holds_every_kind_in_dependency_order() -> None:
    assert tuple(KIND_TYPES) == KINDS
    for name, kind in KIND_TYPES.items():
        assert kind.name == name
        assert set(kind.key_columns) <= set(kind.row_type.columns())
        assert "line" not in kind.row_type.columns()


def test_the_columns_of_a_kind_are_its_models_in_order() -> None:
    columns = columns_of(KIND_TYPES["meter_installations"]())
    assert columns.names == ("meter_number", "premise_number", "installed_on", "removed_on")
    assert columns.required == ("meter_number", "premise_number", "installed_on")


# -- column checks ----------------------------------------------------------------------------


class Sample(ReferenceRow):
    """A row of one column of each checked type."""

    name: Annotated[str | None, Text(5)] = None
    duns: Annotated[str | None, DUNS] = None
    multiplier: Annotated[Decimal | None, Amount(12, 4)] = None
    day: Annotated[date | None, DATE] = None


def check(**values: str) -> Sample | list[Problem]:
    try:
        return Sample.model_validate({"line": 2, **values})
    except ValidationError as bad:
        return list(problems(Sample, bad, values))


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=16)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, st.from_regex(r"\d{9}(\d{4})?", fullmatch=True), st.text("0123456789")))
def test_a_code_is_accepted_exactly_when_it_has_its_shape(value: str) -> None:
    fits = re.fullmatch(r"\d{9}(\d{4})?", value) is not None
    found = check(duns=value)
    assert isinstance(found, Sample) == fits
    if not fits:
        assert found == [
            Problem(
                "duns",
                f"'{value}' is not a DUNS: 9 digits, or 13 for DUNS+4",
                "write a DUNS: 9 digits, or 13 for DUNS+4",
            )
        ]


def test_a_code_of_the_wrong_shape_says_so_even_when_it_is_also_too_long() -> None:
    assert check(duns="1234567890123456789") == [
        Problem(
            "duns",
            "'1234567890123456789' is not a DUNS: 9 digits, or 13 for DUNS+4",
            "write a DUNS: 9 digits, or 13 for DUNS+4",
        )
    ]
    long = Code(r"[A-Z]+", "capitals", 3)
    assert long.explain("ABCD") == (
        "'ABCD' is 4 characters long",
        "shorten it to 3",
    )


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_text_is_accepted_up_to_its_length_in_characters(value: str) -> None:
    found = check(name=value)
    assert isinstance(found, Sample) == (len(value) <= 5)
    if len(value) > 5:
        assert found == [
            Problem("name", f"'{value}' is {len(value)} characters long", "shorten it to 5")
        ]


def fits_numeric(value: str) -> bool | None:
    """The rule of a multiplier: a number above 0 with at most 4 decimals and 8 digits before
    the point (NUMERIC(12, 4)); None when it is not a number above 0 at all."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    if not number.is_finite() or number <= 0:
        return None
    return number < 10**8 and number == number.quantize(Decimal("0.0001"))


NUMBERS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.from_regex(r"-?\d{0,10}(\.\d{0,6})?(e-?\d)?", fullmatch=True),
    TEXT,
)


@settings(max_examples=400, deadline=None)
@given(NUMBERS)
def test_a_multiplier_is_a_number_above_0_that_fits_its_column(value: str) -> None:
    value = value.strip()
    if not value:
        return
    rule = fits_numeric(value)
    found = check(multiplier=value)
    if rule:
        assert isinstance(found, Sample) and found.multiplier == Decimal(value)
    elif rule is None:
        assert found == [
            Problem(
                "multiplier",
                f"'{value}' is not a number above 0",
                "write a number such as 1 or 40",
            )
        ]
    else:
        assert found == [
            Problem("multiplier", f"'{value}' does not fit", "use at most 4 decimals and 12 digits")
        ]


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.dates().map(str),
        TEXT,
        st.integers(0, 10**10).map(str),
        st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T00:00(:00)?)?", fullmatch=True),
        st.sampled_from(["2026-W47-3", "20261118", "2026-11-18T00:00:00", "0", "2026-02-29"]),
    )
)
def test_a_date_is_yyyy_mm_dd(value: str) -> None:
    found = check(day=value)
    try:
        shape = re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)
        expected: date | None = date.fromisoformat(value) if shape else None
    except ValueError:
        expected = None
    if expected is None:
        assert found == [
            Problem("day", f"'{value}' is not a date", "write it as YYYY-MM-DD, e.g. 2026-11-18")
        ]
    else:
        assert isinstance(found, Sample) and found.day == expected


def test_every_column_error_of_a_row_is_reported_in_column_order() -> None:
    assert [p.column for p in check(name="TOO LONG", duns="1", day="soon")] == [  # type: ignore[union-attr]
        "name",
        "duns",
        "day",
    ]


def test_a_missing_required_column_is_empty() -> None:
    with pytest.raises(ValidationError) as bad:
        AccountRow.model_validate({"line": 2, "account_number": "1"})
    found = list(problems(AccountRow, bad.value, {"account_number": "1"}))
    assert found[0] == Problem("customer_name", "is empty", "give the customer_name of this row")
    columns = ["customer_name", "premise_number", "bill_cycle", "opened_on"]
    assert [p.column for p in found] == columns


# -- the rules of a row -------------------------------------------------------------------------


def account(**values: Any) -> AccountRow:
    base = {"line": 2, "account_number": "1", "customer_name": "A", "premise_number": "P1",
            "bill_cycle": "07", "opened_on": "2020-01-01"}  # fmt: skip
    return AccountRow.model_validate(base | values)


def test_the_rules_of_an_account() -> None:
    assert list(closed_on_matches_status(account())) == []
    assert [p.problem for p in closed_on_matches_status(account(status="final"))] == [
        "is empty for a final account"
    ]
    closed = account(status="closed", closed_on="2019-06-01")
    assert [p.problem for p in closed_on_matches_status(closed)] == [
        "2019-06-01 is before opened_on 2020-01-01"
    ]
    late = account(status="final", closed_on="2021-01-01", supplier_start="2021-01-01")
    assert [p.column for p in supplier_starts_while_open(late)] == ["supplier_start"]
    assert [p.column for p in supplier_columns_need_a_ces(account(ces_account="X-1"))] == [
        "ces_account"
    ]
    with_ces = account(ces_duns="081234567")
    assert [p.column for p in supplier_columns_need_a_ces(with_ces)] == [
        "billing_option",
        "supplier_start",
    ]


def test_a_season_may_wrap_the_year_end() -> None:
    winter = season_days("11-01", "04-30")
    assert {"12-31", "01-01", "02-29", "11-01", "04-30"} <= winter
    assert "05-01" not in winter and "10-31" not in winter
    assert len(season_days(None, None)) == 366
    assert not winter & season_days("05-01", "10-31")


def test_a_meter_exchange_day_is_not_an_overlap() -> None:
    old = (date(2020, 1, 1), date(2026, 11, 5))
    assert not overlap(old, (date(2026, 11, 5), None))
    assert overlap(old, (date(2026, 11, 4), None))
    assert overlap((date(2020, 1, 1), None), (date(2030, 1, 1), None))


# -- JSON ---------------------------------------------------------------------------------------


def section(path: Path, name: str) -> Section:
    sections = json_sections(path, KINDS, LoadResult(str(path), "json"))
    assert sections is not None
    return next(s for s in sections if s.name == name)


def items_of(path: Path, name: str) -> list[tuple[int, Any]]:
    return list(json_items(path, section(path, name)))


@pytest.mark.parametrize("indent", [None, 0, 2])
def test_each_item_comes_with_the_line_it_starts_on(tmp_path: Path, indent: int | None) -> None:
    document = {
        "meters": [{"meter_number": "M1", "type": "KWH", "smart": True}, {"meter_number": "M2"}],
        "partners": [{"duns": "049876543", "name": "X", "role": "T&D", "licensed": None}, 7],
    }
    text = json.dumps(document, indent=indent)
    path = tmp_path / "reference.json"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    lines = text.splitlines()
    meters = items_of(path, "meters")
    assert [item for _, item in meters] == document["meters"]
    partners = items_of(path, "partners")
    assert partners[0][1] == {"duns": "049876543", "name": "X", "role": "T&D", "licensed": None}
    assert partners[1][1] == 7
    if indent is None:  # one line: each kind read from the start of the file
        assert {line for line, _ in meters + partners} == {1}
        assert section(path, "partners").start is None
    else:  # from the line of its name
        at = next(n for n, line in enumerate(lines, 1) if '"partners"' in line)
        assert section(path, "partners").start == (
            3 + len("".join(f"{line}\n" for line in lines[: at - 1])),  # after the BOM
            at,
        )  # the line of the "{" before the item's first value
        first = [n for n, line in enumerate(lines, 1) if '"M1"' in line or '"M2"' in line]
        assert [line for line, _ in meters] == [n - 1 for n in first]
        assert partners[1][0] == next(n for n, line in enumerate(lines, 1) if line.strip() == "7")


@pytest.mark.parametrize(
    ("lines", "from_line", "partner_lines"),
    [
        (['{"meters": [', '{"meter_number": "M1"}],', '"partners": [{"duns": "1"},',
          '{"duns": "2"}]}'], 3, [3, 4]),
        (['{"meters": [', '{"meter_number": "M1"}]', ', "partners": [{"duns": "1"},',
          '{"duns": "2"}]}'], None, [3, 4]),
        (['{"meters": [', '{"meter_number": "M1"}], "partners": [{"duns": "1"},',
          '{"duns": "2"}]}'], None, [2, 3]),
        (['{"meters": [', '{"meter_number": "M1"}],', '  "partners"', ': [{"duns": "1"},',
          '{"duns": "2"}]}'], 3, [4, 5]),
    ],
)  # fmt: skip
def test_a_kind_is_read_from_the_line_of_its_name_or_else_from_the_start(
    tmp_path: Path, lines: list[str], from_line: int | None, partner_lines: list[int]
) -> None:
    path = tmp_path / "reference.json"
    path.write_text("\n".join(lines))
    start = section(path, "partners").start
    if from_line is None:
        assert start is None
    else:
        assert start == (len("".join(f"{line}\n" for line in lines[: from_line - 1])), from_line)
    assert items_of(path, "partners") == [
        (partner_lines[0], {"duns": "1"}),
        (partner_lines[1], {"duns": "2"}),
    ]
    assert items_of(path, "meters") == [(2, {"meter_number": "M1"})]


def test_items_holding_lists_or_objects_are_reported_and_not_loaded(tmp_path: Path) -> None:
    path = tmp_path / "reference.json"
    path.write_text('{"cycle_reads": [\n{"bill_cycle": "07", "x": [1, {"a": [2]}]},\n"07",\n'
                    '{"bill_cycle": " 07 ", "read_date": 20261118, "y": null}\n]}')  # fmt: skip
    result = LoadResult(str(path), "cycle_reads")
    columns = columns_of(KIND_TYPES["cycle_reads"]())
    rows = list(json_rows(json_items(path, section(path, "cycle_reads")), columns, result))
    assert rows == [(4, {"bill_cycle": "07", "read_date": "20261118"})]
    assert [(e.line, e.column, e.problem) for e in result.errors] == [
        (2, "x", "holds a list or an object"),
        (2, "x", "'x' is not a column of cycle_reads"),
        (3, None, "each cycle_reads item must be an object"),
        (4, "y", "'y' is not a column of cycle_reads"),
    ]
    assert result.rows == 2  # the two not checked further; the third is counted when read


@pytest.mark.parametrize(
    ("data", "line", "words"),
    [
        (b'{"partners": [\n  {"duns": "1",}\n]}', 2, "not valid JSON"),
        (b'{"partners": [\n  {"duns": "1"}\n]}\n]', 4, "trailing garbage"),
        (b'{"partners": [\n  {"duns": "\xff"}\n]}', 2, "not UTF-8"),
        (b"", 1, "premature EOF"),
        (b'\n\n  "partners"', 1, "not a JSON object"),
    ],
)
def test_a_file_that_is_not_json_names_the_line(
    tmp_path: Path, data: bytes, line: int, words: str
) -> None:
    path = tmp_path / "reference.json"
    path.write_bytes(data)
    whole = LoadResult(str(path), "json")
    assert json_sections(path, KINDS, whole) is None
    [error] = whole.errors
    assert error.line == line, error
    assert words in f"{error.problem} {error.fix}", error


@pytest.mark.parametrize("padding", [0, 40])
def test_an_invalid_json_error_names_the_character(tmp_path: Path, padding: int) -> None:
    text = '{"partners": [\n  {"duns": "049876543", ' + " " * padding + '"name": ]\n]}'
    path = tmp_path / "reference.json"
    path.write_text(text)
    whole = LoadResult(str(path), "json")
    json_sections(path, KINDS, whole)
    [error] = whole.errors
    with pytest.raises(json.JSONDecodeError) as stdlib:
        json.loads(text)
    assert error.line == stdlib.value.lineno == 2
    assert error.problem.endswith(f"at character {stdlib.value.colno}"), error

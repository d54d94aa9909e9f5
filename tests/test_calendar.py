"""Maine business days and the lead time before a cycle read, on the real 2026-2027 holidays."""

from __future__ import annotations

import doctest
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ebt.calendar
from ebt.calendar import MaineCalendar
from ebt.cli.clock import today_eastern

CALENDAR = MaineCalendar()
D = date


def test_docstring_examples() -> None:
    assert doctest.testmod(ebt.calendar).failed == 0


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (D(2026, 4, 20), "Patriots' Day"),
        (D(2027, 4, 19), "Patriots' Day"),
        (D(2026, 7, 3), "Independence Day (observed)"),
        (D(2026, 11, 26), "Thanksgiving Day"),
        (D(2026, 12, 25), "Christmas Day"),
        (D(2027, 1, 1), "New Year's Day"),
        (D(2027, 12, 24), "Christmas Day (observed)"),
        (D(2027, 12, 31), "New Year's Day (observed)"),
    ],
)
def test_maine_holidays_on_weekdays_are_not_business_days(day: date, name: str) -> None:
    assert day.weekday() < 5
    assert CALENDAR.holiday(day) == name
    assert not CALENDAR.is_business_day(day)


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 4, 21),  # the Tuesday after Patriots' Day
        D(2026, 11, 27),  # the Friday after Thanksgiving: not a Maine state holiday here
        D(2026, 12, 24),  # Christmas Eve 2026 (Christmas is on a Friday)
        D(2026, 12, 31),
        D(2028, 1, 3),
    ],
)
def test_ordinary_weekdays_are_business_days(day: date) -> None:
    assert CALENDAR.holiday(day) is None
    assert CALENDAR.is_business_day(day)


@pytest.mark.parametrize("day", [D(2026, 11, 21), D(2026, 11, 22), D(2027, 7, 4), D(2027, 12, 25)])
def test_weekends_are_not_business_days(day: date) -> None:
    assert not CALENDAR.is_business_day(day)


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (D(2026, 11, 23), 0, D(2026, 11, 23)),
        (D(2026, 11, 22), 0, D(2026, 11, 22)),  # 0 days after a Sunday is that Sunday
        (D(2026, 11, 23), 2, D(2026, 11, 25)),  # Mon + 2 = Wed
        (D(2026, 11, 20), 1, D(2026, 11, 23)),  # Fri + 1 = Mon
        (D(2026, 11, 21), 1, D(2026, 11, 23)),  # Sat + 1 = Mon
        (D(2026, 4, 17), 1, D(2026, 4, 21)),  # Fri + 1 skips Patriots' Day
        (D(2026, 11, 25), 1, D(2026, 11, 27)),  # Wed + 1 skips Thanksgiving
        (D(2026, 12, 24), 1, D(2026, 12, 28)),  # Thu + 1 skips Christmas and the weekend
        (D(2026, 12, 31), 1, D(2027, 1, 4)),  # across the year end and New Year's Day
        (D(2027, 12, 23), 1, D(2027, 12, 27)),  # Christmas observed on Friday the 24th
        (D(2027, 12, 30), 1, D(2028, 1, 3)),  # New Year's observed on Friday the 31st
    ],
)
def test_add_business_days(day: date, n: int, expected: date) -> None:
    assert CALENDAR.add_business_days(day, n) == expected


def test_add_business_days_refuses_negative_counts() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        CALENDAR.add_business_days(D(2026, 11, 23), -1)


@pytest.mark.parametrize(
    ("after", "until", "expected"),
    [
        (D(2026, 11, 23), D(2026, 11, 23), 0),
        (D(2026, 11, 25), D(2026, 11, 23), 0),  # backwards: none
        (D(2026, 11, 23), D(2026, 11, 25), 2),  # Tue, Wed: the first day does not count
        (D(2026, 11, 20), D(2026, 11, 23), 1),  # Fri to Mon: Mon
        (D(2026, 11, 23), D(2026, 11, 30), 4),  # Tue, Wed, (Thanksgiving), Fri, Mon
        (D(2026, 4, 16), D(2026, 4, 21), 2),  # Fri, (Patriots' Day), Tue
        (D(2026, 12, 23), D(2027, 1, 4), 6),  # 24, 28, 29, 30, 31, Jan 4
    ],
)
def test_business_days_between(after: date, until: date, expected: int) -> None:
    assert CALENDAR.business_days_between(after, until) == expected


READS = [D(2026, 11, 24), D(2026, 11, 25), D(2026, 11, 27), D(2026, 11, 30), D(2026, 12, 1)]


@pytest.mark.parametrize(
    ("received", "reads", "lead", "expected"),
    [
        # Monday for Wednesday: Tue and Wed are business days, so it is in time.
        (D(2026, 11, 23), READS, 2, D(2026, 11, 25)),
        # Tuesday: Wed is one, Thanksgiving does not count, Fri is the second.
        (D(2026, 11, 24), READS, 2, D(2026, 11, 27)),
        # Wednesday: Fri is the only business day before Friday's read; Monday's it is.
        (D(2026, 11, 25), READS, 2, D(2026, 11, 30)),
        # Thanksgiving itself: Fri and Mon.
        (D(2026, 11, 26), READS, 2, D(2026, 11, 30)),
        # Saturday: Mon and Tue.
        (D(2026, 11, 28), READS, 2, D(2026, 12, 1)),
        # Sunday: the same.
        (D(2026, 11, 29), READS, 2, D(2026, 12, 1)),
        # A read on the day the request arrives counts with no lead.
        (D(2026, 11, 24), READS, 0, D(2026, 11, 24)),
        (D(2026, 11, 23), READS, 1, D(2026, 11, 24)),
        # Nothing left in the schedule.
        (D(2026, 11, 30), READS, 2, None),
        (D(2026, 11, 23), [], 2, None),
        # Unsorted schedules work too.
        (D(2026, 11, 23), list(reversed(READS)), 2, D(2026, 11, 25)),
        # Thursday before Patriots' Day: Fri, (Mon), Tue.
        (D(2026, 4, 16), [D(2026, 4, 17), D(2026, 4, 21)], 2, D(2026, 4, 21)),
        # Friday before Patriots' Day: Tue, Wed, so Tuesday's read is missed.
        (D(2026, 4, 17), [D(2026, 4, 21), D(2026, 4, 22)], 2, D(2026, 4, 22)),
        # Christmas 2026: Wed 23rd -> Thu 24th, (Fri 25th), Mon 28th.
        (D(2026, 12, 23), [D(2026, 12, 24), D(2026, 12, 28)], 2, D(2026, 12, 28)),
        # Year end 2027: Wed 29th -> Thu 30th, (Fri 31st observed New Year), Mon 3 Jan 2028.
        (D(2027, 12, 29), [D(2027, 12, 30), D(2028, 1, 3)], 2, D(2028, 1, 3)),
        # Christmas 2027 observed on Friday 24th: Wed 22nd -> Thu 23rd, Mon 27th.
        (D(2027, 12, 22), [D(2027, 12, 23), D(2027, 12, 27)], 2, D(2027, 12, 27)),
    ],
)
def test_first_eligible_read(
    received: date, reads: list[date], lead: int, expected: date | None
) -> None:
    assert CALENDAR.first_eligible_read(reads, received, lead) == expected


def test_next_read_on_or_after_includes_the_day_itself() -> None:
    assert CALENDAR.next_read_on_or_after(READS, D(2026, 11, 25)) == D(2026, 11, 25)
    assert CALENDAR.next_read_on_or_after(READS, D(2026, 11, 26)) == D(2026, 11, 27)
    assert CALENDAR.next_read_on_or_after(READS, D(2026, 12, 2)) is None


def test_today_eastern_is_the_date_in_new_york() -> None:
    before = datetime.now(ZoneInfo("America/New_York")).date()
    today = today_eastern()
    after = datetime.now(ZoneInfo("America/New_York")).date()
    assert today in {before, after}


DAYS = st.dates(min_value=D(2025, 1, 1), max_value=D(2029, 12, 31))


@given(DAYS, st.integers(min_value=0, max_value=40))
def test_add_and_count_agree(day: date, n: int) -> None:
    later = CALENDAR.add_business_days(day, n)
    assert CALENDAR.business_days_between(day, later) == n
    if n:
        assert CALENDAR.is_business_day(later)
        assert CALENDAR.business_days_between(day, later - timedelta(days=1)) == n - 1


@given(DAYS, st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=5))
def test_eligible_means_lead_business_days_after_arrival(
    received: date, offset: int, lead: int
) -> None:
    read = received + timedelta(days=offset)
    eligible = CALENDAR.first_eligible_read([read], received, lead) == read
    assert eligible == (CALENDAR.business_days_between(received, read) >= lead)

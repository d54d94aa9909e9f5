"""Maine business days: weekends and Maine state holidays, and the lead time before a cycle read.

Business days are Monday to Friday less the Maine state holidays of the `holidays` package
(`holidays.US(subdiv="ME")`, which includes Patriots' Day and the observed days of holidays
that fall on a weekend). Dates are calendar dates in US Eastern time; the time of day a
request arrived plays no part.

"At least `lead` business days before the read" means: counting the business days after the
day the request arrived, up to and including the read day, there are at least `lead` of them.
Equivalently, the read is on or after `add_business_days(received, lead)`. With the default
lead of 2, a request that arrives on Monday is in time for a Wednesday read when Tuesday and
Wednesday are business days, and too late for a Tuesday read. See
docs/decisions/0005-decision-tables.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

import holidays

_DAY = timedelta(days=1)


@lru_cache(maxsize=64)
def _maine_holidays(year: int) -> Mapping[date, str]:
    """Maine state holidays (observed days included) that fall in `year`, with their names."""
    # Neighbouring years too: an observed day can fall in the year before its holiday.
    found = holidays.country_holidays("US", subdiv="ME", years=(year - 1, year, year + 1))
    return MappingProxyType({day: str(name) for day, name in found.items() if day.year == year})


@dataclass(frozen=True, slots=True)
class MaineCalendar:
    """Business days in Maine. Holidays are computed once per year and cached."""

    def holiday(self, day: date) -> str | None:
        """The name of the Maine state holiday on `day`, or None."""
        return _maine_holidays(day.year).get(day)

    def is_business_day(self, day: date) -> bool:
        """True for Monday to Friday when the day is not a Maine state holiday."""
        return day.weekday() < 5 and day not in _maine_holidays(day.year)

    def add_business_days(self, day: date, n: int) -> date:
        """The `n`-th business day after `day` (`day` itself when `n` is 0).

        >>> MaineCalendar().add_business_days(date(2026, 4, 17), 1)  # Fri; Mon is Patriots' Day
        datetime.date(2026, 4, 21)
        """
        if n < 0:
            raise ValueError(f"n must be 0 or more, not {n}")
        while n:
            day += _DAY
            n -= self.is_business_day(day)
        return day

    def business_days_between(self, after: date, until: date) -> int:
        """How many business days `d` have `after < d <= until` (0 when `until <= after`).

        >>> MaineCalendar().business_days_between(date(2026, 11, 23), date(2026, 11, 27))
        3
        """
        count = 0
        day = after + _DAY
        while day <= until:
            count += self.is_business_day(day)
            day += _DAY
        return count

    def next_read_on_or_after(self, reads: Iterable[date], day: date) -> date | None:
        """The earliest read date in `reads` on or after `day`, or None when there is none."""
        return min((read for read in reads if read >= day), default=None)

    def first_eligible_read(
        self, reads: Iterable[date], received: date, lead: int = 2
    ) -> date | None:
        """The first read at least `lead` business days after the day the request arrived.

        The day of arrival does not count; the read day does. A request received on Monday
        2026-11-23 is in time for Wednesday's read (Tuesday and Wednesday are business days),
        not Tuesday's. One received on Wednesday 2026-11-25 misses Friday's read, because
        Thanksgiving leaves Friday as the only business day before it, and waits for Monday:

        >>> calendar = MaineCalendar()
        >>> reads = [date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 27), date(2026, 11, 30)]
        >>> calendar.first_eligible_read(reads, date(2026, 11, 23))
        datetime.date(2026, 11, 25)
        >>> calendar.first_eligible_read(reads, date(2026, 11, 25))
        datetime.date(2026, 11, 30)
        """
        return self.next_read_on_or_after(reads, self.add_business_days(received, lead))

"""What every decision of a run reads and no decision changes: the registered partners and
the cycle read schedule, read once per run (`ebt.store.market_reader.read_reference`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from ebt.calendar import MaineCalendar
from ebt.guides.loader import GuideBook
from ebt.guides.model import Guide
from ebt.mapping.mapper import MappingError, SetMapping
from ebt.market.facts import Partner
from ebt.rules.parameters import Parameters
from ebt.rules.tables import Answer, RuleBook, stored_steps


@dataclass(frozen=True, slots=True)
class Market:
    """What decisions need besides the store: rules, parameters, calendar, the clock, and
    the guides and mappings answers are written with (read by the edge: `ebt.data.market`)."""

    rulebook: RuleBook
    parameters: Parameters
    calendar: MaineCalendar
    today: date
    now: datetime
    guides: GuideBook
    mappings: Callable[[Guide], SetMapping]  # a guide's mapping, compiled once

    def guide(self, set_id: str) -> Guide | None:
        """The guide of `set_id` in force today."""
        return self.guides.guide_for(set_id, self.today)

    def mapping(self, set_id: str) -> SetMapping:
        """The mapping of `set_id` under the guide in force today."""
        guide = self.guide(set_id)
        if guide is None:
            raise MappingError(f"no {set_id} guide is in force on {self.today}")
        return self.mappings(guide)


class Reference:
    """Partners (by DUNS and by id), this utility, and each bill cycle's scheduled reads."""

    def __init__(self, partners: Iterable[Partner], reads: Iterable[tuple[str, date]]):
        self.partners = {p.duns: p for p in partners}
        self.by_id = {p.id: p for p in self.partners.values()}
        tds = [p for p in self.partners.values() if p.role == "T&D"]
        self.td = tds[0] if tds else None
        self.reads: dict[str, list[date]] = {}
        for cycle, day in sorted(reads):
            self.reads.setdefault(cycle, []).append(day)
        self.read_sets = {cycle: frozenset(days) for cycle, days in self.reads.items()}
        self._eligible: dict[tuple[str, date, int], date | None] = {}
        self._steps: dict[tuple[Answer, ...], str] = {}

    def first_eligible_read(self, cycle: str, market: Market) -> date | None:
        """The first read of `cycle` a request received today can take effect on."""
        lead = market.parameters.lead_business_days
        key = (cycle, market.today, lead)
        if key not in self._eligible:
            reads = self.reads.get(cycle, [])
            self._eligible[key] = market.calendar.first_eligible_read(reads, market.today, lead)
        return self._eligible[key]

    def steps_json(self, steps: tuple[Answer, ...]) -> str:
        """A decision's steps as stored; the same path is written the same way."""
        text = self._steps.get(steps)
        if text is None:
            text = self._steps[steps] = stored_steps(steps)
        return text

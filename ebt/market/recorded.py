"""The facts a request's decision read, kept with the decision so that it can be evaluated
again without touching the account (`ebt replay`).

What is kept is everything the tables and the drop-date and fee policies read: the request,
who sent it, the account as it stood (with its supplier periods, so that the supplier of
record on another effective date can be told), the bill cycle's read schedule and whether the
reference was a repeat. What the parameters decide (the first eligible read, the earliest
off-cycle day) is worked out again from them, so that a draft with other parameters (3 lead
business days instead of 2) is replayed as it would have decided.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from ebt.calendar import MaineCalendar
from ebt.mapping.compact import Codec
from ebt.mapping.records import Transaction814
from ebt.market.facts import AccountFacts, Facts, Partner
from ebt.rules.parameters import Parameters


@dataclass(frozen=True, slots=True)
class Span:
    """A live supplier period of the account: who served it from `start` until `end`."""

    start: date
    end: date | None
    supplier_id: int | None  # None: Standard Offer


@dataclass(frozen=True, slots=True)
class RecordedFacts:
    request: Transaction814
    today: date
    td_duns: str
    reply_to: str
    sender: Partner | None
    ces: Partner | None
    account: AccountFacts | None
    timeline: tuple[Span, ...]
    reads: tuple[date, ...]  # the bill cycle's scheduled reads, in order
    repeated: bool
    effective_read: date | None  # as the parameters then gave them
    earliest_date: date
    parameters: str  # the version of the parameters then in force

    def facts(self, parameters: Parameters, calendar: MaineCalendar) -> Facts:
        """The facts as a decision under `parameters` would have seen them."""
        lead = parameters.lead_business_days
        if parameters.version == self.parameters:
            effective, earliest = self.effective_read, self.earliest_date
        else:
            effective = calendar.first_eligible_read(self.reads, self.today, lead)
            earliest = calendar.add_business_days(self.today, lead)
        account = self.account
        if account is not None and effective != self.effective_read:
            account = replace(account, supplier_at_effective=self.supplier_on(effective))
        return Facts(
            request=self.request,
            today=self.today,
            td_duns=self.td_duns,
            reply_to=self.reply_to,
            sender=self.sender,
            ces=self.ces,
            account=account,
            effective_read=effective,
            earliest_date=earliest,
            reads=frozenset(self.reads),
            repeated=self.repeated,
            parameters=parameters,
        )

    def supplier_on(self, day: date | None) -> int | None:
        if day is None:
            return None
        for span in self.timeline:
            if span.start <= day and (span.end is None or day < span.end):
                return span.supplier_id
        return None


CODEC = Codec(RecordedFacts)


def record(facts: Facts, timeline: tuple[Span, ...]) -> bytes:
    """The facts of a decision as kept with it (a few hundred bytes)."""
    return CODEC.encode(
        RecordedFacts(
            request=facts.request,
            today=facts.today,
            td_duns=facts.td_duns,
            reply_to=facts.reply_to,
            sender=facts.sender,
            ces=facts.ces,
            account=facts.account,
            timeline=timeline,
            reads=tuple(sorted(facts.reads)),
            repeated=facts.repeated,
            effective_read=facts.effective_read,
            earliest_date=facts.earliest_date,
            parameters=facts.parameters.version,
        )
    )


def restore(data: bytes) -> RecordedFacts:
    return CODEC.decode(data)

"""The facts a decision table asks about one request, gathered before it is decided.

Facts are values: the request, who sent it, the account as it stands (its supplier of
record, what is pending, its meters) and the calendar answers (the cycle read the request
can take effect on). Predicates (`predicates.py`) are pure functions of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ebt.mapping.records import Transaction814
from ebt.rules.parameters import Parameters


@dataclass(frozen=True, slots=True)
class Partner:
    id: int
    duns: str
    name: str
    role: str  # "T&D" or "CES"
    licensed: bool
    billing_options: frozenset[str]


@dataclass(frozen=True, slots=True)
class MeterFacts:
    number: str
    smart: bool
    rate_structures: frozenset[str]


@dataclass(frozen=True, slots=True)
class PendingFacts:
    """An accepted request waiting for its date: what it is, for whom, from when."""

    kind: str
    ces_id: int | None
    effective_on: date | None
    reference: str | None


@dataclass(frozen=True, slots=True)
class AccountFacts:
    number: str
    status: str
    services: frozenset[str]
    bill_cycle: str
    supplier_id: int | None  # supplier of record today; None: Standard Offer
    serves_from: int | None  # the CES of the open-ended period (today's, or a pending one)
    supplier_at_effective: int | None  # the supplier of record on the effective read date
    pending: tuple[PendingFacts, ...]
    meters: tuple[MeterFacts, ...]


@dataclass(frozen=True, slots=True)
class Facts:
    request: Transaction814
    today: date
    td_duns: str  # this utility
    reply_to: str  # the partner the file came from (its channel): every answer goes there
    sender: Partner | None  # that partner when it is registered here
    ces: Partner | None  # the partner N1*SJ names
    account: AccountFacts | None
    effective_read: date | None  # the first cycle read the request can take effect on
    earliest_date: date  # the first day lead_business_days business days after today
    reads: frozenset[date]  # the account's scheduled cycle read dates
    repeated: bool  # this CES already sent a request with this BGN02
    parameters: Parameters

    @property
    def requested_date(self) -> date | None:
        request = self.request
        return request.service_end or request.effective_date or request.service_start

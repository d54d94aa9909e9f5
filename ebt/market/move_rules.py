"""The questions the move and landlord-reversion tables ask, as pure functions of their facts.

A move (domain §4 Moves, §5) is decided on `MoveFacts`: the old and new accounts, the dates
the customer gave, the CES serving the old account and whether its rate can go on at the
new location. A reversion (§6) is decided on `ReversionFacts`: what the landlord agreement
of the premise says for the service on the day it would revert. The registries are merged
with `ebt.market.predicates.PREDICATES` when the rule book loads (`ebt.data.market`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class MoveFacts:
    """What the move table asks about one customer's call."""

    old_found: bool
    old_active: bool
    new_given: bool  # the customer knows the new T&D account
    new_found: bool
    new_active: bool
    ces_id: int | None  # the CES serving the old account on the move-out date
    standard_offer_chosen: bool
    same_rate_class: bool  # the new account is on the same (supplier) rate
    business_days_notice: int  # business days after the call up to the move (the earlier
    # of the move-out and move-in dates: with an overlap the move begins with the move-in)
    lead_business_days: int
    move_out: date
    move_in: date
    meters_support_rate_code: bool  # every meter at the new location
    other_ces_at_new: bool  # another CES serves the new account on the move-in date
    ces_leaving: bool = False  # a drop or return to Standard Offer is pending on the old account


def old_account_exists(facts: MoveFacts) -> bool:
    return facts.old_found


def old_account_is_active(facts: MoveFacts) -> bool:
    return facts.old_active


def new_account_given(facts: MoveFacts) -> bool:
    return facts.new_given


def new_account_exists(facts: MoveFacts) -> bool:
    """No new account given, or the one given is found."""
    return not facts.new_given or facts.new_found


def new_account_is_active(facts: MoveFacts) -> bool:
    """No new account given, or the one given is open."""
    return not facts.new_given or facts.new_active


def move_dates_in_order(facts: MoveFacts) -> bool:
    """The move-in date is not more than a year away from the move-out date."""
    return abs((facts.move_in - facts.move_out).days) <= 365


def ces_serves_old_account(facts: MoveFacts) -> bool:
    return facts.ces_id is not None


def ces_not_leaving(facts: MoveFacts) -> bool:
    """The CES is not already on its way out: no drop nor return to Standard Offer pending
    on the old account (a CES dropping its customer is not made to serve him elsewhere)."""
    return not facts.ces_leaving


def standard_offer_chosen(facts: MoveFacts) -> bool:
    return facts.standard_offer_chosen


def same_supplier_rate(facts: MoveFacts) -> bool:
    return facts.same_rate_class


def called_in_time(facts: MoveFacts) -> bool:
    return facts.business_days_notice >= facts.lead_business_days


def no_break_in_service(facts: MoveFacts) -> bool:
    """Service at the new location starts no later than it ends at the old one (the final
    read on the move-out date); an overlap is allowed."""
    return facts.move_in <= facts.move_out


def new_meters_support_rate_code(facts: MoveFacts) -> bool:
    return facts.meters_support_rate_code


def new_account_free_of_other_ces(facts: MoveFacts) -> bool:
    return not facts.other_ces_at_new


@dataclass(frozen=True, slots=True)
class ReversionFacts:
    """What the landlord-reversion table asks when a tenant's service stops."""

    stopping_is_landlord: bool  # the account stopping is the landlord's own
    agreement_found: bool  # an agreement covers the premise (or its parent) for the service
    in_season: bool  # ... on the day service would revert
    reverts: bool  # ... and says the service reverts
    landlord_active: bool  # the landlord's reversion account is open


def tenant_is_not_the_landlord(facts: ReversionFacts) -> bool:
    return not facts.stopping_is_landlord


def landlord_agreement_covers_service(facts: ReversionFacts) -> bool:
    return facts.agreement_found


def agreement_in_season(facts: ReversionFacts) -> bool:
    return facts.in_season


def agreement_reverts_service(facts: ReversionFacts) -> bool:
    return facts.reverts


def landlord_account_is_open(facts: ReversionFacts) -> bool:
    return facts.landlord_active


MOVE_PREDICATES: Mapping[str, Callable[[MoveFacts], bool]] = {
    f.__name__: f
    for f in (
        old_account_exists,
        old_account_is_active,
        new_account_given,
        new_account_exists,
        new_account_is_active,
        move_dates_in_order,
        ces_serves_old_account,
        ces_not_leaving,
        standard_offer_chosen,
        same_supplier_rate,
        called_in_time,
        no_break_in_service,
        new_meters_support_rate_code,
        new_account_free_of_other_ces,
    )
}

REVERSION_PREDICATES: Mapping[str, Callable[[ReversionFacts], bool]] = {
    f.__name__: f
    for f in (
        tenant_is_not_the_landlord,
        landlord_agreement_covers_service,
        agreement_in_season,
        agreement_reverts_service,
        landlord_account_is_open,
    )
}

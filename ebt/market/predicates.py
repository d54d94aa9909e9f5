"""The questions the decision tables in `rules/` ask, as pure functions of `Facts`.

Each predicate answers one yes/no question about one request; the tables name them. The
registry `PREDICATES` is what the rule book is checked against when it loads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ebt.mapping.records import BillingOption
from ebt.market.facts import Facts

SUPPLIER_CHANGES = frozenset({"enrollment", "switch"})
LEAVING = frozenset({"drop", "return_to_standard_offer"})
# [PROJECT] services a CES may serve; an account with any other (unmetered street lighting,
# say) cannot be enrolled: a multi-service account is enrolled all or nothing.
COMPETITIVE_SERVICES = frozenset({"EL"})
# [PROJECT] the rate structure a CES rate code needs, told by its prefix; others are FLAT.
RATE_CODE_STRUCTURES = {"TOU": "TOU", "DMD": "DEMAND", "DEMAND": "DEMAND"}
# [PROJECT] what a CES may change by an 814 change request (REF*TD codes)
CES_CHANGE_REASONS = frozenset({"REF11", "REFBLT", "REFPC", "REFRB"})


def sender_is_registered_ces(facts: Facts) -> bool:
    return facts.sender is not None and facts.sender.role == "CES"


def sender_agrees_with_ces_party(facts: Facts) -> bool:
    return facts.sender is not None and facts.ces is not None and facts.sender.id == facts.ces.id


def ces_is_licensed(facts: Facts) -> bool:
    return facts.ces is not None and facts.ces.licensed


def account_exists(facts: Facts) -> bool:
    return facts.account is not None


def account_is_active(facts: Facts) -> bool:
    return facts.account is not None and facts.account.status == "active"


def td_is_this_utility(facts: Facts) -> bool:
    return facts.request.td_id == facts.td_duns


def cycle_read_scheduled(facts: Facts) -> bool:
    """The account's bill cycle has a scheduled read the request can take effect on."""
    return facts.effective_read is not None


def repeats_a_processed_request(facts: Facts) -> bool:
    return facts.repeated


def _ces_id(facts: Facts) -> int | None:
    return facts.ces.id if facts.ces else None


def ces_has_pending_enrollment(facts: Facts) -> bool:
    account = facts.account
    return account is not None and any(
        p.kind in SUPPLIER_CHANGES and p.ces_id == _ces_id(facts) for p in account.pending
    )


def ces_already_serves_account(facts: Facts) -> bool:
    account = facts.account
    return account is not None and account.serves_from == _ces_id(facts)


def billing_option_offered(facts: Facts) -> bool:
    option = facts.request.billing_option
    return option is None or (facts.ces is not None and option in facts.ces.billing_options)


def bill_calculator_agrees(facts: Facts) -> bool:
    """DUAL billing is calculated by each party: it cannot have the T&D as bill calculator."""
    request = facts.request
    return not (
        request.billing_option == BillingOption.DUAL
        and request.bill_calculator == BillingOption.TD_CONSOLIDATED
    )


def all_services_eligible(facts: Facts) -> bool:
    account = facts.account
    return account is not None and account.services <= COMPETITIVE_SERVICES


def required_structure(rate_code: str) -> str:
    prefix = rate_code.split("-", 1)[0].upper()
    return RATE_CODE_STRUCTURES.get(prefix, "FLAT")


def meter_supports_rate_code(facts: Facts) -> bool:
    code = facts.request.ces_rate_code
    account = facts.account
    if not code or account is None:
        return True
    needed = required_structure(code)
    return all(needed in meter.rate_structures for meter in account.meters)


def requested_date_too_far_ahead(facts: Facts) -> bool:
    wanted = facts.requested_date
    return wanted is not None and (wanted - facts.today).days > facts.parameters.max_days_ahead


def another_enrollment_is_first(facts: Facts) -> bool:
    """Another CES's enrollment was accepted for the period this one would start in (an
    enrollment for a later period is a switch from that CES, not a second one)."""
    account = facts.account
    wanted = facts.effective_read
    return account is not None and any(
        p.kind in SUPPLIER_CHANGES
        and p.ces_id != _ces_id(facts)
        and (wanted is None or p.effective_on is None or p.effective_on >= wanted)
        for p in account.pending
    )


def account_has_other_ces(facts: Facts) -> bool:
    account = facts.account
    return account is not None and account.supplier_at_effective not in (None, _ces_id(facts))


def ces_serves_account(facts: Facts) -> bool:
    """The CES is the supplier of record, or is to be from a pending date."""
    account = facts.account
    ces = _ces_id(facts)
    return (
        account is not None
        and ces is not None
        and (account.supplier_id == ces or account.serves_from == ces)
    )


def drop_already_pending(facts: Facts) -> bool:
    account = facts.account
    return account is not None and any(p.kind in LEAVING for p in account.pending)


def off_cycle_requested(facts: Facts) -> bool:
    """The CES asks for an end date that is not a scheduled cycle read (a read date too
    close to make rolls to the first read it can make, on cycle)."""
    wanted = facts.request.service_end
    return wanted is not None and wanted not in facts.reads


def requested_end_after_lead_time(facts: Facts) -> bool:
    """The end date asked for is at least lead_business_days business days out."""
    wanted = facts.request.service_end
    return wanted is not None and wanted >= facts.earliest_date


def requested_read_not_too_close(facts: Facts) -> bool:
    """The cycle read asked for is at or after the first read the request can make."""
    wanted, effective = facts.request.service_end, facts.effective_read
    return wanted is not None and effective is not None and wanted >= effective


def smart_meter_installed(facts: Facts) -> bool:
    account = facts.account
    return account is not None and any(m.smart for m in account.meters)


def actual_read_requested(facts: Facts) -> bool:
    """The CES asks for an actual read (REF*1P ARR) rather than prorated usage."""
    return any(r.code == "ARR" for r in facts.request.status_reasons)


def change_reasons_supported(facts: Facts) -> bool:
    reasons = {r.code for r in facts.request.change_reasons}
    return bool(reasons) and reasons <= CES_CHANGE_REASONS


def drop_or_switch_pending(facts: Facts) -> bool:
    """A drop of this CES, or a switch away from it, is waiting for its date."""
    account = facts.account
    ces = _ces_id(facts)
    return account is not None and any(
        p.kind in LEAVING or (p.kind in SUPPLIER_CHANGES and p.ces_id != ces)
        for p in account.pending
    )


PREDICATES: Mapping[str, Callable[[Facts], bool]] = {
    f.__name__: f
    for f in (
        sender_is_registered_ces,
        sender_agrees_with_ces_party,
        requested_end_after_lead_time,
        requested_read_not_too_close,
        smart_meter_installed,
        actual_read_requested,
        ces_is_licensed,
        account_exists,
        account_is_active,
        td_is_this_utility,
        cycle_read_scheduled,
        repeats_a_processed_request,
        ces_has_pending_enrollment,
        ces_already_serves_account,
        billing_option_offered,
        bill_calculator_agrees,
        all_services_eligible,
        meter_supports_rate_code,
        requested_date_too_far_ahead,
        another_enrollment_is_first,
        account_has_other_ces,
        ces_serves_account,
        drop_already_pending,
        off_cycle_requested,
        change_reasons_supported,
        drop_or_switch_pending,
    )
}

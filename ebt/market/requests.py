"""The processes a CES starts with a request, each with its decision table and a handler per
outcome (`REQUESTS`, checked against the tables when they load), and the customer's call to
return to Standard Offer.

A handler applies an accepted verdict to the account aggregate: the supplier-of-record
timeline, the process's effective date, the answers in the outbox. When the day a drop takes
effect or the fee it costs is a utility's policy, the handler asks the policy table
(`rules/drop_date_*-*.json`, `rules/off_cycle_fee-*.json`) and records that decision too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Protocol

from ebt.mapping.records import Kind, Transaction814
from ebt.market import responses
from ebt.market.decider import Case, Decider, RequestProcess
from ebt.market.predicates import PREDICATES
from ebt.market.vocabulary import ProcessKind, ProcessState
from ebt.rules.tables import RuleBook, Verdict, evaluate


def enroll(decider: Decider, case: Case) -> None:
    """The CES serves the account from the first eligible cycle read."""
    record, facts, aggregate, process, _ = case
    effective = facts.effective_read
    assert effective is not None and facts.ces is not None
    process.effective_on = effective
    aggregate.change_supplier(
        supplier_id=facts.ces.id,
        on=effective,
        process=process,
        billing_option=record.billing_option,
        bill_calculator=record.bill_calculator,
        ces_rate_code=record.ces_rate_code,
        ces_account=record.ces_account,
    )
    decider.accept(case, effective)


def switch(decider: Decider, case: Case) -> None:
    """Enroll, and tell the CES it replaces with a drop notice for the same read."""
    record, facts, _, process, _ = case
    account = facts.account
    old = decider.reference.by_id.get(account.supplier_at_effective or 0) if account else None
    enroll(decider, case)
    if old is not None and facts.effective_read is not None:
        notice = responses.drop_notice(
            record,
            decider.market.today,
            ces_id=old.duns,
            ces_name=old.name,
            ends=facts.effective_read,
        )
        decider.send(notice, process, None)


def drop_on_cycle(decider: Decider, case: Case) -> None:
    """The CES's service ends on the cycle read the drop_date_on_cycle policy gives;
    Standard Offer follows."""
    _drop(decider, case, "drop_date_on_cycle")


def drop_off_cycle(decider: Decider, case: Case) -> None:
    """The CES's service ends on the day the drop_date_off_cycle policy gives, for the fee
    the off_cycle_fee policy gives; Standard Offer follows."""
    fee = decider.policy("off_cycle_fee", case.facts, case)
    case.process.fee = getattr(decider.market.parameters, f"off_cycle_fee_{fee}")
    _drop(decider, case, "drop_date_off_cycle")


def _drop(decider: Decider, case: Case, policy: str) -> None:
    _, facts, aggregate, process, _ = case
    assert facts.ces is not None
    ends = drop_date(facts, decider.policy(policy, facts, case))
    ended = aggregate.end_supplier(supplier_id=facts.ces.id, on=ends, process=process)
    process.effective_on = ended or ends
    decider.accept(case, ended or ends)


class DatedFacts(Protocol):
    """What the day a request takes effect is worked out from (`Facts`, or the facts a
    decision recorded)."""

    @property
    def request(self) -> Transaction814: ...
    @property
    def today(self) -> date: ...
    @property
    def effective_read(self) -> date | None: ...
    @property
    def earliest_date(self) -> date: ...


def drop_date(facts: DatedFacts, outcome: str) -> date:
    """The day a drop takes effect by the drop-date policy's outcome."""
    wanted = facts.request.service_end
    day = {
        "requested_read": wanted,
        "requested_date": wanted,
        "first_eligible_read": facts.effective_read,
        "earliest_date": facts.earliest_date,
    }[outcome]
    assert day is not None
    return day


# the policy table that gives the day an outcome takes effect, for those that have one
DATE_POLICIES = {
    "drop_on_cycle": "drop_date_on_cycle",
    "drop_off_cycle": "drop_date_off_cycle",
}


def effective_date(outcome: str, facts: DatedFacts, policy: str | None) -> date | None:
    """The day a request decided with `outcome` takes effect, as the handlers set it
    (`policy`: the outcome of its date policy, for a drop). `ebt replay` compares these."""
    if outcome in DATE_POLICIES:
        return drop_date(facts, policy) if policy is not None else None
    if outcome == "reinstate":
        return facts.today
    if outcome == "reject":
        return None
    return facts.effective_read


def change(decider: Decider, case: Case) -> None:
    """The CES's own period carries the new terms from the first eligible read."""
    record, facts, aggregate, process, _ = case
    assert facts.ces is not None and facts.effective_read is not None
    process.effective_on = facts.effective_read
    aggregate.change_terms(
        supplier_id=facts.ces.id,
        on=facts.effective_read,
        process=process,
        billing_option=record.billing_option,
        bill_calculator=record.bill_calculator,
        ces_rate_code=record.ces_rate_code,
        ces_account=record.ces_account,
    )
    decider.accept(case, facts.effective_read)


def reinstate(decider: Decider, case: Case) -> None:
    """The CES withdraws its pending drop (or the customer's switch away from it): what was
    pending is cancelled, a CES that was to take over is told."""
    record, facts, aggregate, process, _ = case
    ces = facts.ces
    assert ces is not None
    today = decider.market.today
    for pending in aggregate.pending():
        leaving = pending.kind in ("drop", "return_to_standard_offer")
        switched_away = pending.kind in ("enrollment", "switch") and pending.ces_id != ces.id
        if not (leaving or switched_away):
            continue
        aggregate.cancel_supplier_change(pending)
        if switched_away and pending.ces_id is not None:
            other = decider.reference.by_id[pending.ces_id]
            notice = responses.drop_notice(
                record,
                today,
                ces_id=other.duns,
                ces_name=other.name,
                ends=pending.effective_on or today,
                role="C",
            )
            decider.send(notice, pending, None)
    process.state = str(ProcessState.COMPLETED)
    process.effective_on = today
    decider.accept(case, today)


REQUESTS: Mapping[Kind, RequestProcess] = {
    Kind.ENROLLMENT_REQUEST: RequestProcess(
        "enrollment", ProcessKind.ENROLLMENT, {"enroll": enroll, "switch": switch}
    ),
    Kind.DROP_REQUEST: RequestProcess(
        "drop",
        ProcessKind.DROP,
        {"drop_on_cycle": drop_on_cycle, "drop_off_cycle": drop_off_cycle},
    ),
    Kind.CHANGE_REQUEST: RequestProcess("change", ProcessKind.CHANGE, {"change": change}),
    Kind.REINSTATEMENT_REQUEST: RequestProcess(
        "reinstatement", ProcessKind.REINSTATEMENT, {"reinstate": reinstate}
    ),
}


def check_requests(rulebook: RuleBook, *, draft: bool = False) -> None:
    """Every request process's handlers against its tables (RuleError when they disagree;
    a draft may leave an outcome out)."""
    for request in REQUESTS.values():
        request.check(rulebook, every_handler_used=not draft)


def return_to_standard_offer(decider: Decider, number: str) -> tuple[Verdict, Transaction814]:
    """The customer called the T&D to leave its CES: decide by the return_to_standard_offer
    table; when accepted, the CES's service ends on the first eligible cycle read and the
    CES gets a drop notice for that date."""
    decider.load_accounts([number])
    aggregate = decider.accounts.get(number)
    reference, market = decider.reference, decider.market
    today = market.today
    td = reference.td
    effective = decider.effective_read(aggregate)
    serving = aggregate.supplier_on(effective) if aggregate and effective else None
    ces = reference.by_id.get(serving) if serving is not None else None
    notice = responses.standard_offer_notice(number, today, td=td, ces=ces, ends=effective)
    facts = decider.facts(notice, td.duns if td else "")
    facts = replace(facts, ces=None, reply_to="", repeated=False)
    table = market.rulebook.table_for("return_to_standard_offer", today)
    verdict = evaluate(table, facts, PREDICATES)
    process = decider.process(ProcessKind.RETURN_TO_STANDARD_OFFER, verdict, facts, aggregate)
    process.ces_id = ces.id if ces else None
    decider.decision(
        verdict, None, process, notice.reference, facts=decider.recorded(facts, aggregate)
    )
    if verdict.outcome == "return_to_standard_offer":
        assert aggregate is not None and ces is not None and effective is not None
        ended = aggregate.end_supplier(supplier_id=ces.id, on=effective, process=process)
        process.effective_on = ended or effective
        decider.send(notice, process, None)
    return verdict, notice

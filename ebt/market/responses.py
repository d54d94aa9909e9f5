"""The T&D's outbound 814s: accepts, rejects and drop notices, built as typed records.

A reject names the reason code and its meaning from the guide, never another supplier's
identity or data.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from ebt.mapping.records import (
    Action,
    Kind,
    MaintenanceType,
    Meter,
    Purpose,
    Reason,
    Transaction814,
)
from ebt.market.facts import Partner

ACCEPTS = {
    MaintenanceType.ENROLLMENT: Kind.ENROLLMENT_ACCEPT,
    MaintenanceType.CHANGE: Kind.CHANGE_ACCEPT,
    MaintenanceType.DROP: Kind.DROP_ACCEPT,
    MaintenanceType.REINSTATEMENT: Kind.REINSTATEMENT_ACCEPT,
}
REJECTS = {
    MaintenanceType.ENROLLMENT: Kind.ENROLLMENT_REJECT,
    MaintenanceType.CHANGE: Kind.CHANGE_REJECT,
    MaintenanceType.DROP: Kind.DROP_REJECT,
    MaintenanceType.REINSTATEMENT: Kind.REINSTATEMENT_REJECT,
}


def reference_for(request: Transaction814, role: str) -> str:
    """A BGN02 for the T&D's answer: stable for one request and role (A accept, R reject,
    D drop notice), so that re-running a file writes the same reference."""
    digest = hashlib.sha1(f"{request.ces_id}|{request.reference}|{role}".encode()).hexdigest()
    return f"{role}{digest[:19].upper()}"


def _reply(
    request: Transaction814, kind: Kind, action: Action, today: date, role: str, **fields: Any
) -> Transaction814:
    return Transaction814(
        kind=kind,
        purpose=Purpose.RESPONSE,
        reference=reference_for(request, role),
        date=today,
        action=action,
        maintenance=request.maintenance,
        account=request.account,
        td_id=request.td_id,
        td_name=request.td_name,
        td_id_qualifier=request.td_id_qualifier,
        ces_id=request.ces_id,
        ces_name=request.ces_name,
        ces_id_qualifier=request.ces_id_qualifier,
        original_reference=request.reference,
        line_number=request.line_number or "1",
        commodity=request.commodity or "EL",
        service=request.service or "CE",
        **fields,
    )


def accept(
    request: Transaction814,
    today: date,
    *,
    effective: date | None = None,
    bill_cycle: str | None = None,
    rate_class: str | None = None,
    meters: tuple[Meter, ...] = (),
    customer_name: str | None = None,
) -> Transaction814:
    """The accept of `request` (enrollment, change, drop or reinstatement)."""
    kind = ACCEPTS[MaintenanceType(request.maintenance)]
    is_drop = request.maintenance == MaintenanceType.DROP
    return _reply(
        request,
        kind,
        Action.ACCEPT,
        today,
        "A",
        effective_date=None if is_drop else effective,
        service_end=effective if is_drop else None,
        bill_cycle=bill_cycle if kind is Kind.ENROLLMENT_ACCEPT else None,
        rate_class=rate_class if kind is Kind.ENROLLMENT_ACCEPT else None,
        meters=meters if kind is Kind.ENROLLMENT_ACCEPT else (),
        customer_name=customer_name if kind is Kind.ENROLLMENT_ACCEPT else None,
        billing_option=request.billing_option if kind is Kind.ENROLLMENT_ACCEPT else None,
        bill_calculator=request.bill_calculator if kind is Kind.ENROLLMENT_ACCEPT else None,
    )


def reject(request: Transaction814, today: date, code: str, meaning: str) -> Transaction814:
    """The reject of `request` with its REF*7G reason (code and the guide's meaning)."""
    kind = REJECTS[MaintenanceType(request.maintenance)]
    reasons = (Reason(code, meaning.upper()[:80]),)
    return _reply(request, kind, Action.REJECT, today, "R", reject_reasons=reasons)


def standard_offer_notice(
    account: str, today: date, *, td: Partner | None, ces: Partner | None, ends: date | None
) -> Transaction814:
    """The drop notice a CES gets when its customer calls the T&D to return to Standard
    Offer (customer drops supplier)."""
    return _notice(
        reference=f"S{hashlib.sha1(f'{account}|{today}'.encode()).hexdigest()[:19].upper()}",
        today=today,
        account=account,
        td_id=td.duns if td else "",
        td_name=td.name if td else None,
        td_id_qualifier="1",
        ces_id=ces.duns if ces else "",
        ces_name=ces.name if ces else None,
        ends=ends,
    )


def drop_notice(
    request: Transaction814, today: date, *, ces_id: str, ces_name: str, ends: date, role: str = "D"
) -> Transaction814:
    """The customer-drops-supplier notice to a CES that loses the account (a switch, or a
    cancelled enrollment), effective `ends`; it names neither the new CES nor its data."""
    return _notice(
        reference=reference_for(request, role),
        today=today,
        account=request.account,
        td_id=request.td_id,
        td_name=request.td_name,
        td_id_qualifier=request.td_id_qualifier,
        ces_id=ces_id,
        ces_name=ces_name,
        ends=ends,
    )


def _notice(
    *,
    reference: str,
    today: date,
    account: str,
    td_id: str,
    td_name: str | None,
    td_id_qualifier: str | None,
    ces_id: str,
    ces_name: str | None,
    ends: date | None,
) -> Transaction814:
    """A T&D drop notice (814, BGN01 13, ASI 7*024) ending the CES's service on `ends`."""
    return Transaction814(
        kind=Kind.DROP_NOTICE,
        purpose=Purpose.REQUEST,
        reference=reference,
        date=today,
        action=Action.REQUEST,
        maintenance=MaintenanceType.DROP,
        account=account,
        td_id=td_id,
        td_name=td_name,
        td_id_qualifier=td_id_qualifier,
        ces_id=ces_id,
        ces_name=ces_name,
        ces_id_qualifier="1",
        line_number="1",
        commodity="EL",
        service="CE",
        service_end=ends,
    )

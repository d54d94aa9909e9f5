"""The T&D's own 814 change notices to a CES (814 change request, BGN01 13, ASI 7*001).

Domain §2 and §4 Change: the T&D tells a CES of changes on its side with a reason (REF*TD)
and the data that changed. Two are sent here: a seamless move (the customer's T&D account
changes; the new account in REF*12, the old one in REF*45) and a meter exchange (the new
meter's number, type and multiplier in the NM1 meter loop). References are stable for one
account, event and date, so that deciding the same call again gives the same BGN02.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date

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

ACCOUNT_CHANGE = Reason("REF12", "T&D ACCOUNT NUMBER CHANGE")
METER_CHANGE = Reason("NM1MQ", "METER CHANGE")


def notice_reference(prefix: str, *parts: object) -> str:
    """A BGN02 of at most 20 characters, the same for the same parts."""
    digest = hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()
    return f"{prefix}{digest[:19].upper()}"


def _change(
    *,
    reference: str,
    today: date,
    account: str,
    td: Partner | None,
    ces: Partner,
    effective: date,
    reason: Reason,
) -> Transaction814:
    return Transaction814(
        kind=Kind.CHANGE_REQUEST,
        purpose=Purpose.REQUEST,
        reference=reference,
        date=today,
        action=Action.REQUEST,
        maintenance=MaintenanceType.CHANGE,
        account=account,
        td_id=td.duns if td else "",
        td_name=td.name if td else None,
        td_id_qualifier="1",
        ces_id=ces.duns,
        ces_name=ces.name,
        ces_id_qualifier="1",
        line_number="1",
        commodity="EL",
        service="CE",
        effective_date=effective,
        change_reasons=(reason,),
    )


def account_change_notice(
    *,
    reference: str,
    today: date,
    new_account: str,
    old_account: str,
    td: Partner | None,
    ces: Partner,
    effective: date,
    ces_account: str | None,
) -> Transaction814:
    """A seamless move: the CES goes on serving its customer at `new_account` from
    `effective`; `old_account` is given in REF*45."""
    notice = _change(
        reference=reference,
        today=today,
        account=new_account,
        td=td,
        ces=ces,
        effective=effective,
        reason=ACCOUNT_CHANGE,
    )
    return replace(notice, previous_account=old_account, ces_account=ces_account)


def meter_change_notice(
    *,
    reference: str,
    today: date,
    account: str,
    td: Partner | None,
    ces: Partner,
    effective: date,
    meter: Meter,
) -> Transaction814:
    """A meter exchange on an account the CES serves: the new meter from `effective`."""
    notice = _change(
        reference=reference,
        today=today,
        account=account,
        td=td,
        ces=ces,
        effective=effective,
        reason=METER_CHANGE,
    )
    return replace(notice, meters=(meter,))

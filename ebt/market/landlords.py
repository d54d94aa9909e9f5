"""A landlord change over a whole multi-unit building in one step (domain §6).

The agreements of the parent premise and of every unit under it that are in force on the
day of the change end there and go on, from that day, with the new landlord's reversion
account (same service, season and reversion); the units' reversions to the landlord that
begin on or after that day go to the new landlord, and one running over that day is split
there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ebt.market.tenancy import new_process
from ebt.store.schema import (
    Account,
    LandlordAgreement,
    PeriodStatus,
    Premise,
    ProcessKind,
    ServicePeriod,
    ServiceRole,
)


class LandlordError(ValueError):
    """The change cannot be made as given (said plainly)."""


@dataclass(frozen=True, slots=True)
class LandlordChange:
    premises: tuple[str, ...]  # the parent premise and its units
    agreements: int  # agreements moved to the new landlord
    reversions: int  # reversion periods moved or split


def change_landlord(
    session: Session,
    *,
    parent: str,
    landlord: str,
    on: date,
    today: date,
    now: datetime,
) -> LandlordChange:
    """Give every agreement of `parent` and its units to `landlord`'s account from `on`."""
    top = session.scalar(select(Premise).where(Premise.number == parent))
    if top is None:
        raise LandlordError(f"no premise {parent!r}")
    account = session.scalar(select(Account).where(Account.number == landlord))
    if account is None or account.status != "active":
        raise LandlordError(f"the new landlord's account {landlord!r} is not an open account")
    group = [top, *session.scalars(select(Premise).where(Premise.parent_id == top.id))]
    ids = [p.id for p in group]
    moved = already = 0
    for agreement in list(
        session.scalars(select(LandlordAgreement).where(LandlordAgreement.premise_id.in_(ids)))
    ):
        current = (agreement.valid_from is None or agreement.valid_from <= on) and (
            agreement.valid_to is None or on < agreement.valid_to
        )
        if current and agreement.landlord_account_id == account.id:
            already += 1
        if not current or agreement.landlord_account_id == account.id:
            continue
        agreement.valid_to = on
        session.add(
            LandlordAgreement(
                landlord_account_id=account.id,
                premise_id=agreement.premise_id,
                service=agreement.service,
                season_start=agreement.season_start,
                season_end=agreement.season_end,
                reverts=agreement.reverts,
                valid_from=on,
            )
        )
        moved += 1
    if not moved and already:
        raise LandlordError(
            f"the agreements of {parent} and its units in force on {on} are already with {landlord}"
        )
    if not moved:
        raise LandlordError(f"no agreement of {parent} or its units is in force on {on}")
    process = new_process(
        session,
        kind=ProcessKind.LANDLORD_CHANGE,
        account_id=account.id,
        today=today,
        now=now,
        reference=None,
        effective_on=on,
    )
    reversions = _move_reversions(session, ids, account.id, on, process.id)
    return LandlordChange(tuple(p.number for p in group), moved, reversions)


def _move_reversions(
    session: Session, premise_ids: list[int], landlord_id: int, on: date, process_id: int
) -> int:
    count = 0
    for period in list(
        session.scalars(
            select(ServicePeriod)
            .where(ServicePeriod.premise_id.in_(premise_ids))
            .where(ServicePeriod.role == str(ServiceRole.LANDLORD))
            .where(ServicePeriod.status != str(PeriodStatus.CANCELLED))
        )
    ):
        if period.account_id == landlord_id or (period.end is not None and period.end <= on):
            continue
        if _is_house_account(session, period):
            continue
        count += 1
        if period.start >= on:
            period.account_id = landlord_id
            continue
        session.add(
            ServicePeriod(
                premise_id=period.premise_id,
                account_id=landlord_id,
                service=period.service,
                role=period.role,
                start=on,
                end=period.end,
                status=str(PeriodStatus.PENDING),
                process_id=process_id,
            )
        )
        period.end = on
    return count


def _is_house_account(session: Session, period: ServicePeriod) -> bool:
    """The landlord's own account at its own premise (the building's common meter)."""
    account = session.get(Account, period.account_id)
    return account is not None and account.premise_id == period.premise_id

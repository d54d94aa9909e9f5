"""A landlord change over a whole multi-unit building in one step (domain §6).

The agreements of the parent premise and of every unit under it that are in force on the
day of the change end there and go on, from that day, with the new landlord's reversion
account (same service, season and reversion); the units' reversions to the landlord that
begin on or after that day go to the new landlord, and one running over that day is split
there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ebt.market.premises import ServiceUnit
from ebt.market.rows import ProcessRow
from ebt.market.service_rows import AgreementRow, ServicePeriodRow
from ebt.market.vocabulary import PeriodStatus, ProcessKind


class LandlordError(ValueError):
    """The change cannot be made as given (said plainly)."""


@dataclass(frozen=True, slots=True)
class LandlordChange:
    premises: tuple[str, ...]  # the parent premise and its units
    agreements: int  # agreements moved to the new landlord
    reversions: int  # reversion periods moved or split


def change_landlord(unit: ServiceUnit, *, parent: str, landlord: str, on: date) -> LandlordChange:
    """Give every agreement of `parent` and its units to `landlord`'s account from `on`."""
    store = unit.store
    top = store.premise_numbered(parent)
    if top is None:
        raise LandlordError(f"no premise {parent!r}")
    account = store.account_numbered(landlord)
    if account is None or account.status != "active":
        raise LandlordError(f"the new landlord's account {landlord!r} is not an open account")
    group = [top, *store.units(top.id)]
    ids = [p.id for p in group]
    moved = already = 0
    for agreement in store.agreements(ids):
        current = agreement.in_force(on)
        if current and agreement.landlord_account_id == account.id:
            already += 1
        if not current or agreement.landlord_account_id == account.id:
            continue
        agreement.valid_to = on
        unit.writes.agreements.append(_carried_on(agreement, account.id, on))
        moved += 1
    if not moved and already:
        raise LandlordError(
            f"the agreements of {parent} and its units in force on {on} are already with {landlord}"
        )
    if not moved:
        raise LandlordError(f"no agreement of {parent} or its units is in force on {on}")
    process = unit.new_process(
        kind=ProcessKind.LANDLORD_CHANGE, account_id=account.id, reference=None, effective_on=on
    )
    reversions = _move_reversions(unit, ids, account.id, on, process)
    return LandlordChange(tuple(p.number for p in group), moved, reversions)


def _carried_on(agreement: AgreementRow, landlord_id: int, on: date) -> AgreementRow:
    """The agreement as it goes on with the new landlord from `on`."""
    return AgreementRow(
        landlord_account_id=landlord_id,
        premise_id=agreement.premise_id,
        service=agreement.service,
        season_start=agreement.season_start,
        season_end=agreement.season_end,
        reverts=agreement.reverts,
        valid_from=on,
    )


def _move_reversions(
    unit: ServiceUnit, premise_ids: list[int], landlord_id: int, on: date, process: ProcessRow
) -> int:
    count = 0
    for period in unit.store.landlord_periods(premise_ids):
        if period.account_id == landlord_id or (period.end is not None and period.end <= on):
            continue
        if _is_house_account(unit, period):
            continue
        count += 1
        if period.start >= on:
            period.account_id = landlord_id
            continue
        unit.add_period(
            ServicePeriodRow(
                premise_id=period.premise_id,
                account_id=landlord_id,
                service=period.service,
                role=period.role,
                start=on,
                end=period.end,
                status=str(PeriodStatus.PENDING),
                process=process,
            )
        )
        period.end = on
    return count


def _is_house_account(unit: ServiceUnit, period: ServicePeriodRow) -> bool:
    """The landlord's own account at its own premise (the building's common meter)."""
    account = unit.store.account(period.account_id)
    return account is not None and account.premise_id == period.premise_id

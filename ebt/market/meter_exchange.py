"""A meter exchange (domain §7): the removed meter's final read and the new meter's first
read on the same day, so that billing spans both, and a change notice (reason: meter
change) to the CES of every account at the premise that one serves on that day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from ebt.mapping.mapper import to_segments
from ebt.mapping.records import Meter as MeterRecord
from ebt.mapping.records import Transaction814
from ebt.market.account import AccountAggregate
from ebt.market.notices import meter_change_notice, notice_reference
from ebt.market.ports import Meters
from ebt.market.premises import ServiceUnit
from ebt.market.reference import Market, Reference
from ebt.market.rows import AccountRow
from ebt.market.service_rows import InstallationRow, MeterReadRow, MeterRow
from ebt.market.vocabulary import ProcessKind
from ebt.syntax.writer import segments_json


class ExchangeError(ValueError):
    """The exchange cannot be recorded as given (said plainly)."""


@dataclass(frozen=True, slots=True)
class NewMeter:
    """The meter put in; what is not given (None) is as the removed meter's."""

    number: str
    type: str | None = None
    multiplier: Decimal | None = None
    smart: bool | None = None
    rate_structures: str | None = None


@dataclass(frozen=True, slots=True)
class Exchange:
    removed: str  # the meter taken out
    removed_read: Decimal
    new: NewMeter
    first_read: Decimal
    on: date


@dataclass(frozen=True, slots=True)
class ExchangeResult:
    premise: str
    accounts: tuple[str, ...]
    notices: tuple[Transaction814, ...]
    installed: NewMeter  # as recorded, nothing left to the removed meter's


def exchange_meter(unit: ServiceUnit, market: Market, exchange: Exchange) -> ExchangeResult:
    """Record the exchange and queue the CES notices."""
    store = unit.store
    installed = _installation(store, exchange)
    removed = store.meter(installed.meter_id or 0)
    assert removed is not None
    exchange = replace(exchange, new=_like(exchange.new, removed))
    meter = _new_meter(unit, exchange.new, removed)
    installed.removed_on = exchange.on
    premise_id = installed.premise_id
    unit.writes.installations.append(
        InstallationRow(
            premise_id=premise_id, installed_on=exchange.on, meter_id=meter.id, meter=meter
        )
    )
    accounts = [
        account
        for account in sorted(store.accounts_at(premise_id), key=lambda a: a.number)
        # an account final (moved out) by the day of the exchange has no part in it
        if account.status == "active" or (account.closed_on and account.closed_on > exchange.on)
    ]
    holder = _holder(unit, premise_id, exchange.on, accounts)
    for meter_id, new, kind, value in (
        (installed.meter_id, None, "exchange", exchange.removed_read),
        (meter.id, meter, "first", exchange.first_read),
    ):
        unit.writes.reads.append(
            MeterReadRow(
                account_id=holder,
                read_on=exchange.on,
                kind=kind,
                value=value,
                meter_id=meter_id,
                meter=new,
            )
        )
    notices = _notify(unit, market, exchange, accounts, store.reference())
    row = store.premise(premise_id)
    return ExchangeResult(
        row.number if row else str(premise_id),
        tuple(a.number for a in accounts),
        notices,
        exchange.new,
    )


def _holder(unit: ServiceUnit, premise_id: int, on: date, accounts: list[AccountRow]) -> int | None:
    """The account the reads belong to: the one taking the service at the premise that
    day, else the first of `accounts`."""
    period = unit.premise(premise_id).covering(on)
    ids = [a.id for a in accounts]
    if period is not None and period.account_id in ids:
        return period.account_id
    return ids[0] if ids else None


def _installation(store: Meters, exchange: Exchange) -> InstallationRow:
    if exchange.new.number == exchange.removed:
        raise ExchangeError(
            f"meter {exchange.removed} is both the meter removed and the one installed: "
            "give the number of the meter put in"
        )
    removed = store.meter_numbered(exchange.removed)
    if removed is None or removed.id is None:
        raise ExchangeError(f"no meter {exchange.removed!r}; ebt find --meter shows meters")
    installed = store.installation_on(removed.id, exchange.on)
    if installed is None:
        raise ExchangeError(
            f"meter {exchange.removed} is not installed anywhere on {exchange.on} "
            "(or was installed that very day)"
        )
    if installed.removed_on is not None or store.installed_after(removed.id, exchange.on):
        raise ExchangeError(f"meter {exchange.removed} already has a removal after {exchange.on}")
    return installed


def _like(new: NewMeter, removed: MeterRow) -> NewMeter:
    """`new` with what was not given taken from the removed meter (a like-for-like exchange)."""
    return NewMeter(
        number=new.number,
        type=new.type if new.type is not None else removed.type,
        multiplier=new.multiplier if new.multiplier is not None else removed.multiplier_active,
        smart=new.smart if new.smart is not None else removed.smart,
        rate_structures=(
            new.rate_structures if new.rate_structures is not None else removed.rate_structures
        ),
    )


def _new_meter(unit: ServiceUnit, new: NewMeter, removed: MeterRow) -> MeterRow:
    """The meter put in (`new` complete by `_like`); the reactive and demand multipliers go
    with the removed meter's when the multiplier is the same (like for like)."""
    assert new.type is not None and new.multiplier is not None
    like = new.multiplier == removed.multiplier_active and new.type == removed.type
    meter = unit.store.meter_numbered(new.number)
    if meter is not None:
        if unit.store.in_service(meter.id or 0):
            raise ExchangeError(f"meter {new.number} is installed elsewhere; remove it first")
        meter.multiplier_active = new.multiplier
        return meter
    meter = MeterRow(
        number=new.number,
        type=new.type,
        smart=bool(new.smart),
        multiplier_active=new.multiplier,
        multiplier_reactive=removed.multiplier_reactive if like else None,
        multiplier_demand=removed.multiplier_demand if like else None,
        rate_structures=new.rate_structures or "FLAT",
    )
    unit.writes.meters.append(meter)
    return meter


def _notify(
    unit: ServiceUnit,
    market: Market,
    exchange: Exchange,
    accounts: list[AccountRow],
    reference: Reference,
) -> tuple[Transaction814, ...]:
    mapping = market.mapping("814")
    new = exchange.new
    assert new.type is not None and new.multiplier is not None
    record = MeterRecord(new.number, new.type, new.multiplier)
    sent: list[Transaction814] = []
    for account in accounts:
        aggregate = AccountAggregate(account)
        aggregate.periods.extend(unit.store.supplier_periods(account.id))
        serving = aggregate.supplier_on(exchange.on)
        bgn = notice_reference("X", account.number, new.number, exchange.on)
        process = unit.new_process(
            kind=ProcessKind.METER_EXCHANGE,
            account_id=account.id,
            reference=bgn,
            effective_on=exchange.on,
        )
        process.ces_id = serving
        process.detail = json.dumps(
            {"removed": exchange.removed, "installed": new.number, "on": exchange.on.isoformat()}
        )
        ces = reference.by_id.get(serving) if serving is not None else None
        if ces is None:
            continue
        notice = meter_change_notice(
            reference=bgn,
            today=unit.today,
            account=account.number,
            td=reference.td,
            ces=ces,
            effective=exchange.on,
            meter=record,
        )
        unit.writes.outbox.append(
            {
                "recipient": ces.duns,
                "set_id": "814",
                "kind": str(notice.kind),
                "body": segments_json(to_segments(notice, mapping)),
                "process": process,
                "transaction": None,
                "account_number": account.number,
                "created_at": unit.now,
            }
        )
        sent.append(notice)
    return tuple(sent)

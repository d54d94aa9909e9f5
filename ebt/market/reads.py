"""Meter reads taken for moves, stops, starts and exchanges, and the meters they are taken on.

A read is given per meter number (`{"CB4403918": Decimal("1234")}`); a premise with one meter
may be read with a bare value. A meter the caller gave no value for is not guessed at: it
becomes a work item for a person to get the read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol

from ebt.market.premises import ServiceUnit
from ebt.market.rows import ProcessRow
from ebt.market.service_rows import MeterReadRow

Reading = dict[str, Decimal] | Decimal | None
"""Values by meter number, one value for a premise's only meter, or none given."""


class ReadError(ValueError):
    """A reading names a meter that is not at the premise, or is ambiguous."""


class Numbered(Protocol):
    @property
    def number(self) -> str: ...


def values_by_meter(meters: Sequence[Numbered], reading: Reading) -> dict[str, Decimal]:
    """`reading` checked against the premise's meters."""
    if reading is None:
        return {}
    numbers = [m.number for m in meters]
    if isinstance(reading, Decimal):
        if len(numbers) != 1:
            raise ReadError(
                f"the premise has {len(numbers)} meters ({', '.join(numbers) or 'none'}): "
                "give each read as METER=VALUE"
            )
        return {numbers[0]: reading}
    unknown = sorted(set(reading) - set(numbers))
    if unknown:
        raise ReadError(
            f"meter {', '.join(unknown)} is not installed at the premise on that day; "
            f"its meters: {', '.join(numbers) or 'none'}"
        )
    return dict(reading)


def take_reads(
    unit: ServiceUnit,
    *,
    premise_id: int,
    account_id: int | None,
    on: date,
    kind: str,
    reading: Reading,
    process: ProcessRow | None,
) -> list[MeterReadRow]:
    """One read of `kind` per meter at the premise on `on`; a work item (belonging to
    `process`) for each meter the reading has no value for."""
    meters = unit.store.meters_at(premise_id, on)
    values = values_by_meter(meters, reading)
    rows: list[MeterReadRow] = []
    for meter in meters:
        if meter.number not in values:
            unit.work_item(
                "read_missing",
                account_id=account_id,
                process=process,
                text=f"get the {kind} read of meter {meter.number} on {on}",
            )
            continue
        row = MeterReadRow(
            account_id=account_id,
            read_on=on,
            kind=kind,
            value=values[meter.number],
            meter_id=meter.id,
        )
        unit.writes.reads.append(row)
        rows.append(row)
    return rows


def parse_reading(values: tuple[str, ...]) -> Reading:
    """`("1234",)` or `("CB4403918=1234", ...)` from the command line."""
    if not values:
        return None
    if len(values) == 1 and "=" not in values[0]:
        return _decimal(values[0])
    found: dict[str, Decimal] = {}
    for value in values:
        meter, sep, amount = value.partition("=")
        if not sep or not meter:
            raise ReadError(f"{value!r}: give a read as VALUE or METER=VALUE")
        found[meter.strip()] = _decimal(amount)
    return found


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        raise ReadError(f"{text!r} is not a meter read (a number)") from None
    if not value.is_finite() or value < 0:
        raise ReadError(f"{text!r} is not a meter read (a number, 0 or more)")
    return value

"""meters: the meters, by the manufacturer's meter number, with their type, multipliers and
the supply rate structures they can bill."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from ebt.store.reference.columns import FLAG, TABLES, Amount, Code, ListOf, ReferenceRow, number_of
from ebt.store.reference.kind import Kind
from ebt.store.reference.writing import Load

RATE_STRUCTURES = ("FLAT", "TOU", "DEMAND")
COLUMNS = (
    "type",
    "smart",
    "multiplier_active",
    "multiplier_reactive",
    "multiplier_demand",
    "rate_structures",
)


class MeterRow(ReferenceRow):
    meter_number: Annotated[str, number_of("meters")]
    type: Annotated[str, Code(r"[A-Z][A-Z0-9_]*", "a meter type such as KWH", 20)]
    smart: Annotated[bool, FLAG] = False
    multiplier_active: Annotated[Decimal, Amount.of("meters", "multiplier_active")] = Decimal(1)
    multiplier_reactive: Annotated[Decimal | None, Amount.of("meters", "multiplier_reactive")] = (
        None
    )
    multiplier_demand: Annotated[Decimal | None, Amount.of("meters", "multiplier_demand")] = None
    rate_structures: Annotated[str, ListOf(*RATE_STRUCTURES, limit=60)] = "FLAT"


class Meters(Kind[MeterRow]):
    name = "meters"
    table = TABLES["meters"]
    row_type = MeterRow
    key_columns = ("meter_number",)

    def apply(self, load: Load, rows: list[MeterRow]) -> None:
        existing = load.existing(self.table, "number", (r.meter_number for r in rows))
        records = [
            (
                {"number": row.meter_number} | {name: getattr(row, name) for name in COLUMNS},
                existing.get(row.meter_number),
            )
            for row in rows
        ]
        load.upsert(self.table, records)

"""partners: the trading partners, by DUNS: the T&D utility the store serves (one) and the
CESs that supply its customers."""

from __future__ import annotations

from typing import Annotated

from sqlalchemy import select

from ebt.store.reference.columns import DUNS, FLAG, TABLES, ListOf, OneOf, ReferenceRow, Text
from ebt.store.reference.kind import Kind
from ebt.store.reference.writing import Load
from ebt.store.schema import PartnerRole

BILLING_OPTIONS = ("LDC", "DUAL")


class PartnerRow(ReferenceRow):
    duns: Annotated[str, DUNS]
    name: Annotated[str, Text.of("trading_partners", "name")]
    role: Annotated[str, OneOf(*(role.value for role in PartnerRole))]
    licensed: Annotated[bool, FLAG] = True
    billing_options: Annotated[str, ListOf(*BILLING_OPTIONS, limit=20)] = "LDC,DUAL"
    production: Annotated[bool, FLAG] = True


class Partners(Kind[PartnerRow]):
    name = "partners"
    table = TABLES["trading_partners"]
    row_type = PartnerRow
    key_columns = ("duns",)

    def start(self, load: Load) -> None:
        statement = select(self.table.c.duns).where(self.table.c.role == PartnerRole.TD.value)
        self.td: tuple[str, str] | None = None
        if (duns := load.session.scalars(statement).first()) is not None:
            self.td = (duns, "the store")

    def apply(self, load: Load, rows: list[PartnerRow]) -> None:
        existing = load.existing(self.table, "duns", (row.duns for row in rows))
        records = [
            (row.model_dump(exclude={"line"}), existing.get(row.duns))
            for row in rows
            if row.role != PartnerRole.TD or self.the_one_td(load, row)
        ]
        load.upsert(self.table, records)

    def the_one_td(self, load: Load, row: PartnerRow) -> bool:
        """A store serves one T&D utility: the first one named (in the store, or in this
        file), and no other."""
        if self.td is not None and self.td[0] != row.duns:
            load.error(
                row.line,
                "role",
                f"the T&D is DUNS {self.td[0]} ({self.td[1]}); a store serves one T&D utility",
                "make this partner a CES, or give the T&D's own DUNS",
            )
            return False
        self.td = self.td or (row.duns, f"line {row.line}")
        return True

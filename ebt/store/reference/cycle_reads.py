"""cycle_reads: the scheduled cycle meter read dates of each bill cycle. A load adds the dates
the store does not have; it never removes one."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from sqlalchemy import select

from ebt.store.reference.columns import CYCLE, DATE, TABLES, ReferenceRow
from ebt.store.reference.kind import Kind
from ebt.store.reference.writing import Load


class CycleReadRow(ReferenceRow):
    bill_cycle: Annotated[str, CYCLE]
    read_date: Annotated[date, DATE]


class CycleReads(Kind[CycleReadRow]):
    name = "cycle_reads"
    table = TABLES["cycle_reads"]
    row_type = CycleReadRow
    key_columns = ("bill_cycle", "read_date")

    def apply(self, load: Load, rows: list[CycleReadRow]) -> None:
        t = self.table
        statement = select(t.c.bill_cycle, t.c.read_date).where(load.among(t.c.bill_cycle))
        known = set(load.pairs(statement, {row.bill_cycle for row in rows}))
        new = [
            {"bill_cycle": row.bill_cycle, "read_date": row.read_date}
            for row in rows
            if (row.bill_cycle, row.read_date) not in known
        ]
        load.result.added += len(new)
        load.result.unchanged += len(rows) - len(new)
        load.insert(t, new)

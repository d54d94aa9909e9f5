"""premises: the service points, by premise number, with their address. A multi-unit building
groups its units under a parent premise; buildings are one level deep, and a unit may come
before its building in the file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from sqlalchemy import bindparam, select, update

from ebt.store.reference.columns import TABLES, Code, ReferenceRow, Text, number_of
from ebt.store.reference.kind import Kind
from ebt.store.reference.results import Problem
from ebt.store.reference.writing import Load, Record, SeenKeys, chunks

ADDRESS = ("street", "street2", "city", "state", "postal_code")


class PremiseRow(ReferenceRow):
    premise_number: Annotated[str, number_of("premises")]
    street: Annotated[str, Text.of("premises", "street")]
    street2: Annotated[str | None, Text.of("premises", "street2")] = None
    city: Annotated[str, Text.of("premises", "city")]
    state: Annotated[str, Code(r"[A-Z]{2}", "a two-letter state code such as ME", 2)]
    postal_code: Annotated[str, Code(r"\d{5}(-\d{4})?", "a ZIP code (5 digits or ZIP+4)", 10)]
    parent_premise_number: Annotated[str | None, number_of("premises")] = None


def not_its_own_parent(row: PremiseRow) -> Iterator[Problem]:
    """A premise cannot be its own parent."""
    if row.parent_premise_number == row.premise_number:
        yield Problem(
            "parent_premise_number",
            "a premise cannot be its own parent",
            "give the building's premise number, or leave it empty",
        )


class Premises(Kind[PremiseRow]):
    name = "premises"
    table = TABLES["premises"]
    row_type = PremiseRow
    key_columns = ("premise_number",)

    def start(self, load: Load) -> None:
        self.waiting: list[PremiseRow] = []  # units whose building was not written yet

    def check(self, row: PremiseRow) -> Iterator[Problem]:
        return not_its_own_parent(row)

    def apply(self, load: Load, rows: list[PremiseRow]) -> None:
        numbers = {r.premise_number for r in rows} | {r.parent_premise_number for r in rows}
        existing = load.existing(self.table, "number", numbers - {None})
        records: list[Record] = []
        for row in rows:
            parent = existing.get(row.parent_premise_number)
            if row.parent_premise_number and parent is None:
                self.waiting.append(row)
            record = {"number": row.premise_number, "parent_id": parent.id if parent else None}
            record |= {name: getattr(row, name) for name in ADDRESS}
            records.append((record, existing.get(row.premise_number)))
        load.upsert(self.table, records)
        self.link_waiting_units(load)

    def link_waiting_units(self, load: Load) -> None:
        """Link the units waiting for their building to those written since."""
        parents = load.ids(self.table, (r.parent_premise_number for r in self.waiting))
        linked = [r for r in self.waiting if r.parent_premise_number in parents]
        self.waiting = [r for r in self.waiting if r.parent_premise_number not in parents]
        statement = (
            update(self.table)
            .where(self.table.c.number == bindparam("_number"))
            .values(parent_id=bindparam("_parent"))
        )
        for chunk in chunks(linked):
            params = [
                {"_number": r.premise_number, "_parent": parents[r.parent_premise_number]}
                for r in chunk
            ]
            load.session.execute(statement, params)

    def finish(self, load: Load, seen: SeenKeys) -> None:
        self.link_waiting_units(load)
        for row in self.waiting:
            load.absent(row, "parent_premise_number", "parent premise", "premises.csv")
        self.buildings_are_one_level_deep(load, seen)

    def buildings_are_one_level_deep(self, load: Load, seen: SeenKeys) -> None:
        """A parent premise (a building) has no parent itself."""
        child, parent = self.table.alias("child"), self.table.alias("parent")
        statement = (
            select(child.c.number, parent.c.number)
            .join(parent, child.c.parent_id == parent.c.id)
            .where(parent.c.parent_id.is_not(None))
        )
        nested = load.pairs(statement)
        lines = seen.lines([c for c, _ in nested] + [p for _, p in nested])
        for child_number, parent_number in nested:
            load.error(
                lines.get(child_number) or lines.get(parent_number),
                "parent_premise_number",
                f"premise '{child_number}' has parent '{parent_number}', which has a parent "
                "itself; parent premises (buildings) are one level deep",
                "point units at the building's premise and leave the building's parent empty",
            )

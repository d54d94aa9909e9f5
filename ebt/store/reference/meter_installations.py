"""meter_installations: which meter was at which premise when, by meter and installation day.
A meter is in one place at a time; it may be removed from one premise on the day it is
installed at the next (a meter exchange)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

from sqlalchemy import select

from ebt.store.reference.columns import DATE, TABLES, ReferenceRow, number_of
from ebt.store.reference.kind import ALREADY_LOADED, Held, Kind
from ebt.store.reference.results import Problem
from ebt.store.reference.writing import Load, Record, Stored

Span = tuple[date, date | None]  # [installed_on, removed_on); None: still installed


class InstallationRow(ReferenceRow):
    meter_number: Annotated[str, number_of("meters")]
    premise_number: Annotated[str, number_of("premises")]
    installed_on: Annotated[date, DATE]
    removed_on: Annotated[date | None, DATE] = None

    @property
    def span(self) -> Span:
        return (self.installed_on, self.removed_on)


def removed_after_installed(row: InstallationRow) -> Iterator[Problem]:
    """A meter is removed after the day it was installed, if at all."""
    if row.removed_on is not None and row.removed_on <= row.installed_on:
        yield Problem(
            "removed_on",
            f"{row.removed_on} is not after installed_on {row.installed_on}",
            "give a removal date after the installation date, or leave it empty",
        )


def overlap(a: Span, b: Span) -> bool:
    """Whether two spans share a day."""
    return (b[1] is None or a[0] < b[1]) and (a[1] is None or b[0] < a[1])


class MeterInstallations(Kind[InstallationRow]):
    name = "meter_installations"
    table = TABLES["meter_installations"]
    row_type = InstallationRow
    key_columns = ("meter_number", "installed_on")

    def check(self, row: InstallationRow) -> Iterator[Problem]:
        return removed_after_installed(row)

    def apply(self, load: Load, rows: list[InstallationRow]) -> None:
        meters = load.ids(TABLES["meters"], (r.meter_number for r in rows))
        premises = load.ids(TABLES["premises"], (r.premise_number for r in rows))
        held = self.installations(load, set(meters.values()))
        records: list[Record] = []
        for row in rows:
            meter_id, premise_id = meters.get(row.meter_number), premises.get(row.premise_number)
            if meter_id is None:
                load.absent(row, "meter_number", "meter", "meters.csv")
            if premise_id is None:
                load.absent(row, "premise_number", "premise", "premises.csv")
            if meter_id is None or premise_id is None:
                continue
            free, old = self.one_place_at_a_time(load, row, held.setdefault(meter_id, []))
            if free:
                record: dict[str, Any] = {"meter_id": meter_id, "premise_id": premise_id}
                record |= {"installed_on": row.installed_on, "removed_on": row.removed_on}
                records.append((record, old))
        load.upsert(self.table, records)

    def installations(self, load: Load, meter_ids: set[int]) -> dict[int, list[Held]]:
        """The stored installations of these meters, by meter."""
        held: dict[int, list[Held]] = {}
        statement = select(self.table).where(load.among(self.table.c.meter_id))
        for stored in load.rows(statement, meter_ids):
            span = (stored.installed_on, stored.removed_on)
            held.setdefault(stored.meter_id, []).append(
                Held(stored.installed_on, span, ALREADY_LOADED, stored)
            )
        return held

    def one_place_at_a_time(
        self, load: Load, row: InstallationRow, mine: list[Held]
    ) -> tuple[bool, Stored | None]:
        """Take the meter for the row's dates: (True, the stored installation it replaces), or
        (False, None) after reporting that the meter is elsewhere then."""
        same = next((h for h in mine if h.key == row.installed_on), None)
        clash = next((h for h in mine if h is not same and overlap(row.span, h.span)), None)
        if clash is not None:
            start, end = clash.span
            load.error(
                row.line,
                "installed_on",
                f"meter '{row.meter_number}' is installed from {start} to {end or 'now'} "
                f"({clash.where}) over these dates",
                "a meter is in one place at a time: fix the dates, or give the other "
                "installation its removed_on",
            )
            return False, None
        if same is not None:
            mine.remove(same)
        mine.append(
            Held(row.installed_on, row.span, f"line {row.line}", same.old if same else None)
        )
        return True, same.old if same else None

"""landlord_agreements: premises whose service reverts to the landlord's account when a
tenant leaves, by premise, service and season. A season (MM-DD to MM-DD, which may wrap the
year end) limits an agreement to part of the year; without one it covers all year. Two
agreements of one premise and service may not share a day."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Annotated

from sqlalchemy import select

from ebt.store.reference.columns import (
    ACCOUNT_NUMBER,
    FLAG,
    TABLES,
    Code,
    MonthDay,
    ReferenceRow,
    number_of,
)
from ebt.store.reference.kind import ALREADY_LOADED, Held, Kind
from ebt.store.reference.results import Problem
from ebt.store.reference.writing import Load, Record, Stored, chunks

COLUMNS = ("service", "season_start", "season_end", "reverts")
ACCOUNTS = TABLES["accounts"]
# Every day of a year, MM-DD (a leap year: 02-29 is one).
YEAR = frozenset(f"{d:%m-%d}" for d in (date(2000, 1, 1) + timedelta(n) for n in range(366)))


class LandlordAgreementRow(ReferenceRow):
    premise_number: Annotated[str, number_of("premises")]
    landlord_account_number: Annotated[str, ACCOUNT_NUMBER]
    service: Annotated[str, Code(r"[A-Z0-9]{1,4}", "a service code such as EL", 4)] = "EL"
    season_start: Annotated[str | None, MonthDay()] = None
    season_end: Annotated[str | None, MonthDay()] = None
    reverts: Annotated[bool, FLAG] = True


def season_has_both_ends(row: LandlordAgreementRow) -> Iterator[Problem]:
    """A season has a start and an end, or neither (all year)."""
    if (row.season_start is None) != (row.season_end is None):
        yield Problem(
            "season_end" if row.season_end is None else "season_start",
            "a season needs both its start and its end",
            "give both season_start and season_end (MM-DD), or neither for all year",
        )


def season_days(start: str | None, end: str | None) -> frozenset[str]:
    """The days (MM-DD) a season covers, wrapping the year end; every day when it has none."""
    if start is None or end is None:
        return YEAR
    if start <= end:
        return frozenset(d for d in YEAR if start <= d <= end)
    return frozenset(d for d in YEAR if d >= start or d <= end)


class LandlordAgreements(Kind[LandlordAgreementRow]):
    name = "landlord_agreements"
    table = TABLES["landlord_agreements"]
    row_type = LandlordAgreementRow
    key_columns = ("premise_number", "service", "season_start")

    def check(self, row: LandlordAgreementRow) -> Iterator[Problem]:
        return season_has_both_ends(row)

    def apply(self, load: Load, rows: list[LandlordAgreementRow]) -> None:
        premises = load.ids(TABLES["premises"], (r.premise_number for r in rows))
        accounts = self.accounts(load, (r.landlord_account_number for r in rows))
        held = self.agreements(load, set(premises.values()))
        records: list[Record] = []
        for row in rows:
            premise_id = premises.get(row.premise_number)
            account_id = self.open_landlord_account(load, row, accounts)
            if premise_id is None:
                load.absent(row, "premise_number", "premise", "premises.csv")
            if premise_id is None or account_id is None:
                continue
            mine = held.setdefault((premise_id, row.service), [])
            free, old = self.seasons_do_not_overlap(load, row, mine)
            if free:
                record = {"premise_id": premise_id, "landlord_account_id": account_id}
                records.append((record | {name: getattr(row, name) for name in COLUMNS}, old))
        load.upsert(self.table, records)

    def agreements(self, load: Load, premise_ids: set[int]) -> dict[tuple[int, str], list[Held]]:
        """The stored agreements of these premises, by premise and service."""
        held: dict[tuple[int, str], list[Held]] = {}
        statement = select(self.table).where(load.among(self.table.c.premise_id))
        for stored in load.rows(statement, premise_ids):
            days = season_days(stored.season_start, stored.season_end)
            held.setdefault((stored.premise_id, stored.service), []).append(
                Held(stored.season_start, days, ALREADY_LOADED, stored)
            )
        return held

    def accounts(self, load: Load, numbers: Iterable[str]) -> dict[str, Stored]:
        """Accounts by number, with their id and status."""
        found: dict[str, Stored] = {}
        statement = select(ACCOUNTS.c.number, ACCOUNTS.c.id, ACCOUNTS.c.status)
        statement = statement.where(load.among(ACCOUNTS.c.number))
        for chunk in chunks(set(numbers)):
            found.update((account.number, account) for account in load.rows(statement, chunk))
        return found

    def open_landlord_account(
        self, load: Load, row: LandlordAgreementRow, accounts: dict[str, Stored]
    ) -> int | None:
        """The landlord's account id: an account in the store that is not closed; or None
        after reporting why it cannot be used."""
        account = accounts.get(row.landlord_account_number)
        if account is None:
            load.absent(row, "landlord_account_number", "account", "accounts.csv")
            return None
        if account.status == "closed":
            load.error(
                row.line,
                "landlord_account_number",
                f"account '{account.number}' is closed",
                "give the landlord's open account",
            )
            return None
        return int(account.id)

    def seasons_do_not_overlap(
        self, load: Load, row: LandlordAgreementRow, mine: list[Held]
    ) -> tuple[bool, Stored | None]:
        """Take the row's season: (True, the stored agreement it replaces), or (False, None)
        after reporting another agreement of the premise and service that shares a day."""
        days = season_days(row.season_start, row.season_end)
        same = next((h for h in mine if h.key == row.season_start), None)
        clash = next((h for h in mine if h is not same and days & h.span), None)
        if clash is not None:
            season = f"from {clash.key}" if clash.key else "for all year"
            load.error(
                row.line,
                "season_start",
                f"the premise already has a {row.service} agreement {season} "
                f"({clash.where}) that shares days with this one",
                "make the seasons of one premise and service not overlap",
            )
            return False, None
        if same is not None:
            mine.remove(same)
        mine.append(Held(row.season_start, days, f"line {row.line}", same.old if same else None))
        return True, same.old if same else None

"""accounts: the T&D's customer accounts, by account number, with their supplier of record.

The supplier of record is kept as supplier periods [start, end). A new account gets a
Standard Offer period from opened_on until its CES's supplier_start (when it has a CES that
started later) and the current period from then; the last period ends on closed_on. Loading
an account again with the same supplier and start updates that period; another supplier with
a later start ends the current period that day and opens the new one (the supplier of record
moves forward; its history is not rewritten). Pending and cancelled periods are the engine's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from sqlalchemy import select

from ebt.store.reference.columns import (
    ACCOUNT_NUMBER,
    CYCLE,
    DATE,
    DUNS,
    TABLES,
    ListOf,
    OneOf,
    ReferenceRow,
    Text,
    column_length,
    number_of,
)
from ebt.store.reference.kind import Kind
from ebt.store.reference.partners import BILLING_OPTIONS
from ebt.store.reference.results import Problem
from ebt.store.reference.writing import Load, Record, Stored, chunks
from ebt.store.schema import PartnerRole, PeriodStatus

ACCOUNT_STATUSES = ("active", "final", "closed")
SUPPLIER_COLUMNS = ("billing_option", "bill_calculator", "ces_account", "ces_rate_code")
COLUMNS = ("customer_name", "bill_cycle", "status", "services", "rate_class", "opened_on")
PERIODS = TABLES["supplier_periods"]


class AccountRow(ReferenceRow):
    account_number: Annotated[str, ACCOUNT_NUMBER]
    customer_name: Annotated[str, Text.of("accounts", "customer_name")]
    premise_number: Annotated[str, number_of("premises")]
    bill_cycle: Annotated[str, CYCLE]
    status: Annotated[str, OneOf(*ACCOUNT_STATUSES)] = "active"
    opened_on: Annotated[date, DATE]
    closed_on: Annotated[date | None, DATE] = None
    rate_class: Annotated[str | None, Text.of("accounts", "rate_class")] = None
    services: Annotated[str, ListOf(limit=column_length("accounts", "services"))] = "EL"
    ces_duns: Annotated[str | None, DUNS] = None
    billing_option: Annotated[str | None, OneOf(*BILLING_OPTIONS)] = None
    bill_calculator: Annotated[str | None, OneOf(*BILLING_OPTIONS)] = None
    ces_account: Annotated[str | None, Text.of("supplier_periods", "ces_account")] = None
    ces_rate_code: Annotated[str | None, Text.of("supplier_periods", "ces_rate_code")] = None
    supplier_start: Annotated[date | None, DATE] = None


# -- the rules of one row ---------------------------------------------------------------------


def closed_on_matches_status(row: AccountRow) -> Iterator[Problem]:
    """An active account has no closed_on; a final or closed one has the day service ended,
    not before it opened."""
    if row.status == "active" and row.closed_on is not None:
        yield Problem("closed_on", "is given for an active account", "leave it empty or fix status")
    if row.status != "active" and row.closed_on is None:
        yield Problem(
            "closed_on",
            f"is empty for a {row.status} account",
            "give the day service ended (the final read date)",
        )
    if row.closed_on is not None and row.closed_on < row.opened_on:
        yield Problem(
            "closed_on", f"{row.closed_on} is before opened_on {row.opened_on}", "fix the dates"
        )


def supplier_starts_while_open(row: AccountRow) -> Iterator[Problem]:
    """The supplier of record starts on or after opened_on and before closed_on."""
    start = row.supplier_start
    if start is not None and start < row.opened_on:
        yield Problem(
            "supplier_start", f"{start} is before opened_on {row.opened_on}", "fix the dates"
        )
    if start is not None and row.closed_on is not None and start >= row.closed_on:
        yield Problem(
            "supplier_start", f"{start} is not before closed_on {row.closed_on}", "fix the dates"
        )


def supplier_columns_need_a_ces(row: AccountRow) -> Iterator[Problem]:
    """The billing option, bill calculator, CES account and rate code belong to a CES; an
    account with a CES names its billing option and the day the CES started."""
    if row.ces_duns is None:
        for name in SUPPLIER_COLUMNS:
            if getattr(row, name) is not None:
                yield Problem(
                    name,
                    "is given but the account has no CES (ces_duns is empty)",
                    "give the CES's DUNS in ces_duns, or leave this column empty",
                )
        return
    for name in ("billing_option", "supplier_start"):
        if getattr(row, name) is None:
            yield Problem(name, "is empty but the account has a CES", f"give the {name}")


# -- the supplier of record -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Partner:
    """A trading partner as the accounts file needs it."""

    id: int
    role: str
    billing_options: tuple[str, ...]
    name: str


def wanted_period(row: AccountRow, ces: Partner | None) -> dict[str, Any]:
    """The supplier period the row asks for (without its account id): the CES's (or Standard
    Offer's) from supplier_start, else from opened_on, until closed_on."""
    closed = row.status == "closed"
    return {
        "supplier_id": ces.id if ces else None,
        "start": row.supplier_start or row.opened_on,
        "end": row.closed_on,
        "status": (PeriodStatus.ENDED if closed else PeriodStatus.ACTIVE).value,
        "process_id": None,
        "billing_option": row.billing_option,
        "bill_calculator": row.bill_calculator or row.billing_option,
        "ces_rate_code": row.ces_rate_code,
        "ces_account": row.ces_account,
    }


def first_periods(row: AccountRow, wanted: dict[str, Any]) -> list[dict[str, Any]]:
    """A new account's periods: Standard Offer from opened_on until its supplier started,
    then the wanted one."""
    if wanted["start"] == row.opened_on:
        return [wanted]
    standard_offer = dict.fromkeys(wanted) | {
        "account_id": wanted["account_id"],
        "start": row.opened_on,
        "end": wanted["start"],
        "status": PeriodStatus.ENDED.value,
    }
    return [standard_offer, wanted]


class Accounts(Kind[AccountRow]):
    name = "accounts"
    table = TABLES["accounts"]
    row_type = AccountRow
    key_columns = ("account_number",)

    def start(self, load: Load) -> None:
        self.partners = {
            p.duns: Partner(p.id, p.role, tuple(p.billing_options.split(",")), p.name)
            for p in load.rows(select(TABLES["trading_partners"]))
        }
        cycles = select(TABLES["cycle_reads"].c.bill_cycle).distinct()
        self.cycles = set(load.session.scalars(cycles))

    def check(self, row: AccountRow) -> Iterator[Problem]:
        yield from closed_on_matches_status(row)
        yield from supplier_starts_while_open(row)
        yield from supplier_columns_need_a_ces(row)

    def apply(self, load: Load, rows: list[AccountRow]) -> None:
        premises = load.ids(TABLES["premises"], (r.premise_number for r in rows))
        existing = load.existing(self.table, "number", (r.account_number for r in rows))
        current = self.current_periods(load, [old.id for old in existing.values()])
        records: list[Record] = []
        periods: list[dict[str, Any]] = []
        fresh: list[tuple[AccountRow, dict[str, Any]]] = []
        for row in rows:
            premise_id, (usable, ces) = premises.get(row.premise_number), self.supplier(load, row)
            if premise_id is None:
                load.absent(row, "premise_number", "premise", "premises.csv")
            if not self.cycle_has_reads(load, row) or premise_id is None or not usable:
                continue
            old, wanted = existing.get(row.account_number), wanted_period(row, ces)
            if old is None:
                fresh.append((row, wanted))
            elif not self.move_supplier_forward(
                load, row, current.get(old.id), wanted | {"account_id": old.id}, periods
            ):
                continue
            record = {"number": row.account_number, "premise_id": premise_id}
            record |= {name: getattr(row, name) for name in (*COLUMNS, "closed_on")}
            records.append((record, old))
        load.upsert(self.table, records)
        new_ids = load.ids(self.table, (row.account_number for row, _ in fresh))
        for row, wanted in fresh:
            periods += first_periods(row, wanted | {"account_id": new_ids[row.account_number]})
        load.update(PERIODS, [p for p in periods if "_id" in p])
        load.insert(PERIODS, [p for p in periods if "_id" not in p])

    def cycle_has_reads(self, load: Load, row: AccountRow) -> bool:
        """An account's bill cycle has scheduled read dates in the store."""
        if row.bill_cycle in self.cycles:
            return True
        load.error(
            row.line,
            "bill_cycle",
            f"bill cycle '{row.bill_cycle}' has no scheduled read dates",
            "load its dates in cycle_reads.csv first or correct the cycle",
        )
        return False

    def supplier(self, load: Load, row: AccountRow) -> tuple[bool, Partner | None]:
        """(True, the row's CES: a CES in the store that offers the row's billing; None for
        Standard Offer), or (False, None) after reporting why it cannot serve the account."""
        if row.ces_duns is None:
            return True, None
        partner = self.partners.get(row.ces_duns)
        if partner is None:
            load.absent(row, "ces_duns", "CES", "partners.csv")
            return False, None
        if partner.role != PartnerRole.CES:
            message = f"{partner.name} is the T&D, not a CES"
            load.error(row.line, "ces_duns", message, "give a CES's DUNS")
            return False, None
        for name in ("billing_option", "bill_calculator"):
            option = getattr(row, name)
            if option is not None and option not in partner.billing_options:
                offered = ", ".join(partner.billing_options)
                load.error(
                    row.line,
                    name,
                    f"{partner.name} offers {offered} billing, not {option}",
                    f"give one of {offered}",
                )
                return False, None
        return True, partner

    def current_periods(self, load: Load, account_ids: list[int]) -> dict[int, Stored]:
        """Each account's latest active or ended supplier period (pending and cancelled ones
        are the engine's business)."""
        latest: dict[int, Stored] = {}
        statuses = (PeriodStatus.ACTIVE.value, PeriodStatus.ENDED.value)
        for chunk in chunks(account_ids):
            statement = select(PERIODS).where(
                load.among(PERIODS.c.account_id), PERIODS.c.status.in_(statuses)
            )
            for period in load.rows(statement, chunk):
                known = latest.get(period.account_id)
                if known is None or (period.start, period.id) > (known.start, known.id):
                    latest[period.account_id] = period
        return latest

    def move_supplier_forward(
        self,
        load: Load,
        row: AccountRow,
        current: Stored | None,
        wanted: dict[str, Any],
        periods: list[dict[str, Any]],
    ) -> bool:
        """Bring an account's current supplier period in line with the row: the same supplier
        and start update it; a later start ends it and opens the new one; an earlier start
        would rewrite the supplier of record's history, an error (False)."""
        if current is None:
            periods.append(wanted)
        elif (current.supplier_id, current.start) == (wanted["supplier_id"], wanted["start"]):
            if any(current._mapping[k] != v for k, v in wanted.items()):
                periods.append(wanted | {"_id": current.id})
        elif wanted["start"] > current.start:
            ended = {k: current._mapping[k] for k in wanted} | {"end": wanted["start"]}
            periods += [ended | {"_id": current.id, "status": PeriodStatus.ENDED.value}, wanted]
        else:
            load.error(
                row.line,
                "supplier_start",
                f"the account's supplier of record last changed on {current.start}; another "
                f"supplier from {wanted['start']} would rewrite that history",
                f"give the day the supplier in this row started serving, after {current.start}",
            )
            return False
        return True

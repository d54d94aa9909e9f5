"""`ebt load` and ebt.store.reference: the bundled utility loads (SQLite, and PostgreSQL where
EBT_TEST_POSTGRES_URL is set), loading again changes nothing, every kind of bad row is
rejected with its file, line and column and loads nothing, the JSON form, the command's exit
codes, and the generator that writes fixtures/reference/."""

from __future__ import annotations

import csv
import importlib.util
import json
import shutil
import sys
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from ebt.calendar import MaineCalendar
from ebt.cli import main
from ebt.store.database import make_engine, session_factory, upgrade
from ebt.store.reference import KINDS, LoadResult, load_paths
from ebt.store.schema import (
    Account,
    CycleRead,
    LandlordAgreement,
    Meter,
    MeterInstallation,
    Premise,
    SupplierPeriod,
    TradingPartner,
)

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "fixtures" / "reference"
TABLES = {
    "partners": TradingPartner,
    "cycle_reads": CycleRead,
    "premises": Premise,
    "meters": Meter,
    "meter_installations": MeterInstallation,
    "accounts": Account,
    "landlord_agreements": LandlordAgreement,
}
PTP, ACA, KSS = "081234567", "082345678", "083456789"


def open_store(url: str) -> sessionmaker[Session]:
    engine = make_engine(url)
    upgrade(engine)
    return session_factory(engine)


def load(sessions: sessionmaker[Session], *paths: Path) -> list[LoadResult]:
    return list(load_paths(sessions, list(paths)))


def counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        found = {kind: session.scalar(select(func.count()).select_from(model)) or 0
                 for kind, model in TABLES.items()}  # fmt: skip
        found["supplier_periods"] = session.scalar(select(func.count(SupplierPeriod.id))) or 0
    return found


def csv_rows(kind: str) -> int:
    with (REFERENCE / f"{kind}.csv").open(newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def periods(sessions: sessionmaker[Session], number: str) -> list[tuple[Any, ...]]:
    """(supplier DUNS or None, start, end, status, billing option) of an account, by start."""
    with sessions() as session:
        rows = session.execute(
            select(TradingPartner.duns, SupplierPeriod.start, SupplierPeriod.end,
                   SupplierPeriod.status, SupplierPeriod.billing_option)
            .join(Account, Account.id == SupplierPeriod.account_id)
            .outerjoin(TradingPartner, TradingPartner.id == SupplierPeriod.supplier_id)
            .where(Account.number == number)
            .order_by(SupplierPeriod.start)
        )  # fmt: skip
        return [tuple(row) for row in rows]


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    return open_store(f"sqlite:///{tmp_path / 'ebt.db'}")


@pytest.fixture
def loaded(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    results = load(sessions, REFERENCE)
    assert all(r.ok for r in results), [str(e) for r in results for e in r.errors]
    return sessions


# -- the bundled utility --------------------------------------------------------------------


def test_bundled_reference_data_loads(store_url: str) -> None:
    sessions = open_store(store_url)
    results = load(sessions, REFERENCE)
    assert [r.kind for r in results] == list(KINDS)
    assert all(r.ok for r in results), [str(e) for r in results for e in r.errors]
    found = counts(sessions)
    for kind in KINDS:
        assert found[kind] == csv_rows(kind), kind
        result = next(r for r in results if r.kind == kind)
        assert (result.rows, result.added) == (csv_rows(kind), csv_rows(kind))
    # every account has a supplier of record from the day it opened
    with sessions() as session:
        first = select(SupplierPeriod.account_id, func.min(SupplierPeriod.start)).group_by(
            SupplierPeriod.account_id
        )
        starts = dict(session.execute(first).all())
        opened = dict(session.execute(select(Account.id, Account.opened_on)).all())
    assert starts == opened
    sessions.kw["bind"].dispose()


def test_a_load_leaves_postgresql_statistics_of_what_it_wrote(postgres_schemas: Any) -> None:
    """On PostgreSQL a load ends by analyzing the tables it wrote (the next sweep's plans
    count the new rows at once, not when autovacuum comes round); loading again, which
    writes nothing, analyzes nothing. (SQLite keeps no such statistics.)"""
    schema, url = postgres_schemas.create()
    sessions = open_store(url)
    statistics = text(
        "SELECT relname, analyze_count FROM pg_stat_user_tables "
        "WHERE schemaname = current_schema() AND analyze_count > 0"
    )
    with sessions() as session:
        session.execute(text("SELECT pg_stat_clear_snapshot()"))
        assert dict(session.execute(statistics).all()) == {}
    load(sessions, REFERENCE)
    with sessions() as session:
        analyzed = dict(session.execute(statistics).all())
    wanted = {"accounts", "premises", "supplier_periods", "trading_partners", "cycle_reads"}
    assert wanted <= set(analyzed), analyzed
    assert "transactions" not in analyzed  # a load writes no transactions
    load(sessions, REFERENCE)
    with sessions() as session:
        assert dict(session.execute(statistics).all()) == analyzed
    sessions.kw["bind"].dispose()
    postgres_schemas.drop(schema)


def test_loading_again_changes_nothing(store_url: str) -> None:
    sessions = open_store(store_url)
    load(sessions, REFERENCE)
    before = counts(sessions)
    again = load(sessions, REFERENCE)
    assert all(r.ok and r.added == 0 and r.updated == 0 for r in again)
    assert [r.unchanged for r in again] == [csv_rows(kind) for kind in KINDS]
    assert counts(sessions) == before
    sessions.kw["bind"].dispose()


def test_the_x12_fixtures_accounts(loaded: sessionmaker[Session]) -> None:
    so, pending = None, "active"
    assert periods(loaded, "00412345678") == [(so, date(2019, 8, 1), None, pending, None)]
    walter = periods(loaded, "00123098765")
    assert [(p[0], p[3], p[4]) for p in walter] == [(so, "ended", None), (PTP, "active", "LDC")]
    assert walter[0][2] == walter[1][1]  # Standard Offer ends the day the CES starts
    assert periods(loaded, "00655443322")[-1][0::4] == (KSS, "DUAL")
    assert periods(loaded, "00999000111") == []  # the 824 fixture's "account not found"
    with loaded() as session:
        eleanor = session.scalar(select(Account).where(Account.number == "00200456789"))
        assert eleanor is not None and eleanor.bill_cycle == "07"
        cycle_07 = session.scalars(
            select(CycleRead.read_date).where(CycleRead.bill_cycle == "07")
        ).all()
        katahdin = session.scalar(select(TradingPartner).where(TradingPartner.duns == KSS))
        assert katahdin is not None and katahdin.billing_options == "DUAL"
        seasonal = session.scalars(
            select(LandlordAgreement).where(LandlordAgreement.season_start.is_not(None))
        ).all()
    assert {date(2026, 11, 18), date(2026, 12, 17)} <= set(cycle_07)
    assert [(a.season_start, a.season_end) for a in seasonal] == [("11-01", "04-30")]


def test_read_dates_are_business_days_monthly_for_2026_and_2027() -> None:
    maine = MaineCalendar()
    with (REFERENCE / "cycle_reads.csv").open(newline="") as handle:
        rows = [
            (r["bill_cycle"], date.fromisoformat(r["read_date"])) for r in csv.DictReader(handle)
        ]
    assert {cycle for cycle, _ in rows} == {f"{n:02d}" for n in range(1, 22)}
    assert all(maine.is_business_day(day) for _, day in rows)
    for cycle in {c for c, _ in rows}:
        months = sorted((d.year, d.month) for c, d in rows if c == cycle)
        assert months == [(y, m) for y in (2026, 2027) for m in range(1, 13)]


# -- updates by business key ----------------------------------------------------------------


def write(folder: Path, kind: str, text: str) -> Path:
    path = folder / f"{kind}.csv"
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


def test_a_changed_row_updates_by_key(loaded: sessionmaker[Session], tmp_path: Path) -> None:
    path = write(tmp_path, "premises", """
premise_number,street,street2,city,state,postal_code
P000000011,5 COMMERCIAL ST,REAR,BATH,ME,04530
""")  # fmt: skip
    [result] = load(loaded, path)
    assert (result.added, result.updated, result.unchanged) == (0, 1, 0)
    with loaded() as session:
        premise = session.scalar(select(Premise).where(Premise.number == "P000000011"))
    assert premise is not None and premise.street2 == "REAR"


def test_a_new_supplier_with_a_later_start_ends_the_current_period(
    loaded: sessionmaker[Session], tmp_path: Path
) -> None:
    row = next(r for r in _rows("accounts") if r["account_number"] == "00123098765")
    row |= {"ces_duns": ACA, "ces_account": "ACA-800001", "supplier_start": "2026-10-19"}
    [result] = load(loaded, _write_rows(tmp_path, "accounts", [row]))
    assert result.ok and result.updated == 0 and result.unchanged == 1
    walter = periods(loaded, "00123098765")
    assert [(p[0], p[2], p[3]) for p in walter[1:]] == [
        (PTP, date(2026, 10, 19), "ended"),
        (ACA, None, "active"),
    ]
    row |= {"supplier_start": "2026-01-01"}  # before the current supplier's start
    [result] = load(loaded, _write_rows(tmp_path, "accounts", [row]))
    assert not result.ok
    assert result.errors[0].column == "supplier_start"


def test_returning_to_standard_offer(loaded: sessionmaker[Session], tmp_path: Path) -> None:
    row = next(r for r in _rows("accounts") if r["account_number"] == "00734500019")
    row |= dict.fromkeys(("ces_duns", "billing_option", "ces_account", "ces_rate_code"), "")
    row["supplier_start"] = "2026-11-18"
    [result] = load(loaded, _write_rows(tmp_path, "accounts", [row]))
    assert result.ok, result.errors
    assert periods(loaded, "00734500019")[-2:] == [
        (ACA, date(2026, 2, 18), date(2026, 11, 18), "ended", "LDC"),
        (None, date(2026, 11, 18), None, "active", None),
    ]


def _rows(kind: str) -> list[dict[str, str]]:
    with (REFERENCE / f"{kind}.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def _write_rows(folder: Path, kind: str, rows: list[dict[str, str]]) -> Path:
    path = folder / f"{kind}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


# -- bad rows: each is reported with its line and column, and the file loads nothing ---------

GOOD_PREMISE = "P000000011,5 COMMERCIAL ST,,BATH,ME,04530,"
PREMISES = "premise_number,street,street2,city,state,postal_code,parent_premise_number"
ACCOUNTS = "account_number,customer_name,premise_number,bill_cycle,opened_on"
ACCOUNT = "00500000001,JANE DOE,P000000011,07,2020-01-01"
CES = "account_number,customer_name,premise_number,bill_cycle,opened_on,ces_duns,billing_option,supplier_start"  # noqa: E501
METER = "meter_number,type,smart,multiplier_active,rate_structures"
INSTALL = "meter_number,premise_number,installed_on,removed_on"
LANDLORD = "premise_number,landlord_account_number,season_start,season_end"

BAD: list[tuple[str, str, str, int, str | None, str]] = [
    # (id, kind, text, line, column, words in the message)
    ("missing-column", "premises", "premise_number,street,city,state\nP1,1 MAIN ST,BATH,ME",
     1, "postal_code", "required column is missing"),
    ("unknown-column", "premises", f"{PREMISES},colour\n{GOOD_PREMISE},red",
     1, "colour", "not a column of premises"),
    ("column-twice", "meters", "meter_number,type,type\nM1,KWH,KWH", 1, "type", "named twice"),
    ("empty-required", "premises", f"{PREMISES}\n{GOOD_PREMISE}\nP2,,,BATH,ME,04530,",
     3, "street", "is empty"),
    ("bad-zip", "premises", f"{PREMISES}\nP2,1 MAIN ST,,BATH,ME,4530,", 2, "postal_code", "ZIP"),
    ("bad-state", "premises", f"{PREMISES}\nP2,1 MAIN ST,,BATH,Maine,04530,", 2, "state",
     "two-letter"),
    ("too-long", "premises", f"{PREMISES}\nP2,{'9' * 56} MAIN ST,,BATH,ME,04530,", 2, "street",
     "shorten it to 55"),
    ("fields-count", "premises", f"{PREMISES}\nP2,1 MAIN ST,APT 1,2,BATH,ME,04530,", 2, None,
     "fields"),
    ("duplicate", "premises", f"{PREMISES}\nP9,1 MAIN ST,,BATH,ME,04530,\nP9,2 MAIN ST,,BATH,ME,04530,",  # noqa: E501
     3, "premise_number", "is already on line"),
    ("own-parent", "premises", f"{PREMISES}\nP9,1 MAIN ST,,BATH,ME,04530,P9", 2,
     "parent_premise_number", "own parent"),
    ("missing-parent", "premises", f"{PREMISES}\nP9,1 MAIN ST,,BATH,ME,04530,P404", 2,
     "parent_premise_number", "'P404' is not in the store"),
    ("nested-parent", "premises", f"{PREMISES}\nP9,1 MAIN ST,,BATH,ME,04530,P000000002", 2,
     "parent_premise_number", "one level deep"),
    ("bad-role", "partners", "duns,name,role\n123456789,X,ESCO", 2, "role", "T&D, CES"),
    ("bad-duns", "partners", "duns,name,role\n12345,X,CES", 2, "duns", "9 digits"),
    ("second-td", "partners", "duns,name,role\n007909411,CENTRAL MAINE POWER,T&D", 2, "role",
     "one T&D"),
    ("bad-billing-options", "partners", "duns,name,role,billing_options\n123456789,X,CES,LDC;DUAL",
     2, "billing_options", "not allowed"),
    ("bad-flag", "meters", f"{METER}\nM1,KWH,maybe,1,FLAT", 2, "smart", "true or false"),
    ("bad-multiplier", "meters", f"{METER}\nM1,KWH,true,-2,FLAT", 2, "multiplier_active",
     "above 0"),
    ("too-many-decimals", "meters", f"{METER}\nM1,KWH,true,1.00001,FLAT", 2, "multiplier_active",
     "4 decimals"),
    ("huge-multiplier", "meters", f"{METER}\nM1,KWH,true,1e30,FLAT", 2, "multiplier_active",
     "does not fit"),
    ("negative-with-decimals", "meters", f"{METER}\nM1,KWH,true,-0.00001,FLAT", 2,
     "multiplier_active", "above 0"),
    ("bad-structure", "meters", f"{METER}\nM1,KWH,true,1,\"FLAT,NIGHT\"", 2, "rate_structures",
     "FLAT, TOU, DEMAND"),
    ("bad-date", "cycle_reads", "bill_cycle,read_date\n07,11/18/2026", 2, "read_date",
     "YYYY-MM-DD"),
    ("no-such-day", "cycle_reads", "bill_cycle,read_date\n07,2026-02-30", 2, "read_date",
     "not a date"),
    ("unknown-meter", "meter_installations", f"{INSTALL}\nCB404,P000000011,2020-01-01,", 2,
     "meter_number", "'CB404' is not in the store"),
    ("removed-first", "meter_installations", f"{INSTALL}\nCB1187342,P000000004,2020-01-01,2019-01-01",  # noqa: E501
     2, "removed_on", "not after installed_on"),
    ("meter-twice", "meter_installations", f"{INSTALL}\nCB1187342,P000000011,2020-01-01,", 2,
     "installed_on", "is installed from 2011-04-12"),
    ("unknown-premise", "accounts", f"{ACCOUNTS}\n00500000001,JANE DOE,P404,07,2020-01-01", 2,
     "premise_number", "'P404' is not in the store"),
    ("account-punctuation", "accounts", f"{ACCOUNTS}\n00-500,JANE DOE,P000000011,07,2020-01-01",
     2, "account_number", "letters and digits"),
    ("cycle-without-reads", "accounts", f"{ACCOUNTS}\n00500000001,JANE DOE,P000000011,22,2020-01-01",  # noqa: E501
     2, "bill_cycle", "no scheduled read dates"),
    ("closed-without-date", "accounts", f"{ACCOUNTS},status\n{ACCOUNT},closed", 2, "closed_on",
     "is empty for a closed account"),
    ("closed-before-open", "accounts", f"{ACCOUNTS},status,closed_on\n{ACCOUNT},final,2019-01-01",
     2, "closed_on", "before opened_on"),
    ("unknown-ces", "accounts", f"{CES}\n{ACCOUNT},123456789,LDC,2026-01-09", 2, "ces_duns",
     "not in the store"),
    ("td-as-ces", "accounts", f"{CES}\n{ACCOUNT},049876543,LDC,2026-01-09", 2, "ces_duns",
     "is the T&D"),
    ("billing-not-offered", "accounts", f"{CES}\n{ACCOUNT},{KSS},LDC,2026-01-09", 2,
     "billing_option", "offers DUAL billing, not LDC"),
    ("ces-without-start", "accounts", f"{CES}\n{ACCOUNT},{PTP},LDC,", 2, "supplier_start",
     "has a CES"),
    ("supplier-without-ces", "accounts", f"{ACCOUNTS},ces_account\n{ACCOUNT},PTP-1", 2,
     "ces_account", "no CES"),
    ("start-before-open", "accounts", f"{CES}\n{ACCOUNT},{PTP},LDC,2019-01-09", 2,
     "supplier_start", "before opened_on"),
    ("half-a-season", "landlord_agreements", f"{LANDLORD}\nP000000011,00412345678,05-01,", 2,
     "season_end", "both its start and its end"),
    ("bad-season-day", "landlord_agreements", f"{LANDLORD}\nP000000011,00412345678,02-30,03-01",
     2, "season_start", "MM-DD"),
    ("unknown-landlord", "landlord_agreements", f"{LANDLORD}\nP000000011,00999000111,,", 2,
     "landlord_account_number", "not in the store"),
    ("overlapping-seasons", "landlord_agreements", f"{LANDLORD}\nP000000006,00412345678,04-01,05-31",  # noqa: E501
     2, "season_start", "shares days"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "text", "line", "column", "words"), [case[1:] for case in BAD], ids=[c[0] for c in BAD]
)
def test_a_bad_row_is_reported_and_its_file_loads_nothing(
    loaded: sessionmaker[Session],
    tmp_path: Path,
    kind: str,
    text: str,
    line: int,
    column: str | None,
    words: str,
) -> None:
    good = {
        "premises": "P7777,1 HIGH ST,,BATH,ME,04530,",
        "meters": "M7777,KWH,false,1,FLAT",
    }
    rows = text.splitlines()
    if kind in good and len(rows[0].split(",")) == len(good[kind].split(",")):
        rows.insert(1, good[kind])  # a good row before the bad one: it must not stay either
        line += 1
    before = counts(loaded)
    path = write(tmp_path, kind, "\n".join(rows))
    [result] = load(loaded, path)
    assert not result.ok
    error = result.errors[0]
    assert (error.file, error.line, error.column) == (str(path), line, column), str(error)
    assert words in error.problem + " " + error.fix, str(error)
    assert error.fix  # says what to do
    assert counts(loaded) == before


def test_every_error_of_a_file_is_reported(loaded: sessionmaker[Session], tmp_path: Path) -> None:
    path = write(tmp_path, "premises", f"""
{PREMISES}
P1,,,BATH,ME,04530,
P2,1 MAIN ST,,BATH,ME,bad,
P3,1 MAIN ST,,BATH,ME,04530,
P3,1 MAIN ST,,BATH,ME,04530,
""")  # fmt: skip
    [result] = load(loaded, path)
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "street"),
        (3, "postal_code"),
        (5, "premise_number"),
    ]
    assert result.summary() == f"{path}: 3 error(s) in 4 row(s); nothing loaded"


def test_files_after_a_bad_one_are_not_loaded(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    shutil.copytree(REFERENCE, tmp_path / "ref")
    write(tmp_path / "ref", "meters", f"{METER}\nM1,KWH,maybe,1,FLAT")
    results = load(sessions, tmp_path / "ref")
    assert [r.ok for r in results] == [True, True, True, False, False, False, False]
    assert results[-1].skipped == "an earlier file had errors"
    assert counts(sessions)["accounts"] == 0


def test_the_parent_premise_may_come_later_in_the_file(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write(tmp_path, "premises", f"""
{PREMISES}
U1,9 ELM ST,APT 1,SACO,ME,04072,B1
B1,9 ELM ST,,SACO,ME,04072,
""")  # fmt: skip
    [result] = load(sessions, path)
    assert result.ok, result.errors
    with sessions() as session:
        unit = session.scalar(select(Premise).where(Premise.number == "U1"))
        building = session.scalar(select(Premise).where(Premise.number == "B1"))
    assert unit is not None and building is not None and unit.parent_id == building.id


# -- JSON -----------------------------------------------------------------------------------

DOCUMENT = {
    "partners": [
        {"duns": "049876543", "name": "CASCO BAY ELECTRIC DELIVERY", "role": "T&D"},
        {"duns": PTP, "name": "PINE TREE POWER SUPPLY", "role": "CES", "licensed": True},
    ],
    "cycle_reads": [{"bill_cycle": "07", "read_date": "2026-11-18"}],
    "premises": [
        {"premise_number": "P1", "street": "14 DEPOT ST", "city": "FREEPORT", "state": "ME",
         "postal_code": "04032", "street2": None},
    ],
    "accounts": [
        {"account_number": "00123098765", "customer_name": "WALTER B CURTIS",
         "premise_number": "P1", "bill_cycle": "07", "opened_on": "2012-10-01",
         "ces_duns": PTP, "billing_option": "LDC", "supplier_start": "2026-03-18"},
    ],
}  # fmt: skip


def test_json_file_loads_its_kinds_in_dependency_order(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "reference.json"
    shuffled = dict(reversed(list(DOCUMENT.items())))
    path.write_text(json.dumps(shuffled, indent=2))
    results = load(sessions, path)
    assert [(r.kind, r.added) for r in results] == [
        ("partners", 2), ("cycle_reads", 1), ("premises", 1), ("accounts", 1)
    ]  # fmt: skip
    assert periods(sessions, "00123098765")[-1][0] == PTP
    assert all(r.unchanged == r.rows for r in load(sessions, path))


def test_json_errors_name_the_line_of_the_item(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    document = json.loads(json.dumps(DOCUMENT))
    document["accounts"][0]["premise_number"] = "P404"
    document["accounts"][0]["colour"] = "red"
    path = tmp_path / "reference.json"
    text = json.dumps(document, indent=2)
    path.write_text(text)
    results = load(sessions, path)
    lines = text.splitlines()
    account_line = next(
        n for n, line in enumerate(lines, 1)
        if line.strip() == "{" and n > lines.index('  "accounts": [')
    )  # fmt: skip
    assert not results[-1].ok
    assert {(e.line, e.column) for e in results[-1].errors} == {
        (account_line, "colour"),
        (account_line, "premise_number"),
    }
    assert counts(sessions)["partners"] == 0  # one transaction: the whole file loads nothing


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('{"partners": [}', 1, "not valid JSON"),
        ('[{"duns": "1"}]', 1, "not a JSON object"),
        ('{\n "customers": []\n}', 2, "not a kind"),
        ('{\n "partners": {"duns": "049876543"}\n}', 2, "not a list"),
        ('{\n "partners": [\n  "049876543"\n ]\n}', 3, "must be an object"),
        (
            '{\n "partners": [\n  {"duns": "049876543", "name": ["A"], "role": "T&D"}\n ]\n}',
            3,
            "plain value",
        ),
    ],
)
def test_a_bad_json_file_is_reported(
    sessions: sessionmaker[Session], tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    results = load(sessions, path)
    errors = [e for r in results for e in r.errors]
    assert errors and errors[0].line == line, errors
    assert words in f"{errors[0].problem} {errors[0].fix}", errors
    assert counts(sessions)["partners"] == 0


# -- the command ----------------------------------------------------------------------------


def ebt(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def test_cli_loads_a_directory_and_exits_0(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    result = ebt("load", "--db", url, REFERENCE)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == len(KINDS)
    assert lines[0] == f"{REFERENCE / 'partners.csv'}: 4 row(s): 4 added, 0 updated, 0 unchanged"
    again = ebt("load", "--db", url, REFERENCE / "accounts.csv")
    assert again.exit_code == 0
    assert again.output.endswith("0 added, 0 updated, 300 unchanged\n")


def test_cli_uses_ebt_database_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    result = ebt("load", REFERENCE / "partners.csv", env={"EBT_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env.db").is_file()


def test_cli_exits_1_and_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "partners", "duns,name,role\n049876543,CASCO BAY,T&D\n12345,X,CES")
    result = ebt("load", "--db", f"sqlite:///{tmp_path / 'ebt.db'}", path)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path}: 1 error(s) in 2 row(s); nothing loaded",
        f"  {path}, line 3, column duns: '12345' is not a DUNS: 9 digits, or 13 for DUNS+4; "
        "write a DUNS: 9 digits, or 13 for DUNS+4",
    ]


@pytest.mark.parametrize("name", ["customers.csv", "partners.txt"])
def test_cli_exits_2_for_a_file_that_is_not_a_kind(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("duns,name,role\n")
    result = ebt("load", "--db", f"sqlite:///{tmp_path / 'ebt.db'}", path)
    assert result.exit_code == 2
    assert "name it <kind>.csv" in result.output


def test_cli_exits_2_for_a_missing_path(tmp_path: Path) -> None:
    result = ebt("load", "--db", f"sqlite:///{tmp_path / 'ebt.db'}", tmp_path / "nowhere.csv")
    assert result.exit_code == 2


def test_cli_reports_a_store_it_cannot_open(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing-folder' / 'ebt.db'}"
    result = ebt("load", "--db", url, REFERENCE / "partners.csv")
    assert result.exit_code == 3
    assert result.output.startswith("ebt: the folder ")
    assert "missing-folder of the store sqlite:///" in result.output
    assert "Traceback" not in result.output


# -- the generator --------------------------------------------------------------------------


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_reference", ROOT / "bench" / "generate_reference.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_bundled_files_are_the_generators_output(tmp_path: Path) -> None:
    generator().main(["-o", str(tmp_path)])
    for kind in KINDS:
        name = f"{kind}.csv"
        assert (tmp_path / name).read_bytes() == (REFERENCE / name).read_bytes(), name


def test_the_generator_scales_and_is_deterministic(tmp_path: Path) -> None:
    module = generator()
    first = module.write(tmp_path / "a", 2000, 7)
    second = module.write(tmp_path / "b", 2000, 7)
    assert first == second and first["accounts"] == 2000
    for kind in KINDS:
        assert (tmp_path / "a" / f"{kind}.csv").read_bytes() == (
            tmp_path / "b" / f"{kind}.csv"
        ).read_bytes()


def test_cli_skips_other_files_of_a_directory(tmp_path: Path) -> None:
    folder = tmp_path / "ref"
    folder.mkdir()
    shutil.copy(REFERENCE / "partners.csv", folder)
    (folder / "README.txt").write_text("notes")
    result = ebt("load", "--db", f"sqlite:///{tmp_path / 'ebt.db'}", folder)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        f"{folder / 'README.txt'}: skipped: not a reference file (<kind>.csv or .json)"
    )

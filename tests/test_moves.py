"""Moves, landlord–tenant service, activation and meter exchanges end to end on SQLite and
PostgreSQL, and the small pure pieces they rest on (reads, seasons, move facts)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from ebt.cli import main
from ebt.data.market import load_rules
from ebt.market.move_rules import MOVE_PREDICATES, MoveFacts
from ebt.market.reads import ReadError, parse_reading, values_by_meter
from ebt.market.tenancy import in_season
from ebt.rules.tables import evaluate
from ebt.services.activation import activate
from ebt.store.database import make_engine, session_factory
from ebt.store.schema import LandlordAgreement, Meter

ROOT = Path(__file__).resolve().parent.parent
NEW_ACCOUNT = {
    "account_number": "00500000003",
    "customer_name": "WALTER B CURTIS",
    "premise_number": "P000000003",
    "bill_cycle": "07",
    "status": "active",
    "opened_on": "2026-12-01",
    "rate_class": "A",
    "services": "EL",
}


def run(*args: str | Path, code: int = 0) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def view(url: str, account: str, today: str) -> dict[str, object]:
    shown: dict[str, object] = json.loads(
        run("--today", today, "account", "show", account, "--db", url, "--format", "json")
    )
    return shown


def test_a_move_a_stop_and_the_daily_activation(store_url: str, tmp_path: Path) -> None:
    run("load", ROOT / "fixtures" / "reference", "--db", store_url)
    extra = tmp_path / "new.json"
    extra.write_text(json.dumps({"accounts": [NEW_ACCOUNT]}), encoding="utf-8")
    run("load", extra, "--db", store_url)
    out = tmp_path / "out"
    said = run(
        "--today", "2026-11-20", "move", "00123098765", "--to", "00500000003",
        "--move-out", "2026-12-01", "--final-read", "48211", "--start-read", "10020",
        "--db", store_url, "--out", out,
    )  # fmt: skip
    assert "seamless move" in said
    (notice,) = out.glob("081234567-*.x12")
    assert "REF*45*00123098765" in notice.read_text(encoding="ascii")
    said = run(
        "--today", "2026-11-20", "tenant", "stop", "00284695079", "--on", "2026-12-01",
        "--read", "5120", "--db", store_url,
    )  # fmt: skip
    assert "reversion: revert from 2026-12-01" in said
    report = json.loads(
        run("--today", "2026-12-01", "activate", "--format", "json", "--db", store_url)
    )
    assert report["activated"] == 2 and report["work_items"] == []  # new tenant, landlord
    old = view(store_url, "00123098765", "2026-12-01")
    assert old["status"] == "final"
    assert old["final_bills"] == [
        {
            "account": "00123098765",
            "bill_date": "2026-12-01",
            "transferred_to": "00500000003",
            "ces": None,
            "receivable_carried_until": None,
            "written_off_on": None,
            "write_off_code": None,
        }
    ]
    new = view(store_url, "00500000003", "2026-12-01")
    periods = new["supplier_periods"]
    assert isinstance(periods, list)
    assert [(p["supplier"], p["status"]) for p in periods if p["status"] != "cancelled"] == [
        ("081234567", "active")
    ]
    landlord = view(store_url, "00277348098", "2026-12-01")
    reversions = landlord["reversions"]
    assert isinstance(reversions, list)
    assert [(r["premise"], r["status"]) for r in reversions] == [("P000000002", "active")]


def test_activate_is_a_plain_function_for_a_scheduler(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    run("load", ROOT / "fixtures" / "reference", "--db", url)
    run("--today", "2026-11-20", "tenant", "stop", "00284695079", "--on", "2026-12-01", "--db", url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    first = activate(sessions, dt.date(2026, 12, 1))
    again = activate(sessions, dt.date(2026, 12, 2))
    engine.dispose()
    assert first.activated == [] and len(first.work_items) == 1  # no read on the stop day
    assert again.work_items == []  # one work item per period, however often it runs


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ((), None),
        (("12.5",), Decimal("12.5")),
        (("CB1=1", "CB2=2"), {"CB1": Decimal(1), "CB2": Decimal(2)}),
    ],
)
def test_reads_from_the_command_line(values: tuple[str, ...], expected: object) -> None:
    assert parse_reading(values) == expected


@pytest.mark.parametrize(
    ("values", "message"),
    [(("abc",), "not a meter read"), (("-3",), "0 or more"), (("CB1",), "not a meter read"),
     (("1", "2"), "METER=VALUE"), (("=4",), "METER=VALUE")],
)  # fmt: skip
def test_bad_reads_are_refused_plainly(values: tuple[str, ...], message: str) -> None:
    with pytest.raises(ReadError, match=message):
        parse_reading(values)


def test_a_bare_read_needs_a_single_meter() -> None:
    meters = [Meter(number="CB1"), Meter(number="CB2")]
    with pytest.raises(ReadError, match="has 2 meters"):
        values_by_meter(meters, Decimal(1))
    with pytest.raises(ReadError, match="CB9 is not installed"):
        values_by_meter(meters, {"CB9": Decimal(1)})
    assert values_by_meter(meters[:1], Decimal(1)) == {"CB1": Decimal(1)}


@pytest.mark.parametrize(
    ("start", "end", "day", "inside"),
    [
        (None, None, "2026-07-01", True),
        ("11-01", "04-30", "2026-11-01", True),
        ("11-01", "04-30", "2027-04-30", True),
        ("11-01", "04-30", "2027-01-15", True),
        ("11-01", "04-30", "2027-05-01", False),
        ("11-01", "04-30", "2026-10-31", False),
        ("05-01", "09-30", "2026-07-04", True),
        ("05-01", "09-30", "2026-12-25", False),
    ],
)
def test_seasons_wrap_the_new_year(
    start: str | None, end: str | None, day: str, inside: bool
) -> None:
    agreement = LandlordAgreement(season_start=start, season_end=end)
    assert in_season(agreement, dt.date.fromisoformat(day)) is inside


def _facts(**changes: object) -> MoveFacts:
    values: dict[str, object] = {
        "old_found": True,
        "old_active": True,
        "new_given": True,
        "new_found": True,
        "new_active": True,
        "ces_id": 7,
        "standard_offer_chosen": False,
        "same_rate_class": True,
        "business_days_notice": 2,
        "lead_business_days": 2,
        "move_out": dt.date(2026, 12, 1),
        "move_in": dt.date(2026, 12, 1),
        "meters_support_rate_code": True,
        "other_ces_at_new": False,
        **changes,
    }
    return MoveFacts(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "outcome"),
    [
        ({}, "seamless_move"),
        ({"move_in": dt.date(2026, 11, 20)}, "seamless_move"),  # an overlap is no break
        ({"move_in": dt.date(2026, 12, 2)}, "final_move"),  # a day without service
        ({"business_days_notice": 1}, "final_move"),
        ({"new_given": False, "new_found": False, "new_active": False}, "final_move"),
        ({"ces_id": None}, "move"),
        ({"ces_leaving": True}, "final_move"),  # the CES is dropping the customer
        ({"new_found": False}, "reject"),
        ({"move_in": dt.date(2028, 1, 1)}, "reject"),
    ],
)
def test_the_move_table_on_the_five_conditions(changes: dict[str, object], outcome: str) -> None:
    table = load_rules(dt.date(2026, 11, 20)).table_for("move", dt.date(2026, 11, 20))
    assert evaluate(table, _facts(**changes), MOVE_PREDICATES).outcome == outcome


def test_a_moved_out_tenants_stop_stays(tmp_path: Path) -> None:
    """Once the customer has moved out (final), the pending stop can no longer be cancelled
    and the account cannot start service anywhere."""
    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    run("load", ROOT / "fixtures" / "reference", "--db", url)
    said = run(
        "--today", "2026-11-20", "tenant", "stop", "00284695079", "--on", "2026-12-15",
        "--db", url,
    )  # fmt: skip
    stop = said.split("process #")[1].split(")")[0]
    run(
        "--today", "2026-11-20", "move", "00284695079", "--move-out", "2026-12-20",
        "--db", url, "--out", tmp_path / "out",
    )  # fmt: skip
    refused = run("--today", "2026-11-21", "tenant", "cancel", stop, "--db", url, code=1)
    assert "account 00284695079 is final" in refused
    refused = run(
        "--today", "2026-11-21", "tenant", "start", "00284695079", "--premise", "P000000003",
        "--on", "2026-12-21", "--db", url, code=1,
    )  # fmt: skip
    assert "account 00284695079 is final" in refused


def test_explain_a_move_refused_for_an_unknown_account(tmp_path: Path) -> None:
    """The refusal says which question failed, and explain does not print 'None'."""
    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    run("load", ROOT / "fixtures" / "reference", "--db", url)
    said = run(
        "--today", "2026-11-20", "move", "00999000111", "--move-out", "2026-12-01",
        "--db", url, "--out", tmp_path / "out", code=1,
    )  # fmt: skip
    assert "one of this utility's accounts? no" in said
    reference = said.split("ebt explain ")[1].split(")")[0]
    shown = run("explain", reference, "--db", url)
    assert "for account (unknown)" in shown and "None" not in shown

"""Market scenarios written as data (tests/scenarios/*.json), run through the command line.

Each scenario is a story about the bundled utility (fixtures/reference/): CESs send 814
requests on given days, and the T&D's answers (outbound files), the supplier-of-record
timeline and the decisions are checked after each step. The format is described in
docs/scenarios.md. Every scenario starts from a fresh SQLite store: the reference data is
loaded once per session into a template database, which is copied for each scenario.

A scenario whose expectation the engine does not meet yet (a bug against the domain rules)
carries `"xfail": "<reason>"`: it is run as a strict xfail, so it fails the suite the day the
engine is fixed and the marker must be removed.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sqlite3
from dataclasses import fields
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ebt.cli import main
from ebt.data.mappings import guidebook_mapping
from ebt.mapping.mapper import to_segments
from ebt.mapping.records import (
    Action,
    Kind,
    MaintenanceType,
    Meter,
    Purpose,
    Reason,
    Transaction814,
)
from ebt.syntax.separators import Separators
from ebt.syntax.writer import envelope_segments, write_segments

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "fixtures" / "reference"
SCENARIOS = ROOT / "tests" / "scenarios"
STANDARD_OFFER = "STANDARD_OFFER"

STEP_KEYS = {
    "today",
    "note",
    "load",
    "send",
    "replay",
    "run",
    "expect_exit",
    "expect_output",
    "expect_outbound",
    "expect_outbound_omits",
    "expect_timeline",
    "expect_explain",
    "expect_unchanged",
    "expect_account",
    "expect_workitems",
}
# T&D commands a step may `run`; those that write 814s get `--out`
RUN_COMMANDS = {
    "move",
    "tenant",
    "landlord",
    "activate",
    "meter-exchange",
    "workitems",
    "standard-offer",
    "find",
}
OUT_COMMANDS = {"move", "meter-exchange", "standard-offer"}
SEND_KEYS = {"from", "envelope_from", "kind"}
REQUEST_KINDS = {
    "enrollment_request": MaintenanceType.ENROLLMENT,
    "drop_request": MaintenanceType.DROP,
    "change_request": MaintenanceType.CHANGE,
    "reinstatement_request": MaintenanceType.REINSTATEMENT,
}
RECORD_FIELDS = {f.name: f for f in fields(Transaction814)}
DATE_FIELDS = {"date", "effective_date", "service_start", "service_end"}
REASON_FIELDS = {"reject_reasons", "status_reasons", "change_reasons"}


# -- reference data -----------------------------------------------------------------------


def _reference_rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(newline="", encoding="utf-8-sig") as source:
        return list(csv.DictReader(source))


PARTNERS = {row["duns"]: row for row in _reference_rows("partners.csv")}
TD = next(row for row in PARTNERS.values() if row["role"] == "T&D")
CUSTOMERS = {row["account_number"]: row["customer_name"] for row in _reference_rows("accounts.csv")}


# -- the store ----------------------------------------------------------------------------


def ebt(*args: str | Path) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert "Traceback" not in result.output, result.output
    return result


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite store, whatever is still in its write-ahead log."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


@pytest.fixture(scope="session")
def reference_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store with fixtures/reference loaded, made once per session."""
    path = tmp_path_factory.mktemp("reference") / "reference.db"
    result = ebt("load", REFERENCE, "--db", f"sqlite:///{path}")
    assert result.exit_code == 0, result.output
    return path


# -- building the inbound files -----------------------------------------------------------


def _date(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def request_record(send: dict[str, Any], today: dt.date) -> Transaction814:
    """The Transaction814 a `send` item describes, with a plausible request's defaults."""
    unknown = set(send) - SEND_KEYS - set(RECORD_FIELDS)
    assert not unknown, f"unknown keys in send: {sorted(unknown)}"
    kind = send["kind"]
    assert kind in REQUEST_KINDS, f"send.kind must be one of {sorted(REQUEST_KINDS)}"
    ces = send.get("ces_id", send["from"])
    values: dict[str, Any] = {
        "kind": Kind(kind),
        "purpose": Purpose.REQUEST,
        "date": today,
        "action": Action.REQUEST,
        "maintenance": REQUEST_KINDS[kind],
        "td_id": TD["duns"],
        "td_name": TD["name"],
        "td_id_qualifier": "1",
        "ces_id": ces,
        "ces_name": PARTNERS.get(ces, {}).get("name", "UNREGISTERED SUPPLIER"),
        "ces_id_qualifier": "1",
        "customer_name": CUSTOMERS.get(send["account"], "CUSTOMER"),
        "line_number": "1",
        "commodity": "EL",
        "service": "CE",
    }
    if kind == "enrollment_request":
        values["billing_option"] = send.get("billing_option", "LDC")
        values["bill_calculator"] = send.get("bill_calculator", values["billing_option"])
        if values["billing_option"] == "LDC":
            values["ces_rate_code"] = "RES-FIXED-12"
    for name, value in send.items():
        if name in SEND_KEYS:
            continue
        if name in DATE_FIELDS:
            value = _date(value)
        elif name in REASON_FIELDS:
            value = tuple(Reason(*item) for item in value)
        elif name == "meters":
            value = tuple(Meter(m) for m in value)
        elif name == "budget_amount":
            value = Decimal(value)
        values[name] = value
    return Transaction814(**values)


class Outbox:
    """Numbers the scenario's interchanges, as a CES's translator would."""

    def __init__(self) -> None:
        self.control = 100

    def file(self, sends: list[dict[str, Any]], today: dt.date) -> bytes:
        """One file: a run of sends with the same envelope sender is one interchange."""
        mapping = guidebook_mapping(None, "814", today)
        when = dt.datetime.combine(today, dt.time(9, 0))
        separators = Separators()
        segments: list[list[str]] = []
        runs: list[tuple[str, list[list[list[str]]]]] = []
        for send in sends:
            sender = send.get("envelope_from", send["from"])
            body = to_segments(request_record(send, today), mapping)
            if runs and runs[-1][0] == sender:
                runs[-1][1].append(body)
            else:
                runs.append((sender, [body]))
        for sender, bodies in runs:
            self.control += 1
            segments += envelope_segments(
                bodies,
                set_id="814",
                functional_id="GE",
                sender=("01", sender),
                receiver=("01", TD["duns"]),
                control=self.control,
                when=when,
                separators=separators,
            )
        return "".join(write_segments(segments, separators)).encode("ascii")


# -- reading the results ------------------------------------------------------------------


def matches(expected: Any, actual: Any) -> bool:
    """`expected` is found in `actual`: dicts by the keys given, lists item by item."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and matches(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(matches(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return bool(expected == actual)


def outbound_records(out_dir: Path) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str]]:
    """The 814s of each recipient's file in `out_dir` (as `ebt show --format json` gives
    them), and each recipient's raw file text."""
    records: dict[str, list[dict[str, Any]]] = {}
    raw: dict[str, str] = {}
    for path in sorted(out_dir.glob("*.x12")):
        recipient = path.name.rsplit("-", 1)[0]
        assert recipient not in raw, f"two files for {recipient} in one run"
        raw[recipient] = path.read_text(encoding="ascii")
        result = ebt("show", path, "--format", "json")
        assert result.exit_code == 0, result.output
        shown = json.loads(result.stdout)["transactions"]
        records[recipient] = [r for r in shown if r["kind"] != "functional_ack"]
    return records, raw


def store_snapshot(db: Path) -> dict[str, Any]:
    """Every table's rows (a replay must leave them all as they were)."""
    with sqlite3.connect(db) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        snapshot = {
            table: sorted(map(repr, connection.execute(f'SELECT * FROM "{table}"')))
            for table in tables
        }
    connection.close()
    return snapshot


# -- running a scenario -------------------------------------------------------------------


class Run:
    def __init__(self, name: str, db: Path, work: Path):
        self.name = name
        self.db = db
        self.url = f"sqlite:///{db}"
        self.work = work
        self.outbox = Outbox()
        self.files = 0
        self.last_file: Path | None = None
        self.senders: set[str] = set()
        self.printed: dict[str, str] = {}  # "@explain", "@process": what `run` last printed

    def step(self, number: int, step: dict[str, Any]) -> None:
        unknown = set(step) - STEP_KEYS
        assert not unknown, f"step {number}: unknown keys {sorted(unknown)}"
        where = f"{self.name}, step {number}"
        today = dt.date.fromisoformat(step["today"]) if "today" in step else None
        out_dir: Path | None = None
        before = store_snapshot(self.db) if step.get("expect_unchanged") else None
        if "load" in step:
            path = self.work / f"load-{number}.json"
            path.write_text(json.dumps(step["load"]), encoding="utf-8")
            result = ebt("load", path, "--db", self.url)
            assert result.exit_code == 0, f"{where}: {result.output}"
        if "send" in step or "replay" in step:
            assert today is not None, f"{where}: a step that sends needs 'today'"
            if "send" in step:
                sends = step["send"] if isinstance(step["send"], list) else [step["send"]]
                self.files += 1
                path = self.work / f"in-{self.files:03d}.x12"
                path.write_bytes(self.outbox.file(sends, today))
                self.last_file = path
                self.senders = {s.get("envelope_from", s["from"]) for s in sends}
            else:
                assert self.last_file is not None, f"{where}: nothing sent to replay"
                path = self.last_file
            out_dir = self.work / f"out-{number:03d}"
            result = ebt(
                "--today", today.isoformat(), "process", path, "--db", self.url, "--out", out_dir
            )
            assert result.exit_code == 0, f"{where}: {result.output}"
            for text in step.get("expect_output", []):
                assert text in result.output, f"{where}: {text!r} not in {result.output!r}"
        if "run" in step:
            out_dir = self._run(where, number, step, today)
        if "expect_outbound" in step:
            assert out_dir is not None, f"{where}: expect_outbound needs a send or a run"
            self._outbound(where, out_dir, step["expect_outbound"])
        for omits in step.get("expect_outbound_omits", []):
            assert out_dir is not None, f"{where}: expect_outbound_omits needs a send"
            _, raw = outbound_records(out_dir)
            text = raw.get(omits["to"], "")
            assert text, f"{where}: nothing was sent to {omits['to']}"
            for secret in omits["text"]:
                assert secret not in text, f"{where}: {omits['to']} was told {secret!r}"
        if "expect_timeline" in step:
            self._timeline(where, step["expect_timeline"], today)
        if "expect_explain" in step:
            items = step["expect_explain"]
            for item in items if isinstance(items, list) else [items]:
                self._explain(where, item)
        if "expect_account" in step:
            self._account(where, step["expect_account"], today)
        if "expect_workitems" in step:
            self._workitems(where, step["expect_workitems"])
        if before is not None:
            assert store_snapshot(self.db) == before, f"{where}: the store changed"
            if out_dir is not None:
                assert not list(out_dir.glob("*.x12")), f"{where}: files were written"

    def _run(self, where: str, number: int, step: dict[str, Any], today: dt.date | None) -> Path:
        """A T&D command (`ebt move ...`), with the step's day, the store and an outbound
        folder; `@explain` and `@process` in its arguments stand for the last reference and
        process number a command printed."""
        args = [str(self.printed.get(a, a)) for a in step["run"]]
        assert args and args[0] in RUN_COMMANDS, f"{where}: run one of {sorted(RUN_COMMANDS)}"
        out_dir = self.work / f"out-{number:03d}"
        clock = ["--today", today.isoformat()] if today else []
        extra: list[str | Path] = ["--out", out_dir] if args[0] in OUT_COMMANDS else []
        result = ebt(*clock, *args, "--db", self.url, *extra)
        wanted = step.get("expect_exit", 0)
        assert result.exit_code == wanted, f"{where}: exit {result.exit_code}: {result.output}"
        for text in step.get("expect_output", []):
            assert text in result.output, f"{where}: {text!r} not in {result.output!r}"
        for key, pattern in (("@explain", r"ebt explain (\w+)"), ("@process", r"process #(\d+)")):
            found = re.findall(pattern, result.output)
            if found:
                self.printed[key] = found[-1]
        self.senders = set()
        return out_dir

    def _account(self, where: str, expected: dict[str, Any], today: dt.date | None) -> None:
        """Any keys of `ebt account show --format json` (moves, final_bills,
        service_periods, reversions, meter_reads, meters, status...), matched as given."""
        expected = dict(expected)
        number = expected.pop("account")
        clock = ["--today", today.isoformat()] if today else []
        result = ebt(*clock, "account", "show", number, "--format", "json", "--db", self.url)
        assert result.exit_code == 0, f"{where}: {result.output}"
        view = json.loads(result.stdout)
        for key, value in expected.items():
            assert key in view, f"{where}: account show has no {key!r}"
            assert matches(value, view[key]), (
                f"{where}: account {number} {key}\n got  {view[key]}\n want {value}"
            )

    def _workitems(self, where: str, expected: list[dict[str, Any]]) -> None:
        """The open work items, in order, each matching by the keys given (`description`
        matches when it contains the text given)."""
        result = ebt("workitems", "--format", "json", "--db", self.url)
        assert result.exit_code == 0, f"{where}: {result.output}"
        items = json.loads(result.stdout)["work_items"]
        assert len(items) == len(expected), f"{where}: open work items {items}"
        for want, got in zip(expected, items, strict=True):
            want = dict(want)
            text = want.pop("description", "")
            assert text in got["description"] and matches(want, got), (
                f"{where}: work item {got}, expected {want} with {text!r}"
            )

    def _outbound(self, where: str, out_dir: Path, expected: list[dict[str, Any]]) -> None:
        records, _ = outbound_records(out_dir)
        wanted: dict[str, list[dict[str, Any]]] = {}
        for item in expected:
            item = dict(item)
            wanted.setdefault(item.pop("to"), []).append(item)
        # 997s go back to whoever sent the file; 814s only to the recipients expected
        for recipient, got in records.items():
            if recipient not in wanted:
                assert not got, f"{where}: unexpected 814s to {recipient}: {_brief(got)}"
                assert recipient in self.senders, f"{where}: a file went to {recipient}"
        for recipient, items in wanted.items():
            got = list(records.get(recipient, []))
            assert len(got) == len(items), (
                f"{where}: {recipient} got {len(got)} 814(s), expected {len(items)}: {_brief(got)}"
            )
            for item in items:
                found = next((r for r in got if matches(item, r)), None)
                assert found is not None, (
                    f"{where}: no 814 to {recipient} matching {item}; got {_brief(got)}"
                )
                got.remove(found)

    def _timeline(self, where: str, expected: dict[str, Any], today: dt.date | None) -> None:
        unknown = set(expected) - {
            "account",
            "supplier_periods",
            "live_periods",
            "supplier_on",
            "processes",
        }
        assert not unknown, f"{where}: unknown keys in expect_timeline: {sorted(unknown)}"
        clock = ["--today", today.isoformat()] if today else []
        result = ebt(
            *clock, "account", "show", expected["account"], "--format", "json", "--db", self.url
        )
        assert result.exit_code == 0, f"{where}: {result.output}"
        view = json.loads(result.stdout)
        for key in ("supplier_periods", "live_periods"):
            if key not in expected:
                continue
            # the four keys always; billing_option, ces_rate_code where a scenario gives them
            want = [
                {"supplier": None, "start": None, "end": None, "status": None, **p}
                for p in expected[key]
            ]
            shown = view["supplier_periods"]
            if key == "live_periods":
                shown = [p for p in shown if p["status"] != "cancelled"]
            if len(shown) == len(want):
                got = [{k: p.get(k) for k in w} for p, w in zip(shown, want, strict=True)]
            else:
                got = [{k: p.get(k) for k in ("supplier", "start", "end", "status")} for p in shown]
            assert got == want, f"{where}: {key}\n got  {got}\n want {want}"
        for day, supplier in expected.get("supplier_on", {}).items():
            covering = [
                p["supplier"]
                for p in view["supplier_periods"]
                if p["status"] != "cancelled"
                and p["start"] <= day
                and (p["end"] is None or day < p["end"])
            ]
            assert covering == [supplier], f"{where}: supplier on {day}: {covering}"
        if "processes" in expected:
            assert matches(expected["processes"], view["processes"]), (
                f"{where}: processes\n got  {view['processes']}\n want {expected['processes']}"
            )

    def _explain(self, where: str, expected: dict[str, Any]) -> None:
        expected = dict(expected)
        reference = self.printed.get(expected["reference"], expected.pop("reference"))
        expected.pop("reference", None)
        index = expected.pop("index", -1)
        count = expected.pop("count", None)
        last_step = expected.pop("last_step", None)
        result = ebt("explain", reference, "--format", "json", "--db", self.url)
        assert result.exit_code == 0, f"{where}: {result.output}"
        decisions = json.loads(result.stdout)["decisions"]
        if count is not None:
            assert len(decisions) == count, f"{where}: {len(decisions)} decisions of {reference}"
        decision = decisions[index]
        if last_step is not None:
            assert matches(last_step, decision["steps"][-1]), (
                f"{where}: last step of {reference}: {decision['steps'][-1]}, expected {last_step}"
            )
        assert matches(expected, decision), (
            f"{where}: decision of {reference}: outcome {decision['outcome']} code "
            f"{decision['code']}, expected {expected}"
        )


def _brief(records: list[dict[str, Any]]) -> list[str]:
    def one(r: dict[str, Any]) -> str:
        codes = ",".join(x["code"] for x in r.get("reject_reasons") or [])
        when = r.get("effective_date") or r.get("service_end") or ""
        return f"{r['kind']} {r.get('account')} {when} {codes}".strip()

    return [one(r) for r in records]


# -- the scenarios ------------------------------------------------------------------------


def load_scenarios() -> list[Any]:
    params = []
    for path in sorted(SCENARIOS.glob("*.json")):
        scenario = json.loads(path.read_text(encoding="utf-8"))
        marks = []
        if scenario.get("xfail"):
            marks.append(pytest.mark.xfail(strict=True, reason=scenario["xfail"]))
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


def test_there_are_scenarios() -> None:
    assert len(list(SCENARIOS.glob("*.json"))) >= 20


@pytest.mark.parametrize("path", load_scenarios())
def test_scenario(path: Path, reference_store: Path, tmp_path: Path) -> None:
    scenario = json.loads(path.read_text(encoding="utf-8"))
    unknown = set(scenario) - {"about", "domain", "steps", "xfail", "bug"}
    assert not unknown, f"{path.name}: unknown keys {sorted(unknown)}"
    assert scenario.get("about") and scenario.get("domain") and scenario.get("steps")
    db = tmp_path / "ebt.db"
    _copy_sqlite(reference_store, db)
    run = Run(path.stem, db, tmp_path)
    for number, step in enumerate(scenario["steps"], start=1):
        run.step(number, step)


def test_matching_is_by_the_fields_given() -> None:
    assert matches({"a": 1}, {"a": 1, "b": 2})
    assert not matches({"a": 1, "c": 3}, {"a": 1, "b": 2})
    assert matches({"r": [{"code": "NFI"}]}, {"r": [{"code": "NFI", "text": "NOT FIRST IN"}]})
    assert not matches({"r": [{"code": "NFI"}]}, {"r": [{"code": "NFI"}, {"code": "ABN"}]})
    assert not matches({"r": []}, {"r": [{"code": "NFI"}]})


def test_requests_are_built_with_the_engines_writer(tmp_path: Path) -> None:
    """A built request reads back as the same record (so scenarios send what they say)."""
    today = dt.date(2026, 11, 16)
    data = Outbox().file(
        [
            {
                "from": "081234567",
                "kind": "enrollment_request",
                "account": "00412345678",
                "reference": "PTP-1",
            },
            {
                "from": "081234567",
                "kind": "drop_request",
                "account": "00123098765",
                "reference": "PTP-2",
                "service_end": "2026-12-01",
                "status_reasons": [["W09", "OFF CYCLE"]],
            },
        ],
        today,
    )
    path = tmp_path / "in.x12"
    path.write_bytes(data)
    result = ebt("show", path, "--format", "json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)["transactions"]
    assert [r["kind"] for r in shown] == ["enrollment_request", "drop_request"]
    assert shown[0]["billing_option"] == "LDC" and shown[0]["ces_rate_code"] == "RES-FIXED-12"
    assert shown[0]["customer_name"] == "MARGARET L THIBODEAU"
    assert shown[1]["service_end"] == "2026-12-01"
    assert shown[1]["status_reasons"] == [{"code": "W09", "text": "OFF CYCLE"}]

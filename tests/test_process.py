"""`ebt process` end to end on the bundled utility, on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import json
from pathlib import Path

from click.testing import CliRunner

from ebt.check import FileChecker, SetResult
from ebt.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "fixtures" / "x12" / "good"
REQUESTS = sorted(GOOD.glob("814-*-request.x12"))
TODAY = "2026-11-20"


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def loaded(url: str) -> str:
    run("load", str(ROOT / "fixtures" / "reference"), "--db", url)
    return url


def timeline(url: str, account: str) -> list[dict[str, object]]:
    view = json.loads(run("account", "show", account, "--db", url, "--format", "json"))
    periods: list[dict[str, object]] = view["supplier_periods"]
    return periods


def test_requests_are_decided_answered_and_recorded(store_url: str, tmp_path: Path) -> None:
    url = loaded(store_url)
    out = tmp_path / "out"
    output = run("--today", TODAY, "process", *map(str, REQUESTS), "--db", url, "--out", str(out))
    assert "enroll 1" in output
    written = sorted(out.glob("*.x12"))
    assert written, output
    kinds = []
    for path in written:
        events = list(FileChecker(io.BytesIO(path.read_bytes()), name=path.name).events())
        results = [e for e in events if isinstance(e, SetResult)]
        assert all(not r.has_errors for r in results), path  # our answers validate clean
        kinds += [str(r.record.kind) for r in results if r.record is not None]
    assert "enrollment_accept" in kinds and "functional_ack" in kinds
    # the enrollment is pending from the first cycle read at least 2 business days out
    periods = timeline(url, "00412345678")
    assert periods[-1]["supplier"] == "081234567" and periods[-1]["status"] == "pending"
    assert (
        periods[-2]["supplier"] == "STANDARD_OFFER" and periods[-2]["end"] == periods[-1]["start"]
    )
    # explain names the table, every step and the outcome
    explained = json.loads(run("explain", "PTP-ENR-20261102-0001", "--db", url, "--format", "json"))
    decision = explained["decisions"][0]
    assert decision["table"] == "enrollment" and decision["outcome"] == "enroll"
    assert len(decision["steps"]) >= 10


def test_replaying_a_file_changes_nothing(store_url: str, tmp_path: Path) -> None:
    url = loaded(store_url)
    request = str(GOOD / "814-enrollment-request.x12")
    run("--today", TODAY, "process", request, "--db", url, "--out", str(tmp_path / "a"))
    before = timeline(url, "00412345678")
    again = run("--today", TODAY, "process", request, "--db", url, "--out", str(tmp_path / "b"))
    assert "already processed" in again
    assert timeline(url, "00412345678") == before
    assert not list((tmp_path / "b").glob("*.x12"))  # nothing answered twice


def test_find_by_name_and_meter(store_url: str) -> None:
    url = loaded(store_url)
    found = json.loads(run("find", "--name", "MARGARET L THIB", "--db", url, "--format", "json"))
    assert [a["account"] for a in found["accounts"]] == ["00412345678"]
    meters = json.loads(run("account", "show", "00412345678", "--db", url, "--format", "json"))
    meter = meters["meters"][0]["number"]
    by_meter = json.loads(run("find", "--meter", meter, "--db", url, "--format", "json"))
    assert "00412345678" in [a["account"] for a in by_meter["accounts"]]


def test_find_takes_wildcards_literally_and_shows_the_second_address_line(
    store_url: str,
) -> None:
    url = loaded(store_url)
    for wildcard in ("%", "_", "MARGARET%THIB", "\\"):
        found = json.loads(run("find", "--name", wildcard, "--db", url, "--format", "json"))
        assert found["accounts"] == [], wildcard
    found = json.loads(run("find", "--address", "APT 3", "--db", url, "--format", "json"))
    (thibodeau,) = [a for a in found["accounts"] if a["account"] == "00412345678"]
    assert "APT 3" in thibodeau["address"]


def test_a_file_that_is_not_x12_is_refused_plainly(store_url: str, tmp_path: Path) -> None:
    url = loaded(store_url)
    html = ROOT / "fixtures" / "x12" / "bad" / "file-not-x12--html-page.x12"
    result = CliRunner().invoke(
        main, ["--today", TODAY, "process", str(html), "--db", url, "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "FILE-NOT-X12" in result.output and "HTML" in result.output
    assert "Traceback" not in result.output
    assert not list(tmp_path.glob("*.x12"))  # nothing to answer, nobody to answer


def test_a_customer_returns_to_standard_offer(store_url: str, tmp_path: Path) -> None:
    """§4: the customer calls the T&D; the CES is told by a drop notice, effective on the
    first cycle read at least 2 business days out; the decision is explained."""
    url = loaded(store_url)
    account, ces = "00655443322", "083456789"  # served by Katahdin Solar Supply
    before = timeline(url, account)
    assert before[-1]["supplier"] == ces and before[-1]["end"] is None
    out = tmp_path / "out"
    said = run("--today", TODAY, "standard-offer", account, "--db", url, "--out", str(out))
    after = timeline(url, account)
    assert after[-2]["supplier"] == ces
    assert after[-1]["supplier"] == "STANDARD_OFFER" and after[-1]["end"] is None
    assert after[-2]["end"] == after[-1]["start"] > TODAY
    [written] = out.glob("*.x12")
    assert written.name.startswith(ces)  # only the CES that loses the customer hears of it
    shown = json.loads(run("show", str(written), "--format", "json"))["transactions"]
    notices = [t for t in shown if t["kind"] == "drop_notice"]
    assert len(notices) == 1 and notices[0]["service_end"] == after[-1]["start"]
    reference = said.rsplit("ebt explain ", 1)[1].split()[0]
    explained = json.loads(run("explain", reference, "--db", url, "--format", "json"))
    assert explained["decisions"][0]["table"] == "return_to_standard_offer"
    # asked again: nothing changes, and the refusal says why
    again = CliRunner().invoke(
        main, ["--today", TODAY, "standard-offer", account, "--db", url, "--out", str(out)]
    )
    assert again.exit_code == 1 and "not returned to Standard Offer" in again.output
    assert timeline(url, account) == after

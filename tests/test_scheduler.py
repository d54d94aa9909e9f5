"""The scheduler's wiring, without waiting on the clock: which jobs the configuration makes,
when their triggers fire, one instance at a time, business days only for the inbound sweep,
a log line per run, and a clean stop on SIGTERM."""

from __future__ import annotations

import logging
import shutil
import signal
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ebt.calendar import MaineCalendar
from ebt.sweep import schedule
from ebt.sweep.config import require_config

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "partners" / "demo.toml"
EASTERN = ZoneInfo("America/New_York")


def actions(ran: list[str], activation: bool = True) -> schedule.Actions:
    def job(name: str):  # type: ignore[no-untyped-def]
        return lambda: ran.append(name) or f"{name} ran"

    return schedule.Actions(
        inbound=job("inbound"),
        outbound=job("outbound"),
        ack_check=job("ack-check"),
        activation=job("activation") if activation else None,
    )


def test_the_configuration_makes_the_jobs_and_their_times() -> None:
    config = require_config(DEMO)
    jobs = {j.id: j for j in schedule.jobs(config, actions([]))}
    assert sorted(jobs) == [
        "ack-check", "activation", "inbound", "outbound-0700", "outbound-1200", "outbound-1700",
    ]  # fmt: skip
    at_six = datetime(2026, 11, 20, 6, 0, tzinfo=EASTERN)
    fires = {
        name: jobs[name].trigger.get_next_fire_time(None, at_six)
        for name in ("outbound-0700", "outbound-1200", "activation")
    }
    assert fires["outbound-0700"] == datetime(2026, 11, 20, 7, 0, tzinfo=EASTERN)
    assert fires["outbound-1200"] == datetime(2026, 11, 20, 12, 0, tzinfo=EASTERN)
    assert fires["activation"] == datetime(2026, 11, 21, 5, 0, tzinfo=EASTERN)
    inbound = jobs["inbound"].trigger
    first = inbound.get_next_fire_time(None, at_six)
    every = timedelta(minutes=config.schedule.inbound_every_minutes)
    assert inbound.get_next_fire_time(first, first) - first == every
    assert jobs["inbound"].business_days_only and not jobs["outbound-0700"].business_days_only


def test_without_an_activation_action_there_is_no_activation_job() -> None:
    config = require_config(DEMO)
    ids = [j.id for j in schedule.jobs(config, actions([], activation=False))]
    assert "activation" not in ids and "inbound" in ids


def test_each_run_is_logged_and_the_inbound_sweep_keeps_to_business_days(
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = require_config(DEMO)
    ran: list[str] = []
    jobs = {j.id: j for j in schedule.jobs(config, actions(ran))}
    calendar = MaineCalendar()
    thanksgiving, friday = date(2026, 11, 26), date(2026, 11, 20)
    caplog.set_level(logging.INFO, logger="ebt.scheduler")
    schedule.logged(jobs["inbound"], calendar, lambda: thanksgiving)()
    schedule.logged(jobs["outbound-0700"], calendar, lambda: thanksgiving)()
    schedule.logged(jobs["inbound"], calendar, lambda: friday)()
    assert ran == ["outbound", "inbound"]
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == "job inbound skipped: 2026-11-26 is not a Maine business day"
    assert lines[1].startswith("job outbound-0700 done in ") and lines[1].endswith("outbound ran")
    assert lines[2].endswith(": inbound ran")

    def broken() -> str:
        raise RuntimeError("the store is down")

    failing = schedule.Job("ack-check", broken, jobs["ack-check"].trigger)
    schedule.logged(failing, calendar, lambda: friday)()  # logged, not raised
    assert caplog.records[-1].getMessage().startswith("job ack-check failed after")


def test_one_instance_of_each_job_and_missed_runs_coalesced() -> None:
    config = require_config(DEMO)
    scheduler = schedule.build(config, actions([]), lambda: date(2026, 11, 20))
    scheduler.start(paused=True)
    try:
        jobs = scheduler.get_jobs()
        assert len(jobs) == 6
        assert all(j.max_instances == 1 and j.coalesce for j in jobs)
        assert scheduler._executors["default"]._pool._max_workers == 1  # one job at a time
    finally:
        scheduler.shutdown(wait=False)


def test_sigterm_stops_the_scheduler_cleanly(tmp_path: Path) -> None:
    config = tmp_path / "partners.toml"
    shutil.copyfile(DEMO, config)
    process = subprocess.Popen(
        [sys.executable, "-m", "ebt", "scheduler", "run", "--config", str(config),
         "--db", f"sqlite:///{tmp_path / 'ebt.db'}", "--create"],
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert process.stderr is not None
    lines = []
    for line in process.stderr:  # wait until it has scheduled its jobs
        lines.append(line)
        if "job activation: not scheduled" in line or "job activation: next run" in line:
            break
    process.send_signal(signal.SIGTERM)
    # the rest through the same reader: `communicate` would read the pipe beneath it and
    # miss the lines this reader has already buffered
    rest = process.stderr.read()
    process.wait(timeout=60)
    log = "".join(lines) + rest
    assert process.returncode == 0, log
    assert "job inbound: next run" in log and "job outbound-0700: next run" in log
    assert "scheduler stopping (SIGTERM)" in log and log.rstrip().endswith("scheduler stopped")

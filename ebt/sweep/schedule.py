"""The scheduler's jobs, from the configuration: the inbound sweep every N minutes on Maine
business days, the outbound sweep at set times, the daily activation, the 997-overdue check.

`jobs(config, actions)` is the list (pure: triggers and callables, testable without waiting
on the clock); `run(...)` runs them with APScheduler — one job at a time (a single worker
thread), one instance of each (`max_instances=1`, missed runs coalesced), a log line per run,
and a clean stop on SIGTERM or SIGINT (the running job finishes first).
"""

from __future__ import annotations

import logging
import signal
import threading
import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from ebt.calendar import MaineCalendar
from ebt.sweep.config import SweepConfig

log = logging.getLogger("ebt.scheduler")
EASTERN = "America/New_York"


@dataclass(frozen=True, slots=True)
class Actions:
    """What each job does; each returns a one-line summary for the log."""

    inbound: Callable[[], str]
    outbound: Callable[[], str]
    ack_check: Callable[[], str]
    activation: Callable[[], str] | None  # None: no activation hook installed


class JobFailedError(Exception):
    """A job that could not run, for a reason its message tells plainly (logged in one line,
    without a traceback)."""


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    run: Callable[[], str]
    trigger: Any  # an APScheduler trigger
    business_days_only: bool = False


def jobs(config: SweepConfig, actions: Actions) -> list[Job]:
    schedule = config.schedule
    out = [
        Job(
            "inbound",
            actions.inbound,
            IntervalTrigger(minutes=schedule.inbound_every_minutes, timezone=EASTERN),
            business_days_only=True,
        ),
        *(
            Job(
                f"outbound-{at:%H%M}",
                actions.outbound,
                CronTrigger(hour=at.hour, minute=at.minute, timezone=EASTERN),
            )
            for at in schedule.outbound_at
        ),
        Job(
            "ack-check",
            actions.ack_check,
            IntervalTrigger(minutes=schedule.ack_check_every_minutes, timezone=EASTERN),
        ),
    ]
    if actions.activation is not None:
        at = schedule.activation_at
        out.append(
            Job(
                "activation",
                actions.activation,
                CronTrigger(hour=at.hour, minute=at.minute, timezone=EASTERN),
            )
        )
    return out


def logged(job: Job, calendar: MaineCalendar, today: Callable[[], date]) -> Callable[[], None]:
    """`job.run` with its log line (and skipped on days that are not business days)."""

    def run() -> None:
        if job.business_days_only and not calendar.is_business_day(today()):
            log.info("job %s skipped: %s is not a Maine business day", job.id, today())
            return
        started = clock.monotonic()
        try:
            said = job.run()
        except JobFailedError as failed:
            log.error("job %s failed after %.1f s: %s", job.id, clock.monotonic() - started, failed)
            return
        except Exception:
            log.exception("job %s failed after %.1f s", job.id, clock.monotonic() - started)
            return
        log.info("job %s done in %.1f s: %s", job.id, clock.monotonic() - started, said)

    return run


def build(config: SweepConfig, actions: Actions, today: Callable[[], date]) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": 600},
        timezone=EASTERN,
    )
    calendar = MaineCalendar()
    for job in jobs(config, actions):
        scheduler.add_job(logged(job, calendar, today), job.trigger, id=job.id, name=job.id)
    return scheduler


def run(config: SweepConfig, actions: Actions, today: Callable[[], date]) -> None:
    """Run the jobs until SIGTERM or SIGINT; the job running then is let finish."""
    stop = threading.Event()
    received: list[str] = []

    def on_signal(number: int, _frame: object) -> None:
        # only note it: logging from a signal handler can interrupt a log line being
        # written to the same stream, and that line is then lost
        received.append(signal.Signals(number).name)
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    scheduler = build(config, actions, today)
    scheduler.start()
    for job in scheduler.get_jobs():
        log.info("job %s: next run %s", job.id, job.next_run_time)
    if actions.activation is None:
        log.info("job activation: not scheduled")
    try:
        while not stop.wait(1.0):
            pass
        log.info("scheduler stopping (%s)", received[0] if received else "stop")
    finally:
        scheduler.shutdown(wait=True)
        for number, handler in previous.items():
            signal.signal(number, handler)
        log.info("scheduler stopped")

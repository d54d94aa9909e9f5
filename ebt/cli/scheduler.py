"""`ebt scheduler run`: the sweeps and checks on their schedule, until stopped."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import click

from ebt.cli.clock import now
from ebt.cli.faults import told_plainly
from ebt.cli.store import db_option, open_engine, store_url
from ebt.cli.sweep import inbound_line, run_inbound, run_outbound
from ebt.cli.sweeps import config_option, read_config
from ebt.services.activation import activate
from ebt.sweep import schedule
from ebt.sweep.config import SweepConfig
from ebt.sweep.outbound import overdue_acks

log = logging.getLogger("ebt.scheduler")


@click.group(
    epilog="""\b
Examples:
  ebt scheduler run  # serves until stopped
""",
)
def scheduler() -> None:
    """Run the sweeps on the configuration's schedule."""


@scheduler.command(
    epilog="""Stops cleanly on SIGTERM or Ctrl-C (the job running then finishes first).

\b
Examples:
  ebt scheduler run --config partners.toml  # serves until stopped

\b
With PostgreSQL:
  ebt scheduler run --config partners.toml --db postgresql://ebt@db/ebt
""",
)
@config_option
@db_option
def run(config_path: Path, db: str | None) -> None:
    """Inbound sweeps every N minutes on business days, outbound sweeps at set times, the
    daily activation and the 997-overdue check; a log line per run."""
    config = read_config(config_path)
    schedule.run(config, actions(config, db), lambda: now().date())


def actions(config: SweepConfig, db: str | None) -> schedule.Actions:
    _, sessions = open_engine(db)
    url, _ = store_url(db)

    def inbound() -> str:
        summary, busy = run_inbound(config, db)
        return f"busy: {busy.what}" if busy is not None else inbound_line(summary)

    def outbound() -> str:
        summary = run_outbound(config, db)
        if summary.busy:
            return "busy: another sweep is writing the outbound files"
        for undelivered in summary.undelivered:
            log.warning("%s", undelivered)
        for problem in summary.problems:
            log.warning("%s", problem)
        said = f"{len(summary.files)} file(s) written"
        if summary.undelivered:
            said += f", {len(summary.undelivered)} not delivered (wait for the next run)"
        return said

    def ack_check() -> str:
        return f"{len(overdue_acks(sessions, config, now()))} new overdue-997 work item(s)"

    def activation() -> str:
        clock = now()
        report = activate(sessions, clock.date(), clock)
        return (
            f"{len(report.activated)} service period(s) activated, {len(report.ended)} ended, "
            f"{len(report.work_items)} work item(s) opened, {len(report.closed)} closed by "
            f"itself, {len(report.written_off)} written off"
        )

    return schedule.Actions(
        plainly(inbound, url),
        plainly(outbound, url),
        plainly(ack_check, url),
        plainly(activation, url),
    )


def plainly(action: Callable[[], str], url: str) -> Callable[[], str]:
    """`action`, with a fault of the store or a folder told in one log line (no traceback);
    the scheduler goes on and the job runs again at its next time."""

    def run() -> str:
        try:
            return action()
        except Exception as error:
            fault = told_plainly(error, url)
            if fault is None:
                raise
            raise schedule.JobFailedError(f"{fault.what}; fix: {fault.fix}") from None

    return run

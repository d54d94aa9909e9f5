"""`ebt scheduler run`: the sweeps and checks on their schedule, until stopped."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ebt.cli.clock import now
from ebt.cli.sweep import inbound_line, run_inbound, run_outbound
from ebt.cli.sweeps import config_option, open_engine, read_config
from ebt.market.activation import activate
from ebt.sweep import schedule
from ebt.sweep.config import SweepConfig
from ebt.sweep.outbound import overdue_acks


@click.group()
def scheduler() -> None:
    """Run the sweeps on the configuration's schedule."""


@scheduler.command(
    epilog="""Stops cleanly on SIGTERM or Ctrl-C (the job running then finishes first).

\b
Examples:
  ebt scheduler run --config partners.toml --db postgresql://ebt@db/ebt
""",
)
@config_option
@click.option("--db", "db", metavar="URL", default=None, help="Database URL.")
def run(config_path: Path, db: str | None) -> None:
    """Inbound sweeps every N minutes on business days, outbound sweeps at set times, the
    daily activation and the 997-overdue check; a log line per run."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = read_config(config_path)
    schedule.run(config, actions(config, db), lambda: now().date())


def actions(config: SweepConfig, db: str | None) -> schedule.Actions:
    _, sessions = open_engine(db)

    def inbound() -> str:
        return inbound_line(run_inbound(config, db))

    def outbound() -> str:
        return f"{len(run_outbound(config, db).files)} file(s) written"

    def ack_check() -> str:
        return f"{len(overdue_acks(sessions, config, now()))} new overdue-997 work item(s)"

    def activation() -> str:
        clock = now()
        with sessions() as session:
            report = activate(session, clock.date(), clock)
            session.commit()
        return (
            f"{len(report.activated)} service period(s) activated, {len(report.ended)} ended, "
            f"{len(report.work_items)} work item(s), {len(report.written_off)} written off"
        )

    return schedule.Actions(inbound, outbound, ack_check, activation)

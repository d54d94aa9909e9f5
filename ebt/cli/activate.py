"""`ebt activate`: the daily activation of pending service, and receivable write-offs."""

from __future__ import annotations

import json

import click

from ebt.cli.clock import now
from ebt.cli.sources import format_option
from ebt.cli.store import db_option, open_store
from ebt.services.activation import activate


@click.command(
    "activate",
    epilog="""\b
Examples:
  ebt activate
  ebt --today 2026-12-01 activate --format json
""",
)
@format_option
@db_option
def activate_command(fmt: str, db: str | None) -> None:
    """Turn pending service active where its start date has come and a start read exists;
    what cannot be activated becomes a work item (`ebt workitems`), which closes itself,
    recorded, on the run that finds the start read and activates the service. Also ends
    service whose stop date has come and writes off CES receivables carried one bill past a
    final bill."""
    clock, sessions = now(), open_store(db)
    report = activate(sessions, clock.date(), clock)
    found = {
        "activated": len(report.activated),
        "ended": len(report.ended),
        "work_items": report.work_items,
        "work_items_closed": report.closed,
        "written_off": report.written_off,
    }
    if fmt == "json":
        click.echo(json.dumps(found))
        return
    click.echo(
        f"{clock.date()}: {found['activated']} service period(s) activated, {found['ended']} "
        f"ended, {len(report.work_items)} work item(s) opened, {len(report.closed)} closed by "
        f"itself, {len(report.written_off)} receivable(s) written off"
    )

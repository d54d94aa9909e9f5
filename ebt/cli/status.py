"""`ebt status`: the operations view of the store."""

from __future__ import annotations

import json

import click

from ebt.cli.clock import now
from ebt.cli.store import open_engine
from ebt.sweep.status import render, status


@click.command(
    epilog="""\b
Examples:
  ebt status
  ebt status --format json --db postgresql://ebt@db/ebt
""",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--ack-due-hours", type=int, default=24, show_default=True)
@click.option("--db", "db", metavar="URL", default=None, help="Database URL.")
def status_command(fmt: str, ack_due_hours: int, db: str | None) -> None:
    """Files by state, transactions by outcome and reject code, overdue 997s, open work items."""
    _, sessions = open_engine(db)
    view = status(sessions, now(), ack_due_hours)
    click.echo(json.dumps(view, indent=2) if fmt == "json" else render(view))

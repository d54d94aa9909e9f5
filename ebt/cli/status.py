"""`ebt status`: the operations view of the store."""

from __future__ import annotations

import json
from typing import Any

import click

from ebt.cli.clock import now
from ebt.cli.render import table
from ebt.cli.sources import format_option
from ebt.cli.store import db_option, open_engine
from ebt.codes import default_catalogue
from ebt.sweep.status import render, rows, status


def with_meanings(view: dict[str, Any]) -> dict[str, Any]:
    """The view for programs: the reject codes as counted, and beside them what each means."""
    catalogue = default_catalogue()
    meanings = {code: catalogue.meaning("reject", code) for code in view["reject_codes"]}
    shown: dict[str, Any] = {}
    for key, value in view.items():
        shown[key] = value
        if key == "reject_codes":
            shown["reject_code_meanings"] = meanings
    return shown


def labelled(view: dict[str, Any]) -> dict[str, Any]:
    """The view for people: each reject code with its meaning, `A13 (other) 1`."""
    catalogue = default_catalogue()
    codes = {catalogue.label("reject", c): n for c, n in view["reject_codes"].items()}
    return {**view, "reject_codes": codes}


@click.command(
    epilog="""\b
Examples:
  ebt status
  ebt status --format json

\b
With PostgreSQL:
  ebt status --format json --db postgresql://ebt@db/ebt
""",
)
@format_option
@click.option(
    "--ack-due-hours",
    type=int,
    default=24,
    show_default=True,
    help="Hours after which a sent file without its 997 counts as overdue.",
)
@db_option
def status_command(fmt: str, ack_due_hours: int, db: str | None) -> None:
    """Files by state, transactions by outcome and reject code, overdue 997s, open work items."""
    _, sessions = open_engine(db)
    view = status(sessions, now(), ack_due_hours)
    if fmt == "json":
        click.echo(json.dumps(with_meanings(view), indent=2))
        return
    shown = labelled(view)
    table(("what", "how many"), rows(shown), [render(shown)], title=f"status as of {view['as_of']}")

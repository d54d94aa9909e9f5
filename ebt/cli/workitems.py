"""`ebt workitems`: exceptions for a person to resolve, and `ebt workitems resolve ID`."""

from __future__ import annotations

import getpass
import json
from typing import Any

import click
from sqlalchemy import select

from ebt.cli.clock import now
from ebt.cli.render import table
from ebt.cli.sources import format_option
from ebt.cli.store import db_option, open_store
from ebt.queries import workitems as queries
from ebt.queries.scope import Scope
from ebt.store.schema import Account, WorkItem


@click.group(
    "workitems",
    invoke_without_command=True,
    epilog="""\b
Examples:
  ebt workitems
  ebt workitems --all --format json
  ebt --today 2026-11-23 ack-check && ebt workitems resolve 1   # a 997 overdue, then found
""",
)
@click.option("--all", "show_all", is_flag=True, help="Resolved ones too.")
@format_option
@db_option
@click.pass_context
def workitems(ctx: click.Context, show_all: bool, fmt: str, db: str | None) -> None:
    """The open work items (exceptions the engine could not settle: a start with no read,
    a reversion to a closed landlord account, a final bill to transfer...)."""
    if ctx.invoked_subcommand is not None:
        return
    sessions = open_store(db)
    query = select(WorkItem, Account.number).outerjoin(Account, Account.id == WorkItem.account_id)
    if not show_all:
        query = query.where(WorkItem.status == "open")
    with sessions() as session:
        items = [
            _view(item, number) for item, number in session.execute(query.order_by(WorkItem.id))
        ]
    if fmt == "json":
        click.echo(json.dumps({"work_items": items}, indent=2))
        return
    table(
        ("id", "status", "kind", "account", "description"),
        [[i["id"], i["status"], i["kind"], i["account"], i["description"]] for i in items],
        [
            f"#{item['id']:<5} {item['status']:<8} {item['kind']:<14} "
            f"{item['account'] or '-':<12} {item['description']}"
            for item in items
        ],
    )
    if not items:
        click.echo("no work items", err=True)


def _view(item: WorkItem, account: str | None) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": item.kind,
        "status": item.status,
        "account": account,
        "process": item.process_id,
        "description": item.description,
        "created_at": item.created_at.isoformat(timespec="seconds"),
        "resolved_at": item.resolved_at.isoformat(timespec="seconds") if item.resolved_at else None,
        "resolution": item.resolution,
    }


@workitems.command(
    "resolve",
    epilog="""\b
Examples:
  ebt --today 2026-11-23 ack-check && ebt workitems resolve 1 --note "997 came by e-mail"
""",
)
@click.argument("item_id", type=int)
@click.option("--note", default="", help="What was done (kept with the work item).")
@db_option
def resolve(item_id: int, note: str, db: str | None) -> None:
    """Close work item ITEM_ID, recorded with the OS user and the note."""
    sessions = open_store(db)
    with sessions() as session:
        try:
            queries.resolve(
                session,
                Scope.everything(),
                item_id,
                now(),
                resolution=f"resolved by {getpass.getuser()}" + (f": {note}" if note else ""),
            )
        except queries.WorkItemError as error:
            raise click.ClickException(f"{error}; `ebt workitems` lists them") from None
        session.commit()
    click.echo(f"work item #{item_id} resolved")

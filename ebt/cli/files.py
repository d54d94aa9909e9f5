"""`ebt files` (the file ledger: files received and sent, with their states) and
`ebt file show` (one file's whole life), over the query layer the console uses
(`ebt/queries/files.py`)."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from typing import Any

import click
from sqlalchemy.orm import Session

from ebt.cli.clock import now
from ebt.cli.options import parse_date
from ebt.cli.render import table
from ebt.cli.sources import format_option
from ebt.cli.store import db_option, open_store
from ebt.queries.files import (
    INBOUND_STATES,
    OUTBOUND_STATES,
    FileFilter,
    FileRow,
    InboundFileView,
    OutboundFileView,
    files_holding,
    inbound_file,
    inbound_file_id,
    list_files,
    outbound_file,
    outbound_file_id,
)
from ebt.queries.scope import Scope


@click.command(
    epilog="""\b
Examples:
  ebt files                                   # the latest files received
  ebt files --direction out --state overdue   # sent files whose 997 is overdue
  ebt files --partner 081234567 --since 2026-11-01 --format json
  ebt files --reference PTP-ENR-20261102-0001  # the files that carried a request
  ebt files --account 00412345678             # every file about an account
""",
)
@click.option(
    "--direction",
    type=click.Choice(["in", "out"]),
    default="in",
    show_default=True,
    help="Files received (in) or sent (out).",
)
@click.option("--partner", metavar="DUNS", help="Only this partner's files.")
@click.option(
    "--state",
    type=click.Choice(sorted({*INBOUND_STATES, *OUTBOUND_STATES})),
    help="Only files in this state (received files: "
    + ", ".join(INBOUND_STATES)
    + "; sent files: "
    + ", ".join(OUTBOUND_STATES)
    + ").",
)
@click.option(
    "--since", metavar="YYYY-MM-DD", callback=parse_date, help="Only files of this day or later."
)
@click.option(
    "--until", metavar="YYYY-MM-DD", callback=parse_date, help="Only files of this day or before."
)
@click.option("--isa13", metavar="N", help="The files that carried this interchange control.")
@click.option("--reference", metavar="BGN02", help="The files that carried this request.")
@click.option("--account", metavar="NUMBER", help="The files about this T&D account.")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True, help="Page.")
@format_option
@db_option
def files(
    direction: str,
    partner: str | None,
    state: str | None,
    since: date | None,
    until: date | None,
    isa13: str | None,
    reference: str | None,
    account: str | None,
    page: int,
    fmt: str,
    db: str | None,
) -> None:
    """The file ledger: the files received (received, claimed, ingested, processed,
    archived, error) or sent (awaiting 997, acknowledged, rejected, overdue, resent, no 997
    expected), newest first, fifty to a page; or the files that carried an ISA13, a BGN02
    or anything about an account (received and sent together)."""
    sessions = open_store(db)
    clock = now()
    with sessions() as session:
        if isa13 or reference or account:
            rows = files_holding(
                session, Scope.everything(), isa13=isa13, reference=reference, account=account,
                now=clock,
            )  # fmt: skip
            more = False
        else:
            where = FileFilter(direction, partner, state, since, until)
            found = list_files(session, Scope.everything(), where, now=clock, page=page)
            rows, more = found.rows, found.more
    if fmt == "json":
        click.echo(json.dumps({"files": [_plain(r) for r in rows], "more": more}, indent=2))
        return
    table(FILE_HEADERS, [_cells(row) for row in rows], [_line(row) for row in rows])
    if not rows:
        click.echo("no file found", err=True)
    elif more:
        click.echo(f"(more: --page {page + 1})")


FILE_HEADERS = ("dir", "id", "at", "state", "partner", "name", "size", "errors")


def _cells(row: FileRow) -> tuple[object, ...]:
    """The row as `_line` says it, a cell a column."""
    size = f"{row.size:,} bytes" if row.size is not None else f"ISA13 {row.control}"
    return (
        row.direction, row.id, f"{row.at:%Y-%m-%d %H:%M}", row.state, row.partner, row.name,
        size, row.errors,
    )  # fmt: skip


def _line(row: FileRow) -> str:
    size = f"{row.size:,} bytes" if row.size is not None else f"ISA13 {row.control}"
    errors = f", {row.errors} error(s)" if row.errors else ""
    return (
        f"{row.direction:<3} {row.id:>7}  {row.at:%Y-%m-%d %H:%M}  {row.state:<15} "
        f"{row.partner or '-':<13} {row.name}  ({size}{errors})"
    )


@click.group(
    epilog="""\b
Examples:
  ebt file show 814-enrollment-request.x12
  ebt file show 081234567-000000001.x12 --direction out --format json
""",
)
def file() -> None:
    """One file of the ledger: its whole life, in or out."""


@file.command(
    epilog="""\b
Examples:
  ebt file show 814-enrollment-request.x12
  ebt file show 3 --format json             # by its id in `ebt files`
  ebt file show 081234567-000000001.x12 --direction out
""",
)
@click.argument("name")
@click.option(
    "--direction",
    type=click.Choice(["in", "out"]),
    help="A received (in) or sent (out) file (default: a received one of that name or id, "
    "else a sent one).",
)
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True, help="Page.")
@format_option
@db_option
def show(name: str, direction: str | None, page: int, fmt: str, db: str | None) -> None:
    """One file's whole life: who sent it and when, its hash, its interchanges, groups and
    sets with their control numbers, its findings, each transaction's decision and the
    answers it produced with the files they left in, the 997 and TA1 sent for it; for a sent
    file, what it held and the 997 received for it."""
    sessions = open_store(db)
    clock = now()
    with sessions() as session:
        view = _find(session, name, direction, page, clock)
    if view is None:
        kind = {"in": "received ", "out": "sent "}.get(direction or "", "")
        raise click.ClickException(f"no {kind}file named {name!r} (or with that id)")
    if fmt == "json":
        click.echo(json.dumps(_plain(view), indent=2))
        return
    if isinstance(view, InboundFileView):
        _inbound_text(view)
    else:
        _outbound_text(view)


def _find(
    session: Session, name: str, direction: str | None, page: int, clock: datetime
) -> InboundFileView | OutboundFileView | None:
    scope = Scope.everything()
    number = int(name) if name.isdigit() else None
    if direction in (None, "in"):
        found = inbound_file_id(session, scope, name) or number
        view = inbound_file(session, scope, found, page=page) if found else None
        if view is not None:
            return view
    if direction in (None, "out"):
        found = outbound_file_id(session, scope, name) or number
        if found:
            return outbound_file(session, scope, found, now=clock, page=page)
    return None


def _inbound_text(view: InboundFileView) -> None:
    say = click.echo
    say(click.style(f"received file {view.name}", bold=True) + f"  (id {view.id})")
    say(f"  from      {view.partner_name or '?'} ({view.partner or 'no channel: ebt process'})")
    say(f"  received  {view.received_at:%Y-%m-%d %H:%M}, {view.size:,} bytes")
    say(f"  SHA-256   {view.sha256}")
    say(f"  state     {view.status}, {view.errors} error(s) outside its sets")
    say(f"  kept at   {view.original or '(not kept: ebt process keeps no copy)'}")
    for inter in view.interchanges:
        refused = f", refused: {inter.refused}" if inter.refused else ""
        groups = ", ".join(f"GS06 {g.control} ({g.sets} set(s))" for g in inter.groups) or "-"
        say(
            f"  ISA13 {inter.control} from {inter.sender} to {inter.receiver}"
            f"{' (test)' if not inter.production else ''}{refused}: {groups}"
        )
    if view.findings:
        say(f"  findings ({view.findings_count}):")
        for f in view.findings:
            where = " / ".join(x for x in (f.interchange, f.group, f.transaction) if x)
            place = "" if f.position is None else f" #{f.position}"
            at = f" at {f.segment}{place}" if f.segment else ""
            say(f"    {f.severity} {f.code}{at}{f' ({where})' if where else ''}: {f.message}")
    if view.acknowledgments:
        say("  acknowledgments sent for it:")
        for a in view.acknowledgments:
            say(f"    {a.summary} -> {a.recipient} in {a.file_name or '(not sent yet)'}")
    rows = view.transactions.rows
    say(f"  transactions (page {view.transactions.number}):")
    for t in rows:
        decided = f"{t.outcome}{' ' + t.code if t.code else ''}" if t.outcome else t.status
        say(
            f"    ST02 {t.control} GS06 {t.group} ISA13 {t.interchange}  {t.kind or t.set_id}  "
            f"{t.reference or '-'}  account {t.account or '-'}: {decided}"
        )
        for a in t.answers:
            sent = a.file_name or "(not sent yet)"
            say(f"      answered: {a.summary} -> {a.recipient} in {sent}")
    if view.transactions.more:
        say(f"  (more: --page {view.transactions.number + 1})")


def _outbound_text(view: OutboundFileView) -> None:
    say = click.echo
    say(click.style(f"sent file {view.name}", bold=True) + f"  (id {view.id})")
    say(f"  to        {view.recipient_name or '?'} ({view.recipient}), folder {view.folder}")
    say(
        f"  sent      {view.sent_at:%Y-%m-%d %H:%M}, ISA13 {view.control}, groups "
        + ", ".join(f"{k} {v}" for k, v in view.groups.items())
    )
    ack = (
        f"997 received {view.acked_at:%Y-%m-%d %H:%M}: AK9 {view.ack_status}"
        if view.acked_at
        else ("no 997 received yet" if view.ack_expected else "no 997 expected")
    )
    say(f"  state     {view.state}; {ack}")
    say(f"  messages (page {view.messages.number}):")
    for m in view.messages.rows:
        say(f"    {m.set_id} {m.kind}: {m.summary}")
    if view.messages.more:
        say(f"  (more: --page {view.messages.number + 1})")


def _plain(value: Any) -> Any:
    """A dataclass view as JSON-ready values."""
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value

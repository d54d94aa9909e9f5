"""`ebt replay` (stored decisions evaluated again under other rules, read-only) and
`ebt rules check|show` (a draft table checked as the loader checks it; a table drawn)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import click
from sqlalchemy import or_, select

from ebt.cli.clock import now
from ebt.cli.options import parse_date
from ebt.cli.sources import format_option
from ebt.cli.store import db_option, open_store
from ebt.data.market import load_draft, load_rules
from ebt.market.replay import Replayed, counts
from ebt.rules import render
from ebt.rules.tables import RuleError
from ebt.services.replay import Selection, replay, rules_for
from ebt.store.schema import InboundFile


@click.command(
    epilog="""\b
Examples:
  ebt replay 814-enrollment-request.x12      # one file's decisions, under today's rules
  ebt replay --from 2026-11-01 --to 2026-11-30 --rules drafts/   # under a draft
  ebt replay 3 --rules then --format json     # file id 3, under the rules of the day
""",
)
@click.argument("file", required=False)
@click.option(
    "--from",
    "first",
    metavar="YYYY-MM-DD",
    callback=parse_date,
    help="Replay the decisions taken on this day or after.",
)
@click.option(
    "--to",
    "last",
    metavar="YYYY-MM-DD",
    callback=parse_date,
    help="Replay the decisions taken on this day or before.",
)
@click.option(
    "--rules",
    "choice",
    default="now",
    show_default=True,
    metavar="then|now|PATH",
    help="The tables and parameters in force when each decision was taken, in force today, "
    "or a draft: a table file, a parameters file or a folder of them (the rest as today).",
)
@click.option("--all", "show_all", is_flag=True, help="List every decision, not only changed ones.")
@format_option
@db_option
def replay_command(
    file: str | None,
    first: date | None,
    last: date | None,
    choice: str,
    show_all: bool,
    fmt: str,
    db: str | None,
) -> None:
    """Evaluate the decisions of FILE (a name or id) or of a range of days again from the
    facts they recorded, under other rules, and show whose outcome (code, effective date)
    would change and at which steps; then the count of each outcome pair. Read-only."""
    if (file is None) == (first is None and last is None):
        raise click.UsageError("give a FILE, or --from and/or --to (not both)")
    sessions = open_store(db)
    today = now().date()
    try:
        rules = rules_for(choice, today)
    except RuleError as error:
        raise click.ClickException(f"the draft rules cannot be used: {error}") from None
    with sessions() as session:
        selection = Selection(first=first, last=last)
        if file is not None:
            found = session.scalar(
                select(InboundFile.id)
                .where(or_(InboundFile.name == file, InboundFile.id == _number(file)))
                .order_by(InboundFile.id.desc())
                .limit(1)
            )
            if found is None:
                raise click.ClickException(f"no inbound file named {file!r} (or with that id)")
            selection = Selection(file_id=found)
        results = replay(session, selection, rules)
        if fmt == "json":
            _json(results, rules.label)
        else:
            _text(results, rules.label, show_all)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else -1


def _text(results: Any, label: str, show_all: bool) -> None:
    seen: list[Replayed] = []
    shown = 0
    for item in results:
        seen.append(item)
        if not (show_all or item.changed):
            continue
        shown += 1
        decision = item.decision
        click.echo(
            click.style(decision.reference, bold=True)
            + f"  account {decision.account or '-'}  file {decision.file or '-'}"
            + f"  decided {decision.decided_on}"
        )
        click.echo(f"  as decided ({item.before.table}): {item.before}")
        if item.after is None:
            click.echo("  facts not recorded: it cannot be replayed")
            continue
        click.echo(f"  under {label} ({item.after.table}): {item.after}")
        for difference in item.differences:
            click.echo(
                f"    step {difference.step}: {_said(difference.before)} -> "
                f"{_said(difference.after)}"
            )
    click.echo(f"{len(seen)} decision(s) replayed under {label}, {shown} shown")
    for (before, after), (total, changed) in sorted(counts(seen).items()):
        note = f"  ({changed:,} changed)" if changed else ""
        click.echo(f"  {before:<28} -> {after:<28} {total:>8,}{note}")


def _said(answer: bool | None) -> str:
    return "not asked" if answer is None else "yes" if answer else "no"


def _json(results: Any, label: str) -> None:
    items, seen = [], []
    for item in results:
        seen.append(item)
        decision = item.decision
        after = item.after
        items.append(
            {
                "reference": decision.reference,
                "account": decision.account,
                "file": decision.file,
                "decided_on": decision.decided_on.isoformat(),
                "before": _result(item.before),
                "after": _result(after) if after is not None else None,
                "changed": item.changed,
                "differences": [
                    {"step": d.step, "before": d.before, "after": d.after} for d in item.differences
                ],
            }
        )
    pairs = [
        {"before": before, "after": after, "count": total, "changed": changed}
        for (before, after), (total, changed) in sorted(counts(seen).items())
    ]
    click.echo(json.dumps({"rules": label, "decisions": items, "counts": pairs}, indent=2))


def _result(result: Any) -> dict[str, Any]:
    return {
        "outcome": result.outcome,
        "code": result.code,
        "effective": result.effective.isoformat() if result.effective else None,
        "table": result.table,
        "pair": result.pair,
    }


@click.group(
    epilog="""\b
Examples:
  ebt rules show enrollment
  ebt rules show drop --version 1.0 --format mermaid
  ebt rules check drafts/parameters-1.1.json
""",
)
def rules() -> None:
    """The decision tables: check a draft, draw a table."""


@rules.command(
    epilog="""\b
Examples:
  ebt rules check drafts/parameters-1.1.json
  ebt rules check drafts/
""",
)
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def check(path: Path) -> None:
    """Check a draft table file, parameters file or folder of them as the loader checks the
    bundled ones: every problem with the file, the step and what is wrong (exit 1)."""
    try:
        tables, parameters = load_draft(path, now().date())
    except RuleError as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from None
    for table in tables.values():
        click.echo(
            f"{table.name} {table.version}: ok ({len(table.steps)} steps, valid from "
            f"{table.valid_from})"
        )
    if parameters is not None:
        click.echo(f"parameters {parameters.version}: ok (valid from {parameters.valid_from})")


@rules.command(
    epilog="""\b
Examples:
  ebt rules show enrollment
  ebt rules show move --format dot > move.dot   # then: dot -Tsvg move.dot > move.svg
  ebt rules show drop --version 1.0 --format mermaid
""",
)
@click.argument("name")
@click.option("--version", help="A version of the table (default: the one in force today).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "dot", "mermaid"]),
    default="text",
    show_default=True,
    help="Indented text, Graphviz dot, or a Mermaid flowchart.",
)
def show(name: str, version: str | None, fmt: str) -> None:
    """Draw the decision table NAME as its tree: each question with its yes and no."""
    today = now().date()
    rulebook = load_rules(today)
    try:
        table = rulebook.version(name, version) if version else rulebook.table_for(name, today)
    except RuleError as error:
        raise click.ClickException(str(error)) from None
    if table is None:
        known = ", ".join(t.version for t in rulebook.versions(name)) or "none"
        raise click.ClickException(f"table {name!r} has no version {version!r} (known: {known})")
    drawn = {"text": render.text, "dot": render.dot, "mermaid": render.mermaid}[fmt](table)
    click.echo(drawn, nl=False)

"""`ebt show`: the typed transactions in a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ebt.check import SetResult
from ebt.cli.render import plain
from ebt.cli.sources import existing_files, format_option
from ebt.formats.detect import checker_for


def transactions_of(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The file's records as plain data, and a line for each set that could not be read."""
    out: list[dict[str, Any]] = []
    problems: list[str] = []
    with path.open("rb") as source:
        for event in checker_for(source, name=str(path)).events():
            if isinstance(event, SetResult):
                tx = event.transaction
                numbers = {
                    "interchange": tx.group.interchange.control,
                    "group": tx.group.control,
                    "transaction": tx.control,
                }
                if event.record is None:
                    errors = sum(1 for f in event.findings if f.is_error)
                    problems.append(
                        f"{path}: transaction set {tx.control} "
                        f"(segment {tx.line}) has {errors} error(s); "
                        f"run `ebt validate {path}`"
                    )
                    continue
                out.append({**plain(event.record), "control_numbers": numbers})
            elif any(f.is_error for f in event.findings) and not problems:
                problems.append(f"{path}: {event.findings[0].message}")
    return out, problems


def _text(record: dict[str, Any]) -> str:
    head = click.style(str(record["kind"]), bold=True)
    ref = record.get("reference") or record.get("group_control") or ""
    lines = [f"{head}  {ref}"]
    shown = {k: v for k, v in record.items() if v not in (None, [], {}) and k != "kind"}
    width = max(len(k) for k in shown) if shown else 0
    lines += [
        f"  {k:<{width}}  {json.dumps(v) if isinstance(v, list | dict) else v}"
        for k, v in shown.items()
    ]
    return "\n".join(lines)


@click.command(
    epilog="""\b
Examples:
  ebt show inbound/enroll.x12
  ebt show inbound/enroll.x12 --format json
  ebt show fixtures/xml/good/814-enrollment-request.xml
""",
)
@click.argument("path", type=existing_files)
@format_option
def show(path: Path, fmt: str) -> None:
    """Show the typed transactions (814, 997, 824) in an X12, XML or EDIFACT file."""
    records, problems = transactions_of(path)
    if fmt == "json":
        click.echo(json.dumps({"transactions": records}, indent=2))
    else:
        click.echo("\n\n".join(_text(r) for r in records) or "no readable transactions")
    for line in problems:
        click.echo(click.style(line, fg="red"), err=True)
    if problems:
        raise SystemExit(1)

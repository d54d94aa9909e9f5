"""How findings, records and summaries look on a terminal and in JSON."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import click
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from ebt.check import FileReport
from ebt.codes import default_catalogue
from ebt.findings import Finding, Severity

COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow"}


def finding_json(item: Finding) -> dict[str, Any]:
    where = item.location
    origin = {"origin": where.origin} if where.origin is not None else {}
    return {
        "code": item.code,
        "severity": item.severity.value,
        "message": item.message,
        "fix": item.fix,
        "segment": where.segment,
        "position": where.position,
        "line": where.line,
        "element": where.element,
        "control_numbers": where.control_numbers(),
        "text": item.text,
        **origin,
    }


def report_json(report: FileReport) -> dict[str, Any]:
    return {
        "path": report.path,
        "syntax": report.syntax,
        "interchanges": report.interchanges,
        "transactions": report.transactions,
        "errors": report.errors,
        "warnings": report.warnings,
        "findings": [finding_json(f) for f in report.findings],
        "findings_omitted": report.omitted,
    }


def _where(item: Finding) -> str:
    loc = item.location
    parts = []
    if loc.origin is not None:
        parts.append(loc.origin)  # XML element or EDIFACT segment, as received
    elif loc.line is not None:
        parts.append(f"segment {loc.line}")
    if loc.segment:
        parts.append(loc.segment + (f" {loc.element}" if loc.element else ""))
    numbers = loc.control_numbers()
    labels = {"interchange": "ISA", "group": "GS", "transaction": "ST"}
    if numbers:
        parts.append(" / ".join(f"{labels[k]} {v}" for k, v in numbers.items()))
    return ", ".join(parts)


def finding_line(item: Finding) -> str:
    """One finding on one line: severity, code, where, message."""
    return f"{item.severity.value} {item.code} ({_where(item)}): {item.message}"


def report_text(report: FileReport) -> str:
    if report.errors:
        verdict = click.style(f"{report.errors} error(s)", fg="red", bold=True)
    else:
        verdict = click.style("valid", fg="green", bold=True)
    warn = f", {report.warnings} warning(s)" if report.warnings else ""
    lines = [
        f"{click.style(report.path, bold=True)}: {verdict}{warn} "
        f"({report.interchanges} interchange(s), {report.transactions} transaction(s))"
    ]
    width = max((len(f.code) for f in report.findings), default=0)
    for item in report.findings:
        colour = COLOURS[item.severity]
        label = click.style(f"{item.severity.value:<7}", fg=colour, bold=True)
        lines.append(f"  {label} {item.code:<{width}}  {_where(item)}")
        lines.append(f"  {'':7} {item.message}")
        if item.text:
            lines.append(f"  {'':7} {click.style('> ' + item.text, fg='cyan')}")
        lines.append(f"  {'':7} fix: {item.fix}")
    if report.omitted:
        lines.append(f"  ... and {report.omitted} more finding(s) not shown")
    return "\n".join(lines)


def plain(value: Any) -> Any:
    """A record (or any value inside one) as JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


def emit_json(document: Mapping[str, Any]) -> None:
    """A command's `--format json` answer: one JSON object on stdout (docs/cli.md)."""
    click.echo(json.dumps(document, indent=2))


def rejects_json(counts: Mapping[str, int]) -> dict[str, Any]:
    """Reject codes as counted, and beside them what each means (None: not in the list), as
    `ebt status --format json` gives them."""
    catalogue = default_catalogue()
    return {
        "reject_codes": dict(sorted(counts.items())),
        "reject_code_meanings": {
            code: catalogue.meaning("reject", code) for code in sorted(counts)
        },
    }


# -- tables: drawn by rich on a terminal, the plain lines ebt has always printed elsewhere ----


@dataclasses.dataclass(frozen=True, slots=True)
class Table:
    """Rows under headers, with an optional title, for a terminal."""

    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    title: str | None = None


def on_terminal() -> bool:
    """Whether stdout is a terminal: tables are drawn there, plain lines go anywhere else."""
    return sys.stdout.isatty()


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    plain: Sequence[str],
    *,
    title: str | None = None,
) -> None:
    """`rows` under `headers` on a terminal (see `tables`); else the lines of `plain`."""
    tables([Table(headers, rows, title)], plain)


def tables(drawn: Sequence[Table], plain: Sequence[str]) -> None:
    """On a terminal, each table drawn by rich under its title (a header row, columns fitted
    to the terminal's width, long cells folded, never cut; no colour under NO_COLOR); piped
    or captured, the lines of `plain` as they always were, so that scripts reading them go
    on working. A table without rows is not drawn."""
    if not on_terminal():
        for line in plain:
            click.echo(line)
        return
    console = Console(highlight=False)
    for each in drawn:
        if not each.rows:
            continue
        if each.title:
            console.print(Text(each.title, style="bold"))
        console.print(_rich(each))


def _rich(each: Table) -> RichTable:
    drawn = RichTable()
    first = each.rows[0]
    for index, header in enumerate(each.headers):
        numeric = isinstance(first[index], int) and not isinstance(first[index], bool)
        drawn.add_column(Text(header), justify="right" if numeric else "left", overflow="fold")
    for row in each.rows:  # cells as text: a `[` in a value is not rich markup
        drawn.add_row(*(Text("-" if cell is None else str(cell)) for cell in row))
    return drawn

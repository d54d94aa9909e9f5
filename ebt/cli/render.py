"""How findings, records and summaries look on a terminal and in JSON."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import click

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

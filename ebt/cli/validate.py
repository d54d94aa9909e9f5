"""`ebt validate`: check files against the implementation guide and list what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ebt.check import FileReport, InterchangeStart, SetResult
from ebt.cli.render import report_json, report_text
from ebt.cli.sources import existing_files, format_option
from ebt.formats.detect import checker_for, syntax_of


def check_file(path: Path, *, strict: bool) -> FileReport:
    """Validate one file into a report; `strict` stops at the first error."""
    report = FileReport(str(path))
    with path.open("rb") as source:
        checker = checker_for(source, name=str(path), records=True)
        report.syntax = syntax_of(checker)
        for event in checker.events():
            if isinstance(event, InterchangeStart):
                report.interchanges += 1
            elif isinstance(event, SetResult):
                report.transactions += 1
            report.add(list(event.findings))
            if strict and report.errors:
                break
    return report


@click.command(
    epilog="""Exit status: 0 no file has an error, 1 a file has an error, 2 usage (a missing
file or a directory).

\b
Examples:
  ebt validate inbound/enroll.x12
  ebt validate fixtures/x12/good/*.x12 --format json
  ebt validate --strict inbound/*.x12
  ebt validate fixtures/xml/good/*.xml fixtures/edifact/good/*.edi
""",
)
@click.argument("paths", nargs=-1, required=True, type=existing_files)
@format_option
@click.option("--strict", is_flag=True, help="Stop each file at its first error.")
def validate(paths: tuple[Path, ...], fmt: str, strict: bool) -> None:
    """Validate X12, XML or EDIFACT files against the implementation guide in force on
    their date (the syntax is told from the first bytes)."""
    reports = [check_file(path, strict=strict) for path in paths]
    if fmt == "json":
        click.echo(json.dumps({"files": [report_json(r) for r in reports]}, indent=2))
    else:
        click.echo("\n\n".join(report_text(r) for r in reports))
    if any(r.errors for r in reports):
        raise SystemExit(1)

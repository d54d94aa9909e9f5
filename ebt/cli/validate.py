"""`ebt validate`: check files against the implementation guide and list what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ebt.check import FileReport, InterchangeStart, SetResult
from ebt.cli.render import report_json, report_text
from ebt.cli.sources import format_option, input_files, input_name, opened, read_once
from ebt.findings import Finding
from ebt.formats.detect import checker_for, syntax_of

STRICT_NOTE = "  stopped at the first error (--strict): the rest of the file was not checked"


def up_to_first_error(found: list[Finding]) -> list[Finding] | None:
    """The findings up to and including the first error; None when there is no error."""
    for index, item in enumerate(found):
        if item.is_error:
            return found[: index + 1]
    return None


def check_file(path: Path, *, strict: bool) -> FileReport:
    """Validate one file (`-`: standard input) into a report; `strict` stops at the first
    error, keeping the findings up to and including it."""
    report = FileReport(input_name(path))
    with opened(path) as source:
        checker = checker_for(source, name=report.path, records=True)
        report.syntax = syntax_of(checker)
        for event in checker.events():
            if isinstance(event, InterchangeStart):
                report.interchanges += 1
            elif isinstance(event, SetResult):
                report.transactions += 1
            found = list(event.findings)
            first = up_to_first_error(found) if strict else None
            report.add(found if first is None else first)
            if first is not None:
                break
    return report


def _text(report: FileReport, *, strict: bool) -> str:
    text = report_text(report)
    return f"{text}\n{STRICT_NOTE}" if strict and report.errors else text


@click.command(
    epilog="""Exit status: 0 no file has an error, 1 a file has an error, 2 usage (a missing
file or a directory).

\b
Examples:
  ebt validate fixtures/x12/good/814-enrollment-request.x12
  ebt validate fixtures/x12/good/*.x12 --format json
  ebt validate --strict fixtures/x12/bad/*.x12   # exits 1: each file to its first error
  ebt validate fixtures/xml/good/*.xml fixtures/edifact/good/*.edi
  ebt validate - < fixtures/x12/bad/se-count--one-short.x12   # exits 1: SE01 is one short
""",
)
@click.argument("paths", nargs=-1, required=True, type=input_files)
@format_option
@click.option(
    "--strict",
    is_flag=True,
    help="Stop each file at its first error: report the findings up to and including it "
    "(warnings before it too), and check no further.",
)
def validate(paths: tuple[Path, ...], fmt: str, strict: bool) -> None:
    """Validate X12, XML or EDIFACT files against the implementation guide in force on
    their date (the syntax is told from the first bytes). PATH `-` is standard input,
    named <stdin> in the findings."""
    read_once(paths)
    reports = [check_file(path, strict=strict) for path in paths]
    if fmt == "json":
        click.echo(json.dumps({"files": [report_json(r) for r in reports]}, indent=2))
    else:
        click.echo("\n\n".join(_text(r, strict=strict) for r in reports))
    if any(r.errors for r in reports):
        raise SystemExit(1)

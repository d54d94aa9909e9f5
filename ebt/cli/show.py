"""`ebt show`: the typed transactions in a file.

Records are written as they are read, one transaction at a time: the JSON document is
written piece by piece (the same bytes `json.dumps` gives for the whole list), so memory
stays flat however many transactions the file holds.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import click

from ebt.check import SetResult
from ebt.cli.render import plain
from ebt.cli.sources import format_option, input_files, input_name, opened
from ebt.cli.transaction_text import record_text
from ebt.formats.detect import checker_for

PROBLEMS_SHOWN = 100  # lines about unreadable sets kept for the end; the rest are counted


@dataclass(slots=True)
class Problems:
    """What could not be shown: a line for each of the first sets, and how many more."""

    lines: list[str] = field(default_factory=list)
    more: int = 0

    def add(self, line: str) -> None:
        if len(self.lines) < PROBLEMS_SHOWN:
            self.lines.append(line)
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.lines)


def records_of(source: BinaryIO, name: str, problems: Problems) -> Iterator[dict[str, Any]]:
    """The file's records as plain data, one at a time; a line in `problems` for each set
    that could not be read."""
    for event in checker_for(source, name=name).events():
        if isinstance(event, SetResult):
            tx = event.transaction
            if event.record is None:
                errors = sum(1 for f in event.findings if f.is_error)
                problems.add(
                    f"{name}: transaction set {tx.control} (segment {tx.line}) has "
                    f"{errors} error(s); run `ebt validate {name}`"
                )
                continue
            numbers = {
                "interchange": tx.group.interchange.control,
                "group": tx.group.control,
                "transaction": tx.control,
            }
            yield {**plain(event.record), "control_numbers": numbers}
        elif any(f.is_error for f in event.findings) and not problems:
            problems.add(f"{name}: {event.findings[0].message}")


def json_document(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """`{"transactions": [...]}` in pieces, exactly as `json.dumps(..., indent=2)` writes the
    whole document, holding one record at a time. (A string in JSON never holds a raw line
    break, so indenting a record's own text by four spaces nests it.)"""
    opened = False
    for record in records:
        text = json.dumps(record, indent=2).replace("\n", "\n    ")
        yield (",\n    " if opened else '{\n  "transactions": [\n    ') + text
        opened = True
    yield "\n  ]\n}\n" if opened else '{\n  "transactions": []\n}\n'


def _write_text(records: Iterable[dict[str, Any]]) -> None:
    count = 0
    for record in records:
        click.echo(("\n" if count else "") + record_text(record))
        count += 1
    if not count:
        click.echo("no readable transactions")


@click.command(
    epilog="""\b
Examples:
  ebt show fixtures/x12/good/814-enrollment-request.x12
  ebt show fixtures/x12/good/997-functional-ack.x12 --format json
  ebt show fixtures/xml/good/814-enrollment-request.xml
  ebt show - < fixtures/x12/good/814-enrollment-request.x12
""",
)
@click.argument("path", type=input_files)
@format_option
def show(path: Path, fmt: str) -> None:
    """Show the typed transactions (814, 997, 824) in an X12, XML or EDIFACT file (`-`:
    standard input)."""
    problems = Problems()
    with opened(path) as source:
        records = records_of(source, input_name(path), problems)
        if fmt == "json":
            out = sys.stdout
            for piece in json_document(records):
                out.write(piece)
            out.flush()
        else:
            _write_text(records)
    for line in problems.lines:
        click.echo(click.style(line, fg="red"), err=True)
    if problems.more:
        click.echo(click.style(f"... and {problems.more} more", fg="red"), err=True)
    if problems:
        raise SystemExit(1)

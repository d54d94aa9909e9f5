"""`ebt ack`: write the acknowledgments a file is owed: for X12 the 997 (and TA1 where the
envelope is broken), for XML the same 997 in the XML form, for EDIFACT a CONTRL."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

import click

from ebt.acks.functional import Acknowledger, ack_text
from ebt.cli.clock import now
from ebt.cli.sources import input_files, input_name, opened
from ebt.findings import Finding
from ebt.formats.detect import checker_for, syntax_of


def _noting_first_error(events: Iterable[object], first: list[Finding]) -> Iterator[object]:
    """The events as they come; the first error found on the way goes into `first`."""
    for event in events:
        if not first:
            first.extend(f for f in getattr(event, "findings", ()) if f.is_error)
            del first[1:]
        yield event


def _x12_parts(events: Iterable[object], first: int, when: datetime) -> tuple[int, list[str]]:
    acker = Acknowledger()
    parts: list[str] = []
    interchanges = 0
    for event in events:
        answer = acker.feed(event)
        if answer is None:
            continue
        interchanges += 1
        if not answer.acks and answer.ta1 is None:
            continue  # only 997 groups, and a sound envelope: nothing is owed
        control = (first - 1 + len(parts)) % 999_999_999 + 1  # ISA13: 9 digits
        parts.append(ack_text(answer, control=control, when=when))
    return interchanges, parts


def _contrl_parts(events: Iterable[object], first: int, when: datetime) -> tuple[int, list[str]]:
    from ebt.formats.contrl import contrl_text, reports  # pydifact only when needed

    parts = [
        contrl_text(report, control=first + n, when=when)
        for n, report in enumerate(reports(events))
    ]
    return len(parts), parts


def _as_xml(x12: str, name: str) -> str:
    from ebt.formats.translate import translate

    text, outcome = translate(io.BytesIO(x12.encode("ascii")), to="xml", name=f"997 for {name}")
    written = "".join(text)
    if outcome.errors:  # a bug: the engine's own 997 must read back clean
        raise click.ClickException(
            f"{name}: the 997 could not be written as XML: {outcome.errors[0].message}"
        )
    return written


@click.command(
    epilog="""\b
Examples:
  ebt ack fixtures/x12/good/814-enrollment-request.x12
  ebt ack fixtures/x12/good/814-enrollment-request.x12 -o enroll.997 --control-number 42
  ebt ack fixtures/edifact/good/814-enrollment-request.edi -o enroll.contrl.edi
  ebt --today 2026-11-20 ack fixtures/x12/good/814-enrollment-request.x12
  ebt ack - < fixtures/x12/good/814-enrollment-request.x12
""",
)
@click.argument("path", type=input_files)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here instead of standard output.",
)
@click.option(
    "--control-number",
    type=click.IntRange(1, 999_999_999),
    default=1,
    show_default=True,
    help="ISA13/GS06 (UNB05 for a CONTRL) of the first acknowledgment interchange.",
)
def ack(path: Path, output: Path | None, control_number: int) -> None:
    """Write the 997 functional acknowledgment for every functional group in PATH, and a
    TA1 for each interchange whose envelope is broken; an XML file gets the same in XML, an
    EDIFACT file a CONTRL per interchange. A 997 is never acknowledged. PATH `-` is
    standard input."""
    when = now()
    name = input_name(path)
    first_error: list[Finding] = []
    with opened(path) as source:
        checker = checker_for(source, name=name, records=False)
        syntax = syntax_of(checker)
        build = _contrl_parts if syntax == "edifact" else _x12_parts
        events = _noting_first_error(checker.events(), first_error)
        interchanges, parts = build(events, control_number, when)
    if interchanges and not parts:
        click.echo(
            f"{name}: nothing to acknowledge: it holds only 997s, and a 997 is never acknowledged.",
            err=True,
        )
        return
    if not parts:
        reason = first_error[0].message if first_error else "it holds no interchange"
        raise click.ClickException(f"{name}: no acknowledgment can be written: {reason}")
    text = "".join(parts)
    if syntax == "xml":
        text = _as_xml(text, name)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="latin-1" if syntax == "edifact" else "ascii", newline="")
        click.echo(f"wrote {output}", err=True)

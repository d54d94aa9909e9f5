"""`ebt ack`: write the 997 (and TA1 where the envelope is broken) that a file is owed."""

from __future__ import annotations

from pathlib import Path

import click

from ebt.acks.functional import ack_text, acknowledge
from ebt.cli.clock import now
from ebt.cli.sources import existing_files
from ebt.cli.validate import check_file


@click.command(
    epilog="""\b
Examples:
  ebt ack inbound/enroll.x12
  ebt ack inbound/enroll.x12 -o outbound/enroll.997 --control-number 42
  ebt --today 2026-11-20 ack inbound/enroll.x12
""",
)
@click.argument("path", type=existing_files)
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
    help="ISA13/GS06 of the first acknowledgment interchange.",
)
def ack(path: Path, output: Path | None, control_number: int) -> None:
    """Write the 997 functional acknowledgment for every functional group in PATH, and a
    TA1 for each interchange whose envelope is broken. A 997 is never acknowledged."""
    when = now()
    parts: list[str] = []
    interchanges = 0
    with path.open("rb") as source:
        for answer in acknowledge(source, name=str(path)):
            interchanges += 1
            if not answer.acks and answer.ta1 is None:
                continue  # only 997 groups, and a sound envelope: nothing is owed
            control = (control_number - 1 + len(parts)) % 999_999_999 + 1  # ISA13: 9 digits
            parts.append(ack_text(answer, control=control, when=when))
    if interchanges and not parts:
        click.echo(
            f"{path}: nothing to acknowledge: it holds only 997s, and a 997 is never acknowledged.",
            err=True,
        )
        return
    if not parts:
        report = check_file(path, strict=True)
        reason = report.findings[0].message if report.findings else "it holds no interchange"
        raise click.ClickException(f"{path}: no acknowledgment can be written: {reason}")
    text = "".join(parts)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="ascii", newline="")
        click.echo(f"wrote {output}", err=True)

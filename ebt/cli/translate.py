"""`ebt translate`: the same transactions in another syntax (X12, XML, EDIFACT)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from ebt.cli.render import finding_line
from ebt.cli.sources import input_files, input_name, opened
from ebt.formats.model import NotWritableError
from ebt.formats.translate import translate as translate_file

ENCODINGS = {"x12": "ascii", "xml": "utf-8", "edifact": "latin-1"}


@click.command(
    epilog="""Exit status: 0 translated, 1 the input has errors (nothing is written; the
findings say why) or a transaction has no mapping in the target syntax, 2 usage.

\b
Examples:
  ebt translate fixtures/x12/good/814-enrollment-request.x12 --to xml -o enroll.xml
  ebt translate fixtures/xml/good/814-enrollment-request.xml --to edifact -o enroll.edi
  ebt translate fixtures/edifact/good/814-enrollment-request.edi --to x12
  ebt translate - --to xml < fixtures/x12/good/814-enrollment-request.x12
""",
)
@click.argument("path", type=input_files)
@click.option(
    "--to",
    "target",
    type=click.Choice(["x12", "xml", "edifact"]),
    required=True,
    help="The syntax to write.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here (replaced only when the translation is complete) instead of standard output.",
)
def translate(path: Path, target: str, output: Path | None) -> None:
    """Translate PATH (X12, XML or EDIFACT, told by its first bytes) into TARGET, keeping
    every field and every envelope value. PATH is checked as `ebt validate` checks it: a
    file with errors is not translated. PATH `-` is standard input."""
    name = input_name(path)
    folder = output.parent if output is not None else Path(tempfile.gettempdir())
    handle, temporary_name = tempfile.mkstemp(dir=folder, prefix=".translate-")
    temporary = Path(temporary_name)
    try:
        with (
            opened(path) as source,
            os.fdopen(handle, "w", encoding=ENCODINGS[target], newline="", errors="strict") as sink,
        ):
            pieces, outcome = translate_file(source, to=target, name=name)  # type: ignore[arg-type]
            try:
                for piece in pieces:
                    sink.write(piece)
            except (NotWritableError, UnicodeEncodeError) as error:
                raise click.ClickException(
                    f"{name}: cannot be written as {target}: {error}"
                ) from None
        for item in outcome.warnings:
            click.echo(finding_line(item), err=True)
        if outcome.errors:
            for item in outcome.errors[:20]:
                click.echo(finding_line(item), err=True)
            click.echo(
                f"{name}: not translated: {len(outcome.errors)} error(s) "
                f"(run `ebt validate {path}`)",
                err=True,
            )
            raise SystemExit(1)
        if output is None:
            with temporary.open(encoding=ENCODINGS[target], newline="") as written:
                sys.stdout.write(written.read())
        else:
            temporary.replace(output)
            click.echo(f"wrote {output}", err=True)
    finally:
        temporary.unlink(missing_ok=True)

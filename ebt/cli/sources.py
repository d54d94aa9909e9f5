"""Options shared by the commands: input files (they must exist, be files and be readable,
else exit 2; `-` is standard input where a command says so) and the output format."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import click

STDIN = Path("-")
STDIN_NAME = "<stdin>"  # how findings and messages name standard input

existing_files = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)

# an existing file, or `-` for standard input
input_files = click.Path(
    exists=True, dir_okay=False, readable=True, allow_dash=True, path_type=Path
)

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for programs: one JSON object on stdout (its keys: docs/cli.md).",
)


def input_name(path: Path) -> str:
    """The name a file goes by in findings and messages: its path, or `<stdin>`."""
    return STDIN_NAME if path == STDIN else str(path)


@contextmanager
def opened(path: Path) -> Iterator[BinaryIO]:
    """The file's bytes as a stream; `-` is standard input (left open)."""
    if path == STDIN:
        yield sys.stdin.buffer
        return
    with path.open("rb") as source:
        yield source


def read_once(paths: tuple[Path, ...]) -> None:
    """Standard input can be read only once: `-` given twice is a usage error (exit 2)."""
    if paths.count(STDIN) > 1:
        raise click.UsageError("`-` (standard input) can be given only once")

"""Options shared by the commands: input files (they must exist, be files and be readable,
else exit 2) and the output format."""

from __future__ import annotations

from pathlib import Path

import click

existing_files = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for programs.",
)

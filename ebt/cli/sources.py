"""Arguments naming input files: they must exist, be files and be readable (else exit 2)."""

from __future__ import annotations

from pathlib import Path

import click

existing_files = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)

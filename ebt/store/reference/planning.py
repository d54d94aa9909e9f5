"""Which reference file holds which kind, and in what order files load: each kind after the
kinds its rows refer to."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

# The kinds in dependency order: a row refers only to kinds before its own.
KINDS = (
    "partners",
    "cycle_reads",
    "premises",
    "meters",
    "meter_installations",
    "accounts",
    "landlord_agreements",
)
JSON = "json"


def kind_of(path: Path) -> str | None:
    """The kind a file holds, told by its name: `<kind>.csv`, or "json" for any .json file."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return JSON
    if suffix == ".csv" and path.stem.lower() in KINDS:
        return path.stem.lower()
    return None


def plan(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """The files to load, in dependency order (JSON files first, then CSV by kind), and the
    files of the given directories that are not reference files."""
    files: list[Path] = []
    ignored: list[Path] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.iterdir() if p.is_file()):
                (files if kind_of(child) else ignored).append(child)
        else:
            files.append(path)
    return sorted(files, key=_order), ignored


def _order(path: Path) -> int:
    kind = kind_of(path)
    if kind == JSON:
        return -1
    return KINDS.index(kind) if kind else len(KINDS)

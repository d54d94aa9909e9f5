"""`ebt load`: reference data (partners, cycle read dates, premises, meters, installations,
accounts, landlord agreements) from CSV or JSON files into the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ebt.cli.render import emit_json
from ebt.cli.sources import format_option
from ebt.cli.store import db_option, open_store
from ebt.store.reference import KINDS, LoadResult, kind_of, load_paths, plan

SHOWN_ERRORS = 50

reference_paths = click.Path(exists=True, readable=True, path_type=Path)


@click.command(
    epilog=f"""A directory loads its files in dependency order ({", ".join(KINDS)}).
Exit status: 0 every file loaded, 1 a file has an error (it loads nothing, and the files after
it are not loaded), 2 usage (a missing path, a file name that is not a kind).

\b
Examples:
  ebt load fixtures/reference/
  ebt load --db sqlite:///utility.db fixtures/reference/*.csv

\b
With PostgreSQL:
  ebt load --db postgresql://ebt@db.example/ebt reference.json
""",
)
@click.argument("paths", nargs=-1, required=True, type=reference_paths)
@format_option
@db_option
def load(paths: tuple[Path, ...], fmt: str, db: str | None) -> None:
    """Load reference data into the store, adding new rows and updating known ones by key."""
    for path in paths:
        if path.is_file() and kind_of(path) is None:
            raise click.BadParameter(
                f"{path}: the name does not say what it holds; name it <kind>.csv with a kind "
                f"from {', '.join(KINDS)}, or use a .json file",
                param_hint="PATHS",
            )
    files, ignored = plan(paths)
    if not files:
        raise click.UsageError("no reference file to load: name files <kind>.csv or *.json")
    quiet = fmt == "json"
    for path in ignored if not quiet else ():
        click.echo(f"{path}: skipped: not a reference file (<kind>.csv or .json)")
    ok = True
    sessions = open_store(db, create=True)  # load makes the store; faults: ebt/cli/faults.py
    results = []
    for result in load_paths(sessions, files):
        if not quiet:
            click.echo(report(result))
        results.append(result_json(result))
        ok = ok and result.ok
    if quiet:
        emit_json({"files": results, "ignored": [str(p) for p in ignored], "ok": ok})
    if not ok:
        raise SystemExit(1)


def result_json(result: LoadResult) -> dict[str, Any]:
    """What `report` says of a file, for programs (the errors kept, not only the first 50)."""
    return {
        "file": result.file,
        "kind": result.kind,
        "ok": result.ok,
        "rows": result.rows,
        "added": result.added,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "skipped": result.skipped,
        "error_count": result.error_count,
        "errors": [
            {"file": e.file, "line": e.line, "column": e.column, "problem": e.problem, "fix": e.fix}
            for e in result.errors
        ],
    }


def report(result: LoadResult) -> str:
    """The file's summary line, then its errors (at most SHOWN_ERRORS)."""
    lines = [result.summary()]
    lines += [f"  {error}" for error in result.errors[:SHOWN_ERRORS]]
    if result.error_count > SHOWN_ERRORS:
        lines.append(f"  ... and {result.error_count - SHOWN_ERRORS} more error(s)")
    return "\n".join(lines)

"""`ebt process`: validate, decide, commit and answer one or more inbound files."""

from __future__ import annotations

from pathlib import Path

import click

from ebt.cli.clock import now
from ebt.cli.sources import existing_files
from ebt.cli.store import db_option, open_store
from ebt.codes import default_catalogue
from ebt.market.outbound import write_outbox
from ebt.market.service import Processor, RunSummary
from ebt.market.setup import load_market


def _line(summary: RunSummary) -> str:
    if summary.duplicate:
        return f"{summary.file}: already processed (same bytes); nothing done again"
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(summary.outcomes.items())) or "none"
    rejects = default_catalogue().counted("reject", summary.rejects)
    parts = [f"{summary.file}: {summary.transactions} transaction(s) ({outcomes})"]
    if rejects:
        parts.append(f"rejected by code: {rejects}")
    if summary.syntax_errors:
        parts.append(f"{summary.syntax_errors} with syntax errors (see the 997)")
    if summary.skipped:
        parts.append(f"{summary.skipped} already committed by an interrupted run")
    if summary.problems:
        parts.append(
            f"{len(summary.problems)} error(s) outside the transaction sets: "
            + " | ".join(summary.problems[:3])
        )
    return "; ".join(parts)


@click.command(
    epilog="""\b
Examples:
  ebt --today 2026-11-20 process inbound/enroll.x12 --out outbound/
  ebt process inbound/*.x12 --db postgresql://postgres@127.0.0.1/ebt --out outbound/
""",
)
@click.argument("paths", nargs=-1, required=True, type=existing_files)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("outbound"),
    show_default=True,
    help="Folder for the outbound files, one per recipient.",
)
@db_option
def process(paths: tuple[Path, ...], out_dir: Path, db: str | None) -> None:
    """Validate each file, decide every supplier request by the market rules, commit the
    decisions and state, and write the responses, drop notices and 997s into OUT. Exit 1 when
    a file has errors outside its transaction sets (not X12, a broken envelope)."""
    sessions = open_store(db)
    clock = now()
    processor = Processor(sessions, load_market(clock))
    failed = False
    for path in paths:
        summary = processor.process_path(path)
        failed = failed or bool(summary.problems)
        click.echo(_line(summary), err=bool(summary.problems))
    for written in write_outbox(sessions, out_dir, now=clock):
        click.echo(f"wrote {written}")
    if failed:
        raise SystemExit(1)  # a file (or part of one) could not be taken: see its line

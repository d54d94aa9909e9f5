"""`ebt process`: validate, decide, commit and answer one or more inbound files."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from ebt.cli.clock import now
from ebt.cli.render import emit_json, rejects_json
from ebt.cli.sources import existing_files, format_option
from ebt.cli.store import db_option, open_store
from ebt.cli.sweeps import progress_bars
from ebt.codes import default_catalogue
from ebt.data.market import load_market
from ebt.pipeline.outbox import write_outbox
from ebt.pipeline.process import Processor, RunSummary, UnknownSenderError


def _line(summary: RunSummary) -> str:
    if summary.known is not None:
        file_id, state = summary.known
        if state == "processed":
            return f"{summary.file}: already processed (same bytes); nothing done again"
        return (
            f"{summary.file}: already taken by a sweep ({state}; same bytes); nothing done "
            f"again. To take it again on purpose: ebt reprocess {file_id} --reason '...'"
        )
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(summary.outcomes.items())) or "none"
    rejects = default_catalogue().counted("reject", summary.rejects)
    parts = [f"{summary.file}: {summary.transactions} transaction(s) ({outcomes})"]
    if rejects:
        parts.append(f"rejected by code: {rejects}")
    if summary.syntax_errors:
        parts.append(f"{summary.syntax_errors} with syntax errors (see the 997)")
    if summary.skipped:
        parts.append(f"{summary.skipped} decided before and skipped")
    if summary.refused:
        parts.append(f"{len(summary.refused)} refused: " + " | ".join(summary.refused[:3]))
    if summary.problems:
        parts.append(
            f"{len(summary.problems)} error(s) outside the transaction sets: "
            + " | ".join(summary.problems[:3])
        )
    return "; ".join(parts)


def _json(path: Path, summary: RunSummary) -> dict[str, Any]:
    """What `_line` says of a file, for programs (every refusal and problem, not three)."""
    return {
        "file": summary.file,
        "path": str(path),
        "duplicate": summary.duplicate,
        "transactions": summary.transactions,
        "outcomes": dict(sorted(summary.outcomes.items())),
        **rejects_json(summary.rejects),
        "syntax_errors": summary.syntax_errors,
        "skipped": summary.skipped,
        "refused": summary.refused,
        "problems": summary.problems,
    }


@click.command(
    epilog="""\b
Examples:
  ebt --today 2026-11-20 process fixtures/x12/good/814-enrollment-request.x12 --out outbound/
  ebt process --from 081234567 fixtures/x12/good/814-enrollment-request.x12  # Pine Tree's

\b
With PostgreSQL:
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
@click.option(
    "--from",
    "sender",
    metavar="DUNS",
    help="Whose files these are (a registered partner's DUNS): every interchange must carry "
    "its ids in ISA06 and GS02, and every answer goes to it. Without it, each interchange's "
    "ISA06 says, and GS02 must name the same partner.",
)
@format_option
@db_option
def process(
    paths: tuple[Path, ...], out_dir: Path, sender: str | None, fmt: str, db: str | None
) -> None:
    """Validate each file, decide every supplier request by the market rules, commit the
    decisions and state, and write the responses, drop notices and 997s into OUT. Exit 1 when
    a file has errors outside its transaction sets (not X12, a broken envelope, an interchange
    or group refused because it names another sender)."""
    sessions = open_store(db)
    clock = now()
    try:
        processor = Processor(sessions, load_market(clock), sender=sender)
    except UnknownSenderError:
        raise click.BadParameter(
            f"{sender!r} is not a registered partner's DUNS; `ebt load` its partners.csv row "
            "first, or give the DUNS of the partner that sent these files.",
            param_hint="--from",
        ) from None
    failed = False
    started = time.perf_counter()
    summaries = []
    with progress_bars() as progress:
        processor.progress = lambda n: progress("read", n)
        progress("total:read", sum(p.stat().st_size for p in paths))
        for path in paths:
            summary = processor.process_path(path)
            failed = failed or bool(summary.problems or summary.refused)
            summaries.append((path, summary))
    if fmt == "json":
        written = write_outbox(sessions, out_dir, now=clock)
        emit_json(
            {
                "files": [_json(path, summary) for path, summary in summaries],
                "written": [str(path) for path in written],
                "seconds": round(time.perf_counter() - started, 3),
            }
        )
    else:
        for _, summary in summaries:  # after the bar is cleared, each on its own line
            click.echo(_line(summary), err=bool(summary.problems or summary.refused))
        for path in write_outbox(sessions, out_dir, now=clock):
            click.echo(f"wrote {path}")
        click.echo(f"done in {time.perf_counter() - started:.1f} s")
    if failed:
        raise SystemExit(1)  # a file (or part of one) could not be taken: see its line

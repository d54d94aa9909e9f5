"""`ebt reprocess`: take a received file through the pipeline again, on purpose."""

from __future__ import annotations

from pathlib import Path

import click

from ebt.cli.clock import now
from ebt.cli.store import db_option, open_store
from ebt.cli.sweeps import config_option, read_config
from ebt.data.market import load_market
from ebt.services.reprocess import ReprocessError, reprocess


@click.command(
    epilog="""\b
Examples:
  ebt reprocess 814-enrollment-request.x12 --reason "Acadia's second id registered"
  ebt reprocess 3 --reason "partner switched to production" --config partners.toml
""",
)
@click.argument("file")
@click.option("--reason", required=True, help="Why the file is taken again (recorded).")
@config_option
@db_option
def reprocess_command(file: str, reason: str, config_path: Path, db: str | None) -> None:
    """Take FILE (a received file's name or id) from archive/ or error/ through the pipeline
    again: its sets already decided are skipped, what failed is taken as the file now reads,
    and the 997s it is owed are sent again. Recorded with when, why and who (the OS user).
    The only way past the refusal of a repeated file."""
    config = read_config(config_path) if config_path.exists() else None
    sessions = open_store(db)
    clock = now()
    try:
        done = reprocess(sessions, load_market(clock), config, file, reason=reason)
    except ReprocessError as error:
        raise click.ClickException(str(error)) from None
    decided = done.decided
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(decided.outcomes.items())) or "none"
    click.echo(
        f"{done.file}: reprocessing {done.reprocessing}: {decided.transactions} set(s) decided "
        f"({outcomes}), {done.skipped} decided before and skipped"
    )
    for refused in done.refused:
        click.echo(f"  refused: {refused}", err=True)
    if done.archived_to:
        click.echo(f"  archived as {done.archived_to}")
    if done.problems:
        for problem in done.problems[:10]:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1)

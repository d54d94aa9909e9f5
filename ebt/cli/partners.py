"""`ebt partners check`: the trading-partner configuration's mistakes, plainly."""

from __future__ import annotations

from pathlib import Path

import click

from ebt.cli.sweeps import config_option
from ebt.sweep.config import load_config


@click.group(
    epilog="""\b
Examples:
  ebt partners check --config partners.toml
""",
)
def partners() -> None:
    """The trading-partner configuration."""


@partners.command(
    epilog="""Exit status: 0 no mistakes, 1 mistakes (each names the file, the key and what to fix).

\b
Examples:
  ebt partners check --config partners.toml
  ebt partners check                  # partners.toml here, or $EBT_PARTNERS
""",
)
@config_option
def check(config_path: Path) -> None:
    """Check the configuration: every key, DUNS number, folder, time and preference."""
    config, problems = load_config(config_path)
    for problem in problems:
        click.echo(str(problem))
    if problems or config is None:
        click.echo(f"{config_path}: {len(problems)} mistake(s)")
        raise SystemExit(1)
    click.echo(f"{config_path}: {len(config.partners)} partner(s), no mistakes")
    for partner in config.partners:
        mode = "production" if partner.production else "test"
        click.echo(f"  {partner.duns} {partner.name} ({mode})")
        click.echo(f"    in {partner.inbound}{_missing(partner.inbound)}")
        click.echo(f"    out {partner.outbound}{_missing(partner.outbound)}")


def _missing(folder: Path) -> str:
    """A note when the folder is not there (the sweeps do not make a partner's folders)."""
    return "" if folder.is_dir() else "  (missing: create it; the sweeps do not make it)"

"""`ebt partners check`: the trading-partner configuration's mistakes, plainly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ebt.cli.render import emit_json, table
from ebt.cli.sources import format_option
from ebt.cli.sweeps import config_option
from ebt.sweep.config import Partner, load_config


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
@format_option
def check(config_path: Path, fmt: str) -> None:
    """Check the configuration: every key, DUNS number, folder, time and preference."""
    config, problems = load_config(config_path)
    if fmt == "json":
        partners = config.partners if config is not None and not problems else ()
        emit_json(
            {
                "config": str(config_path),
                "ok": not problems and config is not None,
                "mistakes": len(problems),
                "problems": [
                    {"file": str(p.file), "key": p.key, "message": p.message, "fix": p.fix}
                    for p in problems
                ],
                "partners": [_partner_json(partner) for partner in partners],
            }
        )
        if problems or config is None:
            raise SystemExit(1)
        return
    for problem in problems:
        click.echo(str(problem))
    if problems or config is None:
        click.echo(f"{config_path}: {len(problems)} mistake(s)")
        raise SystemExit(1)
    click.echo(f"{config_path}: {len(config.partners)} partner(s), no mistakes")
    rows, lines = [], []
    for partner in config.partners:
        mode = "production" if partner.production else "test"
        inbound = f"{partner.inbound}{_missing(partner.inbound)}"
        outbound = f"{partner.outbound}{_missing(partner.outbound)}"
        rows.append((partner.duns, partner.name, mode, inbound, outbound))
        lines += [f"  {partner.duns} {partner.name} ({mode})", f"    in {inbound}"]
        lines.append(f"    out {outbound}")
    table(("duns", "name", "mode", "inbound", "outbound"), rows, lines)


def _partner_json(partner: Partner) -> dict[str, Any]:
    return {
        "duns": partner.duns,
        "name": partner.name,
        "production": partner.production,
        "inbound": str(partner.inbound),
        "inbound_missing": not partner.inbound.is_dir(),
        "outbound": str(partner.outbound),
        "outbound_missing": not partner.outbound.is_dir(),
    }


def _missing(folder: Path) -> str:
    """A note when the folder is not there (the sweeps do not make a partner's folders)."""
    return "" if folder.is_dir() else "  (missing: create it; the sweeps do not make it)"

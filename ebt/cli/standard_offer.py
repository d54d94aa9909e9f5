"""`ebt standard-offer`: a customer calls the T&D to leave its CES."""

from __future__ import annotations

from pathlib import Path

import click

from ebt.cli.clock import now
from ebt.cli.store import db_option, open_store
from ebt.codes import default_catalogue
from ebt.data.market import load_market
from ebt.pipeline.outbox import write_outbox
from ebt.services.standard_offer import return_to_standard_offer


@click.command(
    "standard-offer",
    epilog="""\b
Examples:
  ebt standard-offer 00412345678
  ebt --today 2026-11-20 standard-offer 00412345678 --out outbound/
""",
)
@click.argument("account")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("outbound"),
    show_default=True,
    help="Folder for the drop notice to the CES.",
)
@db_option
def standard_offer(account: str, out_dir: Path, db: str | None) -> None:
    """Return ACCOUNT to Standard Offer at the customer's request: the CES relationship ends
    on the first cycle read at least 2 business days out, and the CES gets a drop notice.
    The decision is recorded (`ebt explain` with the printed reference)."""
    sessions = open_store(db)
    clock = now()
    verdict, notice = return_to_standard_offer(sessions, load_market(clock), account)
    if verdict.outcome == "reject":
        reason = default_catalogue().label("reject", verdict.code or "")
        click.echo(
            f"{account}: not returned to Standard Offer: {reason} (ebt explain {notice.reference})",
            err=True,
        )
        raise SystemExit(1)
    click.echo(
        f"{account}: returns to Standard Offer on {notice.service_end}; drop notice to "
        f"{notice.ces_name} ({notice.ces_id}); ebt explain {notice.reference}"
    )
    for written in write_outbox(sessions, out_dir, now=clock):
        click.echo(f"wrote {written}")

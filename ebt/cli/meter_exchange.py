"""`ebt meter-exchange`: a meter taken out and another put in its place (domain §7)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from ebt.cli.clock import now
from ebt.cli.move import notice_json
from ebt.cli.options import date_option, out_option
from ebt.cli.render import emit_json
from ebt.cli.sources import format_option
from ebt.cli.store import db_option, open_store
from ebt.data.market import load_market
from ebt.market.meter_exchange import Exchange, ExchangeError, NewMeter
from ebt.pipeline.outbox import write_outbox
from ebt.services.meter_exchange import exchange_meter


def _amount(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise click.BadParameter(f"{value!r} is not a number") from None
    if not number.is_finite() or number < 0:
        raise click.BadParameter(f"{value!r} must be 0 or more")
    return number


def _multiplier(ctx: click.Context, param: click.Parameter, value: str | None) -> Decimal | None:
    number = _amount(ctx, param, value)
    if number is not None and number == 0:
        raise click.BadParameter(f"{value!r} must be more than 0")
    return number


@click.command(
    "meter-exchange",
    epilog="""\b
Examples:
  ebt --today 2026-11-20 meter-exchange CB1187342 AM9000001 --on 2026-11-20 \\
      --removed-read 48211 --first-read 0 --multiplier 1 --smart
""",
)
@click.argument("removed")
@click.argument("installed")
@date_option("--on", "The day of the exchange.", required=True)
@click.option("--removed-read", callback=_amount, required=True, help="Final read of REMOVED.")
@click.option("--first-read", callback=_amount, required=True, help="First read of INSTALLED.")
@click.option(
    "--multiplier", callback=_multiplier, help="Active multiplier (default: the removed meter's)."
)
@click.option("--type", "meter_type", help="Meter type (default: the removed meter's).")
@click.option(
    "--smart/--not-smart",
    default=None,
    help="The new meter is telemetered (AMI) or not (default: as the removed meter).",
)
@click.option("--rate-structures", help="Comma list (default: the removed meter's).")
@out_option
@format_option
@db_option
def meter_exchange(
    removed: str,
    installed: str,
    on: date,
    removed_read: Decimal,
    first_read: Decimal,
    multiplier: Decimal | None,
    meter_type: str | None,
    smart: bool | None,
    rate_structures: str | None,
    out_dir: Path,
    fmt: str,
    db: str | None,
) -> None:
    """Meter REMOVED comes out and INSTALLED goes in on --on, at the same premise: the
    removed meter's final read and the new one's first read are recorded on that day, and
    the CES of every account there gets a change notice (reason: meter change, REF*TD
    NM1MQ) with the new meter's number, type and multiplier."""
    clock, sessions = now(), open_store(db)
    exchange = Exchange(
        removed=removed,
        removed_read=removed_read,
        new=NewMeter(installed, meter_type, multiplier, smart, rate_structures),
        first_read=first_read,
        on=on,
    )
    try:
        result = exchange_meter(sessions, load_market(clock), exchange)
    except ExchangeError as error:
        raise click.ClickException(str(error)) from None
    put = result.installed
    if fmt == "json":
        sent = write_outbox(sessions, out_dir, now=clock)
        emit_json(
            {
                "removed": removed,
                "installed": {
                    "number": put.number,
                    "type": put.type,
                    "multiplier": None if put.multiplier is None else str(put.multiplier),
                    "smart": put.smart,
                    "rate_structures": put.rate_structures,
                },
                "premise": result.premise,
                "on": on.isoformat(),
                "accounts": list(result.accounts),
                "notices": [notice_json(n) for n in result.notices],
                "written": [str(path) for path in sent],
            }
        )
        return
    click.echo(
        f"{removed} → {installed} at premise {result.premise} on {on} "
        f"(accounts: {', '.join(result.accounts) or 'none'})"
    )
    click.echo(
        f"  {put.number}: {put.type} x{put.multiplier}{' smart' if put.smart else ''} "
        f"{put.rate_structures}"
    )
    for notice in result.notices:
        click.echo(
            f"  meter change notice to {notice.ces_name} ({notice.ces_id}) for {notice.account}"
        )
    for written in write_outbox(sessions, out_dir, now=clock):
        click.echo(f"wrote {written}")

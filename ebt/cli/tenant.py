"""`ebt tenant start|stop|cancel|read` and `ebt landlord change`: landlord–tenant service
at premises (domain §6)."""

from __future__ import annotations

import json
from datetime import date

import click

from ebt.cli.clock import now
from ebt.cli.options import date_option, read_option
from ebt.cli.render import emit_json
from ebt.cli.sources import format_option
from ebt.cli.store import db_option, open_store
from ebt.data.market import load_market
from ebt.market.landlords import LandlordError
from ebt.market.reads import ReadError, parse_reading
from ebt.market.tenancy import ServiceError
from ebt.services.landlords import change_landlord
from ebt.services.tenants import cancel, tenant_read, tenant_start, tenant_stop

PLAIN_ERRORS = (ServiceError, ReadError, LandlordError)


@click.group(
    epilog="""\b
Examples:
  ebt --today 2026-11-20 tenant stop 00284695079 --on 2026-12-01 --read 5120
  ebt --today 2026-11-20 tenant start 00412345678 --premise P000000003 --on 2026-12-10
  ebt tenant read 00284695079 --on 2026-12-01 --read 5120
"""
)
def tenant() -> None:
    """Tenants' service at premises: starts, stops (with reversion to the landlord),
    cancellations and start reads. The daily `ebt activate` turns pending starts active."""


@tenant.command(
    "start",
    epilog="""\b
Examples:
  ebt --today 2026-11-20 tenant start 00412345678 --premise P000000003 --on 2026-12-01 \\
      --read 10432
  ebt tenant start 00412345678 --premise P000000005 --on 2026-12-01   # read it later
""",
)
@click.argument("account_number")
@date_option("--on", "The first day of the tenant's service.", required=True)
@click.option("--premise", metavar="NUMBER", help="The premise (default: the account's).")
@read_option("--read", "The start read (per meter if several); else record it later.")
@format_option
@db_option
def start(
    account_number: str,
    on: date,
    premise: str | None,
    read: tuple[str, ...],
    fmt: str,
    db: str | None,
) -> None:
    """ACCOUNT_NUMBER takes the service at its premise from --on, pending until the daily
    activation finds the start read. A previous tenant's pending stop (or the landlord's,
    when service reverted) moves to match; a later reversion is cancelled. Starting again
    with another date cancels the pending start first."""
    clock, sessions = now(), open_store(db)
    try:
        started = tenant_start(
            sessions,
            account_number=account_number,
            on=on,
            premise_number=premise,
            reading=parse_reading(read),
            today=clock.date(),
            now=clock,
        )
    except PLAIN_ERRORS as error:
        raise click.ClickException(str(error)) from None
    if fmt == "json":
        emit_json(
            {
                "account": account_number,
                "on": on.isoformat(),
                "state": "pending",
                "process": started.process.id,
                "period": started.period.id,
                "replaced": list(started.replaced),
            }
        )
        return
    for line in started.replaced:
        click.echo(f"  {line}")
    click.echo(
        f"{account_number}: service from {on} (pending; process #{started.process.id}, "
        f"period #{started.period.id})"
    )


@tenant.command(
    "stop",
    epilog="""\b
Examples:
  ebt --today 2026-11-20 tenant stop 00284695079 --on 2026-12-01 --read 5120
  ebt tenant stop 00412345678 --on 2026-12-01   # exits 1: a CES serves it (a move, then)
""",
)
@click.argument("account_number")
@date_option(
    "--on", "The stop date: the final read; the last day served is the day before.", required=True
)
@read_option("--read", "The final read (per meter if several).")
@format_option
@db_option
def stop(account_number: str, on: date, read: tuple[str, ...], fmt: str, db: str | None) -> None:
    """ACCOUNT_NUMBER's service at its premise stops on --on (a pending stop until then).
    The landlord agreement of the premise (or its building) decides whether the service
    reverts to the landlord's account from that day (`landlord_reversion` table; ebt
    explain with the printed reference). An account a CES serves moves out with `ebt move`,
    which also finals the CES relationship."""
    clock, sessions = now(), open_store(db)
    market = load_market(clock)
    try:
        process, stopped = tenant_stop(
            sessions,
            market.rulebook,
            account_number=account_number,
            on=on,
            reading=parse_reading(read),
            today=clock.date(),
            now=clock,
        )
    except PLAIN_ERRORS as error:
        raise click.ClickException(str(error)) from None
    if fmt == "json":
        reversion = None
        if stopped.verdict is not None:
            reversion = {
                "outcome": stopped.verdict.outcome,
                "reverted": stopped.reversion is not None,
                "from": on.isoformat() if stopped.reversion is not None else None,
                "reference": stopped.reference,
            }
        emit_json(
            {
                "account": account_number,
                "on": on.isoformat(),
                "process": process.id,
                "reversion": reversion,
            }
        )
        return
    click.echo(f"{account_number}: service stops on {on} (process #{process.id})")
    if stopped.verdict is not None:
        reverted = stopped.reversion is not None
        click.echo(
            f"  reversion: {stopped.verdict.outcome}"
            + (f" from {on}" if reverted else "")
            + f"; ebt explain {stopped.reference}"
        )


@tenant.command(
    "cancel",
    epilog="""\b
Examples:
  ebt tenant start 00412345678 --premise P000000003 --on 2026-12-01 && ebt tenant cancel 5
""",
)
@click.argument("process_id", type=int)
@format_option
@db_option
def cancel_command(process_id: int, fmt: str, db: str | None) -> None:
    """Cancel the pending tenant start or stop PROCESS_ID (see `ebt account show`) before it
    is activated: a cancelled start gives back the stop it moved; a cancelled stop cancels
    the landlord's reversion it caused."""
    clock, sessions = now(), open_store(db)
    try:
        done = cancel(sessions, process_id, clock.date())
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    if fmt == "json":
        emit_json({"process": process_id, "cancelled": True, "done": done})
        return
    click.echo(f"process #{process_id} cancelled")
    for line in done:
        click.echo(f"  {line}")


@tenant.command(
    "read",
    epilog="""\b
Examples:
  ebt tenant read 00284695079 --on 2026-12-01 --read 5120
  ebt tenant read 00277348098 --on 2026-12-01 --read CB4403918=5521
""",
)
@click.argument("account_number")
@date_option("--on", "The day the meter was read.", required=True)
@read_option("--read", "The read (per meter if several).")
@click.option(
    "--kind",
    type=click.Choice(["start", "final", "cycle"]),
    default="start",
    show_default=True,
    help="What the read is for.",
)
@click.option("--premise", metavar="NUMBER", help="The premise (default: the account's).")
@format_option
@db_option
def read_command(
    account_number: str,
    on: date,
    read: tuple[str, ...],
    kind: str,
    premise: str | None,
    fmt: str,
    db: str | None,
) -> None:
    """Record a read of the meters at ACCOUNT_NUMBER's premise, or the one given (a start
    read the daily activation was waiting for, say: a landlord's reversion at a unit is
    read at the unit)."""
    clock, sessions = now(), open_store(db)
    try:
        rows = tenant_read(
            sessions,
            account_number=account_number,
            on=on,
            kind=kind,
            values=read,
            premise_number=premise,
            now=clock,
        )
    except PLAIN_ERRORS as error:
        raise click.ClickException(str(error)) from None
    if fmt == "json":
        emit_json(
            {"account": account_number, "on": on.isoformat(), "kind": kind, "reads": len(rows)}
        )
        return
    click.echo(f"{account_number}: {len(rows)} {kind} read(s) on {on}")


@click.group(
    epilog="""\b
Examples:
  ebt --today 2026-11-20 landlord change P000000001 00292042060 --on 2026-12-01
"""
)
def landlord() -> None:
    """Landlord agreements of multi-unit buildings."""


@landlord.command(
    "change",
    epilog="""\b
Examples:
  ebt --today 2026-11-20 landlord change P000000001 00292042060 --on 2026-12-01
""",
)
@click.argument("parent_premise")
@click.argument("landlord_account")
@date_option("--on", "The day the new landlord takes over.", required=True)
@format_option
@db_option
def change(parent_premise: str, landlord_account: str, on: date, fmt: str, db: str | None) -> None:
    """The building PARENT_PREMISE and all its units change landlord in one step: their
    agreements go on with LANDLORD_ACCOUNT from --on, and reversions from that day go to
    it."""
    clock, sessions = now(), open_store(db)
    try:
        done = change_landlord(
            sessions,
            parent=parent_premise,
            landlord=landlord_account,
            on=on,
            today=clock.date(),
            now=clock,
        )
    except LandlordError as error:
        raise click.ClickException(str(error)) from None
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "parent_premise": parent_premise,
                    "landlord": landlord_account,
                    "on": on.isoformat(),
                    "premises": list(done.premises),
                    "agreements": done.agreements,
                    "reversions": done.reversions,
                }
            )
        )
        return
    click.echo(
        f"{parent_premise}: {done.agreements} agreement(s) over {len(done.premises)} premises "
        f"now with {landlord_account} from {on}; {done.reversions} reversion(s) moved"
    )

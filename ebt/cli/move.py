"""`ebt move`: a customer moving inside the territory calls the T&D."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from ebt.cli.clock import now
from ebt.cli.options import date_option, out_option, read_option
from ebt.cli.render import emit_json
from ebt.cli.sources import format_option
from ebt.cli.store import db_option, open_store
from ebt.codes import default_catalogue
from ebt.data.market import load_market
from ebt.mapping.records import Transaction814
from ebt.market.moves import MoveError, MoveRequest, MoveResult
from ebt.market.reads import ReadError, parse_reading
from ebt.market.tenancy import ServiceError
from ebt.pipeline.outbox import write_outbox
from ebt.services.moves import move


@click.command(
    "move",
    epilog="""\b
Examples:
  ebt --today 2026-11-16 move 00123098765 --to 00412345678 --move-out 2026-11-30 \\
      --final-read 48211
  ebt move 00398765432 --to 00200456789 --move-out 2026-12-01 --move-in 2026-12-01 \\
      --standard-offer --final-read 3120 --start-read 77410 --out outbound/
  ebt move 00123098765 --move-out 2026-12-01   # leaving: no new account known
""",
)
@click.argument("old_account")
@click.option("--to", "new_account", metavar="ACCOUNT", help="The new T&D account, if known.")
@date_option("--move-out", "Day of the final read at the old location.", required=True)
@date_option("--move-in", "First day at the new location (default: the move-out date).")
@date_option("--called", "Day the customer called (default: today).")
@click.option("--standard-offer", is_flag=True, help="The customer asks for Standard Offer.")
@read_option("--final-read", "The final read at the old location (per meter if several).")
@read_option("--start-read", "The start read at the new location (per meter if several).")
@out_option
@format_option
@db_option
def move_command(
    old_account: str,
    new_account: str | None,
    db: str | None,
    move_out: date,
    move_in: date | None,
    called: date | None,
    standard_offer: bool,
    final_read: tuple[str, ...],
    start_read: tuple[str, ...],
    out_dir: Path,
    fmt: str,
) -> None:
    """The customer of OLD_ACCOUNT moves: the `move` table decides whether the move is
    seamless (the CES keeps the customer at the new account: change notice with the old
    account in REF*45) or finals the CES relationship (drop notice; Standard Offer at the
    new account). Either way: final read and final bill at the old account, the bill
    transferred to the new one, the old premise's service stopped (reverting to the
    landlord where an agreement says so), the new account's started, and the customer's
    confirmation printed. The move-out date is the day of the final read: service at the
    old location ends that day."""
    clock = now()
    if called is not None and called > clock.date():
        raise click.UsageError(f"--called {called} is after today ({clock.date()})")
    if start_read and not new_account:
        raise click.UsageError("--start-read needs the new account (--to) to read it at")
    try:
        request = MoveRequest(
            old_account=old_account,
            new_account=new_account,
            move_out=move_out,
            move_in=move_in or move_out,
            called_on=called or clock.date(),
            standard_offer=standard_offer,
            final_read=parse_reading(final_read),
            start_read=parse_reading(start_read),
        )
        sessions = open_store(db)
        result = move(sessions, load_market(clock), request)
    except (ReadError, ServiceError, MoveError) as error:
        raise click.ClickException(str(error)) from None
    verdict = result.verdict
    if fmt == "json":
        recorded = verdict.outcome != "reject"
        sent = write_outbox(sessions, out_dir, now=clock) if recorded else []
        emit_json(move_json(old_account, result, sent))
        if not recorded:
            raise SystemExit(1)
        return
    if verdict.outcome == "reject":
        code = verdict.code or ""
        last = verdict.steps[-1] if verdict.steps else None
        why = f": {last.question} {'yes' if last.answer else 'no'}" if last else ""
        click.echo(
            f"{old_account}: move not recorded: {default_catalogue().label('reject', code)}{why} "
            f"(ebt explain {result.reference})",
            err=True,
        )
        raise SystemExit(1)
    click.echo(
        f"{old_account}: {verdict.outcome.replace('_', ' ')}; ebt explain {result.reference}"
    )
    for notice in result.notices:
        click.echo(f"  {notice.kind} to {notice.ces_name} ({notice.ces_id}) for {notice.account}")
    click.echo(f"  confirmation: {result.confirmation}")
    for written in write_outbox(sessions, out_dir, now=clock):
        click.echo(f"wrote {written}")


def notice_json(notice: Transaction814) -> dict[str, Any]:
    """A notice to a CES, as the text names it: kind, CES and account."""
    return {
        "kind": str(notice.kind),
        "ces_name": notice.ces_name,
        "ces_id": notice.ces_id,
        "account": notice.account,
    }


def move_json(old_account: str, result: MoveResult, written: list[Path]) -> dict[str, Any]:
    """What the move's text says, for programs: recorded or not, the outcome and its reject
    code with its meaning, the steps the table took, the notices, the confirmation and the
    files written."""
    verdict = result.verdict
    return {
        "account": old_account,
        "recorded": verdict.outcome != "reject",
        "outcome": verdict.outcome,
        "code": verdict.code,
        "code_meaning": default_catalogue().meaning("reject", verdict.code),
        "reference": result.reference,
        "steps": [{"question": a.question, "answer": a.answer} for a in verdict.steps],
        "notices": [notice_json(n) for n in result.notices],
        "confirmation": result.confirmation,
        "written": [str(path) for path in written],
    }

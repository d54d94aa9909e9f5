"""The `ebt` command line: a thin layer of click commands over the library."""

from __future__ import annotations

import click

from ebt import __version__
from ebt.cli import logs
from ebt.cli.account import account, explain, find
from ebt.cli.ack import ack
from ebt.cli.activate import activate_command
from ebt.cli.clock import today_option
from ebt.cli.codes import codes
from ebt.cli.console import console
from ebt.cli.faults import PlainFaults
from ebt.cli.files import file, files
from ebt.cli.load import load
from ebt.cli.meter_exchange import meter_exchange
from ebt.cli.move import move_command
from ebt.cli.partners import partners
from ebt.cli.process import process
from ebt.cli.replay import replay_command, rules
from ebt.cli.reprocess import reprocess_command
from ebt.cli.scheduler import scheduler
from ebt.cli.show import show
from ebt.cli.standard_offer import standard_offer
from ebt.cli.status import status_command
from ebt.cli.sweep import ack_check, resend, sweep
from ebt.cli.tenant import landlord, tenant
from ebt.cli.translate import translate
from ebt.cli.validate import validate
from ebt.cli.workitems import workitems
from ebt.runtime import tune_for_batch


@click.group(
    cls=PlainFaults,
    epilog="""\b
Examples:
  ebt validate fixtures/x12/good/*.x12
  ebt show fixtures/x12/good/814-enrollment-request.x12 --format json
  ebt --today 2026-11-20 ack fixtures/x12/good/814-enrollment-request.x12 -o enroll.997
  ebt files                                   # run where `ebt sweep demo` left demo/
""",
)
@today_option
@click.option(
    "--log-level",
    type=click.Choice(logs.LEVELS, case_sensitive=False),
    default="INFO",
    show_default=True,
    envvar="EBT_LOG_LEVEL",
    show_envvar=True,
    help="The least level of the log lines written to stderr (DEBUG also shows the "
    "libraries' own lines).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    envvar="EBT_LOG_FORMAT",
    show_envvar=True,
    help="Log lines as text, or one JSON object a line (time with its zone, level, logger, "
    "message).",
)
@click.version_option(__version__, prog_name="ebt")
def main(log_level: str, log_format: str) -> None:
    """Process Maine-style retail electricity EBT/EDI transactions (814, 997, 824) in X12,
    XML or EDIFACT."""
    logs.configure(log_level.upper(), log_format)
    tune_for_batch()


main.add_command(validate)
main.add_command(show)
main.add_command(ack)
main.add_command(process)
main.add_command(account)
main.add_command(explain)
main.add_command(find)
main.add_command(standard_offer)
main.add_command(load)
main.add_command(translate)
main.add_command(move_command)
main.add_command(tenant)
main.add_command(landlord)
main.add_command(activate_command)
main.add_command(meter_exchange)
main.add_command(workitems)
main.add_command(sweep)
main.add_command(resend)
main.add_command(ack_check)
main.add_command(partners)
main.add_command(scheduler)
main.add_command(status_command, name="status")
main.add_command(replay_command, name="replay")
main.add_command(rules)
main.add_command(files)
main.add_command(file)
main.add_command(reprocess_command, name="reprocess")
main.add_command(codes)
main.add_command(console)

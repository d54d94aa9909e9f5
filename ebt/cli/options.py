"""Options shared by the T&D's own commands (moves, tenants, landlords, meters): dates,
meter reads and the outbound folder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD.") from None


def date_option(name: str, help_text: str, *, required: bool = False) -> Callable[[F], F]:
    return click.option(
        name, metavar="YYYY-MM-DD", callback=parse_date, required=required, help=help_text
    )


def read_option(name: str, help_text: str) -> Callable[[F], F]:
    return click.option(name, multiple=True, metavar="VALUE|METER=VALUE", help=help_text)


def out_option(command: F) -> F:
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("outbound"),
        show_default=True,
        help="Folder for the 814s to CESs.",
    )(command)

"""The command line's clock: the real one, or the date fixed by `--today` for reproducible runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click

EASTERN = ZoneInfo("America/New_York")
F = TypeVar("F", bound=Callable[..., Any])


def _store(ctx: click.Context, _param: click.Parameter, value: date | None) -> date | None:
    ctx.ensure_object(dict)["today"] = value
    return value


def _parse(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return _store(ctx, param, None)
    try:
        return _store(ctx, param, date.fromisoformat(value))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD.") from None


def today_option(command: F) -> F:
    """`--today YYYY-MM-DD`: fix the clock (US Eastern) for every command."""
    return click.option(
        "--today",
        metavar="YYYY-MM-DD",
        callback=_parse,
        expose_value=False,
        is_eager=True,
        help="Fix today's date (US Eastern) so that runs are reproducible.",
    )(command)


def now() -> datetime:
    """The current US Eastern time, or midnight of the `--today` date when it was given."""
    ctx = click.get_current_context(silent=True)
    fixed = None
    while ctx is not None and fixed is None:
        fixed = (ctx.obj or {}).get("today") if isinstance(ctx.obj, dict) else None
        ctx = ctx.parent
    if fixed is not None:
        return datetime.combine(fixed, time(0, 0))
    return datetime.now(EASTERN).replace(tzinfo=None)


def today_eastern() -> date:
    """Today's date in US Eastern time (America/New_York), whatever `--today` says."""
    return datetime.now(EASTERN).date()

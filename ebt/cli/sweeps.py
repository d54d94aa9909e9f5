"""Shared pieces of the sweep commands: the `--config` option and progress bars (shown only
on a terminal)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from tqdm import tqdm

from ebt.cli.faults import EXIT_USAGE
from ebt.sweep.config import ConfigError, SweepConfig, require_config

F = TypeVar("F", bound=Callable[..., Any])
CONFIG_VARIABLE = "EBT_PARTNERS"


def config_option(command: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default="partners.toml",
        show_default=True,
        envvar=CONFIG_VARIABLE,
        show_envvar=True,
        help="The trading-partner configuration (TOML).",
    )(command)


def read_config(path: Path) -> SweepConfig:
    try:
        return require_config(path)
    except ConfigError as bad:
        click.echo(str(bad), err=True)
        click.echo(
            f"{path}: not used; `ebt partners check --config {path}` lists the mistakes", err=True
        )
        raise SystemExit(EXIT_USAGE) from None


UNITS = {"read": ("B", True), "decide": (" sets", False)}


@contextmanager
def progress_bars() -> Iterator[Callable[[str, int], None]]:
    """A progress callback (phase, count); one bar at a time on stderr, only when it is a
    terminal. Phases: `read` (bytes read of the files taken; `total:read` adds a file's
    size, so the bar has a total and an ETA) and `decide` (sets decided; `total:decide`
    adds the sets queued). The line is cleared before the summary is written."""
    shown = sys.stderr.isatty()
    bars: dict[str, tqdm[Any]] = {}
    totals: dict[str, int] = {}

    def advance(phase: str, count: int) -> None:
        if not shown:
            return
        kind, _, name = phase.partition(":")
        if kind == "total":
            totals[name] = totals.get(name, 0) + count
            if name in bars:
                bars[name].total = totals[name]
                bars[name].refresh()
            return
        bar = bars.get(phase)
        if bar is None:
            for other in bars.values():  # one bar at a time: the phase before is done
                other.close()
            unit, scale = UNITS.get(phase, (" sets", False))
            bar = bars[phase] = tqdm(
                desc=f"{phase:>7}",
                total=totals.get(phase) or None,
                unit=unit,
                unit_scale=scale,
                leave=False,
                dynamic_ncols=True,
            )
        bar.update(count)

    try:
        yield advance
    finally:
        for bar in bars.values():
            bar.close()
        if bars:
            sys.stderr.write("\r\x1b[K")  # the summary starts at the start of a clean line
            sys.stderr.flush()

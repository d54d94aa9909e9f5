"""Shared pieces of the sweep commands: the `--config` option and progress bars (shown only
on a terminal)."""

from __future__ import annotations

import os
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
        default=lambda: os.environ.get(CONFIG_VARIABLE, "partners.toml"),
        show_default="$EBT_PARTNERS, else partners.toml",
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


@contextmanager
def progress_bars() -> Iterator[Callable[[str, int], None]]:
    """A progress callback (phase, count); bars on stderr only when it is a terminal."""
    shown = sys.stderr.isatty()
    bars: dict[str, tqdm[Any]] = {}

    def advance(phase: str, count: int) -> None:
        if not shown:
            return
        if phase not in bars:
            bars[phase] = tqdm(desc=f"{phase:>7}", unit=" sets", position=len(bars), leave=False)
        bars[phase].update(count)

    try:
        yield advance
    finally:
        for bar in bars.values():
            bar.close()

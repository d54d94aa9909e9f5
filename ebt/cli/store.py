"""Opening the store from the command line: `--db URL`, else $EBT_DATABASE_URL, else the
partners configuration's `[store] url`, else a SQLite file `ebt.db` in the working
directory, migrated to the current schema. Only `ebt load`, `ebt sweep demo` and a command
given `--create` make a store that is not there yet; every other command refuses, saying
where it looked. Every command opens it here, so a URL ebt cannot use, a server it cannot
reach or a store it cannot write is told plainly (`ebt/cli/faults.py`) by every command
alike."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ebt.cli.faults import STORE_URL
from ebt.store.database import (
    URL_VARIABLE,
    database_url,
    open_database,
    session_factory,
)
from ebt.sweep.config import configured_store

F = TypeVar("F", bound=Callable[..., Any])


CREATE = "ebt.create_store"


def _create(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.meta[CREATE] = True
    return value


def db_option(command: F) -> F:
    command = click.option(
        "--create",
        is_flag=True,
        expose_value=False,
        callback=_create,
        help="Make the store (and bring it to the current schema) when there is none yet.",
    )(command)
    return url_option(command)


# `--db URL`, or $EBT_DATABASE_URL; the console takes it without `--create`
url_option = click.option(
    "--db",
    "db",
    metavar="URL",
    default=None,
    envvar=URL_VARIABLE,
    show_envvar=True,
    help="Database URL (default: [store] url in the partners configuration, else "
    "sqlite:///ebt.db in the working directory).",
)


def store_url(db: str | None) -> tuple[str, str]:
    """The store's URL and where it came from."""
    if db:
        context = click.get_current_context(silent=True)
        given = context.get_parameter_source("db") if context is not None else None
        return db, f"${URL_VARIABLE}" if given == ParameterSource.ENVIRONMENT else "--db"
    if os.environ.get(URL_VARIABLE):
        return os.environ[URL_VARIABLE], f"${URL_VARIABLE}"
    config = _config_path()
    if config is not None:
        url = configured_store(config)
        if url:
            return url, f"[store] url in {config}"
    return database_url(None), "the default, ebt.db in the working directory"


def _config_path() -> Path | None:
    """The partners configuration the command names (--config), else $EBT_PARTNERS, else
    ./partners.toml when there is one."""
    context = click.get_current_context(silent=True)
    given = context.params.get("config_path") if context is not None else None
    path = Path(given or os.environ.get("EBT_PARTNERS") or "partners.toml")
    return path if path.is_file() else None


def open_engine(
    db: str | None, *, create: bool | None = None
) -> tuple[Engine, sessionmaker[Session]]:
    """The store's engine and sessions; its URL kept so that a fault met later in the
    command is told against it. A store that is not there yet is made only with `create`
    (or `--create`)."""
    url, source = store_url(db)
    context = click.get_current_context(silent=True)
    if context is not None:
        context.meta[STORE_URL] = url
        create = create or bool(context.meta.get(CREATE))
    engine = open_database(url, create=bool(create), said=f" (the store given by {source})")
    if context is not None:  # its connections closed with the command, not when collected
        context.call_on_close(engine.dispose)
    return engine, session_factory(engine)


def open_store(db: str | None, *, create: bool | None = None) -> sessionmaker[Session]:
    return open_engine(db, create=create)[1]

"""Opening the store from the command line: `--db URL` (else EBT_DATABASE_URL, else a SQLite
file in the working directory), migrated to the current schema. Every command opens it here,
so a URL ebt cannot use, a server it cannot reach or a store it cannot write is told plainly
(`ebt/cli/faults.py`) by every command alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ebt.cli.faults import STORE_URL
from ebt.store.database import database_url, open_database, session_factory

F = TypeVar("F", bound=Callable[..., Any])


def db_option(command: F) -> F:
    return click.option(
        "--db",
        "db",
        metavar="URL",
        default=None,
        help="Database URL (default: $EBT_DATABASE_URL, else sqlite:///ebt.db).",
    )(command)


def open_engine(db: str | None) -> tuple[Engine, sessionmaker[Session]]:
    """The store's engine and sessions; its URL kept so that a fault met later in the
    command is told against it."""
    url = database_url(db)
    context = click.get_current_context(silent=True)
    if context is not None:
        context.meta[STORE_URL] = url
    engine = open_database(url)
    return engine, session_factory(engine)


def open_store(db: str | None) -> sessionmaker[Session]:
    return open_engine(db)[1]

"""Where the store lives and how to open it: the database URL, the engine (SQLite or
PostgreSQL), the Alembic upgrade every command runs first, and the session factory.

`open_database` does all of it and turns what can go wrong in the environment into a
`StoreError` that says what is wrong and what to do: a URL that is not one (`StoreURLError`),
a server that cannot be reached, a store that is read-only, full, in a folder that does not
exist or made by a newer `ebt` (`StoreUnavailableError`), a SQLite store locked by another process
(`StoreBusyError`). `store_fault` does the same for such an error met later, mid-command.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import URL, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///ebt.db"
URL_VARIABLE = "EBT_DATABASE_URL"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# The PostgreSQL driver: psycopg 3. Plain postgresql:// (and the old postgres://) URLs mean it.
_POSTGRES_SCHEMES = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


def database_url(option: str | None = None) -> str:
    """The store's URL: the `--db` option, else $EBT_DATABASE_URL, else ./ebt.db (SQLite)."""
    return option or os.environ.get(URL_VARIABLE) or DEFAULT_URL


def driver_url(url: str) -> str:
    """`url` with the driver the store uses: postgresql:// becomes postgresql+psycopg://."""
    scheme, sep, rest = url.partition("://")
    return f"{_POSTGRES_SCHEMES.get(scheme, scheme)}{sep}{rest}" if sep else url


CONNECT_TIMEOUT_SECONDS = 10  # PostgreSQL: an unreachable server is said so, not waited on


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite connections get WAL (checkpointed every 64 MiB), foreign
    keys and synchronous=NORMAL; PostgreSQL ones give up connecting after 10 seconds unless
    the URL says otherwise (`?connect_timeout=N`)."""
    url = driver_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        timeout = {} if "connect_timeout" in url else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
        return create_engine(url, pool_pre_ping=True, connect_args=timeout)
    engine = create_engine(url)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


WAL_CHECKPOINT_PAGES = 16384  # 64 MiB of 4 KiB pages


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Checkpoint the write-ahead log every 64 MiB rather than every 4 MiB: a batch run
        # rewrites the same index pages commit after commit, and each checkpoint copies
        # them into the database again (about 8% of `ebt process`'s time at the default).
        # The log is truncated back to that size after a checkpoint.
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
        cursor.execute(f"PRAGMA journal_size_limit={WAL_CHECKPOINT_PAGES * 4096}")
    finally:
        cursor.close()


def alembic_config() -> Config:
    """An Alembic configuration for the packaged migrations (no alembic.ini needed); set
    `attributes["connection"]` to the connection to migrate."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the store's schema up to the newest migration (a fresh database gets every
    table), all or nothing: on SQLite too, whose driver would otherwise commit each CREATE
    and ALTER by itself, so that a migration failing half way left a store no version could
    open."""
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")  # the DDL in the transaction too
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to `engine`; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


# -- opening the store, and its faults told plainly -----------------------------------------

BACKENDS = ("sqlite", "postgresql")
ANOTHER_STORE = "or give another --db (or EBT_DATABASE_URL)"


class StoreError(Exception):
    """The store cannot be used: `what` is wrong and `fix` says what to do (a fault of the
    environment or the configuration, told without a traceback)."""

    def __init__(self, what: str, fix: str):
        super().__init__(what)
        self.what = what
        self.fix = fix


class StoreURLError(StoreError):
    """The database URL is not one `ebt` can use."""


class StoreUnavailableError(StoreError):
    """The store is there in the URL but cannot be used now: unreachable, read-only, full..."""


class StoreMissingError(StoreUnavailableError):
    """There is no store where the URL points (and the command does not make one)."""


class StoreBusyError(StoreError):
    """Another process holds the store (SQLite): try again when it is done."""


def shown_url(url: str) -> str:
    """`url` as it may be printed: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"//[^/@]*@", "//***@", url)


def checked_url(url: str) -> URL:
    """`url` parsed, or a `StoreURLError` saying why `ebt` cannot use it."""
    fix = (
        "Give --db sqlite:///path/to/ebt.db or --db postgresql://user@host/database "
        "(or set EBT_DATABASE_URL)."
    )
    try:
        parsed = make_url(driver_url(url))
    except ArgumentError:
        raise StoreURLError(f"{shown_url(url)!r} is not a database URL", fix) from None
    backend = parsed.get_backend_name()
    if backend not in BACKENDS:
        raise StoreURLError(
            f"{shown_url(url)}: ebt keeps its store in SQLite or PostgreSQL, not {backend}", fix
        )
    return parsed


CREATE_STORE = (
    "Make one with `ebt load PATH` (the utility's reference data) or give --create, "
    + ANOTHER_STORE
)


def open_database(url: str, *, create: bool = True, said: str = "") -> Engine:
    """The engine for the store at `url`, its schema brought up to date; every fault of the
    URL or the environment raised as a `StoreError`. Unless `create`, a store that does not
    exist yet (no SQLite file; no ebt tables in the database) is a `StoreMissingError`;
    `said` tells where the URL came from."""
    parsed = checked_url(url)
    folder = _sqlite_folder(parsed)
    if folder is not None and not folder.is_dir():
        raise StoreUnavailableError(
            f"the folder {folder} of the store {shown_url(url)} does not exist",
            f"Create it, {ANOTHER_STORE}.",
        )
    if not create and folder is not None and not Path(parsed.database or "").exists():
        raise StoreMissingError(
            f"there is no store at {Path(parsed.database or '').absolute()}{said}",
            CREATE_STORE + ".",
        )
    try:
        engine = make_engine(url)
    except (NoSuchModuleError, ImportError) as missing:
        raise StoreURLError(
            f"{shown_url(url)}: its database driver is not installed ({missing})",
            "Write postgresql://... (ebt uses psycopg 3) or sqlite:///...",
        ) from None
    try:
        if not create and folder is None and not _has_store(engine):
            engine.dispose()
            raise StoreMissingError(
                f"the database {shown_url(url)} holds no ebt store{said}", CREATE_STORE + "."
            )
        upgrade(engine)
    except CommandError as newer:
        engine.dispose()
        raise StoreUnavailableError(
            f"the store {shown_url(url)} has a schema this ebt does not know ({newer})",
            f"It was made by a newer ebt: upgrade ebt, {ANOTHER_STORE}.",
        ) from None
    except DBAPIError as error:
        engine.dispose()
        fault = store_fault(error, url)
        if fault is None:
            raise
        raise fault from None
    return engine


def _has_store(engine: Engine) -> bool:
    """Whether the database holds an ebt store (its migrations' table)."""
    with engine.connect() as connection:
        return inspect(connection).has_table("alembic_version")


def _sqlite_folder(url: URL) -> Path | None:
    """The folder a SQLite store's file is in (None in memory or for a `file:` URI)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.database.startswith("file:"):
        return None
    return Path(url.database).absolute().parent


def store_fault(error: BaseException, url: str) -> StoreError | None:
    """What a database error says about the store, plainly; None when it is not a fault of
    the environment (a constraint or SQL error is a bug, and keeps its traceback)."""
    if isinstance(error, IntegrityError) or not isinstance(error, DBAPIError):
        return None
    where = shown_url(url)
    original = getattr(error, "orig", None) or error
    said = str(original).strip().splitlines()[0] if str(original).strip() else type(error).__name__
    lowered = said.lower()
    if isinstance(error, ProgrammingError):
        if getattr(original, "sqlstate", None) != "42501":  # insufficient privilege
            return None
        return StoreUnavailableError(
            f"the store {where} refuses this user: {said}",
            "Grant the user the right to create and change tables there, " + ANOTHER_STORE + ".",
        )
    if not isinstance(error, (OperationalError, InterfaceError)) and type(error) is not (
        DatabaseError
    ):
        return None
    if "database is locked" in lowered:
        return StoreBusyError(
            f"the store {where} is locked by another process",
            "Try again when it is done (a sweep or another command is writing).",
        )
    postgres = make_url(driver_url(url)).get_backend_name() == "postgresql"
    if "readonly" in lowered or "read-only" in lowered or _sqlite_read_only(url):
        writable = "the server (not a standby)" if postgres else "the file and its folder"
        return StoreUnavailableError(
            f"the store {where} is read-only ({said})",
            f"Let this user write {writable}, {ANOTHER_STORE}.",
        )
    if "disk is full" in lowered or "no space" in lowered:
        return StoreUnavailableError(
            f"the store {where} has no room left ({said})",
            "Free space on its disk, then run the command again.",
        )
    if "not a database" in lowered:
        return StoreUnavailableError(
            f"{where} is not a database ({said})",
            "Give the path of an ebt store in --db (or EBT_DATABASE_URL).",
        )
    if "does not exist" in lowered and "database" in lowered:
        return StoreUnavailableError(
            f"the database of {where} does not exist on its server ({said})",
            f"Create it (e.g. createdb), {ANOTHER_STORE}.",
        )
    if "authentication" in lowered or "password" in lowered or "role" in lowered:
        return StoreUnavailableError(
            f"the server of {where} refused the login ({said})",
            "Check the user and password in the URL (or ~/.pgpass).",
        )
    if postgres:
        return StoreUnavailableError(
            f"the PostgreSQL server of {where} cannot be reached ({said})",
            f"Check that it is running and reachable from here (host, port, firewall), "
            f"{ANOTHER_STORE}; then run the command again.",
        )
    return StoreUnavailableError(
        f"the store {where} cannot be used ({said})",
        f"Check the file and its folder, {ANOTHER_STORE}.",
    )


def _sqlite_read_only(url: str) -> bool:
    """True when a SQLite store's file or folder cannot be written by this process."""
    try:
        folder = _sqlite_folder(make_url(driver_url(url)))
    except ArgumentError:
        return False
    if folder is None or not folder.is_dir():
        return False
    path = folder / Path(make_url(driver_url(url)).database or "").name
    if not os.access(folder, os.W_OK):
        return True
    return path.exists() and not os.access(path, os.W_OK)

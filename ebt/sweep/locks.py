"""Who may work on what when several sweeps share one store.

PostgreSQL: advisory locks. A claim on a file (ingesting or archiving it) is a session-level
lock held on the worker's own connection, so a worker that dies releases it with its
connection; the decide lock on a partition is a transaction-level lock, held until the batch
commits. SQLite: one sweep at a time per store, by an exclusive lock on a file beside the
work folder; inside it every try succeeds.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from ebt.store.database import StoreBusyError

FILE_LOCKS = 7301  # pg advisory lock class ids (two-int form): files, partitions, singletons
PARTITION_LOCKS = 7302
SINGLETON_LOCKS = 7303
CLAIM_ORDER = 1  # serialises the numbering of newly claimed files
OUTBOUND = 2  # one outbound sweep at a time


class Locks:
    """Advisory locks on PostgreSQL; always granted on SQLite (one sweep holds the store)."""

    def __init__(self, engine: Engine):
        self.shared = engine.dialect.name == "postgresql"
        # session-level locks need no transaction: autocommit, one round trip a lock
        self.connection: Connection | None = (
            engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            if self.shared
            else None
        )

    def try_lock(self, kind: int, key: int) -> bool:
        if self.connection is None:
            return True
        got = self.connection.execute(
            text("SELECT pg_try_advisory_lock(:kind, :key)"), {"kind": kind, "key": key}
        ).scalar_one()
        return bool(got)

    def unlock(self, kind: int, key: int) -> None:
        if self.connection is not None:
            self.connection.execute(
                text("SELECT pg_advisory_unlock(:kind, :key)"), {"kind": kind, "key": key}
            )

    def close(self) -> None:
        """Release every lock this worker holds (a pooled connection outlives `close`)."""
        if self.connection is not None:
            self.connection.execute(text("SELECT pg_advisory_unlock_all()"))
            self.connection.close()
            self.connection = None

    def __enter__(self) -> Locks:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def hold_in_transaction(session: Session, kind: int, key: int, *, wait: bool) -> bool:
    """A lock held until `session`'s transaction ends (PostgreSQL); True on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    if wait:
        session.execute(text("SELECT pg_advisory_xact_lock(:k, :n)"), {"k": kind, "n": key})
        return True
    got = session.execute(
        text("SELECT pg_try_advisory_xact_lock(:k, :n)"), {"k": kind, "n": key}
    ).scalar_one()
    return bool(got)


class SingleSweep:
    """An exclusive lock on `path` for the life of a sweep on SQLite (released by the kernel
    if the process dies); `StoreBusyError` when another sweep holds it."""

    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None

    def __enter__(self) -> SingleSweep:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            self.fd = None
            raise StoreBusyError(
                f"another sweep is running on this store (it holds {self.path})",
                "Nothing to do: run again when it is done (the scheduler does).",
            ) from None
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

"""Faults told plainly: the exit codes of `ebt`, and the one or two lines it prints instead
of a traceback when the environment fails a command (the store, a folder) rather than the
input.

| code | meaning |
| --- | --- |
| 0 | done |
| 1 | done, with problems in the input (findings, a file to error/) said on the way |
| 2 | usage or configuration: arguments, partners.toml, a database URL ebt cannot use |
| 3 | the store cannot be used: unreachable, read-only, full, in a missing folder, newer |
| 4 | a folder cannot be used (full, read-only, missing); an undelivered file waits |
| 75 | busy (EX_TEMPFAIL): another sweep or process holds the store; try again later |
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import Any

import click

from ebt.store.database import (
    StoreBusyError,
    StoreError,
    StoreURLError,
    store_fault,
)

EXIT_DONE = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_STORE = 3
EXIT_FOLDER = 4
EXIT_BUSY = 75  # sysexits.h EX_TEMPFAIL: a scheduler tries again
SEVERITY = (EXIT_FOLDER, EXIT_PROBLEMS, EXIT_BUSY, EXIT_DONE)  # which of several to report

STORE_URL = "ebt.store_url"  # where the opened store's URL is kept in the click context

FOLDER_FIXES = {
    errno.ENOSPC: "Free space on that file system, then run the command again.",
    errno.EDQUOT: "Raise this user's quota there or free space, then run the command again.",
    errno.EACCES: "Let the user running ebt write there, or correct the folder's path.",
    errno.EPERM: "Let the user running ebt write there, or correct the folder's path.",
    errno.EROFS: "That file system is read-only: remount it read-write or use another folder.",
    errno.ENOENT: "Create the folder (or mount its file system), or correct its path.",
    errno.ENOTDIR: "Part of the path is a file, not a folder: correct the path.",
}


@dataclass(frozen=True, slots=True)
class Fault:
    """A fault told in two lines (what is wrong; what to do), with its exit code."""

    what: str
    fix: str
    code: int

    def show(self) -> None:
        click.echo(f"ebt: {self.what}", err=True)
        click.echo(f"  fix: {self.fix}", err=True)


def exit_code(*codes: int) -> int:
    """The code to exit with when a command met several outcomes (a folder fault first)."""
    return min(codes, key=SEVERITY.index, default=EXIT_DONE)


def told_plainly(error: BaseException, url: str | None = None) -> Fault | None:
    """`error` as a `Fault` when it is one of the environment (None for a bug)."""
    if isinstance(error, StoreError):
        code = (
            EXIT_USAGE
            if isinstance(error, StoreURLError)
            else EXIT_BUSY
            if isinstance(error, StoreBusyError)
            else EXIT_STORE
        )
        return Fault(error.what, error.fix, code)
    if url is not None and (fault := store_fault(error, url)) is not None:
        return told_plainly(fault)
    if isinstance(error, OSError) and error.errno != errno.EPIPE:  # click handles a closed pipe
        where = error.filename if error.filename is not None else "a file or folder"
        fix = FOLDER_FIXES.get(error.errno or 0, "Check that path and run the command again.")
        return Fault(f"{where}: {error.strerror or error}", fix, EXIT_FOLDER)
    return None


class PlainFaults(click.Group):
    """The `ebt` group: a fault of the environment in any command is told plainly."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException:
            raise
        except Exception as error:
            fault = told_plainly(error, ctx.meta.get(STORE_URL))
            if fault is None:
                raise
            fault.show()
            raise click.exceptions.Exit(fault.code) from None

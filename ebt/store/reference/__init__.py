"""Reference data into the store: trading partners, bill-cycle read schedules, premises, meters,
meter installations, accounts (with their supplier of record) and landlord agreements, from CSV
files named for their kind or one JSON file holding several kinds (docs/reference-data.md).

Rows name each other by business key (DUNS, premise, meter and account numbers), never by
surrogate id. Every row of a file is checked (columns, types, dates, references, duplicates) and
the file is written in one database transaction, a batch of rows at a time; a file with any
error is rolled back whole, so it loads nothing, and each error names the file, line and column
and says what to fix. Loading a file again updates rows by business key. Memory stays flat with
the file's size: rows are read and written a batch at a time and the keys seen so far wait in a
temporary table.

The package, by job:

- `planning`: which file holds which kind, and the order files load in;
- `reading`: CSV and JSON files as rows of text (the csv module, ijson), with shape errors;
- `columns`: the column types of a row model (pydantic) and the words of their errors;
- `kind` and one module per kind (`partners`, `cycle_reads`, `premises`, `meters`,
  `meter_installations`, `accounts`, `landlord_agreements`): the row model, the rules of a row
  and how a batch of rows is checked against the store and written;
- `writing`: the statements of a file's transaction, batched;
- `loading`: files in order, each in its transaction;
- `results`: what loading a file did, and its errors.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ebt.store.reference.planning import KINDS, kind_of, plan
from ebt.store.reference.results import LoadError, LoadResult

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

__all__ = ["KINDS", "LoadError", "LoadResult", "kind_of", "load_file", "load_paths", "plan"]


def load_paths(sessions: sessionmaker[Session], paths: Sequence[Path]) -> Iterator[LoadResult]:
    """Load files and directories in dependency order (`loading.load_paths`)."""
    # Imported here: the row models (pydantic) load with the first load, not with every
    # `ebt` command that imports this package for KINDS or plan.
    from ebt.store.reference import loading

    return loading.load_paths(sessions, paths)


def load_file(sessions: sessionmaker[Session], path: Path) -> list[LoadResult]:
    """Load one CSV or JSON file in one transaction (`loading.load_file`)."""
    from ebt.store.reference import loading

    return loading.load_file(sessions, path)

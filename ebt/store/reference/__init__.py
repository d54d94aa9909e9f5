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

from ebt.store.reference.loading import load_file, load_paths
from ebt.store.reference.planning import KINDS, kind_of, plan
from ebt.store.reference.results import LoadError, LoadResult

__all__ = ["KINDS", "LoadError", "LoadResult", "kind_of", "load_file", "load_paths", "plan"]

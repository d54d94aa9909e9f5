"""What each kind of reference row has: its row model, its key, the rules between its columns,
and how a batch of its rows reaches the store. One module per kind says these for it
(partners.py, cycle_reads.py, premises.py, meters.py, meter_installations.py, accounts.py,
landlord_agreements.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import ValidationError
from sqlalchemy import Table

from ebt.store.reference.columns import ReferenceRow, problems
from ebt.store.reference.results import Problem
from ebt.store.reference.writing import Load, SeenKeys, Stored

R = TypeVar("R", bound=ReferenceRow)

# Keys of more than one column are joined with this character (never in a value we accept).
KEY_JOIN = "\x1f"


class Kind(Generic[R]):
    """How one kind of reference row is checked and written."""

    name: ClassVar[str]
    table: ClassVar[Table]
    row_type: type[R]
    key_columns: ClassVar[tuple[str, ...]]

    def read(self, load: Load, line: int, values: dict[str, Any]) -> R | None:
        """The row of `values` (its columns' stripped, non-empty text), or None after
        reporting what is wrong with it: its columns first, then the rules between them."""
        values["line"] = line
        try:
            row = self.row_type.model_validate(values)
        except ValidationError as bad:
            for found in problems(self.row_type, bad, values):
                load.error(line, found.column, found.problem, found.fix)
            return None
        broken = list(self.check(row))
        for found in broken:
            load.error(line, found.column, found.problem, found.fix)
        return None if broken else row

    def check(self, row: R) -> Iterator[Problem]:
        """The rules between the columns of one row that it breaks."""
        return iter(())

    def key(self, row: R) -> str:
        return KEY_JOIN.join(str(getattr(row, name) or "") for name in self.key_columns)

    def show_key(self, row: R) -> str:
        return " ".join(str(getattr(row, name) or "(all year)") for name in self.key_columns)

    def start(self, load: Load) -> None:
        """Read what the whole file needs from the store (small tables only)."""

    def apply(self, load: Load, rows: list[R]) -> None:
        """Check a batch of rows against the store and write those that pass."""
        raise NotImplementedError

    def finish(self, load: Load, seen: SeenKeys) -> None:
        """Checks that need the whole file written (still inside its transaction)."""


@dataclass(slots=True)
class Held:
    """What one row or stored record claims (a meter's dates, a premise's season) and where
    it comes from, to find two that clash."""

    key: Any
    span: Any
    where: str
    old: Stored | None


ALREADY_LOADED = "in the store or earlier in this file"

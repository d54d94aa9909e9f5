"""One page of a long list: its rows, which page it is, and whether another follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Row, Select
from sqlalchemy.orm import Session

T = TypeVar("T")
PER_PAGE = 50
MAX_PER_PAGE = 500


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    rows: tuple[T, ...]
    number: int  # from 1
    per_page: int
    more: bool  # another page follows

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.more else None


def clamp(number: int, per_page: int) -> tuple[int, int]:
    """A page number of at least 1 and a page size between 1 and MAX_PER_PAGE."""
    return max(number, 1), min(max(per_page, 1), MAX_PER_PAGE)


def fetch(
    session: Session, query: Select[*tuple[Any, ...]], number: int, per_page: int
) -> tuple[list[Row[*tuple[Any, ...]]], bool]:
    """The rows of page `number` of `query` (ordered already), and whether more follow:
    one row past the page is read, never a count of the whole list."""
    number, per_page = clamp(number, per_page)
    rows = session.execute(query.limit(per_page + 1).offset((number - 1) * per_page)).all()
    return list(rows[:per_page]), len(rows) > per_page

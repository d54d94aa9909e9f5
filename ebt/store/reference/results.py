"""What loading a reference file did: its counts and its errors, each naming the file, the
line and the column, what is wrong and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

MAX_ERRORS_KEPT = 200


@dataclass(frozen=True, slots=True)
class LoadError:
    """One thing wrong in a reference file: where, what, and what to do about it."""

    file: str
    line: int | None
    column: str | None
    problem: str
    fix: str

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.problem}; {self.fix}"


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong with one column of a row, and what to do about it (the row's file and
    line are added when it becomes a `LoadError`)."""

    column: str | None
    problem: str
    fix: str


@dataclass(slots=True)
class LoadResult:
    """What loading one file (or one kind of a JSON file) did."""

    file: str
    kind: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[LoadError] = field(default_factory=list)
    error_count: int = 0
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and self.skipped is None

    def add_error(self, error: LoadError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)

    def error(self, line: int | None, column: str | None, problem: str, fix: str) -> None:
        """Add an error of this file."""
        self.add_error(LoadError(self.file, line, column, problem, fix))

    def summary(self) -> str:
        """One line: the file, its kind and what happened."""
        label = self.file if Path(self.file).stem == self.kind else f"{self.file} [{self.kind}]"
        if self.skipped:
            return f"{label}: not loaded: {self.skipped}"
        if self.error_count:
            return f"{label}: {self.error_count} error(s) in {self.rows} row(s); nothing loaded"
        return (
            f"{label}: {self.rows} row(s): {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )

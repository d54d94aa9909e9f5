"""Loading reference files: each file in one transaction, its rows read, checked and written
a batch at a time, kept only when the whole file has no error."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from ebt.store.reference.accounts import Accounts
from ebt.store.reference.cycle_reads import CycleReads
from ebt.store.reference.kind import Kind
from ebt.store.reference.landlord_agreements import LandlordAgreements
from ebt.store.reference.meter_installations import MeterInstallations
from ebt.store.reference.meters import Meters
from ebt.store.reference.partners import Partners
from ebt.store.reference.planning import JSON, KINDS, kind_of, plan
from ebt.store.reference.premises import Premises
from ebt.store.reference.reading import (
    Columns,
    Values,
    csv_rows,
    json_items,
    json_rows,
    json_sections,
)
from ebt.store.reference.results import LoadResult
from ebt.store.reference.writing import Load, SeenKeys, analyze_written, chunks

# Every kind, in dependency order (KINDS; tests/test_load.py holds the two equal).
KIND_TYPES: dict[str, type[Kind[Any]]] = {
    kind.name: kind
    for kind in (
        Partners,
        CycleReads,
        Premises,
        Meters,
        MeterInstallations,
        Accounts,
        LandlordAgreements,
    )
}


def columns_of(kind: Kind[Any]) -> Columns:
    return Columns(kind.name, kind.row_type.columns(), kind.row_type.required())


def load_paths(sessions: sessionmaker[Session], paths: Sequence[Path]) -> Iterator[LoadResult]:
    """Load files and directories in dependency order, yielding each file's result as it is
    done; after a file with errors the rest are not loaded (they would repeat its errors)."""
    failed = False
    for path in plan(paths)[0]:
        if failed:
            yield LoadResult(str(path), kind_of(path) or "?", skipped="an earlier file had errors")
            continue
        for result in load_file(sessions, path):
            failed = failed or not result.ok
            yield result


def load_file(sessions: sessionmaker[Session], path: Path) -> list[LoadResult]:
    """Load one CSV or JSON file in one transaction; nothing stays when it has an error."""
    kind = kind_of(path)
    if kind is None:
        result = LoadResult(str(path), path.stem)
        result.error(
            None,
            None,
            "the file name does not say what it holds",
            f"name it <kind>.csv with a kind from {', '.join(KINDS)}, or use a .json file",
        )
        return [result]
    with sessions() as session:  # closing it rolls back what was not committed
        results = _load_json(session, path) if kind == JSON else [_load_csv(session, path, kind)]
        if all(r.ok for r in results):
            session.commit()
            analyze_written(session)
        else:
            session.rollback()
    return results


def _load_csv(session: Session, path: Path, name: str) -> LoadResult:
    result = LoadResult(str(path), name)
    kind = KIND_TYPES[name]()
    load_rows(Load(session, result), kind, csv_rows(path, columns_of(kind), result))
    return result


def _load_json(session: Session, path: Path) -> list[LoadResult]:
    """Load the kinds of one JSON file in dependency order, stopping at the first with errors."""
    whole = LoadResult(str(path), JSON)
    sections = json_sections(path, KINDS, whole)
    if sections is None:
        return [whole]
    results: list[LoadResult] = []
    for section in sorted(sections, key=lambda s: KINDS.index(s.name)):
        result = LoadResult(str(path), section.name)
        results.append(result)
        kind = KIND_TYPES[section.name]()
        rows = json_rows(json_items(path, section), columns_of(kind), result)
        load_rows(Load(session, result), kind, rows)
        if not result.ok:
            break
    return results or [whole]


def load_rows(load: Load, kind: Kind[Any], rows: Iterable[tuple[int, Values]]) -> None:
    """Check and write the rows of one kind, a batch at a time (inside the caller's
    transaction): each row's columns and rules, its key not given before in the file, then
    the batch against the store."""
    seen = SeenKeys(load)
    kind.start(load)
    for batch in chunks(rows):
        load.result.rows += len(batch)
        read = [r for line, values in batch if (r := kind.read(load, line, values)) is not None]
        kind.apply(load, first_of_each_key(load, kind, seen, read))
    kind.finish(load, seen)
    seen.close()


def first_of_each_key(load: Load, kind: Kind[Any], seen: SeenKeys, rows: list[Any]) -> list[Any]:
    """The rows whose business key was not in the file before; errors for the others."""
    keys = [kind.key(row) for row in rows]
    earlier = seen.lines(keys)
    fresh: dict[str, int] = {}
    first: list[Any] = []
    for row, key in zip(rows, keys, strict=True):
        line = earlier.get(key) or fresh.get(key)
        if line is not None:
            load.error(
                row.line,
                kind.key_columns[0],
                f"{kind.show_key(row)} is already on line {line}",
                "give each row once: remove or merge one of the two",
            )
            continue
        fresh[key] = row.line
        first.append(row)
    seen.add(fresh)
    return first

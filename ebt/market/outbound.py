"""Write the outbox: one X12 file per recipient, with control numbers that are never reused.

Each recipient's unsent rows become one interchange (a functional group per transaction
set type: GE for 814s, FA for 997s). The file is written to a temporary name, synced and
renamed; the rows are marked sent and the recipient's control number advanced in the same
database transaction, so a crash before the commit writes the same file again on the next
run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from ebt.store.schema import ControlNumber, Outbox, TradingPartner
from ebt.syntax.separators import Separators
from ebt.syntax.writer import gs_segment, isa_segment, segments_text, write_segments

FUNCTIONAL_IDS = {"814": "GE", "997": "FA", "824": "AG"}
MAX_CONTROL = 999_999_999


def encode_body(segments: Iterable[list[str]]) -> str:
    """An outbox body: a JSON array of segments (each an array of strings), one segment to a
    line, so that it can be read back a segment at a time (`decode_body`)."""
    chunks: list[str] = []
    lines: list[str] = []
    for segment in segments:
        lines.append(json.dumps(segment))
        if len(lines) == 1000:  # joined as it goes: a list of chunks, not of segments
            chunks.append(",\n".join(lines))
            lines = []
    if lines:
        chunks.append(",\n".join(lines))
    return "[\n" + ",\n".join(chunks) + "\n]"


def decode_body(body: str) -> Iterator[list[str]]:
    """The segments of an outbox body, one at a time (any JSON array of segments is read;
    one written by `encode_body` without ever holding all of them)."""
    if not body.startswith("[\n"):
        yield from json.loads(body)
        return
    start = 2
    while True:
        end = body.find("\n", start)
        line = body[start:end] if end >= 0 else body[start:]
        if line and line != "]":
            yield json.loads(line.removesuffix(","))
        if end < 0:
            return
        start = end + 1


def next_control(session: Session, partner: str) -> int:
    """The next ISA13 towards `partner` (1 after 999999999)."""
    row = session.get(ControlNumber, partner)
    if row is None:
        row = ControlNumber(partner=partner, last=0)
        session.add(row)
    row.last = row.last % MAX_CONTROL + 1
    return row.last


def write_outbox(
    sessions: sessionmaker[Session],
    out_dir: Path,
    *,
    now: datetime,
    separators: Separators | None = None,
) -> list[Path]:
    """Write every unsent outbox row into `out_dir`, one file per recipient, streaming the
    rows (memory does not grow with their number); the paths written."""
    separators = separators or Separators()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with sessions() as session:
        td = session.scalar(select(TradingPartner).where(TradingPartner.role == "T&D"))
        sender = td.duns if td else "UNKNOWN"
        counts: dict[str, dict[str, tuple[int, int]]] = {}
        for recipient, set_id, count, last in session.execute(
            select(Outbox.recipient, Outbox.set_id, func.count(), func.max(Outbox.id))
            .where(Outbox.sent_at.is_(None))
            .where(Outbox.set_id.in_(FUNCTIONAL_IDS))  # a TA1 is written by the sweeps
            .group_by(Outbox.recipient, Outbox.set_id)
        ):
            counts.setdefault(recipient, {})[set_id] = (count, last)
        for recipient, by_set in sorted(counts.items()):
            control = next_control(session, recipient)
            last = max(last for _, last in by_set.values())
            path = out_dir / f"{recipient}-{control:09d}.x12"
            with _AtomicFile(path) as out:
                out.write(
                    _text(
                        isa_segment(
                            sender=("01", sender),
                            receiver=("01", recipient),
                            control=control,
                            when=now,
                            separators=separators,
                        ),
                        separators,
                    )
                )
                groups = [s for s in ("814", "824", "997") if s in by_set]
                for number, set_id in enumerate(groups):
                    group = control + number if control + number < 10**9 else number + 1
                    out.write(
                        _text(
                            gs_segment(FUNCTIONAL_IDS[set_id], sender, recipient, group, now),
                            separators,
                        )
                    )
                    rows = session.scalars(
                        select(Outbox.body)
                        .where(Outbox.sent_at.is_(None))
                        .where(Outbox.recipient == recipient)
                        .where(Outbox.set_id == set_id)
                        .where(Outbox.id <= last)
                        .order_by(Outbox.id)
                        .execution_options(yield_per=1000)
                    )
                    for index, body in enumerate(rows, start=1):
                        _write_set(out, set_id, index, body, separators)
                    out.write(_text(["GE", str(by_set[set_id][0]), str(group)], separators))
                out.write(_text(["IEA", str(len(groups)), f"{control:09d}"], separators))
            session.execute(
                update(Outbox)
                .where(Outbox.sent_at.is_(None))
                .where(Outbox.recipient == recipient)
                .where(Outbox.set_id.in_(FUNCTIONAL_IDS))
                .where(Outbox.id <= last)
                .values(sent_at=now, file_name=path.name)
            )
            written.append(path)
        session.commit()
    return written


def _write_set(out: IO[str], set_id: str, number: int, body: str, seps: Separators) -> None:
    """ST, the body's segments as they are read (written a thousand at a time), SE with
    their count."""
    st = f"{number:04d}"
    out.write(_text(["ST", set_id, st], seps))
    count = 2
    chunk: list[list[str]] = []
    for segment in decode_body(body):
        chunk.append(segment)
        if len(chunk) == 1000:
            out.write(segments_text(chunk, seps))
            count += len(chunk)
            chunk = []
    out.write(segments_text(chunk, seps))
    count += len(chunk)
    out.write(_text(["SE", str(count), st], seps))


def _text(segment: list[str], separators: Separators) -> str:
    return "".join(write_segments([segment], separators))


class _AtomicFile:
    """Write to a temporary name beside `path`; on success sync and rename over `path`."""

    def __init__(self, path: Path):
        self.path = path
        self.temporary = path.with_name(f".{path.name}.tmp")
        self.handle: IO[str] | None = None

    def __enter__(self) -> IO[str]:
        self.handle = self.temporary.open("w", encoding="ascii", newline="")
        return self.handle

    def __exit__(self, kind: object, *_: object) -> None:
        assert self.handle is not None
        if kind is None:
            self.handle.flush()
            os.fsync(self.handle.fileno())
        self.handle.close()
        if kind is None:
            self.temporary.replace(self.path)
        else:
            self.temporary.unlink(missing_ok=True)

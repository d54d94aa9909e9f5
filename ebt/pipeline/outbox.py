"""Write the outbox: one X12 file per recipient, with control numbers that are never reused.

Each recipient's waiting rows (not sent, in no file yet) become one interchange (a
functional group per transaction set type: GE for 814s, FA for 997s), ISA15 `T` for a
partner in test mode. The file is written to a temporary name, synced, renamed and its
folder synced; the rows take the file's name — and are marked sent, unless the caller
delivers the file itself (the outbound sweep) — and the recipient's control number is
advanced, all in one database transaction, so a crash before the commit writes the same file
again on the next run.

Files are named `<recipient>-<ISA13>.x12`; an answer to a sender that could not be identified
(an ISA06 that is blank or not a plain id) is `unidentified-sender-<ISA13>.x12`, numbered in
one sequence of its own.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import IO

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from ebt.store.schema import ControlNumber, Outbox, TradingPartner
from ebt.syntax.separators import Separators
from ebt.syntax.writer import (
    gs_segment,
    isa_segment,
    json_segments,
    segments_json,
    segments_text,
    write_segments,
)

FUNCTIONAL_IDS = {"814": "GE", "997": "FA", "824": "AG"}
MAX_CONTROL = 999_999_999
NAMED_ID = re.compile(r"[A-Za-z0-9]{1,15}")  # an ISA id that can name a file
UNIDENTIFIED = "unidentified-sender"
UNIDENTIFIED_CONTROL = ""  # the control-number sequence of unidentified senders


def identified(recipient: str) -> bool:
    """True when `recipient` is an id that names its files (DUNS, DUNS+4, a plain ISA id)."""
    return NAMED_ID.fullmatch(recipient) is not None


def file_name(recipient: str, control: int) -> str:
    """The outbound file's name: `<recipient>-<ISA13>.x12`, or
    `unidentified-sender-<ISA13>.x12` when the recipient is not an id that can be named.

    >>> file_name("081234567", 12), file_name("", 3)
    ('081234567-000000012.x12', 'unidentified-sender-000000003.x12')
    """
    return f"{recipient if identified(recipient) else UNIDENTIFIED}-{control:09d}.x12"


def control_key(recipient: str) -> str:
    """Whose control-number sequence a file to `recipient` takes."""
    return recipient if identified(recipient) else UNIDENTIFIED_CONTROL


def receiver_id(recipient: str, separators: Separators) -> str:
    """ISA08 for `recipient`: the id as received, or blank when it cannot stand there."""
    usable = len(recipient) <= 15 and recipient.isprintable() and recipient.isascii()
    clash = {separators.element, separators.component, separators.segment}
    return recipient if usable and not clash.intersection(recipient) else ""


def production_modes(session: Session, configured: Mapping[str, bool] | None) -> dict[str, bool]:
    """Production (True) or test (False) per partner id: the store's trading partners, then
    `configured` (the partners' configuration) over them."""
    rows = session.execute(select(TradingPartner.duns, TradingPartner.production))
    modes = {duns: bool(production) for duns, production in rows}
    modes.update(configured or {})
    return modes


def encode_body(segments: Iterable[list[str]]) -> str:
    """An outbox body: a JSON array of segments (each an array of strings), one segment to a
    line, so that it can be read back a segment at a time (`decode_body`)."""
    chunks: list[str] = []
    lines: list[str] = []
    for segment in segments:
        lines.append(segments_json(segment))
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
        yield from json_segments(body)
        return
    start = 2
    while True:
        end = body.find("\n", start)
        line = body[start:end] if end >= 0 else body[start:]
        if line and line != "]":
            yield json_segments(line.removesuffix(","))
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


def waiting() -> ColumnElement[bool]:
    """Outbox rows waiting for a file: not sent, and in no file written but not yet
    delivered."""
    return and_(Outbox.sent_at.is_(None), Outbox.file_name.is_(None))


# outbox rows fetched at a time, by set: an 814 is a few hundred bytes; a 997 answers a whole
# inbound group (an AK2 and AK5 for each of up to 999,999 sets), so 997s come one at a time
FETCH = {"814": 1000, "824": 100}


def write_outbox(
    sessions: sessionmaker[Session],
    out_dir: Path,
    *,
    now: datetime,
    separators: Separators | None = None,
    production: Mapping[str, bool] | None = None,
    delivered: bool = True,
) -> list[Path]:
    """Write every waiting outbox row into `out_dir`, one file per recipient, streaming the
    rows (memory does not grow with their number); the paths written. `production` says
    which partners are in test mode (over the store's trading partners); with `delivered`
    False the rows only take the file's name, and the caller marks them sent once it has
    delivered the file."""
    separators = separators or Separators()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with sessions() as session:
        td = session.scalar(select(TradingPartner).where(TradingPartner.role == "T&D"))
        sender = td.duns if td else "UNKNOWN"
        modes = production_modes(session, production)
        counts: dict[str, dict[str, tuple[int, int]]] = {}
        for recipient, set_id, count, last in session.execute(
            select(Outbox.recipient, Outbox.set_id, func.count(), func.max(Outbox.id))
            .where(waiting())
            .where(Outbox.set_id.in_(FUNCTIONAL_IDS))  # a TA1 is written by the sweeps
            .group_by(Outbox.recipient, Outbox.set_id)
        ):
            counts.setdefault(recipient, {})[set_id] = (count, last)
        for recipient, by_set in sorted(counts.items()):
            control = next_control(session, control_key(recipient))
            last = max(last for _, last in by_set.values())
            path = out_dir / file_name(recipient, control)
            with _AtomicFile(path) as out:
                out.write(
                    _text(
                        isa_segment(
                            sender=("01", sender),
                            receiver=("01", receiver_id(recipient, separators)),
                            control=control,
                            when=now,
                            separators=separators,
                            production=modes.get(recipient, True),
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
                        .where(waiting())
                        .where(Outbox.recipient == recipient)
                        .where(Outbox.set_id == set_id)
                        .where(Outbox.id <= last)
                        .order_by(Outbox.id)
                        .execution_options(yield_per=FETCH.get(set_id, 1))
                    )
                    for index, body in enumerate(rows, start=1):
                        _write_set(out, set_id, index, body, separators)
                    out.write(_text(["GE", str(by_set[set_id][0]), str(group)], separators))
                out.write(_text(["IEA", str(len(groups)), f"{control:09d}"], separators))
            session.execute(
                update(Outbox)
                .where(waiting())
                .where(Outbox.recipient == recipient)
                .where(Outbox.set_id.in_(FUNCTIONAL_IDS))
                .where(Outbox.id <= last)
                .values(sent_at=now if delivered else None, file_name=path.name)
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
    """Write to a temporary name beside `path`; on success sync, rename over `path` and sync
    the folder (the name is durable too)."""

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
            sync_folder(self.path.parent)
        else:
            self.temporary.unlink(missing_ok=True)


def sync_folder(folder: Path) -> None:
    """Make the names in `folder` durable (a rename into it survives a power cut). A file
    system that cannot sync a folder (some network and FUSE ones say EINVAL) is left as is:
    the rename is all it offers."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError as error:
        if error.errno not in UNSYNCABLE:
            raise
    finally:
        os.close(fd)


UNSYNCABLE = {errno.EINVAL, errno.ENOTSUP, errno.ENOSYS}

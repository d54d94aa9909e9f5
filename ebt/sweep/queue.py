"""The delivery queue: how a transaction set waits between being read (ingest) and being
decided, and how it is read back as the checker's `SetResult`.

A set is kept with the ISA and GS segments it came in; reading it back wraps a run of sets
from one group in that envelope again and checks it, so the decider sees exactly what
`ebt process` would have shown it.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator, Sequence

from ebt.check import FileChecker, SetResult
from ebt.syntax.envelope import TransactionSet
from ebt.syntax.separators import Separators
from ebt.syntax.writer import segments_text

PARTITIONS = 8  # accounts are spread over this many partitions; each is decided in order


def partition_count(dialect: str) -> int:
    """How many partitions a store's queue uses: on SQLite one sweep runs at a time (a lock
    file sees to it), so one partition, and the largest batches; elsewhere `PARTITIONS`."""
    return 1 if dialect == "sqlite" else PARTITIONS


def partition_of(account: str | None, position: int, count: int = PARTITIONS) -> int:
    """The partition of an account among `count` (stable across processes and machines);
    sets without an account (997s, sets with syntax errors) are spread by their position."""
    if account:
        return zlib.crc32(account.encode("latin-1")) % count
    return position % count


def separators_text(separators: Separators) -> str:
    return separators.element + separators.component + separators.segment + separators.suffix


def separators_of(text: str) -> Separators:
    return Separators(text[0], text[1], text[2], text[3:])


def envelope_head(tx: TransactionSet) -> str:
    group = tx.group
    return segments_text([group.interchange.isa, group.gs], group.interchange.separators)


def set_text(tx: TransactionSet) -> str:
    return segments_text(tx.segments, tx.group.interchange.separators)


def read_back(name: str, head: str, separators: str, raws: Sequence[str]) -> Iterator[SetResult]:
    """The sets `raws` (one group's, in order) checked again inside their envelope."""
    sep = separators_of(separators)
    isa, gs = head.split(sep.terminator)[:2]
    control, group = isa.split(sep.element)[13], gs.split(sep.element)[6]
    tail = (
        sep.element.join(("GE", str(len(raws)), group))
        + sep.terminator
        + sep.element.join(("IEA", "1", control))
        + sep.terminator
    )
    data = (head + "".join(raws) + tail).encode("latin-1")
    for event in FileChecker(io.BytesIO(data), name=name).events():
        if isinstance(event, SetResult):
            yield event

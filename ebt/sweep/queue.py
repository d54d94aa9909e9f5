"""The delivery queue: how a transaction set waits between intake and the decide phase when
several sweeps share a PostgreSQL store.

A set goes on the queue as the intake read and checked it (`InboundSet`: its place, text,
typed record and findings), encoded with msgspec's MessagePack, and comes off it as the same
value: it is never read or checked again. Accounts are spread over partitions; one worker at
a time decides a partition, in delivery order.
"""

from __future__ import annotations

import zlib
from typing import Any

import msgspec

from ebt.findings import KINDS, Finding, Location
from ebt.mapping.records import ApplicationAdvice, FunctionalAck, Record, Transaction814
from ebt.market.inbound import InboundSet

PARTITIONS = 8  # accounts are spread over this many partitions; each is decided in order

# the record types a set can carry, by their number in a payload (-1: no record)
_RECORDS: tuple[type[Any], ...] = (Transaction814, FunctionalAck, ApplicationAdvice)
_ENCODER = msgspec.msgpack.Encoder()
_DECODERS = [msgspec.msgpack.Decoder(cls) for cls in _RECORDS]
_FINDING = tuple[
    str,  # code
    str,  # message
    str,  # file
    str | None,  # interchange
    str | None,  # group
    str | None,  # transaction
    str | None,  # segment
    int | None,  # position
    int | None,  # line
    str | None,  # element
    str | None,  # loop
    str | None,  # origin
    str | None,  # text
    str | None,  # value
    int | None,  # element_position
]
_PAYLOAD = tuple[str, str, str, str, int, str, str, int, msgspec.Raw, list[_FINDING]]
_OUTER = msgspec.msgpack.Decoder(_PAYLOAD)


def partition_count(dialect: str) -> int:
    """How many partitions a store's queue uses: on SQLite one sweep runs at a time (a lock
    file sees to it), so one partition; elsewhere `PARTITIONS`."""
    return 1 if dialect == "sqlite" else PARTITIONS


def partition_of(account: str | None, position: int, count: int = PARTITIONS) -> int:
    """The partition of an account among `count` (stable across processes and machines);
    sets without an account (997s, sets with syntax errors) are spread by their position."""
    if account:
        return zlib.crc32(account.encode("latin-1")) % count
    return position % count


def encode(item: InboundSet) -> bytes:
    record = item.record
    kind = -1 if record is None else _RECORDS.index(type(record))
    return _ENCODER.encode(
        (
            item.interchange,
            item.group,
            item.control,
            item.set_id,
            item.position,
            item.sender,
            item.raw,
            kind,
            msgspec.Raw(_ENCODER.encode(record)),
            [_finding_tuple(f) for f in item.findings],
        )
    )


def decode(payload: bytes) -> InboundSet:
    interchange, group, control, set_id, position, sender, raw, kind, record, found = _OUTER.decode(
        payload
    )
    typed: Record | None = None if kind < 0 else _DECODERS[kind].decode(record)
    return InboundSet(
        interchange,
        group,
        control,
        set_id,
        position,
        sender,
        raw,
        typed,
        tuple(_finding(f) for f in found),
    )


def _finding_tuple(found: Finding) -> _FINDING:
    at = found.location
    return (
        found.code,
        found.message,
        at.file,
        at.interchange,
        at.group,
        at.transaction,
        at.segment,
        at.position,
        at.line,
        at.element,
        at.loop,
        at.origin,
        found.text,
        found.value,
        found.element_position,
    )


def _finding(values: _FINDING) -> Finding:
    code, message, file, isa, gs, st, segment, position, line, element, loop, origin = values[:12]
    where = Location(file, isa, gs, st, segment, position, line, element, loop, origin)
    return Finding(KINDS[code], message, where, values[12], values[13], values[14])

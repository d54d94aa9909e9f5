"""The envelope and record events every syntax reads into and writes from.

An interchange (ISA / `<interchange>` / UNB) holds groups (GS / `<group>` / UNG) that hold
transactions (ST..SE / `<transaction>` / UNH..UNT). The header values are the X12 ones,
named; XML and EDIFACT carry each of them, so a translation loses none.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ebt.findings import Finding
from ebt.mapping.records import Record


@dataclass(frozen=True, slots=True)
class InterchangeHeader:
    """ISA01..ISA15 by name (ISA11, ISA12 and ISA16 are syntax, written by the X12 writer)."""

    sender_qualifier: str
    sender: str
    receiver_qualifier: str
    receiver: str
    date: str  # ISA09, YYMMDD
    time: str  # ISA10, HHMM
    control: str  # ISA13
    usage: str = "P"  # ISA15: P production, T test
    ack_requested: str = "0"  # ISA14
    authorization_qualifier: str = "00"  # ISA01
    authorization: str = ""  # ISA02
    security_qualifier: str = "00"  # ISA03
    security: str = ""  # ISA04


@dataclass(frozen=True, slots=True)
class GroupHeader:
    """GS01..GS08 by name."""

    functional_id: str  # GS01: GE for 814, AG for 824, FA for 997
    sender: str  # GS02
    receiver: str  # GS03
    date: str  # GS04, CCYYMMDD
    time: str  # GS05, HHMM[SS[dd]]
    control: str  # GS06
    agency: str = "X"  # GS07
    version: str = "004010"  # GS08


@dataclass(slots=True)
class Place:
    """Where something is in the file as received: a line (XML) or segment number (EDIFACT,
    X12) and what is there (`<account>`, `LOC+172`)."""

    line: int
    what: str

    def __str__(self) -> str:
        return (
            f"{self.what} line {self.line}"
            if self.what.startswith("<")
            else (f"{self.what}, segment {self.line}")
        )


@dataclass(slots=True)
class InterchangeOpen:
    header: InterchangeHeader
    place: Place
    findings: list[Finding] = field(default_factory=list)


@dataclass(slots=True)
class GroupOpen:
    header: GroupHeader
    place: Place
    findings: list[Finding] = field(default_factory=list)


@dataclass(slots=True)
class Message:
    """One transaction: its set id and control number, the record (None when it could not be
    read: the findings say why), and where each record field came from."""

    set_id: str
    control: str
    record: Record | None
    place: Place
    findings: list[Finding] = field(default_factory=list)
    fields: dict[str, Place] = field(default_factory=dict)  # "meters[0].number" -> place


@dataclass(slots=True)
class GroupClose:
    place: Place
    findings: list[Finding] = field(default_factory=list)


@dataclass(slots=True)
class InterchangeClose:
    place: Place
    findings: list[Finding] = field(default_factory=list)


@dataclass(slots=True)
class Problems:
    """Findings about the file itself (not well-formed, hostile, not this syntax)."""

    findings: list[Finding]


Event = InterchangeOpen | GroupOpen | Message | GroupClose | InterchangeClose | Problems
Events = Iterator[Event]


class NotWritableError(ValueError):
    """A transaction the target syntax cannot carry (no mapping, a value holding one of its
    separators): the translation stops and says why."""


SET_OF_GROUP = {"GE": "814", "AG": "824", "FA": "997"}
GROUP_OF_SET = {value: key for key, value in SET_OF_GROUP.items()}

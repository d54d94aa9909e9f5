"""Acknowledgments: a 997 for every inbound functional group, a TA1 for a broken interchange.

The 997 says what arrived and whether it was syntactically valid (AK1..AK9), built from the
findings with their X12 error codes; it is written through the same 997 mapping that reads
inbound 997s. A 997 is never answered with a 997.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from ebt.check import FileChecker, FileFindings, GroupStart, InterchangeStart, SetResult
from ebt.data.guides import default_guidebook
from ebt.data.mappings import guidebook_mapping
from ebt.findings import Finding
from ebt.guides.loader import GuideBook
from ebt.mapping.mapper import to_segments
from ebt.mapping.records import ElementError, FunctionalAck, Kind, SegmentError, SetAck
from ebt.syntax.envelope import GroupEnd, Interchange, InterchangeEnd
from ebt.syntax.separators import Separators
from ebt.syntax.writer import envelope_segments, write_segments

ACK_GROUP = "FA"
BAD_VALUE_LIMIT = 99
CONTROL_CHARACTERS = dict.fromkeys([*range(32), 127], "?")  # never echoed into a 997


def answer_separators(interchange: Interchange) -> Separators:
    """The separators the answer to `interchange` is written with: the inbound ones, unless
    one is not ASCII (X12's character sets are), then the defaults."""
    seps = interchange.separators
    return seps if (seps.element + seps.component + seps.terminator).isascii() else Separators()


def _clean(value: str, interchange: Interchange) -> str:
    """A copy of a bad value that cannot break the 997's own syntax."""
    seps = answer_separators(interchange)
    for char in (seps.element, seps.component, seps.segment, "\r", "\n"):
        value = value.replace(char, " ")
    value = value.encode("ascii", "replace").decode("ascii").translate(CONTROL_CHARACTERS)
    return value[:BAD_VALUE_LIMIT]


def set_ack(result: SetResult, book: GuideBook) -> SetAck:
    """AK2..AK5 for one transaction set."""
    tx = result.transaction
    if not result.findings:  # accepted as it is: its ST01 and ST02 passed every check
        return SetAck(tx.set_id, tx.control, "A", (), ())
    coded = [f for f in result.findings if f.kind.ak3 or f.kind.ak5]
    errors = sorted({f.kind.ak5 for f in result.findings if f.is_error and f.kind.ak5}, key=int)
    segments = _segment_errors(coded, tx.group.interchange, book)
    if result.has_errors:
        status = "R"
        if not errors:
            errors = ["5"]
    else:
        status = "E" if segments else "A"
    inbound = tx.group.interchange
    return SetAck(
        _clean(tx.set_id, inbound)[:3] or "000",
        _clean(tx.control, inbound) or "0000",
        status,
        tuple(errors[:5]),
        tuple(segments),
    )


def _segment_errors(
    found: list[Finding], interchange: Interchange, book: GuideBook
) -> list[SegmentError]:
    by_segment: dict[tuple[str, int], list[Finding]] = {}
    for item in found:
        where = item.location
        if item.kind.ak3 and where.segment and where.position:
            by_segment.setdefault((where.segment, where.position), []).append(item)
    out = []
    for (tag, position), items in sorted(by_segment.items(), key=lambda kv: kv[0][1]):
        element_errors = tuple(
            ElementError(
                str(f.element_position or 1),
                f.kind.ak4 or "1",
                _reference(book, tag, f.element_position),
                _clean(f.value, interchange) if f.value else None,
            )
            for f in items
            if f.kind.ak4 and f.element_position
        )[:99]
        segment_level = [f.kind.ak3 for f in items if not (f.kind.ak4 and f.element_position)]
        code = segment_level[0] if segment_level else "8"
        loop = items[0].location.loop
        tag = _clean(tag, interchange).strip()[:3]
        out.append(SegmentError(tag.ljust(2, "?"), position, loop, code, element_errors))
    return out


def _reference(book: GuideBook, tag: str, position: int | None) -> str | None:
    items = book.dictionary.segments.get(tag)
    if not items or not position or position > len(items):
        return None
    item = items[position - 1]
    return item if item.isdigit() else None


@dataclass(slots=True)
class GroupAcker:
    """Collects one inbound group's set acknowledgments into its 997 record."""

    functional_id: str
    control: str
    sets: list[SetAck] = field(default_factory=list)

    def finish(self, end: GroupEnd) -> FunctionalAck:
        errors = sorted({f.kind.ak9 for f in end.findings if f.is_error and f.kind.ak9}, key=int)
        accepted = sum(1 for s in self.sets if s.status in ("A", "E"))
        received = len(self.sets)
        if errors or (accepted == 0 and received):
            status = "R"
        elif accepted < received:
            status = "P"
        elif any(s.status == "E" for s in self.sets):
            status = "E"
        else:
            status = "A"
        included = _count_claimed(end)
        return FunctionalAck(
            Kind.FUNCTIONAL_ACK,
            self.functional_id,
            self.control,
            status,
            included,
            received,
            accepted,
            tuple(errors[:5]),
            tuple(self.sets),
        )


def _count_claimed(end: GroupEnd) -> int:
    for item in end.findings:
        claimed = item.value or ""
        if item.code == "GE-COUNT" and claimed.isascii() and claimed.isdigit():
            return int(claimed) if len(claimed) <= 6 else end.sets  # AK902 is at most 6 digits
    return end.sets


@dataclass(slots=True)
class InterchangeAck:
    """What one inbound interchange gets back: a TA1 (when its envelope is broken) and a
    997 per functional group."""

    interchange: Interchange
    ta1: tuple[str, str] | None  # (TA104 acknowledgment code, TA105 note code)
    acks: list[FunctionalAck]
    group_ids: tuple[str, str] | None  # the first inbound group's (GS02, GS03)


class Acknowledger:
    """Builds the acknowledgments of a file from its check events, one event at a time, so
    that a caller already walking the events (the market service) need not read it twice."""

    def __init__(self, book: GuideBook | None = None):
        self.book = book or default_guidebook()
        self.envelope: list[Finding] = []
        self.acks: list[FunctionalAck] = []
        self.group: GroupAcker | None = None
        self.group_findings: list[Finding] = []
        self.group_ids: tuple[str, str] | None = None
        self.pending: list[Finding] = []  # byte-level findings about the interchange (TA1)

    def feed(self, event: object) -> InterchangeAck | None:
        """Take one event; at the end of an interchange, what it is owed."""
        if isinstance(event, FileFindings):
            self.pending.extend(f for f in event.findings if f.kind.ta1)
        elif isinstance(event, InterchangeStart):
            self.envelope, self.acks, self.group_ids = self.pending + event.findings, [], None
            self.pending = []
        elif isinstance(event, GroupStart):
            group = event.group
            self.group_findings = list(event.findings)
            self.group_ids = self.group_ids or (group.sender, group.receiver)
            skip = group.functional_id == ACK_GROUP
            echo = group.interchange
            self.group = (
                None
                if skip
                else GroupAcker(_clean(group.functional_id, echo), _clean(group.control, echo))
            )
        elif isinstance(event, SetResult):
            if self.group is not None:
                self.group.sets.append(set_ack(event, self.book))
        elif isinstance(event, GroupEnd):
            if self.group is not None:
                event.findings = self.group_findings + event.findings
                self.acks.append(self.group.finish(event))
            self.group = None
        elif isinstance(event, InterchangeEnd):
            self.envelope.extend(self.pending + event.findings)
            self.pending = []
            return InterchangeAck(event.interchange, _ta1(self.envelope), self.acks, self.group_ids)
        return None


def acknowledge(
    source: BinaryIO, *, name: str = "", book: GuideBook | None = None
) -> Iterator[InterchangeAck]:
    """Check a file and yield, per interchange, the acknowledgments it is owed."""
    acker = Acknowledger(book)
    checker = FileChecker(source, name=name, book=acker.book, records=False)
    for event in checker.events():
        answer = acker.feed(event)
        if answer is not None:
            yield answer


def _ta1(found: Iterable[Finding]) -> tuple[str, str] | None:
    coded = [f for f in found if f.kind.ta1]
    if not coded:
        return None
    worst = "R" if any(f.is_error and f.code != "ISA-WIDTH" for f in coded) else "E"
    return worst, coded[0].kind.ta1 or "024"


def ack_segments(
    ack: InterchangeAck, *, control: int, when: datetime, book: GuideBook | None = None
) -> list[list[str]]:
    """The outbound interchange, as segments, answering `ack.interchange`."""
    inbound = ack.interchange
    mapping = guidebook_mapping(book, "997", when.date())
    bodies = [to_segments(record, mapping) for record in ack.acks]
    extra = []
    if ack.ta1 is not None:
        extra.append(
            [
                "TA1",
                _echo(inbound.control, inbound, 9),
                _echo(inbound.element(9), inbound, 6),
                _echo(inbound.element(10), inbound, 4),
                ack.ta1[0],
                ack.ta1[1],
            ]
        )
    groups = None
    if ack.group_ids:  # GS02/GS03 answered in turn; none given: the ISA's ids
        groups = (_echo(ack.group_ids[1], inbound, 15), _echo(ack.group_ids[0], inbound, 15))
    return envelope_segments(
        bodies,
        set_id="997",
        functional_id=ACK_GROUP,
        sender=_party(inbound.receiver, inbound),
        receiver=_party(inbound.sender, inbound),
        control=control,
        when=when,
        separators=answer_separators(inbound),
        production=inbound.production,
        before_groups=extra,
        group_ids=groups if groups and all(g.strip() for g in groups) else None,
    )


def _echo(value: str, interchange: Interchange, width: int) -> str:
    """An inbound envelope value as the answer's: cleaned and no wider than its element
    (an ISA read by counting separators can hold a value of any width)."""
    return _clean(value, interchange)[:width]


def _party(pair: tuple[str, str], interchange: Interchange) -> tuple[str, str]:
    """An inbound ISA05/ISA06 or ISA07/ISA08 pair as the answer's."""
    return _echo(pair[0], interchange, 2), _echo(pair[1], interchange, 15)


def ack_text(
    ack: InterchangeAck, *, control: int, when: datetime, book: GuideBook | None = None
) -> str:
    segments = ack_segments(ack, control=control, when=when, book=book)
    return "".join(write_segments(segments, answer_separators(ack.interchange)))

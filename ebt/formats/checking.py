"""XML and EDIFACT through the X12 checks: one pipeline, findings located in the original.

A reader's events become the check events of `ebt/check.py`: each header becomes the ISA or
GS it stands for, each record the transaction set the X12 mapping writes for it, checked by
the same guide, envelope checks and mapping as an X12 file. So the rules, the store and the
acknowledgments see one thing whatever the syntax. Every finding is then located in the file
as received: the XML element or EDIFACT segment that carried the field (`Location.origin`,
and `line`: the XML line or the EDIFACT segment number).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import replace

from ebt.check import Event as CheckEvent
from ebt.check import FileChecker, FileFindings, GroupStart, InterchangeStart, SetResult
from ebt.findings import Finding, Location, finding
from ebt.formats.envelopes import gs_elements, isa_elements
from ebt.formats.model import (
    Event,
    GroupClose,
    GroupOpen,
    InterchangeClose,
    InterchangeOpen,
    Message,
    Place,
    Problems,
)
from ebt.formats.x12_form import _date, body_segments
from ebt.guides.loader import GuideBook
from ebt.guides.validator import CheckedSet
from ebt.mapping.mapper import mapping_for
from ebt.syntax.envelope import (
    ControlNumbers,
    Group,
    GroupEnd,
    Interchange,
    InterchangeEnd,
    TransactionSet,
)
from ebt.syntax.separators import Separators


class ForeignChecker(FileChecker):
    """Check the events of an XML or EDIFACT reader as `FileChecker` checks X12."""

    def __init__(
        self,
        source_events: Iterable[Event],
        *,
        name: str = "",
        syntax: str,
        book: GuideBook | None = None,
        records: bool = True,
    ):
        super().__init__(io.BytesIO(b""), name=name, book=book, records=records)
        self.source_events = source_events
        self.syntax = syntax
        self._interchange: Interchange | None = None
        self._group: Group | None = None
        self._groups = 0
        self._sets = 0
        self._controls = ControlNumbers()  # ST02s of the group, held as runs

    def events(self) -> Iterator[CheckEvent]:
        for event in self.source_events:
            if isinstance(event, InterchangeOpen):
                yield from self._close_all()
                yield self._open_interchange(event)
            elif isinstance(event, GroupOpen):
                yield from self._close_group()
                yield from self._open_group(event)
            elif isinstance(event, Message):
                yield from self._message(event)
            elif isinstance(event, GroupClose):
                yield from self._close_group(event.findings)
            elif isinstance(event, InterchangeClose):
                yield from self._close_all(event.findings)
            elif isinstance(event, Problems):
                yield FileFindings([self._named(f) for f in event.findings])
        yield from self._close_all()

    def _named(self, found: Finding) -> Finding:
        return found if found.location.file == self.name else found.at(file=self.name)

    def _open_interchange(self, event: InterchangeOpen) -> InterchangeStart:
        isa = isa_elements(event.header)
        self._interchange = Interchange(isa, Separators(), event.place.line)
        self._groups = 0
        found = [_placed(f, event.place) for f in self._check_isa(self._interchange)]
        return InterchangeStart(self._interchange, [*map(self._named, event.findings), *found])

    def _open_group(self, event: GroupOpen) -> Iterator[CheckEvent]:
        if self._interchange is None:
            yield FileFindings([self._outside(event.place, "group")])
            return
        self._group = Group(gs_elements(event.header), self._interchange, event.place.line)
        self._groups += 1
        self._sets = 0
        self._controls = ControlNumbers()
        found = [_placed(f, event.place) for f in self._check_gs(self._group)]
        yield GroupStart(self._group, [*map(self._named, event.findings), *found])

    def _message(self, message: Message) -> Iterator[CheckEvent]:
        group = self._group
        if group is None:
            yield FileFindings([self._outside(message.place, "transaction")])
            return
        self._sets += 1
        self.transactions += 1
        st = ["ST", message.set_id, message.control]
        body: list[list[str]] = []
        if message.record is not None:
            body = body_segments(message.record, message.set_id, _date(group.date), self.book)
        segments = [st, *body, ["SE", str(len(body) + 2), message.control]]
        tx = TransactionSet(group, segments, message.place.line, segment_count=len(segments))
        early = [self._named(f) for f in message.findings]
        if not self._controls.add(message.control):
            early.append(self._duplicate(message, tx))
        if message.record is None:
            yield SetResult(tx, None, None, early)
            return
        result = self._check_set(tx)
        found = [*result.findings, *_unanswerable_values(tx, self.name)]
        located = [_relocate(f, message, result.checked) for f in found]
        yield SetResult(tx, result.checked, result.record, [*early, *located])

    def _duplicate(self, message: Message, tx: TransactionSet) -> Finding:
        return finding(
            "ST-DUPLICATE",
            f"Transaction control number {message.control!r} is used twice in group "
            f"{tx.group.control}.",
            _origin(
                tx.location(file=self.name, segment="ST", position=1, element="ST02"), message.place
            ),
            value=message.control,
        )

    def _outside(self, place: Place, what: str) -> Finding:
        return finding(
            "ENVELOPE-ORDER",
            f"A {what} at {place} is outside any {'interchange' if what == 'group' else 'group'}.",
            Location(self.name, line=place.line, origin=str(place)),
        )

    def _close_group(self, found: list[Finding] | None = None) -> Iterator[CheckEvent]:
        if self._group is not None:
            yield GroupEnd(self._group, self._sets, [self._named(f) for f in found or []])
            self._group = None

    def _close_all(self, found: list[Finding] | None = None) -> Iterator[CheckEvent]:
        yield from self._close_group()
        if self._interchange is not None:
            named = [self._named(f) for f in found or []]
            yield InterchangeEnd(self._interchange, self._groups, named)
            self._interchange = None


X12_SEPARATORS = Separators()


def _unanswerable_values(tx: TransactionSet, file: str) -> list[Finding]:
    """Values holding an X12 separator or a non-ASCII character: the engine answers in X12
    (ASCII), so they cannot be taken."""
    seps = (X12_SEPARATORS.element, X12_SEPARATORS.component, X12_SEPARATORS.segment)
    joined = "".join("".join(segment) for segment in tx.segments)
    if joined.isascii() and not any(sep in joined for sep in seps):
        return []
    out = []
    for position, segment in enumerate(tx.segments, start=1):
        for index, value in enumerate(segment[1:], start=1):
            if not value.isascii() or any(sep in value for sep in seps):
                ref = f"{segment[0]}{index:02d}"
                what = (
                    "a non-ASCII character"
                    if not value.isascii()
                    else f"an X12 separator ({' '.join(seps)})"
                )
                out.append(
                    finding(
                        "ELEMENT-BAD-CHARACTER",
                        f"{ref} is {value!r}, which holds {what}: it could not be answered in X12.",
                        tx.location(file=file, segment=segment[0], position=position, element=ref),
                        value=value,
                        element_position=index,
                    )
                )
    return out


def _origin(where: Location, place: Place) -> Location:
    return replace(where, line=place.line, origin=str(place))


def _placed(found: Finding, place: Place) -> Finding:
    return replace(found, location=_origin(found.location, place))


def _relocate(found: Finding, message: Message, checked: CheckedSet | None) -> Finding:
    """The finding at the XML element or EDIFACT segment that carried the field."""
    path = _field_path(found, checked)
    place = message.place
    if path is not None:
        place = (
            message.fields.get(path)
            or message.fields.get(path.partition(".")[0])
            or message.fields.get(path.partition("[")[0])
            or place
        )
    return _placed(found, place)


def _field_path(found: Finding, checked: CheckedSet | None) -> str | None:
    """The record field (`account`, `meters[1].number`) an X12 finding is about."""
    where = found.location
    if checked is None or not where.position or where.position > len(checked.shape.nodes):
        return None
    node = checked.shape.nodes[where.position - 1]
    if node is None:
        return None
    index = int(where.element[-2:]) if where.element and where.element[-2:].isdigit() else None
    root = mapping_for(checked.guide).root
    for node_id, (name, inner) in root.groups.items():
        if node.id == node_id or node.id.startswith(node_id + "/"):
            earlier = checked.shape.positions.get(node_id, [])
            number = sum(1 for p in earlier if p < where.position - 1)
            for fm in inner.by_node.get(node.id, ()):
                if any(i == index for _, i in fm.places):
                    return f"{name}[{number}].{fm.name}"
            return f"{name}[{number}]"
    for fm in root.by_node.get(node.id, ()):
        if any(n == node.id and i == index for n, i in fm.places):
            return fm.name
    return None

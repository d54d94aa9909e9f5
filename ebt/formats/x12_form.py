"""X12 in the translation stream: check events in, X12 text out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from ebt.check import Event as CheckEvent
from ebt.check import FileFindings, GroupStart, InterchangeStart, SetResult
from ebt.formats.envelopes import group_header, gs_elements, interchange_header, isa_elements
from ebt.formats.model import (
    Event,
    GroupClose,
    GroupOpen,
    InterchangeClose,
    InterchangeOpen,
    Message,
    NotWritableError,
    Place,
    Problems,
)
from ebt.guides.loader import GuideBook, default_guidebook
from ebt.mapping.mapper import mapping_for, to_segments
from ebt.mapping.records import Record
from ebt.syntax.envelope import GroupEnd, InterchangeEnd
from ebt.syntax.separators import Separators
from ebt.syntax.writer import segment_text


def from_checks(events: Iterable[CheckEvent]) -> Iterator[Event]:
    """The translation stream of a checked file (any syntax): headers, records, findings."""
    for event in events:
        if isinstance(event, InterchangeStart):
            ic = event.interchange
            place = Place(ic.line, "ISA")
            yield InterchangeOpen(interchange_header(ic.isa), place, list(event.findings))
        elif isinstance(event, GroupStart):
            place = Place(event.group.line, "GS")
            yield GroupOpen(group_header(event.group.gs), place, list(event.findings))
        elif isinstance(event, SetResult):
            tx = event.transaction
            place = Place(tx.line, "ST")
            yield Message(tx.set_id, tx.control, event.record, place, list(event.findings))
        elif isinstance(event, GroupEnd):
            yield GroupClose(Place(0, "GE"), list(event.findings))
        elif isinstance(event, InterchangeEnd):
            yield InterchangeClose(Place(0, "IEA"), list(event.findings))
        elif isinstance(event, FileFindings):
            yield Problems(list(event.findings))


def body_segments(record: Record, set_id: str, on: date | None, book: GuideBook) -> list[list[str]]:
    """The set's segments between ST and SE, by the guide in force on `on`."""
    guide = book.guide_for(set_id, on)
    if guide is None:
        return []
    return to_segments(record, mapping_for(guide))


class SeparatorInValueError(NotWritableError):
    """A value (from XML or EDIFACT) holds one of the X12 separators and cannot be written."""


def _check_values(segments: list[list[str]], seps: Separators) -> None:
    for segment in segments:
        for value in segment[1:]:
            if seps.element in value or seps.component in value or seps.segment in value:
                raise SeparatorInValueError(
                    f"{segment[0]} value {value!r} holds an X12 separator "
                    f"({seps.element} {seps.component} {seps.segment})"
                )


def write_x12(events: Iterable[Event], separators: Separators | None = None) -> Iterator[str]:
    """X12 text: ISA/GS from the headers, ST..SE per record, the trailers counted."""
    seps = separators or Separators()
    book = default_guidebook()
    on: date | None = None
    groups = sets = 0
    control = group_control = ""
    for event in events:
        if isinstance(event, InterchangeOpen):
            control, groups = event.header.control, 0
            yield segment_text(isa_elements(event.header, seps.component), seps)
        elif isinstance(event, GroupOpen):
            group_control, sets, groups = event.header.control, 0, groups + 1
            on = _date(event.header.date)
            yield segment_text(gs_elements(event.header), seps)
        elif isinstance(event, Message) and event.record is not None:
            sets += 1
            body = body_segments(event.record, event.set_id, on, book)
            set_segments = [["ST", event.set_id, event.control], *body]
            set_segments.append(["SE", str(len(body) + 2), event.control])
            _check_values(set_segments, seps)
            yield "".join(segment_text(s, seps) for s in set_segments)
        elif isinstance(event, GroupClose):
            yield segment_text(["GE", str(sets), group_control], seps)
        elif isinstance(event, InterchangeClose):
            yield segment_text(["IEA", str(groups), control], seps)


def _date(value: str) -> date | None:
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return None

"""CONTRL: the EDIFACT syntax and service report, the analogue of the 997 (and TA1).

Built from the same check events as the 997: UCI answers the interchange (UNB), UCF each
group (UNG, when the file has groups), UCM each message, UCS each segment in error with
its position in the message (UNH = 1), UCD each element in error. The X12 acknowledgment
codes of each finding are turned into EDIFACT syntax error codes (data element 0085) by
the table in `mappings/edifact/envelope.json`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydifact.segments import Segment
from pydifact.serializer import Serializer

from ebt.check import FileFindings, GroupStart, InterchangeStart, SetResult
from ebt.findings import Finding
from ebt.formats.edifact_map import envelope_map, message_maps
from ebt.formats.edifact_writer import characters, unb
from ebt.formats.envelopes import interchange_header
from ebt.formats.model import InterchangeHeader
from ebt.syntax.envelope import Group, GroupEnd, Interchange, InterchangeEnd

ACCEPTED, REJECTED = "7", "4"
ELEMENT = re.compile(r"element (\d+):(\d+)")


@dataclass(slots=True)
class _Group:
    group: Group
    findings: list[Finding]
    messages: list[SetResult] = field(default_factory=list)


@dataclass(slots=True)
class InterchangeReport:
    """What one inbound interchange is owed: its UCI, UCFs, UCMs."""

    interchange: Interchange
    findings: list[Finding] = field(default_factory=list)
    groups: list[_Group] = field(default_factory=list)


def reports(events: Iterable[object]) -> Iterator[InterchangeReport]:
    """Per inbound interchange, what its CONTRL says."""
    current: InterchangeReport | None = None
    pending: list[Finding] = []
    for event in events:
        if isinstance(event, FileFindings):
            pending.extend(f for f in event.findings if f.kind.ta1)
        elif isinstance(event, InterchangeStart):
            current = InterchangeReport(event.interchange, pending + list(event.findings))
            pending = []
        elif current is None:
            continue
        elif isinstance(event, GroupStart):
            current.groups.append(_Group(event.group, list(event.findings)))
        elif isinstance(event, SetResult) and current.groups:
            current.groups[-1].messages.append(event)
        elif isinstance(event, GroupEnd) and current.groups:
            current.groups[-1].findings.extend(event.findings)
        elif isinstance(event, InterchangeEnd):
            current.findings.extend(pending + list(event.findings))
            pending = []
            yield current
            current = None


def contrl_text(report: InterchangeReport, *, control: int, when: datetime) -> str:
    """One interchange holding the CONTRL message that answers `report`."""
    inbound = interchange_header(report.interchange.isa)
    ours = InterchangeHeader(
        sender_qualifier=inbound.receiver_qualifier,
        sender=inbound.receiver,
        receiver_qualifier=inbound.sender_qualifier,
        receiver=inbound.sender,
        date=when.strftime("%y%m%d"),
        time=when.strftime("%H%M"),
        control=str(control),
        usage=inbound.usage,
    )
    body = [_uci(report, inbound), *(s for g in report.groups for s in _group(g, report))]
    message = [Segment("UNH", "1", list(envelope_map()["contrl"]["message"])), *body]
    message.append(Segment("UNT", str(len(message) + 1), "1"))
    chars = characters()
    segments = [Segment("UNB", *unb(ours)), *message, Segment("UNZ", "1", str(control))]
    text: str = Serializer(chars).serialize(segments, with_una_header=True, break_lines=True)
    return text


def _code(table: str, finding: Finding) -> str | None:
    codes: dict[str, str] = envelope_map()["contrl"][table]
    value = getattr(finding.kind, table)
    return codes.get(value) if value else None


def _uci(report: InterchangeReport, inbound: InterchangeHeader) -> Segment:
    errors = [f for f in report.findings if f.is_error and f.kind.ta1]
    action = REJECTED if errors else ACCEPTED
    elements: list[Any] = [
        inbound.control,
        [inbound.sender, inbound.sender_qualifier],
        [inbound.receiver, inbound.receiver_qualifier],
        action,
    ]
    if errors:
        elements.append(_code("ta1", errors[0]) or "18")
    return Segment("UCI", *elements)


def _group(group: _Group, report: InterchangeReport) -> Iterator[Segment]:
    implicit = group.group.line == report.interchange.line  # messages straight under UNB
    if not implicit:
        errors = [f for f in group.findings if f.is_error and f.kind.ak9]
        elements: list[Any] = [
            group.group.control,
            group.group.sender,
            group.group.receiver,
            REJECTED if errors else ACCEPTED,
        ]
        if errors:
            elements.append(_code("ak9", errors[0]) or "18")
        yield Segment("UCF", *elements)
    for message in group.messages:
        yield from _message(message)


def _message(result: SetResult) -> Iterator[Segment]:
    tx = result.transaction
    mapping = message_maps().get(tx.set_id)
    identifier = list(mapping.message[:4]) if mapping else [tx.set_id or "UNKNOWN"]
    errors = [f for f in result.findings if f.is_error]
    elements: list[Any] = [tx.control, identifier, REJECTED if errors else ACCEPTED]
    set_level = [f for f in errors if f.kind.ak5 and not f.kind.ak3]
    if set_level:
        elements.append(_code("ak5", set_level[0]) or "18")
    yield Segment("UCM", *elements)
    by_position: dict[int, list[Finding]] = {}
    for item in errors:
        line = item.location.line
        if item.kind.ak3 and line is not None and line > tx.line:
            by_position.setdefault(line - tx.line + 1, []).append(item)
    for position, items in sorted(by_position.items()):
        segment_level = [f for f in items if not f.kind.ak4]
        code = _code("ak3", segment_level[0]) if segment_level else None
        yield Segment("UCS", str(position), *([code] if code else []))
        for item in items:
            found = ELEMENT.search(item.location.origin or "")
            if item.kind.ak4 and found:
                yield Segment("UCD", _code("ak4", item) or "12", [found[1], found[2]])

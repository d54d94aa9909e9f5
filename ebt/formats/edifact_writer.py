"""Write the EDIFACT form: UNA, UNB/UNG/UNH..UNT/UNE/UNZ, each segment serialized by pydifact
(which puts the release character before any service character in a value)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pydifact.control.characters import Characters
from pydifact.segments import Segment
from pydifact.serializer import Serializer

from ebt.formats.codec import format_scalar
from ebt.formats.edifact_map import At, SegmentMap, envelope_map, message_maps
from ebt.formats.envelopes import iso_date
from ebt.formats.model import (
    Event,
    GroupClose,
    GroupHeader,
    GroupOpen,
    InterchangeClose,
    InterchangeHeader,
    InterchangeOpen,
    Message,
    NotWritableError,
)

Element = str | list[str]


class UnmappedSetError(NotWritableError):
    """A transaction set with no EDIFACT mapping (a 997: its EDIFACT analogue is CONTRL)."""


def characters() -> Characters:
    return Characters.from_str("UNA" + envelope_map()["service_string"])


def unb(header: InterchangeHeader, *, control: str | None = None) -> list[Element]:
    """UNB: syntax, sender, recipient, date and time, control reference, and the X12-only
    values (ISA01..ISA04, ISA14, ISA15) where they differ from the X12 defaults."""
    h = header
    values: list[Element] = [
        list(envelope_map()["syntax"]),
        [h.sender, h.sender_qualifier],
        [h.receiver, h.receiver_qualifier],
        [iso_date(h.date).replace("-", ""), h.time],
        control or h.control,
        [h.authorization, h.authorization_qualifier]
        if (h.authorization, h.authorization_qualifier) != ("", "00")
        else "",
        h.security,
        "",
        "1" if h.ack_requested == "1" else "",
        h.security_qualifier if h.security_qualifier != "00" else "",
        "1" if h.usage == "T" else "",
    ]
    return _trim(values)


def ung(header: GroupHeader) -> list[Element]:
    g = header
    return _trim(
        [
            g.functional_id,
            g.sender,
            g.receiver,
            [g.date, g.time],
            g.control,
            g.agency,
            [g.version],
        ]
    )


def _trim(values: list[Element]) -> list[Element]:
    while values and values[-1] in ("", []):
        values.pop()
    return values


def write_edifact(events: Iterable[Event]) -> Iterator[str]:
    """EDIFACT text of translated events, a segment per line."""
    chars = characters()
    serializer = Serializer(chars)

    def text(*segments: Segment) -> str:
        return serializer.serialize(list(segments), with_una_header=False, break_lines=True)

    yield chars.service_string_advice + "\n"
    groups = messages = 0
    control = group_control = ""
    for event in events:
        if isinstance(event, InterchangeOpen):
            control, groups = event.header.control, 0
            yield text(Segment("UNB", *unb(event.header)))
        elif isinstance(event, GroupOpen):
            group_control, messages, groups = event.header.control, 0, groups + 1
            yield text(Segment("UNG", *ung(event.header)))
        elif isinstance(event, Message) and event.record is not None:
            messages += 1
            yield text(*message_segments(event))
        elif isinstance(event, GroupClose):
            yield text(Segment("UNE", str(messages), group_control))
        elif isinstance(event, InterchangeClose):
            yield text(Segment("UNZ", str(groups), control))


def message_segments(message: Message) -> list[Segment]:
    """UNH, the mapped body, UNT."""
    mapping = message_maps().get(message.set_id)
    if mapping is None:
        raise UnmappedSetError(
            f"transaction set {message.set_id} has no EDIFACT mapping (mappings/edifact/)"
        )
    body: list[list[Element]] = []
    for segment_map in mapping.segments:
        body.extend(_write(segment_map, message.record))
    out = [Segment("UNH", message.control, list(mapping.message))]
    out.extend(Segment(str(s[0]), *s[1:]) for s in body)
    out.append(Segment("UNT", str(len(body) + 2), message.control))
    return out


def _write(segment_map: SegmentMap, record: Any) -> list[list[Element]]:
    if segment_map.group is None:
        segment = _segment(segment_map, record)
        return [segment] if segment is not None else []
    out: list[list[Element]] = []
    for item in getattr(record, segment_map.group):
        out.append(_segment(segment_map, item, always=True) or [segment_map.tag])
        for child in segment_map.children:
            out.extend(_write(child, item))
    return out


def _segment(segment_map: SegmentMap, record: Any, *, always: bool = False) -> list[Element] | None:
    placed: dict[At, str] = {}
    for name, (at, spec) in segment_map.fields.items():
        value = getattr(record, name)
        if value is None or value == ():
            continue
        if spec.scalar == "strings":  # a list of codes: the element's components
            placed.update({At(at.element, n): code for n, code in enumerate(value)})
        else:
            placed[at] = format_scalar(value, iso_dates=False) if spec.scalar != "str" else value
    if not placed and not always:
        return None
    placed.update(segment_map.constants)
    if segment_map.qualifier is not None:
        placed[At(1, 0)] = segment_map.qualifier
    width = max(at.element for at in placed)
    elements: list[Element] = [segment_map.tag]
    for number in range(1, width + 1):
        components = {at.component: v for at, v in placed.items() if at.element == number}
        if not components:
            elements.append("")
        elif set(components) == {0}:
            elements.append(components[0])
        else:
            parts = [components.get(i, "") for i in range(max(components) + 1)]
            elements.append(parts)
    return elements

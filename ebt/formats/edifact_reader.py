"""Read the EDIFACT form with pydifact, streamed, into the translation events.

The service string advice (UNA) is checked by hand, then pydifact's tokenizer reads the
file character by character from 1 MiB chunks (so memory holds one chunk and one message)
and handles the release character. The envelopes are checked as X12's are: UNT, UNE and
UNZ present, their counts right and their control references equal to UNH, UNG and UNB's.
Each message body is read through its mapping (`mappings/edifact/`) into a record.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from pydifact.control.characters import Characters
from pydifact.exceptions import EDISyntaxError
from pydifact.parser import Parser, TokenIterator
from pydifact.token import Token
from pydifact.tokenizer import Tokenizer

from ebt.findings import Finding, Location, finding
from ebt.formats.codec import parse_scalar
from ebt.formats.edifact_map import MessageMap, SegmentMap, envelope_map, map_of_message
from ebt.formats.envelopes import x12_date
from ebt.formats.model import (
    GROUP_OF_SET,
    Event,
    GroupClose,
    GroupHeader,
    GroupOpen,
    InterchangeClose,
    InterchangeHeader,
    InterchangeOpen,
    Message,
    Place,
    Problems,
)

CHUNK = 1 << 20
MAX_MESSAGE_SEGMENTS = 10_000
Raw = list[Any]  # [tag, element, ...]; an element is a str or a list of components


def _get(raw: Raw, element: int, component: int = 0) -> str:
    if element >= len(raw):
        return ""
    value = raw[element]
    if isinstance(value, list):
        return str(value[component]) if component < len(value) else ""
    return str(value) if component == 0 else ""


def _components(raw: Raw, element: int) -> tuple[str, ...]:
    if element >= len(raw):
        return ()
    value = raw[element]
    values = value if isinstance(value, list) else [value]
    return tuple(str(v) for v in values if v)


def _label(raw: Raw) -> str:
    qualifier = _get(raw, 1)
    return f"{raw[0]}+{qualifier}" if qualifier and raw[0] not in ("UNH", "UNT") else str(raw[0])


@dataclass(slots=True)
class _Open:
    """A message being collected (UNH seen, UNT not yet)."""

    raw: Raw
    line: int
    mapping: MessageMap | None
    body: list[tuple[int, Raw]] = field(default_factory=list)


class EdifactReader:
    """Events from one EDIFACT file."""

    def __init__(self, source: BinaryIO, *, name: str = ""):
        self.source = source
        self.name = name
        self.line = 0
        self.interchange: Raw | None = None
        self.group: Raw | None = None
        self.implicit_group = False
        self.message: _Open | None = None
        self.groups = self.messages = self.group_messages = 0
        self.decimal = "."
        self.interchange_line = 0
        self.unterminated = False

    def events(self) -> Iterator[Event]:
        chars, problem = self._service_string()
        if problem is not None:
            yield Problems([problem])
            return
        assert chars is not None
        self.decimal = chars.decimal_point
        tokens = Tokenizer().get_tokens(self._characters(), chars)  # type: ignore[arg-type]
        try:
            for raw in Parser().convert_tokens_to_raw_segments(TokenIterator(self._watch(tokens))):
                self.line += 1
                yield from self._segment(raw)
            if self.unterminated:  # pydifact drops a last segment with no terminator
                raise EDISyntaxError("Unexpected end of EDI messages.")
        except EDISyntaxError as error:
            yield Problems([self._syntax(error)])
        yield from self._end()
        if not self.interchange_line:
            where = Location(self.name, line=self.line, origin="end of file")
            message = "The file holds no interchange: it has no UNB segment."
            yield Problems([finding("EDIFACT-ENVELOPE", message, where)])

    def _watch(self, tokens: Iterator[Token]) -> Iterator[Token]:
        """The tokens, noting whether the last one ended a segment."""
        for token in tokens:
            self.unterminated = token.type is not Token.Type.TERMINATOR
            yield token

    # -- bytes to characters -------------------------------------------------------------------

    def _service_string(self) -> tuple[Characters | None, Finding | None]:
        head = self.source.read(CHUNK).decode("latin-1")
        self._head = head.lstrip("\ufeff\r\n\t ")
        if not self._head.startswith("UNA"):
            default = "UNA" + envelope_map()["service_string"]
            return Characters.from_str(default), None
        self.line = 1
        una = self._head[3:9]
        self._head = self._head[9:].lstrip("\r\n")
        problems = []
        if len(una) < 6:
            problems.append("it is shorter than six characters")
        else:
            roles = [una[0], una[1], una[3], una[5]]
            if len(set(roles)) < len(roles):
                problems.append("two of the separators (UNA1, UNA2, UNA4, UNA6) are the same")
            if any(c.isalnum() for c in roles):
                problems.append("a separator is a letter or digit")
            if una[2] not in ".,":
                problems.append(f"the decimal mark (UNA3) is {una[2]!r}, not '.' or ','")
        if problems:
            return None, finding(
                "EDIFACT-UNA",
                f"The service string advice UNA{una!r} cannot be used: {'; '.join(problems)}.",
                Location(self.name, segment="UNA", line=1, origin="UNA, segment 1"),
                text=f"UNA{una}",
            )
        return Characters.from_str("UNA" + una), None

    def _characters(self) -> Iterator[str]:
        yield from self._head
        self._head = ""
        while chunk := self.source.read(CHUNK):
            yield from chunk.decode("latin-1")

    # -- segments ----------------------------------------------------------------------------

    def _segment(self, raw: Raw) -> Iterator[Event]:
        tag = raw[0] if raw and isinstance(raw[0], str) else ""
        if tag == "UNB":
            yield from self._end()
            yield self._open_interchange(raw)
        elif tag == "UNZ":
            yield from self._close_interchange(raw)
        elif tag == "UNG":
            yield from self._open_group(raw)
        elif tag == "UNE":
            yield from self._close_group(raw)
        elif tag == "UNH":
            yield from self._open_message(raw)
        elif tag == "UNT":
            yield from self._close_message(raw)
        elif self.message is not None:
            if len(self.message.body) < MAX_MESSAGE_SEGMENTS:
                self.message.body.append((self.line, raw))
        else:
            yield Problems(
                [
                    self._envelope(
                        f"{_label(raw) or '(no tag)'} is outside any message (UNH..UNT).", raw
                    )
                ]
            )

    def _here(self, raw: Raw | None = None, element: str | None = None, **where: Any) -> Location:
        what = _label(raw) if raw else "end of file"
        origin = f"{what}, segment {self.line}" if raw else "end of file"
        return Location(
            self.name,
            _get(self.interchange, 5) if self.interchange else None,
            _get(self.group, 5) if self.group and not self.implicit_group else None,
            where.get("transaction"),
            segment=str(raw[0]) if raw else None,
            line=self.line,
            element=element,
            origin=origin,
        )

    def _envelope(self, message: str, raw: Raw) -> Finding:
        return finding("EDIFACT-ENVELOPE", message, self._here(raw))

    def _open_interchange(self, raw: Raw) -> InterchangeOpen:
        self.interchange, self.groups, self.messages = raw, 0, 0
        self.interchange_line = self.line
        date = _get(raw, 4, 0)
        header = InterchangeHeader(
            sender_qualifier=_get(raw, 2, 1),
            sender=_get(raw, 2, 0),
            receiver_qualifier=_get(raw, 3, 1),
            receiver=_get(raw, 3, 0),
            date=x12_date(f"{date[:4]}-{date[4:6]}-{date[6:]}", width=6)
            if len(date) == 8
            else date,
            time=_get(raw, 4, 1),
            control=_x12_control(_get(raw, 5)),
            usage="T" if _get(raw, 11) == "1" else "P",
            ack_requested="1" if _get(raw, 9) == "1" else "0",
            authorization_qualifier=_get(raw, 6, 1) or "00",
            authorization=_get(raw, 6, 0),
            security_qualifier=_get(raw, 10) or "00",
            security=_get(raw, 7),
        )
        found = []
        missing = [
            n for n, v in ((2, header.sender), (3, header.receiver), (5, header.control)) if not v
        ]
        if missing:
            names = ", ".join(f"UNB{n:02d}" for n in missing)
            found.append(self._envelope(f"UNB is missing {names}.", raw))
        return InterchangeOpen(header, Place(self.line, "UNB"), found)

    def _close_interchange(self, raw: Raw) -> Iterator[Event]:
        yield from self._close_open_message("UNZ")
        if self.group is not None:
            yield from self._close_group(None)
        if self.interchange is None:
            yield Problems([self._envelope("UNZ without a UNB before it.", raw)])
            return
        found = []
        control = _get(self.interchange, 5)
        count = self.groups or self.messages
        if _get(raw, 2) != control:
            found.append(
                finding(
                    "UNZ-CONTROL",
                    f"UNZ02 is {_get(raw, 2)!r} but UNB05 is {control!r}.",
                    self._here(raw, "UNZ02"),
                    value=_get(raw, 2),
                )
            )
        if _get(raw, 1) != str(count):
            what = "groups (UNG)" if self.groups else "messages (UNH)"
            found.append(
                finding(
                    "UNZ-COUNT",
                    f"UNZ01 says {_get(raw, 1)!r} but the interchange has {count} {what}.",
                    self._here(raw, "UNZ01"),
                    value=_get(raw, 1),
                )
            )
        self.interchange = None
        yield InterchangeClose(Place(self.line, "UNZ"), found)

    def _open_group(self, raw: Raw) -> Iterator[Event]:
        yield from self._close_open_message("UNG")
        if self.group is not None:
            yield from self._close_group(None)
        self.group, self.implicit_group, self.group_messages = raw, False, 0
        self.groups += 1
        header = GroupHeader(
            functional_id=_get(raw, 1),
            sender=_get(raw, 2),
            receiver=_get(raw, 3),
            date=_get(raw, 4, 0),
            time=_get(raw, 4, 1),
            control=_get(raw, 5),
            agency=_get(raw, 6) or "X",
            version=_get(raw, 7) or "004010",
        )
        yield GroupOpen(header, Place(self.line, f"UNG+{header.functional_id}"))

    def _implicit_group(self, mapping: MessageMap | None) -> GroupOpen:
        """Messages straight under UNB: the group is the interchange's."""
        ic = self.interchange or ["UNB"]
        self.group, self.implicit_group, self.group_messages = ic, True, 0
        date = _get(ic, 4, 0)
        header = GroupHeader(
            functional_id=GROUP_OF_SET.get(mapping.set_id if mapping else "", ""),
            sender=_get(ic, 2, 0),
            receiver=_get(ic, 3, 0),
            date=date if len(date) == 8 else "20" + date,
            time=_get(ic, 4, 1),
            control=_get(ic, 5).lstrip("0") or "0",
        )
        return GroupOpen(header, Place(self.interchange_line, "UNB"))

    def _close_group(self, raw: Raw | None) -> Iterator[Event]:
        yield from self._close_open_message("UNE")
        if self.group is None:
            if raw is not None:
                yield Problems([self._envelope("UNE without a UNG before it.", raw)])
            return
        found = []
        if raw is None and not self.implicit_group:
            found.append(
                finding(
                    "UNE-MISSING",
                    f"Group {_get(self.group, 5)!r} (UNG) has no UNE.",
                    self._here(self.group),
                )
            )
        elif raw is not None:
            control = _get(self.group, 5)
            if _get(raw, 2) != control:
                found.append(
                    finding(
                        "UNE-CONTROL",
                        f"UNE02 is {_get(raw, 2)!r} but UNG05 is {control!r}.",
                        self._here(raw, "UNE02"),
                        value=_get(raw, 2),
                    )
                )
            if _get(raw, 1) != str(self.group_messages):
                found.append(
                    finding(
                        "UNE-COUNT",
                        f"UNE01 says {_get(raw, 1)!r} but the group has {self.group_messages} "
                        "message(s).",
                        self._here(raw, "UNE01"),
                        value=_get(raw, 1),
                    )
                )
        self.group = None
        yield GroupClose(Place(self.line, "UNE"), found)

    def _open_message(self, raw: Raw) -> Iterator[Event]:
        yield from self._close_open_message("UNH")
        if self.interchange is None:
            yield Problems([self._envelope("UNH outside any interchange (UNB..UNZ).", raw)])
        kind, association = _get(raw, 2, 0), _get(raw, 2, 4)
        mapping = map_of_message(kind, association)
        if self.group is None:
            yield self._implicit_group(mapping)
        self.messages += 1
        self.group_messages += 1
        self.message = _Open(raw, self.line, mapping)

    def _close_open_message(self, by: str) -> Iterator[Event]:
        if self.message is None:
            return
        opened = self.message
        control = _get(opened.raw, 1)
        missing = finding(
            "UNT-MISSING",
            f"Message {control!r} (UNH at segment {opened.line}) has no UNT before {by}.",
            self._at_unh(opened),
        )
        yield self._finish(opened, [missing])

    def _close_message(self, raw: Raw) -> Iterator[Event]:
        opened = self.message
        if opened is None:
            yield Problems([self._envelope("UNT without a UNH before it.", raw)])
            return
        found = []
        control = _get(opened.raw, 1)
        count = len(opened.body) + 2
        where = self._here(raw, transaction=control)
        if _get(raw, 2) != control:
            found.append(
                finding(
                    "UNT-CONTROL",
                    f"UNT02 is {_get(raw, 2)!r} but UNH01 is {control!r}.",
                    _with(where, "UNT02"),
                    value=_get(raw, 2),
                )
            )
        if _get(raw, 1) != str(count):
            found.append(
                finding(
                    "UNT-COUNT",
                    f"UNT01 says {_get(raw, 1)!r} segments but the message has {count} from UNH "
                    "to UNT.",
                    _with(where, "UNT01"),
                    value=_get(raw, 1),
                )
            )
        yield self._finish(opened, found)

    def _at_unh(self, opened: _Open) -> Location:
        control = _get(opened.raw, 1)
        return Location(
            self.name,
            _get(self.interchange, 5) if self.interchange else None,
            None,
            control,
            segment="UNH",
            line=opened.line,
            origin=f"UNH, segment {opened.line}",
        )

    def _finish(self, opened: _Open, found: list[Finding]) -> Message:
        self.message = None
        control = _get(opened.raw, 1)
        place = Place(opened.line, "UNH")
        if opened.mapping is None:
            kind = (
                ":".join(str(v) for v in opened.raw[2])
                if len(opened.raw) > 2 and isinstance(opened.raw[2], list)
                else _get(opened.raw, 2)
            )
            found.append(
                finding(
                    "UNH-MESSAGE",
                    f"Message type {kind!r} (UNH02) has no mapping in mappings/edifact/.",
                    _with(self._at_unh(opened), "UNH02"),
                    value=kind[:35],
                )
            )
            return Message("", control, None, place, found)
        record, fields, problems = _read_body(opened, self.decimal, self._at_unh(opened))
        return Message(opened.mapping.set_id, control, record, place, found + problems, fields)

    def _end(self) -> Iterator[Event]:
        yield from self._close_open_message("the end of the file")
        if self.group is not None:
            yield from self._close_group(None)
        if self.interchange is not None:
            control = _get(self.interchange, 5)
            yield InterchangeClose(
                Place(self.line, "end of file"),
                [
                    finding(
                        "UNZ-MISSING",
                        f"Interchange {control!r} (UNB) has no UNZ.",
                        self._here(None),
                    )
                ],
            )
            self.interchange = None

    def _syntax(self, error: EDISyntaxError) -> Finding:
        text = str(error.args[0]) if error.args else str(error)
        truncated = "end of edi" in text.lower()
        message = (
            f"The file ends in the middle of a segment (after segment {self.line})."
            if truncated
            else f"Segment {self.line + 1} cannot be read: {text.rstrip('.')}."
        )
        return finding(
            "FILE-TRUNCATED" if truncated else "EDIFACT-SYNTAX",
            message,
            Location(self.name, line=self.line + 1, origin=f"segment {self.line + 1}"),
        )


def _x12_control(reference: str) -> str:
    """UNB05 as ISA13: a number of up to 9 digits is zero-padded to X12's fixed 9."""
    return reference.zfill(9) if reference.isdigit() and len(reference) <= 9 else reference


def _with(where: Location, element: str) -> Location:
    from dataclasses import replace

    return replace(where, element=element)


def _read_body(
    opened: _Open, decimal: str, at_unh: Location
) -> tuple[Any, dict[str, Place], list[Finding]]:
    """The record a message's body says, where each field came from, and what could not be
    read. A required text field that is absent is read as empty, so that the X12 guide says
    what is missing, where."""
    mapping = opened.mapping
    assert mapping is not None
    values: dict[str, Any] = {}
    fields: dict[str, Place] = {}
    problems: list[Finding] = []
    items: dict[int, tuple[dict[str, Any], str]] = {}  # id(SegmentMap) -> the last item
    for line, raw in opened.body:
        tag = str(raw[0])
        segment_map = mapping.by_key.get((tag, _get(raw, 1))) or mapping.by_key.get((tag, None))
        place = Place(line, _label(raw))
        if segment_map is None:
            problems.append(
                finding(
                    "EDIFACT-SEGMENT",
                    f"{_label(raw)} (segment {line}) is not part of a {mapping.message[0]} message "
                    "in this mapping.",
                    _on(at_unh, place, tag),
                )
            )
            continue
        target, prefix = _target(segment_map, values, items)
        if target is None:
            problems.append(
                finding(
                    "EDIFACT-SEGMENT",
                    f"{_label(raw)} (segment {line}) must follow the segment it belongs to "
                    f"({_parent_label(segment_map)}).",
                    _on(at_unh, place, tag),
                )
            )
            continue
        if segment_map.group is not None:
            items[id(segment_map)] = (target, prefix)
        for name, (at, spec) in segment_map.fields.items():
            if spec.scalar == "strings":  # a list of codes: the element's components
                codes = _components(raw, at.element)
                if codes:
                    target[name] = codes
                    fields[prefix + name] = Place(line, f"{_label(raw)} element {at}")
                continue
            text = _get(raw, at.element, at.component)
            if not text:
                continue
            path = prefix + name
            fields[path] = Place(line, f"{_label(raw)} element {at}")
            if spec.scalar == "decimal":
                text = text.replace(decimal, ".") if decimal != "." else text
            try:
                target[name] = parse_scalar(spec.scalar, text, iso_dates=False)
            except ValueError as error:
                problems.append(
                    finding(
                        "EDIFACT-VALUE",
                        f"{_label(raw)} element {at} ({name}): {error}.",
                        _on(at_unh, fields[path], tag),
                        value=text[:35],
                    )
                )
    return _build(mapping, values, problems, at_unh), fields, problems


def _target(
    segment_map: SegmentMap,
    values: dict[str, Any],
    items: dict[int, tuple[dict[str, Any], str]],
) -> tuple[dict[str, Any] | None, str]:
    """The dict a segment's fields go into (a new item for a group) and its field path."""
    if segment_map.group is None:
        return values, ""
    if segment_map.parent is None:
        parent, prefix = values, ""
    else:
        last = items.get(id(segment_map.parent))
        if last is None:
            return None, ""
        parent, prefix = last
    bucket = parent.setdefault(segment_map.group, [])
    item: dict[str, Any] = {}
    path = f"{prefix}{segment_map.group}[{len(bucket)}]."
    bucket.append(item)
    return item, path


def _parent_label(segment_map: SegmentMap) -> str:
    return segment_map.parent.label if segment_map.parent else segment_map.label


def _build(
    mapping: MessageMap, values: dict[str, Any], problems: list[Finding], at_unh: Location
) -> Any:
    if any(p.is_error for p in problems):
        return None
    try:
        return _construct(mapping.record, values)
    except (TypeError, ValueError) as error:
        problems.append(finding("EDIFACT-VALUE", f"The message cannot be read: {error}.", at_unh))
        return None


def _construct(record: type, values: dict[str, Any]) -> Any:
    from ebt.formats.codec import fields_of

    kwargs: dict[str, Any] = {}
    for spec in fields_of(record):
        value = values.get(spec.name)
        if spec.scalar == "records" and value is not None:
            assert spec.item is not None
            kwargs[spec.name] = tuple(_construct(spec.item, item) for item in value)
        elif value is not None:
            kwargs[spec.name] = value
        elif spec.required and spec.scalar == "str":
            kwargs[spec.name] = ""
    if "kind" in {s.name for s in fields_of(record)}:
        kwargs["kind"] = _kind_of(record)
    return record(**kwargs)


def _kind_of(record: type) -> Any:
    from ebt.mapping.records import Kind

    return {
        "FunctionalAck": Kind.FUNCTIONAL_ACK,
        "ApplicationAdvice": Kind.APPLICATION_ADVICE,
    }.get(record.__name__, Kind.ENROLLMENT_REQUEST)  # the X12 checks tell the real kind


def _on(at_unh: Location, place: Place, tag: str) -> Location:
    from dataclasses import replace

    return replace(at_unh, segment=tag, line=place.line, origin=str(place))

"""Read the EDIFACT form, streamed, into the translation events.

The service string advice (UNA) is checked by hand, then the text is split into segments
from 1 MiB chunks (`edifact_segments.py`: release characters, linear time, one segment held
at a time), so memory holds one chunk and one message. A segment longer than the limit
(`ReadLimits.segment`) is read as its start, and a SEGMENT-TOO-LONG finding rejects its
message; the rest of the file is read. The envelopes are checked as X12's are: UNT, UNE
and UNZ present, their counts right and their control references equal to UNH, UNG and
UNB's. Each message body is read through its mapping (`mappings/edifact/`) into a record.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from ebt.findings import Finding, Location, finding
from ebt.formats.edifact_body import Raw, get, label, read_body
from ebt.formats.edifact_map import MessageMap, envelope_map, map_of_message
from ebt.formats.edifact_segments import (
    EdifactSyntaxError,
    LongSegment,
    ServiceCharacters,
    split_segments,
)
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
from ebt.syntax.envelope import MAX_STRAY_FINDINGS
from ebt.syntax.limits import MAX_SEGMENT

CHUNK = 1 << 20
MAX_MESSAGE_SEGMENTS = 10_000
ENVELOPE_TAGS = frozenset({"UNB", "UNG", "UNH", "UNT", "UNE", "UNZ"})


@dataclass(slots=True)
class _Open:
    """A message being collected (UNH seen, UNT not yet)."""

    raw: Raw
    line: int
    mapping: MessageMap | None
    body: list[tuple[int, Raw]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # found while reading its body


class EdifactReader:
    """Events from one EDIFACT file."""

    def __init__(self, source: BinaryIO, *, name: str = "", max_segment: int = MAX_SEGMENT):
        self.source = source
        self.name = name
        self.max_segment = max_segment
        self.line = 0
        self.interchange: Raw | None = None
        self.group: Raw | None = None
        self.implicit_group = False
        self.message: _Open | None = None
        self.groups = self.messages = self.group_messages = 0
        self.strays = 0  # segments outside any message in this interchange
        self.decimal = "."
        self.interchange_line = 0

    def events(self) -> Iterator[Event]:
        chars, problem = self._service_string()
        if problem is not None:
            yield Problems([problem])
            return
        assert chars is not None
        try:
            for raw in split_segments(self._chunks(), chars, max_segment=self.max_segment):
                self.line += 1
                if isinstance(raw, LongSegment):
                    yield from self._too_long(raw)
                    raw = raw.raw
                yield from self._segment(raw)
        except EdifactSyntaxError as error:
            yield Problems([self._syntax(error)])
        yield from self._end()
        yield from self._count_strays()
        if not self.interchange_line:
            where = Location(self.name, line=self.line, origin="end of file")
            message = "The file holds no interchange: it has no UNB segment."
            yield Problems([finding("EDIFACT-ENVELOPE", message, where)])

    # -- bytes to characters -------------------------------------------------------------------

    def _service_string(self) -> tuple[ServiceCharacters | None, Finding | None]:
        head = self.source.read(CHUNK).decode("latin-1")
        self._head = head.lstrip("\ufeff\r\n\t ")
        if not self._head.startswith("UNA"):
            default = envelope_map()["service_string"]
            self.decimal = default[2]
            return _characters(default), None
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
        self.decimal = una[2]
        return _characters(una), None

    def _chunks(self) -> Iterator[str]:
        """The text after the UNA in chunks."""
        text, self._head = self._head, ""
        while text:
            yield text
            text = self.source.read(CHUNK).decode("latin-1")

    def _too_long(self, long: LongSegment) -> Iterator[Event]:
        """SEGMENT-TOO-LONG: in the message it belongs to (which is then rejected), or about
        the file when it is an envelope segment or outside any message."""
        raw = long.raw
        raw[0] = get(raw, 0)[:35]  # a tag, not a run of text that has no separator
        opened = self.message if raw[0] not in ENVELOPE_TAGS else None
        found = finding(
            "SEGMENT-TOO-LONG",
            f"Segment {self.line} ({raw[0][:3]!r}) is {long.length:,} characters long; a "
            f"segment may be at most {self.max_segment:,}. It was read as its first "
            f"{self.max_segment:,} characters and the rest was skipped.",
            self._here(raw, transaction=get(opened.raw, 1) if opened else None),
            text=long.text[:200],
        )
        if opened is not None:
            opened.findings.append(found)
        else:
            yield Problems([found])

    # -- segments ----------------------------------------------------------------------------

    def _segment(self, raw: Raw) -> Iterator[Event]:
        tag = raw[0] if raw and isinstance(raw[0], str) else ""
        if tag == "UNB":
            yield from self._end()
            yield from self._count_strays()
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
            self.strays += 1
            if self.strays <= MAX_STRAY_FINDINGS:  # past them, counted at the interchange's end
                message = f"{label(raw) or '(no tag)'} is outside any message (UNH..UNT)."
                yield Problems([self._envelope(message, raw)])

    def _count_strays(self) -> Iterator[Event]:
        """One finding for the segments outside any message past the first hundred."""
        more, self.strays = self.strays - MAX_STRAY_FINDINGS, 0
        if more > 0:
            message = (
                f"{more:,} more segment{'' if more == 1 else 's'} stood outside any message "
                f"in this interchange; only the first {MAX_STRAY_FINDINGS} are named."
            )
            yield Problems([finding("EDIFACT-ENVELOPE", message, self._here(None))])

    def _here(self, raw: Raw | None = None, element: str | None = None, **where: Any) -> Location:
        what = label(raw) if raw else "end of file"
        origin = f"{what}, segment {self.line}" if raw else "end of file"
        return Location(
            self.name,
            get(self.interchange, 5) if self.interchange else None,
            get(self.group, 5) if self.group and not self.implicit_group else None,
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
        date = get(raw, 4, 0)
        header = InterchangeHeader(
            sender_qualifier=get(raw, 2, 1),
            sender=get(raw, 2, 0),
            receiver_qualifier=get(raw, 3, 1),
            receiver=get(raw, 3, 0),
            date=x12_date(f"{date[:4]}-{date[4:6]}-{date[6:]}", width=6)
            if len(date) == 8
            else date,
            time=get(raw, 4, 1),
            control=_x12_control(get(raw, 5)),
            usage="T" if get(raw, 11) == "1" else "P",
            ack_requested="1" if get(raw, 9) == "1" else "0",
            authorization_qualifier=get(raw, 6, 1) or "00",
            authorization=get(raw, 6, 0),
            security_qualifier=get(raw, 10) or "00",
            security=get(raw, 7),
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
        control = get(self.interchange, 5)
        count = self.groups or self.messages
        if get(raw, 2) != control:
            found.append(
                finding(
                    "UNZ-CONTROL",
                    f"UNZ02 is {get(raw, 2)!r} but UNB05 is {control!r}.",
                    self._here(raw, "UNZ02"),
                    value=get(raw, 2),
                )
            )
        if get(raw, 1) != str(count):
            what = "groups (UNG)" if self.groups else "messages (UNH)"
            found.append(
                finding(
                    "UNZ-COUNT",
                    f"UNZ01 says {get(raw, 1)!r} but the interchange has {count} {what}.",
                    self._here(raw, "UNZ01"),
                    value=get(raw, 1),
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
            functional_id=get(raw, 1),
            sender=get(raw, 2),
            receiver=get(raw, 3),
            date=get(raw, 4, 0),
            time=get(raw, 4, 1),
            control=get(raw, 5),
            agency=get(raw, 6) or "X",
            version=get(raw, 7) or "004010",
        )
        yield GroupOpen(header, Place(self.line, f"UNG+{header.functional_id}"))

    def _implicit_group(self, mapping: MessageMap | None) -> GroupOpen:
        """Messages straight under UNB: the group is the interchange's."""
        ic = self.interchange or ["UNB"]
        self.group, self.implicit_group, self.group_messages = ic, True, 0
        date = get(ic, 4, 0)
        header = GroupHeader(
            functional_id=GROUP_OF_SET.get(mapping.set_id if mapping else "", ""),
            sender=get(ic, 2, 0),
            receiver=get(ic, 3, 0),
            date=date if len(date) == 8 else "20" + date,
            time=get(ic, 4, 1),
            control=get(ic, 5).lstrip("0") or "0",
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
                    f"Group {get(self.group, 5)!r} (UNG) has no UNE.",
                    self._here(self.group),
                )
            )
        elif raw is not None:
            control = get(self.group, 5)
            if get(raw, 2) != control:
                found.append(
                    finding(
                        "UNE-CONTROL",
                        f"UNE02 is {get(raw, 2)!r} but UNG05 is {control!r}.",
                        self._here(raw, "UNE02"),
                        value=get(raw, 2),
                    )
                )
            if get(raw, 1) != str(self.group_messages):
                found.append(
                    finding(
                        "UNE-COUNT",
                        f"UNE01 says {get(raw, 1)!r} but the group has {self.group_messages} "
                        "message(s).",
                        self._here(raw, "UNE01"),
                        value=get(raw, 1),
                    )
                )
        self.group = None
        yield GroupClose(Place(self.line, "UNE"), found)

    def _open_message(self, raw: Raw) -> Iterator[Event]:
        yield from self._close_open_message("UNH")
        if self.interchange is None:
            yield Problems([self._envelope("UNH outside any interchange (UNB..UNZ).", raw)])
        kind, association = get(raw, 2, 0), get(raw, 2, 4)
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
        control = get(opened.raw, 1)
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
        control = get(opened.raw, 1)
        count = len(opened.body) + 2
        where = self._here(raw, transaction=control)
        if get(raw, 2) != control:
            found.append(
                finding(
                    "UNT-CONTROL",
                    f"UNT02 is {get(raw, 2)!r} but UNH01 is {control!r}.",
                    _with(where, "UNT02"),
                    value=get(raw, 2),
                )
            )
        if get(raw, 1) != str(count):
            found.append(
                finding(
                    "UNT-COUNT",
                    f"UNT01 says {get(raw, 1)!r} segments but the message has {count} from UNH "
                    "to UNT.",
                    _with(where, "UNT01"),
                    value=get(raw, 1),
                )
            )
        yield self._finish(opened, found)

    def _at_unh(self, opened: _Open) -> Location:
        control = get(opened.raw, 1)
        return Location(
            self.name,
            get(self.interchange, 5) if self.interchange else None,
            None,
            control,
            segment="UNH",
            line=opened.line,
            origin=f"UNH, segment {opened.line}",
        )

    def _finish(self, opened: _Open, found: list[Finding]) -> Message:
        self.message = None
        control = get(opened.raw, 1)
        place = Place(opened.line, "UNH")
        if opened.mapping is None:
            kind = (
                ":".join(str(v) for v in opened.raw[2])
                if len(opened.raw) > 2 and isinstance(opened.raw[2], list)
                else get(opened.raw, 2)
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
        at_unh = self._at_unh(opened)
        record, fields, problems = read_body(opened.mapping, opened.body, self.decimal, at_unh)
        found = [*opened.findings, *found, *problems]
        if opened.findings:  # a segment of it was cut: its record is not taken
            return Message(opened.mapping.set_id, control, None, place, found, fields)
        return Message(opened.mapping.set_id, control, record, place, found, fields)

    def _end(self) -> Iterator[Event]:
        yield from self._close_open_message("the end of the file")
        if self.group is not None:
            yield from self._close_group(None)
        if self.interchange is not None:
            control = get(self.interchange, 5)
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

    def _syntax(self, error: EdifactSyntaxError) -> Finding:
        message = (
            f"The file ends in the middle of a segment (after segment {self.line}): {error}."
            if error.truncated
            else f"Segment {self.line + 1} cannot be read: {error}."
        )
        return finding(
            "FILE-TRUNCATED" if error.truncated else "EDIFACT-SYNTAX",
            message,
            Location(self.name, line=self.line + 1, origin=f"segment {self.line + 1}"),
        )


def _characters(una: str) -> ServiceCharacters:
    """The separators of a six-character service string (UNA1 to UNA6)."""
    return ServiceCharacters(component=una[0], element=una[1], release=una[3], terminator=una[5])


def _x12_control(reference: str) -> str:
    """UNB05 as ISA13: a number of up to 9 digits is zero-padded to X12's fixed 9."""
    return reference.zfill(9) if reference.isdigit() and len(reference) <= 9 else reference


def _with(where: Location, element: str) -> Location:
    from dataclasses import replace

    return replace(where, element=element)

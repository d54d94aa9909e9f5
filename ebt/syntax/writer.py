"""Write segments back to X12 text with a given separator set."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import msgspec

from ebt.syntax.separators import Separators

ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)


_JSON = msgspec.json.Encoder()


def segments_json(segments: Sequence[Sequence[str]] | Sequence[str]) -> str:
    """Segments (or one segment) as the outbox keeps them: a JSON array of arrays of
    strings (a list or tuple: like `json.dumps`, msgspec does not take a generator).
    msgspec's encoder, several times faster than the standard library's; its text is UTF-8
    where the standard library escapes, and either reads the other's."""
    return _JSON.encode(segments).decode()


def json_segments(text: str) -> Any:
    """What `segments_json` wrote (or any JSON), read back."""
    return msgspec.json.decode(text)


def segment_text(segment: Sequence[str], separators: Separators) -> str:
    """One segment with its terminator and line ending."""
    return separators.element.join(segment) + separators.terminator


def segments_text(segments: Iterable[Sequence[str]], separators: Separators) -> str:
    """Segments as one X12 text, each with its terminator (what `write_segments` yields,
    joined in one go)."""
    end = separators.terminator
    text = end.join(map(separators.element.join, segments))
    return text + end if text else text


def write_segments(segments: Iterable[Sequence[str]], separators: Separators) -> Iterator[str]:
    """X12 text, a segment at a time, exactly as given (build segments with `trim`)."""
    for segment in segments:
        yield segment_text(segment, separators)


def trim(segment: Sequence[str]) -> list[str]:
    """The segment without trailing empty elements, as X12 requires."""
    end = len(segment)
    while end > 1 and not segment[end - 1]:
        end -= 1
    return list(segment[:end])


def isa_segment(
    *,
    sender: tuple[str, str],
    receiver: tuple[str, str],
    control: int,
    when: datetime,
    separators: Separators,
    production: bool = True,
    ack_requested: bool = False,
) -> list[str]:
    """A fixed-width ISA: `sender` and `receiver` are (qualifier, id) pairs."""
    values = (
        "00",
        "",
        "00",
        "",
        sender[0],
        sender[1],
        receiver[0],
        receiver[1],
        when.strftime("%y%m%d"),
        when.strftime("%H%M"),
        "U",
        "00401",
        f"{control:09d}",
        "1" if ack_requested else "0",
        "P" if production else "T",
        separators.component,
    )
    too_wide = [v for v, width in zip(values, ISA_WIDTHS, strict=True) if len(v) > width]
    if too_wide:
        raise ValueError(f"ISA values wider than their fixed width: {too_wide}")
    return ["ISA", *(value.ljust(width) for value, width in zip(values, ISA_WIDTHS, strict=True))]


def envelope_segments(
    bodies: list[list[list[str]]],
    *,
    set_id: str,
    functional_id: str,
    sender: tuple[str, str],
    receiver: tuple[str, str],
    control: int,
    when: datetime,
    separators: Separators,
    production: bool = True,
    before_groups: list[list[str]] | None = None,
    group_ids: tuple[str, str] | None = None,
) -> list[list[str]]:
    """An interchange holding one functional group of `bodies` (each a set without ST/SE),
    with ISA13 and GS06 = `control` and ST02 numbered from 0001. `before_groups` (a TA1)
    goes between ISA and GS. An empty `bodies` makes an interchange with no group."""
    out = [
        isa_segment(
            sender=sender,
            receiver=receiver,
            control=control,
            when=when,
            separators=separators,
            production=production,
        )
    ]
    out.extend(before_groups or [])
    if bodies:
        gs_sender, gs_receiver = group_ids or (sender[1], receiver[1])
        out.append(gs_segment(functional_id, gs_sender, gs_receiver, control, when))
        for number, body in enumerate(bodies, start=1):
            out.extend(set_segments(set_id, number, body))
        out.append(["GE", str(len(bodies)), str(control)])
    out.append(["IEA", "1" if bodies else "0", f"{control:09d}"])
    return out


def gs_segment(
    functional_id: str, sender: str, receiver: str, control: int, when: datetime
) -> list[str]:
    """A GS header: GS06 = `control`, version 004010."""
    return [
        "GS",
        functional_id,
        sender,
        receiver,
        when.strftime("%Y%m%d"),
        when.strftime("%H%M"),
        str(control),
        "X",
        "004010",
    ]


def set_segments(set_id: str, number: int, body: list[list[str]]) -> list[list[str]]:
    """A transaction set: ST, the body, SE with its count; ST02 is `number` as 4 digits."""
    st = f"{number:04d}"
    return [["ST", set_id, st], *body, ["SE", str(len(body) + 2), st]]

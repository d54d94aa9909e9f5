"""Split EDIFACT text into segments, elements and components, streamed, in linear time.

The text comes in chunks; a segment ends at a segment terminator that no release character
escapes (`?'` is a quote inside a value, `??'` a released `?` and then the end). Each chunk
is searched with `str.find` for the next terminator and the next release character, each
search starting where the last one stopped, so every character is looked at a bounded
number of times, whatever the shape of the file; only the segment being read is held. A
segment longer than `max_segment` characters is kept as its first `max_segment` and read
on to its terminator (a `LongSegment`), so memory holds at most one segment of that size.

Elements and components come out as pydifact's raw segments do (the reader's earlier
tokenizer): a segment is a list whose items are elements, each a string, or a list of
strings when it has components; trailing empty components are dropped, an element with
no content is "". Blanks (space, CR, LF) after a terminator are skipped; a line break
straight after a release character is a syntax error, as is text after the last terminator.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

Raw = list[Any]  # [tag, element, ...]; an element is a str or a list of component strings
BLANKS = " \r\n"  # skipped after a segment terminator


@dataclass(frozen=True, slots=True)
class ServiceCharacters:
    """The UNA's separators: component (UNA1), element (UNA2), release (UNA4), terminator
    (UNA6)."""

    component: str = ":"
    element: str = "+"
    release: str = "?"
    terminator: str = "'"


@dataclass(frozen=True, slots=True)
class LongSegment:
    """A segment over the limit: its first `max_segment` characters read as a segment, and
    its whole length."""

    raw: Raw
    length: int
    text: str  # the kept start, as written


class EdifactSyntaxError(Exception):
    """The text cannot be split further; `truncated` when it ends inside a segment."""

    def __init__(self, message: str, *, truncated: bool = False):
        super().__init__(message)
        self.truncated = truncated


def split_segments(
    chunks: Iterable[str], chars: ServiceCharacters, *, max_segment: int
) -> Iterator[Raw | LongSegment]:
    """The segments of the text that `chunks` make up, in order."""
    splitter = _Splitter(chars, max_segment)
    for chunk in chunks:
        yield from splitter.feed(chunk)
    splitter.finish()


class _Splitter:
    def __init__(self, chars: ServiceCharacters, max_segment: int):
        self.chars = chars
        self.max_segment = max_segment
        self.pieces: list[str] = []  # the start of the segment being read, from earlier chunks
        self.kept = 0  # characters in `pieces` (at most `max_segment`)
        self.length = 0  # the segment's length so far (past the limit, only counted)
        self.escaped = False  # the last chunk ended on a release character
        self.blanks = False  # skipping blanks after a terminator

    def feed(self, chunk: str) -> Iterator[Raw | LongSegment]:
        terminator, release = self.chars.terminator, self.chars.release
        start = pos = 0
        if self.blanks:
            start = pos = _skip_blanks(chunk, 0)
            self.blanks = start == len(chunk)
        if self.escaped and pos < len(chunk):
            self._released(chunk, pos)
            self.escaped, pos = False, pos + 1
        end = chunk.find(terminator, pos)
        escape = chunk.find(release, pos)
        while True:
            if escape != -1 and (end == -1 or escape < end):
                if escape + 1 == len(chunk):
                    self.escaped, pos = True, len(chunk)
                    break
                self._released(chunk, escape + 1)
                pos = escape + 2
                escape = chunk.find(release, pos)
                if end != -1 and end < pos:
                    end = chunk.find(terminator, pos)
                continue
            if end == -1:
                break
            yield self._segment(chunk[start:end])
            start = pos = _skip_blanks(chunk, end + 1)
            self.blanks = start == len(chunk)
            end = chunk.find(terminator, pos)
            if escape != -1 and escape < pos:
                escape = chunk.find(release, pos)
        self._hold(chunk[start:])

    def finish(self) -> None:
        if self.escaped:
            raise EdifactSyntaxError("the file ends on a release character", truncated=True)
        if self.length:
            raise EdifactSyntaxError("the last segment has no terminator", truncated=True)

    def _released(self, chunk: str, at: int) -> None:
        if chunk[at] == "\n":
            raise EdifactSyntaxError(
                f"a release character ({self.chars.release!r}) stands before a line break, "
                "which cannot be released"
            )

    def _hold(self, text: str) -> None:
        if not text:
            return
        room = self.max_segment - self.kept
        if room > 0:
            self.pieces.append(text[:room])
            self.kept += len(self.pieces[-1])
        self.length += len(text)

    def _segment(self, text: str) -> Raw | LongSegment:
        if self.pieces:
            self._hold(text)
            text, length = "".join(self.pieces), self.length
            self.pieces, self.kept, self.length = [], 0, 0
        else:
            length = len(text)
        if length > self.max_segment:
            kept = text[: self.max_segment]
            return LongSegment(read_segment(kept, self.chars), length, kept)
        return read_segment(text, self.chars)


def _skip_blanks(chunk: str, at: int) -> int:
    while at < len(chunk) and chunk[at] in BLANKS:
        at += 1
    return at


def read_segment(text: str, chars: ServiceCharacters) -> Raw:
    """One segment's text (without its terminator) as elements and components."""
    if chars.release not in text:
        component = chars.component
        return [
            _value(value.split(component)) if component in value else value
            for value in text.split(chars.element)
        ]
    elements: Raw = []
    components: list[str] = []
    current: list[str] = []
    for released, separator, plain in _tokens(chars).findall(text):
        if separator == chars.element:
            components.append("".join(current))
            elements.append(_value(components))
            components, current = [], []
        elif separator:
            components.append("".join(current))
            current = []
        else:
            current.append(released or plain)
    components.append("".join(current))
    elements.append(_value(components))
    return elements


def _value(components: list[str]) -> str | list[str]:
    while components and not components[-1]:
        components.pop()
    if not components:
        return ""
    return components[0] if len(components) == 1 else components


@lru_cache(maxsize=32)  # one per UNA in use; a sender could send a new one in every file
def _tokens(chars: ServiceCharacters) -> re.Pattern[str]:
    """A released character, a separator, or a run of plain characters (a release character
    at the very end, left by a cut, matches nothing and is dropped)."""
    release, separators = re.escape(chars.release), re.escape(chars.component + chars.element)
    return re.compile(f"{release}(.)|([{separators}])|([^{release}{separators}]+)", re.DOTALL)

"""Tell X12, XML and EDIFACT apart by their first bytes, and open the right checker.

ISA → X12; UNA or UNB → EDIFACT; `<` → XML, unless it is an HTML page (left to the X12
reader, which says plainly what it is). Anything else goes to the X12 reader too, whose
findings (FILE-EMPTY, FILE-ENCODING, FILE-NOT-X12) say what is wrong.
"""

from __future__ import annotations

import io
from typing import BinaryIO, Literal

from ebt.check import FileChecker
from ebt.guides.loader import GuideBook
from ebt.syntax.limits import ReadLimits

Syntax = Literal["x12", "xml", "edifact"]
HEAD = 512


def sniff(head: bytes) -> Syntax:
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if text.startswith(b"ISA"):
        return "x12"
    if text.startswith((b"UNA", b"UNB")):
        return "edifact"
    if text.startswith(b"<") and not text.lower().startswith((b"<!doctype html", b"<html")):
        return "xml"
    return "x12"


def peek(source: BinaryIO) -> tuple[bytes, BinaryIO]:
    """The first bytes of `source`, and a stream that still starts at the beginning."""
    if source.seekable():
        start = source.tell()
        head = source.read(HEAD)
        source.seek(start)
        return head, source
    head = source.read(HEAD)
    return head, io.BufferedReader(_Rejoined(head, source))


class _Rejoined(io.RawIOBase):
    """`head` followed by the rest of a stream that cannot seek."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self.head = head
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.head[: len(buffer)] if self.head else self.rest.read(len(buffer))
        self.head = self.head[len(data) :] if self.head else b""
        buffer[: len(data)] = data
        return len(data)


def checker_for(
    source: BinaryIO,
    *,
    name: str = "",
    book: GuideBook | None = None,
    records: bool = True,
    limits: ReadLimits | None = None,
) -> FileChecker:
    """The checker for a file of any of the three syntaxes (`syntax_of` says which), its
    reader held to `limits` (`ReadLimits()` when None). The XML and EDIFACT readers (lxml,
    xmlschema) are imported only when needed."""
    limits = limits or ReadLimits()
    head, stream = peek(source)
    syntax = sniff(head)
    if syntax == "x12":
        return FileChecker(stream, name=name, book=book, records=records, limits=limits)
    from ebt.formats.checking import ForeignChecker

    if syntax == "xml":
        from ebt.formats.xml_reader import XmlReader

        events = XmlReader(stream, name=name, limits=limits).events()
    else:
        from ebt.formats.edifact_reader import EdifactReader

        events = EdifactReader(stream, name=name, max_segment=limits.segment).events()
    return ForeignChecker(events, name=name, syntax=syntax, book=book, records=records)


def syntax_of(checker: FileChecker) -> Syntax:
    found = getattr(checker, "syntax", "x12")
    return "xml" if found == "xml" else "edifact" if found == "edifact" else "x12"

"""Stream the segments of an X12 file from bytes, in bounded memory.

The reader takes a binary stream (never a path), reads it in chunks, learns the separators
from each interchange's ISA, and hands out segments as lists of element strings (the
segment id first). Memory holds one chunk and the start of one segment, whatever the size
and shape of the file, and each byte is looked at a bounded number of times: a segment
longer than the limit (`ReadLimits.segment`) is cut to the limit, the rest of it skipped to
its terminator while only the new bytes are searched, and a SEGMENT-TOO-LONG finding says
where it was. Problems with the bytes themselves (encoding, a file that is not X12,
truncation) become findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from ebt.findings import Finding, Location, finding
from ebt.syntax.limits import MAX_SEGMENT
from ebt.syntax.separators import IsaHead, Separators, read_isa

CHUNK_SIZE = 1 << 16  # small enough that a batch of segments stays in the CPU caches
SNIFF_SIZE = 512  # bytes looked at before deciding whether a file is X12
WHITESPACE = " \t\r\n\x0b\x0c"  # what bytes.strip() strips; str.strip() strips more
MAX_BYTE_FINDINGS = 20
SHOWN_BYTES = 8  # of a run of non-ASCII bytes, listed in its finding
NON_ASCII = re.compile("[\x80-\xff]+")  # a run of them, in text decoded as latin-1
Segment = list[str]


class SegmentReader:
    """Iterate over segments; `separators` is the current interchange's separator set and
    `findings` collects problems with the bytes. `batches()` hands out lists of segments.
    `long_segments` holds a SEGMENT-TOO-LONG finding for each segment over `max_segment`
    characters (its `line` is the segment's number in the file), for the checker to place in
    its transaction set; `segments` counts the segments handed out."""

    def __init__(
        self,
        source: BinaryIO,
        *,
        name: str = "",
        chunk_size: int = CHUNK_SIZE,
        max_segment: int = MAX_SEGMENT,
    ):
        self._source = source
        self._chunk_size = chunk_size
        self.max_segment = max_segment
        self.name = name
        self.separators: Separators | None = None
        self.separator_sets: list[Separators] = []  # one per interchange, in file order
        self.findings: list[Finding] = []
        self.bytes_read = 0
        self.interchanges = 0
        self.segments = 0
        self.long_segments: list[Finding] = []
        self._byte_findings = 0

    def __iter__(self) -> Iterator[Segment]:
        for batch in self.batches():
            yield from batch

    def batches(self) -> Iterator[list[Segment]]:
        """Lists of segments, in file order, one or more per chunk read."""
        buffer = self._start()
        if buffer is None:
            return
        eof = False
        while True:
            batch, buffer, done = self._take(buffer, eof)
            if batch:
                yield batch
            if done:
                return
            if len(buffer) > self.max_segment and self.separators is not None:
                buffer, eof = self._skip_long(buffer)
            elif not eof:
                chunk = self._read()
                eof = not chunk
                buffer += chunk

    # -- bytes -----------------------------------------------------------------------------

    def _read(self) -> str:
        data = self._source.read(self._chunk_size)
        if not data:
            return ""
        start = self.bytes_read
        self.bytes_read += len(data)
        text = data.decode("latin-1")
        if not data.isascii():
            self._report_non_ascii(data, text, start)
        return text

    def _report_non_ascii(self, data: bytes, text: str, start: int) -> None:
        """One finding per run of non-ASCII bytes (an accented letter in UTF-8 is two)."""
        for match in NON_ASCII.finditer(text):
            if self._byte_findings >= MAX_BYTE_FINDINGS:
                return
            index, end = match.span()
            run = data[index : min(end, index + SHOWN_BYTES)]
            shown = run.decode("utf-8", errors="replace") if len(run) > 1 else text[index]
            listed = " ".join(f"0x{b:02X}" for b in run)
            if end - index > SHOWN_BYTES:
                listed, shown = f"{listed} ... ({end - index:,} bytes)", shown + "..."
            self._byte_findings += 1
            self.findings.append(
                finding(
                    "FILE-NON-ASCII",
                    f"{'Bytes' if len(run) > 1 else 'Byte'} {listed} ({shown!r}) "
                    f"at offset {start + index} {'are' if len(run) > 1 else 'is'} not ASCII, "
                    f"in {_segment_around(text, index, self.separators)!r}.",
                    Location(self.name),
                    value=text[index : min(end, index + 40)],
                )
            )

    def _start(self) -> str | None:
        """Read the first chunk and decide whether this is an X12 file at all."""
        head = self._source.read(max(self._chunk_size, SNIFF_SIZE))
        while 0 < len(head) < SNIFF_SIZE:
            more = self._source.read(SNIFF_SIZE)
            if not more:
                break
            head += more
        self.bytes_read = len(head)
        where = Location(self.name)
        problem = _sniff(head)
        if problem is not None:
            self.findings.append(problem.at(file=self.name))
            return None
        if head.startswith(b"\xef\xbb\xbf"):
            self.findings.append(
                finding(
                    "FILE-BOM",
                    "The file starts with a UTF-8 byte-order mark; it was skipped.",
                    where,
                )
            )
            head = head[3:]
        text = head.decode("latin-1")
        if not head.isascii():
            self._report_non_ascii(head, text, self.bytes_read - len(head))
        return text

    # -- segments --------------------------------------------------------------------------

    def _take(self, buffer: str, eof: bool) -> tuple[list[Segment], str, bool]:
        """Split what the buffer holds; return (segments, the rest, whether reading is done).
        The rest is the start of a segment whose terminator is still to come."""
        out: list[Segment] = []
        while True:
            if self.separators is None:
                buffer = buffer.lstrip(WHITESPACE)  # blank lines between interchanges
                opened = self._open_interchange(buffer, eof)
                if opened is None:
                    return self._counted(out), buffer, eof
                if isinstance(opened, Finding):
                    self.findings.append(opened)
                    return self._counted(out), "", True
                isa = buffer[: opened.length - len(opened.separators.suffix) - 1]
                out.append(isa.split(opened.separators.element))
                buffer = buffer[opened.length :]
            seps = self.separators
            assert seps is not None
            close = _find_iea_end(buffer, seps)
            if close is None:
                cut = buffer.rfind(seps.segment) + 1
                if cut and buffer.startswith(seps.suffix, cut):
                    cut += len(seps.suffix)
                out.extend(self._split(buffer[:cut], seps, len(out)))
                buffer = buffer[cut:]
                if eof:
                    return self._counted(out + self._truncated(buffer)), "", True
                return self._counted(out), buffer, False
            out.extend(self._split(buffer[:close], seps, len(out)))
            buffer = buffer[close:].lstrip("\r\n")
            self.separators = None

    def _counted(self, out: list[Segment]) -> list[Segment]:
        self.segments += len(out)
        return out

    def _skip_long(self, rest: str) -> tuple[str, bool]:
        """`rest` is the start of a segment already longer than the limit: keep its first
        `max_segment` characters, read on to its terminator looking at each new chunk once,
        and return the kept start with what follows the terminator (and whether the file
        has ended)."""
        seps = self.separators
        assert seps is not None
        rest = rest.lstrip("\r\n")  # the line ending of the segment before it
        kept, length = rest[: self.max_segment], len(rest)
        while True:
            chunk = self._read()
            if not chunk:
                self._too_long(kept, length, seps, self.segments + 1, ended=False)
                return kept, True
            at = chunk.find(seps.segment)
            if at >= 0:
                self._too_long(kept, length + at, seps, self.segments + 1, ended=True)
                return kept + chunk[at:], False
            length += len(chunk)

    def _too_long(
        self, kept: str, length: int, seps: Separators, number: int, *, ended: bool
    ) -> None:
        """A SEGMENT-TOO-LONG finding for the segment at `number` in the file."""
        elements = kept.split(seps.element)
        tag, position = elements[0][:3], max(1, len(elements) - 1)
        where = "" if ended else " and the file ends inside it"
        self.long_segments.append(
            finding(
                "SEGMENT-TOO-LONG",
                f"Segment {number} ({tag!r}) is {length:,} characters long{where}; a segment "
                f"may be at most {self.max_segment:,}. It was read as its first "
                f"{self.max_segment:,} characters and the rest was skipped.",
                Location(self.name, segment=tag, line=number, element=f"{tag}{position:02d}"),
                text=kept[:200],
                value=elements[-1][:40],
                element_position=position,
            )
        )

    def _open_interchange(self, text: str, eof: bool) -> IsaHead | Finding | None:
        if len(text) < 200 and not eof:
            return None  # wait for enough of the ISA
        if not text:
            return None
        where = Location(self.name, segment="ISA")
        if eof and len(text) < 3 and "ISA".startswith(text):
            return finding(
                "FILE-TRUNCATED", f"The file ends after {text!r}, inside the ISA.", where, text=text
            )
        if not text.startswith("ISA"):
            if self.interchanges:
                return finding(
                    "FILE-TRAILING-DATA",
                    "After the last IEA the file goes on "
                    f"with {text[:40]!r}, which is not an ISA segment.",
                    where,
                )
            return _not_x12(text[:40]).at(file=self.name)
        head = read_isa(text, where)
        if isinstance(head, IsaHead):
            self.interchanges += 1
            self.separators = head.separators
            self.separator_sets.append(head.separators)
            self.findings.extend(head.findings)
        return head

    def _split(self, part: str, seps: Separators, before: int) -> list[Segment]:
        """The segments of `part` (whole segments, each with its terminator); `before` is how
        many segments of this batch come before them."""
        if not part:
            return []
        suffix = seps.suffix
        if suffix:
            if part.startswith(suffix):
                part = part[len(suffix) :]  # the line ending of the previous chunk's last segment
            if part.endswith(seps.segment):
                part = part[:-1]  # its own last line ending is still to come
            if part.count(seps.segment) == part.count(seps.terminator):
                raw = part.split(seps.terminator)  # the fast path: every terminator has its suffix
            else:
                raw = [s.strip("\r\n") for s in part.split(seps.segment)]
        else:
            raw = [s.strip("\r\n") for s in part.split(seps.segment)]
        if _may_hold_long(part, seps.segment, self.max_segment) and (
            max(map(len, raw)) > self.max_segment
        ):
            raw = self._cut_long([s for s in raw if s], seps, self.segments + before)
        element = seps.element
        return [s.split(element) for s in raw if s]

    def _cut_long(self, raw: list[str], seps: Separators, before: int) -> list[str]:
        """The segments with each one over the limit cut to it (and a finding for each)."""
        limit = self.max_segment
        for index, text in enumerate(raw):
            if len(text) > limit:
                raw[index] = text[:limit]
                self._too_long(raw[index], len(text), seps, before + index + 1, ended=True)
        return raw

    def _truncated(self, rest: str) -> list[Segment]:
        rest = rest.strip("\r\n")
        if not rest.strip(WHITESPACE):
            return []
        assert self.separators is not None
        elements = rest.split(self.separators.element)
        self.findings.append(
            finding(
                "FILE-TRUNCATED",
                f"The file ends in the middle of a {elements[0][:3]!r} segment, with no segment "
                f"terminator {self.separators.segment!r}: {rest[:60]!r}.",
                Location(self.name, segment=elements[0][:3]),
                text=rest[:200],
            )
        )
        return []


def _may_hold_long(part: str, terminator: str, limit: int) -> bool:
    """Whether `part` may hold a run of more than `limit` characters with no terminator: not
    when each aligned stretch of `limit // 2` holds one, since such a run would cover a whole
    stretch. A few `str.find`s a chunk, where measuring every segment costs a pass over them."""
    step = max(1, limit // 2)
    return any(
        part.find(terminator, start, start + step) < 0
        for start in range(0, len(part) - step + 1, step)
    )


def _find_iea_end(buffer: str, seps: Separators) -> int | None:
    """Offset just past the IEA segment's terminator, or None if no whole IEA is buffered."""
    needle = "IEA" + seps.element
    start = 0
    while True:
        at = buffer.find(needle, start)
        if at < 0:
            return None
        if at == 0 or buffer[at - 1] in (seps.segment, "\r", "\n"):
            end = buffer.find(seps.segment, at)
            return None if end < 0 else end + 1
        start = at + 1


def _segment_around(text: str, index: int, seps: Separators | None) -> str:
    terminator = seps.segment if seps else "~"
    start = text.rfind(terminator, 0, index) + 1
    end = text.find(terminator, index)
    return text[start : end if end >= 0 else index + 20][:80].strip()


def _sniff(head: bytes) -> Finding | None:
    """A finding when the first bytes show the file is not ASCII X12 at all."""
    if not head.strip(WHITESPACE.encode()):
        return finding(
            "FILE-EMPTY", "The file is empty." if not head else "The file holds only white space."
        )
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:400]:
        return finding(
            "FILE-ENCODING",
            "The file is UTF-16 or another wide encoding (it has a "
            "UTF-16 byte-order mark or NUL bytes); X12 files are ASCII.",
        )
    return None


def _not_x12(start: str) -> Finding:
    lowered = start.lower()
    if lowered.startswith(("<!doctype html", "<html", "<?xml", "<")):
        what = "an HTML or XML document"
    elif start.startswith(("UNA", "UNB")):
        what = "an EDIFACT interchange"
    elif start.startswith(("{", "[")):
        what = "JSON"
    else:
        what = "something else"
    return finding(
        "FILE-NOT-X12",
        f"The file does not begin with an ISA segment; it looks like "
        f"{what} (it begins {start[:24]!r}).",
    )

"""A file's segments as an annotated listing: each segment numbered as in the file, with its
control numbers and position in its set, and each finding placed at its segment and element
(what pyx12's HTML view does).

The bytes are read from where the engine keeps the original (archive/ or error/), a chunk at
a time, and only up to the page asked for. Findings are stored with their transaction and
position in the set (ST = 1); a finding on an envelope segment (ISA, GS, GE, IEA) with no
transaction is placed at the first segment of that id when the file holds one interchange,
and otherwise listed with the file. A file that is not X12 (XML, EDIFACT) is listed by line,
its findings named by where they were found (`origin`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ebt.queries.files import FindingView

CHUNK = 1 << 20
ENVELOPE = ("ISA", "GS", "GE", "IEA")


@dataclass(frozen=True, slots=True)
class ListedSegment:
    number: int  # in the file, first ISA = 1
    elements: tuple[str, ...]  # element 0 is the segment id
    position: int | None  # in its transaction set, ST = 1
    findings: tuple[FindingView, ...]

    @property
    def id(self) -> str:
        return self.elements[0] if self.elements else ""

    def flagged(self, index: int) -> bool:
        """Whether a finding names element `index` of this segment (REF02 is 2)."""
        ref = f"{self.id}{index:02d}"
        return any((f.element or "").startswith(ref) for f in self.findings)


@dataclass(frozen=True, slots=True)
class Listing:
    kind: str  # x12, text, missing
    element_separator: str
    segments: tuple[ListedSegment, ...]
    start: int  # number of the first segment shown
    more: bool  # segments follow the page
    unplaced: tuple[FindingView, ...]  # findings with no segment to stand at
    note: str | None = None


def listing(
    original: str | None,
    findings: Sequence[FindingView],
    *,
    start: int = 1,
    count: int = 500,
    interchanges: int = 1,
) -> Listing:
    """Segments `start`..`start + count - 1` of the file at `original`, annotated."""
    path = Path(original) if original else None
    if path is None or not path.is_file():
        note = "the original is not kept" if path is None else f"{path} is no longer there"
        return Listing("missing", "*", (), start, False, tuple(findings), note)
    with path.open("rb") as stream:
        head = stream.read(128)
    text_head = head.decode("latin-1").lstrip("\ufeff \r\n\t")
    if not text_head.startswith("ISA") or len(text_head) < 106:
        return _lines(path, findings, start, count)
    element, terminator = text_head[3], text_head[105]
    placed = _placement(findings, interchanges)
    shown: list[ListedSegment] = []
    more = False
    used: set[int] = set()
    for number, elements, key in _segments(path, element, terminator):
        if number < start:
            continue
        if number >= start + count:
            more = True
            break
        found = _findings_at(placed, key, elements[0], used)
        shown.append(ListedSegment(number, tuple(elements), key[3] if key else None, found))
    unplaced = tuple(f for f in findings if f.id not in used and _first_page_or_unkeyed(f, start))
    return Listing("x12", element, tuple(shown), start, more, unplaced)


def _first_page_or_unkeyed(finding: FindingView, start: int) -> bool:
    """Findings that stand at no segment are shown with the file on every page."""
    return finding.position is None or finding.transaction is None or start == 1


Key = tuple[str, str, str, int]


def _placement(
    findings: Sequence[FindingView], interchanges: int
) -> dict[object, list[FindingView]]:
    placed: dict[object, list[FindingView]] = {}
    for f in findings:
        if f.transaction is not None and f.position is not None:
            key: object = (f.interchange or "", f.group or "", f.transaction, f.position)
        elif f.segment in ENVELOPE and interchanges == 1:
            key = f.segment
        else:
            continue
        placed.setdefault(key, []).append(f)
    return placed


def _findings_at(
    placed: dict[object, list[FindingView]], key: Key | None, segment: str, used: set[int]
) -> tuple[FindingView, ...]:
    here = list(placed.get(key, ())) if key else []
    if segment in ENVELOPE:
        here += [f for f in placed.get(segment, ()) if f.id not in used]
    used.update(f.id for f in here)
    return tuple(here)


def _segments(
    path: Path, element: str, terminator: str
) -> Iterator[tuple[int, list[str], Key | None]]:
    """(number in the file, elements, (ISA13, GS06, ST02, position) inside a set)."""
    isa13 = gs06 = st02 = ""
    position = 0
    for number, text in enumerate(_split(path, terminator), start=1):
        elements = text.split(element)
        name = elements[0]
        if name == "ISA":
            isa13 = elements[13].strip() if len(elements) > 13 else ""
        elif name == "GS":
            gs06 = elements[6] if len(elements) > 6 else ""
        elif name == "ST":
            st02, position = (elements[2] if len(elements) > 2 else ""), 0
        key: Key | None = None
        if st02:
            position += 1
            key = (isa13, gs06, st02, position)
        if name == "SE":
            yield number, elements, key
            st02 = ""
            continue
        yield number, elements, key


def _split(path: Path, terminator: str) -> Iterator[str]:
    rest = ""
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            parts = (rest + chunk.decode("latin-1")).split(terminator)
            rest = parts.pop()
            for part in parts:
                stripped = part.strip("\r\n\t \ufeff")
                if stripped:
                    yield stripped
    if rest.strip():
        yield rest.strip()


def _lines(path: Path, findings: Sequence[FindingView], start: int, count: int) -> Listing:
    shown: list[ListedSegment] = []
    more = False
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if number < start:
                continue
            if number >= start + count:
                more = True
                break
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            shown.append(ListedSegment(number, (line,), None, ()))
    return Listing("text", "", tuple(shown), start, more, tuple(findings))

"""Fuzz read -> validate -> map -> acknowledge for X12, XML and EDIFACT (atheris; not in CI).

One target: the first byte of an input picks the reader (its value mod 4: 0 X12, 1 XML,
2 EDIFACT, 3 told by content as `ebt` tells it), the rest is the file. Each input is read,
validated and mapped to typed records, then acknowledged as `ebt ack` would (the 997, and
TA1, in X12; the 997 in XML for XML; a CONTRL for EDIFACT), and the 997 is read back. The
target fails when an exception escapes that the code does not document for bad input (the
readers, checks and acknowledgments document none), when a finding has no catalogued code
or no message, or when our own 997 does not read back clean (but for the values it echoes).
libFuzzer's `-timeout` catches an input that stalls a reader.

    pip install -e '.[fuzz]'
    python bench/fuzz.py --seed bench/out/fuzz-corpus        # the fixtures as the corpus
    python bench/fuzz.py bench/out/fuzz-corpus -max_total_time=1500 -timeout=20 \\
        -artifact_prefix=bench/out/fuzz-
    python bench/fuzz.py bench/out/fuzz-crash-1234...         # replay one input

docs/fuzzing.md has the runs so far and what they found.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["ebt"]):
    from ebt.acks.functional import Acknowledger, ack_text
    from ebt.check import Event, FileChecker
    from ebt.findings import KINDS, Finding
    from ebt.formats.checking import ForeignChecker
    from ebt.formats.contrl import contrl_text, reports
    from ebt.formats.detect import checker_for
    from ebt.formats.edifact_reader import EdifactReader
    from ebt.formats.model import NotWritableError
    from ebt.formats.translate import translate
    from ebt.formats.xml_reader import XmlReader
    from ebt.runtime import tune_for_batch

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
READERS = ("x12", "xml", "edifact", "sniffed")
SUFFIX = {"x12": "x12", "xml": "xml", "edifact": "edi"}
WHEN = datetime(2026, 11, 20, 9, 30)
# what a 997 echoes from the inbound file: the parties (ISA05-08, GS02-03), the group (AK1)
# and the set (AK2), each as sent, even a value the 997's own guide does not allow
ECHOED_SEGMENTS = frozenset({"AK1", "AK2"})
ECHOED_ELEMENTS = frozenset({"ISA05", "ISA06", "ISA07", "ISA08", "GS02", "GS03"})


class FuzzFindingError(AssertionError):
    """What the target found wrong with an input (not an exception of the code under test)."""


def checker(reader: str, data: bytes) -> FileChecker:
    """The checker `ebt` would use, with the reader the first byte chose."""
    source = io.BytesIO(data)
    name = f"fuzz.{SUFFIX.get(reader, 'in')}"
    if reader == "x12":
        return FileChecker(source, name=name)
    if reader == "xml":
        return ForeignChecker(XmlReader(source, name=name).events(), name=name, syntax="xml")
    if reader == "edifact":
        events = EdifactReader(source, name=name).events()
        return ForeignChecker(events, name=name, syntax="edifact")
    return checker_for(source, name=name)


def coded(events: Iterable[Event], where: str) -> Iterator[Event]:
    """The events, each finding checked to carry a catalogued code and a message."""
    for event in events:
        for item in event.findings:
            if not isinstance(item, Finding) or item.kind is not KINDS.get(item.code):
                raise FuzzFindingError(f"{where}: a finding without a catalogued code: {item!r}")
            if not item.message:
                raise FuzzFindingError(f"{where}: a finding without a message: {item!r}")
        yield event


def acknowledge(events: Iterable[Event]) -> list[str]:
    """The X12 997 interchanges the events are owed, as `ebt ack` writes them."""
    acker = Acknowledger()
    out = []
    for event in events:
        answer = acker.feed(event)
        if answer is not None and (answer.acks or answer.ta1 is not None):
            out.append(ack_text(answer, control=len(out) + 1, when=WHEN))
    return out


def read_back(text: str, where: str) -> None:
    """Our own 997 read again: no exception, every finding coded, and no error but on a
    value it echoes from the inbound file."""
    events = FileChecker(io.BytesIO(text.encode("latin-1")), name="997").events()
    for event in coded(events, where):
        unechoed(event.findings, where)


def unechoed(found: Iterable[Finding], where: str) -> None:
    for item in found:
        at = item.location
        echoed = at.segment in ECHOED_SEGMENTS or at.element in ECHOED_ELEMENTS
        if item.is_error and not echoed:
            raise FuzzFindingError(f"{where}: our own 997 has {item.code}: {item.message}")


def one_input(data: bytes) -> None:
    reader = READERS[data[0] % len(READERS)] if data else "x12"
    body = data[1:]
    found = checker(reader, body)
    syntax = getattr(found, "syntax", "x12")
    events = list(coded(found.events(), f"{reader} read"))
    if syntax == "edifact":
        for report in reports(events):
            contrl_text(report, control=1, when=WHEN)
        return
    for text in acknowledge(events):
        read_back(text, f"{reader} 997")
        if syntax == "xml":
            as_xml(text)


def as_xml(text: str) -> None:
    """The 997 in XML, as `ebt ack` writes it for an XML file: it must translate clean."""
    written, outcome = translate(io.BytesIO(text.encode("latin-1")), to="xml", name="997")
    try:
        "".join(written)
    except NotWritableError:
        return  # documented: a value the XML form cannot carry
    unechoed(outcome.errors, "the 997 as XML")


def seed(folder: Path) -> None:
    """The bundled fixtures as the corpus, each behind the byte that picks its reader."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for reader in ("x12", "xml", "edifact"):
        for path in sorted(FIXTURES.glob(f"{reader}/*/*.{SUFFIX[reader]}")):
            data = path.read_bytes()
            first = READERS.index(reader)
            for byte in (first, READERS.index("sniffed")):
                (folder / f"{reader}-{byte}-{path.stem}").write_bytes(bytes([byte]) + data)
                count += 1
    print(f"wrote {count} inputs to {folder}")


def main(argv: list[str]) -> None:
    if len(argv) == 3 and argv[1] == "--seed":
        seed(Path(argv[2]))
        return
    tune_for_batch()
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)

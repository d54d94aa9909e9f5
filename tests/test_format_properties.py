"""Property: X12 → XML → EDIFACT → X12 keeps every field, over generated transactions of all
13 814 flavours (the generators of tests/test_properties.py), with values that need escaping
in XML (&, <, ") and the EDIFACT release character (', +, :, ?)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import FLAVOURS, WHEN, batches, write_file

from ebt.check import GroupStart, InterchangeStart, SetResult
from ebt.formats.detect import checker_for
from ebt.formats.translate import translate
from ebt.mapping.records import Transaction814
from ebt.syntax.separators import Separators

X12_SEPARATORS = Separators("*", ">", "~", "\n")
TRICKY = st.text(alphabet="'+:?&<\"", min_size=1, max_size=4)


def checked(data: bytes) -> tuple[list[Any], list[Any]]:
    """The envelope headers and records of a file of any syntax; no finding allowed."""
    events = list(checker_for(io.BytesIO(data), name="x").events())
    found = [f for e in events for f in e.findings]
    assert found == [], found
    headers = [
        e.interchange.isa if isinstance(e, InterchangeStart) else e.group.gs
        for e in events
        if isinstance(e, InterchangeStart | GroupStart)
    ]
    return headers, [e.record for e in events if isinstance(e, SetResult)]


def hop(data: bytes, to: str) -> bytes:
    pieces, outcome = translate(io.BytesIO(data), to=to)  # type: ignore[arg-type]
    text = "".join(pieces)
    assert outcome.errors == [], outcome.errors
    return text.encode("utf-8" if to == "xml" else "latin-1")


@st.composite
def tricky_batches(draw: st.DrawFn) -> list[tuple[Transaction814, str]]:
    """Batches whose names carry characters XML escapes and EDIFACT releases."""
    out = []
    for record, sender in draw(batches()):
        if record.customer_name is not None:
            record = replace(record, customer_name=record.customer_name + draw(TRICKY))
        if record.td_name is not None:
            record = replace(record, td_name=draw(TRICKY) + record.td_name)
        out.append((record, sender))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tricky_batches(), WHEN)
def test_x12_to_xml_to_edifact_to_x12_keeps_every_field(
    batch: list[tuple[Transaction814, str]], when: datetime
) -> None:
    x12 = write_file(batch, X12_SEPARATORS, when)
    headers, records = checked(x12)
    assert records == [record for record, _ in batch]
    xml = hop(x12, "xml")
    assert checked(xml) == (headers, records)
    edifact = hop(xml, "edifact")
    assert checked(edifact) == (headers, records)
    back = hop(edifact, "x12")
    assert checked(back) == (headers, records)
    assert back == x12  # and the X12 written is the X12 read, byte for byte


def test_every_flavour_is_generated() -> None:
    """The generator covers all 13 flavours the 814 guide lists."""
    assert len(FLAVOURS) == 13

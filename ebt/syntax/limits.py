"""How much of one piece of a file the readers take: past it, the piece is a finding.

A reader holds one piece of a file at a time (an X12 or EDIFACT segment, an XML transaction
or envelope header), so its memory is bounded by these limits and not by the file; what is
over a limit becomes a finding (SEGMENT-TOO-LONG, XML-LIMIT) naming the file and the place,
never a stall. The defaults are generous next to what the guides allow:

- a segment: 8 KiB. The longest segment the X12 004010 dictionary lets the 814, 824 and
  997 carry is LIN with all 31 elements, 804 characters; an 814 segment is rarely over 100.
  The EDIFACT form's segments are as short (`mappings/edifact/`).
- an XML part: 2 MiB read between two parts the reader handles (a transaction, or an
  interchange or group start tag). An 814 is about 1.5 KB; the largest 997 the X12 walker
  takes in one set (10,000 segments: about 4,900 sets answered) is about 0.7 MB in XML.
  libxml2 holds such a part as a tree, 50 to 100 times its size at worst (`<x/>` repeated).
- attributes on one XML element: 64; the schema's widest element, <interchange>, has 13.
- elements in one XML transaction: 100,000; that 997 has about 24,500.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_SEGMENT = 8 * 1024
MAX_XML_PART = 2 * 1024 * 1024
MAX_XML_ATTRIBUTES = 64
MAX_XML_ELEMENTS = 100_000


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """The limits one read goes by; `ReadLimits()` is the defaults above."""

    segment: int = MAX_SEGMENT  # characters of one X12 or EDIFACT segment, terminator excluded
    xml_part: int = MAX_XML_PART  # bytes of XML read between two handled parts
    xml_attributes: int = MAX_XML_ATTRIBUTES  # attributes on one XML element
    xml_elements: int = MAX_XML_ELEMENTS  # elements in one XML transaction, itself included

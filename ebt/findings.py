"""Findings: what is wrong with an inbound file, located and explained.

A bad file is normal business, so readers and validators never raise for bad input: they
return `Finding` values. Each finding kind has a stable code, a severity, the X12
acknowledgment codes it maps to (TA1, AK3, AK4, AK5, AK9) and a hint on what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class FindingKind:
    """One class of problem: its stable code and how acknowledgments report it."""

    code: str
    severity: Severity
    fix: str
    ta1: str | None = None  # TA105 interchange note code
    ak9: str | None = None  # AK905 functional group error code
    ak5: str | None = None  # AK502 transaction set error code
    ak3: str | None = None  # AK304 segment syntax error code
    ak4: str | None = None  # AK403 element syntax error code


def _kind(code: str, severity: Severity, fix: str, **ack: str) -> FindingKind:
    return FindingKind(code, severity, fix, **ack)


E, W = Severity.ERROR, Severity.WARNING

KINDS: dict[str, FindingKind] = {
    k.code: k
    for k in (
        # The file as a whole
        _kind("FILE-EMPTY", E, "Send the file again; it arrived with no content."),
        _kind("FILE-NOT-X12", E, "Send an ANSI X12 file that begins with an ISA segment."),
        _kind(
            "FILE-ENCODING",
            E,
            "Save the file as plain ASCII (X12 basic or extended "
            "character set), not UTF-16 or another encoding.",
        ),
        _kind("FILE-NON-ASCII", E, "Replace the non-ASCII byte with an ASCII character."),
        _kind("FILE-BOM", W, "Save the file without a byte-order mark."),
        _kind(
            "FILE-TRUNCATED",
            E,
            "The file ends in the middle of a segment: send it again "
            "complete, ending with IEA and the segment terminator.",
            ta1="023",
        ),
        _kind(
            "FILE-TRAILING-DATA",
            E,
            "Remove what follows the last IEA, or start it with an ISA segment.",
        ),
        # The interchange envelope (answered with a TA1)
        _kind(
            "ISA-WIDTH",
            E,
            "Pad every ISA element to its fixed width so that ISA is 106 "
            "characters including the segment terminator.",
            ta1="022",
        ),
        _kind(
            "ISA-SEPARATORS",
            E,
            "Use three different, non-alphanumeric characters for the "
            "element separator, ISA16 and the segment terminator.",
            ta1="026",
        ),
        _kind("ISA-VALUE", E, "Correct the ISA element named in the message.", ta1="024"),
        _kind(
            "ISA-DUPLICATE", E, "Give every interchange its own ISA13 control number.", ta1="025"
        ),
        _kind("IEA-MISSING", E, "End every interchange with an IEA segment.", ta1="023"),
        _kind("IEA-CONTROL", E, "Make IEA02 equal to ISA13.", ta1="001"),
        _kind(
            "IEA-COUNT",
            E,
            "Make IEA01 equal to the number of GS groups in the interchange.",
            ta1="021",
        ),
        _kind(
            "ENVELOPE-ORDER",
            E,
            "Nest the envelopes ISA > GS > ST..SE > GE > IEA.",
            ta1="024",
            ak3="2",
        ),
        _kind(
            "ISA06-CHANNEL",
            E,
            "Send your files from your own connection with one of your registered ids in "
            "ISA06 and GS02; ask the T&D to register any other id you use.",
            ta1="006",
            ak9="1",
        ),
        # The functional group (answered in AK9)
        _kind(
            "GS02-CHANNEL",
            E,
            "Put one of the sending partner's registered ids in GS02 (the same partner as "
            "ISA06 and the file's channel).",
            ak9="1",
        ),
        _kind("GS-VALUE", E, "Correct the GS element named in the message.", ak9="1"),
        _kind("GS-VERSION", E, "Send version 004010 in GS08.", ak9="2"),
        _kind("GE-MISSING", E, "End every functional group with a GE segment.", ak9="3"),
        _kind("GE-CONTROL", E, "Make GE02 equal to GS06.", ak9="4"),
        _kind(
            "GE-COUNT",
            E,
            "Make GE01 equal to the number of transaction sets in the group.",
            ak9="5",
        ),
        # The transaction set (answered in AK5)
        _kind(
            "ST-UNSUPPORTED",
            E,
            "Send only transaction sets this trading partnership uses (814, 824, 997).",
            ak5="1",
        ),
        _kind(
            "ST-GROUP-MISMATCH",
            E,
            "Put each transaction set in a functional group whose "
            "GS01 matches it (GE for 814, AG for 824, FA for 997).",
            ak5="6",
        ),
        _kind("ST-DUPLICATE", E, "Give every transaction set in a group its own ST02.", ak5="23"),
        _kind("SE-MISSING", E, "End every transaction set with an SE segment.", ak5="2"),
        _kind("SE-CONTROL", E, "Make SE02 equal to ST02.", ak5="3"),
        _kind(
            "SE-COUNT",
            E,
            "Make SE01 equal to the number of segments from ST to SE inclusive.",
            ak5="4",
        ),
        _kind(
            "GUIDE-NOT-IN-FORCE",
            E,
            "Check the group date (GS04): no implementation guide was in force on it.",
            ak5="1",
        ),
        _kind(
            "TRANSACTION-UNKNOWN",
            E,
            "Use a BGN01 and ASI01/ASI02 combination listed in the implementation guide.",
            ak5="5",
        ),
        # Segments (answered in AK3)
        _kind("SEGMENT-UNKNOWN", E, "Remove the segment or correct its id.", ak3="1"),
        _kind(
            "SEGMENT-NOT-IN-SET",
            E,
            "Remove the segment: it is not part of this transaction set.",
            ak3="6",
        ),
        _kind(
            "SEGMENT-NOT-USED",
            W,
            "The segment is valid ANSI X12 but this guide does not use it; it was ignored.",
            ak3="2",
        ),
        _kind("SEGMENT-ORDER", E, "Move the segment to its place in the guide's order.", ak3="7"),
        _kind("SEGMENT-MISSING", E, "Add the required segment.", ak3="3"),
        _kind(
            "SEGMENT-MAX-USE", E, "Send the segment no more often than the guide allows.", ak3="5"
        ),
        _kind("LOOP-MAX-USE", E, "Send the loop no more often than the guide allows.", ak3="4"),
        _kind(
            "SEGMENT-TOO-LONG",
            E,
            "Check the segment terminator the file uses (ISA position 106, or the UNA) and "
            "shorten the segment: no segment may be longer than the reader's limit (8,192 "
            "characters unless configured), and none in the guides comes near it.",
            ak3="8",
            ak4="5",
        ),
        # Elements (answered in AK4)
        _kind("ELEMENT-MISSING", E, "Fill in the required element.", ak3="8", ak4="1"),
        _kind(
            "ELEMENT-TOO-MANY",
            E,
            "Remove the extra elements at the end of the segment.",
            ak3="8",
            ak4="3",
        ),
        _kind(
            "ELEMENT-TOO-SHORT",
            E,
            "Lengthen the value to the element's minimum length.",
            ak3="8",
            ak4="4",
        ),
        _kind(
            "ELEMENT-TOO-LONG",
            E,
            "Shorten the value to the element's maximum length.",
            ak3="8",
            ak4="5",
        ),
        _kind(
            "ELEMENT-BAD-CHARACTER",
            E,
            "Use only characters allowed for the element's type.",
            ak3="8",
            ak4="6",
        ),
        _kind(
            "ELEMENT-CODE",
            E,
            "Use one of the codes the guide lists for this element.",
            ak3="8",
            ak4="7",
        ),
        _kind("ELEMENT-DATE", E, "Send a real calendar date as CCYYMMDD.", ak3="8", ak4="8"),
        _kind("ELEMENT-TIME", E, "Send a time as HHMM (24-hour clock).", ak3="8", ak4="9"),
        _kind(
            "ELEMENT-NOT-USED",
            W,
            "The guide does not use this element; it was ignored.",
            ak3="8",
            ak4="10",
        ),
        _kind(
            "SEGMENT-TRAILING-SEPARATOR",
            W,
            "Remove the element separators at the end of the segment: X12 does not send "
            "trailing empty elements.",
        ),
        # XML files (transactions/xml/ebt-1.0.xsd)
        _kind(
            "XML-MALFORMED",
            E,
            "Send well-formed XML: every element closed, attributes quoted, '&' and '<' in "
            "text written as &amp; and &lt;.",
            ta1="024",
        ),
        _kind(
            "XML-DTD",
            E,
            "Remove the DOCTYPE: DTDs, entity declarations and external references are "
            "refused; the schema is transactions/xml/ebt-1.0.xsd.",
            ta1="024",
        ),
        _kind(
            "XML-LIMIT",
            E,
            "Split the file or shorten the part named: the parser refuses elements nested over "
            "256 deep and a text node over 10 MB; the reader refuses a transaction (or what "
            "stands between two) over 2 MiB, a transaction of over 100,000 elements and an "
            "element with over 64 attributes (the defaults).",
            ta1="024",
        ),
        _kind(
            "XML-ROOT",
            E,
            'Start the document with <ebt xmlns="urn:ebt:transactions:1.0" version="1.0">.',
            ta1="024",
        ),
        _kind(
            "XML-SCHEMA",
            E,
            "Correct the element or attribute named in the message so that the file is valid "
            "against transactions/xml/ebt-1.0.xsd.",
            ak5="5",
        ),
        _kind(
            "XML-ENVELOPE",
            E,
            "Correct the interchange or group attribute named in the message (see "
            "transactions/xml/ebt-1.0.xsd).",
            ta1="024",
            ak9="1",
        ),
        # EDIFACT files (mappings/edifact/)
        _kind(
            "EDIFACT-UNA",
            E,
            "Send a UNA of exactly six service characters after 'UNA', all different, none a "
            "letter or digit, e.g. UNA:+.? '.",
            ta1="026",
        ),
        _kind(
            "EDIFACT-SYNTAX",
            E,
            "Send complete EDIFACT segments: every segment ends with the terminator, and a "
            "release character (?) is followed by the character it releases.",
            ta1="023",
        ),
        _kind(
            "EDIFACT-ENVELOPE",
            E,
            "Nest the envelopes UNB > UNG > UNH..UNT > UNE > UNZ, each with its required elements.",
            ta1="024",
            ak3="2",
        ),
        _kind("UNZ-MISSING", E, "End every interchange with a UNZ segment.", ta1="023"),
        _kind("UNZ-CONTROL", E, "Make UNZ02 equal to UNB05.", ta1="001"),
        _kind(
            "UNZ-COUNT",
            E,
            "Make UNZ01 equal to the number of groups (UNG) in the interchange.",
            ta1="021",
        ),
        _kind("UNE-MISSING", E, "End every group with a UNE segment.", ak9="3"),
        _kind("UNE-CONTROL", E, "Make UNE02 equal to UNG05.", ak9="4"),
        _kind("UNE-COUNT", E, "Make UNE01 equal to the number of messages in the group.", ak9="5"),
        _kind("UNT-MISSING", E, "End every message with a UNT segment.", ak5="2"),
        _kind("UNT-CONTROL", E, "Make UNT02 equal to UNH01.", ak5="3"),
        _kind(
            "UNT-COUNT",
            E,
            "Make UNT01 equal to the number of segments from UNH to UNT inclusive.",
            ak5="4",
        ),
        _kind(
            "UNH-MESSAGE",
            E,
            "Send a message type this mapping knows (UNH02: UTILMD for 814, APERAK for "
            "824, with association code EBT10).",
            ak5="1",
        ),
        _kind(
            "EDIFACT-SEGMENT",
            E,
            "Remove the segment or correct its tag and qualifier: the message's mapping in "
            "mappings/edifact/ does not have it.",
            ak3="1",
        ),
        _kind(
            "EDIFACT-VALUE",
            E,
            "Correct the value: it cannot be read as the type the mapping gives it "
            "(a date as CCYYMMDD, a number with the UNA decimal mark).",
            ak3="8",
            ak4="6",
        ),
        # Situational rules of the guide (named conditions)
        _kind(
            "RULE-REQUIRED", E, "Add what the guide requires in this situation.", ak3="3", ak4="2"
        ),
        _kind(
            "RULE-NOT-USED",
            E,
            "Remove what the guide does not allow in this situation.",
            ak3="2",
            ak4="10",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding is: the file, the control numbers and the segment."""

    file: str = ""
    interchange: str | None = None  # ISA13
    group: str | None = None  # GS06
    transaction: str | None = None  # ST02
    segment: str | None = None  # segment id, e.g. "REF"
    position: int | None = None  # position in the transaction set, ST = 1
    line: int | None = None  # segment number in the file, first ISA = 1
    element: str | None = None  # element reference, e.g. "REF02"
    loop: str | None = None  # loop id, e.g. "N1"
    # where in the file as received when it is not X12: an XML element with its line
    # ("<account> line 14"), an EDIFACT segment ("LOC+172, segment 9")
    origin: str | None = None

    def control_numbers(self) -> dict[str, str]:
        pairs = (
            ("interchange", self.interchange),
            ("group", self.group),
            ("transaction", self.transaction),
        )
        return {name: value for name, value in pairs if value is not None}


@dataclass(frozen=True, slots=True)
class Finding:
    """One located problem in an inbound file."""

    kind: FindingKind
    message: str
    location: Location = field(default_factory=Location)
    text: str | None = None  # the offending segment as received
    value: str | None = None  # the offending element value (AK404)
    element_position: int | None = None  # AK401: element position in its segment

    @property
    def code(self) -> str:
        return self.kind.code

    @property
    def severity(self) -> Severity:
        return self.kind.severity

    @property
    def is_error(self) -> bool:
        return self.kind.severity is Severity.ERROR

    @property
    def fix(self) -> str:
        return self.kind.fix

    def at(self, **where: str | int | None) -> Finding:
        """The same finding with more of its location filled in."""
        return replace(self, location=replace(self.location, **where))  # type: ignore[arg-type]


def a_or_an(phrase: str) -> str:
    """The phrase with its indefinite article: "an enrollment request", "an 814", "a 997"."""
    first = phrase.lower()
    vowel_sound = first[:1] in "aeiou" or first.startswith(("8", "11", "18"))
    return f"{'an' if vowel_sound else 'a'} {phrase}"


def count_of(number: int, noun: str) -> str:
    """ "1 character", "2 characters"."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def finding(
    code: str,
    message: str,
    location: Location | None = None,
    *,
    text: str | None = None,
    value: str | None = None,
    element_position: int | None = None,
) -> Finding:
    """Make a finding of a catalogued kind; an unknown code is a bug, so it raises."""
    return Finding(
        KINDS[code],
        message,
        location or Location(),
        text=text,
        value=value,
        element_position=element_position,
    )

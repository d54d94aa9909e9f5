"""The separator set of an X12 interchange, read from its fixed-width ISA segment."""

from __future__ import annotations

from dataclasses import dataclass

from ebt.findings import Finding, Location, finding

ISA_LENGTH = 106  # "ISA" + 16 elements + 16 separators + the segment terminator
# Where the element separator stands in a fixed-width ISA (0-based character offsets).
ISA_SEPARATOR_OFFSETS = (3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103)
COMPONENT_OFFSET = 104
TERMINATOR_OFFSET = 105
LINE_ENDINGS = "\r\n"


@dataclass(frozen=True, slots=True)
class Separators:
    """Element separator, sub-element (component) separator, segment terminator, and the
    line ending that follows each terminator ("" when segments run on)."""

    element: str = "*"
    component: str = ">"
    segment: str = "~"
    suffix: str = "\n"

    @property
    def terminator(self) -> str:
        """The segment terminator with its line ending, as written after every segment."""
        return self.segment + self.suffix

    def problems(self) -> list[str]:
        roles = {
            "element separator": self.element,
            "ISA16 sub-element separator": self.component,
            "segment terminator": self.segment,
        }
        out = [
            f"the {role} {char!r} is a letter or digit"
            for role, char in roles.items()
            if char.isalnum()
        ]
        if len(set(roles.values())) < len(roles):
            out.append(
                "two of the separators are the same character "
                f"(element {self.element!r}, ISA16 {self.component!r}, "
                f"terminator {self.segment!r})"
            )
        return out


@dataclass(frozen=True, slots=True)
class IsaHead:
    """What the start of an interchange says about its separators, and how long the ISA is."""

    separators: Separators
    length: int  # characters of ISA including its terminator and line ending
    findings: tuple[Finding, ...]


def _line_ending(text: str, start: int, terminator: str) -> str:
    if terminator in LINE_ENDINGS:
        return "\n" if terminator == "\r" and text[start : start + 1] == "\n" else ""
    end = start
    while end < len(text) and text[end] in LINE_ENDINGS and end - start < 2:
        end += 1
    return text[start:end]


def read_isa(text: str, where: Location) -> IsaHead | Finding:
    """Read the separators from an ISA at the start of `text`.

    A fixed-width ISA gives them by position. A padded-wrong ISA is recovered by counting
    element separators (with an ISA-WIDTH finding); what cannot be recovered is a finding.
    """
    element = text[3:4]
    if not element:
        return finding("FILE-TRUNCATED", "The file ends inside the ISA segment.", where)
    found: list[Finding] = []
    if _is_fixed_width(text, element):
        component, segment = text[COMPONENT_OFFSET], text[TERMINATOR_OFFSET]
        end = TERMINATOR_OFFSET + 1
    else:
        recovered = _recover_isa(text, element)
        if recovered is None and len(text) < ISA_LENGTH:
            return finding(
                "FILE-TRUNCATED", "The file ends inside the ISA segment.", where, text=text
            )
        if recovered is None:
            return finding(
                "ISA-WIDTH",
                "The ISA segment is not 106 characters and its sixteen elements could not be "
                f"found with the element separator {element!r} (the 4th character).",
                where,
                text=text[:ISA_LENGTH],
            )
        component, segment, end = recovered
        found.append(
            finding(
                "ISA-WIDTH",
                f"The ISA segment is {end} characters, not 106: an element is not padded to its "
                "fixed width. Separators were read by counting elements.",
                where,
                text=text[:end],
            )
        )
    seps = Separators(element, component, segment, _line_ending(text, end, segment))
    problems = seps.problems()
    if problems and found:
        return finding(
            "ISA-WIDTH",
            "The ISA segment is not 106 characters and does not have sixteen elements, so its "
            "separators cannot be found: " + "; ".join(problems) + ".",
            where,
            text=text[:end],
        )
    if problems:
        return finding(
            "ISA-SEPARATORS",
            "The ISA separators cannot be used: " + "; ".join(problems) + ".",
            where,
            text=text[:end],
        )
    return IsaHead(seps, end + len(seps.suffix), tuple(found))


def _is_fixed_width(text: str, element: str) -> bool:
    if len(text) <= TERMINATOR_OFFSET or text[TERMINATOR_OFFSET].isalnum():
        return False
    if text.count(element, 0, COMPONENT_OFFSET) != len(ISA_SEPARATOR_OFFSETS):
        return False
    return all(text[i] == element for i in ISA_SEPARATOR_OFFSETS)


def _recover_isa(text: str, element: str) -> tuple[str, str, int] | None:
    """Find ISA16 and the terminator after the 16th element separator."""
    pos = 0
    for _ in ISA_SEPARATOR_OFFSETS:
        pos = text.find(element, pos) + 1
        if pos == 0 or pos > 400:
            return None
    if pos + 1 >= len(text):
        return None
    return text[pos], text[pos + 1], pos + 2

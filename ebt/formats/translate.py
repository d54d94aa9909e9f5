"""Translate a file from any of the three syntaxes into any other, streamed.

The input goes through the same checks as `ebt validate` (X12 guide, envelopes, XSD or
EDIFACT envelopes); a file with errors is not translated, and the findings say why. The
records written are the ones the checks read, so a translation keeps every field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, Literal

from ebt.findings import Finding
from ebt.formats.detect import checker_for
from ebt.formats.model import Event
from ebt.formats.x12_form import from_checks, write_x12

Target = Literal["x12", "xml", "edifact"]


def writer(to: Target) -> Callable[[Iterable[Event]], Iterator[str]]:
    """The writer of a syntax (lxml, xmlschema and pydifact are imported only when needed)."""
    if to == "xml":
        from ebt.formats.xml_writer import write_xml

        return write_xml
    if to == "edifact":
        from ebt.formats.edifact_writer import write_edifact

        return write_edifact
    return write_x12


@dataclass(slots=True)
class Translation:
    """The findings of the input (its errors stop the translation)."""

    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)


def translate(source: BinaryIO, *, to: Target, name: str = "") -> tuple[Iterator[str], Translation]:
    """The text of the translation, piece by piece, and what was found on the way. Pieces
    stop at the first error: write them to a temporary file and keep it only when
    `errors` is empty at the end."""
    outcome = Translation()
    checker = checker_for(source, name=name)

    def watched() -> Iterator[Event]:
        for event in from_checks(checker.events()):
            for item in event.findings:
                (outcome.errors if item.is_error else outcome.warnings).append(item)
            if outcome.errors:
                return
            yield event

    return writer(to)(watched()), outcome

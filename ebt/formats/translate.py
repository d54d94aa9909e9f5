"""Translate a file from any of the three syntaxes into any other, streamed.

The input goes through the same checks as `ebt validate` (X12 guide, envelopes, XSD or
EDIFACT envelopes); a file with errors is not translated, and the findings say why. The
records written are the ones the checks read, so a translation keeps every field.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, Literal

from ebt.findings import Finding
from ebt.formats.detect import checker_for
from ebt.formats.edifact_writer import write_edifact
from ebt.formats.model import Event
from ebt.formats.x12_form import from_checks, write_x12
from ebt.formats.xml_writer import write_xml

Target = Literal["x12", "xml", "edifact"]
WRITERS = {"x12": write_x12, "xml": write_xml, "edifact": write_edifact}


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

    return WRITERS[to](watched()), outcome

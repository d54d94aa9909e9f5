"""The code catalogue: every code a person meets, with its meaning, from one place.

`transactions/codes.json` names the lists and says where each lives. A list is read from
its home — an implementation guide's code list (REF*7G rejection and REF*1P status reasons,
the 997's AK3/AK4/AK5/AK9 codes, the 824's OTI and TED codes), the envelope's, or the findings
catalogue (`ebt.findings.KINDS`) — and kept in codes.json only when it has no other home
(the TA1 codes, the codes the sweeps record). So each meaning has one copy, versioned with
the guide that uses it, and whatever shows a code to a person asks here.

Each code says where it comes from, as domain.md tags facts: [X12], [UIG], [ME] or
[PROJECT]. A list gives its usual source; a meaning may start with its own tag
(`"MRC": "[PROJECT] the meter cannot support ..."` in the 814 guide).

A finding's meaning is told from what `ebt/findings.py` says of it: its severity, the TA1 or
997 codes it is acknowledged with (and their meanings), and its fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from ebt.data.guides import default_guidebook
from ebt.findings import KINDS, FindingKind
from ebt.guides.loader import GuideBook
from ebt.resources import data_path


class Source(StrEnum):
    """Where a code comes from, as domain.md tags facts."""

    X12 = "X12"  # the ASC X12 code lists
    UIG = "UIG"  # the UIG 4010 family of guides
    ME = "ME"  # Maine's own standards
    PROJECT = "PROJECT"  # this project's convention


class CatalogueError(ValueError):
    """The catalogue's data is inconsistent: a configuration error, not bad input."""


@dataclass(frozen=True, slots=True)
class Code:
    """One code of one list, with its meaning. Findings also carry their severity, fix and
    the acknowledgment codes they are reported with, as (list kind, code) pairs."""

    kind: str
    code: str
    meaning: str
    source: Source
    severity: str | None = None
    fix: str | None = None
    acknowledged_as: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class CodeList:
    """A list of codes: its kind (the name `ebt codes --kind` takes), a title, the element
    it fills, its usual source and where it is kept."""

    kind: str
    title: str
    element: str
    source: Source
    kept_in: tuple[str, ...]
    codes: Mapping[str, Code]


# A finding's acknowledgment codes (FindingKind fields) and the lists they come from, in the
# order a 997 nests them.
FINDING_ACKS: tuple[tuple[str, str], ...] = (
    ("ta1", "ta1-note"),
    ("ak9", "ak9-error"),
    ("ak5", "ak5-error"),
    ("ak3", "ak3"),
    ("ak4", "ak4"),
)
ACK_LABELS = {
    "ta1-note": "TA105",
    "ak9-error": "AK9",
    "ak5-error": "AK5",
    "ak3": "AK3",
    "ak4": "AK4",
}
TAGGED = re.compile(r"^\[(X12|UIG|ME|PROJECT)\]\s*")


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Every list, by kind, in the catalogue's order."""

    lists: Mapping[str, CodeList]

    def find(self, code: str, kind: str | None = None) -> list[Code]:
        """Every entry for `code` (any case), in every list or in the list `kind`."""
        wanted = code.strip().upper()
        chosen = [self.list(kind)] if kind else list(self.lists.values())
        return [c for cl in chosen for key, c in cl.codes.items() if key.upper() == wanted]

    def list(self, kind: str) -> CodeList:
        """The list of this kind; an unknown kind raises KeyError naming the known ones."""
        found = self.lists.get(kind)
        if found is None:
            raise KeyError(f"no code list {kind!r}; the kinds are {', '.join(self.lists)}")
        return found

    def meaning(self, kind: str, code: str | None) -> str | None:
        """The code's meaning in the list `kind`, or None when it is not listed."""
        found = self.lists[kind].codes.get(code or "")
        return None if found is None else found.meaning

    def label(self, kind: str, code: str) -> str:
        """The code with its meaning for a person: `A13 (other)`; a code the list does not
        have says so: `XYZ (not in the rejection reason list)`."""
        meaning = self.meaning(kind, code)
        if meaning is None:
            return f"{code} (not in the {self.lists[kind].title} list)"
        return f"{code} ({meaning})"

    def counted(self, kind: str, counts: Mapping[str, int]) -> str:
        """Counts of codes for a summary: `A13 (other) 1, UND (cannot identify the
        supplier) 1`, by code."""
        return ", ".join(f"{self.label(kind, code)} {n}" for code, n in sorted(counts.items()))


def _tagged(meaning: str, default: Source) -> tuple[str, Source]:
    """A meaning without its leading tag, and the tag (the list's source when it has none)."""
    match = TAGGED.match(meaning)
    if match is None:
        return meaning, default
    return meaning[match.end() :], Source(match.group(1))


def _guide_codes(book: GuideBook, set_id: str, name: str, where: str) -> dict[str, str]:
    """A guide's code list over all its versions (a later version's meaning wins), so that
    a code stored under an older guide keeps its meaning."""
    versions = book.guides.get(set_id)
    if not versions:
        raise CatalogueError(f"{where}: there is no {set_id} guide")
    merged: dict[str, str] = {}
    for guide in versions:
        merged.update(guide.code_lists.get(name, {}))
    if not merged:
        raise CatalogueError(f"{where}: no {set_id} guide has a code list {name!r}")
    return merged


def _finding_code(kind: FindingKind, known: Mapping[str, CodeList]) -> tuple[str, Code]:
    acks = tuple(
        (list_kind, value)
        for field, list_kind in FINDING_ACKS
        if (value := getattr(kind, field)) is not None
    )
    for list_kind, _ in acks:
        if list_kind not in known:
            raise CatalogueError(
                f"the finding list comes before the {list_kind} list its codes refer to"
            )
    for list_kind, value in acks:
        if value not in known[list_kind].codes:
            raise CatalogueError(
                f"ebt/findings.py: {kind.code} is acknowledged with {ACK_LABELS[list_kind]} "
                f"{value!r}, which the {known[list_kind].title} list does not have"
            )
    told = ", ".join(f"{ACK_LABELS[k]} {v} ({known[k].codes[v].meaning})" for k, v in acks)
    meaning = f"{kind.severity.value}" + (f"; acknowledged as {told}" if told else "")
    code = Code("finding", kind.code, meaning, Source.PROJECT, kind.severity.value, kind.fix, acks)
    return kind.code, code


class _Builder:
    """Reads codes.json's lists in order; a later list may refer to an earlier one (the
    findings refer to the TA1 and 997 lists)."""

    def __init__(self, book: GuideBook, envelope_lists: Mapping[str, Mapping[str, str]]):
        self.book = book
        self.envelope_lists = envelope_lists
        self.lists: dict[str, CodeList] = {}

    def add(self, raw: Mapping[str, Any], where: str) -> None:
        kind = str(raw["kind"])
        if kind in self.lists:
            raise CatalogueError(f"{where}: the kind {kind!r} is listed twice")
        if raw["source"] not in list(Source):
            raise CatalogueError(
                f"{where}: source {raw['source']!r} is not one of {', '.join(Source)}"
            )
        source = Source(raw["source"])
        codes: dict[str, Code] = {}
        kept: list[str] = []
        for origin in raw.get("from", []):
            found, home = self._read(origin, where)
            kept.append(home)
            for code, item in found.items():
                _put(codes, _made(kind, code, item, source), where)
        if "codes" in raw:
            kept.append("transactions/codes.json")
            for code, item in raw["codes"].items():
                _put(codes, _made(kind, code, item, source), where)
        if not codes:
            raise CatalogueError(f"{where}: the list {kind!r} has no codes")
        title, element = str(raw["title"]), str(raw["element"])
        self.lists[kind] = CodeList(kind, title, element, source, tuple(kept), codes)

    def _read(self, origin: Mapping[str, str], where: str) -> tuple[Mapping[str, Any], str]:
        if "guide" in origin:
            set_id, name = origin["guide"], origin["list"]
            return _guide_codes(self.book, set_id, name, where), f"{set_id} guide: {name}"
        if "envelope" in origin:
            name = origin["envelope"]
            if name not in self.envelope_lists:
                raise CatalogueError(f"{where}: the envelope has no code list {name!r}")
            return self.envelope_lists[name], f"envelope-004010.json: {name}"
        if "findings" in origin:
            return dict(_finding_code(k, self.lists) for k in KINDS.values()), "ebt/findings.py"
        raise CatalogueError(f"{where}: 'from' names a guide, the envelope or the findings")


def _made(kind: str, code: str, item: Any, source: Source) -> Code:
    """A code from its home: a Code already, a meaning (perhaps tagged), or for a finding
    kept in codes.json an object with its meaning, severity and fix."""
    if isinstance(item, Code):
        return item
    if isinstance(item, Mapping):
        text, tag = _tagged(str(item["meaning"]), source)
        return Code(kind, code, text, tag, item.get("severity"), item.get("fix"))
    text, tag = _tagged(str(item), source)
    return Code(kind, code, text, tag)


def _put(codes: dict[str, Code], made: Code, where: str) -> None:
    """Add a code; the same code from two homes must mean the same."""
    earlier = codes.get(made.code)
    if earlier is not None and earlier.meaning != made.meaning:
        raise CatalogueError(
            f"{where}: {made.kind} {made.code} means {earlier.meaning!r} in one place and "
            f"{made.meaning!r} in another"
        )
    codes[made.code] = made


def load_catalogue(path: Path | None = None, book: GuideBook | None = None) -> Catalogue:
    """Read codes.json and every list it names; a mistake is a CatalogueError."""
    path = path or data_path("transactions") / "codes.json"
    book = book or default_guidebook()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        envelope = json.loads((path.parent / "envelope-004010.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CatalogueError(f"{path}: {error}") from error
    builder = _Builder(book, envelope.get("code_lists", {}))
    for index, item in enumerate(raw["lists"]):
        try:
            builder.add(item, f"{path}: lists[{index}]")
        except (KeyError, TypeError) as error:
            raise CatalogueError(f"{path}: lists[{index}]: {error!r}") from error
    return Catalogue(builder.lists)


@cache
def default_catalogue() -> Catalogue:
    """The bundled catalogue, loaded once per process."""
    return load_catalogue()


def codes_of(catalogue: Catalogue, kinds: Iterable[str] | None = None) -> list[Code]:
    """Every code of the lists `kinds` (all lists when None), list by list."""
    chosen = [catalogue.list(k) for k in kinds] if kinds is not None else catalogue.lists.values()
    return [code for cl in chosen for code in cl.codes.values()]

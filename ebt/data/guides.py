"""Read the element dictionary, the envelope rules and the guides from `transactions/`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ebt.data.files import read_json
from ebt.guides.loader import (
    Dictionary,
    Envelope,
    GuideBook,
    GuideError,
    build_dictionary,
    build_envelope,
    build_guide,
    build_guidebook,
)
from ebt.guides.model import Guide
from ebt.resources import data_path


def load_dictionary(path: Path) -> Dictionary:
    return build_dictionary(read_json(path, GuideError), str(path))


def load_envelope(path: Path, dictionary: Dictionary) -> Envelope:
    return build_envelope(read_json(path, GuideError), dictionary, str(path))


def load_guide(path: Path, dictionary: Dictionary) -> Guide:
    return build_guide(read_json(path, GuideError), dictionary, str(path))


def load_guidebook(folder: Path | None = None) -> GuideBook:
    """Read the dictionary, envelope rules and every guide under `folder` (the bundled
    `transactions/` by default)."""
    root = folder or data_path("transactions")
    dictionary = load_dictionary(root / "x12-004010.json")
    envelope = load_envelope(root / "envelope-004010.json", dictionary)
    guides = [load_guide(path, dictionary) for path in sorted((root / "guides").glob("*.json"))]
    return build_guidebook(dictionary, envelope, guides)


@cache
def default_guidebook() -> GuideBook:
    """The bundled guides, loaded once per process."""
    return load_guidebook()

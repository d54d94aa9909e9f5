"""Read the record ↔ guide mappings from `mappings/` and compile them against their guides."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path

from ebt.data.guides import default_guidebook
from ebt.guides.loader import GuideBook
from ebt.guides.model import Guide
from ebt.mapping.mapper import MappingError, SetMapping, build_mapping
from ebt.resources import data_path


def load_mapping(path: Path, guide: Guide) -> SetMapping:
    """Read one mapping file and compile it against `guide`; MappingError names the file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise MappingError(f"{path}: {error!r}") from error
    return build_mapping(raw, guide, str(path))


@cache
def mapping_for(guide: Guide, folder: Path | None = None) -> SetMapping:
    """The mapping of `guide`'s set, compiled against that guide version."""
    root = folder or data_path("mappings")
    return load_mapping(root / f"{guide.set_id}.json", guide)


def guidebook_mapping(book: GuideBook | None, set_id: str, on: date | None) -> SetMapping:
    """The mapping for `set_id` under the guide in force on `on`."""
    guide = (book or default_guidebook()).guide_for(set_id, on)
    if guide is None:
        raise MappingError(f"no {set_id} guide is in force on {on}")
    return mapping_for(guide)

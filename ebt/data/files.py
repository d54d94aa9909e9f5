"""Reading one JSON data file, its faults told as the caller's configuration error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_json(path: Path, error: type[ValueError]) -> Any:
    """The parsed content of `path`; a file that cannot be read or is not JSON raises
    `error` with the path and what is wrong."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as fault:
        raise error(f"{path}: {fault}") from fault

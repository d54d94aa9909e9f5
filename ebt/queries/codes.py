"""What a code means, for the console and the CLI views: one function to ask, over the code
catalogue (`ebt.codes`, transactions/codes.json)."""

from __future__ import annotations

from ebt.codes import default_catalogue

#: the console's names for the catalogue's lists
_KINDS = {"rejection": "reject", "status": "status", "change": "change", "finding": "finding"}


def meaning(kind: str, code: str | None) -> str | None:
    """The meaning of `code` in the list `kind` (`rejection`, `status`, `change`, `finding`,
    or any kind the catalogue has: `ak9`, `ta1-note`...), or None when it is not listed."""
    if code is None:
        return None
    try:
        return default_catalogue().meaning(_KINDS.get(kind, kind), code)
    except KeyError:
        return None

"""What a code means, for the console and the CLI views: one function to ask.

REF*7G rejection reasons and REF*1P status reasons come from the 814 guide's code lists
(transactions/guides/814-3.0.json) for now, finding codes from the finding catalogue
(ebt/findings.py). A code catalogue kept as data is coming (the operations issue): when it
lands, `meaning` is the one place to point at it.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from ebt.findings import KINDS
from ebt.guides.loader import default_guidebook

#: which code list of the 814 guide answers for each kind of code
_LISTS = {"rejection": "rejection_reason", "status": "status_reason", "change": "change_reason"}

AK5_STATUS = {"A": "accepted", "E": "accepted with errors", "R": "rejected"}
AK9_STATUS = {
    "A": "accepted",
    "E": "accepted with errors",
    "P": "partially accepted",
    "R": "rejected",
}


def meaning(kind: str, code: str | None, on: date | None = None) -> str | None:
    """The meaning of `code` of `kind` (`rejection`, `status`, `change`, `finding`, `ak9`),
    or None when it is not known."""
    if code is None:
        return None
    if kind == "finding":
        found = KINDS.get(code)
        return found.fix if found else None
    if kind == "ak9":
        return AK9_STATUS.get(code)
    return _guide_lists(on or date.today()).get(kind, {}).get(code)


@cache
def _guide_lists(on: date) -> dict[str, dict[str, str]]:
    guide = default_guidebook().guide_for("814", on)
    if guide is None:
        return {}
    return {kind: dict(guide.code_lists.get(name, {})) for kind, name in _LISTS.items()}

"""Every registry of handlers the market keeps, checked against the tables whose outcomes
pick them: the CES requests' (`requests.REQUESTS`), the move's (`moves.MOVES`) and the
landlord reversion's (`tenancy.REVERSIONS`). The rule book is checked when it loads
(`ebt.data.market.load_rules`), so a table that can end where no handler waits is refused
before any request is decided."""

from __future__ import annotations

from ebt.market.moves import MOVES
from ebt.market.requests import check_requests
from ebt.market.tenancy import REVERSIONS
from ebt.rules.tables import RuleBook


def check_handlers(rulebook: RuleBook) -> None:
    """Raise RuleError when a table and its handlers disagree."""
    check_requests(rulebook)
    MOVES.check(rulebook)
    REVERSIONS.check(rulebook)

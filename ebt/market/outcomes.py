"""Every outcome a decision table may end in, defined once: the tables that may reach it and,
for a request accepted with it, the process it becomes. The rule loader refuses a table that
ends anywhere else; the deciders' handler registries are checked against it
(`TableHandlers.check`, `ebt.market.handlers`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from ebt.market.vocabulary import ProcessKind
from ebt.rules.tables import RuleBook, RuleError

H = TypeVar("H")


@dataclass(frozen=True, slots=True)
class Outcome:
    name: str
    tables: frozenset[str]  # the tables that may end in it; empty: any table
    process: ProcessKind | None = None  # what an accepted request becomes


def _outcome(name: str, *tables: str, process: ProcessKind | None = None) -> Outcome:
    return Outcome(name, frozenset(tables), process)


OUTCOMES: Mapping[str, Outcome] = {
    o.name: o
    for o in (
        _outcome("reject"),
        _outcome("enroll", "enrollment", process=ProcessKind.ENROLLMENT),
        _outcome("switch", "enrollment", process=ProcessKind.SWITCH),
        _outcome("drop_on_cycle", "drop", process=ProcessKind.DROP),
        _outcome("drop_off_cycle", "drop", process=ProcessKind.DROP),
        _outcome("change", "change", process=ProcessKind.CHANGE),
        _outcome("reinstate", "reinstatement", process=ProcessKind.REINSTATEMENT),
        _outcome(
            "return_to_standard_offer",
            "return_to_standard_offer",
            process=ProcessKind.RETURN_TO_STANDARD_OFFER,
        ),
        _outcome("move", "move", process=ProcessKind.MOVE),
        _outcome("final_move", "move", process=ProcessKind.MOVE),
        _outcome("seamless_move", "move", process=ProcessKind.MOVE),
        _outcome("revert", "landlord_reversion"),
        _outcome("no_reversion", "landlord_reversion"),
        _outcome("refer", "landlord_reversion"),
        # a utility's policy, kept as tables: which fee an off-cycle drop costs (the
        # parameter off_cycle_fee_<outcome>) and on which day a drop takes effect
        _outcome("prorated", "off_cycle_fee"),
        _outcome("actual_read", "off_cycle_fee"),
        _outcome("actual_read_smart", "off_cycle_fee"),
        _outcome("requested_read", "drop_date_on_cycle"),
        _outcome("first_eligible_read", "drop_date_on_cycle"),
        _outcome("requested_date", "drop_date_off_cycle"),
        _outcome("earliest_date", "drop_date_off_cycle"),
    )
}


def outcomes_by_table() -> dict[str, set[str] | None]:
    """For the rule loader: each outcome and the tables that may end in it (None: any)."""
    return {name: set(o.tables) or None for name, o in OUTCOMES.items()}


@dataclass(frozen=True, slots=True)
class TableHandlers(Generic[H]):
    """What a process does for each outcome of its table (the T&D's `move` and
    `landlord_reversion` tables): one handler per outcome, held in an explicit registry."""

    table: str
    handlers: Mapping[str, H]

    def check(self, rulebook: RuleBook) -> None:
        """Every outcome every version of the table can end in has a handler, and every
        handler an outcome; raise RuleError otherwise."""
        for table in rulebook.versions(self.table):
            ends = {o.name for o in table.outcomes()}
            if ends != set(self.handlers):
                raise RuleError(
                    f"table {table.name} {table.version} ends in {sorted(ends)}, but its "
                    f"handlers are for {sorted(self.handlers)}"
                )

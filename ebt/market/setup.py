"""Assemble what decisions need: the rule book, the parameters and calendar in force."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from ebt.calendar import MaineCalendar
from ebt.guides.loader import default_guidebook
from ebt.market.decider import Market
from ebt.market.move_rules import MOVE_PREDICATES, REVERSION_PREDICATES
from ebt.market.predicates import PREDICATES
from ebt.resources import data_path
from ebt.rules.parameters import load_parameter_book
from ebt.rules.tables import RuleBook, load_rulebook

OUTCOMES: dict[str, set[str] | None] = {
    "reject": None,
    "enroll": {"enrollment"},
    "switch": {"enrollment"},
    "drop_on_cycle": {"drop"},
    "drop_off_cycle": {"drop"},
    "change": {"change"},
    "reinstate": {"reinstatement"},
    "return_to_standard_offer": {"return_to_standard_offer"},
    "move": {"move"},
    "final_move": {"move"},
    "seamless_move": {"move"},
    "revert": {"landlord_reversion"},
    "no_reversion": {"landlord_reversion"},
    "refer": {"landlord_reversion"},
}


def rejection_codes(on: date) -> set[str]:
    guide = default_guidebook().guide_for("814", on)
    return set(guide.code_lists["rejection_reason"]) if guide else set()


def load_rules(on: date) -> RuleBook:
    every: dict[str, Callable[[Any], bool]] = {
        **PREDICATES,
        **MOVE_PREDICATES,
        **REVERSION_PREDICATES,
    }
    return load_rulebook(
        data_path("rules"), predicates=every, outcomes=OUTCOMES, codes=rejection_codes(on)
    )


def load_market(now: datetime) -> Market:
    today = now.date()
    return Market(
        rulebook=load_rules(today),
        parameters=load_parameter_book(data_path("rules")).parameters_for(today),
        calendar=MaineCalendar(),
        today=today,
        now=now,
    )

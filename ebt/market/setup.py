"""Assemble what decisions need: the rule book, the parameters and calendar in force."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from ebt.calendar import MaineCalendar
from ebt.guides.loader import default_guidebook
from ebt.market.move_rules import MOVE_PREDICATES, REVERSION_PREDICATES
from ebt.market.outcomes import outcomes_by_table
from ebt.market.predicates import PREDICATES
from ebt.market.reference import Market
from ebt.market.requests import check_requests
from ebt.resources import data_path
from ebt.rules.parameters import load_parameter_book
from ebt.rules.tables import RuleBook, load_rulebook


def rejection_codes(on: date) -> set[str]:
    guide = default_guidebook().guide_for("814", on)
    return set(guide.code_lists["rejection_reason"]) if guide else set()


def load_rules(on: date) -> RuleBook:
    every: dict[str, Callable[[Any], bool]] = {
        **PREDICATES,
        **MOVE_PREDICATES,
        **REVERSION_PREDICATES,
    }
    rulebook = load_rulebook(
        data_path("rules"),
        predicates=every,
        outcomes=outcomes_by_table(),
        codes=rejection_codes(on),
    )
    check_requests(rulebook)  # every outcome a request table can end in has its handler
    return rulebook


def load_market(now: datetime) -> Market:
    today = now.date()
    return Market(
        rulebook=load_rules(today),
        parameters=load_parameter_book(data_path("rules")).parameters_for(today),
        calendar=MaineCalendar(),
        today=today,
        now=now,
    )

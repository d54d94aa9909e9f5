"""Assemble what decisions need from the bundled data: the rule book checked against the
market's predicates, outcomes and handlers, the parameters and calendar in force, the guides
and mappings the answers are written with; and draft rules read for `ebt replay`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ebt.calendar import MaineCalendar
from ebt.data.guides import default_guidebook
from ebt.data.mappings import mapping_for
from ebt.data.rules import load_parameter_book, load_parameters, load_rulebook, load_table
from ebt.market.handlers import check_handlers
from ebt.market.move_rules import MOVE_PREDICATES, REVERSION_PREDICATES
from ebt.market.outcomes import outcomes_by_table
from ebt.market.predicates import PREDICATES
from ebt.market.reference import Market
from ebt.market.requests import check_requests
from ebt.resources import data_path
from ebt.rules.parameters import Parameters
from ebt.rules.tables import PARAMETERS_PREFIX, RuleBook, RuleError, Table, Vocabulary


def rejection_codes(on: date) -> set[str]:
    guide = default_guidebook().guide_for("814", on)
    return set(guide.code_lists["rejection_reason"]) if guide else set()


def every_predicate() -> dict[str, Callable[[Any], bool]]:
    return {**PREDICATES, **MOVE_PREDICATES, **REVERSION_PREDICATES}


def vocabulary(on: date) -> Vocabulary:
    """What the market's tables may name (a draft table is checked against it too)."""
    outcomes = outcomes_by_table()
    return Vocabulary(
        predicates=frozenset(every_predicate()),
        outcomes={k: None if v is None else frozenset(v) for k, v in outcomes.items()},
        codes=frozenset(rejection_codes(on)),
        coded_outcomes=frozenset({"reject"}),
    )


def load_rules(on: date) -> RuleBook:
    rulebook = load_rulebook(
        data_path("rules"),
        predicates=every_predicate(),
        outcomes=outcomes_by_table(),
        codes=rejection_codes(on),
    )
    check_handlers(rulebook)  # every outcome a table can end in has its handler
    return rulebook


def load_draft(path: Path, on: date) -> tuple[dict[str, Table], Parameters | None]:
    """Draft rules: a table file, a parameters file, or a folder of them, each checked as
    the bundled ones are (RuleError naming the file and what is wrong)."""
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    if not files:
        raise RuleError(f"{path}: no rule files (<table>-<version>.json, parameters-<v>.json)")
    tables: dict[str, Table] = {}
    parameters = None
    for file in files:
        if file.name.startswith(PARAMETERS_PREFIX):
            parameters = load_parameters(file)
        else:
            table = load_table(file, vocabulary(on))
            tables[table.name] = table
    if tables:
        check_requests(RuleBook(MappingProxyType({n: (t,) for n, t in tables.items()})), draft=True)
    return tables, parameters


def load_market(now: datetime) -> Market:
    today = now.date()
    return Market(
        rulebook=load_rules(today),
        parameters=load_parameter_book(data_path("rules")).parameters_for(today),
        calendar=MaineCalendar(),
        today=today,
        now=now,
        guides=default_guidebook(),
        mappings=mapping_for,
    )

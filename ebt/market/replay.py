"""Decisions evaluated again from the facts they recorded, under other rules: the tables and
parameters in force then, in force now, or a draft. Nothing is read from or written to the
accounts: a replay says only what would have been decided.

For each decision: the outcome (code, effective date) as decided, the outcome the rules give
now, and the steps where the two paths part.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from ebt.calendar import MaineCalendar
from ebt.market.predicates import PREDICATES
from ebt.market.recorded import restore
from ebt.market.requests import DATE_POLICIES, effective_date
from ebt.rules.parameters import Parameters
from ebt.rules.tables import Table, evaluate


@dataclass(frozen=True, slots=True)
class Rules:
    """The rules a replay decides under: which version of each table, which parameters,
    for a decision taken on a day under the given versions."""

    label: str  # "then", "now", or the draft's path
    table: Callable[[str, str, date], Table]  # (name, version decided under, decided on)
    parameters: Callable[[str, date], Parameters]  # (version decided under, decided on)


@dataclass(frozen=True, slots=True)
class Stored:
    """A decision as the store keeps it, with the policy outcomes of its process."""

    id: int
    reference: str
    account: str | None
    file: str | None
    table: str
    version: str
    steps: str  # the stored trace: [[step, answer], ...]
    outcome: str
    code: str | None
    decided_on: date
    facts: bytes | None
    policies: dict[str, str] = field(default_factory=dict)  # policy table -> its outcome


@dataclass(frozen=True, slots=True)
class Result:
    outcome: str
    code: str | None
    effective: date | None
    table: str  # "enrollment 1.0"

    def __str__(self) -> str:
        code = f" {self.code}" if self.code else ""
        when = f", effective {self.effective}" if self.effective else ""
        return f"{self.outcome}{code}{when}"

    @property
    def pair(self) -> str:
        return self.outcome if self.code is None else f"{self.outcome} {self.code}"


@dataclass(frozen=True, slots=True)
class Difference:
    """A step where the two paths part: its answer before and after (None: not asked)."""

    step: str
    before: bool | None
    after: bool | None


@dataclass(frozen=True, slots=True)
class Replayed:
    decision: Stored
    before: Result
    after: Result | None  # None: the decision's facts were not recorded
    differences: tuple[Difference, ...] = ()

    @property
    def changed(self) -> bool:
        after = self.after
        return after is not None and (
            (after.outcome, after.code, after.effective)
            != (self.before.outcome, self.before.code, self.before.effective)
        )


class Replayer:
    """Replays stored decisions under one set of rules; `recorded_parameters` gives the
    parameters of a version a decision was taken under."""

    def __init__(
        self,
        rules: Rules,
        calendar: MaineCalendar,
        recorded_parameters: Callable[[str], Parameters],
    ):
        self.rules = rules
        self.calendar = calendar
        self.recorded_parameters = recorded_parameters
        self._read: dict[str, list[tuple[str, bool]]] = {}

    def replay(self, decision: Stored) -> Replayed:
        if decision.facts is None:
            before = Result(decision.outcome, decision.code, None, _label(decision))
            return Replayed(decision, before, None)
        recorded = restore(decision.facts)
        policy = DATE_POLICIES.get(decision.outcome)
        effective = effective_date(  # the recorded facts are those of then
            decision.outcome, recorded, decision.policies.get(policy) if policy else None
        )
        before = Result(decision.outcome, decision.code, effective, _label(decision))
        rules = self.rules
        parameters = rules.parameters(recorded.parameters, decision.decided_on)
        facts = recorded.facts(parameters, self.calendar)
        table = rules.table(decision.table, decision.version, decision.decided_on)
        verdict = evaluate(table, facts, PREDICATES)
        policy = DATE_POLICIES.get(verdict.outcome)
        chosen = None
        if policy is not None:
            policy_table = rules.table(policy, "", decision.decided_on)
            chosen = evaluate(policy_table, facts, PREDICATES).outcome
        after = Result(
            verdict.outcome,
            verdict.code,
            effective_date(verdict.outcome, facts, chosen),
            f"{table.name} {table.version}",
        )
        now = [(a.step, a.answer) for a in verdict.steps]
        stored = self._steps(decision.steps)
        differences = () if stored == now else _differences(stored, now)
        return Replayed(decision, before, after, differences)

    def _steps(self, text: str) -> list[tuple[str, bool]]:
        """A stored trace as (step, answer) pairs; the same paths recur, so each is read
        once."""
        steps = self._read.get(text)
        if steps is None:
            if len(self._read) > 4096:
                self._read.clear()
            steps = self._read[text] = [(step, answer) for step, answer in json.loads(text)]
        return steps


def _label(decision: Stored) -> str:
    return f"{decision.table} {decision.version}"


def _differences(
    before: list[tuple[str, bool]], after: list[tuple[str, bool]]
) -> tuple[Difference, ...]:
    """The steps from where the two paths part: asked on both with another answer, or
    asked on one only."""
    was, now = dict(before), dict(after)
    out = []
    for step in dict.fromkeys([s for s, _ in before] + [s for s, _ in after]):
        if was.get(step) != now.get(step):
            out.append(Difference(step, was.get(step), now.get(step)))
    return tuple(out)


def counts(replayed: Iterable[Replayed]) -> dict[tuple[str, str], tuple[int, int]]:
    """For each pair of outcomes (before, after; 'facts not recorded' when it could not be
    replayed): how many decisions, and how many of them changed (outcome, code or effective
    date)."""
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for item in replayed:
        after = item.after.pair if item.after is not None else "facts not recorded"
        key = (item.before.pair, after)
        total, changed = out.get(key, (0, 0))
        out[key] = (total + 1, changed + item.changed)
    return out

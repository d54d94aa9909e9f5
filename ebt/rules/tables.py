"""Decision tables: yes/no questions over named predicates, checked at load, run with a trace.

A table is a set of steps. Each step asks one question, answered by a predicate (a function
of the facts, named in the data and looked up in a registry the caller provides), and names
what follows a yes and what follows a no: another step or an outcome (a name and, for a
rejection, a code). The engine knows no market: the predicate names, the outcomes each table
may reach and the codes are all given to the loader, which refuses anything else. The files
(`rules/<table>-<version>.json`) are read by `ebt.data.rules`; this module builds and checks
the tables from what they hold, naming the file in every refusal.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from types import MappingProxyType
from typing import Any, NamedTuple, TypeAlias, TypeVar

F = TypeVar("F")

#: Files in the rules folder whose names start with this hold parameters, not tables.
PARAMETERS_PREFIX = "parameters-"


class RuleError(ValueError):
    """The rule data is inconsistent, or asks for something the rules do not cover."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """Where a table ends: a name (`enroll`, `reject`, ...) and, for a rejection, its code."""

    name: str
    code: str | None = None

    def __str__(self) -> str:
        return self.name if self.code is None else f"{self.name} {self.code}"


Next: TypeAlias = str | Outcome
"""What follows an answer: the id of the next step, or an outcome."""


class Answer(NamedTuple):
    """One step of a trace: which question was asked and how the facts answered it."""

    step: str
    question: str
    predicate: str
    answer: bool


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    question: str
    predicate: str
    yes: Next
    no: Next
    # the step's two possible answers, made once: (no, yes)
    answers: tuple[Answer, Answer] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        answers = tuple(Answer(self.id, self.question, self.predicate, a) for a in (False, True))
        object.__setattr__(self, "answers", answers)

    def after(self, answer: bool) -> Next:
        return self.yes if answer else self.no


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    version: str
    valid_from: date
    about: str
    start: str
    steps: Mapping[str, Step] = field(hash=False)

    @property
    def predicates(self) -> frozenset[str]:
        """The predicate names the table asks."""
        return frozenset(step.predicate for step in self.steps.values())

    def outcomes(self) -> frozenset[Outcome]:
        """Every outcome the table can end in."""
        ends = (step.after(answer) for step in self.steps.values() for answer in (True, False))
        return frozenset(end for end in ends if isinstance(end, Outcome))


@dataclass(frozen=True, slots=True)
class RuleBook:
    """Every table by name, each name's versions oldest first."""

    tables: Mapping[str, tuple[Table, ...]] = field(hash=False)

    def table_for(self, name: str, on: date) -> Table:
        """The version of `name` in force on `on`: the latest valid from that day or before."""
        versions = self.tables.get(name)
        if not versions:
            raise RuleError(f"there is no decision table {name!r}; known: {sorted(self.tables)}")
        in_force = [table for table in versions if table.valid_from <= on]
        if not in_force:
            raise RuleError(
                f"no version of table {name!r} is in force on {on}; "
                f"the first comes into force on {versions[0].valid_from}"
            )
        return in_force[-1]

    def version(self, name: str, version: str) -> Table | None:
        """One version of a table, as a decision names it (None: not in this book)."""
        return next((t for t in self.tables.get(name, ()) if t.version == version), None)

    def versions(self, name: str) -> tuple[Table, ...]:
        """Every version of `name`, oldest first (none when the book has no such table)."""
        return self.tables.get(name, ())


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of one table for one set of facts, with the path that led to it."""

    table: str
    version: str
    steps: tuple[Answer, ...]
    outcome: str
    code: str | None

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(answer.step for answer in self.steps)

    def explain(self) -> str:
        """The verdict as text: the outcome, then each question with its answer."""
        code = "" if self.code is None else f" {self.code}"
        lines = [f"{self.table} {self.version}: {self.outcome}{code}"]
        for number, answer in enumerate(self.steps, start=1):
            said = "yes" if answer.answer else "no"
            lines.append(
                f"  {number}. {answer.question} {said} ({answer.step}: {answer.predicate})"
            )
        return "\n".join(lines)


def evaluate(table: Table, facts: F, predicates: Mapping[str, Callable[[F], bool]]) -> Verdict:
    """Walk `table` from its start, asking each step's predicate about `facts`.

    Pure: the predicates are expected to read the facts and nothing else. A predicate that
    raises, or answers with anything but a bool, is a bug; the error propagates with a note
    naming the table and the step.
    """
    plan = _plan(table, predicates)
    answers: list[Answer] = []
    here: Next = table.start
    limit = len(plan)
    while isinstance(here, str):
        if len(answers) > limit:
            raise RuleError(f"table {table.name} {table.version} goes round in a cycle")
        ask, pair, yes, no = plan.get(here) or _missing(table, here)
        try:
            answer = ask(facts)
        except Exception as error:
            _note(error, table, table.steps[here])
            raise
        if answer is True:
            answers.append(pair[1])
            here = yes
        elif answer is False:
            answers.append(pair[0])
            here = no
        else:
            step = table.steps[here]
            wrong = TypeError(f"predicate {step.predicate!r} answered {answer!r}, not a bool")
            _note(wrong, table, step)
            raise wrong
    return Verdict(table.name, table.version, tuple(answers), here.name, here.code)


Plan: TypeAlias = dict[str, tuple[Callable[[Any], bool], tuple[Answer, Answer], Next, Next]]
_PLANS: dict[tuple[int, int], tuple[Table, object, Plan]] = {}


def _plan(table: Table, predicates: Mapping[str, Callable[[F], bool]]) -> Plan:
    """Each step of `table` with its predicate function looked up once: (ask, its two
    answers, next on yes, next on no). Kept per table and registry (the cache holds both,
    so their ids stay theirs)."""
    key = (id(table), id(predicates))
    cached = _PLANS.get(key)
    if cached is not None and cached[0] is table and cached[1] is predicates:
        return cached[2]
    plan: Plan = {}
    for step_id, step in table.steps.items():
        ask = predicates.get(step.predicate) or _unregistered(step.predicate)
        plan[step_id] = (ask, step.answers, step.yes, step.no)
    if len(_PLANS) > 256:
        _PLANS.clear()
    _PLANS[key] = (table, predicates, plan)
    return plan


def _unregistered(name: str) -> Callable[[Any], bool]:
    def ask(_facts: Any) -> bool:
        raise KeyError(name)  # noted with the step and table by `evaluate`

    return ask


def _missing(table: Table, step_id: str) -> Any:
    return _step(table, step_id)


def stored_steps(steps: tuple[Answer, ...]) -> str:
    """A trace as the store keeps it: each step's id and answer. The table's name and
    version are stored beside it, and the versioned table file holds each step's question
    and predicate (`read_steps` puts them back)."""
    return json.dumps([[answer.step, answer.answer] for answer in steps])


def read_steps(text: str, table: Table | None) -> list[dict[str, Any]]:
    """A stored trace with each step's question and predicate from its table."""
    out: list[dict[str, Any]] = []
    for item in json.loads(text):
        if isinstance(item, dict):  # a trace stored whole
            out.append(item)
            continue
        step_id, answer = item
        step = table.steps.get(step_id) if table is not None else None
        out.append(
            {
                "step": step_id,
                "question": step.question if step else f"(step {step_id}: table not loaded)",
                "predicate": step.predicate if step else None,
                "answer": answer,
            }
        )
    return out


def _step(table: Table, step_id: str) -> Step:
    try:
        return table.steps[step_id]
    except KeyError as error:
        error.add_note(f"table {table.name} {table.version} has no step {step_id!r}")
        raise


def _note(error: Exception, table: Table, step: Step) -> None:
    error.add_note(
        f"while asking step {step.id!r} ({step.predicate}) of table {table.name} {table.version}"
    )


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What tables may name: predicates, outcomes (with the tables that may reach each; None
    for any table), rejection codes, and the outcomes that carry a code (the others must not)."""

    predicates: frozenset[str]
    outcomes: Mapping[str, frozenset[str] | None]
    codes: frozenset[str]
    coded_outcomes: frozenset[str]


def vocabulary(
    *,
    predicates: Mapping[str, Callable[[Any], bool]],
    outcomes: Mapping[str, Collection[str] | None],
    codes: Collection[str],
    coded_outcomes: Collection[str] = frozenset({"reject"}),
) -> Vocabulary:
    """What the tables to be loaded may name."""
    return Vocabulary(
        predicates=frozenset(predicates),
        outcomes={k: None if v is None else frozenset(v) for k, v in outcomes.items()},
        codes=frozenset(codes),
        coded_outcomes=frozenset(coded_outcomes),
    )


def build_rulebook(tables: Iterable[tuple[Table, str]], *, source: str) -> RuleBook:
    """The rule book from checked tables, each with the file it came from; `source` names
    the folder. Two versions of a table coming into force on the same date are refused."""
    by_name: dict[str, list[tuple[Table, str]]] = {}
    for table, where in tables:
        by_name.setdefault(table.name, []).append((table, where))
    if not by_name:
        raise RuleError(f"{source}: there are no decision tables (<table>-<version>.json)")
    return RuleBook(MappingProxyType({n: _in_date_order(f) for n, f in by_name.items()}))


def _in_date_order(found: list[tuple[Table, str]]) -> tuple[Table, ...]:
    ordered = sorted(found, key=lambda pair: pair[0].valid_from)
    for (earlier, first), (later, second) in pairwise(ordered):
        if earlier.valid_from == later.valid_from:
            raise RuleError(
                f"{first} and {second}: two versions of table {later.name!r} "
                f"come into force on {later.valid_from}"
            )
    return tuple(table for table, _ in ordered)


def build_table(raw: Any, vocabulary: Vocabulary, *, source: str, file_name: str) -> Table:
    """One table from its parsed file, checked against `vocabulary`; raise RuleError naming
    the file (`source`; `file_name` must be `<table>-<version>.json`)."""
    return _TableReader(source, file_name, vocabulary).read(raw)


_TABLE_KEYS = frozenset({"table", "version", "valid_from", "about", "start", "steps"})
_STEP_KEYS = frozenset({"question", "predicate", "yes", "no"})


class _TableReader:
    """Turns one file's JSON into a Table, collecting every problem before refusing it."""

    def __init__(self, source: str, file_name: str, vocabulary: Vocabulary) -> None:
        self.source = source
        self.file_name = file_name
        self.vocabulary = vocabulary
        self.problems: list[str] = []

    def read(self, raw: Any) -> Table:
        head = self._head(raw)
        steps: dict[str, Step] = {}
        for step_id, spec in head["steps"].items():
            step = self._step(head["table"], str(step_id), spec)
            if step is not None:
                steps[step.id] = step
        if not self.problems:
            self._check_graph(head["start"], steps)
        if len(self.problems) == 1:
            raise RuleError(f"{self.source}: {self.problems[0]}")
        if self.problems:
            raise RuleError(f"{self.source}:" + "".join(f"\n  {p}" for p in self.problems))
        return Table(
            name=head["table"],
            version=head["version"],
            valid_from=head["valid_from"],
            about=head["about"],
            start=head["start"],
            steps=MappingProxyType(steps),
        )

    def _refuse(self, message: str) -> RuleError:
        return RuleError(f"{self.source}: {message}")

    def _head(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self._refuse("a table file holds one JSON object")
        _check_keys(raw, _TABLE_KEYS, _TABLE_KEYS, "the table", self._refuse)
        for key in ("table", "version", "about", "start"):
            if not isinstance(raw[key], str) or not raw[key].strip():
                raise self._refuse(f"{key!r} must be a non-empty string")
        if not isinstance(raw["steps"], dict) or not raw["steps"]:
            raise self._refuse("'steps' must be an object with at least one step")
        expected = f"{raw['table']}-{raw['version']}.json"
        if self.file_name != expected:
            raise self._refuse(f"table {raw['table']} {raw['version']} must be in {expected}")
        try:
            valid_from = date.fromisoformat(str(raw["valid_from"]))
        except ValueError:
            raise self._refuse(f"valid_from {raw['valid_from']!r} is not YYYY-MM-DD") from None
        return {**raw, "valid_from": valid_from}

    def _step(self, table: str, step_id: str, spec: Any) -> Step | None:
        where = f"step {step_id!r}"
        if not isinstance(spec, dict):
            self.problems.append(f"{where}: a step is an object")
            return None
        try:
            _check_keys(spec, _STEP_KEYS, _STEP_KEYS, where, RuleError)
        except RuleError as error:
            self.problems.append(str(error))
            return None
        question, predicate = spec["question"], spec["predicate"]
        if not isinstance(question, str) or not question.strip():
            self.problems.append(f"{where}: the question must be a non-empty string")
        if not isinstance(predicate, str) or predicate not in self.vocabulary.predicates:
            known = ", ".join(sorted(self.vocabulary.predicates))
            self.problems.append(f"{where}: unknown predicate {predicate!r}; known: {known}")
        yes = self._next(table, f"{where}, yes", spec["yes"])
        no = self._next(table, f"{where}, no", spec["no"])
        if yes is None or no is None:
            return None
        return Step(step_id, str(question), str(predicate), yes, no)

    def _next(self, table: str, where: str, spec: Any) -> Next | None:
        if isinstance(spec, str):
            return spec
        if not isinstance(spec, dict):
            self.problems.append(f"{where}: name a step or give {{'outcome': ..., 'code': ...}}")
            return None
        try:
            _check_keys(spec, {"outcome", "code"}, {"outcome"}, where, RuleError)
        except RuleError as error:
            self.problems.append(str(error))
            return None
        return self._outcome(table, where, spec["outcome"], spec.get("code"))

    def _outcome(self, table: str, where: str, name: Any, code: Any) -> Outcome | None:
        vocabulary = self.vocabulary
        if not isinstance(name, str) or name not in vocabulary.outcomes:
            known = ", ".join(sorted(vocabulary.outcomes))
            self.problems.append(f"{where}: unknown outcome {name!r}; known: {known}")
            return None
        allowed = vocabulary.outcomes[name]
        if allowed is not None and table not in allowed:
            self.problems.append(f"{where}: table {table} may not end in {name!r}")
        if name in vocabulary.coded_outcomes:
            if code is None:
                self.problems.append(f"{where}: outcome {name!r} needs a code")
            elif not isinstance(code, str) or code not in vocabulary.codes:
                self.problems.append(f"{where}: unknown code {code!r} for outcome {name!r}")
        elif code is not None:
            self.problems.append(f"{where}: outcome {name!r} takes no code, but has {code!r}")
        return Outcome(str(name), None if code is None else str(code))

    def _check_graph(self, start: str, steps: Mapping[str, Step]) -> None:
        if start not in steps:
            self.problems.append(f"the start step {start!r} is not a step")
        for step in steps.values():
            for said, target in (("yes", step.yes), ("no", step.no)):
                if isinstance(target, str) and target not in steps:
                    self.problems.append(
                        f"step {step.id!r}, {said}: names step {target!r}, which does not exist"
                    )
        if self.problems:
            return
        cycle = _find_cycle(steps)
        if cycle:
            self.problems.append("the steps go round in a cycle: " + " -> ".join(cycle))
            return
        unreachable = sorted(set(steps) - _reachable(start, steps))
        if unreachable:
            self.problems.append(f"no path from {start!r} reaches step(s) {unreachable}")


def _check_keys(
    spec: Mapping[str, Any],
    allowed: Collection[str],
    required: Collection[str],
    where: str,
    error: Callable[[str], Exception],
) -> None:
    missing = sorted(set(required) - set(spec))
    unknown = sorted(set(spec) - set(allowed))
    if missing:
        raise error(f"{where}: missing {missing}")
    if unknown:
        raise error(f"{where}: unknown keys {unknown}; allowed: {sorted(allowed)}")


def _successors(step: Step) -> list[str]:
    return [target for target in (step.yes, step.no) if isinstance(target, str)]


def _reachable(start: str, steps: Mapping[str, Step]) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for target in _successors(steps[todo.pop()]):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _find_cycle(steps: Mapping[str, Step]) -> list[str] | None:
    """A cycle as a list of step ids (first repeated at the end), or None."""
    done: set[str] = set()

    def visit(step_id: str, path: list[str]) -> list[str] | None:
        if step_id in path:
            return [*path[path.index(step_id) :], step_id]
        if step_id in done:
            return None
        for target in _successors(steps[step_id]):
            found = visit(target, [*path, step_id])
            if found:
                return found
        done.add(step_id)
        return None

    for step_id in steps:
        found = visit(step_id, [])
        if found:
            return found
    return None

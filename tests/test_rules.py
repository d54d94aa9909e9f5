"""Decision tables and parameters: the loader refuses bad data, evaluation follows the answers,
and the bundled rules/ are consistent with the predicates, outcomes and codes of the market."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ebt.data.guides import default_guidebook
from ebt.data.rules import load_parameter_book, load_rulebook
from ebt.resources import data_path
from ebt.rules.parameters import Parameters
from ebt.rules.tables import (
    Answer,
    Outcome,
    RuleBook,
    RuleError,
    Step,
    Table,
    Verdict,
    evaluate,
)

Facts = Mapping[str, bool]


def ask(name: str) -> Callable[[Facts], bool]:
    """A fake predicate: reads its answer from a dict of facts."""
    return lambda facts: facts[name]


# --- a small vocabulary and table for the loader tests ----------------------------------------

PREDICATES = {name: ask(name) for name in ("p", "q", "r")}
OUTCOMES: dict[str, set[str] | None] = {"reject": None, "accept": {"t"}, "other": {"elsewhere"}}
CODES = {"X1", "X2"}


def small_table() -> dict[str, Any]:
    return {
        "table": "t",
        "version": "1.0",
        "valid_from": "2020-01-01",
        "about": "A test table.",
        "start": "first",
        "steps": {
            "first": {
                "question": "Is p so?",
                "predicate": "p",
                "yes": "second",
                "no": {"outcome": "reject", "code": "X1"},
            },
            "second": {
                "question": "Is q so?",
                "predicate": "q",
                "yes": {"outcome": "accept", "code": None},
                "no": {"outcome": "reject", "code": "X2"},
            },
        },
    }


def write(folder: Path, raw: Any, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{raw['table']}-{raw['version']}.json")
    path.write_text(raw if isinstance(raw, str) else json.dumps(raw), encoding="utf-8")
    return path


def load(folder: Path) -> RuleBook:
    return load_rulebook(folder, predicates=PREDICATES, outcomes=OUTCOMES, codes=CODES)


def test_a_good_table_loads(tmp_path: Path) -> None:
    write(tmp_path, small_table())
    book = load(tmp_path)
    table = book.table_for("t", date(2026, 1, 1))
    assert table.start == "first"
    assert table.steps["first"].no == Outcome("reject", "X1")
    assert table.steps["second"].yes == Outcome("accept")
    assert table.predicates == {"p", "q"}


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation that sets raw[a][b]... = value (or deletes it when value is ...)."""
    keys = path.split("/")

    def mutate(raw: dict[str, Any]) -> None:
        target = raw
        for key in keys[:-1]:
            target = target[key]
        if value is ...:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value

    return mutate


def _add_step(step_id: str, step: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def mutate(raw: dict[str, Any]) -> None:
        raw["steps"][step_id] = step

    return mutate


LOOSE = {"question": "Is r so?", "predicate": "r", "yes": "second", "no": "first"}

BAD_TABLES = [
    (
        "unknown predicate",
        _set("steps/second/predicate", "s"),
        ["'second'", "unknown predicate 's'"],
    ),
    ("unknown outcome", _set("steps/second/yes", {"outcome": "maybe"}), ["'second'", "'maybe'"]),
    (
        "outcome of another table",
        _set("steps/second/yes", {"outcome": "other", "code": None}),
        ["'second'", "may not end in 'other'"],
    ),
    (
        "reject without a code",
        _set("steps/first/no", {"outcome": "reject", "code": None}),
        ["'first'", "needs a code"],
    ),
    (
        "reject with the code left out",
        _set("steps/first/no", {"outcome": "reject"}),
        ["'first'", "needs a code"],
    ),
    (
        "code not in the list",
        _set("steps/first/no", {"outcome": "reject", "code": "ZZZ"}),
        ["'first'", "unknown code 'ZZZ'"],
    ),
    (
        "code on an outcome that takes none",
        _set("steps/second/yes", {"outcome": "accept", "code": "X1"}),
        ["'second'", "takes no code"],
    ),
    (
        "missing step",
        _set("steps/first/yes", "third"),
        ["'first'", "'third', which does not exist"],
    ),
    ("missing start", _set("start", "zero"), ["start step 'zero'"]),
    (
        "unreachable step",
        _add_step("loose", {**LOOSE, "yes": {"outcome": "reject", "code": "X1"}}),
        ["reaches step(s) ['loose']"],
    ),
    ("cycle", _set("steps/second/no", "first"), ["cycle: first -> second -> first"]),
    (
        "step without a question",
        _set("steps/first/question", ...),
        ["'first'", "missing ['question']"],
    ),
    (
        "step with an unknown key",
        _set("steps/first/answer", 1),
        ["'first'", "unknown keys ['answer']"],
    ),
    ("step that is not an object", _set("steps/first", "p"), ["'first'", "a step is an object"]),
    ("empty question", _set("steps/first/question", " "), ["'first'", "non-empty string"]),
    ("next that is a number", _set("steps/first/yes", 3), ["'first', yes", "name a step"]),
    ("predicate that is a list", _set("steps/first/predicate", ["p"]), ["unknown predicate"]),
    ("table without steps", _set("steps", {}), ["at least one step"]),
    ("table key missing", _set("about", ...), ["missing ['about']"]),
    ("bad valid_from", _set("valid_from", "2020-13-01"), ["'2020-13-01' is not YYYY-MM-DD"]),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(m, e, id=i) for i, m, e in BAD_TABLES],
)
def test_the_loader_refuses_bad_tables(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], None], expected: list[str]
) -> None:
    raw = small_table()
    mutate(raw)
    path = write(tmp_path, raw)
    with pytest.raises(RuleError) as caught:
        load(tmp_path)
    message = str(caught.value)
    assert str(path) in message
    for part in expected:
        assert part in message


def test_every_problem_in_a_file_is_reported_at_once(tmp_path: Path) -> None:
    raw = small_table()
    raw["steps"]["first"]["predicate"] = "nope"
    raw["steps"]["second"]["yes"] = {"outcome": "reject", "code": "NOPE"}
    write(tmp_path, raw)
    with pytest.raises(RuleError, match=r"(?s)'nope'.*'NOPE'"):
        load(tmp_path)


def test_the_loader_refuses_malformed_json(tmp_path: Path) -> None:
    path = write(tmp_path, '{"table": "t", ', name="t-1.0.json")
    with pytest.raises(RuleError, match=str(path)):
        load(tmp_path)


def test_the_loader_refuses_a_file_named_for_another_table(tmp_path: Path) -> None:
    write(tmp_path, small_table(), name="t-2.0.json")
    with pytest.raises(RuleError, match=r"must be in t-1\.0\.json"):
        load(tmp_path)


def test_the_loader_refuses_two_versions_in_force_on_the_same_day(tmp_path: Path) -> None:
    write(tmp_path, small_table())
    write(tmp_path, {**small_table(), "version": "2.0"})
    with pytest.raises(
        RuleError, match=r"t-1\.0\.json and .*t-2\.0\.json: two versions of table 't'"
    ):
        load(tmp_path)


def test_the_loader_refuses_an_empty_or_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="no decision tables"):
        load(tmp_path)
    with pytest.raises(RuleError, match="does not exist"):
        load(tmp_path / "nowhere")


def test_parameters_files_are_not_tables(tmp_path: Path) -> None:
    write(tmp_path, small_table())
    write(tmp_path, {"anything": 1}, name="parameters-1.0.json")
    assert set(load(tmp_path).tables) == {"t"}


def test_the_version_in_force_is_chosen_by_date(tmp_path: Path) -> None:
    write(tmp_path, small_table())
    write(tmp_path, {**small_table(), "version": "2.0", "valid_from": "2026-07-01"})
    book = load(tmp_path)
    assert [t.version for t in book.tables["t"]] == ["1.0", "2.0"]
    assert book.table_for("t", date(2026, 6, 30)).version == "1.0"
    assert book.table_for("t", date(2026, 7, 1)).version == "2.0"
    with pytest.raises(RuleError, match="first comes into force on 2020-01-01"):
        book.table_for("t", date(2019, 12, 31))
    with pytest.raises(RuleError, match="no decision table 'u'"):
        book.table_for("u", date(2026, 1, 1))


# --- evaluation -------------------------------------------------------------------------------


def test_evaluate_gives_the_trace_and_the_outcome(tmp_path: Path) -> None:
    write(tmp_path, small_table())
    table = load(tmp_path).table_for("t", date(2026, 1, 1))
    verdict = evaluate(table, {"p": True, "q": False}, PREDICATES)
    assert verdict == Verdict(
        table="t",
        version="1.0",
        steps=(Answer("first", "Is p so?", "p", True), Answer("second", "Is q so?", "q", False)),
        outcome="reject",
        code="X2",
    )
    assert verdict.path == ("first", "second")
    assert verdict.explain() == (
        "t 1.0: reject X2\n  1. Is p so? yes (first: p)\n  2. Is q so? no (second: q)"
    )
    accepted = evaluate(table, {"p": True, "q": True}, PREDICATES)
    assert (accepted.outcome, accepted.code) == ("accept", None)
    assert accepted.explain().splitlines()[0] == "t 1.0: accept"
    stopped = evaluate(table, {"p": False}, PREDICATES)  # q is never asked
    assert (stopped.path, stopped.outcome, stopped.code) == (("first",), "reject", "X1")


def _hand_built(steps: dict[str, Step], start: str = "a") -> Table:
    return Table("h", "9", date(2020, 1, 1), "hand built", start, MappingProxyType(steps))


def test_a_predicate_that_raises_propagates_with_the_table_and_step() -> None:
    table = _hand_built({"a": Step("a", "Boom?", "boom", Outcome("x"), Outcome("y"))})

    def boom(_facts: object) -> bool:
        raise ZeroDivisionError("bug")

    with pytest.raises(ZeroDivisionError, match="bug") as caught:
        evaluate(table, {}, {"boom": boom})
    assert "step 'a' (boom) of table h 9" in "\n".join(caught.value.__notes__)


def test_a_predicate_that_answers_with_no_bool_is_a_bug() -> None:
    table = _hand_built({"a": Step("a", "Maybe?", "maybe", Outcome("x"), Outcome("y"))})
    with pytest.raises(TypeError, match="answered None, not a bool") as caught:
        evaluate(table, {}, {"maybe": lambda _facts: None})  # type: ignore[arg-type]
    assert "table h 9" in "\n".join(caught.value.__notes__)


def test_a_predicate_missing_from_the_registry_is_named() -> None:
    table = _hand_built({"a": Step("a", "Here?", "absent", Outcome("x"), Outcome("y"))})
    with pytest.raises(KeyError) as caught:
        evaluate(table, {}, {})
    assert "step 'a' (absent)" in "\n".join(caught.value.__notes__)


def test_a_hand_built_cycle_does_not_run_forever() -> None:
    table = _hand_built({"a": Step("a", "Again?", "p", "a", "a")})
    with pytest.raises(RuleError, match="cycle"):
        evaluate(table, {"p": True}, PREDICATES)


# --- the bundled tables -----------------------------------------------------------------------

BUNDLED = data_path("rules")

# Per table, the checks in order: (predicate, the answer that ends the table, its outcome);
# the last row ends the table either way: (predicate, outcome on yes, outcome on no).
SENDER = [
    ("sender_is_registered_ces", False, "reject UND"),
    ("sender_agrees_with_ces_party", False, "reject UND"),
]
EXPECTED: dict[str, list[tuple[str, Any, str]]] = {
    "enrollment": [
        *SENDER,
        ("ces_is_licensed", False, "reject ANL"),
        ("account_exists", False, "reject A76"),
        ("account_is_active", False, "reject 008"),
        ("td_is_this_utility", False, "reject A13"),
        ("cycle_read_scheduled", False, "reject A13"),
        ("repeats_a_processed_request", True, "reject ABN"),
        ("ces_has_pending_enrollment", True, "reject ABN"),
        ("ces_already_serves_account", True, "reject ABN"),
        ("billing_option_offered", False, "reject FRB"),
        ("bill_calculator_agrees", False, "reject FRB"),
        ("all_services_eligible", False, "reject ANE"),
        ("meter_supports_rate_code", False, "reject MRC"),
        ("requested_date_too_far_ahead", True, "reject DIV"),
        ("another_enrollment_is_first", True, "reject NFI"),
        ("account_has_other_ces", "switch", "enroll"),
    ],
    "drop": [
        *SENDER,
        ("account_exists", False, "reject A76"),
        ("td_is_this_utility", False, "reject A13"),
        ("cycle_read_scheduled", False, "reject A13"),
        ("repeats_a_processed_request", True, "reject ABN"),
        ("ces_serves_account", False, "reject A13"),
        ("drop_already_pending", True, "reject ABN"),
        ("requested_date_too_far_ahead", True, "reject DIV"),
        ("off_cycle_requested", "drop_off_cycle", "drop_on_cycle"),
    ],
    "change": [
        *SENDER,
        ("account_exists", False, "reject A76"),
        ("td_is_this_utility", False, "reject A13"),
        ("cycle_read_scheduled", False, "reject A13"),
        ("repeats_a_processed_request", True, "reject ABN"),
        ("ces_serves_account", False, "reject A13"),
        ("change_reasons_supported", False, "reject API"),
        ("billing_option_offered", False, "reject FRB"),
        ("bill_calculator_agrees", False, "reject FRB"),
        ("meter_supports_rate_code", "change", "reject MRC"),
    ],
    "reinstatement": [
        *SENDER,
        ("account_exists", False, "reject A76"),
        ("td_is_this_utility", False, "reject A13"),
        ("repeats_a_processed_request", True, "reject ABN"),
        ("ces_serves_account", False, "reject A13"),
        ("drop_or_switch_pending", "reinstate", "reject A13"),
    ],
    "return_to_standard_offer": [
        ("account_exists", False, "reject A76"),
        ("account_is_active", False, "reject 008"),
        ("cycle_read_scheduled", False, "reject A13"),
        ("account_has_other_ces", False, "reject A13"),
        ("drop_already_pending", "reject ABN", "return_to_standard_offer"),
    ],
    "move": [
        ("old_account_exists", False, "reject A76"),
        ("old_account_is_active", False, "reject 008"),
        ("move_dates_in_order", False, "reject DIV"),
        ("new_account_exists", False, "reject A76"),
        ("new_account_is_active", False, "reject 008"),
        ("ces_serves_old_account", False, "move"),
        ("ces_not_leaving", False, "final_move"),
        ("standard_offer_chosen", True, "final_move"),
        ("new_account_given", False, "final_move"),
        ("same_supplier_rate", False, "final_move"),
        ("called_in_time", False, "final_move"),
        ("no_break_in_service", False, "final_move"),
        ("new_meters_support_rate_code", False, "final_move"),
        ("new_account_free_of_other_ces", "seamless_move", "final_move"),
    ],
    "off_cycle_fee": [
        ("smart_meter_installed", True, "actual_read_smart"),
        ("actual_read_requested", "actual_read", "prorated"),
    ],
    "drop_date_on_cycle": [
        ("requested_read_not_too_close", "requested_read", "first_eligible_read")
    ],
    "drop_date_off_cycle": [("requested_end_after_lead_time", "requested_date", "earliest_date")],
    "landlord_reversion": [
        ("tenant_is_not_the_landlord", False, "no_reversion"),
        ("landlord_agreement_covers_service", False, "no_reversion"),
        ("agreement_in_season", False, "no_reversion"),
        ("agreement_reverts_service", False, "no_reversion"),
        ("landlord_account_is_open", "revert", "refer"),
    ],
}
PREDICATE_NAMES = frozenset(p for checks in EXPECTED.values() for p, _, _ in checks)
MARKET_OUTCOMES: dict[str, set[str] | None] = {
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
    "prorated": {"off_cycle_fee"},
    "actual_read": {"off_cycle_fee"},
    "actual_read_smart": {"off_cycle_fee"},
    "requested_read": {"drop_date_on_cycle"},
    "first_eligible_read": {"drop_date_on_cycle"},
    "requested_date": {"drop_date_off_cycle"},
    "earliest_date": {"drop_date_off_cycle"},
}
MARKET_PREDICATES = {name: ask(name) for name in PREDICATE_NAMES}


def rejection_codes() -> set[str]:
    guide = default_guidebook().guide_for("814", date(2026, 11, 22))
    assert guide is not None
    return set(guide.code_lists["rejection_reason"])


def bundled() -> RuleBook:
    return load_rulebook(
        BUNDLED, predicates=MARKET_PREDICATES, outcomes=MARKET_OUTCOMES, codes=rejection_codes()
    )


BOOK = bundled()
TODAY = date(2026, 11, 22)


def test_the_bundled_tables_load_and_use_exactly_the_market_predicates() -> None:
    assert set(BOOK.tables) == set(EXPECTED)
    used = frozenset().union(*(t.predicates for v in BOOK.tables.values() for t in v))
    assert used == PREDICATE_NAMES
    for name, versions in BOOK.tables.items():
        for table in versions:
            assert table.valid_from == date(2007, 1, 1)
            assert table.about.strip()
            assert table.predicates == {p for p, _, _ in EXPECTED[name]}


def test_the_bundled_tables_refuse_a_registry_missing_a_predicate() -> None:
    partial = dict(MARKET_PREDICATES)
    del partial["off_cycle_requested"]
    with pytest.raises(RuleError, match=r"drop-1\.0\.json: step 'off_cycle': unknown predicate"):
        load_rulebook(
            BUNDLED, predicates=partial, outcomes=MARKET_OUTCOMES, codes=rejection_codes()
        )


def _passing(checks: list[tuple[str, Any, str]]) -> dict[str, bool]:
    """Facts that pass every check (the answer that does not end the table)."""
    return {p: not stop for p, stop, _ in checks[:-1]}


def _said(verdict: Verdict) -> str:
    return verdict.outcome if verdict.code is None else f"{verdict.outcome} {verdict.code}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_check_of_the_bundled_tables_in_order(name: str) -> None:
    table = BOOK.table_for(name, TODAY)
    checks = EXPECTED[name]
    order = [p for p, _, _ in checks]
    for index, (predicate, stop, outcome) in enumerate(checks[:-1]):
        facts = {**_passing(checks), predicate: stop}
        verdict = evaluate(table, facts, MARKET_PREDICATES)
        assert [a.predicate for a in verdict.steps] == order[: index + 1]
        assert _said(verdict) == outcome
    last, on_yes, on_no = checks[-1]
    for answer, outcome in ((True, on_yes), (False, on_no)):
        verdict = evaluate(table, {**_passing(checks), last: answer}, MARKET_PREDICATES)
        assert [a.predicate for a in verdict.steps] == order
        assert _said(verdict) == outcome


def test_every_bundled_question_is_a_plain_question() -> None:
    for versions in BOOK.tables.values():
        for table in versions:
            for step in table.steps.values():
                assert step.question[0].isupper() and step.question.endswith("?"), step.id


def _check_trace(table: Table, facts: Facts, verdict: Verdict) -> None:
    here: str | Outcome = table.start
    for answer in verdict.steps:
        assert isinstance(here, str)
        step = table.steps[here]
        assert (answer.step, answer.predicate, answer.question) == (
            step.id,
            step.predicate,
            step.question,
        )
        assert answer.answer == facts[step.predicate]
        here = step.yes if answer.answer else step.no
    assert here == Outcome(verdict.outcome, verdict.code)


@given(
    st.sampled_from(sorted(EXPECTED)),
    st.fixed_dictionaries({name: st.booleans() for name in sorted(PREDICATE_NAMES)}),
)
def test_any_facts_reach_an_outcome_along_the_answers(name: str, facts: dict[str, bool]) -> None:
    table = BOOK.table_for(name, TODAY)
    verdict = evaluate(table, facts, MARKET_PREDICATES)
    assert MARKET_OUTCOMES[verdict.outcome] in (None, {name})
    assert (verdict.code is not None) == (verdict.outcome == "reject")
    _check_trace(table, facts, verdict)


@st.composite
def random_tables(draw: st.DrawFn) -> Table:
    """A random acyclic table: step i may only lead to a later step or to an outcome."""
    size = draw(st.integers(min_value=1, max_value=12))
    outcomes = st.builds(Outcome, st.sampled_from(["a", "b", "c"]))

    def target(i: int) -> str | Outcome:
        later = st.integers(min_value=i + 1, max_value=size - 1).map(lambda j: f"s{j}")
        return draw(st.one_of(outcomes, later) if i + 1 < size else outcomes)

    steps = {
        f"s{i}": Step(f"s{i}", f"Is p{i % 3} so?", f"p{i % 3}", target(i), target(i))
        for i in range(size)
    }
    return _hand_built(steps, start="s0")


@given(random_tables(), st.fixed_dictionaries({f"p{i}": st.booleans() for i in range(3)}))
def test_random_tables_terminate_along_the_answers(table: Table, facts: dict[str, bool]) -> None:
    verdict = evaluate(table, facts, {f"p{i}": ask(f"p{i}") for i in range(3)})
    assert len(verdict.steps) <= len(table.steps)
    _check_trace(table, facts, verdict)


# --- parameters -------------------------------------------------------------------------------

GOOD_PARAMETERS: dict[str, Any] = {
    "version": "1.0",
    "valid_from": "2007-01-01",
    "lead_business_days": 2,
    "max_days_ahead": 365,
    "off_cycle_fee_prorated": "5.00",
    "off_cycle_fee_actual_read_smart": "5.00",
    "off_cycle_fee_actual_read": "35.00",
    "rescission_days": 5,
    "receivable_carried_bills": 1,
    "write_off_code": "BD",
}


def test_the_bundled_parameters() -> None:
    parameters = load_parameter_book().parameters_for(TODAY)
    assert parameters == Parameters(version="1.0", valid_from=date(2007, 1, 1))
    assert parameters.off_cycle_fee_actual_read == Decimal("35.00")
    assert parameters.lead_business_days == 2


def test_parameters_in_force_by_date(tmp_path: Path) -> None:
    write(tmp_path, GOOD_PARAMETERS, name="parameters-1.0.json")
    later = {
        **GOOD_PARAMETERS,
        "version": "2.0",
        "valid_from": "2027-01-01",
        "off_cycle_fee_actual_read": "40.00",
    }
    write(tmp_path, later, name="parameters-2.0.json")
    book = load_parameter_book(tmp_path)
    assert book.parameters_for(date(2026, 12, 31)).off_cycle_fee_actual_read == Decimal("35.00")
    assert book.parameters_for(date(2027, 1, 1)).off_cycle_fee_actual_read == Decimal("40.00")
    with pytest.raises(RuleError, match="no parameters are in force on 2006-12-31"):
        book.parameters_for(date(2006, 12, 31))


BAD_PARAMETERS = [
    ("missing key", {"rescission_days": ...}, "missing ['rescission_days']"),
    ("unknown key", {"lead_days": 2}, "unknown ['lead_days']"),
    ("negative count", {"lead_business_days": -1}, "lead_business_days must be a whole number"),
    ("count as text", {"max_days_ahead": "365"}, "max_days_ahead must be a whole number"),
    ("count as bool", {"rescission_days": True}, "rescission_days must be a whole number"),
    ("count as float", {"rescission_days": 5.0}, "rescission_days must be a whole number"),
    ("money as a number", {"off_cycle_fee_prorated": 5.0}, 'as a string such as "35.00"'),
    ("money not a number", {"off_cycle_fee_prorated": "five"}, "'five' is not an amount"),
    ("negative money", {"off_cycle_fee_actual_read": "-35.00"}, "an amount, 0 or more"),
    ("money not finite", {"off_cycle_fee_actual_read": "NaN"}, "an amount, 0 or more"),
    ("fractions of a cent", {"off_cycle_fee_actual_read": "35.001"}, "whole cents"),
    ("bad date", {"valid_from": "2007-02-30"}, "is not YYYY-MM-DD"),
    ("empty version", {"version": ""}, "version must be a non-empty string"),
]


@pytest.mark.parametrize(
    ("change", "expected"), [pytest.param(c, e, id=i) for i, c, e in BAD_PARAMETERS]
)
def test_bad_parameters_are_refused(tmp_path: Path, change: dict[str, Any], expected: str) -> None:
    raw = copy.deepcopy(GOOD_PARAMETERS)
    for key, value in change.items():
        if value is ...:
            del raw[key]
        else:
            raw[key] = value
    path = write(tmp_path, raw, name="parameters-1.0.json")
    with pytest.raises(RuleError) as caught:
        load_parameter_book(tmp_path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_parameters_files_are_named_for_their_version(tmp_path: Path) -> None:
    write(tmp_path, GOOD_PARAMETERS, name="parameters-2.0.json")
    with pytest.raises(RuleError, match=r"must be in parameters-1\.0\.json"):
        load_parameter_book(tmp_path)


def test_two_parameter_versions_may_not_start_on_the_same_day(tmp_path: Path) -> None:
    write(tmp_path, GOOD_PARAMETERS, name="parameters-1.0.json")
    write(tmp_path, {**GOOD_PARAMETERS, "version": "1.1"}, name="parameters-1.1.json")
    with pytest.raises(RuleError, match="both come into force on 2007-01-01"):
        load_parameter_book(tmp_path)


def test_parameters_made_in_code_are_checked_too() -> None:
    with pytest.raises(ValueError, match="rescission_days"):
        Parameters(version="x", valid_from=date(2020, 1, 1), rescission_days=-5)
    with pytest.raises(ValueError, match="off_cycle_fee_prorated"):
        Parameters(version="x", valid_from=date(2020, 1, 1), off_cycle_fee_prorated=5)  # type: ignore[arg-type]


def test_the_market_outcomes_are_defined_once() -> None:
    from ebt.market.outcomes import outcomes_by_table

    assert outcomes_by_table() == MARKET_OUTCOMES


def test_a_process_missing_a_handler_for_an_outcome_is_refused_when_the_tables_load() -> None:
    from ebt.data.market import load_rules
    from ebt.mapping.records import Kind
    from ebt.market.decider import RequestProcess
    from ebt.market.requests import REQUESTS, check_requests, enroll
    from ebt.market.vocabulary import ProcessKind

    check_requests(load_rules(TODAY))  # the bundled registry agrees with the tables
    missing = RequestProcess("enrollment", ProcessKind.ENROLLMENT, {"enroll": enroll})
    with pytest.raises(RuleError, match=r"ends in \['enroll', 'switch'\].*handles \['enroll'\]"):
        missing.check(BOOK)
    handlers = {**REQUESTS[Kind.CHANGE_REQUEST].handlers, "enroll": enroll}
    extra = RequestProcess("change", ProcessKind.CHANGE, handlers)
    with pytest.raises(RuleError, match="handles"):
        extra.check(BOOK)


def test_the_moves_and_reversions_handlers_are_checked_when_the_tables_load() -> None:
    from dataclasses import replace

    from ebt.data.market import load_rules
    from ebt.market.handlers import check_handlers
    from ebt.market.moves import MOVES
    from ebt.market.tenancy import REVERSIONS

    rules = load_rules(TODAY)
    check_handlers(rules)  # the bundled registries agree with the tables
    assert set(MOVES.handlers) == {"seamless_move", "final_move", "move", "reject"}
    assert set(REVERSIONS.handlers) == {"revert", "no_reversion", "refer"}
    missing = replace(REVERSIONS, handlers={"revert": REVERSIONS.handlers["revert"]})
    with pytest.raises(RuleError, match=r"ends in \['no_reversion', 'refer', 'revert'\]"):
        missing.check(rules)
    extra = replace(MOVES, handlers={**MOVES.handlers, "refer": MOVES.handlers["move"]})
    with pytest.raises(RuleError, match=r"handlers are for \[.*'refer'"):
        extra.check(rules)

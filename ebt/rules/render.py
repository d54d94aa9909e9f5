"""A decision table drawn as its tree, the way analysts read EBD decision trees: as indented
text, as Graphviz dot, or as a Mermaid flowchart; a path taken (a decision's steps) can be
marked."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ebt.rules.tables import Next, Outcome, Table

Path = Mapping[str, bool]  # step id -> the answer given, for a decision's path


def text(table: Table, path: Path | None = None) -> str:
    """The tree as indented lines: each question with its yes and no branches."""
    lines = [f"{table.name} {table.version} (valid from {table.valid_from}): {table.about}"]
    lines += _text(table, table.start, path or {}, "  ", set())
    return "\n".join(lines) + "\n"


def _text(table: Table, here: Next, path: Path, indent: str, seen: set[str]) -> Iterator[str]:
    if isinstance(here, Outcome):
        yield f"{indent}=> {here}"
        return
    step = table.steps[here]
    mark = " *" if here in path else ""
    if here in seen:
        yield f"{indent}-> {here} (as above)"
        return
    seen.add(here)
    yield f"{indent}[{here}]{mark} {step.question} ({step.predicate})"
    branches = ((True, step.yes), (False, step.no))
    ends = [(a, o) for a, o in branches if isinstance(o, Outcome)]
    if len(ends) == 1:  # a chain: the outcome aside, the next question at the same depth
        (answer, outcome), (_, then) = ends[0], next(b for b in branches if b[0] != ends[0][0])
        yield f"{indent}    {_answer(answer, here, path)} => {outcome}"
        yield f"{indent}    {_answer(not answer, here, path)}:"
        yield from _text(table, then, path, indent, seen)
        return
    for answer, after in branches:
        yield f"{indent}    {_answer(answer, here, path)}:"
        yield from _text(table, after, path, indent + "      ", seen)


def _answer(answer: bool, step: str, path: Path) -> str:
    return ("yes" if answer else "no") + (" *" if path.get(step) is answer else "")


def _outcome_id(outcome: Outcome) -> str:
    return "end_" + str(outcome).replace(" ", "_")


def _node(here: Next) -> str:
    return _outcome_id(here) if isinstance(here, Outcome) else here


def _edges(table: Table) -> Iterator[tuple[str, bool, Next]]:
    for step_id, step in table.steps.items():
        yield step_id, True, step.yes
        yield step_id, False, step.no


def dot(table: Table, path: Path | None = None) -> str:
    """The tree as Graphviz dot; the path taken drawn bold."""
    path = path or {}
    lines = [f'digraph "{table.name} {table.version}" {{', "  node [fontname=Helvetica];"]
    for step_id, step in table.steps.items():
        style = ", style=bold" if step_id in path else ""
        label = _quoted(f"{step.question}\n({step.predicate})")
        lines.append(f"  {step_id} [shape=box, label={label}{style}];")
    outcomes = {o for _, _, o in _edges(table) if isinstance(o, Outcome)}
    for outcome in sorted(outcomes, key=str):
        lines.append(f"  {_outcome_id(outcome)} [shape=ellipse, label={_quoted(str(outcome))}];")
    for step_id, answer, after in _edges(table):
        style = ", style=bold" if path.get(step_id) is answer else ""
        label = "yes" if answer else "no"
        lines.append(f"  {step_id} -> {_node(after)} [label={label}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def mermaid(table: Table, path: Path | None = None) -> str:
    """The tree as a Mermaid flowchart; the path taken's links drawn thick."""
    path = path or {}
    lines = ["flowchart TD"]
    for step_id, step in table.steps.items():
        lines.append(f'  {step_id}["{_plain(step.question)}"]')
    outcomes = {o for _, _, o in _edges(table) if isinstance(o, Outcome)}
    for outcome in sorted(outcomes, key=str):
        lines.append(f'  {_outcome_id(outcome)}(["{outcome}"])')
    for step_id, answer, after in _edges(table):
        arrow = "==>" if path.get(step_id) is answer else "-->"
        lines.append(f"  {step_id} {arrow}|{'yes' if answer else 'no'}| {_node(after)}")
    return "\n".join(lines) + "\n"


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _plain(value: str) -> str:
    return value.replace('"', "'")

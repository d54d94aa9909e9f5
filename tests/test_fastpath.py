"""The generated per-shape code (ebt/codegen.py) must agree with the plain checks it speeds up."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ebt.check import FileChecker, SetResult
from ebt.findings import Finding, Location
from ebt.guides.validator import shape_of

GOOD = sorted((Path(__file__).parent.parent / "fixtures" / "x12" / "good").glob("*.x12"))
SETS = [
    event
    for path in GOOD
    for event in FileChecker(io.BytesIO(path.read_bytes()), name=path.name).events()
    if isinstance(event, SetResult) and event.checked is not None
]
VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            "X",
            "LDC",
            "DUAL",
            "021",
            "7",
            "WQ",
            "U",
            "20261340",
            "20261120",
            "ME",
            "XX",
            "12.5",
            "1O",
            "A" * 31,
            "A" * 81,
            "0930",
            "2575",
        ]
    ),
    st.text(alphabet="0123456789ABCZ .-", max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_generated_element_checks_agree_with_the_checker(data: st.DataObject) -> None:
    result = data.draw(st.sampled_from(SETS))
    assert result.checked is not None
    segments = [list(s) for s in result.transaction.segments]
    for _ in range(data.draw(st.integers(0, 4))):
        position = data.draw(st.integers(0, len(segments) - 1))
        segment = segments[position]
        index = data.draw(st.integers(1, len(segment) + 2))
        while len(segment) <= index:
            segment.append("")
        segment[index] = data.draw(VALUES)
    shape = shape_of(segments, result.checked.guide)
    expected = [
        position
        for position, (node, segment) in enumerate(zip(shape.nodes, segments, strict=True))
        if node is not None and not node.checker.ok(segment)
    ]
    suspects = shape.suspects(segments)
    # every failing segment is a suspect; a suspect that passes (say, an empty trailing
    # element the guide does not use) draws no finding from the full check
    assert set(expected) <= set(suspects)
    for position in set(suspects) - set(expected):
        node = shape.nodes[position]
        assert node is not None
        found: list[Finding] = []
        node.checker.check(segments[position], lambda _rule: Location(), found)
        assert found == []


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_each_generated_function_agrees_with_its_plain_twin(data: st.DataObject) -> None:
    """The validator's element checks and the mapper's reader: generated code and the plain
    loop over the same plan give the same answers, on sets with random values put in."""
    from ebt.guides.validator import plain_suspects
    from ebt.mapping.mapper import _compile_reader, _plan, mapping_for, plain_reader

    result = data.draw(st.sampled_from(SETS))
    assert result.checked is not None
    segments = [list(s) for s in result.transaction.segments]
    for _ in range(data.draw(st.integers(0, 4))):
        position = data.draw(st.integers(0, len(segments) - 1))
        segment = segments[position]
        index = data.draw(st.integers(1, len(segment) + 2))
        while len(segment) <= index:
            segment.append("")
        segment[index] = data.draw(VALUES)
    guide = result.checked.guide
    shape = shape_of(segments, guide)
    assert shape.suspects(segments) == plain_suspects(shape)(segments)
    if result.checked.flavour is None:
        return
    plan = _plan(shape, shape.tree, mapping_for(guide).root)
    generated, plain = _compile_reader(plan), plain_reader(plan)
    try:
        expected = generated(segments)
    except (TypeError, ValueError, ArithmeticError) as error:
        try:
            plain(segments)
        except type(error):
            return
        raise AssertionError(
            f"the generated reader raised {error!r}, the plain one did not"
        ) from error
    assert plain(segments) == expected


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_the_generated_row_binder_agrees_with_its_plain_twin(data: st.DataObject) -> None:
    from datetime import date, datetime
    from decimal import Decimal

    from sqlalchemy import Date, DateTime, Integer, LargeBinary, Numeric

    from ebt.store.bulk import _binder, plain_binder, table_of
    from ebt.store.database import make_engine
    from ebt.store.schema import Decision, Outbox, Process, SupplierPeriod, Transaction

    model = data.draw(st.sampled_from([Decision, Outbox, Process, SupplierPeriod, Transaction]))
    table = table_of(model)
    names = tuple(c.key for c in table.columns if c.key != "id")

    def value(column: object) -> st.SearchStrategy[object]:
        kind = getattr(column, "type", None)
        if isinstance(kind, DateTime):
            return st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))
        if isinstance(kind, Date):
            return st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))
        if isinstance(kind, Numeric):
            return st.decimals(min_value=Decimal(0), max_value=Decimal(999), places=2)
        if isinstance(kind, Integer):
            return st.integers(0, 10**6)
        if isinstance(kind, LargeBinary):
            return st.binary(max_size=8)
        return st.text(max_size=8)

    row = {n: data.draw(st.one_of(st.none(), value(table.c[n]))) for n in names}
    for dialect in (make_engine("sqlite://").dialect,):
        assert _binder(table, names, dialect)(row.get) == plain_binder(table, names, dialect)(
            row.get
        )

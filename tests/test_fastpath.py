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

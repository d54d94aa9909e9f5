"""Compile a small generated function: the hot path's per-shape checks and readers.

The validator and the mapper work out, once per set shape, exactly which element of which
segment to check or read; turning that list into straight-line Python removes the loop and
tuple-unpacking overhead from every transaction of that shape (as `dataclasses` does for
`__init__`). Only integers and names bound in `namespace` go into the source, never data
values, so guide or file content cannot become code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def compile_function(
    name: str, body: list[str], namespace: dict[str, Any], *, args: str = "S"
) -> Callable[..., Any]:
    """Compile `def name(args): body` with `namespace` as its globals."""
    source = "\n".join([f"def {name}({args}):", *(f"    {line}" for line in body or ["pass"])])
    scope = dict(namespace)
    exec(compile(source, f"<ebt generated {name}>", "exec"), scope)
    function: Callable[..., Any] = scope[name]
    function.__doc__ = source
    return function

"""Read the decision tables and the parameters from `rules/`."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from ebt.data.files import read_json
from ebt.resources import data_path
from ebt.rules.parameters import ParameterBook, Parameters, build_parameter_book, build_parameters
from ebt.rules.tables import (
    PARAMETERS_PREFIX,
    RuleBook,
    RuleError,
    Table,
    Vocabulary,
    build_rulebook,
    build_table,
    vocabulary,
)


def load_rulebook(
    folder: Path,
    *,
    predicates: Mapping[str, Callable[[Any], bool]],
    outcomes: Mapping[str, Collection[str] | None],
    codes: Collection[str],
    coded_outcomes: Collection[str] = frozenset({"reject"}),
) -> RuleBook:
    """Read and check every table file (`<table>-<version>.json`) in `folder`."""
    names = vocabulary(
        predicates=predicates, outcomes=outcomes, codes=codes, coded_outcomes=coded_outcomes
    )
    if not folder.is_dir():
        raise RuleError(f"{folder}: the rules folder does not exist")
    tables = [
        (load_table(path, names), str(path))
        for path in sorted(folder.glob("*.json"))
        if not path.name.startswith(PARAMETERS_PREFIX)
    ]
    return build_rulebook(tables, source=str(folder))


def load_table(path: Path, vocabulary: Vocabulary) -> Table:
    """Read one table file and check it against `vocabulary`; raise RuleError naming the file."""
    raw = read_json(path, RuleError)
    return build_table(raw, vocabulary, source=str(path), file_name=path.name)


def load_parameters(path: Path) -> Parameters:
    """Read one parameters file; every number must be given. Raise RuleError naming the file."""
    raw = read_json(path, RuleError)
    return build_parameters(raw, source=str(path), file_name=path.name)


def load_parameter_book(folder: Path | None = None) -> ParameterBook:
    """Read every `parameters-<version>.json` in `folder` (the bundled rules/ by default)."""
    root = folder or data_path("rules")
    paths = sorted(root.glob(f"{PARAMETERS_PREFIX}*.json"))
    return build_parameter_book((load_parameters(path) for path in paths), source=str(root))


@cache
def default_parameter_book() -> ParameterBook:
    """The bundled parameters, loaded once per process."""
    return load_parameter_book()

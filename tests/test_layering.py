"""The layering rule (docs/architecture.md, "Layers"): the core decides over values and never
reaches the database, the command line, the file system or the clock.

The core is the packages `ebt/market`, `ebt/syntax`, `ebt/guides`, `ebt/mapping` and
`ebt/rules`, with the three shared modules they use (`ebt/findings.py`, `ebt/calendar.py`,
`ebt/codegen.py`). Each of their source files is parsed with `ast`, and every import in it
(at the top or inside a function) and every call is checked. A module of the core may not:

1. import SQLAlchemy, Alembic, a database driver (sqlite3, psycopg) or click;
2. import from `ebt` anything but the core: not the store, the command line, the sweeps, the
   pipeline, the services, the data loaders (`ebt.data`, `ebt.resources`) or any other edge;
3. touch the file system: import os, pathlib, shutil, glob, tempfile, fileinput or
   importlib.resources; use io.open, io.FileIO or codecs.open; call the builtin `open()`;
4. read the clock: import time; call date.today(), datetime.now(), datetime.today() or
   datetime.utcnow() (the edge passes the day in: `Market.today`).

A type such as `typing.BinaryIO` is not file system access: a reader takes a stream its
caller opened. The exemptions below are single imports inside single functions, each with
its reason; a failure names the module, the line and what it imports or calls.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE_PACKAGES = ("market", "syntax", "guides", "mapping", "rules")
SHARED = ("findings", "calendar", "codegen")  # pure modules the core packages use
CORE = tuple(f"ebt.{name}" for name in (*CORE_PACKAGES, *SHARED))

DATABASE = ("sqlalchemy", "alembic", "sqlite3", "psycopg", "psycopg2")
COMMAND_LINE = ("click",)
FILE_SYSTEM = ("os", "pathlib", "shutil", "glob", "tempfile", "fileinput", "importlib.resources")
FILE_NAMES = {("io", "open"), ("io", "FileIO"), ("codecs", "open")}
CLOCK_MODULES = ("time",)
CLOCK_CALLS = {("date", "today"), ("datetime", "now"), ("datetime", "today")}
CLOCK_CALLS |= {("datetime", "utcnow")}

# (module, function, imported module): why the import is allowed there
EXEMPT = {
    ("ebt/guides/loader.py", "default_guidebook", "ebt.data.guides"): (
        "the bundled guide book, re-exported for the format readers that import it from "
        "ebt.guides.loader (ebt/formats/x12_form.py); the core itself is given its guides"
    ),
    ("ebt/mapping/mapper.py", "mapping_for", "ebt.data.mappings"): (
        "the bundled mappings, re-exported for the format readers that import mapping_for "
        "from ebt.mapping.mapper (ebt/formats/checking.py, x12_form.py) and for to_record "
        "called without a mapping; the market core is given its mappings"
    ),
}
# the names the exemptions re-export: no other module of the core may import them
REEXPORTED = {("ebt.guides.loader", "default_guidebook"), ("ebt.mapping.mapper", "mapping_for")}


@dataclass(frozen=True, slots=True)
class Breach:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def core_files() -> list[Path]:
    files = [ROOT / "ebt" / f"{name}.py" for name in SHARED]
    for package in CORE_PACKAGES:
        files += sorted((ROOT / "ebt" / package).rglob("*.py"))
    return files


def _within(module: str, roots: tuple[str, ...]) -> bool:
    return any(module == root or module.startswith(f"{root}.") for root in roots)


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    base = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def _imported(module: str) -> str | None:
    """What importing `module` breaks, or None."""
    if _within(module, DATABASE):
        return f"imports {module} (the database)"
    if _within(module, COMMAND_LINE):
        return f"imports {module} (the command line)"
    if _within(module, FILE_SYSTEM):
        return f"imports {module} (the file system)"
    if _within(module, CLOCK_MODULES):
        return f"imports {module} (the clock)"
    if _within(module, ("ebt",)) and not _within(module, CORE):
        return f"imports {module}, outside the core"
    return None


class _Checker(ast.NodeVisitor):
    def __init__(self, path: str, package: str):
        self.path = path
        self.package = package
        self.function = ""
        self.found: list[Breach] = []

    def _breach(self, node: ast.AST, what: str, module: str = "") -> None:
        if (self.path, self.function, module) not in EXEMPT:
            self.found.append(Breach(self.path, getattr(node, "lineno", 0), what))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815 (ast.NodeVisitor's name)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            what = _imported(alias.name)
            if what:
                self._breach(node, what, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = _absolute(node, self.package)
        what = _imported(module)
        if what:
            self._breach(node, what, module)
        for alias in node.names:
            full = f"{module}.{alias.name}"
            if what is None and ((module, alias.name) in FILE_NAMES or _within(full, FILE_SYSTEM)):
                self._breach(node, f"imports {full} (the file system)", full)
            if (module, alias.name) in REEXPORTED:
                self._breach(node, f"imports {full}, which reads the bundled data (ebt.data)")

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "open":
            self._breach(node, "calls open() (the file system)")
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and (func.value.id, func.attr) in CLOCK_CALLS
        ):
            self._breach(node, f"calls {func.value.id}.{func.attr}() (the clock)")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.value, ast.Name) and (node.value.id, node.attr) in FILE_NAMES:
            self._breach(node, f"uses {node.value.id}.{node.attr} (the file system)")
        self.generic_visit(node)


def breaches(source: str, path: str) -> Iterator[Breach]:
    """Every breach of the rule in one module's source (`path` relative to the root)."""
    module = path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    checker = _Checker(path, package)
    checker.visit(ast.parse(source, filename=path))
    yield from checker.found


def test_the_core_reaches_no_database_command_line_file_system_or_clock() -> None:
    found = [
        str(breach)
        for path in core_files()
        for breach in breaches(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not found, "the core reaches past its layer:\n" + "\n".join(found)


def test_the_rule_covers_every_core_package() -> None:
    names = {str(p.relative_to(ROOT)) for p in core_files()}
    for expected in (
        "ebt/market/decider.py",
        "ebt/market/moves.py",
        "ebt/market/tenancy.py",
        "ebt/syntax/reader.py",
        "ebt/guides/loader.py",
        "ebt/mapping/mapper.py",
        "ebt/rules/tables.py",
        "ebt/calendar.py",
    ):
        assert expected in names


def test_every_exemption_is_still_needed() -> None:
    used = set()
    for path in core_files():
        relative = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef):
                for node in ast.walk(function):
                    if isinstance(node, ast.ImportFrom) and node.module:
                        used.add((relative, function.name, node.module))
    assert set(EXEMPT) <= used, f"exemptions no longer used: {sorted(set(EXEMPT) - used)}"


BAD = """\
import os
import sqlalchemy.orm
from pathlib import Path
from click import command
from ebt.store.schema import Account
from ebt.services import moves
from io import open as io_open
from ebt.guides.loader import default_guidebook
import time


def read(name):
    with open(name) as handle:
        return handle.read()


def stamp():
    return datetime.now(), date.today()


def raw(name):
    return io.FileIO(name)


def hidden():
    from ebt.data.guides import load_guidebook
    return load_guidebook()
"""


@pytest.mark.parametrize(
    ("line", "what"),
    [
        (1, "imports os (the file system)"),
        (2, "imports sqlalchemy.orm (the database)"),
        (3, "imports pathlib (the file system)"),
        (4, "imports click (the command line)"),
        (5, "imports ebt.store.schema, outside the core"),
        (6, "imports ebt.services, outside the core"),
        (7, "imports io.open (the file system)"),
        (8, "imports ebt.guides.loader.default_guidebook, which reads the bundled data"),
        (9, "imports time (the clock)"),
        (13, "calls open() (the file system)"),
        (18, "calls datetime.now() (the clock)"),
        (18, "calls date.today() (the clock)"),
        (22, "uses io.FileIO (the file system)"),
        (26, "imports ebt.data.guides, outside the core"),
    ],
)
def test_the_rule_names_the_module_line_and_what_breaks_it(line: int, what: str) -> None:
    found = [str(b) for b in breaches(BAD, "ebt/market/bad.py")]
    assert any(f.startswith(f"ebt/market/bad.py:{line}: {what}") for f in found), found


def test_a_reader_may_take_a_binary_stream() -> None:
    source = "from typing import IO, BinaryIO\n\ndef read(source: BinaryIO) -> bytes:\n"
    source += "    return source.read()\n"
    assert list(breaches(source, "ebt/syntax/reader.py")) == []


def test_relative_imports_are_resolved() -> None:
    found = [str(b) for b in breaches("from ..store import schema\n", "ebt/market/x.py")]
    assert found == ["ebt/market/x.py:1: imports ebt.store, outside the core"]


def test_a_module_of_importlib_is_named() -> None:
    found = [str(b) for b in breaches("from importlib import resources\n", "ebt/rules/x.py")]
    assert found == ["ebt/rules/x.py:1: imports importlib.resources (the file system)"]


def test_an_exemption_holds_in_its_function_only() -> None:
    inside = "def default_guidebook():\n    from ebt.data.guides import default_guidebook\n"
    assert list(breaches(inside, "ebt/guides/loader.py")) == []
    elsewhere = "def other():\n    from ebt.data.guides import default_guidebook\n"
    found = [str(b) for b in breaches(elsewhere, "ebt/guides/loader.py")]
    assert found == ["ebt/guides/loader.py:2: imports ebt.data.guides, outside the core"]

"""Benchmark `ebt load`: a utility of N accounts (with their premises, meters, installations,
cycle reads and landlord agreements, as bench/generate_reference.py writes them) loaded into a
fresh SQLite store, then loaded again (every row unchanged).

Each load is `ebt load --db URL PATH` in a fresh process; the wall time includes the start of
the interpreter and the store's migration, as a user would see it. The report gives the median
of R runs, their spread, the rows per second, the CPU seconds of the process (user + system,
the figure to compare on a busy machine, where wall time follows the other processes) and its
peak RSS (its own, both from `wait4`). Runs are interleaved (sizes, forms, stores and code)
so that a noisy spell on a shared machine hits them alike.

    python bench/load.py                          # 100,000 accounts, 3 runs
    python bench/load.py -n 100000 -n 1000000     # and a million (about 1 GB of disk)
    python bench/load.py --json                   # and the same utility as one JSON file
    python bench/load.py --postgres postgresql://postgres@127.0.0.1:5432/test
    python bench/load.py --baseline /tmp/ebt-main # and another checkout of ebt, e.g. main's:
                                                  # git archive main | tar -x -C /tmp/ebt-main

The generated files are kept in bench/out/ (git-ignored) and reused.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate_reference  # noqa: E402  (bench/generate_reference.py, beside this file)

SEED = 49876543


@dataclass(frozen=True)
class Case:
    """One thing measured: a size, the form of its files, the store and the code loading."""

    accounts: int
    form: str  # "csv" (a folder of CSV files) or "json" (one JSON file)
    store: str  # "sqlite" or "postgresql"
    code: str  # "this", or "baseline" (--baseline)


@dataclass
class Figures:
    """The runs of one case: wall seconds, CPU seconds and peak RSS (MiB) of each load and
    reload."""

    rows: int
    first: list[float] = field(default_factory=list)
    first_cpu: list[float] = field(default_factory=list)
    first_rss: list[float] = field(default_factory=list)
    again: list[float] = field(default_factory=list)
    again_cpu: list[float] = field(default_factory=list)
    again_rss: list[float] = field(default_factory=list)


def utility(accounts: int) -> tuple[Path, int]:
    """The folder of the N-account utility's CSV files (written once), and its row count."""
    folder = HERE / "out" / f"reference-{accounts}"
    done = HERE / "out" / f"reference-{accounts}.rows"
    if not done.is_file():
        print(f"writing a utility of {accounts:,} accounts to {folder} ...", file=sys.stderr)
        counts = generate_reference.write(folder, accounts, SEED)
        done.write_text(str(sum(counts.values())))
    return folder, int(done.read_text())


def as_json(folder: Path) -> Path:
    """The utility's CSV files as one JSON file (written once, a row at a time), indented as
    a person would write it: each item over several lines."""
    path = folder.with_suffix(".json")
    if path.is_file():
        return path
    print(f"writing {path} ...", file=sys.stderr)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        out.write("{")
        for number, kind in enumerate(generate_reference.COLUMNS):
            out.write(f'{"," if number else ""}\n  "{kind}": [')
            with (folder / f"{kind}.csv").open(newline="", encoding="utf-8") as rows:
                for index, row in enumerate(csv.DictReader(rows)):
                    item = json.dumps({k: v for k, v in row.items() if v}, indent=2)
                    out.write(("," if index else "") + "\n    " + item.replace("\n", "\n    "))
            out.write("\n  ]")
        out.write("\n}\n")
    partial.rename(path)
    return path


def ebt_load(path: Path, url: str, code: str | None, where: Path) -> tuple[float, float, float]:
    """`ebt load --db URL path` in a fresh process, with `code` (a checkout of ebt) first on
    its path when given: (wall seconds, CPU seconds, peak RSS MiB). It runs in `where`, a
    folder without an `ebt` package (`-m` puts the working folder first on the path)."""
    command = [sys.executable, "-m", "ebt", "load", "--db", url, str(path)]
    env = dict(os.environ)
    if code:
        env["PYTHONPATH"] = str(Path(code).resolve())
    start = time.perf_counter()
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=where
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"ebt load failed ({child.returncode}):\n{output.decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


class Store:
    """A fresh store for one run: an SQLite file, or a new schema on a PostgreSQL server."""

    def __init__(self, kind: str, tmp: Path, postgres: str | None) -> None:
        self.kind, self.postgres, self.schema = kind, postgres, ""
        self.path = tmp / f"load-{secrets.token_hex(3)}.db"

    def __enter__(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.path}"
        from sqlalchemy import text
        from sqlalchemy.engine import make_url

        from ebt.store.database import driver_url, make_engine

        assert self.postgres is not None
        self.schema = f"ebt_load_bench_{secrets.token_hex(3)}"
        engine = make_engine(self.postgres)
        with engine.begin() as db:
            db.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        engine.dispose()
        url = make_url(driver_url(self.postgres))
        url = url.update_query_dict({"options": f"-csearch_path={self.schema}"})
        return url.render_as_string(hide_password=False)

    def __exit__(self, *_: object) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        if self.schema:
            from sqlalchemy import text

            from ebt.store.database import make_engine

            engine = make_engine(self.postgres or "")
            with engine.begin() as db:
                db.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            engine.dispose()


def measure(cases: list[Case], runs: int, args: argparse.Namespace) -> dict[Case, Figures]:
    utilities = {n: utility(n) for n in sorted({c.accounts for c in cases})}
    paths = {(n, "csv"): folder for n, (folder, _) in utilities.items()}
    for case in cases:
        if case.form == "json" and (case.accounts, "json") not in paths:
            paths[(case.accounts, "json")] = as_json(utilities[case.accounts][0])
    figures = {case: Figures(utilities[case.accounts][1]) for case in cases}
    with tempfile.TemporaryDirectory(prefix="ebt-load-bench-") as name:
        for run in range(runs):
            for case in cases:
                f, path = figures[case], paths[(case.accounts, case.form)]
                code = args.baseline if case.code == "baseline" else None
                with Store(case.store, Path(name), args.postgres) as url:
                    wall, cpu, rss = ebt_load(path, url, code, Path(name))
                    f.first.append(wall)
                    f.first_cpu.append(cpu)
                    f.first_rss.append(rss)
                    print(
                        f"{case} run {run + 1}: {wall:.1f} s, CPU {cpu:.1f} s, {rss:.0f} MiB",
                        file=sys.stderr,
                    )
                    if not args.no_again:
                        wall, cpu, rss = ebt_load(path, url, code, Path(name))
                        f.again.append(wall)
                        f.again_cpu.append(cpu)
                        f.again_rss.append(rss)
                        print(
                            f"  again: {wall:.1f} s, CPU {cpu:.1f} s, {rss:.0f} MiB",
                            file=sys.stderr,
                        )
    return figures


def spread(values: list[float]) -> str:
    if len(values) < 2:
        return "-"
    return f"{(max(values) - min(values)) / statistics.median(values):.0%}"


def report(figures: dict[Case, Figures], runs: int) -> None:
    print(f"load average {os.getloadavg()[0]:.1f} at the end, medians of {runs} run(s)\n")
    print(
        "| code | store | form | accounts | rows | load s | spread | rows/s | CPU s "
        "| peak RSS MiB | again s | again CPU s | again peak RSS MiB |"
    )
    print("|:---|:---|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for case, f in figures.items():
        first = statistics.median(f.first)
        again = ["-", "-", "-"]
        if f.again:
            again = [f"{statistics.median(f.again):.1f}", f"{statistics.median(f.again_cpu):.1f}"]
            again.append(f"{max(f.again_rss):.0f}")
        print(
            f"| {case.code} | {case.store} | {case.form} | {case.accounts:,} | {f.rows:,} "
            f"| {first:.1f} | {spread(f.first)} | {f.rows / first:,.0f} "
            f"| {statistics.median(f.first_cpu):.1f} | {max(f.first_rss):.0f} "
            f"| {' | '.join(again)} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--accounts", type=int, action="append", help="accounts (about)")
    parser.add_argument("-r", "--runs", type=int, default=3)
    parser.add_argument("--no-again", action="store_true", help="skip the second load")
    parser.add_argument("--json", action="store_true", help="also load one JSON file")
    parser.add_argument("--postgres", help="also load into a fresh schema on this server")
    parser.add_argument("--baseline", help="also load with this checkout of ebt (a folder)")
    args = parser.parse_args()
    cases = [
        Case(n, form, store, code)
        for n in args.accounts or [100_000]
        for form in ["csv"] + (["json"] if args.json else [])
        for store in ["sqlite"] + (["postgresql"] if args.postgres else [])
        for code in (["baseline"] if args.baseline else []) + ["this"]
    ]
    report(measure(cases, args.runs, args), args.runs)


if __name__ == "__main__":
    main()

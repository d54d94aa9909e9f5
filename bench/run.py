"""Benchmark the engine on generated 814 enrollment files.

For each size, three measurements, each run in a fresh Python process so that its peak RSS
is its own:

  floor  plain Python: read the whole file, decode, split on the segment terminator and
         each segment on the element separator (the least any X12 reader in Python can do)
  read   SegmentReader(...).batches(), counting segments (bounded memory)
  full   FileChecker(..., records=True).events(): read, envelopes, validation against the
         guide and typed records, counting the SetResults that carry a record

Each is repeated R times (runs interleaved, so a noisy spell hits all three alike) and the
median wall time is reported.

    python bench/run.py                      # 50,000 and 200,000 transactions
    python bench/run.py --million            # and 1,000,000
    python bench/run.py 20000 -r 3 --json bench/out/results.json
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
KINDS = ("floor", "read", "full")
DEFAULT_SIZES = (50_000, 200_000)

# Targets.
READ_MIN_FLOOR_SPEED = 0.8  # read alone: at least 0.8x the floor's speed
FULL_MIN_TPS = 25_000  # full pipeline: transactions per second
FULL_MAX_FLOOR_TIME = 3.5  # full pipeline: at most 3.5x the floor's time
RSS_MAX_MIB = 150.0  # peak RSS at 200,000 transactions
RSS_SIZE = 200_000
RSS_FLAT_GROWTH = 0.10  # "flat": peak RSS grows at most 10% from smallest to largest size


# -- the measurements (run in the child process) ----------------------------------------------


def measure_floor(path: Path) -> int:
    """Read in one go, decode, split into segments and elements; the number of segments."""
    with path.open("rb") as source:
        text = source.read().decode("latin-1")
    element, terminator = text[3], text[105]
    if text[106:107] == "\n":
        terminator += "\n"
    count = 0
    for raw in text.split(terminator):
        if raw:
            raw.split(element)
            count += 1
    return count


def measure_read(path: Path) -> int:
    """SegmentReader over the file; the number of segments."""
    from ebt.runtime import tune_for_batch
    from ebt.syntax.reader import SegmentReader

    tune_for_batch()  # as the ebt command runs
    with path.open("rb") as source:
        return sum(len(batch) for batch in SegmentReader(source, name=str(path)).batches())


def measure_full(path: Path) -> int:
    """The whole pipeline; the number of transaction sets that became typed records."""
    from ebt.check import FileChecker, SetResult
    from ebt.runtime import tune_for_batch

    tune_for_batch()  # as the ebt command runs
    records = 0
    with path.open("rb") as source:
        for event in FileChecker(source, name=str(path), records=True).events():
            if isinstance(event, SetResult) and event.record is not None:
                records += 1
    return records


MEASURES = {"floor": measure_floor, "read": measure_read, "full": measure_full}
PRELOAD = {"read": "ebt.syntax.reader", "full": "ebt.check"}


def child(kind: str, path: Path) -> None:
    """Run one measurement and print {seconds, count, rss_mib} as JSON."""
    if kind in PRELOAD:
        importlib.import_module(PRELOAD[kind])  # imports are not part of the timed work
    start = time.perf_counter()
    count = MEASURES[kind](path)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_mib = peak / (1 << 20) if sys.platform == "darwin" else peak / 1024
    print(json.dumps({"seconds": seconds, "count": count, "rss_mib": rss_mib}))


# -- the driver ------------------------------------------------------------------------------


@dataclass
class Result:
    transactions: int
    kind: str
    file_bytes: int
    seconds: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)
    count: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def spread(self) -> float:
        """(slowest - fastest) / median: how noisy the runs were."""
        return (max(self.seconds) - min(self.seconds)) / self.median

    @property
    def mb_per_s(self) -> float:
        return self.file_bytes / 1e6 / self.median

    @property
    def tps(self) -> float:
        return self.transactions / self.median

    @property
    def peak_rss(self) -> float:
        return max(self.rss_mib)


def data_file(out_dir: Path, transactions: int, seed: int, per_group: int | None) -> Path:
    name = f"enr-{transactions}"
    if seed != 814:
        name += f"-s{seed}"
    if per_group:
        name += f"-g{per_group}"
    return out_dir / f"{name}.x12"


def ensure_file(
    path: Path, transactions: int, seed: int, per_group: int | None, fresh: bool
) -> None:
    if path.exists() and not fresh:
        return
    command = [sys.executable, str(HERE / "generate.py"), "-n", str(transactions)]
    command += ["-o", str(path), "--seed", str(seed)]
    if per_group:
        command += ["--per-group", str(per_group)]
    log(f"generating {path} ...")
    start = time.perf_counter()
    subprocess.run(command, check=True)
    log(f"  {path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - start:.1f} s")


def warm(path: Path) -> None:
    """Read the file once so every run finds it in the page cache."""
    with path.open("rb") as source:
        while source.read(1 << 24):
            pass


def run_child(kind: str, path: Path) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", kind, str(path)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def benchmark(args: argparse.Namespace) -> list[Result]:
    results: list[Result] = []
    for size in args.sizes:
        path = data_file(args.out_dir, size, args.seed, args.per_group)
        ensure_file(path, size, args.seed, args.per_group, args.regenerate)
        warm(path)
        by_kind = {k: Result(size, k, path.stat().st_size) for k in KINDS}
        for run in range(1, args.repeat + 1):
            for kind in KINDS:
                out = run_child(kind, path)
                result = by_kind[kind]
                result.seconds.append(out["seconds"])
                result.rss_mib.append(out["rss_mib"])
                result.count = out["count"]
                log(
                    f"{size:>9,} {kind:<5} run {run}/{args.repeat}: {out['seconds']:.3f} s, "
                    f"{out['rss_mib']:.0f} MiB"
                )
        if by_kind["floor"].count != by_kind["read"].count:
            log(
                f"WARNING: floor saw {by_kind['floor'].count} segments, read saw "
                f"{by_kind['read'].count}"
            )
        if by_kind["full"].count != size:
            log(f"WARNING: {by_kind['full'].count} records from {size} transactions")
        results.extend(by_kind.values())
    return results


# -- the report ------------------------------------------------------------------------------


def table(results: list[Result]) -> str:
    floors = {r.transactions: r for r in results if r.kind == "floor"}
    lines = [
        "| transactions | file MB | measurement | median s | spread | MB/s | transactions/s "
        "| peak RSS MiB | speed vs floor | time vs floor |",
        "|---:|---:|:---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        floor = floors[r.transactions].median
        lines.append(
            f"| {r.transactions:,} | {r.file_bytes / 1e6:.1f} | {r.kind} | {r.median:.3f} "
            f"| {r.spread:.0%} | {r.mb_per_s:.1f} | {r.tps:,.0f} | {r.peak_rss:.1f} "
            f"| {floor / r.median:.2f}x | {r.median / floor:.2f}x |"
        )
    return "\n".join(lines)


def targets(results: list[Result]) -> list[tuple[str, str, bool | None]]:
    """(target, what was measured, met?); met is None when this run cannot tell."""
    get = {(r.transactions, r.kind): r for r in results}
    sizes = sorted({r.transactions for r in results})
    out: list[tuple[str, str, bool | None]] = []
    for size in sizes:
        floor, read, full = (get[size, k] for k in KINDS)
        speed = floor.median / read.median
        ratio = full.median / floor.median
        out += [
            (f"{size:,}: read >= {READ_MIN_FLOOR_SPEED}x floor speed", f"{speed:.2f}x",
             speed >= READ_MIN_FLOOR_SPEED),
            (f"{size:,}: full >= {FULL_MIN_TPS:,} transactions/s", f"{full.tps:,.0f}/s",
             full.tps >= FULL_MIN_TPS),
            (f"{size:,}: full <= {FULL_MAX_FLOOR_TIME}x floor time", f"{ratio:.2f}x",
             ratio <= FULL_MAX_FLOOR_TIME),
        ]  # fmt: skip
    for kind in ("read", "full"):
        at = get.get((RSS_SIZE, kind))
        label = f"{kind} peak RSS < {RSS_MAX_MIB:.0f} MiB at {RSS_SIZE:,}"
        if at is None:
            out.append((label, "not measured", None))
        else:
            out.append((label, f"{at.peak_rss:.1f} MiB", at.peak_rss < RSS_MAX_MIB))
        out.append(flatness(get, sizes, kind))
    return out


def flatness(
    get: dict[tuple[int, str], Result], sizes: list[int], kind: str
) -> tuple[str, str, bool | None]:
    """Peak RSS from the smallest to the largest size; judged only over 50,000 to 1,000,000."""
    target = f"{kind} peak RSS flat (<= +{RSS_FLAT_GROWTH:.0%}) from 50,000 to 1,000,000"
    if len(sizes) < 2:
        return target, "needs two sizes", None
    small, large = get[sizes[0], kind], get[sizes[-1], kind]
    growth = large.peak_rss / small.peak_rss - 1
    measured = (
        f"{small.peak_rss:.1f} -> {large.peak_rss:.1f} MiB ({growth:+.0%}) "
        f"from {sizes[0]:,} to {sizes[-1]:,}"
    )
    if sizes[0] > 50_000 or sizes[-1] < 1_000_000:
        return target, measured + " (add --million to judge)", None
    return target, measured, growth <= RSS_FLAT_GROWTH


def engine_version() -> str:
    """The commit the engine is at, with "+dirty" when ebt/ or its data has uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=HERE.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "ebt", "transactions", "mappings"],
            cwd=HERE.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def report(results: list[Result], repeat: int, version: str) -> str:
    mark = {True: "PASS", False: "FAIL", None: "-"}
    lines = [
        f"# ebt benchmark: 814 enrollment requests, median of {repeat} run(s)",
        "",
        f"Engine at {version}; Python {platform.python_version()} on {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs. MB = 10^6 bytes of file; "
        "RSS in MiB (ru_maxrss of the measuring process).",
        "",
        table(results),
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "|:---|:---|:---|",
    ]
    lines += [f"| {t} | {m} | {mark[ok]} |" for t, m, ok in targets(results)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Benchmark ebt on generated 814 files.")
    parser.add_argument("sizes", nargs="*", type=int, help="transactions per file")
    parser.add_argument("--million", action="store_true", help="also 1,000,000 transactions")
    parser.add_argument("-r", "--repeat", type=int, default=5, help="runs per measurement")
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    parser.add_argument("--per-group", type=int, help="transactions per GS group")
    parser.add_argument("--seed", type=int, default=814)
    parser.add_argument("--out-dir", type=Path, default=HERE / "out")
    parser.add_argument("--regenerate", action="store_true", help="rewrite existing files")
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        kind, path = args.measure
        child(kind, Path(path))
        return
    args.sizes = sorted(set(args.sizes or DEFAULT_SIZES) | ({1_000_000} if args.million else set()))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    version = engine_version()
    results = benchmark(args)
    if engine_version() != version:
        log("WARNING: the engine changed while the benchmark ran; the figures mix versions")
    print(report(results, args.repeat, version))
    if args.json:
        payload = {
            "engine": version,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "repeat": args.repeat,
            "results": [
                asdict(r) | {"median": r.median, "mb_per_s": r.mb_per_s, "tps": r.tps}
                for r in results
            ],
            "targets": [{"target": t, "measured": m, "met": ok} for t, m, ok in targets(results)],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Benchmark `ebt show --format json`: peak RSS by file size, which must stay flat.

Generates N-enrollment files with bench/generate.py (kept in bench/out/), runs
`python -m ebt show --format json FILE` on each in a fresh process with its output thrown
away, and reports the wall time and the process's own peak RSS (`os.wait4`), then the
growth of peak RSS from the smallest to the largest file.

    python bench/show.py                         # 10,000, 50,000 and 200,000 transactions
    python bench/show.py -n 2000 -n 20000 -r 3
    python bench/show.py --source /work/main     # the same for another checkout's ebt

`--source DIR` puts DIR first on PYTHONPATH, so the `ebt` package of another checkout (say,
main before a change) is the one measured.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = (10_000, 50_000, 200_000)
FLAT = 0.10  # at most 10% growth of peak RSS from the smallest to the largest file


def ensure_file(out_dir: Path, transactions: int) -> Path:
    path = out_dir.resolve() / f"enr-{transactions}.x12"
    if not path.exists():
        log(f"generating {path} ...")
        command = [sys.executable, str(HERE / "generate.py"), "-n", str(transactions)]
        subprocess.run([*command, "-o", str(path)], check=True)
    return path


def measure(path: Path, source: Path | None) -> tuple[float, float]:
    """One run in a fresh process: wall seconds and peak RSS in MiB."""
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "ebt", "show", "--format", "json", str(path)]
    start = time.perf_counter()
    # run from the file's folder: `-m` puts the working directory first on sys.path
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env, cwd=path.parent)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {child.returncode}")
    return seconds, usage.ru_maxrss / 1024  # KiB on Linux


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--transactions", type=int, action="append", help="file sizes")
    parser.add_argument("-r", "--repeat", type=int, default=1, help="runs per size")
    parser.add_argument("--source", type=Path, help="measure the ebt package of this checkout")
    parser.add_argument("--out-dir", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    sizes = sorted(args.transactions or SIZES)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in sizes:
        path = ensure_file(args.out_dir, size)
        runs = []
        for run in range(args.repeat):
            log(f"show --format json, {size:,} transactions, run {run + 1}")
            runs.append(measure(path, args.source))
        seconds = statistics.median(s for s, _ in runs)
        rss = max(r for _, r in runs)
        rows.append((size, path.stat().st_size / 1e6, seconds, rss))
    print("| transactions | file MB | median s | transactions/s | peak RSS MiB |")
    print("|---:|---:|---:|---:|---:|")
    for size, mb, seconds, rss in rows:
        print(f"| {size:,} | {mb:.1f} | {seconds:.2f} | {size / seconds:,.0f} | {rss:.1f} |")
    if len(rows) > 1:
        low, high = rows[0][3], rows[-1][3]
        growth = (high - low) / low
        verdict = "PASS" if growth <= FLAT else "FAIL"
        print(
            f"\npeak RSS {low:.1f} → {high:.1f} MiB from {rows[0][0]:,} to {rows[-1][0]:,} "
            f"transactions ({growth:+.0%}); flat (at most {FLAT:.0%}): {verdict}"
        )


if __name__ == "__main__":
    main()

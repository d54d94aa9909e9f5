"""Profile the full pipeline (read, envelopes, validation, typed records) with cProfile.

python bench/profile_full.py                 # 20,000 transactions, top 25 by tottime
python bench/profile_full.py -n 50000 --top 40 --sort cumulative
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from pathlib import Path

from run import HERE, data_file, ensure_file, measure_full


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Profile ebt's full pipeline.")
    parser.add_argument("-n", "--transactions", type=int, default=20_000)
    parser.add_argument("--top", type=int, default=25, help="functions to list")
    parser.add_argument("--sort", default="tottime", help="pstats sort key")
    parser.add_argument("--save", type=Path, help="also dump the raw profile here")
    args = parser.parse_args(argv)
    path = data_file(HERE / "out", args.transactions, 814, None)
    ensure_file(path, args.transactions, 814, None, fresh=False)
    import ebt.check  # noqa: F401  (keep imports out of the profile)

    profiler = cProfile.Profile()
    records = profiler.runcall(measure_full, path)
    print(f"{records:,} records from {path}", file=sys.stderr)
    if args.save:
        profiler.dump_stats(args.save)
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()

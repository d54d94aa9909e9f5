"""Benchmark the XML and EDIFACT forms beside plain lxml and plain pydifact.

The X12 814 enrollment files of bench/generate.py are translated once (by `ebt translate`'s
library call) into the XML and EDIFACT forms, cached in bench/out/. Then, for each size,
each measurement runs in a fresh Python process (so its peak RSS is its own), the runs
interleaved so that a noisy spell hits all alike; medians are reported:

  lxml       plain lxml iterparse of the XML file, counting transaction elements and
             clearing each (the least a streamed XML reader in Python does)
  xml        ebt: the XML form read hardened and streamed, each header and transaction
             validated against the XSD (libxml2 first, xmlschema for the findings), mapped,
             checked by the X12 guide, typed records
  pydifact   plain pydifact: Parser().parse() over the EDIFACT file, counting segments
  edifact    ebt: UNA, segments split from 1 MiB chunks (edifact_segments.py), envelopes, mapping,
             the X12 guide, typed records
  x12        ebt on the X12 file itself, for reference

    python bench/formats.py                   # 5,000 and 20,000 transactions, 3 runs each
    python bench/formats.py 2000 10000 40000 -r 5
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
KINDS = ("lxml", "xml", "pydifact", "edifact", "x12")
FLOOR = {"xml": "lxml", "edifact": "pydifact"}
FILE_OF = {"lxml": "xml", "xml": "xml", "pydifact": "edi", "edifact": "edi", "x12": "x12"}
DEFAULT_SIZES = (5_000, 20_000)


# -- the measurements (run in the child process) ----------------------------------------------


def measure_lxml(path: Path) -> int:
    from lxml import etree

    count = 0
    tag = "{urn:ebt:transactions:1.0}transaction814"
    for _, element in etree.iterparse(str(path), events=("end",), tag=tag):
        count += 1
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]
    return count


def measure_pydifact(path: Path) -> int:
    from pydifact.parser import Parser

    text = path.read_text(encoding="latin-1")
    return sum(1 for _ in Parser().parse(text))


def measure_ebt(path: Path) -> int:
    from ebt.check import SetResult
    from ebt.formats.detect import checker_for
    from ebt.runtime import tune_for_batch

    tune_for_batch()  # as the ebt command runs
    records = 0
    with path.open("rb") as source:
        for event in checker_for(source, name=str(path)).events():
            if isinstance(event, SetResult) and event.record is not None:
                records += 1
    return records


MEASURES = {
    "lxml": measure_lxml,
    "xml": measure_ebt,
    "pydifact": measure_pydifact,
    "edifact": measure_ebt,
    "x12": measure_ebt,
}
PRELOAD = {
    "lxml": ["lxml.etree"],
    "pydifact": ["pydifact.parser"],
    "xml": ["ebt.formats.checking", "ebt.formats.xml_reader"],
    "edifact": ["ebt.formats.checking", "ebt.formats.edifact_reader"],
    "x12": ["ebt.check", "ebt.formats.detect"],  # X12 needs none of lxml, xmlschema, pydifact
}


def child(kind: str, path: Path) -> None:
    for module in PRELOAD[kind]:
        importlib.import_module(module)  # imports are not part of the timed work
    if kind == "xml":
        from ebt.formats.xml_reader import gate, schema

        schema(), gate()  # the XSD is compiled once per process, as in a long-running service
    start = time.perf_counter()
    count = MEASURES[kind](path)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_mib = peak / (1 << 20) if sys.platform == "darwin" else peak / 1024
    print(json.dumps({"seconds": seconds, "count": count, "rss_mib": rss_mib}))


# -- the driver ------------------------------------------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def files_for(out_dir: Path, size: int) -> dict[str, Path]:
    x12 = out_dir / f"enr-{size}.x12"
    if not x12.exists():
        log(f"generating {x12} ...")
        command = [sys.executable, str(HERE / "generate.py"), "-n", str(size), "-o", str(x12)]
        subprocess.run(command, check=True)
    paths = {"x12": x12, "xml": x12.with_suffix(".xml"), "edi": x12.with_suffix(".edi")}
    for target, suffix in (("xml", "xml"), ("edifact", "edi")):
        if not paths[suffix].exists():
            log(f"translating {x12.name} to {target} ...")
            translate_file(x12, paths[suffix], target)
    return paths


def translate_file(source: Path, target: Path, to: str) -> None:
    from ebt.formats.translate import translate

    encoding = "utf-8" if to == "xml" else "latin-1"
    partial = target.with_suffix(target.suffix + ".part")
    with source.open("rb") as inbound, partial.open("w", encoding=encoding) as outbound:
        pieces, outcome = translate(inbound, to=to, name=source.name)  # type: ignore[arg-type]
        for piece in pieces:
            outbound.write(piece)
    if outcome.errors:
        raise SystemExit(f"{source}: {outcome.errors[0].message}")
    partial.replace(target)


def run_child(kind: str, path: Path) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", kind, str(path)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def benchmark(sizes: list[int], repeat: int, out_dir: Path) -> list[dict[str, Any]]:
    rows = []
    for size in sizes:
        paths = files_for(out_dir, size)
        runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
        for number in range(1, repeat + 1):
            for kind in KINDS:
                out = run_child(kind, paths[FILE_OF[kind]])
                runs[kind].append(out)
                log(f"{size:>8,} {kind:<8} run {number}/{repeat}: {out['seconds']:.3f} s, "
                    f"{out['rss_mib']:.0f} MiB, count {out['count']:,}")  # fmt: skip
        for kind in KINDS:
            seconds = [r["seconds"] for r in runs[kind]]
            rows.append(
                {
                    "transactions": size,
                    "kind": kind,
                    "file_mb": paths[FILE_OF[kind]].stat().st_size / 1e6,
                    "median_s": statistics.median(seconds),
                    "spread": (max(seconds) - min(seconds)) / statistics.median(seconds),
                    "peak_rss_mib": max(r["rss_mib"] for r in runs[kind]),
                    "count": runs[kind][0]["count"],
                }
            )
    return rows


def report(rows: list[dict[str, Any]]) -> str:
    by = {(r["transactions"], r["kind"]): r for r in rows}
    lines = [
        "| transactions | measurement | file MB | median s | spread | MB/s | transactions/s "
        "| peak RSS MiB | time vs plain parser |",
        "|---:|:---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        floor = by.get((r["transactions"], FLOOR.get(r["kind"], "")))
        ratio = f"{r['median_s'] / floor['median_s']:.2f}x" if floor else ""
        lines.append(
            f"| {r['transactions']:,} | {r['kind']} | {r['file_mb']:.1f} | {r['median_s']:.3f} "
            f"| {r['spread']:.0%} | {r['file_mb'] / r['median_s']:.1f} "
            f"| {r['transactions'] / r['median_s']:,.0f} | {r['peak_rss_mib']:.1f} | {ratio} |"
        )
    sizes = sorted({r["transactions"] for r in rows})
    if len(sizes) > 1:
        lines += ["", "Peak RSS from the smallest to the largest size:", ""]
        for kind in KINDS:
            low, high = by[sizes[0], kind]["peak_rss_mib"], by[sizes[-1], kind]["peak_rss_mib"]
            lines.append(f"- {kind}: {low:.1f} → {high:.1f} MiB ({high / low - 1:+.0%})")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(DEFAULT_SIZES))
    parser.add_argument("-r", "--repeat", type=int, default=3)
    parser.add_argument("--out-dir", type=Path, default=HERE / "out")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        child(args.measure[0], Path(args.measure[1]))
        return
    args.out_dir.mkdir(parents=True, exist_ok=True)
    rows = benchmark(sorted(args.sizes), args.repeat, args.out_dir)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    print(report(rows))


if __name__ == "__main__":
    main()

"""Benchmark the readers on hostile shapes: files built to cost far more than their size.

Each shape is generated at two or three sizes into bench/out/hostile/ (git-ignored) from a
bundled good fixture, then checked as `ebt validate` checks a file (`check_file`, findings
rendered as JSON), each run in a fresh Python process so that its peak RSS is its own;
imports and the XSD's compilation happen before the clock starts. A reader whose cost is
linear in the file's bytes shows the same MB/s at every size of a shape, and a flat peak
RSS. A run over `--timeout` seconds is stopped and shown as such.

  xml-attributes   one XML element (<purpose>) with N attributes
  xml-children     one XML transaction with N empty child elements
  x12-segment      one X12 segment (N1*8R) N MB long
  x12-controls     N small X12 997 sets whose ST02s fall by 2 (no two adjacent)
  x12-strays       N X12 segments between two sets, outside any set
  edifact-segment  one EDIFACT segment (NAD+8R) N MB long

    python bench/hostile.py                       # every shape, its default sizes, 3 runs
    python bench/hostile.py x12-segment -r 5
    python bench/hostile.py --timeout 60 --json bench/out/hostile.json
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures"
MB = 1_000_000


# -- the shapes --------------------------------------------------------------------------------


def good(path: str) -> str:
    return (FIXTURES / path).read_text(encoding="latin-1")


def xml_attributes(count: int) -> Iterator[str]:
    head, tail = good("xml/good/814-enrollment-request.xml").split("<purpose>", 1)
    yield head + "<purpose"
    for start in range(0, count, 10_000):
        yield "".join(f' a{i}="x"' for i in range(start, min(count, start + 10_000)))
    yield ">" + tail


def xml_children(count: int) -> Iterator[str]:
    head, tail = good("xml/good/814-enrollment-request.xml").split("<purpose>", 1)
    yield head
    for start in range(0, count, 10_000):
        yield "<x/>" * (min(count, start + 10_000) - start)
    yield "<purpose>" + tail


def x12_segment(megabytes: int) -> Iterator[str]:
    head, tail = good("x12/good/814-enrollment-request.x12").split("MARGARET L THIBODEAU~", 1)
    yield head
    yield from _filler(megabytes * MB)
    yield "~" + tail


def edifact_segment(megabytes: int) -> Iterator[str]:
    head, tail = good("edifact/good/814-enrollment-request.edi").split("MARGARET L THIBODEAU+", 1)
    yield head
    yield from _filler(megabytes * MB)
    yield "+" + tail


def _filler(size: int) -> Iterator[str]:
    block = "A" * MB
    for start in range(0, size, MB):
        yield block[: min(MB, size - start)]


def x12_controls(count: int) -> Iterator[str]:
    """Small 997 sets (AK1, AK9), so that keeping the control numbers is most of the work."""
    lines = good("x12/good/997-functional-ack.x12").splitlines(keepends=True)
    yield lines[0] + lines[1]
    for n in range(count, 0, -1):
        control = f"{2 * n:09d}"
        yield f"ST*997*{control}~\nAK1*GE*101~\nAK9*A*0*0*0~\nSE*4*{control}~\n"
    yield f"GE*{count}*5120~\n" + lines[-1]


def x12_strays(count: int) -> Iterator[str]:
    text = good("x12/good/814-enrollment-request.x12")
    at = text.index("\nGE*") + 1
    yield text[:at]
    for start in range(0, count, 10_000):
        yield "N1*XX*STRAY~\n" * (min(count, start + 10_000) - start)
    yield text[at:]


SHAPES: dict[str, tuple[Callable[[int], Iterator[str]], tuple[int, ...], str, str]] = {
    # name: (generator, default sizes, unit of a size, file suffix)
    "xml-attributes": (xml_attributes, (1_000, 10_000, 100_000), "attributes", "xml"),
    "xml-children": (xml_children, (10_000, 100_000, 1_000_000), "elements", "xml"),
    "x12-segment": (x12_segment, (1, 10, 20), "MB", "x12"),
    "x12-controls": (x12_controls, (50_000, 100_000, 200_000), "sets", "x12"),
    "x12-strays": (x12_strays, (100_000, 1_000_000), "segments", "x12"),
    "edifact-segment": (edifact_segment, (1, 10, 20), "MB", "edi"),
}


def file_for(out_dir: Path, shape: str, size: int) -> Path:
    generate, _, _, suffix = SHAPES[shape]
    path = out_dir / f"{shape}-{size}.{suffix}"
    if not path.exists():
        partial = path.with_suffix(".part")
        with partial.open("w", encoding="latin-1") as out:
            for piece in generate(size):
                out.write(piece)
        partial.replace(path)
    return path


# -- the measurement (run in the child process) -------------------------------------------------


def child(path: Path) -> None:
    from ebt.cli.render import report_json
    from ebt.cli.validate import check_file
    from ebt.formats.xml_reader import gate, schema
    from ebt.runtime import tune_for_batch

    tune_for_batch()  # as the ebt command runs
    schema(), gate()  # compiled once per process, as in a long-running service
    start = time.perf_counter()
    report = check_file(path, strict=False)
    rendered = json.dumps(report_json(report))
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_mib = peak / (1 << 20) if sys.platform == "darwin" else peak / 1024
    codes = sorted({f.code for f in report.findings})
    out = {
        "seconds": seconds,
        "rss_mib": rss_mib,
        "errors": report.errors,
        "codes": codes,
        "output_kb": len(rendered) / 1000,
    }
    print(json.dumps(out))


# -- the driver ------------------------------------------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_child(path: Path, timeout: float) -> dict[str, Any] | None:
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", str(path)]
    try:
        done = subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def benchmark(
    shapes: list[str], repeat: int, timeout: float, out_dir: Path
) -> list[dict[str, Any]]:
    rows = []
    for shape in shapes:
        _, sizes, unit, _ = SHAPES[shape]
        for size in sizes:
            path = file_for(out_dir, shape, size)
            runs = []
            for number in range(1, repeat + 1):
                out = run_child(path, timeout)
                if out is None:
                    log(f"{shape} {size:,} {unit} run {number}: stopped after {timeout:.0f} s")
                    break
                runs.append(out)
                log(f"{shape} {size:,} {unit} run {number}/{repeat}: {out['seconds']:.3f} s, "
                    f"{out['rss_mib']:.0f} MiB, {', '.join(out['codes'])}")  # fmt: skip
            seconds = [r["seconds"] for r in runs]
            rows.append(
                {
                    "shape": shape,
                    "size": f"{size:,} {unit}",
                    "file_mb": path.stat().st_size / MB,
                    "median_s": statistics.median(seconds) if runs else None,
                    "timeout_s": timeout,
                    "peak_rss_mib": max((r["rss_mib"] for r in runs), default=None),
                    "codes": runs[0]["codes"] if runs else [],
                    "errors": runs[0]["errors"] if runs else None,
                }
            )
    return rows


def report(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| shape | size | file MB | median s | MB/s | peak RSS MiB | errors | codes |",
        "|:---|---:|---:|---:|---:|---:|---:|:---|",
    ]
    for r in rows:
        if r["median_s"] is None:
            timing = f"> {r['timeout_s']:.0f} (stopped) | < {r['file_mb'] / r['timeout_s']:.2f} | -"
            lines.append(f"| {r['shape']} | {r['size']} | {r['file_mb']:.2f} | {timing} | - | |")
            continue
        lines.append(
            f"| {r['shape']} | {r['size']} | {r['file_mb']:.2f} | {r['median_s']:.3f} "
            f"| {r['file_mb'] / r['median_s']:.2f} | {r['peak_rss_mib']:.0f} | {r['errors']:,} "
            f"| {' '.join(r['codes'])} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shapes", nargs="*", help=f"any of {', '.join(SHAPES)} (default: all)")
    parser.add_argument("-r", "--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a run may take")
    parser.add_argument("--out-dir", type=Path, default=HERE / "out" / "hostile")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        child(args.measure)
        return
    unknown = sorted(set(args.shapes) - set(SHAPES))
    if unknown:
        parser.error(f"unknown shape(s) {', '.join(unknown)}; known: {', '.join(SHAPES)}")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    rows = benchmark(args.shapes or list(SHAPES), args.repeat, args.timeout, args.out_dir)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    print(report(rows))


if __name__ == "__main__":
    main()

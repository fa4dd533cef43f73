"""Report build time vs. its floor: `python benchmarks/bench_report.py [--period 2025-09]`.

Real: `run_report(period)` on the default (sample) data and the real notebooks in notebooks/.
Floor: five trivial notebooks that only import pandas, matplotlib, seaborn, statsmodels and
helpers (and write an empty figures file, which the runner requires), built by the same runner
with the same workers in the same process. Both build into a temporary folder, so reports/ is left
alone. Prints figures only; no assertions.

The real report is built three times against the cache of X-13 runs and backtest fits
(helpers.cache): "cold" with an empty cache (a first build on a fresh machine); "relday" (release
day) after last month's report was built on the same machine, untimed, so only what the new month
changes is computed afresh; "warm" a rebuild of the same month. `--cache keep` builds once with
the cache as it is.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from helpers.data import load_dataset
from helpers.paths import NOTEBOOKS_DIR
from helpers.report.runner import VIEWS, ReportError, run_report

PARAMS = 'period: str = "2025-09"\ndata: str = ""\ncurrency: str = "USD"\noutput_dir: str = ""'
IMPORTS = """from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
import statsmodels.api as sm

import helpers"""
FIGURES = """if output_dir:
    cols = ["metric", "flow", "dimension", "item", "period", "value", "unit"]
    pd.DataFrame(columns=cols).to_csv(Path(output_dir) / "figures_{view}.csv", index=False)"""


def write_floor(folder: Path) -> Path:
    """Write the five floor notebooks into folder and return it."""
    for i, view in enumerate(VIEWS, start=1):
        params = new_code_cell(PARAMS)
        params.metadata["tags"] = ["parameters"]
        nb = new_notebook(
            cells=[params, new_code_cell(IMPORTS), new_code_cell(FIGURES.format(view=view))]
        )
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(nb, folder / f"{i}_{view}.ipynb")
    return folder


def timed_build(period: str, out: Path, repeat: int, workers: int, **kwargs) -> tuple[float, dict]:
    """Best wall time over `repeat` builds, and the per-view timings of that build."""
    best, timings = float("inf"), {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        path = run_report(period, out=out, workers=workers, progress=None, **kwargs)
        wall = time.perf_counter() - t0
        if wall < best:
            best = wall
            timings = json.loads((path / "manifest.json").read_text())["timings"]
    return best, timings


def show(label: str, wall: float, timings: dict) -> None:
    """Print one build's wall time and per-view execute/export times."""
    print(f"{label:<6} {wall:6.1f} s wall")
    for view in VIEWS:
        t = timings.get(view)
        if t:
            print(
                f"         {view:<9} {t['seconds']:5.1f} s  "
                f"(execute {t['execute_s']:.1f} s, export {t['export_s']:.1f} s)"
            )


def main(argv: list[str] | None = None) -> int:
    """Run the floor, then the real report, and print both with their ratio."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--period", default="2025-09")
    p.add_argument("--repeat", type=int, default=1, help="builds per variant; best time kept")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--cache", choices=["fresh", "keep"], default="fresh",
                   help="fresh: cold, release-day and warm builds (default)")
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        tmp = Path(tmp)
        (tmp / "floor_notebooks").mkdir()
        floor_dir = write_floor(tmp / "floor_notebooks")
        missing = [
            f"{i}_{v}.ipynb"
            for i, v in enumerate(VIEWS, start=1)
            if not (NOTEBOOKS_DIR / f"{i}_{v}.ipynb").is_file()
        ]
        if missing:
            print(f"real   not run: notebook(s) missing in {NOTEBOOKS_DIR}: {', '.join(missing)}")
            return 0
        # (label, cache folder, month built first and not timed)
        previous = str(load_dataset().resolve(args.period).previous)
        runs = [("real", None, None)]
        if args.cache == "fresh":
            runs = [("cold", "cold", None), ("relday", "relday", previous),
                    ("warm", "relday", None)]  # fmt: skip
        # each variant right after its own floor: the machine's speed drifts over minutes
        # (a shared VM), and a floor measured once at the start flatters the later variants
        for label, cache, first in runs:
            floor, floor_t = timed_build(args.period, tmp / f"floor-{label}", args.repeat,
                                         args.workers, notebooks_dir=floor_dir)  # fmt: skip
            show("floor", floor, floor_t)
            if cache:
                os.environ["CTK_CACHE_DIR"] = str(tmp / cache)  # the workers inherit it
            try:
                if first:
                    run_report(first, out=tmp / f"{label}-{first}", workers=args.workers,
                               progress=None)  # fmt: skip
                real, real_t = timed_build(args.period, tmp / label, 1, args.workers)
            except ReportError as exc:
                print(f"{label:<6} failed: {exc}")
                return 0
            show(label, real, real_t)
            above = real - floor
            print(f"ratio  {real / floor:6.2f}x {label}/floor ({above:.1f} s above the floor)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

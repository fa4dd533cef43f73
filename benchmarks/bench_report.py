"""Report build time vs. its floor: `python benchmarks/bench_report.py [--period 2025-09]`.

Real: `run_report(period)` on the default (sample) data and the real notebooks in notebooks/.
Floor: five trivial notebooks that only import pandas, matplotlib, seaborn, statsmodels and
helpers (and write an empty figures file, which the runner requires), built by the same runner
with the same workers in the same process. Both build into a temporary folder, so reports/ is left
alone. Prints figures only; no assertions.

The real report is built three ways against the cache of X-13 runs and backtest fits
(helpers.cache): "cold" with an empty cache (a first build on a fresh machine); "relday" (release
day) after last month's report was built on the same machine, untimed, so only what the new month
changes is computed afresh; "warm" a rebuild of the same month. `--cache keep` builds once with
the cache as it is. Each is timed in `--rounds` rounds, each build right after a floor of its
own; the summary gives the ratio of the fastest build to the fastest floor and the median of the
rounds' ratios (on a shared 2-core VM single runs vary by a quarter).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from helpers.contract import view_spec, views
from helpers.data import load_dataset
from helpers.paths import NOTEBOOKS_DIR
from helpers.report.runner import ReportError, run_report

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
    for view in views():
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
        nbformat.write(nb, folder / view_spec(view).notebook)
    return folder


def timed_build(period: str, out: Path, workers: int, **kwargs) -> tuple[float, dict]:
    """Wall time of one build, and its per-view timings."""
    t0 = time.perf_counter()
    path = run_report(period, out=out, workers=workers, progress=None, strict=True, **kwargs)
    wall = time.perf_counter() - t0
    return wall, json.loads((path / "manifest.json").read_text())["timings"]


def show(label: str, wall: float, timings: dict) -> None:
    """Print one build's wall time and per-view execute/export times."""
    print(f"{label:<6} {wall:6.1f} s wall")
    for view in views():
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
    p.add_argument("--rounds", type=int, default=3,
                   help="floor + build pairs per variant (default 3); the summary takes the "
                        "fastest of each and the median of the rounds' ratios")  # fmt: skip
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--cache", choices=["fresh", "keep"], default="fresh",
                   help="fresh: cold, release-day and warm builds (default)")
    p.add_argument("--quiet", action="store_true", help="no per-view lines")
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        tmp = Path(tmp)
        (tmp / "floor_notebooks").mkdir()
        floor_dir = write_floor(tmp / "floor_notebooks")
        missing = [view_spec(v).notebook for v in views()
                   if not (NOTEBOOKS_DIR / view_spec(v).notebook).is_file()]
        if missing:
            print(f"real   not run: notebook(s) missing in {NOTEBOOKS_DIR}: {', '.join(missing)}")
            return 0
        previous = str(load_dataset().resolve(args.period).previous)
        variants = ["real"] if args.cache == "keep" else ["cold", "relday", "warm"]
        walls = {v: {"floor": [], "real": []} for v in variants}
        n = 0
        # rounds interleave floor and build, each build right after its own floor: the
        # machine's speed drifts over minutes (a shared VM), so a floor measured once would
        # flatter or penalise whatever is timed later
        for r in range(1, args.rounds + 1):
            for label in variants:
                n += 1
                floor, floor_t = timed_build(args.period, tmp / f"floor-{n}", args.workers,
                                             notebooks_dir=floor_dir)  # fmt: skip
                if label != "real":
                    # cold: an empty cache; relday: last month built first (untimed) into a
                    # fresh cache; warm: a rebuild on the release-day cache of this round
                    cache = tmp / f"cache-{r}-{'relday' if label == 'warm' else label}"
                    os.environ["CTK_CACHE_DIR"] = str(cache)  # the workers inherit it
                try:
                    if label == "relday":
                        run_report(previous, out=tmp / f"prev-{n}", workers=args.workers,
                                   progress=None, strict=True)  # fmt: skip
                    real, real_t = timed_build(args.period, tmp / f"real-{n}", args.workers)
                except ReportError as exc:
                    print(f"{label:<6} failed: {exc}")
                    return 0
                walls[label]["floor"].append(floor)
                walls[label]["real"].append(real)
                print(f"round {r} {label:<6} floor {floor:5.1f} s  build {real:5.1f} s  "
                      f"ratio {real / floor:4.2f}x", flush=True)  # fmt: skip
                if not args.quiet:
                    show("floor", floor, floor_t)
                    show(label, real, real_t)
        print("\nsummary (fastest of each / median of the rounds' ratios)")
        for label, w in walls.items():
            best_floor, best_real = min(w["floor"]), min(w["real"])
            ratios = [b / f for f, b in zip(w["floor"], w["real"], strict=True)]
            print(f"{label:<6} floor {best_floor:5.1f} s  build {best_real:5.1f} s  "
                  f"ratio {best_real / best_floor:4.2f}x fastest, "
                  f"{statistics.median(ratios):4.2f}x median of {len(ratios)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

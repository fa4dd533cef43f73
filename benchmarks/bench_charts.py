"""Cost of the issue-12 charts: `python benchmarks/bench_charts.py [--period 2025-09] [--repeat 3]`.

Times each new time-series chart as the notebooks call it (chart data + drawing + PNG), in this
process, on the bundled sample. Prints CPU seconds (this process plus its children: X-13 runs
as a subprocess) and wall seconds, best of `--repeat`; CPU time is the honest measure on a
shared, loaded machine. The views run in two workers, so on 2 cores the added build time is
about the total CPU time / 2. Prints figures only; no assertions.
"""

from __future__ import annotations

import argparse
import os
import time

from helpers import chartdata, charts
from helpers.contract import SAMPLE_LABEL
from helpers.data import load_dataset

SOURCE = SAMPLE_LABEL + ". China Trade Kit, USD values."


def new_charts(ds, when, months: int = 36) -> dict:
    """The charts issue 12 added, by view, as zero-argument callables."""
    return {
        "headline: growth": lambda: charts.growth_chart(
            chartdata.growth_panel(ds, when, months), SOURCE),
        "headline: seasonally adjusted": lambda: charts.sa_chart(
            chartdata.sa_panel(ds, when, months), SOURCE),
        "headline: balance": lambda: charts.balance_chart(
            chartdata.balance_panel(ds, when, months), SOURCE),
        "product: contributions": lambda: charts.contribution_bars(
            chartdata.contribution_history(ds, "export", "product", when, months), SOURCE),
        "product: group y/y": lambda: charts.yoy_lines_chart(
            chartdata.yoy_lines(ds, "export", when, months), SOURCE),
        "product: price/volume history": lambda: charts.price_volume_history_chart(
            chartdata.price_volume_history(ds, "export", when, months), "export", when.label,
            SOURCE),
        "regional: contributions": lambda: charts.contribution_bars(
            chartdata.contribution_history(ds, "export", "partner", when, months), SOURCE),
        "regional: US share": lambda: charts.us_share_chart(
            chartdata.us_share_history(ds, when, months), SOURCE),
        "imports: price/volume history": lambda: charts.price_volume_history_chart(
            chartdata.price_volume_history(ds, "import", when, months), "import", when.label,
            SOURCE),
    }  # fmt: skip


def cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--period", default="2025-09")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ds = load_dataset()
    when = ds.resolve(args.period)
    charts.growth_chart(chartdata.growth_panel(ds, when, 36), SOURCE)  # warm-up (fonts, caches)
    total_cpu = total_wall = 0.0
    print(f"{'chart':<34}{'CPU s':>8}{'wall s':>8}")
    for name, draw in new_charts(ds, when).items():
        best_cpu = best_wall = float("inf")
        for _ in range(args.repeat):
            c0, w0 = cpu(), time.perf_counter()
            draw()
            best_cpu = min(best_cpu, cpu() - c0)
            best_wall = min(best_wall, time.perf_counter() - w0)
        total_cpu += best_cpu
        total_wall += best_wall
        print(f"{name:<34}{best_cpu:>8.2f}{best_wall:>8.2f}")
    print(f"{'total':<34}{total_cpu:>8.2f}{total_wall:>8.2f}")
    print(f"on 2 cores (two view workers): about {total_cpu / 2:.2f} s added to the build")


if __name__ == "__main__":
    main()

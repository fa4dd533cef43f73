"""Cost of the issue-12 charts: `python benchmarks/bench_charts.py [--period 2025-09] [--repeat 3]`.

`--sizes`: each chart's PNG as matplotlib writes it (RGBA, zlib level 3, as the kit did before
helpers.images) against the kit's palette PNG: bytes, encoding milliseconds (best of
`--repeat`) and the pixel error of the palette image (mean and max over channels, 0-255, and
the share of pixels off by more than 8).

Times each new time-series chart as the notebooks call it (chart data + drawing + PNG), in this
process, on the bundled sample. Prints CPU seconds (this process plus its children: X-13 runs
as a subprocess) and wall seconds, best of `--repeat`; CPU time is the honest measure on a
shared, loaded machine. The views run in two workers, so on 2 cores the added build time is
about the total CPU time / 2. Prints figures only; no assertions.
"""

from __future__ import annotations

import argparse
import io
import os
import time

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from helpers import chartdata, charts, images
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


def sizes(ds, when, repeat: int) -> None:
    """Print RGBA against palette PNGs of every chart (bytes, encoding ms, pixel error)."""
    figures = []

    def keep(fig, dpi):  # draw through the kit, keep the figure's pixels to compare
        figures.append(images.figure_pixels(fig, dpi))
        return images.palette_png(figures[-1])

    charts.figure_png = keep
    try:
        names = list(new_charts(ds, when))
        for draw in new_charts(ds, when).values():
            draw()
    finally:
        charts.figure_png = images.figure_png
    print(f"{'chart':<34}{'RGBA KB':>9}{'ms':>6}{'palette KB':>12}{'ms':>6}"
          f"{'mean err':>10}{'max':>5}{'>8 %':>7}")
    totals = [0, 0]
    for name, image in zip(names, figures, strict=True):
        timings = {"rgba": float("inf"), "palette": float("inf")}
        for _ in range(repeat):
            t0 = time.perf_counter()
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", compress_level=3)
            timings["rgba"] = min(timings["rgba"], time.perf_counter() - t0)
            t0 = time.perf_counter()
            palette = images.palette_png(image)
            timings["palette"] = min(timings["palette"], time.perf_counter() - t0)
        rgba = buffer.getvalue()
        shown = np.asarray(Image.open(io.BytesIO(palette)).convert("RGB"), dtype=float)
        error = np.abs(shown - np.asarray(image.convert("RGB"), dtype=float))
        totals[0] += len(rgba)
        totals[1] += len(palette)
        print(f"{name:<34}{len(rgba) / 1024:>9.0f}{timings['rgba'] * 1000:>6.0f}"
              f"{len(palette) / 1024:>12.0f}{timings['palette'] * 1000:>6.0f}"
              f"{error.mean():>10.3f}{error.max():>5.0f}"
              f"{(error.max(axis=2) > 8).mean() * 100:>7.2f}")  # fmt: skip
    print(f"{'total':<34}{totals[0] / 1024:>9.0f}{'':>6}{totals[1] / 1024:>12.0f}   "
          f"({totals[1] / totals[0]:.0%} of the RGBA bytes)")
    plt.close("all")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--period", default="2025-09")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", action="store_true",
                        help="PNG bytes and pixel error, RGBA against palette, per chart")
    args = parser.parse_args()
    ds = load_dataset()
    when = ds.resolve(args.period)
    if args.sizes:
        sizes(ds, when, args.repeat)
        return
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

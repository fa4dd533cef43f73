"""The outlook against the market (issue 23):
`python benchmarks/bench_outlook_market.py --market DIR --start 2016-01 --end 2021-12 --csv OUT`.

Builds a store in a temporary folder from the files in DIR, named as in
../shared/reference/market/ (jin10_*.csv: consensus and first releases; eastmoney_customs_
monthly.csv: customs levels; cn_pmi_*, kr_*, us_*, oecd_cli_* period,value files: indicators with
the publication lags of data/indicator_releases.csv), plus the 1983-2013 customs series when DIR
holds china_customs_monthly_1983_2013.csv or --history names it, all through the kit's importers.
Then, for exports and imports, one backtest (horizons 1 and 3; every indicator value used only
once published, the day before GAC's release of the month after the origin) scored against the
first-released y/y, summarised twice: on the selection window (the 72 target months before
--start), where the model is chosen (lowest RMSE at h=1 among the non-benchmark models), and on
--start..--end, evaluated once. Prints both tables, writes the evaluation tables (both flows,
with a `flow` and a `window` column) to --csv, and prints as its last line
`exports h1_ratio_consensus=… h1_ratio_random_walk=… h3_ratio_random_walk=… coverage80=… n=…`
for the chosen export model (its name follows as model=…). Models: sarimax, rw_holiday, combo,
arx, combo_arx (helpers.forecast) against random_walk, seasonal_naive and the consensus; levels
of years first released only as a combined January-February are folded the same way (what was
published); each flow's indicators are helpers.data.FLOW_INDICATORS, each used only where it
exists (a series that stops is dropped once it is more than six months stale). Also prints the
random walk on first prints (SOURCES.md's definition) for comparison. Prints figures only; no
assertions.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import backtest_command, forecast
from helpers.data import load_dataset, market_inputs
from helpers.ingest import importer, side_tables
from helpers.paths import DATA_DIR

HISTORY_NAME = "china_customs_monthly_1983_2013.csv"
HISTORY_MAPPING = DATA_DIR / "mappings" / "china_customs_1983_2013.yaml"
SELECTION_MONTHS = 72
HORIZONS = (1, 3)


def _quiet_import(*argv: str) -> str:
    """Run `python -m helpers import ...` and return what it printed (raises on exit != 0)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        code = importer.main(list(argv))
    if code != 0:
        raise SystemExit(f"import failed ({argv[0]} {argv[1]}):\n{buffer.getvalue()}")
    return buffer.getvalue()


def build_store(market: Path, history: Path | None, store: Path) -> list[str]:
    """Import every known file of `market` (and the 1983-2013 history) into `store`; returns
    the import notes worth printing (overlap of the splice, Jin10 counts)."""
    notes = []
    if history is not None:
        _quiet_import("series", str(history), "--mapping", str(HISTORY_MAPPING),
                      "--store", str(store))  # fmt: skip
    eastmoney = market / "eastmoney_customs_monthly.csv"
    if eastmoney.exists():
        text = _quiet_import("series", str(eastmoney), "--store", str(store))
        notes += [line.strip() for line in text.splitlines() if "overlap" in line]
    for name in ("jin10_exports_yoy.csv", "jin10_imports_yoy.csv", "jin10_trade_balance.csv"):
        if (market / name).exists():
            text = _quiet_import("consensus", str(market / name), "--store", str(store))
            notes += [f"{name}: " + line.strip()[6:] for line in text.splitlines()
                      if "AKShare/Jin10" in line]  # fmt: skip
    known = pd.read_csv(side_tables.INDICATOR_RELEASES, comment="#")["file"]
    files = [str(market / f) for f in known if (market / f).exists()]
    if files:
        _quiet_import("indicators", *files, "--store", str(store))
    return notes


def run_flow(store: Path, flow: str, start: pd.Period, end: pd.Period) -> dict:
    """Backtest one flow; the selection and evaluation summaries and the chosen model."""
    ds = load_dataset(store)
    inputs = market_inputs(store, flow)
    # January/February of years first released only combined are folded (what was published)
    levels = forecast.as_released(ds.levels(flow), inputs["combined"])
    models = backtest_command.MARKET_MODELS
    if inputs["indicators"] is None:
        models = tuple(m for m in models if m not in ("arx", "combo_arx"))
    began = time.perf_counter()
    fc = forecast.backtest_forecasts(
        levels, inputs["indicators"], start=start - SELECTION_MONTHS, end=end, models=models,
        horizons=HORIZONS, published=inputs["published"], releases=inputs["releases"],
        actuals=inputs["actuals"],
    )  # fmt: skip
    seconds = time.perf_counter() - began
    select = fc[fc["target"] < start]
    evaluate = fc[fc["target"] >= start]
    selection = forecast.summarise_backtest(select, inputs["consensus"])
    evaluation = forecast.summarise_backtest(evaluate, inputs["consensus"])
    return {"selection": selection, "evaluation": evaluation, "seconds": seconds,
            "rw_first": first_print_random_walk(store, flow, evaluate),
            "best": backtest_command.choose_best(selection, 1), "inputs": inputs,
            "forecasts": fc}  # fmt: skip


def first_print_random_walk(store: Path, flow: str, evaluation: pd.DataFrame) -> str:
    """RMSE of "same as the last first print" (SOURCES.md's random walk: a combined Jan-Feb
    print stands for both months) on the evaluation's scored targets, per horizon."""
    path = store / "releases_vintages.csv"
    if not path.exists():
        return ""
    table = pd.read_csv(path, dtype={"period": str})
    first = table[(table["flow"] == flow) & (table["metric"] == "yoy")
                  & (table["print"] == "first")].drop_duplicates("period")  # fmt: skip
    prints = pd.Series(first["value"].to_numpy(), index=pd.PeriodIndex(first["period"], "M"))
    parts = []
    for h, group in evaluation[evaluation["scored"]].groupby("horizon"):
        targets = pd.PeriodIndex(group["target"].unique(), freq="M")
        actual = group.drop_duplicates("target").set_index("target")["actual_pct"]
        error = prints.reindex(targets - h).to_numpy() - actual.reindex(targets).to_numpy()
        error = error[np.isfinite(error)]
        parts.append(f"h{h} {np.sqrt(np.mean(error**2)):.2f} pp (n={len(error)})")
    return "random walk on first prints (SOURCES.md's): " + ", ".join(parts)


COLUMNS = ["model", "horizon", "n", "rmse", "rmse_ratio_random_walk",
           "rmse_ratio_consensus", "n_consensus", "coverage80", "coverage95"]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Build the store, run both flows, print the tables and the last line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--market", type=Path, required=True, help="folder of the market files")
    p.add_argument("--history", type=Path, help="the 1983-2013 customs series CSV")
    p.add_argument("--start", default="2016-01", help="first target month evaluated")
    p.add_argument("--end", default="2021-12", help="last target month evaluated")
    p.add_argument("--csv", type=Path, help="write the evaluation tables here")
    args = p.parse_args(argv)
    start, end = pd.Period(args.start, "M"), pd.Period(args.end, "M")
    history = args.history or (args.market / HISTORY_NAME)
    history = history if history.exists() else None
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "store"
        began = time.perf_counter()
        notes = build_store(args.market, history, store)
        print(f"store built in {time.perf_counter() - began:.1f} s "
              f"({'with' if history else 'without'} the 1983-2013 history)")  # fmt: skip
        for note in notes:
            print("  " + note)
        for flow in ("export", "import"):
            results[flow] = run_flow(store, flow, start, end)
    frames = []
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        for flow, result in results.items():
            sel_window = f"{start - SELECTION_MONTHS}..{start - 1}"
            print(f"\n{flow}s: selection window {sel_window} (targets), chosen at h=1: "
                  f"{result['best']} ({result['seconds']:.0f} s)")  # fmt: skip
            print(result["selection"][COLUMNS].round(3).to_string(index=False))
            print(f"{flow}s: evaluation {start}..{end} (evaluated once)")
            print(result["evaluation"][COLUMNS].round(3).to_string(index=False))
            if result["rw_first"]:
                print(result["rw_first"])
            frames.append(result["evaluation"].assign(flow=flow, window=f"{start}..{end}"))
    if args.csv:
        table = pd.concat(frames, ignore_index=True)
        out = table[["flow", "window", *backtest_command.CSV_COLUMNS]]
        out.to_csv(args.csv, index=False, lineterminator="\n")
        print(f"\nwrote {args.csv}")
    exports = results["export"]
    table = exports["evaluation"].set_index(["model", "horizon"])
    best = exports["best"]
    if best is None or (best, 1) not in table.index:
        print("exports: no non-benchmark model could be scored")
        return 1
    h1 = table.loc[(best, 1)]
    h3 = table.loc[(best, 3)] if (best, 3) in table.index else None
    h3_ratio = h3["rmse_ratio_random_walk"] if h3 is not None else float("nan")
    print(f"exports h1_ratio_consensus={h1['rmse_ratio_consensus']:.2f} "
          f"h1_ratio_random_walk={h1['rmse_ratio_random_walk']:.2f} "
          f"h3_ratio_random_walk={h3_ratio:.2f} coverage80={h1['coverage80']:.2f} "
          f"n={int(h1['n'])} model={best}")
    return 0



if __name__ == "__main__":
    sys.exit(main())

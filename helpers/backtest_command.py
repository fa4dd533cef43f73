"""`python -m helpers backtest`: score the outlook's models on a dataset's history.

Example::

    python -m helpers backtest --data STORE --flow export --start 2000-01 --end 2013-12 \\
        --horizons 1,3,6 --csv backtest.csv

Prints the table (one row per model and horizon) and writes it as CSV (atomically). --start and
--end bound the target months scored; forecasts come from expanding windows ending h months
before each target. Exits 2 on usage errors, 1 when the data cannot support the backtest.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from helpers import forecast
from helpers.atomic import atomic_write
from helpers.schema import TradeKitError

__all__ = ["CSV_COLUMNS", "backtest_table", "main"]

CSV_COLUMNS = {
    "model": "model",
    "horizon": "horizon",
    "n": "n",
    "rmse_pp": "rmse",
    "mae_pp": "mae",
    "rmse_ratio_vs_random_walk": "rmse_ratio_random_walk",
    "rmse_ratio_vs_seasonal_naive": "rmse_ratio_seasonal_naive",
    "coverage80": "coverage80",
    "coverage95": "coverage95",
    "mae_ratio_vs_random_walk": "mae_ratio_random_walk",
    "n_coverage": "n_coverage",
    "dm_pvalue_vs_random_walk": "dm_pvalue_random_walk",
}
DEFAULT_MODELS = ("sarimax", "rw_holiday", "combo")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m helpers backtest",
        description="Expanding-window backtest of export/import y/y forecasts against a random "
        "walk on y/y and a seasonal naive benchmark.",
    )
    p.add_argument("--data", default="", help="store folder or canonical file (default: sample)")
    p.add_argument("--flow", default="export", choices=("export", "import"))
    p.add_argument("--currency", default="USD", choices=("USD", "CNY"))
    p.add_argument("--start", help="first target month scored, YYYY-MM (default: 5 years in)")
    p.add_argument("--end", help="last target month scored, YYYY-MM (default: the last month)")
    p.add_argument("--horizons", default="1,3,6", help="comma-separated months ahead")
    p.add_argument("--models", default=None,
                   help=f"comma-separated models (default: {','.join(DEFAULT_MODELS)}, plus "
                        "bridge and sarimax_x when the data hold indicators)")  # fmt: skip
    p.add_argument("--csv", type=Path, help="write the table here as CSV")
    return p


def _period(text: str | None, name: str) -> pd.Period | None:
    if text is None:
        return None
    try:
        return pd.Period(text, freq="M")
    except ValueError:
        raise ValueError(f"--{name} '{text}' is not a month (YYYY-MM)") from None


def backtest_table(
    levels: pd.Series,
    indicators: pd.DataFrame | None = None,
    start=None,
    end=None,
    horizons=(1, 3, 6),
    models=None,
) -> pd.DataFrame:
    """The backtest summary with the CSV's column names (see CSV_COLUMNS)."""
    if models is None:
        models = DEFAULT_MODELS + (("bridge", "sarimax_x") if indicators is not None else ())
    table = forecast.backtest(
        levels, indicators, start=start, end=end, models=models, horizons=horizons
    )
    out = table[list(CSV_COLUMNS)].rename(columns=CSV_COLUMNS)
    targets = table.attrs["forecasts"]["target"]
    out.attrs["window"] = f"{targets.min()} to {targets.max()}"
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the backtest, print the table and write the CSV."""
    from helpers.data import load_dataset

    args = _parser().parse_args(argv)
    try:
        horizons = sorted({int(h) for h in args.horizons.split(",") if h.strip()})
        if not horizons or min(horizons) < 1 or max(horizons) > 12:
            raise ValueError("--horizons must be months between 1 and 12, e.g. 1,3,6")
        start, end = _period(args.start, "start"), _period(args.end, "end")
        models = tuple(m.strip() for m in args.models.split(",")) if args.models else None
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    began = time.perf_counter()
    try:
        ds = load_dataset(args.data or None)
        levels = ds.levels(args.flow, currency=args.currency)
        indicators = ds.indicator_table() if args.flow == "export" else None
        table = backtest_table(levels, indicators, start, end, horizons, models)
    except (TradeKitError, ValueError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - began
    window = table.attrs.get("window", "")
    print(f"{args.flow} y/y, targets {window}, horizons {','.join(map(str, horizons))} "
          f"({seconds:.1f} s)")  # fmt: skip
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(3).to_string(index=False))
    if args.csv:
        with atomic_write(args.csv) as handle:
            table.to_csv(handle, index=False, lineterminator="\n")
        print(f"wrote {args.csv}")
    return 0

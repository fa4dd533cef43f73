"""`python -m helpers backtest`: score the outlook's models on a dataset's history.

Example::

    python -m helpers backtest --data STORE --flow export --start 2000-01 --end 2013-12 \\
        --horizons 1,3,6 --csv backtest.csv

Prints the table (one row per model and horizon) and writes it as CSV (atomically). --start and
--end bound the target months scored; forecasts come from expanding windows ending h months
before each target. When the store holds an imported Jin10 file (`import consensus`) and
indicators with publication dates (`import indicators`, data/indicator_releases.csv), every
model is scored on the first-released y/y, uses only indicators published the day before each
release, and the CSV gains rmse_ratio_consensus and n_consensus (and a consensus row at h=1).
Exits 2 on usage errors, 1 when the data cannot support the backtest.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from helpers import forecast
from helpers.atomic import atomic_write
from helpers.data import market_inputs
from helpers.schema import TradeKitError

__all__ = ["CSV_COLUMNS", "backtest_table", "choose_best", "main"]

# the CSV's columns: the summary's own (forecast.summarise_backtest), which are the figure names
CSV_COLUMNS = ("model", "horizon", "n", "rmse", "mae", "rmse_ratio_random_walk",
               "rmse_ratio_seasonal_naive", "coverage80", "coverage95", "mae_ratio_random_walk",
               "n_coverage", "dm_pvalue_random_walk", "rmse_ratio_consensus", "n_consensus")
DEFAULT_MODELS = ("sarimax", "rw_holiday", "combo")
MARKET_MODELS = ("sarimax", "rw_holiday", "combo", "arx", "combo_arx")


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
    """--start/--end through the kit's one period parser (helpers.cli.parse_period)."""
    from helpers.cli import parse_period

    if text is None:
        return None
    try:
        return pd.Period(parse_period(text), freq="M")
    except ValueError:
        raise ValueError(f"--{name} '{text}' is not a month: write it as YYYY-MM, "
                         "e.g. 2025-09") from None


def backtest_table(
    levels: pd.Series,
    indicators: pd.DataFrame | None = None,
    start=None,
    end=None,
    horizons=(1, 3, 6),
    models=None,
    market: dict | None = None,
) -> pd.DataFrame:
    """The backtest summary in the CSV's columns (CSV_COLUMNS).

    `market` (``market_inputs``): indicators with publication dates, release dates,
    first-released y/y and the consensus; then every model is scored on the first print and
    against the consensus (rmse_ratio_consensus; a "consensus" row at horizon 1)."""
    market = market or {}
    if market.get("combined"):
        levels = forecast.as_released(levels, market["combined"])
    if market.get("indicators") is not None:
        indicators = market["indicators"]
    if models is None:
        models = DEFAULT_MODELS + (("bridge", "sarimax_x") if indicators is not None else ())
        if market.get("published") is not None:
            models = MARKET_MODELS
    table = forecast.backtest(
        levels, indicators, start=start, end=end, models=models, horizons=horizons,
        published=market.get("published"), releases=market.get("releases"),
        actuals=market.get("actuals"), consensus=market.get("consensus"),
    )  # fmt: skip
    out = table[list(CSV_COLUMNS)]
    targets = table.attrs["forecasts"]["target"]
    out.attrs["window"] = f"{targets.min()} to {targets.max()}"
    return out


def choose_best(table: pd.DataFrame, horizon: int = 1) -> str | None:
    """The non-benchmark model with the lowest RMSE at `horizon` in `table` (summary with
    forecast.summarise_backtest's columns), or None."""
    rows = table[(table["horizon"] == horizon)
                 & ~table["model"].isin((*forecast.BENCHMARKS, "consensus"))]  # fmt: skip
    rows = rows.dropna(subset=["rmse"])
    return None if rows.empty else str(rows.loc[rows["rmse"].idxmin(), "model"])


def main(argv: list[str] | None = None) -> int:
    """Run the backtest, print the table and write the CSV."""
    from helpers.cli import parse_args
    from helpers.data import load_dataset

    args, code = parse_args(_parser(), argv, "backtest")
    if args is None:  # help printed (0) or a usage error (2)
        return code
    try:
        horizons = sorted({int(h) for h in args.horizons.split(",") if h.strip()})
        if not horizons or min(horizons) < 1 or max(horizons) > 12:
            raise ValueError("--horizons must be months between 1 and 12, e.g. 1,3,6")
        start, end = _period(args.start, "start"), _period(args.end, "end")
        models = tuple(m.strip() for m in args.models.split(",")) if args.models else None
        known = (*forecast.MODELS, *forecast.EXTRA_MODELS)
        unknown = [m for m in models or () if m not in known]
        if unknown:  # a usage error (2), told before any data is read
            raise ValueError(f"--models: unknown {', '.join(unknown)}; choose from "
                             f"{', '.join(known)}")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    began = time.perf_counter()
    try:
        ds = load_dataset(args.data or None)
        levels = ds.levels(args.flow, currency=args.currency)
        indicators = ds.indicator_table() if args.flow == "export" else None
        market = market_inputs(args.data or None, args.flow) if args.currency == "USD" else None
        table = backtest_table(levels, indicators, start, end, horizons, models, market)
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

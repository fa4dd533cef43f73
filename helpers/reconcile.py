"""Compute any published figure from the data and compare it with the published value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from helpers import metrics
from helpers.data import Dataset
from helpers.paths import PUBLISHED_DIR

BN = 1e9


def _period(text: str) -> pd.Period:
    return pd.Period(text, freq="Q" if "Q" in text else "M")


def _levels(
    ds: Dataset, flow: str, dimension: str, item: str, as_of, currency: str, column="value"
):
    if dimension == "partner":
        levels = ds.partner_levels(flow, item, currency, as_of=as_of)
    else:
        product = "TOTAL" if item == "total" else item
        levels = ds.levels(flow, "WORLD", product, currency, column=column)
    return metrics.fold_janfeb(levels, ds.combined_years)


def compute_figure(
    ds: Dataset, metric: str, flow: str, dimension: str, item: str, period: str,
    currency: str = "USD",
) -> float:  # fmt: skip
    """The value of one figure (published vocabulary) computed from the dataset."""
    p = _period(period)
    if metric in ("balance", "balance_change_yoy"):
        x, m = (_levels(ds, f, "total", "total", p, currency) for f in ("export", "import"))
        series = metrics.balance(x, m) if metric == "balance" else metrics.balance_change_yoy(x, m)
        return float(series.get(p, np.nan)) / BN
    if metric in ("consensus_yoy", "surprise"):
        consensus = ds.consensus_series(flow)
        value = float(consensus.get(p, np.nan)) if consensus is not None else np.nan
        if metric == "consensus_yoy":
            return value
        return metrics.surprise(compute_figure(ds, "yoy", flow, dimension, item, period), value)
    as_of = p if p.freqstr.startswith("M") else p.asfreq("M", "end")
    levels = _levels(ds, flow, dimension, item, as_of, currency)
    total = _levels(ds, flow, "total", "total", as_of, currency)
    if metric == "yoy":
        series = metrics.yoy(levels)
    elif metric == "yoy_quarter":
        series = metrics.quarterly_growth(levels)
    elif metric == "ytd_yoy":
        series = metrics.ytd_growth(levels)
    elif metric == "contribution":
        series = metrics.contribution(levels.reindex(total.index), total)
    elif metric == "share":
        series = metrics.share(levels, total)
    elif metric == "share_ytd":
        series = metrics.share_ytd(levels.reindex(total.index), total)
    elif metric == "share_ytd_change":
        series = metrics.share_ytd_change(levels.reindex(total.index), total)
    elif metric in ("yoy_price", "yoy_volume"):
        quantity = _levels(ds, flow, dimension, item, as_of, currency, column="quantity")
        split = metrics.price_volume(levels, quantity)
        series = split["price_yoy" if metric == "yoy_price" else "volume_yoy"]
    else:
        raise ValueError(f"unknown metric '{metric}'")
    return float(series.get(p, np.nan))


def decimals(text: str) -> int:
    """Printed decimals of a published number ('8.3' → 1, '90' → 0)."""
    text = str(text).strip()
    return len(text.split(".")[1]) if "." in text else 0


def read_published(path: str | Path) -> pd.DataFrame:
    """A published-figures file (metric, flow, dimension, item, period, value, unit[, note])."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def published_path(period) -> Path:
    """data/published/<period>.csv (it may not exist)."""
    return PUBLISHED_DIR / f"{pd.Period(period, freq='M')}.csv"


def reconcile(ds: Dataset, published: pd.DataFrame, currency: str = "USD") -> pd.DataFrame:
    """Computed vs published, flagging any difference beyond the published print precision."""
    rows = []
    for row in published.itertuples(index=False):
        computed = compute_figure(
            ds, row.metric, row.flow, row.dimension, row.item, row.period, currency
        )
        places = decimals(row.value)
        published_value = float(row.value)
        rounded = round(computed, places) if np.isfinite(computed) else np.nan
        rows.append(
            {
                "metric": row.metric, "flow": row.flow, "dimension": row.dimension,
                "item": row.item, "period": row.period, "unit": row.unit,
                "published": published_value, "computed": computed,
                "difference": computed - published_value,
                "matches": bool(np.isfinite(rounded) and abs(rounded - published_value) < 1e-9),
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


def reconciliation_for(ds: Dataset, period, currency: str = "USD") -> pd.DataFrame:
    """Reconciliation table for a month, empty when no published file exists for it."""
    path = published_path(period)
    if not path.exists() or currency != "USD":
        return pd.DataFrame()
    table = reconcile(ds, read_published(path), currency)
    table.attrs["source"] = str(path)
    return table


def reconciliation_note(table: pd.DataFrame) -> str:
    """One sentence on the reconciliation outcome."""
    if table.empty:
        return "No published-figures file for this month (or not a USD run): nothing to reconcile."
    bad = table[~table["matches"]]
    if bad.empty:
        return f"All {len(table)} published figures are reproduced to their printed precision."
    names = ", ".join(f"{r.metric} {r.item} {r.period}" for r in bad.itertuples())
    return f"**{len(bad)} of {len(table)} figures differ beyond print precision:** {names}."


def display_form(table: pd.DataFrame) -> pd.DataFrame:
    """The reconciliation table indexed by figure, for display."""
    if table.empty:
        return table
    return table.set_index(["metric", "flow", "item", "period"]).drop(columns="dimension")

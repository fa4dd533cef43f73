"""Compute any published figure from the data and compare it with the published value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from helpers import views
from helpers.data import Dataset
from helpers.figures import round_half_up
from helpers.paths import PUBLISHED_DIR

__all__ = [
    "KEY",
    "computed_figures",
    "decimals",
    "display_form",
    "published_path",
    "read_published",
    "reconcile",
    "reconciliation_for",
    "reconciliation_note",
]

KEY = ["metric", "flow", "dimension", "item", "period"]


def computed_figures(ds: Dataset, period, currency: str = "USD") -> pd.DataFrame:
    """Every figure the views record for the month (full precision), via helpers.views."""
    return views.all_figures(ds, period, currency)


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


def reconcile(
    ds: Dataset, published: pd.DataFrame, currency: str = "USD", period=None
) -> pd.DataFrame:
    """Computed vs published, flagging any difference beyond the published print precision.

    The computed side is what the views record (helpers.views.all_figures) for `period` (by
    default the latest monthly period in the published file); a published figure the views do
    not produce shows as not computed.
    """
    months = [p for p in published["period"] if "Q" not in p]
    period = period or max(months)
    computed = computed_figures(ds, period, currency)
    computed = computed.drop_duplicates(KEY).set_index(KEY)["value"]
    rows = []
    for row in published.itertuples(index=False):
        value = float(computed.get(tuple(getattr(row, k) for k in KEY), np.nan))
        places = decimals(row.value)
        published_value = float(row.value)
        rounded = round_half_up(value, places) if np.isfinite(value) else np.nan
        rows.append(
            {
                "metric": row.metric, "flow": row.flow, "dimension": row.dimension,
                "item": row.item, "period": row.period, "unit": row.unit,
                "published": published_value, "computed": value,
                "difference": value - published_value,
                "matches": bool(np.isfinite(rounded) and abs(rounded - published_value) < 1e-9),
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


def reconciliation_for(ds: Dataset, period, currency: str = "USD") -> pd.DataFrame:
    """Reconciliation table for a month, empty when no published file exists for it."""
    when = ds.resolve(period)
    path = published_path(when.period)
    if not path.exists() or currency != "USD":
        return pd.DataFrame()
    table = reconcile(ds, read_published(path), currency, when)
    table.attrs["source"] = str(path)
    return table


def reconciliation_note(table: pd.DataFrame) -> str:
    """One sentence on the reconciliation outcome."""
    if table.empty:
        return "No published-figures file for this month (or not a USD run): nothing to reconcile."
    bad = table[~table["matches"]]
    if bad.empty:
        return f"All {len(table)} published figures are reproduced to their printed precision."
    names = ", ".join(
        f"{r.metric} {r.item} {r.period}" + ("" if np.isfinite(r.computed) else " (not computed)")
        for r in bad.itertuples()
    )
    return f"**{len(bad)} of {len(table)} figures differ beyond print precision:** {names}."


def display_form(table: pd.DataFrame) -> pd.DataFrame:
    """The reconciliation table indexed by figure, for display."""
    if table.empty:
        return table
    return table.set_index(["metric", "flow", "item", "period"]).drop(columns="dimension")

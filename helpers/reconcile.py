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
    "check_build",
    "compare",
    "computed_figures",
    "decimals",
    "display_form",
    "published_path",
    "read_published",
    "reconcile",
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


def compare(computed: pd.DataFrame, published: pd.DataFrame, complete: bool = True) -> pd.DataFrame:
    """One row per published figure: published vs computed (KEY + value, full precision).

    `status` is "matches" when the computed value rounded half-up to the published print
    precision equals the published value, "differs" when it does not, and for a published figure
    nobody computed "not computed" (a gap when `complete`, i.e. every view ran) or "not checked"
    (its view did not run). `matches` is status == "matches".
    """
    values = computed.drop_duplicates(KEY).set_index(KEY)["value"].astype(float)
    value = values.reindex(pd.MultiIndex.from_frame(published[KEY])).to_numpy()
    places = [decimals(text) for text in published["value"]]
    printed = published["value"].astype(float).to_numpy()
    rounded = np.array([round_half_up(v, p) if np.isfinite(v) else np.nan
                        for v, p in zip(value, places, strict=True)])  # fmt: skip
    status = np.where(np.abs(rounded - printed) < 1e-9, "matches", "differs")
    status = np.where(np.isfinite(value), status, "not computed" if complete else "not checked")
    out = published[[*KEY, "unit"]].reset_index(drop=True)
    out["published"] = printed
    out["decimals"] = places
    out["computed"] = value
    out["difference"] = value - printed
    out["status"] = status
    out["matches"] = status == "matches"
    return out


def reconcile(
    ds: Dataset, published: pd.DataFrame, currency: str = "USD", period=None
) -> pd.DataFrame:
    """Computed vs published (helpers.reconcile.compare) with the computed side recomputed from
    the data: what the views record (helpers.views.all_figures) for `period` (by default the
    latest monthly period in the published file).
    """
    months = [p for p in published["period"] if "Q" not in p]
    period = period or max(months)
    return compare(computed_figures(ds, period, currency), published)


def check_build(computed: pd.DataFrame, period, currency: str = "USD",
                complete: bool = False) -> pd.DataFrame:  # fmt: skip
    """Figures as computed (KEY + value at full precision: a view's, or every view's) against
    data/published/<period>.csv (helpers.reconcile.compare); empty when there is no such file or
    the run is not in USD (the published figures are USD). `complete`: every view's figures
    are in `computed`."""
    path = published_path(period)
    if not path.exists() or str(currency).upper() != "USD":
        return pd.DataFrame()
    table = compare(computed, read_published(path), complete)
    table.attrs["source"] = str(path)
    return table


def reconciliation_note(table: pd.DataFrame, markdown: bool = True,
                        unchecked: str = "are computed by other views and checked on the "
                                         "report's index page") -> str:  # fmt: skip
    """One sentence on the reconciliation outcome (plain text unless `markdown`); `unchecked`
    says why figures marked "not checked" were not."""
    if table.empty:
        return "No published-figures file for this month (or not a USD run): nothing to reconcile."
    unchecked_rows = table["status"] == "not checked"
    checked = table[~unchecked_rows]
    skipped = int(unchecked_rows.sum())
    later = f"; the other {skipped} {unchecked}" if skipped else ""
    bad = checked[~checked["matches"]]
    if bad.empty:
        which = "of the published figures checked here" if skipped else "published figures"
        return f"All {len(checked)} {which} are reproduced to their printed precision{later}."
    names = ", ".join(
        f"{r.metric} {r.item} {r.period}" + ("" if np.isfinite(r.computed) else " (not computed)")
        for r in bad.itertuples()
    )
    bold = "**" if markdown else ""
    return (f"{bold}{len(bad)} of {len(checked)} figures differ beyond print precision:{bold} "
            f"{names}{later}.")  # fmt: skip


def display_form(table: pd.DataFrame) -> pd.DataFrame:
    """The figures checked, indexed by figure, for display."""
    if table.empty:
        return table
    shown = table[table["status"] != "not checked"]
    return shown.set_index(["metric", "flow", "item", "period"]).drop(
        columns=["dimension", "decimals", "matches"])  # fmt: skip

"""What a release revised: the earlier figures the month's pages changed, old -> new.

The store keeps every vintage side by side (helpers.ingest.store); GAC's pages reprint the prior
year's year-to-date figures and sometimes change them (IC exports Jan-Jun 2025: USD 90,473.3
million on the June 2025 page, 90,402.8 on the June 2026 page). This module lists those changes
for one release so the headline view can show them.

    revised_by_release(ds, period, currency) -> DataFrame
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import classifications
from helpers.data import store_vintages

__all__ = ["revised_by_release"]

KEY = ["table", "period", "months", "flow", "partner", "product", "currency", "measure"]


def _line(flow: str, partner: str, product: str) -> str:
    if product != "TOTAL":
        return classifications.display_name(product, "product", flow)
    if partner == "WORLD":
        return f"Total {flow}s"
    return classifications.display_name(partner, "partner", flow)


def revised_by_release(ds, period, currency: str) -> pd.DataFrame:
    """Earlier figures (levels, month or year to date) that the release of `period` changed.

    The release's vintages are those of the stored rows at `period`; a row of an earlier period
    carrying one of them revises the previous vintage of its key when the value differs.
    Columns: name (the line), Flow, Figure ("month" / "year to date"), Period, Before and Now
    (bn of the currency), Change %, Released before (the earlier vintage). Empty (with
    attrs["empty"]) when nothing was revised or the data are not a store.
    """
    empty = pd.DataFrame()
    empty.attrs["empty"] = "Revised by this release: nothing (no earlier figure changed)."
    if not ds.is_store:
        empty.attrs["empty"] = ("Revised by this release: only an import store keeps earlier "
                                "vintages to compare with.")  # fmt: skip
        return empty
    period = ds.resolve(period).period
    frames = [store_vintages(ds.location, t).assign(table=t) for t in ("month", "ytd")]
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[(rows["currency"] == currency) & (rows["measure"] == "level")]
    rows = rows.assign(period=pd.PeriodIndex(rows["period"].astype(str), freq="M"))
    at_period = rows[rows["period"] == period]
    # a series file (import series) carries one vintage for every month it holds: it is no
    # release, and its differences from older data are the splice its import reports
    from_release = at_period[~at_period["source"].astype(str).str.startswith("series:")]
    if at_period.empty:
        return empty
    if from_release.empty:
        files = ", ".join(sorted(set(at_period["source"].astype(str))))
        empty.attrs["empty"] = (
            f"Revised by this release: this month's figures come from a series file ({files}), "
            "not from a release's pages, so no release revised anything; the import reported "
            "how the file differs from older data where they overlap.")  # fmt: skip
        return empty
    release = set(from_release["vintage"].astype(str))
    rows = rows.sort_values("vintage", kind="stable")
    rows["old"] = rows.groupby(KEY, observed=True)["value"].shift()
    rows["old_vintage"] = rows.groupby(KEY, observed=True)["vintage"].shift()
    hit = rows[rows["vintage"].astype(str).isin(release) & (rows["period"] < period)
               & rows["old"].notna()
               & ~np.isclose(rows["old"], rows["value"], rtol=1e-12)]  # fmt: skip
    if hit.empty:
        return empty
    currency_bn = f"{currency} bn"
    out = pd.DataFrame({
        "name": [_line(f, pa, pr) for f, pa, pr in zip(hit["flow"], hit["partner"],
                                                      hit["product"], strict=True)],
        "Flow": hit["flow"].to_numpy(),
        "Figure": np.where(hit["table"] == "ytd", "year to date", "month"),
        "Period": hit["period"].astype(str).to_numpy(),
        f"Before ({currency_bn})": (hit["old"] / 1e9).to_numpy(),
        f"Now ({currency_bn})": (hit["value"] / 1e9).to_numpy(),
        "Change %": ((hit["value"] / hit["old"] - 1) * 100).to_numpy(),
        "Released before": hit["old_vintage"].astype(str).str[:10].to_numpy(),
    })  # fmt: skip
    out = out.sort_values(["Flow", "Period", "Figure", "name"]).reset_index(drop=True)
    out.attrs["currency"] = currency
    return out

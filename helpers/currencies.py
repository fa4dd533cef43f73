"""USD and CNY growth side by side (`--currency both`), with the exchange-rate move between them.

GAC publishes every line in both currencies, converted at the month's exchange rate, so
(1 + CNY growth) = (1 + USD growth) x (1 + change of the yuan-per-dollar rate), and the rate move
is read from the data themselves as the y/y change of CNY value / USD value of total trade.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import breakdown, classifications, metrics
from helpers.data import Dataset
from helpers.figures import format_value

__all__ = ["FX_COLUMN", "both_table", "headline_currencies", "partner_currencies", "rate_move",
           "record_cny"]

USD_COLUMN, CNY_COLUMN = "y/y % (USD)", "y/y % (CNY)"
GAP_COLUMN = "CNY minus USD (pp)"
FX_COLUMN = "Yuan per dollar y/y %"


def rate_move(ds: Dataset, period) -> float:
    """Y/y change (pct) of the yuan-per-dollar rate implied by total exports in both currencies
    (+ = weaker yuan)."""
    t = ds.resolve(period).period
    implied = ds.folded("export", currency="CNY") / ds.folded("export", currency="USD")
    return float(metrics.yoy(implied).get(t, np.nan))


def _row(usd: pd.Series, cny: pd.Series, t) -> dict:
    g_usd, g_cny = metrics.yoy(usd).get(t, np.nan), metrics.yoy(cny).get(t, np.nan)
    return {USD_COLUMN: g_usd, CNY_COLUMN: g_cny, GAP_COLUMN: g_cny - g_usd}


def headline_currencies(ds: Dataset, period) -> pd.DataFrame:
    """Exports and imports y/y in USD and in CNY, the gap (pp) and the implied rate move."""
    t = ds.resolve(period).period
    rows = {}
    for flow in ("export", "import"):
        usd, cny = ds.folded(flow, currency="USD"), ds.folded(flow, currency="CNY")
        rows[f"{flow.capitalize()}s"] = _row(usd, cny, t) | {
            FX_COLUMN: metrics.yoy(cny / usd).get(t, np.nan)
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def partner_currencies(ds: Dataset, period, flow: str = "export",
                       codes: bool = False) -> pd.DataFrame:  # fmt: skip
    """Y/y in USD and CNY by top-level partner (GAC's table order) and for the total (rows by
    display name, or by partner code with the total as 'total' when `codes`)."""
    t = ds.resolve(period).period
    rows = {}
    for code, role, _ in breakdown.partner_layout():
        if role != "part" or not all(ds.has(flow, code, "TOTAL", c) for c in ("USD", "CNY")):
            continue
        usd = ds.folded_partner(flow, code, "USD", as_of=t)
        cny = ds.folded_partner(flow, code, "CNY", as_of=t)
        rows[code if codes else classifications.display_name(code, "partner")] = _row(usd, cny, t)
    rows["total" if codes else f"Total {flow}s"] = _row(
        ds.folded(flow, currency="USD"), ds.folded(flow, currency="CNY"), t)  # fmt: skip
    return pd.DataFrame.from_dict(rows, orient="index")


def record_cny(ctx, kind: str) -> None:
    """Record the CNY side of a `--currency both` report in the view's figures (currency column
    'CNY'): headline — exports and imports y/y and levels, the balance and the yuan-per-dollar
    move (`cny_per_usd_yoy`); regional — exports y/y by top-level partner."""
    t = ctx.ds.resolve(ctx.when).period
    period = str(t)
    if kind == "headline":
        for flow in ("export", "import"):
            cny = ctx.ds.folded(flow, currency="CNY")
            ctx.figures.add("yoy", flow, "total", "total", period,
                            metrics.yoy(cny).get(t, np.nan), currency="CNY")  # fmt: skip
            ctx.figures.add("level", flow, "total", "total", period, cny.get(t, np.nan) / 1e9,
                            currency="CNY")  # fmt: skip
        balance = (ctx.ds.folded("export", currency="CNY").get(t, np.nan) / 1e9
                   - ctx.ds.folded("import", currency="CNY").get(t, np.nan) / 1e9)  # fmt: skip
        ctx.figures.add("balance", "net", "total", "total", period, balance, currency="CNY")
        ctx.figures.add("cny_per_usd_yoy", "net", "total", "total", period,
                        rate_move(ctx.ds, ctx.when), currency="CNY")  # fmt: skip
        return
    table = partner_currencies(ctx.ds, ctx.when, codes=True)
    for code, row in table.iterrows():
        if code != "total":
            ctx.figures.add("yoy", "export", "partner", code, period, row[CNY_COLUMN],
                            currency="CNY")  # fmt: skip


def both_table(ctx, kind: str):
    """The side-by-side table of a view ('headline' or 'regional') when the report runs with
    `--currency both`, else None (the cell then shows nothing)."""
    if not getattr(ctx, "both", False):
        return None
    from IPython.display import Markdown, display

    from helpers import notebook

    record_cny(ctx, kind)
    move = rate_move(ctx.ds, ctx.when)
    display(Markdown(
        f"**USD and CNY side by side.** Yuan growth differs from dollar growth by the move of "
        f"the yuan-per-dollar rate, {format_value(move, 1, sign=True)}% y/y in {ctx.label} "
        "(implied by exports in both currencies; + is a weaker yuan)."
    ))  # fmt: skip
    table = headline_currencies(ctx.ds, ctx.when) if kind == "headline" else (
        partner_currencies(ctx.ds, ctx.when))  # fmt: skip
    return notebook.table(table)

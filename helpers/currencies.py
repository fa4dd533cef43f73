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

__all__ = ["FX_COLUMN", "both_table", "headline_currencies", "partner_currencies", "rate_move"]

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


def partner_currencies(ds: Dataset, period, flow: str = "export") -> pd.DataFrame:
    """Y/y in USD and CNY by top-level partner (GAC's table order) and for the total."""
    t = ds.resolve(period).period
    rows = {}
    for code, role, _ in breakdown.partner_layout():
        if role != "part" or not all(ds.has(flow, code, "TOTAL", c) for c in ("USD", "CNY")):
            continue
        usd = ds.folded_partner(flow, code, "USD", as_of=t)
        cny = ds.folded_partner(flow, code, "CNY", as_of=t)
        rows[classifications.display_name(code, "partner")] = _row(usd, cny, t)
    rows[f"Total {flow}s"] = _row(ds.folded(flow, currency="USD"),
                                  ds.folded(flow, currency="CNY"), t)  # fmt: skip
    return pd.DataFrame.from_dict(rows, orient="index")


def both_table(ctx, kind: str):
    """The side-by-side table of a view ('headline' or 'regional') when the report runs with
    `--currency both`, else None (the cell then shows nothing)."""
    if not getattr(ctx, "both", False):
        return None
    from IPython.display import Markdown, display

    from helpers import notebook

    move = rate_move(ctx.ds, ctx.when)
    display(Markdown(
        f"**USD and CNY side by side.** Yuan growth differs from dollar growth by the move of "
        f"the yuan-per-dollar rate, {format_value(move, 1, sign=True)}% y/y in {ctx.label} "
        "(implied by exports in both currencies; + is a weaker yuan)."
    ))  # fmt: skip
    table = headline_currencies(ctx.ds, ctx.when) if kind == "headline" else (
        partner_currencies(ctx.ds, ctx.when))  # fmt: skip
    return notebook.table(table)

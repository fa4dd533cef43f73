"""Aggregate export and import volume and unit-value (price) indices, as analysts estimate them.

GAC prints quantities for some lines only (steel in tonnes, cars in units, crude oil in tonnes…),
so an aggregate volume is an index over those lines, weighted by value:

* Laspeyres volume  L = sum(v0 * q1/q0) / sum(v0)            (base-year value weights)
* Paasche volume    P = sum(v1) / sum(v1 * q0/q1)             (current value weights)
* Fisher volume     F = sqrt(L * P); Fisher unit value = (sum v1 / sum v0) / F

where v0, v1 are a line's values in the same month a year earlier and in the month, and q0, q1
its quantities. The kit uses **Fisher**: it sits between the two (a Laspeyres index overstates
volume growth when buyers shift towards lines whose relative price fell, a Paasche one
understates it), it passes the factor-reversal test — volume x unit value = value, exactly, so
the note's "volumes +x%, unit values +y%" multiply back to the lines' value growth — and it is
what statistical offices use for trade volume indices. The comparison is direct (the month
against the same month a year earlier, one link): chaining month to month would carry the
seasonal swings of the weights into the index.

`coverage` is the covered lines' share (pct) of the flow's value in the month: an index on
lines worth a quarter of exports says nothing about the other three quarters. A line is used
only if none of its sub-lines (or parents) is also used, so nothing is counted twice.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from helpers import classifications

__all__ = ["BARRELS_PER_TONNE", "COMMODITIES", "FIGURES", "aggregate", "commodity_table",
           "fisher", "line_table", "record", "record_commodities", "volume_table"]

FIGURES = ("volume_index_yoy", "price_index_yoy", "volume_coverage")
# import commodities shown in physical units, in this order, when the data hold them in tonnes
COMMODITIES = ("crude_oil", "iron_ore", "soybeans", "coal", "copper_ore", "copper",
               "natural_gas")  # fmt: skip
BARRELS_PER_TONNE = 7.33  # crude oil, the conventional average (BP / Energy Institute)


def fisher(lines: pd.DataFrame) -> dict[str, float]:
    """Volume and unit-value y/y (pct) of a set of lines with columns v0, v1 (values a year
    earlier and now) and q0, q1 (quantities): Laspeyres, Paasche and Fisher volume, Fisher unit
    value and the lines' value growth. Lines missing any of the four, or with a zero or
    negative one, are left out."""
    ok = lines[["v0", "v1", "q0", "q1"]].astype(float)
    ok = ok[(ok > 0).all(axis=1)]
    if ok.empty:
        return {k: math.nan for k in ("laspeyres", "paasche", "volume", "price", "value")}
    ratio = ok["q1"] / ok["q0"]
    laspeyres = (ok["v0"] * ratio).sum() / ok["v0"].sum()
    paasche = ok["v1"].sum() / (ok["v1"] / ratio).sum()
    volume = math.sqrt(laspeyres * paasche)
    value = ok["v1"].sum() / ok["v0"].sum()
    return {"laspeyres": 100 * (laspeyres - 1), "paasche": 100 * (paasche - 1),
            "volume": 100 * (volume - 1), "price": 100 * (value / volume - 1),
            "value": 100 * (value - 1), "lines": int(len(ok))}  # fmt: skip


def _ancestors(tree: pd.DataFrame, code: str) -> set[str]:
    out, parent = set(), tree.at[code, "parent"] if code in tree.index else ""
    while parent and parent in tree.index and parent not in out:
        out.add(parent)
        parent = tree.at[parent, "parent"]
    return out


def line_table(ds, flow: str, period, currency: str = "USD") -> pd.DataFrame:
    """The lines with quantities in the month and a year earlier: v0, v1, q0, q1 (values in bn
    of the currency, quantities in each line's own unit) and the name, by product code. A line
    whose sub-line also has quantities gives way to it (no double counting)."""
    from helpers.breakdown import lines_with_quantities

    t = ds.resolve(period).period
    base = t - 12
    rows = {}
    for code, value, quantity in lines_with_quantities(ds, flow, t, currency):
        if code in rows:
            continue
        row = {"v0": value.get(base, np.nan), "v1": value.get(t, np.nan),
               "q0": quantity.get(base, np.nan), "q1": quantity.get(t, np.nan)}  # fmt: skip
        if all(np.isfinite(v) and v > 0 for v in row.values()):
            rows[code] = row
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["v0", "v1", "q0", "q1"])
    if table.empty:
        return table
    tree = classifications.product_tree(flow)
    parents = set().union(*(_ancestors(tree, c) for c in table.index))
    table = table.drop(index=[c for c in table.index if c in parents])
    table.insert(0, "name", [classifications.display_name(c, "product", flow)
                             for c in table.index])  # fmt: skip
    return table


def aggregate(ds, flow: str, period, currency: str = "USD") -> dict[str, float]:
    """Fisher volume and unit-value y/y of a flow over its lines with quantities, with the
    covered share (pct) of the flow's value in the month."""
    lines = line_table(ds, flow, period, currency)
    if lines.empty:
        return {}
    out = fisher(lines)
    t = ds.resolve(period).period
    total = ds.folded(flow, currency=currency).get(t, np.nan)
    out["coverage"] = 100 * lines["v1"].sum() / total if total and np.isfinite(total) else np.nan
    return out


def volume_table(ds, period, currency: str = "USD") -> pd.DataFrame:
    """Exports and imports: value y/y of the covered lines, Fisher volume and unit value y/y,
    Laspeyres and Paasche volume for comparison, lines used and coverage (pct)."""
    rows = {}
    for flow, name in (("export", "Exports"), ("import", "Imports")):
        result = aggregate(ds, flow, period, currency)
        if result:
            rows[name] = {
                "Value y/y % (covered lines)": result["value"],
                "Volume y/y % (Fisher)": result["volume"],
                "Unit value y/y % (Fisher)": result["price"],
                "Volume y/y % (Laspeyres)": result["laspeyres"],
                "Volume y/y % (Paasche)": result["paasche"],
                "Lines": str(result["lines"]),
                "Coverage (% of the flow)": result["coverage"],
            }
    return pd.DataFrame.from_dict(rows, orient="index")


def record(ctx) -> pd.DataFrame:
    """Compute both flows' indices, record them in the view's figures (volume_index_yoy,
    price_index_yoy, volume_coverage; dimension and item 'total') and return the table."""
    period = str(ctx.ds.resolve(ctx.when).period)
    for flow in ("export", "import"):
        result = aggregate(ctx.ds, flow, ctx.when, ctx.currency)
        if not result:
            continue
        for name, key in zip(FIGURES, ("volume", "price", "coverage"), strict=True):
            ctx.figures.add(name, flow, "total", "total", period, result[key])
    return volume_table(ctx.ds, ctx.when, ctx.currency)


def commodity_table(ds, period, currency: str = "USD",
                    codes=COMMODITIES) -> pd.DataFrame:  # fmt: skip
    """Import commodities in physical units: million tonnes in the month (both months of a
    combined Jan-Feb), y/y % of the quantity, and crude oil in million barrels a day
    (tonnes x 7.33 / days covered / 1e6). Only lines whose quantities are in tonnes."""
    t = ds.resolve(period).period
    months = 2 if (t.month == 2 and t.year in getattr(ds, "combined_years", ())) else 1
    days = sum((t - k).days_in_month for k in range(months))
    trade = ds.trade
    rows = {}
    for code in codes:
        if not ds.has("import", "WORLD", code, currency):
            continue
        held = trade[(trade["flow"] == "import") & (trade["partner"] == "WORLD")
                     & (trade["product"] == code)]["quantity_unit"].dropna()  # fmt: skip
        if held.empty or set(held) != {"tonnes"}:
            continue
        quantity = ds.folded("import", "WORLD", code, currency, column="quantity")
        now, before = quantity.get(t, np.nan), quantity.get(t - 12, np.nan)
        if not np.isfinite(now):
            continue
        row = {"name": classifications.display_name(code, "product", "import"),
               "quantity_mt": now / 1e6,
               "yoy_volume": 100 * (now / before - 1) if np.isfinite(before) and before else
               np.nan}  # fmt: skip
        if code == "crude_oil":
            row["crude_mbd"] = now * BARRELS_PER_TONNE / days / 1e6
        rows[code] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def record_commodities(ctx) -> pd.DataFrame:
    """Record the import commodities' physical quantities (quantity_mt, crude_mbd) in the view's
    figures and return the table for display."""
    period = str(ctx.ds.resolve(ctx.when).period)
    table = commodity_table(ctx.ds, ctx.when, ctx.currency)
    for code, row in table.iterrows():
        ctx.figures.add("quantity_mt", "import", "product", code, period, row["quantity_mt"])
        if "crude_mbd" in row and pd.notna(row.get("crude_mbd")):
            ctx.figures.add("crude_mbd", "import", "product", code, period, row["crude_mbd"])
    return table

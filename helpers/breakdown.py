"""Breakdowns of a flow by product or by partner: growth, contributions, shares, price/volume.

One table layout serves the product, regional and imports views. Row roles:
- part: a top-level line of a partition of the total (they add up with "other");
- of_which: a child shown under its parent (partial child lists: never added to anything);
- overlap: an aggregate that overlaps the parts (high-tech, RCEP, Belt and Road);
- listed: a line GAC prints that the kit's partition does not split out (refined petroleum,
  ceramics...): shown, its value stays inside "other";
- other: the total minus the parts, computed here so that contributions add up exactly;
- total: the flow's total.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import classifications, metrics
from helpers.data import Dataset
from helpers.figures import format_value

__all__ = [
    "BN",
    "PRICE_VOLUME_FIGURES",
    "TABLE_COLUMNS",
    "additivity_note",
    "breakdown",
    "contribution_check",
    "level_frame",
    "movers",
    "partner_layout",
    "price_volume_table",
    "product_layout",
    "record_breakdown",
    "record_price_volume",
    "record_share_ytd",
    "record_us_split",
    "share_ytd_table",
    "us_split",
    "yoy_matrix",
]

BN = 1e9
# Columns other than name/role/depth are figure names (data/figure_names.csv).
TABLE_COLUMNS = [
    "name", "role", "depth", "level", "yoy", "yoy_prev", "contribution", "share",
    "share_change_yoy", "yoy_change",
]  # fmt: skip


def _is_residual(code: str) -> bool:
    return code == "other" or code.endswith("_other")


def _top_level_role(line: pd.Series) -> str:
    """part (in the partition), overlap (a GAC starred aggregate) or listed (inside 'other')."""
    if line["in_partition"]:
        return "part"
    return "overlap" if line.get("gac_aggregate", "True") == "True" else "listed"


def product_layout(flow: str) -> list[tuple[str, str, int]]:
    """(code, role, depth) rows in display order for a flow's product hierarchy."""
    tree = classifications.product_tree(flow)
    rows: list[tuple[str, str, int]] = []

    def walk(code: str, depth: int) -> None:
        for child in tree.index[tree["parent"] == code]:
            if _is_residual(child):
                continue
            if depth == 0:
                role = _top_level_role(tree.loc[child])
            else:
                role = "of_which"
            rows.append((child, role, depth))
            walk(child, depth + 1)

    walk("TOTAL", 0)
    # overlapping aggregates go last, after the parts
    return [r for r in rows if r[1] != "overlap"] + [r for r in rows if r[1] == "overlap"]


def partner_layout() -> list[tuple[str, str, int]]:
    """(code, role, depth) rows in GAC's table order: top rows, their members, overlapping blocs."""
    table = classifications.partners().sort_values("display_order")
    rows = []
    for code, info in table.iterrows():
        if info["top_level"] == "True":
            rows.append((code, "part", 0))
            children = table[(table["gac_parent"] == code) & (table["kind"] == "country")]
            rows.extend((child, "of_which", 1) for child in children.index)
        elif info["kind"] == "bloc":
            rows.append((code, "overlap", 0))
    return rows


def _folded(ds: Dataset, flow: str, dimension: str, code: str, currency: str, as_of) -> pd.Series:
    if dimension == "partner":
        return ds.folded_partner(flow, code, currency, as_of=as_of)
    return ds.folded(flow, "WORLD", code, currency)


def _margins(dimension: str, code: str) -> tuple[str, str]:
    """(partner, product) codes of a breakdown row ('total' is the margin)."""
    if dimension == "partner":
        return ("WORLD" if code == "total" else code), "TOTAL"
    return "WORLD", ("TOTAL" if code == "total" else code)


def _available(ds: Dataset, flow: str, dimension: str, code: str, currency: str) -> bool:
    if dimension == "partner":
        return ds.has(flow, code, "TOTAL", currency)
    return ds.has(flow, "WORLD", code, currency)


def level_frame(
    ds: Dataset, flow: str, dimension: str, period: pd.Period, currency: str = "USD"
) -> tuple[pd.DataFrame, pd.Series, list[tuple[str, str, int]]]:
    """Folded monthly levels of every available row, the folded total and the row layout."""
    layout = product_layout(flow) if dimension == "product" else partner_layout()
    layout = [row for row in layout if _available(ds, flow, dimension, row[0], currency)]
    total = ds.folded(flow, currency=currency)
    columns = {
        code: _folded(ds, flow, dimension, code, currency, period).reindex(total.index)
        for code, _, _ in layout
    }
    return pd.DataFrame(columns, index=total.index), total, layout


def breakdown(
    ds: Dataset, flow: str, dimension: str, period, currency: str = "USD"
) -> pd.DataFrame:
    """Growth, contribution and share of every line for one month, with 'other' and 'total'.

    Contributions of the parts plus 'other' add up to the total's y/y exactly; of-which and
    overlapping rows carry their own contribution for reading, never for adding.
    """
    when = ds.resolve(period)
    t = when.period
    levels, total, layout = level_frame(ds, flow, dimension, t, currency)
    parts = [code for code, role, _ in layout if role == "part"]
    if parts:
        contrib_parts = metrics.contributions(levels[parts], total)
    else:  # no lines in the data: everything is "other"
        contrib_parts = pd.DataFrame({"other": metrics.yoy(total)})
    shares = levels.apply(lambda col: metrics.share(col, total))
    yoy = levels.apply(metrics.yoy)
    other = total - levels[parts].sum(axis=1, min_count=len(parts)) if parts else total

    def row(code, name, role, depth, level, growth, contribution, share):
        return {
            "code": code, "name": name, "role": role, "depth": depth,
            "level": level.get(t, np.nan) / BN, "yoy": growth.get(t, np.nan),
            "yoy_prev": growth.get(when.previous, np.nan),
            "contribution": contribution.get(t, np.nan), "share": share.get(t, np.nan),
            "share_change_yoy": share.get(t, np.nan) - share.get(t - 12, np.nan),
        }  # fmt: skip

    records = []
    for code, role, depth in layout:
        contribution = (
            contrib_parts[code] if role == "part" else metrics.contribution(levels[code], total)
        )
        name = classifications.display_name(code, dimension, flow)
        records.append(row(code, name, role, depth, levels[code], yoy[code], contribution,
                           shares[code]))  # fmt: skip
    other_name = "Other (not listed above)" if dimension == "product" else "Rest of world"
    records.append(row("other", other_name, "other", 0, other, metrics.yoy(other),
                       contrib_parts["other"], metrics.share(other, total)))  # fmt: skip
    total_growth = metrics.yoy(total)
    records.append(row("total", f"Total {flow}s", "total", 0, total, total_growth,
                       total_growth, pd.Series(100.0, index=total.index)))  # fmt: skip
    table = pd.DataFrame(records).set_index("code")
    table["yoy_change"] = table["yoy"] - table["yoy_prev"]
    if ds.printed_ytd is not None:  # imported GAC pages print YTD y/y: show it beside ours
        table["ytd_yoy_printed"] = [
            ds.printed_ytd_yoy(flow, *_margins(dimension, code), currency, t)
            for code in table.index
        ]
    table.attrs.update(when=when, period=t, label=when.label, currency=currency, flow=flow,
                       is_janfeb=when.is_janfeb, lines=len(layout))  # fmt: skip
    return table


def contribution_check(table: pd.DataFrame) -> float:
    """Parts + other minus total growth (pp): zero up to float error when the table adds up."""
    adds = table.loc[table["role"].isin(["part", "other"]), "contribution"].sum()
    return float(adds - table.at["total", "yoy"])


def movers(table: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """Lines whose y/y changed most from the previous month (largest absolute change first)."""
    lines = table[table["role"].isin(["part", "of_which"])].dropna(subset=["yoy_change"])
    order = lines["yoy_change"].abs().sort_values(ascending=False).index[:n]
    out = lines.loc[order, ["name", "yoy_prev", "yoy", "yoy_change"]]
    if out.empty:
        out.attrs["empty"] = ("Biggest movers: no line has y/y growth in both this release and "
                              "the previous one in the data, so there is no change to rank.")
    return out


def yoy_matrix(
    ds: Dataset, flow: str, dimension: str, period, months: int = 24, currency: str = "USD"
) -> pd.DataFrame:
    """Y/y growth (pct) of the top-level and overlapping rows over the last `months` months."""
    when = ds.resolve(period)
    levels, _, layout = level_frame(ds, flow, dimension, when.period, currency)
    codes = [code for code, role, _ in layout if role in ("part", "overlap")]
    window = when.window(months)
    growth = levels[codes].apply(metrics.yoy).reindex(window)
    growth.columns = [classifications.display_name(c, dimension, flow) for c in codes]
    return growth.T.dropna(axis=1, how="all")


def price_volume_table(ds: Dataset, flow: str, period, currency: str = "USD") -> pd.DataFrame:
    """Value, volume and unit-value growth (and the additive split) for lines with quantities."""
    t = ds.resolve(period).period
    rows = {}
    for code, _, _ in product_layout(flow):
        if not ds.has(flow, "WORLD", code, currency):
            continue
        quantity = ds.levels(flow, "WORLD", code, currency, column="quantity")
        if quantity.notna().sum() == 0 or pd.isna(quantity.get(t, np.nan)):
            continue
        value = ds.folded(flow, "WORLD", code, currency)
        quantity = ds.folded(flow, "WORLD", code, currency, column="quantity")
        split = metrics.price_volume(value, quantity)
        if t in split.index:
            rows[code] = split.loc[t]
    table = pd.DataFrame(rows).T
    if table.empty:
        return table
    table.insert(0, "name", [classifications.display_name(c, "product", flow) for c in table.index])
    return table


def share_ytd_table(
    ds: Dataset, flow: str, period, codes: list[str], currency: str = "USD"
) -> pd.DataFrame:
    """Year-to-date share of the total (pct) and its change from the previous full year (pp)."""
    t = ds.resolve(period).period
    total = ds.folded(flow, currency=currency)
    rows = {}
    for code in codes:
        if not ds.has(flow, "WORLD", code, currency):
            continue
        part = ds.folded(flow, "WORLD", code, currency).reindex(total.index)
        rows[code] = {
            "name": classifications.display_name(code, "product", flow),
            "share_ytd": metrics.share_ytd(part, total).get(t, np.nan),
            "share_ytd_change": metrics.share_ytd_change(part, total).get(t, np.nan),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    if out.empty:
        names = ", ".join(classifications.display_name(c, "product", flow) for c in codes)
        out.attrs["empty"] = (f"Year-to-date shares: the data hold no {flow} line for {names} "
                              f"in {currency}.")
    return out


def us_split(ds: Dataset, flow: str, period, currency: str = "USD") -> pd.DataFrame:
    """Y/y growth (pct) and contribution (pp) of the US and of everyone else."""
    t = ds.resolve(period).period
    total = ds.folded(flow, currency=currency)
    us = ds.folded(flow, "united_states", "TOTAL", currency)
    parts = pd.DataFrame({"united_states": us.reindex(total.index)})
    contrib = metrics.contributions(parts, total, other_name="non_us")
    levels = {"united_states": parts["united_states"], "non_us": total - parts["united_states"]}
    rows = {
        code: {
            "name": "United States" if code == "united_states" else "All other partners",
            "level": levels[code].get(t, np.nan) / BN,
            "yoy": metrics.yoy(levels[code]).get(t, np.nan),
            "contribution": contrib[code].get(t, np.nan),
            "share": metrics.share(levels[code], total).get(t, np.nan),
        }
        for code in ("united_states", "non_us")
    }
    return pd.DataFrame.from_dict(rows, orient="index")


def record_us_split(figures, table: pd.DataFrame, flow: str, period) -> None:
    """Add the non-US line's growth and contribution (the US line is in the breakdown)."""
    figures.add_table(table.loc[["non_us"]], flow, "partner", period, ["yoy", "contribution"])


def additivity_note(table: pd.DataFrame) -> str:
    """One sentence stating that (and how exactly) the contributions add up."""
    parts = table[table["role"].isin(["part", "other"])]
    total = table.at["total", "yoy"]
    if table.attrs.get("lines") == 0:
        return (
            f"**The data hold no {table.attrs.get('flow', '')} lines by this dimension for "
            f"{table.attrs.get('label', 'this month')}**: only the total is shown."
        )
    if pd.isna(total):
        return "**Total growth cannot be computed: the data lack the month a year earlier.**"
    return (
        f"The {len(parts)} lines marked *part* and *other* contribute "
        f"{format_value(parts['contribution'].sum(), 1, sign=True)} pp in all, equal to total "
        f"growth of {format_value(total, 1, sign=True)}% to the last decimal shown."
    )


def record_breakdown(figures, table: pd.DataFrame, flow: str, dimension: str) -> None:
    """Add a breakdown's figures: y/y (this and the previous release), contribution, share."""
    when = table.attrs["when"]
    for code, row in table.iterrows():
        figures.add("yoy", flow, dimension, code, when.period, row["yoy"])
        figures.add("yoy", flow, dimension, code, when.previous, row["yoy_prev"])
        if code != "total":
            for name in ("contribution", "share", "share_change_yoy"):
                figures.add(name, flow, dimension, code, when.period, row[name])
        figures.add("ytd_yoy_printed", flow, dimension, code, when.period,
                    row.get("ytd_yoy_printed"))  # fmt: skip
        figures.add("level", flow, dimension, code, when.period, row["level"])


PRICE_VOLUME_FIGURES = ["yoy_price", "yoy_volume", "contribution_price", "contribution_volume"]


def record_price_volume(figures, table: pd.DataFrame, flow: str, period) -> None:
    """Add unit-value and volume growth (pct) and the additive split (pp)."""
    if not table.empty:
        figures.add_table(table, flow, "product", period, PRICE_VOLUME_FIGURES)


def record_share_ytd(figures, table: pd.DataFrame, flow: str, period) -> None:
    """Add year-to-date shares (pct) and their change from the previous year (pp)."""
    if not table.empty:
        figures.add_table(table, flow, "product", period, ["share_ytd", "share_ytd_change"])

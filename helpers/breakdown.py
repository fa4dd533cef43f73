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

from functools import cache

import numpy as np
import pandas as pd

from helpers import basis, classifications, metrics
from helpers.data import Dataset
from helpers.figures import format_value, round_half_up

__all__ = [
    "BN",
    "PRICE_VOLUME_FIGURES",
    "TABLE_COLUMNS",
    "additivity_note",
    "breakdown",
    "contribution_check",
    "has_line",
    "level_frame",
    "line_levels",
    "lines_with_quantities",
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
    "waterfall_table",
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


@cache  # the classification files do not change during a run
def product_layout(flow: str) -> tuple[tuple[str, str, int], ...]:
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
    return tuple(r for r in rows if r[1] != "overlap") + tuple(r for r in rows if r[1] == "overlap")


@cache  # the classification files do not change during a run; the note asks ~400 times
def partner_layout() -> tuple[tuple[str, str, int], ...]:
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
    return tuple(rows)


def line_levels(ds: Dataset, flow: str, dimension: str, code: str, currency: str,
                as_of) -> pd.Series:  # fmt: skip
    """Monthly levels of one line of a breakdown, folded like ``Dataset.folded``: a partner's
    (`dimension` "partner", with the bloc membership as of `as_of`) or a product's exports or
    imports (`flow`) to or from the world."""
    if dimension == "partner":
        return ds.folded_partner(flow, code, currency, as_of=as_of)
    return ds.folded(flow, "WORLD", code, currency)


def _margins(dimension: str, code: str) -> tuple[str, str]:
    """(partner, product) codes of a breakdown row ('total' is the margin)."""
    if dimension == "partner":
        return ("WORLD" if code == "total" else code), "TOTAL"
    return "WORLD", ("TOTAL" if code == "total" else code)


def has_line(ds: Dataset, flow: str, dimension: str, code: str, currency: str) -> bool:
    """Whether the data hold the line `code` of a breakdown by `dimension` (partner/product)."""
    if dimension == "partner":
        return ds.has(flow, code, "TOTAL", currency)
    return ds.has(flow, "WORLD", code, currency)


def level_frame(
    ds: Dataset, flow: str, dimension: str, period: pd.Period, currency: str = "USD"
) -> tuple[pd.DataFrame, pd.Series, list[tuple[str, str, int]]]:
    """Folded monthly levels of every available row, the folded total and the row layout."""
    layout = product_layout(flow) if dimension == "product" else partner_layout()
    layout = [row for row in layout if has_line(ds, flow, dimension, row[0], currency)]
    total = ds.folded(flow, currency=currency)
    columns = {code: line_levels(ds, flow, dimension, code, currency, period)
               for code, _, _ in layout}  # fmt: skip
    # the lines may reach further back than the total (GAC's (5) pages of a year earlier
    # without its (1)/(4) pages): one index spanning both, so no line loses its year-ago month
    starts = [s.index[0] for s in (total, *columns.values()) if len(s)]
    ends = [s.index[-1] for s in (total, *columns.values()) if len(s)]
    index = pd.period_range(min(starts), max(ends), freq="M") if starts else total.index
    total = total.reindex(index)
    columns = {code: series.reindex(index) for code, series in columns.items()}
    return pd.DataFrame(columns, index=index), total, layout


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
    _add_bases(ds, table, levels.assign(total=total), flow, dimension, currency, when)
    held = [code for code, _, _ in layout if np.isfinite(table.at[code, "level"])]
    table.attrs.update(when=when, period=t, label=when.label, currency=currency, flow=flow,
                       is_janfeb=when.is_janfeb, lines=len(held), dimension=dimension)  # fmt: skip
    if layout and not held:  # lines of other months only: no rows of dashes, just the total
        table = table.loc[["total"]]
        other = "CNY" if currency == "USD" else "USD"
        if _lines_held(ds, flow, dimension, t, other):
            table.attrs["held_in"] = other
    return table


def _lines_held(ds: Dataset, flow: str, dimension: str, t: pd.Period, currency: str) -> bool:
    """Whether any line of `dimension` has a level at `t` in `currency`."""
    layout = product_layout(flow) if dimension == "product" else partner_layout()
    return any(np.isfinite(line_levels(ds, flow, dimension, code, currency, t).get(t, np.nan))
               for code, _, _ in layout if has_line(ds, flow, dimension, code, currency))


def _base(ds: Dataset, key: tuple, series: pd.Series, month: pd.Period) -> tuple:
    """(value, low, high) of a year-ago month: bounds when it was derived from printed rates."""
    value = series.get(month, np.nan)
    row = basis.derived_base(ds, key, month)
    return (value, value, value) if row is None else (value, row["value_low"], row["value_high"])


def _add_bases(ds: Dataset, table: pd.DataFrame, levels: pd.DataFrame, flow: str,
               dimension: str, currency: str, when) -> None:  # fmt: skip
    """Basis (computed / printed / derived) and bounds of each row's y/y, contribution and
    share change: a row whose year-ago month (or the total's) was derived from GAC's printed
    rates is derived, with the range the printed rounding allows."""
    t = when.period
    for column in ("yoy", "yoy_prev", "contribution", "share_change_yoy"):
        table[f"{column}_basis"] = "computed"
        table[f"{column}_low"] = np.nan
        table[f"{column}_high"] = np.nan
    total = levels["total"]
    total_key = (flow, "WORLD", "TOTAL", currency)
    total_base = _base(ds, total_key, total, t - 12)
    part_bounds = []
    for code in table.index.drop("other", errors="ignore"):
        key = (flow, *_margins(dimension, code), currency)
        series = levels[code]
        printed = ds.printed_rate(*key, t) if code == "total" else np.nan
        if when.is_janfeb and not np.isfinite(printed):
            # a combined January-February is its own year to date: GAC printed its y/y
            printed = ds.printed_ytd_yoy(*key, t)
        for column, month in (("yoy", t), ("yoy_prev", when.previous)):
            best, _ = basis.choose(basis.yoy_estimates(
                ds, key, series.get(month, np.nan), series.get(month - 12, np.nan), month,
                printed if month == t else np.nan))  # fmt: skip
            if best is not None:
                table.loc[code, [column, f"{column}_basis", f"{column}_low", f"{column}_high"]] = (
                    best.value, best.basis, best.low, best.high)  # fmt: skip
        if code == "total":
            continue
        row_base = _base(ds, key, series, t - 12)
        if row_base[1:] == (row_base[0],) * 2 and total_base[1:] == (total_base[0],) * 2:
            continue  # both year-ago months stored: computed
        level = series.get(t, np.nan)
        contribution = basis.contribution_bounds(level, row_base, total_base)
        table.loc[code, ["contribution_basis", "contribution_low", "contribution_high"]] = (
            "derived", contribution[1], contribution[2])  # fmt: skip
        if table.at[code, "role"] == "part":
            part_bounds.append(contribution)
        shares = [b / tb * 100 for b in row_base[1:] for tb in total_base[1:]]
        now = table.at[code, "share"]
        table.loc[code, ["share_change_yoy_basis", "share_change_yoy_low",
                         "share_change_yoy_high"]] = ("derived", now - max(shares),
                                                      now - min(shares))  # fmt: skip
    if "total" in table.index:  # the total's contribution is its own growth, on its basis
        table.loc["total", ["contribution_basis", "contribution_low", "contribution_high"]] = (
            table.loc["total", ["yoy_basis", "yoy_low", "yoy_high"]].to_numpy())  # fmt: skip
    if "other" in table.index and (part_bounds or total_base[1] != total_base[2]):
        total_row = table.loc["total"]
        low = total_row["yoy_low"] if np.isfinite(total_row["yoy_low"]) else total_row["yoy"]
        high = total_row["yoy_high"] if np.isfinite(total_row["yoy_high"]) else total_row["yoy"]
        low -= sum(b[2] for b in part_bounds)
        high -= sum(b[1] for b in part_bounds)
        table.loc["other", ["contribution_basis", "contribution_low", "contribution_high",
                            "yoy_basis", "share_change_yoy_basis"]] = (
            "derived", low, high, "derived", "derived")  # fmt: skip


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


def lines_with_quantities(ds: Dataset, flow: str, period: pd.Period, currency: str = "USD"):
    """(code, folded value, folded quantity) of every product line, in display order, whose
    quantity the data hold for `period` (the price/volume table and the volume index use it)."""
    for code, _, _ in product_layout(flow):
        if not ds.has(flow, "WORLD", code, currency):
            continue
        quantity = ds.levels(flow, "WORLD", code, currency, column="quantity")
        if quantity.notna().sum() == 0 or pd.isna(quantity.get(period, np.nan)):
            continue
        yield (code, ds.folded(flow, "WORLD", code, currency),
               ds.folded(flow, "WORLD", code, currency, column="quantity"))  # fmt: skip


def price_volume_table(ds: Dataset, flow: str, period, currency: str = "USD") -> pd.DataFrame:
    """Value, volume and unit-value growth (and the additive split) for lines with quantities."""
    t = ds.resolve(period).period
    rows = {}
    for code, value, quantity in lines_with_quantities(ds, flow, t, currency):
        split = metrics.price_volume(value, quantity)
        if t in split.index and split.loc[t, ["yoy_volume", "yoy_price"]].notna().any():
            rows[code] = split.loc[t]
    table = pd.DataFrame(rows).T
    if table.empty:  # quantities this month but none a year earlier (GAC's pages alone)
        label = ds.resolve(period).label
        table.attrs["empty"] = (
            f"Price and volume, {label}: the data hold no {flow} quantities for both this month "
            "and a year earlier; the year-to-date volumes and unit values GAC prints are in "
            "the year-to-date table above, where held.")  # fmt: skip
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
    if not ds.has(flow, "united_states", "TOTAL", currency):
        out = pd.DataFrame()
        out.attrs["empty"] = (f"The US against everyone else: the data hold no {flow}s by "
                              f"partner in {currency} (GAC's section (4) by country/region).")
        return out
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
    table = pd.DataFrame.from_dict(rows, orient="index")
    table = _us_split_bases(ds, table, flow, t, currency, levels, total)
    ytd = _us_split_ytd(ds, flow, t, currency)  # a store of GAC's pages: the year to date too
    return table.join(ytd) if not ytd.empty else table


def _us_split_bases(ds: Dataset, table: pd.DataFrame, flow: str, t: pd.Period, currency: str,
                    levels: dict[str, pd.Series], total: pd.Series) -> pd.DataFrame:  # fmt: skip
    """The US split's growth and contributions marked derived, with the range the printed
    rounding allows, when the world's or the US's year-ago month was derived from GAC's
    printed rates (helpers.basis); the table unchanged when both were stored."""
    base = t - 12
    world = basis.derived_base(ds, (flow, "WORLD", "TOTAL", currency), base)
    us = basis.derived_base(ds, (flow, "united_states", "TOTAL", currency), base)
    if world is None and us is None:
        return table

    def bounds(row, level):  # (value, low, high) of a year-ago level, stored or derived
        if row is None:
            return level, level, level
        return row["value"], row["value_low"], row["value_high"]

    world_b = bounds(world, total.get(base, np.nan))
    us_b = bounds(us, levels["united_states"].get(base, np.nan))
    rest_b = basis.difference_bounds(world_b, us_b)  # everyone else = world - US
    for code, base_b in (("united_states", us_b), ("non_us", rest_b)):
        now = levels[code].get(t, np.nan)
        if not (np.isfinite(now) and all(np.isfinite(base_b))) or base_b[1] <= 0:
            continue
        growth = basis.growth_bounds(now, base_b[0], base_b[1], base_b[2])
        contribution = basis.contribution_bounds(now, base_b, world_b)
        for name, (_, low, high) in (("yoy", growth), ("contribution", contribution)):
            table.loc[code, [f"{name}_basis", f"{name}_low", f"{name}_high"]] = [
                "derived", low, high]
    return table


def record_us_split(figures, table: pd.DataFrame, flow: str, period) -> None:
    """Add the non-US line's growth and contribution (the US line is in the breakdown)."""
    if table.empty:
        return
    names = ["yoy", "contribution"] + [n for n in ("ytd_yoy", "contribution_ytd") if n in table]
    figures.add_table(table.loc[["non_us"]], flow, "partner", period, names)


def additivity_note(table: pd.DataFrame) -> str:
    """One sentence stating that (and how exactly) the contributions add up."""
    parts = table[table["role"].isin(["part", "other"])]
    total = table.at["total", "yoy"]
    if table.attrs.get("lines") == 0:
        flow, label = table.attrs.get("flow", ""), table.attrs.get("label", "this month")
        dimension = {"product": "product", "partner": "country or region"}.get(
            table.attrs.get("dimension", ""), "this dimension")  # fmt: skip
        text = (f"**The data hold no {flow} lines by {dimension} in "
                f"{table.attrs.get('currency', '')} for {label}**: only the total is shown.")
        other = table.attrs.get("held_in")
        if other:
            text += (f" GAC's table for {label} is held in {other}: build the report with "
                     f"--currency {other} to see it.")  # fmt: skip
        return text
    if pd.isna(total):
        return "**Total growth cannot be computed: the data lack the month a year earlier.**"
    text = (
        f"The {len(parts)} lines marked *part* and *other* contribute "
        f"{format_value(parts['contribution'].sum(), 1, sign=True)} pp in all, equal to total "
        f"growth of {format_value(total, 1, sign=True)}% before rounding."
    )
    shown = sum(round_half_up(c, 1) for c in parts["contribution"].dropna())
    if round_half_up(shown, 1) != round_half_up(total, 1):  # say what a reader's sum gives
        text += (f" The contributions as shown, each rounded to 0.1 pp, add to "
                 f"{format_value(shown, 1, sign=True)}.")  # fmt: skip
    return text


def record_breakdown(figures, table: pd.DataFrame, flow: str, dimension: str) -> None:
    """Add a breakdown's figures: y/y (this and the previous release), contribution, share."""
    when = table.attrs["when"]
    def bases(row, column: str) -> dict:
        return {"basis": row.get(f"{column}_basis", "computed"),
                "low": row.get(f"{column}_low"), "high": row.get(f"{column}_high")}  # fmt: skip

    for code, row in table.iterrows():
        figures.add("yoy", flow, dimension, code, when.period, row["yoy"], **bases(row, "yoy"))
        figures.add("yoy", flow, dimension, code, when.previous, row["yoy_prev"],
                    **bases(row, "yoy_prev"))  # fmt: skip
        if code != "total":
            for name in ("contribution", "share", "share_change_yoy"):
                extra = bases(row, name) if name != "share" else {}
                figures.add(name, flow, dimension, code, when.period, row[name], **extra)
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


YTD_FIGURES = ["level_ytd", "ytd_yoy", "contribution_ytd", "ytd_yoy_volume", "ytd_yoy_price"]


def _ytd_estimate(now: float, prior: float, printed: float, name: str,
                  checks: list | None = None) -> basis.Estimate | None:  # fmt: skip
    """YTD growth of one line: computed from the two years' stored YTD levels, else printed;
    the comparison of both, when held, is appended to `checks`."""
    held = np.isfinite(now) and np.isfinite(prior) and prior
    computed = (now / prior - 1) * 100 if held else np.nan
    best, compared = basis.choose([basis.Estimate(computed, "computed"),
                                   basis.Estimate(printed, "printed",
                                                  source=f"GAC's printed {name}")])  # fmt: skip
    if checks is not None:
        checks.extend({"figure": name, **c} for c in compared)
    return best


def _ytd_caption(checks: list[dict], names: list[str]) -> str:
    """One sentence on GAC's printed YTD y/y against the kit's, line by line."""
    if not checks:
        return ""
    differ = [f"{n}, {c['figure']} ({format_value(c['other_value'], 1)} printed, "
              f"{format_value(c['value'], 1)} computed)"
              for n, c in zip(names, checks, strict=True) if c["differs"]]  # fmt: skip
    text = (f"GAC's printed year-to-date y/y and the kit's, computed from the two years' stored "
            f"levels, agree within rounding on {len(checks) - len(differ)} of {len(checks)} "
            "figures")
    return text + (f"; they differ on {'; '.join(differ)}." if differ else ".")


def _ytd_base(now: float, prior: float, rate: float) -> tuple[tuple, str]:
    """The year-earlier YTD level as (value, low, high) and its basis: the stored one
    (computed), else the one GAC's printed YTD y/y implies (derived, with the rounding's
    bounds), else NaN."""
    if np.isfinite(prior):
        return (prior, prior, prior), "computed"
    if np.isfinite(rate) and np.isfinite(now):
        return basis.year_ago_from_ytd(now, rate), "derived"
    return (np.nan,) * 3, "derived"


def _us_split_ytd(ds: Dataset, flow: str, t: pd.Period, currency: str) -> pd.DataFrame:
    """The US and everyone else over the year to date: level (bn), y/y and contribution to the
    total's YTD growth, each with its basis; everyone else is the world less the US, its base
    the world's less the US's (derived, with bounds, when either rests on GAC's printed
    rates). Empty when either YTD level or base is missing."""
    parts = {}
    for partner in ("WORLD", "united_states"):
        key = (flow, partner, "TOTAL", currency)
        now = ds.ytd_level(*key, t)
        parts[partner] = (now, *_ytd_base(now, ds.ytd_level(*key, t - 12),
                                          ds.printed_rate(*key, t, "yoy_pct", "ytd")))
    (world, world_b, world_kind), (us, us_b, us_kind) = parts["WORLD"], parts["united_states"]
    if not all(np.isfinite([world, us, *world_b, *us_b])):
        return pd.DataFrame()
    kind = "derived" if "derived" in (world_kind, us_kind) else "computed"
    rest_b = basis.difference_bounds(world_b, us_b)
    rows = {}
    for code, level, base in (("united_states", us, us_b), ("non_us", world - us, rest_b)):
        growth = basis.growth_bounds(level, *base)
        contribution = basis.contribution_bounds(level, base, world_b)
        row = {"level_ytd": level / BN}
        for name, (value, low, high) in (("ytd_yoy", growth), ("contribution_ytd", contribution)):
            row.update({name: value, f"{name}_basis": kind, f"{name}_low": low,
                        f"{name}_high": high})  # fmt: skip
        rows[code] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    if us_kind == "derived":  # GAC printed the US's own YTD y/y: show it as printed
        table.loc["united_states", ["ytd_yoy", "ytd_yoy_basis"]] = (
            ds.printed_rate(flow, "united_states", "TOTAL", currency, t, "yoy_pct", "ytd"),
            "printed")  # fmt: skip
    if kind == "computed":
        table = table.drop(columns=[c for c in table if c.endswith(("_low", "_high"))])
    return table


def ytd_table(ds: Dataset, flow: str, dimension: str, period,
              currency: str = "USD") -> pd.DataFrame:  # fmt: skip
    """Every line GAC printed for the year to date: level, y/y, contribution to the total's YTD
    growth and, for lines with quantities, volume and unit-value y/y - each on its best basis.

    Contributions use the prior year's YTD levels where stored (computed) and otherwise the
    base implied by GAC's printed rate, YTD / (1 + y/y) (derived, with bounds). Unit value y/y
    is (1 + value y/y) / (1 + volume y/y) - 1. Empty (with attrs["empty"]) without YTD data.
    """
    when = ds.resolve(period)
    t = when.period
    layout = product_layout(flow) if dimension == "product" else partner_layout()
    rows, checks, checked = [], [], []
    for code, role, depth in [("total", "total", 0), *layout]:
        partner, product = _margins(dimension, code)
        key = (flow, partner, product, currency)
        now = ds.ytd_level(*key, t)
        if not np.isfinite(now):
            continue
        prior = ds.ytd_level(*key, t - 12)
        rate = ds.printed_rate(*key, t, "yoy_pct", "ytd")
        before = len(checks)
        value = _ytd_estimate(now, prior, rate, "YTD y/y", checks)
        q_now, q_prior = (ds.ytd_level(*key, p, column="quantity") for p in (t, t - 12))
        q_rate = ds.printed_rate(*key, t, "quantity_yoy_pct", "ytd")
        volume = _ytd_estimate(q_now, q_prior, q_rate, "YTD quantity y/y", checks)
        line = f"Total {flow}s" if code == "total" else classifications.display_name(
            code, dimension, flow)  # fmt: skip
        checked += [line] * (len(checks) - before)
        row = {"code": code, "name": (f"Total {flow}s" if code == "total" else
                                      classifications.display_name(code, dimension, flow)),
               "role": role, "depth": depth, "level_ytd": now / BN,
               "quantity_ytd": q_now, "quantity_unit": None}  # fmt: skip
        row["_base"], row["_base_basis"] = _ytd_base(now, prior, rate)
        for name, est in (("ytd_yoy", value), ("ytd_yoy_volume", volume)):
            row[name] = est.value if est else np.nan
            row[f"{name}_basis"] = est.basis if est else "computed"
        if value is not None and volume is not None:
            if value.basis == volume.basis == "computed":
                ratio = (1 + value.value / 100) / (1 + volume.value / 100)
                row["ytd_yoy_price"] = (ratio - 1) * 100
                row["ytd_yoy_price_basis"] = "computed"
            else:
                uv, low, high = basis.unit_value_growth(value.value, volume.value)
                row.update(ytd_yoy_price=uv, ytd_yoy_price_basis="derived",
                           ytd_yoy_price_low=low, ytd_yoy_price_high=high)  # fmt: skip
        rows.append(row)
    if not rows:
        out = pd.DataFrame()
        out.attrs["empty"] = (f"Year to date: the data hold no GAC year-to-date {flow} figures "
                              f"by {dimension} for {when.label} in {currency} (they come with "
                              "imported GAC pages).")  # fmt: skip
        return out
    table = pd.DataFrame(rows).set_index("code")
    if "total" in table.index:
        total_base = table.at["total", "_base"]
        for code, row in table.drop("total").iterrows():
            if not np.isfinite(row["_base"][0]) or not np.isfinite(total_base[0]):
                continue
            level = row["level_ytd"] * BN
            c, low, high = basis.contribution_bounds(level, row["_base"], total_base)
            derived = "derived" in (row["_base_basis"], table.at["total", "_base_basis"])
            table.loc[code, ["contribution_ytd", "contribution_ytd_basis"]] = (
                c, "derived" if derived else "computed")  # fmt: skip
            if derived:
                table.loc[code, ["contribution_ytd_low", "contribution_ytd_high"]] = (low, high)
    for name in YTD_FIGURES:
        if name not in table:
            table[name] = np.nan
    table = table.drop(columns=["_base", "_base_basis"])
    months = "January" if t.month == 1 else f"January\u2013{t.strftime('%B')}"
    table.attrs.update(when=when, label=f"{months} {t.year}", flow=flow, currency=currency,
                       caption=_ytd_caption(checks, checked))  # fmt: skip
    return table


def record_ytd(figures, table: pd.DataFrame, flow: str, dimension: str) -> None:
    """Add the year-to-date figures with their basis and bounds."""
    if table.empty:
        return
    period = table.attrs["when"].period
    figures.add_table(table, flow, dimension, period, YTD_FIGURES)


def waterfall_table(table: pd.DataFrame, ytd: pd.DataFrame) -> pd.DataFrame:
    """What a contribution waterfall draws: the month's table (from :func:`breakdown`) when it
    has contributions; otherwise the year to date's (from ytd_table) in the same layout (name,
    role, contribution, yoy), its residual line the YTD growth the listed parts leave, with
    attrs "ytd" (True) and "derived" (a contribution rests on GAC's printed rates). A month
    GAC's pages give only as a year to date (no month a year earlier) still shows what drove
    growth. The month's table again (drawn as a sentence) when neither has contributions or a
    part lacks its YTD contribution (the residual would absorb it unseen)."""
    if table["contribution"].notna().any() or ytd.empty or "contribution_ytd" not in ytd:
        return table
    parts = ytd[ytd["role"] == "part"]
    total = float(ytd.at["total", "ytd_yoy"]) if "total" in ytd.index else np.nan
    if parts.empty or parts["contribution_ytd"].isna().any() or not np.isfinite(total):
        return table
    other = table.at["other", "name"] if "other" in table.index else "Other"
    out = pd.DataFrame({"name": parts["name"], "role": "part",
                        "contribution": parts["contribution_ytd"], "yoy": parts["ytd_yoy"]})
    out.loc["other"] = [other, "other", total - parts["contribution_ytd"].sum(), np.nan]
    out.loc["total"] = [ytd.at["total", "name"], "total", total, total]
    derived = (ytd.get("contribution_ytd_basis", pd.Series(dtype=object)) == "derived").any()
    out.attrs.update(ytd.attrs, ytd=True, derived=bool(derived))
    return out


def ytd_display(table: pd.DataFrame) -> pd.DataFrame:
    """The YTD table as shown (notebook.table marks derived values with '≈' and their range):
    figure columns the data fill, and a Basis column naming each line's YTD y/y basis."""
    if table.empty:
        return table
    keep = ["name", "role", "depth"]
    for name in YTD_FIGURES:
        if table[name].notna().any():
            keep += [c for c in (name, f"{name}_basis", f"{name}_low", f"{name}_high")
                     if c in table]  # fmt: skip
    out = table[keep].copy()
    out["role"] = out["role"].where(out["depth"] == 0, "of_which")
    out["basis"] = table["ytd_yoy_basis"]
    out.attrs.update(table.attrs)
    return out

"""Drill-down at HS level: a product group (hs_groups.csv) and/or a partner, from the panel.

The same outputs as the product and regional views, for any group and partner the panel can
answer (e.g. integrated circuits to the US, the "new three" to the EU):

- :func:`summary`: level, y/y, contribution (pp) and share of the selection, of the group to
  all partners, of all products to the partner and of the partner within the group;
- :func:`hs_lines`: the HS codes inside the group, biggest contributions to its growth first;
- :func:`partner_lines`: the group by destination in the regional view's layout, with an
  *other* line so the parts add up to the group's growth exactly;
- :func:`price_volume`: unit value against volume (the group's quantity when every code has
  one in the same unit, else net weight in tonnes).

Panel values are USD. Months are compared as published by Comtrade (no January-February
folding). Everything is summed by DuckDB (helpers.panel); only monthly sums reach pandas.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from helpers import classifications, metrics
from helpers import panel as panel_mod
from helpers.breakdown import partner_layout

__all__ = [
    "Drill",
    "hs_lines",
    "partner_lines",
    "price_volume",
    "start",
    "summary",
]

BN = 1e9
COLUMNS = ["name", "basis", "level", "yoy", "contribution", "share",
           "share_change_yoy"]  # fmt: skip


def _at(series: pd.Series, t: pd.Period) -> float:
    return float(series.get(t, np.nan))


def _row(name: str, basis: str, part: pd.Series, whole: pd.Series, t: pd.Period) -> dict:
    """Level, growth, contribution to `whole` and share of `whole` for one line at month t."""
    index = whole.index.union(part.index)
    part, whole = part.reindex(index), whole.reindex(index)
    share = metrics.share(part, whole)
    return {
        "name": name, "basis": basis, "level": _at(part, t) / BN,
        "yoy": _at(metrics.yoy(part), t),
        "contribution": _at(metrics.contribution(part, whole), t),
        "share": _at(share, t), "share_change_yoy": _at(share, t) - _at(share, t - 12),
    }  # fmt: skip


_partner_layout = cache(partner_layout)


def _inline(label: str) -> str:
    """A group label inside a sentence ('The "new three" ...' -> 'the "new three" ...')."""
    return "the " + label[4:] if label.startswith("The ") else label


def _name(partner: str) -> str:
    return classifications.display_name(partner or "WORLD", "partner")


def summary(store, flow: str, period, group: str = "", partner: str = "") -> pd.DataFrame:
    """The selection against its totals (rows selection, group_world, partner_total,
    partner_in_group).

    Contribution and share of each row are relative to the line named in `basis`.
    """
    t = pd.Period(period, freq="M")
    months = [t - 12, t]
    partner = partner or "WORLD"
    con = panel_mod.open_panel(store)
    world = panel_mod.total_levels(store, flow, "WORLD", con=con, periods=months)
    rows, notes = {}, []
    to_partner = panel_mod.total_levels(store, flow, partner, con=con, periods=months)
    if group:
        spec = panel_mod.group_levels(store, group, flow, partner, con=con, periods=months)
        notes += [spec.note] if spec.note else []
        if partner != "WORLD":
            rows["selection"] = _row(f"{spec.label} to {_name(partner)}",
                                     f"all {flow}s to {_name(partner)}", spec.levels["value"],
                                     to_partner, t)  # fmt: skip
            whole = panel_mod.group_levels(store, group, flow, "WORLD", con=con, periods=months)
            rows["group_world"] = _row(f"{spec.label} to all partners", f"all {flow}s",
                                       whole.levels["value"], world, t)  # fmt: skip
            rows["partner_in_group"] = _row(f"{_name(partner)} within {_inline(spec.label)}",
                                            f"{_inline(spec.label)} to all partners",
                                            spec.levels["value"], whole.levels["value"],
                                            t)  # fmt: skip
        else:
            rows["group_world"] = _row(f"{spec.label} to all partners", f"all {flow}s",
                                       spec.levels["value"], world, t)  # fmt: skip
    if partner != "WORLD":
        rows["partner_total"] = _row(f"All products to {_name(partner)}", f"all {flow}s",
                                     to_partner, world, t)  # fmt: skip
    table = pd.DataFrame.from_dict(rows, orient="index", columns=COLUMNS)
    table.attrs.update(notes=notes, period=t)
    return table


def hs_lines(store, flow: str, period, group: str, partner: str = "", n: int = 10) -> pd.DataFrame:
    """HS codes of a group to a partner: level, y/y, contribution (pp) to and share of the group."""
    t = pd.Period(period, freq="M")
    months = [t - 12, t]
    spec = panel_mod.group_levels(store, group, flow, partner or "WORLD", by="hs",
                                     periods=months)
    if spec.levels.empty:
        return pd.DataFrame(columns=["name", "level", "yoy", "contribution",
                                     "share"])  # fmt: skip
    value = spec.levels["value"].unstack("hs", fill_value=0.0)
    value = value.reindex(pd.period_range(value.index.min(), value.index.max(), freq="M"))
    total = value.sum(axis=1, min_count=1)
    contrib = metrics.contributions(value, total)
    table = pd.DataFrame({
        "name": value.columns,
        "level": value.reindex([t]).iloc[0].to_numpy() / BN if t in value.index else np.nan,
        "yoy": [_at(metrics.yoy(value[c]), t) for c in value.columns],
        "contribution": [_at(contrib[c], t) for c in value.columns],
        "share": [_at(metrics.share(value[c], total), t) for c in value.columns],
    }, index=value.columns)  # fmt: skip
    order = table["contribution"].abs().sort_values(ascending=False, na_position="last")
    return table.loc[order.index[:n]]


def _partner_values(store, flow: str, group: str, months) -> pd.DataFrame:
    """Monthly value by kit partner code (countries and residual lines, and WORLD)."""
    if group:
        levels = panel_mod.group_levels(store, group, flow, by="partner", periods=months).levels
        return levels["value"].unstack("partner", fill_value=0.0)
    frame = panel_mod.sql(store, f"""
        SELECT period, partner, CASE WHEN hs = 'TOTAL' THEN 0 ELSE length(hs) END AS digits,
               sum(value) AS value FROM panel
        WHERE flow = '{flow}' AND {panel_mod.period_filter(months)} GROUP BY ALL""")  # fmt: skip
    frame = frame[frame["digits"] == frame.groupby("period")["digits"].transform("min")]
    out = frame.pivot_table(index="period", columns="partner", values="value", aggfunc="sum",
                            fill_value=0.0)  # fmt: skip
    out.index = pd.PeriodIndex(pd.to_datetime(out.index), freq="M", name="period")
    return out


def partner_lines(store, flow: str, period, group: str = "") -> pd.DataFrame:
    """A group (or all products) by destination: the regional view's rows, roles and 'other'.

    Parts plus other add up to the group's y/y growth; blocs are summed from their members as
    of each month; of-which and overlapping rows are for reading, not adding.
    """
    t = pd.Period(period, freq="M")
    months = [t - 12, t]
    values = _partner_values(store, flow, group, months)
    if values.empty or "WORLD" not in values:
        return pd.DataFrame(columns=["name", "role", "depth", *COLUMNS[2:]])
    kinds = classifications.partners()["kind"]

    def series(code: str) -> pd.Series:
        if kinds[code] != "bloc":
            return values[code] if code in values else pd.Series(0.0, index=values.index)
        return pd.Series({month: values.loc[month, [m for m in classifications.members(code, month)
                                                    if m in values]].sum()
                          for month in values.index}, dtype=float)  # fmt: skip

    layout = _partner_layout()
    levels = pd.DataFrame({code: series(code) for code, _, _ in layout}, index=values.index)
    full = pd.period_range(values.index.min(), values.index.max(), freq="M")
    levels, total = levels.reindex(full), values["WORLD"].reindex(full)
    parts = [code for code, role, _ in layout if role == "part"]
    others = [code for code, role, _ in layout if role != "part"]
    # each column of `contributions` is (X_t - X_t-12) / total_t-12: the parts add up with
    # "other"; of-which and overlapping rows are read on their own
    contrib = pd.concat([metrics.contributions(levels[parts], total),
                         metrics.contributions(levels[others], total).drop(columns="other")],
                        axis=1)  # fmt: skip
    growth = levels.apply(metrics.yoy)
    shares = levels.apply(lambda column: metrics.share(column, total))
    records = {}
    for code, role, depth in layout:
        records[code] = {
            "name": _name(code), "basis": "group total", "level": _at(levels[code], t) / BN,
            "yoy": _at(growth[code], t), "contribution": _at(contrib[code], t),
            "share": _at(shares[code], t),
            "share_change_yoy": _at(shares[code], t) - _at(shares[code], t - 12),
            "role": role, "depth": depth,
        }  # fmt: skip
    other = total - levels[parts].sum(axis=1)
    records["other"] = {**_row("Rest of world", "group total", other, total, t),
                        "contribution": _at(contrib["other"], t), "role": "other", "depth": 0}
    records["total"] = {**_row("All partners", "group total", total, total, t),
                        "contribution": _at(metrics.yoy(total), t), "role": "total",
                        "depth": 0}  # fmt: skip
    table = pd.DataFrame.from_dict(records, orient="index")
    table = table[(table["level"].fillna(0) != 0) | table["role"].isin(["other", "total"])]
    return table[["name", "role", "depth", *COLUMNS[2:]]]


def price_volume(store, flow: str, period, group: str, partner: str = "") -> pd.DataFrame:
    """Unit value against volume of the group to the partner (one row; empty if no quantity)."""
    t = pd.Period(period, freq="M")
    months = [t - 12, t]
    spec = panel_mod.group_levels(store, group, flow, partner or "WORLD", periods=months)
    levels = spec.levels
    if levels.empty:
        return pd.DataFrame()
    levels = levels.reindex(pd.period_range(levels.index.min(), levels.index.max(), freq="M"))
    for column, unit in (("quantity", spec.quantity_unit), ("weight_t", "tonnes (net weight)")):
        quantity = levels[column]
        if not (pd.isna(quantity.get(t)) or pd.isna(quantity.get(t - 12))):
            split = metrics.price_volume(levels["value"], quantity).loc[[t]]
            split.insert(0, "quantity_unit", unit)
            split.insert(0, "name", spec.label)
            return split.set_index("name")
    return pd.DataFrame()


# --------------------------------------------------------------------------- notebook glue


@dataclass
class Drill:
    """A drill-down request checked against the data: what to show or why nothing is shown."""

    store: str
    flow: str
    period: pd.Period
    group: str
    partner: str
    message: str

    @property
    def on(self) -> bool:
        """True when there is a panel and something to drill into."""
        return not self.message

    def show(self, by_partner: bool = False) -> None:
        """Display the drill-down tables (or the one sentence saying why there are none)."""
        from IPython.display import Markdown, display

        from helpers import notebook

        if not self.on:
            display(Markdown(self.message))
            return
        table = summary(self.store, self.flow, self.period, self.group, self.partner)
        for note in table.attrs["notes"]:
            display(Markdown(f"**{note}**"))
        display(Markdown(f"### {self.title} (USD, {self.period})"))
        display(notebook.table(table))
        if self.group:
            lines = hs_lines(self.store, self.flow, self.period, self.group, self.partner)
            if len(lines):
                display(Markdown("HS codes with the largest contributions to the group's "
                                 "growth (pp of the group):"))  # fmt: skip
                display(notebook.table(lines))
            pv = price_volume(self.store, self.flow, self.period, self.group, self.partner)
            if pv.empty:
                display(Markdown("No price/volume split: the group's codes lack a quantity in "
                                 "one unit (or net weight) in this month or a year earlier."))
            else:
                display(notebook.table(pv))
        if by_partner:
            what = panel_mod.group_spec(self.group).label if self.group else "all products"
            display(Markdown(f"By destination ({what}): parts and *other* add up to the "
                             "group's growth."))  # fmt: skip
            display(notebook.table(partner_lines(self.store, self.flow, self.period,
                                                 self.group)))  # fmt: skip

    @property
    def title(self) -> str:
        what = self.group or "All products"
        if self.group:
            what = panel_mod.groups()[self.group].label
        return f"{what} to {_name(self.partner)}" if self.partner else what


def start(data: str, flow: str, period, product_group: str = "", partner: str = "") -> Drill:
    """Check drill-down parameters; the Drill's message says why nothing is shown, if so."""
    group, partner = (product_group or "").strip(), (partner or "").strip()
    t = pd.Period(str(period), freq="M")
    message = ""
    if not data or not panel_mod.exists(data):
        message = panel_mod.build_hint(data or None)
    elif not group and not partner:
        message = ("HS drill-down is off: set `product_group` (a group in "
                   "data/classifications/hs_groups.csv, e.g. new_three) and/or `partner` "
                   "(e.g. united_states, european_union).")  # fmt: skip
    else:
        if group:
            panel_mod.group_spec(group)
        if partner:
            panel_mod.partner_condition(partner)
        span = panel_mod.sql(data, f"SELECT min(period) AS a, max(period) AS b, count(*) "
                             f"FILTER (WHERE period = DATE '{t.start_time.date()}') AS n "
                             f"FROM panel WHERE flow = '{flow}'").iloc[0]  # fmt: skip
        if not span["n"]:
            covered = (f"it covers {pd.Period(span['a'], 'M')} to {pd.Period(span['b'], 'M')}"
                       if not pd.isna(span["a"]) else f"it holds no {flow}s")  # fmt: skip
            message = (f"The HS-level panel at {data} has no {flow} rows for {t} ({covered}): "
                       "import that month's Comtrade file to drill down.")  # fmt: skip
    return Drill(str(data), flow, t, group, partner, message)


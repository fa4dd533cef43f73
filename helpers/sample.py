"""Generate the bundled sample data (ILLUSTRATIVE, NOT OFFICIAL STATISTICS) into data/sample/.

    python -m helpers.sample [--out DIR]

Deterministic (fixed seed). What it writes:
- trade.parquet: the canonical table (helpers.schema), exports and imports 2015-01..2025-09 in USD
  and CNY, by partner (countries, residual lines and blocs aggregated with dated membership) and
  by product (the hierarchy in data/classifications/products.csv, children + residual = parent),
  with quantities for the lines that have a unit. January-February is stored combined (months=2
  at February) in the years GAC published it so.
- consensus.csv: survey consensus for export/import y/y (pct) and the balance (USD bn).
- indicators.csv: monthly leading indicators to 2025-10 (PMIs, new export orders, Korea exports
  y/y, CNY per USD and per EUR).

Realism: annual totals follow China's reported annual trade; shares move between 2015 and 2024
anchors; calendar-month seasonality plus a Chinese New Year effect placed by the lunar date of
each year's holiday; AR(1) noise. The calibration targets in data/sample/calibration.csv pin the
few months the September 2025 release speaks about, so that the metric library reproduces every
published figure from these levels (tests/test_published.py checks it row by row); further pins
(with the release narrative's words in their `note` column) make the directions the narrative
states come out the same way, and the exchange rates of 2024-2025 are actual monthly averages.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from lunardate import LunarDate

from helpers import classifications, metrics
from helpers.paths import SAMPLE_DIR

FIRST, LAST = pd.Period("2015-01", "M"), pd.Period("2025-09", "M")
INDICATORS_LAST = pd.Period("2025-10", "M")
SEED = 20251013
VINTAGE = "2025-10-13"  # release date of the September 2025 figures
SAMPLE_SOURCE = "sample (illustrative, not official statistics)"
BN = 1e9

# China's reported annual trade, USD bn (rounded): the level each sample year is scaled to.
ANNUAL_TOTALS = {
    "export": {2015: 2273, 2016: 2098, 2017: 2263, 2018: 2487, 2019: 2499, 2020: 2590,
               2021: 3362, 2022: 3594, 2023: 3380, 2024: 3577},
    "import": {2015: 1680, 2016: 1588, 2017: 1844, 2018: 2136, 2019: 2078, 2020: 2056,
               2021: 2688, 2022: 2716, 2023: 2556, 2024: 2587},
}  # fmt: skip
GROWTH_2025 = {"export": 0.055, "import": -0.01}

# Calendar-month seasonal factors (before the New Year effect).
SEASONAL = {
    "export": [1.04, 1.02, 0.93, 0.97, 1.01, 1.02, 1.04, 1.03, 1.04, 0.98, 1.03, 1.09],
    "import": [1.06, 0.98, 0.98, 0.98, 0.99, 0.98, 1.00, 1.00, 1.02, 0.94, 1.03, 1.06],
}
# Daily activity effect around the lunar New Year (days relative to New Year's day).
NEW_YEAR_PROFILE = {"export": ((-21, -8, 0.15), (-7, 13, -0.55), (14, 27, -0.20)),
                    "import": ((-21, -8, 0.05), (-7, 13, -0.30), (14, 27, -0.10))}  # fmt: skip

# Shares of the flow's total (pct) at the 2015 and 2024 anchors; residual lines absorb rounding.
PRODUCT_SHARES = {
    "export": {
        "integrated_circuits": (3.0, 4.5), "general_machinery": (3.5, 4.6),
        "computers": (8.5, 5.4), "mobile_phones": (5.5, 3.7),
        "household_appliances": (2.6, 3.1), "vehicles": (0.5, 3.3), "auto_parts": (1.9, 2.2),
        "ships": (1.1, 0.9), "electromechanical_other": (30.4, 31.0), "apparel": (7.6, 4.4),
        "textiles": (4.8, 4.0), "footwear": (2.1, 1.4), "furniture": (2.3, 1.8),
        "plastics": (1.8, 2.7), "toys": (0.95, 1.2), "bags": (1.2, 1.0), "steel": (2.6, 2.5),
        "rare_earths": (0.02, 0.015), "fertilizer": (0.35, 0.35), "agricultural": (3.1, 2.8),
        "other": (16.2, 19.1),
    },
    "import": {
        "integrated_circuits": (13.1, 14.8), "computers": (2.0, 2.3), "vehicles": (2.7, 1.2),
        "electromechanical_other": (30.0, 23.5), "crude_oil": (8.0, 12.5),
        "natural_gas": (1.2, 2.4), "coal": (0.6, 1.9), "iron_ore": (3.4, 5.5),
        "copper_ore": (1.2, 2.2), "copper": (1.6, 1.8), "soybeans": (2.1, 2.0),
        "grain": (0.9, 0.6), "agricultural_other": (5.8, 6.5), "other": (27.4, 22.8),
    },
}  # fmt: skip
PARTNER_SHARES = {
    "export": {
        "germany": (3.0, 2.9), "netherlands": (2.6, 2.6), "france": (1.2, 1.0),
        "italy": (1.2, 1.3), "eu_other": (7.2, 6.6), "united_kingdom": (2.6, 2.2),
        "united_states": (18.0, 14.7), "vietnam": (2.9, 4.6), "malaysia": (1.9, 2.8),
        "thailand": (1.7, 2.4), "singapore": (2.3, 1.9), "indonesia": (1.5, 2.1),
        "philippines": (1.2, 1.8), "asean_other": (0.7, 1.0), "japan": (6.0, 4.2),
        "hong_kong": (13.0, 8.2), "south_korea": (4.5, 4.1), "taiwan": (2.0, 2.1),
        "australia": (1.8, 2.0), "russia": (1.5, 3.2), "india": (2.6, 3.4), "canada": (1.3, 1.2),
        "new_zealand": (0.2, 0.2), "brazil": (1.1, 2.0), "latin_america_other": (4.2, 5.6),
        "south_africa": (0.7, 0.6), "africa_other": (3.3, 4.5),
        "other_belt_and_road": (6.5, 8.0), "rest_of_world": (3.3, 3.5),
    },
    "import": {
        "germany": (5.2, 3.6), "netherlands": (0.5, 0.5), "france": (1.5, 1.2),
        "italy": (1.0, 0.8), "eu_other": (4.2, 4.4), "united_kingdom": (1.1, 0.8),
        "united_states": (8.8, 6.4), "vietnam": (1.8, 3.6), "malaysia": (3.2, 3.7),
        "thailand": (2.2, 2.1), "singapore": (1.7, 1.2), "indonesia": (1.2, 2.9),
        "philippines": (1.1, 0.8), "asean_other": (0.6, 0.7), "japan": (8.5, 6.2),
        "hong_kong": (0.8, 0.5), "south_korea": (10.4, 6.8), "taiwan": (8.6, 8.4),
        "australia": (4.4, 4.9), "russia": (1.8, 5.0), "india": (0.8, 0.7), "canada": (1.6, 1.6),
        "new_zealand": (0.5, 0.5), "brazil": (2.6, 4.2), "latin_america_other": (3.9, 4.6),
        "south_africa": (1.8, 1.1), "africa_other": (2.0, 2.8),
        "other_belt_and_road": (9.0, 11.0), "rest_of_world": (9.2, 9.0),
    },
}  # fmt: skip
# Episodes layered on the natural share paths: (flow, partner, first, last, multiplier).
PARTNER_EPISODES = [
    ("export", "united_states", "2019-01", "2019-12", 0.90),
    ("export", "united_states", "2025-04", "2025-07", 0.72),
    ("import", "united_states", "2019-01", "2019-12", 0.80),
    ("import", "united_states", "2025-04", "2025-09", 0.82),
    ("export", "africa_other", "2025-01", "2025-09", 1.30),
    ("export", "russia", "2022-03", "2022-06", 0.70),
]
# Unit values (USD per canonical unit) at the 2015 and 2024 anchors.
UNIT_VALUES = {
    "export": {"integrated_circuits": (0.45, 0.55), "mobile_phones": (95.0, 124.0),
               "household_appliances": (18.0, 21.0), "vehicles": (11000.0, 17000.0),
               "ships": (9.0e6, 8.0e6), "footwear": (3.6, 4.1), "bags": (7000.0, 8500.0),
               "steel": (650.0, 800.0), "rare_earths": (5000.0, 6500.0),
               "fertilizer": (300.0, 350.0)},
    "import": {"integrated_circuits": (0.70, 0.95), "vehicles": (40000.0, 45000.0),
               "crude_oil": (350.0, 560.0), "natural_gas": (420.0, 450.0), "coal": (60.0, 80.0),
               "iron_ore": (60.0, 110.0), "copper_ore": (1800.0, 2300.0),
               "copper": (6500.0, 9000.0), "soybeans": (440.0, 450.0), "grain": (280.0, 300.0)},
}  # fmt: skip
# CNY per USD and USD per EUR anchors (month, rate); linear in between.
CNY_PER_USD = [
    ("2015-01", 6.21),
    ("2015-08", 6.35),
    ("2016-12", 6.92),
    ("2018-03", 6.31),
    ("2018-11", 6.94),
    ("2019-09", 7.13),
    ("2020-05", 7.11),
    ("2021-05", 6.43),
    ("2022-03", 6.35),
    ("2022-10", 7.20),
    ("2023-01", 6.78),
    ("2023-09", 7.30),
    ("2024-06", 7.27),
    ("2025-01", 7.31),
    ("2025-09", 7.13),
    ("2025-10", 7.12),
]
USD_PER_EUR = [("2015-01", 1.16), ("2015-04", 1.08), ("2018-02", 1.23), ("2019-09", 1.10),
               ("2021-05", 1.22), ("2022-09", 0.99), ("2023-07", 1.11), ("2024-12", 1.05),
               ("2025-01", 1.035), ("2025-06", 1.15), ("2025-09", 1.17),
               ("2025-10", 1.16)]  # fmt: skip
# Share of high-tech in each line (high-tech overlaps other lines, so it is derived, not a leaf).
HIGH_TECH_WEIGHTS = {
    "export": {"integrated_circuits": 1.0, "computers": 1.0, "mobile_phones": 1.0,
               "electromechanical_other": 0.35},
    "import": {"integrated_circuits": 1.0, "computers": 1.0, "electromechanical_other": 0.3},
}  # fmt: skip
# The month after the sample ends, reported later (-1.1% y/y for October 2025): shapes the
# synthetic leading indicators for October only; no trade figure for October is generated.
OCTOBER_2025_EXPORT_YOY = -1.1


def months(first: pd.Period = FIRST, last: pd.Period = LAST) -> pd.PeriodIndex:
    """Monthly index of the sample."""
    return pd.period_range(first, last, freq="M")


def interpolate_anchors(index: pd.PeriodIndex, anchors: list[tuple[str, float]]) -> pd.Series:
    """Piecewise-linear path through (month, value) anchors, flat outside them."""
    x = np.array([pd.Period(m, "M").ordinal for m, _ in anchors])
    y = np.array([v for _, v in anchors])
    return pd.Series(np.interp(index.asi8, x, y), index=index)


def share_path(index: pd.PeriodIndex, start: float, end: float) -> pd.Series:
    """Log-linear path from the 2015-01 anchor to the 2024-12 anchor, extrapolated into 2025."""
    t = (index.asi8 - pd.Period("2015-01", "M").ordinal) / 119.0
    return pd.Series(np.exp(np.log(start) + t * (np.log(end) - np.log(start))), index=index)


def ar1_noise(rng: np.random.Generator, n: int, sd: float, phi: float = 0.5) -> np.ndarray:
    """Stationary AR(1) noise in logs."""
    shocks = rng.normal(0.0, sd * np.sqrt(1 - phi**2), n)
    out = np.empty(n)
    out[0] = rng.normal(0.0, sd)
    for i in range(1, n):  # recursive filter: each value depends on the previous one
        out[i] = phi * out[i - 1] + shocks[i]
    return out


def new_year_effect(index: pd.PeriodIndex, flow: str) -> pd.Series:
    """Multiplicative Chinese New Year effect per month from the daily profile."""
    days = pd.date_range(index[0].start_time, index[-1].end_time.normalize(), freq="D")
    effect = pd.Series(0.0, index=days)
    for year in range(index[0].year - 1, index[-1].year + 2):
        new_year = pd.Timestamp(LunarDate(year, 1, 1).to_solar_date())
        for first, last, size in NEW_YEAR_PROFILE[flow]:
            window = pd.date_range(new_year + pd.Timedelta(days=first), periods=last - first + 1)
            effect.loc[effect.index.intersection(window)] += size
    monthly = effect.groupby(effect.index.to_period("M")).mean()
    return (1 + monthly).reindex(index)


def natural_total(flow: str, rng: np.random.Generator, index: pd.PeriodIndex) -> pd.Series:
    """Monthly total (USD) with trend, seasonality, New Year effect, noise and annual scaling."""
    annual = ANNUAL_TOTALS[flow]
    anchors = [(f"{y}-07", v / 12) for y, v in annual.items()]
    anchors.append(("2025-07", annual[2024] * (1 + GROWTH_2025[flow]) / 12))
    trend = np.exp(interpolate_anchors(index, [(m, np.log(v)) for m, v in anchors]))
    seasonal = np.array(SEASONAL[flow])[index.month - 1]
    level = (
        trend * seasonal * new_year_effect(index, flow) * np.exp(ar1_noise(rng, len(index), 0.02))
    )
    covid = {"2020-02": 0.80, "2020-03": 0.92} if flow == "export" else {"2020-02": 0.92}
    for month, factor in covid.items():
        level[pd.Period(month, "M")] *= factor
    years = index.year
    for year, total in annual.items():
        level[years == year] *= total / level[years == year].sum()
    return level * BN


def natural_leaves(
    total: pd.Series,
    shares: dict[str, tuple[float, float]],
    rng: np.random.Generator,
    episodes: list[tuple[str, str, float]] = (),
) -> pd.DataFrame:
    """Leaf levels as noisy shares of the total, renormalised so the leaves add up to it."""
    index = total.index
    paths = {
        leaf: share_path(index, a, b) * np.exp(ar1_noise(rng, len(index), 0.04, 0.6))
        for leaf, (a, b) in shares.items()
    }
    frame = pd.DataFrame(paths)
    for leaf, first, last, factor in episodes:
        frame.loc[pd.Period(first, "M") : pd.Period(last, "M"), leaf] *= factor
    return frame.div(frame.sum(axis=1), axis=0).mul(total, axis=0)


@dataclass
class Tree:
    """A partition tree over leaf columns: each node maps to the leaves it adds up."""

    leaves_of: dict[str, list[str]]
    parent_of: dict[str, str | None]
    fixed: dict[tuple[str, pd.Period], float] = field(default_factory=dict)

    def ancestors(self, node: str) -> list[str]:
        """Parents of a node, nearest first."""
        chain, current = [], self.parent_of[node]
        while current is not None:
            chain.append(current)
            current = self.parent_of[current]
        return chain

    def frozen_leaves(self, under: str, month: pd.Period, exclude: str | None = None) -> set:
        """Leaves inside fixed nodes strictly below `under` (their totals must not move)."""
        frozen = set()
        for (node, fixed_month), _ in self.fixed.items():
            if fixed_month == month and node != under and under in self.ancestors(node):
                frozen.update(self.leaves_of[node])
        if exclude is not None:
            frozen.update(self.leaves_of[exclude])
        return frozen

    def set_level(self, levels: pd.DataFrame, node: str, month: pd.Period, target: float) -> None:
        """Scale free leaves so `node` equals target, keep the nearest fixed ancestor's total."""
        row = levels.loc[month]
        _rescale(row, self.leaves_of[node], self.frozen_leaves(node, month), target, node, month)
        for ancestor in self.ancestors(node):
            if (ancestor, month) in self.fixed:
                frozen = self.frozen_leaves(ancestor, month, exclude=node)
                _rescale(row, self.leaves_of[ancestor], frozen, self.fixed[ancestor, month],
                         ancestor, month)  # fmt: skip
                break
        levels.loc[month] = row
        self.fixed[node, month] = target

    def node_level(self, levels: pd.DataFrame, node: str, month: pd.Period) -> float:
        """Current level of a node in a month."""
        return float(levels.loc[month, self.leaves_of[node]].sum())


def _rescale(row: pd.Series, leaves: list[str], frozen: set, target: float, node, month) -> None:
    free = [leaf for leaf in leaves if leaf not in frozen]
    fixed_part = row[[leaf for leaf in leaves if leaf in frozen]].sum()
    free_part = row[free].sum()
    if not free or free_part <= 0 or target - fixed_part <= 0:
        raise ValueError(f"calibration of {node} in {month} is infeasible (target {target:.4g})")
    row[free] *= (target - fixed_part) / free_part


def product_tree(flow: str) -> Tree:
    """Partition tree of a flow's products from data/classifications/products.csv."""
    table = classifications.product_tree(flow)
    table = table[table["in_partition"]]
    leaves_of = {code: classifications.leaves(flow, code) for code in table.index}
    parent_of = {code: (parent or None) for code, parent in table["parent"].items()}
    return Tree(leaves_of, parent_of)


def partner_tree() -> Tree:
    """Partition tree of partners as GAC's table is laid out today (EU27, UK separate)."""
    table = classifications.partners()
    leaves = classifications.partner_leaves()
    parent_of: dict[str, str | None] = {"WORLD": None}
    leaves_of: dict[str, list[str]] = {"WORLD": leaves}
    for leaf in leaves:
        parent = table.at[leaf, "gac_parent"] or "WORLD"
        parent_of[leaf] = parent
        leaves_of[leaf] = [leaf]
        if parent != "WORLD":
            parent_of[parent] = "WORLD"
            leaves_of.setdefault(parent, []).append(leaf)
    return Tree(leaves_of, parent_of)


def load_calibration(path: Path = SAMPLE_DIR / "calibration.csv") -> pd.DataFrame:
    """Calibration targets (flow, tree, node, period, rule, value) in the order to apply them."""
    table = pd.read_csv(path, comment="#", dtype={"period": str})
    table["period"] = pd.PeriodIndex(table["period"], freq="M")
    return table


def pin_rates(rates: pd.Series, targets: pd.DataFrame, node: str) -> pd.Series:
    """Exchange rates with the months pinned in the calibration (tree fx) replaced by the pins."""
    pins = targets[(targets["tree"] == "fx") & (targets["node"] == node)]
    unknown = set(pins["rule"]) - {"monthly_average"}
    if unknown:
        raise ValueError(f"unknown fx rule(s) {', '.join(sorted(unknown))} in calibration.csv")
    pinned = pins.set_index("period")["value"].astype(float)
    out = rates.copy()
    hit = out.index.intersection(pinned.index)
    out[hit] = pinned[hit]
    return out


def calibrate_totals(totals: dict[str, pd.Series], targets: pd.DataFrame) -> None:
    """Apply total-level targets (levels, y/y, quarterly growth) in file order, in place."""
    for row in targets[targets["tree"] == "total"].itertuples():
        total = totals[row.flow]
        if row.rule == "level_usd_bn":
            total[row.period] = row.value * BN
        elif row.rule == "yoy_pct":
            total[row.period] = total[row.period - 12] * (1 + row.value / 100)
        elif row.rule == "quarter_yoy_pct":
            # row.period is the quarter's last month; months already pinned stay put.
            quarter = pd.period_range(row.period - 2, row.period, freq="M")
            pinned = [m for m in quarter if m in set(targets.loc[
                (targets["tree"] == "total") & (targets["flow"] == row.flow)
                & (targets["rule"] == "yoy_pct"), "period"])]  # fmt: skip
            free = [m for m in quarter if m not in pinned]
            goal = total[quarter - 12].sum() * (1 + row.value / 100) - total[pinned].sum()
            total[free] *= goal / total[free].sum()
        else:
            raise ValueError(f"unknown total rule {row.rule}")


def calibrate_tree(levels: pd.DataFrame, tree: Tree, root: str, targets: pd.DataFrame) -> None:
    """Fix the root in every month, then apply node targets in file order, in place."""
    for month in levels.index:
        tree.fixed[root, month] = tree.node_level(levels, root, month)
    for row in targets.itertuples():
        if row.rule == "share_pct":
            goal = tree.fixed[root, row.period] * row.value / 100
        elif row.rule == "yoy_pct":
            goal = tree.node_level(levels, row.node, row.period - 12) * (1 + row.value / 100)
        elif row.rule == "ytd_share_pct":
            _calibrate_ytd_share(levels, tree, root, row)
            continue
        else:
            raise ValueError(f"unknown rule {row.rule}")
        tree.set_level(levels, row.node, row.period, goal)


def _calibrate_ytd_share(levels: pd.DataFrame, tree: Tree, root: str, row) -> None:
    """Scale the node's not-yet-fixed months of the year so its Jan..month share hits the target."""
    span = pd.period_range(pd.Period(f"{row.period.year}-01", "M"), row.period, freq="M")
    node_levels = pd.Series({m: tree.node_level(levels, row.node, m) for m in span})
    pinned = [m for m in span if (row.node, m) in tree.fixed]
    free = [m for m in span if m not in pinned]
    root_sum = sum(tree.fixed[root, m] for m in span)
    goal = root_sum * row.value / 100 - node_levels[pinned].sum()
    factor = goal / node_levels[free].sum()
    for month in free:
        tree.set_level(levels, row.node, month, node_levels[month] * factor)


def quantities(
    flow: str, values: pd.DataFrame, rng: np.random.Generator, targets: pd.DataFrame
) -> pd.DataFrame:
    """Quantities (canonical units) for lines with unit values; quantity targets applied."""
    out = {}
    for code, (start, end) in UNIT_VALUES[flow].items():
        unit_value = share_path(values.index, start, end) * np.exp(
            ar1_noise(rng, len(values.index), 0.03, 0.8)
        )
        out[code] = values[code] / unit_value
    frame = pd.DataFrame(out)
    for row in targets.itertuples():
        frame.loc[row.period, row.node] = frame.loc[row.period - 12, row.node] * (
            1 + row.value / 100
        )
    return frame


def aggregate_nodes(leaves: pd.DataFrame, tree: Tree) -> pd.DataFrame:
    """All tree nodes' levels (each node = sum of its leaves)."""
    return pd.DataFrame({node: leaves[cols].sum(axis=1) for node, cols in tree.leaves_of.items()})


def bloc_levels(leaves: pd.DataFrame) -> pd.DataFrame:
    """Bloc series from partner leaves with the membership in force in each month."""
    out = {}
    for bloc in classifications.blocs():
        values = pd.Series(np.nan, index=leaves.index)
        for month in leaves.index:
            members = classifications.members(bloc, month)
            if members:
                values[month] = leaves.loc[month, members].sum()
        out[bloc] = values
    return pd.DataFrame(out)


def generate() -> dict[str, pd.DataFrame]:
    """Build the three sample tables (trade in canonical columns, consensus, indicators)."""
    rng = np.random.default_rng(SEED)
    index = months()
    targets = load_calibration()
    totals = {flow: natural_total(flow, rng, index) for flow in ("export", "import")}
    calibrate_totals(totals, targets)

    records = []
    for flow in ("export", "import"):
        total = totals[flow]
        # products
        tree = product_tree(flow)
        leaves = natural_leaves(total, PRODUCT_SHARES[flow], rng)
        flow_targets = targets[(targets["flow"] == flow) & (targets["tree"] == "product")]
        calibrate_tree(leaves, tree, "TOTAL", flow_targets)
        products = aggregate_nodes(leaves, tree)
        products["high_tech"] = sum(
            leaves[code] * weight for code, weight in HIGH_TECH_WEIGHTS[flow].items()
        )
        qty_targets = targets[(targets["flow"] == flow) & (targets["tree"] == "quantity")]
        qty = quantities(flow, products, rng, qty_targets)
        records.append(_long(products, flow, dimension="product", quantity=qty))
        # partners
        tree = partner_tree()
        episodes = [(p, a, b, f) for fl, p, a, b, f in PARTNER_EPISODES if fl == flow]
        leaves = natural_leaves(total, PARTNER_SHARES[flow], rng, episodes)
        flow_targets = targets[(targets["flow"] == flow) & (targets["tree"] == "partner")]
        calibrate_tree(leaves, tree, "WORLD", flow_targets)
        partners = pd.concat([leaves, bloc_levels(leaves)], axis=1)
        records.append(_long(partners, flow, dimension="partner"))

    usd = pd.concat(records, ignore_index=True)
    rates = interpolate_anchors(index, CNY_PER_USD) * np.exp(ar1_noise(rng, len(index), 0.003, 0.9))
    rates = pin_rates(rates, targets, "cny_per_usd")
    cny = usd.assign(value=usd["value"] * usd["period"].map(rates), currency="CNY")
    trade = fold_combined_janfeb(pd.concat([usd, cny], ignore_index=True))
    consensus = make_consensus(totals, rng)
    indicators = make_indicators(totals, rates, rng)
    return {"trade": trade, "consensus": consensus, "indicators": indicators}


def _long(
    wide: pd.DataFrame, flow: str, dimension: str, quantity: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Wide node levels → canonical long rows (USD)."""
    long = (
        wide.rename_axis("period").reset_index().melt("period", var_name="code", value_name="value")
    )
    long = long.dropna(subset=["value"])
    if dimension == "product":
        long = long.assign(partner="WORLD", product=long["code"])
    else:
        long = long.assign(partner=long["code"], product="TOTAL")
    long["quantity"] = np.nan
    long["quantity_unit"] = None
    if quantity is not None:
        units = classifications.product_tree(flow)["quantity_unit"]
        q_long = (
            quantity.rename_axis("period")
            .reset_index()
            .melt("period", var_name="code", value_name="q")
        )
        long = long.merge(q_long, on=["period", "code"], how="left")
        long["quantity"] = long["q"]
        has_qty = long["quantity"].notna()
        long.loc[has_qty, "quantity_unit"] = long.loc[has_qty, "code"].map(units)
        long = long.drop(columns="q")
    return long.assign(
        months=1, flow=flow, currency="USD", measure="level", source="sample", vintage=VINTAGE
    ).drop(columns="code")


def fold_combined_janfeb(trade: pd.DataFrame) -> pd.DataFrame:
    """Store January-February combined (months=2 at February) in the years GAC did so."""
    years = set(pd.read_csv(classifications.CLASSIFICATIONS_DIR / "janfeb_combined.csv")["year"])
    is_jan = trade["period"].dt.month.eq(1) & trade["period"].dt.year.isin(years)
    is_feb = trade["period"].dt.month.eq(2) & trade["period"].dt.year.isin(years)
    key = ["flow", "partner", "product", "currency"]
    january = (
        trade[is_jan].assign(period=trade.loc[is_jan, "period"] + 1).set_index(key + ["period"])
    )
    february = trade[is_feb].set_index(key + ["period"])
    combined = february.copy()
    combined["value"] = february["value"] + january["value"].reindex(february.index)
    combined["quantity"] = february["quantity"] + january["quantity"].reindex(february.index)
    combined["months"] = 2
    out = pd.concat([trade[~is_jan & ~is_feb], combined.reset_index()], ignore_index=True)
    from helpers.schema import CANONICAL_COLUMNS

    return out[CANONICAL_COLUMNS].sort_values(
        ["flow", "partner", "product", "currency", "period"], ignore_index=True
    )


def _smoothed_yoy(total: pd.Series) -> pd.Series:
    """3-month y/y of a monthly total (smooths the New Year swings)."""
    rolling = total.rolling(3).sum()
    return (rolling / rolling.shift(12) - 1) * 100


def make_consensus(totals: dict[str, pd.Series], rng: np.random.Generator) -> pd.DataFrame:
    """Survey consensus = actual + forecast error; the September 2025 calibration row is exact."""
    calib = load_calibration()
    rows = []
    years = set(pd.read_csv(classifications.CLASSIFICATIONS_DIR / "janfeb_combined.csv")["year"])
    index = totals["export"].index
    for flow, sd in (("export", 3.0), ("import", 4.0)):
        level = totals[flow]
        folded = metrics.fold_janfeb(level, years)
        yoy = metrics.yoy(folded)
        error = rng.normal(0, sd, len(index))
        consensus = (yoy - error).dropna()
        rows.append(pd.DataFrame({"period": consensus.index, "flow": flow, "metric": "yoy",
                                  "value": consensus.values, "unit": "pct"}))  # fmt: skip
    folded = {flow: metrics.fold_janfeb(totals[flow], years) for flow in totals}
    balance = (folded["export"] - folded["import"]) / BN  # combined Jan-Feb like the data
    consensus_balance = (balance - rng.normal(0, 6, len(index))).dropna()
    rows.append(pd.DataFrame({"period": consensus_balance.index, "flow": "net",
                              "metric": "balance", "value": consensus_balance.values,
                              "unit": "usd_bn"}))  # fmt: skip
    table = pd.concat(rows, ignore_index=True)
    for row in calib[calib["tree"] == "consensus"].itertuples():
        hit = (table["period"] == row.period) & (table["flow"] == row.flow)
        table.loc[hit & (table["metric"] == "yoy"), "value"] = row.value
    table["value"] = table["value"].round(1)
    table["source"] = "sample consensus (illustrative)"
    table["period"] = table["period"].astype(str)
    return table


def make_indicators(
    totals: dict[str, pd.Series], rates: pd.Series, rng: np.random.Generator
) -> pd.DataFrame:
    """Leading indicators that run one month ahead of the trade data (to 2025-10)."""
    index = months(FIRST, INDICATORS_LAST)
    latent = _smoothed_yoy(totals["export"]).reindex(index)
    latent[INDICATORS_LAST] = OCTOBER_2025_EXPORT_YOY
    latent = latent.bfill()
    lead = latent.shift(-1).fillna(latent)  # indicators lead exports by a month
    n = len(index)

    def noisy(base, scale, sd, phi=0.6):
        return base + scale * lead.values + ar1_noise(rng, n, sd, phi)

    usd = pd.concat([rates, pd.Series([rates.iloc[-1]], index=[INDICATORS_LAST])])
    targets = load_calibration()
    usd = pin_rates(usd, targets, "cny_per_usd")
    eur = interpolate_anchors(index, USD_PER_EUR) * np.exp(ar1_noise(rng, n, 0.005, 0.9))
    cny_per_eur = pin_rates(usd * eur, targets, "cny_per_eur")
    korea = 0.8 * latent.values + ar1_noise(rng, n, 4.0, 0.3)
    wide = pd.DataFrame(
        {
            "global_pmi": noisy(50.0, 0.12, 0.8),
            "us_pmi": noisy(51.0, 0.15, 1.5),
            "euro_area_pmi": noisy(50.0, 0.15, 1.5),
            "china_pmi_new_export_orders": noisy(47.0, 0.20, 1.0),
            "korea_exports_yoy": korea,
            "cny_per_usd": usd.values,
            "cny_per_eur": cny_per_eur.values,
        },
        index=index,
    ).round(2)
    units = {"korea_exports_yoy": "pct", "cny_per_usd": "cny", "cny_per_eur": "cny"}
    long = (
        wide.rename_axis("period")
        .reset_index()
        .melt("period", var_name="indicator", value_name="value")
    )
    long["unit"] = long["indicator"].map(units).fillna("index")
    long["source"] = "sample indicators (illustrative)"
    long["period"] = long["period"].astype(str)
    return long


def write(out: Path = SAMPLE_DIR) -> list[Path]:
    """Generate and write the sample files atomically; returns their paths."""
    from helpers.atomic import atomic_write

    tables = generate()
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    trade = tables["trade"].assign(period=tables["trade"]["period"].astype(str))
    with atomic_write(out / "trade.parquet", "wb") as handle:
        trade.to_parquet(handle, index=False)
    paths.append(out / "trade.parquet")
    for name in ("consensus", "indicators"):
        with atomic_write(out / f"{name}.csv", "w") as handle:
            tables[name].to_csv(handle, index=False, float_format="%.6g", lineterminator="\n")
        paths.append(out / f"{name}.csv")
    return paths


def main(argv: list[str] | None = None) -> int:
    """Command line: write the sample into data/sample (or --out); returns the exit status."""
    from helpers.cli import parse_args

    parser = argparse.ArgumentParser(
        prog="python -m helpers.sample", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--out", type=Path, default=SAMPLE_DIR)
    args, code = parse_args(parser, argv, "sample")
    if args is None:  # help printed (0) or a usage error (2)
        return code
    started = dt.datetime.now()
    for path in write(args.out):
        print(f"wrote {path}")
    print(f"done in {(dt.datetime.now() - started).total_seconds():.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

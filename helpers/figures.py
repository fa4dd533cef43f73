"""The figure vocabulary and the figures a view records.

"Figure" means a number here (as in figures.csv); charts live in `helpers.charts`.

One name per number, from computation to figures.csv to the page label: every figure name is a
row of `data/figure_names.csv` with its unit, decimals, display label and the function that
computes it (`computed_by`; several, separated by ";", where views compute it in different
ways: tests/test_names_computed_by.py checks them against a build). Display tables use figure
names as column (or row) names and take their labels from the same file (other columns' labels
are in `data/column_labels.csv`); the runner rounds figures.csv with the same decimals through
:func:`round_half_up`, the one rounding rule of every output.

Figures rows: metric, flow, dimension, item, period, value, unit — as in a published-figures
file (e.g. `yoy, export, product, integrated_circuits, 2025-09, 32.7, pct`). Values are kept
at full precision in a FigureSet; rounding happens only when a number is shown or written.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

import pandas as pd

from helpers.atomic import atomic_write
from helpers.basis import BASES
from helpers.paths import DATA_DIR
from helpers.schema import TradeKitError

__all__ = [
    "FIGURE_COLUMNS",
    "PUBLISHED_COLUMNS",
    "FigureSet",
    "FiguresFileError",
    "UNIT_DECIMALS",
    "column_labels",
    "combine_figures",
    "decimals_of",
    "figure_decimals",
    "format_value",
    "label_of",
    "registry",
    "round_half_up",
    "round_value",
    "unit_of",
]

# the published-figures vocabulary, then the basis (computed / printed / derived) and, for a
# derived figure, the range the printed rounding allows
PUBLISHED_COLUMNS = ["metric", "flow", "dimension", "item", "period", "value", "unit"]
# and the currency of the values a figure was computed from (USD or CNY: a `--currency both`
# report holds USD figures and the CNY growth beside them)
FIGURE_COLUMNS = [*PUBLISHED_COLUMNS, "basis", "low", "high", "currency"]
NUMERIC_COLUMNS = ("value", "low", "high")
REGISTRY_FILE = DATA_DIR / "figure_names.csv"
COLUMN_LABELS_FILE = DATA_DIR / "column_labels.csv"


@cache
def registry() -> pd.DataFrame:
    """The figure names (data/figure_names.csv), indexed by name."""
    table = pd.read_csv(REGISTRY_FILE, dtype=str, keep_default_na=False).set_index("name")
    table["decimals"] = table["decimals"].astype(int)
    return table


@cache
def _entries() -> dict[str, dict]:
    """The registry's rows as plain dicts: looked up thousands of times per report, where a
    DataFrame row lookup costs a hundred times more."""
    return registry().to_dict(orient="index")


def _entry(name: str) -> dict:
    try:
        return _entries()[name]
    except KeyError:
        raise KeyError(
            f"'{name}' is not a figure name: add it to {REGISTRY_FILE.name} (name, unit, "
            "decimals, label, computed_by, meaning)"
        ) from None


def unit_of(name: str, currency: str = "USD") -> str:
    """The figures.csv unit of a figure ('bn' becomes usd_bn / cny_bn)."""
    unit = _entry(name)["unit"]
    return f"{currency.lower()}_bn" if unit == "bn" else unit


def decimals_of(name: str) -> int:
    """Decimals a figure is shown and written with."""
    return int(_entry(name)["decimals"])


def label_of(name: str, currency: str = "USD") -> str:
    """A figure's display label ('Level (USD bn)')."""
    return _entry(name)["label"].format(currency=currency)


@cache
def column_labels() -> dict[str, str]:
    """Display labels of table columns that are not figures (data/column_labels.csv: name,
    label), by name; a figure's label is in the registry, never here."""
    table = pd.read_csv(COLUMN_LABELS_FILE, dtype=str, keep_default_na=False)
    return dict(zip(table["name"], table["label"], strict=True))


def round_half_up(value: float, decimals: int) -> float:
    """Round half away from zero on the number's shortest decimal form (8.25 → 8.3, −8.25 → −8.3).

    Python's round() and '{:.1f}' round the binary float (8.25 → 8.2); analysts and GAC round
    the printed decimal, so every output of the kit rounds here.
    """
    if value is None or not math.isfinite(value):
        return value
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    return float(rounded) + 0.0  # + 0.0 turns -0.0 into 0.0


def format_value(value, decimals: int = 1, sign: bool = False, missing: str = "–") -> str:
    """A number as shown to a reader: half-up rounded, optional sign, `missing` for NaN/None."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return missing if value is None else str(value)
    if not math.isfinite(value):
        return missing
    rounded = round_half_up(value, decimals)
    return f"{rounded:+.{decimals}f}" if sign else f"{rounded:.{decimals}f}"


# Decimals for figures whose name is not in data/figure_names.csv (custom notebooks).
UNIT_DECIMALS = {"pct": 1, "pp": 1, "usd_bn": 1, "cny_bn": 1, "ratio": 2}


class FiguresFileError(TradeKitError, ValueError):
    """A view's figures file lacks a column of the published vocabulary."""


def figure_decimals(metric: str, unit: str) -> int | None:
    """Decimals figures.csv keeps: the registered figure's when the unit is the registered one,
    else by unit (None = as written, e.g. usd_mn from a custom notebook)."""
    entry, unit = _entries().get(metric), str(unit).strip().lower()
    if entry is not None:
        registered = entry["unit"]
        if unit == registered or (registered == "bn" and unit.endswith("_bn")):
            return int(entry["decimals"])
    return UNIT_DECIMALS.get(unit)


def round_value(value: float, metric: str, unit: str) -> float:
    """A figure rounded for figures.csv with the kit's one rule (:func:`round_half_up`)."""
    places = figure_decimals(metric, unit)
    return value if places is None else round_half_up(value, places)


def combine_figures(frames: dict[str, pd.DataFrame], order: Sequence[str]) -> pd.DataFrame:
    """Concatenate per-view figure frames: trailing `view` column, rounded values, stable sort.

    Rows are ordered by view (in `order`), then metric, flow, dimension, item, period; rows
    equal on all of these keep the notebook's order. FiguresFileError names a view whose frame
    lacks a published column.
    """
    parts = []
    for view, df in frames.items():
        missing = [c for c in PUBLISHED_COLUMNS if c not in df.columns]
        if missing:
            raise FiguresFileError(f"figures_{view}.csv lacks column(s) {', '.join(missing)}")
        # a notebook of one's own may write only the published vocabulary: computed, no bounds
        part = df.reindex(columns=FIGURE_COLUMNS)
        part["view"] = view  # last, so the first seven columns are the published vocabulary
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=[*FIGURE_COLUMNS, "view"])
    out = pd.concat(parts, ignore_index=True)
    for column in NUMERIC_COLUMNS:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
        rows = zip(out[column], out["metric"], out["unit"], strict=True)
        out[column] = [round_value(v, m, u) for v, m, u in rows]
    rank = {v: i for i, v in enumerate(order)}
    out["basis"] = out["basis"].astype(object).where(out["basis"].notna(), "computed")
    out["basis"] = out["basis"].replace("", "computed")
    out["currency"] = out["currency"].astype(object).where(out["currency"].notna(), "")
    out["_v"] = out["view"].map(rank)
    keys = ["_v", "metric", "flow", "dimension", "item", "period"]
    for k in keys[1:]:
        out[k] = out[k].fillna("").astype(str)
    return out.sort_values(keys, kind="stable").drop(columns="_v").reset_index(drop=True)


def _finite_or_nan(value) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return math.nan
    return value if math.isfinite(value) else math.nan


def period_label(period: pd.Period) -> str:
    """'2025-09' for months, '2025-Q3' for quarters."""
    if period.freqstr.startswith("Q"):
        return f"{period.year}-Q{period.quarter}"
    return str(period)


def item_code(code: str) -> str:
    """Figure item for a partner/product code (the margins WORLD and TOTAL are 'total')."""
    return "total" if code in ("WORLD", "TOTAL") else code


class FigureSet:
    """Collects the figures a view computes, in one currency."""

    def __init__(self, currency: str = "USD") -> None:
        self.currency = currency
        self.rows: list[dict] = []

    def add(self, name: str, flow: str, dimension: str, item: str, period, value,
            unit: str | None = None, basis: str = "computed", low: float | None = None,
            high: float | None = None, currency: str | None = None) -> None:  # fmt: skip
        """Record one figure under its registered name (skips NaN: not computable, not shown).

        The unit comes from the registry; a `unit` passed in must agree with it. `basis` is
        computed, printed or derived (helpers.basis); a derived figure carries `low`/`high`,
        the range the printed rounding allows. `currency` (default the set's) is the currency
        of the values the figure was computed from.
        """
        if basis not in BASES:
            raise ValueError(f"basis must be one of {BASES}, not {basis!r}")
        currency = currency or self.currency
        registered = unit_of(name, currency)
        if unit is not None and unit != registered:
            raise ValueError(f"figure '{name}' is in {registered}, not {unit}")
        unit = registered
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return
        self.rows.append(
            {
                "metric": name,
                "flow": flow,
                "dimension": dimension,
                "item": item_code(item),
                "period": period if isinstance(period, str) else period_label(pd.Period(period)),
                "value": float(value),
                "unit": unit,
                "basis": basis,
                "low": _finite_or_nan(low),
                "high": _finite_or_nan(high),
                "currency": currency,
            }
        )

    def add_table(self, table: pd.DataFrame, flow: str, dimension: str, period, names) -> None:
        """Record the columns `names` of a table whose columns are figure names (rows = items);
        a column `<name>_basis` (and `<name>_low`/`_high`) gives a figure's basis and bounds."""
        for code, row in table.iterrows():
            for name in names:
                basis = row.get(f"{name}_basis")
                self.add(name, flow, dimension, code, period, row[name],
                         basis=basis if isinstance(basis, str) and basis else "computed",
                         low=row.get(f"{name}_low"), high=row.get(f"{name}_high"))  # fmt: skip

    def frame(self) -> pd.DataFrame:
        """All figures as a DataFrame in the standard columns."""
        return pd.DataFrame(self.rows, columns=FIGURE_COLUMNS)

    def save(self, output_dir: str | Path, view: str) -> Path | None:
        """Write figures_<view>.csv into output_dir (atomically); no-op without output_dir."""
        if not output_dir:
            return None
        path = Path(output_dir) / f"figures_{view}.csv"
        with atomic_write(path) as handle:
            self.frame().to_csv(handle, index=False, lineterminator="\n")
        return path

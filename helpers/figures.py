"""Machine-readable figures of a view: the published-release vocabulary, one row per number.

Columns: metric, flow, dimension, item, period, value, unit — as in a published-figures file
(e.g. `yoy, export, product, integrated_circuits, 2025-09, 32.7, pct`). Values are kept at full
precision here; the runner rounds them for figures.csv.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from helpers.atomic import atomic_write

FIGURE_COLUMNS = ["metric", "flow", "dimension", "item", "period", "value", "unit"]


def period_label(period: pd.Period) -> str:
    """'2025-09' for months, '2025-Q3' for quarters."""
    if period.freqstr.startswith("Q"):
        return f"{period.year}-Q{period.quarter}"
    return str(period)


def item_code(code: str) -> str:
    """Figure item for a partner/product code (the margins WORLD and TOTAL are 'total')."""
    return "total" if code in ("WORLD", "TOTAL") else code


class FigureSet:
    """Collects the figures a view computes."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, metric: str, flow: str, dimension: str, item: str, period, value, unit: str):
        """Record one figure (skips NaN: a figure that cannot be computed is not reported)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return
        self.rows.append(
            {
                "metric": metric,
                "flow": flow,
                "dimension": dimension,
                "item": item_code(item),
                "period": period_label(pd.Period(period))
                if not isinstance(period, str)
                else period,
                "value": float(value),
                "unit": unit,
            }
        )

    def add_table(self, table: pd.DataFrame, flow: str, dimension: str, period, columns: dict):
        """Record table columns as figures: columns maps column name -> (metric, unit)."""
        for code, row in table.iterrows():
            for column, (metric, unit) in columns.items():
                self.add(metric, flow, dimension, code, period, row[column], unit)

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

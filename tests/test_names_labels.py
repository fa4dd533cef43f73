"""One name per thing, one place per label.

The forecast band is named once (forecast.FORECAST_COLUMNS: the figure names) from
`forecast.forecast` to figures.csv, the forecast table and the fan chart; display labels live
in data only: a figure's in data/figure_names.csv, any other column's in data/column_labels.csv.
"""

from __future__ import annotations

import ast
import inspect

import pandas as pd

from helpers import charts, figures, forecast, notebook, outlook
from helpers.figures import FigureSet
from helpers.forecast import FORECAST_COLUMNS


def _labels() -> pd.DataFrame:
    return pd.read_csv(figures.COLUMN_LABELS_FILE, dtype=str, keep_default_na=False)


def test_column_labels_are_data_and_never_a_figures_label():
    table = _labels()
    assert list(table.columns) == ["name", "label"]
    assert table["name"].is_unique and (table["label"] != "").all()
    # a figure's label is in figure_names.csv only
    assert not set(table["name"]) & set(figures.registry().index)
    assert figures.column_labels() == dict(zip(table["name"], table["label"], strict=True))


def test_label_reads_the_figures_then_the_column_labels():
    assert notebook.label("forecast_lo80") == "Low 80%"
    assert notebook.label("level", "CNY") == "Level (CNY bn)"
    assert notebook.label("rmse") == "RMSE (pp)"  # a figure
    assert notebook.label("horizon") == "Horizon (months)"  # a column label
    assert notebook.label("not_a_column") == "not_a_column"
    assert notebook.label(3) == 3  # a non-text column keeps its name
    assert notebook.decimals("coverage80") == 2 and notebook.decimals("rmse", 2) == 2


def test_notebook_holds_no_label_text():
    labels = set(_labels()["label"]) | set(figures.registry()["label"])
    tree = ast.parse(inspect.getsource(notebook))
    texts = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
             and isinstance(n.value, str)}  # fmt: skip
    assert not texts & labels
    assert not hasattr(notebook, "COLUMN_LABELS")


def test_the_band_has_one_name_from_the_model_to_the_chart():
    registry = figures.registry()
    assert set(FORECAST_COLUMNS) <= set(registry.index)
    assert all("helpers.forecast.forecast" in registry.loc[c, "computed_by"]
               for c in FORECAST_COLUMNS)  # fmt: skip
    assert not hasattr(outlook, "fan_frame")  # no renaming between the model and the chart
    for module in (outlook, charts):
        source = inspect.getsource(module)
        assert not any(old in source for old in ("lo80_pct", '"lo80"', '"point"'))
    index = pd.PeriodIndex(["2025-10", "2025-11"], freq="M")
    frame = pd.DataFrame({c: [1.0 + i, 2.0 + i] for i, c in enumerate(FORECAST_COLUMNS)},
                         index=index).assign(basis="month")  # fmt: skip
    result = outlook.Outlook(pd.Period("2025-09", "M"), "USD", forecast=frame)
    shown = outlook.forecast_display(result)
    assert [notebook.label(c) for c in shown.columns] == [
        "Forecast y/y %", "Low 95%", "Low 80%", "High 80%", "High 95%", "Basis"]
    figure_set = FigureSet()
    outlook.record(figure_set, result.period, forecast=frame)
    recorded = figure_set.frame()
    assert set(recorded["metric"]) == set(FORECAST_COLUMNS)
    assert recorded.set_index(["metric", "period"]).loc[("forecast_lo80", "2025-11"),
                                                        "value"] == 4.0  # fmt: skip
    chart = charts.fan_chart(pd.Series([0.5], index=pd.PeriodIndex(["2025-09"], freq="M")),
                             frame, "t", "src")  # fmt: skip
    assert "Oct 2025 +1.0%" in chart.alt
    assert forecast.BAND_COLUMNS == FORECAST_COLUMNS[1:]

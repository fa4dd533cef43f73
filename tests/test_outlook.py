"""The outlook view: scenario arithmetic by hand, and the notebook with X-13 and with STL."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers import outlook, seasonal
from helpers.data import Dataset
from helpers.figures import FigureSet
from helpers.ingest import importer
from helpers.paths import SAMPLE_DIR
from helpers.report.runner import run_report
from helpers.schema import validate


def _flat_dataset() -> Dataset:
    """Exports 100 a month; US 20 and EU 15 of it (shares 20% and 15%)."""
    months = pd.period_range("2024-01", "2025-06", freq="M").astype(str)
    rows = [
        {"period": p, "flow": "export", "partner": partner, "product": "TOTAL", "value": v,
         "currency": "USD", "source": "hand", "vintage": "2025-07-10"}
        for p in months
        for partner, v in (("WORLD", 100.0), ("united_states", 20.0), ("european_union", 15.0))
    ]  # fmt: skip
    return Dataset(validate(pd.DataFrame(rows), "hand"), Path("hand"))


def test_scenario_effects_by_hand():
    table = outlook.scenario_table(_flat_dataset(), "2025-06", 10.0, -2.0, 4.0)
    effects = table["headline_effect_pp"]
    # US: 20% of exports x -10 pp = -2.0 pp; EU: 15% x -2 pp = -0.3 pp;
    # CNY/EUR +4% with elasticity 0.5 -> +2 pp on EU growth: 15% x 2 = +0.3 pp; total -2.0
    assert effects.iloc[0] == pytest.approx(-2.0)
    assert effects.iloc[1] == pytest.approx(-0.3)
    assert effects.iloc[2] == pytest.approx(0.3)
    assert effects["Total"] == pytest.approx(-2.0)
    figures = FigureSet()
    outlook.record(figures, pd.Period("2025-06", "M"), scenarios=table)
    items = figures.frame()["item"].tolist()
    assert items[0] == "us_bound_exports_fall_a_further_10" and items[-1] == "total"


def test_short_history_is_explained_not_fatal():
    result = outlook.compute(_flat_dataset(), "2025-06")
    assert result.sa is None and result.backtest is None and result.forecast is None
    assert any("need at least 48" in note for note in result.notes)
    assert "No backtest" in outlook.backtest_verdict(result.backtest)


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    """The bundled sample imported as a tidy file into a store (indicators left behind)."""
    store = tmp_path_factory.mktemp("store")
    assert importer.main(["tidy", str(SAMPLE_DIR / "trade.parquet"), "--store", str(store)]) == 0
    return store


@pytest.mark.slow
@pytest.mark.parametrize("x13", [True, False], ids=["x13", "stl-fallback"])
def test_outlook_notebook_on_a_store(sample_store, tmp_path, monkeypatch, x13):
    if x13 and not seasonal.x13_available():
        pytest.skip("the X-13 binary cannot run here")
    if not x13:
        monkeypatch.setenv("CTK_DISABLE_X13", "1")
    report = run_report("2025-09", data=sample_store, views="outlook", out=tmp_path, progress=None)
    html = (report / "outlook.html").read_text(encoding="utf-8")
    assert ("X-13ARIMA-SEATS" in html) == x13
    assert "No leading indicators in the data" in html
    figures = pd.read_csv(report / "figures.csv")
    ratios = figures[figures["metric"] == "rmse_ratio_random_walk"]
    assert set(ratios["item"]) >= {"sarimax_h1", "random_walk_h1"}
    assert ratios.loc[ratios["item"] == "random_walk_h1", "value"].item() == 1.0
    assert (figures["metric"] == "base_effect").sum() == 6
    assert (figures["metric"] == "forecast_yoy").sum() == 6

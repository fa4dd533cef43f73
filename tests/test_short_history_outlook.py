"""The outlook on a store whose history starts in 2015: it says what the history supports.

For 2020-03 the store holds 62 months of exports: enough for seasonal adjustment, base effects
and a SARIMAX fan, too few for the backtest that ranks the models. `fan_note` used to index the
missing backtest (TypeError: 'NoneType' object is not subscriptable); now every sentence the
outlook notebook shows says why the backtest is missing and how many months it needs, and no
number reads "nan".
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from short_history import write_short_store

from helpers import outlook
from helpers.charts import Chart
from helpers.data import load_dataset
from helpers.figures import FigureSet
from helpers.forecast import FORECAST_COLUMNS

NAN = re.compile(r"\bnan\b", re.IGNORECASE)


def _notebook_texts(result: outlook.Outlook, ds) -> dict[str, str]:
    """The sentences notebooks/5_outlook.ipynb shows, by function."""
    return {
        "notes": " ".join(result.notes),
        "backtest_verdict": outlook.backtest_verdict(result.backtest),
        "goal_verdict": outlook.goal_verdict(result.backtest),
        "fan_note": outlook.fan_note(result),
        "nowcast_line": outlook.nowcast_line(result),
        "trust_note": outlook.trust_note(ds, result),
        "backtest_table": outlook.backtest_display(result).attrs.get("empty", ""),
    }


@pytest.fixture(scope="module")
def march_2020(tmp_path_factory):
    ds = load_dataset(str(write_short_store(tmp_path_factory.mktemp("short"))))
    return ds, outlook.compute(ds, "2020-03")


def test_2020_03_shows_a_fan_and_says_why_there_is_no_backtest(march_2020):
    ds, result = march_2020
    assert ds.levels("export").index.min() == pd.Period("2015-01", "M")
    assert result.backtest is None and result.sa is not None and result.base is not None
    assert result.fan_model == "sarimax" and len(result.forecast) == 6
    assert result.backtest_months == 67
    texts = _notebook_texts(result, ds)
    assert "62 months of exports leave fewer than 12 forecast origins" in texts["notes"]
    assert "made from July 2019 on, and data to March 2020 give 7 such origins" in texts["notes"]
    assert "data to August 2020 or later: 67 months" in texts["notes"]
    assert texts["backtest_table"] == result.backtest_note  # said again under the heading
    assert "the default model" in texts["fan_note"]
    assert "needs at least 67 months of exports" in texts["fan_note"]
    assert texts["nowcast_line"].startswith("**April 2020: nowcast")
    assert texts["goal_verdict"] == ""
    for name, text in texts.items():
        assert not NAN.search(text), f"{name}: {text}"


def test_2020_03_charts_and_figures(march_2020):
    ds, result = march_2020
    fan = outlook.fan(result, ds, "src")
    base = outlook.base_chart(result, "src")
    for chart in (fan, base):
        assert isinstance(chart, Chart) and chart.png.startswith(b"\x89PNG")
        assert not NAN.search(chart.alt)
    assert "point forecasts Apr 2020" in fan.alt
    table = outlook.forecast_display(result)
    assert list(table.columns) == [*FORECAST_COLUMNS, "basis"] and table.notna().all().all()
    figures = FigureSet()
    outlook.record(figures, result.period, result.base, result.backtest, result.forecast,
                   holiday=result.holiday, consensus_next=result.consensus_next,
                   fan_model=result.fan_model)  # fmt: skip
    counts = figures.frame()["metric"].value_counts()
    assert all(counts[name] == 6 for name in FORECAST_COLUMNS)
    assert "rmse" not in counts and "base_effect" in counts


def test_the_months_it_asks_for_are_the_months_the_backtest_needs(tmp_path):
    """One month short of the 67 months: still skipped, asking for one more; with them: run."""
    short = load_dataset(str(write_short_store(tmp_path / "july", last="2020-07")))
    result = outlook.compute(short, "2020-07")
    assert result.backtest is None and result.backtest_months == 67
    assert "at least 1 more month of exports (data to August 2020" in result.backtest_note
    enough = load_dataset(str(write_short_store(tmp_path / "august", last="2020-08")))
    result = outlook.compute(enough, "2020-08")
    assert result.backtest is not None and result.backtest_note == ""
    texts = _notebook_texts(result, enough)
    assert "too few to rank the models with confidence" in texts["backtest_verdict"]
    assert "lowest mean RMSE" in texts["fan_note"]
    for name, text in texts.items():
        assert not NAN.search(text), f"{name}: {text}"


def test_below_four_years_nothing_is_drawn_and_the_page_says_why(tmp_path):
    ds = load_dataset(str(write_short_store(tmp_path, first="2017-01", last="2020-03")))
    result = outlook.compute(ds, "2020-03")
    assert result.sa is None and result.forecast is None and result.fan_model is None
    assert outlook.fan_note(result) == "" and outlook.nowcast_line(result) == ""
    reason = outlook.forecast_display(result).attrs["empty"]
    assert reason.startswith("Forecast not shown: the data hold 38 months of exports and it "
                             "needs at least 48")
    assert any(note.startswith("Only 38 months") for note in result.notes)  # the page's top
    assert outlook.fan(result, ds, "src") is None  # the forecast table above says why

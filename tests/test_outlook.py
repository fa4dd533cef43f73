"""The outlook view: scenario arithmetic by hand, and the notebook with X-13 and with STL."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import outlook, seasonal
from helpers.data import Dataset
from helpers.figures import FigureSet
from helpers.forecast import FORECAST_COLUMNS
from helpers.ingest import importer
from helpers.paths import SAMPLE_DIR, SHARED_DIR
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
    assert any("import series FILE" in note for note in result.notes)  # what gives a history
    # no model runs on 18 months: the page does not claim the SARIMAX still does
    assert not any("still runs" in note for note in result.notes)
    assert "No backtest" in outlook.backtest_verdict(result.backtest)
    # each missing part says it in one short sentence, not the opening notes again
    assert outlook.base_display(result).attrs["empty"] == (
        "Base effects not shown: the data hold 18 months of exports and it needs at least 48 "
        "(the note at the top says how to add a history).")
    assert outlook.base_chart(result, "src") is None  # the table above already says why


def test_scenario_shares_on_a_short_store_say_what_they_rest_on():
    """Three months of a store (April-June 2025): the shares are over those three months."""
    ds = _flat_dataset()
    short = Dataset(ds.trade[ds.trade["period"] >= pd.Period("2025-04", "M")], Path("short"))
    table = outlook.scenario_table(short, "2025-06", 10.0, -2.0, 4.0)
    assert table["headline_effect_pp"].iloc[0] == pytest.approx(-2.0)
    assert table.attrs["caption"].startswith("Shares over the 3 months of the 12 to June 2025 "
                                             "the data hold, not a full year")
    assert "caption" not in outlook.scenario_table(ds, "2025-06", 10.0, -2.0, 4.0).attrs


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


def _summary(rows) -> pd.DataFrame:
    columns = ["model", "horizon", "n", "rmse", "mae", "rmse_ratio_random_walk",
               "rmse_ratio_seasonal_naive", "coverage80", "coverage95"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def test_goal_verdict_by_hand():
    table = _summary([
        ("combo", 1, 100, 8.0, 6.0, 0.70, 0.6, 0.80, 0.95),
        ("combo", 3, 100, 9.0, 7.0, 0.79, 0.6, 0.76, 0.93),
        ("sarimax", 1, 100, 7.0, 5.0, 0.60, 0.5, 0.92, 0.99),  # bands too wide
        ("sarimax", 3, 100, 9.0, 7.0, 0.75, 0.6, 0.80, 0.95),
        ("random_walk", 1, 100, 10.0, 8.0, 1.0, 0.8, 0.80, 0.95),
        ("random_walk", 3, 100, 11.0, 9.0, 1.0, 0.8, 0.80, 0.95),
    ])  # fmt: skip
    assert "met by: **combo**" in outlook.goal_verdict(table)
    worse = table.assign(rmse_ratio_random_walk=table["rmse_ratio_random_walk"] + 0.2)
    text = outlook.goal_verdict(worse)
    assert "not met by any model" in text and "sarimax h=1: ratio 0.80" in text


def test_record_writes_per_horizon_backtest_rows():
    table = _summary([
        ("sarimax", 1, 168, 9.0, 6.0, 0.8, 0.6, 0.9, 0.96),
        ("sarimax", 3, 168, 11.0, 8.0, 0.87, 0.64, 0.9, 0.95),
    ])  # fmt: skip
    holiday = pd.DataFrame(
        {"cny_before_coef": [-0.002], "cny_before_t": [-0.08], "cny_after_coef": [-0.105],
         "cny_after_t": [-3.39]}, index=["export"]
    )  # fmt: skip
    figures = FigureSet()
    outlook.record(figures, pd.Period("2013-12", "M"), backtest=table, holiday=holiday)
    frame = figures.frame().set_index(["metric", "item"])
    assert frame.loc[("rmse", "sarimax_h3"), "value"] == 11.0
    assert frame.loc[("coverage80", "sarimax_h1"), "value"] == 0.9
    assert frame.loc[("rmse_ratio_random_walk", "sarimax_h3"), "value"] == 0.87
    assert frame.loc[("n", "sarimax_h1"), "value"] == 168
    assert frame.loc[("holiday_t", "cny_after"), "value"] == -3.39
    assert frame.loc[("holiday_coef", "cny_after"), "flow"] == "export"


def test_indicator_leads_find_a_known_lead():
    """Exports y/y = an indicator 2 months earlier: the lead is 2, the correlation 1."""
    months = pd.period_range("2018-01", "2022-12", freq="M")
    rng = np.random.default_rng(0)
    z_months = pd.period_range("2017-11", "2023-01", freq="M")  # two months earlier, one later
    z = pd.Series(rng.normal(0, 5, len(z_months)), index=z_months)
    levels = pd.Series(100.0, index=months)
    for i in range(12, len(months)):
        levels.iloc[i] = levels.iloc[i - 12] * (1 + z[months[i] - 2] / 100)
    rows = [{"period": str(p), "flow": "export", "partner": "WORLD", "product": "TOTAL",
             "value": v, "currency": "USD", "source": "hand", "vintage": "2023-01-10"}
            for p, v in levels.items()]  # fmt: skip
    indicators = pd.DataFrame({"period": z.index.astype(str), "indicator": "korea_exports_yoy",
                               "value": z.to_numpy()})  # fmt: skip
    ds = Dataset(validate(pd.DataFrame(rows), "hand"), Path("hand"), indicators=indicators)
    leads = outlook.indicator_leads(ds, "2022-12")
    row = leads.loc["korea_exports_yoy"]
    assert row["lead_months"] == 2 and row["correlation"] == pytest.approx(1.0, abs=1e-6)
    assert row["latest_month"] == "2023-01"  # one month beyond the period: released first
    result = outlook.Outlook(pd.Period("2022-12", "M"), "USD", indicators=leads)
    assert "estimated on this history" in outlook.indicator_note(ds, result)
    assert "No leading indicators" in outlook.indicator_note(ds, outlook.Outlook(
        pd.Period("2022-12", "M"), "USD"))  # fmt: skip


CUSTOMS = SHARED_DIR / "reference" / "china_customs_monthly_1983_2013.csv"
MAPPING = Path(__file__).parent / "fixtures" / "series" / "china_customs_1983_2013.yaml"


@pytest.mark.slow
@pytest.mark.skipif(not CUSTOMS.exists(), reason="../shared reference not present")
def test_outlook_notebook_on_the_real_series(tmp_path):
    store = tmp_path / "store"
    args = ["series", str(CUSTOMS), "--mapping", str(MAPPING), "--store", str(store)]
    assert importer.main(args) == 0
    report = run_report("2013-12", data=store, views="outlook", out=tmp_path, progress=None)
    html = (report / "outlook.html").read_text(encoding="utf-8")
    figures = pd.read_csv(report / "figures.csv")
    ratios = figures[figures["metric"] == "rmse_ratio_random_walk"]
    expected = {f"{m}_h{h}" for m in ("sarimax", "rw_holiday", "combo", "random_walk")
                for h in range(1, 7)}  # fmt: skip
    assert expected <= set(ratios["item"])
    coverage = figures[figures["metric"] == "coverage80"]
    assert coverage["value"].between(0, 1).all() and len(coverage) >= 30
    rmse = figures[figures["metric"] == "rmse"].set_index("item")["value"]
    assert rmse["random_walk_h1"] == pytest.approx(11.61, abs=0.01)  # 2000-2013, as by hand
    assert "The fan chart shows <strong>" in html
    assert "Goal (RMSE at most 0.8x the random walk" in html
    assert "No leading indicators" in html and "synthetic" not in html
    assert "Scenarios not shown" in html
    assert ">nan<" not in html and ">inf<" not in html
    holiday = figures[figures["metric"] == "holiday_t"]
    assert set(holiday["flow"]) == {"export", "import"}


def _market_result() -> outlook.Outlook:
    """An Outlook with a one-month forecast, a held consensus and a backtest (made-up)."""
    result = outlook.Outlook(pd.Period("2026-06", "M"), "USD", fan_model="sarimax")
    result.forecast = pd.DataFrame(dict(zip(FORECAST_COLUMNS, [[5.14], [-1.0], [1.0], [9.0],
                                                               [11.0]], strict=True)),
                                   index=pd.PeriodIndex(["2026-07"], freq="M"))  # fmt: skip
    result.consensus_next = {"value": 6.6, "source": "jin10", "as_of": "2026-08-07"}
    result.backtest = pd.DataFrame([
        {"model": "sarimax", "horizon": 1, "n": 60, "rmse": 7.2, "mae": 5.0,
         "rmse_ratio_random_walk": 0.6, "rmse_ratio_seasonal_naive": 0.7,
         "coverage80": 0.9, "coverage95": 0.97, "n_coverage": 50,
         "rmse_ratio_consensus": 0.9, "n_consensus": 40},
        {"model": "consensus", "horizon": 1, "n": 40, "rmse": 8.0, "mae": 6.0,
         "rmse_ratio_random_walk": 0.66, "rmse_ratio_seasonal_naive": 0.8,
         "coverage80": np.nan, "coverage95": np.nan, "n_coverage": 0,
         "rmse_ratio_consensus": 1.0, "n_consensus": 40},
    ])  # fmt: skip
    return result


def test_nowcast_line_beside_the_consensus():
    line = outlook.nowcast_line(_market_result())
    assert "July 2026: nowcast 5.1%, consensus 6.6%" in line  # 5.14 shown to one decimal
    assert "sarimax beat it on the 40 backtest months" in line
    assert "RMSE 0.90x the consensus's 8.0 pp" in line
    # 0.9 of 50 outcomes inside the 80% band: above 85%, the band is too wide
    assert "held in 90% of 50 backtest outcomes" in line and "too wide" in line
    result = _market_result()
    result.consensus_next = None
    assert "no consensus held for that month" in outlook.nowcast_line(result)


def test_record_writes_the_consensus_figures():
    result = _market_result()
    figures = FigureSet()
    outlook.record(figures, result.period, backtest=result.backtest, forecast=result.forecast,
                   consensus_next=result.consensus_next, fan_model="sarimax")  # fmt: skip
    rows = figures.frame().set_index(["metric", "item", "period"])["value"]
    assert rows["consensus_yoy", "total", "2026-07"] == 6.6
    assert rows["forecast_yoy", "total", "2026-07"] == 5.14
    assert rows["rmse_ratio_consensus", "nowcast_h1", "2026-06"] == 0.9
    assert rows["n_consensus", "sarimax_h1", "2026-06"] == 40
    assert rows["rmse", "consensus_h1", "2026-06"] == 8.0
    assert ("coverage80", "consensus_h1", "2026-06") not in rows.index  # no band: not recorded


@pytest.mark.slow
def test_base_table_caption_states_the_threshold_the_note_uses(sample):
    """The page says which threshold calls a base high or low: the note's, from data."""
    from helpers.note import load_thresholds

    result = outlook.compute(sample, "2025-09", "USD", 3)
    table = outlook.base_display(result)
    assert f"more than {load_thresholds()['base_label_pp']:g} pp above" in table.attrs["caption"]
    assert list(table.columns) == ["base_month", "base_yoy", "base_median_yoy", "base_label",
                                   "base_effect", "basis"]  # fmt: skip

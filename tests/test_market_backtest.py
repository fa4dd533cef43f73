"""Issue 23: indicators used only once published, and the backtest scored against the consensus
(hand arithmetic on small made-up series)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import forecast


def test_origin_dates_are_the_day_before_the_next_release():
    origins = pd.PeriodIndex(["2016-02", "2016-03"], freq="M")
    releases = pd.Series([pd.Timestamp("2016-04-13")], index=pd.PeriodIndex(["2016-03"], freq="M"))
    dates = forecast.origin_dates(origins, releases)
    # origin 2016-02 forecasts March, released 2016-04-13: made on 2016-04-12
    assert dates[pd.Period("2016-02", "M")] == pd.Timestamp("2016-04-12")
    # no date held for April's release: the 7th of May assumed, so the 6th
    assert dates[pd.Period("2016-03", "M")] == pd.Timestamp("2016-05-06")


def test_a_value_published_one_day_after_the_origin_is_not_used():
    index = pd.period_range("2016-01", "2016-04", freq="M")
    features = pd.DataFrame({"pmi_m50": [1.0, 2.0, 3.0, 4.0]}, index=index)
    published = pd.DataFrame({"pmi_m50": pd.to_datetime(
        ["2016-01-31", "2016-02-29", "2016-03-31", "2016-04-30"])}, index=index)  # fmt: skip
    seen = forecast._available(features, forecast.Vintage(pd.Timestamp("2016-03-31"), published),
                               index)  # fmt: skip
    # March was published on the origin date: used; April the next day... is not, and March's
    # value is carried into April
    assert seen["pmi_m50"].tolist() == [1.0, 2.0, 3.0, 3.0]
    early = forecast._available(features, forecast.Vintage(pd.Timestamp("2016-03-30"), published),
                                index)  # fmt: skip
    assert early["pmi_m50"].tolist() == [1.0, 2.0, 2.0, 2.0]


def _levels(months: int = 120, seed: int = 3) -> pd.Series:
    """Made-up monthly levels with seasonality and noise (no combined Jan-Feb)."""
    rng = np.random.default_rng(seed)
    index = pd.period_range("2008-01", periods=months, freq="M")
    season = 1 + 0.1 * np.sin(2 * np.pi * np.arange(months) / 12)
    trend = np.exp(np.cumsum(rng.normal(0.005, 0.03, months)))
    return pd.Series(100e9 * season * trend, index=index)


@pytest.mark.parametrize("lag_days, used", [(-1, True), (0, False)])
def test_backtest_uses_an_oracle_indicator_only_once_published(lag_days, used):
    # an "oracle" indicator equal to the month's own export y/y: a bridge that may see the
    # target month's value forecasts it exactly; published on the release date itself (one day
    # after the forecast is made) it must not be used, and the forecast misses
    levels = _levels()
    yoy = forecast.yoy_pct(levels)
    oracle = pd.DataFrame({"oracle": yoy}).dropna()
    releases = pd.Series((oracle.index + 1).to_timestamp() + pd.Timedelta(days=9),
                         index=oracle.index)  # released on the 10th of the next month
    published = pd.DataFrame({"oracle": releases + pd.Timedelta(days=lag_days)})
    fc = forecast.backtest_forecasts(levels, oracle, start="2015-01", end="2017-12",
                                     models=("bridge",), horizons=(1,), published=published,
                                     releases=releases)  # fmt: skip
    bridge = fc[fc["model"] == "bridge"]
    rmse = float(np.sqrt((bridge["error_pp"] ** 2).mean()))
    if used:
        assert rmse < 1e-6
    else:
        assert rmse > 1.0


def _long(actual, models: dict) -> pd.DataFrame:
    """A backtest_forecasts-like long table at horizon 1 from forecasts by model."""
    targets = pd.period_range("2020-01", periods=len(actual), freq="M")
    rows = []
    for name, values in models.items():
        for target, a, f in zip(targets, actual, values, strict=True):
            rows.append({"origin": target - 1, "target": target, "horizon": 1, "model": name,
                         "forecast_pct": f, "actual_pct": a, "error_pp": f - a,
                         "lo80_pct": np.nan, "hi80_pct": np.nan, "lo95_pct": np.nan,
                         "hi95_pct": np.nan, "scored": True, "in_window": True})  # fmt: skip
    return pd.DataFrame(rows)


def test_consensus_ratio_by_hand_on_five_months():
    actual = [10.0, 5.0, -2.0, 8.0, 0.0, 3.0]
    long = _long(actual, {
        "sarimax": [12.0, 4.0, -2.0, 5.0, 1.0, 30.0],  # errors 2, -1, 0, -3, 1 (and 27)
        "random_walk": [14.0, 1.0, 1.0, 10.0, -2.0, 0.0],  # errors 4, -4, 3, 2, -2 (and -3)
        "seasonal_naive": [11.0, 6.0, -1.0, 9.0, 1.0, 4.0],  # errors all 1
    })  # fmt: skip
    # consensus for the first five months only: errors 1, 2, -2, 0, 2
    consensus = pd.Series([11.0, 7.0, -4.0, 8.0, 2.0],
                          index=pd.period_range("2020-01", periods=5, freq="M"))  # fmt: skip
    table = forecast.summarise_backtest(long, consensus).set_index("model")
    # sarimax on the five consensus months: sqrt((4+1+0+9+1)/5) = sqrt(3);
    # consensus: sqrt((1+4+4+0+4)/5) = sqrt(2.6); ratio sqrt(3/2.6) = 1.0742
    assert table.loc["sarimax", "rmse_ratio_consensus"] == pytest.approx(np.sqrt(3 / 2.6))
    assert round(table.loc["sarimax", "rmse_ratio_consensus"], 4) == 1.0742
    # random walk: sqrt((16+16+9+4+4)/5) = sqrt(9.8); ratio sqrt(9.8/2.6) = 1.9415
    assert table.loc["random_walk", "rmse_ratio_consensus"] == pytest.approx(
        np.sqrt(9.8 / 2.6))
    assert table.loc["sarimax", "n"] == 6 and table.loc["sarimax", "n_consensus"] == 5
    row = table.loc["consensus"]
    assert row["n"] == 5 and row["rmse"] == pytest.approx(np.sqrt(2.6))
    assert row["mae"] == pytest.approx(7 / 5)  # (1+2+2+0+2)/5
    assert row["rmse_ratio_random_walk"] == pytest.approx(np.sqrt(2.6 / 9.8))  # 0.5151
    # the model's own RMSE stays on all six months: sqrt((15+729)/6)
    assert table.loc["sarimax", "rmse"] == pytest.approx(np.sqrt(744 / 6))


def test_first_released_target_replaces_the_computed_one():
    levels = _levels()
    actuals = forecast.yoy_pct(levels).loc["2015-01":] + 1.0  # first prints 1 pp above
    actuals = actuals.drop(pd.Period("2016-02", "M"))  # a month printed only combined
    fc = forecast.backtest_forecasts(levels, None, start="2015-01", end="2016-12",
                                     models=("rw_holiday",), horizons=(1,), actuals=actuals)
    rw = fc[fc["model"] == "random_walk"].set_index("target")
    target = pd.Period("2016-01", "M")
    assert rw.loc[target, "actual_pct"] == pytest.approx(actuals[target])
    assert not rw.loc[pd.Period("2016-02", "M"), "scored"]
    assert rw.loc[target, "scored"]


def test_levels_as_released_fold_combined_januaries():
    index = pd.period_range("2020-12", "2021-03", freq="M")
    levels = pd.Series([10.0, 4.0, 6.0, 8.0], index=index)
    out = forecast.as_released(levels, {2021})
    # 2021 was first released as Jan-Feb combined: January NaN, February 4 + 6 = 10
    assert np.isnan(out[pd.Period("2021-01", "M")])
    assert out[pd.Period("2021-02", "M")] == 10.0
    assert out[pd.Period("2020-12", "M")] == 10.0 and out[pd.Period("2021-03", "M")] == 8.0
    assert levels[pd.Period("2021-01", "M")] == 4.0  # the input is not modified
    assert forecast.as_released(out, {2021}).equals(out)  # folding twice changes nothing

"""Outlook: base effects, nowcast backtest, fan-chart forecast and scenario arithmetic."""

import numpy as np
import pandas as pd
import pytest

from conftest import combine_janfeb
from helpers import forecast as fc_mod
from helpers.forecast import (
    FORECAST_YOY,
    HI80,
    HI95,
    LO80,
    LO95,
    backtest,
    base_effects,
    choose_model,
    forecast,
    forecast_empirical,
    indicator_features,
    scenario,
    summarise_backtest,
    yoy_pct,
)
from helpers.seasonal import SAResult, cny_regressors

PATTERN = np.array([1.0, 0.75, 0.95, 1.0, 1.02, 1.04, 1.07, 1.06, 1.05, 1.07, 1.06, 1.12])


def levels_from_yoy(yoy: np.ndarray, index: pd.PeriodIndex) -> pd.Series:
    """Levels whose y/y (pct) is `yoy` from the second year on; first year = seasonal pattern."""
    level = np.empty(len(index))
    level[:12] = 100e9 * PATTERN
    for i in range(12, len(index)):
        level[i] = level[i - 12] * (1 + yoy[i] / 100)
    return pd.Series(level, index=index)


def leading_case(seed: int = 0, years: int = 10):
    """Export y/y driven by an indicator published one month ahead of the trade data."""
    rng = np.random.default_rng(seed)
    index = pd.period_range("2014-01", periods=12 * years, freq="M")
    ind_index = pd.period_range(index[0], index[-1] + 1, freq="M")
    z = np.zeros(len(ind_index))
    for i in range(1, len(z)):
        z[i] = 0.7 * z[i - 1] + rng.normal(0, 1.5)
    yoy = 5 + 3 * z[: len(index)] + rng.normal(0, 1.0, len(index))
    indicators = pd.DataFrame({"global_pmi": 50 + z}, index=ind_index)
    return levels_from_yoy(yoy, index), indicators


def noise_case(seed: int = 0, years: int = 10):
    """Export y/y a random walk; indicators pure noise, unrelated to exports."""
    rng = np.random.default_rng(seed)
    index = pd.period_range("2014-01", periods=12 * years, freq="M")
    ind_index = pd.period_range(index[0], index[-1] + 1, freq="M")
    yoy = 5 + np.cumsum(rng.normal(0, 1.5, len(index)))
    indicators = pd.DataFrame(
        {
            "global_pmi": 50 + rng.normal(0, 2, len(ind_index)),
            "korea_exports_yoy": rng.normal(0, 5, len(ind_index)),
        },
        index=ind_index,
    )
    return levels_from_yoy(yoy, index), indicators


def hand_sa(levels: pd.Series, last_adjusted: float) -> SAResult:
    """A hand-made adjustment: seasonal factor 1 + 0.01 × month, no holiday effect."""
    seasonal = pd.Series(1 + 0.01 * levels.index.month, index=levels.index, dtype=float)
    adjusted = pd.Series(np.nan, index=levels.index)
    adjusted.iloc[-1] = last_adjusted
    return SAResult(
        adjusted=adjusted,
        seasonal=seasonal,
        holiday=pd.Series(1.0, index=levels.index),
        method="stl",
        note="Hand-made adjustment.",
        holiday_coefs={},
    )


# --------------------------------------------------------------------------------------------
# Base effects


def test_base_effects_by_hand():
    index = pd.period_range("2021-01", "2024-06", freq="M")
    levels = pd.Series(100.0, index=index)
    levels[index.year == 2022] = 110.0
    levels[index.year == 2023] = 121.0
    levels[index.year == 2024] = 133.1
    levels["2023-08"] = 150.0  # y/y 36.4% against a steady 10%: a high base for 2024-08
    levels["2023-11"] = 100.0  # y/y -9.1%: a low base for 2024-11
    out = base_effects(levels, horizon=6, sa=hand_sa(levels, last_adjusted=140.0))

    assert list(out.index.astype(str)) == [f"2024-{m:02d}" for m in range(7, 13)]
    # flat adjusted level 140 × seasonal factor (1 + 0.01 × month) against the level a year ago
    assert out.loc["2024-07", "base_effect"] == pytest.approx(100 * (140 * 1.07 / 121 - 1))
    assert out.loc["2024-08", "base_effect"] == pytest.approx(100 * (140 * 1.08 / 150 - 1))
    assert out.loc["2024-11", "base_effect"] == pytest.approx(100 * (140 * 1.11 / 100 - 1))
    assert out.loc["2024-08", "base_yoy"] == pytest.approx(100 * (150 / 110 - 1))
    assert out.loc["2024-08", "base_median_yoy"] == pytest.approx(10.0)
    assert out["base_label"].tolist() == [
        "normal", "high base", "normal", "normal", "low base", "normal"
    ]  # fmt: skip
    assert (out["basis"] == "month").all()


def test_base_effects_on_combined_janfeb_base():
    index = pd.period_range("2021-01", "2023-12", freq="M")
    levels = pd.Series(100.0, index=index)
    levels[index.year == 2022] = 110.0
    levels[index.year == 2023] = 121.0
    levels["2021-01"], levels["2021-02"] = 60.0, 40.0  # the only year with both months
    published = combine_janfeb(levels, [2022, 2023])  # Feb 2023 holds Jan+Feb = 242
    out = base_effects(published, horizon=3, sa=hand_sa(levels, last_adjusted=130.0))
    # January and February 2024 against the combined Jan-Feb 2023 figure
    expected = 100 * ((130 * 1.01 + 130 * 1.02) / 242 - 1)
    assert out.loc["2024-01", "base_effect"] == pytest.approx(expected)
    assert out.loc["2024-02", "base_effect"] == pytest.approx(expected)
    assert out.loc["2024-01", "basis"] == "Jan-Feb combined"
    assert out.loc["2024-01", "base_yoy"] == pytest.approx(10.0)  # combined 242 / 220
    assert out.loc["2024-03", "basis"] == "month"


def test_base_effects_runs_the_adjustment_itself(monkeypatch):
    monkeypatch.setenv("CTK_DISABLE_X13", "1")
    levels, _ = leading_case(0)
    out = base_effects(levels, horizon=4)
    assert len(out) == 4 and out["base_effect"].notna().all()
    assert "STL" in out.attrs["note"]


# --------------------------------------------------------------------------------------------
# Backtest


SUMMARY_COLUMNS = {
    "model", "horizon", "n", "rmse", "mae", "rmse_ratio_random_walk",
    "rmse_ratio_seasonal_naive", "beats_random_walk", "beats_seasonal_naive",
}  # fmt: skip


def check_honest(table: pd.DataFrame) -> None:
    assert SUMMARY_COLUMNS <= set(table.columns)
    assert table["n"].nunique() == 1  # every model scored on the same months
    assert (table["beats_random_walk"] == (table["rmse_ratio_random_walk"] < 1)).all()
    rw = table.set_index("model").loc["random_walk"]
    assert rw["rmse_ratio_random_walk"] == pytest.approx(1.0)
    assert not rw["beats_random_walk"]


def test_backtest_indicator_that_leads_beats_random_walk():
    levels, indicators = leading_case(0)
    table = backtest(levels, indicators, models=("bridge", "sarimax_x"), horizons=(1, 3))
    check_honest(table[table["horizon"] == 1])
    one = table[table["horizon"] == 1].set_index("model")
    assert one.loc["bridge", "beats_random_walk"]
    assert one.loc["bridge", "rmse_ratio_random_walk"] < 0.6
    assert one.loc["sarimax_x", "rmse_ratio_random_walk"] < 0.6
    assert one.loc["bridge", "dm_pvalue_random_walk"] < 0.05
    assert one.loc["bridge", "n"] >= 50
    forecasts = table.attrs["forecasts"]
    assert (forecasts["origin"] < forecasts["target"]).all()
    # January origins exist here: every January of these data was published on its own
    assert (forecasts["origin"].dt.month == 1).any()


def test_backtest_on_noise_reports_no_skill():
    levels, indicators = noise_case(0)
    table = backtest(levels, indicators, models=("bridge", "sarimax"))
    check_honest(table)
    models = table.set_index("model")
    for name in ("bridge", "sarimax"):
        assert models.loc[name, "rmse_ratio_random_walk"] > 0.9
    assert not models.loc["bridge", "beats_random_walk"]


def test_backtest_excludes_split_janfeb_targets():
    levels, indicators = leading_case(1)
    published = combine_janfeb(levels, range(2020, 2023))
    table = backtest(published, indicators, models=("bridge", "sarimax"))
    fc = table.attrs["forecasts"]
    touched = fc["target"].dt.month.isin([1, 2]) & fc["target"].dt.year.isin(range(2020, 2024))
    assert not fc.loc[touched, "scored"].any()
    assert fc.loc[~touched, "scored"].all()
    # a January published only with February is never a forecast origin
    combined_jan = (fc["origin"].dt.month == 1) & fc["origin"].dt.year.isin(range(2020, 2023))
    assert not combined_jan.any()
    check_honest(table)


def test_backtest_needs_indicators_for_bridge():
    levels, _ = leading_case(0)
    with pytest.raises(ValueError, match="need indicators"):
        backtest(levels, None, models=("bridge",))


# --------------------------------------------------------------------------------------------
# Forecast


def check_ordered(fc: pd.DataFrame) -> None:
    cols = [LO95, LO80, FORECAST_YOY, HI80, HI95]
    assert fc[cols].notna().all().all()
    assert (fc[cols].diff(axis=1).iloc[:, 1:] >= -1e-9).all().all()


def test_forecast_intervals_are_ordered():
    levels, indicators = leading_case(2)
    fc = forecast(levels, indicators, horizon=6, model="sarimax_x")
    assert list(fc.index) == list(pd.period_range(levels.index[-1] + 1, periods=6, freq="M"))
    check_ordered(fc)
    # bands widen with the horizon
    width = fc[HI95] - fc[LO95]
    assert width.iloc[-1] > width.iloc[0]


def test_forecast_over_a_combined_janfeb_base():
    levels, _ = leading_case(3)
    published = combine_janfeb(levels.loc[:"2022-11"], range(2019, 2023))
    fc = forecast(published, horizon=3)  # Dec 2022, Jan 2023, Feb 2023
    check_ordered(fc)
    assert fc.loc["2023-01", "basis"] == "Jan-Feb combined"
    assert fc.loc["2023-01", FORECAST_YOY] == fc.loc["2023-02", FORECAST_YOY]
    assert fc.loc["2022-12", "basis"] == "month"


# --------------------------------------------------------------------------------------------
# Scenarios and helpers


def test_scenario_arithmetic_by_hand():
    shares = {"US": 15.5, "EU": 14.1, "ASEAN": 15.4}
    shocks = {
        "US-bound exports fall a further 10%": {"item": "US", "growth_change_pp": -10},
        "EU growth +2 pp": {"item": "EU", "growth_change_pp": 2},
        "CNY/EUR weakens 5%": {"item": "EU", "fx_change_pct": 5, "elasticity": 0.6},
        "ASEAN": -1.0,
    }
    out = scenario(shares, shocks)
    effect = out["headline_effect_pp"]
    assert effect["US-bound exports fall a further 10%"] == pytest.approx(-1.55)
    assert effect["EU growth +2 pp"] == pytest.approx(0.282)
    assert effect["CNY/EUR weakens 5%"] == pytest.approx(14.1 * 3.0 / 100)
    assert effect["ASEAN"] == pytest.approx(-0.154)
    assert effect["Total"] == pytest.approx(-1.55 + 0.282 + 0.423 - 0.154)
    assert out.loc["CNY/EUR weakens 5%", "growth_change_pp"] == pytest.approx(3.0)


def test_scenario_default_elasticity_and_errors():
    base = pd.DataFrame({"share_pct": [14.1], "growth_pct": [14.2]}, index=["EU"])
    out = scenario(base, {"fx": {"item": "EU", "fx_change_pct": 10}}, fx_elasticity=0.5)
    assert out.loc["fx", "headline_effect_pp"] == pytest.approx(0.705)
    with pytest.raises(KeyError):
        scenario(base, {"Japan": -5})


def test_yoy_and_features():
    index = pd.period_range("2020-01", "2021-12", freq="M")
    levels = pd.Series(np.r_[np.full(12, 100.0), np.full(12, 108.0)], index=index)
    assert yoy_pct(levels).loc["2021-06"] == pytest.approx(8.0)
    ind = pd.DataFrame(
        {"us_pmi": 52.0, "cny_per_eur": np.r_[np.full(12, 7.0), np.full(12, 7.7)]}, index=index
    )
    feats = indicator_features(ind)
    assert feats.loc["2021-03", "us_pmi_m50"] == pytest.approx(2.0)
    assert feats.loc["2021-03", "cny_per_eur_yoy_pct"] == pytest.approx(10.0)


# --------------------------------------------------------------------------------------------
# Horizons, bands, coverage and the New-Year-adjusted random walk


def holiday_case(seed: int = 0, years: int = 14, beta: float = -0.3):
    """Exports growing a steady 8% a year with a New Year holiday effect and small noise."""
    rng = np.random.default_rng(seed)
    index = pd.period_range("2000-01", periods=12 * years, freq="M")
    log_level = (
        np.log(100e9)
        + np.log(1.08) * np.arange(len(index)) / 12
        + np.log(PATTERN)[index.month - 1]
        + beta * cny_regressors(index)["cny_after"].to_numpy()
        + rng.normal(0, 0.005, len(index))
    )
    return pd.Series(np.exp(log_level), index=index)


def test_rw_holiday_removes_the_new_year_swing():
    levels = holiday_case()
    table = backtest(levels, models=("rw_holiday",), horizons=(1, 3), start="2006-01")
    one = table.set_index(["model", "horizon"])
    # y/y is 8% but for the holiday: the random walk carries last month's holiday swing into
    # January/February, the adjusted random walk adds back the target's own
    assert one.loc[("rw_holiday", 1), "rmse"] < 0.35 * one.loc[("random_walk", 1), "rmse"]
    assert one.loc[("rw_holiday", 3), "rmse"] < 0.35 * one.loc[("random_walk", 3), "rmse"]
    fc = table.attrs["forecasts"]
    rw = fc[(fc["model"] == "rw_holiday") & (fc["target"].dt.month.isin([4, 5, 6, 7]))]
    assert (rw["forecast_pct"] - 8.0).abs().max() < 2.5  # away from the holiday: about 8%


def test_block_filter_equals_refiltering_at_each_origin():
    levels, _ = leading_case(4)
    split, years, _ = fc_mod._prepared(levels)
    log_endog = fc_mod._log_endog(split, years)
    origins = pd.period_range("2019-03", "2019-09", freq="M")
    paths = fc_mod._sarimax_block_forecasts(log_endog, None, origins, 1, 3, refit_every=12)
    res, exog, state = fc_mod._sarimax_fit(log_endog, None, origins[0], None, 3)
    for origin in origins[[2, 6]]:
        again, future, _ = fc_mod._sarimax_fit(log_endog, None, origin, None, 3, state, False)
        direct = again.get_forecast(3, exog=future)
        means, variances = paths[origin]
        assert means == pytest.approx(np.asarray(direct.predicted_mean), abs=1e-8)
        # bands use the scale estimated at the block's refit (not re-estimated at each origin)
        ratio = variances / np.asarray(direct.var_pred_mean)
        assert ratio == pytest.approx(np.full(3, res.scale / again.scale), rel=1e-6)


def _long_table(errors: list[float], model: str = "m") -> pd.DataFrame:
    """One model at h=1: origins Jan 2000 on, actual 0, forecast = error."""
    origins = pd.period_range("2000-01", periods=len(errors), freq="M")
    return pd.DataFrame(
        {"origin": origins, "target": origins + 1, "horizon": 1, "model": model,
         "forecast_pct": errors, "actual_pct": 0.0, "error_pp": errors,
         "lo80_pct": np.nan, "hi80_pct": np.nan, "lo95_pct": np.nan, "hi95_pct": np.nan,
         "scored": True, "in_window": True}
    )  # fmt: skip


def test_empirical_bands_use_only_errors_known_at_the_origin():
    errors = [float(e) for e in range(-12, 13)] + [100.0]  # 25 small errors, then a big one
    out = fc_mod._empirical_bands(_long_table(errors), min_errors=24)
    # origin k (0-based) knows the errors of targets <= origin: origins 0..k-1 -> k errors
    assert out["lo80_pct"].iloc[:24].isna().all()
    row = out.iloc[24]  # knows errors -12..11 (24 values)
    known = np.arange(-12, 12, dtype=float)
    assert row["lo80_pct"] == pytest.approx(row["forecast_pct"] - np.quantile(known, 0.9))
    assert row["hi80_pct"] == pytest.approx(row["forecast_pct"] - np.quantile(known, 0.1))
    assert row["lo95_pct"] == pytest.approx(row["forecast_pct"] - np.quantile(known, 0.975))
    last = out.iloc[25]  # the 100 error is its own target's, not yet known
    known = np.arange(-12, 13, dtype=float)
    assert last["hi95_pct"] == pytest.approx(100.0 - np.quantile(known, 0.025))


def test_coverage_counted_by_hand():
    table = pd.concat([_long_table([1.0] * 10, "random_walk"),
                       _long_table([2.0] * 10, "seasonal_naive")])  # fmt: skip
    rw = table["model"] == "random_walk"
    # outcome 0: inside [f-3, f+3] on 7 rows, outside on 3 (band [f+0.5, f+3])
    table.loc[rw, ["lo80_pct", "hi80_pct"]] = [-2.0, 4.0]
    table.loc[rw & (table["origin"] >= pd.Period("2000-08", "M")), "lo80_pct"] = 1.5
    table.loc[rw, ["lo95_pct", "hi95_pct"]] = [-5.0, 5.0]
    out = summarise_backtest(table).set_index("model")
    assert out.loc["random_walk", "coverage80"] == pytest.approx(0.7)
    assert out.loc["random_walk", "coverage95"] == pytest.approx(1.0)
    assert out.loc["random_walk", "n_coverage"] == 10
    assert np.isnan(out.loc["seasonal_naive", "coverage80"])  # no bands, no coverage
    assert out.loc["seasonal_naive", "rmse_ratio_random_walk"] == pytest.approx(2.0)


def test_choose_model_by_mean_ratio_over_horizons():
    table = pd.DataFrame(
        {"model": ["sarimax", "combo", "random_walk"] * 2, "horizon": [1, 1, 1, 3, 3, 3],
         "rmse_ratio_random_walk": [0.70, 0.80, 1.0, 0.95, 0.80, 1.0]}
    )  # fmt: skip
    # sarimax is best at h=1 but combo has the lower mean (0.80 < 0.825)
    assert choose_model(table) == "combo"
    assert choose_model(table, ("sarimax",)) == "sarimax"
    # a model not scored on every horizon cannot draw the whole fan
    assert choose_model(table.drop(index=3), ("sarimax",)) is None


def test_forecast_empirical_bands_from_backtest_errors():
    levels = holiday_case(1)
    table = backtest(levels, models=("rw_holiday",), horizons=(1, 2, 3), start="2006-01")
    errors = table.attrs["forecasts"]
    fc = forecast_empirical(levels, errors, horizon=4, model="rw_holiday")
    check_ordered(fc)
    own = errors[(errors["model"] == "rw_holiday") & (errors["horizon"] == 2)]["error_pp"]
    width = fc.loc[fc.index[1], HI80] - fc.loc[fc.index[1], LO80]
    assert width == pytest.approx(np.quantile(own, 0.9) - np.quantile(own, 0.1))
    # horizon 4 was not backtested: it borrows horizon 3's errors
    own3 = errors[(errors["model"] == "rw_holiday") & (errors["horizon"] == 3)]["error_pp"]
    width4 = fc.loc[fc.index[3], HI95] - fc.loc[fc.index[3], LO95]
    assert width4 == pytest.approx(np.quantile(own3, 0.975) - np.quantile(own3, 0.025))

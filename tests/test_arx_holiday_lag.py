"""Issue 23: the ARX's lagged y/y is New-Year-adjusted and a base-effect term enters (hand
arithmetic on tiny made-up series)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import forecast
from helpers.seasonal import cny_regressors


def test_holiday_adjusted_yoy_by_hand():
    index = pd.period_range("2019-01", periods=3, freq="M")
    yoy = pd.Series([10.0, 20.0, -5.0], index=index)
    effect = pd.Series([0.05, 0.2, np.nan], index=index)
    out = forecast.holiday_adjusted_yoy(yoy, effect)
    # 100·(1.10·exp(-0.05) - 1) = 4.6352; 100·(1.20·exp(-0.2) - 1) = -1.7523; NaN effect: as is
    assert out.round(4).tolist() == [4.6352, -1.7523, -5.0]


def test_lag_effects_average_january_and_february_of_a_combined_year():
    index = pd.period_range("2020-01", periods=4, freq="M")
    d12 = pd.DataFrame({"cny_before": [0.4, -0.2, 0.0, 0.0], "cny_after": [0.0, 0.6, 0.1, 0.0]},
                       index=index)  # fmt: skip
    beta = np.array([0.5, -0.1])
    # single months: 0.2, -0.1 - 0.06 = -0.16, -0.01, 0
    single = forecast.lag_holiday_effects(d12, beta, pd.Series(True, index=index))
    assert single.round(6).tolist() == [0.2, -0.16, -0.01, 0.0]
    # Jan and Feb carry the combined Jan-Feb rate: both get (0.2 - 0.16) / 2 = 0.02
    genuine = pd.Series([False, False, True, True], index=index)
    combined = forecast.lag_holiday_effects(d12, beta, genuine)
    assert combined.round(6).tolist() == [0.02, 0.02, -0.01, 0.0]


def test_holiday_beta_recovers_the_coefficients():
    index = pd.period_range("2000-01", "2009-12", freq="M")
    d12 = forecast._holiday_diffs(index)
    regs = cny_regressors(index)
    season = np.tile(np.linspace(0.0, 0.11, 12), 10)
    logs = pd.Series(20 + 0.004 * np.arange(len(index)) + season
                     + regs.to_numpy() @ np.array([0.3, -0.2]), index=index)  # fmt: skip
    beta = forecast._holiday_beta(logs, pd.Series(True, index=index), d12, index[-1])
    assert beta == pytest.approx([0.3, -0.2], abs=1e-9)
    # fewer than 24 usable months: no estimate
    assert forecast._holiday_beta(logs, pd.Series(True, index=index), d12, index[30]) is None


def test_base_effect_term_by_hand():
    index = pd.period_range("2020-01", periods=15, freq="M")
    yoy = pd.Series(np.arange(15.0) ** 2, index=index)  # 0, 1, 4, 9, ...
    out = forecast.base_effect_term(yoy, index[13:])
    # 2021-02: y(2020-02) - y(2020-01) = 1 - 0; 2021-03: 4 - 1 = 3
    assert out.tolist() == [1.0, 3.0]
    assert forecast.base_effect_term(yoy, index[:1]).isna().all()  # no year before


def test_arx_iterates_on_the_adjusted_lag():
    # y_t = 1 + 0.5·a_{t-1} + 2·x_t exactly, a = y with the holiday effect e removed: the fit
    # is exact and two steps ahead the first forecast is adjusted before it is used as the lag
    rng = np.random.default_rng(0)
    index = pd.period_range("2010-01", periods=60, freq="M")
    x = pd.Series(rng.normal(0, 3, 60), index=index)
    effect = pd.Series(np.where(index.month == 2, 0.2, np.where(index.month == 3, -0.1, 0.0)),
                       index=index)  # fmt: skip
    y = pd.Series(0.0, index=index)
    for t in range(1, 60):
        lag = 100 * ((1 + y.iloc[t - 1] / 100) * np.exp(-effect.iloc[t - 1]) - 1)
        y.iloc[t] = 1 + 0.5 * lag + 2 * x.iloc[t]
    features = pd.DataFrame({"x": x})
    genuine = pd.Series(True, index=index)
    origin = pd.Period("2014-01", "M")  # forecasts February (effect 0.2) and March
    out = forecast._bridge_forecasts(y.loc[:origin], y, genuine, features, origin, origin + 2,
                                     2, lag_effect=effect)  # fmt: skip
    a_jan = y[origin]  # January's effect is 0
    feb = 1 + 0.5 * a_jan + 2 * x[origin + 1]
    mar = 1 + 0.5 * (100 * ((1 + feb / 100) * np.exp(-0.2) - 1)) + 2 * x[origin + 2]
    assert out == pytest.approx([feb, mar], abs=1e-8)
    assert feb == pytest.approx(y[origin + 1]) and mar == pytest.approx(y[origin + 2])
    plain = forecast._bridge_forecasts(y.loc[:origin], y, genuine, features, origin, origin + 2,
                                       2)  # fmt: skip
    assert abs(plain[1] - mar) > 0.1  # the unadjusted lag misses


def test_direct_arx_two_months_ahead_by_hand():
    # y_t = 1 + 0.5·a_{t-2} + 2·x_{t-1} exactly (a: y with the holiday effect removed): the
    # horizon-2 regression on the adjusted y/y two months back and the indicator of the month
    # after the origin fits exactly, holiday and base-effect coefficients zero
    rng = np.random.default_rng(1)
    index = pd.period_range("2010-01", periods=72, freq="M")
    x = pd.Series(rng.normal(0, 3, 72), index=index)
    effect = pd.Series(np.where(index.month == 2, 0.2, 0.0), index=index)
    y = pd.Series(0.0, index=index)
    for t in range(2, 72):
        a = 100 * ((1 + y.iloc[t - 2] / 100) * np.exp(-effect.iloc[t - 2]) - 1)
        y.iloc[t] = 1 + 0.5 * a + 2 * x.iloc[t - 1]
    adjusted = forecast.holiday_adjusted_yoy(y, effect)
    genuine = pd.Series(True, index=index)
    origin = pd.Period("2015-02", "M")
    d12 = forecast._holiday_diffs(pd.period_range(index[0], origin + 2, freq="M"))
    out = forecast._arx_direct_forecasts(y.loc[:origin], adjusted, genuine,
                                         pd.DataFrame({"x": x}), origin, origin + 1, 2, d12)
    # adjusted February: 100·((1 + y/100)·exp(-0.2) - 1); April = 1 + 0.5·that + 2·x(March)
    feb = 100 * ((1 + y[origin] / 100) * np.exp(-0.2) - 1)
    assert out[1] == pytest.approx(1 + 0.5 * feb + 2 * x[origin + 1], abs=1e-8)
    assert out[1] == pytest.approx(y[origin + 2], abs=1e-8)
    assert np.isfinite(out[0])

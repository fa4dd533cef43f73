"""Seasonal adjustment with Chinese New Year regressors: X-13 path and STL fallback."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from conftest import combine_janfeb
from helpers import seasonal
from helpers.seasonal import (
    cny_regressors,
    new_year_date,
    seasonally_adjust,
    split_janfeb,
    x13_available,
)

BETA = {"cny_before": 0.12, "cny_after": -0.35}  # log-scale holiday effects of the synthetic data
PATTERN = np.array([0.0, -0.10, 0.02, 0.01, 0.03, 0.04, 0.06, 0.05, 0.05, 0.06, 0.05, 0.10])


def synthetic(seed: int = 0, start: str = "2012-01", end: str = "2025-12"):
    """trend × fixed seasonal × exp(β·regressors) × noise -> (levels, true holiday factors)."""
    idx = pd.period_range(start, end, freq="M")
    rng = np.random.default_rng(seed)
    t = np.arange(len(idx))
    log_holiday = cny_regressors(idx).to_numpy() @ np.array(list(BETA.values()))
    log_level = (
        np.log(2e11)
        + 0.005 * t
        + 0.05 * np.sin(2 * np.pi * t / 50)
        + (PATTERN - PATTERN.mean())[idx.month - 1]
        + log_holiday
        + rng.normal(0, 0.015, len(idx))
    )
    return pd.Series(np.exp(log_level), index=idx), pd.Series(np.exp(log_holiday), index=idx)


def mom_std(levels: pd.Series) -> float:
    return float(np.log(levels).diff().std())


def holiday_error_pp(result, truth: pd.Series) -> float:
    """Largest January/February gap between estimated and true holiday factors, in pp."""
    jan_feb = truth.index.month.isin([1, 2])
    return float(100 * (result.holiday - truth)[jan_feb].abs().max())


# --------------------------------------------------------------------------------------------
# Regressors


def test_new_year_dates():
    assert new_year_date(2025) == dt.date(2025, 1, 29)
    assert new_year_date(2026) == dt.date(2026, 2, 17)


def test_regressors_spread_window_days_over_months():
    idx = pd.period_range("2025-01", "2025-03", freq="M")
    raw = cny_regressors(idx, before_days=20, after_days=15, centred=False)
    # 2025-01-29: 20 days before = 9-28 Jan; holiday window 29 Jan - 12 Feb (3 + 12 days)
    assert raw.loc["2025-01", "cny_before"] == pytest.approx(1.0)
    assert raw.loc["2025-01", "cny_after"] == pytest.approx(3 / 15)
    assert raw.loc["2025-02", "cny_after"] == pytest.approx(12 / 15)
    assert raw.loc["2025-03"].tolist() == [0.0, 0.0]
    # 2026-02-17: window 17 Feb - 3 Mar: 12 days in February, 3 in March
    late = cny_regressors(pd.period_range("2026-01", "2026-03", freq="M"), centred=False)
    assert late["cny_after"].tolist() == pytest.approx([0.0, 12 / 15, 3 / 15])


def test_centred_regressors_have_zero_long_run_monthly_mean():
    idx = pd.period_range("1950-01", "2099-12", freq="M")  # the centring span
    regs = cny_regressors(idx)
    means = regs.groupby(idx.month).mean()
    assert np.abs(means.to_numpy()).max() < 1e-12
    # outside January-March nothing moves
    assert np.abs(regs[~idx.month.isin([1, 2, 3])].to_numpy()).max() < 1e-12


def test_split_janfeb_uses_average_january_share():
    idx = pd.period_range("2018-01", "2020-12", freq="M")
    levels = pd.Series(100.0, index=idx)
    levels["2018-01"], levels["2018-02"] = 60.0, 40.0  # share 0.6
    levels["2019-01"], levels["2019-02"] = 40.0, 60.0  # share 0.4
    levels["2020-01"], levels["2020-02"] = np.nan, 200.0
    split, years, share = split_janfeb(levels)
    assert years == [2020] and share == pytest.approx(0.5)
    assert split["2020-01"] == pytest.approx(100.0) and split["2020-02"] == pytest.approx(100.0)
    # no year with both months: even split
    only = levels.loc["2020-01":]
    split, _, share = split_janfeb(only)
    assert share == 0.5 and split["2020-01"] == pytest.approx(100.0)


def test_gaps_and_short_series_are_rejected():
    levels, _ = synthetic()
    gap = levels.copy()
    gap["2016-07"] = np.nan
    with pytest.raises(ValueError, match="gaps"):
        seasonally_adjust(gap, method="stl")
    with pytest.raises(ValueError, match="36 months"):
        seasonally_adjust(levels.iloc[:30], method="stl")


# --------------------------------------------------------------------------------------------
# Both engines recover a known holiday effect


needs_x13 = pytest.mark.skipif(not x13_available(), reason="X-13 binary cannot run here")


@needs_x13
@pytest.mark.parametrize("seed", [0, 1])
def test_x13_recovers_holiday_effect(seed, monkeypatch):
    monkeypatch.delenv("CTK_DISABLE_X13", raising=False)
    levels, truth = synthetic(seed)
    result = seasonally_adjust(levels)
    assert result.method == "x13"
    assert "usertype=(holiday holiday)" in result.spec
    assert holiday_error_pp(result, truth) < 2.0
    assert mom_std(result.adjusted) < 0.5 * mom_std(levels)
    # the decomposition is multiplicative and complete
    recomposed = result.adjusted * result.seasonal * result.holiday
    assert np.allclose(recomposed, levels, rtol=1e-4)
    assert result.holiday_coefs["cny_after"] == pytest.approx(BETA["cny_after"], abs=0.05)
    assert "X-13ARIMA-SEATS" in result.note


@pytest.mark.parametrize("seed", [0, 1])
def test_stl_fallback_recovers_holiday_effect(seed, monkeypatch):
    monkeypatch.setenv("CTK_DISABLE_X13", "1")
    levels, truth = synthetic(seed)
    result = seasonally_adjust(levels)
    assert result.method == "stl"
    assert holiday_error_pp(result, truth) < 2.0
    assert mom_std(result.adjusted) < 0.5 * mom_std(levels)
    recomposed = result.adjusted * result.seasonal * result.holiday
    assert np.allclose(recomposed, levels, rtol=1e-9)
    assert "STL" in result.note


@pytest.mark.parametrize("method", ["x13", "stl"])
def test_combined_janfeb_years_are_split_and_adjusted(method, monkeypatch):
    if method == "x13" and not x13_available():
        pytest.skip("X-13 binary cannot run here")
    monkeypatch.delenv("CTK_DISABLE_X13", raising=False)
    levels, truth = synthetic(2)
    published = combine_janfeb(levels, range(2020, 2026))
    result = seasonally_adjust(published, method=method)
    assert result.method == method
    assert result.split_years == list(range(2020, 2026))
    assert result.adjusted.notna().all()  # split Januaries get adjusted values too
    assert "split using the average January share" in result.note
    # the holiday effect is still estimated from the years with both months
    assert holiday_error_pp(result, truth) < 2.5
    jan_feb = published.index.month.isin([1, 2]) & ~published.index.year.isin(result.split_years)
    assert np.log(result.adjusted).diff()[jan_feb].std() < np.log(levels).diff()[jan_feb].std()


def test_holiday_for_extends_the_estimated_factors(monkeypatch):
    monkeypatch.setenv("CTK_DISABLE_X13", "1")
    levels, _ = synthetic(0)
    result = seasonally_adjust(levels)
    assert np.allclose(result.holiday_for(levels.index), result.holiday)
    months = pd.period_range("2026-01", "2026-03", freq="M")
    truth = np.exp(cny_regressors(months).to_numpy() @ np.array(list(BETA.values())))
    assert np.abs(result.holiday_for(months) - truth).max() < 0.02


def test_x13_failure_falls_back_to_stl(monkeypatch):
    monkeypatch.delenv("CTK_DISABLE_X13", raising=False)

    def broken(*args, **kwargs):
        raise RuntimeError("X-13 failed: simulated")

    monkeypatch.setattr(seasonal, "_run_x13", broken)
    monkeypatch.setattr(seasonal, "x13_available", lambda: True)
    levels, _ = synthetic(0)
    result = seasonally_adjust(levels, method="x13")
    assert result.method == "stl"
    assert "failed" in result.note


def test_x13_spec_declares_holiday_regressors_and_aos():
    levels, _ = synthetic(0, end="2016-12")
    spec = seasonal.x13_spec(levels, split_years=[2015])
    assert "user=(cny_before cny_after)" in spec
    assert "usertype=(holiday holiday)" in spec
    assert "ao2015.jan" in spec and "ao2015.feb" in spec
    assert "transform{ function=log }" in spec
    assert max(len(line) for line in spec.splitlines()) <= 132  # X-13's record limit


# --------------------------------------------------------------------------------------------
# Diagnostics and what the New Year regressors add

UDG = """f3.m07:  0.177
f3.q:  0.38
f3.qm2:  0.39
qsori:       258.24010    0.00000
qssadj:         0.00000    1.00000
qsirr:         0.08739    0.95724
"""
EST = (
    "$regression:\n$regression$estimates:\n"
    "group\tvariable\testimate\tstandard error\tfixed\n-----\t--------\t---\t---\t-----\n"
    "User-defined Holiday\tcny_before\t-0.2E-01\t+0.1E-01\t \n"
    "User-defined Holiday\tcny_after\t-0.104E+00\t+0.4E-01\t \n"
    "Automatically Identified Outliers\tLS2008.Nov\t-0.29E+00\t+0.5E-01\t \n"
    "$arima:\n$arima$estimates:\noperator\tfactor\tperiod\tlag\testimate\tstandard error\n"
    "MA\tNonseasonal\t01\t01\t+0.579E+00\t+0.43E-01\n"
)


def test_x13_output_parsers_by_hand(tmp_path):
    (tmp_path / "a.udg").write_text(UDG)
    (tmp_path / "a.est").write_text(EST)
    diag = seasonal.x13_diagnostics_of(
        seasonal._read_x13_udg(tmp_path / "a.udg"), seasonal._read_x13_estimates(tmp_path / "a.est")
    )
    hol = diag["holiday"]
    assert hol.loc["cny_after", "estimate"] == pytest.approx(-0.104)
    assert hol.loc["cny_after", "t_stat"] == pytest.approx(-0.104 / 0.04)
    assert hol.loc["cny_before", "t_stat"] == pytest.approx(-2.0)
    assert "MA" not in hol.index and len(hol) == 2  # ARIMA rows are not regressors
    assert diag["m_stats"].to_dict() == {"M7": 0.177, "Q": 0.38, "Q2": 0.39}
    assert diag["qs"].loc["adjusted", "p_value"] == 1.0
    assert diag["qs"].loc["original", "statistic"] == pytest.approx(258.2401)
    assert diag["outliers"] == ["LS2008.Nov"]


def test_spec_without_holiday_regressors():
    levels, _ = synthetic(0, end="2016-12")
    spec = seasonal.x13_spec(levels, holiday=False)
    assert "cny_before" not in spec and "usertype" not in spec
    assert "estimate{ save=(est) }" in spec
    with_aos = seasonal.x13_spec(levels, split_years=[2015], holiday=False)
    assert "ao2015.jan" in with_aos and "user=" not in with_aos


def test_jan_mar_mom_sd_by_hand():
    idx = pd.period_range("2020-01", "2020-06", freq="M")
    adjusted = pd.Series([100.0, 110.0, 99.0, 100.0, 200.0, 100.0], index=idx)
    # Feb +10%, Mar -10% (Jan has no previous month); other months are ignored
    assert seasonal.jan_mar_mom_sd(adjusted) == pytest.approx(np.std([10.0, -10.0], ddof=1))


def test_revision_ends_are_recent_january_to_march():
    idx = pd.period_range("2010-01", "2013-12", freq="M")
    ends = seasonal.revision_ends(pd.Series(1.0, index=idx), years=2)
    assert list(ends.astype(str)) == ["2012-01", "2012-02", "2012-03",
                                      "2013-01", "2013-02", "2013-03"]  # fmt: skip


def test_holiday_gain_on_a_known_holiday_effect(monkeypatch):
    monkeypatch.setenv("CTK_DISABLE_X13", "1")
    levels, _ = synthetic(0)
    gain = seasonal.holiday_gain(levels, ends=["2024-01", "2024-02", "2025-02"], method="stl")
    assert list(gain.index) == ["with New Year regressors", "without"]
    assert (gain["n_ends"] == 3).all() and gain["revision_rms_pp"].notna().all()
    # the synthetic series has a strong New Year effect: without the regressors the adjusted
    # series keeps it, so January-March m/m swings far more
    assert gain.loc["with New Year regressors", "jan_mar_mom_sd_pp"] < 0.6 * gain.loc[
        "without", "jan_mar_mom_sd_pp"
    ]

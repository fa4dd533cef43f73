"""China Customs 1983-2013 (../shared/reference, skipped when absent): the mapping import, the
New Year calendar, the random walk's RMSE by hand, the backtest command and the New Year
adjustment (X-13 and the STL fallback) on real exports and imports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import backtest_command, forecast, seasonal
from helpers.data import load_dataset
from helpers.ingest import importer
from helpers.ingest.readers.series import read_series
from helpers.paths import SHARED_DIR
from helpers.schema import validate

REFERENCE = SHARED_DIR / "reference"
CUSTOMS = REFERENCE / "china_customs_monthly_1983_2013.csv"
NEW_YEARS = REFERENCE / "chinese_new_year_dates.csv"
MAPPING = Path(__file__).parent / "fixtures" / "series" / "china_customs_1983_2013.yaml"

pytestmark = pytest.mark.skipif(not CUSTOMS.exists(), reason="../shared reference not present")
needs_x13 = pytest.mark.skipif(not seasonal.x13_available(), reason="X-13 cannot run here")


def hand_export_yoy() -> pd.Series:
    """Export y/y (pct) straight from the CSV with plain pandas (Jan and Feb separate)."""
    raw = pd.read_csv(CUSTOMS)
    exports = pd.Series(raw["exports_usd_100m"].to_numpy(), index=raw["period"])
    return 100 * (exports / exports.shift(12) - 1)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The real series imported into a store through the series importer and the mapping."""
    folder = tmp_path_factory.mktemp("customs")
    code = importer.main(
        ["series", str(CUSTOMS), "--mapping", str(MAPPING), "--store", str(folder)]
    )
    assert code == 0
    return folder


@pytest.fixture(scope="module")
def levels(store):
    ds = load_dataset(store)
    return {flow: ds.levels(flow) for flow in ("export", "import")}


def test_mapping_imports_the_real_series_in_usd():
    before = CUSTOMS.read_bytes()
    frame = validate(read_series(CUSTOMS, MAPPING), str(CUSTOMS))
    assert CUSTOMS.read_bytes() == before
    assert len(frame) == 2 * 366  # Jul 1983 - Dec 2013, exports and imports
    assert set(frame["currency"]) == {"USD"}
    assert set(frame["source"]) == {"series:china_customs_seasonal_r"}
    value = frame.set_index(["flow", "period"])["value"]
    # 100 million USD -> USD: Dec 2013 exports 2077.42, imports 1821.02 (sources note)
    assert value["export", pd.Period("2013-12", "M")] == pytest.approx(2077.42e8)
    assert value["import", pd.Period("2013-12", "M")] == pytest.approx(1821.02e8)
    assert value["export", pd.Period("1983-07", "M")] == pytest.approx(18.14e8)
    # 2013 exports sum to 22,106.62 (100 million USD)
    exports_2013 = frame[(frame["flow"] == "export") & (frame["period"].dt.year == 2013)]
    assert exports_2013["value"].sum() == pytest.approx(22106.62e8)


def test_store_holds_separate_january_and_february(levels):
    exports = levels["export"]
    assert exports.index[0] == pd.Period("1983-07", "M") and exports.notna().all()
    assert len(exports) == 366
    assert exports["2009-02"] == pytest.approx(648.75e8)


def test_kit_new_year_calendar_matches_the_shared_dates():
    dates = pd.read_csv(NEW_YEARS)["date"]
    assert len(dates) == 101
    for text in dates:
        day = dt.date.fromisoformat(text)
        assert seasonal.new_year_date(day.year) == day, text


def test_random_walk_rmse_at_one_month_by_hand(levels):
    # "random walk on y/y at h=1": the forecast of y/y for month t is the y/y of month t-1,
    # January and February separate; targets January 2000 to December 2013
    yoy = hand_export_yoy()
    errors = (yoy.shift(1) - yoy).loc["2000-01":"2013-12"]
    assert len(errors) == 168 and errors.notna().all()
    hand = float(np.sqrt((errors**2).mean()))
    assert round(hand, 1) == 11.6
    table = forecast.backtest(
        levels["export"], start="2000-01", end="2013-12", models=(), horizons=(1, 3, 6)
    )
    rw = table.set_index(["model", "horizon"]).loc[("random_walk", 1)]
    assert rw["n"] == 168
    assert rw["rmse"] == pytest.approx(hand, rel=1e-9)
    assert rw["mae"] == pytest.approx(float(errors.abs().mean()), rel=1e-9)
    # at h=3 the forecast for t is the y/y of t-3
    errors3 = (yoy.shift(3) - yoy).loc["2000-01":"2013-12"]
    rw3 = table.set_index(["model", "horizon"]).loc[("random_walk", 3)]
    assert rw3["rmse"] == pytest.approx(float(np.sqrt((errors3**2).mean())), rel=1e-9)


def test_backtest_command_writes_the_table(store, tmp_path, capsys):
    out = tmp_path / "backtest.csv"
    args = ["--data", str(store), "--flow", "export", "--start", "2000-01", "--end", "2013-12",
            "--horizons", "1,3,6", "--models", "rw_holiday", "--csv", str(out)]  # fmt: skip
    assert backtest_command.main(args) == 0
    table = pd.read_csv(out)
    required = ["model", "horizon", "n", "rmse", "mae", "rmse_ratio_random_walk",
                "rmse_ratio_seasonal_naive", "coverage80", "coverage95"]  # fmt: skip
    assert list(table.columns[: len(required)]) == required
    assert set(table["horizon"]) == {1, 3, 6}
    assert set(table["model"]) == {"rw_holiday", "random_walk", "seasonal_naive"}
    assert (table["n"] == 168).all()
    rw = table[table["model"] == "random_walk"].set_index("horizon")
    yoy = hand_export_yoy()
    hand = float(np.sqrt(((yoy.shift(1) - yoy).loc["2000-01":"2013-12"] ** 2).mean()))
    assert rw.loc[1, "rmse"] == pytest.approx(hand, rel=1e-9)
    assert (rw["rmse_ratio_random_walk"] == 1.0).all()
    assert table["coverage80"].between(0, 1).all()
    printed = capsys.readouterr().out
    assert "random_walk" in printed and f"wrote {out}" in printed


def test_backtest_command_usage_errors(store, capsys):
    assert backtest_command.main(["--data", str(store), "--horizons", "0,3"]) == 2
    assert backtest_command.main(["--data", str(store), "--start", "2000-13"]) == 2
    # an unknown model is a usage error (2), told before any data is read
    assert backtest_command.main(["--data", str(store), "--models", "oracle"]) == 2
    err = capsys.readouterr().err
    assert "--horizons" in err and "2000-13" in err and "unknown oracle" in err
    assert "Traceback" not in err


@needs_x13
@pytest.mark.parametrize("flow", ["export", "import"])
def test_x13_new_year_diagnostics_on_real_data(levels, flow, monkeypatch):
    monkeypatch.delenv("CTK_DISABLE_X13", raising=False)
    result = seasonal.seasonally_adjust(levels[flow])
    assert result.method == "x13"
    diag = result.diagnostics
    hol = diag["holiday"]
    assert list(hol.index) == ["cny_before", "cny_after"]
    # the coefficients X-13 reports are the ones behind the holiday factors
    assert hol.loc["cny_after", "estimate"] == pytest.approx(
        result.holiday_coefs["cny_after"], abs=1e-6
    )
    assert hol["t_stat"].to_numpy() == pytest.approx(
        (hol["estimate"] / hol["std_error"]).to_numpy()
    )
    # New Year depresses trade in the holiday window, clearly so
    assert hol.loc["cny_after", "estimate"] < 0 and hol.loc["cny_after", "t_stat"] < -2
    # no residual seasonality in the adjusted series; X-11 quality acceptable
    assert diag["qs"].loc["adjusted", "p_value"] > 0.05
    assert diag["qs"].loc["original", "p_value"] < 0.01
    assert diag["m_stats"]["Q"] < 1 and diag["m_stats"]["M7"] < 1
    assert any(o.startswith("LS2008") for o in diag["outliers"])  # the 2008 crisis


def test_stl_fallback_on_real_data(levels, monkeypatch):
    monkeypatch.setenv("CTK_DISABLE_X13", "1")
    for flow in ("export", "import"):
        result = seasonal.seasonally_adjust(levels[flow])
        assert result.method == "stl"
        recomposed = result.adjusted * result.seasonal * result.holiday
        assert np.allclose(recomposed, levels[flow], rtol=1e-9)
        hol = result.diagnostics["holiday"]
        assert hol.loc["cny_after", "estimate"] < 0
        assert result.diagnostics["m_stats"].empty  # X-13 statistics only from X-13
    imports = levels["import"]
    gain = seasonal.holiday_gain(imports, ends=[], method="stl", since="2000-01")
    assert gain["method"].eq("stl").all()
    with_, without = gain["jan_mar_mom_sd_pp"]
    assert with_ < without  # imports: the regressors smooth January-March

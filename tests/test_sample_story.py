"""The bundled sample tells the Sep 2025 release's story where the published file is silent."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.paths import SAMPLE_DIR, SHARED_DIR

FX_USD = SHARED_DIR / "reference" / "fx_usd_cny_monthly.csv"
FX_ECB = SHARED_DIR / "reference" / "fx_ecb_monthly.csv"


@pytest.fixture(scope="module")
def trade():
    table = pd.read_parquet(SAMPLE_DIR / "trade.parquet")
    return table[(table["flow"] == "export") & (table["partner"] == "WORLD")]


def _yoy(trade, product, period, column="value", currency="USD"):
    rows = trade[(trade["product"] == product) & (trade["currency"] == currency)]
    series = rows.set_index("period")
    year_before = f"{int(period[:4]) - 1}{period[4:]}"
    return 100 * (series.at[period, column] / series.at[year_before, column] - 1)


def _unit_value_yoy(trade, product, period):
    rows = trade[(trade["product"] == product) & (trade["currency"] == "USD")].set_index("period")
    unit = rows["value"] / rows["quantity"]
    return 100 * (unit[period] / unit[f"{int(period[:4]) - 1}{period[4:]}"] - 1)


def test_declines_the_release_says_narrowed(trade):
    # labour-intensive -4.1% in September from a deeper August; furniture improved
    assert round(_yoy(trade, "labour_intensive", "2025-09"), 1) == -4.1
    assert _yoy(trade, "labour_intensive", "2025-08") < -4.1
    assert _yoy(trade, "furniture", "2025-08") < _yoy(trade, "furniture", "2025-09")


def test_steel_value_and_price_declines_improved(trade):
    assert _yoy(trade, "steel", "2025-08") < _yoy(trade, "steel", "2025-09") < 0
    september = _unit_value_yoy(trade, "steel", "2025-09")
    assert round(september, 1) == -5.7
    assert _unit_value_yoy(trade, "steel", "2025-08") < september


def test_vehicle_volumes_about_24pct_with_value_10_9(trade):
    for period in ("2025-08", "2025-09"):
        assert _yoy(trade, "vehicles", period, column="quantity") == pytest.approx(24.0)
    assert round(_yoy(trade, "vehicles", "2025-09"), 1) == 10.9


@pytest.mark.skipif(not FX_USD.is_file(), reason="shared FX reference not present")
def test_yuan_follows_actual_monthly_averages(trade):
    actual = pd.read_csv(FX_USD, dtype={"period": str}).set_index("period")["cny_per_usd"]
    total = trade[trade["product"] == "TOTAL"].pivot_table(
        index="period", columns="currency", values="value"
    )
    months = [str(p) for p in pd.period_range("2024-01", "2025-09", freq="M")]
    # January-February is stored combined (a blend of two months' rates): compare the others
    months = [m for m in months if m[-2:] not in ("01", "02")]
    implied = total.loc[months, "CNY"] / total.loc[months, "USD"]
    assert implied.to_numpy() == pytest.approx(actual[months].to_numpy(), abs=1e-9)
    indicators = pd.read_csv(SAMPLE_DIR / "indicators.csv", dtype={"period": str})
    eur = indicators[indicators["indicator"] == "cny_per_eur"].set_index("period")["value"]
    ecb = pd.read_csv(FX_ECB, dtype={"period": str}).set_index("period")["cny_per_eur"]
    assert eur["2025-01"] == pytest.approx(ecb["2025-01"], abs=0.005)
    assert eur["2025-09"] == pytest.approx(ecb["2025-09"], abs=0.005)
    # the yuan about 10% weaker against the euro between January and September 2025
    assert 9 < 100 * (eur["2025-09"] / eur["2025-01"] - 1) < 12

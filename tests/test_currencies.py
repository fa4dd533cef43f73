"""--currency both: USD and CNY growth side by side, the implied rate move, clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import currencies, notebook
from helpers.contract import ParameterError, check_currency
from helpers.report.runner import check


def _raw(ds, flow, currency, partner="WORLD"):
    t = ds.trade
    rows = t[(t["flow"] == flow) & (t["partner"] == partner) & (t["product"] == "TOTAL")
             & (t["currency"] == currency)]  # fmt: skip
    return pd.Series(rows["value"].to_numpy(float), index=pd.PeriodIndex(rows["period"], freq="M"))


def test_headline_side_by_side_by_hand(sample):
    table = currencies.headline_currencies(sample, "2025-09")
    t, base = pd.Period("2025-09", "M"), pd.Period("2024-09", "M")
    usd, cny = _raw(sample, "export", "USD"), _raw(sample, "export", "CNY")
    g_usd, g_cny = usd[t] / usd[base] - 1, cny[t] / cny[base] - 1
    row = table.loc["Exports"]
    assert row[currencies.USD_COLUMN] == pytest.approx(100 * g_usd)
    assert row[currencies.CNY_COLUMN] == pytest.approx(100 * g_cny)
    # (1 + CNY growth) = (1 + USD growth)(1 + rate move)
    assert 1 + g_cny == pytest.approx((1 + g_usd) * (1 + row[currencies.FX_COLUMN] / 100))
    assert currencies.rate_move(sample, "2025-09") == pytest.approx(row[currencies.FX_COLUMN])


def test_partner_side_by_side(sample):
    table = currencies.partner_currencies(sample, "2025-09")
    t, base = pd.Period("2025-09", "M"), pd.Period("2024-09", "M")
    us = _raw(sample, "export", "CNY", "united_states")
    assert table.loc["United States", currencies.CNY_COLUMN] == pytest.approx(
        100 * (us[t] / us[base] - 1)
    )
    assert table.index[-1] == "Total exports"


def test_both_is_a_runner_choice_only():
    assert check_currency("both", allow_both=True) == "BOTH"
    with pytest.raises(ParameterError, match="choose from USD, CNY$"):
        check_currency("both")
    with pytest.raises(ParameterError, match="choose from USD, CNY, both"):
        check_currency("eur", allow_both=True)


def test_both_needs_cny(sample, tmp_path):
    usd_only = tmp_path / "usd.parquet"
    trade = sample.trade[sample.trade["currency"] == "USD"]
    trade.assign(period=trade["period"].astype(str)).to_parquet(usd_only)
    with pytest.raises(ParameterError, match="no CNY figures: currency 'both' needs USD and CNY"):
        notebook.start("headline", "2025-09", str(usd_only), "both")
    ctx = notebook.start("headline", "2025-09", "", "both")
    assert ctx.both and ctx.currency == "USD"


def test_runner_accepts_both(tmp_path):
    from helpers.paths import NOTEBOOKS_DIR

    plan = check("2025-09", None, "headline", tmp_path, "both", NOTEBOOKS_DIR, False, 1)
    assert plan.currency == "BOTH"

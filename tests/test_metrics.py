"""Tests of helpers.metrics: hand-computed examples plus hypothesis property tests.

Expected numbers are literals worked out by hand (arithmetic in the comments), never values
computed by the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.metrics import (
    ResolvedPeriod,
    balance,
    balance_change_yoy,
    comparison_years,
    contribution,
    contributions,
    fold_janfeb,
    price_volume,
    quarterly_growth,
    resolve_period,
    share,
    share_ytd,
    share_ytd_change,
    surprise,
    three_month_growth,
    two_year_growth,
    yoy,
    ytd_growth,
)

NAN = np.nan
P = pd.Period


def monthly(start: str, values: list[float]) -> pd.Series:
    """Levels series of ``values`` on consecutive months from ``start``."""
    index = pd.period_range(start, periods=len(values), freq="M")
    return pd.Series(values, index=index, dtype=float)


def at(index: list[str], values: list[float]) -> pd.Series:
    """Levels series on an explicit (possibly gappy) list of months."""
    return pd.Series(values, index=pd.PeriodIndex(index, freq="M"), dtype=float)


# 2023:  Jan 100, Feb 80, Mar 120, Apr..Nov 100, Dec 200          (year total 1300)
# 2024:  Jan 110, Feb 100, Mar 90, Apr 125, May 100, Jun 80, Jul 100, Aug 100, Sep 150,
#        Oct 100, Nov 100, Dec 250                                (year total 1405)
Y2023 = [100, 80, 120, 100, 100, 100, 100, 100, 100, 100, 100, 200]
Y2024 = [110, 100, 90, 125, 100, 80, 100, 100, 150, 100, 100, 250]
LEVELS = monthly("2023-01", Y2023 + Y2024)


# --------------------------------------------------------------------------------------------
# yoy
# --------------------------------------------------------------------------------------------


def test_yoy_hand_computed():
    g = yoy(LEVELS)
    assert g[:"2023-12"].isna().all()  # no base in the first year
    assert g[P("2024-01", "M")] == pytest.approx(10.0)  # 110/100 - 1
    assert g[P("2024-02", "M")] == pytest.approx(25.0)  # 100/80 - 1
    assert g[P("2024-03", "M")] == pytest.approx(-25.0)  # 90/120 - 1
    assert g[P("2024-04", "M")] == pytest.approx(25.0)  # 125/100 - 1
    assert g[P("2024-05", "M")] == pytest.approx(0.0)  # 100/100 - 1
    assert g[P("2024-06", "M")] == pytest.approx(-20.0)  # 80/100 - 1
    assert g[P("2024-09", "M")] == pytest.approx(50.0)  # 150/100 - 1
    assert g[P("2024-12", "M")] == pytest.approx(25.0)  # 250/200 - 1
    assert g.index.equals(LEVELS.index)


def test_yoy_gaps_do_not_misalign():
    # positional shift would compare 2024-01 with nothing and 2024-03 with 2023-01
    s = at(["2023-01", "2023-03", "2024-01", "2024-03", "2024-04"], [100, 200, 150, 100, 70])
    g = yoy(s)
    assert g.index.equals(s.index)
    assert g[P("2024-01", "M")] == pytest.approx(50.0)  # 150/100 - 1
    assert g[P("2024-03", "M")] == pytest.approx(-50.0)  # 100/200 - 1
    assert math.isnan(g[P("2024-04", "M")])  # 2023-04 absent
    assert math.isnan(g[P("2023-03", "M")])


def test_yoy_zero_base_is_nan():
    s = at(["2023-01", "2024-01"], [0, 5])
    assert math.isnan(yoy(s)[P("2024-01", "M")])  # 5/0: undefined, not inf


def test_rejects_non_monthly_index():
    with pytest.raises(ValueError):
        yoy(pd.Series([1.0, 2.0], index=pd.date_range("2024-01-31", periods=2, freq="ME")))
    with pytest.raises(ValueError):
        yoy(at(["2024-01", "2024-01"], [1, 2]))


# --------------------------------------------------------------------------------------------
# contributions
# --------------------------------------------------------------------------------------------


def test_contributions_hand_computed():
    # 2023-01: A 60, B 30, total 100 (unnamed rest 10)
    # 2024-01: A 66, B 24, total 105 (unnamed rest 15)
    idx = ["2023-01", "2024-01"]
    parts = pd.DataFrame(
        {"A": [60.0, 66.0], "B": [30.0, 24.0]}, index=pd.PeriodIndex(idx, freq="M")
    )
    total = at(idx, [100, 105])
    c = contributions(parts, total)
    assert list(c.columns) == ["A", "B", "other"]
    row = c.loc[P("2024-01", "M")]
    assert row["A"] == pytest.approx(6.0)  # (66-60)/100*100
    assert row["B"] == pytest.approx(-6.0)  # (24-30)/100*100
    assert row["other"] == pytest.approx(5.0)  # (105-100) - (6 - 6) = 5 -> 5/100*100
    assert row.sum() == pytest.approx(5.0)  # = yoy(total) = 105/100 - 1
    assert c.loc[P("2023-01", "M")].isna().all()


def test_contributions_other_name_and_clash():
    idx = pd.PeriodIndex(["2023-06", "2024-06"], freq="M")
    parts = pd.DataFrame({"other": [1.0, 2.0]}, index=idx)
    total = pd.Series([10.0, 12.0], index=idx)
    with pytest.raises(ValueError):
        contributions(parts, total)
    c = contributions(parts, total, other_name="rest")
    assert c.loc[P("2024-06", "M"), "other"] == pytest.approx(10.0)  # (2-1)/10*100
    assert c.loc[P("2024-06", "M"), "rest"] == pytest.approx(10.0)  # ((12-10)-(2-1))/10*100


def test_contribution_single_of_which():
    # "of which" child C (inside A above): 2023-01 40 -> 2024-01 50, total 100 -> 105
    idx = ["2023-01", "2024-01"]
    c = contribution(at(idx, [40, 50]), at(idx, [100, 105]))
    assert c[P("2024-01", "M")] == pytest.approx(10.0)  # (50-40)/100*100
    assert math.isnan(c[P("2023-01", "M")])


# --------------------------------------------------------------------------------------------
# ytd, quarterly, three-month, two-year
# --------------------------------------------------------------------------------------------


def test_ytd_growth_hand_computed():
    g = ytd_growth(LEVELS)
    assert g[:"2023-12"].isna().all()  # previous year absent entirely
    assert g[P("2024-01", "M")] == pytest.approx(10.0)  # 110/100 - 1
    assert g[P("2024-02", "M")] == pytest.approx(100 * (210 / 180 - 1))  # (110+100)/(100+80)
    assert g[P("2024-02", "M")] == pytest.approx(16.666666667)
    assert g[P("2024-03", "M")] == pytest.approx(0.0)  # 300/300 - 1
    assert g[P("2024-04", "M")] == pytest.approx(6.25)  # 425/400 - 1
    assert g[P("2024-12", "M")] == pytest.approx(100 * (1405 / 1300 - 1))  # 8.0769...
    assert g[P("2024-12", "M")] == pytest.approx(8.076923077)


def test_ytd_growth_prior_year_gap_and_partial_start():
    # previous year starts in March: Jan/Feb 2023 absent, so no 2024 YTD comparison is possible
    s = monthly("2023-03", [100] * 10 + [110, 120, 130])
    assert ytd_growth(s).isna().all()
    # a missing April 2023 kills YTD from April 2024 on, but not Jan-Mar
    s = LEVELS.drop(P("2023-04", "M"))
    g = ytd_growth(s)
    assert g[P("2024-03", "M")] == pytest.approx(0.0)
    assert g["2024-04":].isna().all()


def test_quarterly_growth_hand_computed():
    q = quarterly_growth(LEVELS)
    assert q.index.equals(pd.period_range("2023Q1", "2024Q4", freq="Q"))
    assert q["2023Q1":"2023Q4"].isna().all()
    assert q[P("2024Q1", "Q")] == pytest.approx(0.0)  # (110+100+90)/(100+80+120) = 300/300
    assert q[P("2024Q2", "Q")] == pytest.approx(1.666666667)  # (125+100+80)/300 = 305/300
    assert q[P("2024Q3", "Q")] == pytest.approx(16.666666667)  # (100+100+150)/300 = 350/300
    assert q[P("2024Q4", "Q")] == pytest.approx(12.5)  # (100+100+250)/(100+100+200) = 450/400


def test_quarterly_growth_needs_three_months():
    s = LEVELS.copy()
    s[P("2024-05", "M")] = NAN
    q = quarterly_growth(s.iloc[:-1])  # also drop Dec 2024: Q4 2024 incomplete
    assert math.isnan(q[P("2024Q2", "Q")])
    assert math.isnan(q[P("2024Q4", "Q")])
    assert q[P("2024Q3", "Q")] == pytest.approx(16.666666667)


def test_three_month_growth_hand_computed():
    g = three_month_growth(LEVELS)
    assert math.isnan(g[P("2024-02", "M")])  # needs Dec 2022, absent
    assert g[P("2024-03", "M")] == pytest.approx(0.0)  # 300/300 - 1
    assert g[P("2024-06", "M")] == pytest.approx(1.666666667)  # 305/300 - 1
    # Jul..Sep: 350/300; Oct..Dec: 450/400
    assert g[P("2024-09", "M")] == pytest.approx(16.666666667)
    assert g[P("2024-12", "M")] == pytest.approx(12.5)
    # May..Jul 2024 = 100+80+100 = 280 vs 300 -> -6.666...
    assert g[P("2024-07", "M")] == pytest.approx(-6.666666667)


def test_three_month_growth_folded_janfeb():
    # folded years 2023 and 2024 (Jan NaN, Feb = Jan+Feb); every other month 100 unless noted
    s = monthly(
        "2022-11",
        [100, 100]  # Nov, Dec 2022
        + [NAN, 200]
        + [100] * 10  # 2023: Jan NaN, Feb 200 (Jan+Feb), Mar..Dec 100
        + [NAN, 300, 120, 150, 100],  # 2024: Jan NaN, Feb 300, Mar 120, Apr 150, May 100
    )
    g = three_month_growth(s)
    assert math.isnan(g[P("2024-01", "M")])  # Nov, Dec, Jan: half of the pair
    # Dec 2023 + JanFeb 2024 = 100+300 = 400 vs Dec 2022 + JanFeb 2023 = 100+200 = 300
    assert g[P("2024-02", "M")] == pytest.approx(33.333333333)
    # JanFeb + Mar: 300+120 = 420 vs 200+100 = 300
    assert g[P("2024-03", "M")] == pytest.approx(40.0)
    assert math.isnan(g[P("2024-04", "M")])  # Feb (holding Jan+Feb), Mar, Apr: half the pair
    # Mar+Apr+May = 120+150+100 = 370 vs 300
    assert g[P("2024-05", "M")] == pytest.approx(23.333333333)


def test_two_year_growth_hand_computed():
    # 2023 all 100, 2024 all 125, 2025 all 144 except Jun 2025 = 81
    s = monthly("2023-01", [100] * 12 + [125] * 12 + [144] * 5 + [81] + [144] * 6)
    t = two_year_growth(s)
    assert list(t.columns) == ["stacked", "average"]
    assert t[:"2024-12"].isna().all().all()
    assert t.loc[P("2025-01", "M"), "stacked"] == pytest.approx(44.0)  # 144/100 - 1
    assert t.loc[P("2025-01", "M"), "average"] == pytest.approx(20.0)  # sqrt(1.44) - 1
    assert t.loc[P("2025-06", "M"), "stacked"] == pytest.approx(-19.0)  # 81/100 - 1
    assert t.loc[P("2025-06", "M"), "average"] == pytest.approx(-10.0)  # sqrt(0.81) - 1


# --------------------------------------------------------------------------------------------
# Jan-Feb folding and period resolution
# --------------------------------------------------------------------------------------------


def test_comparison_years():
    index = pd.period_range("2018-01", "2026-03", freq="M")
    assert comparison_years([2024], index) == set(range(2018, 2027))
    assert 1999 in comparison_years({2020, 2021})  # no index: every year
    assert comparison_years([], index) == frozenset()


def test_fold_janfeb_hand_computed():
    # 2024 is combined as published: Jan NaN, Feb 250 = Jan+Feb cumulative
    months = [f"{y}-0{m}" for y in (2022, 2023, 2024, 2025) for m in (1, 2, 3)]
    raw = at(
        months,
        [90, 70, 100]  # 2022 Jan-Mar (folded too: every year is, once one is combined)
        + [100, 80, 120]  # 2023 Jan-Mar
        + [NAN, 250, 100]  # 2024 Jan-Mar (combined)
        + [130, 120, 90],  # 2025 Jan-Mar
    )
    before = raw.copy()
    f = fold_janfeb(raw, [2024])
    pd.testing.assert_series_equal(raw, before)  # input untouched
    assert f.index.equals(raw.index)
    assert math.isnan(f[P("2022-01", "M")]) and f[P("2022-02", "M")] == 160  # 90 + 70
    assert f[[P("2023-01", "M"), P("2024-01", "M"), P("2025-01", "M")]].isna().all()
    assert f[P("2023-02", "M")] == 180  # 100 + 80
    assert f[P("2024-02", "M")] == 250  # NaN Jan counts 0: already cumulative
    assert f[P("2025-02", "M")] == 250  # 130 + 120
    assert f[P("2025-03", "M")] == 90  # other months untouched
    # like-with-like Jan-Feb growth
    g = yoy(f)
    assert g[P("2024-02", "M")] == pytest.approx(38.888888889)  # 250/180 - 1
    assert g[P("2025-02", "M")] == pytest.approx(0.0)  # 250/250 - 1
    # folding is idempotent
    pd.testing.assert_series_equal(fold_janfeb(f, [2024]), f)


def test_fold_janfeb_january_without_february():
    s = at(["2024-12", "2025-01"], [100, 130])
    f = fold_janfeb(s, [2024])
    assert f.index.equals(s.index)
    assert f[P("2024-12", "M")] == 100
    assert math.isnan(f[P("2025-01", "M")])  # January alone is not a Jan-Feb total
    s = at(["2025-01", "2025-02"], [130, NAN])
    assert fold_janfeb(s, [2025]).isna().all()  # Feb stays NaN


def test_folded_janfeb_in_ytd_and_quarterly():
    # folded: 2023 Jan NaN, Feb 180, Mar 120; 2024 Jan NaN, Feb 250, Mar 100
    s = monthly("2023-01", [NAN, 180, 120] + [100] * 9 + [NAN, 250, 100])
    g = ytd_growth(s)
    assert math.isnan(g[P("2024-01", "M")])
    assert g[P("2024-02", "M")] == pytest.approx(38.888888889)  # 250/180 - 1
    assert g[P("2024-03", "M")] == pytest.approx(16.666666667)  # (250+100)/(180+120) = 350/300
    q = quarterly_growth(s)
    assert q[P("2024Q1", "Q")] == pytest.approx(16.666666667)  # folded Jan counts as covered


@pytest.mark.parametrize(
    ("requested", "combined", "expected"),
    [
        ("2025-09", [2024], ResolvedPeriod(P("2025-09", "M"), "September 2025", False)),
        ("2025-01", [2025], ResolvedPeriod(P("2025-02", "M"), "January–February 2025", True)),
        ("2025-02", [2025], ResolvedPeriod(P("2025-02", "M"), "January–February 2025", True)),
        # prior year combined
        ("2025-01", [2024], ResolvedPeriod(P("2025-02", "M"), "January–February 2025", True)),
        # following year combined: the year is folded as its base
        ("2024-02", [2025], ResolvedPeriod(P("2024-02", "M"), "January–February 2024", True)),
        ("2025-01", [2020], ResolvedPeriod(P("2025-02", "M"), "January–February 2025", True)),
        ("2025-01", [], ResolvedPeriod(P("2025-01", "M"), "January 2025", False)),
        ("2025-03", [2025], ResolvedPeriod(P("2025-03", "M"), "March 2025", False)),
    ],
)
def test_resolve_period(requested, combined, expected):
    assert resolve_period(requested, combined) == expected
    assert resolve_period(P(requested, "M"), combined) == expected


def test_resolved_period_is_frozen():
    r = resolve_period("2025-09", [])
    with pytest.raises(AttributeError):
        r.label = "x"


# --------------------------------------------------------------------------------------------
# balance, shares, price/volume, surprise
# --------------------------------------------------------------------------------------------


def test_balance_and_change():
    idx = ["2023-01", "2024-01"]
    x, m = at(idx, [100, 120]), at(idx, [80, 90])
    b = balance(x, m)
    assert b.tolist() == [20.0, 30.0]  # 100-80, 120-90
    d = balance_change_yoy(x, m)
    assert math.isnan(d[P("2023-01", "M")])
    assert d[P("2024-01", "M")] == pytest.approx(10.0)  # 30 - 20


def test_balance_change_sign_flip():
    idx = ["2023-05", "2024-05"]
    d = balance_change_yoy(at(idx, [50, 70]), at(idx, [60, 40]))
    assert d[P("2024-05", "M")] == pytest.approx(40.0)  # (70-40) - (50-60) = 30 - (-10)


def test_share():
    assert share(at(["2024-01"], [30]), at(["2024-01"], [120])).iloc[0] == pytest.approx(25.0)


def test_share_ytd_and_change():
    # total: 100 every month of 2023 (year 1200); 2024 Jan 100, Feb 100, Mar 200
    # part:  10 every month of 2023 except Dec 70 (year 180); 2024 Jan 20, Feb 10, Mar 40
    total = monthly("2023-01", [100] * 12 + [100, 100, 200])
    part = monthly("2023-01", [10] * 11 + [70] + [20, 10, 40])
    s = share_ytd(part, total)
    assert s[P("2023-01", "M")] == pytest.approx(10.0)  # 10/100
    assert s[P("2023-12", "M")] == pytest.approx(15.0)  # 180/1200
    assert s[P("2024-01", "M")] == pytest.approx(20.0)  # 20/100
    assert s[P("2024-02", "M")] == pytest.approx(15.0)  # 30/200
    assert s[P("2024-03", "M")] == pytest.approx(17.5)  # 70/400
    c = share_ytd_change(part, total)
    assert c[:"2023-12"].isna().all()  # no 2022
    assert c[P("2024-01", "M")] == pytest.approx(5.0)  # 20 - 15
    assert c[P("2024-02", "M")] == pytest.approx(0.0)  # 15 - 15
    assert c[P("2024-03", "M")] == pytest.approx(2.5)  # 17.5 - 15


def test_share_ytd_change_needs_complete_previous_year():
    total = monthly("2023-02", [100] * 11 + [100])  # Jan 2023 absent
    part = monthly("2023-02", [10] * 11 + [20])
    assert share_ytd_change(part, total).isna().all()


def test_price_volume_hand_computed():
    # value 100 -> 150 (+50%), quantity 10 -> 12 (+20%), unit value 10 -> 12.5 (+25%)
    # check: 1.5 = 1.25 * 1.2
    idx = ["2023-07", "2024-07"]
    pv = price_volume(at(idx, [100, 150]), at(idx, [10, 12]))
    assert list(pv.columns) == [
        "yoy", "yoy_volume", "yoy_price", "contribution_price", "contribution_volume"
    ]  # fmt: skip
    row = pv.loc[P("2024-07", "M")]
    assert row["yoy"] == pytest.approx(50.0)
    assert row["yoy_volume"] == pytest.approx(20.0)
    assert row["yoy_price"] == pytest.approx(25.0)
    # ln 1.25 = 0.2231436, ln 1.2 = 0.1823216, ln 1.5 = 0.4054651
    # price  = 50 * 0.2231436 / 0.4054651 = 50 * 0.5503397 = 27.516985
    # volume = 50 * 0.1823216 / 0.4054651 = 50 * 0.4496603 = 22.483015
    assert row["contribution_price"] == pytest.approx(27.516986, abs=1e-5)
    assert row["contribution_volume"] == pytest.approx(22.483014, abs=1e-5)


def test_price_volume_zero_value_growth():
    # value flat 100 -> 100, quantity 10 -> 8 (-20%), unit value 10 -> 12.5 (+25%)
    # limit: price = 100 ln 1.25 = 22.314355, volume = 100 ln 0.8 = -22.314355, sum 0
    idx = ["2023-07", "2024-07"]
    row = price_volume(at(idx, [100, 100]), at(idx, [10, 8])).loc[P("2024-07", "M")]
    assert row["yoy"] == 0.0
    assert row["yoy_price"] == pytest.approx(25.0)
    assert row["yoy_volume"] == pytest.approx(-20.0)
    assert row["contribution_price"] == pytest.approx(22.314355, abs=1e-5)
    assert row["contribution_volume"] == pytest.approx(-22.314355, abs=1e-5)


def test_price_volume_value_falls_to_zero():
    # value 100 -> 0 (-100%), quantity 10 -> 5 (-50%), unit value 10 -> 0 (-100%): no log split
    idx = ["2023-07", "2024-07"]
    row = price_volume(at(idx, [100, 0]), at(idx, [10, 5])).loc[P("2024-07", "M")]
    assert row["yoy"] == -100.0
    assert row["yoy_volume"] == -50.0
    assert row["yoy_price"] == -100.0
    assert math.isnan(row["contribution_price"]) and math.isnan(row["contribution_volume"])


def test_surprise():
    assert surprise(8.3, 5.0) == pytest.approx(3.3)  # 8.3 - 5.0
    s = surprise(at(["2025-09"], [8.3]), at(["2025-09"], [7.1]))
    assert s.iloc[0] == pytest.approx(1.2)  # 8.3 - 7.1


# --------------------------------------------------------------------------------------------
# property tests
# --------------------------------------------------------------------------------------------

positive = st.floats(min_value=1.0, max_value=1000.0, allow_nan=False, allow_infinity=False)


def series_of(n_months: int):
    return st.lists(positive, min_size=n_months, max_size=n_months).map(
        lambda v: monthly("2022-01", v)
    )


@settings(max_examples=50, deadline=None)
@given(
    data=st.data(),
    n_parts=st.integers(min_value=1, max_value=4),
    with_rest=st.booleans(),
)
def test_property_contributions_add_up(data, n_parts, with_rest):
    n = 24
    cols = {f"p{i}": data.draw(series_of(n)) for i in range(n_parts)}
    parts = pd.DataFrame(cols)
    total = parts.sum(axis=1)
    if with_rest:
        total = total + data.draw(series_of(n))
    c = contributions(parts, total)
    g = yoy(total)
    tail = slice("2023-01", None)
    np.testing.assert_allclose(c[tail].sum(axis=1), g[tail], rtol=0, atol=1e-9)
    if not with_rest:  # complete partition: nothing left over
        np.testing.assert_allclose(c.loc[tail, "other"], 0.0, rtol=0, atol=1e-9)


@settings(max_examples=50, deadline=None)
@given(value=series_of(24), quantity=series_of(24))
def test_property_price_volume_identities(value, quantity):
    pv = price_volume(value, quantity).loc["2023-01":]
    gv, gp, gq = pv["yoy"] / 100, pv["yoy_price"] / 100, pv["yoy_volume"] / 100
    np.testing.assert_allclose(1 + gv, (1 + gp) * (1 + gq), rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        pv["contribution_price"] + pv["contribution_volume"], pv["yoy"], rtol=0, atol=1e-9
    )


@settings(max_examples=50, deadline=None)
@given(levels=series_of(36))
def test_property_two_year_is_compounded_yoy(levels):
    stacked = two_year_growth(levels)["stacked"] / 100
    g = yoy(levels) / 100
    compounded = (1 + g) * (1 + g.shift(12)) - 1
    tail = slice("2024-01", None)
    np.testing.assert_allclose(stacked[tail], compounded[tail], rtol=0, atol=1e-9)


@settings(max_examples=50, deadline=None)
@given(levels=series_of(36))
def test_property_q1_growth_equals_march_ytd(levels):
    q = quarterly_growth(levels)
    ytd = ytd_growth(levels)
    for year in (2023, 2024):
        assert q[P(f"{year}Q1", "Q")] == pytest.approx(ytd[P(f"{year}-03", "M")], abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(levels=series_of(36), combined=st.sampled_from([2022, 2023, 2024]))
def test_property_fold_keeps_year_totals(levels, combined):
    folded = fold_janfeb(levels, [combined])
    by_year = levels.groupby(levels.index.year).sum()
    folded_by_year = folded.groupby(folded.index.year).sum()  # NaN January skipped
    np.testing.assert_allclose(folded_by_year, by_year, rtol=1e-12)
    # December YTD growth is the calendar-year growth, folded or not
    np.testing.assert_allclose(
        ytd_growth(folded)["2023-12":"2024-12":12],
        ytd_growth(levels)["2023-12":"2024-12":12],
        rtol=1e-9,
    )

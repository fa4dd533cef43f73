"""Chart data: hand-computed values, and agreement with the figures the views record."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import chartdata, seasonal, views

KEY = ["metric", "flow", "dimension", "item", "period"]


@pytest.fixture(scope="module")
def figures(sample):
    """Every figure the views record for September 2025, at full precision."""
    return views.all_figures(sample, "2025-09").set_index(KEY)["value"]


def _raw(ds, flow, partner="WORLD", product="TOTAL", column="value", currency="USD"):
    """A series straight from the trade table (no helpers), for hand computations."""
    t = ds.trade
    rows = t[(t["flow"] == flow) & (t["partner"] == partner) & (t["product"] == product)
             & (t["currency"] == currency) & (t["measure"] == "level")]  # fmt: skip
    return pd.Series(rows[column].to_numpy(float), index=pd.PeriodIndex(rows["period"], freq="M"))


def test_growth_panel_matches_figures_and_hand_values(sample, figures):
    panel = chartdata.growth_panel(sample, "2025-09", 36)
    assert len(panel) == 36 - 3  # three folded Januaries (2023-2025) are dropped
    assert panel.index[-1] == pd.Period("2025-09", "M") and (panel.index.month != 1).all()
    last = panel.iloc[-1]
    for flow in ("export", "import"):
        for column, name in (("yoy", "yoy"), ("yoy_3m", "yoy_3m"),
                             ("consensus_yoy", "consensus_yoy")):  # fmt: skip
            expected = figures[name, flow, "total", "total", "2025-09"]
            assert last[f"{flow}_{column}"] == pytest.approx(expected, abs=1e-9)
    exports = _raw(sample, "export")
    by_hand = (exports[pd.Period("2025-09", "M")] / exports[pd.Period("2024-09", "M")] - 1) * 100
    assert last["export_yoy"] == pytest.approx(by_hand)
    assert round(last["export_yoy"], 1) == 8.3  # the published September 2025 figure


@pytest.mark.parametrize(
    ("actual", "consensus", "expected"),
    [
        ([1.0, 2.0, 3.0, 4.0], [2.0, 1.0, 2.0, 3.0], ("beat", 3)),
        ([5.0, 1.0, 1.0], [1.0, 2.0, 3.0], ("missed", 2)),
        ([5.04, 5.0], [5.0, 5.0], ("matched", 2)),  # 5.04 prints 5.0: matched at print precision
        ([5.0, 6.0], [4.0, np.nan], ("", 0)),
    ],
)
def test_beat_streak(actual, consensus, expected):
    index = pd.period_range("2025-01", periods=len(actual), freq="M")
    assert chartdata.beat_streak(pd.Series(actual, index), pd.Series(consensus, index)) == expected


def test_balance_panel_janfeb(sample, figures):
    panel = chartdata.balance_panel(sample, "2025-02", 24)
    assert panel.index[-1] == pd.Period("2025-02", "M")
    assert panel["janfeb"].tolist() == [p.month == 2 for p in panel.index]
    exports, imports = _raw(sample, "export"), _raw(sample, "import")
    jan, feb = pd.Period("2025-01", "M"), pd.Period("2025-02", "M")

    def combined(s, year_jan, year_feb):  # Jan + Feb, January NaN when published combined
        return np.nansum([s.get(year_jan, np.nan), s[year_feb]])

    by_hand = (combined(exports, jan, feb) - combined(imports, jan, feb)) / 1e9
    assert panel.iloc[-1]["balance"] == pytest.approx(by_hand)
    sep = chartdata.balance_panel(sample, "2025-09", 36).iloc[-1]
    assert sep["balance"] == pytest.approx(figures["balance", "net", "total", "total", "2025-09"])
    change = figures["balance_change_yoy", "net", "total", "total", "2025-09"]
    assert sep["balance"] - sep["balance_prev_year"] == pytest.approx(change)


@pytest.mark.parametrize("dimension", ["product", "partner"])
def test_contribution_history_adds_up_and_matches_figures(sample, figures, dimension):
    frame = chartdata.contribution_history(sample, "export", dimension, "2025-09", 24)
    parts = frame.drop(columns="total").dropna()
    total = frame.loc[parts.index, "total"]
    assert np.allclose(parts.sum(axis=1), total)
    last = frame.iloc[-1]
    for code in frame.columns.drop(["total", "other"]):
        expected = figures["contribution", "export", dimension, code, "2025-09"]
        assert last[code] == pytest.approx(expected, abs=1e-9)
    merged = frame.attrs["merged"] + ["other"]
    expected_other = sum(figures["contribution", "export", dimension, c, "2025-09"] for c in merged)
    assert last["other"] == pytest.approx(expected_other, abs=1e-9)


def test_us_share_history(sample, figures):
    frame = chartdata.us_share_history(sample, "2025-09", 36)
    for flow in ("export", "import"):
        expected = figures["share", flow, "partner", "united_states", "2025-09"]
        assert frame.iloc[-1][f"{flow}_share"] == pytest.approx(expected)
    us, world = _raw(sample, "export", "united_states"), _raw(sample, "export")
    t = pd.Period("2025-08", "M")
    assert frame.loc[t, "export_share"] == pytest.approx(us[t] / world[t] * 100)


def test_yoy_lines_are_the_largest_groups(sample, figures):
    frame = chartdata.yoy_lines(sample, "export", "2025-09", 36, n=3)
    assert list(frame.columns)[0] == "electromechanical"  # the largest group by value
    for code in frame.columns:
        expected = figures["yoy", "export", "product", code, "2025-09"]
        assert frame.iloc[-1][code] == pytest.approx(expected)


def test_price_volume_history(sample, figures):
    lines = chartdata.price_volume_history(sample, "import", "2025-09", 36, n=None)
    crude = lines["Crude oil"]
    value, quantity = _raw(sample, "import", product="crude_oil"), _raw(
        sample, "import", product="crude_oil", column="quantity"
    )
    t, base = pd.Period("2025-09", "M"), pd.Period("2024-09", "M")
    assert crude.iloc[-1]["yoy_volume"] == pytest.approx((quantity[t] / quantity[base] - 1) * 100)
    unit = (value[t] / quantity[t]) / (value[base] / quantity[base])
    assert crude.iloc[-1]["yoy_price"] == pytest.approx((unit - 1) * 100)
    for frame in lines.values():
        code = frame.attrs["code"]
        for name in ("yoy_price", "yoy_volume"):
            expected = figures[name, "import", "product", code, "2025-09"]
            assert frame.iloc[-1][name] == pytest.approx(expected)
    assert len(chartdata.price_volume_history(sample, "import", "2025-09", 36, n=4)) == 4


def test_sa_panel_momentum(sample):
    panel = chartdata.sa_panel(sample, "2025-09", 24)
    assert len(panel) == 24 and panel[["export_sa", "import_sa"]].notna().all().all()
    missing = panel.index[panel["export_mom"].isna()]
    assert list(missing) == [pd.Period("2024-02", "M"), pd.Period("2025-02", "M")]
    mom = panel["export_mom"].iloc[-1]
    assert mom == pytest.approx((panel["export_sa"].iloc[-1] / panel["export_sa"].iloc[-2] - 1)
                                * 100)  # fmt: skip
    assert panel.attrs["method"]
    jan, feb = pd.Period("2025-01", "M"), pd.Period("2025-02", "M")  # published combined
    assert panel.loc[jan, "export_sa"] == panel.loc[feb, "export_sa"]
    assert np.isnan(panel.loc[feb, "export_mom"]) and np.isfinite(panel.loc[jan, "export_mom"])


def test_period_labels():
    index = pd.PeriodIndex(["2024-02", "2024-03", "2025-02"], freq="M")
    assert chartdata.period_labels(index, True) == ["Jan-Feb 24", "Mar 24", "Jan-Feb 25"]
    assert chartdata.period_labels(index, False) == ["Feb 24", "Mar 24", "Feb 25"]


def test_events_file_is_valid_and_new_years_agree():
    events = chartdata.load_events()
    assert set(events["kind"]) <= set(chartdata.EVENT_KINDS)
    assert (events["source"].str.strip() != "").all()
    for day in events.loc[events["kind"] == "holiday", "date"]:
        assert seasonal.new_year_date(day.year) == day.date()
    dates = set(events["date"].dt.strftime("%Y-%m-%d"))
    assert {"2025-04-02", "2025-05-12", "2025-11-10"} <= dates


def test_events_in_window():
    window = pd.period_range("2025-04", "2025-05", freq="M")
    found = chartdata.events_in(window)
    assert list(found["date"].dt.strftime("%m-%d")) == ["04-02", "04-09", "05-12"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,label,kind,source\n2025-13-01,x,tariff,y\n", "line 2: date '2025-13-01'"),
        ("date,label,kind,source\n2025-01-01,x,war,y\n", "line 2: kind 'war'"),
        ("date,label,kind,source\n2025-01-01,x,tariff,y\n2025-01-02,,truce,y\n", "line 3: empty"),
        ("date,label,kind\n2025-01-01,x,tariff\n", "missing column(s) source"),
    ],
)
def test_bad_events_file(tmp_path, text, message):
    path = tmp_path / "events.csv"
    path.write_text(text)
    with pytest.raises(chartdata.EventsFileError, match=message.replace("(", r"\(")
                       .replace(")", r"\)")) as error:  # fmt: skip
        chartdata.load_events(path)
    assert str(path) in str(error.value)

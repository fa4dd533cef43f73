"""Figures on three bases: computed, printed by GAC, derived from printed rates (helpers.basis).

Every expected number below was worked out by hand (a calculator, not the code under test).
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import basis
from helpers.paths import SHARED_DIR
from helpers.schema import CANONICAL_COLUMNS

GAC = SHARED_DIR / "fixtures" / "gac"


def test_rate_bounds_half_a_printed_step():
    assert basis.rate_bounds(11.9) == pytest.approx((11.85, 11.95))


def test_year_ago_from_ytd_first_month_of_the_year():
    # 1119 / 1.119 = 1000; the true rate lies in [11.85, 11.95]
    value, low, high = basis.year_ago_from_ytd(1119.0, 11.9)
    assert value == pytest.approx(1000.0)
    assert low == pytest.approx(999.5533720)  # 1119 / 1.1195
    assert high == pytest.approx(1000.4470273)  # 1119 / 1.1185


def test_year_ago_from_ytd_less_the_months_before():
    # prior YTD = 3000 / 1.2 = 2500; less 1600 held for the months before = 900
    value, low, high = basis.year_ago_from_ytd(3000.0, 20.0, before=1600.0)
    assert value == pytest.approx(900.0)
    assert low == pytest.approx(898.9587672)  # 3000 / 1.2005 - 1600
    assert high == pytest.approx(901.0421009)  # 3000 / 1.1995 - 1600


def test_growth_bounds_on_a_derived_base():
    growth, low, high = basis.growth_bounds(990.0, 900.0, 898.9587672, 901.0421009)
    assert growth == pytest.approx(10.0)
    assert low == pytest.approx(9.8727794, abs=1e-6)  # 990 / 901.0421 - 1
    assert high == pytest.approx(10.1274092, abs=1e-6)  # 990 / 898.9588 - 1


def test_unit_value_from_printed_value_and_quantity_rates():
    # ICs, Jan-Jun 2026 (USD): value +96.1%, quantity +7.0% -> 1.961 / 1.07 - 1
    value, low, high = basis.unit_value_growth(96.1, 7.0)
    assert value == pytest.approx(83.2710280)
    assert low == pytest.approx(83.1387202)  # 1.9605 / 1.0705 - 1
    assert high == pytest.approx(83.4034596)  # 1.9615 / 1.0695 - 1


def test_contribution_bounds_span_the_corners():
    # (110 - 100) / 1000 = 1.0 pp; base 99..101, total base 990..1010
    value, low, high = basis.contribution_bounds(110.0, (100.0, 99.0, 101.0),
                                                 (1000.0, 990.0, 1010.0))  # fmt: skip
    assert value == pytest.approx(1.0)
    assert low == pytest.approx(0.8910891)  # 9 / 1010
    assert high == pytest.approx(1.1111111)  # 11 / 990


def test_choose_prefers_computed_and_flags_only_real_differences():
    agree = [basis.Estimate(8.26, "computed"), basis.Estimate(8.3, "printed")]
    best, checks = basis.choose(agree)
    assert best.basis == "computed" and best.value == 8.26
    assert checks[0]["other_basis"] == "printed" and checks[0]["differs"] is False
    best, checks = basis.choose([basis.Estimate(8.3, "printed"), basis.Estimate(8.0, "computed")])
    assert best.basis == "computed" and checks[0]["differs"] is True  # 0.3 pp > rounding
    best, checks = basis.choose([basis.Estimate(float("nan"), "computed"),
                                 basis.Estimate(5.0, "derived", 4.9, 5.1)])  # fmt: skip
    assert best.basis == "derived" and checks == []


def test_wide_range_only_beyond_a_tenth():
    assert basis.wide_range(-0.46, -0.22, -0.34)
    assert not basis.wide_range(23.40, 23.59, 23.50)


def _rows(rows: list[dict]) -> pd.DataFrame:
    base = {"months": 1, "partner": "WORLD", "product": "TOTAL", "currency": "CNY",
            "quantity": float("nan"), "quantity_unit": None, "measure": "level",
            "source": "gac:test.html", "vintage": "2026-04-08"}  # fmt: skip
    frame = pd.DataFrame([{**base, **r} for r in rows])[CANONICAL_COLUMNS]
    frame["period"] = pd.PeriodIndex(frame["period"], freq="M")
    return frame


def test_derive_year_ago_with_a_combined_janfeb_before():
    """March a year ago = Jan-Mar YTD / (1 + printed rate) - the Jan-Feb release's figure."""
    trade = _rows([
        {"period": "2026-03", "flow": "export", "value": 22297.0},
        {"period": "2025-02", "months": 2, "flow": "export", "value": 38812.1},
    ])  # fmt: skip
    ytd = _rows([
        {"period": "2026-03", "months": 3, "flow": "export", "value": 68466.7},
        {"period": "2026-03", "months": 3, "flow": "export", "value": 11.9, "measure": "yoy_pct"},
        {"period": "2025-02", "months": 2, "flow": "export", "value": 38812.1},
    ])  # fmt: skip
    derived = basis.derive_year_ago(trade, ytd)
    assert len(derived) == 1
    row = derived.iloc[0]
    assert str(row["period"]) == "2025-03" and row["months"] == 1
    assert row["value"] == pytest.approx(22373.5121537)  # 68466.7 / 1.119 - 38812.1
    assert row["source"].startswith("derived:")
    assert "Jan\u2013Mar 2026" in row["derived_from"] and "+11.9%" in row["derived_from"]
    growth, low, high = basis.growth_bounds(22297.0, row["value"], row["value_low"],
                                            row["value_high"])  # fmt: skip
    assert growth == pytest.approx(-0.3419765, abs=1e-6)  # 22297.0 / 22373.5122 - 1
    assert low == pytest.approx(-0.4636598, abs=1e-6)  # base from a rate of 11.85%
    assert high == pytest.approx(-0.2201045, abs=1e-6)  # base from a rate of 11.95%


def test_derive_a_combined_janfeb_base_whole():
    """A year GAC published Jan-Feb combined: the year-ago Jan-Feb is YTD / (1 + rate)."""
    trade = _rows([
        {"period": "2025-02", "months": 2, "flow": "export", "value": 1000.0},
        {"period": "2026-02", "flow": "export", "partner": "germany", "value": 110.0},
    ])  # fmt: skip
    ytd = _rows([
        {"period": "2026-02", "months": 2, "flow": "export", "partner": "germany",
         "value": 220.0},
        {"period": "2026-02", "months": 2, "flow": "export", "partner": "germany",
         "value": 10.0, "measure": "yoy_pct"},
    ])  # fmt: skip
    derived = basis.derive_year_ago(trade, ytd)
    assert len(derived) == 1
    row = derived.iloc[0]
    assert row["months"] == 2 and str(row["period"]) == "2025-02"
    assert row["value"] == pytest.approx(200.0)  # 220 / 1.1


def test_no_derivation_where_the_year_ago_month_is_stored_or_unknowable():
    trade = _rows([{"period": "2025-06", "flow": "export", "value": 10.0},
                   {"period": "2026-06", "flow": "export", "value": 12.0}])  # fmt: skip
    ytd = _rows([
        {"period": "2026-06", "months": 6, "flow": "export", "value": 70.0},
        {"period": "2026-06", "months": 6, "flow": "export", "value": 5.0, "measure": "yoy_pct"},
        {"period": "2026-05", "months": 5, "flow": "import", "value": 50.0},
        {"period": "2026-05", "months": 5, "flow": "import", "value": 5.0, "measure": "yoy_pct"},
    ])  # fmt: skip
    # exports: June 2025 is stored; imports: no Jan-Apr 2025 to subtract
    assert basis.derive_year_ago(trade, ytd).empty


@pytest.mark.skipif(not GAC.is_dir(), reason="../shared/fixtures/gac not present")
def test_real_pages_march_2026_cny(tmp_path, capsys):
    """GAC's Mar 2026 and Jan-Feb 2025 by-country pages (CNY): the month's y/y is derived."""
    from helpers import headline
    from helpers.data import load_dataset
    from helpers.figures import FigureSet
    from helpers.ingest import importer

    pages = [
        GAC / "gac_s4_by_country_2026-03_CNY.html",
        GAC / "gac_s4_by_country_2025-01-02_CNY.html",
    ]
    assert importer.main(["gac", *map(str, pages), "--store", str(tmp_path / "s")]) == 0
    capsys.readouterr()
    ds = load_dataset(tmp_path / "s")
    figures = FigureSet("CNY")
    h = headline.headline(ds, "2026-03", "CNY")
    headline.record(figures, h)
    frame = figures.frame().set_index(["metric", "flow", "period"])
    exports = frame.loc[("yoy", "export", "2026-03")]
    # 22297.0 / (68466.7 / 1.119 - 38812.1) - 1, CNY 100 million as printed
    assert exports["value"] == pytest.approx(-0.3419765, abs=1e-5)
    assert exports["basis"] == "derived"
    assert exports["low"] == pytest.approx(-0.4636598, abs=1e-5)
    assert exports["high"] == pytest.approx(-0.2201045, abs=1e-5)
    ytd = frame.loc[("ytd_yoy", "export", "2026-03")]
    assert ytd["value"] == 11.9 and ytd["basis"] == "printed"
    balance = frame.loc[("balance", "net", "2026-03")]
    assert balance["value"] == pytest.approx(2229.70 - 1874.94) and balance["basis"] == "computed"
    summary = headline.summary(h)
    assert "Exports fell \u22480.3% y/y in yuan terms in March 2026 (-0.5% to -0.2%)" in summary
    assert "derived from GAC's printed Jan\u2013Mar 2026 y/y (+11.9%)" in summary


def test_section_1_page_alone_gives_printed_month_growth(tmp_path, capsys):
    """GAC's section (1) for Dec 2025 (NOTES: exports y/y +6.6, m/m +8.4; imports +5.7, +11.5):
    without the year-ago month the headline quotes GAC's printed rates, basis printed."""
    from pathlib import Path

    from helpers import headline
    from helpers.data import load_dataset
    from helpers.figures import FigureSet
    from helpers.ingest import importer

    page = Path(__file__).parent / "fixtures" / "gac_bulletin" / "total_values_2025-12_USD.html"
    assert importer.main(["gac", str(page), "--store", str(tmp_path / "s")]) == 0
    capsys.readouterr()
    ds = load_dataset(tmp_path / "s")
    figures = FigureSet("USD")
    headline.record(figures, headline.headline(ds, "2025-12", "USD"))
    rows = figures.frame().set_index(["metric", "flow", "period"])
    assert rows.loc[("yoy", "export", "2025-12"), "value"] == 6.6
    assert rows.loc[("yoy", "export", "2025-12"), "basis"] == "printed"
    assert rows.loc[("mom", "export", "2025-12"), "value"] == 8.4
    assert rows.loc[("mom", "import", "2025-12"), "value"] == 11.5
    assert rows.loc[("ytd_yoy", "import", "2025-12"), "value"] == 0.0


def test_ytd_caption_lists_only_differences_beyond_rounding():
    from helpers.breakdown import _ytd_caption

    checks = [
        {"figure": "YTD y/y", "value": 7.04, "other_value": 7.0, "differs": False},
        {"figure": "YTD quantity y/y", "value": -10.3, "other_value": -10.5, "differs": True},
    ]
    text = _ytd_caption(checks, ["Integrated circuits", "Motor vehicles"])
    assert "agree within rounding on 1 of 2 figures" in text
    assert "Motor vehicles, YTD quantity y/y (-10.5 printed, -10.3 computed)" in text
    assert _ytd_caption([], []) == ""


@pytest.mark.skipif(not GAC.is_dir(), reason="../shared/fixtures/gac not present")
def test_revised_by_the_june_2026_release(tmp_path, capsys):
    """The June 2026 (5) page reprints Jan-Jun 2025: ICs USD 90,473.3 million (June 2025 page)
    became 90,402.8 (SOURCES.md): -0.0779%."""
    from helpers import revisions
    from helpers.data import load_dataset
    from helpers.ingest import importer

    pages = [GAC / "gac_s5_major_exports_2025-06_USD.html",
             GAC / "gac_s5_major_exports_2026-06_USD.html"]  # fmt: skip
    assert importer.main(["gac", *map(str, pages), "--store", str(tmp_path / "s")]) == 0
    capsys.readouterr()
    table = revisions.revised_by_release(load_dataset(tmp_path / "s"), "2026-06", "USD")
    ics = table[(table["name"] == "Integrated circuits") & (table["Figure"] == "year to date")]
    assert len(ics) == 1
    row = ics.iloc[0]
    assert row["Period"] == "2025-06"
    assert row["Before (USD bn)"] == pytest.approx(90.4733)
    assert row["Now (USD bn)"] == pytest.approx(90.4028)
    assert row["Change %"] == pytest.approx(-0.0779235, abs=1e-6)  # 90402.8 / 90473.3 - 1
    # the June 2026 release revises nothing of its own month
    assert not (table["Period"] == "2026-06").any()


def test_additivity_note_says_what_the_rounded_parts_add_to():
    """Parts 0.26 + 0.26 + 0.26 = 0.78 (total 0.8 shown); shown as 0.3 each they add to 0.9."""
    from helpers.breakdown import additivity_note

    table = pd.DataFrame(
        {"role": ["part", "part", "other", "total"], "contribution": [0.26, 0.26, 0.26, 0.78],
         "yoy": [1.0, 1.0, 1.0, 0.78]},
        index=["a", "b", "other", "total"],
    )  # fmt: skip
    text = additivity_note(table)
    assert "contribute +0.8 pp in all, equal to total growth of +0.8% before rounding" in text
    assert "each rounded to 0.1 pp, add to +0.9" in text


def test_us_split_on_derived_year_ago_months():
    """World and US a year earlier both derived from printed YTD rates: everyone else's growth
    and contribution are derived, with the widest range (world low - US high ... world high - US
    low). By hand, CNY 100 million: world base 68466.7 / 1.119 - 38812.1 = 22373.512 (22346.185
    at 11.95%, 22400.864 at 11.85%); US base 6000 / 0.8 - 3000 = 4500 (4495.315 at -19.95%,
    4504.690 at -20.05%); everyone else now 22297 - 2000 = 20297 against 17873.512
    (17841.495 to 17905.548)."""
    from pathlib import Path

    from helpers import breakdown
    from helpers.data import Dataset, latest_vintage
    from helpers.schema import typed

    trade = _rows([
        {"period": "2026-03", "flow": "export", "value": 22297.0},
        {"period": "2026-03", "flow": "export", "partner": "united_states", "value": 2000.0},
        {"period": "2025-02", "months": 2, "flow": "export", "value": 38812.1},
        {"period": "2025-02", "months": 2, "flow": "export", "partner": "united_states",
         "value": 3000.0},
    ])  # fmt: skip
    ytd = _rows([
        {"period": "2026-03", "months": 3, "flow": "export", "value": 68466.7},
        {"period": "2026-03", "months": 3, "flow": "export", "value": 11.9, "measure": "yoy_pct"},
        {"period": "2026-03", "months": 3, "flow": "export", "partner": "united_states",
         "value": 6000.0},
        {"period": "2026-03", "months": 3, "flow": "export", "partner": "united_states",
         "value": -20.0, "measure": "yoy_pct"},
    ])  # fmt: skip
    derived = basis.derive_year_ago(trade, ytd)
    assert len(derived) == 2
    full = latest_vintage(typed(pd.concat([trade, derived[CANONICAL_COLUMNS]], ignore_index=True)))
    ds = Dataset(full, Path("test"), printed_ytd=ytd[ytd["measure"] == "yoy_pct"], ytd=ytd,
                 derived=derived)  # fmt: skip
    table = breakdown.us_split(ds, "export", "2026-03", "CNY")
    rest = table.loc["non_us"]
    assert rest["yoy"] == pytest.approx(13.5591026, abs=1e-5)  # 20297 / 17873.512 - 1
    assert rest["yoy_basis"] == "derived"
    assert rest["yoy_low"] == pytest.approx(13.3559252, abs=1e-5)  # 20297 / 17905.548 - 1
    assert rest["yoy_high"] == pytest.approx(13.7628912, abs=1e-5)  # 20297 / 17841.495 - 1
    # (20297 - 17873.512) / 22373.512; the corners of both ranges bound it
    assert rest["contribution"] == pytest.approx(10.8319509, abs=1e-5)
    assert rest["contribution_low"] == pytest.approx(10.6757117, abs=1e-5)
    assert rest["contribution_high"] == pytest.approx(10.9884774, abs=1e-5)
    us = table.loc["united_states"]
    assert us["yoy"] == pytest.approx(-55.5555556, abs=1e-5) and us["yoy_basis"] == "derived"


def test_a_combined_january_february_page_alone_gives_its_own_growth(tmp_path, capsys):
    """The committed section (4) fixture for January-February 2024 (CNY), alone in a store:
    exports CNY 3,500bn, +10.0% as printed; imports 2,500bn, +5.5%. A combined release is its
    own year to date, so its y/y is GAC's printed one, and Jan-Feb 2023 is derived whole:
    3500 / 1.1 = 3181.82 and 2500 / 1.055 = 2369.67, a balance of 812.15 against 1000.0 now
    (+187.85bn)."""
    from pathlib import Path

    from helpers import headline
    from helpers.data import load_dataset
    from helpers.figures import FigureSet
    from helpers.ingest import importer

    page = Path(__file__).parent / "fixtures" / "gac" / "by_country_2024-01-02_CNY.html"
    assert importer.main(["gac", str(page), "--store", str(tmp_path / "s")]) == 0
    capsys.readouterr()
    ds = load_dataset(tmp_path / "s")
    h = headline.headline(ds, "2024-02", "CNY")
    assert h.flows["export"]["yoy"] == 10.0 and h.basis_of("export", "yoy").basis == "printed"
    assert h.flows["import"]["yoy"] == 5.5
    assert h.balance_change_yoy == pytest.approx(1000.0 - (3500 / 1.1 - 2500 / 1.055), abs=1e-6)
    assert headline.summary(h).startswith(
        "Exports rose 10.0% y/y in yuan terms in January\u2013February 2024.")
    # the printed and the derived rate side by side, under the period's own name
    both = headline.basis_table(h)
    row = both.loc["Exports, y/y %, January\u2013February 2024"]
    assert (row["Basis"], row["Other basis"], row["Beyond rounding"]) == ("printed", "derived",
                                                                          "no")
    # the year-ago combined months are derived whole (no January 2023 release needed)
    year_ago = ds.levels("export", currency="CNY")
    assert year_ago[pd.Period("2023-02", "M")] == pytest.approx(3500e9 / 1.1)
    figures = FigureSet("CNY")
    headline.record(figures, h)
    frame = figures.frame().set_index(["metric", "flow", "period"])
    assert frame.loc[("yoy", "export", "2024-02"), "basis"] == "printed"
    # by partner too: the US's y/y is GAC's printed -2.0%; its contribution rests on derived
    # bases: (500 - 500 / 0.98) / (3500 / 1.1) = -0.3207 pp
    from helpers import breakdown

    table = breakdown.breakdown(ds, "export", "partner", "2024-02", "CNY")
    us = table.loc["united_states"]
    assert (us["yoy"], us["yoy_basis"]) == (-2.0, "printed")
    assert us["contribution"] == pytest.approx((500 - 500 / 0.98) / (3500 / 1.1) * 100)
    assert us["contribution_basis"] == "derived"

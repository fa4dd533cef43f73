"""Chart titles (claims written from the data), the theme's output and missing-data notes."""

from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import pytest

from helpers import chartdata, charts
from helpers.contract import SAMPLE_LABEL, ParameterError, check_history_months
from helpers.forecast import FORECAST_YOY, HI80, LO80

MONTHS = pd.period_range("2025-06", "2025-09", freq="M")


def _growth(exports, consensus) -> pd.DataFrame:
    frame = pd.DataFrame({"export_yoy": exports, "export_consensus_yoy": consensus,
                          "export_yoy_3m": exports, "import_yoy": exports,
                          "import_consensus_yoy": consensus, "import_yoy_3m": exports},
                         index=MONTHS)  # fmt: skip
    frame.attrs.update(label="September 2025", currency="USD")
    return frame


@pytest.mark.parametrize(
    ("exports", "consensus", "claim"),
    [
        ([1, 5, 6, 8.3], [2, 4, 5, 6.0], "Exports beat consensus for a third month in a row "
                                         "(September 2025)"),
        ([1, 5, 6, 4.4], [2, 4, 5, 6.0], "Exports missed consensus in September 2025: +4.4% y/y"),
        ([1, 5, 6, -4.4], [np.nan] * 4, "Exports fell 4.4% y/y in September 2025"),
    ],
)
def test_growth_claim(exports, consensus, claim):
    assert charts.growth_claim(_growth(exports, consensus)) == claim


def test_growth_claim_marks_a_derived_month():
    """The month's y/y on a year-ago month derived from GAC's printed rates reads '≈'; an
    earlier month's does not (the flag belongs to the report's month)."""
    panel = _growth([1, 5, 6, -0.3], [np.nan] * 4)
    panel.attrs.update(period=MONTHS[-1], derived=["export"])
    assert charts.growth_claim(panel) == "Exports fell \u22480.3% y/y in September 2025"
    assert charts.growth_claim(panel, "import") == "Imports fell 0.3% y/y in September 2025"
    panel.attrs.update(period=MONTHS[-1] + 1)  # the latest value is not the report's month
    assert charts.growth_claim(panel) == "Exports fell 0.3% y/y in September 2025"


def test_balance_claim():
    panel = pd.DataFrame({"balance": [80.0, 90.46], "balance_prev_year": [70.0, 81.7]},
                         index=MONTHS[-2:])  # fmt: skip
    panel.attrs.update(label="September 2025", currency="USD")
    assert charts.balance_claim(panel) == (
        "Surplus of USD 90.5bn in September 2025, USD 8.8bn more than a year earlier"
    )


def test_sa_claim():
    panel = pd.DataFrame({"export_mom": [0.5, -1.25]}, index=MONTHS[-2:])
    panel.attrs["label"] = "September 2025"
    assert charts.sa_claim(panel) == "Seasonally adjusted exports fell 1.3% m/m in September 2025"


def test_contribution_claim():
    frame = pd.DataFrame({"united_states": [-5.0, -4.2], "asean": [3.0, 2.4], "other": [6, 10.1],
                          "total": [4.0, 8.3]}, index=MONTHS[-2:])  # fmt: skip
    frame.attrs.update(label="September 2025", flow="export",
                       names={"united_states": "United States", "asean": "ASEAN",
                              "other": "Rest of world"})  # fmt: skip
    assert charts.contribution_claim(frame) == (
        "Rest of world added most to export growth in September 2025 (+10.1 pp of +8.3%)"
    )


def test_us_share_claim():
    index = pd.period_range("2024-09", "2025-09", freq="M")
    frame = pd.DataFrame({"export_share": np.linspace(15.5, 10.44, len(index))}, index=index)
    frame.attrs["label"] = "September 2025"
    assert charts.us_share_claim(frame) == (
        "The US took 10.4% of China's exports in September 2025, against 15.5% a year earlier"
    )


def _png_size(png: bytes) -> tuple[int, int]:
    return struct.unpack(">II", png[16:24])


def test_chart_html_has_alt_text_and_2x_png(sample):
    panel = chartdata.us_share_history(sample, "2025-09", 24)
    chart = charts.us_share_chart(panel, SAMPLE_LABEL + ". China Trade Kit, USD values.")
    html = chart._repr_html_()
    assert 'alt="Line chart of the United States&#x27; share of China&#x27;s exports' in html
    assert 'src="data:image/png;base64,' in html and f'width="{chart.width_px}"' in html
    width, _ = _png_size(chart.png)
    assert width == 2 * chart.width_px == 2000
    assert "nan" not in chart.alt.lower() and "Latest: exports 10.4%" in chart.alt
    assert chart.data is panel
    assert "Events marked" in chart.caption and "Geneva truce" in chart.caption
    # the notebook's text/plain form is one line, not the PNG's bytes
    assert repr(chart) == (f"Chart({chart.title!r}, 1000 px, {len(chart.png) // 1024} KB PNG)")


def test_sample_marker_follows_the_source():
    assert charts._look(SAMPLE_LABEL + ". China Trade Kit").sample
    assert not charts._look("Data: store. China Trade Kit, USD values.").sample


def test_missing_data_says_so():
    empty = pd.DataFrame(columns=["export_yoy", "import_yoy"], dtype=float)
    note = charts.growth_chart(empty, "src")
    assert isinstance(note, charts.Note) and "no y/y growth" in note._repr_markdown_()
    note = charts.price_volume_history_chart({}, "export", "September 2025", "src")
    assert "no export quantities" in note._repr_markdown_()
    assert "36 months" in charts.sa_chart(pd.DataFrame(), "src")._repr_markdown_()


def test_heatmap_labels_janfeb(sample):
    matrix = pd.DataFrame([[1.0, 2.0]], index=["United States"],
                          columns=pd.PeriodIndex(["2025-02", "2025-03"], freq="M"))  # fmt: skip
    chart = charts.yoy_heatmap(matrix, "Exports by destination, % y/y", "src", combined=True)
    assert "from Jan-Feb 25 to Mar 25" in chart.alt


@pytest.mark.parametrize("bad", [0, 11, 241, 36.5, "36", None])
def test_history_months_checked(bad):
    with pytest.raises(ParameterError, match="history_months"):
        check_history_months(bad)
    assert check_history_months(36) == 36


def test_spread_keeps_order_and_gap():
    assert charts.spread([13.1, 12.1, -0.7], 2.0) == pytest.approx([14.1, 12.1, -0.7])
    assert charts.spread([1.0, 5.0], 2.0) == [1.0, 5.0]


def test_source_foot_has_one_source_prefix():
    store_note = "Source: GAC preliminary release, 2026-04-08. CNY values."
    assert charts.source_foot(store_note) == store_note
    assert charts.source_foot("Illustrative sample data. USD values.") == (
        "Source: Illustrative sample data. USD values."
    )
    assert charts.source_foot("") == "Source: China Trade Kit"


def _breakdown(values: dict, total: float, dimension: str = "partner") -> pd.DataFrame:
    rows = {code: {"name": name, "role": "other" if code == "other" else "part",
                   "contribution": v} for code, (name, v) in values.items()}  # fmt: skip
    rows["total"] = {"name": "Total", "role": "total", "contribution": total}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table["yoy"] = np.where(table.index == "total", total, np.nan)
    table.attrs["dimension"] = dimension
    return table


def test_waterfall_sorted_folded_and_honest_about_rounding():
    table = _breakdown({"european_union": ("European Union", 2.04),
                        "united_states": ("United States", -4.2),
                        "asean": ("ASEAN", 2.44), "new_zealand": ("New Zealand", 0.04),
                        "africa": ("Africa", 2.74), "other": ("Rest of world", 5.24)}, 8.3)
    rows = charts.waterfall_rows(table)
    # largest first, the US last among the parts; New Zealand (0.04 < 0.1 pp) folded into other
    assert list(rows["name"]) == ["Africa", "ASEAN", "European Union", "United States",
                                  "Rest of world and smaller partners"]  # fmt: skip
    assert rows.loc["other", "contribution"] == pytest.approx(5.28)  # 5.24 + 0.04
    assert rows.attrs["folded"] == ["New Zealand"]
    chart = charts.contribution_waterfall(table, "t", "src")
    # printed bars 2.7 + 2.4 + 2.0 - 4.2 + 5.3 = 8.2, not the total's 8.3: the subtitle says so
    assert "bars rounded to 0.1 pp add to +8.2" in chart.subtitle
    assert "+0.0" not in chart.alt and "New Zealand" in chart.alt.split("Folded")[1]
    # the US keeps its bar even when it adds almost nothing (+0.02 pp); Japan's folds
    quiet = _breakdown({"united_states": ("United States", 0.02), "japan": ("Japan", 0.03),
                        "asean": ("ASEAN", 4.1), "other": ("Rest of world", 1.0)}, 5.15)
    bars = charts.waterfall_rows(quiet)
    assert list(bars["name"]) == ["ASEAN", "United States", "Rest of world and smaller partners"]
    assert bars.attrs["folded"] == ["Japan"]
    exact = _breakdown({"a": ("A", 5.0), "other": ("Other (not listed above)", 3.3)}, 8.3,
                       "product")
    assert "rounded" not in charts.contribution_waterfall(exact, "t", "src").subtitle


def test_fan_chart_joins_actual_and_explains_janfeb():
    history = pd.Series([5.0, 6.0], index=pd.PeriodIndex(["2025-11", "2025-12"], freq="M"))
    index = pd.PeriodIndex(["2026-01", "2026-02", "2026-03"], freq="M")
    forecast = pd.DataFrame({FORECAST_YOY: [12.2, 12.2, -12.1], LO80: [5.6, 5.6, -18.3],
                             HI80: [19.3, 19.3, -5.4]}, index=index)  # fmt: skip
    chart = charts.fan_chart(history, forecast, "Forecast", "src")
    assert "starts from the last actual month" in chart.subtitle
    assert "Jan and Feb share one combined forecast" in chart.subtitle
    plain = charts.fan_chart(history, forecast.iloc[2:], "Forecast", "src")
    assert "combined" not in plain.subtitle


def test_small_multiples_thin_events_and_count_what_they_show():
    events = chartdata.events_in(pd.period_range("2025-01", "2025-12", freq="M"))
    thin = chartdata.thin_events(events)
    assert set(thin["kind"]) <= {"tariff", "truce"}
    # 2025: the February escalation, the Geneva truce (a turning point) and the October threat
    # (a turning point after the August extension); March and April steps and the August
    # extension (same kind, under 120 days after the last kept) are left out
    assert [f"{d:%Y-%m-%d}" for d in thin["date"]] == ["2025-02-04", "2025-05-12", "2025-10-10",
                                                       "2025-11-10"]  # fmt: skip
    index = pd.period_range("2024-10", "2025-09", freq="M")
    frame = pd.DataFrame({"yoy": 1.0, "yoy_price": -1.0, "yoy_volume": 2.0}, index=index)
    frame.attrs["of"] = 10
    chart = charts.price_volume_history_chart({"Steel": frame, "Ships": frame.copy()}, "export",
                                              "September 2025", "src")  # fmt: skip
    assert chart.title == ("Unit values fell y/y for 2 of the 2 largest export lines with "
                           "quantities (10 in all) in September 2025")


def test_theme_file_is_seaborns_whitegrid():
    """data/chart_theme.json holds what seaborn's set_theme sets (regenerate it with
    charts.write_theme_file after a seaborn upgrade), and drawing a chart needs no seaborn."""
    import json
    import subprocess
    import sys

    held = json.loads(charts.THEME_FILE.read_text(encoding="utf-8"))["rc"]
    assert held == json.loads(json.dumps(charts.seaborn_rc()))
    assert held["axes.edgecolor"] == ".8" and held["axes.grid"] is True  # whitegrid's
    code = ("import sys; from helpers import charts; charts.apply_theme(); "
            "print('seaborn' in sys.modules, 'scipy.stats' in sys.modules)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_a_line_over_time_with_one_month_is_a_sentence_not_a_chart():
    """One month of y/y in a three-year window (March 2026 on GAC's pages alone) draws no
    three-year axis around one dot: the chart says what it holds and what draws it; three
    months draw it."""
    index = pd.period_range("2023-04", "2026-03", freq="M")
    panel = pd.DataFrame(np.nan, index=index, columns=["export_yoy", "import_yoy",
                         "export_yoy_3m", "import_yoy_3m", "export_consensus_yoy",
                         "import_consensus_yoy"])  # fmt: skip
    panel.attrs.update(label="March 2026", currency="CNY", period=index[-1])
    panel.loc[index[-1], ["export_yoy", "import_yoy"]] = (-0.3, 23.5)
    shown = charts.growth_chart(panel, None)
    assert isinstance(shown, charts.Note)
    assert shown.text.startswith("Export and import growth: the data hold y/y growth for one "
                                 "month only (March 2026)")
    assert "at least 3 months" in shown.text and "fetch gac" in shown.text
    panel.loc[index[-3:], "export_yoy"] = (1.0, 2.0, -0.3)
    assert not isinstance(charts.growth_chart(panel, None), charts.Note)

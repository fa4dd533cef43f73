"""View helpers on a small hand-made dataset (expected values worked out by hand)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import breakdown, charts, headline, notebook
from helpers.data import Dataset
from helpers.figures import FigureSet
from helpers.paths import NOTEBOOKS_DIR
from helpers.schema import validate

MONTHS_2024 = pd.period_range("2024-01", "2024-12", freq="M")
MONTHS_2025 = pd.period_range("2025-01", "2025-03", freq="M")


def _rows(flow, partner, product, before, after, q_before=None, q_after=None):
    rows = []
    for months, value, qty in ((MONTHS_2024, before, q_before), (MONTHS_2025, after, q_after)):
        for p in months:
            rows.append({"period": str(p), "flow": flow, "partner": partner, "product": product,
                         "value": value, "currency": "USD", "quantity": qty,
                         "quantity_unit": "tonnes" if qty else None, "source": "hand",
                         "vintage": "2025-04-01"})  # fmt: skip
    return rows


@pytest.fixture(scope="module")
def tiny():
    """Exports 100 a month in 2024 and 110 in 2025; imports 80 then 84."""
    rows = (
        _rows("export", "WORLD", "TOTAL", 100, 110)
        + _rows("export", "WORLD", "electromechanical", 60, 69)
        + _rows("export", "WORLD", "integrated_circuits", 5, 8)
        + _rows("export", "WORLD", "steel", 10, 9, q_before=20, q_after=21)
        + _rows("export", "united_states", "TOTAL", 15, 12)
        + _rows("export", "european_union", "TOTAL", 14, 16)
        + _rows("import", "WORLD", "TOTAL", 80, 84)
    )
    trade = validate(pd.DataFrame(rows), "tiny")
    return Dataset(trade, Path("tiny"))


def test_product_breakdown_by_hand(tiny):
    table = breakdown.breakdown(tiny, "export", "product", "2025-03")
    # electromechanical 60 -> 69: +15%, contributes 9/100 = 9 pp
    assert table.at["electromechanical", "yoy"] == pytest.approx(15.0)
    assert table.at["electromechanical", "contribution"] == pytest.approx(9.0)
    # ICs (of which) 5 -> 8: +60%, 3 pp, shown but not added
    assert table.at["integrated_circuits", "role"] == "of_which"
    assert table.at["integrated_circuits", "contribution"] == pytest.approx(3.0)
    # steel 10 -> 9: -10%, -1 pp; other = 100-60-10 = 30 -> 110-69-9 = 32: +6.667%, +2 pp
    assert table.at["steel", "contribution"] == pytest.approx(-1.0)
    assert table.at["other", "yoy"] == pytest.approx(200 / 30)
    assert table.at["other", "contribution"] == pytest.approx(2.0)
    assert table.at["total", "yoy"] == pytest.approx(10.0)
    # 9 - 1 + 2 = 10: the parts and other add up to total growth
    assert breakdown.contribution_check(table) == pytest.approx(0.0, abs=1e-12)
    # share of electromechanical 69/110 = 62.727% vs 60%: +2.727 pp
    assert table.at["electromechanical", "share_change_yoy"] == pytest.approx(6900 / 110 - 60)


def test_price_volume_by_hand(tiny):
    table = breakdown.price_volume_table(tiny, "export", "2025-03")
    # steel: value 10 -> 9 (-10%), tonnes 20 -> 21 (+5%), unit value 0.5 -> 9/21 (-14.2857%)
    assert list(table.index) == ["steel"]
    assert table.at["steel", "yoy_volume"] == pytest.approx(5.0)
    assert table.at["steel", "yoy_price"] == pytest.approx((9 / 21 / 0.5 - 1) * 100)
    parts = table.at["steel", "contribution_price"] + table.at["steel", "contribution_volume"]
    assert parts == pytest.approx(-10)


def test_partner_breakdown_and_us_split(tiny):
    table = breakdown.breakdown(tiny, "export", "partner", "2025-03")
    # US 15 -> 12: -20%, -3 pp; EU 14 -> 16: +2 pp; rest 71 -> 82: +11 pp
    assert table.at["united_states", "contribution"] == pytest.approx(-3.0)
    assert table.at["european_union", "contribution"] == pytest.approx(2.0)
    assert table.at["other", "contribution"] == pytest.approx(11.0)
    split = breakdown.us_split(tiny, "export", "2025-03")
    # non-US 85 -> 98: +15.294%
    assert split.at["non_us", "yoy"] == pytest.approx((98 / 85 - 1) * 100)
    assert split.at["non_us", "contribution"] == pytest.approx(13.0)


def test_headline_by_hand(tiny):
    h = headline.headline(tiny, "2025-03")
    assert h.flows["export"]["yoy"] == pytest.approx(10.0)
    assert h.flows["import"]["yoy"] == pytest.approx(5.0)
    # balance 110 - 84 = 26 (as bn of currency units: values are tiny, so 26e-9 bn)
    assert h.balance == pytest.approx(26e-9)
    assert h.balance_change_yoy == pytest.approx(6e-9)
    assert "No export consensus" in " ".join(h.notes)
    text = headline.summary(h)
    assert text.startswith("Exports rose 10.0% y/y in dollar terms in March 2025")
    # February's y/y is the folded Jan-Feb against Jan-Feb: 220/200 - 1 = +10.0%
    assert "unchanged from 10.0% in February" in text
    figures = FigureSet()
    headline.record(figures, h)
    frame = figures.frame().set_index(["metric", "flow", "period"])
    assert frame.loc[("yoy", "export", "2025-03"), "value"] == pytest.approx(10.0)
    assert frame.loc[("yoy_quarter", "export", "2025-Q1"), "value"] == pytest.approx(10.0)


def test_sample_janfeb_period_is_combined(sample):
    h = headline.headline(sample, "2025-01")
    assert h.is_janfeb and h.label == "January–February 2025"
    assert h.period == pd.Period("2025-02", "M")
    jf = sample.levels("export")
    expected = (jf[pd.Period("2025-02", "M")] / jf[pd.Period("2024-02", "M")] - 1) * 100
    assert h.flows["export"]["yoy"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"period": "2025-13"}, "write it as YYYY-MM"),
        ({"period": "Sept 2025"}, "write it as YYYY-MM"),
        ({"period": "2030-01"}, "not in the data"),
        ({"currency": "EUR"}, "choose from USD, CNY"),
        ({"data": "/no/such/place"}, "does not exist"),
    ],
)
def test_bad_parameters_raise_one_clear_error(kwargs, message):
    arguments = {"period": "2025-09", "data": "", "currency": "USD", "output_dir": ""} | kwargs
    with pytest.raises(notebook.ParameterError, match=message):
        notebook.start("headline", **arguments)


NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_committed_clean_and_parameterised(path):
    book = json.loads(path.read_text())
    code = [c for c in book["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    source = "".join(tagged[0]["source"])
    for name in ("period: str", "data: str", "currency: str", "output_dir: str"):
        assert name in source
    assert book["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_papermill_reads_every_parameter_with_its_help(path, caplog):
    import papermill as pm

    source = next("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                  if "parameters" in c.get("metadata", {}).get("tags", []))  # fmt: skip
    defined = [line.split(":")[0] for line in source.splitlines() if line and line[0] != "#"]
    # `papermill --help-notebook` shows each parameter's comment; an "=" in a comment made
    # papermill skip the line with a warning ("Unable to parse line 2 ...")
    params = pm.inspect_notebook(str(path))
    assert list(params) == defined and all(p["help"] for p in params.values())
    assert "Unable to parse" not in caplog.text


def test_five_views_exist():
    names = [p.stem.split("_", 1)[1] for p in NOTEBOOKS]
    assert names == ["headline", "product", "regional", "imports", "outlook"]


def test_index_notes_show_consensus_surprise_and_balance_change():
    from helpers.report.index_page import headline_notes

    figures = pd.DataFrame(
        [
            ["consensus_yoy", "export", "total", "2025-09", 6.6, "pct"],
            ["surprise", "export", "total", "2025-09", 1.7, "pp"],
            ["balance_change_yoy", "net", "total", "2025-09", -8.8, "usd_bn"],
        ],
        columns=["metric", "flow", "dimension", "period", "value", "unit"],
    )
    assert headline_notes(figures, "2025-09") == [
        "consensus +6.6%, surprise +1.7 pp",
        "no consensus in the data",
        "−USD 8.8 bn on a year earlier",
    ]


def test_summary_without_the_year_ago_month_gives_the_printed_year_to_date():
    """A store holding only 2025 (exports 110 a month, imports 84) and GAC's printed
    January-March y/y (+12.5% exports): the summary names the missing month and says the
    year to date instead of going quiet; imports have no printed YTD and say only what is
    missing."""
    rows = [r for r in _rows("export", "WORLD", "TOTAL", 100, 110)
            + _rows("import", "WORLD", "TOTAL", 80, 84) if r["period"] >= "2025-01"]  # fmt: skip
    trade = validate(pd.DataFrame(rows), "only-2025")
    printed = pd.DataFrame([{"flow": "export", "partner": "WORLD", "product": "TOTAL",
                             "currency": "USD", "period": pd.Period("2025-03", "M"),
                             "value": 12.5}])  # fmt: skip
    h = headline.headline(Dataset(trade, Path("only-2025"), printed_ytd=printed), "2025-03")
    text = headline.summary(h)
    assert ("Over January-March 2025 exports rose 12.5% y/y in dollar terms as GAC printed it; "
            "no y/y for March 2025 itself (the data lack March 2024).") in text
    assert "Imports: no y/y either." in text and text.count("the data lack") == 1
    assert "nan" not in text


def test_waterfall_falls_back_to_the_year_to_date():
    """June 2026 on GAC's pages: no month contributions (no June 2025), but year-to-date ones.
    Total YTD +10.0%, parts +6.0 and +3.0 pp: the residual line adds the remaining +1.0 pp."""
    month = pd.DataFrame({"name": ["A", "B", "Rest of world", "Total exports"],
                          "role": ["part", "part", "other", "total"],
                          "contribution": [np.nan] * 4, "yoy": [np.nan] * 4},
                         index=["a", "b", "other", "total"])  # fmt: skip
    ytd = pd.DataFrame({"name": ["Total exports", "A", "B", "A1"],
                        "role": ["total", "part", "part", "of_which"],
                        "ytd_yoy": [10.0, 12.0, 5.0, 30.0],
                        "contribution_ytd": [np.nan, 6.0, 3.0, 2.0],
                        "contribution_ytd_basis": [None, "derived", "derived", "derived"]},
                       index=["total", "a", "b", "a1"])  # fmt: skip
    ytd.attrs["label"] = "January\u2013June 2026"
    frame = breakdown.waterfall_table(month, ytd)
    assert frame.attrs["ytd"] and frame.attrs["derived"]
    assert frame.attrs["label"] == "January\u2013June 2026"
    assert frame["contribution"].to_dict() == {"a": 6.0, "b": 3.0, "other": 1.0, "total": 10.0}
    assert frame.at["other", "name"] == "Rest of world" and "a1" not in frame.index
    rows = charts.waterfall_rows(frame)
    assert rows["contribution"].sum() == pytest.approx(10.0)
    # a part without its YTD contribution: no chart that would hide it in the residual
    gap = ytd.assign(contribution_ytd=[np.nan, 6.0, np.nan, 2.0])
    assert breakdown.waterfall_table(month, gap) is month
    # the month's own contributions come first
    held = month.assign(contribution=[1.0, 2.0, 0.5, 3.5])
    assert breakdown.waterfall_table(held, ytd) is held


def test_quantities_without_a_year_earlier_say_so_instead_of_a_row_of_dashes():
    """Steel's tonnes held for 2025 only (GAC's June 2026 page without June 2025's): no row
    of dashes, and no claim that the data hold no quantities."""
    rows = (_rows("export", "WORLD", "TOTAL", 100, 110)
            + _rows("export", "WORLD", "steel", 10, 9, q_before=None, q_after=21))  # fmt: skip
    ds = Dataset(validate(pd.DataFrame(rows), "tonnes-2025"), Path("tonnes-2025"))
    table = breakdown.price_volume_table(ds, "export", "2025-03")
    assert table.empty
    assert table.attrs["empty"].startswith("Price and volume, March 2025: the data hold no "
                                           "export quantities for both this month and a year "
                                           "earlier")  # fmt: skip
    shown = charts.price_volume_bars(table, "Exports: unit value and volume, March 2025")
    assert "no quantities" not in shown.text and "reason given above" in shown.text


def test_us_against_everyone_else_over_the_year_to_date(tmp_path, capsys):
    """GAC's section (4) fixture for July 2024 (USD): imports Jan-Jul USD 1,400bn, +3.5% as
    printed; from the US USD 80bn, +1.0%. No 2023 levels, so the bases are derived:
    world 1400 / 1.035 = 1352.657, US 80 / 1.01 = 79.208, everyone else 1320 against
    1273.449: +3.6555%, contributing (1320 - 1273.449) / 1352.657 = 3.4414 pp."""
    from helpers.data import load_dataset
    from helpers.ingest import importer

    page = Path(__file__).parent / "fixtures" / "gac" / "by_country_2024-07_USD.html"
    assert importer.main(["gac", str(page), "--store", str(tmp_path)]) == 0
    capsys.readouterr()
    split = breakdown.us_split(load_dataset(tmp_path), "import", "2024-07", "USD")
    rest, us = split.loc["non_us"], split.loc["united_states"]
    assert rest["level_ytd"] == pytest.approx(1320.0)
    assert rest["ytd_yoy"] == pytest.approx(3.655499, abs=1e-5)
    assert rest["ytd_yoy_basis"] == "derived"
    # the smallest base: the world's at +3.55% (1400 / 1.0355) less the US's at +0.95%
    # (80 / 1.0095): 1320 / 1272.752 - 1 = +3.7119%
    assert rest["ytd_yoy_high"] == pytest.approx(3.711887, abs=1e-5)
    assert rest["contribution_ytd"] == pytest.approx(3.441443, abs=1e-5)
    assert us["ytd_yoy"] == 1.0 and us["ytd_yoy_basis"] == "printed"
    assert us["contribution_ytd"] == pytest.approx(0.058557, abs=1e-5)
    # exports: the page prints no US YTD rate, so no year-to-date split is claimed
    exports = breakdown.us_split(load_dataset(tmp_path), "export", "2024-07", "USD")
    assert "ytd_yoy" not in exports


def test_lines_of_other_months_only_show_the_total_and_where_the_lines_are():
    """Lines held in CNY for 2024 only, and in USD for March 2025 (GAC's March 2026 product
    page is in USD, the May 2025 one in CNY): a CNY breakdown for March 2025 shows the total
    alone, says so, and names the currency holding the month's lines."""
    cny = [dict(r, currency="CNY") for r in _rows("export", "WORLD", "TOTAL", 700, 770)
           + _rows("export", "WORLD", "electromechanical", 420, 480)
           if r["product"] == "TOTAL" or r["period"] < "2025-01"]  # fmt: skip
    usd = [r for r in _rows("export", "WORLD", "electromechanical", 60, 69)
           if r["period"] >= "2025-01"]  # fmt: skip
    # as a store holds them (one file may not mix a series' currencies; two imports do)
    trade = pd.concat([validate(pd.DataFrame(cny), "cny"), validate(pd.DataFrame(usd), "usd")],
                      ignore_index=True)  # fmt: skip
    ds = Dataset(trade, Path("mixed"))
    table = breakdown.breakdown(ds, "export", "product", "2025-03", "CNY")
    assert list(table.index) == ["total"]
    assert table.at["total", "yoy"] == pytest.approx(10.0)
    assert breakdown.additivity_note(table) == (
        "**The data hold no export lines by product in CNY for March 2025**: only the total is "
        "shown. GAC's table for March 2025 is held in USD: build the report with --currency USD "
        "to see it.")


def test_an_unnamed_year_to_date_waterfall_is_shown_not_kept(tiny, tmp_path):
    """The imports page draws its YTD waterfalls without keeping them for the note; the
    product page keeps its one as export_contributions_by_product_ytd."""
    from helpers import views

    month = pd.DataFrame({"name": ["A", "Other", "Total"], "role": ["part", "other", "total"],
                          "contribution": [np.nan] * 3, "yoy": [np.nan] * 3},
                         index=["a", "other", "total"])  # fmt: skip
    ytd = pd.DataFrame({"name": ["Total", "A"], "role": ["total", "part"], "ytd_yoy": [10.0, 12.0],
                        "contribution_ytd": [np.nan, 6.0]}, index=["total", "a"])  # fmt: skip
    ytd.attrs["label"] = "January\u2013March 2025"
    ctx = views.context("imports", tiny, "2025-03")
    ctx.output_dir = str(tmp_path)
    chart = ctx.contribution_chart(month, ytd, "import growth by product")
    assert chart.title == ("Contributions to year-to-date import growth by product, "
                           "January\u2013March 2025 (pp)")
    assert not (tmp_path / "charts").exists()
    ctx.contribution_chart(month, ytd, "export growth", "export_contributions_by_product")
    assert sorted(p.name for p in (tmp_path / "charts").glob("*.png")) == [
        "export_contributions_by_product_ytd.png"]

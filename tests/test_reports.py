"""The real five views through the runner on the bundled sample (slow: runs every notebook)."""

from __future__ import annotations

import hashlib
import json
import os

import pandas as pd
import pytest

from conftest import CHROMIUM, open_page
from helpers import reconcile
from helpers.contract import ParameterError
from helpers.figures import round_half_up
from helpers.paths import NOTEBOOKS_DIR, PUBLISHED_DIR, SAMPLE_DIR
from helpers.report.runner import run_report

pytestmark = pytest.mark.slow
KEY = ["metric", "flow", "dimension", "item", "period"]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Reports for September 2025, August 2025 and January(-February) 2025."""
    out = tmp_path_factory.mktemp("reports")
    built = {p: run_report(p, out=out, progress=None) for p in ("2025-09", "2025-08", "2025-01")}
    return out, built


def _figures(folder) -> pd.DataFrame:
    return pd.read_csv(folder / "figures.csv", dtype={"period": str}).set_index(KEY)


def test_layout(reports):
    _, built = reports
    folder = built["2025-09"]
    names = {p.name for p in folder.iterdir()}
    views = {"headline", "product", "regional", "imports", "outlook"}
    assert {f"{v}.html" for v in views} | {"index.html", "figures.csv", "manifest.json"} <= names


def test_every_published_figure_is_in_figures_csv(reports):
    _, built = reports
    figures = _figures(built["2025-09"])
    published = reconcile.read_published(PUBLISHED_DIR / "2025-09.csv")
    missing, wrong = [], []
    for row in published.itertuples(index=False):
        key = (row.metric, row.flow, row.dimension, row.item, row.period)
        if key not in figures.index:
            missing.append(key)
        elif abs(float(figures.loc[key, "value"]) - float(row.value)) > 1e-9:
            wrong.append((key, figures.loc[key, "value"], row.value))
    assert not missing and not wrong, (missing, wrong)


def test_reconciliation_in_the_report(reports):
    _, built = reports
    folder = built["2025-09"]
    published = reconcile.read_published(PUBLISHED_DIR / "2025-09.csv")
    check = pd.read_csv(folder / "reconciliation.csv", dtype={"period": str})
    assert len(check) == len(published) and set(check["status"]) == {"matches"}
    row = check.set_index(KEY).loc[("yoy", "export", "total", "total", "2025-09")]
    assert row["published"] == 8.3 and abs(row["computed"] - 8.3) < 0.05
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["reconciliation"]["matches"] == len(published)
    index = (folder / "index.html").read_text()
    assert (f"All {len(published)} published figures are reproduced to their printed "
            "precision.") in index  # fmt: skip
    headline = (folder / "headline.html").read_text()
    assert "published figures checked here are reproduced" in headline
    # no published file for August: no check, no section
    assert not (built["2025-08"] / "reconciliation.csv").exists()
    assert "Computed vs published" not in (built["2025-08"] / "index.html").read_text()


def test_reconciliation_of_a_partial_build(tmp_path):
    path = run_report("2025-09", views=["headline"], out=tmp_path, progress=None)
    check = pd.read_csv(path / "reconciliation.csv", dtype={"period": str})
    # the headline computes the totals (10 rows of the file); product and partner rows are
    # the other views' and, with those views not built, not checked (rather than "not computed")
    totals = check["dimension"] == "total"
    assert totals.sum() == 10 and set(check.loc[totals, "status"]) == {"matches"}
    assert set(check.loc[~totals, "status"]) == {"not checked"}
    assert ("the other 38 belong to views not built in this run: not checked"
            in (path / "index.html").read_text())  # fmt: skip


def test_august_figures(reports):
    _, built = reports
    figures = _figures(built["2025-08"])["value"]
    # August 2025 as published: exports +4.4%, imports +1.3%, electromechanical +7.1%,
    # autos and parts +12.0%, to the US -33.0%, EU +10.4%, ASEAN +22.5%
    assert figures["yoy", "export", "total", "total", "2025-08"] == 4.4
    assert figures["yoy", "import", "total", "total", "2025-08"] == 1.3
    assert figures["yoy", "export", "product", "electromechanical", "2025-08"] == 7.1
    assert figures["yoy", "export", "product", "autos_and_parts", "2025-08"] == 12.0
    assert figures["yoy", "export", "partner", "united_states", "2025-08"] == -33.0
    assert figures["yoy", "export", "partner", "european_union", "2025-08"] == 10.4
    assert figures["yoy", "export", "partner", "asean", "2025-08"] == 22.5


def test_janfeb_figures_are_combined(reports):
    _, built = reports
    figures = _figures(built["2025-01"])["value"]
    # Independent of the kit: the stored combined Jan-Feb rows, read straight from the file
    trade = pd.read_parquet(SAMPLE_DIR / "trade.parquet")
    world = trade[
        (trade["partner"] == "WORLD") & (trade["product"] == "TOTAL") & (trade["currency"] == "USD")
    ].set_index(["flow", "period"])["value"]
    for flow in ("export", "import"):
        expected = (world[flow, "2025-02"] / world[flow, "2024-02"] - 1) * 100
        assert figures["yoy", flow, "total", "total", "2025-02"] == round(expected, 1)
    balance = (world["export", "2025-02"] - world["import", "2025-02"]) / 1e9
    assert figures["balance", "net", "total", "total", "2025-02"] == round(balance, 1)
    assert figures["coverage_months", "net", "total", "total", "2025-02"] == 2
    headline = (built["2025-01"] / "headline.html").read_text(encoding="utf-8")
    assert "January–February 2025" in headline


def _digests(folder):
    return {
        p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_bad_data_fails_clearly_and_keeps_the_previous_report(reports, tmp_path):
    out, built = reports
    before = _digests(built["2025-09"])
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "period,flow,partner,product,value,currency,source,vintage\n"
        "2025-09,export,WORLD,TOTAL,-5,USD,test,2025-10-13\n"
    )
    with pytest.raises(ParameterError) as info:  # checked before any notebook starts
        run_report("2025-09", data=bad, views="headline", out=out, progress=None)
    message = str(info.value)
    assert "bad.csv, line 2, column 'value': negative value -5" in message
    assert not (out / "2025-09.failed").exists()
    assert _digests(built["2025-09"]) == before


@pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"{CHROMIUM} not installed")
@pytest.mark.parametrize("page_name", ["index", "headline", "regional", "outlook"])
def test_pages_in_chromium(reports, browser, page_name):
    _, built = reports
    page, seen = open_page(browser, (built["2025-09"] / f"{page_name}.html").as_uri())
    assert seen == {"errors": [], "failed": [], "remote": []}
    sizes = page.eval_on_selector_all(
        "img", "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight])"
    )
    if page_name != "index":
        assert len(sizes) >= 2 and all(ok and w > 0 and h > 0 for ok, w, h in sizes)
    page.close()


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS_DIR.glob("*.ipynb")), ids=lambda p: p.stem)
def test_notebook_runs_with_its_defaults(notebook, tmp_path):
    """As in JupyterLab: no injected parameters, the kernel started in notebooks/."""
    import papermill

    executed = papermill.execute_notebook(
        str(notebook), str(tmp_path / notebook.name), kernel_name="python3",
        cwd=str(NOTEBOOKS_DIR), progress_bar=False,
    )  # fmt: skip
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert not list(tmp_path.glob("figures_*.csv"))  # no output_dir: nothing written


# Issue 12: every chart is found in its view by its alt text, drawn from the figures' numbers.
CHARTS = {
    "headline": ["Line chart of China's exports and imports, % y/y",
                 "Seasonally adjusted exports and imports", "Bar chart of China's monthly trade"],
    "product": ["Waterfall chart of contributions", "Stacked bar chart of contributions to export "
                "growth by product group", "Line chart of export y/y growth by product group",
                "Horizontal bar chart of unit value and volume growth",
                "Small-multiple line charts, one per export line"],
    "regional": ["Stacked bar chart of contributions to export growth by destination",
                 "Line chart of the United States' share of China's exports and imports",
                 "Heatmap of y/y growth"],
    "imports": ["Horizontal bar chart of unit value and volume growth",
                "Small-multiple line charts, one per import line"],
}  # fmt: skip


@pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"{CHROMIUM} not installed")
@pytest.mark.parametrize("view", sorted(CHARTS))
def test_charts_found_by_alt_text(reports, browser, view):
    _, built = reports
    page, seen = open_page(browser, (built["2025-09"] / f"{view}.html").as_uri())
    assert seen == {"errors": [], "failed": [], "remote": []}
    for alt in CHARTS[view]:
        image = page.locator(f'img[alt^="{alt}"]')
        assert image.count() == 1, alt
        width, natural = image.evaluate("e => [e.getBoundingClientRect().width, e.naturalWidth]")
        # drawn at 2x its display size (or more, where the page is narrower than the chart)
        assert width > 600 and natural >= 2 * round(width)
    page.close()


def test_pages_are_light_and_janfeb_is_labelled(reports):
    import re

    _, built = reports
    for view in ("headline", "product", "regional", "imports", "outlook"):
        html = (built["2025-09"] / f"{view}.html").read_text(encoding="utf-8")
        images = sum(map(len, re.findall(r"data:image/png;base64,[A-Za-z0-9+/=]+", html)))
        assert len(html.encode()) - images < 150_000, view
        assert "nan%" not in html and ".build-" not in html
    janfeb = built["2025-01"]
    index = (janfeb / "index.html").read_text(encoding="utf-8")
    assert "China trade — January–February 2025" in index
    assert not re.search(r"(?<!–)February 2025", index)  # never the bare month
    regional = (janfeb / "regional.html").read_text(encoding="utf-8")
    assert re.search(r'alt="Heatmap of y/y growth[^"]* to Jan-Feb 25;', regional)
    headline = (janfeb / "headline.html").read_text(encoding="utf-8")
    assert "Combined January-February bars are hatched." in headline


def test_chart_numbers_are_the_figures(reports, sample):
    """The charts' latest points, rounded as figures.csv rounds, are figures.csv's values."""
    from helpers import chartdata

    _, built = reports
    figures = _figures(built["2025-09"])["value"]
    t = "2025-09"
    growth = chartdata.growth_panel(sample, t, 36).iloc[-1]
    share = chartdata.us_share_history(sample, t, 36).iloc[-1]
    contributions = chartdata.contribution_history(sample, "export", "partner", t, 36).iloc[-1]
    checks = {
        ("yoy", "export", "total", "total", t): growth["export_yoy"],
        ("yoy_3m", "import", "total", "total", t): growth["import_yoy_3m"],
        ("consensus_yoy", "export", "total", "total", t): growth["export_consensus_yoy"],
        ("share", "export", "partner", "united_states", t): share["export_share"],
        ("share", "import", "partner", "united_states", t): share["import_share"],
        ("contribution", "export", "partner", "asean", t): contributions["asean"],
        ("balance", "net", "total", "total", t):
            chartdata.balance_panel(sample, t, 36).iloc[-1]["balance"],
    }  # fmt: skip
    for frame in chartdata.price_volume_history(sample, "import", t, 36).values():
        code = frame.attrs["code"]
        checks["yoy_price", "import", "product", code, t] = frame.iloc[-1]["yoy_price"]
        checks["yoy_volume", "import", "product", code, t] = frame.iloc[-1]["yoy_volume"]
    for key, value in checks.items():
        assert round_half_up(value, 1) == figures[key], key

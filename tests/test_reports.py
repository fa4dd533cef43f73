"""The real five views through the runner on the bundled sample (slow: runs every notebook)."""

from __future__ import annotations

import hashlib
import os

import pandas as pd
import pytest

from conftest import CHROMIUM, open_page
from helpers import reconcile
from helpers.contract import ParameterError
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

"""The view registry (data/views.csv): what it says, its errors, and a sixth view added with one
row, one notebook and one function, built by the runner beside the others."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers import contract, coverage, views
from helpers.contract import ParameterError, view_registry, view_spec
from helpers.data import load_dataset
from helpers.paths import DATA_DIR, NOTEBOOKS_DIR
from helpers.report import runner
from helpers.report.index_page import render_index

HEADER = "view,notebook,function,needs,lines,lines_suffice,drill,weight,blurb\n"


@pytest.fixture
def registry_file(tmp_path, monkeypatch):
    """Write a registry file, point CTK_VIEWS at it, and forget the cached one afterwards."""

    def write(text: str) -> Path:
        path = tmp_path / "views.csv"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv("CTK_VIEWS", str(path))
        return path

    yield write
    monkeypatch.delenv("CTK_VIEWS", raising=False)


def test_registry_rows():
    assert contract.views() == ("headline", "product", "regional", "imports", "outlook")
    product = view_spec("product")
    assert product.notebook == "2_product.ipynb" and product.drill and product.lines_suffice
    assert product.needs == (("total", "export"),)
    assert product.lines == ("export_products", "export")
    assert view_spec("headline").needs == (("total", "export"), ("total", "import"))
    assert view_spec("outlook").weight == 2
    assert [s.view for s in view_registry() if s.drill] == ["product", "regional"]


def test_every_registered_view_has_its_notebook_and_function():
    for spec in view_registry():
        assert (NOTEBOOKS_DIR / spec.notebook).is_file(), spec.notebook
        function = spec.compute()
        assert callable(function) and function.__doc__
        assert list(inspect.signature(function).parameters)[0] == "ctx"
        nb = nbformat.read(NOTEBOOKS_DIR / spec.notebook, as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert f'notebook.start("{spec.view}"' in code and "views.compute(ctx" in code


def test_unknown_view_is_a_parameter_error():
    with pytest.raises(ParameterError, match="unknown view 'tariffs': choose from headline, "):
        view_spec("tariffs")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("extra,6_extra.ipynb,m.f,total:exports,,no,no,1,Blurb", "line 2: 'total:exports' is not "
                                                                  "KIND:FLOW"),
        ("extra,6_extra.ipynb,m.f,total:export,,maybe,no,1,Blurb", "line 2: 'maybe' is not yes"),
        ("extra,6_extra.ipynb,m.f,total:export,,no,no,heavy,Blurb", "line 2: weight 'heavy'"),
        ("extra,,m.f,total:export,,no,no,1,Blurb", "line 2: empty or missing notebook"),
        ("headline,1_headline.ipynb,m.f,total:export,,no,no,1,B\n"
         "headline,1_headline.ipynb,m.f,total:export,,no,no,1,B", "headline listed twice"),
    ],
)
def test_registry_errors_name_the_line(registry_file, row, message):
    path = registry_file(HEADER + row + "\n")
    with pytest.raises(ParameterError, match=message) as error:
        contract.view_registry()
    assert str(path) in str(error.value)


def test_coverage_reads_the_registry(registry_file, sample):
    """What a view needs comes from the registry: a view needing imports lacks them in a month
    the data do not hold, and a view with no lines shows no held lines."""
    text = (DATA_DIR / "views.csv").read_text(encoding="utf-8")
    registry_file(text + "extra,6_extra.ipynb,m.f,total:import,,no,no,1,Extra\n")
    gaps = coverage.missing_tables(sample, "extra", "1990-01", "USD")
    assert [(g.kind, str(g.period)) for g in gaps] == [("total", "1990-01")]
    assert coverage.held_lines(sample, "extra", "2025-09", "USD")[0].empty


def test_index_blurbs_come_from_the_registry():
    figures = pd.DataFrame(columns=["metric", "flow", "dimension", "item", "period", "value",
                                    "unit", "view"])  # fmt: skip
    html = render_index("2025-09", "USD", ["headline", "imports"], figures, {})
    assert view_spec("imports").blurb in html and view_spec("headline").blurb in html


# --------------------------------------------------------------------------- a sixth view

EXTRA_MODULE = '''"""A throwaway view: the month's world exports, recorded."""


def extra_view(ctx):
    """World exports in the month (bn of the currency), recorded as `level`."""
    value = ctx.ds.folded("export", currency=ctx.currency).loc[ctx.when.period] / 1e9
    ctx.figures.add("level", "export", "total", "total", ctx.when.period, value)
    return value
'''
EXTRA_CELL = '''from helpers import notebook, views

ctx = notebook.start("extra", period, data, currency, output_dir)
value = views.compute(ctx)
print(f"world exports {value:.1f} bn")
ctx.save_figures();'''


@pytest.mark.slow
def test_a_sixth_view_is_one_row_one_notebook_one_function(registry_file, tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "extra_view_module.py").write_text(EXTRA_MODULE, encoding="utf-8")
    params = new_code_cell('period: str = "2025-09"\ndata: str = ""\ncurrency: str = "USD"\n'
                           'output_dir: str = ""')  # fmt: skip
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[params, new_code_cell(EXTRA_CELL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}  # fmt: skip
    nbformat.write(nb, notebooks / "6_extra.ipynb")
    text = (DATA_DIR / "views.csv").read_text(encoding="utf-8")
    registry_file(text + "extra,6_extra.ipynb,extra_view_module.extra_view,total:export,,no,no,1,"
                         "World exports in one number.\n")  # fmt: skip
    out = tmp_path / "reports"
    path = runner.run_report("2025-09", views="extra", out=out, notebooks_dir=notebooks,
                             progress=None)  # fmt: skip
    figures = pd.read_csv(path / "figures.csv")
    assert figures[["metric", "view"]].values.tolist() == [["level", "extra"]]
    # September 2025's world exports in the bundled sample, as the headline view records them
    ds_value = views.all_figures(load_dataset(None), "2025-09").query(
        "metric == 'level' and flow == 'export' and dimension == 'total'")["value"].iloc[0]
    assert figures["value"].iloc[0] == round(ds_value, 1)
    assert "World exports in one number." in (path / "index.html").read_text()
    assert "world exports" in (path / "extra.html").read_text()
    assert json.loads((path / "manifest.json").read_text())["parameters"]["views"] == ["extra"]

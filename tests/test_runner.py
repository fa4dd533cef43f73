"""Report runner: stand-in notebooks in tests/fixtures/notebooks, built into tmp_path."""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
from datetime import datetime
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers import figures
from helpers.figures import FiguresFileError
from helpers.paths import SAMPLE_DIR
from helpers.report import runner, workers
from helpers.report.runner import ParameterError, ReportError, run_report

STANDINS = Path(__file__).resolve().parent / "fixtures" / "notebooks"
VIEWS = ["headline", "product", "regional", "imports", "outlook"]
CDN_TAG = re.compile(
    r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*[\"']?\s*(https?:)?//", re.I
)


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under folder, keyed by relative path."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(out: Path) -> list[str]:
    """Temporary build/trash folders left in the reports folder."""
    return [p.name for p in out.iterdir() if p.name.startswith((".build-", ".trash-"))]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """One full five-view build of the stand-ins on the default (sample) data."""
    out = tmp_path_factory.mktemp("reports")
    lines: list[str] = []
    path = run_report("2025-09", out=out, notebooks_dir=STANDINS, progress=lines.append)
    return path, lines


# --------------------------------------------------------------------------- fast checks


@pytest.mark.parametrize("bad", ["2025-9", "2025-13", "2025-00", "202509", "25-09", "", "2025-09x"])
def test_bad_period_fails_before_anything_runs(tmp_path, bad):
    out = tmp_path / "reports"
    calls: list[str] = []
    with pytest.raises(ParameterError, match="YYYY-MM"):
        run_report(bad, out=out, notebooks_dir=STANDINS, progress=calls.append)
    assert calls == [] and not out.exists()


def test_main_bad_period_exit_code(tmp_path, capsys):
    out = tmp_path / "reports"
    rc = runner.main(["run", "--period", "2025-9", "--out", str(out), "--notebooks", str(STANDINS)])
    assert rc == 2
    assert "invalid period '2025-9': write it as YYYY-MM" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"views": "headline,tariffs"}, "unknown view"),
        ({"views": []}, "unknown view"),
        ({"currency": "EUR"}, "invalid currency"),
        ({"data": "/nonexistent/trade.csv"}, "data path not found"),
        ({"notebooks_dir": "/nonexistent"}, "notebook\\(s\\) missing"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, message):
    kwargs = {"notebooks_dir": STANDINS, **kwargs}
    with pytest.raises(ParameterError, match=message):
        run_report("2025-09", out=tmp_path / "r", progress=None, **kwargs)
    assert not (tmp_path / "r").exists()


def test_check_views_order_and_forms():
    assert runner.check_views(None) == VIEWS
    assert runner.check_views("all") == VIEWS
    assert runner.check_views("outlook, Headline") == ["headline", "outlook"]
    assert runner.check_views(["product"]) == ["product"]


def test_help(capsys):
    assert runner.main(["run", "--help"]) == 0
    out = capsys.readouterr().out
    for flag in ("--period", "--data", "--views", "--out", "--currency", "--show-code"):
        assert flag in out


def test_round_value():
    assert figures.round_value(8.25, "x", "pct") == 8.3  # half-up, not banker's rounding
    assert figures.round_value(-8.25, "x", "pct") == -8.3
    assert figures.round_value(7.4449, "x", "pp") == 7.4
    assert figures.round_value(90.45, "x", "usd_bn") == 90.5
    assert figures.round_value(1.23456, "x", "ratio") == 1.23
    assert figures.round_value(328456.789, "x", "usd_mn") == 328456.789
    assert math.isnan(figures.round_value(float("nan"), "x", "pct"))


def test_combine_figures_sorted_stably():
    cols = figures.PUBLISHED_COLUMNS
    outlook = pd.DataFrame(
        [["yoy", "export", "total", "total", "2025-09", 1.06, "pct"]], columns=cols
    )
    headline = pd.DataFrame(
        [
            ["yoy", "import", "total", "total", "2025-09", 7.44, "pct"],
            ["level", "export", "total", "total", "2025-09", 12.345, "usd_mn"],
            ["yoy", "import", "total", "total", "2025-09", 2.0, "pct"],  # duplicate key: kept 2nd
        ],
        columns=cols,
    )
    out = figures.combine_figures({"outlook": outlook, "headline": headline}, VIEWS)
    assert list(out.columns) == [*figures.FIGURE_COLUMNS, "view"]
    assert out["basis"].tolist() == ["computed"] * 4  # the 7-column vocabulary: computed
    assert out["view"].tolist() == ["headline"] * 3 + ["outlook"]
    assert out["metric"].tolist() == ["level", "yoy", "yoy", "yoy"]
    assert out["value"].tolist() == [12.345, 7.4, 2.0, 1.1]


def test_combine_figures_missing_column():
    bad = pd.DataFrame({"metric": ["yoy"], "value": [1.0]})
    with pytest.raises(FiguresFileError, match="figures_headline.csv lacks column"):
        figures.combine_figures({"headline": bad}, VIEWS)


def test_hash_data(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.csv").write_bytes(b"b")
    (tmp_path / "sub" / "a.csv").write_bytes(b"a")
    rows = runner.hash_data(tmp_path)
    assert [r["path"] for r in rows] == ["b.csv", "sub/a.csv"]
    assert rows[0]["sha256"] == hashlib.sha256(b"b").hexdigest()
    assert runner.hash_data(tmp_path / "b.csv")[0]["path"] == "b.csv"


def test_template_is_offline(tmp_path):
    """The offline template drops require.js, MathJax, Mermaid; code hidden unless asked."""
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("Math $x^2$ and text"),
            nbformat.v4.new_code_cell("secret_code_marker = 1"),
        ]
    )
    src = tmp_path / "nb.ipynb"
    nbformat.write(nb, src)
    for show in (False, True):
        html = tmp_path / f"nb-{show}.html"
        workers._export_html(src, html, show, {"metadata": {"name": "t"}})
        text = html.read_text()
        assert not CDN_TAG.search(text)
        assert "require.min.js" not in text and "mathjax" not in text.lower()
        assert "mermaid" not in text.lower()
        assert "Math $x^2$ and text" in text
        assert ("secret_code_marker" in text) is show


# --------------------------------------------------------------------------- full builds


@pytest.mark.slow
def test_full_run_layout(report):
    path, lines = report
    assert path.name == "2025-09"
    names = {p.name for p in path.iterdir()}
    assert {"index.html", "figures.csv", "manifest.json", "notebooks"} <= names
    assert {f"{v}.html" for v in VIEWS} <= names
    assert "sample_flag" not in names and "logs" not in names
    assert sorted(p.name for p in (path / "notebooks").iterdir()) == sorted(
        f"{v}.ipynb" for v in VIEWS
    )
    assert leftovers(path.parent) == []
    assert not (path.parent / "2025-09.failed").exists()
    for v in VIEWS:
        assert any(re.search(rf"{v}\s+started", ln) for ln in lines)
        assert any(re.search(rf"{v}\s+done in \d+\.\d s", ln) for ln in lines)


@pytest.mark.slow
def test_full_run_figures_rounded(report):
    path, _ = report
    fig = pd.read_csv(path / "figures.csv", keep_default_na=False)
    assert list(fig.columns) == [*runner.FIGURE_COLUMNS, "view"]
    assert fig["view"].drop_duplicates().tolist() == VIEWS
    head = fig[fig["view"] == "headline"].set_index(["metric", "flow"])["value"]
    assert head[("yoy", "export")] == 8.3  # 8.25 rounded half-up
    assert head[("yoy", "import")] == 7.4
    assert head[("balance", "net")] == 90.5
    assert head[("contribution", "export")] == 2.3
    assert head[("ratio", "export")] == 1.23
    assert head[("level", "export")] == 328456.789  # unit usd_mn: full precision
    one_dec = fig[fig["unit"].isin(["pct", "pp", "usd_bn"])]["value"]
    assert (one_dec.round(1) == one_dec).all()
    # the notebook's own file stays at full precision
    raw = pd.read_csv(path / "figures_headline.csv")
    assert 8.25 in raw["value"].tolist()


@pytest.mark.slow
def test_full_run_manifest(report):
    path, _ = report
    m = json.loads((path / "manifest.json").read_text())
    assert m["parameters"] == {
        "period": "2025-09",
        "data": None,
        "currency": "USD",
        "views": VIEWS,
        "show_code": False,
        "workers": 2,
    }
    assert m["data"]["source"] == "sample"
    assert m["data"]["files"] == runner.hash_data(SAMPLE_DIR)
    assert m["sample_data"] is True
    for pkg in ("python", "pandas", "papermill", "nbconvert", "matplotlib", "statsmodels"):
        assert m["versions"][pkg]
    for v in VIEWS:
        t = m["timings"][v]
        assert t["seconds"] > 0 and t["execute_s"] > 0 and t["export_s"] >= 0
    assert m["timings"]["total_s"] > 0
    assert "git" in m
    assert datetime.fromisoformat(m["created"]).tzinfo is not None


@pytest.mark.slow
def test_full_run_html_offline_and_code_hidden(report):
    path, _ = report
    for page in path.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not CDN_TAG.search(text), page.name
        assert "<script src" not in text.replace("'", '"'), page.name
        assert not re.search(r"<link\b[^>]*href=[\"']?https?:", text), page.name
    view = (path / "headline.html").read_text(encoding="utf-8")
    assert "figsize" not in view and "jp-InputArea-editor" not in view.split("</style>")[-1]
    assert "Headline (stand-in)" in view  # markdown kept
    assert len(re.findall(r"<img[^>]+src=\"data:image/png;base64,", view)) == 1
    assert 'href="index.html"' in view
    assert "Illustrative sample data" not in view  # notebooks print their own banner


@pytest.mark.slow
def test_full_run_index(report):
    path, _ = report
    index = (path / "index.html").read_text(encoding="utf-8")
    for v in VIEWS:
        assert f'href="{v}.html"' in index
    assert "+8.3%" in index and "+7.4%" in index and "USD 90.5 bn" in index
    assert "Illustrative sample data, not official statistics." in index
    assert "September 2025" in index


@pytest.mark.slow
def test_show_code_data_file_and_replace(tmp_path):
    """--show-code keeps code; a data file is hashed; an existing report is replaced whole."""
    out = tmp_path / "reports"
    (out / "2025-09").mkdir(parents=True)
    (out / "2025-09" / "stale.txt").write_text("old build")
    (out / "2025-09.failed").mkdir()
    (out / "2025-09.failed" / "product.ipynb").write_text("{}")
    data = tmp_path / "trade.csv"  # the stand-ins ignore it; the runner checks it holds 2025-09
    data.write_text("period,flow,partner,product,value,currency,source,vintage\n"
                    "2025-09,export,WORLD,TOTAL,2.1e12,CNY,test,2025-10-13\n"
                    "2025-09,import,WORLD,TOTAL,1.5e12,CNY,test,2025-10-13\n")
    path = run_report(
        "2025-09",
        data=data,
        views="headline",
        out=out,
        show_code=True,
        currency="cny",
        notebooks_dir=STANDINS,
        progress=None,
    )
    names = {p.name for p in path.iterdir()}
    assert "stale.txt" not in names and "headline.html" in names and "product.html" not in names
    assert not (out / "2025-09.failed").exists() and leftovers(out) == []
    view = (path / "headline.html").read_text(encoding="utf-8")
    assert "figsize" in view and "jp-InputArea-editor" in view  # code kept
    m = json.loads((path / "manifest.json").read_text())
    assert m["parameters"]["data"] == str(data) and m["parameters"]["currency"] == "CNY"
    assert m["data"]["files"] == [
        {
            "path": "trade.csv",
            "bytes": data.stat().st_size,
            "sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
        }
    ]
    assert m["sample_data"] is False
    index = (path / "index.html").read_text(encoding="utf-8")
    assert "Illustrative sample data" not in index and "CNY 90.5 bn" in index
    executed = nbformat.read(path / "notebooks" / "headline.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert f'data = "{data}"' in injected[0].source
    assert f'output_dir = "{out.resolve()}' in injected[0].source


@pytest.mark.slow
def test_strict_failure_keeps_previous_report(report, tmp_path):
    good, _ = report
    out = tmp_path / "reports"
    previous = out / "2017-06"
    shutil.copytree(good, previous)  # stands in for an earlier good build of that month
    before = tree_digest(previous)
    lines: list[str] = []
    with pytest.raises(ReportError) as exc:
        run_report(
            "2017-06",
            views=["headline", "product"],
            out=out,
            notebooks_dir=STANDINS,
            progress=lines.append,
            strict=True,
        )
    err = exc.value
    assert not isinstance(err, ParameterError)
    assert err.view == "product"
    assert err.cell and "In [" in err.cell and 'if period < "2018-01"' in err.cell
    msg = str(err)
    assert "view 'product' failed in cell In [" in msg
    assert "ValueError: no customs data for 2017-06" in msg
    kept = out / "2017-06.failed" / "product.ipynb"
    assert err.notebook == kept and str(kept) in msg
    assert "headline" not in msg.split("untouched")[1]  # only the failed view is named
    failed_nb = nbformat.read(kept, as_version=4)
    assert any(
        o.get("ename") == "ValueError" for c in failed_nb.cells for o in c.get("outputs", [])
    )
    assert tree_digest(previous) == before
    assert leftovers(out) == []
    assert sorted(p.name for p in out.iterdir()) == ["2017-06", "2017-06.failed"]
    assert any("product" in ln and "FAILED" in ln for ln in lines)


@pytest.mark.slow
def test_main_failure_exit_code(tmp_path, capsys):
    out = tmp_path / "reports"
    argv = ["run", "--period", "2017-06", "--views", "product", "--out", str(out)]
    rc = runner.main([*argv, "--notebooks", str(STANDINS)])
    assert rc == 1
    err = capsys.readouterr().err
    assert "view 'product' failed" in err and "ValueError" in err
    assert str(out / "2017-06.failed" / "product.ipynb") in err
    assert not (out / "2017-06").exists()


@pytest.mark.slow
def test_failed_view_leaves_the_others_built(report, tmp_path, capsys):
    """Without --strict one failing view (the stand-in product raises before 2018) gets a page
    naming the failing statement and the command reproducing it; the other four views, the
    note and the index are built, and the run exits 5."""
    out = tmp_path / "reports"
    rc = runner.main(["run", "--period", "2017-06", "--out", str(out), "--notebooks",
                      str(STANDINS)])  # fmt: skip
    assert rc == 5
    err = capsys.readouterr().err
    assert "view 'product' failed in cell In [" in err and "ValueError" in err
    command = (f"python -m helpers run --period 2017-06 --views product --notebooks "
               f"{STANDINS} --out {out.resolve()} --strict")  # fmt: skip
    assert command in err
    path = out / "2017-06"
    manifest = json.loads((path / "manifest.json").read_text())
    assert list(manifest["failed"]) == ["product"]
    assert manifest["failed"]["product"]["reproduce"] == command
    page = (path / "product.html").read_text()
    assert "failed" in page and 'raise ValueError(f&#34;no customs data for {period}' in page
    assert "ValueError: no customs data for 2017-06" in page and command in page
    assert 'href="notebooks/product.ipynb"' in page
    executed = nbformat.read(path / "notebooks" / "product.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in executed.cells for o in c.get("outputs", []))
    built = pd.read_csv(path / "figures.csv")
    assert sorted(built["view"].unique()) == ["headline", "imports", "outlook", "regional"]
    for v in ("headline", "regional", "imports", "outlook"):
        assert f"{v.title()} (stand-in)" in (path / f"{v}.html").read_text()
    index = (path / "index.html").read_text()
    assert "failed in this build" in index
    note = (path / "note.md").read_text()
    assert "product view (failed in this build" in note
    assert not (out / "2017-06.failed").exists() and leftovers(out) == []


@pytest.mark.slow
def test_a_january_request_writes_the_january_february_note(tmp_path):
    """The sample publishes January-February 2025 combined: `--period 2025-01` builds the
    combined release (the views resolve it to February), and the note is written for it too
    (exports -0.6% y/y), not for a January that holds no figures."""
    path = run_report("2025-01", views="headline", out=tmp_path, progress=None)
    text = (path / "note.md").read_text(encoding="utf-8")
    assert "China trade, January-February 2025: flash note" in text
    assert "Exports fell 0.6% y/y in January-February combined" in text
    assert "exports growth for the month" not in text

"""A report from a fetched store: built (exit 0), no "nan", every missing table explained."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gac_server import Site, serve, shared_site

from helpers import coverage
from helpers.data import load_dataset
from helpers.ingest import fetch, importer
from helpers.paths import SHARED_DIR
from helpers.report import runner

FIXTURES = Path(__file__).parent / "fixtures"
GAC = SHARED_DIR / "fixtures" / "gac"
NAN = re.compile(r"\b(nan|inf)\b", re.I)


def fetched_store(tmp_path: Path, site: Site, period: str, back: int) -> Path:
    dest = tmp_path / "store"
    with serve(site) as base:
        code = fetch.main(["gac", "--period", period, "--back", str(back), "--store", str(dest),
                           "--base-url", base, "--delay", "0"], min_delay=0.0)
    assert code == 0
    return dest


def own_site() -> Site:
    site = Site()
    site.add("/statics/report/preliminary.html",
             (FIXTURES / "fetch" / "preliminary_2024.html").read_bytes())
    site.add("/Statics/0c1e7a52-4b7e-4f8e-9d3a-1a2b3c4d5e01.html",
             (FIXTURES / "gac" / "by_country_2024-07_USD.html").read_bytes())
    return site


def build(capsys, store: Path, period: str, out: Path) -> tuple[int, str]:
    code = runner.main(["run", "--period", period, "--data", str(store), "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_missing_tables_named_per_view(tmp_path):
    ds = load_dataset(fetched_store(tmp_path, own_site(), "2024-07", 0))
    # July 2024 by-country is held: every view builds; a year earlier is not, and is named
    assert coverage.missing_tables(ds, "regional", "2024-07", "USD") == []
    gaps = coverage.year_ago_gaps(ds, "2024-07", "USD")
    assert [(m.kind, str(m.period)) for m in gaps] == [("total", "2023-07")]
    assert coverage.held_tables(ds, "2024-07", "USD")["partners:export"]
    sentence = gaps[0].sentence("DIR")
    assert "section (1) total values or section (4)'s Total row (USD) for 2023-07" in sentence
    assert "python -m helpers fetch gac --period 2023-07 --currency USD --store DIR" in sentence
    assert coverage.period_problem(ds, "2024-07", "USD") is None
    assert "hold no table for 2024-05" in coverage.period_problem(ds, "2024-05", "USD")


def test_report_on_own_fetched_store(tmp_path, capsys):
    store = fetched_store(tmp_path, own_site(), "2024-07", 0)
    code, text = build(capsys, store, "2024-07", tmp_path / "out")
    assert code == 0, text
    report = tmp_path / "out" / "2024-07"
    for page in report.glob("*.html"):
        body = page.read_text(encoding="utf-8")
        assert not NAN.search(re.sub(r"<[^>]+>", " ", body)), page.name
    regional = (report / "regional.html").read_text(encoding="utf-8")
    # built from the month; the banner names the year-ago table and the command that gets it
    assert "No y/y for July 2024" in regional
    assert "<code>python -m helpers fetch gac --period 2023-07" in regional
    # a month without any table: the error names the tables and the command
    code, text = build(capsys, store, "2024-05", tmp_path / "out")
    assert code == 2 and "hold no table for 2024-05" in text and "fetch gac" in text


@pytest.mark.skipif(not GAC.is_dir(), reason="../shared/fixtures/gac not present")
def test_report_on_the_shared_pages(tmp_path, capsys):
    site, _ = shared_site(GAC)
    store = fetched_store(tmp_path, site, "2026-06", 4)
    code, text = build(capsys, store, "2026-06", tmp_path / "out")
    assert code == 0, text
    report = tmp_path / "out" / "2026-06"
    for page in report.glob("*.html"):
        body = re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))
        assert not NAN.search(body), page.name
    imports = (report / "imports.html").read_text(encoding="utf-8")
    # built from GAC's (6) lines alone: ICs Jan-Jun 2026 USD 298,020.5 million, y/y 55.8
    # (computed from the prior-year YTD GAC printed: 298,020.5 / 191,286.9 - 1 = 55.8%)
    assert re.search(r"Integrated circuits</th>\s*<td[^>]*>298.0</td>\s*<td[^>]*>55.8</td>",
                     imports)  # fmt: skip
    assert "Source: GAC preliminary release, 2026-07" in imports
    headline = (report / "headline.html").read_text(encoding="utf-8")
    # the placeholder page is a Jinja2 template with autoescape: ' is written &#39;
    assert "section (1) total values or section (4)&#39;s Total row (USD) for 2026-06" in headline
    note = (report / "note.md").read_text(encoding="utf-8")
    assert "no quantities" not in note  # the store holds them


def test_partial_store_pages_follow_gac_and_say_what_is_not_built(tmp_path, capsys):
    store = fetched_store(tmp_path, own_site(), "2024-07", 0)
    held, _ = coverage.held_lines(load_dataset(store), "regional", "2024-07", "USD")
    # GAC's own order in the page (tests/fixtures/gac/by_country_2024-07_USD.html), members
    # indented under their bloc
    assert [line.strip("\u00a0") for line in held["Line"]] == [
        "European Union", "Germany", "France", "United States", "ASEAN", "Vietnam",
        "RCEP members", "Belt and Road countries"]  # fmt: skip
    assert held["Line"].iloc[1].startswith("\u00a0") and not held["Line"].iloc[0].startswith(
        "\u00a0")
    # a store of GAC's (5) page alone: the product view builds from its lines, the others say
    # what is missing
    lines = tmp_path / "lines"
    page = str(FIXTURES / "gac" / "major_exports_2024-06_CNY.html")
    assert importer.main(["gac", page, "--store", str(lines)]) == 0
    code = runner.main(["run", "--period", "2024-06", "--data", str(lines), "--currency", "CNY",
                        "--out", str(tmp_path / "out")])  # fmt: skip
    text = "".join(capsys.readouterr())
    assert code == 0, text
    report = tmp_path / "out" / "2024-06"
    page = (report / "regional.html").read_text(encoding="utf-8")
    assert "<code>python -m helpers fetch gac --period 2024-06" in page
    assert 'class="banner"' in page and "This view was not built" in page
    index = (report / "index.html").read_text(encoding="utf-8")
    assert "Regional</a> <span class=\"notbuilt\">— not built: the store lacks 1 table" in index
    assert "Product</a> <span" not in index
    manifest = (report / "manifest.json").read_text(encoding="utf-8")
    assert '"regional": 1' in manifest and '"product"' not in manifest.split('"not_built"')[1]


def test_no_view_built_exits_4_with_one_line(tmp_path, capsys):
    """A store holding only exports to the US for the month: no view has the tables it needs."""
    rows = tmp_path / "us_only.csv"
    rows.write_text("period,flow,partner,product,value,currency\n"
                    "2025-07,export,united_states,TOTAL,40000000000,USD\n", encoding="utf-8")
    store = tmp_path / "store"
    assert importer.main(["tidy", str(rows), "--store", str(store)]) == 0
    capsys.readouterr()
    code, text = build(capsys, store, "2025-07", tmp_path / "out")
    assert code == 4, text
    errors = [line for line in text.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "no view could be built" in errors[0]
    # the pages still say what is missing
    page = (tmp_path / "out" / "2025-07" / "headline.html").read_text(encoding="utf-8")
    assert "This view was not built" in page

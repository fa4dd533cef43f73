"""The release-day flash note: rules, formatting, traceability to figures.csv, files to paste."""

from __future__ import annotations

import json
import re
import struct

import pandas as pd
import pytest

from helpers import note, note_files
from helpers.ingest import importer
from helpers.paths import SHARED_DIR
from helpers.report.runner import run_report

COLUMNS = ["metric", "flow", "dimension", "item", "period", "value", "unit", "view"]
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
GAC = SHARED_DIR / "fixtures" / "gac"


def frame(rows) -> pd.DataFrame:
    """A figures table from (metric, flow, dimension, item, period, value, unit, view) tuples."""
    return pd.DataFrame(rows, columns=COLUMNS)


# --------------------------------------------------------------------------- rules (fast)


@pytest.mark.parametrize(
    "current, previous, word",
    [
        (8.3, 4.4, "accelerated"),
        (4.4, 8.3, "slowed"),
        (-4.1, -5.6, "narrowed"),
        (-28.0, -10.0, "widened"),
        (6.6, 6.2, "held steady"),  # 0.4 pp within the 0.5 pp band
        (-1.0, 2.0, "reversed into decline"),
        (0.5, -3.0, "returned to growth"),
    ],
)
def test_direction_words(current, previous, word):
    assert note.direction(current, previous, band=0.5) == word


def test_consensus_words():
    assert note.versus_consensus(1.7, 0.5) == "beat"
    assert note.versus_consensus(-0.6, 0.5) == "missed"
    assert note.versus_consensus(0.5, 0.5) == "was in line with"


def test_number_formats():
    assert note.fmt_pct(8.3) == "8.3%" and note.fmt_pct(8.3, signed=True) == "+8.3%"
    assert note.fmt_pct(-4.1) == "-4.1%" and note.fmt_pct(-0.04) == "0.0%"
    assert note.fmt_pp(7.7) == "+7.7 pp" and note.fmt_pp(-0.04) == "0.0 pp"
    assert note.fmt_money(90.5, "usd_bn") == "USD 90.5bn"
    assert note.fmt_money(1234.5, "cny_bn") == "CNY 1,234.5bn"
    assert note.fmt_money(8.8, "usd_bn", signed=True) == "+8.8bn"
    assert note.moved(-27.0) == "fell 27.0%" and note.moved(13.1) == "rose 13.1%"


def test_thresholds_file_errors_name_the_file(tmp_path):
    bad = tmp_path / "rules.yaml"
    bad.write_text("steady_band_pp: 0.5\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"rules\.yaml.*consensus_band_pp"):
        note.load_thresholds(bad)
    rules = note.load_thresholds()
    bad.write_text(
        "\n".join(f"{k}: {'-1' if k == 'movers' else v}" for k, v in rules.items()
                  if not isinstance(v, dict | list)), encoding="utf-8")  # fmt: skip
    with pytest.raises(ValueError, match="'movers' must be a non-negative number"):
        note.load_thresholds(bad)


def test_note_without_consensus_or_previous_month_says_so_once():
    figures = frame([
        ("yoy", "export", "total", "total", "2025-07", 7.0, "pct", "headline"),
        ("yoy", "import", "total", "total", "2025-07", 2.0, "pct", "headline"),
        ("balance", "net", "total", "total", "2025-07", 117.0, "usd_bn", "headline"),
        ("balance_change_yoy", "net", "total", "total", "2025-07", 17.0, "usd_bn", "headline"),
    ])  # fmt: skip
    text = note.render_markdown(note.build_note(figures, {"period": "2025-07"}))
    assert "Exports rose 7.0% y/y." in text
    assert "The trade surplus was USD 117.0bn (+17.0bn on a year earlier)." in text
    assert text.count("## Not covered") == 1
    covered = text.split("## Not covered")[1]
    assert "a survey consensus" in covered and "the previous month's growth" in covered
    assert "the product view (not in this report)" in covered
    assert not re.search(r"\b(nan|inf|None)\b", text)


def test_sheet_tables_units_in_headers_numbers_as_numbers():
    figures = frame([
        ("yoy", "export", "product", "steel", "2025-09", -2.7, "pct", "product"),
        ("yoy", "export", "product", "steel", "2025-08", -6.0, "pct", "product"),
        ("contribution", "export", "product", "steel", "2025-09", -0.1, "pp", "product"),
    ])  # fmt: skip
    table = note_files.sheet_tables(figures)["product_product"]
    assert list(table.columns) == ["flow", "item", "yoy 2025-09 (%)", "yoy 2025-08 (%)",
                                   "contribution 2025-09 (pp)"]  # fmt: skip
    assert table.loc[0, "yoy 2025-08 (%)"] == -6.0


# --------------------------------------------------------------------------- built reports (slow)


def _gac_store(tmp_path_factory):
    """A store built from the real GAC pages in ../shared (None when they are absent)."""
    if not GAC.is_dir():
        return None
    folder = tmp_path_factory.mktemp("gac_store")
    pages = [str(p) for p in sorted(GAC.glob("gac_s*.html"))]
    # a page the reader rejects leaves the store as it was; the rest are imported
    importer.main(["gac", *pages, "--store", str(folder)])
    assert any(folder.iterdir()), "no GAC page could be imported"
    return folder


CASES = {
    "2025-09": ("2025-09", "USD", None),
    "2025-08": ("2025-08", "USD", None),
    "janfeb": ("2025-02", "USD", None),
    "cny": ("2025-09", "CNY", None),
    "gac": ("2026-03", "CNY", "gac"),
}


class Reports:
    """Reports built on first use, once per session, through the runner (note files included)."""

    def __init__(self, tmp_path_factory):
        self.factory, self.built = tmp_path_factory, {}

    def get(self, name: str):
        if name not in self.built:
            period, currency, data = CASES[name]
            store = _gac_store(self.factory) if data == "gac" else None
            if data == "gac" and store is None:
                pytest.skip("shared GAC fixtures not present")
            out = self.factory.mktemp(f"note_{name}")
            self.built[name] = run_report(period, data=store, currency=currency, out=out,
                                          progress=None)  # fmt: skip
        return self.built[name]


@pytest.fixture(scope="session")
def reports(tmp_path_factory):
    """The note's report cases (see CASES), each built at most once per session."""
    return Reports(tmp_path_factory)


def _report(reports, name):
    folder = reports.get(name)
    figures = pd.read_csv(folder / "figures.csv", dtype={"period": str}, keep_default_na=False)
    return folder, (folder / "note.md").read_text(encoding="utf-8"), figures


def _formatted(value: float) -> str:
    return f"{abs(value):,.1f}"


NUMBER = re.compile(r"(?<![\w.])([+-]?)(\d[\d,]*(?:\.\d+)?)(%| pp|bn)?")


def traced_numbers(text: str, figures: pd.DataFrame) -> list[str]:
    """Numbers in the note not found in figures.csv in the same rounding (empty = all traced).

    Dates (month names with years, quarters) are not figures; a derived figure's range is its
    row's low and high. "80% band" is the coverage named by
    the forecast_lo80/hi80 metrics. A signed number must match a figure with its sign; an unsigned
    one (after "rose"/"fell", "up"/"down") matches the figure's absolute value.
    """
    if "80% band" in text:
        assert (figures["metric"] == "forecast_lo80").any()
        text = text.replace("80% band", "band")
    text = re.sub(rf"\b(?:{MONTHS})(?:-(?:{MONTHS}))? \d{{4}}\b", "", text)
    text = re.sub(r"\bQ[1-4](?: \d{4})?\b", "", text)
    units = {"%": {"pct"}, " pp": {"pp"}, "bn": {"usd_bn", "cny_bn"}, "": {"usd_bn", "cny_bn"}}
    missing = []
    for sign, digits, suffix in NUMBER.findall(text):
        rows = figures[figures["unit"].isin(units[suffix or ""])]
        # a derived figure's range (low, high) is part of its row
        bounds = [rows[c] for c in ("low", "high") if c in rows]
        values = pd.to_numeric(pd.concat([rows["value"], *bounds]), errors="coerce").dropna()
        if "." not in digits or len(digits.split(".")[1]) != 1:
            missing.append(sign + digits + (suffix or ""))
            continue
        if sign:
            wanted = float(sign + digits.replace(",", ""))
            ok = any(f"{v:.1f}" == f"{wanted:.1f}" for v in values)
        else:
            ok = digits in {_formatted(v) for v in values}
        if not ok:
            missing.append(sign + digits + (suffix or ""))
    return missing


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_every_number_in_the_note_is_a_figure(reports, name):
    folder, text, figures = _report(reports, name)
    assert traced_numbers(text, figures) == []
    assert not re.search(r"\b(nan|inf|None|NaN)\b", text)
    assert text.count("## Not covered") <= 1
    words = note.prose_words(
        note.build_note(figures, {"period": CASES[name][0], "currency": CASES[name][1]})
    )
    assert words <= 600
    if name in ("2025-09", "2025-08", "cny"):
        assert words >= 300


def _direction_ok(word: str, current: float, previous: float, band: float) -> bool:
    """The direction words, checked by hand on the printed numbers."""
    change = current - previous
    return {
        "accelerated": current >= 0 and previous >= 0 and change > band,
        "slowed": current >= 0 and previous >= 0 and change < -band,
        "narrowed": current < 0 and previous < 0 and change > band,
        "widened": current < 0 and previous < 0 and change < -band,
        "held steady": abs(change) <= band,
        "reversed into decline": previous >= 0 > current,
        "returned to growth": previous < 0 <= current,
    }[word]


WORDS = "accelerated|slowed|narrowed|widened|held steady|reversed into decline|returned to growth"


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_no_direction_word_contradicts_the_figures(reports, name):
    _, text, _ = _report(reports, name)
    band = note.load_thresholds()["steady_band_pp"]
    checked = 0
    # "X rose 8.3% ... Growth accelerated from 4.4%" / "fell 4.1% (-0.7 pp): the decline narrowed"
    pattern = re.compile(rf"(rose|fell) (\d+\.\d)%(?:(?!\. ).)*?[.:] "
                         rf"(?:the decline|growth|the trend) ({WORDS}) from (-?\d+\.\d)%",
                         re.IGNORECASE)  # fmt: skip
    for verb, now, word, before in pattern.findall(text):
        current = float(now) * (1 if verb == "rose" else -1)
        assert _direction_ok(word.lower(), current, float(before), band), (verb, now, word)
        checked += 1
    # "Declines narrowed in furniture and parts (-2.0% from -7.5%), ..."
    for word, listing in re.findall(r"[Dd]eclines? (narrowed|widened) in ([^.]*(?:\.\d[^.]*)*)\.",
                                    text):  # fmt: skip
        for now, before in re.findall(r"\((-?\d+\.\d)% from (-?\d+\.\d)%\)", listing):
            assert _direction_ok(word, float(now), float(before), band), (word, now, before)
            checked += 1
    # "beat the 6.6% consensus (+1.7 pp)"
    for word, sign in re.findall(r"(beat|missed|was in line with) the -?\d+\.\d% consensus "
                                 r"\(([+-]?)\d", text):  # fmt: skip
        assert {"beat": sign == "+", "missed": sign == "-"}.get(word, True)
        checked += 1
    # Jan-Feb has no previous month: only the consensus comparisons carry direction words
    assert checked >= {"gac": 0, "janfeb": 2}.get(name, 3)


@pytest.mark.slow
def test_september_note_tells_the_release_story(reports):
    _, text, _ = _report(reports, "2025-09")
    flat = " ".join(text.split())
    claims = [
        "Exports rose 8.3% y/y and beat the 6.6% consensus (+1.7 pp). "
        "Growth accelerated from 4.4% in August.",
        "Imports rose 7.4% y/y and beat the 1.8% consensus (+5.6 pp). "
        "Growth accelerated from 1.3% in August.",
        "The trade surplus was USD 90.5bn (+8.8bn on a year earlier).",
        "Over Q3 2025 exports rose 6.6% y/y after 6.2% in Q2",
        "Electromechanical products rose 13.1% (7.1% a month earlier), contributing +7.7 pp",
        "integrated circuits 32.7% (+1.5 pp)",
        "Labour-intensive products fell 4.1%",
        "the decline narrowed from -5.6%",
        "furniture and parts (-2.0% from -7.5%)",
        "steel products (-2.7% from -6.0%)",
        "Exports to the US fell 27.0%",
        "The decline narrowed from -33.0% a month earlier.",
        "the EU (14.2%, +2.0 pp), ASEAN (15.6%, +2.4 pp) and Africa (56.4%, +2.7 pp) added most",
        "Rare earths rose 97.1% on prices (+106.0%), with volumes down 4.3%.",
        "Fertilizers rose 95.4% on volumes (+132.6%), with prices down 16.0%.",
        "Steel products fell 2.7% on prices (-5.7%), with volumes up 3.1%.",
        "Motor vehicles rose 10.9% on volumes (+24.0%), with prices down 10.6%.",
        "Imports from the US fell 16.1%.",
    ]
    for claim in claims:
        assert claim in flat, claim
    outlook = flat.split("## Outlook")[1].split("##")[0]
    assert "Base effects:" in outlook and re.search(
        r"80% band of -?\d+\.\d% to -?\d+\.\d%", outlook
    )
    assert "## Not covered" not in flat


@pytest.mark.slow
def test_other_notes_adapt_to_their_data(reports):
    _, janfeb, _ = _report(reports, "janfeb")
    assert "# China trade, January-February 2025: flash note" in janfeb
    assert "a previous-month comparison (January and February are published combined)" in janfeb
    assert "in January" not in janfeb.split("## Outlook")[0]
    _, cny, _ = _report(reports, "cny")
    assert "Values in CNY" in cny and "CNY " in cny and "USD " not in cny.split("## Not")[0]
    _, august, _ = _report(reports, "2025-08")
    assert "Exports rose 4.4% y/y" in august and " in July." in august


@pytest.mark.slow
def test_files_to_paste(reports):
    from docx import Document
    from openpyxl import load_workbook

    folder, _, _ = _report(reports, "2025-09")
    doc = Document(str(folder / "note.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[:3] == ["China trade, September 2025: flash note", "Headline", "Products"]
    assert "Outlook" in headings
    assert (
        doc.tables[0].cell(1, 0).text == "Exports y/y" and doc.tables[0].cell(1, 1).text == "8.3%"
    )
    assert len(doc.inline_shapes) == 2
    book = load_workbook(folder / "tables.xlsx")
    assert {"headline_total", "product_product", "regional_partner", "imports_product",
            "outlook_total"} <= set(book.sheetnames)  # fmt: skip
    sheet = book["product_product"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert "yoy 2025-09 (%)" in header and "contribution 2025-09 (pp)" in header
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] == "steel")
    assert row[header.index("yoy 2025-09 (%)")] == pytest.approx(-2.7)
    alt = json.loads((folder / "charts" / "alt.json").read_text(encoding="utf-8"))
    # the views' own charts (product, regional, outlook), nothing else left in the folder
    assert list(alt) == ["export_contributions_by_product.png",
                         "export_contributions_by_destination.png", "export_price_volume.png",
                         "export_forecast.png"]  # fmt: skip
    assert sorted(p.name for p in (folder / "charts").iterdir()) == sorted([*alt, "alt.json"])
    # the published release: electromechanical +7.7 pp of the +8.3% total
    by_product = alt["export_contributions_by_product.png"]
    assert "Electromechanical products +7.7" in by_product and by_product.endswith("total +8.3%.")
    png = (folder / "charts" / "export_contributions_by_product.png").read_bytes()
    width = struct.unpack(">I", png[16:20])[0]  # IHDR width
    assert width == 2000  # the product page's 10-inch chart at 2x
    html = (folder / "note.html").read_text(encoding="utf-8")
    assert "<h2>Headline</h2>" in html and "data:image/png;base64," in html
    assert not re.search(r"(src|href)=\"https?://", html)
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert index.index('href="note.html"') < index.index('href="headline.html"')


def test_collect_charts_keeps_the_note_order(tmp_path):
    for name in ("export_forecast", "export_contributions_by_product"):
        (tmp_path / f"{name}.png").write_bytes(b"png of " + name.encode())
        (tmp_path / f"{name}.json").write_text(json.dumps({"title": "t", "alt": f"alt {name}"}))
    (tmp_path / "export_price_volume.png").write_bytes(b"no json: not taken")
    charts = note_files.collect_charts(tmp_path)
    assert [(p.name, a) for p, a in charts] == [
        ("export_contributions_by_product.png", "alt export_contributions_by_product"),
        ("export_forecast.png", "alt export_forecast"),
    ]
    assert json.loads((tmp_path / "alt.json").read_text()) == {p.name: a for p, a in charts}
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".png", ".png", ".png"]
    assert note_files.collect_charts(tmp_path / "none") == []  # no charts: no folder needed

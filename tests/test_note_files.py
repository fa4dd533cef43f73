"""note.docx and tables.xlsx as a person pasting them sees them (fast, hand-made figures)."""

from __future__ import annotations

import base64

import pandas as pd
import pytest

from helpers import note, note_files

COLUMNS = ["metric", "flow", "dimension", "item", "period", "value", "unit", "view"]
# a 1x1 PNG
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGA"
                       "hKmMIQAAAABJRU5ErkJggg==")

FIGURES = pd.DataFrame([
    ("yoy", "export", "total", "total", "2025-09", 8.3, "pct", "headline"),
    ("yoy", "export", "total", "total", "2025-08", 4.4, "pct", "headline"),
    ("yoy", "import", "total", "total", "2025-09", 7.4, "pct", "headline"),
    ("level", "export", "total", "total", "2025-09", 3314.2, "usd_bn", "headline"),
    ("balance", "net", "total", "total", "2025-09", 90.5, "usd_bn", "headline"),
    ("yoy_quarter", "export", "total", "total", "2025-Q3", 6.6, "pct", "headline"),
    ("contribution", "export", "partner", "united_states", "2025-09", -4.2, "pp", "regional"),
    ("contribution", "export", "partner", "rcep", "2025-09", 3.0, "pp", "regional"),
    ("contribution", "export", "partner", "total", "2025-09", 8.3, "pp", "regional"),
    ("contribution", "export", "partner", "germany", "2025-09", 0.3, "pp", "regional"),
], columns=COLUMNS)  # fmt: skip


def _note_with_chart(tmp_path):
    charts = tmp_path / "charts"
    charts.mkdir()
    (charts / "trade_yoy.png").write_bytes(PNG)
    built = note.build_note(FIGURES, {"period": "2025-09", "sample": True})
    alt = "Line chart of exports and imports " + "with many numbers, " * 10
    return built, [(charts / "trade_yoy.png", alt)], alt


@pytest.mark.parametrize("paper, width", [("A4", 8.27), ("Letter", 8.5)])
def test_docx_core_properties_caption_and_paper(tmp_path, paper, width):
    from docx import Document

    built, charts, alt = _note_with_chart(tmp_path)
    path = tmp_path / "note.docx"
    note_files.write_docx(path, built, charts, paper=paper)
    doc = Document(str(path))
    assert doc.core_properties.title == built.title
    assert doc.core_properties.author == "China Trade Kit"
    assert doc.sections[0].page_width.inches == pytest.approx(width, abs=0.01)
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert captions == ["Chart 1. Exports and imports, % y/y"]
    # the alt text stays the picture's description, not its caption
    descr = doc.inline_shapes[0]._inline.docPr.get("descr")
    assert descr == alt and alt not in [p.text for p in doc.paragraphs]
    # the chart sits under the exports and imports paragraphs, before the balance
    texts = [p.text for p in doc.paragraphs]
    at = texts.index(captions[0])
    assert texts[at - 2].startswith("Imports rose 7.4%")
    assert texts[at + 1].startswith("The trade surplus")
    with pytest.raises(ValueError, match="A4 or Letter"):
        note_files.write_docx(path, built, charts, paper="A5")


def test_xlsx_formats_levels_names_and_source(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "tables.xlsx"
    note_files.write_xlsx(path, FIGURES, {"period": "2025-09", "currency": "USD", "sample": True})
    book = load_workbook(path)
    assert book.sheetnames == ["Headline", "Headline quarters", "Exports by destination"]
    head = book["Headline"]
    # compact: one row per figure (growth first), the release month first
    assert [c.value for c in head[1]] == ["Item", "Sep 2025", "Aug 2025"]
    assert all(c.font.bold for c in head[1])
    assert head.freeze_panes == "B2"
    items = [head.cell(row=r, column=1).value for r in range(2, 7)]
    assert items == ["Exports, y/y %", "Exports, Level (USD bn)", "Imports, y/y %",
                     "Trade balance, Balance (USD bn)", None]  # fmt: skip
    assert head["B2"].value == pytest.approx(8.3) and head["C2"].value == pytest.approx(4.4)
    assert head["B2"].number_format == "#,##0.0;-#,##0.0;0.0"
    assert head["B3"].value == pytest.approx(3314.2) and head["B3"].number_format == "#,##0.0"
    lines = [head.cell(row=r, column=1).value for r in range(7, head.max_row + 1)]
    assert lines[0].startswith("Source: GAC") and note_files.SAMPLE_LINE in lines
    dest = book["Exports by destination"]
    rows = list(dest.iter_rows(min_row=2, max_row=5, values_only=True))
    # GAC's order (total, the EU's Germany as "of which", the US, RCEP as a memo)
    assert [r[:2] for r in rows] == [("Total", "total"), ("Germany", "of which"),
                                     ("United States", "line"), ("RCEP members", "memo")]
    assert dest.cell(row=2, column=3).number_format == "+#,##0.0;-#,##0.0;0.0"

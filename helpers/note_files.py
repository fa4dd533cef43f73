"""Files that go with the flash note: charts/*.png (2x, with alt text), note.docx, tables.xlsx.

The tables come from the figures table (figures.csv rows), like the note itself; the charts are
the views' own (helpers.notebook.ViewContext.for_note), drawn from the same figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

__all__ = ["NOTE_CHARTS", "UNIT_LABELS", "collect_charts", "sheet_tables", "write_docx",
           "write_xlsx"]  # fmt: skip

UNIT_LABELS = {"pct": "%", "pp": "pp", "usd_bn": "USD bn", "cny_bn": "CNY bn", "ratio": "ratio",
               "usd_mn": "USD mn"}  # fmt: skip
# the note's charts in the order it shows them (note.html and note.docx take the first two)
NOTE_CHARTS = ("export_contributions_by_product", "export_contributions_by_destination",
               "export_price_volume", "export_forecast")  # fmt: skip


def collect_charts(folder: Path) -> list[tuple[Path, str]]:
    """The note's charts the views left in `folder` (<name>.png with <name>.json), in the
    note's order, as (path, alt text); writes alt.json (file name -> alt text) in place of the
    per-chart files. A chart whose view did not run, or had no data to draw, is absent."""
    folder = Path(folder)
    out = []
    for name in NOTE_CHARTS:
        png, meta = folder / f"{name}.png", folder / f"{name}.json"
        if png.is_file() and meta.is_file():
            out.append((png, json.loads(meta.read_text(encoding="utf-8"))["alt"]))
    for meta in folder.glob("*.json"):
        meta.unlink()
    if out:
        alt = {path.name: text for path, text in out}
        (folder / "alt.json").write_text(json.dumps(alt, indent=2) + "\n", encoding="utf-8")
    return out


def write_docx(path: Path, note, charts: list[tuple[Path, str]]) -> None:
    """note.docx: title, headings, paragraphs, the key table and up to two charts."""
    from docx import Document
    from docx.shared import Inches

    doc = Document()
    doc.add_heading(note.title, level=0)
    if note.subtitle:
        doc.add_paragraph(note.subtitle).runs[0].italic = True
    for block in note.blocks:
        if block[0] == "h2":
            doc.add_heading(block[1], level=1)
        elif block[0] == "p":
            doc.add_paragraph(block[1])
        elif block[0] == "table":
            header, rows = block[1], block[2]
            table = doc.add_table(rows=1, cols=len(header))
            table.style = "Light Grid Accent 1"
            for cell, text in zip(table.rows[0].cells, header, strict=True):
                cell.text = text
            for row in rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
    if charts:
        doc.add_heading("Charts", level=1)
    for chart, alt in charts[:2]:
        doc.add_picture(str(chart), width=Inches(6))
        doc.paragraphs[-1]._p.xpath("./w:r/w:drawing/wp:inline/wp:docPr")[0].set("descr", alt)
        doc.add_paragraph(alt)
    doc.save(str(path))


def sheet_tables(figures: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """One table per view and dimension from the figures rows, units in the column headers.

    Rows are (flow, item); columns 'metric period (unit)'. Where a table spans more than two
    periods (quarters, forecast months) the period becomes a row key instead.
    """
    tables = {}
    frame = figures.copy()
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    frame["unit_label"] = frame["unit"].map(lambda u: UNIT_LABELS.get(str(u), str(u)))
    for (view, dimension), rows in frame.groupby(["view", "dimension"], sort=False):
        if rows["period"].nunique() > 2:
            rows = rows.assign(column=rows["metric"] + " (" + rows["unit_label"] + ")")
            index = ["flow", "item", "period"]
        else:
            rows = rows.assign(column=rows["metric"] + " " + rows["period"] + " ("
                               + rows["unit_label"] + ")")  # fmt: skip
            index = ["flow", "item"]
        table = rows.pivot_table(index=index, columns="column", values="value", aggfunc="first",
                                 sort=False).reset_index()  # fmt: skip
        table.columns.name = None
        tables[f"{view}_{dimension}"[:31]] = table
    return tables


def write_xlsx(path: Path, figures: pd.DataFrame) -> None:
    """tables.xlsx: one sheet per view table, numbers as numbers, frozen header row."""
    tables = sheet_tables(figures)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        if not tables:
            pd.DataFrame({"note": ["no figures in this report"]}).to_excel(
                writer, sheet_name="figures", index=False)  # fmt: skip
        for name, table in tables.items():
            table.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for column in sheet.columns:
                width = max(len(str(c.value or "")) for c in column)
                sheet.column_dimensions[column[0].column_letter].width = min(40, width + 2)

"""Files that go with the flash note: charts/*.png (2x, with alt text), note.docx, tables.xlsx.

Everything here is drawn from the figures table (figures.csv rows), like the note itself.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display in the report build
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from helpers import classifications  # noqa: E402
from helpers.figures import format_value

__all__ = ["CHART_DPI", "UNIT_LABELS", "sheet_tables", "write_charts", "write_docx", "write_xlsx"]

CHART_DPI = 200  # 2x the 100 dpi of matplotlib's default figure size
UNIT_LABELS = {"pct": "%", "pp": "pp", "usd_bn": "USD bn", "cny_bn": "CNY bn", "ratio": "ratio",
               "usd_mn": "USD mn"}  # fmt: skip
UP, DOWN = "#3a8a4f", "#c0504d"


def _signed(value: float, suffix: str) -> str:
    text = format_value(value, 1)
    return (f"+{text}" if value > 0 and text != "0.0" else text) + suffix


def _bars(path: Path, values: pd.Series, title: str, xlabel: str) -> None:
    data = values.sort_values()
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(data) + 1.4))
    ax.barh(data.index, data.values, color=[UP if v >= 0 else DOWN for v in data.values])
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    fig.tight_layout()
    fig.savefig(path, dpi=CHART_DPI)
    plt.close(fig)


def write_charts(folder: Path, fig, meta: dict) -> list[tuple[Path, str]]:
    """Draw the note's charts from figures rows; returns (path, alt text) for those drawn.

    A chart whose rows are missing is not drawn (no empty charts).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    period = meta["period"]
    out = []
    tree = classifications.product_tree("export")
    contrib = fig.series("contribution", "export", "product", period)
    top = [c for c in contrib.index if c in tree.index and tree.at[c, "parent"] == "TOTAL"]
    if top:
        values = contrib[top].rename(lambda c: tree.at[c, "name"])
        path = folder / "export_contributions_by_product.png"
        _bars(path, values, f"Contributions to export growth, {period}", "pp of total y/y")
        best = values.idxmax()
        out.append((path, f"{best} added most to export growth in {period} "
                          f"({_signed(values.max(), ' pp')})."))  # fmt: skip
    partners = classifications.partners()
    pcontrib = fig.series("contribution", "export", "partner", period)
    keep = partners.index[partners["top_level"] == "True"]
    pvalues = pcontrib.reindex(keep).dropna()
    if len(pvalues):
        pvalues = pvalues.rename(lambda c: partners.at[c, "name"])
        path = folder / "export_contributions_by_destination.png"
        _bars(path, pvalues, f"Contributions to export growth by destination, {period}",
              "pp of total y/y")  # fmt: skip
        low = pvalues.idxmin()
        out.append((path, f"{pvalues.idxmax()} added most to export growth "
                          f"({_signed(pvalues.max(), ' pp')}); {low} the least "
                          f"({_signed(pvalues.min(), ' pp')})."))  # fmt: skip
    price = fig.series("yoy_price", "export", "product", period)
    volume = fig.series("yoy_volume", "export", "product", period)
    both = price.index.intersection(volume.index)
    if len(both):
        frame = pd.DataFrame({"Unit value": price[both], "Volume": volume[both]})
        frame.index = [tree.at[c, "name"] if c in tree.index else c for c in frame.index]
        path = folder / "export_price_volume.png"
        ax = frame.sort_values("Unit value").plot.barh(figsize=(7, 0.5 * len(frame) + 1.4),
                                                        color=["#8064a2", "#4bacc6"])  # fmt: skip
        ax.axvline(0, color="#333333", lw=0.8)
        ax.set_xlabel("% y/y")
        ax.set_title(f"Export unit values and volumes, {period}", loc="left", fontsize=11,
                     fontweight="bold")  # fmt: skip
        ax.figure.tight_layout()
        ax.figure.savefig(path, dpi=CHART_DPI)
        plt.close(ax.figure)
        top = frame["Unit value"].abs().idxmax()
        out.append((path, f"{top}: unit values {_signed(frame.at[top, 'Unit value'], '%')}, "
                          f"volumes {_signed(frame.at[top, 'Volume'], '%')} y/y."))  # fmt: skip
    ahead = [p for p in fig.periods("forecast_yoy") if p > period]
    if ahead:
        rows = pd.DataFrame({m: [fig.get(m, "export", "total", "total", p) for p in ahead]
                             for m in ("forecast_yoy", "forecast_lo80", "forecast_hi80")},
                            index=ahead).dropna()  # fmt: skip
        if len(rows):
            path = folder / "export_forecast.png"
            x = range(len(rows))
            fig_, ax = plt.subplots(figsize=(7, 3.2))
            ax.fill_between(x, rows["forecast_lo80"], rows["forecast_hi80"], color="#1f5a96",
                            alpha=0.3, label="80% band")  # fmt: skip
            ax.plot(x, rows["forecast_yoy"], color="#1f5a96", marker="o", label="Forecast")
            ax.set_xticks(list(x), rows.index)
            ax.axhline(0, color="#333333", lw=0.8)
            ax.set_ylabel("% y/y")
            ax.legend(loc="upper left", fontsize=8, frameon=False)
            ax.set_title("Export growth forecast", loc="left", fontsize=11, fontweight="bold")
            fig_.tight_layout()
            fig_.savefig(path, dpi=CHART_DPI)
            plt.close(fig_)
            first = rows.index[0]
            out.append((path, f"Exports are forecast to grow "
                              f"{_signed(rows.at[first, 'forecast_yoy'], '%')} y/y in {first} "
                              f"(80% band {_signed(rows.at[first, 'forecast_lo80'], '%')} to "
                              f"{_signed(rows.at[first, 'forecast_hi80'], '%')})."))  # fmt: skip
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

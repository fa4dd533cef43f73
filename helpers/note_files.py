"""Files that go with the flash note: charts/*.png (2x, with alt text), note.docx, tables.xlsx.

The tables come from the figures table (figures.csv rows), like the note itself; the charts are
the views' own (helpers.notebook.ViewContext.for_note), drawn from the same figures.

note.docx places each chart under the paragraph it illustrates with a short caption (the alt text
stays the picture's alt text), carries core properties (title = the note's claim, author "China
Trade Kit") and is laid out on A4 or Letter (`paper`). tables.xlsx has one sheet per view table
with readable names and labels (data/figure_names.csv, the classifications), a `Level` column
(total / line / of which / memo: summing the "line" rows gives the total), rows in GAC's order, a
number format per unit, bold frozen headers and a source line (and the sample-data line) under
every table.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pandas as pd

from helpers.contract import NOTE_CHARTS_DIR, check_both
from helpers.note import (
    build_note,
    caption,
    chart_numbers,
    load_thresholds,
    render_html,
    render_markdown,
)

__all__ = ["LEVELS", "NOTE_CHARTS", "SHEET_NAMES", "UNIT_FORMATS", "UNIT_LABELS", "write_outputs",
           "collect_charts", "sheet_tables", "write_docx", "write_xlsx"]  # fmt: skip

UNIT_LABELS = {"pct": "%", "pp": "pp", "usd_bn": "USD bn", "cny_bn": "CNY bn", "ratio": "ratio",
               "usd_mn": "USD mn", "mt": "Mt", "mb_d": "mb/d"}  # fmt: skip
# Excel number formats by figures.csv unit: one decimal for % and pp, thousands separators for
# levels, two decimals for ratios and shares, whole numbers for counts
UNIT_FORMATS = {"pct": "#,##0.0;-#,##0.0;0.0", "pp": "+#,##0.0;-#,##0.0;0.0",
                "usd_bn": "#,##0.0", "cny_bn": "#,##0.0", "usd_mn": "#,##0",
                "ratio": "0.00", "share": "0%", "count": "#,##0", "months": "0",
                "mt": "#,##0.0", "mb_d": "#,##0.0"}  # fmt: skip
# the note's charts in the order it shows them
NOTE_CHARTS = ("trade_yoy", "export_contributions_by_product",
               "export_contributions_by_product_ytd", "export_contributions_by_destination",
               "export_contributions_by_destination_ytd", "export_price_volume",
               "export_forecast")  # fmt: skip
# readable sheet names for (view, dimension)
SHEET_NAMES = {
    ("headline", "total"): "Headline",
    ("product", "product"): "Exports by product",
    ("product", "total"): "Exports total",
    ("regional", "partner"): "Exports by destination",
    ("regional", "total"): "Exports by destination total",
    ("imports", "product"): "Imports by product",
    ("imports", "partner"): "Imports by origin",
    ("outlook", "total"): "Outlook",
    ("outlook", "model"): "Forecast backtest",
    ("outlook", "scenario"): "Scenarios",
    ("outlook", "holiday"): "New Year effect",
}
LEVELS = ("total", "line", "of which", "memo")
# columns in a reader's order: growth first, then what it is made of, levels and shares
METRIC_ORDER = ("yoy", "contribution", "level", "share", "share_change_yoy", "yoy_volume",
                "yoy_price", "contribution_volume", "contribution_price", "ytd_yoy",
                "level_ytd", "contribution_ytd", "share_ytd", "share_ytd_change",
                "forecast_yoy", "forecast_lo80", "forecast_hi80", "forecast_lo95",
                "forecast_hi95", "base_effect", "base_yoy", "rmse", "mae",
                "rmse_ratio_random_walk", "rmse_ratio_seasonal_naive", "coverage80",
                "coverage95", "n")  # fmt: skip
# the headline sheet: one row per figure, in this order (then any other)
HEADLINE_ORDER = ("yoy", "consensus_yoy", "surprise", "mom", "ytd_yoy", "yoy_3m",
                  "yoy_2y_average", "yoy_2y_stacked", "level", "volume_index_yoy",
                  "price_index_yoy", "volume_coverage", "balance", "consensus_balance",
                  "balance_change_yoy", "cny_per_usd_yoy")  # fmt: skip
ITEM_NAMES = {"cny_before": "Before New Year", "cny_after": "After New Year",
              "non_us": "Excluding the United States"}  # fmt: skip
SOURCE = "Source: GAC (China customs) monthly trade release; China Trade Kit computations."
SAMPLE_LINE = "Illustrative sample data, not official statistics."


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


# --------------------------------------------------------------------------- note.docx

PAPER = {"A4": (8.27, 11.69), "LETTER": (8.5, 11.0)}  # inches


def write_docx(path: Path, note, charts: list[tuple[Path, str]], paper: str = "A4") -> None:
    """note.docx: the claim as title, the period line, the summary, headings, paragraphs, the
    key table and each chart under its paragraph with a short caption; core properties set."""
    from docx import Document
    from docx.shared import Inches, Pt


    size = PAPER.get(str(paper).upper())
    if size is None:
        raise ValueError(f"paper must be A4 or Letter, not {paper!r}")
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Inches(size[0]), Inches(size[1])
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Inches(1))
    width = Inches(size[0] - 2)
    props = doc.core_properties
    props.title = note.title
    props.author = "China Trade Kit"
    props.last_modified_by = "China Trade Kit"
    props.subject = note.kicker
    props.comments = note.subtitle
    props.keywords = "China; trade; GAC; customs"
    if note.kicker:
        doc.add_paragraph(note.kicker).runs[0].font.size = Pt(9)
    doc.add_heading(note.title, level=0)
    if note.subtitle:
        doc.add_paragraph(note.subtitle).runs[0].italic = True
    if note.summary:
        doc.add_paragraph(note.summary).runs[0].bold = True
    available = {Path(p).stem: (Path(p), alt) for p, alt in charts}
    numbers = chart_numbers(note, charts)
    for block in note.blocks:
        if block[0] == "h2":
            doc.add_heading(block[1], level=1)
        elif block[0] == "p":
            doc.add_paragraph(block[1])
        elif block[0] == "chart" and block[1] in numbers:
            png, alt = available[block[1]]
            doc.add_picture(str(png), width=width)
            pr = doc.paragraphs[-1]._p.xpath("./w:r/w:drawing/wp:inline/wp:docPr")[0]
            pr.set("descr", alt)
            pr.set("title", caption(block[1], numbers[block[1]]))
            doc.add_paragraph(caption(block[1], numbers[block[1]]), style="Caption")
        elif block[0] == "table":
            header, rows = block[1], block[2]
            table = doc.add_table(rows=1, cols=len(header))
            table.style = "Light Grid Accent 1"
            for cell, text in zip(table.rows[0].cells, header, strict=True):
                cell.text = text
            for row in rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
    doc.save(str(path))


# --------------------------------------------------------------------------- tables.xlsx


def _period_label(period: str) -> str:
    """'2025-09' -> 'Sep 2025', '2025-Q3' -> 'Q3 2025'."""
    if "Q" in period:
        year, quarter = period.split("-")
        return f"{quarter} {year}"
    try:
        return pd.Period(period, "M").strftime("%b %Y")
    except ValueError:
        return period


@cache  # pure in its arguments; the tables ask for each row several times
def _item_info(dimension: str, flow: str, item: str) -> tuple[str, str, int]:
    """(label, level, order) of a row: names from the classifications, level total / line /
    of which / memo, order GAC's (products: the tree; partners: GAC's table)."""
    from helpers import breakdown, classifications

    flows = {"export": "Exports", "import": "Imports", "net": "Trade balance"}
    if item == "total":
        return (flows.get(flow, flow) if dimension == "total" else "Total"), "total", -1
    if dimension == "product":
        tree = classifications.product_tree(flow if flow in ("export", "import") else "export")
        if item in tree.index:
            order = list(tree.index).index(item)
            parent, part = tree.at[item, "parent"], bool(tree.at[item, "in_partition"])
            level = "memo" if not part else ("line" if parent == "TOTAL" else "of which")
            return classifications.display_name(item, "product", flow), level, order
    if dimension == "partner":
        layout = {code: (role, i) for i, (code, role, _) in enumerate(breakdown.partner_layout())}
        role, order = layout.get(item, ("overlap", 999))
        level = {"part": "line", "of_which": "of which"}.get(role, "memo")
        try:
            name = classifications.display_name(item, "partner")
        except KeyError:
            name = {**ITEM_NAMES, "other": "Rest of world"}.get(
                item, item.replace("_", " ").capitalize())  # fmt: skip
        if item == "other":
            level, order = "line", 900
        return name, level, order
    return item.replace("_", " ").capitalize(), "", 0


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _label(metric: str, currency: str) -> str:
    from helpers.figures import label_of

    try:
        return label_of(metric, currency)
    except KeyError:
        return metric.replace("_", " ")


def sheet_tables(figures: pd.DataFrame, currency: str = "USD") -> dict[str, pd.DataFrame]:
    """One table per view and dimension from the figures rows, labelled for a reader.

    Columns: the item's name, its `Level` (total / line / of which / memo), then one column per
    figure and month ('y/y %, Sep 2025'; units in the label, a CNY figure of a USD report marked
    '(CNY)'); rows in GAC's order. Tables spanning more than two periods (quarters, forecast
    months) take the period as a row key; a headline's quarters get their own sheet.
    `attrs['units']` maps each column to its figures.csv unit (for number formats).
    """
    tables = {}
    frame = figures.copy()
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    frame = frame[frame["value"].notna()]
    if "currency" not in frame:
        frame["currency"] = currency
    frame["currency"] = frame["currency"].fillna("").replace("", currency)
    for (view, dimension), rows in frame.groupby(["view", "dimension"], sort=False):
        quarterly = rows["period"].str.contains("Q")
        name = SHEET_NAMES.get((view, dimension), f"{view.title()} {dimension}")
        parts = [(name, rows[~quarterly]), (f"{name} quarters", rows[quarterly])]
        for sheet, part in parts:
            if part.empty:
                continue
            if (view, dimension) == ("headline", "total") and not part["period"].str.contains(
                    "Q").any():  # fmt: skip
                tables[sheet[:31]] = _headline_table(part, currency)
            else:
                tables[sheet[:31]] = _one_table(part, dimension, currency)
    return tables


def _headline_table(rows: pd.DataFrame, currency: str) -> pd.DataFrame:
    """The headline sheet, compact: one row per figure ('Exports, y/y %'), one column per month
    (the release first). `attrs['row_units']` gives each row's unit."""
    flows = {"export": "Exports", "import": "Imports", "net": "Trade balance"}
    order = {m: i for i, m in enumerate(HEADLINE_ORDER)}
    rows = rows.assign(
        Item=[f"{flows.get(f, f)}, {_label(m, c)}" + ("" if c == currency else f" ({c})")
              for f, m, c in zip(rows["flow"], rows["metric"], rows["currency"], strict=True)],
        _f=rows["flow"].map({"export": 0, "import": 1, "net": 2}).fillna(3),
        _m=rows["metric"].map(order).fillna(len(order)),
        _c=(rows["currency"] != currency).astype(int),
        column=rows["period"].map(_period_label))  # fmt: skip
    periods = sorted(rows["period"].unique(), reverse=True)
    columns = [_period_label(p) for p in periods]
    rows = rows.sort_values(["_f", "_m", "_c"], kind="stable")
    table = rows.pivot_table(index="Item", columns="column", values="value", aggfunc="first",
                             sort=False)  # fmt: skip
    table = table[[c for c in columns if c in table.columns]].reset_index()
    table.columns.name = None
    table.attrs["row_units"] = dict(zip(rows["Item"], rows["unit"], strict=True))
    return table


def _one_table(rows: pd.DataFrame, dimension: str, currency: str) -> pd.DataFrame:
    rows = rows.copy()
    info = [_item_info(dimension, f, i) for f, i in zip(rows["flow"], rows["item"], strict=True)]
    rows["Item"] = [i[0] for i in info]
    rows["Level"] = [i[1] for i in info]
    rows["_order"] = [i[2] for i in info]
    if dimension == "scenario":  # the note's words for the scenarios, the total last

        labels = load_thresholds().get("scenario_labels") or {}
        rows["Item"] = [_upper_first(labels.get(i, i.replace("_", " "))) if i != "total"
                        else "All together" for i in rows["item"]]  # fmt: skip
        rows["_order"] = [1 if i == "total" else 0 for i in rows["item"]]
    if dimension == "holiday":
        rows["Item"] = [ITEM_NAMES.get(i, i.replace("_", " ").capitalize()) for i in rows["item"]]
    if dimension == "model":  # 'sarimax_x_h1' -> model and horizon
        split = rows["item"].str.rsplit("_h", n=1)
        rows["Item"] = split.str[0]
        rows["Horizon (months)"] = pd.to_numeric(split.str[1], errors="coerce")
        rows["Level"] = ""
    label = [_label(m, c) + ("" if c == currency else f" ({c})")
             for m, c in zip(rows["metric"], rows["currency"], strict=True)]  # fmt: skip
    long = rows["period"].nunique() > 2
    if long:
        rows["column"] = label
        rows["Period"] = rows["period"].map(_period_label)
        rows["_p"] = rows["period"]
    else:
        rows["column"] = [f"{lab}, {_period_label(p)}" for lab, p in
                          zip(label, rows["period"], strict=True)]  # fmt: skip
    units = dict(zip(rows["column"], rows["unit"], strict=True))
    flows = rows["flow"].nunique() > 1 and dimension != "total"
    if flows:
        rows["Flow"] = rows["flow"].map({"export": "Exports", "import": "Imports"}).fillna(
            rows["flow"])
    keys = (["Flow"] if flows else []) + ["Item", "Level", "_order"]
    keys += ["Horizon (months)"] if dimension == "model" else []
    keys += ["Period", "_p"] if long else []
    # columns: figures in the views' order, the latest period first within a figure
    metric_order = {m: i for i, m in enumerate(METRIC_ORDER)}
    order = rows.assign(_m=rows["metric"].map(metric_order).fillna(len(metric_order)),
                        _c=(rows["currency"] != currency).astype(int))  # fmt: skip
    order = order.sort_values(["_m", "_c", "period"], ascending=[True, True, False],
                              kind="stable")  # fmt: skip
    columns = list(dict.fromkeys(order["column"]))
    table = rows.pivot_table(index=keys, columns="column", values="value", aggfunc="first",
                             sort=False)  # fmt: skip
    table = table[[c for c in columns if c in table.columns]].reset_index()
    table.columns.name = None
    sort = (["Flow"] if flows else []) + ["_order", "Item"]
    sort += ["Horizon (months)"] if dimension == "model" else []
    sort += ["_p"] if long else []
    table = table.sort_values(sort, kind="stable").drop(
        columns=[c for c in ("_order", "_p") if c in table]).reset_index(drop=True)
    if dimension not in ("product", "partner"):  # a level only where rows could be added up
        table = table.drop(columns="Level", errors="ignore")
    table.attrs["units"] = units
    return table


def write_xlsx(path: Path, figures: pd.DataFrame, meta: dict | None = None) -> None:
    """tables.xlsx: one sheet per view table (readable names and labels, a Level column, number
    formats per unit, bold frozen header row, a source and sample-data line under the table)."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    meta = meta or {}
    currency, both = check_both(meta.get("currency", "USD"))
    tables = sheet_tables(figures, currency)
    lines = [SOURCE + f" Values in {currency}" + ("; CNY growth marked (CNY)." if both else ".")]
    if meta.get("sample", meta == {}):
        lines.append(SAMPLE_LINE)
    if meta.get("period"):
        lines.append(f"Release: {meta['period']}. Level: total / line (lines add up to the total)"
                     " / of which (inside a line) / memo (overlaps other rows: do not add).")
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        if not tables:
            pd.DataFrame({"note": ["no figures in this report"]}).to_excel(
                writer, sheet_name="figures", index=False)  # fmt: skip
        for name, table in tables.items():
            table.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            units = table.attrs.get("units", {})
            by_row = table.attrs.get("row_units")
            for j, column in enumerate(table.columns, start=1):
                letter = get_column_letter(j)
                for row in range(2, len(table) + 2):
                    unit = (by_row.get(table.iat[row - 2, 0], "") if by_row
                            else units.get(column, ""))  # fmt: skip
                    fmt = UNIT_FORMATS.get(unit)
                    if fmt and j > 1:
                        sheet[f"{letter}{row}"].number_format = fmt
                sheet[f"{letter}1"].font = Font(bold=True)
                width = max([len(str(column))] + [len(str(v)) for v in table[column]])
                sheet.column_dimensions[letter].width = min(44, max(10, width + 2))
            keys = sum(1 for c in table.columns if c in ("Flow", "Item", "Level"))
            sheet.freeze_panes = f"{get_column_letter(keys + 1)}2"
            shown = lines if "Level" in table.columns else [t for t in lines
                                                            if not t.startswith("Release")]
            if "Level" not in table.columns and meta.get("period"):
                shown = [*shown, f"Release: {meta['period']}."]
            for k, text in enumerate(shown):
                cell = sheet.cell(row=len(table) + 3 + k, column=1, value=text)
                cell.font = Font(italic=True, size=9)


def write_outputs(build_dir: Path, figures: pd.DataFrame, meta: dict) -> list[Path]:
    """Write note.md, note.html, note.docx, tables.xlsx and charts/ into build_dir (the note
    written by helpers.note from `figures`; `meta` as helpers.note.build_note takes it)."""
    build_dir = Path(build_dir)
    note = build_note(figures, meta)
    charts = collect_charts(build_dir / NOTE_CHARTS_DIR)
    (build_dir / "note.md").write_text(render_markdown(note, charts), encoding="utf-8")
    (build_dir / "note.html").write_text(render_html(note, charts), encoding="utf-8")
    paper = meta.get("paper") or load_thresholds().get("docx_paper", "A4")
    write_docx(build_dir / "note.docx", note, charts, paper=paper)
    write_xlsx(build_dir / "tables.xlsx", figures, meta)
    return [build_dir / n for n in ("note.md", "note.html", "note.docx", "tables.xlsx")]

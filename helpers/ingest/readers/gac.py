"""Reader for GAC preliminary release tables saved as HTML from GAC's English site.

Tables read (identified by their description, not their number): (1) total values, (4) by
country/region, (5) major exports and (6) major imports by quantity and value; CNY and USD
editions; the normal-month layout and the January-February combined layout (NOTES §1). Monthly
Bulletin pages (titles dated "6.2026") are read the same way through the entry that
helpers.ingest.readers.gac_bulletin adds to SECTIONS (table (2) by country (region) of
origin/destination), into the same GacTable.

SECTIONS lists every table: its title words, layouts, mapper and flow (a SectionSpec, see
helpers.ingest.readers.gac_layout and docs/gac_tables.md). parse_page is generic: a new table is
one SECTIONS entry plus one `_map_*` function.

    read_gac(path) -> DataFrame           single-month values in the canonical columns
                                          (a January-February table gives months=2 at February)
    read_gac_tables(path) -> GacTable     month, ytd, prior_ytd, printed_yoy, printed, unmapped,
                                          meta, month_rates, ytd_rates
    store_rows(table) -> (month, ytd)     the canonical rows `python -m helpers import gac` stores
    read_page(path) -> RawPage            reading only: file -> HTML -> the table's rows of cells
    parse_page(raw) -> GacTable           parsing only: rows -> frames

Conventions
- value = printed number x the Unit line's scale ("CNY 100 Million" -> 1e8, "USD1 Million" -> 1e6).
- quantity = printed quantity x the factor in data/classifications/gac_product_labels.csv, in the
  product's canonical unit from products.csv; NaN when the product has no canonical unit, GAC
  prints none, or the printed unit cannot be converted.
- vintage = the release date printed on the page (div.atcl-date) as an ISO date; when the page has
  none, the 15th of the month after the period (GAC releases land on the 7th-14th), and
  meta["vintage_source"] says "assumed" instead of "printed".
- source = "gac:<file name>" ("gac:<file name> (section 1)" for section (1)); measure "level".
- Printed growth rates (pct, as printed) are stored too:
    table "ytd",   measure "yoy_pct"           YTD value y/y (sections (1), (4), (5), (6))
    table "ytd",   measure "quantity_yoy_pct"  YTD quantity y/y (sections (5), (6); same key as
                                               the value's y/y; a "-" quantity y/y: no row)
    table "month", measure "yoy_pct"           single-month y/y (section (1); a Jan-Feb page's
                                               cumulative y/y at February with months=2, also
                                               stored in "ytd")
    table "month", measure "mom_pct"           month-on-month change (section (1))
- Hierarchy (leading spaces, "of which:") is recorded in GacTable.printed but never used to add
  children into parents: each row maps to its own code. Aggregates overlap; never add them up.
- Partner labels form a closed list: an unknown one is an error. A commodity line without a kit
  product code is read, kept in GacTable.printed and listed in GacTable.unmapped.

Label files (data/classifications), matched after dropping case, punctuation, "*", nbsp and
"of which:":
- gac_partner_labels.csv: label, partner (code in partners.csv), seen_in.
- gac_product_labels.csv: flow, label, product (empty = GAC line without a kit code), gac_unit
  (quantity unit as GAC prints it), factor (printed quantity -> canonical unit of products.csv;
  empty = not convertible), until (last year GAC printed that unit; empty = current: used when a
  page lacks the unit column), note. A printed unit not listed for its line is an error.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree
from lxml import html as lxml_html

from helpers import classifications
from helpers.ingest.readers import gac_bulletin
from helpers.ingest.readers.gac_bulletin import BULLETIN_BY_COUNTRY
from helpers.ingest.readers.gac_layout import (
    PARTNER_LABELS,
    PRODUCT_LABELS,
    Edition,
    GacCurrencyMismatchError,
    GacLayoutError,
    GacNoTableError,
    GacReadError,
    GacTable,
    GacTruncatedTableError,
    GacUnitError,
    GacUnknownLabelError,
    GacUnsupportedTableError,
    Mapped,
    RawPage,
    RawRow,
    SectionRows,
    SectionSpec,
    UnmappedLine,
    clean,
    empty_canonical,
    int_or_none,
    is_missing,
    label_key,
    parse_number,
    partner_labels,
    product_labels,
    unit_key,
)
from helpers.schema import CANONICAL_COLUMNS

__all__ = [
    "BULLETIN_BY_COUNTRY", "BY_COUNTRY", "EXPORTS", "IMPORTS", "PARTNER_LABELS",
    "PARTNER_SECTIONS", "PRODUCT_LABELS", "SECTIONS", "TOTALS", "TOTAL_ROWS",
    "GacCurrencyMismatchError", "GacLayoutError", "GacNoTableError", "GacReadError", "GacTable",
    "GacTruncatedTableError", "GacUnitError", "GacUnknownLabelError", "GacUnsupportedTableError",
    "RawPage", "RawRow", "SectionSpec", "UnmappedLine", "check_label_files", "label_key",
    "parse_page", "partner_labels", "product_labels", "read_gac", "read_gac_tables",
    "read_html_text", "read_page", "store_rows", "unit_key",
]  # fmt: skip

BY_COUNTRY, EXPORTS, IMPORTS = "by_country", "major_exports", "major_imports"
TOTALS = "total_values"  # section (1)
# Section (1) row labels (label_key) -> flow; "total" and "balance" are read, not stored
TOTAL_ROWS = {
    "total export and import": "total", "total exports and imports": "total",
    "export and import": "total", "total export": "export", "total exports": "export",
    "export": "export", "exports": "export", "total import": "import", "total imports": "import",
    "import": "import", "imports": "import", "balance": "balance", "trade balance": "balance",
}  # fmt: skip

_TITLE_CURRENCY_RE = re.compile(r"\bin\s+(cny|rmb|usd|yuan|us\s*dollars?)\b", re.I)
_UNIT_RE = re.compile(r"\bunit\s*[:\uff1a]\s*(.+)$", re.I)
_DECIMAL_RE = re.compile(r"[-+]?[\d,]*\d\.\d+")
_OVERFLOW_RE = re.compile(r"#+")
HEADER_WORDS = {
    "import source", "export destination", "commodity", "quantity", "value", "quantity unit",
    "qty unit", "export & import", "export", "import", "country/region", "countries/regions",
    "item",
}  # fmt: skip


def store_rows(table: GacTable) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What `python -m helpers import gac` stores: (rows of table "month", rows of table "ytd").

    month: single-month levels, then the printed month y/y and m/m (section (1));
    ytd:   YTD levels, prior-year YTD levels, printed YTD y/y and quantity y/y.
    Both in the canonical columns; a rate and a level of one key differ by measure.
    """

    def stack(parts: list[pd.DataFrame]) -> pd.DataFrame:
        """The non-empty parts in the canonical columns, stacked."""
        parts = [p.reindex(columns=CANONICAL_COLUMNS) for p in parts if len(p)]
        return pd.concat(parts, ignore_index=True) if parts else empty_canonical()

    month = stack([table.month, table.month_rates])
    ytd = stack([table.ytd, table.prior_ytd, table.ytd_rates])
    return month, ytd


# ---------------------------------------------------------------------------------------------
# Text helpers


def _row_text(text: str) -> str:
    """Drop the source's formatting whitespace (runs containing a newline) but keep nbsp."""
    return re.sub(r"[ \t\r]*\n[ \t\r\n]*", " ", text).strip(" \t\r\n")


def _indent(text: str) -> int:
    """Leading space characters (nbsp, ideographic space...) of a cell."""
    return len(text) - len(text.lstrip())


def _iso_date(text: str | None) -> str | None:
    """Release dates print as 2026/04/08 or (2018-2019) 06/10/2019."""
    text = clean(text)
    for fmt in ("%Y/%m/%d", "%Y-%m-%d", "%Y.%m.%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


# ---------------------------------------------------------------------------------------------
# Label files


def check_label_files() -> list[str]:
    """Problems in the label files: codes missing from partners.csv / products.csv (per flow)."""
    problems = []
    partner_codes = set(classifications.partners().index)
    for code in sorted(set(partner_labels().values()) - partner_codes):
        problems.append(f"{PARTNER_LABELS.name}: partner code '{code}' not in partners.csv")
    products = classifications.products()
    known = set(zip(products["flow"], products["code"], strict=True))
    labels = product_labels()
    for flow, code in labels.loc[labels["product"] != "", ["flow", "product"]].itertuples(
        index=False
    ):
        if (flow, code) not in known:
            problems.append(f"{PRODUCT_LABELS.name}: ({flow}, {code}) not in products.csv")
    return problems


def _canonical_unit(flow: str, code: str) -> str:
    """The product's quantity unit in products.csv ('' when it has none)."""
    tree = classifications.product_tree(flow)
    return tree.at[code, "quantity_unit"] if code in tree.index else ""


# ---------------------------------------------------------------------------------------------
# Reading: file -> HTML text -> table -> rows of cells


def read_html_text(path: str | Path) -> str:
    """The page's text (GAC serves UTF-8; GB18030 as a fallback for pages saved otherwise)."""
    data = Path(path).read_bytes()
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _table_rows(table) -> list[RawRow]:
    """Rows of one <table> (nested tables ignored), cells expanded by colspan."""
    rows = []
    for number, tr in enumerate(table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr"), start=1):
        tds = tr.xpath("./td|./th")
        cells = []
        for td in tds:
            span = td.get("colspan") or "1"
            span = int(span) if span.strip().isdigit() else 1
            cells.extend([_row_text(td.text_content())] + [""] * (max(span, 1) - 1))
        rows.append(RawRow(number, tr.sourceline, cells, spanning=len(tds) == 1))
    return rows


def read_page(path: str | Path) -> RawPage:
    """Read a saved GAC page: titles, printed release date and the release table's rows."""
    path = Path(path)
    text = read_html_text(path)
    try:
        doc = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise GacNoTableError(path.name, f"not an HTML page ({exc})") from exc
    titles = [clean(t) for t in doc.xpath("//title/text()")]
    titles += [clean(d.text_content()) for d in doc.xpath("//*[contains(@class,'atcl-ttl')]")]
    dates = [d.text_content() for d in doc.xpath("//*[contains(@class,'atcl-date')]")]
    dates += doc.xpath("//meta[@name='PubDate']/@content")
    release = next((iso for iso in map(_iso_date, dates) if iso), None)

    tables = doc.xpath("//*[contains(@class,'atcl-cnt')]//table") or doc.xpath("//table")
    if not tables:
        images = doc.xpath("//*[contains(@class,'atcl-cnt')]//img/@src") or doc.xpath(
            "//body//img[not(ancestor::*[contains(@class,'g-')])]/@src"
        )
        what = f"an image ({images[0]}) instead of a table" if images else "no <table>"
        raise GacNoTableError(
            path.name, f"the page holds {what}; GAC's 2018 by-country pages are images"
        )
    table = max(tables, key=lambda t: len(t.xpath(".//tr")))
    rows = _table_rows(table)
    lowered = text.lower()
    closed = lowered.count("</table") >= lowered.count("<table")
    return RawPage(path.name, [t for t in titles if t], release, rows, closed)


# ---------------------------------------------------------------------------------------------
# Parsing helpers: rows -> title, unit, layout, printed rows


def _split_rows(raw: RawPage) -> tuple[list[RawRow], list[RawRow], list[RawRow]]:
    """Banner rows above the header (title, unit), header rows and data rows."""
    banners, header, data = [], [], []
    notes_at = None
    for row in raw.rows:
        if not any(clean(c) for c in row.cells):
            continue
        if notes_at is not None:
            if not row.spanning:
                raise GacLayoutError(
                    raw.file, "data row below the notes", row.number, row.line, clean(row.cells[0])
                )
            continue
        if row.spanning:
            if data:
                notes_at = row.number
            else:
                banners.append(row)
        elif not data and _looks_like_header(row):
            header.append(row)
        else:
            data.append(row)
    return banners, header, data


def _looks_like_header(row: RawRow) -> bool:
    """Header rows name columns; the second by-country header ("3", "1- to-3") has no decimals."""
    cells = [clean(c).lower() for c in row.cells]
    if any(c in HEADER_WORDS for c in cells):
        return True
    return not any(_DECIMAL_RE.fullmatch(c) for c in cells)


def _editions(sections: dict[str, SectionSpec]) -> list[Edition]:
    """The editions of `sections`, in the order they first appear (identity, not equality)."""
    editions: list[Edition] = []
    for spec in sections.values():
        if not any(spec.edition is known for known in editions):
            editions.append(spec.edition)
    return editions


def _parse_title(raw: RawPage, banners: list[RawRow]) -> dict:
    """Section (its SECTIONS key), period, months and title currency from the table's title (or
    the page's): the edition whose period the titles print, then its first matching section."""
    table_titles = [clean(r.cells[0]) for r in banners if not _UNIT_RE.search(clean(r.cells[0]))]
    candidates = table_titles + raw.titles
    for edition in _editions(SECTIONS):
        titles = [t for t in candidates if edition.period_re.search(t)]
        if titles:
            break
    else:
        raise GacUnsupportedTableError(
            raw.file, f"no release table title with a month (titles: {raw.titles or table_titles})"
        )
    title = titles[0]
    low = title.lower()
    for words, reason in edition.unread_titles.items():
        if words in low:
            raise GacUnsupportedTableError(raw.file, f"'{title}': {reason}")
    mine = {key: spec for key, spec in SECTIONS.items() if spec.edition is edition}
    section = next((key for key, spec in mine.items() if spec.matches(title)), None)
    if section is None:
        known = " and ".join(f"'{spec.name}'" for spec in mine.values())
        raise GacUnsupportedTableError(
            raw.file, edition.unknown_title.format(title=title, known=known)
        )

    period, janfeb = edition.read_period(raw.file, title)
    number = re.match(r"\((\d+)\)", title)
    currencies = {}
    for text in dict.fromkeys(candidates):
        found = edition.title_currency and _TITLE_CURRENCY_RE.search(text)
        if found:
            currencies[text] = "USD" if found.group(1).lower().startswith("us") else "CNY"
    return {
        "title": title,
        "section": section,
        "section_number": int(number.group(1)) if number else None,
        "period": period,
        "janfeb": janfeb,
        **edition.meta,
        "title_currencies": currencies,
    }


def _parse_value_unit(raw: RawPage, banners: list[RawRow], title_currencies: dict) -> dict:
    """Currency and scale from the Unit line; reject a page whose title says otherwise."""
    unit_row = next((r for r in banners if _UNIT_RE.search(clean(r.cells[0]))), None)
    if unit_row is None:
        raise GacUnitError(raw.file, "no 'Unit:' line above the table header")
    unit_text = clean(unit_row.cells[0])
    low = _UNIT_RE.search(unit_text).group(1).lower()
    currency = "CNY" if re.search(r"cny|rmb|yuan", low) else None
    if currency is None and re.search(r"\busd|\bus\s*(\$|dollar)", low):
        currency = "USD"
    scale = re.search(r"(\d[\d,]*)?\s*(hundred million|million|billion|thousand)", low)
    # Monthly Bulletin: a bare number ("Unit:US$1,000")
    bare = None if scale else re.search(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)\s*$", low)
    if scale is None and bare is None:
        raise GacUnitError(raw.file, f"cannot read the scale of '{unit_text}'", unit_row.number)
    multiplier = {"hundred million": 1e8, "million": 1e6, "billion": 1e9, "thousand": 1e3, "": 1.0}
    number, word = (scale.group(1), scale.group(2)) if scale else (bare.group(1), "")
    factor = float(number.replace(",", "")) if number else 1.0
    if factor <= 0:
        raise GacUnitError(raw.file, f"cannot read the scale of '{unit_text}'", unit_row.number)
    for title, title_currency in title_currencies.items():
        if currency and title_currency != currency:
            raise GacCurrencyMismatchError(
                raw.file,
                f"the title '{title}' says {title_currency} but the Unit line '{unit_text}' says "
                f"{currency}; rejecting the page rather than guessing",
                unit_row.number,
                unit_row.line,
            )
    currency = currency or next(iter(set(title_currencies.values())), None)
    if len(set(title_currencies.values())) > 1:
        raise GacCurrencyMismatchError(raw.file, f"titles disagree on currency: {title_currencies}")
    if currency is None:
        raise GacUnitError(raw.file, f"no currency in '{unit_text}' or the title", unit_row.number)
    return {"currency": currency, "unit": unit_text, "scale": factor * multiplier[word]}


def _layout_variant(raw: RawPage, spec: SectionSpec, meta: dict, data: list[RawRow]) -> str:
    """"janfeb" for a January-February title, else "month"; "january" for a January page whose
    rows have the width of the spec's january layout (one column per flow, also the YTD)."""
    variant = "janfeb" if meta["janfeb"] else "month"
    january = spec.layouts.get("january")
    if (variant == "month" and meta["period"].month == 1 and january is not None
            and len(data[0].cells) == len(january) + 1):  # fmt: skip
        variant = "january"
    if variant not in spec.layouts:
        raise GacLayoutError(
            raw.file, f"'{meta['title']}': no {variant} layout is known for {spec.kind} tables"
        )
    return variant


def _check_cells(raw: RawPage, data: list[RawRow], width: int, layout: str, shifted: bool) -> None:
    """Every data row must have the layout's cell count (shifted rows: one fewer, or empty last)."""

    def fits(row: RawRow) -> bool:
        """The row has the layout's width (or the shifted width)."""
        if not shifted:
            return len(row.cells) == width
        return len(row.cells) == width - 1 or (len(row.cells) == width and not clean(row.cells[-1]))

    bad = [row for row in data if not fits(row)]
    if not bad:
        return
    counts = sorted({len(row.cells) for row in bad})
    if len(bad) == len(data):
        raise GacLayoutError(
            raw.file,
            f"data rows have {counts} cells but the {layout} layout (from the title) has {width}",
            data[0].number,
            data[0].line,
            clean(data[0].cells[0]),
        )
    row = bad[0]
    raise GacTruncatedTableError(
        raw.file,
        f"{len(row.cells)} cells where the {layout} layout has {width} (truncated table?)",
        row.number,
        row.line,
        clean(row.cells[0]),
    )


def _unit_column_missing(data: list[RawRow], width: int) -> bool:
    """April 2025 USD: rows lack the Quantity Unit cell (values one column left, empty last)."""

    def shifted(row: RawRow) -> bool:
        """The row lacks the unit cell: one cell short, or an empty last cell and no unit."""
        if len(row.cells) == width - 1:
            return True
        second = clean(row.cells[1]) if len(row.cells) > 1 else ""
        unit_like = not is_missing(second) and parse_number(second) is None
        return len(row.cells) == width and not clean(row.cells[-1]) and not unit_like

    return bool(data) and all(shifted(row) for row in data)


def _clear_overflow(data: list[RawRow], columns: list[str]) -> tuple[list[RawRow], list[dict]]:
    """Copies of the rows with "############" cells emptied, and where they were."""
    rows, found = [], []
    for row in data:
        cells = list(row.cells)
        for at in range(1, min(len(cells), len(columns) + 1)):
            if _OVERFLOW_RE.fullmatch(clean(cells[at])):
                label = clean(cells[0])
                found.append({"row": row.number, "line": row.line, "label": label,
                              "column": columns[at - 1]})  # fmt: skip
                cells[at] = ""
        rows.append(replace(row, cells=cells))
    return rows, found


def _printed_rows(raw: RawPage, data: list[RawRow], columns: list[str]) -> pd.DataFrame:
    """The table as printed: label, indentation, parent and numbers (unscaled)."""
    records, stack = [], []
    for row in data:
        label_cell = row.cells[0]
        label = clean(re.sub(r"^\s*of which\s*:\s*", "", clean(label_cell), flags=re.I))
        if not label:
            raise GacLayoutError(raw.file, "data row without a label", row.number, row.line)
        indent = _indent(label_cell)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        record = {
            "row": row.number,
            "line": row.line,
            "label": label,
            "indent": indent,
            "parent": stack[-1][1] if stack else None,
            "of_which": clean(label_cell).lower().startswith("of which"),
            "aggregate": "*" in label,
        }
        stack.append((indent, label))
        values = row.cells[1 : 1 + len(columns)]
        values += [""] * (len(columns) - len(values))
        for column, cell in zip(columns, values, strict=True):
            if column == "unit":
                record[column] = None if is_missing(cell) else clean(cell)
                continue
            number = parse_number(cell)
            if number is None:
                raise GacLayoutError(
                    raw.file, f"'{clean(cell)}' in column {column} is not a number",
                    row.number, row.line, label,
                )  # fmt: skip
            record[column] = number
        if all(np.isnan(record[c]) for c in columns if c != "unit") and not any(
            clean(c) for c in row.cells[1:]
        ):
            raise GacTruncatedTableError(
                raw.file,
                "every value cell is empty (truncated table?)",
                row.number,
                row.line,
                label,
            )
        records.append(record)
    return pd.DataFrame.from_records(records)


# ---------------------------------------------------------------------------------------------
# Mappers: printed rows -> a code per row (one per kind of table; see SECTIONS)


def _map_partners(rows: SectionRows) -> Mapped:
    """Partner code per row; unknown labels are an error (partners are a closed list)."""
    raw, printed = rows.raw, rows.printed
    labels = partner_labels()
    codes = printed["label"].map(lambda text: labels.get(label_key(text)))
    unknown = printed[codes.isna()]
    if len(unknown):
        first = unknown.iloc[0]
        raise GacUnknownLabelError(
            raw.file,
            f"unknown partner label; add it to {PARTNER_LABELS.name} if it is a new variant "
            f"({len(unknown)} unknown: {list(unknown['label'])})",
            int_or_none(first["row"]),
            int_or_none(first["line"]),
            first["label"],
        )
    if "WORLD" not in set(codes):
        first = printed.iloc[0]
        raise GacTruncatedTableError(
            raw.file,
            f"no 'Total' row among the {len(printed)} data rows (truncated table?)",
            int_or_none(first["row"]),
            int_or_none(first["line"]),
            first["label"],
        )
    return Mapped(printed.assign(code=codes))


def _map_totals(rows: SectionRows) -> Mapped:
    """Section (1): flow per row, and one WORLD row with export_/import_ columns for the frames.

    The printed month y/y and m/m become GacTable.month_rates (as printed, pct).
    """
    raw, printed = rows.raw, rows.printed
    flows = printed["label"].map(lambda text: TOTAL_ROWS.get(label_key(text)))
    unknown = printed[flows.isna()]
    if len(unknown):
        first = unknown.iloc[0]
        raise GacUnknownLabelError(
            raw.file, f"unknown section (1) row (known: {sorted(set(TOTAL_ROWS))})",
            int_or_none(first["row"]), int_or_none(first["line"]), first["label"],
        )  # fmt: skip
    printed = printed.assign(code=flows)
    missing = {"export", "import"} - set(flows)
    if missing:
        raise GacTruncatedTableError(raw.file, f"no {sorted(missing)} row (truncated table?)")
    wide = {"code": "WORLD"}
    for rec in printed[printed["code"].isin(["export", "import"])].to_dict("records"):
        for column in ("value_month", "value_ytd", "ytd_yoy", "month_yoy", "mom_pct"):
            if column in rec:
                wide[f"{rec['code']}_{column.removeprefix('value_')}"] = rec[column]
    return Mapped(printed, rows=pd.DataFrame([wide]))


def _quantity_factor(raw: RawPage, rec, candidates: pd.DataFrame, unit_missing: bool, year: int):
    """(factor, GAC unit) for a mapped row whose product has a canonical unit and quantities.

    The unit is the one printed on the row; when the page lacks the unit column (April 2025 USD)
    it is the label file's unit that is still current in `year` (column until empty or >= year).
    """

    def fail(detail: str) -> GacUnitError:
        """The error naming this row."""
        row, line = int_or_none(rec.row), int_or_none(rec.line)
        return GacUnitError(raw.file, detail, row, line, rec.label)

    printed_unit = rec.unit if isinstance(rec.unit, str) else None
    if printed_unit is not None:
        match = candidates[candidates["unit_key"] == unit_key(printed_unit)]
        if match.empty:
            listed = [u for u in candidates["gac_unit"] if u]
            raise fail(
                f"quantity unit '{printed_unit}' is not listed for this line in "
                f"{PRODUCT_LABELS.name} (listed: {listed})"
            )
        return match["factor"].iloc[0], printed_unit
    if not unit_missing:
        raise fail("quantities printed without a quantity unit")
    current = candidates["until"].eq("") | (pd.to_numeric(candidates["until"]) >= year)
    listed = candidates[current & candidates["gac_unit"].ne("")].drop_duplicates("unit_key")
    if listed["factor"].nunique(dropna=False) == 1:  # spellings of one unit (same factor)
        listed = listed.head(1)
    if len(listed) != 1:
        raise fail(f"no quantity unit cell and {len(listed)} current units listed for this line")
    return listed["factor"].iloc[0], listed["gac_unit"].iloc[0]


def _map_products(rows: SectionRows) -> Mapped:
    """Product code, quantity unit and factor per row; lines without a code go to unmapped."""
    raw, printed, flow = rows.raw, rows.printed, rows.spec.flow
    year = rows.meta["period"].year
    labels = product_labels()
    labels = labels[labels["flow"] == flow]
    qty_columns = [c for c in printed.columns if c.startswith("qty_") and not c.endswith("_yoy")]
    mapped, unmapped = [], []
    for rec in printed.itertuples(index=False):
        candidates = labels[labels["key"] == label_key(rec.label)]
        code = candidates["product"].iloc[0] if len(candidates) else ""
        if not code:
            note = candidates["note"].iloc[0] if len(candidates) else ""
            reason = (
                (note or "listed without a kit product code")
                if len(candidates)
                else f"label not in {PRODUCT_LABELS.name}"
            )
            unmapped.append(UnmappedLine(raw.file, int_or_none(rec.row), int_or_none(rec.line),
                                         flow, rec.label, reason))  # fmt: skip
            mapped.append((None, rec.unit, np.nan, None))
            continue
        target = _canonical_unit(flow, code)
        factor, unit = np.nan, rec.unit
        if target and any(pd.notna(getattr(rec, c)) for c in qty_columns):
            factor, unit = _quantity_factor(raw, rec, candidates, rows.unit_missing, year)
        mapped.append((code, unit, factor, target if pd.notna(factor) else None))
    codes, units, factors, canon = (list(x) for x in zip(*mapped, strict=True))
    printed = printed.assign(code=codes, unit=units, factor=factors, quantity_unit=canon)
    return Mapped(printed, unmapped)


# ---------------------------------------------------------------------------------------------
# The tables the reader knows: one entry per table (docs/gac_tables.md)

_BY_COUNTRY_MONTH = (
    "total_month", "total_ytd", "export_month", "export_ytd", "import_month", "import_ytd",
    "total_ytd_yoy", "export_ytd_yoy", "import_ytd_yoy",
)  # fmt: skip
_COMMODITY_LAYOUTS = {
    "month": (
        "unit", "qty_month", "value_month", "qty_ytd", "value_ytd", "qty_prior_ytd",
        "value_prior_ytd", "qty_ytd_yoy", "value_ytd_yoy",
    ),
    "janfeb": (
        "unit", "qty_ytd", "value_ytd", "qty_prior_ytd", "value_prior_ytd", "qty_ytd_yoy",
        "value_ytd_yoy",
    ),
}  # fmt: skip

# Order matters within an edition: by-country titles also say "Total Export & Import Values".
SECTIONS: dict[str, SectionSpec] = {
    BY_COUNTRY: SectionSpec(
        name="Total Export & Import Values by Country/Region",
        title_words=("country",),
        kind="by_country",
        layouts={
            "month": _BY_COUNTRY_MONTH,
            "janfeb": ("total_ytd", "export_ytd", "import_ytd", "total_ytd_yoy",
                       "export_ytd_yoy", "import_ytd_yoy"),
        },  # fmt: skip
        mapper=_map_partners,
    ),
    EXPORTS: SectionSpec(
        name="Major Exports by Quantity and Value",
        title_words=("major export",),
        kind="commodity",
        layouts=_COMMODITY_LAYOUTS,
        mapper=_map_products,
        flow="export",
        by_partner=False,
        quantities=True,
    ),
    IMPORTS: SectionSpec(
        name="Major Imports by Quantity and Value",
        title_words=("major import",),
        kind="commodity",
        layouts=_COMMODITY_LAYOUTS,
        mapper=_map_products,
        flow="import",
        by_partner=False,
        quantities=True,
    ),
    TOTALS: SectionSpec(
        name="Total Export & Import Values",
        title_words=(r"total (export|value|import)",),
        kind="totals",
        layouts={
            "month": ("value_month", "value_ytd", "mom_pct", "month_yoy", "ytd_yoy"),
            "janfeb": ("value_ytd", "ytd_yoy"),
        },
        mapper=_map_totals,
        month_rates=True,
        source_suffix=" (section 1)",  # section (4)'s Total row has the same key, finer
    ),
    **gac_bulletin.SECTIONS,
}
# rows are partners, product TOTAL (the importer's bulletin overlap check reads these)
PARTNER_SECTIONS = tuple(key for key, spec in SECTIONS.items() if spec.by_partner)


# ---------------------------------------------------------------------------------------------
# Parsing: rows -> frames, driven by SECTIONS


def _check_duplicates(raw: RawPage, printed: pd.DataFrame) -> None:
    """Two rows mapping to one code would store two values under one key: reject the page."""
    dupes = printed[printed["code"].notna() & printed.duplicated("code", keep=False)]
    if len(dupes):
        first, second = dupes.iloc[0], dupes[dupes["code"] == dupes.iloc[0]["code"]].iloc[1]
        raise GacLayoutError(
            raw.file,
            f"rows {first['row']} and {second['row']} both map to '{first['code']}'",
            int_or_none(second["row"]),
            int_or_none(second["line"]),
            second["label"],
        )


def _frame(
    printed: pd.DataFrame, meta: dict, specs, period, months, measure="level", by_partner=True
) -> pd.DataFrame:
    """Canonical(-like) rows from printed columns; specs = [(flow, value column, qty column)]."""
    mapped = printed[printed["code"].notna()]
    parts = []
    for flow, value_col, qty_col in specs:
        if value_col not in mapped.columns:
            continue
        scale = meta["scale"] if measure == "level" else 1.0
        part = pd.DataFrame(
            {
                "period": pd.PeriodIndex([period] * len(mapped), freq="M"),
                "months": months,
                "flow": flow,
                "partner": mapped["code"].to_numpy() if by_partner else "WORLD",
                "product": "TOTAL" if by_partner else mapped["code"].to_numpy(),
                "value": mapped[value_col].to_numpy() * scale,
                "currency": meta["currency"],
                "quantity": np.nan,
                "quantity_unit": None,
                "measure": measure,
                "source": meta.get("source") or f"gac:{meta['file']}",
                "vintage": meta["vintage"],
            }
        )
        if qty_col and measure == "level":
            part["quantity"] = (mapped[qty_col] * mapped["factor"]).to_numpy()
            part["quantity_unit"] = (
                mapped["quantity_unit"].where(part["quantity"].notna().to_numpy(), None).to_numpy()
            )
        elif qty_col:
            part["quantity_yoy_pct"] = mapped[qty_col].to_numpy()
        parts.append(part[part["value"].notna()])
    with_qty_yoy = measure != "level" and any(qty_col for _, _, qty_col in specs)
    columns = CANONICAL_COLUMNS + (["quantity_yoy_pct"] if with_qty_yoy else [])
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True).reindex(columns=columns)
    out["quantity_unit"] = (
        out["quantity_unit"].astype(object).where(out["quantity_unit"].notna(), None)
    )
    return out


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The non-empty frames stacked; an empty canonical frame when there are none."""
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else empty_canonical()


def _tables(spec: SectionSpec, meta: dict, mapped: Mapped) -> GacTable:
    """The GacTable's frames from the mapped rows; which columns exist decides what is built."""
    period, janfeb = meta["period"], meta["janfeb"]
    flows = [spec.flow] if spec.flow else ["export", "import"]
    prefix = {f: ("value" if spec.flow else f) for f in flows}
    rows = mapped.rows if mapped.rows is not None else mapped.printed
    qty = "qty" if spec.quantities else None

    def specs(suffix: str):
        """(flow, value column, quantity column) of each flow for a column suffix."""
        return [(f, f"{prefix[f]}_{suffix}", f"{qty}_{suffix}" if qty else None) for f in flows]

    def frame(columns, period, months, measure="level"):
        """Canonical rows of these columns (see _frame)."""
        return _frame(rows, meta, columns, period, months, measure, spec.by_partner)

    printed_yoy = frame(specs("ytd_yoy"), period, period.month, "yoy_pct")
    ytd_rates = [printed_yoy.reindex(columns=CANONICAL_COLUMNS)]
    if spec.quantities:  # the quantity's y/y, a row of its own
        quantity_yoy = [(f, "qty_ytd_yoy", None) for f in flows]
        ytd_rates.append(frame(quantity_yoy, period, period.month, "quantity_yoy_pct"))
    month_rates = []
    if spec.month_rates:  # the month's y/y and m/m (a Jan-Feb page: the cumulative y/y)
        month_yoy = specs("ytd_yoy" if janfeb else "month_yoy")
        month_rates.append(frame(month_yoy, period, meta["months"], "yoy_pct"))
        if not janfeb:
            month_rates.append(frame(specs("mom_pct"), period, 1, "mom_pct"))
    return GacTable(
        month=frame(specs("ytd" if janfeb else "month"), period, meta["months"]),
        ytd=frame(specs("ytd"), period, period.month),
        prior_ytd=frame(specs("prior_ytd"), period - 12, period.month),
        printed_yoy=printed_yoy,
        printed=mapped.printed,
        unmapped=mapped.unmapped,
        meta=meta,
        month_rates=_concat(month_rates),
        ytd_rates=_concat(ytd_rates),
    )


def parse_page(raw: RawPage, header_conflict: str = "reject") -> GacTable:
    """Interpret a read page: section (from SECTIONS), metadata, layout, rows, codes; then build
    the frames.

    A header naming another month than the title (GAC's June 2025 (5) USD page says "5 / 1-5"
    under a June title) raises GacLayoutError, or with header_conflict="defer" is recorded in
    meta["header_conflict"] for the importer to settle against the store (see
    helpers.ingest.gac_checks).
    """
    banners, header, data = _split_rows(raw)
    meta = {"file": raw.file, **_parse_title(raw, banners)}
    spec = SECTIONS[meta["section"]]
    meta.update(_parse_value_unit(raw, banners, meta.pop("title_currencies")))
    if not header:
        raise GacLayoutError(raw.file, "no header rows above the data")
    if not data:
        raise GacTruncatedTableError(raw.file, "the table has a header but no data rows")
    period, janfeb = meta["period"], meta["janfeb"]
    variant = _layout_variant(raw, spec, meta, data)
    layout = f"{spec.kind}_{variant}"
    columns = list(spec.layouts[variant])
    conflict = spec.check_header(raw, header, period, layout, header_conflict)
    width = len(columns) + 1
    unit_missing = spec.quantities and _unit_column_missing(data, width)
    _check_cells(raw, data, width, layout, unit_missing)
    if not raw.closed:
        last = data[-1]
        raise GacTruncatedTableError(
            raw.file, "the table is not closed: the file ends inside it (truncated page?)",
            last.number, last.line, clean(last.cells[0]),
        )  # fmt: skip
    if unit_missing:
        columns.remove("unit")
    overflow: list[dict] = []
    if spec.overflow:
        data, overflow = _clear_overflow(data, columns)
    printed = _printed_rows(raw, data, columns)
    if unit_missing:
        printed.insert(printed.columns.get_loc(columns[0]), "unit", None)
    if variant == "january":  # the month is also the year to date
        for column in [c for c in columns if c.endswith("_month")]:
            printed[f"{column.removesuffix('_month')}_ytd"] = printed[column]

    mapped = spec.mapper(SectionRows(raw, printed, spec, dict(meta), unit_missing, overflow))
    _check_duplicates(raw, mapped.printed)

    vintage = raw.release_date
    meta.update(
        flow=spec.flow,
        months=2 if janfeb else 1,
        ytd_months=period.month,
        layout=layout,
        unit_column_missing=unit_missing,
        release_date=raw.release_date,
        vintage=vintage or spec.edition.assumed_vintage(period),
        vintage_source="printed" if vintage else "assumed",
        header_conflict=conflict,
    )
    suffix = spec.edition.source_suffix + spec.source_suffix
    if suffix:
        meta["source"] = f"gac:{raw.file}{suffix}"
    meta.update(mapped.meta)
    return _tables(spec, meta, mapped)


def read_gac_tables(path: str | Path, header_conflict: str = "reject") -> GacTable:
    """Read one saved GAC release page into a GacTable (the file is only read)."""
    return parse_page(read_page(path), header_conflict=header_conflict)


def read_gac(path: str | Path) -> pd.DataFrame:
    """Single-month values of one saved GAC release page in the canonical columns.

    A January-February combined table gives its Jan-Feb cumulative rows with months=2 at February.
    """
    return read_gac_tables(path).month

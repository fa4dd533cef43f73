"""Reader for GAC's Monthly Bulletin table "Imports and Exports by Country (Region) of
Origin/Destination" (table (2)), saved as HTML from GAC's English site.

The Monthly Bulletin is a later, verified vintage of the preliminary release (NOTES §1): same
figures in US$1,000 instead of USD 1 million, for every country and territory. Pages are told
from preliminary ones by their title's period, "6.2026" instead of a month name; the table is
identified by its description, not its number. gac.parse_page hands such pages to
parse_bulletin, so read_gac_tables / `python -m helpers import gac` read them like any page.

Layouts (cells after the label):
    month    total, total 1toN, exports, exports 1toN, imports, imports 1toN, then the y/y % of
             the 1toN total, exports and imports ("Percentage Change")
    january  total, exports, imports (the month is also the year to date), y/y % of each

Stored (see gac.store_rows), partner WORLD (the TOTAL row) and every row whose label maps to a
kit partner code through gac_partner_labels.csv (countries of partners.csv; Africa, Latin
America, EU, ASEAN, RCEP and BRI, GAC's own groupings as the preliminary (4) table prints them),
product TOTAL, flows export and import (GAC's total trade is read, not stored):
    table "month", measure "level", months 1      the month's exports / imports
    table "ytd",   measure "level", months N      January..N
    table "ytd",   measure "yoy_pct", months N    GAC's printed y/y of the January..N figures
source "gac:<file> (monthly bulletin)", vintage = the page's printed date (div.atcl-date); a
page without one is dated the last day of the month after the period ("assumed"), after the
preliminary release of that month, which it replaces.

Rows without a kit code (other countries, continents such as "Asia:", APEC) are read, kept in
GacTable.printed and listed in GacTable.unmapped (flow ""). Cells GAC printed as "############"
(its column was too narrow) are read as missing and listed in meta["overflow_cells"]; the
importer warns about them. Every other unreadable cell is an error naming file, row and label.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd

from helpers.ingest.readers import gac
from helpers.ingest.readers.gac import (
    BULLETIN_BY_COUNTRY,
    GacLayoutError,
    GacTable,
    GacTruncatedTableError,
    GacUnsupportedTableError,
    RawPage,
    RawRow,
    UnmappedLine,
)

__all__ = ["BULLETIN_SOURCE_SUFFIX", "is_bulletin", "parse_bulletin", "OVERFLOW_TEXT"]

BULLETIN_SOURCE_SUFFIX = " (monthly bulletin)"
OVERFLOW_TEXT = "############"
_OVERFLOW_RE = re.compile(r"#+")
# "…,6.2026" (the bulletin's period: month.year at the end of the title)
_PERIOD_RE = re.compile(r"[,\s]\s*(\d{1,2})\s*\.\s*((?:19|20)\d\d)\s*$")
LAYOUT_COLUMNS = {
    "bulletin_by_country_month": gac.LAYOUT_COLUMNS["by_country_month"],
    "bulletin_by_country_january": [
        "total_month", "export_month", "import_month", "total_ytd_yoy", "export_ytd_yoy",
        "import_ytd_yoy",
    ],
}  # fmt: skip
COLUMN_NAMES = {
    "total_month": "month total", "total_ytd": "1toN total", "export_month": "month exports",
    "export_ytd": "1toN exports", "import_month": "month imports", "import_ytd": "1toN imports",
    "total_ytd_yoy": "y/y % total", "export_ytd_yoy": "y/y % exports",
    "import_ytd_yoy": "y/y % imports",
}  # fmt: skip


def _titles(raw: RawPage, banners: list[RawRow]) -> list[str]:
    table_titles = [
        gac._clean(r.cells[0]) for r in banners if not gac._UNIT_RE.search(gac._clean(r.cells[0]))
    ]
    return list(dict.fromkeys(table_titles + raw.titles))


def is_bulletin(raw: RawPage, banners: list[RawRow]) -> bool:
    """A Monthly Bulletin page: a title dated "M.YYYY" and none naming a month."""
    titles = _titles(raw, banners)
    if any(gac._PERIOD_RE.search(t) for t in titles):
        return False
    return any(_PERIOD_RE.search(t) for t in titles)


def _parse_title(raw: RawPage, banners: list[RawRow]) -> dict:
    title = next(t for t in _titles(raw, banners) if _PERIOD_RE.search(t))
    low = title.lower()
    if not ("country" in low and "origin" in low and "destination" in low):
        raise GacUnsupportedTableError(
            raw.file,
            f"'{title}': a Monthly Bulletin table this reader does not read (of the bulletin, "
            "only 'Imports and Exports by Country (Region) of Origin/Destination' is read)",
        )
    match = _PERIOD_RE.search(title)
    month, year = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise GacLayoutError(raw.file, f"'{title}': {month} is not a month")
    number = re.match(r"\((\d+)\)", title)
    return {
        "title": title,
        "section": BULLETIN_BY_COUNTRY,
        "section_number": int(number.group(1)) if number else None,
        "period": pd.Period(year=year, month=month, freq="M"),
        "janfeb": False,
        "bulletin": True,
    }


def _header_kinds(header: list[RawRow]) -> list[tuple[str, int]]:
    """Month columns the header names, in order: ("month", 6) for "6", ("ytd", 6) for "1to6"."""
    kinds = []
    for row in header:
        for cell in (gac._clean(c).lower() for c in row.cells):
            if re.fullmatch(r"\d{1,2}", cell):
                kinds.append(("month", int(cell)))
            elif found := re.fullmatch(r"1\s*(?:-\s*)?(?:to|-|~|\u2013)\s*-?\s*(\d{1,2})", cell):
                kinds.append(("ytd", int(found.group(1))))
    return kinds


def _check_header(raw: RawPage, header: list[RawRow], period: pd.Period, layout: str) -> None:
    """The header names Total, Exports, Imports in this order and only the title's month."""
    first = header[0]

    def fail(detail: str) -> GacLayoutError:
        return GacLayoutError(raw.file, detail, first.number, first.line)

    words = [gac._clean(c).lower() for row in header for c in row.cells[1:]]
    wanted, at = ["total", "export", "import"], 0
    for word in words:
        if at < len(wanted) and re.match(rf"{wanted[at]}s?\b", word):
            at += 1
    if at < len(wanted):
        raise fail(f"the header does not name Total, Exports and Imports in this order "
                   f"(header cells: {[w for w in words if w]})")  # fmt: skip
    kinds = _header_kinds(header)
    named = sorted({m for _, m in kinds} - {period.month})
    if named:
        raise fail(f"the header names month(s) {named} but the title says {period}")
    if layout.endswith("_month") and kinds:
        expected = [("month", period.month), ("ytd", period.month)] * 3
        if kinds[:6] != expected:
            raise fail(
                f"the header's month columns {[f'{k} {m}' for k, m in kinds]} are not "
                f"month, 1to{period.month} for each of total, exports and imports"
            )


def _clear_overflow(data: list[RawRow], columns: list[str]) -> tuple[list[RawRow], list[dict]]:
    """Copies of the rows with "############" cells emptied, and where they were."""
    rows, found = [], []
    for row in data:
        cells = list(row.cells)
        for at in range(1, min(len(cells), len(columns) + 1)):
            if _OVERFLOW_RE.fullmatch(gac._clean(cells[at])):
                label = gac._clean(cells[0])
                found.append({"row": row.number, "line": row.line, "label": label,
                              "column": columns[at - 1]})  # fmt: skip
                cells[at] = ""
        rows.append(replace(row, cells=cells))
    return rows, found


def _hierarchy(printed: pd.DataFrame) -> pd.DataFrame:
    """Continent headings ("Asia:") and the continent of each row below one.

    The continents and "Countries (Territories) Unknown" add up to TOTAL; the groupings after
    it (ASEAN, EU, APEC, RCEP, BRI) overlap them. Nothing is ever added up here.
    """
    heading = printed["label"].str.endswith(":")
    parents, current = [], None
    for label, is_heading in zip(printed["label"], heading, strict=True):
        key = gac.label_key(label)
        if is_heading or key == "total" or "unknown" in key:
            parents.append(None)
            current = label.rstrip(": ") if is_heading else None
        else:
            parents.append(current)
    return printed.assign(heading=heading.to_numpy(), parent=parents)


def _map_partners(raw: RawPage, printed: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    labels = gac.partner_labels()
    codes = printed["label"].map(lambda text: labels.get(gac.label_key(text)))
    printed = printed.assign(code=codes.where(codes.notna(), None))
    if "WORLD" not in set(codes.dropna()):
        first = printed.iloc[0]
        raise GacTruncatedTableError(
            raw.file, f"no 'TOTAL' row among the {len(printed)} data rows (truncated table?)",
            gac._int(first["row"]), gac._int(first["line"]), first["label"],
        )  # fmt: skip
    unmapped = [
        UnmappedLine(raw.file, gac._int(r.row), gac._int(r.line), "", r.label,
                     f"no kit partner code in {gac.PARTNER_LABELS.name}")
        for r in printed[printed["code"].isna()].itertuples(index=False)
    ]  # fmt: skip
    return printed, unmapped


def parse_bulletin(
    raw: RawPage, banners: list[RawRow], header: list[RawRow], data: list[RawRow]
) -> GacTable:
    """Interpret a Monthly Bulletin by-country page (rows already split by gac._split_rows)."""
    meta = {"file": raw.file, **_parse_title(raw, banners)}
    meta.update(gac._parse_value_unit(raw, banners, {}))
    period = meta["period"]
    if not header:
        raise GacLayoutError(raw.file, "no header rows above the data")
    if not data:
        raise GacTruncatedTableError(raw.file, "the table has a header but no data rows")
    layout = "bulletin_by_country_month"
    if period.month == 1 and len(data[0].cells) == len(LAYOUT_COLUMNS[
            "bulletin_by_country_january"]) + 1:  # fmt: skip
        layout = "bulletin_by_country_january"  # one month column, also the year to date
    columns = list(LAYOUT_COLUMNS[layout])
    _check_header(raw, header, period, layout)
    gac._check_cells(raw, data, len(columns) + 1, layout, False)
    if not raw.closed:
        last = data[-1]
        raise GacTruncatedTableError(
            raw.file, "the table is not closed: the file ends inside it (truncated page?)",
            last.number, last.line, gac._clean(last.cells[0]),
        )  # fmt: skip
    data, overflow = _clear_overflow(data, columns)
    printed = gac._printed_rows(raw, data, columns)
    if layout.endswith("_january"):
        for flow in ("total", "export", "import"):
            printed[f"{flow}_ytd"] = printed[f"{flow}_month"]
    printed = _hierarchy(printed)
    printed, unmapped = _map_partners(raw, printed)
    gac._check_duplicates(raw, printed)

    release = raw.release_date
    assumed = ((period + 2).start_time - pd.Timedelta(days=1)).date().isoformat()
    meta.update(
        flow=None,
        months=1,
        ytd_months=period.month,
        layout=layout,
        unit_column_missing=False,
        release_date=release,
        vintage=release or assumed,
        vintage_source="printed" if release else "assumed",
        header_conflict=None,
        source=f"gac:{raw.file}{BULLETIN_SOURCE_SUFFIX}",
        overflow_cells=[
            {**cell, "column_name": COLUMN_NAMES[cell["column"]].replace("N", str(period.month)),
             "stored": cell["column"].split("_")[0] in ("export", "import")
             and cell["label"] in set(printed.loc[printed["code"].notna(), "label"])}
            for cell in overflow
        ],  # fmt: skip
    )

    def specs(suffix: str):
        return [(flow, f"{flow}_{suffix}", None) for flow in ("export", "import")]

    yoy = gac._frame(printed, meta, specs("ytd_yoy"), period, period.month, "yoy_pct")
    return GacTable(
        month=gac._frame(printed, meta, specs("month"), period, 1),
        ytd=gac._frame(printed, meta, specs("ytd"), period, period.month),
        prior_ytd=gac._empty_canonical(),
        printed_yoy=yoy,
        printed=printed,
        unmapped=unmapped,
        meta=meta,
        ytd_rates=yoy.reindex(columns=gac.CANONICAL_COLUMNS),
    )


def overflow_note(table: GacTable) -> str:
    """The import note for cells printed "############" ('' when there are none)."""
    cells = table.meta.get("overflow_cells") or []
    if not cells:
        return ""
    where = "; ".join(f"{c['label']} {c['column_name']} (row {c['row']})" for c in cells)
    stored = [c for c in cells if c["stored"]]
    consequence = (
        f"{len(stored)} of them would have been stored: those values are missing from the store"
        if stored
        else "none is a figure the kit stores (total trade is not stored; exports and imports "
        "are complete)"
    )
    return (
        f"WARNING: {len(cells)} cell(s) printed '{OVERFLOW_TEXT}' (GAC's column was too narrow) "
        f"were read as missing: {where}; {consequence}"
    )


def unmapped_note(table: GacTable) -> str:
    """The import note listing the rows read but not stored ('' when there are none)."""
    if not table.unmapped:
        return ""
    shown = 12  # a bulletin lists ~240 territories: name a few, count the rest
    labels = "; ".join(u.label for u in table.unmapped[:shown])
    if len(table.unmapped) > shown:
        labels += f"; ... and {len(table.unmapped) - shown} more"
    return (
        f"{len(table.unmapped)} row(s) have no kit partner code and were read, not stored "
        f"(add a label to {gac.PARTNER_LABELS.name} only where the kit's definition matches): "
        f"{labels}"
    )


"""Reader for GAC's Monthly Bulletin table "Imports and Exports by Country (Region) of
Origin/Destination" (table (2)), saved as HTML from GAC's English site.

The Monthly Bulletin is a later, verified vintage of the preliminary release (NOTES §1): same
figures in US$1,000 instead of USD 1 million, for every country and territory. Pages are told
from preliminary ones by their title's period, "6.2026" instead of a month name (the BULLETIN
edition); the table is identified by its description, not its number. This module's SECTIONS
entry joins gac.SECTIONS, so gac.parse_page, read_gac_tables and `python -m helpers import gac`
read these pages through the same generic path as the preliminary tables.

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

import pandas as pd

from helpers.ingest.readers.gac_layout import (
    PARTNER_LABELS,
    Edition,
    GacLayoutError,
    GacTable,
    GacTruncatedTableError,
    Mapped,
    RawPage,
    RawRow,
    SectionRows,
    SectionSpec,
    UnmappedLine,
    clean,
    int_or_none,
    label_key,
    partner_labels,
)

__all__ = [
    "BULLETIN", "BULLETIN_BY_COUNTRY", "BULLETIN_SOURCE_SUFFIX", "OVERFLOW_TEXT", "SECTIONS",
    "overflow_note", "unmapped_note",
]  # fmt: skip

BULLETIN_BY_COUNTRY = "bulletin_by_country"  # table (2)
BULLETIN_SOURCE_SUFFIX = " (monthly bulletin)"
OVERFLOW_TEXT = "############"
# "…,6.2026" (the bulletin's period: month.year at the end of the title)
_PERIOD_RE = re.compile(r"[,\s]\s*(\d{1,2})\s*\.\s*((?:19|20)\d\d)\s*$")
COLUMN_NAMES = {
    "total_month": "month total", "total_ytd": "1toN total", "export_month": "month exports",
    "export_ytd": "1toN exports", "import_month": "month imports", "import_ytd": "1toN imports",
    "total_ytd_yoy": "y/y % total", "export_ytd_yoy": "y/y % exports",
    "import_ytd_yoy": "y/y % imports",
}  # fmt: skip


def _read_period(file: str, title: str) -> tuple[pd.Period, bool]:
    """(period, False) from "...,6.2026": the bulletin has no January-February tables."""
    match = _PERIOD_RE.search(title)
    month, year = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise GacLayoutError(file, f"'{title}': {month} is not a month")
    return pd.Period(year=year, month=month, freq="M"), False


def _assumed_vintage(period: pd.Period) -> str:
    """The last day of the month after the period: after that month's preliminary release,
    which a bulletin replaces."""
    return ((period + 2).start_time - pd.Timedelta(days=1)).date().isoformat()


BULLETIN = Edition(
    name="Monthly Bulletin",
    period_re=_PERIOD_RE,
    read_period=_read_period,
    assumed_vintage=_assumed_vintage,
    unknown_title=("'{title}': a Monthly Bulletin table this reader does not read (of the "
                   "bulletin, only {known} is read)"),  # fmt: skip
    source_suffix=BULLETIN_SOURCE_SUFFIX,
    meta={"bulletin": True},
)


def _header_kinds(header: list[RawRow]) -> list[tuple[str, int]]:
    """Month columns the header names, in order: ("month", 6) for "6", ("ytd", 6) for "1to6"."""
    kinds = []
    for row in header:
        for cell in (clean(c).lower() for c in row.cells):
            if re.fullmatch(r"\d{1,2}", cell):
                kinds.append(("month", int(cell)))
            elif found := re.fullmatch(r"1\s*(?:-\s*)?(?:to|-|~|\u2013)\s*-?\s*(\d{1,2})", cell):
                kinds.append(("ytd", int(found.group(1))))
    return kinds


def _check_header(
    raw: RawPage, header: list[RawRow], period: pd.Period, layout: str, header_conflict: str
) -> None:
    """The header names Total, Exports, Imports in this order and only the title's month.

    A conflict is never deferred (header_conflict is ignored): no bulletin page is known to
    misname its month, so a wrong header means a wrong table.
    """
    first = header[0]

    def fail(detail: str) -> GacLayoutError:
        """The error naming the first header row."""
        return GacLayoutError(raw.file, detail, first.number, first.line)

    words = [clean(c).lower() for row in header for c in row.cells[1:]]
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


def _hierarchy(printed: pd.DataFrame) -> pd.DataFrame:
    """Continent headings ("Asia:") and the continent of each row below one.

    The continents and "Countries (Territories) Unknown" add up to TOTAL; the groupings after
    it (ASEAN, EU, APEC, RCEP, BRI) overlap them. Nothing is ever added up here.
    """
    heading = printed["label"].str.endswith(":")
    parents, current = [], None
    for label, is_heading in zip(printed["label"], heading, strict=True):
        key = label_key(label)
        if is_heading or key == "total" or "unknown" in key:
            parents.append(None)
            current = label.rstrip(": ") if is_heading else None
        else:
            parents.append(current)
    return printed.assign(heading=heading.to_numpy(), parent=parents)


def _map_bulletin_partners(rows: SectionRows) -> Mapped:
    """Partner code per row (rows without one are read, listed in unmapped, not stored), the
    continent of each row, and where the "############" cells were (meta overflow_cells)."""
    raw, printed = rows.raw, _hierarchy(rows.printed)
    labels = partner_labels()
    codes = printed["label"].map(lambda text: labels.get(label_key(text)))
    printed = printed.assign(code=codes.where(codes.notna(), None))
    if "WORLD" not in set(codes.dropna()):
        first = printed.iloc[0]
        raise GacTruncatedTableError(
            raw.file, f"no 'TOTAL' row among the {len(printed)} data rows (truncated table?)",
            int_or_none(first["row"]), int_or_none(first["line"]), first["label"],
        )  # fmt: skip
    unmapped = [
        UnmappedLine(raw.file, int_or_none(r.row), int_or_none(r.line), "", r.label,
                     f"no kit partner code in {PARTNER_LABELS.name}")
        for r in printed[printed["code"].isna()].itertuples(index=False)
    ]  # fmt: skip
    month = str(rows.meta["period"].month)
    stored_labels = set(printed.loc[printed["code"].notna(), "label"])
    overflow_cells = [
        {**cell, "column_name": COLUMN_NAMES[cell["column"]].replace("N", month),
         "stored": cell["column"].split("_")[0] in ("export", "import")
         and cell["label"] in stored_labels}
        for cell in rows.overflow
    ]  # fmt: skip
    return Mapped(printed, unmapped, meta={"overflow_cells": overflow_cells})


# The bulletin's tables: entries of gac.SECTIONS (docs/gac_tables.md)
SECTIONS: dict[str, SectionSpec] = {
    BULLETIN_BY_COUNTRY: SectionSpec(
        name="Imports and Exports by Country (Region) of Origin/Destination",
        title_words=("country", "origin", "destination"),
        kind="bulletin_by_country",
        layouts={
            "month": ("total_month", "total_ytd", "export_month", "export_ytd", "import_month",
                      "import_ytd", "total_ytd_yoy", "export_ytd_yoy", "import_ytd_yoy"),
            # January: one column per flow, the month being also the year to date
            "january": ("total_month", "export_month", "import_month", "total_ytd_yoy",
                        "export_ytd_yoy", "import_ytd_yoy"),
        },  # fmt: skip
        mapper=_map_bulletin_partners,
        overflow=True,
        check_header=_check_header,
        edition=BULLETIN,
    ),
}


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
        f"(add a label to {PARTNER_LABELS.name} only where the kit's definition matches): "
        f"{labels}"
    )


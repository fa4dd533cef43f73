"""What the GAC readers share: errors, result types, the section registry's types and the text,
label and title helpers both editions use.

helpers.ingest.readers.gac (the preliminary release and the generic parser) and
helpers.ingest.readers.gac_bulletin (the Monthly Bulletin) both import this module; gac imports
gac_bulletin (for its SECTIONS entry) and gac_bulletin never imports gac, so there is no cycle.

    SectionSpec   one GAC table: how its title reads, its layouts, its mapper (see
                  docs/gac_tables.md and gac.SECTIONS)
    Edition       a publication (PRELIMINARY here, BULLETIN in gac_bulletin): title period,
                  dating, source suffix
    SectionRows   what a mapper gets; Mapped what it returns
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from helpers.ingest.readers import ReaderError
from helpers.paths import CLASSIFICATIONS_DIR
from helpers.schema import CANONICAL_COLUMNS

PARTNER_LABELS = CLASSIFICATIONS_DIR / "gac_partner_labels.csv"
PRODUCT_LABELS = CLASSIFICATIONS_DIR / "gac_product_labels.csv"

MONTH_NAMES = "jan feb mar apr may jun jul aug sep oct nov dec".split()
MONTH_WORD = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
# "Mar 2026", "January-February 2025", "Jan.–Feb., 2024": the preliminary release's title period
PERIOD_RE = re.compile(
    rf"\b{MONTH_WORD}(?:\s*[-\u2013\u2014~]\s*{MONTH_WORD})?\s*,?\s*((?:19|20)\d\d)\b", re.I
)
_NUMBER_RE = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)")
MISSING = {"", "-", "\u2014", "\u2013", "\u2012", "--", "\uff0d", "\u2026", "..."}


# ---------------------------------------------------------------------------------------------
# Errors


class GacReadError(ReaderError):
    """Base class of the GAC reader's errors."""


class GacNoTableError(GacReadError):
    """The page holds no data table (GAC's 2018 by-country pages carry an image)."""


class GacUnsupportedTableError(GacReadError):
    """A page this reader does not parse (trade mode, other bulletin tables, index pages...)."""


class GacCurrencyMismatchError(GacReadError):
    """The title's currency disagrees with the Unit line's: the page is rejected, not guessed."""


class GacUnitError(GacReadError):
    """The value unit line is missing or unreadable, or a quantity unit is not in the label file."""


class GacLayoutError(GacReadError):
    """The table does not have a layout this reader knows (period, header, columns, numbers)."""


class GacTruncatedTableError(GacLayoutError):
    """The table is cut short: a row with the wrong number of cells, no Total row, not closed."""


class GacUnknownLabelError(GacReadError):
    """A partner label that is not in data/classifications/gac_partner_labels.csv."""


# ---------------------------------------------------------------------------------------------
# Result types


@dataclass
class RawRow:
    """One <tr> of the release table: cell texts (nbsp kept, expanded by colspan)."""

    number: int
    line: int | None
    cells: list[str]
    spanning: bool


@dataclass
class RawPage:
    """What reading a saved page yields, before any interpretation."""

    file: str
    titles: list[str]
    release_date: str | None
    rows: list[RawRow]
    closed: bool


@dataclass
class UnmappedLine:
    """A commodity line that was read but has no kit product code."""

    file: str
    row: int
    line: int | None
    flow: str
    label: str
    reason: str


def empty_canonical() -> pd.DataFrame:
    """An empty frame in the canonical columns."""
    return pd.DataFrame(columns=CANONICAL_COLUMNS)


@dataclass
class GacTable:
    """Everything one release table holds.

    month        canonical frame of single-month values (Jan-Feb tables: months=2 at February)
    ytd          canonical-like frame of the cumulative Jan..m values (months = m, may exceed 2)
    prior_ytd    canonical-like frame of the prior year's Jan..m values (commodity pages only)
    printed_yoy  canonical-like frame of the printed YTD y/y %, measure "yoy_pct"
                 (plus quantity_yoy_pct on commodity pages)
    printed      the table as printed: one row per table row, numbers unscaled, with row, line,
                 label, indent, parent, code, and for commodity pages the quantity unit and factor
    unmapped     commodity lines without a kit product code (bulletin: rows without a partner
                 code, flow "")
    meta         file, title, section, section_number, flow, currency, unit, scale, period,
                 months, ytd_months, layout, unit_column_missing, release_date, vintage,
                 vintage_source (bulletin pages also: bulletin, overflow_cells)
    month_rates  canonical rows for table "month": printed single-month y/y ("yoy_pct") and
                 month-on-month ("mom_pct"), section (1) only
    ytd_rates    canonical rows for table "ytd": printed YTD y/y ("yoy_pct", the rows of
                 printed_yoy) and quantity y/y ("quantity_yoy_pct", sections (5)/(6))
    """

    month: pd.DataFrame
    ytd: pd.DataFrame
    prior_ytd: pd.DataFrame
    printed_yoy: pd.DataFrame
    printed: pd.DataFrame
    unmapped: list[UnmappedLine] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    month_rates: pd.DataFrame = field(default_factory=empty_canonical)
    ytd_rates: pd.DataFrame = field(default_factory=empty_canonical)


# ---------------------------------------------------------------------------------------------
# Text helpers


def clean(text: str | None) -> str:
    """Collapse all whitespace (nbsp included) to single spaces and NFKC-normalise."""
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"\s+", " ", text).strip()


def label_key(label: str) -> str:
    """Matching key of a GAC label: case, punctuation, stars, nbsp and "of which:" ignored."""
    text = clean(label).lower()
    text = re.sub(r"^of which\s*:\s*", "", text)
    text = text.replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def unit_key(unit: str | None) -> str:
    """Matching key of a GAC quantity unit ("10,000 Tons" == "10000 tons")."""
    text = re.sub(r"(?<=\d),(?=\d)", "", clean(unit).lower())
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def is_missing(text: str) -> bool:
    """True for a cell GAC prints as missing ("-", "—", empty...)."""
    return clean(text) in MISSING


def parse_number(text: str) -> float | None:
    """Parse a printed number ("41,046.4\xa0", "-1.2", "−3"); NaN for "-", "—" or empty.

    Returns None when the cell is not a number.
    """
    cleaned = clean(text).replace("\u2212", "-").replace(",", "").replace(" ", "")
    if cleaned in MISSING:
        return np.nan
    return float(cleaned) if _NUMBER_RE.fullmatch(cleaned) else None


def int_or_none(value) -> int | None:
    """An int from a frame cell (row and line numbers), None when missing."""
    return None if value is None or pd.isna(value) else int(value)


# ---------------------------------------------------------------------------------------------
# Label files


@cache
def partner_labels() -> dict[str, str]:
    """Label key -> partner code, from gac_partner_labels.csv."""
    table = pd.read_csv(PARTNER_LABELS, dtype=str, keep_default_na=False)
    keys = table["label"].map(label_key)
    clash = table.assign(key=keys).groupby("key")["partner"].nunique()
    if (clash > 1).any():
        raise GacReadError(
            PARTNER_LABELS.name, f"labels map to several codes: {list(clash[clash > 1].index)}"
        )
    return dict(zip(keys, table["partner"], strict=True))


@cache
def product_labels() -> pd.DataFrame:
    """gac_product_labels.csv with matching keys and numeric factors."""
    table = pd.read_csv(PRODUCT_LABELS, dtype=str, keep_default_na=False)
    table["key"] = table["label"].map(label_key)
    table["unit_key"] = table["gac_unit"].map(unit_key)
    table["factor"] = pd.to_numeric(table["factor"].replace("", np.nan))
    clash = table.groupby(["flow", "key"])["product"].nunique()
    if (clash > 1).any():
        raise GacReadError(
            PRODUCT_LABELS.name, f"labels map to several codes: {list(clash[clash > 1].index)}"
        )
    return table


# ---------------------------------------------------------------------------------------------
# The preliminary release's titles and headers


def read_preliminary_period(file: str, title: str) -> tuple[pd.Period, bool]:
    """(period, January-February combined?) from a title such as "..., Mar 2026 (in CNY)"."""
    match = PERIOD_RE.search(title)
    first = MONTH_NAMES.index(match.group(1)[:3].lower()) + 1
    last = MONTH_NAMES.index(match.group(2)[:3].lower()) + 1 if match.group(2) else first
    if (first, last) not in {(1, 2)} and first != last:
        raise GacLayoutError(file, f"'{title}': only January-February ranges are known")
    return pd.Period(year=int(match.group(3)), month=last, freq="M"), first != last


def header_months(header: list[RawRow]) -> set[int]:
    """Month numbers the header names: "3", "1- to-3", "1-5 Total", "May", "Jan-May in Total"."""
    found = set()
    for row in header:
        for cell in (clean(c).lower() for c in row.cells):
            if re.fullmatch(r"\d{1,2}", cell):
                found.add(int(cell))
            found.update(int(m) for m in re.findall(r"\b1\s*-\s*(?:to\s*-?\s*)?(\d{1,2})\b", cell))
            names = re.findall(rf"\bjan\w*\.?\s*-\s*{MONTH_WORD}", cell)
            if re.fullmatch(MONTH_WORD, cell):
                names.append(cell)
            found.update(MONTH_NAMES.index(name[:3]) + 1 for name in names)
    return found


def check_header_months(
    raw: RawPage, header: list[RawRow], period: pd.Period, layout: str, header_conflict: str
) -> dict | None:
    """The header names no month but the title's; else GacLayoutError, or with
    header_conflict="defer" the conflict (header_months, message) for the importer to settle.

    GAC's June 2025 (5) USD page says "5 / 1-5" under a June title and June figures, hence defer.
    """
    named = header_months(header) - {period.month}
    if not named:
        return None
    error = GacLayoutError(
        raw.file,
        f"the header names month(s) {sorted(named)} but the title says {period}",
        header[0].number,
        header[0].line,
    )
    if header_conflict != "defer":
        raise error
    return {"header_months": sorted(named), "message": str(error)}


# ---------------------------------------------------------------------------------------------
# The section registry's types


@dataclass(frozen=True)
class Edition:
    """A GAC publication whose tables share a title style, dating and source.

    A page belongs to the first edition (in gac.SECTIONS order) with a title period_re finds;
    only that edition's sections are then matched against the title.
    """

    name: str
    period_re: re.Pattern  # finds the period in a title: such a title is the table's
    read_period: Callable[[str, str], tuple[pd.Period, bool]]  # (file, title) -> (period, janfeb)
    assumed_vintage: Callable[[pd.Period], str]  # ISO date for a page that prints none
    title_currency: bool = False  # titles may say "(in CNY)": checked against the Unit line
    unread_titles: Mapping[str, str] = field(default_factory=dict)  # title text -> why rejected
    unknown_title: str = "'{title}': not a release table this reader knows"  # {title}, {known}
    source_suffix: str = ""  # after "gac:<file>" in the source of every table of the edition
    meta: Mapping[str, object] = field(default_factory=dict)  # added to GacTable.meta


def _preliminary_vintage(period: pd.Period) -> str:
    """Releases land on the 7th-14th of the next month: the 15th is after any of them."""
    return ((period + 1).start_time + pd.Timedelta(days=14)).date().isoformat()


PRELIMINARY = Edition(
    name="preliminary release",
    period_re=PERIOD_RE,
    read_period=read_preliminary_period,
    assumed_vintage=_preliminary_vintage,
    title_currency=True,
    unread_titles={"trade mode": "tables by trade mode are not read"},
)


@dataclass(frozen=True)
class SectionRows:
    """What a section's mapper reads.

    printed  the table as printed: row, line, label, indent, parent, of_which, aggregate, then
             the layout's columns (numbers unscaled; "unit" a string or None)
    meta     what parsing found so far: file, title, section, section_number, period, janfeb,
             currency, unit, scale (and the edition's meta)
    overflow cells printed "#####" and read as missing (spec.overflow): row, line, label, column
    """

    raw: RawPage
    printed: pd.DataFrame
    spec: SectionSpec
    meta: dict
    unit_missing: bool = False
    overflow: list[dict] = field(default_factory=list)


@dataclass
class Mapped:
    """What a section's mapper returns.

    printed   the printed rows plus a "code" column (partner or product code; None/NaN: the row
              is read but not stored), and any columns of its own
    unmapped  rows read but not stored that the import should name
    rows      the rows the canonical frames come from when not `printed` (section (1): one
              WORLD row with export_*/import_* columns)
    meta      added to GacTable.meta after everything else
    """

    printed: pd.DataFrame
    unmapped: list[UnmappedLine] = field(default_factory=list)
    rows: pd.DataFrame | None = None
    meta: dict = field(default_factory=dict)


HeaderCheck = Callable[[RawPage, list[RawRow], pd.Period, str, str], dict | None]


@dataclass(frozen=True)
class SectionSpec:
    """One GAC table the reader knows; an entry of gac.SECTIONS (docs/gac_tables.md).

    name          GAC's description of the table (error messages, docs)
    title_words   regexes that must all occur in the lower-cased title; the first entry of the
                  page's edition that matches wins, so keep the more specific entries first
    kind          layout-name prefix: meta["layout"] = f"{kind}_{variant}"
    layouts       variant -> names of the data columns after the label: "month" (a normal month),
                  "janfeb" (a January-February title), "january" (a January page whose first
                  row has this width: the month is also the year to date, *_month -> *_ytd)
    mapper        SectionRows -> Mapped: a code per row (a `_map_*` function)
    flow          "export"/"import": a one-flow table, value columns value_<suffix>; None: both
                  flows, columns export_<suffix> and import_<suffix>
    by_partner    rows are partners (product TOTAL); False: rows are products (partner WORLD)
    quantities    qty_<suffix> columns and a "unit" column (which a page may lack): quantities
                  x the label file's factor, and quantity y/y rows
    month_rates   the table prints the month's y/y (month_yoy) and m/m (mom_pct)
    overflow      cells printed "#####" (column too narrow) are read as missing and listed
    source_suffix after "gac:<file>" (and the edition's suffix) in the source column
    check_header  (raw, header, period, layout, header_conflict) -> conflict dict or None
    edition       PRELIMINARY or gac_bulletin.BULLETIN
    The frames are built from the mapper's rows (Mapped.rows, else printed) by column name:
    <value|export|import>_<suffix> (and qty_<suffix>), suffix month, ytd, prior_ytd, ytd_yoy,
    month_yoy, mom_pct; a column that is absent gives no rows.
    """

    name: str
    title_words: tuple[str, ...]
    kind: str
    layouts: Mapping[str, tuple[str, ...]]
    mapper: Callable[[SectionRows], Mapped]
    flow: str | None = None
    by_partner: bool = True
    quantities: bool = False
    month_rates: bool = False
    overflow: bool = False
    source_suffix: str = ""
    check_header: HeaderCheck = check_header_months
    edition: Edition = PRELIMINARY

    def matches(self, title: str) -> bool:
        """True when every title word occurs in the (lower-cased) title."""
        low = title.lower()
        return all(re.search(word, low) for word in self.title_words)

"""Wide series exports (CEIC, Wind, Bloomberg, FRED, Excel) -> canonical rows.

The data file is a CSV or XLSX with a date column and one column per series. A mapping file
(YAML or CSV) says what each column is::

    # mapping.yaml
    date_column: Date    # default: the first column
    sheet: Data          # XLSX only; default: the first sheet
    header_row: 1        # 1-based row holding the column names
    source: ceic         # rows get source "series:ceic"
    vintage: 2026-04-20  # default: today (or the importer's --vintage)
    columns:
      Exports USD mn: {flow: export, partner: WORLD, product: TOTAL, currency: USD,
                       scale: 1e6, measure: level}
      Exports y/y: {flow: export, currency: USD, measure: yoy_pct}

    # mapping.csv (settings above take their defaults)
    column,flow,partner,product,currency,scale,measure
    Exports USD mn,export,WORLD,TOTAL,USD,1e6,level

partner defaults to WORLD, product to TOTAL, scale to 1 (a number or one of thousand, mn,
100mn, bn), measure to level. Values are multiplied by scale (for yoy_pct use 100 if the series
is a fraction). Y/y-only series (measure yoy_pct) get the source suffix ":yoy_only".

Dates: month-end or any day of the month (YYYY-MM-DD, YYYY/MM/DD), YYYY-MM, YYYYMM, "Mar 2026",
"2021年12月份" (AKShare/Eastmoney; rows may come newest first),
Excel dates (cells or serial numbers) -> the monthly period. Empty cells and NA, N/A, #N/A,
n.a., "-" are missing; other text in a value cell is an error. Every problem names the file, the
row (1-based, as in a spreadsheet) and the column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from helpers import classifications
from helpers.schema import (
    CANONICAL_COLUMNS,
    CURRENCIES,
    FLOWS,
    MEASURES,
    DataValidationError,
    Problem,
)

SCALES = {
    "unit": 1.0,
    "units": 1.0,
    "thousand": 1e3,
    "thousands": 1e3,
    "k": 1e3,
    "mn": 1e6,
    "million": 1e6,
    "100mn": 1e8,
    "100 million": 1e8,
    "bn": 1e9,
    "billion": 1e9,
}
NA_TOKENS = {"", "na", "n/a", "#n/a", "n.a.", "nan", "-", "--", "..", "null"}
YOY_SUFFIX = ":yoy_only"
EXCEL_EPOCH = datetime(1899, 12, 30)
MONTHS = {
    m.lower(): i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}


class SeriesMappingError(DataValidationError):
    """The mapping file is wrong or does not fit the data file."""


class SeriesDataError(DataValidationError):
    """A cell of the data file cannot be read (date or number)."""


@dataclass
class ColumnSpec:
    """What one data column holds."""

    column: str
    flow: str
    partner: str = "WORLD"
    product: str = "TOTAL"
    currency: str = "USD"
    scale: float = 1.0
    measure: str = "level"
    line: int | None = None  # line of this entry in the mapping file


@dataclass
class SeriesMapping:
    """A parsed mapping file: settings and one ColumnSpec per mapped column."""

    file: str
    columns: list[ColumnSpec] = field(default_factory=list)
    date_column: str | None = None
    sheet: str | int | None = None
    header_row: int = 1
    source: str | None = None
    vintage: str | None = None


def _scale(raw) -> float:
    """A scale setting -> factor; ValueError with a message if it is neither number nor word."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return 1.0
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    text = str(raw).strip().lower()
    if text in SCALES:
        return SCALES[text]
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"scale '{raw}' is not a number or one of {', '.join(SCALES)}") from None


def _yaml_lines(text: str) -> dict[str, int]:
    """Line (1-based) of each key under `columns:` in a YAML mapping."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    if not isinstance(root, yaml.MappingNode):
        return {}
    for key, value in root.value:
        if key.value == "columns" and isinstance(value, yaml.MappingNode):
            return {str(k.value): k.start_mark.line + 1 for k, _ in value.value}
    return {}


def read_mapping(path: str | Path) -> SeriesMapping:
    """Parse and check a YAML or CSV mapping file (codes checked against classifications)."""
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such mapping file")
    mapping = SeriesMapping(file=name)
    entries: list[tuple[str, dict, int | None]] = []
    if path.suffix.lower() in (".yaml", ".yml"):
        text = path.read_text(encoding="utf-8")
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise SeriesMappingError(
                [Problem(name, None, None, f"not valid YAML: {error}")]
            ) from None
        if not isinstance(doc, dict) or not isinstance(doc.get("columns"), dict):
            raise SeriesMappingError(
                [Problem(name, None, "columns", "expected a 'columns:' mapping of column names")]
            )
        lines = _yaml_lines(text)
        for column, spec in doc["columns"].items():
            entries.append(
                (
                    str(column),
                    spec if isinstance(spec, dict) else {"_bad": spec},
                    lines.get(str(column)),
                )
            )
        mapping.date_column = doc.get("date_column")
        mapping.sheet = doc.get("sheet")
        mapping.header_row = int(doc.get("header_row", 1))
        mapping.source = doc.get("source")
        vintage = doc.get("vintage")
        mapping.vintage = None if vintage is None else str(vintage)
    elif path.suffix.lower() == ".csv":
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        table.columns = [c.strip() for c in table.columns]
        if "column" not in table.columns:
            raise SeriesMappingError([Problem(name, 1, "column", "required column is missing")])
        for i, row in enumerate(table.to_dict("records")):
            spec = {k: v.strip() for k, v in row.items() if k != "column" and v.strip()}
            entries.append((row["column"].strip(), spec, i + 2))
    else:
        raise SeriesMappingError([Problem(name, None, None, "mapping must be .yaml, .yml or .csv")])

    problems: list[Problem] = []
    partners = set(classifications.partners().index)
    for column, spec, line in entries:
        if "_bad" in spec:
            problems.append(Problem(name, line, column, "expected flow/partner/... settings"))
            continue
        unknown = set(spec) - {"flow", "partner", "product", "currency", "scale", "measure"}
        if unknown:
            problems.append(Problem(name, line, column, f"unknown setting(s) {sorted(unknown)}"))
        flow = str(spec.get("flow", "")).strip()
        partner = str(spec.get("partner", "WORLD")).strip()
        product = str(spec.get("product", "TOTAL")).strip()
        currency = str(spec.get("currency", "")).strip().upper()
        measure = str(spec.get("measure", "level")).strip()
        checks = [
            (flow in FLOWS, f"flow '{flow}' is not one of {', '.join(FLOWS)}"),
            (
                currency in CURRENCIES,
                f"currency '{currency}' is not one of {', '.join(CURRENCIES)}",
            ),
            (measure in MEASURES, f"measure '{measure}' is not one of {', '.join(MEASURES)}"),
            (partner in partners, f"unknown partner '{partner}' (see partners.csv)"),
        ]
        if flow in FLOWS:
            tree = classifications.product_tree(flow)
            checks.append(
                (product in tree.index, f"unknown {flow} product '{product}' (see products.csv)")
            )
        problems += [Problem(name, line, column, msg) for ok, msg in checks if not ok]
        try:
            scale = _scale(spec.get("scale"))
        except ValueError as error:
            problems.append(Problem(name, line, column, str(error)))
            continue
        mapping.columns.append(
            ColumnSpec(column, flow, partner, product, currency, scale, measure, line)
        )
    if not entries:
        problems.append(Problem(name, None, None, "the mapping names no columns"))
    if problems:
        raise SeriesMappingError(problems)
    return mapping


def _read_cells(path: Path, mapping: SeriesMapping) -> tuple[list[str], list[tuple[int, list]]]:
    """Header names and (row number, cells) of the data file; cells keep their Excel types."""
    header_row = mapping.header_row
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = mapping.sheet
            if sheet is None:
                ws = book.worksheets[0]
            elif isinstance(sheet, int):
                ws = book.worksheets[sheet]
            elif sheet in book.sheetnames:
                ws = book[sheet]
            else:
                raise SeriesMappingError(
                    [
                        Problem(
                            mapping.file,
                            None,
                            "sheet",
                            f"{path} has no sheet '{sheet}' (sheets: {book.sheetnames})",
                        )
                    ]
                )
            rows = [(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), 1)]
        finally:
            book.close()
    elif suffix in (".csv", ".txt"):
        table = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            header=None,
            skip_blank_lines=False,
            encoding="utf-8-sig",
        )
        rows = [(i, list(r)) for i, r in enumerate(table.itertuples(index=False), 1)]
    else:
        raise SeriesDataError([Problem(str(path), None, None, "data file must be .csv or .xlsx")])
    header = [r for i, r in rows if i == header_row]
    if not header:
        raise SeriesDataError([Problem(str(path), header_row, None, "no header row")])
    names = ["" if c is None else str(c).strip() for c in header[0]]
    return names, [(i, r) for i, r in rows if i > header_row]


def _to_period(cell) -> pd.Period | None:
    """A date cell -> monthly period; None for an empty cell; ValueError if not a date."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return None
    if isinstance(cell, datetime | date | pd.Timestamp):
        return pd.Period(year=cell.year, month=cell.month, freq="M")
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if float(cell).is_integer() and 190001 <= cell <= 209912 and 1 <= cell % 100 <= 12:
            return pd.Period(year=int(cell) // 100, month=int(cell) % 100, freq="M")
        if 1 <= cell < 80000:
            day = EXCEL_EPOCH + timedelta(days=float(cell))
            return pd.Period(year=day.year, month=day.month, freq="M")
        raise ValueError(f"{cell} is not a date")
    text = str(cell).strip()
    if not text:
        return None
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return _to_period(float(text))
    match = re.fullmatch(
        r"(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?:[ T][\d:.]+)?", text
    ) or re.fullmatch(r"(\d{4})M?(\d{2})", text)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"'{text}' is not a date (month {month})")
        if match.lastindex and match.lastindex >= 3 and match.group(3):
            date(year, month, int(match.group(3)))  # raises on 2026-02-31
        return pd.Period(year=year, month=month, freq="M")
    match = re.fullmatch(r"(\d{4})\s*年\s*(\d{1,2})\s*月份?", text)  # Eastmoney: 2021年12月份
    if match:
        month = int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"'{text}' is not a date (month {month})")
        return pd.Period(year=int(match.group(1)), month=month, freq="M")
    match = re.fullmatch(r"([A-Za-z]{3})[a-z]*\.?[ -](\d{2}|\d{4})", text)
    if match and match.group(1).lower() in MONTHS:
        year = int(match.group(2))
        year += 2000 if year < 100 else 0
        return pd.Period(year=year, month=MONTHS[match.group(1).lower()], freq="M")
    raise ValueError(f"'{text}' is not a date (expected YYYY-MM, YYYY-MM-DD or an Excel date)")


def _to_number(cell, measure: str) -> float | None:
    """A value cell -> float; None when missing; ValueError for text."""
    if cell is None:
        return None
    if isinstance(cell, bool):
        raise ValueError(f"'{cell}' is not a number")
    if isinstance(cell, int | float):
        return None if np.isnan(cell) else float(cell)
    text = str(cell).strip().replace("\u00a0", "")
    if text.lower() in NA_TOKENS:
        return None
    if measure == "yoy_pct" and text.endswith("%"):
        text = text[:-1].strip()
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"'{cell}' is not a number") from None


def read_series(
    path: str | Path,
    mapping: str | Path | SeriesMapping,
    vintage: str | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """Read a wide series file through its mapping into canonical rows (with `_line`).

    Raises SeriesMappingError when the mapping names a column the data lacks or an unknown
    code, SeriesDataError for a cell that is not a date or a number. The frame's
    ``attrs["notes"]`` says which series were y/y-only.
    """
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if not isinstance(mapping, SeriesMapping):
        mapping = read_mapping(mapping)
    names, rows = _read_cells(path, mapping)

    problems: list[Problem] = []
    dupes = sorted({n for n in names if n and names.count(n) > 1})
    if dupes:
        problems.append(
            Problem(
                name, mapping.header_row, dupes[0], f"column name(s) {dupes} appear more than once"
            )
        )
    date_column = mapping.date_column or (names[0] if names else "")
    if date_column not in names:
        problems.append(
            Problem(
                mapping.file,
                None,
                date_column,
                f"date column '{date_column}' is not in {name} "
                f"(columns: {[n for n in names if n]})",
            )
        )
    for spec in mapping.columns:
        if spec.column not in names:
            problems.append(
                Problem(
                    mapping.file,
                    spec.line,
                    spec.column,
                    f"the mapping names column '{spec.column}' which {name} "
                    f"does not have (columns: {[n for n in names if n]})",
                )
            )
    if problems:
        raise SeriesMappingError(problems)

    date_at = names.index(date_column)
    positions = {spec.column: names.index(spec.column) for spec in mapping.columns}
    vintage = vintage or mapping.vintage or datetime.now(UTC).date().isoformat()
    base = "series" + (f":{source or mapping.source}" if (source or mapping.source) else "")
    out, seen = [], {}
    for row_number, cells in rows:

        def cell(i, cells=cells):
            return cells[i] if i < len(cells) else None

        values = {}
        for spec in mapping.columns:
            try:
                values[spec.column] = _to_number(cell(positions[spec.column]), spec.measure)
            except ValueError as error:
                problems.append(Problem(name, row_number, spec.column, str(error)))
        try:
            period = _to_period(cell(date_at))
        except ValueError as error:
            problems.append(Problem(name, row_number, date_column, str(error)))
            continue
        if period is None:
            if any(v is not None for v in values.values()):
                problems.append(
                    Problem(name, row_number, date_column, "date is missing on a row with values")
                )
            continue
        if period in seen:
            problems.append(
                Problem(
                    name, row_number, date_column, f"month {period} already on row {seen[period]}"
                )
            )
            continue
        seen[period] = row_number
        for spec in mapping.columns:
            number = values.get(spec.column)
            if number is None:
                continue
            if spec.measure == "level" and number < 0:
                problems.append(Problem(name, row_number, spec.column, f"negative level {number}"))
                continue
            out.append(
                {
                    "period": period,
                    "months": 1,
                    "flow": spec.flow,
                    "partner": spec.partner,
                    "product": spec.product,
                    "value": number * spec.scale,
                    "currency": spec.currency,
                    "quantity": np.nan,
                    "quantity_unit": None,
                    "measure": spec.measure,
                    "source": base + (YOY_SUFFIX if spec.measure == "yoy_pct" else ""),
                    "vintage": vintage,
                    "_line": row_number,
                }
            )
    if problems:
        raise SeriesDataError(problems)
    frame = pd.DataFrame(out, columns=[*CANONICAL_COLUMNS, "_line"])
    yoy = [s.column for s in mapping.columns if s.measure == "yoy_pct"]
    frame.attrs["notes"] = (
        [
            f"{len(yoy)} y/y-only series stored with measure yoy_pct (source suffix "
            f"'{YOY_SUFFIX}'): {', '.join(yoy)}"
        ]
        if yoy
        else []
    )
    return frame


SHIPPED_MAPPINGS = {  # header of a layout the kit ships a mapping for -> mapping file name
    ("月份", "当月出口额-金额"): "eastmoney_customs_monthly.yaml",
    ("period", "exports_usd_100m", "imports_usd_100m"): "china_customs_1983_2013.yaml",
}


def shipped_mapping(path: str | Path) -> Path | None:
    """The mapping under data/mappings/ for a file in a layout the kit knows (AKShare/Eastmoney
    `macro_china_hgjck`: header 月份,当月出口额-金额,...; China Customs 1983-2013 as in the R
    package `seasonal`: period,exports_usd_100m,imports_usd_100m), or None."""
    from helpers.paths import DATA_DIR

    path = Path(path)
    if path.suffix.lower() != ".csv" or not path.exists():
        return None
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        header = tuple(c.strip() for c in handle.readline().strip().split(","))
    for start, name in SHIPPED_MAPPINGS.items():
        if header[: len(start)] == start:
            return DATA_DIR / "mappings" / name
    return None


def overlap_report(frame: pd.DataFrame, held: pd.DataFrame) -> list[str]:
    """Where an import's levels overlap levels another source already put in the store: the
    months compared, the largest differences, and which values the views now use (the later
    vintage: a store keeps both and reads the newest). `held` is the store's latest rows."""
    key = ["period", "flow", "partner", "product", "currency"]
    mine = frame[frame["measure"] == "level"]
    if mine.empty or held is None or held.empty:
        return []
    other = held[(held["measure"] == "level") & ~held["source"].isin(set(mine["source"]))]
    if other.empty:
        return []
    left = mine.assign(period=mine["period"].astype(str))
    right = other.assign(period=other["period"].astype(str))
    both = left.merge(right, on=key, suffixes=("", "_held"))
    if both.empty:
        return []
    notes = []
    for (flow, source), rows in both.groupby(["flow", "source_held"]):
        rows = rows.sort_values("period")
        diff = 100 * (rows["value"] / rows["value_held"] - 1)
        worst = diff.abs().idxmax()
        newer = (rows["vintage"].astype(str) >= rows["vintage_held"].astype(str)).all()
        notes.append(
            f"{flow}: {len(rows)} month(s) {rows['period'].iloc[0]}..{rows['period'].iloc[-1]} "
            f"overlap {source}: mean absolute difference {diff.abs().mean():.2f}%, largest "
            f"{diff[worst]:+.2f}% ({rows.loc[worst, 'period']}: {rows.loc[worst, 'value']:,.0f} "
            f"vs {rows.loc[worst, 'value_held']:,.0f}); "
            + ("this file's values are used there (later vintage)" if newer else
               f"the values of {source} stay in use there (their vintage is later)"))
    return notes

"""Wide series exports (CSV/XLSX + mapping) -> canonical rows."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from helpers.ingest.readers.series import (
    SeriesDataError,
    SeriesMappingError,
    _to_period,
    read_mapping,
    read_series,
)
from helpers.schema import DataValidationError, TradeKitError, validate

FIXTURES = Path(__file__).parent / "fixtures" / "series"
DATA = FIXTURES / "exports_monthly.csv"
YAML_MAPPING = FIXTURES / "mapping.yaml"
CSV_MAPPING = FIXTURES / "mapping.csv"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_csv_with_yaml_mapping():
    before = digest(DATA), digest(YAML_MAPPING)
    frame = read_series(DATA, YAML_MAPPING)
    assert (digest(DATA), digest(YAML_MAPPING)) == before
    typed = validate(frame, str(DATA), check_gaps=False)  # canonical
    assert len(typed) == 16  # 4 months x 4 series; the empty Jan/Feb rows are skipped
    exports = typed[(typed["flow"] == "export") & (typed["partner"] == "WORLD")
                    & (typed["measure"] == "level")].set_index("period")["value"]
    assert exports[pd.Period("2025-10", "M")] == pytest.approx(305349.6e6)
    assert exports[pd.Period("2026-03", "M")] == pytest.approx(315802.0e6)  # "315,802.0"
    us = typed[typed["partner"] == "united_states"]
    assert us["value"].max() == pytest.approx(36062.7e6)
    yoy = typed[typed["measure"] == "yoy_pct"]
    assert yoy["value"].tolist() == [-1.1, 5.9, 6.6, 2.5]  # no scaling
    assert set(yoy["source"]) == {"series:ceic:yoy_only"}
    assert set(typed.loc[typed["measure"] == "level", "source"]) == {"series:ceic"}
    assert set(typed["vintage"]) == {"2026-04-20"}
    assert "y/y-only" in frame.attrs["notes"][0]
    # 2026-03-31 is row 7 of the CSV (header = row 1)
    assert frame.loc[frame["period"] == pd.Period("2026-03", "M"), "_line"].unique().tolist() == [7]


def test_csv_mapping_matches_yaml_mapping():
    from_yaml = read_series(DATA, YAML_MAPPING, vintage="2026-05-01", source="ceic")
    from_csv = read_series(DATA, CSV_MAPPING, vintage="2026-05-01", source="ceic")
    pd.testing.assert_frame_equal(from_yaml, from_csv)


def test_default_vintage_is_today_and_source_plain(tmp_path):
    mapping = tmp_path / "m.csv"
    mapping.write_text("column,flow,currency,scale\nChina: Exports: USD mn,export,USD,mn\n")
    frame = read_series(DATA, mapping)
    assert set(frame["source"]) == {"series"}
    assert set(frame["vintage"]) == {datetime.now(UTC).date().isoformat()}


def test_xlsx_with_metadata_rows_and_excel_dates(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Cover"
    data = book.create_sheet("Data")
    data.append(["CEIC export", None, None])
    data.append(["Unit", "USD mn", "%"])
    data.append(["Date", "Exports", "Exports yoy"])
    data.append([datetime(2026, 1, 31), 300000.5, 5.0])
    data.append([46081, 250000, "-2.5%"])  # Excel serial number of 2026-02-28
    data.append(["2026-03", "n.a.", 3.1])
    path = tmp_path / "export.xlsx"
    book.save(path)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "sheet: Data\nheader_row: 3\ncolumns:\n"
        "  Exports: {flow: export, currency: USD, scale: mn}\n"
        "  Exports yoy: {flow: export, currency: USD, measure: yoy_pct}\n"
    )
    before = digest(path)
    frame = read_series(path, mapping, vintage="2026-04-20")
    assert digest(path) == before
    levels = frame[frame["measure"] == "level"]
    assert levels["period"].astype(str).tolist() == ["2026-01", "2026-02"]
    assert levels["value"].tolist() == [300000.5e6, 250000e6]
    assert frame.loc[frame["measure"] == "yoy_pct", "value"].tolist() == [5.0, -2.5, 3.1]
    assert frame["_line"].tolist() == [4, 4, 5, 5, 6]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-03", "2026-03"), ("2026-03-31", "2026-03"), ("2026/3/31", "2026-03"),
        ("2026-03-15", "2026-03"), ("202603", "2026-03"), ("2026M03", "2026-03"),
        ("Mar 2026", "2026-03"), ("Mar-26", "2026-03"), ("March 2026", "2026-03"),
        ("2026-03-31 00:00:00", "2026-03"), (46112, "2026-03"), ("46112", "2026-03"),
        (datetime(2026, 3, 31), "2026-03"), (date(2026, 3, 1), "2026-03"),
        (pd.Timestamp("2026-03-31"), "2026-03"), (202603, "2026-03"),
    ],
)
def test_dates(cell, expected):
    assert str(_to_period(cell)) == expected


@pytest.mark.parametrize("cell", ["2026-13", "31/03/2026", "Q1 2026", "2026-02-31", "total"])
def test_bad_dates(cell):
    with pytest.raises(ValueError):
        _to_period(cell)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_mapping_names_missing_column(tmp_path):
    mapping = write(tmp_path, "m.yaml", "columns:\n  Exports: {flow: export, currency: USD}\n"
                                        "  Exprots: {flow: export, currency: CNY}\n")
    data = write(tmp_path, "d.csv", "Date,Exports\n2026-03,1\n")
    with pytest.raises(SeriesMappingError) as caught:
        read_series(data, mapping)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.column) == (str(mapping), 3, "Exprots")
    assert str(data) in problem.message and "does not have" in problem.message


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("{flow: export, partner: atlantis, currency: USD}", "unknown partner 'atlantis'"),
        ("{flow: import, product: toys, currency: USD}", "unknown import product 'toys'"),
        ("{flow: exports, currency: USD}", "flow 'exports'"),
        ("{flow: export, currency: EUR}", "currency 'EUR'"),
        ("{flow: export, currency: USD, measure: mom}", "measure 'mom'"),
        ("{flow: export, currency: USD, scale: lots}", "scale 'lots'"),
        ("{flow: export, currency: USD, unit: mn}", "unknown setting"),
    ],
)
def test_bad_mapping_entries(tmp_path, spec, fragment):
    mapping = write(tmp_path, "m.yaml", f"date_column: Date\ncolumns:\n  Exports: {spec}\n")
    with pytest.raises(SeriesMappingError, match=fragment) as caught:
        read_mapping(mapping)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.column) == (str(mapping), 3, "Exports")
    assert isinstance(caught.value, DataValidationError | TradeKitError)


def test_bad_csv_mapping_names_line(tmp_path):
    mapping = write(tmp_path, "m.csv", "column,flow,partner,currency\n"
                                       "Exports,export,WORLD,USD\nImports,import,mars,USD\n")
    with pytest.raises(SeriesMappingError, match="unknown partner 'mars'") as caught:
        read_mapping(mapping)
    assert caught.value.problems[0].line == 3


def test_non_numeric_cell_names_file_row_column(tmp_path):
    data = write(tmp_path, "d.csv", "Date,Exports,Imports\n2026-01,1,2\n2026-02,abc,3\n"
                                    "2026-03,4,5 bn\n")
    mapping = write(tmp_path, "m.csv", "column,flow,currency\nExports,export,USD\n"
                                       "Imports,import,USD\n")
    before = digest(data)
    with pytest.raises(SeriesDataError) as caught:
        read_series(data, mapping)
    found = [(p.file, p.line, p.column) for p in caught.value.problems]
    assert found == [(str(data), 3, "Exports"), (str(data), 4, "Imports")]
    assert "'abc' is not a number" in str(caught.value)
    assert digest(data) == before


def test_bad_date_duplicate_month_and_negative_level(tmp_path):
    data = write(tmp_path, "d.csv", "Date,Exports\n2026-01-31,1\n2026-01-15,2\nsoon,3\n"
                                    "2026-04,-5\n,7\n")
    mapping = write(tmp_path, "m.csv", "column,flow,currency\nExports,export,USD\n")
    with pytest.raises(SeriesDataError) as caught:
        read_series(data, mapping)
    messages = [(p.line, p.message) for p in caught.value.problems]
    assert messages[0] == (3, "month 2026-01 already on row 2")
    assert messages[1][0] == 4 and "not a date" in messages[1][1]
    assert messages[2] == (5, "negative level -5.0")
    assert messages[3] == (6, "date is missing on a row with values")


def test_missing_files():
    with pytest.raises(FileNotFoundError):
        read_series(FIXTURES / "nope.csv", YAML_MAPPING)
    with pytest.raises(FileNotFoundError):
        read_mapping(FIXTURES / "nope.yaml")

"""Validation of canonical input: errors name file, line and column; inputs are not modified."""

import hashlib

import pandas as pd
import pytest

from helpers.schema import DataValidationError, read_canonical_csv, validate

HEADER = "period,flow,partner,product,value,currency,quantity,quantity_unit,source,vintage\n"
GOOD = [
    "2025-01,export,WORLD,TOTAL,100,USD,,,test,2025-03-01",
    "2025-02,export,WORLD,TOTAL,110,USD,,,test,2025-03-01",
    "2025-01,export,united_states,TOTAL,20,USD,,,test,2025-03-01",
    "2025-02,export,united_states,TOTAL,25,USD,,,test,2025-03-01",
]


def _write(tmp_path, lines):
    path = tmp_path / "input.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n")
    return path


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _error(path):
    before = _digest(path)
    with pytest.raises(DataValidationError) as info:
        validate(read_canonical_csv(path), str(path))
    assert _digest(path) == before, "the input file must not change"
    return info.value


def test_good_file_is_typed(tmp_path):
    frame = validate(read_canonical_csv(_write(tmp_path, GOOD)), "input.csv")
    assert isinstance(frame["period"].dtype, pd.PeriodDtype)
    assert frame["value"].tolist() == [100.0, 110.0, 20.0, 25.0]
    assert frame["months"].tolist() == [1, 1, 1, 1]


def test_duplicate_key_names_file_line_and_first_occurrence(tmp_path):
    path = _write(tmp_path, GOOD + ["2025-01,export,WORLD,TOTAL,101,USD,,,test,2025-03-01"])
    error = _error(path)
    problem = error.problems[0]
    assert (problem.file, problem.line) == (str(path), 6)
    assert "duplicate key" in problem.message and "line 2" in problem.message
    assert str(path) in str(error) and "line 6" in str(error)


def test_unknown_partner_code(tmp_path):
    lines = GOOD + ["2025-03,export,atlantis,TOTAL,5,USD,,,test,2025-03-01"]
    problem = _error(_write(tmp_path, lines)).problems[0]
    assert (problem.line, problem.column) == (6, "partner")
    assert "atlantis" in problem.message


def test_negative_value(tmp_path):
    lines = GOOD[:1] + ["2025-02,export,WORLD,TOTAL,-110,USD,,,test,2025-03-01"] + GOOD[2:]
    problem = _error(_write(tmp_path, lines)).problems[0]
    assert (problem.line, problem.column) == (3, "value")
    assert "negative" in problem.message


def test_text_value(tmp_path):
    lines = GOOD[:3] + ["2025-02,export,united_states,TOTAL,n/a,USD,,,test,2025-03-01"]
    problem = _error(_write(tmp_path, lines)).problems[0]
    assert (problem.line, problem.column) == (5, "value")
    assert "'n/a' is not a number" in problem.message


def test_non_month_period(tmp_path):
    lines = GOOD + ["2025-Q1,export,japan,TOTAL,5,USD,,,test,2025-03-01"]
    problem = _error(_write(tmp_path, lines)).problems[0]
    assert (problem.line, problem.column) == (6, "period")


def test_impossible_month(tmp_path):
    lines = GOOD + ["2026-13,export,japan,TOTAL,5,USD,,,test,2025-03-01"]
    problem = _error(_write(tmp_path, lines)).problems[0]
    assert (problem.line, problem.column) == (6, "period")
    assert "2026-13" in problem.message


def test_gap_inside_a_series(tmp_path):
    lines = GOOD + [
        "2025-01,export,japan,TOTAL,5,USD,,,test,2025-03-01",
        "2025-04,export,japan,TOTAL,6,USD,,,test,2025-03-01",
    ]
    problem = _error(_write(tmp_path, lines)).problems[0]
    assert "gap" in problem.message and "2 month(s) missing, first 2025-02" in problem.message
    assert problem.line == 6


def test_mixed_currencies_within_a_series(tmp_path):
    lines = GOOD[:1] + ["2025-02,export,WORLD,TOTAL,760,CNY,,,test,2025-03-01"] + GOOD[2:]
    problem = _error(_write(tmp_path, lines)).problems[0]
    assert problem.column == "currency" and "mixes currencies" in problem.message


def test_combined_janfeb_row_covers_two_months(tmp_path):
    header = "period,months,flow,partner,product,value,currency,source,vintage\n"
    path = tmp_path / "janfeb.csv"
    path.write_text(
        header
        + "2024-12,1,export,WORLD,TOTAL,100,USD,t,v\n"
        + "2025-02,2,export,WORLD,TOTAL,180,USD,t,v\n"
        + "2025-03,1,export,WORLD,TOTAL,95,USD,t,v\n"
    )
    frame = validate(read_canonical_csv(path), str(path))
    assert frame["months"].tolist() == [1, 2, 1]


def test_missing_required_column(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("period,flow,value\n2025-01,export,1\n")
    error = _error(path)
    assert {p.column for p in error.problems} >= {"partner", "product", "currency"}

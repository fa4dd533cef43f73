"""The import store: atomic writes, vintages, YTD derivation and printed-vs-computed checks."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.ingest import store
from helpers.schema import CANONICAL_COLUMNS, DataValidationError


def tree_hash(path: Path) -> dict[str, str]:
    """sha256 of every file below path (names included)."""
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def rows(values, periods=("2026-02", "2026-03"), vintage="2026-04-14", **extra) -> pd.DataFrame:
    base = {
        "period": list(periods), "months": 1, "flow": "export", "partner": "WORLD",
        "product": "TOTAL", "value": list(values), "currency": "USD", "measure": "level",
        "source": "test", "vintage": vintage,
    }
    base.update(extra)
    return pd.DataFrame(base)


def ytd_rows(periods, values, measure="level", vintage="2026-04-14", **extra) -> pd.DataFrame:
    months = [pd.Period(p, freq="M").month for p in periods]
    return rows(values, periods, vintage, months=months, measure=measure, source="gac", **extra)


def test_ingest_then_load(tmp_path):
    report = store.ingest(tmp_path, rows([100.0, 120.0]), "a.csv")
    assert (report.read, report.new, report.revised, report.unchanged) == (2, 2, 0, 0)
    assert report.ok and "stored 2" in str(report)
    loaded = store.load(tmp_path)
    assert list(loaded.columns) == CANONICAL_COLUMNS
    assert isinstance(loaded["period"].dtype, pd.PeriodDtype)
    assert loaded["value"].tolist() == [100.0, 120.0]
    assert (tmp_path / store.STORE_FILE).exists()
    assert store.imports(tmp_path)["source"].tolist() == ["a.csv"]


def test_empty_store_loads_empty(tmp_path):
    loaded = store.load(store.open_store(tmp_path / "new"))
    assert loaded.empty and list(loaded.columns) == CANONICAL_COLUMNS


def test_import_twice_adds_nothing_and_writes_nothing(tmp_path):
    frame = rows([100.0, 120.0])
    store.ingest(tmp_path, frame, "a.csv")
    before = tree_hash(tmp_path)
    # same values with a later vintage (e.g. the same file imported another day): unchanged
    report = store.ingest(tmp_path, frame.assign(vintage="2026-05-01"), "a.csv")
    assert (report.new, report.revised, report.unchanged, report.stored) == (0, 0, 2, 0)
    assert tree_hash(tmp_path) == before
    assert len(store.load(tmp_path, latest=False)) == 2


def test_revised_value_is_a_new_vintage(tmp_path):
    store.ingest(tmp_path, rows([100.0, 120.0]), "prelim")
    report = store.ingest(tmp_path, rows([100.0, 121.5], vintage="2026-05-20"), "bulletin")
    assert (report.new, report.revised, report.unchanged) == (0, 1, 1)
    latest = store.load(tmp_path)
    assert latest["value"].tolist() == [100.0, 121.5]
    assert latest["vintage"].tolist() == ["2026-04-14", "2026-05-20"]
    every = store.load(tmp_path, latest=False)
    assert len(every) == 3
    assert sorted(every.loc[every["period"] == "2026-03", "value"]) == [120.0, 121.5]


def test_same_vintage_correction_gets_revision_suffix(tmp_path):
    store.ingest(tmp_path, rows([100.0, 120.0]), "a")
    store.ingest(tmp_path, rows([100.0, 125.0]), "a-fixed")
    store.ingest(tmp_path, rows([100.0, 126.0]), "a-fixed-again")
    every = store.load(tmp_path, latest=False)
    march = every[every["period"] == "2026-03"]
    assert march["vintage"].tolist() == ["2026-04-14", "2026-04-14+rev002", "2026-04-14+rev003"]
    assert store.load(tmp_path)["value"].tolist() == [100.0, 126.0]
    # schema key stays unique across vintages
    assert not every.duplicated(["period", "flow", "partner", "product", "currency", "measure",
                                 "vintage"]).any()


def test_older_vintage_reimported_is_unchanged_and_latest_wins(tmp_path):
    store.ingest(tmp_path, rows([100.0, 120.0]), "prelim")
    store.ingest(tmp_path, rows([101.0, 121.0], vintage="2026-05-20"), "bulletin")
    report = store.ingest(tmp_path, rows([100.0, 120.0]), "prelim again")
    assert report.unchanged == 2 and report.stored == 0
    assert store.load(tmp_path)["value"].tolist() == [101.0, 121.0]
    # an older vintage that is new to the store is kept, but does not become the latest
    store.ingest(tmp_path, rows([99.0, 119.0], vintage="2026-04-01"), "flash")
    assert store.load(tmp_path)["value"].tolist() == [101.0, 121.0]


@pytest.mark.parametrize(
    ("change", "column", "line"),
    [
        ({"partner": ["WORLD", "atlantis"]}, "partner", 3),
        ({"value": ["100", "n/a"]}, "value", 3),
        ({"period": ["2026-02", "2026-13"]}, "period", 3),
        ({"flow": ["export", "exports"]}, "flow", 3),
        ({"vintage": ["2026-04-14", None]}, "vintage", 3),
    ],
)
def test_bad_rows_rejected_store_untouched(tmp_path, change, column, line):
    store.ingest(tmp_path, rows([100.0, 120.0], periods=("2025-12", "2026-01")), "good")
    before = tree_hash(tmp_path)
    bad = rows([100.0, 120.0]).astype({"value": object})
    for key, values in change.items():
        bad[key] = values
    snapshot = bad.copy()
    with pytest.raises(store.ImportRejected) as caught:
        store.ingest(tmp_path, bad, "bad.csv")
    assert isinstance(caught.value, DataValidationError)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.column) == ("bad.csv", line, column)
    assert not caught.value.report.ok and caught.value.report.rejected == 2
    assert "REJECTED" in str(caught.value.report)
    assert tree_hash(tmp_path) == before
    pd.testing.assert_frame_equal(bad, snapshot)


def test_input_frame_never_modified(tmp_path):
    frame = rows([100.0, 120.0])
    ytd = ytd_rows(["2026-03"], [300.0])
    copies = frame.copy(), ytd.copy()
    store.ingest(tmp_path, frame, "a", ytd=ytd, derive=True)
    pd.testing.assert_frame_equal(frame, copies[0])
    pd.testing.assert_frame_equal(ytd, copies[1])


def test_ytd_months_must_match_period(tmp_path):
    ytd = ytd_rows(["2026-03"], [300.0]).assign(months=2)
    with pytest.raises(store.ImportRejected, match="months must be the period's month"):
        store.ingest(tmp_path, rows([1.0, 2.0]), "a", ytd=ytd)
    assert tree_hash(tmp_path) == {}


def test_failed_write_leaves_store_identical(tmp_path, monkeypatch):
    store.ingest(tmp_path, rows([100.0, 120.0]), "a")
    before = tree_hash(tmp_path)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store.pq, "write_table", boom)
    with pytest.raises(store.StoreWriteError, match=r"could not be written \(disk full\)"):
        store.ingest(tmp_path, rows([1.0, 2.0], vintage="2026-06-01"), "b")
    assert tree_hash(tmp_path) == before  # no temp file left behind either


def test_open_store_rejects_files_and_foreign_parquet(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(store.StoreError, match="not a directory"):
        store.open_store(tmp_path / "file")
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / store.STORE_FILE).write_bytes(b"not parquet")
    with pytest.raises(store.StoreError, match="cannot read"):
        store.open_store(tmp_path / "s")
    with pytest.raises(FileNotFoundError):
        store.load(tmp_path / "missing")


# --- YTD derivation ----------------------------------------------------------------------------


def test_derive_january_from_february_page(tmp_path):
    """2026 style: a February page (Feb single month, YTD = Jan+Feb) gives January."""
    feb = rows([200.0], periods=("2026-02",))
    ytd = ytd_rows(["2026-02"], [450.0])
    report = store.ingest(tmp_path, feb, "feb.html", ytd=ytd, derive=True)
    assert report.derived == 1 and "derived" in str(report)
    loaded = store.load(tmp_path)
    jan = loaded[loaded["period"] == "2026-01"].iloc[0]
    assert jan["value"] == 250.0 and jan["months"] == 1
    assert jan["source"] == "gac:derived_from_ytd"
    assert jan["vintage"] == "2026-04-14"


def test_derive_month_from_consecutive_ytd(tmp_path):
    ytd = ytd_rows(["2026-02", "2026-03", "2026-04"], [450.0, 700.0, 1000.0])
    months = rows([200.0], periods=("2026-02",))
    report = store.ingest(tmp_path, months, "pages", ytd=ytd, derive=True)
    loaded = store.load(tmp_path).set_index("period")["value"]
    assert loaded.to_dict() == {
        pd.Period("2026-01", "M"): 250.0, pd.Period("2026-02", "M"): 200.0,
        pd.Period("2026-03", "M"): 250.0, pd.Period("2026-04", "M"): 300.0,
    }
    assert report.derived == 3
    # deriving again finds nothing missing
    again = store.fill_from_ytd(tmp_path)
    assert again.stored == 0


def test_derive_skips_combined_janfeb_and_negative():
    months = rows([500.0], periods=("2025-02",), months=2)
    ytd = ytd_rows(["2025-02", "2025-03", "2025-04"], [500.0, 780.0, 700.0])
    derived = store.derive_months_from_ytd(months, ytd)
    assert derived["period"].astype(str).tolist() == ["2025-03"]  # no Jan; Apr negative
    assert derived["value"].tolist() == [280.0]


def test_derived_value_replaced_by_real_value(tmp_path):
    store.ingest(tmp_path, rows([200.0], periods=("2026-02",)), "feb",
                 ytd=ytd_rows(["2026-02"], [450.0]), derive=True)
    real = rows([251.0], periods=("2026-01",), vintage="2026-05-20", source="bulletin")
    report = store.ingest(tmp_path, real, "bulletin")
    assert report.revised == 1
    jan = store.load(tmp_path).set_index("period").loc[pd.Period("2026-01", "M")]
    assert jan["value"] == 251.0 and jan["source"] == "bulletin"


# --- printed vs computed YTD y/y ---------------------------------------------------------------


def test_compare_printed_ytd_yoy(tmp_path):
    periods_2025 = ("2025-01", "2025-02", "2025-03")
    periods_2026 = ("2026-01", "2026-02", "2026-03")
    store.ingest(tmp_path, rows([100.0, 100.0, 100.0], periods=periods_2025), "2025")
    store.ingest(tmp_path, rows([110.0, 110.0, 110.0], periods=periods_2026), "2026")
    # imports: only YTD levels are stored for 2025 (basis "ytd")
    imp = dict(flow="import")
    store.ingest(tmp_path, rows([50.0, 60.0], periods=("2026-01", "2026-02"), **imp), "imp",
                 ytd=ytd_rows(["2025-02"], [100.0], **imp))
    printed = pd.concat([
        ytd_rows(["2026-03"], [10.0], measure="yoy_pct"),       # computed 10.0: fine
        ytd_rows(["2026-02"], [10.5], measure="yoy_pct"),       # computed 10.0: off by 0.5
        ytd_rows(["2026-02"], [10.04], measure="yoy_pct", **imp),  # computed 10.0 via ytd
        ytd_rows(["2024-03"], [1.0], measure="yoy_pct"),        # no prior year: not compared
    ])
    store.ingest(tmp_path, rows([], periods=()), "printed", ytd=printed)
    flagged = store.compare_printed_ytd_yoy(tmp_path)
    assert flagged[["flow", "period"]].astype(str).values.tolist() == [["export", "2026-02"]]
    assert flagged["diff_pp"].iloc[0] == pytest.approx(0.5)
    every = store.compare_printed_ytd_yoy(tmp_path, all_rows=True)
    assert len(every) == 3
    imp_row = every[every["flow"] == "import"].iloc[0]
    assert imp_row["computed"] == pytest.approx(10.0) and imp_row["basis"] == "months/ytd"


def test_compare_without_printed_values_is_empty(tmp_path):
    store.ingest(tmp_path, rows([1.0, 2.0]), "a")
    assert store.compare_printed_ytd_yoy(tmp_path).empty


# --- property: the latest vintage always wins, re-imports never add ---------------------------


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.integers(0, 3), min_size=3, max_size=3), min_size=1, max_size=5))
def test_latest_vintage_wins(tmp_path_factory, imports):
    path = tmp_path_factory.mktemp("store")
    periods = ("2026-01", "2026-02", "2026-03")
    frames = []
    for i, values in enumerate(imports):
        frame = rows([float(v) for v in values], periods=periods, vintage=f"2026-0{i + 4}-01")
        frames.append(frame)
        store.ingest(path, frame, f"import {i}")
    assert store.load(path)["value"].tolist() == [float(v) for v in imports[-1]]
    for frame in frames:
        assert store.ingest(path, frame, "again").stored == 0
    every = store.load(path, latest=False)
    for position, period in enumerate(periods):
        values = [v[position] for v in imports]
        runs = [float(v) for i, v in enumerate(values) if i == 0 or v != values[i - 1]]
        stored = every[every["period"] == period].sort_values("vintage")["value"].tolist()
        assert stored == runs

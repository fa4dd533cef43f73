"""Issue 23: the AKShare/Jin10 consensus layout, indicator files with publication lags, and the
Eastmoney splice onto the 1983-2013 series, on small hand-made files (tests/fixtures/market)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data import load_dataset
from helpers.ingest import importer, side_tables, store
from helpers.ingest.readers.series import shipped_mapping

MARKET = Path(__file__).parent / "fixtures" / "market"  # made-up values in real layouts
HISTORY_MAPPING = Path(__file__).parent / "fixtures" / "series" / "china_customs_1983_2013.yaml"


def run(capsys, *argv):
    """Run the import command; (exit code, everything printed)."""
    code = importer.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_jin10_release_date_rules(capsys, tmp_path):
    code, text = run(capsys, "consensus", MARKET / "jin10_exports_small.csv", "--store", tmp_path)
    assert code == 0, text
    # 10 release rows; 2019-12-09 and 2020-03-08 repeat a month already reported; 2020-05-07 and
    # 2020-06-07 carry no actual; 2020-02-07 is the February release of a combined year
    assert "10 release row(s)" in text
    assert "skipped 2 row(s) without an actual, 2 repeated release(s)" in text
    assert "1 February release(s) of a year published Jan-Feb combined" in text
    assert "2 previous value(s) differing from the first print" in text
    consensus = pd.read_csv(tmp_path / "consensus.csv", dtype={"period": str})
    got = consensus.set_index("period")["value"].to_dict()
    # a release in month m reports m-1; the 2020-03-07 release reports January and February
    # 2020 (combined); 2020-05 has a consensus and no actual yet (the release is to come)
    assert got == {"2019-11": -1.0, "2019-12": 2.9, "2020-01": -14.0, "2020-02": -14.0,
                   "2020-03": -14.0, "2020-04": -15.7, "2020-05": -7.0}  # fmt: skip
    vintages = pd.read_csv(tmp_path / "consensus_vintages.csv", dtype={"period": str})
    as_of = vintages.set_index("period")["as_of"]
    # the release date is the vintage; 2020-04's actual came with the second release row
    assert as_of["2020-04"] == "2020-05-08" and as_of["2020-02"] == "2020-03-07"
    assert as_of["2020-05"] == "2020-06-07"
    assert set(vintages["source"]) == {"jin10"} and set(vintages["unit"]) == {"pct"}
    # first prints of single months; 前值 kept as the previous month's revised print
    first = side_tables.first_releases(tmp_path, "export")
    assert first.to_dict() == {pd.Period("2019-11", "M"): -1.1, pd.Period("2019-12", "M"): 7.6,
                               pd.Period("2020-03", "M"): -6.6, pd.Period("2020-04", "M"): 3.5}
    prints = pd.read_csv(tmp_path / "releases_vintages.csv", dtype={"period": str})
    revised = prints[prints["print"] == "revised"].set_index("period")
    assert revised.loc["2019-11", ["value", "as_of"]].tolist() == [-1.3, "2020-01-14"]
    assert revised.loc["2019-12", ["value", "as_of"]].tolist() == [7.9, "2020-03-07"]
    combined = prints[(prints["print"] == "first") & (prints["months"] == 2)]
    assert sorted(combined["period"]) == ["2020-01", "2020-02"]
    assert (combined["value"] == -17.2).all()
    # again: nothing new
    code, text = run(capsys, "consensus", MARKET / "jin10_exports_small.csv", "--store", tmp_path)
    assert code == 0 and "stored 0 new" in text and "0 first/revised print(s) added" in text


def test_jin10_balance_in_usd_bn(capsys, tmp_path):
    code, text = run(capsys, "consensus", MARKET / "jin10_trade_balance_small.csv", "--store",
                     tmp_path)  # fmt: skip
    assert code == 0, text
    world = pd.DataFrame({"period": ["2019-11"], "months": 1, "flow": "export",
                          "partner": "WORLD", "product": "TOTAL", "value": [221e9],
                          "currency": "USD", "measure": "level", "source": "gac:page",
                          "vintage": ["2019-12-08"]})  # fmt: skip
    store.ingest(tmp_path, world, "rows")
    # USD 100 million -> USD bn: 412.0 -> 41.2; the 2019-12-08 release has no consensus
    balance = load_dataset(tmp_path).consensus_series("net", "balance")
    assert balance.to_dict() == {pd.Period("2019-10", "M"): pytest.approx(41.2)}
    assert "1 month(s) without a consensus" in text
    first = side_tables.first_releases(tmp_path, "net", "balance")
    assert first[pd.Period("2019-11", "M")] == pytest.approx(38.73)


def test_jin10_errors_name_the_line(capsys, tmp_path):
    code, text = run(capsys, "consensus", MARKET / "jin10_bad.csv", "--store", tmp_path / "s")
    assert code == 1 and "REJECTED" in text and "Traceback" not in text
    for expected in ("jin10_bad.csv, line 3", "'2019-13-08' is not a release date",
                     "line 4", "'n/a' is not a number", "line 5", "'中国以美元计算GDP报告'"):
        assert expected in text, expected
    assert not (tmp_path / "s" / "consensus.csv").exists()


def test_indicator_file_gets_its_publication_lag(capsys, tmp_path):
    code, text = run(capsys, "indicators", MARKET / "cn_pmi_new_export_orders_nbs.csv",
                     "--store", tmp_path)  # fmt: skip
    assert code == 0, text
    values, dates = side_tables.indicator_publication(tmp_path)
    # data/indicator_releases.csv: the PMI for t is out on the last day of t (lag 0)
    assert values.loc[pd.Period("2020-02", "M"), "pmi_new_export_orders"] == 28.7
    assert dates.loc[pd.Period("2020-02", "M"), "pmi_new_export_orders"] == pd.Timestamp(
        "2020-02-29")
    assert dates.loc[pd.Period("2020-01", "M"), "pmi_new_export_orders"] == pd.Timestamp(
        "2020-01-31")
    unknown = tmp_path / "mystery.csv"
    unknown.write_text("period,value\n2020-01,1\n")
    code, text = run(capsys, "indicators", unknown, "--store", tmp_path)
    assert code == 1 and "indicator_releases.csv" in text and "Traceback" not in text


def test_eastmoney_splice_reports_the_overlap(capsys, tmp_path):
    history = MARKET / "history_small.csv"
    code, text = run(capsys, "series", history, "--mapping", HISTORY_MAPPING, "--store", tmp_path)
    assert code == 0, text
    # the 1983-2013 layout is recognised too: the kit ships its mapping (data/mappings)
    assert shipped_mapping(history).name == "china_customs_1983_2013.yaml"
    assert shipped_mapping(MARKET / "jin10_exports_small.csv") is None
    # no --mapping: the Eastmoney layout is recognised and the shipped mapping used
    code, text = run(capsys, "series", MARKET / "eastmoney_small.csv", "--store", tmp_path)
    assert code == 0, text
    # exports 2008-01..03: history 1000.00, 800.00, 900.00 (100 million USD) against Eastmoney
    # 100,000,000, 80,400,000, 89,100,000 (USD thousand): 0%, +0.5%, -1.0%; mean |d| 0.50%
    assert ("export: 3 month(s) 2008-01..2008-03 overlap series:china_customs_seasonal_r: "
            "mean absolute difference 0.50%, largest -1.00% (2008-03") in text
    assert "import: 3 month(s) 2008-01..2008-03" in text
    assert "mean absolute difference 0.00%" in text
    assert "this file's values are used there (later vintage)" in text
    levels = load_dataset(tmp_path).levels("export")
    assert levels[pd.Period("2008-03", "M")] == pytest.approx(89.1e9)  # the later source
    assert levels[pd.Period("2007-12", "M")] == pytest.approx(110e9)  # history before it
    assert levels[pd.Period("2008-04", "M")] == pytest.approx(95e9)  # newest-first file
    # a series file is no release: the headline's "revised by this release" does not list the
    # splice's overlap (2008-02 and 03 differ) as revisions by the 2008-04 release
    from helpers import revisions

    revised = revisions.revised_by_release(load_dataset(tmp_path), "2008-04", "USD")
    assert revised.empty
    assert revised.attrs["empty"].startswith("Revised by this release: this month's figures "
                                             "come from a series file (series:eastmoney)")

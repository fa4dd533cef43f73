"""`python -m helpers import consensus|indicators FILE`: validated, stored with vintages, used."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data import load_dataset
from helpers.ingest import importer, store

SIDE = Path(__file__).parent / "fixtures" / "side"  # made-up values
CONSENSUS, INDICATORS = SIDE / "consensus.csv", SIDE / "indicators.csv"


def run(capsys, *argv):
    code = importer.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out + out.err


def world_rows(tmp_path):
    frame = pd.DataFrame({
        "period": ["2025-06", "2026-06"], "months": 1, "flow": "export", "partner": "WORLD",
        "product": "TOTAL", "value": [300e9, 318e9], "currency": "USD", "measure": "level",
        "source": "gac:page", "vintage": ["2025-07-14", "2026-07-14"],
    })  # fmt: skip
    store.ingest(tmp_path, frame, "rows")


def test_consensus_import_vintages_and_use(capsys, tmp_path):
    world_rows(tmp_path)
    code, text = run(capsys, "consensus", CONSENSUS, "--store", tmp_path)
    assert code == 0, text
    assert "stored 4 new vintage(s)" in text and "dated on or after" not in text
    ds = load_dataset(tmp_path)
    series = ds.consensus_series("export")
    assert series[pd.Period("2026-06", "M")] == 6.0
    assert ds.consensus_series("net", "balance")[pd.Period("2026-06", "M")] == 110.0
    # again: nothing new
    code, text = run(capsys, "consensus", CONSENSUS, "--store", tmp_path)
    assert code == 0 and "stored 0 new" in text and "unchanged 4" in text
    # a later poll is a new vintage; the views use the latest as_of, both are kept
    later = tmp_path / "later.csv"
    later.write_text("period,flow,metric,value,source,as_of\n"
                     "2026-06,export,yoy,6.6,made-up poll (tests),2026-07-12\n")
    code, text = run(capsys, "consensus", later, "--store", tmp_path)
    assert code == 0 and "stored 1 new" in text
    assert load_dataset(tmp_path).consensus_series("export")[pd.Period("2026-06", "M")] == 6.6
    vintages = pd.read_csv(tmp_path / "consensus_vintages.csv")
    assert len(vintages) == 5
    # a consensus dated after the release is flagged
    late = tmp_path / "late.csv"
    late.write_text("period,flow,metric,value,source,as_of\n"
                    "2026-06,import,yoy,2.0,made-up poll (tests),2026-07-20\n")
    code, text = run(capsys, "consensus", late, "--store", tmp_path)
    assert code == 0 and "on or after GAC's release" in text and "2026-06 import yoy" in text


def test_bad_consensus_rows_are_named(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("period,flow,metric,value,source,as_of\n"
                   "2026-13,export,yoy,6.0,poll,2026-07-08\n"
                   "2026-06,net,yoy,x,poll,2026-07-08\n"
                   "2026-06,export,yoy,6.0,,soon\n")
    code, text = run(capsys, "consensus", bad, "--store", tmp_path / "s")
    assert code == 1 and "REJECTED" in text
    for expected in ("bad.csv, line 2", "'2026-13' is not a month", "'x' is not a number",
                     "'net' does not go with metric 'yoy'", "source is empty",
                     "'soon' is not a date"):
        assert expected in text
    assert not (tmp_path / "s" / "consensus.csv").exists()
    missing = tmp_path / "missing.csv"
    missing.write_text("period,flow,value\n2026-06,export,1\n")
    code, text = run(capsys, "consensus", missing, "--store", tmp_path / "s")
    assert code == 1 and "missing column(s) ['metric', 'source', 'as_of']" in text


def test_indicators_import(capsys, tmp_path):
    code, text = run(capsys, "indicators", INDICATORS, "--store", tmp_path)
    assert code == 0, text
    world_rows(tmp_path)
    table = load_dataset(tmp_path).indicator_table()
    assert table.loc[pd.Period("2026-06", "M"), "global_pmi"] == pytest.approx(50.4)

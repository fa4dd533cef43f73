"""The report for 2020-03 on a store whose history starts in 2015 (issue 22): every view builds,
and the outlook says what a short history supports instead of failing."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from short_history import write_short_store

from helpers.report import runner


@pytest.mark.slow
def test_report_on_a_store_from_2015_builds_every_view(tmp_path, capsys):
    store = write_short_store(tmp_path)
    out = tmp_path / "reports"
    rc = runner.main(["run", "--period", "2020-03", "--data", str(store), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 0, err
    path = out / "2020-03"
    manifest = json.loads((path / "manifest.json").read_text())
    assert not manifest["failed"] and not manifest["not_built"]
    figures = pd.read_csv(path / "figures.csv")
    assert set(figures["view"]) == {"headline", "product", "regional", "imports", "outlook"}
    outlook = (path / "outlook.html").read_text()
    for word in (">nan<", ">inf<", "NaN", "Traceback"):
        assert word not in outlook

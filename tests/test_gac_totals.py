"""Section (1) total values: read from made-up pages in the NOTES layout; cross-checked with (4)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.ingest import importer, store
from helpers.ingest.readers import gac

OWN = Path(__file__).parent / "fixtures" / "gac"
JULY_S1 = OWN / "total_values_2024-07_USD.html"  # made-up, NOTES §1 layout
JANFEB_S1 = OWN / "total_values_2025-01-02_USD.html"  # made-up; exports 5,399.4 as in NOTES
JULY_S4 = OWN / "by_country_2024-07_USD.html"  # made-up; Total exports 300,000.0 USD mn


def run(capsys, *argv) -> tuple[int, str]:
    code = importer.main([str(a) for a in argv])
    return code, capsys.readouterr().out


def test_normal_month_page():
    table = gac.read_gac_tables(JULY_S1)
    assert table.meta["section"] == "total_values" and table.meta["scale"] == 1e8
    month = table.month.set_index("flow")["value"]
    assert month["export"] == pytest.approx(3000.0e8) and month["import"] == pytest.approx(2000e8)
    assert table.ytd.set_index("flow")["value"]["export"] == pytest.approx(20000.0e8)
    assert table.printed_yoy.set_index("flow")["value"].to_dict() == {"export": 6.0,
                                                                      "import": 3.5}
    printed = table.printed.set_index("code")
    assert printed.at["export", "month_yoy"] == 6.5 and printed.at["export", "mom_pct"] == 3.0
    assert printed.at["total", "value_month"] == 5000.0  # read, not stored (sum of the flows)
    assert printed.at["balance", "value_ytd"] == 6000.0
    assert table.month["source"].str.endswith("(section 1)").all()


def test_janfeb_page():
    table = gac.read_gac_tables(JANFEB_S1)
    assert table.meta["layout"] == "totals_janfeb"
    row = table.month.set_index("flow").loc["export"]
    assert row["period"] == pd.Period("2025-02", "M") and row["months"] == 2
    assert row["value"] == pytest.approx(5399.4e8)
    assert table.printed_yoy.set_index("flow")["value"]["export"] == 2.3


def test_unknown_row_is_an_error():
    import copy

    raw = copy.deepcopy(gac.read_page(JULY_S1))
    raw.rows[5].cells[0] = "Total Exprt"
    with pytest.raises(gac.GacUnknownLabelError, match="Total Exprt"):
        gac.parse_page(raw)


def test_cross_check_agreeing_pages(capsys, tmp_path):
    code, text = run(capsys, "gac", JULY_S1, JULY_S4, "--store", tmp_path)
    assert code == 0
    # (4) after (1): 2 month + 2 YTD values compared, all within rounding
    assert "4 value(s) compared, 0 differ beyond rounding" in text
    world = store.load(tmp_path).query(
        "partner == 'WORLD' and product == 'TOTAL' and measure == 'level'"
    )  # the month table also holds section (1)'s printed y/y and m/m (other measures)
    assert world.set_index("flow")["value"]["export"] == pytest.approx(300000.0e6)


def test_cross_check_reports_a_difference(capsys, tmp_path):
    code, _ = run(capsys, "gac", JULY_S4, "--store", tmp_path)
    bad = tmp_path / "total_values_2024-07_USD_off.html"
    bad.write_text(JULY_S1.read_text().replace("3,000.0", "3,010.0"))  # exports off by 1.0 bn
    code, text = run(capsys, "gac", bad, "--store", tmp_path)
    assert code == 0
    assert "1 differ beyond rounding" in text
    assert "2024-07 export month USD 3,010.0 vs 3,000.00" in text

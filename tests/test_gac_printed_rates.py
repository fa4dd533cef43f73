"""GAC's printed growth rates in the store: section (1)'s month y/y and m/m (table "month"),
YTD y/y (table "ytd", "yoy_pct") and the quantity y/y of sections (5)/(6) (table "ytd",
"quantity_yoy_pct"). Expected values are the numbers printed on the pages, read by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from gac_pages import real, run, tree_hash

from helpers.ingest import store
from helpers.ingest.readers import gac
from helpers.schema import MEASURES, DataValidationError, validate

OWN = Path(__file__).parent / "fixtures" / "gac_bulletin"
OLD_OWN = Path(__file__).parent / "fixtures" / "gac"
DEC_S1 = OWN / "total_values_2025-12_USD.html"  # NOTES §1: Dec 2025 (USD 100 million)
JANFEB_S1 = OWN / "total_values_2025-01-02_USD.html"  # NOTES §1: Jan-Feb 2025 exports
KEY = ["period", "months", "flow", "partner", "product", "currency", "measure"]


def values(frame: pd.DataFrame) -> dict[tuple, float]:
    """(period, months, flow, partner, product, currency, measure) -> value."""
    rows = frame.assign(period=frame["period"].astype(str))
    return {tuple(r[:-1]): r[-1] for r in rows[[*KEY, "value"]].itertuples(index=False)}


def test_new_measures_are_in_the_schema():
    assert {"quantity_yoy_pct", "mom_pct"} <= set(MEASURES)


@pytest.mark.parametrize("measure", ["yoy_pct", "quantity_yoy_pct", "mom_pct"])
def test_growth_rates_may_be_negative_levels_may_not(measure):
    frame = pd.DataFrame({
        "period": ["2025-12"], "months": [1], "flow": ["import"], "partner": ["WORLD"],
        "product": ["TOTAL"], "value": [-11.4], "currency": ["USD"], "measure": [measure],
        "source": ["test"], "vintage": ["2026-01-14"],
    })  # fmt: skip
    assert validate(frame, "rates.csv")["value"].iloc[0] == -11.4
    with pytest.raises(DataValidationError, match="negative value"):
        validate(frame.assign(measure="level"), "levels.csv")


# ---------------------------------------------------------------------------------------------
# Section (1): Dec 2025, the figures NOTES §1 gives


def test_section1_december_2025_rows_as_stored():
    table = gac.read_gac_tables(DEC_S1)
    month, ytd = gac.store_rows(table)
    assert values(month) == pytest.approx({
        ("2025-12", 1, "export", "WORLD", "TOTAL", "USD", "level"): 3577.8e8,
        ("2025-12", 1, "import", "WORLD", "TOTAL", "USD", "level"): 2436.4e8,
        ("2025-12", 1, "export", "WORLD", "TOTAL", "USD", "yoy_pct"): 6.6,
        ("2025-12", 1, "import", "WORLD", "TOTAL", "USD", "yoy_pct"): 5.7,
        ("2025-12", 1, "export", "WORLD", "TOTAL", "USD", "mom_pct"): 8.4,
        ("2025-12", 1, "import", "WORLD", "TOTAL", "USD", "mom_pct"): 11.5,
    })  # fmt: skip
    assert values(ytd) == pytest.approx({
        ("2025-12", 12, "export", "WORLD", "TOTAL", "USD", "level"): 37718.7e8,
        ("2025-12", 12, "import", "WORLD", "TOTAL", "USD", "level"): 25829.0e8,
        ("2025-12", 12, "export", "WORLD", "TOTAL", "USD", "yoy_pct"): 5.5,
        ("2025-12", 12, "import", "WORLD", "TOTAL", "USD", "yoy_pct"): 0.0,
    })  # fmt: skip
    source = f"gac:{DEC_S1.name} (section 1)"
    assert set(month["source"]) == set(ytd["source"]) == {source}
    assert set(month["vintage"]) == set(ytd["vintage"]) == {"2026-01-14"}
    # the printed total and balance rows are read, never stored
    assert table.printed.set_index("code").at["balance", "value_ytd"] == 11889.7


def test_section1_janfeb_2025_cumulative_yoy_in_both_tables():
    month, ytd = gac.store_rows(gac.read_gac_tables(JANFEB_S1))
    got = values(month)
    assert got[("2025-02", 2, "export", "WORLD", "TOTAL", "USD", "level")] == pytest.approx(
        5399.4e8)
    assert got[("2025-02", 2, "export", "WORLD", "TOTAL", "USD", "yoy_pct")] == 2.3
    assert not (month["measure"] == "mom_pct").any()  # Jan-Feb pages print no m/m
    assert values(ytd)[("2025-02", 2, "export", "WORLD", "TOTAL", "USD", "yoy_pct")] == 2.3
    assert set(ytd["measure"]) == {"level", "yoy_pct"} and set(ytd["months"]) == {2}


def test_section1_import_stores_rates_beside_levels(capsys, tmp_path):
    code, text = run(capsys, "gac", DEC_S1, JANFEB_S1, "--store", tmp_path)
    assert code == 0, text
    assert "2 imported, 0 rejected" in text
    month = store.load(tmp_path)
    got = values(month)
    assert got[("2025-12", 1, "export", "WORLD", "TOTAL", "USD", "level")] == pytest.approx(
        3577.8e8)
    assert got[("2025-12", 1, "export", "WORLD", "TOTAL", "USD", "yoy_pct")] == 6.6
    assert got[("2025-12", 1, "import", "WORLD", "TOTAL", "USD", "mom_pct")] == 11.5
    assert got[("2025-02", 2, "export", "WORLD", "TOTAL", "USD", "yoy_pct")] == 2.3
    ytd = values(store.load(tmp_path, table="ytd"))
    assert ytd[("2025-12", 12, "import", "WORLD", "TOTAL", "USD", "yoy_pct")] == 0.0
    assert ytd[("2025-02", 2, "export", "WORLD", "TOTAL", "USD", "yoy_pct")] == 2.3
    # importing again adds nothing
    before = tree_hash(tmp_path)
    code, text = run(capsys, "gac", DEC_S1, JANFEB_S1, "--store", tmp_path)
    assert code == 0 and text.count("stored 0: new 0, revised 0") == 2
    assert tree_hash(tmp_path) == before


def test_section1_rates_survive_the_section4_cross_check(capsys, tmp_path):
    """A section (1) level equal to section (4)'s is not stored again; its rates still are."""
    july_s4 = OLD_OWN / "by_country_2024-07_USD.html"
    july_s1 = OLD_OWN / "total_values_2024-07_USD.html"
    code, text = run(capsys, "gac", july_s4, july_s1, "--store", tmp_path)
    assert code == 0, text
    assert "were not stored again" in text
    month = store.load(tmp_path)
    world = month[(month["partner"] == "WORLD") & (month["flow"] == "export")]
    by_measure = world.set_index("measure")
    assert by_measure.at["level", "source"] == f"gac:{july_s4.name}"
    assert by_measure.at["yoy_pct", "value"] == 6.5  # printed month y/y of the (1) page
    assert by_measure.at["mom_pct", "value"] == 3.0


# ---------------------------------------------------------------------------------------------
# Sections (5)/(6): the quantity's YTD y/y


def test_quantity_yoy_rows_match_the_value_yoy_rows():
    table = gac.read_gac_tables(OLD_OWN / "major_exports_2024-06_CNY.html")
    _, ytd = gac.store_rows(table)
    qty = ytd[ytd["measure"] == "quantity_yoy_pct"].set_index("product")["value"]
    # printed Quantity y/y column; aggregates print "-" and get no row
    assert qty.to_dict() == {"aquatic": 6.3, "rare_earths": 4.0, "footwear": 5.3,
                             "ceramics": 2.6, "integrated_circuits": 7.7, "vehicles": 16.7,
                             "lcd_panels": 6.3}  # fmt: skip
    value_yoy = ytd[ytd["measure"] == "yoy_pct"].set_index("product")
    assert value_yoy.at["vehicles", "value"] == 14.7
    same = ["period", "months", "flow", "partner", "currency", "source", "vintage"]
    q = ytd[ytd["measure"] == "quantity_yoy_pct"].set_index("product")
    for product in q.index:
        assert q.loc[product, same].equals(value_yoy.loc[product, same]), product
    assert q["quantity"].isna().all() and q["quantity_unit"].isna().all()
    assert set(q["months"]) == {6}


def test_quantity_yoy_negative_on_a_page_without_unit_cells():
    page = OLD_OWN / "major_imports_2024-04_USD_no_unit_cells.html"
    _, ytd = gac.store_rows(gac.read_gac_tables(page))
    qty = ytd[ytd["measure"] == "quantity_yoy_pct"].set_index("product")["value"]
    assert qty["soybeans"] == -3.2 and qty["crude_oil"] == 2.9
    assert "high_tech" not in qty.index


def test_real_june_2026_pages_quantity_yoy():
    exports = gac.store_rows(gac.read_gac_tables(real("gac_s5_major_exports_2026-06_USD.html")))[1]
    imports = gac.store_rows(gac.read_gac_tables(real("gac_s6_major_imports_2026-06_USD.html")))[1]
    ytd = values(pd.concat([exports, imports]))
    ic = ("2026-06", 6, "export", "WORLD", "integrated_circuits", "USD")
    assert ytd[(*ic, "quantity_yoy_pct")] == 7.0 and ytd[(*ic, "yoy_pct")] == 96.1
    ic_m = ("2026-06", 6, "import", "WORLD", "integrated_circuits", "USD")
    assert ytd[(*ic_m, "quantity_yoy_pct")] == 8.1 and ytd[(*ic_m, "yoy_pct")] == 55.8
    crude = ("2026-06", 6, "import", "WORLD", "crude_oil", "USD")
    assert ytd[(*crude, "quantity_yoy_pct")] == -11.4 and ytd[(*crude, "yoy_pct")] == 1.8

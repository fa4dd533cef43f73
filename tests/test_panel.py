"""HS-level panel: Comtrade import keeps HS detail, groups and drill-down computed exactly.

Expected values are worked out by hand from tests/fixtures/comtrade/make_hs6_fixture.py
(USD millions): e.g. ICs to the US are 60+30+10 = 100 in Sep 2025 against 40+30+10 = 80.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from helpers import drilldown, panel
from helpers.ingest import importer
from helpers.ingest import store as store_mod
from helpers.ingest.readers.comtrade import read_comtrade

FIXTURES = Path(__file__).parent / "fixtures" / "comtrade"
HS6 = FIXTURES / "hs6_panel.csv"
CHINA = FIXTURES / "china_monthly.csv"
MIXED = FIXTURES / "mixed_reporters.csv"
M = 1e6
T = pd.Period("2025-09", "M")


def run_import(store: Path, path: Path, vintage: str = "2025-10-20") -> int:
    return importer.main(["comtrade", str(path), "--store", str(store), "--vintage", vintage])


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("panel") / "store"
    assert run_import(path, HS6) == 0
    return path


def test_layout_and_hs_detail_kept(store):
    files = sorted(p.relative_to(store / "panel").as_posix()
                   for p in (store / "panel").rglob("*.parquet"))  # fmt: skip
    assert files == ["flow=export/year=2024/data.parquet", "flow=export/year=2025/data.parquet"]
    rows = panel.sql(store, "SELECT count(*) AS n, count(DISTINCT hs) AS codes, "
                     "count(DISTINCT partner_code) AS partners FROM panel")  # fmt: skip
    # 53 data rows in the file; 10 codes (9 HS6 + TOTAL); US, Germany, France, World
    assert rows.iloc[0].tolist() == [53, 10, 4]
    one = panel.sql(store, "SELECT value, partner, currency, period, vintage FROM panel "
                    "WHERE hs = '854231' AND partner_code = '276' AND year = 2024")  # fmt: skip
    assert one["value"].tolist() == [25 * M]
    assert one["partner"].tolist() == ["germany"] and one["currency"].tolist() == ["USD"]
    assert str(one["period"].iloc[0])[:10] == "2024-09-01"
    assert one["vintage"].iloc[0] == "2025-10-20"


def test_quantities_in_canonical_units(store):
    ev = panel.sql(store, "SELECT quantity, quantity_unit FROM panel WHERE hs = '850760' "
                   "AND partner = 'united_states' AND year = 2025")  # fmt: skip
    assert ev.iloc[0].tolist() == [5000.0, "tonnes"]  # 5,000,000 kg


def test_reimport_adds_nothing_and_writes_nothing(store, capsys):
    before = digest(store)
    assert run_import(store, HS6, vintage="2025-11-01") == 0
    out = capsys.readouterr().out
    assert "HS panel: 53 rows; new 0, revised 0, unchanged 53" in out
    assert digest(store) == before


def test_revision_replaces_value_with_newer_vintage(tmp_path):
    store = tmp_path / "store"
    assert run_import(store, HS6) == 0
    text = HS6.read_text().replace("X,842,USA,0,854232,C00,0,,,,30000000",
                                   "X,842,USA,0,854232,C00,0,,,,33000000", 1)  # fmt: skip
    revised = tmp_path / "revised.csv"
    revised.write_text(text)
    assert run_import(store, revised, vintage="2025-11-20") == 0
    rows = panel.sql(store, "SELECT value, vintage FROM panel WHERE hs = '854232' "
                     "AND partner = 'united_states' ORDER BY period")  # fmt: skip
    assert rows["value"].tolist() == [30 * M, 33 * M]
    assert rows["vintage"].tolist() == ["2025-10-20", "2025-11-20"]
    assert panel.sql(store, "SELECT count(*) AS n FROM panel")["n"].iloc[0] == 53


def test_rejected_file_leaves_store_and_panel_untouched(store, capsys):
    before = digest(store)
    assert run_import(store, MIXED) == 1
    out = capsys.readouterr().out
    assert "line 4, column 'reporterCode': reporter is 842 USA, not China (156)" in out
    assert digest(store) == before


def test_duplicate_rows_rejected_with_lines(tmp_path, capsys):
    lines = HS6.read_text().splitlines()
    path = tmp_path / "dup.csv"
    path.write_text("\n".join([*lines, lines[3]]) + "\n")
    assert run_import(tmp_path / "store", path) == 1
    out = capsys.readouterr().out
    assert f"{path}, line {len(lines) + 1}: same month, flow, partner and HS code as line 4" in out
    assert not (tmp_path / "store" / "store.parquet").exists()


def test_store_kit_products_same_as_the_pandas_reader(tmp_path):
    store = tmp_path / "store"
    assert run_import(store, CHINA, vintage="2026-05-01") == 0
    cols = ["period", "flow", "partner", "product", "value", "quantity", "quantity_unit"]
    got = store_mod.load(store)[cols].sort_values(cols[:4]).reset_index(drop=True)
    want = read_comtrade(CHINA, vintage="2026-05-01")[cols]
    want = want.sort_values(cols[:4]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    # the same kit products computed from the panel through hs_groups.csv
    for flow, product in [("export", "electromechanical"), ("export", "integrated_circuits"),
                          ("import", "computers"), ("import", "crude_oil")]:
        levels = panel.group_levels(store, product, flow).levels["value"]
        stored = got[(got["flow"] == flow) & (got["partner"] == "WORLD")
                     & (got["product"] == product)].set_index("period")["value"]  # fmt: skip
        pd.testing.assert_series_equal(levels, stored, check_names=False,
                                       check_index_type=False)  # fmt: skip


def test_groups_from_hs6_rows(store):
    ics = panel.group_levels(store, "integrated_circuits", "export", "united_states")
    assert ics.levels["value"].to_dict() == {pd.Period("2024-09", "M"): 80 * M, T: 100 * M}
    assert ics.missing == [] and ics.note == ""
    five = panel.group_levels(store, "electronic_integrated_circuits", "export", "united_states")
    assert five.levels["value"].to_dict() == ics.levels["value"].to_dict()  # 85423 = 854231..39
    chips = panel.group_levels(store, "chipmaking_equipment", "export", "united_states")
    # 848610 + 848690, without 848630 (flat panel display machines)
    assert chips.levels["value"].to_dict() == {pd.Period("2024-09", "M"): 10 * M, T: 20 * M}
    eu = panel.group_levels(store, "new_three", "export", "european_union")
    # Germany 40+30+10 and France 10 in 2025; Germany 10+30+10 in 2024
    assert eu.levels["value"].to_dict() == {pd.Period("2024-09", "M"): 50 * M, T: 90 * M}


def test_all_groups_in_one_pass(store):
    """apply_groups (one pass, as the views use it) gives the hand-computed values above."""
    months = [pd.Period("2024-09", "M"), T]
    sums = panel.hs_sums(store, "export", "united_states", months)
    names = ["integrated_circuits", "chipmaking_equipment", "iron_and_steel_ch72_73"]
    out = panel.apply_groups(sums, names)
    assert list(out) == names
    assert out["integrated_circuits"].levels["value"].to_dict() == {months[0]: 80 * M, T: 100 * M}
    assert out["chipmaking_equipment"].levels["value"].to_dict() == {months[0]: 10 * M, T: 20 * M}
    assert out["iron_and_steel_ch72_73"].levels.empty
    assert out["iron_and_steel_ch72_73"].missing == ["72", "73"]
    by_partner = panel.hs_sums(store, "export", None, months, by_partner=True)
    three = panel.apply_groups(by_partner, ["new_three"], by="partner")["new_three"].levels
    eu = three.loc[three.index.get_level_values("partner").isin(["germany", "france"]), "value"]
    # Germany 40+30+10 and France 10 in 2025; Germany 10+30+10 in 2024
    assert eu.to_dict() == {(months[0], "germany"): 50 * M, (T, "france"): 10 * M,
                            (T, "germany"): 80 * M}  # fmt: skip


def test_group_with_missing_codes_says_so(store):
    eu = panel.group_levels(store, "new_three", "export", "european_union")
    assert eu.missing == ["854142"]
    assert "854142 found nothing" in eu.note
    steel = panel.group_levels(store, "iron_and_steel_ch72_73", "export")
    assert steel.levels.empty and steel.missing == ["72", "73"]
    assert "none of its HS codes (72, 73)" in steel.note


def test_group_spec_is_the_public_group_lookup():
    spec = panel.group_spec("new_three")
    assert spec.name == "new_three" and "group_spec" in panel.__all__
    assert panel.group_spec(spec) is spec  # a Group passes through
    with pytest.raises(panel.PanelError, match="'chips' is not in .*known: "):
        panel.group_spec("chips")


def test_coarsest_level_used_when_file_mixes_levels(tmp_path):
    text = HS6.read_text().splitlines()
    # add an HS4 8542 World row for 2025 equal to a *different* number: it must win over HS6
    extra = "M,202509,156,China,X,0,W00,0,8542,C00,0,,,,999000000"
    path = tmp_path / "mixed_levels.csv"
    path.write_text("\n".join([*text, extra]) + "\n")
    assert run_import(tmp_path / "store", path) == 0
    ics = panel.group_levels(tmp_path / "store", "integrated_circuits", "export")
    assert ics.levels["value"].to_dict() == {pd.Period("2024-09", "M"): 105 * M, T: 999 * M}


def test_summary_ics_to_us(store):
    table = drilldown.summary(store, "export", "2025-09", "integrated_circuits", "united_states")
    row = table.loc["selection"]
    assert row["level"] == pytest.approx(0.1)
    assert row["yoy"] == pytest.approx(25.0)  # 100 / 80 - 1
    assert row["contribution"] == pytest.approx(2.5)  # (100 - 80) / 800 (US total 2024)
    assert row["share"] == pytest.approx(10.0) and row["share_change_yoy"] == pytest.approx(0)
    inside = table.loc["partner_in_group"]  # the US within world ICs (120 vs 105)
    assert inside["share"] == pytest.approx(100 / 120 * 100)
    assert inside["contribution"] == pytest.approx(20 / 105 * 100)


def test_summary_new_three_to_eu(store):
    table = drilldown.summary(store, "export", "2025-09", "new_three", "european_union")
    row = table.loc["selection"]
    assert row["yoy"] == pytest.approx(80.0)  # 90 / 50 - 1
    assert row["contribution"] == pytest.approx(40 / 700 * 100)  # EU total 500 + 200
    assert row["share"] == pytest.approx(90 / 800 * 100)
    assert any("854142" in note for note in table.attrs["notes"])
    # the group's label reads as part of the sentence
    assert table.loc["partner_in_group", "name"].startswith('European Union within the "new three"')


def test_partner_lines_add_up(store):
    table = drilldown.partner_lines(store, "export", "2025-09", "integrated_circuits")
    assert table.at["united_states", "contribution"] == pytest.approx(20 / 105 * 100)
    assert table.at["european_union", "contribution"] == pytest.approx(-5 / 105 * 100)
    parts = table[table["role"].isin(["part", "other"])]["contribution"].sum()
    assert parts == pytest.approx(table.at["total", "yoy"]) == pytest.approx(15 / 105 * 100)


def test_hs_lines_and_price_volume(store):
    lines = drilldown.hs_lines(store, "export", "2025-09", "chipmaking_equipment",
                               "united_states")  # fmt: skip
    assert lines.index.tolist() == ["848610", "848690"]  # 848630 excluded
    assert lines.at["848610", "contribution"] == pytest.approx(100.0)  # (15 - 5) / 10
    pv = drilldown.price_volume(store, "export", "2025-09", "electric_vehicles", "united_states")
    row = pv.iloc[0]
    assert row["quantity_unit"] == "units"
    assert row["yoy"] == pytest.approx(100.0)
    assert row["yoy_volume"] == pytest.approx(60.0)  # 800 vs 500 vehicles
    assert row["yoy_price"] == pytest.approx(25.0)  # 25,000 vs 20,000 USD a vehicle
    # the new three mix units and carry no net weight: no split rather than a wrong one
    assert drilldown.price_volume(store, "export", "2025-09", "new_three").empty


def test_start_messages(store, tmp_path):
    assert "python -m helpers import comtrade" in drilldown.start("", "export", "2025-09",
                                                                  "new_three").message
    assert "No HS-level panel" in drilldown.start(str(tmp_path), "export", "2025-09",
                                                  "new_three").message  # fmt: skip
    assert "off" in drilldown.start(str(store), "export", "2025-09").message
    assert drilldown.start(str(store), "export", "2025-09", "new_three").on
    assert ("no export rows for 2025-08 (it covers 2024-09 to 2025-09)"
            in drilldown.start(str(store), "export", "2025-08", "new_three").message)
    with pytest.raises(panel.PanelError, match="'chips' is not in"):
        drilldown.start(str(store), "export", "2025-09", "chips")
    with pytest.raises(panel.PanelError, match="'usa' is not a kit partner"):
        drilldown.start(str(store), "export", "2025-09", "", "usa")


def test_bad_cells_rejected_with_line_and_column(tmp_path, capsys):
    lines = HS6.read_text().splitlines()
    bad = list(lines)
    bad[2] = bad[2].replace("M,202409,", "M,2024,", 1)  # an annual period
    bad[5] = bad[5].replace(",30000000", ",-5", 1)  # a negative value (line 6)
    bad[7] = bad[7].replace(",854239,", ",85A239,", 1)  # a broken HS code (line 8)
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(bad) + "\n")
    assert run_import(tmp_path / "store", path) == 1
    out = capsys.readouterr().out
    assert f"{path}, line 3, column 'period': '2024' is not a month YYYYMM (annual data" in out
    assert f"{path}, line 6, column 'primaryValue': '-5' is not a non-negative number" in out
    assert f"{path}, line 8, column 'cmdCode': '85A239' is not TOTAL or an HS code" in out
    assert not (tmp_path / "store" / "store.parquet").exists()
    assert not list((tmp_path / "store").rglob("*.parquet"))

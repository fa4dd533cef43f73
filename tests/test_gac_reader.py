"""Tests of helpers.ingest.readers.gac: real GAC pages (../shared, skipped when absent) and small
made-up pages in tests/fixtures/gac (same layouts, invented numbers, plus broken pages)."""

from __future__ import annotations

import copy
import hashlib
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import classifications
from helpers.ingest.readers import ReaderError, gac, gac_layout
from helpers.paths import CLASSIFICATIONS_DIR, SHARED_DIR
from helpers.schema import CANONICAL_COLUMNS, TradeKitError, validate

REAL = SHARED_DIR / "fixtures" / "gac"
OWN = Path(__file__).parent / "fixtures" / "gac"
REAL_PAGES = [
    "gac_s4_by_country_2026-03_CNY.html",
    "gac_s4_by_country_2025-01-02_CNY.html",
    "gac_s5_major_exports_2025-05_CNY.html",
    "gac_s5_major_exports_2025-04_USD.html",
    "gac_s6_major_imports_2026-05_CNY.html",
]
GOOD_OWN = [
    "major_exports_2019-05_CNY_2019_style.html",
    "by_country_2024-07_USD.html",
    "by_country_2024-01-02_CNY.html",
    "major_exports_2024-06_CNY.html",
    "major_imports_2024-04_USD_no_unit_cells.html",
]
REL = 1e-12


def real(name: str) -> Path:
    path = REAL / name
    if not path.exists():
        pytest.skip(f"real GAC page {path} not available")
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pick(frame: pd.DataFrame, **where) -> pd.Series:
    """The single row of `frame` matching all column == value conditions."""
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    rows = frame[mask]
    assert len(rows) == 1, f"{len(rows)} rows match {where}"
    return rows.iloc[0]


def value(frame: pd.DataFrame, **where) -> float:
    return pick(frame, **where)["value"]


def printed(table: gac.GacTable, label: str) -> pd.Series:
    return pick(table.printed, label=label)


# ---------------------------------------------------------------------------------------------
# Every page parses into valid canonical frames and is left untouched


@pytest.mark.parametrize("name", REAL_PAGES)
def test_real_page_parses(name):
    path = real(name)
    before = digest(path)
    table = gac.read_gac_tables(path)
    assert digest(path) == before
    month = table.month
    assert list(month.columns) == CANONICAL_COLUMNS
    assert len(month) > 0
    assert (month["source"] == f"gac:{name}").all()
    assert (month["measure"] == "level").all()
    assert isinstance(month["period"].dtype, pd.PeriodDtype)
    validate(month, name)  # raises on any schema problem
    products = classifications.products()
    known = set(zip(products["flow"], products["code"], strict=True))
    assert set(zip(month["flow"], month["product"], strict=True)) <= known
    assert month.equals(gac.read_gac(path))


@pytest.mark.parametrize("name", GOOD_OWN)
def test_own_page_parses(name):
    path = OWN / name
    before = digest(path)
    month = gac.read_gac(path)
    assert digest(path) == before
    assert list(month.columns) == CANONICAL_COLUMNS
    validate(month, name)


# ---------------------------------------------------------------------------------------------
# Real pages: values exactly as printed


def test_mar_2026_cny_by_country():
    table = gac.read_gac_tables(real("gac_s4_by_country_2026-03_CNY.html"))
    meta, month, ytd, yoy = table.meta, table.month, table.ytd, table.printed_yoy
    assert meta["section"] == "by_country" and meta["layout"] == "by_country_month"
    assert meta["period"] == pd.Period("2026-03", "M") and meta["currency"] == "CNY"
    assert meta["scale"] == 1e8 and meta["vintage"] == "2026-04-08"
    assert meta["vintage_source"] == "printed"
    assert len(table.printed) == 30
    total = printed(table, "Total")
    assert total["total_month"] == 41046.4 and total["total_ytd_yoy"] == 15.0
    world = {"partner": "WORLD", "product": "TOTAL"}
    assert value(month, flow="export", **world) == pytest.approx(22297.0e8, rel=REL)
    assert value(month, flow="import", **world) == pytest.approx(18749.4e8, rel=REL)
    assert value(ytd, flow="export", **world) == pytest.approx(68466.7e8, rel=REL)
    assert value(ytd, flow="import", **world) == pytest.approx(49913.3e8, rel=REL)
    assert value(yoy, flow="export", **world) == 11.9
    assert value(yoy, flow="import", **world) == 19.6
    assert value(month, flow="export", partner="european_union") == pytest.approx(3248.9e8, rel=REL)
    assert value(month, flow="export", partner="united_states") == pytest.approx(2045.0e8, rel=REL)
    assert (month["months"] == 1).all() and (ytd["months"] == 3).all()
    assert (yoy["measure"] == "yoy_pct").all()
    assert {"rcep", "belt_and_road", "germany", "south_africa"} <= set(month["partner"])
    germany = printed(table, "Germany")
    assert germany["of_which"] and germany["parent"] == "European Union"
    assert germany["code"] == "germany"
    assert table.prior_ytd.empty and table.unmapped == []


def test_jan_feb_2025_cny_by_country():
    table = gac.read_gac_tables(real("gac_s4_by_country_2025-01-02_CNY.html"))
    meta, month = table.meta, table.month
    assert meta["layout"] == "by_country_janfeb" and meta["period"] == pd.Period("2025-02", "M")
    assert (month["months"] == 2).all() and (month["period"] == meta["period"]).all()
    total = printed(table, "Total")
    assert (total["total_ytd"], total["export_ytd"], total["import_ytd"]) == (
        65363.6,
        38812.1,
        26551.5,
    )
    assert (total["total_ytd_yoy"], total["export_ytd_yoy"], total["import_ytd_yoy"]) == (
        -1.2,
        3.4,
        -7.3,
    )
    world = {"partner": "WORLD", "product": "TOTAL"}
    assert value(month, flow="export", **world) == pytest.approx(38812.1e8, rel=REL)
    assert value(month, flow="import", **world) == pytest.approx(26551.5e8, rel=REL)
    assert value(table.printed_yoy, flow="import", **world) == -7.3
    assert value(month, flow="export", partner="united_states") == pytest.approx(5431.3e8, rel=REL)
    assert value(month, flow="export", partner="asean") == pytest.approx(6266.8e8, rel=REL)
    assert table.ytd.equals(month)


def test_may_2025_cny_major_exports():
    table = gac.read_gac_tables(real("gac_s5_major_exports_2025-05_CNY.html"))
    month, meta = table.month, table.meta
    assert meta["flow"] == "export" and meta["ytd_months"] == 5
    assert not meta["unit_column_missing"]
    footwear = pick(month, product="footwear")
    assert footwear["value"] == pytest.approx(275.8e8, rel=REL)
    assert footwear["quantity"] == pytest.approx(8.0e8, rel=REL)  # "10,000 Pairs" = 100 mn pairs
    assert footwear["quantity_unit"] == "pairs"
    ics = pick(month, product="integrated_circuits")
    assert ics["value"] == pytest.approx(1215.5e8, rel=REL)
    assert ics["quantity"] == pytest.approx(301.1e8, rel=REL) and ics["quantity_unit"] == "units"
    cars = pick(month, product="vehicles")
    assert cars["quantity"] == pytest.approx(69.5e4, rel=REL) and cars["value"] == 862.8e8
    steel = pick(month, product="steel")
    assert (
        steel["quantity"] == pytest.approx(1057.8e4, rel=REL) and steel["quantity_unit"] == "tonnes"
    )
    assert value(month, product="electromechanical") == pytest.approx(13626.8e8, rel=REL)
    assert value(month, product="high_tech") == pytest.approx(5354.3e8, rel=REL)
    assert pd.isna(pick(month, product="agricultural")["quantity"])
    assert value(table.ytd, product="integrated_circuits") == pytest.approx(5264.0e8, rel=REL)
    prior = pick(table.prior_ytd, product="integrated_circuits")
    assert prior["period"] == pd.Period("2024-05", "M") and prior["months"] == 5
    assert prior["value"] == pytest.approx(4427.4e8, rel=REL)
    yoy = pick(table.printed_yoy, product="integrated_circuits")
    assert yoy["value"] == 18.9 and yoy["quantity_yoy_pct"] == 19.5
    # every line GAC prints has a code now (issue 10): no line is left unstored
    assert table.unmapped == []
    assert printed(table, "Ceramic products")["value_month"] == 149.1
    assert value(month, product="ceramics") == pytest.approx(149.1e8, rel=REL)
    lcd = pick(month, product="lcd_panels")  # child of the electromechanical aggregate
    assert lcd["quantity_unit"] == "units"
    assert value(table.ytd, product="aquatic") == pytest.approx(586.2e8, rel=REL)
    assert pick(table.ytd, product="aquatic")["quantity"] == pytest.approx(177.4e4, rel=REL)


def test_apr_2025_usd_major_exports_without_unit_cells():
    table = gac.read_gac_tables(real("gac_s5_major_exports_2025-04_USD.html"))
    month = table.month
    assert table.meta["unit_column_missing"] and table.meta["currency"] == "USD"
    assert table.meta["scale"] == 1e6
    assert value(month, product="agricultural") == pytest.approx(8472.4e6, rel=REL)
    rare = pick(month, product="rare_earths")
    assert rare["quantity"] == 4784.8 and rare["value"] == pytest.approx(21.7e6, rel=REL)
    footwear = pick(month, product="footwear")
    assert footwear["quantity"] == pytest.approx(7.5e8, rel=REL)
    assert footwear["value"] == pytest.approx(3501.9e6, rel=REL)
    assert pick(month, product="mobile_phones")["quantity"] == pytest.approx(5612.6e4, rel=REL)
    assert value(month, product="high_tech") == pytest.approx(74736.3e6, rel=REL)
    yoy = pick(table.printed_yoy, product="rare_earths")
    assert yoy["value"] == -15.3 and yoy["quantity_yoy_pct"] == 5.1
    assert printed(table, "Ceramic products")["value_month"] == 2051.9


def test_may_2026_cny_major_imports():
    table = gac.read_gac_tables(real("gac_s6_major_imports_2026-05_CNY.html"))
    month = table.month
    assert table.meta["flow"] == "import"
    ics = pick(month, product="integrated_circuits")  # "Electronic integrated circuits" (2026)
    assert ics["value"] == pytest.approx(3883.0e8, rel=REL)
    assert ics["quantity"] == pytest.approx(496.9e8, rel=REL)
    crude = pick(month, product="crude_oil")
    assert crude["value"] == pytest.approx(1832.9e8, rel=REL)
    assert crude["quantity"] == pytest.approx(3308.1e4, rel=REL)
    assert pick(month, product="soybeans")["quantity"] == pytest.approx(1179.1e4, rel=REL)
    assert pick(month, product="vehicles")["quantity"] == pytest.approx(3.8e4, rel=REL)
    assert value(month, product="electromechanical") == pytest.approx(7875.0e8, rel=REL)
    assert value(month, product="agricultural") == pytest.approx(1424.5e8, rel=REL)
    assert table.unmapped == []
    assert value(table.ytd, product="grain_food") == pytest.approx(1584.0e8, rel=REL)
    assert pick(table.ytd, product="wood")["quantity"] == pytest.approx(2144.8e4, rel=REL)
    assert pick(table.ytd, product="wood")["quantity_unit"] == "cubic_metres"
    assert pick(table.ytd, product="aircraft")["quantity"] == 52.0
    assert value(table.ytd, product="steel") == pytest.approx(277.6e8, rel=REL)


def test_index_page_is_not_a_release_table():
    with pytest.raises(gac.GacUnsupportedTableError, match="gac_index_preliminary_2026.html"):
        gac.read_gac(real("gac_index_preliminary_2026.html"))


# ---------------------------------------------------------------------------------------------
# Own made-up pages: layouts and drift


def test_own_usd_month_by_country():
    table = gac.read_gac_tables(OWN / "by_country_2024-07_USD.html")
    month, yoy = table.month, table.printed_yoy
    assert table.meta["unit"] == "Unit: USD1 Million" and table.meta["scale"] == 1e6
    assert table.meta["vintage"] == "2024-08-07"
    assert value(month, flow="export", partner="WORLD") == pytest.approx(300000.0e6, rel=REL)
    assert value(table.ytd, flow="import", partner="asean") == pytest.approx(230000.0e6, rel=REL)
    assert value(month, flow="export", partner="belt_and_road") == pytest.approx(140000.0e6)
    assert printed(table, "ASEAN")["code"] == "asean"
    assert printed(table, "Vietnam")["of_which"]
    us = printed(table, "United States (US)")
    assert pd.isna(us["export_ytd_yoy"]) and us["import_ytd_yoy"] == 1.0
    assert "united_states" not in set(yoy.loc[yoy["flow"] == "export", "partner"])
    assert value(yoy, flow="import", partner="united_states") == 1.0


def test_own_jan_feb_page_numbered_3_in_rmb():
    table = gac.read_gac_tables(OWN / "by_country_2024-01-02_CNY.html")
    meta, month = table.meta, table.month
    assert meta["section_number"] == 3 and meta["section"] == "by_country"
    assert meta["currency"] == "CNY" and meta["layout"] == "by_country_janfeb"
    assert meta["period"] == pd.Period("2024-02", "M") and (month["months"] == 2).all()
    assert meta["vintage_source"] == "assumed" and meta["vintage"] == "2024-03-15"
    assert (month["vintage"] == "2024-03-15").all()
    assert value(month, flow="export", partner="united_states") == pytest.approx(5000.0e8, rel=REL)
    assert value(month, flow="import", partner="south_korea") == pytest.approx(1800.0e8, rel=REL)
    assert pd.isna(printed(table, "United States")["import_ytd_yoy"])  # printed "—"


def test_own_commodity_page():
    table = gac.read_gac_tables(OWN / "major_exports_2024-06_CNY.html")
    month = table.month
    assert set(month["product"]) == {
        "agricultural", "aquatic", "rare_earths", "footwear", "ceramics", "electromechanical",
        "integrated_circuits", "vehicles", "lcd_panels", "high_tech",
    }  # fmt: skip
    assert pick(month, product="footwear")["quantity"] == pytest.approx(7.0e8, rel=REL)
    assert pick(month, product="integrated_circuits")["quantity"] == pytest.approx(2.5e10, rel=REL)
    assert pick(month, product="vehicles")["quantity"] == pytest.approx(50.0e4, rel=REL)
    assert value(month, product="high_tech") == pytest.approx(5000.0e8, rel=REL)  # "*Hi-Tech"
    assert printed(table, "*Hi-Tech Products")["aggregate"]
    assert table.unmapped == []
    assert value(table.prior_ytd, product="footwear") == pytest.approx(1350.0e8, rel=REL)


def test_own_page_without_unit_cells():
    table = gac.read_gac_tables(OWN / "major_imports_2024-04_USD_no_unit_cells.html")
    month = table.month
    assert table.meta["unit_column_missing"]
    soy = pick(month, product="soybeans")
    assert soy["quantity"] == pytest.approx(900.0e4, rel=REL) and soy["quantity_unit"] == "tonnes"
    assert soy["value"] == pytest.approx(4500.0e6, rel=REL)
    assert pick(month, product="integrated_circuits")["quantity"] == pytest.approx(450.0e8)
    assert value(table.printed_yoy, product="high_tech") == 8.9
    assert printed(table, "Soya beans")["unit"] == "10,000 Tons"  # from the label file


def test_own_2019_style_page():
    table = gac.read_gac_tables(OWN / "major_exports_2019-05_CNY_2019_style.html")
    month, meta = table.month, table.meta
    assert meta["unit"] == "Value Unit: CNY 100 Million" and meta["vintage"] == "2019-06-10"
    footwear = pick(month, product="footwear")  # 2019 printed tonnes: no pairs to report
    assert footwear["value"] == pytest.approx(270.0e8, rel=REL) and pd.isna(footwear["quantity"])
    assert value(month, product="mobile_phones") == pytest.approx(760.0e8, rel=REL)
    assert pick(month, product="integrated_circuits")["quantity"] == pytest.approx(170.0e8)
    assert pick(month, product="ships")["quantity"] == 492.0
    assert value(month, product="electromechanical") == pytest.approx(8300.0e8, rel=REL)
    assert table.unmapped == []
    assert value(month, product="coal") > 0  # 2019-only line "Coal & Lignite"


def test_label_not_in_the_label_file_is_listed_as_unmapped():
    raw = copy.deepcopy(gac.read_page(OWN / "major_exports_2024-06_CNY.html"))
    row = next(r for r in raw.rows if "Ceramic" in r.cells[0])
    row.cells[0] = "Ceramic wares of a new kind"
    table = gac.parse_page(raw)
    assert [(u.label, u.reason) for u in table.unmapped] == [
        ("Ceramic wares of a new kind", "label not in gac_product_labels.csv")
    ]


# ---------------------------------------------------------------------------------------------
# Broken pages: typed errors naming the file and the row; the input is left untouched

BAD = [
    ("bad_currency_mismatch.html", gac.GacCurrencyMismatchError, ["table row 2", "USD", "CNY"]),
    ("bad_truncated.html", gac.GacTruncatedTableError, ["table row 7", "'Japan'", "5 cells"]),
    ("bad_missing_total.html", gac.GacTruncatedTableError, ["table row 5", "no 'Total' row"]),
    ("bad_image_only.html", gac.GacNoTableError, ["image", "4-RMB.png"]),
    ("bad_unknown_partner.html", gac.GacUnknownLabelError, ["table row 7", "'Atlantis'"]),
]


@pytest.mark.parametrize(("name", "error", "parts"), BAD)
def test_bad_page_raises_typed_error(name, error, parts):
    path = OWN / name
    before = digest(path)
    with pytest.raises(error) as info:
        gac.read_gac(path)
    assert digest(path) == before
    assert isinstance(info.value, ReaderError) and isinstance(info.value, TradeKitError)
    message = str(info.value)
    assert message.startswith(name)
    for part in parts:
        assert part in message
    assert info.value.file == name


def own_raw(name: str) -> gac.RawPage:
    return copy.deepcopy(gac.read_page(OWN / name))


def test_header_month_disagreeing_with_title_is_rejected():
    raw = own_raw("by_country_2024-07_USD.html")
    raw.rows[0].cells[0] = raw.rows[0].cells[0].replace("July", "June")
    raw.titles = []
    with pytest.raises(gac.GacLayoutError, match=r"header names month\(s\) \[7\]"):
        gac.parse_page(raw)


def test_jan_feb_title_over_a_month_layout_is_rejected():
    raw = own_raw("by_country_2024-07_USD.html")
    raw.rows[0].cells[0] = raw.rows[0].cells[0].replace("July", "January-February")
    raw.titles = []
    for row in raw.rows[2:4]:  # header rows: "7", "1- to-7" -> "2", "1- to-2"
        row.cells = [cell.replace("7", "2") for cell in row.cells]
    with pytest.raises(gac.GacLayoutError, match="by_country_janfeb layout"):
        gac.parse_page(raw)


def test_unlisted_quantity_unit_is_rejected():
    raw = own_raw("major_exports_2024-06_CNY.html")
    row = next(r for r in raw.rows if "Footwear" in r.cells[0])
    row.cells[1] = "10,000 Boxes"
    with pytest.raises(gac.GacUnitError, match=r"table row \d+ .*'Footwear'.*10,000 Boxes"):
        gac.parse_page(raw)


def test_trade_mode_table_is_unsupported():
    raw = own_raw("by_country_2024-07_USD.html")
    raw.rows[0].cells[0] = raw.rows[0].cells[0].replace("by Country/Region", "by Trade Mode")
    raw.titles = []
    with pytest.raises(gac.GacUnsupportedTableError, match="trade mode"):
        gac.parse_page(raw)


def test_non_number_cell_names_row_and_column():
    raw = own_raw("by_country_2024-07_USD.html")
    row = next(r for r in raw.rows if "France" in r.cells[0])
    row.cells[3] = "n/a"
    with pytest.raises(gac.GacLayoutError, match=r"'France'.*'n/a' in column export_month"):
        gac.parse_page(raw)


# ---------------------------------------------------------------------------------------------
# Label files


def test_label_files_are_consistent_with_classifications():
    assert gac.check_label_files() == []
    labels = gac.partner_labels()
    for code, row in classifications.partners().iterrows():
        if row["gac_label_en"]:
            assert labels[gac.label_key(row["gac_label_en"])] == code
    table = pd.read_csv(CLASSIFICATIONS_DIR / "gac_product_labels.csv", dtype=str).fillna("")
    for row in table[table["factor"] != ""].itertuples():
        assert classifications.product_tree(row.flow).at[row.product, "quantity_unit"], row.label


@pytest.mark.parametrize(
    ("flow", "label", "code"),
    [
        ("export", "Electronic integrated circuits", "integrated_circuits"),
        ("export", "General machines", "general_machinery"),
        ("export", "Products, of steel or iron", "steel"),
        ("export", "Parts and accessories of vehicle", "auto_parts"),
        ("export", "Wireless Telephone HandSets and Parts", "mobile_phones"),
        ("export", "Motor Vehicles and Chassis", "vehicles"),
        ("export", "*Electrical-Mechanical Products", "electromechanical"),
        ("export", "Agricultural products*", "agricultural"),
        ("import", "Electronic integrated circuits", "integrated_circuits"),
        ("import", "Hi-tech products*", "high_tech"),
    ],
)
def test_label_variants_from_notes(flow, label, code):
    table = gac.product_labels()
    rows = table[(table["flow"] == flow) & (table["key"] == gac.label_key(label))]
    assert set(rows["product"]) == {code}


@given(
    st.sampled_from(["United States (US)", "Hong Kong, China", "R. O. Korea", "Jointly build"]),
    st.lists(st.sampled_from([" ", "\xa0", "\n", "\t"]), min_size=1, max_size=4),
    st.booleans(),
)
def test_label_key_ignores_spacing_case_and_of_which(label, spaces, upper):
    noisy = "".join(spaces) + ("of which: " if upper else "") + label.replace(" ", "".join(spaces))
    noisy = noisy.upper() if upper else noisy
    assert gac.label_key(noisy) == gac.label_key(label)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("41,046.4\xa0", 41046.4), ("-1.2", -1.2), ("\u22123.0", -3.0), ("492\xa0", 492.0)],
)
def test_numbers_as_printed(text, expected):
    assert gac_layout.parse_number(text) == expected


@pytest.mark.parametrize("text", ["-", "\u2014", "", "\xa0"])
def test_missing_cells(text):
    assert pd.isna(gac_layout.parse_number(text))


# ---------------------------------------------------------------------------------------------
# SECTIONS: a new table is one entry plus one mapper (docs/gac_tables.md)

CONTINENT_PAGE = """<!DOCTYPE html><html><head><meta charset="UTF-8">
<title>(9) Imports and Exports by Continent, {month} 2026 (in USD)</title></head><body>
<div class="atcl-ttl">(9) Imports and Exports by Continent, {month} 2026 (in USD)</div>
<div class="atcl-date">2026/04/10</div>
<div class="atcl-cnt"><table><tbody>
<tr><td colspan="7">(9) Imports and Exports by Continent, {month} 2026 (in USD)</td></tr>
<tr><td colspan="7">Unit: USD1 Million</td></tr>
<tr><td>Continent</td><td>Export</td><td></td><td>Import</td><td></td>
<td>Year-on-Year +/- %</td><td></td></tr>
<tr><td></td><td>3</td><td>1- to-3</td><td>3</td><td>1- to-3</td><td>Export</td><td>Import</td></tr>
<tr><td>Total</td><td>300,000.0&nbsp;</td><td>850,000.0&nbsp;</td><td>200,000.0&nbsp;</td>
<td>600,000.0&nbsp;</td><td>5.0&nbsp;</td><td>-1.5&nbsp;</td></tr>
<tr><td>Asia</td><td>150,000.0&nbsp;</td><td>420,000.0&nbsp;</td><td>120,000.0&nbsp;</td>
<td>350,000.0&nbsp;</td><td>4.0&nbsp;</td><td>-&nbsp;</td></tr>
<tr><td>Africa</td><td>18,000.0&nbsp;</td><td>50,000.0&nbsp;</td><td>10,000.0&nbsp;</td>
<td>29,000.0&nbsp;</td><td>9.5&nbsp;</td><td>2.0&nbsp;</td></tr>
<tr><td>Latin America</td><td>25,000.0&nbsp;</td><td>70,000.0&nbsp;</td><td>22,000.0&nbsp;</td>
<td>60,000.0&nbsp;</td><td>-&nbsp;</td><td>3.1&nbsp;</td></tr>
<tr><td colspan="7">Note: made-up figures.</td></tr>
</tbody></table></div></body></html>
"""


def _map_continents(rows: gac_layout.SectionRows) -> gac_layout.Mapped:
    """The made-up table's mapper: partner codes from the label file; Asia has none."""
    labels = gac.partner_labels()
    codes = [labels.get(gac.label_key(label)) for label in rows.printed["label"]]
    unmapped = [
        gac.UnmappedLine(rows.raw.file, r.row, r.line, "", r.label, "no kit partner code")
        for r, code in zip(rows.printed.itertuples(), codes, strict=True) if code is None
    ]  # fmt: skip
    return gac_layout.Mapped(rows.printed.assign(code=codes), unmapped)


CONTINENTS = gac_layout.SectionSpec(
    name="Imports and Exports by Continent",
    title_words=("continent",),
    kind="continent",
    layouts={"month": ("export_month", "export_ytd", "import_month", "import_ytd",
                       "export_ytd_yoy", "import_ytd_yoy")},  # fmt: skip
    mapper=_map_continents,
)


def continent_page(tmp_path: Path, month: str = "Mar") -> Path:
    """The made-up continent page for `month` (title and header say month 3)."""
    path = tmp_path / f"continents_2026_{month}.html"
    path.write_text(CONTINENT_PAGE.format(month=month), encoding="utf-8")
    return path


def test_unknown_table_is_unsupported_until_registered(tmp_path):
    with pytest.raises(gac.GacUnsupportedTableError, match="not a release table this reader"):
        gac.read_gac_tables(continent_page(tmp_path))


def test_new_table_is_one_sections_entry_and_one_mapper(tmp_path, monkeypatch):
    monkeypatch.setattr(gac, "SECTIONS", {**gac.SECTIONS, "by_continent": CONTINENTS})
    table = gac.parse_page(gac.read_page(continent_page(tmp_path)))
    meta = table.meta
    assert meta["section"] == "by_continent" and meta["section_number"] == 9
    assert meta["layout"] == "continent_month" and meta["currency"] == "USD"
    assert meta["scale"] == 1e6 and meta["vintage"] == "2026-04-10"
    assert meta["period"] == pd.Period("2026-03", "M") and meta["flow"] is None
    assert [u.label for u in table.unmapped] == ["Asia"]
    assert pick(table.printed, label="Africa")["export_ytd"] == 50000.0
    month, ytd = gac.store_rows(table)
    for frame in (month, ytd):
        assert list(frame.columns) == CANONICAL_COLUMNS
        assert set(frame["product"]) == {"TOTAL"} and "asia" not in set(frame["partner"])
        assert set(frame["source"]) == {"gac:continents_2026_Mar.html"}
    validate(month, "continents")
    assert value(month, flow="export", partner="WORLD") == pytest.approx(300000.0e6, rel=REL)
    assert value(month, flow="import", partner="africa") == pytest.approx(10000.0e6, rel=REL)
    assert value(table.ytd, flow="import", partner="latin_america") == pytest.approx(60000.0e6)
    yoy = table.printed_yoy
    assert value(yoy, flow="import", partner="WORLD") == -1.5  # rates as printed, not scaled
    assert "latin_america" not in set(yoy.loc[yoy["flow"] == "export", "partner"])  # "-"
    assert table.prior_ytd.empty and table.month_rates.empty  # no such columns in the layout


def test_new_table_layouts_and_header_are_checked_generically(tmp_path, monkeypatch):
    monkeypatch.setattr(gac, "SECTIONS", {**gac.SECTIONS, "by_continent": CONTINENTS})
    with pytest.raises(gac.GacLayoutError, match="no janfeb layout is known for continent"):
        gac.read_gac_tables(continent_page(tmp_path, "January-February"))
    raw = gac.read_page(continent_page(tmp_path))
    row = next(r for r in raw.rows if r.cells[0] == "Africa")
    row.cells.pop()
    with pytest.raises(gac.GacTruncatedTableError, match="6 cells where the continent_month"):
        gac.parse_page(raw)
    with pytest.raises(gac.GacLayoutError, match=r"header names month\(s\) \[3\]"):
        gac.read_gac_tables(continent_page(tmp_path, "Apr"))


def test_sections_are_complete_and_the_readers_do_not_import_each_other():
    for key, spec in gac.SECTIONS.items():
        assert spec.title_words and "month" in spec.layouts, key
        assert all(len(set(columns)) == len(columns) for columns in spec.layouts.values()), key
    assert set(gac.PARTNER_SECTIONS) == {"by_country", "total_values", "bulletin_by_country"}
    code = ("import sys, helpers.ingest.readers.gac_bulletin; "
            "assert 'helpers.ingest.readers.gac' not in sys.modules")  # fmt: skip
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0

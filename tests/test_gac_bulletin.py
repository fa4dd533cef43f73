"""GAC Monthly Bulletin table (2), imports and exports by country (region): read by
`python -m helpers import gac` (helpers.ingest.readers.gac_bulletin).

Own pages in tests/fixtures/gac_bulletin (made-up numbers in the real layout, see
make_fixtures.py); the real Jun 2026 page from ../shared (skipped when absent), checked against
the values SOURCES.md read off the table by hand. Stored value = printed US$1,000 x 1000."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from gac_pages import real, run, tree_hash

from helpers import classifications
from helpers.ingest import gac_checks, store
from helpers.ingest.readers import gac, gac_bulletin
from helpers.schema import CANONICAL_COLUMNS, validate

OWN = Path(__file__).parent / "fixtures" / "gac_bulletin"
JUNE = OWN / "mb2_by_country_2026-06_USD.html"
JANUARY = OWN / "mb2_by_country_2026-01_USD.html"
PRELIM_JUNE = OWN / "by_country_2026-06_USD.html"  # preliminary (4), made up, USD 1 million
REAL_MB2 = "gac_mb2_by_country_2026-06_USD.html"
KEY = ["period", "months", "flow", "partner", "currency", "measure"]


def values(frame: pd.DataFrame) -> dict[tuple, float]:
    """(period, months, flow, partner, currency, measure) -> value (product is always TOTAL)."""
    assert set(frame["product"]) <= {"TOTAL"}
    rows = frame.assign(period=frame["period"].astype(str))
    return {tuple(r[:-1]): r[-1] for r in rows[[*KEY, "value"]].itertuples(index=False)}


def edited(tmp_path: Path, source: Path, *replacements: tuple[str, str]) -> Path:
    """A copy of a page with text replaced (every occurrence; each must occur)."""
    text = source.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / source.name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# Own pages: a normal month and January


def test_june_page_meta():
    table = gac.read_gac_tables(JUNE)
    meta = table.meta
    assert meta["section"] == "bulletin_by_country" and meta["bulletin"]
    assert meta["section_number"] == 2
    assert meta["period"] == pd.Period("2026-06", "M") and meta["layout"].endswith("_month")
    assert meta["currency"] == "USD" and meta["scale"] == 1000.0
    assert meta["vintage"] == "2026-07-22" and meta["vintage_source"] == "printed"
    assert meta["source"] == f"gac:{JUNE.name} (monthly bulletin)"


def test_june_page_rows_as_stored():
    table = gac.read_gac_tables(JUNE)
    month, ytd = gac.store_rows(table)
    for frame in (month, ytd):
        assert list(frame.columns) == CANONICAL_COLUMNS
        validate(frame.assign(months=1), JUNE.name)  # schema-valid (ytd months checked below)
        assert set(frame["source"]) == {f"gac:{JUNE.name} (monthly bulletin)"}
        assert set(frame["vintage"]) == {"2026-07-22"}
    got = values(month)
    assert got[("2026-06", 1, "export", "WORLD", "USD", "level")] == pytest.approx(3.0e11)
    assert got[("2026-06", 1, "import", "WORLD", "USD", "level")] == pytest.approx(2.0e11)
    assert got[("2026-06", 1, "export", "japan", "USD", "level")] == pytest.approx(1.2e10)
    assert got[("2026-06", 1, "import", "vietnam", "USD", "level")] == pytest.approx(9.0e9)
    assert got[("2026-06", 1, "export", "latin_america", "USD", "level")] == pytest.approx(
        2.2e10)
    assert set(month["measure"]) == {"level"} and set(month["months"]) == {1}
    got = values(ytd)
    assert got[("2026-06", 6, "export", "WORLD", "USD", "level")] == pytest.approx(1.7e12)
    assert got[("2026-06", 6, "import", "WORLD", "USD", "level")] == pytest.approx(1.1e12)
    assert got[("2026-06", 6, "export", "WORLD", "USD", "yoy_pct")] == 12.0
    assert got[("2026-06", 6, "import", "WORLD", "USD", "yoy_pct")] == 8.3
    assert got[("2026-06", 6, "export", "japan", "USD", "yoy_pct")] == -2.1
    assert got[("2026-06", 6, "import", "european_union", "USD", "yoy_pct")] == -0.5
    assert got[("2026-06", 6, "export", "africa", "USD", "level")] == pytest.approx(1.0e11)
    assert got[("2026-06", 6, "import", "asean", "USD", "level")] == pytest.approx(1.7e11)
    assert set(ytd["months"]) == {6} and set(ytd["measure"]) == {"level", "yoy_pct"}
    # 9 rows with a kit code x 2 flows; China's exports print "-": China has no kit code anyway
    assert set(month["partner"]) == {"WORLD", "japan", "vietnam", "africa", "south_africa",
                                     "latin_america", "united_states", "asean",
                                     "european_union"}  # fmt: skip
    assert len(month) == 18 and len(ytd) == 36


def test_june_page_unmapped_rows_are_read_not_stored():
    table = gac.read_gac_tables(JUNE)
    assert [u.label for u in table.unmapped] == [
        "Asia:", "China", "North America:", "Heard Island and McDonald Islands",
        "Countries(Territories)Unknown", "APEC",
    ]  # fmt: skip
    printed = table.printed.set_index("label")
    assert printed.at["China", "import_month"] == 15_000_000  # read, as printed
    assert pd.isna(printed.at["China", "export_month"])
    assert printed.at["Japan", "parent"] == "Asia" and printed.at["Asia:", "heading"]
    assert printed.at["United States", "parent"] == "North America"
    assert pd.isna(printed.at["ASEAN", "parent"])
    note = gac_bulletin.unmapped_note(table)
    assert note.startswith("6 row(s) have no kit partner code and were read, not stored")
    assert "Heard Island and McDonald Islands; Countries(Territories)Unknown; APEC" in note


def test_overflow_cells_are_missing_with_a_warning():
    table = gac.read_gac_tables(JUNE)
    cells = [(c["label"], c["column"], c["stored"]) for c in table.meta["overflow_cells"]]
    assert cells == [("TOTAL", "total_ytd", False), ("APEC", "total_ytd", False)]
    assert pd.isna(table.printed.set_index("label").at["TOTAL", "total_ytd"])
    note = gac_bulletin.overflow_note(table)
    assert note.startswith("WARNING: 2 cell(s) printed '############'")
    assert "TOTAL 1to6 total (row 5)" in note and "none is a figure the kit stores" in note


def test_overflow_in_a_stored_column(capsys, tmp_path):
    page = edited(tmp_path, JUNE, (
        "United States</span>\n\t\t\t\t</td>\n"
        "\t\t\t\t<td align=\"right\">\n\t\t\t\t\t<span>55,000,000&nbsp;</span>\n\t\t\t\t</td>\n"
        "\t\t\t\t<td align=\"right\">\n\t\t\t\t\t<span>300,000,000&nbsp;",
        "United States</span>\n\t\t\t\t</td>\n"
        "\t\t\t\t<td align=\"right\">\n\t\t\t\t\t<span>55,000,000&nbsp;</span>\n\t\t\t\t</td>\n"
        "\t\t\t\t<td align=\"right\">\n\t\t\t\t\t<span>############",
    ))  # the US 1to6 total
    page = edited(tmp_path, page, ("<span>230,000,000&nbsp;</span>\n\t\t\t\t</td>\n"
                                   "\t\t\t\t<td align=\"right\">\n\t\t\t\t\t<span>13,000,000",
                                   "<span>############</span>\n\t\t\t\t</td>\n"
                                   "\t\t\t\t<td align=\"right\">\n\t\t\t\t\t<span>13,000,000"))
    code, text = run(capsys, "gac", page, "--store", tmp_path / "store")
    assert code == 0, text
    assert "WARNING: 4 cell(s) printed '############'" in text
    assert "United States 1to6 exports (row 14)" in text
    assert "1 of them would have been stored: those values are missing from the store" in text
    ytd = values(store.load(tmp_path / "store", table="ytd"))
    assert ("2026-06", 6, "export", "united_states", "USD", "level") not in ytd
    assert ytd[("2026-06", 6, "import", "united_states", "USD", "level")] == pytest.approx(7.0e10)
    assert ytd[("2026-06", 6, "export", "united_states", "USD", "yoy_pct")] == -0.9


def test_january_page_one_column_per_flow():
    table = gac.read_gac_tables(JANUARY)
    assert table.meta["layout"] == "bulletin_by_country_january"
    month, ytd = gac.store_rows(table)
    got_month, got_ytd = values(month), values(ytd)
    korea = ("2026-01", 1, "export", "south_korea", "USD", "level")
    assert got_month[korea] == pytest.approx(1.25e10) and got_ytd[korea] == pytest.approx(1.25e10)
    world = ("2026-01", 1, "import", "WORLD", "USD")
    assert got_month[(*world, "level")] == pytest.approx(1.8e11)
    assert got_ytd[(*world, "yoy_pct")] == -9.4
    assert got_ytd[("2026-01", 1, "export", "united_kingdom", "USD", "yoy_pct")] == 1.9
    assert got_ytd[("2026-01", 1, "import", "rcep", "USD", "level")] == pytest.approx(6.5e10)
    assert got_ytd[("2026-01", 1, "export", "belt_and_road", "USD", "level")] == pytest.approx(
        1.35e11)
    assert set(month["partner"]) == {"WORLD", "south_korea", "germany", "united_kingdom",
                                     "european_union", "rcep", "belt_and_road"}  # fmt: skip
    assert [u.label for u in table.unmapped] == ["Asia:", "Macao, China", "Europe:"]
    assert not (month["measure"] != "level").any()  # the y/y is the YTD's: table "ytd" only


def test_import_twice_changes_nothing(capsys, tmp_path):
    inputs = tree_hash(OWN)
    code, text = run(capsys, "gac", JUNE, JANUARY, "--store", tmp_path)
    assert code == 0, text
    assert f"{JUNE}: imported" in text and "stored 54: new 54" in text
    assert "stored 42: new 42" in text  # January: 7 rows x 2 flows x (month, ytd, y/y)
    assert "WARNING: 2 cell(s) printed '############'" in text
    assert "2 imported, 0 rejected" in text
    before = tree_hash(tmp_path)
    code, text = run(capsys, "gac", JUNE, JANUARY, "--store", tmp_path)
    assert code == 0 and text.count("stored 0: new 0, revised 0") == 2
    assert tree_hash(tmp_path) == before and tree_hash(OWN) == inputs


def test_bulletin_replaces_the_preliminary_figure(capsys, tmp_path):
    code, text = run(capsys, "gac", PRELIM_JUNE, JUNE, "--store", tmp_path)
    assert code == 0, text
    # preliminary Total exports 299,980.4 (USD mn, month) and 1,699,990.0 (YTD); bulletin
    # 300,000,000 and 1,700,000,000 (US$1,000); every other shared value is equal
    assert ("monthly bulletin replaces the preliminary figure for 2 value(s) held from "
            "preliminary pages") in text
    assert "2 revised beyond the preliminary's printed rounding, 0 within it" in text
    assert "2026-06 export WORLD month: 299,980.400 -> 300,000.000 USD mn" in text
    latest = store.load(tmp_path)
    world = latest[(latest["partner"] == "WORLD") & (latest["flow"] == "export")].iloc[0]
    assert world["value"] == pytest.approx(3.0e11) and world["vintage"] == "2026-07-22"
    assert world["source"].endswith("(monthly bulletin)")
    every = store.load(tmp_path, latest=False)
    kept = every[(every["partner"] == "WORLD") & (every["flow"] == "export")]
    assert sorted(kept["value"]) == pytest.approx([2.999804e11, 3.0e11])
    us = latest[(latest["partner"] == "united_states") & (latest["flow"] == "export")].iloc[0]
    assert us["value"] == pytest.approx(4.2e10) and us["vintage"] == "2026-07-14"  # unchanged


def test_preliminary_after_the_bulletin_does_not_displace_it(capsys, tmp_path):
    code, text = run(capsys, "gac", JUNE, PRELIM_JUNE, "--store", tmp_path)
    assert code == 0, text
    assert ("the store already holds the monthly bulletin's figure for 2 value(s) that this "
            "page prints differently; the bulletin is the later vintage and stays in force") in text
    latest = store.load(tmp_path)
    world = latest[(latest["partner"] == "WORLD") & (latest["flow"] == "export")].iloc[0]
    assert world["value"] == pytest.approx(3.0e11) and world["vintage"] == "2026-07-22"


def test_bulletin_is_not_section4_for_the_section1_cross_check(capsys, tmp_path):
    run(capsys, "gac", JUNE, "--store", tmp_path)
    s1 = edited(tmp_path, OWN / "total_values_2025-12_USD.html",  # the Dec figures as June's
                ("December 2025", "June 2026"), ("2026/01/14", "2026/07/14"),
                ("<b>12</b>", "<b>6</b>"), ("<b>1-to-12</b>", "<b>1-to-6</b>"))
    code, text = run(capsys, "gac", s1, "--store", tmp_path)
    assert code == 0, text
    assert "section (4)" not in text  # 3,577.8 vs the bulletin's 3,000.0: no false alarm
    assert "the store already holds the monthly bulletin's figure" in text
    month = store.load(tmp_path)
    got = values(month[month["product"] == "TOTAL"])
    assert got[("2026-06", 1, "export", "WORLD", "USD", "level")] == pytest.approx(3.0e11)
    assert got[("2026-06", 1, "export", "WORLD", "USD", "yoy_pct")] == 6.6  # from section (1)


def test_cross_check_ignores_bulletin_rows():
    table = gac.read_gac_tables(OWN / "total_values_2025-12_USD.html")
    bulletin = table.month.assign(value=table.month["value"] * 0.9, table="month",
                                  source="gac:x.html (monthly bulletin)")  # fmt: skip
    messages, agreed = gac_checks.cross_check_totals(table, bulletin)
    assert messages == [] and agreed.empty


# ---------------------------------------------------------------------------------------------
# Pages that are wrong: rejected with file, row and reason, the store untouched


@pytest.mark.parametrize(
    ("replacements", "error", "message"),
    [
        ((("<b>1to6</b>", "<b>1to5</b>"),), "GacLayoutError",
         "the header names month(s) [5] but the title says 2026-06"),
        ((("16,000,000&nbsp;", "16,0oo,000&nbsp;"),), "GacLayoutError",
         "'16,0oo,000' in column export_month is not a number"),
        (((",6.2026", ",13.2026"),), "GacLayoutError", "13 is not a month"),
        ((("<span><b>TOTAL</b>", "<span><b>All countries</b>"),), "GacTruncatedTableError",
         "no 'TOTAL' row"),
        ((("Unit:US$1,000", "Unit:US$"),), "GacUnitError", "cannot read the scale"),
        ((("Imports and Exports by Country （Region） of Origin/Destination",
           "Export of Selected Commodities by Major Customs Regimes"),),
         "GacUnsupportedTableError", "a Monthly Bulletin table this reader does not read"),
    ],
)
def test_bad_pages_are_rejected(capsys, tmp_path, replacements, error, message):
    dest = tmp_path / "store"
    run(capsys, "gac", JANUARY, "--store", dest)
    before = tree_hash(dest)
    page = edited(tmp_path, JUNE, *replacements)
    code, text = run(capsys, "gac", page, "--store", dest)
    assert code == 1 and "REJECTED (store unchanged)" in text, text
    assert error in text and message in text and page.name in text
    assert "Traceback" not in text
    assert tree_hash(dest) == before


def test_bad_number_names_row_and_label(tmp_path):
    page = edited(tmp_path, JUNE, ("16,000,000&nbsp;", "16,0oo,000&nbsp;"))
    with pytest.raises(gac.GacLayoutError) as caught:
        gac.read_gac_tables(page)
    assert "row 8" in str(caught.value) and "Viet Nam" in str(caught.value)


def test_truncated_page(tmp_path):
    text = JUNE.read_text(encoding="utf-8")
    cut = tmp_path / JUNE.name
    cut.write_text(text[: text.index("Viet Nam") + 300], encoding="utf-8")
    with pytest.raises(gac.GacTruncatedTableError):
        gac.read_gac_tables(cut)


def test_a_row_with_a_missing_cell(tmp_path):
    page = edited(tmp_path, JUNE, ("\t\t\t\t<td align=\"right\">\n\t\t\t\t\t<span>-5.6</span>\n"
                                   "\t\t\t\t</td>\n", ""))  # United States' last cell
    with pytest.raises(gac.GacTruncatedTableError, match="9 cells where the"):
        gac.read_gac_tables(page)


# ---------------------------------------------------------------------------------------------
# The real Jun 2026 page (values read by hand in SOURCES.md)


def test_real_page_values():
    table = gac.read_gac_tables(real(REAL_MB2))
    assert table.meta["vintage"] == "2026-07-22" and table.meta["scale"] == 1000.0
    month, ytd = gac.store_rows(table)
    got_month, got_ytd = values(month), values(ytd)
    p = "2026-06"
    assert got_month[(p, 1, "export", "WORLD", "USD", "level")] == pytest.approx(412_387_125e3)
    assert got_month[(p, 1, "import", "WORLD", "USD", "level")] == pytest.approx(286_764_038e3)
    assert got_ytd[(p, 6, "export", "WORLD", "USD", "level")] == pytest.approx(2_125_358_846e3)
    assert got_ytd[(p, 6, "import", "WORLD", "USD", "level")] == pytest.approx(1_549_382_917e3)
    assert got_ytd[(p, 6, "export", "WORLD", "USD", "yoy_pct")] == 17.6
    assert got_ytd[(p, 6, "import", "WORLD", "USD", "yoy_pct")] == 26.6
    us = "united_states"
    assert got_month[(p, 1, "export", us, "USD", "level")] == pytest.approx(43_463_832e3)
    assert got_ytd[(p, 6, "export", us, "USD", "level")] == pytest.approx(215_919_781e3)
    assert got_month[(p, 1, "import", us, "USD", "level")] == pytest.approx(14_602_465e3)
    assert got_ytd[(p, 6, "import", us, "USD", "level")] == pytest.approx(73_226_289e3)
    assert got_ytd[(p, 6, "export", us, "USD", "yoy_pct")] == 0.2
    assert got_ytd[(p, 6, "import", us, "USD", "yoy_pct")] == -0.8
    printed = table.printed.set_index("label")
    assert printed.at["TOTAL", "total_month"] == 699_151_163
    assert printed.at["TOTAL", "total_ytd_yoy"] == 21.2
    assert printed.at["United States", "total_ytd_yoy"] == 0.0
    # "############": the Jan-Jun total of TOTAL, Asia, APEC, RCEP and BRI
    cells = [(c["label"], c["column"]) for c in table.meta["overflow_cells"]]
    assert cells == [(label, "total_ytd") for label in ("TOTAL", "Asia:", "APEC", "RCEP", "BRI")]
    # every kit partner that is not a residual is on the page, each once
    partners = classifications.partners()
    wanted = set(partners.index[partners["kind"] != "residual"])
    assert set(month["partner"]) == wanted and len(month) == 2 * len(wanted)
    assert len(table.unmapped) == len(table.printed) - len(wanted)


def test_real_page_groupings_are_gacs_own():
    """Why ASEAN and RCEP map to the kit's codes: added up, the rows behave as GAC's groupings
    of the preliminary table (ASEAN with Timor-Leste, RCEP without China's re-imports)."""
    printed = gac.read_gac_tables(real(REAL_MB2)).printed.set_index("label")["export_month"]
    asean = ["Brunei", "Myanmar", "Cambodia", "Indonesia", "Lao", "Malaysia", "Philippines",
             "Singapore", "Thailand", "Viet Nam", "Timor-Leste"]  # fmt: skip
    assert printed[asean].sum() == printed["ASEAN"]
    rcep = [*asean[:-1], "Japan", "Republic of Korea", "Australia", "New Zealand"]
    assert printed[rcep].sum() == printed["RCEP"]


def test_real_page_import_output(capsys, tmp_path):
    code, text = run(capsys, "gac", real(REAL_MB2), "--store", tmp_path)
    assert code == 0, text
    assert "rows read 180 (of which 120 year-to-date)" in text and "stored 180: new 180" in text
    assert "WARNING: 5 cell(s) printed '############'" in text
    assert "241 row(s) have no kit partner code and were read, not stored" in text


def test_real_pages_with_the_bulletin(capsys, tmp_path):
    pages = sorted(real(REAL_MB2).parent.glob("gac_s*.html")) + [real(REAL_MB2)]
    code, text = run(capsys, "gac", *pages, "--store", tmp_path)
    assert code == 0, text
    assert f"{len(pages)} imported, 0 rejected" in text
    month = values(store.load(tmp_path).query("product == 'TOTAL'"))
    world = ("2026-06", 1, "export", "WORLD", "USD", "level")
    assert month[world] == pytest.approx(412_387_125_000)
    ytd = store.load(tmp_path, table="ytd")
    totals = values(ytd[ytd["product"] == "TOTAL"])
    assert totals[("2026-06", 6, "export", "WORLD", "USD", "level")] == pytest.approx(
        2_125_358_846_000)
    assert totals[("2026-06", 6, "export", "WORLD", "USD", "yoy_pct")] == 17.6
    ic = ytd[(ytd["product"] == "integrated_circuits") & (ytd["flow"] == "export")
             & (ytd["period"] == pd.Period("2026-06", "M")) & (ytd["currency"] == "USD")
             & (ytd["measure"] == "quantity_yoy_pct")]  # fmt: skip
    assert ic["value"].tolist() == [7.0] and ic["months"].tolist() == [6]


def test_real_other_bulletin_table_is_rejected_clearly(capsys, tmp_path):
    page = real("gac_mb17_exports_by_customs_regime_2026-01-06_USD.html")
    code, text = run(capsys, "gac", page, "--store", tmp_path)
    assert code == 1 and "GacUnsupportedTableError" in text
    assert "Export of Selected Commodities by Major Customs Regimes,6.2026" in text
    assert "a Monthly Bulletin table this reader does not read" in text

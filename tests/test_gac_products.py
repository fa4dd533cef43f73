"""Every line GAC prints has a product code; the hierarchy keeps contributions adding up."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import breakdown, classifications
from helpers.ingest.readers import gac
from helpers.ingest.readers.gac_coverage import CoverageError, expand_hs, read_coverage
from helpers.paths import CLASSIFICATIONS_DIR, SHARED_DIR

REAL = SHARED_DIR / "fixtures" / "gac"


def test_label_files_name_known_codes_and_every_label_has_one():
    assert gac.check_label_files() == []
    labels = gac.product_labels()
    assert (labels["product"] != "").all()  # no GAC line is left without a code


@pytest.mark.parametrize(
    ("flow", "label", "code"),
    [
        ("export", "Plastic articles", "plastics"),  # 2026 renames
        ("export", "Suit-cases, hand bags and similar containers", "bags"),
        ("export", "LCD panels", "lcd_panels"),
        ("export", "Flat panel display modules of liquid crystals", "lcd_panels"),
        ("export", "Liquid Crystal Display Panels", "lcd_panels"),  # 2019
        ("export", "Unwrought aluminium and aluminium products", "aluminium"),
        ("export", "Petroleum products", "refined_petroleum"),
        ("import", "Meat(including meat offal)", "meat"),
        ("import", "Diodes and similar semiconductors", "diodes"),
        ("import", "Aircraft of an unladen weight exceeding 2T", "aircraft"),
    ],
)
def test_label_variants(flow, label, code):
    labels = gac.product_labels()
    match = labels[(labels["flow"] == flow) & (labels["key"] == gac.label_key(label))]
    assert set(match["product"]) == {code}


def test_new_lines_are_listed_never_added():
    tree = classifications.product_tree("export")
    assert tree.at["high_tech", "gac_aggregate"] == "True"
    assert not tree.at["refined_petroleum", "in_partition"]
    roles = {code: role for code, role, _ in breakdown.product_layout("export")}
    assert roles["agricultural"] == "part" and roles["high_tech"] == "overlap"
    assert roles["refined_petroleum"] == "listed" and roles["ceramics"] == "listed"
    assert roles["lcd_panels"] == "of_which" and roles["aquatic"] == "of_which"
    # the partition the sample and the contributions use is unchanged
    assert "refined_petroleum" not in classifications.leaves("export")
    assert "lcd_panels" not in classifications.leaves("export")
    imports = {code: role for code, role, _ in breakdown.product_layout("import")}
    assert imports["wood"] == "listed" and imports["diodes"] == "of_which"


def test_expand_hs():
    assert expand_hs("0302-0304,85423") == ["0302", "0303", "0304", "85423"]
    assert expand_hs("12119011-12119013") == ["12119011", "12119012", "12119013"]
    with pytest.raises(ValueError, match="same-length"):
        expand_hs("0302-03099")
    with pytest.raises(ValueError, match="ends before"):
        expand_hs("0309-0302")


def coverage_sheet(path, label="Electronic integrated circuits"):
    """A made-up coverage sheet in GAC's layout (title, header, two lines)."""
    rows = [
        ["Coverage of major exports for preliminary release(2024)", None, None, None, None],
        ["S.No.", "Description of Commodity", "Coverage of HS Codes", "Unit of Quantity",
         "Remark"],
        [1, "Rare-earth ore, metals, compounds", "2530902,28053,2846", "T", None],
        [2, f"    {label}", "85423", "100MN", None],
    ]  # fmt: skip
    pd.DataFrame(rows).to_excel(path, header=False, index=False)
    return path


def test_read_own_coverage_sheet(tmp_path):
    table = read_coverage(coverage_sheet(tmp_path / "coverage.xlsx"))
    assert table["product"].tolist() == ["rare_earths", "integrated_circuits"]
    assert table["year"].tolist() == [2024, 2024]
    assert table.loc[0, "hs_codes"] == "2530902;28053;2846"
    with pytest.raises(CoverageError, match="'Gadgets' is not in gac_product_labels.csv"):
        read_coverage(coverage_sheet(tmp_path / "bad.xlsx", label="Gadgets"))


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/fixtures/gac not present")
def test_real_coverage_sheet_matches_the_shipped_file():
    table = read_coverage(REAL / "gac_coverage_major_exports_2024.xls")
    assert len(table) == 31
    ic = table.set_index("product").loc["integrated_circuits"]
    assert ic["hs_codes"] == "85423" and ic["gac_unit"] == "100MN"
    steel = table.set_index("product").loc["steel"]["hs_codes"].split(";")
    assert steel[:2] == ["7208", "7209"] and "7218" not in steel and "7307" in steel
    shipped = pd.read_csv(CLASSIFICATIONS_DIR / "gac_hs_coverage.csv", dtype=str,
                          keep_default_na=False)
    pd.testing.assert_frame_equal(shipped, table.astype(str))

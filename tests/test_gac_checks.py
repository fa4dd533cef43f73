"""A page whose header names another month than its title: YTD arithmetic against the store."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest

from helpers.ingest import importer, store
from helpers.ingest.gac_checks import settle_header_conflict, ytd_arithmetic
from helpers.ingest.readers import gac
from helpers.paths import SHARED_DIR

OWN = Path(__file__).parent / "fixtures" / "gac"
JUNE = OWN / "major_exports_2024-06_CNY.html"  # made-up values in GAC's layout
REAL = SHARED_DIR / "fixtures" / "gac"


def june_with_may_header() -> gac.GacTable:
    """The own June 2024 page with its header cells saying "5" / "1-5" like GAC's Jun 2025 page."""
    raw = copy.deepcopy(gac.read_page(JUNE))
    raw.rows[2].cells = [c.replace("6", "5") for c in raw.rows[2].cells]
    return gac.parse_page(raw, header_conflict="defer")


def may_ytd(rare_earth_tons: float, rare_earth_cny: float) -> pd.DataFrame:
    """A stored May 2024 YTD row for rare earths (tonnes, CNY)."""
    return pd.DataFrame({
        "period": pd.PeriodIndex(["2024-05"], freq="M"), "months": 5, "flow": "export",
        "partner": "WORLD", "product": "rare_earths", "value": rare_earth_cny, "currency": "CNY",
        "quantity": rare_earth_tons, "quantity_unit": "tonnes", "measure": "level",
        "source": "gac:may", "vintage": "2024-06-10",
    })  # fmt: skip


def test_header_conflict_still_rejected_by_default():
    raw = copy.deepcopy(gac.read_page(JUNE))
    raw.rows[2].cells = [c.replace("6", "5") for c in raw.rows[2].cells]
    with pytest.raises(gac.GacLayoutError, match=r"header names month\(s\) \[5\]"):
        gac.parse_page(raw)


def test_arithmetic_agrees_with_the_title():
    table = june_with_may_header()
    assert table.meta["header_conflict"]["header_months"] == [5]
    # page: June 5,000 t / CNY 1.5 (100 mn); Jan-Jun 26,000 t / 12.0 -> May YTD 21,000 t / 10.5
    checks = ytd_arithmetic(table, may_ytd(21_000.0, 10.5e8))
    assert set(checks["what"]) == {"value", "quantity"} and checks["agrees"].all()
    verdict = settle_header_conflict(table, may_ytd(21_000.0, 10.5e8))
    assert verdict.accept and verdict.message.startswith("WARNING: the header names month 5")
    example = "quantity: YTD 2024-05 21,000.0 + 2024-06 5,000.0 = printed YTD 26,000.0"
    assert example in verdict.message


def test_arithmetic_disagreeing_rejects():
    table = june_with_may_header()
    # had the figures been May's, the store's May YTD would equal the page's YTD
    verdict = settle_header_conflict(table, may_ytd(26_000.0, 12.0e8))
    assert not verdict.accept and "disagrees with the title on 2 of 2 checks" in verdict.message


def test_small_revision_of_the_previous_month_still_agrees():
    # 0.5% off: GAC revised May between the releases
    verdict = settle_header_conflict(june_with_may_header(), may_ytd(21_100.0, 10.5e8))
    assert verdict.accept and "1 of 2 checks against the store exact" in verdict.message


def test_without_store_data_the_release_date_decides():
    table = june_with_may_header()  # printed release date 2024-07-12: the month after June
    empty = may_ytd(0, 0).iloc[0:0]
    verdict = settle_header_conflict(table, empty)
    assert verdict.accept and "release date 2024-07-12" in verdict.message
    table.meta["release_date"] = "2024-06-12"  # a May release: the title is not confirmed
    verdict = settle_header_conflict(table, empty)
    assert not verdict.accept and "does not confirm the title" in verdict.message


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/fixtures/gac not present")
def test_real_june_2025_page(tmp_path, capsys):
    june = REAL / "gac_s5_major_exports_2025-06_USD.html"
    assert importer.main(["gac", str(REAL / "gac_s5_major_exports_2025-05_CNY.html"), str(june),
                          "--store", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    # quantities are the same in both editions: May YTD 1,359.3 + June 318.4 = 1,677.7 (100 mn)
    assert "REJECTED" not in text
    assert "14 of 17 checks against the store exact" in text
    ytd = store.load(tmp_path, table="ytd").query(
        "product == 'integrated_circuits' and measure == 'level' and currency == 'USD'")
    row = ytd[ytd["period"] == pd.Period("2025-06", "M")].iloc[0]
    assert row["quantity"] == pytest.approx(1.6777e11) and row["value"] == pytest.approx(9.04733e10)

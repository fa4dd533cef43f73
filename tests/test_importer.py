"""`python -m helpers import`: per-file reports, exit codes, store untouched on rejection."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from helpers.ingest import importer, store
from helpers.paths import ROOT, SHARED_DIR

FIXTURES = Path(__file__).parent / "fixtures"
SERIES = FIXTURES / "series" / "exports_monthly.csv"
MAPPING = FIXTURES / "series" / "mapping.yaml"
COMTRADE = FIXTURES / "comtrade" / "china_monthly.csv"
MIXED = FIXTURES / "comtrade" / "mixed_reporters.csv"
GAC = SHARED_DIR / "fixtures" / "gac"


def tree_hash(path: Path) -> dict[str, str]:
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def run(capsys, *argv) -> tuple[int, str]:
    code = importer.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_help(capsys):
    code, text = run(capsys, "--help")
    assert code == 0
    assert "python -m helpers import" in text
    assert "{gac,series,comtrade,tidy,consensus,indicators}" in text
    assert "--live" in text and "--mapping" in text


@pytest.mark.parametrize("command", [["helpers.ingest.importer"], ["helpers", "import"]])
def test_module_entry_points(command):
    result = subprocess.run([sys.executable, "-m", *command, "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "--store" in result.stdout


def test_usage_errors(capsys, tmp_path):
    assert run(capsys, "series", SERIES, "--store", tmp_path)[0] == 2  # no --mapping
    assert run(capsys, "gac", "--store", tmp_path)[0] == 2  # no files
    assert run(capsys, "comtrade", "--live", "--store", tmp_path)[0] == 2  # no key/period
    assert run(capsys, "excel", SERIES, "--store", tmp_path)[0] == 2


def test_series_import_twice(capsys, tmp_path):
    inputs = tree_hash(SERIES.parent)
    code, text = run(capsys, "import", "series", SERIES, "--mapping", MAPPING, "--store",
                     tmp_path)
    assert code == 0, text
    assert "stored 16: new 16" in text and "y/y-only" in text
    before = tree_hash(tmp_path)
    code, text = run(capsys, "series", SERIES, "--mapping", MAPPING, "--store", tmp_path)
    assert code == 0 and "unchanged 16" in text and "stored 0" in text
    assert tree_hash(tmp_path) == before
    assert tree_hash(SERIES.parent) == inputs
    assert len(store.load(tmp_path)) == 16


def test_series_bad_mapping_leaves_store_identical(capsys, tmp_path):
    dest = tmp_path / "store"
    run(capsys, "series", SERIES, "--mapping", MAPPING, "--store", dest)
    before = tree_hash(dest)
    bad = tmp_path / "bad.yaml"
    bad.write_text(MAPPING.read_text().replace("China: Imports: USD mn", "China: Imprts"))
    code, text = run(capsys, "series", SERIES, "--mapping", bad, "--store", dest)
    assert code == 1
    assert "REJECTED (store unchanged)" in text and "China: Imprts" in text
    assert "does not have" in text
    assert tree_hash(dest) == before


def test_series_revision_is_a_new_vintage(capsys, tmp_path):
    run(capsys, "series", SERIES, "--mapping", MAPPING, "--store", tmp_path)
    revised = tmp_path / "revised.csv"
    revised.write_text(SERIES.read_text().replace("357774.5", "357800.0"))
    code, text = run(capsys, "series", revised, "--mapping", MAPPING, "--store", tmp_path,
                     "--vintage", "2026-05-20")
    assert code == 0 and "revised 1" in text and "unchanged 15" in text
    latest = store.load(tmp_path)
    dec = latest[(latest["period"] == pd.Period("2025-12", "M")) & (latest["partner"] == "WORLD")
                 & (latest["flow"] == "export") & (latest["measure"] == "level")].iloc[0]
    assert dec["value"] == pytest.approx(357800.0e6) and dec["vintage"] == "2026-05-20"
    assert len(store.load(tmp_path, latest=False)) == 17


def test_comtrade_files(capsys, tmp_path):
    code, text = run(capsys, "comtrade", COMTRADE, "--store", tmp_path, "--vintage", "2026-05-01")
    assert code == 0, text
    before = tree_hash(tmp_path)
    inputs = tree_hash(COMTRADE.parent)
    code, text = run(capsys, "comtrade", MIXED, COMTRADE, "--store", tmp_path)
    assert code == 1
    assert "mixed_reporters.csv: REJECTED" in text and "not China" in text
    assert "china_monthly.csv: imported" in text  # the good file still goes through
    assert tree_hash(tmp_path) == before  # ...and changes nothing, being identical
    assert tree_hash(COMTRADE.parent) == inputs
    world = store.load(tmp_path).query("partner == 'WORLD' and product == 'TOTAL'")
    assert world["value"].max() == 1_584_000_000


def test_comtrade_live_with_fake_client(capsys, tmp_path, monkeypatch):
    raw = pd.read_csv(COMTRADE, dtype={"cmdCode": str})
    fake = types.SimpleNamespace(getFinalData=lambda key, **kw: raw[raw["period"] == 202603])
    monkeypatch.setitem(sys.modules, "comtradeapicall", fake)
    code, text = run(capsys, "comtrade", "--live", "--api-key", "KEY", "--period", "2026-03",
                     "--store", tmp_path)
    assert code == 0, text
    assert "comtrade API (China, 2026-03" in text
    monkeypatch.setitem(sys.modules, "comtradeapicall", None)
    before = tree_hash(tmp_path)
    code, text = run(capsys, "comtrade", "--live", "--api-key", "KEY", "--period", "2026-04",
                     "--store", tmp_path)
    assert code == 1 and "pip install comtradeapicall" in text
    assert tree_hash(tmp_path) == before


def tidy_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "period": ["2026-01", "2026-02"], "months": 1, "flow": "export", "partner": "WORLD",
        "product": "TOTAL", "value": [1.0e11, 2.0e11], "currency": "USD", "measure": "level",
        "source": "analyst", "vintage": "2026-03-20",
    })


def test_tidy_csv_and_parquet(capsys, tmp_path):
    csv = tmp_path / "tidy.csv"
    tidy_frame().to_csv(csv, index=False)
    parquet = tmp_path / "tidy.parquet"
    tidy_frame().assign(flow="import").drop(columns=["vintage", "source"]).to_parquet(parquet)
    dest = tmp_path / "store"
    code, text = run(capsys, "tidy", csv, parquet, "--store", dest, "--vintage", "2026-04-01")
    assert code == 0, text
    loaded = store.load(dest)
    assert len(loaded) == 4
    assert set(loaded.loc[loaded["flow"] == "import", "source"]) == {"tidy:tidy.parquet"}
    assert set(loaded.loc[loaded["flow"] == "import", "vintage"]) == {"2026-04-01"}


def test_tidy_bad_row_names_line(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    tidy_frame().assign(partner=["WORLD", "narnia"]).to_csv(bad, index=False)
    dest = tmp_path / "store"
    code, text = run(capsys, "tidy", bad, "--store", dest)
    assert code == 1
    assert "line 3, column 'partner': unknown partner code 'narnia'" in text
    assert tree_hash(dest) == {}


def test_missing_and_corrupt_files(capsys, tmp_path):
    code, text = run(capsys, "tidy", tmp_path / "nope.csv", "--store", tmp_path / "s")
    assert code == 1 and "no such file" in text and "could not be read" in text
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK not really a workbook")
    code, text = run(capsys, "series", broken, "--mapping", MAPPING, "--store", tmp_path / "s")
    assert code == 1 and "broken.xlsx: REJECTED" in text
    assert tree_hash(tmp_path / "s") == {}


# --- real GAC release pages ---------------------------------------------------------------------

needs_gac = pytest.mark.skipif(not GAC.is_dir(), reason="shared GAC fixtures not present")


@needs_gac
def test_gac_pages(capsys, tmp_path):
    pages = sorted(GAC.glob("gac_s*.html"))
    inputs = tree_hash(GAC)
    code, text = run(capsys, "gac", *pages, "--store", tmp_path)
    assert code == 0, text
    assert f"{len(pages)} imported, 0 rejected" in text
    assert "not stored" not in text  # every line GAC prints has a product code
    month = store.load(tmp_path)
    key = ["period", "flow", "partner", "product", "currency"]
    rows = month.set_index(key)["value"]
    mar = pd.Period("2026-03", "M")
    assert rows[(mar, "export", "WORLD", "TOTAL", "CNY")] == pytest.approx(2.2297e12)
    assert rows[(mar, "import", "WORLD", "TOTAL", "CNY")] == pytest.approx(1.87494e12)
    assert rows[(mar, "export", "european_union", "TOTAL", "CNY")] == pytest.approx(3.2489e11)
    assert rows[(mar, "export", "united_states", "TOTAL", "CNY")] == pytest.approx(2.045e11)
    # commodity pages, values and quantities as printed (CNY 100 million / USD 1 million)
    may, apr = pd.Period("2025-05", "M"), pd.Period("2025-04", "M")
    qty = month.set_index(key)["quantity"]
    assert rows[(may, "export", "WORLD", "integrated_circuits", "CNY")] == pytest.approx(1.2155e11)
    assert qty[(may, "export", "WORLD", "integrated_circuits", "CNY")] == pytest.approx(3.011e10)
    assert rows[(may, "export", "WORLD", "rare_earths", "CNY")] == pytest.approx(1.3e8)
    assert qty[(may, "export", "WORLD", "rare_earths", "CNY")] == pytest.approx(5864.6)
    # April 2025 USD page: rows lack the quantity-unit cell; rare earth 4,784.8 t, USD 21.7 mn
    assert rows[(apr, "export", "WORLD", "rare_earths", "USD")] == pytest.approx(2.17e7)
    assert qty[(apr, "export", "WORLD", "rare_earths", "USD")] == pytest.approx(4784.8)
    assert rows[(apr, "export", "WORLD", "steel", "USD")] == pytest.approx(7.2652e9)
    crude = (pd.Period("2026-05", "M"), "import", "WORLD", "crude_oil", "CNY")
    assert rows[crude] == pytest.approx(1.8329e11) and qty[crude] == pytest.approx(3.3081e7)
    janfeb = month[(month["period"] == pd.Period("2025-02", "M")) & (month["partner"] == "WORLD")
                   & (month["flow"] == "export") & (month["product"] == "TOTAL")].iloc[0]
    assert janfeb["months"] == 2 and janfeb["value"] == pytest.approx(3.88121e12)
    ytd = store.load(tmp_path, table="ytd").set_index([*key, "measure"])["value"]
    assert ytd[(mar, "export", "WORLD", "TOTAL", "CNY", "level")] == pytest.approx(6.84667e12)
    assert ytd[(mar, "export", "WORLD", "TOTAL", "CNY", "yoy_pct")] == pytest.approx(11.9)
    # commodity pages carry the prior year's YTD: printed and computed y/y agree within 0.1 pp
    compared = store.compare_printed_ytd_yoy(tmp_path, all_rows=True)
    assert len(compared) > 40
    # rare earths in CNY 100 million (YTD 21.2 vs 13.7) print too few digits for 0.1 pp: the
    # rounding bound explains it (printed 55.2 vs 55.47 from the page's own rounded levels)
    assert (compared["diff_pp"].abs() <= 0.1 + compared["rounding_pp"]).all()
    assert compared.loc[compared["rounding_pp"] < 0.06, "diff_pp"].abs().max() < 0.1
    assert store.compare_printed_ytd_yoy(tmp_path).empty
    # the June 2025 page with "5 / 1-5" headers under a June title is June's: imported, warned
    assert "header names month 5 but the title says 2025-06; imported as 2025-06" in text
    jun = pd.Period("2025-06", "M")
    ic = (jun, "export", "WORLD", "integrated_circuits", "USD")
    assert rows[ic] == pytest.approx(1.72186e10) and qty[ic] == pytest.approx(3.184e10)
    # a later page revises the prior-year YTD: a new vintage, and the import says so
    every = store.load(tmp_path, table="ytd", latest=False).set_index([*key, "measure"])
    ic_ytd = every.loc[[(*ic, "level")]].sort_values("vintage")
    assert ic_ytd["value"].tolist() == pytest.approx([9.04733e10, 9.04028e10])
    assert ic_ytd["quantity"].tolist() == pytest.approx([1.6777e11, 1.6771e11])
    assert "revised earlier value(s) stored as new vintages" in text
    assert "integrated_circuits" in text and "90,473.3 -> 90,402.8" in text

    before = tree_hash(tmp_path)
    code, text = run(capsys, "gac", *pages, "--store", tmp_path)
    assert code == 0 and text.count("stored 0: new 0, revised 0") == len(pages)
    assert tree_hash(tmp_path) == before
    assert len(store.load(tmp_path, latest=False)) == len(month)
    assert tree_hash(GAC) == inputs


@needs_gac
def test_gac_non_table_page_rejected(capsys, tmp_path):
    run(capsys, "gac", GAC / "gac_s4_by_country_2026-03_CNY.html", "--store", tmp_path)
    before = tree_hash(tmp_path)
    code, text = run(capsys, "gac", GAC / "gac_index_preliminary_2026.html", "--store", tmp_path)
    assert code == 1 and "REJECTED" in text and "GacUnsupportedTableError" in text
    assert tree_hash(tmp_path) == before


OWN_GAC = FIXTURES / "gac"


@pytest.mark.parametrize(
    ("page", "error"),
    [
        ("bad_currency_mismatch.html", "GacCurrencyMismatchError"),
        ("bad_truncated.html", "GacTruncatedTableError"),
        ("bad_image_only.html", "GacNoTableError"),
        ("bad_unknown_partner.html", "GacUnknownLabelError"),
    ],
)
def test_bad_gac_pages_leave_the_store_byte_identical(capsys, tmp_path, page, error):
    code, _ = run(capsys, "gac", OWN_GAC / "by_country_2024-07_USD.html", "--store", tmp_path)
    assert code == 0
    before, source = tree_hash(tmp_path), hashlib.sha256((OWN_GAC / page).read_bytes()).digest()
    code, text = run(capsys, "gac", OWN_GAC / page, "--store", tmp_path)
    assert code == 1 and "REJECTED" in text and error in text and page in text
    assert tree_hash(tmp_path) == before
    assert hashlib.sha256((OWN_GAC / page).read_bytes()).digest() == source


def test_gac_import_reports_the_ytd_check(capsys, tmp_path):
    code, text = run(capsys, "gac", OWN_GAC / "major_exports_2024-06_CNY.html", "--store", tmp_path)
    # the page prints prior-year YTD values and YTD y/y: all 10 printed rates agree within 0.1 pp
    assert code == 0
    assert "10 printed YTD y/y compared with the kit's; 0 differ by more than 0.1 pp" in text

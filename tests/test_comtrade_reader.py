"""UN Comtrade monthly files -> canonical rows (products, partners, blocs; no network)."""

from __future__ import annotations

import hashlib
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from helpers.ingest.readers import comtrade
from helpers.ingest.readers.comtrade import (
    ComtradeError,
    ComtradeLiveError,
    fetch_comtrade,
    frame_from_comtrade,
    product_plan,
    read_comtrade,
    residual_nodes,
)
from helpers.schema import validate

FIXTURES = Path(__file__).parent / "fixtures" / "comtrade"
CHINA = FIXTURES / "china_monthly.csv"
MIXED = FIXTURES / "mixed_reporters.csv"
CHAPTERS = ["84", "85", "86", "87", "88", "89", "90", "91", "92"]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    before = hashlib.sha256(CHINA.read_bytes()).hexdigest()
    out = read_comtrade(CHINA, vintage="2026-05-01")
    assert hashlib.sha256(CHINA.read_bytes()).hexdigest() == before
    return out


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(CHINA, dtype={"cmdCode": str})


def value(frame, period, flow, partner, product) -> float:
    hit = frame[(frame["period"] == pd.Period(period, "M")) & (frame["flow"] == flow)
                & (frame["partner"] == partner) & (frame["product"] == product)]
    assert len(hit) == 1, (period, flow, partner, product)
    return float(hit["value"].iloc[0])


def raw_sum(raw, period, flow, cmds, partners=None) -> float:
    rows = raw[(raw["period"] == period) & (raw["flowCode"] == flow) & raw["cmdCode"].isin(cmds)]
    rows = rows[rows["partnerCode"].isin(partners)] if partners else rows[rows["partnerCode"] == 0]
    return float(rows["primaryValue"].sum())


def test_canonical_and_valid(frame):
    typed = validate(frame, str(CHINA), check_gaps=False)
    assert len(typed) == len(frame)
    assert set(frame["currency"]) == {"USD"} and set(frame["source"]) == {"comtrade"}
    assert set(frame["vintage"]) == {"2026-05-01"} and set(frame["months"]) == {1}


def test_products(frame, raw):
    assert value(frame, "2026-03", "export", "WORLD", "TOTAL") == raw_sum(
        raw, 202603, "X", ["TOTAL"]) == 1_584_000_000
    assert value(frame, "2026-03", "export", "WORLD", "electromechanical") == raw_sum(
        raw, 202603, "X", CHAPTERS)
    assert value(frame, "2026-03", "export", "WORLD", "integrated_circuits") == raw_sum(
        raw, 202603, "X", ["8542"])
    # residual: electromechanical minus ICs, computers and vehicles
    expected = raw_sum(raw, 202603, "M", CHAPTERS) - raw_sum(
        raw, 202603, "M", ["8542", "8471", "8473", "8702", "8703", "8704"])
    assert value(frame, "2026-03", "import", "WORLD", "electromechanical_other") == expected
    assert value(frame, "2026-03", "import", "WORLD", "computers") == raw_sum(
        raw, 202603, "M", ["8471", "8473"])
    # products the file cannot build are left out, never half-counted
    products = set(frame.loc[frame["flow"] == "export", "product"])
    assert products == {"TOTAL", "electromechanical", "integrated_circuits"}
    assert "agricultural" not in set(frame.loc[frame["flow"] == "import", "product"])


def test_quantities(frame):
    rows = frame.set_index(["period", "flow", "partner", "product"])
    ic = rows.loc[(pd.Period("2026-03", "M"), "export", "WORLD", "integrated_circuits")]
    assert (ic["quantity"], ic["quantity_unit"]) == (72_000.0, "units")
    oil = rows.loc[(pd.Period("2026-03", "M"), "import", "WORLD", "crude_oil")]
    assert (oil["quantity"], oil["quantity_unit"]) == (720_000.0, "tonnes")  # kg -> tonnes
    total = rows.loc[(pd.Period("2026-03", "M"), "export", "WORLD", "TOTAL")]
    assert pd.isna(total["quantity"]) and total["quantity_unit"] is None


def test_partners_and_residual_lines(frame, raw):
    for partner, codes in [("germany", [276]), ("eu_other", [40]), ("united_states", [842]),
                           ("vietnam", [704]), ("other_belt_and_road", [682]),
                           ("rest_of_world", [757]), ("united_kingdom", [826]),
                           ("taiwan", [490])]:
        assert value(frame, "2026-03", "export", partner, "TOTAL") == raw_sum(
            raw, 202603, "X", ["TOTAL"], codes), partner


def test_blocs_use_dated_membership(frame, raw):
    eu_2026 = raw_sum(raw, 202603, "X", ["TOTAL"], [276, 40])  # UK left in 2020
    assert value(frame, "2026-03", "export", "european_union", "TOTAL") == eu_2026
    assert value(frame, "2019-12", "export", "european_union", "TOTAL") == 13_000_000  # with UK
    bri = raw_sum(raw, 202603, "X", ["TOTAL"], [704, 682])
    assert value(frame, "2026-03", "export", "belt_and_road", "TOTAL") == bri
    assert value(frame, "2026-03", "export", "asean", "TOTAL") == raw_sum(
        raw, 202603, "X", ["TOTAL"], [704])
    assert value(frame, "2026-03", "export", "africa", "TOTAL") == 0.0
    ic = frame[(frame["partner"] == "european_union") & (frame["product"] == "integrated_circuits")
               & (frame["period"] == pd.Period("2026-03", "M"))].iloc[0]
    assert ic["quantity"] == 2000 * 3  # Germany (i=1) + Austria (i=2), k=2 -> 1000*i*2


def test_incomplete_partner_list_keeps_only_world_and_countries(tmp_path, raw):
    part = raw[raw["partnerCode"] != 757]  # Switzerland missing: partners < World
    path = tmp_path / "part.csv"
    part.to_csv(path, index=False)
    frame = read_comtrade(path, vintage="2026-05-01")
    partners = set(frame.loc[frame["period"] >= pd.Period("2026-01", "M"), "partner"])
    assert {"WORLD", "germany", "vietnam", "taiwan"} <= partners
    assert not partners & {"eu_other", "rest_of_world", "european_union", "belt_and_road"}
    assert any("do not add up" in note for note in frame.attrs["notes"])


def test_breakdown_and_reexport_rows_dropped(tmp_path, raw, frame):
    extra = raw[raw["period"] == 202603].head(3).assign(motCode=1000)
    again = raw[raw["period"] == 202603].head(2).assign(flowCode="RX")
    path = tmp_path / "more.csv"
    pd.concat([raw, extra, again]).to_csv(path, index=False)
    out = read_comtrade(path, vintage="2026-05-01")
    pd.testing.assert_frame_equal(out, frame)
    assert any("breakdown" in n for n in out.attrs["notes"])
    assert any("re-export" in n for n in out.attrs["notes"])


def test_xlsx_download(tmp_path, raw, frame):
    path = tmp_path / "download.xlsx"
    raw.to_excel(path, index=False)
    pd.testing.assert_frame_equal(read_comtrade(path, vintage="2026-05-01"), frame)


def test_non_china_reporter_is_a_typed_error():
    before = hashlib.sha256(MIXED.read_bytes()).hexdigest()
    with pytest.raises(ComtradeError) as caught:
        read_comtrade(MIXED)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.column) == (str(MIXED), 4, "reporterCode")
    assert "842" in problem.message and "not China" in problem.message
    assert hashlib.sha256(MIXED.read_bytes()).hexdigest() == before


@pytest.mark.parametrize(
    ("change", "column", "fragment"),
    [
        ({"primaryValue": "abc"}, "primaryValue", "not a non-negative number"),
        ({"primaryValue": "-5"}, "primaryValue", "not a non-negative number"),
        ({"flowCode": "Z"}, "flowCode", r"not X \(export\) or M \(import\)"),
        ({"cmdCode": "84A"}, "cmdCode", "not TOTAL or an HS2/4/6 code"),
        ({"period": "2026", "freqCode": "A"}, "freqCode", "annual data"),
        ({"period": "202613"}, "period", "not a month"),
    ],
)
def test_bad_cells(tmp_path, raw, change, column, fragment):
    bad = raw.head(5).astype(str)
    for key, text in change.items():
        bad.loc[bad.index[1], key] = text
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(ComtradeError, match=fragment) as caught:
        read_comtrade(path)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.column) == (str(path), 3, column)


def test_missing_columns(tmp_path, raw):
    path = tmp_path / "cut.csv"
    raw.drop(columns=["primaryValue", "reporterCode"]).to_csv(path, index=False)
    with pytest.raises(ComtradeError, match="required column is missing") as caught:
        read_comtrade(path)
    assert {p.column for p in caught.value.problems} == {"primaryValue", "reporterCode"}


def test_legacy_columns_and_iso_partners(raw):
    legacy = raw.rename(columns={"reporterCode": "Reporter Code", "primaryValue": "TradeValue"})
    legacy = legacy.drop(columns=["partnerCode"])  # map through partnerISO instead
    out = frame_from_comtrade(legacy, "legacy", "2026-05-01")
    assert value(out, "2026-03", "export", "taiwan", "TOTAL") == raw_sum(
        raw, 202603, "X", ["TOTAL"], [490])


def test_product_plan_longest_prefix_and_coverage():
    plan = product_plan("export", {"TOTAL", *CHAPTERS, "8542"})
    assert plan == {"TOTAL": ["TOTAL"], "electromechanical": CHAPTERS,
                    "integrated_circuits": ["8542"]}
    assert product_plan("export", {"85", "8542"}) == {"integrated_circuits": ["8542"]}
    assert product_plan("export", {"851712", "851713", "851714"}) == {
        "mobile_phones": ["851712", "851713", "851714"]}
    assert product_plan("export", {"8517"}) == {}  # 8517 is wider than mobile phones
    assert product_plan("export", {"28"}) == {}  # overlaps rare earths only in part
    assert product_plan("export", {"280530", "2846"}) == {"rare_earths": ["280530", "2846"]}
    assert product_plan("import", {"12"}) == {}  # soybeans is only part of chapter 12
    labour = ["61", "62", *[str(c) for c in range(50, 61)], "63", "64", "9401", "9402", "9403",
              "3923", "3924", "3925", "3926", "9503", "4202"]
    plan = product_plan("export", set(labour))
    assert sorted(plan["labour_intensive"]) == sorted(labour)
    assert plan["apparel"] == ["61", "62"]
    assert residual_nodes("export") == ["electromechanical_other", "other"]
    assert residual_nodes("import") == ["electromechanical_other", "agricultural_other", "other"]
    assert comtrade._clean_code("101") == "0101" and comtrade._clean_code("84.0") == "84"


def test_partner_file_codes_are_known():
    from helpers import classifications

    by_code, by_iso = comtrade.partner_map()
    known = set(classifications.partners().index) | {"_aggregate"}
    assert set(by_code.values()) <= known
    assert by_code["0"] == "WORLD" and by_code["490"] == "taiwan" and by_iso["DEU"] == "germany"
    # every residual and country line of the kit can be reached
    leaves = set(classifications.partner_leaves()) - {"rest_of_world"}
    assert leaves <= set(by_code.values())


def test_live_pull_without_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "comtradeapicall", None)
    with pytest.raises(ComtradeLiveError, match="pip install comtradeapicall"):
        fetch_comtrade("2026-03", "key")


def test_live_pull_with_fake_client(monkeypatch, raw):
    calls = []

    def get_final_data(key, **kwargs):
        calls.append((key, kwargs))
        return raw[raw["period"] == 202603].copy()

    monkeypatch.setitem(sys.modules, "comtradeapicall",
                        types.SimpleNamespace(getFinalData=get_final_data))
    out = fetch_comtrade(["2026-03"], "secret", cmd_codes="TOTAL,84")
    key, kwargs = calls[0]
    assert key == "secret" and kwargs["period"] == "202603"
    assert kwargs["reporterCode"] == "156" and kwargs["freqCode"] == "M"
    assert kwargs["cmdCode"] == "TOTAL,84" and kwargs["flowCode"] == "X,M"
    frame = frame_from_comtrade(out, "api", "2026-05-01")
    assert value(frame, "2026-03", "export", "WORLD", "TOTAL") == 1_584_000_000

    monkeypatch.setitem(sys.modules, "comtradeapicall",
                        types.SimpleNamespace(getFinalData=lambda key, **kw: None))
    with pytest.raises(ComtradeLiveError, match="no rows"):
        fetch_comtrade("2026-03", "secret")

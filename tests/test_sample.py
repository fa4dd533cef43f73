"""Structure of the bundled sample: additivity, blocs, Jan-Feb storage, determinism."""

import numpy as np
import pandas as pd
import pytest

from helpers import classifications, sample
from helpers.data import load_dataset
from helpers.schema import validate


def test_sample_passes_validation(sample):
    frame = sample.trade.assign(period=sample.trade["period"].astype(str))
    validated = validate(frame, "data/sample/trade.parquet")
    assert len(validated) == len(sample.trade)


def test_span_and_flags(sample):
    assert sample.is_sample
    assert sample.periods()[0] == pd.Period("2015-01", "M")
    assert sample.periods()[-1] == pd.Period("2025-09", "M")
    assert sample.combined_years == frozenset(range(2020, 2026))
    feb = sample.trade[sample.trade["period"] == pd.Period("2025-02", "M")]
    assert (feb["months"] == 2).all()
    assert not (sample.trade["period"] == pd.Period("2025-01", "M")).any()
    assert (sample.trade["period"] == pd.Period("2019-01", "M")).any()


@pytest.mark.parametrize("flow", ["export", "import"])
@pytest.mark.parametrize("currency", ["USD", "CNY"])
def test_partner_leaves_add_up_to_world(sample, flow, currency):
    world = sample.levels(flow, currency=currency)
    parts = sum(
        sample.levels(flow, leaf, "TOTAL", currency) for leaf in classifications.partner_leaves()
    )
    np.testing.assert_allclose(parts.dropna(), world.dropna(), rtol=1e-12)


@pytest.mark.parametrize("flow", ["export", "import"])
def test_product_children_add_up_to_parents(sample, flow):
    tree = classifications.product_tree(flow)
    for parent in tree.index:
        kids = classifications.children(flow, parent)
        if not kids:
            continue
        total = sample.levels(flow, "WORLD", parent)
        parts = sum(sample.levels(flow, "WORLD", kid) for kid in kids)
        np.testing.assert_allclose(parts.dropna(), total.dropna(), rtol=1e-12, err_msg=parent)


def test_blocs_follow_dated_membership(sample):
    eu = sample.levels("export", "european_union")
    members_2019 = ["germany", "netherlands", "france", "italy", "eu_other", "united_kingdom"]
    eu28 = sum(sample.levels("export", m) for m in members_2019)
    eu27 = eu28 - sample.levels("export", "united_kingdom")
    assert eu[pd.Period("2019-12", "M")] == pytest.approx(eu28[pd.Period("2019-12", "M")])
    assert eu[pd.Period("2020-03", "M")] == pytest.approx(eu27[pd.Period("2020-03", "M")])
    rcep = sample.levels("export", "rcep")
    # RCEP entered into force in January 2022, whose figures are stored combined at February
    assert rcep.first_valid_index() == pd.Period("2022-02", "M")
    assert rcep[: pd.Period("2021-12", "M")].isna().all()


def test_cny_is_usd_times_the_monthly_rate(sample):
    usd = sample.levels("export")
    cny = sample.levels("export", currency="CNY")
    single_months = usd.index[usd.index.month != 2]  # a combined Jan-Feb mixes two rates
    rate = (cny / usd).reindex(single_months).dropna()
    assert rate.between(6.0, 7.5).all()
    exports_partner_rate = (
        (sample.levels("export", "japan", currency="CNY") / sample.levels("export", "japan"))
        .reindex(single_months)
        .dropna()
    )
    np.testing.assert_allclose(exports_partner_rate, rate, rtol=1e-12)


def test_shares_are_realistic(sample):
    # 2024 exports about USD 3.58tn; electromechanical ~59% of exports in September 2024
    total_2024 = sample.levels("export")["2024-01":"2024-12"].sum() / 1e9
    assert 3_500 < total_2024 < 3_650
    sep = pd.Period("2024-09", "M")
    share = (
        sample.levels("export", "WORLD", "electromechanical")[sep] / sample.levels("export")[sep]
    )
    assert share == pytest.approx(0.588)


def test_new_year_effect_moves_with_the_lunar_date():
    index = pd.period_range("2023-01", "2024-03", freq="M")
    effect = sample.new_year_effect(index, "export")
    # New Year: 22 Jan 2023 (January hit hardest) and 10 Feb 2024 (February hit hardest)
    assert effect[pd.Period("2023-01", "M")] < effect[pd.Period("2023-02", "M")]
    assert effect[pd.Period("2024-02", "M")] < effect[pd.Period("2024-01", "M")]


def test_generation_is_deterministic(tmp_path):
    sample.write(tmp_path)
    fresh = load_dataset(tmp_path).trade
    bundled = load_dataset().trade
    pd.testing.assert_frame_equal(fresh, bundled)
    for name in ("consensus.csv", "indicators.csv"):
        assert (tmp_path / name).read_text() == (sample.SAMPLE_DIR / name).read_text()

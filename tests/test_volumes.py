"""Aggregate volume and unit-value indices (helpers.volumes), checked by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers import classifications, volumes

# two periods (a year apart), three lines:
#   A: value 100 -> 120, quantity 10 -> 12  (volume +20%, unit value flat)
#   B: value  50 ->  40, quantity  5 ->  5  (volume flat, unit value -20%)
#   C: value  50 ->  60, quantity 25 -> 20  (volume -20%, unit value +50%)
LINES = pd.DataFrame({"v0": [100.0, 50.0, 50.0], "v1": [120.0, 40.0, 60.0],
                      "q0": [10.0, 5.0, 25.0], "q1": [12.0, 5.0, 20.0]},
                     index=["a", "b", "c"])  # fmt: skip


def test_fisher_by_hand():
    out = volumes.fisher(LINES)
    # Laspeyres: (100 x 1.2 + 50 x 1.0 + 50 x 0.8) / 200 = 210 / 200 = 1.05
    assert out["laspeyres"] == pytest.approx(5.0)
    # Paasche: 220 / (120 / 1.2 + 40 / 1.0 + 60 / 0.8) = 220 / 215 = 1.0232558
    assert out["paasche"] == pytest.approx(100 * (220 / 215 - 1))
    # Fisher: sqrt(1.05 x 1.0232558) = sqrt(1.0744186) = 1.0365416
    assert out["volume"] == pytest.approx(3.65416, abs=1e-4)
    # value 220 / 200 = 1.1; unit value 1.1 / 1.0365416 = 1.0612213 (factor reversal)
    assert out["value"] == pytest.approx(10.0)
    assert out["price"] == pytest.approx(6.12213, abs=1e-4)
    assert (1 + out["volume"] / 100) * (1 + out["price"] / 100) == pytest.approx(1.1)
    assert out["paasche"] < out["volume"] < out["laspeyres"]
    assert out["lines"] == 3


def test_fisher_leaves_out_unusable_lines():
    bad = pd.concat([LINES, pd.DataFrame({"v0": [10.0], "v1": [5.0], "q0": [0.0], "q1": [1.0]},
                                         index=["zero"])])  # fmt: skip
    assert volumes.fisher(bad)["volume"] == pytest.approx(volumes.fisher(LINES)["volume"])
    empty = volumes.fisher(LINES.iloc[0:0])
    assert math.isnan(empty["volume"])


def test_one_line_is_its_own_volume():
    # a single line: the index is the line's own quantity ratio (12 / 10)
    out = volumes.fisher(LINES.loc[["a"]])
    assert out["volume"] == pytest.approx(20.0) and out["price"] == pytest.approx(0.0)


def test_sample_lines_and_coverage(sample):
    lines = volumes.line_table(sample, "export", "2025-09")
    tree = classifications.product_tree("export")
    # nothing counted twice: no line is the parent of another used line
    assert not any(tree.at[c, "parent"] in lines.index for c in lines.index)
    result = volumes.aggregate(sample, "export", "2025-09")
    t = pd.Period("2025-09", "M")
    total = sample.folded("export", currency="USD")[t]
    assert result["coverage"] == pytest.approx(100 * lines["v1"].sum() / total)
    assert 0 < result["coverage"] < 100
    # each line's volume ratio is its quantity ratio: the index lies between the extremes
    ratios = 100 * (lines["q1"] / lines["q0"] - 1)
    assert ratios.min() < result["volume"] < ratios.max()
    table = volumes.volume_table(sample, "2025-09")
    assert list(table.index) == ["Exports", "Imports"]
    assert table.loc["Exports", "Volume y/y % (Fisher)"] == pytest.approx(result["volume"])


def test_commodities_in_physical_units(sample):
    table = volumes.commodity_table(sample, "2025-09")
    t = pd.Period("2025-09", "M")
    crude = sample.folded("import", "WORLD", "crude_oil", "USD", column="quantity")
    # tonnes / 1e6 = Mt; x 7.33 barrels a tonne / 30 days in September / 1e6 = mb/d
    assert table.at["crude_oil", "quantity_mt"] == pytest.approx(crude[t] / 1e6)
    assert table.at["crude_oil", "crude_mbd"] == pytest.approx(crude[t] * 7.33 / 30 / 1e6)
    growth = 100 * (crude[t] / crude[t - 12] - 1)
    assert table.at["crude_oil", "yoy_volume"] == pytest.approx(growth)
    assert "integrated_circuits" not in table.index  # counted in units, not tonnes
    # a combined Jan-Feb: both months' barrels over 31 + 28 days
    janfeb = volumes.commodity_table(sample, "2025-02")
    feb = pd.Period("2025-02", "M")
    both = sample.folded("import", "WORLD", "crude_oil", "USD", column="quantity")[feb]
    assert janfeb.at["crude_oil", "crude_mbd"] == pytest.approx(both * 7.33 / 59 / 1e6)

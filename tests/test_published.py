"""Every published September 2025 figure is reproduced from the sample by the metric library."""

import pandas as pd
import pytest

from helpers import reconcile
from helpers.paths import PUBLISHED_DIR, SHARED_DIR

SHARED_FILE = SHARED_DIR / "reference" / "release_2025-09_published.csv"


def _rows(path):
    return [pytest.param(row, id=f"{row.metric}-{row.flow}-{row.item}-{row.period}")
            for row in reconcile.read_published(path).itertuples(index=False)]  # fmt: skip


def _check(sample, row):
    computed = reconcile.compute_figure(
        sample, row.metric, row.flow, row.dimension, row.item, row.period
    )
    places = reconcile.decimals(row.value)
    assert round(computed, places) == pytest.approx(float(row.value), abs=1e-9), (
        f"{row.metric} {row.item} {row.period}: computed {computed:.4f}, published {row.value}"
    )


@pytest.mark.parametrize("row", _rows(PUBLISHED_DIR / "2025-09.csv"))
def test_project_published_file(sample, row):
    _check(sample, row)


@pytest.mark.skipif(not SHARED_FILE.exists(), reason="../shared reference file not present")
def test_shared_published_file_row_by_row(sample):
    published = reconcile.read_published(SHARED_FILE)
    assert len(published) >= 47
    failures = []
    for row in published.itertuples(index=False):
        computed = reconcile.compute_figure(
            sample, row.metric, row.flow, row.dimension, row.item, row.period
        )
        if round(computed, reconcile.decimals(row.value)) != pytest.approx(float(row.value)):
            failures.append(f"{row.metric} {row.item} {row.period}: {computed:.3f} vs {row.value}")
    assert not failures, failures


def test_project_file_carries_the_shared_figures():
    """The project's copy holds the same figures as the shared reference (when present)."""
    if not SHARED_FILE.exists():
        pytest.skip("../shared reference file not present")
    key = ["metric", "flow", "dimension", "item", "period", "value", "unit"]
    ours = reconcile.read_published(PUBLISHED_DIR / "2025-09.csv")[key]
    theirs = reconcile.read_published(SHARED_FILE)[key]
    pd.testing.assert_frame_equal(
        ours.sort_values(key).reset_index(drop=True), theirs.sort_values(key).reset_index(drop=True)
    )


def test_reconcile_flags_a_wrong_published_value(sample):
    published = pd.DataFrame(
        [["yoy", "export", "total", "total", "2025-09", "8.4", "pct"],
         ["yoy", "export", "total", "total", "2025-09", "8.3", "pct"]],
        columns=["metric", "flow", "dimension", "item", "period", "value", "unit"],
    )  # fmt: skip
    table = reconcile.reconcile(sample, published)
    assert table["matches"].tolist() == [False, True]
    assert table.loc[0, "difference"] == pytest.approx(-0.1, abs=1e-9)

"""Every published September 2025 figure is reproduced from the sample by the views' own code.

The computed side is helpers.views.all_figures, the functions the notebooks call: a regression
in a view shows up here.
"""

import pandas as pd
import pytest

from helpers import reconcile
from helpers.paths import PUBLISHED_DIR, SHARED_DIR

SHARED_FILE = SHARED_DIR / "reference" / "release_2025-09_published.csv"
PROJECT_FILE = PUBLISHED_DIR / "2025-09.csv"


@pytest.fixture(scope="module")
def project_reconciliation(sample):
    return reconcile.reconcile(sample, reconcile.read_published(PROJECT_FILE))


def _ids():
    return [f"{r.metric}-{r.flow}-{r.item}-{r.period}"
            for r in reconcile.read_published(PROJECT_FILE).itertuples()]  # fmt: skip


@pytest.mark.parametrize("position", range(len(_ids())), ids=_ids())
def test_project_published_file(project_reconciliation, position):
    row = project_reconciliation.iloc[position]
    assert row["matches"], (
        f"{row['metric']} {row['item']} {row['period']}: computed {row['computed']:.4f}, "
        f"published {row['published']}"
    )


@pytest.mark.skipif(not SHARED_FILE.exists(), reason="../shared reference file not present")
def test_shared_published_file_row_by_row(sample):
    published = reconcile.read_published(SHARED_FILE)
    assert len(published) >= 47
    table = reconcile.reconcile(sample, published)
    failures = table[~table["matches"]]
    assert failures.empty, failures[["metric", "item", "period", "computed", "published"]]


def test_project_file_carries_the_shared_figures():
    """The project's copy holds the same figures as the shared reference (when present)."""
    if not SHARED_FILE.exists():
        pytest.skip("../shared reference file not present")
    key = ["metric", "flow", "dimension", "item", "period", "value", "unit"]
    ours = reconcile.read_published(PROJECT_FILE)[key]
    theirs = reconcile.read_published(SHARED_FILE)[key]
    pd.testing.assert_frame_equal(
        ours.sort_values(key).reset_index(drop=True), theirs.sort_values(key).reset_index(drop=True)
    )


def test_reconcile_flags_a_wrong_published_value(sample):
    published = pd.DataFrame(
        [["yoy", "export", "total", "total", "2025-09", "8.4", "pct"],
         ["yoy", "export", "total", "total", "2025-09", "8.3", "pct"],
         ["yoy", "export", "product", "no_such_line", "2025-09", "1.0", "pct"]],
        columns=["metric", "flow", "dimension", "item", "period", "value", "unit"],
    )  # fmt: skip
    table = reconcile.reconcile(sample, published)
    assert table["matches"].tolist() == [False, True, False]
    assert table.loc[0, "difference"] == pytest.approx(-0.1, abs=0.05)
    assert "no_such_line 2025-09 (not computed)" in reconcile.reconciliation_note(table)


def test_compare_marks_each_published_figure():
    published = pd.DataFrame(
        [["yoy", "export", "total", "total", "2025-09", "8.3", "pct"],
         ["yoy", "export", "total", "total", "2025-08", "4.4", "pct"],
         ["balance", "trade", "total", "total", "2025-09", "90", "usd_bn"],
         ["yoy", "export", "partner", "asean", "2025-09", "15.6", "pct"]],
        columns=["metric", "flow", "dimension", "item", "period", "value", "unit"],
    )  # fmt: skip
    # 8.25 rounds half-up to the printed 8.3; 4.34 prints as 4.3, not 4.4; 90.49 prints as 90
    computed = pd.DataFrame(
        [["yoy", "export", "total", "total", "2025-09", 8.25],
         ["yoy", "export", "total", "total", "2025-08", 4.34],
         ["balance", "trade", "total", "total", "2025-09", 90.49]],
        columns=[*reconcile.KEY, "value"],
    )  # fmt: skip
    table = reconcile.compare(computed, published, complete=False)
    assert table["status"].tolist() == ["matches", "differs", "matches", "not checked"]
    assert table["decimals"].tolist() == [1, 1, 0, 1]
    assert table.loc[1, "difference"] == pytest.approx(-0.06)
    note = reconcile.reconciliation_note(table, markdown=False, unchecked="are elsewhere")
    assert note == ("1 of 3 figures differ beyond print precision: yoy total 2025-08; the other "
                    "1 are elsewhere.")
    full = reconcile.compare(computed, published, complete=True)
    assert full.loc[3, "status"] == "not computed" and not full.loc[3, "matches"]
    ok = reconcile.compare(computed.iloc[[0, 2]], published.iloc[[0, 2]], complete=True)
    assert reconcile.reconciliation_note(ok) == (
        "All 2 published figures are reproduced to their printed precision.")

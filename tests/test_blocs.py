"""EU y/y on one membership: 2020 EU27 is never compared with a 2019 EU28 row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.blocs import bloc_levels, bloc_yoy
from helpers.data import Dataset, load_dataset


def store_rows(rows, printed=None) -> Dataset:
    """A Dataset of (period, partner, value USD bn) export rows, as a GAC store would hold."""
    frame = pd.DataFrame(rows, columns=["period", "partner", "value"])
    trade = frame.assign(
        period=pd.PeriodIndex(frame["period"], freq="M"), months=1, flow="export",
        product="TOTAL", value=frame["value"] * 1e9, currency="USD", quantity=np.nan,
        quantity_unit=None, measure="level", source="gac:test", vintage="2020-04-14",
    )  # fmt: skip
    return Dataset(trade, location=None, printed_ytd=printed)


# March 2019: the stored EU row is EU28 (100.0, UK 13.83 inside); March 2020: EU27 69.8.
# Naive: 69.8 / 100.0 - 1 = -30.2%; on today's membership: 69.8 / (100.0 - 13.83) - 1 = -19.0%
ROWS = [("2019-03", "european_union", 100.0), ("2019-03", "united_kingdom", 13.83),
        ("2020-03", "european_union", 69.8), ("2020-03", "united_kingdom", 10.0),
        ("2019-03", "germany", 30.0), ("2020-03", "germany", 25.0)]  # fmt: skip


def test_eu27_against_eu27_with_the_uk_held():
    ds = store_rows(ROWS)
    result = bloc_yoy(ds, "export", "european_union", "2020-03")
    assert result.value == pytest.approx((69.8 / 86.17 - 1) * 100)
    assert round(result.value, 1) == -19.0
    assert "less the members that have left" in result.basis
    levels, how = bloc_levels(ds, "export", "european_union", "USD", "2020-03")
    assert levels[pd.Period("2019-03", "M")] == pytest.approx(86.17e9)
    # the view's partner series is on the same basis
    assert ds.partner_levels("export", "european_union", "USD", as_of=pd.Period("2020-03", "M"))[
        pd.Period("2019-03", "M")] == pytest.approx(86.17e9)


def test_without_the_uk_gacs_printed_yoy_is_used_or_nothing():
    rows = [r for r in ROWS if r[1] != "united_kingdom"]
    result = bloc_yoy(store_rows(rows), "export", "european_union", "2020-03")
    assert np.isnan(result.value) and "another membership" in result.basis
    printed = pd.DataFrame({
        "period": pd.PeriodIndex(["2020-03"], freq="M"), "flow": "export",
        "partner": "european_union", "product": "TOTAL", "currency": "USD", "value": -10.4,
    })  # fmt: skip
    result = bloc_yoy(store_rows(rows, printed), "export", "european_union", "2020-03")
    assert result.value == -10.4 and "printed year-to-date y/y" in result.basis


def test_same_membership_uses_the_stored_row():
    rows = [("2021-03", "european_union", 80.0), ("2022-03", "european_union", 88.0)]
    result = bloc_yoy(store_rows(rows), "export", "european_union", "2022-03")
    assert result.value == pytest.approx(10.0) and "as stored" in result.basis


def test_sample_rebuilds_the_bloc_from_its_members():
    ds = load_dataset()
    result = bloc_yoy(ds, "export", "european_union", "2025-09")
    assert "rebuilt from its members" in result.basis
    members = ["germany", "netherlands", "france", "italy", "eu_other"]
    now = sum(ds.levels("export", m)[pd.Period("2025-09", "M")] for m in members)
    before = sum(ds.levels("export", m)[pd.Period("2024-09", "M")] for m in members)
    assert result.value == pytest.approx((now / before - 1) * 100)

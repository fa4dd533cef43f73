"""Reports say where the month's data come from and as of when (not the kit's name)."""

import pandas as pd

from helpers.data import Dataset


def _dataset(rows):
    frame = pd.DataFrame(rows, columns=["period", "source", "vintage"])
    frame["period"] = pd.PeriodIndex(frame["period"], freq="M")
    return Dataset(frame.assign(months=1), location="store")


def test_gac_pages_name_the_release_and_its_latest_vintage():
    ds = _dataset([("2026-06", "gac:a.html", "2026-07-15"), ("2025-06", "gac:b.html", "2025-07-14"),
                   ("2026-05", "gac:c.html", "2026-06-09")])  # fmt: skip
    assert ds.source_line("2026-06") == "Source: GAC preliminary release, 2026-07-15."
    assert ds.source_line("2026-05") == "Source: GAC preliminary release, 2026-06-09."


def test_mixed_sources_are_listed_each_with_its_vintage():
    ds = _dataset([("2026-06", "gac:a.html", "2026-07-15"),
                   ("2026-06", "series:ceic_exports", "2026-07-20"),
                   ("2026-06", "comtrade", "2026-08-01")])  # fmt: skip
    assert ds.source_line("2026-06") == (
        "Source: UN Comtrade, 2026-08-01; GAC preliminary release, 2026-07-15; "
        "Imported series (ceic_exports), 2026-07-20."
    )


def test_the_sample_says_it_is_the_sample():
    ds = _dataset([("2025-09", "sample", "2025-10-13")])
    assert ds.source_line("2025-09") == "Illustrative sample data, not official statistics."

"""A store with a short history: the bundled sample cut to `first`..`last`, imported as a store.

The sample's history starts in 2015-01, so the default store (2015-01 to 2020-03) holds 62
months of exports (January-February 2020 combined): enough for seasonal adjustment, base
effects and a SARIMAX forecast, too few for the outlook's backtest. Like a tidy import of one's
own series it carries no leading indicators and no consensus.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.ingest import importer
from helpers.paths import SAMPLE_DIR

__all__ = ["write_short_store"]


def write_short_store(folder, first: str = "2015-01", last: str = "2020-03") -> Path:
    """Import the sample's trade rows from `first` to `last` (YYYY-MM, inclusive) into a new
    store `<folder>/store`; returns the store's path (pass it as `data`/`--data`)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    trade = pd.read_parquet(SAMPLE_DIR / "trade.parquet")
    months = pd.PeriodIndex(trade["period"].astype(str), freq="M")
    cut = trade[(months >= pd.Period(first, "M")) & (months <= pd.Period(last, "M"))]
    if cut.empty:
        raise ValueError(f"the sample holds no months from {first} to {last}")
    source = folder / f"sample_{first}_{last}.parquet"
    cut.to_parquet(source, index=False)
    store = folder / "store"
    if importer.main(["tidy", str(source), "--store", str(store)]) != 0:
        raise RuntimeError(f"importing {source} into {store} failed")
    return store

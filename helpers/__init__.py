"""China Trade Kit helpers: data model, classifications, metrics and views behind the notebooks.

The few names an analyst types in a notebook cell::

    import helpers
    ds = helpers.load_dataset()                       # or load_dataset("data/store")
    vn = ds.folded("export", partner="vietnam")       # monthly exports to Vietnam (USD)
    helpers.yoy(vn).tail()                            # y/y in %
    helpers.contributions(parts, ds.folded("export")) # contributions in pp (+ an "other" line)

The modules behind them: helpers.data, helpers.metrics; the views in helpers.views.
"""

from helpers.data import Dataset, load_dataset
from helpers.metrics import contribution, contributions, price_volume, share, yoy, ytd_growth

__version__ = "0.1.0"
__all__ = [
    "Dataset",
    "contribution",
    "contributions",
    "load_dataset",
    "price_volume",
    "share",
    "ytd_growth",
    "yoy",
]

"""China Trade Kit helpers: data model, classifications, metrics and views behind the notebooks."""

__version__ = "0.1.0"

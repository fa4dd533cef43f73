"""The contract between the runner and the view notebooks, in one place.

Views and their notebooks, the parameters every notebook takes and how they are checked, the
figures file each view writes, and the sample-data label. The runner (helpers.report.runner)
and the notebooks' start-up (helpers.notebook) both read it.
"""

from __future__ import annotations

import re

import pandas as pd

from helpers.figures import FIGURE_COLUMNS
from helpers.schema import CURRENCIES, TradeKitError

__all__ = [
    "BOTH",
    "CURRENCIES",
    "FIGURE_COLUMNS",
    "SAMPLE_FLAG",
    "SAMPLE_LABEL",
    "VIEWS",
    "ParameterError",
    "check_currency",
    "check_history_months",
    "check_period",
    "figures_file",
]

VIEWS = ("headline", "product", "regional", "imports", "outlook")
SAMPLE_LABEL = "Illustrative sample data, not official statistics"
SAMPLE_FLAG = "sample_flag"  # file a view writes into output_dir when it rests on sample data
_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


class ParameterError(TradeKitError, ValueError):
    """A report or notebook parameter is malformed or does not fit the data."""


def check_period(period) -> pd.Period:
    """A 'YYYY-MM' string (or monthly Period) as a monthly Period, else ParameterError."""
    text = str(period).strip()
    if not _PERIOD.fullmatch(text):
        raise ParameterError(f"invalid period {str(period)!r}: write it as YYYY-MM, e.g. 2025-09")
    return pd.Period(text, freq="M")


BOTH = "BOTH"  # --currency both: USD figures, with USD and CNY growth side by side


def check_currency(currency, allow_both: bool = False) -> str:
    """The currency code in upper case ('BOTH' when allowed), else ParameterError."""
    code = str(currency).strip().upper()
    choices = (*CURRENCIES, BOTH) if allow_both else CURRENCIES
    if code not in choices:
        names = ", ".join(c.lower() if c == BOTH else c for c in choices)
        raise ParameterError(f"invalid currency {currency!r}: choose from {names}")
    return code


NOTE_CHARTS = "charts"  # folder in output_dir where views leave the flash note's charts


def figures_file(view: str) -> str:
    """Name of the figures file a view writes into output_dir (full precision)."""
    return f"figures_{view}.csv"


def check_history_months(months) -> int:
    """Months of history the time-series charts show (12 to 240), else ParameterError."""
    try:
        value = int(months)
    except (TypeError, ValueError):
        value = None
    if value is None or value != months or not 12 <= value <= 240:
        raise ParameterError(f"invalid history_months {months!r}: give a whole number of months "
                             "from 12 to 240 (default 36)")  # fmt: skip
    return value

"""Path constants, so code works from any working directory, in a checkout or installed.

In a checkout the data and notebooks are the checkout's `data/` and `notebooks/`, and reports go
to `reports/`. An installed wheel carries copies of both in `helpers/_data/` (setup.py copies
them at build time) and writes reports to the user data folder that platformdirs gives:
`$XDG_DATA_HOME/china-trade-kit` or `~/.local/share/china-trade-kit` on Linux,
`~/Library/Application Support/china-trade-kit` on macOS, `%LOCALAPPDATA%\\china-trade-kit` on
Windows.
"""

from pathlib import Path

import platformdirs

__all__ = [
    "CLASSIFICATIONS_DIR",
    "DATA_DIR",
    "INSTALLED",
    "NOTEBOOKS_DIR",
    "PUBLISHED_DIR",
    "REPORTS_DIR",
    "ROOT",
    "SAMPLE_DIR",
    "SHARED_DIR",
    "USER_DATA_DIR",
    "user_data_dir",
]

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT = PACKAGE_DIR.parent
BUNDLED = PACKAGE_DIR / "_data"


def user_data_dir() -> Path:
    """Where an installed kit keeps reports and stores (the platform's user data folder)."""
    return Path(platformdirs.user_data_dir("china-trade-kit", appauthor=False))


# installed: no checkout around the package, but the copies made at build time
INSTALLED = not (CHECKOUT / "data" / "classifications").is_dir() and BUNDLED.is_dir()
ROOT = BUNDLED if INSTALLED else CHECKOUT
DATA_DIR = ROOT / "data"
CLASSIFICATIONS_DIR = DATA_DIR / "classifications"
SAMPLE_DIR = DATA_DIR / "sample"
PUBLISHED_DIR = DATA_DIR / "published"
NOTEBOOKS_DIR = ROOT / "notebooks"
USER_DATA_DIR = user_data_dir()
REPORTS_DIR = USER_DATA_DIR / "reports" if INSTALLED else ROOT / "reports"
SHARED_DIR = CHECKOUT.parent / "shared"

"""Path constants anchored at the project root, so code works from any working directory."""

from pathlib import Path

__all__ = [
    "CLASSIFICATIONS_DIR",
    "DATA_DIR",
    "NOTEBOOKS_DIR",
    "PUBLISHED_DIR",
    "REPORTS_DIR",
    "ROOT",
    "SAMPLE_DIR",
    "SHARED_DIR",
]

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
CLASSIFICATIONS_DIR = DATA_DIR / "classifications"
SAMPLE_DIR = DATA_DIR / "sample"
PUBLISHED_DIR = DATA_DIR / "published"
NOTEBOOKS_DIR = ROOT / "notebooks"
REPORTS_DIR = ROOT / "reports"
SHARED_DIR = ROOT.parent / "shared"

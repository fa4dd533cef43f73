"""Helpers shared by the GAC import tests: real pages from ../shared, the import command, store
hashes (a rejected import must leave the store byte-identical)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from helpers.ingest import importer
from helpers.paths import SHARED_DIR

REAL = SHARED_DIR / "fixtures" / "gac"


def real(name: str) -> Path:
    """A real GAC page from ../shared/fixtures/gac; the test skips when it is absent."""
    path = REAL / name
    if not path.exists():
        pytest.skip(f"real GAC page {path} not available")
    return path


def run(capsys, *argv) -> tuple[int, str]:
    """`python -m helpers import ...` in-process: exit code and everything it printed."""
    code = importer.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out + out.err


def tree_hash(path: Path) -> dict[str, str]:
    """sha256 of every file below `path`, by relative name."""
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}  # fmt: skip

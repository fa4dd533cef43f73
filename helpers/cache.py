"""A content-addressed cache for deterministic, costly results: X-13 runs and model fits.

An X-13 run is a pure function of its spec file (which holds the data) and of the binary, so its
output files can be kept under a key made of both and reused: on release day only the runs whose
data changed are made again (the New Year revision diagnostics re-adjust fixed past spans every
month). The backtest's SARIMAX blocks are cached the same way as arrays (`get_arrays`,
`put_arrays`), keyed on the data they saw and the code that fitted them. Entries are folders
written under a temporary name and renamed into place, so a reader never sees half an entry; a
damaged entry is ignored and replaced.

Where: ``$CTK_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/china-trade-kit`` (default
``~/.cache/china-trade-kit``). ``CTK_CACHE=off`` turns the cache off. Deleting the folder is
always safe. Written by hand rather than with a caching library because what is cached is a
folder of files made by another program, not a Python value.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["cache_dir", "discard", "enabled", "get_arrays", "key_of", "lookup", "put_arrays",
           "store"]


def cache_dir() -> Path:
    """The cache's root folder (not created here)."""
    explicit = os.environ.get("CTK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "china-trade-kit"


def enabled() -> bool:
    """False when the environment says CTK_CACHE=off (or 0/false/no)."""
    return os.environ.get("CTK_CACHE", "").strip().lower() not in {"off", "0", "false", "no"}


def key_of(*parts: str | bytes) -> str:
    """sha256 hex digest of the parts (each length-prefixed, so ("ab", "c") != ("a", "bc"))."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def _entry(kind: str, key: str) -> Path:
    return cache_dir() / kind / key[:2] / key


def lookup(kind: str, key: str) -> Path | None:
    """The folder of the entry for `key`, or None. An entry appears whole (it is renamed into
    place); a caller that finds it damaged calls `discard` and makes it again."""
    if not enabled():
        return None
    folder = _entry(kind, key)
    return folder if folder.is_dir() else None


def discard(kind: str, key: str) -> None:
    """Remove the entry for `key` (if any)."""
    shutil.rmtree(_entry(kind, key), ignore_errors=True)


def _publish(kind: str, key: str, write) -> Path | None:
    """Make the entry for `key` with `write(folder)` in a staging folder beside it, then rename
    it into place. Returns the entry, or None when the cache is off or cannot be written (a
    read-only home, a full disk): caching is an optimisation and never fails the caller."""
    if not enabled():
        return None
    target = _entry(kind, key)
    if target.is_dir():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{key[:12]}-", dir=target.parent))
        write(staging)
        try:
            staging.rename(target)
        except OSError:  # another process stored the same entry first
            shutil.rmtree(staging, ignore_errors=True)
    except OSError:
        return None
    return target if target.is_dir() else None


def store(kind: str, key: str, source: Path, names: tuple[str, ...]) -> Path | None:
    """Copy the files `names` (those that exist) from `source` into the entry for `key`."""

    def copy(folder: Path) -> None:
        for name in names:
            if (source / name).is_file():
                shutil.copy2(source / name, folder / name)

    return _publish(kind, key, copy)


def put_arrays(kind: str, key: str, arrays: dict[str, np.ndarray]) -> None:
    """Keep numeric arrays under `key` (one .npz file, no pickled objects)."""
    _publish(kind, key, lambda folder: np.savez(folder / "arrays.npz", **arrays))


def get_arrays(kind: str, key: str) -> dict[str, np.ndarray] | None:
    """The arrays kept under `key`, or None (a damaged entry is discarded)."""
    folder = lookup(kind, key)
    if folder is None:
        return None
    try:
        with np.load(folder / "arrays.npz", allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (OSError, ValueError, KeyError):
        discard(kind, key)
        return None

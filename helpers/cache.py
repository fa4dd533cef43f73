"""A content-addressed cache for deterministic, costly results: X-13 runs and model fits.

An X-13 run is a pure function of its spec file (which holds the data) and of the binary, so its
output files can be kept under a key made of both and reused: on release day only the runs whose
data changed are made again (the New Year revision diagnostics re-adjust fixed past spans every
month). The backtest's SARIMAX blocks are cached the same way as arrays (`get_arrays`,
`put_arrays`), keyed on the data they saw and the code that fitted them. Entries are folders
written under a temporary name and renamed into place, so a reader never sees half an entry; a
damaged entry is ignored and replaced.

Where: ``$CTK_CACHE_DIR`` if set, else the user cache folder platformdirs gives
(``$XDG_CACHE_HOME/china-trade-kit``, default ``~/.cache/china-trade-kit`` on Linux;
``~/Library/Caches/china-trade-kit`` on macOS; ``%LOCALAPPDATA%\\china-trade-kit\\Cache`` on
Windows). ``CTK_CACHE=off`` turns the cache off. Size cap: ``CTK_CACHE_MAX_MB`` (default 2000);
after each new entry the least recently used entries beyond the cap are removed. Deleting the
folder is always safe (``ctk cache clear``). Written by hand rather than with a caching library
because what is cached is a folder of files made by another program, not a Python value.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import platformdirs

__all__ = ["cache_dir", "clear", "discard", "enabled", "get_arrays", "key_of", "lookup",
           "max_bytes", "put_arrays", "store", "usage"]

DEFAULT_MAX_MB = 2000


def cache_dir() -> Path:
    """The cache's root folder (not created here)."""
    explicit = os.environ.get("CTK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return Path(platformdirs.user_cache_dir("china-trade-kit", appauthor=False))


def max_bytes() -> int:
    """The size cap in bytes: CTK_CACHE_MAX_MB (default 2000 MB; a bad value: the default)."""
    try:
        mb = float(os.environ.get("CTK_CACHE_MAX_MB", DEFAULT_MAX_MB))
    except ValueError:
        mb = DEFAULT_MAX_MB
    return int(max(mb, 0) * 1_000_000)


def _entries() -> list[tuple[float, int, Path]]:
    """(last used, bytes, folder) of every complete entry (staging folders left out)."""
    found = []
    root = cache_dir()
    if not root.is_dir():
        return found
    for folder in root.glob("*/*/*"):
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        try:
            files = [f.stat() for f in folder.iterdir() if f.is_file()]
            used = max([folder.stat().st_mtime, *(f.st_mtime for f in files)])
            found.append((used, sum(f.st_size for f in files), folder))
        except OSError:
            continue
    return found


_last_evict: float | None = None
EVICT_EVERY_S = 30.0  # a scan of the cache after every write would cost more than the writes


def _evict_now_and_then() -> None:
    """Keep the cache under its cap: on the first write, then at most every EVICT_EVERY_S."""
    global _last_evict
    now = time.monotonic()
    if _last_evict is None or now - _last_evict >= EVICT_EVERY_S:
        _last_evict = now
        evict()


def usage() -> tuple[int, int]:
    """(entries, bytes) held in the cache."""
    entries = _entries()
    return len(entries), sum(size for _, size, _ in entries)


def clear() -> tuple[int, int]:
    """Delete every entry; returns (entries removed, bytes freed)."""
    entries, size = usage()
    root = cache_dir()
    if root.is_dir():
        for child in root.iterdir():
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
    return entries, size


def evict(limit: int | None = None) -> int:
    """Remove the least recently used entries until the cache holds at most `limit` bytes
    (default: max_bytes()); returns the number removed."""
    limit = max_bytes() if limit is None else limit
    entries = sorted(_entries(), key=lambda e: e[0])
    total, removed = sum(size for _, size, _ in entries), 0
    for _, size, folder in entries:
        if total <= limit:
            break
        shutil.rmtree(folder, ignore_errors=True)
        total, removed = total - size, removed + 1
    return removed


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
    if not folder.is_dir():
        return None
    with contextlib.suppress(OSError):  # last used, for the size cap's eviction order
        os.utime(folder)
    return folder


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
        else:
            _evict_now_and_then()
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

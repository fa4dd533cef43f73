"""Exclusive locks on a folder (a report folder, a store) that work on Linux, macOS and Windows.

Through `filelock` (fcntl.flock on POSIX, msvcrt.locking on Windows), on a lock file kept
outside the folder (the system's temporary folder, one file per folder, named by the hash of
its resolved path) so that the folder holds only what the kit writes there. The operating system
releases the lock when its holder dies, even by kill -9, so nothing is ever stale.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from pathlib import Path

import filelock

__all__ = ["folder_lock", "lock_path"]


def lock_path(folder: Path) -> Path:
    """The lock file standing for `folder` (its folder is created here)."""
    key = hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:24]
    where = Path(tempfile.gettempdir()) / "china-trade-kit-locks"
    where.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # shared by every user of the machine
        where.chmod(0o1777)
    return where / f"{key}.lock"


@contextlib.contextmanager
def folder_lock(folder: Path, wait: bool = True, on_wait=None):
    """Hold an exclusive lock on `folder` meanwhile. Without `wait`, BlockingIOError when
    another process (or another lock in this one) holds it; with it, `on_wait()` is called once
    before blocking."""
    lock = filelock.FileLock(str(lock_path(folder)), mode=0o666, thread_local=False)
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        if not wait:
            raise BlockingIOError(f"{folder} is locked by another process") from None
        if on_wait is not None:
            on_wait()
        lock.acquire()
    try:
        yield
    finally:
        lock.release()

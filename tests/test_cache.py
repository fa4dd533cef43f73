"""The output cache of external programs (helpers.cache) and its use by the X-13 path."""

import hashlib
import os
import subprocess

import pandas as pd
import pytest
from test_seasonal import needs_x13, synthetic

from helpers import cache, seasonal


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    """A fresh cache folder for one test, with the cache on."""
    root = tmp_path / "cache"
    monkeypatch.setenv("CTK_CACHE_DIR", str(root))
    monkeypatch.delenv("CTK_CACHE", raising=False)
    return root


def test_key_is_sha256_of_length_prefixed_parts():
    expected = hashlib.sha256(
        (2).to_bytes(8, "little") + b"ab" + (1).to_bytes(8, "little") + b"c"
    ).hexdigest()
    assert cache.key_of("ab", "c") == expected
    assert cache.key_of("ab", "c") != cache.key_of("a", "bc")
    assert cache.key_of(b"ab", "c") == expected


def test_default_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("CTK_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "china-trade-kit"


def test_store_then_lookup_returns_the_files(cache_root, tmp_path):
    source = tmp_path / "run"
    source.mkdir()
    (source / "a.txt").write_text("1")
    (source / "noise.log").write_text("not kept")
    key = cache.key_of("spec")
    assert cache.lookup("x13", key) is None
    entry = cache.store("x13", key, source, ("a.txt", "b.txt"))  # b.txt was not written: skipped
    assert entry == cache.lookup("x13", key)
    assert sorted(p.name for p in entry.iterdir()) == ["a.txt"]
    assert entry.is_relative_to(cache_root)
    # nothing half-written is left beside the entry
    assert [p.name for p in entry.parent.iterdir()] == [key]
    cache.discard("x13", key)
    assert cache.lookup("x13", key) is None


def test_cache_off_stores_and_finds_nothing(cache_root, tmp_path, monkeypatch):
    monkeypatch.setenv("CTK_CACHE", "off")
    (tmp_path / "a.txt").write_text("1")
    assert cache.store("x13", "k" * 64, tmp_path, ("a.txt",)) is None
    assert cache.lookup("x13", "k" * 64) is None
    assert not cache_root.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_unwritable_cache_is_skipped_without_error(tmp_path, monkeypatch):
    root = tmp_path / "ro"
    root.mkdir()
    root.chmod(0o500)
    monkeypatch.setenv("CTK_CACHE_DIR", str(root))
    (tmp_path / "a.txt").write_text("1")
    assert cache.store("x13", "k" * 64, tmp_path, ("a.txt",)) is None


def test_unwritable_cache_folder_is_skipped_without_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("CTK_CACHE_DIR", str(blocker))
    (tmp_path / "a.txt").write_text("1")
    assert cache.store("x13", "k" * 64, tmp_path, ("a.txt",)) is None


@needs_x13
def test_second_x13_run_reads_the_cache(cache_root, monkeypatch):
    monkeypatch.delenv("CTK_DISABLE_X13", raising=False)
    levels, _ = synthetic(0)
    first = seasonal.seasonally_adjust(levels)
    assert first.method == "x13"
    assert len(list((cache_root / "x13").glob("*/*"))) == 1

    def no_run(*args, **kwargs):
        raise AssertionError("X-13 ran although its output was cached")

    monkeypatch.setattr(subprocess, "run", no_run)
    second = seasonal.seasonally_adjust(levels)
    assert second.method == "x13"
    pd.testing.assert_series_equal(second.adjusted, first.adjusted)
    pd.testing.assert_series_equal(second.holiday, first.holiday)
    pd.testing.assert_frame_equal(
        second.diagnostics["holiday"], first.diagnostics["holiday"]
    )
    # other data: another key, so X-13 must run (and here cannot)
    with pytest.raises(AssertionError, match="X-13 ran"):
        seasonal._run_x13(levels * 1.01, 20, 15, [], seasonal.AIRLINE)


@needs_x13
def test_damaged_entry_is_replaced(cache_root, monkeypatch):
    monkeypatch.delenv("CTK_DISABLE_X13", raising=False)
    levels, _ = synthetic(1)
    first = seasonal.seasonally_adjust(levels)
    (entry,) = (cache_root / "x13").glob("*/*")
    (entry / "ctk.d11").write_text("")  # truncated by a crash or a full disk
    again = seasonal.seasonally_adjust(levels)
    assert again.method == "x13"
    pd.testing.assert_series_equal(again.adjusted, first.adjusted)
    assert (entry / "ctk.d11").stat().st_size > 0


@needs_x13
def test_failed_runs_are_not_cached(cache_root, monkeypatch):
    levels, _ = synthetic(0)
    short = levels.iloc[:20]  # X-13 refuses fewer than three years
    with pytest.raises(RuntimeError, match="X-13 failed"):
        seasonal._run_x13(short, 20, 15, [], seasonal.AIRLINE)
    assert not list(cache_root.glob("x13/*/*"))


# --------------------------------------------------------------------------------------------
# SARIMAX blocks of the backtest


def counted_fits(monkeypatch):
    """Count the SARIMAX estimations the backtest makes (the cache's whole point)."""
    from helpers import forecast

    calls = []
    real = forecast._sarimax_fit

    def fit(*args, **kwargs):
        calls.append(args[2])  # the block's first origin
        return real(*args, **kwargs)

    monkeypatch.setattr(forecast, "_sarimax_fit", fit)
    return calls


def test_backtest_reuses_cached_blocks(cache_root, monkeypatch):
    from test_forecast import leading_case

    from helpers import forecast

    levels, indicators = leading_case(2)
    run = dict(indicators=indicators, models=("sarimax", "sarimax_x"), start="2019-01",
               horizons=(1, 3))  # fmt: skip
    calls = counted_fits(monkeypatch)
    first = forecast.backtest_forecasts(levels, **run)
    fitted = len(calls)
    assert fitted >= 4  # two models, two or more blocks of 12 origins each
    again = forecast.backtest_forecasts(levels, **run)
    assert len(calls) == fitted  # nothing estimated a second time
    pd.testing.assert_frame_equal(again, first, check_exact=True)
    # another version of the code behind the fits: everything is estimated again
    monkeypatch.setattr(forecast, "_code_digest", lambda: "other code")
    forecast.backtest_forecasts(levels, **run)
    assert len(calls) == 2 * fitted


def test_next_month_refits_only_its_last_block(cache_root, monkeypatch):
    from test_forecast import leading_case

    from helpers import forecast

    levels, _ = leading_case(3)
    calls = counted_fits(monkeypatch)
    last_month = forecast.backtest_forecasts(levels.iloc[:-1], models=("sarimax",),
                                             start="2019-01", horizons=(1,))  # fmt: skip
    before = len(calls)
    this_month = forecast.backtest_forecasts(levels, models=("sarimax",), start="2019-01",
                                             horizons=(1,))  # fmt: skip
    assert len(calls) == before + 1  # one block holds the new origin; the others are reused
    with monkeypatch.context() as m:
        m.setenv("CTK_CACHE", "off")
        fresh = forecast.backtest_forecasts(levels, models=("sarimax",), start="2019-01",
                                            horizons=(1,))  # fmt: skip
    pd.testing.assert_frame_equal(this_month, fresh, check_exact=True)
    assert len(this_month) == len(last_month) + 1 * 3  # one more target, three models


def _entry_of(kind: str, name: str, size: int, tmp_path, when: float):
    """Store one entry of `size` bytes and date its last use at `when` (seconds since epoch)."""
    source = tmp_path / f"src-{name}"
    source.mkdir()
    (source / "blob").write_bytes(b"x" * size)
    entry = cache.store(kind, cache.key_of(name), source, ("blob",))
    for path in (entry / "blob", entry):
        os.utime(path, (when, when))
    return entry


def test_size_cap_evicts_least_recently_used_first(cache_root, tmp_path, monkeypatch):
    monkeypatch.setenv("CTK_CACHE_MAX_MB", "0.0025")  # 2,500 bytes
    monkeypatch.setattr(cache, "_last_evict", 0.0)  # no eviction by store() until asked
    monkeypatch.setattr(cache, "EVICT_EVERY_S", 1e9)
    old = _entry_of("x13", "old", 1000, tmp_path, 1_000)
    used = _entry_of("x13", "used", 1000, tmp_path, 2_000)
    new = _entry_of("sarimax", "new", 1000, tmp_path, 3_000)
    assert cache.usage() == (3, 3000)
    cache.lookup("x13", cache.key_of("old"))  # a lookup counts as a use: now the newest
    assert cache.evict() == 1  # 3,000 > 2,500: one entry of 1,000 goes, the least recent
    assert old.is_dir() and not used.is_dir() and new.is_dir()
    assert cache.usage() == (2, 2000)


def test_store_keeps_the_cache_under_its_cap(cache_root, tmp_path, monkeypatch):
    monkeypatch.setenv("CTK_CACHE_MAX_MB", "0.0015")  # 1,500 bytes: room for one entry
    monkeypatch.setattr(cache, "_last_evict", None)
    _entry_of("x13", "first", 1000, tmp_path, 1_000)
    monkeypatch.setattr(cache, "_last_evict", None)  # the next write scans again
    _entry_of("x13", "second", 1000, tmp_path, 2_000)
    assert cache.usage() == (1, 1000)
    assert cache.lookup("x13", cache.key_of("second")) is not None


def test_bad_cap_falls_back_to_the_default(monkeypatch):
    monkeypatch.setenv("CTK_CACHE_MAX_MB", "lots")
    assert cache.max_bytes() == cache.DEFAULT_MAX_MB * 1_000_000


def test_ctk_cache_clear_and_info(cache_root, tmp_path, monkeypatch, capsys):
    from helpers.__main__ import main

    _entry_of("x13", "a", 400, tmp_path, 1_000)
    _entry_of("sarimax", "b", 600, tmp_path, 1_000)
    assert main(["cache"]) == 0
    assert f"cache {cache_root}: 2 entries, 0.0 MB" in capsys.readouterr().out
    assert main(["cache", "clear"]) == 0
    assert "cache cleared: 2 entries" in capsys.readouterr().out
    assert cache.usage() == (0, 0) and cache_root.is_dir() and not any(cache_root.iterdir())
    assert main(["cache", "wipe"]) == 2  # not an action: a usage error

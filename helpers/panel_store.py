"""Where a store keeps its HS-level panel, and the one way the kit opens DuckDB.

Shared by the side that writes the panel (helpers.ingest.panel) and the side that queries it
(helpers.panel), so that neither imports the other: the analysis modules stay clear of
helpers.ingest (the rule in helpers/ingest/__init__.py) while both agree on the folder and on
the connection's limits. Imports nothing of the kit.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # duckdb loads on first use: views that never query the panel skip it
    import duckdb

__all__ = ["PANEL_DIR", "connect"]

PANEL_DIR = "panel"  # <store>/panel/flow=<flow>/year=<year>/data.parquet


def connect(threads: int = 2, memory_limit: str = "1GB", temp_dir: str | Path | None = None,
            database: str = ":memory:") -> duckdb.DuckDBPyConnection:  # fmt: skip
    """A DuckDB connection with bounded threads and memory (spills to `temp_dir`).

    The default spill folder is in the system's temporary directory, never the working folder.
    """
    import duckdb

    con = duckdb.connect(database)
    con.execute(f"SET threads = {int(threads)}")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    spill = Path(temp_dir) if temp_dir else Path(tempfile.gettempdir()) / "china_trade_kit_duckdb"
    con.execute(f"SET temp_directory = '{spill.as_posix()}'")
    return con

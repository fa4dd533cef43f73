"""The data-in side: readers of source files (GAC pages, wide series, Comtrade), the import
store and the `python -m helpers import` and `fetch` commands.

The rule: analysis modules (helpers/*.py under the commands) never import from here except
helpers.data, the one reader of a store (load_dataset, store_vintages, market_inputs). What
both sides need sits below both: the HS panel's folder and DuckDB connection in
helpers.panel_store (the writer here, helpers.ingest.panel, and the query side, helpers.panel,
each import it), the canonical columns and TradeKitError in helpers.schema. The commands on top
(helpers.__main__, helpers.backtest_command, helpers.report) may import from here, as they
import everything else."""

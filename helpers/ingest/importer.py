"""`python -m helpers import KIND FILE... --store DIR`: read source files into the import store.

Kinds: gac (saved GAC pages: preliminary release sections (1), (4), (5), (6) and the Monthly
Bulletin's table (2) by country; levels and GAC's printed rates, see helpers.ingest.readers.gac),
series (wide CSV/XLSX exports with --mapping), comtrade (Comtrade downloads, or --live
--api-key KEY --period YYYY-MM to pull through comtradeapicall; streamed by DuckDB, kit products
to the store and every HS x partner row to the HS-level panel <store>/panel/, see
helpers.ingest.panel), tidy (CSV/Parquet already in the canonical columns), consensus and
indicators (CSV formats in helpers.ingest.side_tables, stored with their as_of
vintages). Each file is validated and stored on its own; a rejected file leaves the store
unchanged. Prints one report per file; exits 1 if any file was rejected, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from helpers import cli
from helpers.ingest import store as store_mod
from helpers.schema import DataValidationError, Problem, TradeKitError

KINDS = ("gac", "series", "comtrade", "tidy", "consensus", "indicators")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m helpers import",
        description="Import source files into a trade store (a directory of Parquet data).",
        epilog="Example: python -m helpers import gac release/*.html --store data/store",
    )
    p.add_argument("kind", choices=KINDS, help="what the files are")
    p.add_argument("files", nargs="*", type=Path, help="files to import (read only)")
    p.add_argument("--store", required=True, type=Path, help="store directory (created if new)")
    p.add_argument("--mapping", type=Path, help="series: YAML/CSV mapping of columns to series")
    p.add_argument("--vintage", help="as-of date for rows that carry none (default: today; "
                                     "GAC pages use their release date)")
    p.add_argument("--source", help="series: source name, e.g. ceic (rows get series:NAME)")
    p.add_argument("--no-derive", action="store_true",
                   help="gac: do not derive missing single months from YTD values")
    live = p.add_argument_group("comtrade live pull (network; needs comtradeapicall)")
    live.add_argument("--live", action="store_true", help="pull from the Comtrade API")
    live.add_argument("--api-key", help="Comtrade API subscription key")
    live.add_argument("--period", action="append", default=[],
                      help="month(s) to pull, YYYY-MM (repeat or comma-separate)")
    live.add_argument("--cmd-codes", default="TOTAL",
                      help="Comtrade cmdCode list (default TOTAL), e.g. TOTAL,84,85,8542")
    live.add_argument("--partners", default=None,
                      help="Comtrade partner codes (default: all, needed for blocs)")
    return p


def _read_tidy(path: Path, vintage: str) -> pd.DataFrame:
    from helpers.schema import check_columns, read_canonical_csv

    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.suffix.lower() == ".parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as error:  # pyarrow raises several types for a damaged file
            raise DataValidationError([Problem(str(path), None, None,
                                               f"not a readable Parquet file ({error})")]) from None
        check_columns(frame.columns, str(path), optional=("source", "vintage"))
        frame["period"] = frame["period"].astype(str)
        frame["_line"] = range(2, len(frame) + 2)  # row n of the table is reported as line n+1
    else:
        frame = read_canonical_csv(path, optional=("source", "vintage"))
    if "vintage" not in frame:
        frame["vintage"] = vintage
    if "source" not in frame:
        frame["source"] = f"tidy:{path.name}"
    return frame


def _shipped(path: Path) -> bool:
    """True when a series file has a layout the kit ships a mapping for (AKShare/Eastmoney)."""
    from helpers.ingest.readers.series import shipped_mapping

    return shipped_mapping(path) is not None


def _import_file(kind: str, path: Path, args, store, vintage: str):
    """Read one file and ingest it; returns the ImportReport."""
    ytd, notes, derive = None, [], False
    if kind in ("consensus", "indicators"):
        from helpers.ingest.side_tables import import_side_table

        return import_side_table(kind, path, store.path)
    if kind == "gac":
        from helpers.ingest.readers.gac import read_gac_tables, store_rows

        table = read_gac_tables(path, header_conflict="defer")
        header_note = _settle_header(table, store)
        cross_notes = _cross_check(table, store)
        frame, ytd = store_rows(table)  # levels and printed rates (readers.gac docstring)
        ytd = ytd if len(ytd) else None
        derive = not args.no_derive
        if args.vintage:
            frame = frame.assign(vintage=args.vintage)
            ytd = ytd.assign(vintage=args.vintage) if ytd is not None else None
        notes = [header_note] * bool(header_note) + cross_notes + _gac_notes(
            table, frame, ytd, store)
    elif kind == "series":
        from helpers.ingest.readers.series import overlap_report, read_series, shipped_mapping

        mapping = args.mapping or shipped_mapping(path)
        frame = read_series(path, mapping, vintage=args.vintage, source=args.source)
        held = (store.path / "store.parquet").exists()
        notes = overlap_report(frame, store_mod.load(store) if held else None)
    elif kind == "comtrade":
        return import_comtrade(store, vintage, path=path)
    else:
        frame = _read_tidy(path, vintage)
    notes = list(frame.attrs.get("notes", [])) + notes
    return store_mod.ingest(store, frame, str(path), ytd=ytd, derive=derive, notes=notes)


def _gac_notes(table, frame, ytd, store) -> list[str]:
    """Lines read but not stored, cells printed '############' (Monthly Bulletin), and values
    a Monthly Bulletin page replaces (or that a bulletin already held outranks)."""
    from helpers.ingest import gac_checks
    from helpers.ingest.readers import gac_bulletin
    from helpers.ingest.readers.gac import PARTNER_SECTIONS

    notes = []
    if table.meta.get("bulletin"):
        notes += [gac_bulletin.overflow_note(table), gac_bulletin.unmapped_note(table)]
    elif table.unmapped:
        labels = "; ".join(f"'{u.label}' (row {u.row})" for u in table.unmapped)
        notes.append(f"{len(table.unmapped)} commodity line(s) have no kit product and were "
                     f"not stored: {labels}")
    if table.meta.get("section") in PARTNER_SECTIONS:  # the bulletin has partner rows only
        held = pd.concat([store_mod.load(store, table=name).assign(table=name)
                          for name in ("month", "ytd")], ignore_index=True)
        notes += gac_checks.bulletin_overlap(frame, ytd, held, bool(table.meta.get("bulletin")))
    return [note for note in notes if note]


def _settle_header(table, store) -> str:
    """'' for a normal page; a warning for a page whose header month is wrong but whose figures
    are the title's; raises GacLayoutError when they are not (helpers.ingest.gac_checks)."""
    if not table.meta.get("header_conflict"):
        return ""
    from helpers.ingest.gac_checks import settle_header_conflict
    from helpers.ingest.readers.gac import GacLayoutError

    verdict = settle_header_conflict(table, store_mod.load(store, table="ytd"))
    if not verdict.accept:
        raise GacLayoutError(table.meta["file"], verdict.message)
    return verdict.message


def _cross_check(table, store) -> list[str]:
    """Section (1) against section (4)'s Total row (helpers.ingest.gac_checks); a section (1)
    value already held from section (4) within rounding is dropped (section (4) is finer)."""
    if table.meta.get("section") not in ("total_values", "by_country"):
        return []
    from helpers.ingest.gac_checks import cross_check_totals

    history = pd.concat([store_mod.load(store, latest=False, table=name).assign(table=name)
                         for name in ("month", "ytd")], ignore_index=True)
    messages, agreed = cross_check_totals(table, history)
    if len(agreed):
        key = ["period", "flow", "currency"]
        for name in ("month", "ytd"):
            frame = getattr(table, name)
            held = agreed[agreed["table"] == name][key].assign(_held=True)
            kept = frame.merge(held, on=key, how="left")
            setattr(table, name, frame[kept["_held"].isna().to_numpy()].reset_index(drop=True))
        messages.append(f"{len(agreed)} section (1) value(s) equal section (4)'s within rounding "
                        "and were not stored again (section (4) prints more digits)")
    return messages


def import_comtrade(store, vintage: str, path: Path | None = None, raw=None, name: str = ""):
    """Stream a Comtrade file (or the live API's table) into the HS panel and the store.

    The kit products go to the store first (validated there); the panel partitions are
    written only when the store accepted the import, so a rejected file changes neither.
    """
    from helpers.ingest import panel
    from helpers.ingest.readers.comtrade import kit_rows as comtrade_kit_rows
    from helpers.progress import Progress

    name = name or str(path)
    # minutes at tens of millions of rows: a bar on a terminal, a line per step otherwise
    with Progress(4, f"import comtrade {Path(name).name if path else 'API'}") as progress, \
            panel.staging(store.path) as con:  # fmt: skip
        if path is not None:
            rows, notes = panel.stage_file(con, path)
        else:
            rows, notes = panel.stage_frame(con, raw, name)
        progress.step(f"read and checked {rows:,} rows (DuckDB)")
        frame = comtrade_kit_rows(panel.kit_rows(con), vintage, "comtrade", notes)
        progress.step(f"summed {len(frame):,} kit-product rows")
        report = store_mod.ingest(store, frame, name, notes=frame.attrs.get("notes"))
        progress.step("store updated" if report.ok else "store rejected the rows")
        report.notes.append(str(panel.commit(con, store.path, vintage)))
        progress.step("HS panel written")
    return report


def _rejected(name: str, error: Exception) -> store_mod.ImportReport:
    if isinstance(error, store_mod.ImportRejected | store_mod.StoreWriteError):
        return error.report
    report = store_mod.ImportReport(source=name)
    if isinstance(error, DataValidationError):
        report.reasons = [str(p) for p in error.problems]
    elif isinstance(error, UnicodeDecodeError):
        report.reasons = [f"byte offset {error.start}: not valid {error.encoding}"]
    else:
        report.reasons = [f"{type(error).__name__}: {error}"]
    return report


def main(argv: list[str] | None = None) -> int:
    """Run the import command; returns the exit status."""
    parser = _parser()
    args, code = cli.parse_args(parser, argv, "import")
    if args is None:
        return code
    if args.kind == "series" and args.mapping is None and not all(
            _shipped(path) for path in args.files):  # fmt: skip
        parser.print_usage(sys.stderr)
        print("error: series files need --mapping FILE", file=sys.stderr)
        return 2
    if args.live and (args.kind != "comtrade" or not args.api_key or not args.period):
        print("error: --live works with 'comtrade' and needs --api-key KEY and --period YYYY-MM",
              file=sys.stderr)
        return 2
    if not args.files and not args.live:
        print("error: no files given", file=sys.stderr)
        return 2
    try:
        store = store_mod.open_store(args.store)
    except (TradeKitError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    vintage = args.vintage or datetime.now(UTC).date().isoformat()

    reports = []
    for path in args.files:
        try:
            report = _import_file(args.kind, path, args, store, vintage)
        except Exception as error:  # any unreadable file is reported, not a traceback
            report = _rejected(str(path), error)
        reports.append(report)
        print(report, flush=True)
    if args.live:
        from helpers.ingest.readers.comtrade import fetch_comtrade

        name = f"comtrade API (China, {','.join(args.period)}, cmdCode {args.cmd_codes})"
        try:
            raw = fetch_comtrade(args.period, args.api_key, cmd_codes=args.cmd_codes,
                                 partners=args.partners)
            report = import_comtrade(store, vintage, raw=raw, name=name)
        except Exception as error:  # reported like a rejected file
            report = _rejected(name, error)
        reports.append(report)
        print(report, flush=True)

    bad = sum(not r.ok for r in reports)
    print(f"{len(reports) - bad} imported, {bad} rejected; store {store.path}")
    if args.kind == "gac" and bad < len(reports):
        print(ytd_check_report(store))
    return 1 if bad else 0


def ytd_check_report(store) -> str:
    """GAC's printed YTD y/y against the kit's, where the store holds both years."""
    compared = store_mod.compare_printed_ytd_yoy(store, all_rows=True)
    if compared.empty:
        return "YTD check: the store does not hold both years of any printed YTD y/y yet"
    off = compared[compared["diff_pp"].abs() > 0.1 + compared["rounding_pp"]]
    lines = [
        f"YTD check: {len(compared)} printed YTD y/y compared with the kit's; "
        f"{len(off)} differ by more than 0.1 pp beyond what the printed rounding explains"
        + (f" (largest {compared['diff_pp'].abs().max():.2f} pp)" if len(compared) else "")
    ]
    for row in off.head(20).itertuples():
        lines.append(
            f"  {row.period} {row.flow} {row.partner} {row.product} {row.currency}: printed "
            f"{row.printed:.1f}, computed {row.computed:.2f} ({row.diff_pp:+.2f} pp)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

"""GAC's "Coverage of major exports for preliminary release" list: the HS codes behind each line.

GAC publishes, per year, an Excel 97 sheet (S.No. | Description of Commodity | Coverage of HS
Codes | Unit of Quantity | Remark) naming the HS codes of every section (5) line, e.g.
"Electronic integrated circuits" = 85423. Codes are HS prefixes (2 to 8 digits) and ranges of
same-length prefixes ("0302-0309", "12119011-12119039").

    read_coverage(path, flow="export", year=None) -> DataFrame   one row per line, with its kit
                                                                product code and expanded codes
    expand_hs(text) -> list[str]                                 "0302-0304,85423" -> prefixes

`python -m helpers.ingest.readers.gac_coverage FILE.xls --out data/classifications/
gac_hs_coverage.csv` writes the classification file the kit ships (flow, product, year, label,
gac_unit, hs_coverage as printed, hs_codes expanded with ';').
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from pathlib import Path

import pandas as pd

from helpers.ingest.readers import ReaderError
from helpers.ingest.readers.gac_layout import label_key, product_labels

__all__ = ["CoverageError", "expand_hs", "read_coverage"]

COLUMNS = ["flow", "product", "year", "label", "gac_unit", "hs_coverage", "hs_codes"]


class CoverageError(ReaderError):
    """The coverage sheet lacks its header, a line's codes are unreadable or a label is unknown."""


def expand_hs(text: str) -> list[str]:
    """HS prefixes of a coverage cell: commas separate items, "a-b" is a range of same-length
    prefixes. Raises ValueError for anything else."""
    codes: list[str] = []
    for item in (part.strip() for part in str(text).split(",")):
        if not item:
            continue
        if re.fullmatch(r"\d{2,10}", item):
            codes.append(item)
            continue
        match = re.fullmatch(r"(\d{2,10})\s*-\s*(\d{2,10})", item)
        if not match or len(match.group(1)) != len(match.group(2)):
            raise ValueError(f"'{item}' is neither an HS code nor a range of same-length codes")
        first, last = match.groups()
        if int(last) < int(first):
            raise ValueError(f"'{item}': the range ends before it starts")
        codes.extend(str(n).zfill(len(first)) for n in range(int(first), int(last) + 1))
    return codes


def read_coverage(path: str | Path, flow: str = "export", year: int | None = None) -> pd.DataFrame:
    """The coverage sheet as one row per line: COLUMNS (product from gac_product_labels.csv)."""
    path = Path(path)
    try:
        sheet = pd.read_excel(path, header=None, dtype=str, engine="calamine")
    except Exception as error:  # xlrd/calamine raise their own types for a broken file
        raise CoverageError(path.name, f"cannot read the sheet ({error})") from error
    header_at = next(
        (i for i, row in sheet.iterrows() if any("coverage of hs" in str(c).lower() for c in row)),
        None,
    )
    if header_at is None:
        raise CoverageError(path.name, "no 'Coverage of HS Codes' header row")
    if year is None:
        found = re.search(r"\((\d{4})\)", " ".join(map(str, sheet.iloc[:header_at, 0])))
        year = int(found.group(1)) if found else None
    labels = product_labels()
    labels = labels[labels["flow"] == flow].drop_duplicates("key").set_index("key")["product"]
    records = []
    for number, row in sheet.iloc[header_at + 1 :].iterrows():
        label = re.sub(r"\s+", " ", str(row.iloc[1] or "")).strip()
        if not label or label == "nan":
            continue
        product = labels.get(label_key(label))
        if not product:
            raise CoverageError(path.name, f"line '{label}' is not in gac_product_labels.csv",
                                int(number) + 1)  # fmt: skip
        # NFKC: GAC types some commas and brackets full-width ("811249，811259")
        coverage = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(row.iloc[2])))
        try:
            codes = expand_hs(coverage)
        except ValueError as error:
            raise CoverageError(path.name, str(error), int(number) + 1) from error
        unit = str(row.iloc[3]).strip()
        records.append({
            "flow": flow, "product": product, "year": year, "label": label,
            "gac_unit": "" if unit in ("-", "nan") else unit, "hs_coverage": coverage,
            "hs_codes": ";".join(codes),
        })  # fmt: skip
    return pd.DataFrame.from_records(records, columns=COLUMNS)


def main(argv: list[str] | None = None) -> int:
    """Write the coverage sheet as a classification CSV."""
    parser = argparse.ArgumentParser(prog="python -m helpers.ingest.readers.gac_coverage")
    parser.add_argument("file", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        frame = read_coverage(args.file)
    except (CoverageError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    frame.to_csv(args.out, index=False)
    print(f"{len(frame)} lines -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Load the classification files under data/classifications (partners, blocs, products)."""

from __future__ import annotations

from functools import cache

import pandas as pd

from helpers.paths import CLASSIFICATIONS_DIR

__all__ = [
    "source_labels",
    "bloc_membership",
    "blocs",
    "children",
    "depth",
    "display_name",
    "leaves",
    "members",
    "partner_leaves",
    "partners",
    "plausibility",
    "product_tree",
    "products",
]


@cache
def partners() -> pd.DataFrame:
    """Partner table indexed by code (name, kind, iso3, GAC parent and labels, display order)."""
    table = pd.read_csv(CLASSIFICATIONS_DIR / "partners.csv", dtype=str, keep_default_na=False)
    table["display_order"] = table["display_order"].astype(int)
    return table.set_index("code")


@cache
def bloc_membership() -> pd.DataFrame:
    """Dated bloc membership: bloc, member, start and end as monthly periods (NaT = open)."""
    table = pd.read_csv(CLASSIFICATIONS_DIR / "bloc_membership.csv", dtype=str)
    for column in ("start", "end"):
        table[column] = pd.PeriodIndex(table[column], freq="M")
    return table


def members(bloc: str, period: pd.Period | str) -> list[str]:
    """Partner codes that belong to `bloc` in the month `period`."""
    period = pd.Period(period, freq="M")
    table = bloc_membership()
    rows = table[table["bloc"] == bloc]
    if rows.empty:
        raise KeyError(f"unknown bloc '{bloc}' (see {CLASSIFICATIONS_DIR / 'bloc_membership.csv'})")
    active = (rows["start"].isna() | (rows["start"] <= period)) & (
        rows["end"].isna() | (rows["end"] >= period)
    )
    return rows.loc[active, "member"].tolist()


def blocs() -> list[str]:
    """Codes of all blocs with a membership list."""
    return bloc_membership()["bloc"].drop_duplicates().tolist()


@cache
def products() -> pd.DataFrame:
    """Product hierarchy rows (flow, code, name, parent, in_partition, quantity_unit, hs_codes)."""
    table = pd.read_csv(CLASSIFICATIONS_DIR / "products.csv", dtype=str, keep_default_na=False)
    table["in_partition"] = table["in_partition"].map({"True": True, "False": False})
    return table


def product_tree(flow: str) -> pd.DataFrame:
    """The product hierarchy of one flow, indexed by code."""
    table = products()
    return table[table["flow"] == flow].set_index("code")


def children(flow: str, code: str, partition_only: bool = True) -> list[str]:
    """Direct children of a product node (only partition members unless told otherwise)."""
    tree = product_tree(flow)
    mask = tree["parent"] == code
    if partition_only:
        mask &= tree["in_partition"]
    return tree.index[mask].tolist()


def leaves(flow: str, code: str = "TOTAL") -> list[str]:
    """Partition leaves below (or equal to) a product node: they add up to the node."""
    kids = children(flow, code)
    if not kids:
        return [code]
    return [leaf for kid in kids for leaf in leaves(flow, kid)]


def depth(flow: str, code: str) -> int:
    """0 for TOTAL, 1 for its children, and so on."""
    tree = product_tree(flow)
    level = 0
    while tree.at[code, "parent"]:
        code = tree.at[code, "parent"]
        level += 1
    return level


def partner_leaves() -> list[str]:
    """Partner codes that partition WORLD (countries and residual lines; no blocs)."""
    table = partners()
    return table.index[table["kind"].isin(["country", "residual"])].tolist()


def display_name(code: str, dimension: str, flow: str = "export") -> str:
    """Human name for a partner or product code."""
    if dimension == "partner":
        return partners().at[code, "name"]
    tree = product_tree(flow)
    return tree.at[code, "name"] if code in tree.index else code.replace("_", " ").capitalize()


@cache
def plausibility() -> pd.DataFrame:
    """Per currency: the largest monthly total trade on record and the factor above which a
    monthly value is rejected as implausible (indexed by currency)."""
    table = pd.read_csv(CLASSIFICATIONS_DIR / "plausibility.csv", dtype={"currency": str})
    return table.set_index("currency")


@cache
def source_labels() -> dict[str, str]:
    """Reader-facing names of the data sources by the prefix of the `source` column
    (data/classifications/sources.csv: 'gac' → 'GAC preliminary release')."""
    table = pd.read_csv(CLASSIFICATIONS_DIR / "sources.csv", dtype=str)
    return dict(zip(table["prefix"], table["label"], strict=True))

"""Query the HS-level panel (<store>/panel/, written by helpers.ingest.panel) through DuckDB.

The panel is never loaded whole into pandas: every function here asks DuckDB for monthly sums
and only those small results become pandas objects. Three lines in a notebook cell::

    from helpers import panel
    panel.sql("data/store", "SELECT period, sum(value) / 1e9 AS usd_bn FROM panel "
              "WHERE flow = 'export' AND hs LIKE '8542%' AND partner = 'united_states' GROUP BY 1")

Groups (helpers.hs_groups) are summed without double counting: for each of a group's prefixes
and each month, only the rows at one HS level are used, the coarsest level present that is at
least as detailed as the prefix and its exclusions (a file holding 8542 and 854231 uses 8542;
chip-making equipment, 8486 without 848630, uses HS6 rows). Excluded codes are then left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from helpers import classifications
from helpers.hs_groups import Group, groups
from helpers.ingest.panel import PANEL_DIR, connect
from helpers.schema import TradeKitError

__all__ = [
    "GroupSeries",
    "PanelError",
    "build_hint",
    "exists",
    "group_levels",
    "open_panel",
    "partner_condition",
    "sql",
    "total_levels",
]


class PanelError(TradeKitError):
    """No panel at the given place, or an unknown group or partner."""


def build_hint(store: str | Path | None = None) -> str:
    """One sentence: how to build a panel."""
    where = str(store) if store else "data/store"
    return (f"No HS-level panel at {where}: build one with `python -m helpers import comtrade "
            f"FILE.csv --store {where}` and run the view with data={where}.")  # fmt: skip


def _glob(store: str | Path) -> str:
    return (Path(store) / PANEL_DIR / "flow=*" / "year=*" / "*.parquet").as_posix()


def exists(store: str | Path | None) -> bool:
    """True when `store` holds at least one panel partition."""
    return bool(store) and any((Path(store) / PANEL_DIR).glob("flow=*/year=*/*.parquet"))


def open_panel(store: str | Path, con: duckdb.DuckDBPyConnection | None = None):
    """A DuckDB connection with a view `panel` over the store's panel (flow, year from paths)."""
    if not exists(store):
        raise PanelError(build_hint(store))
    con = con or connect()
    con.execute(f"CREATE OR REPLACE TEMP VIEW panel AS SELECT * FROM read_parquet('{_glob(store)}',"
                " hive_partitioning = true, hive_types = {'flow': VARCHAR, 'year': INTEGER})")
    return con


def sql(store: str | Path, query: str) -> pd.DataFrame:
    """Run a query against the view `panel` and return the (small) result as a DataFrame."""
    return open_panel(store).execute(query).df()


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def partner_condition(partner: str | None) -> str:
    """SQL condition selecting a kit partner: WORLD (default), a country or residual, or a bloc.

    Blocs use the dated membership (data/classifications/bloc_membership.csv), month by month.
    """
    code = (partner or "WORLD").strip()
    table = classifications.partners()
    if code not in table.index:
        raise PanelError(f"partner '{code}' is not a kit partner code (see "
                         f"data/classifications/partners.csv), e.g. united_states, "
                         "european_union, WORLD")  # fmt: skip
    if table.at[code, "kind"] != "bloc":
        return f"partner = {_literal(code)}"
    rows = classifications.bloc_membership()
    rows = rows[rows["bloc"] == code]
    terms = []
    for member, start, end in rows[["member", "start", "end"]].itertuples(index=False):
        term = f"partner = {_literal(member)}"
        if not pd.isna(start):
            term += f" AND period >= DATE '{start.start_time.date()}'"
        if not pd.isna(end):
            term += f" AND period <= DATE '{end.start_time.date()}'"
        terms.append(f"({term})")
    return "(" + " OR ".join(terms) + ")"


@dataclass
class GroupSeries:
    """Monthly levels of a group (value, quantity) and what the panel lacked."""

    group: str
    label: str
    levels: pd.DataFrame  # index: monthly Period (and `by` if asked); value, quantity, weight_t
    quantity_unit: str | None
    missing: list[str] = field(default_factory=list)

    @property
    def note(self) -> str:
        """Sentence on prefixes that found nothing ("" when all were found)."""
        if not self.missing:
            return ""
        if len(self.missing) == len(groups().get(self.group, Group("", "", (), ())).include):
            return (f"{self.label}: none of its HS codes ({', '.join(self.missing)}) is in the "
                    "panel for this flow and partner, so it cannot be shown.")  # fmt: skip
        return (f"{self.label}: HS prefix(es) {', '.join(self.missing)} found nothing in the "
                "panel for this flow and partner; the group's figures leave them out.")  # fmt: skip


def _group(group: str | Group) -> Group:
    if isinstance(group, Group):
        return group
    known = groups()
    if group not in known:
        raise PanelError(f"product group '{group}' is not in data/classifications/hs_groups.csv "
                         f"(known: {', '.join(sorted(known))})")  # fmt: skip
    return known[group]


def _prefix_case(prefixes, column: str = "hs") -> str:
    by_len: dict[int, list[str]] = {}
    for p in prefixes:
        by_len.setdefault(len(p), []).append(p)
    whens = " ".join(
        f"WHEN left({column}, {n}) IN ({', '.join(_literal(p) for p in sorted(ps))}) "
        f"THEN left({column}, {n})"
        for n, ps in sorted(by_len.items())
    )
    return f"CASE {whens} END"


def group_levels(store: str | Path, group: str | Group, flow: str, partner: str | None = None,
                 by: str | None = None, con=None) -> GroupSeries:  # fmt: skip
    """Monthly value, quantity and net weight of a group to a partner (optionally by partner/hs).

    `by` = "partner" splits by kit partner (then `partner` may be None for all of them) and
    "hs" by the HS codes used. Quantity is summed only when every row has one in the same unit.
    """
    spec = _group(group)
    con = open_panel(store, con)
    needs = pd.DataFrame({"prefix": list(spec.include),
                          "need": [spec.need(p) for p in spec.include]})  # fmt: skip
    con.register("group_needs", needs)
    excluded = (" OR ".join(f"left(hs, {len(e)}) = {_literal(e)}" for e in spec.exclude)
                or "FALSE")  # fmt: skip
    where = f"flow = {_literal(flow)}"
    if partner is not None or by != "partner":
        where += f" AND {partner_condition(partner)}"
    extra = {"partner": "partner", "hs": "hs"}.get(by or "", "")
    select_by = f"{extra}, " if extra else ""
    detail = con.execute(f"""
        SELECT period, prefix, length(hs) AS digits, {select_by}({excluded}) AS excluded,
               sum(value) AS value, count(*) AS n,
               sum(quantity) AS quantity, count(quantity) AS n_quantity,
               min(quantity_unit) AS unit_min, max(quantity_unit) AS unit_max,
               sum(net_weight_t) AS weight_t, count(net_weight_t) AS n_weight
        FROM (SELECT *, {_prefix_case(spec.include)} AS prefix FROM panel WHERE {where}) r
        JOIN group_needs USING (prefix)
        WHERE length(hs) >= need
        GROUP BY ALL""").df()  # fmt: skip
    con.unregister("group_needs")
    found = set(detail["prefix"])
    missing = [p for p in spec.include if p not in found]
    if detail.empty:
        index = pd.PeriodIndex([], freq="M", name="period")
        empty = pd.DataFrame({"value": [], "quantity": [], "weight_t": []}, index=index)
        return GroupSeries(spec.name, spec.label, empty, None, missing)
    level = detail.groupby(["period", "prefix"])["digits"].transform("min")
    used = detail[(detail["digits"] == level) & ~detail["excluded"]]
    keys = ["period", *([extra] if extra else [])]
    sums = used.groupby(keys).agg(
        value=("value", "sum"), n=("n", "sum"), quantity=("quantity", "sum"),
        n_quantity=("n_quantity", "sum"), weight_t=("weight_t", "sum"),
        n_weight=("n_weight", "sum"),
    )  # fmt: skip
    units = set(used["unit_min"].dropna()) | set(used["unit_max"].dropna())
    unit = units.pop() if len(units) == 1 else None
    sums["quantity"] = sums["quantity"].where((sums["n_quantity"] == sums["n"]) & bool(unit))
    sums["weight_t"] = sums["weight_t"].where(sums["n_weight"] == sums["n"])
    frame = sums[["value", "quantity", "weight_t"]].astype(float).reset_index()
    frame["period"] = pd.PeriodIndex(pd.to_datetime(frame["period"]), freq="M")
    frame = frame.set_index(keys).sort_index()
    return GroupSeries(spec.name, spec.label, frame, unit, missing)


def total_levels(store: str | Path, flow: str, partner: str | None = None, con=None) -> pd.Series:
    """Monthly value of all products to a partner: TOTAL rows, else the coarsest level's sum."""
    con = open_panel(store, con)
    sums = con.execute(f"""
        SELECT period, CASE WHEN hs = 'TOTAL' THEN 0 ELSE length(hs) END AS digits,
               sum(value) AS value
        FROM panel WHERE flow = {_literal(flow)} AND {partner_condition(partner)}
        GROUP BY ALL""").df()  # fmt: skip
    if sums.empty:
        return pd.Series(dtype=float, index=pd.PeriodIndex([], freq="M", name="period"))
    sums = sums[sums["digits"] == sums.groupby("period")["digits"].transform("min")]
    out = sums.set_index("period")["value"].astype(float)
    out.index = pd.PeriodIndex(pd.to_datetime(out.index), freq="M", name="period")
    return out.sort_index()


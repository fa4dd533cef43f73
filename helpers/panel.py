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
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # duckdb loads on first use: views that never query the panel skip it
    import duckdb
import pandas as pd

from helpers import classifications
from helpers.hs_groups import Group, groups
from helpers.panel_store import PANEL_DIR, connect
from helpers.schema import TradeKitError

__all__ = [
    "GroupSeries",
    "apply_group",
    "apply_groups",
    "hs_sums",
    "PanelError",
    "build_hint",
    "exists",
    "group_levels",
    "group_spec",
    "open_panel",
    "partner_condition",
    "period_filter",
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


_CONNECTIONS: dict[str, duckdb.DuckDBPyConnection] = {}


def open_panel(store: str | Path, con: duckdb.DuckDBPyConnection | None = None):
    """A DuckDB connection with a view `panel` over the store's panel (flow, year from paths).

    Without `con`, one connection per store is kept for the process (the view re-reads the
    folder at each query, so new imports are seen).
    """
    if not exists(store):
        raise PanelError(build_hint(store))
    key = str(Path(store).resolve())
    if con is None and key in _CONNECTIONS:
        return _CONNECTIONS[key]
    if con is None:
        con = _CONNECTIONS[key] = connect()
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


def period_filter(periods) -> str:
    """SQL condition restricting `period` (and the `year` partitions) to the given months."""
    if periods is None:
        return "TRUE"
    months = sorted({pd.Period(p, freq="M") for p in periods})
    if not months:
        return "FALSE"
    days = ", ".join(f"DATE '{m.start_time.date()}'" for m in months)
    years = ", ".join(str(y) for y in sorted({m.year for m in months}))
    return f"year IN ({years}) AND period IN ({days})"


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


def group_spec(group: str | Group) -> Group:
    """The product group named `group` in data/classifications/hs_groups.csv (a Group is
    returned as given); PanelError naming the known groups when there is no such group.

    Also the check of a `--product-group` option and of a drill-down's `product_group`."""
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


SUM_COLUMNS = ["value", "n", "quantity", "n_quantity", "weight_t", "n_weight"]


def hs_sums(store: str | Path, flow: str, partner: str | None = None, periods=None,
            by_partner: bool = False, prefixes=None, con=None) -> pd.DataFrame:  # fmt: skip
    """Monthly sums by HS code (and kit partner) from DuckDB: the small input of apply_group.

    `partner` None with `by_partner` means every partner; `prefixes` restricts the codes read.
    Columns: period (Period), [partner], hs, value, n (rows), quantity, n_quantity, unit_min,
    unit_max, weight_t, n_weight.
    """
    con = open_panel(store, con)
    where = f"flow = {_literal(flow)} AND hs <> 'TOTAL' AND {period_filter(periods)}"
    if partner is not None or not by_partner:
        where += f" AND {partner_condition(partner)}"
    if prefixes:
        where += f" AND {_prefix_case(prefixes)} IS NOT NULL"
    frame = con.execute(f"""
        SELECT period, {'partner, ' if by_partner else ''}hs,
               sum(value) AS value, count(*) AS n,
               sum(quantity) AS quantity, count(quantity) AS n_quantity,
               min(quantity_unit) AS unit_min, max(quantity_unit) AS unit_max,
               sum(net_weight_t) AS weight_t, count(net_weight_t) AS n_weight
        FROM panel WHERE {where} GROUP BY ALL""").df()  # fmt: skip
    frame["period"] = pd.PeriodIndex(pd.to_datetime(frame["period"]), freq="M")
    return frame


def apply_group(sums: pd.DataFrame, group: str | Group, by: str | None = None) -> GroupSeries:
    """A group's monthly levels from HS sums (pandas, small frames), one HS level per prefix."""
    spec = group_spec(group)
    return apply_groups(sums, [spec], by)[spec.name]


def apply_groups(sums: pd.DataFrame, names=None, by: str | None = None) -> dict[str, GroupSeries]:
    """Every named group's monthly levels from one HS-sums frame (default: all groups).

    One pass for all groups rather than one per group: a view sums about 40 groups from the same
    few thousand HS rows, and pandas' fixed cost per operation would dominate a loop.
    """
    specs = [group_spec(g) for g in (groups() if names is None else names)]
    rules = pd.DataFrame(
        [(s.name, p, len(p), s.need(p)) for s in specs for p in s.include],
        columns=["group", "prefix", "length", "need"],
    )
    hs = sums["hs"].astype(str)
    digits = hs.str.len()
    parts = [sums.iloc[:0].assign(prefix=hs.iloc[:0], digits=digits.iloc[:0], group="", need=0)]
    for n, rule in rules.groupby("length"):  # prefixes of one group never nest
        cut = hs.str[:n]
        hit = cut.isin(set(rule["prefix"]))
        rows = sums[hit].assign(prefix=cut[hit], digits=digits[hit])
        parts.append(rows.merge(rule[["group", "prefix", "need"]], on="prefix"))
    detail = pd.concat(parts, ignore_index=True)
    detail = detail[detail["digits"] >= detail["need"]]
    found = set(zip(detail["group"], detail["prefix"], strict=True))
    excluded = pd.Series(False, index=detail.index)
    exclusions = {(s.name, e) for s in specs for e in s.exclude}
    for n in sorted({len(e) for _, e in exclusions}):
        keys = pd.MultiIndex.from_arrays([detail["group"], detail["hs"].astype(str).str[:n]])
        excluded |= keys.isin([k for k in exclusions if len(k[1]) == n])
    level = detail.groupby(["group", "period", "prefix"])["digits"].transform("min")
    used = detail[(detail["digits"] == level) & ~excluded]
    keys = ["group", "period", *([by] if by else [])]
    totals = used.groupby(keys)[SUM_COLUMNS].sum(min_count=1)
    units = (
        pd.concat([used.set_index("group")[c] for c in ("unit_min", "unit_max")])
        .dropna().groupby(level=0).unique()
    )  # fmt: skip
    unit_of = {g: u[0] for g, u in units.items() if len(u) == 1}
    has_unit = totals.index.get_level_values("group").isin(list(unit_of))
    totals["quantity"] = totals["quantity"].where((totals["n_quantity"] == totals["n"]) & has_unit)
    totals["weight_t"] = totals["weight_t"].where(totals["n_weight"] == totals["n"])
    frames = dict(iter(totals[["value", "quantity", "weight_t"]].astype(float).groupby(level=0)))
    out = {}
    for spec in specs:
        missing = [p for p in spec.include if (spec.name, p) not in found]
        if spec.name not in frames:
            index = pd.PeriodIndex([], freq="M", name="period")
            empty = pd.DataFrame({"value": [], "quantity": [], "weight_t": []}, index=index)
            out[spec.name] = GroupSeries(spec.name, spec.label, empty, None, missing)
            continue
        frame = frames[spec.name].droplevel("group").sort_index()
        out[spec.name] = GroupSeries(spec.name, spec.label, frame, unit_of.get(spec.name), missing)
    return out


def group_levels(store: str | Path, group: str | Group, flow: str, partner: str | None = None,
                 by: str | None = None, con=None, periods=None) -> GroupSeries:  # fmt: skip
    """Monthly value, quantity and net weight of a group to a partner (optionally by partner/hs).

    `by` = "partner" splits by kit partner (then `partner` may be None for all of them) and
    "hs" by the HS codes used. Quantity is summed only when every row has one in the same unit.
    `periods` restricts the months read (default: all).
    """
    spec = group_spec(group)
    sums = hs_sums(store, flow, partner, periods, by_partner=by == "partner",
                   prefixes=spec.include, con=con)  # fmt: skip
    return apply_group(sums, spec, by)


def total_levels(store: str | Path, flow: str, partner: str | None = None, con=None,
                 periods=None) -> pd.Series:  # fmt: skip
    """Monthly value of all products to a partner: TOTAL rows, else the coarsest level's sum."""
    con = open_panel(store, con)
    sums = con.execute(f"""
        SELECT period, CASE WHEN hs = 'TOTAL' THEN 0 ELSE length(hs) END AS digits,
               sum(value) AS value
        FROM panel WHERE flow = {_literal(flow)} AND {partner_condition(partner)}
          AND {period_filter(periods)}
        GROUP BY ALL""").df()  # fmt: skip
    if sums.empty:
        return pd.Series(dtype=float, index=pd.PeriodIndex([], freq="M", name="period"))
    sums = sums[sums["digits"] == sums.groupby("period")["digits"].transform("min")]
    out = sums.set_index("period")["value"].astype(float)
    out.index = pd.PeriodIndex(pd.to_datetime(out.index), freq="M", name="period")
    return out.sort_index()


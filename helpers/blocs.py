"""Blocs on one membership: the EU's y/y compares EU27 with EU27, never with a year-ago EU28.

GAC's by-country table prints the EU row on the membership of the month (EU28 to January 2020,
EU27 after) and only some of its members, so a stored EU row mixes memberships over time. GAC's
own y/y is computed on today's membership. The kit does the same, in this order:

1. all members held: the bloc is re-aggregated from its members on the `as_of` membership;
2. otherwise each month's stored bloc row minus the partners that were members then but are not
   as of `as_of` (the UK in 2019) - "the year-ago value on today's membership"; a month whose
   departed members are not held becomes NaN rather than a mixed comparison;
3. for the y/y of a month whose year-ago value is NaN, GAC's printed YTD y/y where imported.

    bloc_levels(ds, flow, bloc, currency, as_of) -> (series, basis)
    bloc_yoy(ds, flow, bloc, period, currency) -> BlocYoy(value, basis)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers import classifications

__all__ = ["BlocYoy", "bloc_levels", "bloc_yoy"]

MEMBERS = "members"
ADJUSTED = "bloc row less departed members"
STORED = "stored bloc row"


@dataclass
class BlocYoy:
    """A bloc's y/y (pct) and the basis it was computed on, in words."""

    value: float
    basis: str


def _membership_by_month(bloc: str, index: pd.PeriodIndex) -> dict[pd.Period, set[str]]:
    return {p: set(classifications.members(bloc, p)) for p in index}


def bloc_levels(ds, flow: str, bloc: str, currency: str, as_of) -> tuple[pd.Series, str]:
    """The bloc's monthly levels on the membership of `as_of`, and which way they were built."""
    as_of = pd.Period(as_of, freq="M")
    today = set(classifications.members(bloc, as_of))
    if today and all(ds.has(flow, m, "TOTAL", currency) for m in today):
        parts = pd.concat([ds.levels(flow, m, "TOTAL", currency) for m in sorted(today)], axis=1)
        return parts.sum(axis=1, min_count=len(today)).rename(bloc), MEMBERS
    stored = ds.levels(flow, bloc, "TOTAL", currency)
    then = _membership_by_month(bloc, stored.index)
    departed = {p: sorted(members - today) for p, members in then.items()}
    if not any(departed.values()):
        return stored, STORED
    adjusted = stored.copy()
    for period, gone in departed.items():
        if not gone:
            continue
        values = [
            ds.levels(flow, m, "TOTAL", currency).get(period, np.nan)
            if ds.has(flow, m, "TOTAL", currency) else np.nan
            for m in gone
        ]  # fmt: skip
        adjusted[period] = stored[period] - sum(values)  # NaN when a departed member is missing
    return adjusted.rename(bloc), ADJUSTED


def bloc_yoy(ds, flow: str, bloc: str, period, currency: str = "USD") -> BlocYoy:
    """The bloc's y/y for `period` on that month's membership, with its basis in words."""
    period = pd.Period(period, freq="M")
    levels, how = bloc_levels(ds, flow, bloc, currency, period)
    now, before = levels.get(period, np.nan), levels.get(period - 12, np.nan)
    name = classifications.display_name(bloc, "partner")
    if pd.notna(now) and pd.notna(before) and before > 0:
        basis = {
            MEMBERS: f"{name} rebuilt from its members on the {period} membership",
            STORED: f"{name} row as stored (same membership in both years)",
            ADJUSTED: f"{name} row a year earlier less the members that have left since "
                      f"(today's membership)",
        }[how]  # fmt: skip
        return BlocYoy(100 * (now / before - 1), basis)
    printed = ds.printed_ytd_yoy(flow, bloc, "TOTAL", currency, period)
    if pd.notna(printed):
        return BlocYoy(float(printed), f"GAC's printed year-to-date y/y for {name} (GAC computes "
                                       "it on today's membership; no single-month figure)")
    return BlocYoy(np.nan, (
        f"no {name} y/y for {period}: the year-ago {name} row is on another membership and the "
        f"store holds neither the members that left nor GAC's printed y/y"
    ))

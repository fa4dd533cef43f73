"""Checks of a GAC release page against what the store already holds.

GAC sometimes prints a page whose header names another month than its title (the June 2025
section-5 USD page says "5 / 1-5 Total" under a June title, with June's figures). Such a page is
imported only when the store's previous year-to-date plus the page's month gives the page's
year-to-date (the figures are then the title's month), or, when the store holds nothing to check
against, when the printed release date is the month after the title's month. Otherwise it is
rejected.

    settle_header_conflict(table, stored_ytd) -> HeaderVerdict
    cross_check_totals(table, history) -> (messages, rows already held within rounding)
    bulletin_overlap(month, ytd, held, bulletin) -> notes on values a Monthly Bulletin page
                                                   replaces (or a held bulletin outranks)

A Monthly Bulletin page (source "gac:<file> (monthly bulletin)") is a later, verified vintage:
it is not section (4) for the section (1) cross-check, and where it holds the same key as a
preliminary page the newer vintage is in force (the store's rule), which the import says.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["HeaderVerdict", "bulletin_overlap", "cross_check_totals", "settle_header_conflict",
           "ytd_arithmetic"]

BULLETIN_SUFFIX = "(monthly bulletin)"

# A printed figure is rounded to 0.1 of its unit: a sum of two of them is off by at most 0.1.
ROUNDING_UNITS = 0.11
# GAC revises earlier months between releases (household appliances' Jan-May 2025 quantity moved
# by 2.3 of 221,345.9; ships' by 13 of 3,610): a YTD within 1% still agrees. Had the figures been
# the header's month instead, the gap would be the whole month, at least 1/12 of the YTD.
REVISION_SHARE = 0.01


@dataclass
class HeaderVerdict:
    """Whether a page whose header and title disagree is imported, and the message to print."""

    accept: bool
    message: str


def _levels(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["measure"] == "level"] if len(frame) else frame


def ytd_arithmetic(table, stored_ytd: pd.DataFrame) -> pd.DataFrame:
    """Previous YTD (store) + month (page) against the page's YTD, per line and quantity/value.

    Values are compared within one currency; quantities across editions (they are the same in
    the CNY and USD pages). Returns columns partner, product, what, previous, month, ytd, diff,
    tolerance, exact (within rounding), agrees (within rounding or a 1% revision); empty when
    the store holds no previous YTD for the page's lines.
    """
    meta = table.meta
    period = meta["period"]
    month, ytd = _levels(table.month), _levels(table.ytd)
    columns = ["partner", "product", "what", "previous", "month", "ytd", "diff", "tolerance",
               "exact"]
    if meta.get("months", 1) != 1 or month.empty or ytd.empty or stored_ytd.empty:
        return pd.DataFrame(columns=[*columns, "agrees"])
    prev = _levels(stored_ytd)
    prev = prev[(prev["period"] == period - 1) & prev["flow"].isin(month["flow"].unique())]
    key = ["flow", "partner", "product"]
    page = month.merge(ytd, on=[*key, "currency"], suffixes=("_month", "_ytd"))
    factors = {}
    if "code" in table.printed.columns and "factor" in table.printed.columns:
        factors = dict(zip(table.printed["code"], table.printed["factor"], strict=False))
    parts = []
    same_currency = prev[prev["currency"] == meta["currency"]][[*key, "value"]]
    values = page.merge(same_currency.rename(columns={"value": "previous"}), on=key)
    if len(values):
        parts.append(pd.DataFrame({
            "partner": values["partner"], "product": values["product"], "what": "value",
            "previous": values["previous"], "month": values["value_month"],
            "ytd": values["value_ytd"], "tolerance": ROUNDING_UNITS * meta["scale"],
        }))  # fmt: skip
    quantities = prev[prev["quantity"].notna()].drop_duplicates(key)[[*key, "quantity"]]
    qty = page[page["quantity_month"].notna() & page["quantity_ytd"].notna()]
    qty = qty.merge(quantities.rename(columns={"quantity": "previous"}), on=key)
    if len(qty):
        parts.append(pd.DataFrame({
            "partner": qty["partner"], "product": qty["product"], "what": "quantity",
            "previous": qty["previous"], "month": qty["quantity_month"],
            "ytd": qty["quantity_ytd"],
            "tolerance": ROUNDING_UNITS * qty["product"].map(factors).astype(float).fillna(1.0),
        }))  # fmt: skip
    if not parts:
        return pd.DataFrame(columns=[*columns, "agrees"])
    out = pd.concat(parts, ignore_index=True)
    out["diff"] = out["previous"] + out["month"] - out["ytd"]
    out["exact"] = out["diff"].abs() <= out["tolerance"]
    out["agrees"] = out["exact"] | (out["diff"].abs() <= REVISION_SHARE * out["ytd"].abs())
    return out


def _example(checks: pd.DataFrame, table) -> str:
    """One check written out in printed units, e.g. 'integrated_circuits quantity: ...'."""
    row = checks.iloc[0]
    scale = (
        table.meta["scale"]
        if row["what"] == "value"
        else dict(zip(table.printed["code"], table.printed["factor"], strict=False)).get(
            row["product"], 1.0
        )
    )
    scale = scale if scale and not np.isnan(scale) else 1.0
    period = table.meta["period"]
    return (
        f"{row['product'] if row['product'] != 'TOTAL' else row['partner']} {row['what']}: "
        f"YTD {period - 1} {row['previous'] / scale:,.1f} + {period} {row['month'] / scale:,.1f}"
        f" {'=' if row['agrees'] else '!='} printed YTD {row['ytd'] / scale:,.1f}"
    )


def settle_header_conflict(table, stored_ytd: pd.DataFrame) -> HeaderVerdict:
    """Accept a page whose header names another month than its title, or reject it (see module)."""
    conflict = table.meta["header_conflict"]
    period = table.meta["period"]
    header = ", ".join(str(m) for m in conflict["header_months"])
    intro = f"the header names month {header} but the title says {period}"
    # quantities first: they are the same in both editions, so they make the clearest example
    checks = ytd_arithmetic(table, stored_ytd).sort_values("what", kind="stable")
    if len(checks):
        bad = checks[~checks["agrees"]]
        if len(bad):
            return HeaderVerdict(False, (
                f"{intro}, and the year-to-date arithmetic disagrees with the title on "
                f"{len(bad)} of {len(checks)} checks ({_example(bad, table)}): rejected"
            ))  # fmt: skip
        exact = checks[checks["exact"]]
        return HeaderVerdict(True, (
            f"WARNING: {intro}; imported as {period} because the title and the year-to-date "
            f"arithmetic agree: {len(exact)} of {len(checks)} checks against the store exact, "
            f"the rest within 1% (revised earlier months), e.g. "
            f"{_example(exact if len(exact) else checks, table)}"
        ))  # fmt: skip
    release = table.meta.get("release_date")
    if release and pd.Period(release, freq="M") == period + 1:
        return HeaderVerdict(True, (
            f"WARNING: {intro}; the store holds no {period - 1} year-to-date to check the "
            f"figures against, so it was imported as {period} because the printed release date "
            f"{release} is the month after the title's month (import the {period - 1} page "
            f"first to have the arithmetic checked)"
        ))  # fmt: skip
    return HeaderVerdict(False, (
        f"{intro}; the store holds no {period - 1} year-to-date to check the figures and the "
        f"release date ({release or 'not printed'}) does not confirm the title: rejected"
    ))


# Section (1) prints in 100 million of either currency; section (4) in CNY 100 million or USD
# 1 million. Half a printed step of each bounds the rounding difference.
SECTION1_HALF_STEP = 0.05e8
SECTION4_HALF_STEP = {"CNY": 0.05e8, "USD": 0.05e6}


def _is_section1(source: pd.Series) -> pd.Series:
    return source.astype(str).str.endswith("(section 1)")


def _is_bulletin(source: pd.Series) -> pd.Series:
    return source.astype(str).str.endswith(BULLETIN_SUFFIX)


def cross_check_totals(table, history: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    """Compare a section (1) page with stored section (4) Total rows, or the reverse.

    `history` holds the store's rows of every vintage (month and YTD tables, with a `table`
    column). Returns (messages, rows of the page already stored from the other section within
    rounding, which a section (1) page then does not store again). A difference beyond rounding
    is reported, never silently resolved.
    """
    section = table.meta["section"]
    if section not in ("total_values", "by_country") or history.empty:
        return [], table.month.iloc[0:0]
    page = {"month": table.month, "ytd": table.ytd}
    other = history[
        (history["partner"] == "WORLD") & (history["product"] == "TOTAL")
        & (history["measure"] == "level") & history["source"].astype(str).str.startswith("gac:")
        & ~history["source"].astype(str).str.contains("derived_from_ytd")
        & ~_is_bulletin(history["source"])  # a later vintage, not the preliminary section (4)
    ]  # fmt: skip
    mine_is_s1 = section == "total_values"
    other = other[_is_section1(other["source"]) != mine_is_s1]
    key = ["period", "flow", "currency"]
    messages, agreed = [], []
    for name, frame in page.items():
        rows = frame[(frame["partner"] == "WORLD") & (frame["product"] == "TOTAL")]
        stored = other[other["table"] == name].drop_duplicates(key, keep="last")
        both = rows.merge(stored[[*key, "value", "source"]], on=key, suffixes=("", "_other"))
        for rec in both.to_dict("records"):
            tolerance = SECTION1_HALF_STEP + SECTION4_HALF_STEP.get(rec["currency"], 0.0)
            diff = rec["value"] - rec["value_other"]
            what = f"{rec['period']} {rec['flow']} {'YTD' if name == 'ytd' else 'month'}"
            if abs(diff) <= tolerance + 1e-6:
                if mine_is_s1:
                    agreed.append({**{k: rec[k] for k in key}, "table": name})
                continue
            s1, s4 = (rec["value"], rec["value_other"]) if mine_is_s1 else (
                rec["value_other"], rec["value"])
            messages.append(
                f"section (1) and section (4)'s Total row differ: {what} {rec['currency']} "
                f"{s1 / 1e8:,.1f} vs {s4 / 1e8:,.2f} (100 million; beyond rounding)"
            )
    checked = sum(
        len(f[(f["partner"] == "WORLD") & (f["product"] == "TOTAL")].merge(
            other[other["table"] == n][key].drop_duplicates(), on=key))
        for n, f in page.items()
    )  # fmt: skip
    if checked:
        messages.insert(0, f"cross-check of section (1) with section (4)'s Total row: {checked} "
                           f"value(s) compared, {len(messages)} differ beyond rounding")
    return messages, pd.DataFrame(agreed, columns=[*key, "table"])


# Half a printed step of a preliminary figure, per kind of stored row.
RATE_HALF_STEP = 0.05  # rates print with one decimal
SHOWN = {"USD": (1e6, "USD mn", 3), "CNY": (1e8, "CNY 100 mn", 5)}


def _half_step(rows: pd.DataFrame) -> np.ndarray:
    """How far a preliminary figure may be from the exact one through its rounding alone."""
    source = rows["source_held"].astype(str)
    level = rows["currency"].map(SECTION4_HALF_STEP).fillna(0.0).to_numpy(float)
    level = np.where(_is_section1(source), SECTION1_HALF_STEP, level)
    level = np.where(source.str.contains("derived_from_ytd"), 2 * level, level)  # YTD - YTD
    return np.where(rows["measure"] == "level", level, RATE_HALF_STEP)


def _shown(row) -> str:
    what = "YTD" if row["table"] == "ytd" else "month"
    item = row["partner"] if row["product"] == "TOTAL" else row["product"]
    if row["measure"] != "level":
        return (f"{row['period']} {row['flow']} {item} {what} {row['measure']}: "
                f"{row['value_held']:.1f} -> {row['value']:.1f}")  # fmt: skip
    scale, unit, digits = SHOWN.get(row["currency"], (1.0, row["currency"], 0))
    return (f"{row['period']} {row['flow']} {item} {what}: {row['value_held'] / scale:,.{digits}f}"
            f" -> {row['value'] / scale:,.{digits}f} {unit}")  # fmt: skip


def bulletin_overlap(
    month: pd.DataFrame, ytd: pd.DataFrame | None, held: pd.DataFrame, bulletin: bool,
    limit: int = 5,
) -> list[str]:
    """Notes on the keys this page shares with the store's GAC rows of the other kind.

    `month`/`ytd` are the page's rows as they will be stored, `held` the store's latest rows
    (both tables, with a `table` column). A bulletin page replaces a preliminary figure of the
    same key held at an earlier vintage whenever the two differ (the newer vintage is in force);
    the note counts them and how many differ beyond the preliminary's printed rounding (a real
    revision, not just the bulletin's extra digits). A preliminary page whose key a later
    bulletin already holds does not displace it: the note says so.
    """
    key = ["table", "period", "flow", "partner", "product", "currency", "measure"]
    parts = [f.assign(table=name) for name, f in (("month", month), ("ytd", ytd))
             if f is not None and len(f)]  # fmt: skip
    if not parts or held.empty:
        return []
    page = pd.concat(parts, ignore_index=True)
    page["period"] = pd.PeriodIndex(page["period"].astype(str), freq="M")
    held = held[held["source"].astype(str).str.startswith("gac:")]
    held = held[_is_bulletin(held["source"]) != bulletin]
    if held.empty:
        return []
    both = page[[*key, "value", "vintage"]].merge(
        held[[*key, "value", "vintage", "source"]].rename(
            columns={"value": "value_held", "vintage": "vintage_held", "source": "source_held"}),
        on=key,
    )  # fmt: skip
    same = np.isclose(both["value"], both["value_held"], rtol=1e-12, atol=0.0)
    both = both[~same]
    if bulletin:
        changed = both[both["vintage"].astype(str) > both["vintage_held"].astype(str)]
        if changed.empty:
            return []
        beyond = (changed["value"] - changed["value_held"]).abs().to_numpy() > _half_step(
            changed) + 1e-9
        shown = pd.concat([changed[beyond], changed[~beyond]])
        examples = "; ".join(_shown(row) for _, row in shown.head(limit).iterrows())
        more = f"; ... and {len(shown) - limit} more" if len(shown) > limit else ""
        return [
            f"monthly bulletin replaces the preliminary figure for {len(changed)} value(s) held "
            f"from preliminary pages (the bulletin is the later vintage): {int(beyond.sum())} "
            f"revised beyond the preliminary's printed rounding, {int((~beyond).sum())} within "
            f"it (the bulletin's extra digits): {examples}{more}"
        ]
    later = both[both["vintage_held"].astype(str) > both["vintage"].astype(str)]
    if later.empty:
        return []
    return [
        f"the store already holds the monthly bulletin's figure for {len(later)} value(s) that "
        f"this page prints differently; the bulletin is the later vintage and stays in force "
        f"(this page's figures are kept as earlier vintages)"
    ]

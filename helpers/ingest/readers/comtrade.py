"""UN Comtrade monthly files (portal downloads or comtradeapicall results) -> canonical rows.

Input columns (Comtrade+ names; a few legacy names are accepted): ``period`` (YYYYMM) or
``refPeriodId`` (YYYYMMDD) or ``refYear``+``refMonth``; ``reporterCode`` (must be 156, China);
``flowCode`` (X = export, M = import; re-export/re-import codes are dropped with a note);
``partnerCode`` or ``partnerISO``; ``cmdCode`` (``TOTAL`` or an HS2/4/6 code); ``primaryValue``
(USD); optional ``qty``, ``qtyUnitAbbr``, ``netWgt``. Breakdown rows (``partner2Code`` not 0,
``motCode`` not 0, ``customsCode`` not C00) are dropped so nothing is counted twice.

Products. ``TOTAL`` comes only from cmdCode TOTAL. Any other kit product is the sum of the
coarsest file codes that lie wholly inside it (an HS code belongs to the node with the longest
matching prefix in products.csv and all its ancestors), and only when those codes cover every
HS prefix of the node and its descendants; otherwise the product is left out. Residual lines
(``*_other``, ``other``: no HS codes, no children) are parent minus siblings when all are known.
Codes present for some partner of a month and flow count as zero for partners without a row.

Partners. ``data/classifications/comtrade_partners.csv`` maps Comtrade codes (or ISO3) to kit
codes: named countries; EU, ASEAN, Latin American and African countries not shown separately to
``eu_other``, ``asean_other``, ``latin_america_other``, ``africa_other``; a list of Belt and Road
signatories outside those groups to ``other_belt_and_road``; everything else (including China
itself, Macao, Switzerland ...) to ``rest_of_world``. Partner 0 is ``WORLD``. Residual lines and
blocs (summed from member lines with dated membership as of each month) are produced only when
the file's partner rows add up to its World row (within 1%), i.e. the file holds every partner.

Values are USD; quantities are converted (kg -> tonnes, u -> units, 2u -> pairs) for products
that have a canonical unit, else left empty. ``fetch_comtrade`` pulls the same data live through
comtradeapicall (optional dependency; used only by the importer's ``--live``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import classifications
from helpers.paths import CLASSIFICATIONS_DIR
from helpers.schema import CANONICAL_COLUMNS, DataValidationError, Problem, TradeKitError

CHINA = "156"
PARTNER_FILE = CLASSIFICATIONS_DIR / "comtrade_partners.csv"
FLOWS = {"X": "export", "M": "import", "EXPORT": "export", "IMPORT": "import"}
DROPPED_FLOWS = {"RX", "RM", "DX", "FM", "RE-EXPORT", "RE-IMPORT"}
ALIASES = {
    "period": ["period", "Period"],
    "refPeriodId": ["refPeriodId"],
    "refYear": ["refYear", "Year"],
    "refMonth": ["refMonth"],
    "freqCode": ["freqCode"],
    "reporterCode": ["reporterCode", "Reporter Code", "rtCode"],
    "flowCode": ["flowCode", "Trade Flow", "rgDesc"],
    "partnerCode": ["partnerCode", "Partner Code", "ptCode"],
    "partnerISO": ["partnerISO", "Partner ISO", "ptTitle3"],
    "cmdCode": ["cmdCode", "Commodity Code"],
    "primaryValue": ["primaryValue", "Trade Value (US$)", "TradeValue"],
    "qty": ["qty", "Qty"],
    "qtyUnitAbbr": ["qtyUnitAbbr", "Qty Unit"],
    "netWgt": ["netWgt", "Netweight (kg)"],
    "partner2Code": ["partner2Code"],
    "motCode": ["motCode"],
    "customsCode": ["customsCode"],
}
TOTAL_CODES = {"partner2Code": {"0", ""}, "motCode": {"0", ""}, "customsCode": {"C00", ""}}
UNITS = {
    "kg": ("tonnes", 1e-3),
    "u": ("units", 1.0),
    "2u": ("pairs", 1.0),
    "1000u": ("units", 1e3),
    "12u": ("units", 12.0),
}
REL_TOL = 0.01


class ComtradeError(DataValidationError):
    """A Comtrade file is not China's monthly data or has unreadable cells."""


class ComtradeLiveError(TradeKitError):
    """The live pull failed (comtradeapicall missing, API error or empty answer)."""


@cache
def partner_map() -> tuple[dict[str, str], dict[str, str]]:
    """Comtrade numeric code -> kit partner, and ISO3 -> kit partner."""
    table = pd.read_csv(PARTNER_FILE, dtype=str, keep_default_na=False)
    by_code = dict(zip(table["comtrade_code"].str.strip(), table["partner"], strict=True))
    by_iso = dict(zip(table["iso3"].str.strip().str.upper(), table["partner"], strict=True))
    by_iso.pop("", None)
    return by_code, by_iso


def _clean_code(code: str) -> str:
    code = str(code).strip()
    if code.endswith(".0"):
        code = code[:-2]
    if code.upper() == "TOTAL":
        return "TOTAL"
    if code.isdigit() and len(code) % 2 == 1 and len(code) < 6:
        code = "0" + code  # leading zero lost by a spreadsheet
    return code


@cache
def _tree(flow: str) -> tuple[dict[str, list[str]], dict[str, str], dict[str, set[str]]]:
    """Per node: own HS prefixes; parent; the node and its descendants."""
    tree = classifications.product_tree(flow)
    own = {code: [p for p in str(row["hs_codes"]).split(";") if p] for code, row in tree.iterrows()}
    parent = {code: row["parent"] for code, row in tree.iterrows()}
    below = {code: {code} for code in tree.index}
    for code in tree.index:
        node = parent[code]
        while node:
            below[node].add(code)
            node = parent[node]
    return own, parent, below


def product_plan(flow: str, codes: set[str]) -> dict[str, list[str]]:
    """For each kit product computable from `codes`, the file codes whose values add up to it."""
    own, _, below = _tree(flow)
    kit = sorted(((p, node) for node, ps in own.items() for p in ps), key=lambda t: -len(t[0]))
    hs = sorted(c for c in codes if c != "TOTAL")

    def node_of(code: str) -> str | None:
        return next((node for p, node in kit if code.startswith(p)), None)

    plan = {"TOTAL": ["TOTAL"]} if "TOTAL" in codes else {}
    for node, inside in below.items():
        prefixes = [p for n in inside for p in own[n]]
        if node == "TOTAL" or not prefixes:
            continue

        def wholly_inside(code: str, inside=inside) -> bool:
            return node_of(code) in inside and all(
                n in inside for p, n in kit if p.startswith(code) and len(p) > len(code)
            )

        fit = [c for c in hs if wholly_inside(c)]
        chosen = [c for c in fit if not any(c != o and c.startswith(o) for o in fit)]
        if all(any(p.startswith(c) for c in chosen) for p in prefixes):
            plan[node] = chosen
    return plan


def residual_nodes(flow: str) -> list[str]:
    """Partition lines with neither HS codes nor children: parent minus siblings."""
    tree = classifications.product_tree(flow)
    kids = set(tree["parent"])
    return [
        code
        for code, row in tree.iterrows()
        if row["in_partition"] and not row["hs_codes"] and code not in kids and row["parent"]
    ]


def resolve_columns(raw: pd.DataFrame, name: str) -> pd.DataFrame:
    """Rename known aliases to Comtrade+ names; check the required columns (ComtradeError
    naming the file `name`)."""
    rename = {}
    for target, names in ALIASES.items():
        found = next((n for n in names if n in raw.columns), None)
        if found and target not in raw.columns:
            rename[found] = target
    frame = raw.rename(columns=rename)
    has_period = (
        "period" in frame or "refPeriodId" in frame or {"refYear", "refMonth"} <= set(frame.columns)
    )
    problems = [
        Problem(name, 1, col, "required column is missing")
        for col, ok in [
            ("period", has_period),
            ("reporterCode", "reporterCode" in frame),
            ("flowCode", "flowCode" in frame),
            ("partnerCode", "partnerCode" in frame or "partnerISO" in frame),
            ("cmdCode", "cmdCode" in frame),
            ("primaryValue", "primaryValue" in frame),
        ]
        if not ok
    ]
    if problems:
        raise ComtradeError(problems)
    return frame


def _periods(frame: pd.DataFrame, name: str, problems: list[Problem]) -> pd.Series:
    if "period" in frame:
        text, column = frame["period"].astype(str).str.strip().str.removesuffix(".0"), "period"
    elif "refPeriodId" in frame:
        text = frame["refPeriodId"].astype(str).str.strip().str.removesuffix(".0").str[:6]
        column = "refPeriodId"
    else:
        text = frame["refYear"].astype(str).str.strip().str.removesuffix(".0") + frame[
            "refMonth"
        ].astype(str).str.strip().str.removesuffix(".0").str.zfill(2)
        column = "refMonth"
    out = pd.Series(pd.NaT, index=frame.index, dtype="period[M]")
    good = text.str.fullmatch(r"(19|20)\d{2}(0[1-9]|1[0-2])")
    for idx in frame.index[~good]:
        value = frame.at[idx, column]
        hint = " (annual data: download monthly data, freqCode M)" if len(str(value)) == 4 else ""
        problems.append(
            Problem(
                name, int(frame.at[idx, "_line"]), column, f"'{value}' is not a month YYYYMM{hint}"
            )
        )
    out[good] = pd.PeriodIndex(text[good].str[:4] + "-" + text[good].str[4:], freq="M")
    return out


def _numbers(
    frame: pd.DataFrame, column: str, name: str, problems: list[Problem], required: bool
) -> pd.Series:
    raw = frame[column].astype(str).str.strip()
    missing = raw.isin(["", "nan", "None", "NaN"])
    numbers = pd.to_numeric(raw.where(~missing), errors="coerce").astype("float64")
    bad = numbers.isna() & ~missing
    if required:
        bad |= missing
    bad |= numbers < 0
    for idx in frame.index[bad.to_numpy()]:
        problems.append(
            Problem(
                name,
                int(frame.at[idx, "_line"]),
                column,
                f"'{frame.at[idx, column]}' is not a non-negative number",
            )
        )
    return numbers


def _quantities(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Quantity of each row in each canonical unit (NaN where not convertible)."""
    out = {}
    unit = (
        frame["qtyUnitAbbr"].astype(str).str.strip().str.lower()
        if "qtyUnitAbbr" in frame
        else pd.Series("", index=frame.index)
    )
    qty = (
        pd.to_numeric(frame["qty"], errors="coerce")
        if "qty" in frame
        else pd.Series(np.nan, index=frame.index)
    )
    weight = (
        pd.to_numeric(frame["netWgt"], errors="coerce")
        if "netWgt" in frame
        else pd.Series(np.nan, index=frame.index)
    )
    for target in ("tonnes", "units", "pairs"):
        factor = unit.map({k: f for k, (t, f) in UNITS.items() if t == target})
        values = qty * factor
        if target == "tonnes":
            values = values.fillna(weight * 1e-3)
        out[target] = values
    return out


def frame_from_comtrade(
    raw: pd.DataFrame,
    name: str = "comtrade",
    vintage: str | None = None,
    source: str = "comtrade",
) -> pd.DataFrame:
    """Turn a Comtrade table (file contents or API result) into canonical USD rows."""
    frame = resolve_columns(raw.copy(), name)
    if "_line" not in frame:
        frame["_line"] = np.arange(len(frame)) + 2
    notes: list[str] = []
    problems: list[Problem] = []
    if "freqCode" in frame:
        annual = frame["freqCode"].astype(str).str.strip().str.upper().eq("A")
        for idx in frame.index[annual.to_numpy()][:20]:
            problems.append(
                Problem(
                    name,
                    int(frame.at[idx, "_line"]),
                    "freqCode",
                    "annual data (freqCode A): the kit needs monthly data (M)",
                )
            )
        if problems:
            raise ComtradeError(problems)
    reporter = frame["reporterCode"].astype(str).str.strip().str.removesuffix(".0")
    for idx in frame.index[(reporter != CHINA).to_numpy()]:
        desc = frame.at[idx, "reporterDesc"] if "reporterDesc" in frame else ""
        problems.append(
            Problem(
                name,
                int(frame.at[idx, "_line"]),
                "reporterCode",
                f"reporter is {reporter[idx]} {desc}".rstrip()
                + f", not China ({CHINA}): this reader takes China's own data",
            )
        )
    if problems:
        raise ComtradeError(problems)

    keep = pd.Series(True, index=frame.index)
    for column, totals in TOTAL_CODES.items():
        if column in frame:
            keep &= frame[column].astype(str).str.strip().str.removesuffix(".0").isin(totals)
    if (~keep).any():
        notes.append(
            f"{int((~keep).sum())} breakdown row(s) (partner2/mode/customs procedure) dropped"
        )
    flow_text = frame["flowCode"].astype(str).str.strip().str.upper()
    dropped = flow_text.isin(DROPPED_FLOWS)
    if dropped.any():
        notes.append(f"{int(dropped.sum())} re-export/re-import row(s) dropped")
    unknown = ~flow_text.isin(FLOWS) & ~dropped
    for idx in frame.index[unknown.to_numpy()]:
        problems.append(
            Problem(
                name,
                int(frame.at[idx, "_line"]),
                "flowCode",
                f"'{frame.at[idx, 'flowCode']}' is not X (export) or M (import)",
            )
        )
    frame = frame[keep & ~dropped]
    flow_text = flow_text[frame.index]
    periods = _periods(frame, name, problems)
    values = _numbers(frame, "primaryValue", name, problems, required=True)
    cmd = frame["cmdCode"].map(_clean_code)
    bad_cmd = ~(cmd.eq("TOTAL") | cmd.str.fullmatch(r"\d{2}|\d{4}|\d{6}"))
    for idx in frame.index[bad_cmd.to_numpy()]:
        problems.append(
            Problem(
                name,
                int(frame.at[idx, "_line"]),
                "cmdCode",
                f"'{frame.at[idx, 'cmdCode']}' is not TOTAL or an HS2/4/6 code",
            )
        )
    if problems:
        raise ComtradeError(problems)

    by_code, by_iso = partner_map()
    if "partnerCode" in frame:
        code = frame["partnerCode"].astype(str).str.strip().str.removesuffix(".0")
        partner = code.map(by_code)
    else:
        partner = pd.Series(np.nan, index=frame.index, dtype=object)
    if "partnerISO" in frame:
        partner = partner.fillna(
            frame["partnerISO"].astype(str).str.strip().str.upper().map(by_iso)
        )
    partner = partner.fillna("rest_of_world")
    rows = pd.DataFrame(
        {
            "period": periods,
            "flow": flow_text.map(FLOWS),
            "partner": partner,
            "cmd": cmd,
            "value": values,
            **{f"q_{u}": q for u, q in _quantities(frame).items()},
        }
    )
    rows = rows[rows["partner"] != "_aggregate"]
    return kit_rows(rows, vintage or datetime.now(UTC).date().isoformat(), source, notes)


def _sum_nan(frame: pd.DataFrame, by: list[str], columns: list[str]) -> pd.DataFrame:
    """Group sums in which any NaN makes the sum NaN."""
    grouped = frame.groupby(by, observed=True)
    sums = grouped[columns].sum()
    gaps = frame[columns].isna().groupby([frame[c] for c in by], observed=True).sum()
    return sums.where(gaps == 0)


def kit_rows(rows: pd.DataFrame, vintage: str, source: str, notes: list[str]) -> pd.DataFrame:
    """Comtrade leaf rows (period, flow, partner, cmd, value, quantities) summed into the kit's
    partners, blocs and product lines as store rows; what is left out is added to `notes`."""
    qcols = ["q_tonnes", "q_units", "q_pairs"]
    leaves = _sum_nan(rows, ["period", "flow", "partner", "cmd"], ["value", *qcols])
    kinds = classifications.partners()["kind"]
    out = []
    for (period, flow), block in leaves.groupby(level=["period", "flow"], observed=True):
        block = block.droplevel(["period", "flow"])
        present = block["value"].unstack("cmd").notna()
        value = block["value"].unstack("cmd", fill_value=0.0)
        # a code without a row for a partner is a zero, not an unknown quantity
        quantity = {
            c: block[c].unstack("cmd").reindex_like(value).where(present, 0.0) for c in qcols
        }
        plan = product_plan(flow, set(value.columns))
        if not plan:
            notes.append(f"{period} {flow}: no kit product can be built from the file's codes")
            continue
        units = classifications.product_tree(flow)["quantity_unit"]
        lines = {}
        for node, codes in plan.items():
            total = value[codes].sum(axis=1)
            unit = units.get(node, "")
            if unit:
                q = quantity[f"q_{unit}"][codes]
                qty = q.sum(axis=1).where(q.notna().all(axis=1))
            else:
                qty = pd.Series(np.nan, index=value.index)
            lines[node] = (total, qty, unit)
        _, parent, _ = _tree(flow)
        for node in residual_nodes(flow):
            up = parent[node]
            siblings = [k for k in classifications.children(flow, up) if k != node]
            if up in lines and all(s in lines for s in siblings):
                rest = lines[up][0] - sum(lines[s][0] for s in siblings)
                negative = rest < -0.5
                if negative.any():
                    notes.append(
                        f"{period} {flow} {node}: parent below its parts for "
                        f"{', '.join(rest.index[negative])}; line left out there"
                    )
                lines[node] = (
                    rest.clip(lower=0).where(~negative),
                    pd.Series(np.nan, index=rest.index),
                    "",
                )
        partners = _partner_lines(value, lines, period, flow, kinds, notes)
        for node, (total, qty, unit) in partners.items():
            part = pd.DataFrame(
                {
                    "partner": total.index,
                    "product": node,
                    "value": total.to_numpy(),
                    "quantity": qty.to_numpy(),
                    "quantity_unit": unit or None,
                }
            )
            part = part[part["value"].notna()]
            out.append(part.assign(period=period, flow=flow))
    if not out:
        frame = pd.DataFrame(columns=CANONICAL_COLUMNS)
    else:
        frame = pd.concat(out, ignore_index=True)
        frame["quantity_unit"] = frame["quantity_unit"].where(frame["quantity"].notna(), None)
        frame = frame.assign(
            months=1, currency="USD", measure="level", source=source, vintage=vintage
        )[CANONICAL_COLUMNS]
        frame = frame.sort_values(["period", "flow", "partner", "product"]).reset_index(drop=True)
    frame.attrs["notes"] = notes
    return frame


def _partner_lines(value, lines, period, flow, kinds, notes):
    """Keep WORLD and named countries; add residual lines and blocs if the file is complete."""
    world = value.index == "WORLD"
    complete = False
    if world.any():
        parts = value[~world].sum(axis=0)
        target = value[world].iloc[0]
        complete = bool(len(value[~world])) and bool(
            (np.abs(parts - target) <= REL_TOL * target.abs() + 1.0).all()
        )
    if not complete and (~world).any():
        notes.append(
            f"{period} {flow}: partner rows do not add up to a World row - only WORLD "
            "and named countries kept (no residual lines or blocs)"
        )
    result = {}
    for node, (total, qty, unit) in lines.items():
        kind = total.index.map(lambda p: kinds.get(p, "residual"))
        keep = (kind == "total") | (kind == "country") | complete
        total, qty = total[keep], qty[keep]
        if complete:
            members = {b: classifications.members(b, period) for b in classifications.blocs()}
            blocs = {b: total.reindex(m, fill_value=0.0).sum() for b, m in members.items()}
            bloc_q = {
                b: qty.reindex(m, fill_value=0.0).sum(skipna=False) if unit else np.nan
                for b, m in members.items()
            }
            total = pd.concat([total, pd.Series(blocs)])
            qty = pd.concat([qty, pd.Series(bloc_q, dtype=float)])
        result[node] = (total, qty, unit)
    return result


def read_comtrade(path: str | Path, vintage: str | None = None) -> pd.DataFrame:
    """Read a Comtrade CSV/XLSX download of China's monthly data into canonical rows."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xls"):
        raw = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
    else:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raw["_line"] = np.arange(len(raw)) + 2
    return frame_from_comtrade(raw, str(path), vintage)


def _yyyymm(period) -> str:
    return (
        pd.Period(str(period).replace("/", "-"), freq="M").strftime("%Y%m")
        if not str(period).isdigit()
        else str(period)
    )


def fetch_comtrade(
    period: str | list[str],
    api_key: str,
    flows: str = "X,M",
    cmd_codes: str = "TOTAL",
    partners: str | None = None,
    max_records: int = 250000,
) -> pd.DataFrame:
    """Pull China's monthly data from the Comtrade API (comtradeapicall); returns raw rows."""
    try:
        import comtradeapicall
    except ImportError as error:
        raise ComtradeLiveError(
            "the live Comtrade pull needs the comtradeapicall package: pip install comtradeapicall"
        ) from error
    periods = [period] if isinstance(period, str) else list(period)
    text = ",".join(_yyyymm(p) for q in periods for p in str(q).split(","))
    try:
        raw = comtradeapicall.getFinalData(
            api_key,
            typeCode="C",
            freqCode="M",
            clCode="HS",
            period=text,
            reporterCode=CHINA,
            cmdCode=cmd_codes,
            flowCode=flows,
            partnerCode=partners,
            partner2Code="0",
            customsCode="C00",
            motCode="0",
            maxRecords=max_records,
            format_output="JSON",
            aggregateBy=None,
            breakdownMode="classic",
            countOnly=None,
            includeDesc=True,
        )
    except Exception as error:  # the client raises bare exceptions on HTTP errors
        raise ComtradeLiveError(f"Comtrade API call failed: {error}") from error
    if raw is None or len(raw) == 0:
        raise ComtradeLiveError(
            f"Comtrade returned no rows for China, period {text}, "
            f"cmdCode {cmd_codes}, flows {flows}"
        )
    return pd.DataFrame(raw)

"""The release-day flash note: rules, formatting, traceability to figures.csv, files to paste."""

from __future__ import annotations

import json
import re
import struct

import pandas as pd
import pytest

from helpers import note, note_files
from helpers.ingest import importer
from helpers.paths import SHARED_DIR
from helpers.report.runner import run_report

COLUMNS = ["metric", "flow", "dimension", "item", "period", "value", "unit", "view"]
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
GAC = SHARED_DIR / "fixtures" / "gac"


def frame(rows) -> pd.DataFrame:
    """A figures table from (metric, flow, dimension, item, period, value, unit, view) tuples."""
    return pd.DataFrame(rows, columns=COLUMNS)


def flat_note(figures: pd.DataFrame, period: str, views: list[str] | None = None) -> str:
    """The note's markdown for `figures` with its whitespace folded to single spaces."""
    meta = {"period": period} | ({"views": views} if views else {})
    return " ".join(note.render_markdown(note.build_note(figures, meta)).split())


# --------------------------------------------------------------------------- rules (fast)


@pytest.mark.parametrize(
    "current, previous, word",
    [
        (8.3, 4.4, "accelerated"),
        (4.4, 8.3, "slowed"),
        (-4.1, -5.6, "narrowed"),
        (-28.0, -10.0, "widened"),
        (6.6, 6.2, "held steady"),  # 0.4 pp within the 0.5 pp band
        (-1.0, 2.0, "reversed into decline"),
        (0.5, -3.0, "returned to growth"),
    ],
)
def test_direction_words(current, previous, word):
    assert note.direction(current, previous, band=0.5) == word


def test_consensus_words():
    assert note.versus_consensus(1.7, 0.5) == "beat"
    assert note.versus_consensus(-0.6, 0.5) == "missed"
    assert note.versus_consensus(0.5, 0.5) == "was in line with"


def test_number_formats():
    assert note.fmt_pct(8.3) == "8.3%" and note.fmt_pct(8.3, signed=True) == "+8.3%"
    assert note.fmt_pct(-4.1) == "-4.1%" and note.fmt_pct(-0.04) == "0.0%"
    assert note.fmt_pp(7.7) == "+7.7 pp" and note.fmt_pp(-0.04) == "0.0 pp"
    assert note.fmt_money(90.5, "usd_bn") == "USD 90.5bn"
    assert note.fmt_money(1234.5, "cny_bn") == "CNY 1,234.5bn"
    assert note.fmt_money(8.8, "usd_bn", signed=True) == "+8.8bn"
    assert note.moved(-27.0) == "fell 27.0%" and note.moved(13.1) == "rose 13.1%"


def test_thresholds_file_errors_name_the_file(tmp_path):
    bad = tmp_path / "rules.yaml"
    bad.write_text("steady_band_pp: 0.5\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"rules\.yaml.*consensus_band_pp"):
        note.load_thresholds(bad)
    rules = note.load_thresholds()
    bad.write_text(
        "\n".join(f"{k}: {'-1' if k == 'movers' else v}" for k, v in rules.items()
                  if not isinstance(v, dict | list)), encoding="utf-8")  # fmt: skip
    with pytest.raises(ValueError, match="'movers' must be a non-negative number"):
        note.load_thresholds(bad)


def test_note_without_consensus_or_previous_month_says_so_once():
    figures = frame([
        ("yoy", "export", "total", "total", "2025-07", 7.0, "pct", "headline"),
        ("yoy", "import", "total", "total", "2025-07", 2.0, "pct", "headline"),
        ("balance", "net", "total", "total", "2025-07", 117.0, "usd_bn", "headline"),
        ("balance_change_yoy", "net", "total", "total", "2025-07", 17.0, "usd_bn", "headline"),
    ])  # fmt: skip
    text = note.render_markdown(note.build_note(figures, {"period": "2025-07"}))
    assert "Exports rose 7.0% y/y." in text
    assert "The trade surplus was USD 117.0bn (+17.0bn on a year earlier)." in text
    assert text.count("## Not covered") == 1
    covered = text.split("## Not covered")[1]
    assert "a survey consensus" in covered and "the previous month's growth" in covered
    assert "the product view (not in this report)" in covered
    assert not re.search(r"\b(nan|inf|None)\b", text)


SEPT = [
    ("yoy", "export", "total", "total", "2025-09", 8.3, "pct", "headline"),
    ("yoy", "export", "total", "total", "2025-08", 4.4, "pct", "headline"),
    ("consensus_yoy", "export", "total", "total", "2025-09", 6.6, "pct", "headline"),
    ("surprise", "export", "total", "total", "2025-09", 1.7, "pp", "headline"),
    ("yoy", "import", "total", "total", "2025-09", 7.4, "pct", "headline"),
    ("balance", "net", "total", "total", "2025-09", 90.5, "usd_bn", "headline"),
    ("balance", "net", "total", "total", "2025-08", 93.3, "usd_bn", "headline"),
    ("consensus_balance", "net", "total", "total", "2025-09", 94.6, "usd_bn", "headline"),
    ("contribution", "export", "product", "electromechanical", "2025-09", 7.7, "pp", "product"),
    ("contribution", "export", "product", "integrated_circuits", "2025-09", 1.5, "pp", "product"),
    ("contribution", "export", "product", "general_machinery", "2025-09", 1.2, "pp", "product"),
    ("contribution", "export", "product", "labour_intensive", "2025-09", -0.7, "pp", "product"),
    ("yoy", "export", "product", "electromechanical", "2025-09", 13.1, "pct", "product"),
    ("yoy", "export", "product", "integrated_circuits", "2025-09", 32.7, "pct", "product"),
    ("yoy", "export", "product", "general_machinery", "2025-09", 24.8, "pct", "product"),
    ("yoy", "export", "product", "labour_intensive", "2025-09", -4.1, "pct", "product"),
    ("yoy", "export", "partner", "united_states", "2025-09", -27.0, "pct", "regional"),
    ("yoy", "export", "partner", "united_states", "2025-08", -33.0, "pct", "regional"),
    ("yoy", "export", "partner", "non_us", "2025-09", 14.8, "pct", "regional"),
]


def test_claim_title_from_the_figures():
    rules = note.load_thresholds()
    fig = note.Figures(frame(SEPT))
    # beat (+1.7 > 0.5); electromechanical leads (+7.7 pp); ICs (+1.5 pp, 32.7%) and machinery
    # (+1.2 pp, 24.8%) each add >= 1.0 pp and grew >= 20%: "surge"; US negative twice: "keep"
    assert note.claim_title(fig, "2025-09", rules) == (
        "Exports beat forecasts as chip and machinery shipments surge; US sales keep falling")
    missed = [r for r in SEPT if r[0] != "surprise"] + [
        ("surprise", "export", "total", "total", "2025-09", -0.6, "pp", "headline")]
    small = [r if r[3] != "general_machinery" or r[0] != "contribution"
             else (*r[:5], 0.9, "pp", "product") for r in missed]  # 0.9 < 1.0: not named
    title = note.claim_title(note.Figures(frame(small)), "2025-09", rules)
    assert title == "Exports miss forecasts as chip shipments surge; US sales keep falling"
    # no consensus, no products, US growing after a fall
    bare = [("yoy", "export", "total", "total", "2025-09", 2.0, "pct", "headline"),
            ("yoy", "export", "total", "total", "2025-08", 4.4, "pct", "headline"),
            ("yoy", "export", "partner", "united_states", "2025-09", 3.0, "pct", "regional"),
            ("yoy", "export", "partner", "united_states", "2025-08", -3.0, "pct", "regional")]
    # 2.0 - 4.4 = -2.4 pp, beyond the 0.5 pp band: slows
    assert note.claim_title(note.Figures(frame(bare)), "2025-09", rules) == (
        "Export growth slows; US sales grow again")


def test_headline_rules_on_hand_made_figures():
    rows = SEPT + [
        ("yoy_quarter", "export", "total", "total", "2025-Q2", 6.2, "pct", "headline"),
        ("yoy_quarter", "export", "total", "total", "2025-Q3", 6.3, "pct", "headline"),
    ]
    text = note.render_markdown(note.build_note(frame(rows), {"period": "2025-09"}))
    flat = " ".join(text.split())
    # 90.5 - 94.6 = -4.1bn, beyond the 1.0bn band: below; 90.5 < 93.3: narrower
    assert ("The trade surplus was USD 90.5bn, below the USD 94.6bn consensus and narrower "
            "than USD 93.3bn in August.") in flat  # fmt: skip
    # 6.3 - 6.2 = 0.1 pp, within the 0.2 pp quarterly band: held steady
    assert "quarterly growth held steady." in flat
    assert "Excluding the US, exports rose 14.8%." in flat
    # two sentences of summary under the title
    summary = text.split("\n\n")[2]
    assert summary.startswith("**Exports rose 8.3% y/y in September, 1.7 pp above consensus")
    assert summary.count(". ") + 1 == 2


def test_products_no_item_twice_and_watch_lines():
    rows = [r for r in SEPT if r[2] != "product"] + [
        ("contribution", "export", "product", "electromechanical", "2025-02", 0.2, "pp", "product"),
        ("contribution", "export", "product", "vehicles", "2025-02", 0.7, "pp", "product"),
        ("contribution", "export", "product", "integrated_circuits", "2025-02", 0.6, "pp",
         "product"),
        ("contribution", "export", "product", "mobile_phones", "2025-02", -0.5, "pp", "product"),
        ("contribution", "export", "product", "toys", "2025-02", -0.3, "pp", "product"),
        ("yoy", "export", "product", "electromechanical", "2025-02", 1.0, "pct", "product"),
        ("yoy", "export", "product", "vehicles", "2025-02", 26.3, "pct", "product"),
        ("yoy", "export", "product", "integrated_circuits", "2025-02", 13.8, "pct", "product"),
        ("yoy", "export", "product", "mobile_phones", "2025-02", -12.1, "pct", "product"),
        ("yoy", "export", "product", "toys", "2025-02", -28.0, "pct", "product"),
        ("yoy", "export", "product", "toys", "2024-12", -10.0, "pct", "product"),
    ]  # fmt: skip
    text = note.render_markdown(note.build_note(frame(rows), {"period": "2025-02"}))
    products = " ".join(text.split("## Products")[1].split("##")[0].split())
    # no group adds 0.5 pp: the leaves adding most, largest first (0.7 > 0.6)
    assert ("the lines adding most were motor vehicles (26.3%, +0.7 pp) and integrated circuits "
            "(13.8%, +0.6 pp).") in products  # fmt: skip
    # phones move by 12.1% >= 5%: said; ICs already named: not twice
    assert "Mobile phones fell 12.1% (-0.5 pp)." in products
    assert products.count("integrated circuits") == 1
    # toys: a mover (|-28.0| >= 20) and a widening decline against December: named once
    assert products.count("toys") == 1


def test_janfeb_compares_with_december_and_marks_two_month_sums():
    rows = [
        ("yoy", "export", "total", "total", "2025-02", -0.6, "pct", "headline"),
        ("yoy", "export", "total", "total", "2024-12", 10.8, "pct", "headline"),
        ("balance", "net", "total", "total", "2025-02", 122.6, "usd_bn", "headline"),
        ("balance", "net", "total", "total", "2024-12", 118.6, "usd_bn", "headline"),
    ]
    text = note.render_markdown(note.build_note(frame(rows), {"period": "2025-02"}))
    flat = " ".join(text.split())
    assert "The trend reversed into decline from 10.8% in December (a single month)." in flat
    assert ("The January-February trade surplus, a two-month sum, was USD 122.6bn; December "
            "alone was USD 118.6bn.") in flat  # fmt: skip
    assert "Chinese New Year fell on 29 January this year against 10 February last year" in flat
    assert "| | Latest | December |" in flat.replace("|  |", "| |")


def _outlook_rows(cover: float, parts=(-1.3, -0.4, -0.3), total=-1.9):
    rows = [("forecast_yoy", "export", "total", "total", "2025-10", 2.5, "pct", "outlook"),
            ("forecast_lo80", "export", "total", "total", "2025-10", -1.1, "pct", "outlook"),
            ("forecast_hi80", "export", "total", "total", "2025-10", 6.2, "pct", "outlook"),
            ("rmse_ratio_random_walk", "export", "model", "sarimax_h1", "2025-09", 0.7, "ratio",
             "outlook"),
            ("rmse_ratio_random_walk", "export", "model", "combo_h1", "2025-09", 0.9, "ratio",
             "outlook"),
            ("coverage80", "export", "model", "sarimax_h1", "2025-09", cover, "share", "outlook"),
            ("coverage80", "export", "model", "combo_h1", "2025-09", 0.8, "share", "outlook")]
    labels = list(note.load_thresholds()["scenario_labels"])
    rows += [("scenario_effect", "export", "scenario", c, "2025-09", v, "pp", "outlook")
             for c, v in zip(labels, parts, strict=True)]
    rows.append(("scenario_effect", "export", "scenario", "total", "2025-09", total, "pp",
                 "outlook"))
    return frame(rows)


def test_honest_band_and_scenario_totals():
    # the fan model is sarimax (ratio 0.7 < 0.9); its 80% bands held 60%: 20 pp off, > 10 pp
    text = " ".join(note.render_markdown(
        note.build_note(_outlook_rows(0.6), {"period": "2025-09"})).split())
    assert ("its nominal 80% band, -1.1% to 6.2%, is not reliable: in the backtest this band "
            "held 60% of the time one month ahead") in text  # fmt: skip
    # -1.3 - 0.4 - 0.3 = -2.0 in print, not -1.9: no total printed
    assert "together" not in text and "each taken alone" in text
    # 75% is within 10 pp of 80%: quoted as an 80% band; -1.2 - 0.4 - 0.3 = -1.9: total printed
    text = " ".join(note.render_markdown(note.build_note(
        _outlook_rows(0.75, parts=(-1.2, -0.4, -0.3)), {"period": "2025-09"})).split())
    assert "with an 80% band of -1.1% to 6.2% (in the backtest, such bands held the outcome " \
           "75% of the time)" in text
    assert "together -1.9 pp on export growth" in text


def test_sheet_tables_labels_levels_and_order():
    figures = frame([
        ("yoy", "export", "product", "steel", "2025-09", -2.7, "pct", "product"),
        ("yoy", "export", "product", "steel", "2025-08", -6.0, "pct", "product"),
        ("contribution", "export", "product", "steel", "2025-09", -0.1, "pp", "product"),
        ("yoy", "export", "product", "total", "2025-09", 8.3, "pct", "product"),
        ("yoy", "export", "product", "integrated_circuits", "2025-09", 32.7, "pct", "product"),
        ("yoy", "export", "product", "high_tech", "2025-09", 9.9, "pct", "product"),
        ("yoy", "export", "product", "electromechanical", "2025-09", 13.1, "pct", "product"),
    ])  # fmt: skip
    tables = note_files.sheet_tables(figures)
    table = tables["Exports by product"]
    assert list(table.columns) == ["Item", "Level", "y/y %, Sep 2025", "y/y %, Aug 2025",
                                   "Contribution (pp), Sep 2025"]  # fmt: skip
    # GAC's order: the total first, then the tree (electromechanical, its ICs, ..., steel)
    assert list(table["Item"]) == ["Total", "Electromechanical products", "Integrated circuits",
                                   "Steel products", "High-tech products"]  # fmt: skip
    assert list(table["Level"]) == ["total", "line", "of which", "line", "memo"]
    steel = table[table["Item"] == "Steel products"].iloc[0]
    assert steel["y/y %, Aug 2025"] == -6.0
    assert table.attrs["units"]["Contribution (pp), Sep 2025"] == "pp"


# --------------------------------------------------------------------------- built reports (slow)


def _gac_store(tmp_path_factory):
    """A store built from the real GAC pages in ../shared (None when they are absent)."""
    if not GAC.is_dir():
        return None
    folder = tmp_path_factory.mktemp("gac_store")
    pages = [str(p) for p in sorted(GAC.glob("gac_s*.html"))]
    # a page the reader rejects leaves the store as it was; the rest are imported
    importer.main(["gac", *pages, "--store", str(folder)])
    assert any(folder.iterdir()), "no GAC page could be imported"
    return folder


CASES = {
    "2025-09": ("2025-09", "USD", None),
    "2025-08": ("2025-08", "USD", None),
    "janfeb": ("2025-02", "USD", None),
    "cny": ("2025-09", "CNY", None),
    "both": ("2025-09", "BOTH", None),
    "gac": ("2026-03", "CNY", "gac"),
}


class Reports:
    """Reports built on first use, once per session, through the runner (note files included)."""

    def __init__(self, tmp_path_factory):
        self.factory, self.built = tmp_path_factory, {}

    def get(self, name: str):
        if name not in self.built:
            period, currency, data = CASES[name]
            store = _gac_store(self.factory) if data == "gac" else None
            if data == "gac" and store is None:
                pytest.skip("shared GAC fixtures not present")
            out = self.factory.mktemp(f"note_{name}")
            self.built[name] = run_report(period, data=store, currency=currency, out=out,
                                          progress=None)  # fmt: skip
        return self.built[name]


@pytest.fixture(scope="session")
def reports(tmp_path_factory):
    """The note's report cases (see CASES), each built at most once per session."""
    return Reports(tmp_path_factory)


def _report(reports, name):
    folder = reports.get(name)
    figures = pd.read_csv(folder / "figures.csv", dtype={"period": str}, keep_default_na=False)
    return folder, (folder / "note.md").read_text(encoding="utf-8"), figures


def _formatted(value: float) -> str:
    return f"{abs(value):,.1f}"


NUMBER = re.compile(r"(?<![\w.])([+-]?)(\d[\d,]*(?:\.\d+)?)(%| pp|bn| Mt| mb/d)?")


def traced_numbers(text: str, figures: pd.DataFrame) -> list[str]:
    """Numbers in the note not found in figures.csv in the same rounding (empty = all traced).

    Dates (month names with years, quarters) are not figures; a derived figure's range is its
    row's low and high. "80% band" is the coverage named by
    the forecast_lo80/hi80 metrics. A signed number must match a figure with its sign; an unsigned
    one (after "rose"/"fell", "up"/"down") matches the figure's absolute value.
    """
    if "80% band" in text:
        assert (figures["metric"] == "forecast_lo80").any()
        text = text.replace("80% band", "band")
    # a band's measured coverage: a coverage80 row (a share) in whole percent
    covered = {f"{round(100 * float(v))}%" for v in
               figures.loc[figures["metric"] == "coverage80", "value"]}  # fmt: skip
    for held in re.findall(r"held (?:the outcome )?(\d+%) of the time", text):
        if held not in covered:
            return [f"coverage {held}"]
    text = re.sub(r"held (?:the outcome )?\d+% of the time", "held of the time", text)
    # dates: '29 January', 'Chart 2.' and chart file names are not figures
    text = re.sub(rf"\b\d{{1,2}} (?:{MONTHS})\b", "", text)
    text = re.sub(r"!\[Chart \d+\.[^]]*\]\([^)]*\)", "", text)
    text = re.sub(rf"\b(?:{MONTHS})(?:-(?:{MONTHS}))? \d{{4}}\b", "", text)
    text = re.sub(r"\bQ[1-4](?: \d{4})?\b", "", text)
    units = {"%": {"pct"}, " pp": {"pp"}, "bn": {"usd_bn", "cny_bn"}, "": {"usd_bn", "cny_bn"},
             " Mt": {"mt"}, " mb/d": {"mb_d"}}
    missing = []
    for sign, digits, suffix in NUMBER.findall(text):
        rows = figures[figures["unit"].isin(units[suffix or ""])]
        # a derived figure's range (low, high) is part of its row
        bounds = [rows[c] for c in ("low", "high") if c in rows]
        values = pd.to_numeric(pd.concat([rows["value"], *bounds]), errors="coerce").dropna()
        if "." not in digits or len(digits.split(".")[1]) != 1:
            missing.append(sign + digits + (suffix or ""))
            continue
        if sign:
            wanted = float(sign + digits.replace(",", ""))
            ok = any(f"{v:.1f}" == f"{wanted:.1f}" for v in values)
        else:
            ok = digits in {_formatted(v) for v in values}
        if not ok:
            missing.append(sign + digits + (suffix or ""))
    return missing


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_every_number_in_the_note_is_a_figure(reports, name):
    folder, text, figures = _report(reports, name)
    assert traced_numbers(text, figures) == []
    assert not re.search(r"\b(nan|inf|None|NaN)\b", text)
    assert text.count("## Not covered") <= 1
    words = note.prose_words(
        note.build_note(figures, {"period": CASES[name][0], "currency": CASES[name][1]})
    )
    # a both-currencies note carries one more paragraph: the CNY growth beside the USD figures
    assert words <= (650 if name == "both" else 600)
    if name in ("2025-09", "2025-08", "cny"):
        assert words >= 300


def _direction_ok(word: str, current: float, previous: float, band: float) -> bool:
    """The direction words, checked by hand on the printed numbers."""
    change = current - previous
    return {
        "accelerated": current >= 0 and previous >= 0 and change > band,
        "slowed": current >= 0 and previous >= 0 and change < -band,
        "narrowed": current < 0 and previous < 0 and change > band,
        "widened": current < 0 and previous < 0 and change < -band,
        "held steady": abs(change) <= band,
        "reversed into decline": previous >= 0 > current,
        "returned to growth": previous < 0 <= current,
    }[word]


WORDS = "accelerated|slowed|narrowed|widened|held steady|reversed into decline|returned to growth"


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_no_direction_word_contradicts_the_figures(reports, name):
    _, text, _ = _report(reports, name)
    band = note.load_thresholds()["steady_band_pp"]
    checked = 0
    # "X rose 8.3% ... Growth accelerated from 4.4%" / "fell 4.1% (-0.7 pp): the decline narrowed"
    pattern = re.compile(rf"(rose|fell) (\d+\.\d)%(?:(?!\. ).)*?[.:] "
                         rf"(?:the decline|growth|the trend) ({WORDS}) from (-?\d+\.\d)%",
                         re.IGNORECASE)  # fmt: skip
    for verb, now, word, before in pattern.findall(text):
        current = float(now) * (1 if verb == "rose" else -1)
        assert _direction_ok(word.lower(), current, float(before), band), (verb, now, word)
        checked += 1
    # "Declines narrowed in furniture and parts (-2.0% from -7.5%), ..."
    for word, listing in re.findall(r"[Dd]eclines? (narrowed|widened) in ([^.]*(?:\.\d[^.]*)*)\.",
                                    text):  # fmt: skip
        for now, before in re.findall(r"\((-?\d+\.\d)% from (-?\d+\.\d)%\)", listing):
            assert _direction_ok(word, float(now), float(before), band), (word, now, before)
            checked += 1
    # "beat the 6.6% consensus (+1.7 pp)"
    for word, sign in re.findall(r"(beat|missed|was in line with) the -?\d+\.\d% consensus "
                                 r"\(([+-]?)\d", text):  # fmt: skip
        assert {"beat": sign == "+", "missed": sign == "-"}.get(word, True)
        checked += 1
    # Jan-Feb has no previous month: only the consensus comparisons carry direction words
    assert checked >= {"gac": 0, "janfeb": 2}.get(name, 3)


@pytest.mark.slow
def test_september_note_tells_the_release_story(reports):
    _, text, figures = _report(reports, "2025-09")
    flat = " ".join(text.split())
    assert flat.startswith("# Exports beat forecasts as chip and machinery shipments surge; "
                           "US sales keep falling")  # fmt: skip
    claims = [
        # the two-sentence summary
        "**Exports rose 8.3% y/y in September, 1.7 pp above consensus, with electromechanical "
        "products adding 7.7 pp. Imports rose 7.4% and the surplus was USD 90.5bn against "
        "USD 94.6bn expected; exports to the US fell 27.0% while those to all other partners "
        "rose 14.8%.**",
        "Exports rose 8.3% y/y and beat the 6.6% consensus (+1.7 pp). "
        "Growth accelerated from 4.4% in August. Excluding the US, exports rose 14.8%. "
        "Over January-September 2025 exports rose 5.6% y/y, and +6.6% on a three-month sum.",
        "Imports rose 7.4% y/y and beat the 1.8% consensus (+5.6 pp). "
        "Growth accelerated from 1.3% in August.",
        # the balance against consensus (94.6) and the previous month (93.3)
        "The trade surplus was USD 90.5bn (+8.8bn on a year earlier), below the USD 94.6bn "
        "consensus and narrower than USD 93.3bn in August.",
        # 6.2 -> 6.6 is 0.4 pp, beyond the 0.2 pp quarterly band: not "held steady"
        "Over Q3 2025 exports rose 6.6% y/y after 6.2% in Q2: quarterly growth accelerated.",
        "Electromechanical products rose 13.1% (7.1% a month earlier), contributing +7.7 pp",
        "integrated circuits 32.7% (+1.5 pp)",
        "Labour-intensive products fell 4.1%",
        "the decline narrowed from -5.6%",
        "furniture and parts (-2.0% from -7.5%)",
        "steel products (-2.7% from -6.0%)",
        "Exports to the US fell 27.0%",
        "The decline narrowed from -33.0% a month earlier.",
        # ranked by contribution, largest first; Africa is a continent: "regions"
        "Africa (+2.7 pp; 56.4% y/y), ASEAN (+2.4 pp; 15.6% y/y) and the EU (+2.0 pp; 14.2% y/y) "
        "added most among regions.",
        "Rare earths rose 97.1% on prices (+106.0%), with volumes down 4.3%.",
        "Fertilizers rose 95.4% on volumes (+132.6%), with prices down 16.0%.",
        "Steel products fell 2.7% on prices (-5.7%), with volumes up 3.1%.",
        "Motor vehicles rose 10.9% on volumes (+24.0%), with prices down 10.6%.",
        "Imports from the US fell 16.1%.",
        # physical units (helpers.volumes.commodity_table): 48.7 Mt of crude at 7.33 bbl/t
        "In physical terms, China imported crude oil 48.7 Mt (11.9 mb/d, +0.8% y/y)",
        # contributions, not growth, where the sentence says "added"
        "By origin, ASEAN (+1.6 pp; 10.8% y/y), Latin America (+1.5 pp; 17.5% y/y) and the EU "
        "(+1.3 pp; 12.7% y/y) added most to import growth among regions.",
        "Export volumes \u2248+12.6% y/y on lines covering 21.5% of exports (unit values -1.7%);"
        " import volumes \u2248+7.1% y/y on lines covering 45.5% of imports (unit values +1.4%)",
    ]
    for claim in claims:
        assert claim in flat, claim
    products = flat.split("## Products")[1].split("##")[0]
    assert products.count("toys") == 1  # no item twice in a paragraph
    imports = text.split("## Imports")[1].split("##")[0].strip().split("\n\n")
    assert "Among commodities with the largest contributions:" not in imports[0]  # a fragment
    assert all(paragraph.count("crude oil") <= 1 for paragraph in imports)  # once a paragraph
    outlook = flat.split("## Outlook")[1].split("##")[0]
    assert "Base effects:" in outlook
    # the band quoted is honest: as an 80% band only when its backtest coverage is within 10 pp
    band = re.search(r"80% band(?: of|,) (-?\d+\.\d)% to (-?\d+\.\d)%", outlook)
    assert band
    held = re.search(r"held (?:the outcome )?(\d+)% of the time", outlook)
    assert held
    if "not reliable" in outlook:
        assert abs(int(held.group(1)) - 80) > 10
    else:
        assert abs(int(held.group(1)) - 80) <= 10
    # scenario parts and their total agree in print (or no total is printed)
    risks = outlook.split("Risks")[1]
    parts = [float(v) for v in re.findall(r"\((-?\d+\.\d) pp\)", risks)]
    total = re.search(r"together (-?\d+\.\d) pp", risks)
    if total:
        assert f"{sum(parts):.1f}" == total.group(1)
    assert "## Not covered" not in flat
    assert "![Chart 1. Exports and imports, % y/y](charts/trade_yoy.png)" in text
    assert text.index("charts/trade_yoy.png") < text.index("The trade surplus")


@pytest.mark.slow
def test_other_notes_adapt_to_their_data(reports):
    _, janfeb, figures = _report(reports, "janfeb")
    flat = " ".join(janfeb.split())
    assert "*China trade, January-February 2025: flash note." in flat
    # compared with December, which figures.csv holds
    assert "The trend reversed into decline from 10.8% in December (a single month)." in flat
    assert "a previous-month comparison" not in flat
    assert "| | Latest | Consensus | December |" in flat.replace("|  |", "| |")
    # the balance is a two-month sum, said so
    assert "The January-February trade surplus, a two-month sum, was USD 122.6bn" in flat
    # ICs and phones when they move; the lines adding most when no group adds much
    assert "integrated circuits (13.8%, +0.6 pp)" in flat
    assert "Mobile phones fell 12.1% (-0.5 pp)." in flat
    # New Year timing (29 January 2025 against 10 February 2024, data/events.csv)
    assert "Chinese New Year fell on 29 January this year against 10 February last year" in flat
    # base effects and forecast reconciled
    outlook = flat.split("## Outlook")[1]
    assert ("The forecast is above the -3.4% base-effect path because the model projects "
            "stronger momentum as the New Year distortion unwinds.") in outlook
    _, cny, _ = _report(reports, "cny")
    assert "Values in CNY" in cny and "CNY " in cny and "USD " not in cny.split("## Not")[0]
    assert "BOTH" not in cny
    _, august, _ = _report(reports, "2025-08")
    assert "Exports rose 4.4% y/y" in august and " in July." in august


@pytest.mark.slow
def test_both_currencies_note_and_figures(reports):
    folder, text, figures = _report(reports, "both")
    assert "BOTH" not in text
    assert "Values in USD, with growth in CNY beside them" in text
    cny = figures[figures["currency"] == "CNY"]
    usd = figures[figures["currency"] == "USD"]
    assert not cny.empty and len(usd) > len(cny)
    row = cny[(cny["metric"] == "yoy") & (cny["flow"] == "export") & (cny["item"] == "total")]
    assert len(row) == 1
    assert f"In yuan terms, exports rose {row['value'].iloc[0]:.1f}%" in text
    assert set(cny["view"]) == {"headline", "regional"}
    # the USD figures and the reconciliation are those of a USD report
    assert (folder / "reconciliation.csv").is_file()
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "Computed vs published" in index
    from openpyxl import load_workbook

    book = load_workbook(folder / "tables.xlsx")
    items = [c.value for c in book["Headline"]["A"]]
    assert "Exports, y/y % (CNY)" in items


@pytest.mark.slow
def test_files_to_paste(reports):
    from docx import Document
    from openpyxl import load_workbook

    folder, text, _ = _report(reports, "2025-09")
    doc = Document(str(folder / "note.docx"))
    title = text.split("\n")[0][2:]
    assert doc.core_properties.title == title
    assert doc.core_properties.author == "China Trade Kit"
    assert doc.sections[0].page_width.inches == pytest.approx(8.27, abs=0.01)  # A4
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[:3] == [title, "Headline", "Products"]
    assert "Outlook" in headings
    assert (
        doc.tables[0].cell(1, 0).text == "Exports y/y" and doc.tables[0].cell(1, 1).text == "8.3%"
    )
    # every chart beside its paragraph, with a short caption (the alt text stays alt text)
    assert len(doc.inline_shapes) == 5
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert captions[0] == "Chart 1. Exports and imports, % y/y"
    assert len(captions) == 5 and all(len(c) <= 60 for c in captions)
    texts = [p.text for p in doc.paragraphs]
    assert "Charts" not in headings
    first_chart = next(i for i, p in enumerate(doc.paragraphs) if p.style.name == "Caption")
    assert texts[first_chart - 2].startswith("Imports rose 7.4% y/y")
    book = load_workbook(folder / "tables.xlsx")
    assert {"Headline", "Exports by product", "Exports by destination", "Imports by product",
            "Imports by origin", "Outlook"} <= set(book.sheetnames)  # fmt: skip
    assert not any("_" in name for name in book.sheetnames)
    sheet = book["Exports by product"]
    assert sheet.freeze_panes == "C2" and sheet["A1"].font.bold
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["Item", "Level"]
    assert "y/y %, Sep 2025" in header and "Contribution (pp), Sep 2025" in header
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][:2] == ("Total", "total")
    row = next(r for r in rows if r[0] == "Steel products")
    assert row[header.index("y/y %, Sep 2025")] == pytest.approx(-2.7)
    column = header.index("y/y %, Sep 2025") + 1
    assert sheet.cell(row=2, column=column).number_format == "#,##0.0;-#,##0.0;0.0"
    # the lines add up to the total (contributions, pp): summing the "line" rows is safe
    c = header.index("Contribution (pp), Sep 2025")
    lines = sum(r[c] for r in rows if r[1] == "line" and r[c] is not None)
    assert lines == pytest.approx(8.3, abs=0.35)  # rounded parts: within their rounding
    source = [r[0] for r in rows if isinstance(r[0], str) and r[0].startswith("Source:")]
    assert source and any(r[0] == note_files.SAMPLE_LINE for r in rows)
    head = book["Headline"]
    assert head.max_column == 3  # compact: one row per figure, the release and the month before
    assert [c.value for c in head[1]] == ["Item", "Sep 2025", "Aug 2025"]
    assert head["A2"].value == "Exports, y/y %" and head["B2"].value == pytest.approx(8.3)
    alt = json.loads((folder / "charts" / "alt.json").read_text(encoding="utf-8"))
    assert list(alt) == ["trade_yoy.png", "export_contributions_by_product.png",
                         "export_contributions_by_destination.png", "export_price_volume.png",
                         "export_forecast.png"]  # fmt: skip
    assert sorted(p.name for p in (folder / "charts").iterdir()) == sorted([*alt, "alt.json"])
    # the published release: electromechanical +7.7 pp of the +8.3% total
    by_product = alt["export_contributions_by_product.png"]
    assert "Electromechanical products +7.7" in by_product and "total +8.3%." in by_product
    png = (folder / "charts" / "export_contributions_by_product.png").read_bytes()
    width = struct.unpack(">I", png[16:20])[0]  # IHDR width
    assert width == 2000  # the product page's 10-inch chart at 2x
    html = (folder / "note.html").read_text(encoding="utf-8")
    assert "<h2>Headline</h2>" in html and "data:image/png;base64," in html
    assert "<figcaption>Chart 1. Exports and imports, % y/y</figcaption>" in html
    assert not re.search(r"(src|href)=\"https?://", html)
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert index.index('href="note.html"') < index.index('href="headline.html"')


def test_collect_charts_keeps_the_note_order(tmp_path):
    for name in ("export_forecast", "export_contributions_by_product"):
        (tmp_path / f"{name}.png").write_bytes(b"png of " + name.encode())
        (tmp_path / f"{name}.json").write_text(json.dumps({"title": "t", "alt": f"alt {name}"}))
    (tmp_path / "export_price_volume.png").write_bytes(b"no json: not taken")
    charts = note_files.collect_charts(tmp_path)
    assert [(p.name, a) for p, a in charts] == [
        ("export_contributions_by_product.png", "alt export_contributions_by_product"),
        ("export_forecast.png", "alt export_forecast"),
    ]
    assert json.loads((tmp_path / "alt.json").read_text()) == {p.name: a for p, a in charts}
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".png", ".png", ".png"]
    assert note_files.collect_charts(tmp_path / "none") == []  # no charts: no folder needed


def test_product_total_alone_is_no_breakdown():
    """The product view's total row without any line (a CNY report whose month GAC's pages give
    only in USD) is said as such, not blamed on a missing total growth the note itself prints."""
    rows = [
        ("yoy", "export", "total", "total", "2026-03", -0.3, "pct", "headline"),
        ("yoy", "export", "product", "total", "2026-03", -0.3, "pct", "product"),
    ]  # fmt: skip
    text = note.render_markdown(note.build_note(frame(rows), {"period": "2026-03",
                                                              "views": ["headline", "product"]}))
    assert ("exports by product (the data hold no export lines by product for March 2026 in "
            "this report's currency)") in text
    assert "they need the total's growth" not in text


def test_a_year_to_date_month_still_gets_a_summary_and_product_contributions():
    """A month whose own y/y the data cannot give (June 2026 on GAC's pages: no June 2025
    total) leads with the year to date: GAC's printed rates, the largest YTD contributor (a
    derived contribution marked ≈), the month's balance and the US; the Products section names
    the month of its line growth and the YTD contributors (0.4 pp < 0.5 pp is not named)."""
    rows = [
        ("ytd_yoy", "export", "total", "total", "2026-06", 17.6, "pct", "headline", "printed"),
        ("ytd_yoy", "import", "total", "total", "2026-06", 26.6, "pct", "headline", "printed"),
        ("balance", "net", "total", "total", "2026-06", 125.6, "usd_bn", "headline", "computed"),
        ("ytd_yoy", "export", "partner", "united_states", "2026-06", 0.2, "pct", "regional",
         "printed"),
        ("ytd_yoy", "export", "partner", "non_us", "2026-06", 19.955529, "pct", "regional",
         "derived"),
        ("yoy", "export", "product", "electromechanical", "2026-06", 34.2, "pct", "product",
         "computed"),
        ("level", "export", "product", "electromechanical", "2026-06", 260.3, "usd_bn",
         "product", "computed"),
        ("ytd_yoy", "export", "product", "electromechanical", "2026-06", 24.5, "pct", "product",
         "computed"),
        ("contribution_ytd", "export", "product", "electromechanical", "2026-06", 14.7, "pp",
         "product", "derived"),
        ("contribution_ytd", "export", "product", "integrated_circuits", "2026-06", 4.8, "pp",
         "product", "derived"),
        ("contribution_ytd", "export", "product", "mobile_phones", "2026-06", 0.4, "pp",
         "product", "derived"),
        ("ytd_yoy", "export", "product", "steel", "2026-06", -5.4, "pct", "product", "computed"),
        ("contribution_ytd", "export", "product", "steel", "2026-06", -0.1, "pp", "product",
         "derived"),
    ]  # fmt: skip
    figures = pd.DataFrame(rows, columns=[*COLUMNS, "basis"])
    text = note.render_markdown(note.build_note(figures, {"period": "2026-06",
                                                          "views": ["headline", "product"]}))
    flat = " ".join(text.split())
    assert ("**Over January-June 2026 exports rose 17.6% y/y as GAC printed it, with "
            "electromechanical products adding \u2248+14.7 pp. Imports rose 26.6% over the same "
            "months, the June surplus was USD 125.6bn and exports to the US rose 0.2% year to "
            "date and those to all other partners rose \u224820.0%.**") in flat
    assert ("In June, among GAC's largest export lines, electromechanical products rose 34.2% "
            "(USD 260.3bn).") in flat
    assert ("Year to date (January-June 2026), electromechanical products (+24.5%, \u2248+14.7 "
            "pp; within it integrated circuits \u2248+4.8 pp) added most to the 17.6% export "
            "growth.") in flat
    assert "contributions to the month's export growth by product" in flat
    assert "mobile phones" not in flat.lower()


def test_derived_destination_rates_are_marked_where_they_are_said():
    """March 2026 (CNY) on GAC's pages: the US rate is derived from the printed year-to-date
    growth, so the Destinations paragraph marks it ≈ like the summary does; the non-US
    contribution carries the regional page's name for it."""
    rows = [
        ("yoy", "export", "total", "total", "2026-03", -0.3, "pct", "headline", "derived"),
        ("yoy", "export", "partner", "united_states", "2026-03", -28.6, "pct", "regional",
         "derived"),
        ("yoy", "export", "partner", "non_us", "2026-03", 3.8, "pct", "regional", "derived"),
        ("contribution", "export", "partner", "united_states", "2026-03", -3.7, "pp", "regional",
         "derived"),
        ("contribution", "export", "partner", "non_us", "2026-03", 3.3, "pp", "regional",
         "derived"),
    ]  # fmt: skip
    figures = pd.DataFrame(rows, columns=[*COLUMNS, "basis"])
    flat = flat_note(figures, "2026-03", ["headline", "regional"])
    assert ("Exports to the US fell \u224828.6% (-3.7 pp of export growth). All other partners "
            "contributed +3.3 pp.") in flat
    assert "while those to all other partners rose \u22483.8%" in flat


def test_a_february_the_data_fold_reads_january_february():
    """GAC's 2026 February page is a normal one, but a store holding a combined year folds
    February 2026 into January-February (metrics.comparison_years): the runner says so
    (meta "janfeb") and the note names the two months, not February alone."""
    rows = [
        ("yoy", "export", "product", "electromechanical", "2026-02", 27.1, "pct", "product"),
        ("level", "export", "product", "electromechanical", "2026-02", 410.9, "usd_bn",
         "product"),
    ]  # fmt: skip
    meta = {"period": "2026-02", "views": ["product"]}
    folded = note.render_markdown(note.build_note(frame(rows), {**meta, "janfeb": True}))
    assert "China trade, January-February 2026" in folded
    assert ("In January-February, among GAC's largest export lines, electromechanical products "
            "rose 27.1% (USD 410.9bn).") in " ".join(folded.split())
    single = note.render_markdown(note.build_note(frame(rows), meta))
    assert "China trade, February 2026" in single and "In February, among" in single
    # the flag does not outlive the note it was given to
    assert "China trade, February 2026" in note.render_markdown(note.build_note(frame(rows),
                                                                                meta))


def test_product_lines_without_a_year_earlier_give_their_year_to_date():
    """December 2025 on GAC's pages: product lines for the month, none for December 2024,
    and GAC's full-year table: the note gives the largest lines' full-year growth and does not
    claim the data hold no export lines."""
    rows = [
        ("level", "export", "product", "electromechanical", "2025-12", 223.2, "usd_bn",
         "product"),
        ("level_ytd", "export", "product", "electromechanical", "2025-12", 2301.8, "usd_bn",
         "product"),
        ("ytd_yoy", "export", "product", "electromechanical", "2025-12", 8.4, "pct", "product"),
    ]  # fmt: skip
    text = flat_note(frame(rows), "2025-12", ["product"])
    assert ("Year to date (January-December 2025), the largest export lines: electromechanical "
            "products +8.4%.") in text
    assert "hold no export lines" not in text
    assert ("export growth by product for the month itself (the data hold no product lines for "
            "December 2024)") in text


def test_both_currencies_without_yuan_figures_does_not_promise_them():
    """--currency both for June 2026 on GAC's pages: no CNY totals for the month, so the note
    does not say it shows CNY growth beside the dollar figures; it says what is missing."""
    rows = [("yoy", "export", "total", "total", "2026-06", 7.0, "pct", "headline")]
    figures = frame(rows).assign(currency="USD")
    text = note.render_markdown(note.build_note(figures, {"period": "2026-06",
                                                          "currency": "both",
                                                          "views": ["headline"]}))
    assert "with growth in CNY beside them" not in text
    assert "Values in USD; growth y/y on GAC's USD figures." in text
    assert "growth in CNY beside the USD figures (the data hold no CNY totals for June 2026)" in (
        " ".join(text.split()))
    yuan = pd.concat([figures, frame([("yoy", "export", "total", "total", "2026-06", 9.0, "pct",
                                       "headline")]).assign(currency="CNY")])  # fmt: skip
    text = note.render_markdown(note.build_note(yuan, {"period": "2026-06", "currency": "both",
                                                       "views": ["headline"]}))
    assert "with growth in CNY beside them" in text and "In yuan terms, exports rose 9.0%" in text


def test_printed_rates_with_derived_contributions_say_which_is_which():
    """A combined January-February page (2025-02 CNY): GAC printed each partner's y/y, so they
    are not called derived; the contributions rest on derived year-ago levels (US +0.48 pp,
    0.38 to 0.58: ±0.1 pp), and the note says that instead. The non-US aggregate (world
    less the US) is derived by construction and does not turn the printed rates into derived
    ones."""
    columns = [*COLUMNS, "basis", "low", "high"]
    rows = [
        ("yoy", "export", "total", "total", "2025-02", 3.4, "pct", "headline", "printed", None,
         None),
        ("yoy", "export", "partner", "united_states", "2025-02", 3.4, "pct", "regional",
         "printed", None, None),
        ("contribution", "export", "partner", "united_states", "2025-02", 0.48, "pp",
         "regional", "derived", 0.38, 0.58),
        ("yoy", "export", "partner", "non_us", "2025-02", 3.4, "pct", "regional", "derived",
         3.3, 3.5),
        ("contribution", "export", "partner", "non_us", "2025-02", 2.9, "pp", "regional",
         "derived", 2.88, 2.92),
    ]  # fmt: skip
    text = flat_note(pd.DataFrame(rows, columns=columns), "2025-02", ["headline", "regional"])
    assert "Exports to the US rose 3.4% (+0.5 pp of export growth)." in text
    assert ("The contributions rest on year-earlier levels derived from GAC's printed "
            "January-February 2025 growth rates (each within \u00b10.1 pp given GAC's "
            "rounding).") in text
    assert "These month y/y rates by destination are derived" not in text


def test_month_lines_without_a_total_add_their_year_to_date_growth():
    """April 2026 on GAC's product page alone: line growth for the month and GAC's YTD rates,
    no total (so no contributions): the note gives both growths, each under its own span."""
    rows = [
        ("yoy", "export", "product", "electromechanical", "2026-04", 20.3, "pct", "product"),
        ("level", "export", "product", "electromechanical", "2026-04", 229.3, "usd_bn",
         "product"),
        ("level_ytd", "export", "product", "electromechanical", "2026-04", 880.0, "usd_bn",
         "product"),
        ("ytd_yoy", "export", "product", "electromechanical", "2026-04", 21.1, "pct", "product"),
    ]  # fmt: skip
    text = flat_note(frame(rows), "2026-04", ["product"])
    assert ("In April, among GAC's largest export lines, electromechanical products rose 20.3% "
            "(USD 229.3bn). Year to date (January-April 2026), the largest export lines: "
            "electromechanical products +21.1%.") in text

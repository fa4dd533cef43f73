"""The drill-down parameters in real notebook runs (papermill), on a panel built from a fixture."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers.ingest import importer
from helpers.paths import NOTEBOOKS_DIR

pytestmark = pytest.mark.slow
HS6 = Path(__file__).parent / "fixtures" / "comtrade" / "hs6_panel.csv"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("drill") / "store"
    assert importer.main(["comtrade", str(HS6), "--store", str(path)]) == 0
    return path


def run(notebook: str, tmp_path: Path, **parameters) -> str:
    """Execute a view notebook; returns the drill-down section's outputs as plain text."""
    import papermill

    executed = papermill.execute_notebook(
        str(NOTEBOOKS_DIR / notebook), str(tmp_path / notebook), kernel_name="python3",
        cwd=str(NOTEBOOKS_DIR), progress_bar=False, parameters={"period": "2025-09", **parameters},
    )  # fmt: skip
    start = next(i for i, c in enumerate(executed.cells) if c.get("id") == "drill-00")
    texts = []
    for cell in executed.cells[start:]:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output
            data = output.get("data", {})
            texts.append("".join(data.get("text/markdown", data.get("text/html", ""))))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", " ".join(texts)))


def test_product_view_new_three_to_the_eu(store, tmp_path):
    text = run("2_product.ipynb", tmp_path, data=str(store), product_group="new_three",
               partner="european_union")  # fmt: skip
    assert "854142 found nothing" in text
    # 90 vs 50 (USD mn): +80.0%, 40 / 700 = 5.7 pp of EU exports, 90 / 800 = 11.25% share,
    # 11.3 when rounded half-up as every output of the kit is
    assert re.search(r"to European Union all exports to European Union 0\.1 80\.0 5\.7 11\.3", text)
    assert "870380" in text


def test_regional_view_ics_to_the_us(store, tmp_path):
    text = run("3_regional.ipynb", tmp_path, data=str(store), product_group="integrated_circuits",
               partner="united_states")  # fmt: skip
    # 100 vs 80: +25.0%, 20 / 800 = 2.5 pp of US exports, 10.0% share
    assert re.search(r"Integrated circuits to United States all exports to United States "
                     r"0\.1 25\.0 2\.5 10\.0", text)  # fmt: skip
    assert "By destination" in text and "Rest of world" in text


def test_off_and_missing_panel(store, tmp_path):
    assert "HS drill-down is off" in run("2_product.ipynb", tmp_path, data=str(store))
    text = run("3_regional.ipynb", tmp_path, product_group="new_three")
    assert "No HS-level panel" in text and "python -m helpers import comtrade" in text


def test_report_command_passes_the_drill_down(store, tmp_path):
    """`python -m helpers run --product-group … --partner …` drills into the product and
    regional pages; the manifest records the two parameters."""
    import json

    from helpers.report.runner import main

    out = tmp_path / "reports"
    argv = ["run", "--period", "2025-09", "--data", str(store), "--views", "product,regional",
            "--product-group", "new_three", "--partner", "european_union", "--out", str(out)]
    assert main(argv) == 0
    product = re.sub(r"<[^>]+>", " ", (out / "2025-09" / "product.html").read_text())
    product = re.sub(r"\s+", " ", product)
    # 90 vs 50 (USD mn): +80.0%, 5.7 pp of EU exports, 11.3% share (see the first test)
    assert re.search(r"to European Union all exports to European Union 0\.1 80\.0 5\.7 11\.3",
                     product)  # fmt: skip
    regional = (out / "2025-09" / "regional.html").read_text()
    assert "Rest of world" in regional
    manifest = json.loads((out / "2025-09" / "manifest.json").read_text())
    assert manifest["parameters"]["product_group"] == "new_three"
    assert manifest["parameters"]["partner"] == "european_union"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [("--product-group", "nope", "--product-group: product group 'nope' is not in "
      "data/classifications/hs_groups.csv"),
     ("--partner", "mars", "--partner: partner 'mars' is not a kit partner code")],
)  # fmt: skip
def test_report_command_rejects_unknown_drill_down(option, value, message, tmp_path, capsys):
    from helpers.report.runner import main

    assert main(["run", "--period", "2025-09", option, value, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())  # checked before anything was written

"""Build step: copy the data and notebooks the kit needs into the wheel (helpers/_data/).

Everything else is configured in pyproject.toml. The checkout keeps one copy of each file
(data/, notebooks/); helpers.paths finds them there, or in helpers/_data/ when installed.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLE = ("data", "notebooks")
SKIP = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "store", "*.pyc")


class BuildWithData(build_py):
    """build_py that also copies data/ and notebooks/ into helpers/_data/."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "helpers" / "_data"
        for name in BUNDLE:
            if (HERE / name).is_dir():
                shutil.rmtree(target / name, ignore_errors=True)
                shutil.copytree(HERE / name, target / name, ignore=SKIP)


setup(cmdclass={"build_py": BuildWithData})

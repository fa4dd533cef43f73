# China Trade Kit. Two commands do everything on a fresh machine:
#   make report   set up .venv and build the five views for the default month on the bundled data
#   make test     set up .venv and run the whole test suite (what CI runs)
# Both install requirements.lock, the exact tested set; `make lock` refreshes it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PERIOD ?= 2025-09
DATA ?=
DATA_ARG := $(if $(DATA),--data $(DATA),)
LOCK := requirements.lock
# the oldest Python the locked set installs on (pyproject's requires-python is >=3.11)
MIN_PYTHON := 3.11.5
LAB_ARGS ?=
LOCK_ARGS ?=
ALLOW_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

.PHONY: setup check-python report test lint lab lock docs sample browser bench clean

# First of all: an interpreter new enough, or a message saying how to pick another.
check-python:
	@$(PYTHON) -c 'import sys; v = tuple(int(x) for x in "$(MIN_PYTHON)".split(".")); \
	sys.exit(0 if sys.version_info[:3] >= v else 1)' 2>/dev/null || { \
	  echo "error: China Trade Kit needs Python $(MIN_PYTHON) or newer;" \
	    "'$(PYTHON)' is $$($(PYTHON) --version 2>/dev/null || echo 'not found')." >&2; \
	  echo "Pick another interpreter, e.g.: make $(or $(MAKECMDGOALS),report) PYTHON=python3.12" >&2; \
	  exit 1; }

# The exact, tested set of every package (runtime, [lab], [dev]) from requirements.lock, then
# the kit itself (editable, with its `ctk` command) without resolving anything again.
$(VENV)/.installed: $(LOCK) pyproject.toml
	@$(MAKE) --no-print-directory check-python PYTHON=$(PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

setup: check-python $(VENV)/.installed

report: setup
	$(PY) -m helpers run --period $(PERIOD) $(DATA_ARG)

# Headless Chromium for the browser tests: Debian's package (no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "warning: could not install chromium; browser tests will be skipped"; \
	  else echo "warning: chromium missing and not root; browser tests will be skipped"; fi; }

lint: setup
	$(VENV)/bin/ruff check .

test: setup browser lint
	$(PY) -m pytest -n 2 -q

# JupyterLab at the project root (notebooks/, reports/ and data/ in reach), as root or not;
# extra flags in LAB_ARGS, e.g. make lab LAB_ARGS="--no-browser --port 8899".
lab: setup
	$(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(ALLOW_ROOT) $(LAB_ARGS)

# Re-resolve requirements.lock from pyproject.toml (pins kept where still allowed; all to the
# newest with LOCK_ARGS=--upgrade). Universal: markers for macOS and Windows-only packages.
lock: setup
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra lab --extra dev --universal \
	  --python-version $(MIN_PYTHON) --custom-compile-command "make lock" -o $(LOCK) $(LOCK_ARGS)

# docs/cli.md from the commands' own argument parsers (tests/test_cli.py checks it is current)
docs: setup
	$(PY) -m helpers.cli > docs/cli.md

sample: setup
	$(PY) -m helpers.sample

bench: setup
	$(PY) benchmarks/bench_report.py

clean:
	rm -rf reports build .pytest_cache .ruff_cache

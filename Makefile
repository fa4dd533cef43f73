# China Trade Kit. Two commands do everything on a fresh machine:
#   make report   set up .venv and build the five views for the default month on the bundled data
#   make test     set up .venv and run the whole test suite (what CI runs)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PERIOD ?= 2025-09
DATA ?=
DATA_ARG := $(if $(DATA),--data $(DATA),)

.PHONY: setup report test lint lab sample browser bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

setup: $(VENV)/.installed

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

lab: setup
	$(VENV)/bin/jupyter lab notebooks/

sample: setup
	$(PY) -m helpers.sample

bench: setup
	$(PY) benchmarks/bench_report.py

clean:
	rm -rf reports build .pytest_cache .ruff_cache

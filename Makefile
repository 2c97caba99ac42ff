# greenmfg: two commands do all set-up on a fresh machine.
#   make run   - create .venv, install, generate the demo region, account it, print a summary
#   make test  - set up and run the whole suite (lint, types, tests)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO := var/demo
DEMO_INPUT := $(DEMO)/activity

.PHONY: setup run test lint bench clean

$(STAMP): pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(PY) -m greenmfg demo-data --enterprises 40 --months 12 --seed 1 --format csv -o $(DEMO_INPUT)
	$(PY) -m greenmfg account $(DEMO_INPUT) --format json -o $(DEMO)/results.json
	$(PY) -m greenmfg account $(DEMO_INPUT) --format xlsx -o $(DEMO)/results.xlsx
	$(PY) -m greenmfg account $(DEMO_INPUT)

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy src

test: lint
	$(VENV)/bin/pytest -q

bench: setup
	$(PY) bench/accounting_10m.py

clean:
	rm -rf $(VENV) var build *.egg-info

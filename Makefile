# Two commands do all the set-up on a fresh machine with Python 3.11 and make:
#   make demo   - virtual environment, install, synthetic population, screening, web application
#   make test   - development dependencies, lint, type checks and the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
DEMO_DIR ?= var/demo
# Every package pinned with its hashes (pip-compile from pyproject.toml): runtime, and
# runtime + dev. Installs take exactly these files; Palermo itself goes in without deps.
LOCK    := requirements/lock.txt
DEVLOCK := requirements/dev-lock.txt
COMPILE := $(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras \
           --no-emit-index-url --no-emit-find-links

.PHONY: venv install dev demo test lint typecheck audit audit-strict lock unit web-sqlite \
        web-postgres browser bench clean chromium fonts fuzz faults

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml $(LOCK) | $(PY)
	$(BIN)/pip install -q --require-hashes -r $(LOCK)
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(DEVSTAMP): pyproject.toml $(DEVLOCK) | $(PY)
	$(BIN)/pip install -q --require-hashes -r $(DEVLOCK)
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP) $@

# After changing dependencies in pyproject.toml: re-pin (keeps every other pin; needs PyPI).
# `make lock UPGRADE=--upgrade` moves everything to the newest releases allowed.
lock: $(DEVSTAMP)
	$(COMPILE) $(UPGRADE) -o $(LOCK) pyproject.toml
	$(COMPILE) $(UPGRADE) --extra dev -o $(DEVLOCK) pyproject.toml

# pip-audit over every pinned package (exceptions with reasons: requirements/audit-exceptions.txt).
# Packages it could not check (no network to PyPI's JSON API) are named and counted;
# `make audit-strict` (or PALERMO_AUDIT_STRICT=1) fails on them too.
audit: $(DEVSTAMP)
	$(PY) requirements/audit.py $(DEVLOCK)

audit-strict: $(DEVSTAMP)
	$(PY) requirements/audit.py $(DEVLOCK) --strict

install: $(STAMP)
dev: $(DEVSTAMP)

# Debian's Noto CJK fonts: Chinese in PDF reports (palermo/lib/fonts.py embeds a subset) and in
# browser screenshots; installed by the project, never by hand.
fonts:
	@dpkg -s fonts-noto-cjk >/dev/null 2>&1 || { \
	  echo "installing Debian's fonts-noto-cjk for Chinese in PDF reports and screenshots"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null) \
	  || { echo "could not install fonts-noto-cjk (need root and Debian's package archive)"; exit 1; }; }

# Debian's Chromium for the browser tests; installed by the project, never by hand.
chromium: fonts
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || { echo "could not install chromium (need root and Debian's package archive)"; exit 1; }; }

demo: $(STAMP)
	-@$(MAKE) --no-print-directory fonts  # the PDF report's Chinese; the demo runs without it
	$(BIN)/palermo demo --dir $(DEMO_DIR)

lint: $(DEVSTAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports  # the layers: [tool.importlinter] in pyproject.toml

typecheck: $(DEVSTAMP)
	$(BIN)/mypy

unit: $(DEVSTAMP)
	$(BIN)/pytest -q -m "not web and not browser"

web-sqlite: $(DEVSTAMP) fonts
	PALERMO_DATABASE_URL= $(BIN)/pytest -q -m "web and not browser"

web-postgres: $(DEVSTAMP) fonts
	PALERMO_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres $(BIN)/pytest -q -m "web and not browser"

browser: $(DEVSTAMP) chromium
	$(BIN)/pytest -q -m browser

test: lint typecheck audit unit web-sqlite web-postgres browser

# The full fuzzing run (make test runs the same fuzz tests CI-sized, a few seconds each):
# grammar-aware mutations of PAXLST, MRZ, CSV/Parquet/JSON Lines, profile YAML and watchlists,
# then schemathesis against the API's OpenAPI document (1,250 cases, three tokens each) on
# SQLite and PostgreSQL.
fuzz: $(DEVSTAMP)
	PALERMO_FUZZ=full $(BIN)/pytest -q tests/fuzz
	PALERMO_FUZZ=full PALERMO_DATABASE_URL= $(BIN)/pytest -q tests/web/test_api_fuzz.py
	PALERMO_FUZZ=full PALERMO_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
	  $(BIN)/pytest -q tests/web/test_api_fuzz.py

# The fault suite in full: kill -9 of the server, worker, `palermo screen` and `palermo keys
# rotate` at several points, a private PostgreSQL cluster (initdb under /tmp, its own port)
# restarted mid-request and mid-batch, a full disk (tmpfs; root). A CI-sized subset of
# tests/faults runs with `unit` in `make test`.
faults: $(DEVSTAMP)
	PALERMO_FAULTS=full $(BIN)/pytest -q tests/faults

# Measured, never asserted: each prints figures and ratios and writes benchmarks/results/*.json.
# bench_browser.py drives Chromium through Playwright (a development dependency)
bench: $(DEVSTAMP) chromium
	$(PY) benchmarks/run.py
	$(PY) benchmarks/bench_watchlist.py
	$(PY) benchmarks/bench_web.py
	$(PY) benchmarks/bench_load.py
	$(PY) benchmarks/bench_batch.py
	$(PY) benchmarks/bench_stats.py
	$(PY) benchmarks/bench_spark_screen.py
	$(PY) benchmarks/bench_browser.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

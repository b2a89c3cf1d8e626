# Two commands for a fresh machine: `make run` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test lint chaos bench bench-office bench-fleet screenshots clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,app]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/flask --app server:create_app serve-demo

demo: $(STAMP)
	$(BIN)/python -m sync.demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# The chaos week (tests/chaos) at full length: 7 days, a new seed each run unless SEED=...
# is given (a failure prints its seed). `make test` runs a 3-day week with a fixed seed.
SEED ?= $(shell date +%s)
chaos: $(STAMP)
	MINQING_CHAOS_DAYS=7 MINQING_CHAOS_SEED=$(SEED) $(BIN)/python -m pytest -n 2 -rA tests/chaos

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/merge.py

# The office pages over a district's year (bench/office.py): 100,000 ledger entries; pass
# ARGS=--full for 1,000,000, ARGS=--postgres for PostgreSQL on 127.0.0.1.
bench-office: $(STAMP)
	$(BIN)/python bench/office.py $(ARGS)

# An evening's burst (bench/fleet.py): 200 tablets sync at once on PostgreSQL and SQLite;
# ARGS=--full for 1,000.
bench-fleet: $(STAMP)
	$(BIN)/python bench/fleet.py $(ARGS)

# Every office page in Debian's Chromium, and the tablet's screens under Xvfb, into
# docs/screenshots.
screenshots: $(STAMP)
	MINQING_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -n 0 -k sqlite tests/server/test_office_browser.py
	MINQING_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -n 0 tests/field_app/ui

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

# The two commands: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STAMP  := $(VENV)/.installed
# Message catalogs: one gettext domain per package, Korean and English (see the README, "Translations").
DOMAINS  := app contest voting anti_abuse
CATALOGS := $(foreach d,$(DOMAINS),$(foreach l,ko en,$(d)/translations/$(l)/LC_MESSAGES/$(d).mo))

.PHONY: run test bench install browser-deps catalogs messages clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) catalogs

## Compile the .po catalogs to the .mo files the application reads (`pybabel compile`).
catalogs: $(CATALOGS)

%.mo: %.po | $(STAMP)
	$(BIN)/pybabel -q compile -i $< -o $@

## After adding t("key") calls: extract the new keys into each package's catalogs (`pybabel extract/update`).
messages: $(STAMP)
	$(BIN)/python -m app.catalogs

## Serve the demo contest on http://127.0.0.1:$(PORT) (SQLite, in-process stream, local identity provider).
run: $(STAMP) catalogs
	PORT=$(PORT) $(BIN)/python -m app.local

## Install and run the whole test suite (PostgreSQL and Redis are used where reachable; required under CI=true).
test: $(STAMP) catalogs browser-deps
	$(BIN)/python -m pytest

## Debian Chromium + Korean fonts for browser tests (only as root, e.g. on CI), and axe-core from npm.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  (apt-get install -y -q chromium chromium-driver fonts-nanum >/dev/null 2>&1 || \
	   (apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver fonts-nanum >/dev/null)); \
	fi
	@if [ -f package.json ] && [ ! -f node_modules/axe-core/axe.min.js ] && command -v npm >/dev/null; then \
	  npm ci --no-audit --no-fund --silent; fi

## Speed benchmarks: prints a table with ratios measured in the same run.
bench: $(STAMP) catalogs
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache $(CATALOGS)

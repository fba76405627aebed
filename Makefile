# The two commands: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STAMP  := $(VENV)/.installed

.PHONY: run test bench install browser-deps clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

## Serve the demo contest on http://127.0.0.1:$(PORT) (SQLite, in-process stream, local identity provider).
run: $(STAMP)
	PORT=$(PORT) $(BIN)/python -m app.local

## Install and run the whole test suite (PostgreSQL and Redis are used where reachable; required under CI=true).
test: $(STAMP) browser-deps
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
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache

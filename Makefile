# OneCouncil: `make run` serves the demo, `make test` runs lint and the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PORT ?= 8000
AXE := frontend/node_modules/axe-core/axe.min.js

.PHONY: run test test-fast lint install test-deps format clean bench assets

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

run: install
	mkdir -p var
	@# The embedded MQTT broker for the sensors is Debian's Mosquitto (docs/sensors.md).
	@command -v mosquitto >/dev/null 2>&1 || test -x /usr/sbin/mosquitto || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto; } || echo "Mosquitto is not installed: sensors' readings will come over HTTPS only."
	test -s var/secret_key || (umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key)
	$(BIN)/onecouncil migrate --noinput
	$(BIN)/onecouncil collectstatic --noinput --verbosity 0
	PORT=$(PORT) $(BIN)/onecouncil load_demo --if-empty --history 6000
	$(BIN)/onecouncil serve --port $(PORT)

# What the tests need beyond Python packages: Debian's Chromium, Mosquitto and Dovecot (the
# MQTT and IMAP servers the sensors' and inbox's tests start), redis-server where no Redis runs, and axe-core from npm.
test-deps: install
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@command -v mosquitto >/dev/null 2>&1 || test -x /usr/sbin/mosquitto || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto; }
	@command -v dovecot >/dev/null 2>&1 || test -x /usr/sbin/dovecot || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd; }
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || command -v redis-server >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; }
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 >/dev/null
	@test -f $(AXE) || (cd frontend && npm ci --no-audit --no-fund --ignore-scripts)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src
	$(BIN)/lint-imports
	$(BIN)/onecouncil makemigrations --check --dry-run

# Every test, browser tests included, in two processes (pytest-xdist): the browser
# tests leave a core idle while they wait, which the others use. Measured on this 2-core
# machine in docs/benchmarks.md ("The test suite").
test: test-deps lint
	$(BIN)/onecouncil collectstatic --noinput --verbosity 0
	$(BIN)/pytest -n 2

# What a developer runs between edits: everything but the browser tests, the fuzzers and
# the tests that start servers (make test runs them all).
test-fast: install
	$(BIN)/pytest -n 2 -m "not e2e and not fuzz and not slow"

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

# Rebuild the committed front-end assets (only after changing frontend/src).
assets:
	cd frontend && npm ci --no-audit --no-fund --ignore-scripts && npm run build

bench: install
	$(BIN)/python bench/frontdoor.py

clean:
	rm -rf $(VENV) var/*.sqlite3* var/media var/mail

# THRIVE-SP: the project's verbs. `make run` for the demo, `make test` for everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
PORT ?= 8000

# The test suite's own services: this machine's PostgreSQL and Redis (DEVELOPERS.md).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/thrive
TEST_REDIS_URL ?= redis://127.0.0.1:6379/14

.PHONY: install run test lint format services assets screenshots check-deploy clean restore-drill

install: $(STAMP) node_modules/.installed static/build/app.css chromium

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.installed

static/build/app.css: node_modules/.installed assets/scss/app.scss bin/build-assets
	bin/build-assets

assets: node_modules/.installed
	bin/build-assets

# Debian's Chromium for the browser tests (Playwright cannot download its own here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

run: install
	PORT=$(PORT) bin/run-demo

services:
	@bin/ensure-services

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install services
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) TMPDIR=$${TMPDIR:-/tmp} \
	  $(VENV)/bin/pytest -q

screenshots: install services
	UPDATE_SCREENSHOTS=1 DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
	  $(VENV)/bin/pytest -q tests/browser -k screenshots

# Issue 8: generate (or reuse) the benchmark database, serve it under gunicorn, measure with
# locust and write docs/BENCHMARKS.md. `make bench SMALL=1` for a few-minute run; the size is
# BENCH_INCIDENTS (default 200000; see bench/run.py for the rest).
.PHONY: bench
bench: install services
	$(PY) bench/run.py $(if $(SMALL),--small,)

# Issue 17: prove the backups. Dumps the database DATABASE_URL names (default: the test
# suite's) with pg_dump, restores it into a fresh database, migrates it and compares the
# incident count, the QA table and the audit log; fails if any differ (docs/DEPLOYMENT.md).
restore-drill: install services
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) manage.py restore_drill

clean:
	rm -rf $(VENV) node_modules static/build static/vendor staticfiles var

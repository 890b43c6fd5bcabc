# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint check pytest bench-ingest bench-longitudinal clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Development only: DEBUG is off unless set (config/settings.py), so `run` turns it on
# for its own commands (dev-only key, source static files, seed_demo's demo logins).
DEV := DEBUG=1

run: install
	$(DEV) $(BIN)/python manage.py migrate --noinput
	$(DEV) $(BIN)/python manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/ (log in with a demo account above; Ctrl-C stops)"
	$(DEV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .

check: install
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

pytest: install
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint check pytest

# Laboratory result ingestion vs raw COPY (PostgreSQL only; DATABASE_URL=postgres://...).
bench-ingest: install
	$(BIN)/python bench/ingest.py $(BENCH_ARGS)

# Timeline, dashboard and export at scale (PostgreSQL only; BENCH_PATIENTS, default 100000;
# BENCH_DATABASE_URL, default postgres://registry:registry@127.0.0.1:5432/registry_bench_longitudinal).
bench-longitudinal: install
	$(BIN)/python bench/longitudinal.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles

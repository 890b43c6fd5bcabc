# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Hashed locks (requirements/): test.lock for make and CI, base.lock for the image.
LOCK := requirements/test.lock
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint check pytest lock bench-ingest bench-longitudinal clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Exactly the locked versions, each file checked against its hash, then the project itself
# without resolving anything. Runs again whenever the lock or pyproject.toml changes.
$(STAMP): $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
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

# The settings the suite runs: production's (DEBUG off) with a test-only key.
check: install
	DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python manage.py check
	DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python manage.py makemigrations --check --dry-run

pytest: install
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint check pytest

# After changing a dependency in pyproject.toml: resolve again, keeping the locked versions
# that still fit (LOCK_ARGS=--upgrade to take the newest), then `make test`. uv comes with
# the test extra; tests/core/test_dependencies.py checks the locks against the floors.
LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --quiet
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra test $(LOCK_FLAGS) $(LOCK_ARGS) \
		-o requirements/test.lock
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) -c requirements/test.lock \
		-o requirements/base.lock

# Laboratory result ingestion vs raw COPY (PostgreSQL only; DATABASE_URL=postgres://...).
bench-ingest: install
	$(BIN)/python bench/ingest.py $(BENCH_ARGS)

# Timeline, dashboard and export at scale (PostgreSQL only; BENCH_PATIENTS, default 100000;
# BENCH_DATABASE_URL, default postgres://registry:registry@127.0.0.1:5432/registry_bench_longitudinal).
bench-longitudinal: install
	$(BIN)/python bench/longitudinal.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles

# The two commands of the contract are `make run` and `make test`; everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= afrelations.settings.dev

.PHONY: run test setup lint format migrations-check bench loadtest csv-memory clean system-deps

# Re-created only when a requirements file changes, so re-running is fast.
$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

setup: $(BIN)/.installed node_modules/.installed

run: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_content
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

system-deps:
	scripts/ensure_system_deps.sh

test: setup system-deps
	DJANGO_SETTINGS_MODULE=afrelations.settings.test $(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djhtml --check templates

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djhtml templates

migrations-check: setup
	$(BIN)/python manage.py makemigrations --check --dry-run

bench: setup
	scripts/ensure_system_deps.sh wrk
	$(BIN)/python scripts/bench.py

loadtest: setup
	scripts/ensure_system_deps.sh wrk
	$(BIN)/python scripts/loadtest.py

# Peak memory of the API's CSV export of 10,000 and 100,000 events (PostgreSQL on 127.0.0.1).
csv-memory: setup
	$(BIN)/python scripts/csv_memory.py

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3

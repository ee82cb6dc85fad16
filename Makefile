# The two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
DATABASE_URL ?= sqlite+aiosqlite:///./regimen.db
export DATABASE_URL

.PHONY: run test lint format install install-dev pin migrate seed bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

migrate: install
	$(BIN)/alembic upgrade head

seed: migrate
	$(BIN)/python -m app.cli seed-catalog

run: seed
	$(BIN)/uvicorn app.main:app_factory --factory --host $(HOST) --port $(PORT) --no-access-log

test: install-dev
	$(BIN)/pytest --cov=app --cov-report=term:skip-covered

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install-dev
	$(BIN)/python bench/engine.py --http
	$(BIN)/python bench/hot_path.py
	$(BIN)/python bench/reminders.py

# Re-pin after editing pyproject.toml (needs uv: `pip install uv`).
pin:
	uv pip compile pyproject.toml -o requirements.txt --python-version 3.11 -q
	uv pip compile pyproject.toml --extra dev -o requirements-dev.txt --python-version 3.11 -q

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage regimen.db*

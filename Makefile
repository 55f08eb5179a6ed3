# SuperMassive developer commands. `make run` and `make test` work from a fresh clone.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := -e client-py -e 'server[hiredis,zlib-ng]' -e cli -e chaos -e bench
PYTEST_ARGS ?= -n 2
export NO_MKDOCS_2_WARNING := 1

.PHONY: install run test test-all lint typecheck docs serve-docs chaos bench install-browser install-bench-deps clean

install: $(STAMP)

$(STAMP): Makefile requirements-dev.txt server/pyproject.toml client-py/pyproject.toml cli/pyproject.toml chaos/pyproject.toml bench/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(PACKAGES) -r requirements-dev.txt
	touch $(STAMP)

run: install
	$(BIN)/python -m supermassive.devcluster

test: install
	$(BIN)/python -m ruff check .
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

test-all: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/python -m ruff check .

typecheck: install
	$(BIN)/python -m mypy

docs: install
	$(BIN)/mkdocs build --strict

serve-docs: install
	$(BIN)/mkdocs serve

chaos: install
	$(BIN)/python -m pytest -m slow chaos $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m smbench.standard

install-browser:
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium

install-bench-deps:
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server redis-tools

clean:
	rm -rf $(VENV) site .pytest_cache .mypy_cache .ruff_cache

# kpi-suite: two commands do everything on a fresh machine.
#   make report   create .venv, install, build the demo database if there is none, run the main job
#   make test     create .venv, install, lint, run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install demo report test lint format clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install kpi-suite with its test tools

demo: install ## build the demo province into the database if it holds no data yet
	$(BIN)/kpi demo --if-empty

report: demo ## the main job: build the demo data (if needed), then the reports
	@echo "The demo province is in the database (see 'kpi db info')."
	@echo "Report generation is not built yet (issue 5): 'make report' ends after the data."

test: install ## lint, then run the whole test suite (PostgreSQL tests need the local server)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: install ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean: ## remove .venv and caches (never the data or outputs)
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

# kpi-suite: two commands do everything on a fresh machine.
#   make report   create .venv, install, build the demo database if there is none, run the main job
#   make test     create .venv, install, lint, run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install demo chromium report serve test lint format clean

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

chromium: ## install Debian's Chromium for PDF reports when it is missing (needs root)
	@if [ -n "$$KPI_CHROMIUM" ] || command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "Chromium is missing (apt-get install -y chromium as root): PDFs are left out."; fi

report: demo chromium ## the main job: demo data (if needed), then every report of the latest complete fiscal year
	@formats=html,pdf,ipynb; \
	if [ -z "$$KPI_CHROMIUM" ] && ! command -v chromium >/dev/null 2>&1; then formats=html,ipynb; fi; \
	$(BIN)/kpi report --all --format $$formats

serve: demo ## the dashboards on http://127.0.0.1:8866/ (demo data if there is none); Ctrl-C stops
	$(BIN)/kpi serve

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

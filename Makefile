# kpi-suite: two commands do everything on a fresh machine.
#   make report   create .venv, install, build the demo database if there is none, run the main job
#   make test     create .venv, install, lint, run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# pytest-xdist workers of `make test` (each test file runs whole in one worker)
TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile
KERNEL := $(VENV)/share/jupyter/kernels/kpi-suite/kernel.json

.DEFAULT_GOAL := help
.PHONY: help install kernel lab strip demo chromium report serve test test-postgres lint format messages clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) $(KERNEL) ## create .venv, install kpi-suite with its test tools, register the kernel

# The project's Jupyter kernel "kpi-suite", registered inside the venv (--sys-prefix): JupyterLab
# started from .venv offers it, and analysts run what the batch and the dashboards run.
$(KERNEL): $(STAMP)
	$(BIN)/python -m ipykernel install --sys-prefix --name kpi-suite --display-name "kpi-suite"

kernel: $(KERNEL) ## register the project's Jupyter kernel "kpi-suite" in .venv

lab: demo ## JupyterLab on notebooks/ with the project's kernel (demo data if there is none)
	$(BIN)/jupyter lab --notebook-dir notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

strip: install ## strip outputs and execution counts from every notebook (before committing)
	find notebooks tests/notebooks -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' -print0 \
	  | xargs -0 $(BIN)/nbstripout --keep-id

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

test: install ## lint and check the layers, then the whole test suite, then the PostgreSQL pass
	$(MAKE) --no-print-directory lint
	$(PYTEST)
	$(MAKE) --no-print-directory test-postgres

# The first pass already runs every test that takes `database_url` or `demo_url` (data store,
# demo, ingestion, KPIs) on SQLite and on PostgreSQL. This pass runs the tests built on the
# session demo (KPI views, data quality, report batch and CLI, dashboards, the analysts'
# notebook) again with PostgreSQL as the only backend (KPI_TEST_BACKEND=postgresql), leaving out
# the tests marked any_backend (the batch runner's and the server's own mechanics).
POSTGRES_PASS := tests/test_views.py tests/test_views_pse.py tests/test_quality.py \
	tests/test_ingest_demo.py tests/test_report_batch.py tests/test_report_cli.py \
	tests/test_report_content.py tests/test_dashboards_readonly.py tests/test_dashboards_server.py \
	tests/test_dashboards_pages.py tests/test_explore_notebook.py tests/test_explain.py

test-postgres: install ## the PostgreSQL pass alone: data, ingestion, KPIs, report batch, dashboards
	KPI_TEST_BACKEND=postgresql $(PYTEST) -m "not any_backend" $(POSTGRES_PASS)

lint: install ## ruff (notebooks included), the import contract of kpilib's layers, mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy


messages: install ## list the messages with no Urdu translation yet (.po entries to fill in)
	$(BIN)/python -m kpilib.i18n.extract --language ur

format: install ## apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean: ## remove .venv and caches (never the data or outputs)
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

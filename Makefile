# govgap: `make help` lists every target. Every target sets up .venv first when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.DEFAULT_GOAL := help
.PHONY: help setup browser r-survey sample-data prepare reports reports-all lab test clean clean-all

help: ## list every target with one line each
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "govgap needs Python 3.11 or newer as '$(PYTHON)' (try: make PYTHON=python3.11 ...)"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): on Debian/Ubuntu install the venv module \
	  (sudo apt-get install python3-venv) and run make again."; rm -rf $(VENV); exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

TEMPLATES := data/raw/templates/SIPAS_mau.xlsx
$(TEMPLATES): $(STAMP) lib/govgap/pipeline/templates.py lib/govgap/sources/context.py lib/govgap/data/context_columns.csv
	$(BIN)/govgap templates

setup: $(STAMP) $(TEMPLATES) ## create .venv, install govgap with its dependencies, write the empty templates (done by every target)

sample-data: setup ## write the deterministic sample inputs to data/raw/sample
	$(BIN)/govgap sample-data

prepare: sample-data ## clean the sample inputs into data/processed/sample
	$(BIN)/govgap prepare

reports: setup ## set up, make the sample data and render every province's report into reports/
	$(BIN)/govgap reports

reports-all: setup ## as reports, in Vietnamese and English
	$(BIN)/govgap reports --languages vi,en

lab: sample-data ## open JupyterLab on the notebooks
	$(BIN)/jupyter lab notebooks/

browser: ## install headless Chromium (Debian package) for the browser test, when missing
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Chromium (Debian package chromium) for the browser test..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: run 'sudo apt-get install chromium' (the browser test needs it)"; fi; }

r-survey: ## install R's survey package (Debian r-cran-survey), the reference the survey estimates are checked against
	@command -v Rscript >/dev/null 2>&1 && Rscript -e 'library(survey)' >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing R's survey package (Debian package r-cran-survey) for the survey cross-check..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      r-base-core r-cran-survey >/dev/null; \
	  else echo "R's survey package is missing: run 'sudo apt-get install r-cran-survey' (the survey cross-check needs it)"; fi; }

test: setup browser r-survey ## set up (with Chromium and R's survey package) and run the test suite
	@# compiled once here: with PYTHONDONTWRITEBYTECODE set (some shells and CI set it) every kernel,
	@# worker and command the suite starts would compile govgap again (0.7 s each, minutes in all)
	@$(BIN)/python -m compileall -q lib
	$(BIN)/python -m pytest

clean: ## remove generated reports and processed data (raw sample data stays)
	rm -rf reports/*/ reports/index.html reports/manifest.json reports/.runs data/processed/*/

clean-all: clean ## also remove the sample data and .venv
	rm -rf data/raw/sample $(VENV)

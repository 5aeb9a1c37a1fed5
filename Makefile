# Two commands: `make` sets up and builds output/, `make test` checks everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready
ACE    := tests/validators/node_modules/.bin/ace-cli
BUILD  := $(BIN)/python -m pipeline build

.DEFAULT_GOAL := all
.PHONY: all pdf epub large-print editions library import test lint proof check validators bench clean distclean

## Build the A4 PDF and the EPUB of manuscript/ into output/.
all: $(READY)
	$(BUILD)

pdf: $(READY)
	$(BUILD) --format pdf

epub: $(READY)
	$(BUILD) --format epub

## The same book at 16 pt for low-vision readers: output/<slug>-large-print.pdf
large-print: $(READY)
	$(BUILD) --format pdf --profile large-print

## Every edition book.yaml lists (print profiles, booklet, EPUB, web), in parallel processes.
editions: $(READY)
	$(BUILD) --all-editions

## Every edition of every variant of every book under LIBRARY (default: the example leaflets),
## on a local pool of worker processes; SCHEDULER=tcp://host:8786 sends it to a Dask cluster.
LIBRARY ?= examples/leaflets
SCHEDULER ?=
library: $(READY)
	$(BIN)/python -m pipeline batch $(LIBRARY) -o output/library --all-editions $(if $(SCHEDULER),--scheduler $(SCHEDULER))

## A manuscript folder from a Word document: make import DOCX=leaflet.docx [TO=folder]
## (any other options: make import DOCX=x.docx ARGS=--accept-changes).
import: $(READY)
	@test -n "$(DOCX)" || { echo "usage: make import DOCX=document.docx [TO=folder] [ARGS=...]"; exit 2; }
	$(BIN)/python -m pipeline import "$(DOCX)" $(if $(TO),"$(TO)") $(ARGS)

## A virtual environment with the pinned dependencies (no root needed).
$(READY): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

## DAISY Ace (EPUB accessibility) from npm, pinned by package-lock.json; it drives the
## machine's Chromium, so no browser is downloaded.
validators: $(ACE)
$(ACE): tests/validators/package.json tests/validators/package-lock.json
	@if command -v npm >/dev/null; then \
	  PUPPETEER_SKIP_DOWNLOAD=true npm ci --prefix tests/validators --no-fund --no-audit --loglevel=error \
	  && touch $@; \
	else echo "npm not found: the Ace tests will be skipped here (CI installs npm and fails without it)"; fi

## Proof the manuscript: lint findings, then the plain-language report (output/proof/).
proof: $(READY)
	$(BIN)/python -m pipeline lint --report

## Build, then run every validator over every built edition: one release report.
check: all validators
	$(BIN)/python -m pipeline check

## The code linter (ruff, mypy); `make proof` lints the manuscript.
lint: $(READY)
	$(BIN)/ruff check pipeline tests bench setup.py
	$(BIN)/ruff format --check pipeline tests bench setup.py
	$(BIN)/mypy

## Lint, types, then every test (the real validators run once per session).
test: lint validators
	$(BIN)/pytest

## Time and memory against the `weasyprint` command and pandoc's route, measured in the same
## run, on the embedded book and a 300-page one (see bench/README.md; several minutes).
bench: $(READY)
	$(BIN)/python bench/run.py

clean:
	rm -f output/*.pdf output/*.epub output/.*.partial
	rm -rf output/proof output/.pipeline
	rm -rf output/*-web output/library
	rm -rf .pytest_cache .mypy_cache .ruff_cache
	find pipeline tests bench -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) tests/validators/node_modules *.egg-info

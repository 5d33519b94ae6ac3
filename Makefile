# One command to set up and run, one to set up and test. Each makes its own venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The sample quote is for cargo ready two weeks from today.
READY ?= $(shell date -d '+14 days' +%F)

.PHONY: run test setup bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## Main job on the embedded default (SQLite): network summary and a sample quote.
run: $(STAMP)
	$(BIN)/landbridge network stats
	$(BIN)/landbridge quote Chongqing Duisburg --ready $(READY) --containers 2 --container-type 40HC --cargo electronics

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python bench/planner_latency.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info

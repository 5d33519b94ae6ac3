# One command to set up and run, one to set up and test. Each makes its own virtual environment.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
# The sample quote is for cargo ready two weeks from today; the database gets the next 60 days of departures.
READY ?= $(shell date -d '+14 days' +%F)
SEED_FROM ?= $(shell date +%F)
SEED_TO ?= $(shell date -d '+60 days' +%F)

.PHONY: run test setup simulate bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## The main job on the embedded default (SQLite in your data directory): network summary, a sample
## quote, then the booking service with the next 60 days of departures and a fresh operator key.
run: $(STAMP)
	$(BIN)/landbridge network stats
	$(BIN)/landbridge quote Chongqing Duisburg --ready $(READY) --containers 2 --container-type 40HC --cargo electronics
	$(BIN)/landbridge db upgrade
	$(BIN)/landbridge db seed --from $(SEED_FROM) --to $(SEED_TO)
	$(BIN)/landbridge keys create --role operator --name "make run" --replace
	@echo "Booking service on http://127.0.0.1:$(PORT) (OpenAPI at /docs); Ctrl-C stops it."
	$(BIN)/landbridge serve --host 127.0.0.1 --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

## The digital twin: one simulated year of the default network, outputs in out/simulation.
simulate: $(STAMP)
	$(BIN)/landbridge simulate --start $(SEED_FROM) --days 365 --seed 42 --out out/simulation

## Benchmarks (run by hand; results go to docs/benchmarks.md).
bench: $(STAMP)
	$(BIN)/python bench/planner_latency.py
	$(BIN)/python bench/simulation_speed.py
	$(BIN)/python bench/booking_throughput.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info

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

.PHONY: run test check setup simulate bench clean

## constraints.txt pins the versions last tested together (reproducible installs); pyproject.toml holds the ranges.
## The install also compiles the planner with mypyc (setup.py, src/landbridge/native.py): a changed planner source
## reinstalls, so `make` never leaves a stale build (landbridge would then run the .py files, with a warning).
NATIVE_SOURCES := setup.py $(wildcard src/landbridge/planner/*.py) src/landbridge/simulation/engine.py src/landbridge/simulation/state.py

$(STAMP): pyproject.toml constraints.txt $(NATIVE_SOURCES)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

## The web app (web/, docs/web.md): npm ci from the committed lock file, then built into the Python package.
WEB_DEPS := web/node_modules/.package-lock.json
WEB_BUILT := src/landbridge/web/static/index.html
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json

$(WEB_DEPS): web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "The web app needs Node.js 20.19+ with npm (e.g. apt-get install nodejs npm)." >&2; exit 2; }
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $(WEB_DEPS)

$(WEB_BUILT): $(WEB_DEPS) $(WEB_SOURCES)
	cd web && npm run --silent build -- --logLevel error

setup: $(STAMP) $(WEB_BUILT)

## The main job on the embedded default (SQLite in your data directory): network summary, a sample
## quote, then the booking service with the next 60 days of departures and a fresh operator key.
run: $(STAMP) $(WEB_BUILT)
	$(BIN)/landbridge network stats
	$(BIN)/landbridge quote Chongqing Duisburg --ready $(READY) --containers 2 --container-type 40HC --cargo electronics
	$(BIN)/landbridge db upgrade
	$(BIN)/landbridge db seed --from $(SEED_FROM) --to $(SEED_TO)
	@KEY=$$($(BIN)/landbridge keys create --role operator --name "make run" --replace) && \
	echo "Web app on http://127.0.0.1:$(PORT)/ : sign in with the operator key $$KEY" && \
	echo "API on http://127.0.0.1:$(PORT)/v1 (OpenAPI at /docs); Ctrl-C stops it."
	$(BIN)/landbridge serve --host 127.0.0.1 --port $(PORT)

test: $(STAMP) $(WEB_BUILT) check
	cd web && npm run --silent lint && npm run --silent test
	$(BIN)/python -m pytest -n 2 -q

## Lint, formatting, the layer contracts and types (issue 8); `make test` runs it first.
check: $(STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/lint-imports
	$(BIN)/mypy src

## The digital twin: one simulated year of the default network, outputs in out/simulation.
simulate: $(STAMP)
	$(BIN)/landbridge simulate --start $(SEED_FROM) --days 365 --seed 42 --out out/simulation

## Benchmarks (run by hand; results go to docs/benchmarks.md).
bench: $(STAMP)
	$(BIN)/python bench/planner_latency.py
	$(BIN)/python bench/simulation_speed.py
	$(BIN)/python bench/booking_throughput.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info web/node_modules src/landbridge/web/static

# The project's commands. The README's quick start uses two of them: `make demo`, `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
VENV := .venv
EMULATOR_VENV := .venv-emulator
PY := $(VENV)/bin/python
# wasmtime's cache of the compiled ZetaSQL analyzer (tests and the test stack's proxy use it).
WASM_CACHE := .local/wasmtime-cache
UV := $(VENV)/bin/uv
# The stack's CLI imports the DAG package (plugins/) the same way Airflow does.
export PYTHONPATH := $(CURDIR)/plugins:$(CURDIR)

.PHONY: demo install up down status reset test test-fast test-clock lint lock clean bench bench-quick-start bench-proxy bench-page bench-stale bench-io

## demo: install, start the local stack, and run the main job on it. A rerun keeps the
## warehouse and says so; RESET=1 deletes the stack's data first (like make reset).
demo: install
	$(PY) -m local_stack demo $(if $(filter 1 yes true,$(RESET)),--reset)

## install: both venvs, pinned, and the GoogleSQL analyzer compiled; a no-op when nothing changed
install: $(VENV)/.installed $(EMULATOR_VENV)/.installed $(WASM_CACHE)/.warm

# The package itself goes in editable (plugins/ stays the code Airflow loads), without its
# dependencies: requirements.txt is the one lock.
$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) pip install --quiet --python $(PY) -r requirements.txt
	$(UV) pip install --quiet --python $(PY) --no-deps --no-build-isolation --editable .
	touch $@

$(EMULATOR_VENV)/.installed: requirements-emulator.txt $(VENV)/.installed
	test -x $(EMULATOR_VENV)/bin/python || $(UV) venv --quiet --python $(PY) $(EMULATOR_VENV)
	$(UV) pip install --quiet --python $(EMULATOR_VENV)/bin/python -r requirements-emulator.txt
	touch $@

# The first compile of ZetaSQL's WebAssembly is slow on 2 cores; later starts reuse its cache.
$(WASM_CACHE)/.warm: $(VENV)/.installed
	PYTHONPATH=plugins:. $(PY) -m local_stack.googlesql warm
	touch $@

## up / down / status: the local stack (emulator, PostgreSQL, Airflow); data stays in .local/
up: install
	$(PY) -m local_stack up

down:
	@if [ -x $(PY) ]; then $(PY) -m local_stack down; fi

status:
	@$(PY) -m local_stack status

## reset: stop the stack and delete its data (.local/ but the analyzer's cache); the next
## make up or make demo starts from nothing
reset:
	@if [ -x $(PY) ]; then $(PY) -m local_stack reset; else rm -rf .local/airflow .local/postgres .local/bq-emulator; fi

## test: linters, then the whole suite (starts the stack if it is not running)
test: install lint
	$(PY) -m pytest

## test-fast: linters and the tests that need no running stack
test-fast: install lint
	$(PY) -m pytest -m "not integration"

## test-clock: the tests that run no DAG, with the system clock moved years ahead and behind
## (Debian's faketime): a test that depends on today's date fails here the day it is written.
## Its stack has its own state and ports: a server started under a fake clock is never shared.
test-clock: install
	@command -v faketime >/dev/null || { echo "test-clock needs Debian's faketime (apt-get install faketime)"; exit 2; }
	@for moment in "2031-06-01 12:00:00" "2021-06-01 12:00:00"; do \
		echo "== tests with the system clock at $$moment"; \
		NBA_STATE_DIR=.local/test-stack-clock NBA_BQ_EMULATOR_PORT=9250 NBA_BQ_EMULATOR_GRPC_PORT=9260 \
		NBA_FAULT_PROXY_PORT=9255 NBA_AIRFLOW_PORT=8280 NBA_ALERT_RECEIVER_PORT=9270 \
		faketime "$$moment" $(PY) -m pytest -q -m "not airflow_runs" || exit 1; \
	done

## bench: the backfill benchmark on the local stack (reloads its warehouse; STAGES=a,b for a subset)
bench: install
	$(PY) bench/backfill_benchmark.py $(if $(STAGES),--stages $(STAGES))

## bench-quick-start: time make demo RESET=1 and a rerun; deletes the stack's data first
bench-quick-start: install
	$(PY) bench/quick_start.py

## bench-page: the Coverage page's data request and render for the whole history (after make demo)
bench-page: install
	$(PY) bench/coverage_page_load.py

## bench-stale: the staleness check, nightly window and whole history per table (after make demo)
bench-stale: install
	$(PY) bench/staleness_check.py

## bench-io: the processor path's reads (REST vs Arrow) and loads (NDJSON vs Parquet) side by side (after make demo)
bench-io: install
	$(PY) bench/arrow_io.py

## bench-proxy: what the test stack's fault proxy adds to a BigQuery call (own emulator)
bench-proxy: install
	$(PY) bench/fault_proxy_overhead.py

## lint: ruff (with AIR3), ruff format, sqlfluff (BigQuery), and the wings' import contracts
lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/sqlfluff lint include/sql
	PYTHONPATH=plugins $(VENV)/bin/lint-imports --no-cache

## lock: re-pin requirements*.txt from requirements*.in
lock:
	$(UV) pip compile --quiet --python-version 3.11 requirements.in -o requirements.txt
	$(UV) pip compile --quiet --python-version 3.11 requirements-emulator.in -o requirements-emulator.txt

## clean: stop the stack and delete its data (.local/); venvs stay
clean: down
	rm -rf .local

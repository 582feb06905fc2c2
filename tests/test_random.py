"""The randomized regression (tb/test_random.py) on each simulator and bus width, over
many bench seeds: the soak.

Each item is one cocotb run of both random tests with a bench seed of its own, in
its own folder, on a build shared by the runs of its simulator and configuration.
How many runs per simulator and configuration:

* ``make test``: :data:`RUNS` (chosen so that one CI run moves at least 10,000
  descriptors across both simulators, most on Verilator, the faster one);
* ``make soak SEEDS=N`` (``DMAC_SOAK_SEEDS=N``): N on each;
* ``DMAC_SOAK_BASE=B`` makes the bench seeds B, B + 1, ... (item by item, in
  collection order) instead of random ones, so a shard of a soak run on another
  machine (``pytest-split``'s ``--splits``/``--group``) is reproducible.

Every run writes its counts (tb/soak.py) beside its results; the end of the
pytest run prints their totals (tools/soak.py).
"""

from __future__ import annotations

import json
import os
import secrets

import pytest

from tb import coverage, soak
from tb.toolchain import SIMULATORS, run_dir

CONFIGS = {
    "dw32": {"DATA_WIDTH": 32},
    # Bursts of 5 to 8 beats cut through (STORE_FORWARD_MAX 4), shorter ones store and forward
    "dw64": {"DATA_WIDTH": 64, "MAX_BURST_LEN": 8, "FIFO_DEPTH": 16, "STORE_FORWARD_MAX": 4},
}
# Runs per configuration in `make test`.  A run (12 + 6 iterations) moves about 100
# descriptors in about 7 s on Verilator and 20 s on Icarus (2-core CI machine).
RUNS = {"verilator": 48, "icarus": 4}


def _items(sims: list[str]) -> list[tuple[str, str, int]]:
    """(simulator, configuration, run) by run first, so that any contiguous share of the
    items (a pytest-split group) mixes simulators and widths alike."""
    given = os.environ.get("DMAC_SOAK_SEEDS")
    runs = {sim: int(given) if given else RUNS[sim] for sim in sims}
    return [
        (sim, config, run)
        for run in range(max(runs.values(), default=0))
        for sim in sims
        for config in CONFIGS
        if run < runs[sim]
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "soak_run" in metafunc.fixturenames:
        items = _items(metafunc.config.getoption("sim") or list(SIMULATORS))
        metafunc.parametrize(
            "soak_run", items, ids=[f"{sim}-{config}-{run}" for sim, config, run in items]
        )


def _bench_seed(index: int) -> int:
    base = os.environ.get("DMAC_SOAK_BASE")
    return (int(base) + index) % 2**32 if base else secrets.randbits(32)


@pytest.mark.sim
def test_random(soak_run: tuple[str, str, int], bench_on, request) -> None:  # type: ignore[no-untyped-def]
    sim, config, run = soak_run
    params = CONFIGS[config]
    build_name, run_name = f"random-{config}", f"s{run}"
    # Counts and coverage left by an earlier run in this folder must not be reported.
    for name in (soak.DEFAULT_FILE, coverage.DEFAULT_FILE):
        (run_dir(sim, build_name, run_name) / name).unlink(missing_ok=True)
    env = {"DMAC_PARAMS": json.dumps(params)}
    if "DMAC_SEED" not in os.environ:
        env["DMAC_SEED"] = str(_bench_seed(request.node.callspec.indices["soak_run"]))
    bench_on(
        sim,
        toplevel="dmac",
        test_module="tb.test_random",
        build_name=build_name,
        run_name=run_name,
        parameters=params,
        extra_env=env,
    )

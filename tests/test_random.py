"""Runs the randomized regression (tb/test_random.py) on each simulator and bus width."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

CONFIGS = {
    "dw32": {"DATA_WIDTH": 32},
    "dw64": {"DATA_WIDTH": 64, "MAX_BURST_LEN": 8},
}


@pytest.mark.parametrize("config", CONFIGS)
def test_random(bench: Callable[..., None], config: str) -> None:
    params = CONFIGS[config]
    bench(
        toplevel="dmac",
        test_module="tb.test_random",
        build_name=f"random-{config}",
        parameters=params,
        extra_env={"DMAC_PARAMS": json.dumps(params)},
    )

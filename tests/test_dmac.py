"""Runs the cocotb tests of tb/test_dmac.py on each simulator and bus width (32, 64, 128)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

CONFIGS = {
    "dw32": {"DATA_WIDTH": 32},
    "dw64": {"DATA_WIDTH": 64},
    "dw128": {"DATA_WIDTH": 128},
}


@pytest.mark.parametrize("config", CONFIGS)
def test_dmac(bench: Callable[..., None], config: str) -> None:
    params = CONFIGS[config]
    bench(
        toplevel="dmac",
        test_module="tb.test_dmac",
        build_name=f"dmac-{config}",
        parameters=params,
        extra_env={"DMAC_PARAMS": json.dumps(params)},
    )

"""Runs the cocotb tests of tb/test_dmac.py on each simulator and bus width (32, 64, 128),
and with 256-beat bursts (FIFO_DEPTH 512, the least allowed) at DATA_WIDTH 64 and 32.
DATA_WIDTH 32 runs with STATUS_BATCH 1 (a status write per descriptor), the others with
status writes batched over contiguous descriptors (the default)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

CONFIGS = {
    "dw32": {"DATA_WIDTH": 32, "STATUS_BATCH": 1},
    "dw64": {"DATA_WIDTH": 64},
    "dw128": {"DATA_WIDTH": 128},
    "mbl256_64": {"DATA_WIDTH": 64, "MAX_BURST_LEN": 256, "FIFO_DEPTH": 512},
    "mbl256_32": {"DATA_WIDTH": 32, "MAX_BURST_LEN": 256, "FIFO_DEPTH": 512},
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

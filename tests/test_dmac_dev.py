"""Runs the device-paced transfer tests (tb/test_dmac_dev.py) on each simulator."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

CONFIGS = {
    "dw64": {"DATA_WIDTH": 64},
}


@pytest.mark.parametrize("config", CONFIGS)
def test_dmac_dev(bench: Callable[..., None], config: str) -> None:
    params = CONFIGS[config]
    bench(
        toplevel="dmac",
        test_module="tb.test_dmac_dev",
        build_name=f"dmac-dev-{config}",
        parameters=params,
        extra_env={"DMAC_PARAMS": json.dumps(params)},
    )

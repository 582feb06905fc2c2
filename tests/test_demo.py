"""`make demo` keeps working: tb/demo.py (dmatest on every channel, then each client) on
both simulators, with fewer dmatest iterations than the demo's default."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.test_system import PARAMS


def test_demo(bench: Callable[..., None]) -> None:
    bench(
        toplevel="dmac",
        test_module="tb.demo",
        build_name="demo-dw64",
        parameters=PARAMS,
        extra_env={"DMAC_PARAMS": json.dumps(PARAMS), "DEMO_ITERATIONS": "3"},
    )

"""Runs the cocotb self-test of the peripheral models (tb/test_peripherals.py) on each simulator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tb.toolchain import ROOT


def test_peripherals(bench: Callable[..., None]) -> None:
    bench(
        toplevel="req_harness",
        test_module="tb.test_peripherals",
        build_name="peripherals",
        sources=[ROOT / Path("tb/hdl/req_harness.v")],
    )

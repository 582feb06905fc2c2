"""Runs the cocotb tests of the AXI4 memory model (tb/test_axi_memory.py) on each simulator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tb.toolchain import ROOT


def test_axi_memory(bench: Callable[..., None]) -> None:
    bench(
        toplevel="axi_passthrough",
        test_module="tb.test_axi_memory",
        build_name="axi_memory",
        sources=[ROOT / Path("tb/hdl/axi_passthrough.v")],
    )

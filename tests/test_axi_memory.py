"""Runs the cocotb tests of the AXI4 memory model (tb/test_axi_memory.py) on each simulator;
checks its dma-ranges decoding (:class:`DmaRanges`, pure Python) without a simulator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tb.models.axi_memory import DmaRanges
from tb.toolchain import ROOT


def test_axi_memory(bench: Callable[..., None]) -> None:
    bench(
        toplevel="axi_passthrough",
        test_module="tb.test_axi_memory",
        build_name="axi_memory",
        sources=[ROOT / Path("tb/hdl/axi_passthrough.v")],
    )


def test_dma_ranges_decode() -> None:
    ranges = DmaRanges([(0x3000, 0x1_0000, 0x1000), (0x1000, 0x8000, 0x1000)])
    assert ranges.ranges == ((0x1000, 0x8000, 0x1000), (0x3000, 0x1_0000, 0x1000))  # sorted
    assert ranges.delta(0x1000, 0x1040) == 0x7000
    assert ranges.delta(0x1FC0, 0x2000) == 0x7000  # up to the last byte
    assert ranges.delta(0x3800, 0x3900) == 0x1_0000 - 0x3000
    for lo, hi in ((0, 0x1000), (0x2000, 0x3000), (0x4000, 0x5000), (1 << 40, (1 << 40) + 8)):
        assert ranges.delta(lo, hi) == 0, (lo, hi)  # touches no range: identity
    for lo, hi in ((0xFF8, 0x1008), (0x1FF8, 0x2008), (0x1FF8, 0x3008), (0x2FFC, 0x3004)):
        assert ranges.delta(lo, hi) is None, (lo, hi)  # straddles an edge
    assert ranges.to_cpu(0x1234) == 0x8234 and ranges.to_cpu(0x2234) == 0x2234
    assert ranges.to_bus(0x8234) == 0x1234 and ranges.to_bus(0x1_0FFF) == 0x3FFF
    assert ranges.to_bus(0x2234) == 0x2234  # identity reaches it
    assert ranges.to_bus(0x1234) is None  # shadowed: bus 0x1234 goes to 0x8234
    assert not DmaRanges([]) and ranges


@pytest.mark.parametrize(
    "bad",
    [
        [(0x1000, 0, 0x1000), (0x1FFF, 0x8000, 0x10)],  # overlap on the bus
        [(0x1000, 0, 0x1000), (0x800, 0x8000, 0x1000)],  # overlap, given out of order
        [(0x1000, 0, 0)],
        [(-1, 0, 0x10)],
        [(0, -0x10, 0x10)],
    ],
)
def test_dma_ranges_rejected(bad: list[tuple[int, int, int]]) -> None:
    with pytest.raises(ValueError):
        DmaRanges(bad)


def test_dma_ranges_may_alias() -> None:
    """Two bus windows may show the same physical bytes; the lower one is the one given."""
    ranges = DmaRanges([(0x1000, 0x8000, 0x1000), (0x5000, 0x8000, 0x1000)])
    assert ranges.to_cpu(0x1010) == ranges.to_cpu(0x5010) == 0x8010
    assert ranges.to_bus(0x8010) == 0x1010

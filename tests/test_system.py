"""Runs the system benches (tb/test_system*.py: the controller with CPU, cache, IOMMU models)."""

from __future__ import annotations

import json
from collections.abc import Callable

PARAMS = {"DATA_WIDTH": 64}


def test_system(bench: Callable[..., None]) -> None:
    bench(
        toplevel="dmac",
        test_module=["tb.test_system", "tb.test_system_iommu"],
        build_name="system-dw64",
        parameters=PARAMS,
        extra_env={"DMAC_PARAMS": json.dumps(PARAMS)},
    )


def test_system_dma_map(bench: Callable[..., None]) -> None:
    """The DMA-mapping API (sw/kernel/dma) against the RTL: tb/test_system_dma_map.py."""
    bench(
        toplevel="dmac",
        test_module="tb.test_system_dma_map",
        build_name="system-dma-map-dw64",
        parameters=PARAMS,
        extra_env={"DMAC_PARAMS": json.dumps(PARAMS)},
    )


def test_system_dmaengine(bench: Callable[..., None]) -> None:
    """dmaengine and the controller's driver (sw/drivers/dma) against the RTL:
    tb/test_system_dmaengine.py."""
    bench(
        toplevel="dmac",
        test_module=[
            "tb.test_system_dmaengine",
            "tb.test_system_dmatest",
            "tb.test_system_clients",
        ],
        build_name="system-dmaengine-dw64",
        parameters=PARAMS,
        extra_env={"DMAC_PARAMS": json.dumps(PARAMS)},
    )

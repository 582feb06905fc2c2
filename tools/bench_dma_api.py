"""What the DMA-mapping layers cost in wall-clock time: map + sync + unmap of a 64 KiB
buffer in each backend (dma-direct, swiotlb bouncing, and dma-iommu once it is built),
on the CPU model without a simulator (the layers sit on a simulation's path only at map,
unmap and sync).

``.venv/bin/python -m tools.bench_dma_api`` prints the table; ``make bench`` includes it.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time

from sw.drivers.base.core import BusDmaRegion, Device, DeviceDriver
from sw.include.linux.dma_mapping import DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE
from sw.init.main import Kernel, start_kernel
from sw.kernel.dma import mapping as dm
from sw.mm.page_alloc import GFP_DMA, GFP_KERNEL, __get_free_pages
from tb.models.cpu import Cpu
from tb.models.iommu import Iommu
from tb.models.memory_map import MemoryMap

SIZE = 64 * 1024
LOW, HIGH, RAM = 0x4000_0000, 0x80_0000_0000, 0x1000_0000
IOMMU_REGS = 0x1001_0000
STREAM = 5


def _machine(cmdline: str, coherent: bool, iommu: bool) -> tuple[Kernel, Device, object]:
    mm = MemoryMap(40)
    mm.add_ram(LOW, RAM)
    mm.add_ram(HIGH, RAM)
    cpu = Cpu(mm.mem, mm.ram_ranges(), coherent=coherent, memory_map=mm)
    model = None
    if iommu:
        model = Iommu(mm.mem, is_ram=mm.is_ram)
        cpu.add_mmio_window(IOMMU_REGS, 0x1000, model, "iommu")
    k = start_kernel(cpu, cmdline)
    dev = Device(
        "dmac0",
        driver=DeviceDriver("dmac"),
        dma_range_map=[BusDmaRegion(LOW, LOW - 0x0100_0000, RAM)],
        dma_coherent=coherent,
    )
    return k, dev, model


async def _setup_iommu(k: Kernel, dev: Device) -> None:
    from sw.drivers.iommu.dma_iommu import iommu_setup_dma_ops
    from sw.drivers.iommu.iommu import IommuDriver

    pages = k.zones["DMA"][0]
    drv = await IommuDriver.probe(k.raw_platform, IOMMU_REGS, pages)
    dom = drv.alloc_domain(strict=True)
    await drv.attach_device(dom, STREAM)
    iommu_setup_dma_ops(dev, drv, dom)


async def _one_round(k: Kernel, dev: Device, va: int) -> None:
    for direction in (DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL):
        addr = await dm.dma_map_single(dev, va, SIZE, direction)
        if dm.dma_mapping_error(dev, addr):
            raise RuntimeError(f"mapping failed in {direction}")
        dm.dma_sync_single_for_cpu(dev, addr, SIZE, direction)
        dm.dma_sync_single_for_device(dev, addr, SIZE, direction)
        await dm.dma_unmap_single(dev, addr, SIZE, direction)


def measure(rounds: int = 20) -> list[dict[str, object]]:
    """One record per backend and coherency: microseconds per map + sync + unmap."""
    backends: list[tuple[str, str, int, bool]] = [
        ("direct", "swiotlb=1024", GFP_DMA, False),
        ("swiotlb", "swiotlb=1024", GFP_KERNEL, False),  # ZONE_NORMAL: above the mask
    ]
    if importlib.util.find_spec("sw.drivers.iommu.dma_iommu") is not None:
        backends.append(("iommu", "swiotlb=1024", GFP_KERNEL, True))
    out = []
    for name, cmdline, gfp, iommu in backends:
        for coherent in (False, True):
            k, dev, _ = _machine(cmdline, coherent, iommu)

            async def run(
                k: Kernel = k, dev: Device = dev, gfp: int = gfp, iommu: bool = iommu
            ) -> float:
                if iommu:
                    await _setup_iommu(k, dev)
                va = __get_free_pages(gfp, 4)
                await _one_round(k, dev, va)  # warm up
                start = time.perf_counter()
                for _ in range(rounds):
                    await _one_round(k, dev, va)
                return (time.perf_counter() - start) / (3 * rounds)

            seconds = asyncio.run(run())
            if k.dma_debug.errors:
                raise RuntimeError(f"{name}: dma-debug reported {k.dma_debug.errors}")
            out.append(
                {
                    "bench": "dma_api",
                    "backend": name,
                    "coherent": coherent,
                    "size": SIZE,
                    "us_per_map_sync_unmap": round(seconds * 1e6, 1),
                }
            )
    return out


def table(records: list[dict[str, object]]) -> str:
    lines = [
        "DMA-mapping layers, 64 KiB: wall-clock per map + sync_for_cpu + sync_for_device + unmap",
        f"{'backend':<10} {'device':<14} {'us':>9}",
    ]
    for rec in records:
        kind = "coherent" if rec["coherent"] else "non-coherent"
        lines.append(f"{rec['backend']!s:<10} {kind:<14} {rec['us_per_map_sync_unmap']!s:>9}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(measure()))

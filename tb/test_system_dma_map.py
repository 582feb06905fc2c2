"""The DMA-mapping API against the RTL: the kernel's memory side (sw/) booted on the system
bench's CPU, the controller programmed at register level with the addresses the API gave.

The controller's bus port has the bench's ``dma-ranges`` offset, so every DMA address is
``phys_to_dma`` of the buffer, not its physical address.  Each test checks every byte the
device wrote against the reference, the bytes around the buffers that must not change,
what dma-debug reported, and the AXI protocol.
"""

from __future__ import annotations

from typing import Any

import cocotb

from sw import dmac_regs as r
from sw.drivers.base.core import BusDmaRegion, Device, DeviceDriver
from sw.include.linux.dma_mapping import DMA_FROM_DEVICE, DMA_TO_DEVICE
from sw.init.main import Kernel, start_kernel
from sw.kernel.dma import mapping as dm
from sw.kernel.dma.direct import dma_to_phys
from sw.mm import virt_to_phys
from sw.mm.page_alloc import GFP_DMA, GFP_KERNEL
from sw.mm.slab import kmalloc
from tb.system_tb import DMA_RANGES, SystemTB


async def boot(dut: Any, coherent: bool, **kw: Any) -> tuple[SystemTB, Kernel, Device]:
    tb = SystemTB(dut, coherent=coherent, dma_ranges=DMA_RANGES, **kw)
    await tb.reset()
    k = start_kernel(tb.cpu, "swiotlb=1024")
    dev = Device(
        "dmac0",
        driver=DeviceDriver("dmac"),
        dma_range_map=[BusDmaRegion(cpu, bus, size) for bus, cpu, size in DMA_RANGES],
        dma_coherent=coherent,
    )
    return tb, k, dev


async def copy(tb: SystemTB, dev: Device, src: int, dst: int, length: int) -> None:
    """One descriptor in coherent memory from ``src`` to ``dst`` (DMA addresses)."""
    got = await dm.dma_alloc_coherent(dev, 4096)
    assert got is not None
    desc_va, desc_dma = got
    res = await tb.copy(desc_va, desc_dma, src, dst, length)
    assert res.err == r.DmacErr.NONE and res.length == length, res
    await dm.dma_free_coherent(dev, 4096, desc_va, desc_dma)


@cocotb.test()
@cocotb.parametrize(coherent=[False, True])
async def test_kmalloc_copy(dut: Any, coherent: bool) -> None:
    """kmalloc(GFP_DMA) buffers mapped with dma_map_single: the controller gets
    phys_to_dma addresses (16 MiB below the physical ones) and copies every byte."""
    tb, k, dev = await boot(dut, coherent)
    length, guard = 3000, 128
    src, dst = kmalloc(4096, GFP_DMA), kmalloc(4096, GFP_DMA)
    new, old = tb.rng.randbytes(length), tb.rng.randbytes(4096)
    k.platform.write(src, new)
    k.platform.write(dst, old)  # dirty in the cache of a non-coherent CPU
    s = await dm.dma_map_single(dev, src, length, DMA_TO_DEVICE)
    d = await dm.dma_map_single(dev, dst + guard, length, DMA_FROM_DEVICE)
    assert dm.dma_mapping_error(dev, s) == 0 and dm.dma_mapping_error(dev, d) == 0
    assert s == virt_to_phys(src) - 0x0100_0000 and d == virt_to_phys(dst) + guard - 0x0100_0000
    await copy(tb, dev, s, d, length)
    await dm.dma_unmap_single(dev, s, length, DMA_TO_DEVICE)
    await dm.dma_unmap_single(dev, d, length, DMA_FROM_DEVICE)
    seen = k.platform.read(dst, 4096)
    assert seen[guard : guard + length] == new
    assert seen[:guard] == old[:guard] and seen[guard + length :] == old[guard + length :]
    assert k.dma_debug.errors == []
    tb.check_protocol()


@cocotb.test()
@cocotb.parametrize(coherent=[False, True])
async def test_swiotlb_bounce(dut: Any, coherent: bool) -> None:
    """GFP_KERNEL buffers come from ZONE_NORMAL, above 4 GiB: the 32-bit controller reaches
    them only through swiotlb's bounce slots, and the copy is byte-exact both ways."""
    tb, k, dev = await boot(dut, coherent)
    length = 5000
    src, dst = kmalloc(8192, GFP_KERNEL), kmalloc(8192, GFP_KERNEL)
    assert virt_to_phys(src) >= 1 << 32 and virt_to_phys(dst) >= 1 << 32
    new, old = tb.rng.randbytes(length), tb.rng.randbytes(8192)
    k.platform.write(src, new)
    k.platform.write(dst, old)
    s = await dm.dma_map_single(dev, src, length, DMA_TO_DEVICE)
    d = await dm.dma_map_single(dev, dst + 64, length, DMA_FROM_DEVICE)
    assert dm.dma_mapping_error(dev, s) == 0 and dm.dma_mapping_error(dev, d) == 0
    assert k.swiotlb.is_swiotlb_buffer(dma_to_phys(dev, s))
    assert k.swiotlb.is_swiotlb_buffer(dma_to_phys(dev, d))
    await copy(tb, dev, s, d, length)
    await dm.dma_unmap_single(dev, s, length, DMA_TO_DEVICE)
    await dm.dma_unmap_single(dev, d, length, DMA_FROM_DEVICE)
    seen = k.platform.read(dst, 8192)
    assert seen[64 : 64 + length] == new
    assert seen[:64] == old[:64] and seen[64 + length :] == old[64 + length :]
    assert k.swiotlb.used == 0
    assert k.dma_debug.errors == []
    tb.check_protocol()


@cocotb.test()
@cocotb.parametrize(variant=["bug", "fixed"])
async def test_stale_read_named_by_debug(dut: Any, variant: str) -> None:
    """(a) through the API: the CPU holds the destination's lines; a driver that reads the
    buffer before dma_unmap_single (or sync_for_cpu) sees stale bytes, and dma-debug names
    the CPU access to memory the device owns.  Unmapping first gives the right bytes."""
    tb, k, dev = await boot(dut, coherent=False)
    length = 2048
    src, dst = kmalloc(4096, GFP_DMA), kmalloc(4096, GFP_DMA)
    new, old = tb.rng.randbytes(length), tb.rng.randbytes(length)
    k.platform.write(src, new)
    k.platform.write(dst, old)
    s = await dm.dma_map_single(dev, src, length, DMA_TO_DEVICE)
    d = await dm.dma_map_single(dev, dst, length, DMA_FROM_DEVICE)
    assert dm.dma_mapping_error(dev, s) == 0 and dm.dma_mapping_error(dev, d) == 0
    assert k.platform.read(src, 16) == new[:16]  # reading a TO_DEVICE buffer is allowed
    k.platform.read(dst + length - 64, 64)  # too early: the CPU pulls a line of dst in
    assert len(k.dma_debug.errors) == 1 and "reading DMA memory" in k.dma_debug.errors[0]
    await copy(tb, dev, s, d, length)
    await dm.dma_unmap_single(dev, s, length, DMA_TO_DEVICE)
    if variant == "bug":
        seen = k.platform.read(dst, length)  # before the unmap: stale
        assert seen[-64:] == old[-64:], "expected the CPU's stale line"
        assert len(k.dma_debug.errors) == 2 and "dmac dmac0" in k.dma_debug.errors[1]
        await dm.dma_unmap_single(dev, d, length, DMA_FROM_DEVICE)
    else:
        await dm.dma_unmap_single(dev, d, length, DMA_FROM_DEVICE)
        assert k.platform.read(dst, length) == new
        assert len(k.dma_debug.errors) == 1
    assert tb.map.read(virt_to_phys(dst), length) == new
    tb.check_protocol()

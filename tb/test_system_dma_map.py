"""The DMA-mapping API against the RTL: the kernel's memory side (sw/) booted on the system
bench's CPU, the controller programmed at register level with the addresses the API gave.

The controller's bus port has the bench's ``dma-ranges`` offset, so every DMA address is
``phys_to_dma`` of the buffer, not its physical address; with ``iommu`` the controller sits
behind the IOMMU instead (dma-iommu's ops, a strict domain) and gets IOVAs.  Each test
checks every byte the device wrote against the reference, the bytes around the buffers
that must not change, the interrupt status (DONE and END, nothing else), what dma-debug
reported, and the AXI protocol.
"""

from __future__ import annotations

from typing import Any

import cocotb
from cocotb.triggers import ClockCycles, with_timeout

from sw import dmac_regs as r
from sw.dmac_desc import SIZE as DESC_SIZE
from sw.dmac_desc import Descriptor, completion
from sw.drivers.base.core import BusDmaRegion, Device, DeviceDriver
from sw.drivers.iommu.dma_iommu import iommu_setup_dma_ops
from sw.drivers.iommu.iommu import IommuDriver
from sw.include.linux.dma_mapping import (
    DMA_FROM_DEVICE,
    DMA_MAPPING_ERROR,
    DMA_TO_DEVICE,
    ENOMEM,
)
from sw.init.main import Kernel, start_kernel
from sw.kernel.dma import mapping as dm
from sw.kernel.dma.direct import SIZE_MAX, dma_to_phys, phys_to_dma
from sw.lib.scatterlist import (
    SgTable,
    for_each_sg,
    sg_alloc_table_from_pages,
    sg_dma_address,
    sg_dma_len,
    vmalloc_to_pages,
)
from sw.mm import PAGE_SIZE, is_vmalloc_addr, virt_to_phys
from sw.mm.page_alloc import GFP_DMA, GFP_KERNEL, __get_free_pages, free_pages
from sw.mm.slab import kmalloc
from sw.mm.vmalloc import vmalloc
from tb.models.peripherals import pack
from tb.system_tb import (
    ADC_MAXBURST,
    ADC_REGS,
    ADC_REQ,
    ADC_WIDTH,
    DMA_RANGES,
    DMAC_STREAM_ID,
    IOMMU_REGS,
    UART_MAXBURST,
    UART_REGS,
    UART_TX_REQ,
    UART_WIDTH,
    SystemTB,
)

IRQ_OK = 1 << r.DMAC_CHAN_IRQ_STATUS_DONE_LSB | 1 << r.DMAC_CHAN_IRQ_STATUS_END_LSB


async def boot(
    dut: Any, coherent: bool, *, iommu: bool = False, cmdline: str = "swiotlb=1024", **kw: Any
) -> tuple[SystemTB, Kernel, Device]:
    """The system bench with the kernel booted on its CPU and the controller's device.
    Without ``iommu``: the bus port's dma-ranges and the matching ``dma_range_map``
    (dma-direct).  With ``iommu``: behind the IOMMU (its output is physical, so no
    dma-ranges) in a strict domain, with dma-iommu's ops (``dev.dma_ops``)."""
    if iommu:
        tb = SystemTB(dut, coherent=coherent, iommu=True, **kw)
    else:
        tb = SystemTB(dut, coherent=coherent, dma_ranges=DMA_RANGES, **kw)
    await tb.reset()
    k = start_kernel(tb.cpu, cmdline)
    if iommu:
        drv = await IommuDriver.probe(tb.cpu, IOMMU_REGS, k.zones["DMA"][0])
        dom = drv.alloc_domain(strict=True)
        await drv.attach_device(dom, DMAC_STREAM_ID)
        dev = Device("dmac0", driver=DeviceDriver("dmac"), dma_coherent=coherent)
        iommu_setup_dma_ops(dev, drv, dom)
    else:
        dev = Device(
            "dmac0",
            driver=DeviceDriver("dmac"),
            dma_range_map=[BusDmaRegion(cpu, bus, size) for bus, cpu, size in DMA_RANGES],
            dma_coherent=coherent,
        )
    return tb, k, dev


def iova_to_phys(dev: Device, addr: int) -> int:
    """Where the IOMMU's page tables send ``addr`` (dma-iommu devices only)."""
    ops = dev.dma_ops
    return int(ops.driver.iova_to_phys(ops.domain, addr))


def chan_cfg(flow: r.DmacFlow, line: int, width: int, maxburst: int) -> int:
    """CHAN.CFG for a device transfer (docs/registers.md): FLOW, REQ line, DEV_WIDTH as
    log2 of the element width, MAXBURST in elements; FIXED bursts on the FIFO register."""
    return (
        int(flow) << r.DMAC_CHAN_CFG_FLOW_LSB
        | line << r.DMAC_CHAN_CFG_REQ_LSB
        | (width.bit_length() - 1) << r.DMAC_CHAN_CFG_DEV_WIDTH_LSB
        | maxburst << r.DMAC_CHAN_CFG_MAXBURST_LSB
    )


async def copy(
    tb: SystemTB,
    dev: Device,
    src: int,
    dst: int,
    length: int,
    during: Any = None,
    cfg: int = 0,
) -> None:
    """One descriptor in coherent memory from ``src`` to ``dst`` (DMA addresses);
    ``during`` is awaited right after the doorbell (CPU activity during the transfer).
    ``cfg``, if given, is written to channel 0's CFG first (a device transfer) and CFG is
    back to 0 (memory to memory) afterwards.  The interrupt must say DONE and END only."""
    got = await dm.dma_alloc_coherent(dev, 4096)
    assert got is not None
    desc_va, desc_dma = got
    cfg_reg = r.chan_reg(0, r.DMAC_CHAN_CFG_OFFSET)
    if cfg:
        await tb.reg_write(cfg_reg, cfg)
    res = await tb.copy(desc_va, desc_dma, src, dst, length, during=during)
    assert res.err == r.DmacErr.NONE and res.length == length, res
    assert tb.irq_status == IRQ_OK, f"IRQ_STATUS {tb.irq_status:#x}: not DONE|END alone"
    if cfg:
        await tb.reg_write(cfg_reg, 0)
    await dm.dma_free_coherent(dev, 4096, desc_va, desc_dma)


async def until(tb: SystemTB, done: Any, timeout_us: float = 200) -> None:
    """Wait until ``done()`` holds, checking every 8 cycles."""

    async def poll() -> None:
        while not done():
            await ClockCycles(tb.dut.clk, 8)

    await with_timeout(poll(), timeout_us, "us")


async def copy_chain(
    tb: SystemTB, k: Kernel, dev: Device, segments: list[tuple[int, int, int]]
) -> None:
    """A chain of descriptors, one per (src, dst, length) segment, in coherent memory,
    started with one doorbell on channel 0; waits for the interrupt and checks each
    descriptor's written-back status."""
    got = await dm.dma_alloc_coherent(dev, 4096)
    assert got is not None
    desc_va, desc_dma = got
    for i, (src, dst, length) in enumerate(segments):
        last = i == len(segments) - 1
        nxt = 0 if last else desc_dma + (i + 1) * DESC_SIZE
        desc = Descriptor(src=src, dst=dst, length=length, next=nxt, irq=last, last=last)
        k.platform.write(desc_va + i * DESC_SIZE, desc.pack())
    tb._irq_event.clear()
    tb._irq_status = 0
    ch = r.chan_reg
    await tb.reg_write(ch(0, r.DMAC_CHAN_DESC_LO_OFFSET), desc_dma & 0xFFFF_FFFF)
    await tb.reg_write(ch(0, r.DMAC_CHAN_DESC_HI_OFFSET), desc_dma >> 32)
    await tb.reg_write(ch(0, r.DMAC_CHAN_IRQ_ENABLE_OFFSET), 0b1111)
    await tb.reg_write(ch(0, r.DMAC_CHAN_CTRL_OFFSET), 1 << r.DMAC_CHAN_CTRL_START_LSB)
    stopped = (
        1 << r.DMAC_CHAN_IRQ_STATUS_END_LSB
        | 1 << r.DMAC_CHAN_IRQ_STATUS_ERR_LSB
        | 1 << r.DMAC_CHAN_IRQ_STATUS_ABORTED_LSB
    )
    while not tb._irq_status & stopped:
        await with_timeout(tb._irq_event.wait(), 2000, "us")
        tb._irq_event.clear()
    assert tb.irq_status == IRQ_OK, f"IRQ_STATUS {tb.irq_status:#x}: not DONE|END alone"
    for i, (_, _, length) in enumerate(segments):
        done = completion(k.platform.read(desc_va + i * DESC_SIZE, DESC_SIZE))
        assert done.done and done.err == r.DmacErr.NONE and done.moved == length, (i, done)
    await dm.dma_free_coherent(dev, 4096, desc_va, desc_dma)


@cocotb.test()
@cocotb.parametrize(coherent=[False, True], iommu=[False, True])
async def test_kmalloc_copy(dut: Any, coherent: bool, iommu: bool) -> None:
    """kmalloc buffers mapped with dma_map_single.  dma-direct: GFP_DMA buffers, the
    controller gets phys_to_dma addresses (16 MiB below the physical ones).  Behind the
    IOMMU: GFP_KERNEL buffers above 4 GiB, the controller gets IOVAs below 4 GiB that the
    page tables send to them, nothing bounces.  Every byte copied, the rest untouched;
    dma_need_sync says the syncs matter only for a non-coherent CPU."""
    tb, k, dev = await boot(dut, coherent, iommu=iommu)
    length, guard = 3000, 128
    gfp = GFP_KERNEL if iommu else GFP_DMA
    src, dst = kmalloc(4096, gfp), kmalloc(4096, gfp)
    new, old = tb.rng.randbytes(length), tb.rng.randbytes(4096)
    k.platform.write(src, new)
    k.platform.write(dst, old)  # dirty in the cache of a non-coherent CPU
    s = await dm.dma_map_single(dev, src, length, DMA_TO_DEVICE)
    d = await dm.dma_map_single(dev, dst + guard, length, DMA_FROM_DEVICE)
    assert dm.dma_mapping_error(dev, s) == 0 and dm.dma_mapping_error(dev, d) == 0
    if iommu:
        assert virt_to_phys(src) >= 1 << 32 and virt_to_phys(dst) >= 1 << 32
        assert s < 1 << 32 and d < 1 << 32, "IOVAs below the 32-bit mask"
        assert iova_to_phys(dev, s) == virt_to_phys(src)
        assert iova_to_phys(dev, d) == virt_to_phys(dst) + guard
    else:
        assert s == virt_to_phys(src) - 0x0100_0000
        assert d == virt_to_phys(dst) + guard - 0x0100_0000
    assert k.swiotlb.used == 0, "nothing bounced"
    assert dm.dma_need_sync(dev, s) is (not coherent) and dm.dma_need_sync(dev, d) is (not coherent)
    await copy(tb, dev, s, d, length)
    await dm.dma_unmap_single(dev, s, length, DMA_TO_DEVICE)
    await dm.dma_unmap_single(dev, d, length, DMA_FROM_DEVICE)
    seen = k.platform.read(dst, 4096)
    assert seen[guard : guard + length] == new
    assert seen[:guard] == old[:guard] and seen[guard + length :] == old[guard + length :]
    assert k.platform.read(src, length) == new, "the source is unchanged"
    if iommu:
        assert await dev.dma_ops.driver.read_faults() == []
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


@cocotb.test()
@cocotb.parametrize(coherent=[False, True])
async def test_vmalloc_scatterlist(dut: Any, coherent: bool) -> None:
    """A vmalloc buffer over physically scattered pages: dma_map_single refuses it (and
    dma-debug names it); mapped page by page with sg_alloc_table_from_pages and
    dma_map_sgtable it is copied by one descriptor per DMA segment, one doorbell."""
    tb, k, dev = await boot(dut, coherent)
    held = [__get_free_pages(GFP_KERNEL, 0) for _ in range(8)]
    for va in held[::2]:
        free_pages(va, 0)  # holes in ZONE_NORMAL: vmalloc's pages land in them
    npages, offset = 4, 300
    length = npages * PAGE_SIZE - offset - 500
    buf = vmalloc(npages * PAGE_SIZE)
    data = tb.rng.randbytes(npages * PAGE_SIZE)
    k.platform.write(buf, data)
    bad = await dm.dma_map_single(dev, buf, length, DMA_TO_DEVICE)
    assert dm.dma_mapping_error(dev, bad) != 0
    # debug_dma_map_single reports both, as Linux's: not virt_addr_valid, and vmalloc
    assert [e.split(": ", 2)[2][:48] for e in k.dma_debug.errors] == [
        "device driver maps memory from invalid area [add",
        "device driver maps memory from vmalloc area [add",
    ]
    table = SgTable()
    pages = vmalloc_to_pages(buf + offset, length)
    assert sg_alloc_table_from_pages(table, pages, offset, length) == 0
    assert table.orig_nents == npages, "the pages are scattered: one entry each"
    assert await dm.dma_map_sgtable(dev, table, DMA_TO_DEVICE) == 0
    dst = kmalloc(4 * PAGE_SIZE, GFP_DMA)
    old = tb.rng.randbytes(4 * PAGE_SIZE)
    k.platform.write(dst, old)
    d = await dm.dma_map_single(dev, dst, length, DMA_FROM_DEVICE)
    assert dm.dma_mapping_error(dev, d) == 0
    segments, at = [], 0
    for sg in for_each_sg(table.sgl, table.nents):
        segments.append((sg_dma_address(sg), d + at, sg_dma_len(sg)))
        at += sg_dma_len(sg)
    assert at == length and len(segments) == table.nents
    await copy_chain(tb, k, dev, segments)
    await dm.dma_unmap_sgtable(dev, table, DMA_TO_DEVICE)
    await dm.dma_unmap_single(dev, d, length, DMA_FROM_DEVICE)
    seen = k.platform.read(dst, 4 * PAGE_SIZE)
    assert seen[:length] == data[offset : offset + length]
    assert seen[length:] == old[length:]
    assert len(k.dma_debug.errors) == 2
    tb.check_protocol()


@cocotb.test()
@cocotb.parametrize(coherent=[False, True], iommu=[False, True])
async def test_coherent_buffers(dut: Any, coherent: bool, iommu: bool) -> None:
    """dma_alloc_coherent memory written by the CPU, copied by the device into another
    coherent allocation, read by the CPU: no map, no sync (uncached for a non-coherent
    device, snooped for a coherent one).  Behind the IOMMU the DMA addresses are IOVAs
    whose page tables reach the allocations' pages."""
    tb, k, dev = await boot(dut, coherent, iommu=iommu)
    a, b = await dm.dma_alloc_coherent(dev, 8192), await dm.dma_alloc_coherent(dev, 8192)
    assert a is not None and b is not None
    assert is_vmalloc_addr(a[0]) != coherent, "uncached remap for a non-coherent device"
    if iommu:
        for va, handle in (a, b):
            pa = tb.cpu.vmalloc_to_phys(va) if is_vmalloc_addr(va) else virt_to_phys(va)
            assert handle != phys_to_dma(dev, pa) and iova_to_phys(dev, handle) == pa
    data = tb.rng.randbytes(6000)
    k.platform.write(a[0], data)
    await copy(tb, dev, a[1] + 100, b[1] + 50, 5000)
    seen = k.platform.read(b[0], 8192)
    assert seen[50:5050] == data[100:5100]
    assert seen[:50] == bytes(50) and seen[5050:] == bytes(8192 - 5050), "zeroed and untouched"
    assert k.platform.read(a[0], 6000) == data, "the source is unchanged"
    await dm.dma_free_coherent(dev, 8192, *a)
    await dm.dma_free_coherent(dev, 8192, *b)
    if iommu:
        assert await dev.dma_ops.driver.read_faults() == []
    assert k.dma_debug.errors == [] and k.dma_debug.dump() == []
    tb.check_protocol()


@cocotb.test()
async def test_swiotlb_force_bounces_low_buffers(dut: Any) -> None:
    """swiotlb=force: buffers the 32-bit controller could reach directly (GFP_DMA, below
    4 GiB) still bounce: the controller is handed swiotlb slots, not the buffers' own bus
    addresses, writes the slot (not the buffer), and the unmap's copy-back brings the
    bytes.  A coherent CPU, so dma_need_sync is True only because of the bounce."""
    tb, k, dev = await boot(dut, True, cmdline="swiotlb=1024,force")
    length, guard = 3000, 100
    src, dst = kmalloc(4096, GFP_DMA), kmalloc(4096, GFP_DMA)
    assert virt_to_phys(src) < 1 << 32 and virt_to_phys(dst) < 1 << 32
    new, old = tb.rng.randbytes(length), tb.rng.randbytes(4096)
    k.platform.write(src, new)
    k.platform.write(dst, old)
    s = await dm.dma_map_single(dev, src, length, DMA_TO_DEVICE)
    d = await dm.dma_map_single(dev, dst + guard, length, DMA_FROM_DEVICE)
    assert dm.dma_mapping_error(dev, s) == 0 and dm.dma_mapping_error(dev, d) == 0
    for addr, va in ((s, src), (d, dst + guard)):
        assert k.swiotlb.is_swiotlb_buffer(dma_to_phys(dev, addr)), "bounced"
        assert addr != phys_to_dma(dev, virt_to_phys(va)), "not the buffer's own bus address"
        assert dm.dma_need_sync(dev, addr) is True
    assert dm.dma_max_mapping_size(dev) == 256 * 1024, "the swiotlb segment limit"
    await copy(tb, dev, s, d, length)
    assert tb.map.read(dma_to_phys(dev, d), length) == new, "the controller wrote the slot"
    assert tb.map.read(virt_to_phys(dst) + guard, length) != new, "not the buffer itself"
    await dm.dma_unmap_single(dev, s, length, DMA_TO_DEVICE)
    await dm.dma_unmap_single(dev, d, length, DMA_FROM_DEVICE)
    seen = k.platform.read(dst, 4096)
    assert seen[guard : guard + length] == new
    assert seen[:guard] == old[:guard] and seen[guard + length :] == old[guard + length :]
    assert k.platform.read(src, length) == new
    assert k.swiotlb.used == 0
    assert k.dma_debug.errors == []
    tb.check_protocol()


@cocotb.test()
async def test_swiotlb_noforce_refuses_high_buffers(dut: Any) -> None:
    """swiotlb=noforce: no bounce pool.  A GFP_KERNEL buffer above 4 GiB cannot be mapped
    for the 32-bit controller (DMA_MAPPING_ERROR, -ENOMEM, nothing tracked by dma-debug,
    nothing touches it); a GFP_DMA buffer still maps and the controller copies into it."""
    tb, k, dev = await boot(dut, False, cmdline="swiotlb=noforce")
    assert k.swiotlb is None
    assert dm.dma_max_mapping_size(dev) == SIZE_MAX, "nothing to limit a mapping"
    high = kmalloc(4096, GFP_KERNEL)
    assert virt_to_phys(high) >= 1 << 32
    high_old = tb.rng.randbytes(4096)
    k.platform.write(high, high_old)
    bad = await dm.dma_map_single(dev, high, 1000, DMA_FROM_DEVICE)
    assert bad == DMA_MAPPING_ERROR and dm.dma_mapping_error(dev, bad) == -ENOMEM
    length, guard = 2500, 64
    src, dst = kmalloc(4096, GFP_DMA), kmalloc(4096, GFP_DMA)
    new, old = tb.rng.randbytes(length), tb.rng.randbytes(4096)
    k.platform.write(src, new)
    k.platform.write(dst, old)
    s = await dm.dma_map_single(dev, src, length, DMA_TO_DEVICE)
    d = await dm.dma_map_single(dev, dst + guard, length, DMA_FROM_DEVICE)
    assert dm.dma_mapping_error(dev, s) == 0 and dm.dma_mapping_error(dev, d) == 0
    assert d == phys_to_dma(dev, virt_to_phys(dst) + guard), "direct, no bounce"
    await copy(tb, dev, s, d, length)
    await dm.dma_unmap_single(dev, s, length, DMA_TO_DEVICE)
    await dm.dma_unmap_single(dev, d, length, DMA_FROM_DEVICE)
    seen = k.platform.read(dst, 4096)
    assert seen[guard : guard + length] == new
    assert seen[:guard] == old[:guard] and seen[guard + length :] == old[guard + length :]
    assert k.platform.read(high, 4096) == high_old, "the refused buffer was never touched"
    assert k.dma_debug.errors == [] and k.dma_debug.dump() == []
    tb.check_protocol()


@cocotb.test()
@cocotb.parametrize(iommu=[False, True])
async def test_map_resource_device_fifos(dut: Any, iommu: bool) -> None:
    """dma_map_resource of device FIFO registers on the system bench's peripherals.
    The UART's TX FIFO, mapped DMA_FROM_DEVICE (the controller writes it, as rcar-dmac
    and dma350 map a MEM_TO_DEV dst_addr), is the destination of a MEM2DEV transfer
    paced by UART_TX_REQ from a dma_map_single'd kmalloc buffer: the wire sends exactly
    those bytes, after the ones the CPU wrote with writel.  The ADC's FIFO, mapped
    DMA_TO_DEVICE, is the source of a DEV2MEM transfer paced by ADC_REQ into a
    FROM_DEVICE buffer.  dma-direct: the FIFOs' DMA addresses are their physical ones (no
    dma-ranges, as Linux's dma_direct_map_resource).  Behind the IOMMU: IOVAs whose pages
    map the FIFOs' (the IOMMU maps MMIO like RAM).  No cache maintenance, no dma-debug
    report (the 'called for RAM address' check stays quiet for MMIO), nothing leaked."""
    periph = {"uart": {"tx_cycles_per_elem": 4}, "adc": {"cycles_per_sample": 16}}
    tb, k, dev = await boot(dut, False, iommu=iommu, peripherals=periph)
    uart, adc = tb.uart, tb.adc
    assert uart is not None and adc is not None
    assert uart.width == UART_WIDTH and adc.width == ADC_WIDTH
    # The CPU reaches the same FIFOs with readl/writel: a prompt out, two characters in.
    for ch in b"PIO:":
        await k.platform.writel(ch, UART_REGS)
    uart.rx_feed(b"ok")
    await until(tb, lambda: uart.rx_level == 2)
    assert [await k.platform.readl(UART_REGS) for _ in range(2)] == list(b"ok")

    gfp = GFP_KERNEL if iommu else GFP_DMA
    length, offset = 203, 5  # not a multiple of the burst, any alignment
    buf = kmalloc(4096, gfp)
    page = tb.rng.randbytes(4096)
    k.platform.write(buf, page)
    data = page[offset : offset + length]
    s = await dm.dma_map_single(dev, buf + offset, length, DMA_TO_DEVICE)
    tx_fifo = await dm.dma_map_resource(dev, UART_REGS, UART_WIDTH, DMA_FROM_DEVICE)
    assert dm.dma_mapping_error(dev, s) == 0 and dm.dma_mapping_error(dev, tx_fifo) == 0
    if iommu:
        assert tx_fifo != UART_REGS and iova_to_phys(dev, tx_fifo) == UART_REGS
    else:
        assert tx_fifo == UART_REGS, "dma_map_resource does not apply dma-ranges"
    mem2dev = chan_cfg(r.DmacFlow.MEM2DEV, UART_TX_REQ, UART_WIDTH, UART_MAXBURST)
    await copy(tb, dev, s, tx_fifo, length, cfg=mem2dev)
    await dm.dma_unmap_resource(dev, tx_fifo, UART_WIDTH, DMA_FROM_DEVICE)
    await dm.dma_unmap_single(dev, s, length, DMA_TO_DEVICE)
    await until(tb, lambda: len(uart.tx_log) >= 4 + length and not uart.tx_level)
    await ClockCycles(tb.dut.clk, 64)  # nothing more may arrive
    assert uart.tx_log == list(b"PIO:" + data), "the wire sent exactly the buffer's bytes"
    assert sum(sv.moved for sv in uart.tx_port.served) == length, "all through the line"
    assert k.platform.read(buf, 4096) == page, "the source page is unchanged"

    n, guard = 48, 64
    nbytes = n * ADC_WIDTH
    dst = kmalloc(4096, gfp)
    old = tb.rng.randbytes(4096)
    k.platform.write(dst, old)
    d = await dm.dma_map_single(dev, dst + guard, nbytes, DMA_FROM_DEVICE)
    rx_fifo = await dm.dma_map_resource(dev, ADC_REGS, ADC_WIDTH, DMA_TO_DEVICE)
    assert dm.dma_mapping_error(dev, d) == 0 and dm.dma_mapping_error(dev, rx_fifo) == 0
    assert (iova_to_phys(dev, rx_fifo) if iommu else rx_fifo) == ADC_REGS

    async def start_adc() -> None:
        adc.start(n)  # the channel is running: the FIFO never fills

    dev2mem = chan_cfg(r.DmacFlow.DEV2MEM, ADC_REQ, ADC_WIDTH, ADC_MAXBURST)
    await copy(tb, dev, rx_fifo, d, nbytes, during=start_adc(), cfg=dev2mem)
    await dm.dma_unmap_resource(dev, rx_fifo, ADC_WIDTH, DMA_TO_DEVICE)
    await dm.dma_unmap_single(dev, d, nbytes, DMA_FROM_DEVICE)
    seen = k.platform.read(dst, 4096)
    assert seen[guard : guard + nbytes] == pack(range(n), ADC_WIDTH), "samples 0..n-1"
    assert seen[:guard] == old[:guard] and seen[guard + nbytes :] == old[guard + nbytes :]
    assert adc.read == list(range(n)) and adc.produced == adc.read

    assert k.swiotlb.used == 0
    uart.assert_clean()
    adc.assert_clean()
    if iommu:
        assert await dev.dma_ops.driver.read_faults() == []
    assert not any("called for RAM address" in e for e in k.dma_debug.errors)
    assert k.dma_debug.errors == [] and k.dma_debug.dump() == []
    tb.check_protocol()


@cocotb.test()
@cocotb.parametrize(variant=["bug", "fixed"])
async def test_uncleaned_source_named_by_debug(dut: Any, variant: str) -> None:
    """(b) through the API: a driver that writes the source after dma_map_single(TO_DEVICE)
    leaves the new bytes dirty in the cache; the device copies the old memory contents and
    dma-debug names the CPU write.  Writing before the map is right."""
    tb, k, dev = await boot(dut, coherent=False)
    length = 3000
    src, dst = kmalloc(4096, GFP_DMA), kmalloc(4096, GFP_DMA)
    old, new = tb.rng.randbytes(length), tb.rng.randbytes(length)
    k.platform.write(src, old)
    if variant == "fixed":
        k.platform.write(src, new)
    s = await dm.dma_map_single(dev, src, length, DMA_TO_DEVICE)
    d = await dm.dma_map_single(dev, dst, length, DMA_FROM_DEVICE)
    assert dm.dma_mapping_error(dev, s) == 0 and dm.dma_mapping_error(dev, d) == 0
    if variant == "bug":
        k.platform.write(src, new)  # too late: the map's clean has been done
        assert len(k.dma_debug.errors) == 1 and "writing DMA memory" in k.dma_debug.errors[0]
    await copy(tb, dev, s, d, length)
    await dm.dma_unmap_single(dev, s, length, DMA_TO_DEVICE)
    await dm.dma_unmap_single(dev, d, length, DMA_FROM_DEVICE)
    seen = k.platform.read(dst, length)
    if variant == "bug":
        assert seen == old, "expected the device to have copied the old bytes"
    else:
        assert seen == new and k.dma_debug.errors == []
    tb.check_protocol()


def _differ_from(new: bytes, old: bytes) -> bytes:
    """``new`` with every byte that happens to equal ``old`` changed, so a count of wrong
    bytes is exact."""
    return bytes(n ^ 0x5A if n == o else n for n, o in zip(new, old, strict=True))


@cocotb.test()
@cocotb.parametrize(variant=["bug", "fixed"])
async def test_prefetch_and_wrong_unmap_direction(dut: Any, variant: str) -> None:
    """(c) through the API: while the device writes a FROM_DEVICE buffer the CPU reads a
    variable right after it and the prefetcher pulls the buffer's last lines in, with the
    old bytes.  Only the unmap-time invalidate drops them: a driver that unmaps with
    DMA_TO_DEVICE gets none (arm64 does nothing for the CPU then), reads stale lines, and
    dma-debug reports the different direction."""
    tb, k, dev = await boot(dut, coherent=False, prefetch_lines=2)
    length, line = 2048, 64
    src, page = kmalloc(4096, GFP_DMA), __get_free_pages(GFP_DMA, 0)
    old = tb.rng.randbytes(4096)
    new = _differ_from(tb.rng.randbytes(length), old[:length])
    k.platform.write(src, new)
    tb.map.write(virt_to_phys(page), old)  # a page with nothing of it cached
    k.raw_platform.dcache_inval_poc(page, page + 4096)
    s = await dm.dma_map_single(dev, src, length, DMA_TO_DEVICE)
    d = await dm.dma_map_single(dev, page, length, DMA_FROM_DEVICE)
    assert dm.dma_mapping_error(dev, s) == 0 and dm.dma_mapping_error(dev, d) == 0
    last_line = virt_to_phys(page) + length - line

    async def touch_neighbour() -> None:
        k.platform.read(page + length, 4)  # its own line: no report
        assert tb.cpu.cache.contains(last_line), "no prefetch of the buffer's last line"

    await copy(tb, dev, s, d, length, during=touch_neighbour())
    await dm.dma_unmap_single(dev, s, length, DMA_TO_DEVICE)
    wrong_dir = DMA_TO_DEVICE if variant == "bug" else DMA_FROM_DEVICE
    await dm.dma_unmap_single(dev, d, length, wrong_dir)
    seen = k.platform.read(page, length)
    assert tb.map.read(virt_to_phys(page), length) == new, "the device's write is in memory"
    if variant == "bug":
        wrong = [i for i in range(length) if seen[i] != new[i]]
        assert wrong and min(wrong) >= length - 2 * line, wrong
        assert seen[length - 2 * line :] == old[length - 2 * line : length]
        assert len(k.dma_debug.errors) == 1
        assert "frees DMA memory with different direction" in k.dma_debug.errors[0]
    else:
        assert seen == new and k.dma_debug.errors == []
    assert k.platform.read(page + length, 4096 - length) == old[length:]
    tb.check_protocol()


@cocotb.test()
@cocotb.parametrize(variant=["bug", "fixed"])
async def test_shared_cache_line_named_by_debug(dut: Any, variant: str) -> None:
    """(d) through the API: a FROM_DEVICE buffer starting 32 bytes into a cache line whose
    first half is a variable the CPU writes during the transfer.  The unmap's invalidate
    must clean that partial line, which writes the CPU's stale copy of the buffer's first
    32 bytes over the device's data; dma-debug reports the CPU write to a cache line of a
    mapping the device owns.  A buffer on its own lines (ARCH_DMA_MINALIGN) is right."""
    tb, k, dev = await boot(dut, coherent=False)
    length, line = 1024, 64
    offset = 32 if variant == "bug" else line
    src, page = kmalloc(4096, GFP_DMA), __get_free_pages(GFP_DMA, 0)
    old = tb.rng.randbytes(4096)
    new = _differ_from(tb.rng.randbytes(length), old[offset : offset + length])
    k.platform.write(src, new)
    tb.map.write(virt_to_phys(page), old)
    k.raw_platform.dcache_inval_poc(page, page + 4096)
    s = await dm.dma_map_single(dev, src, length, DMA_TO_DEVICE)
    d = await dm.dma_map_single(dev, page + offset, length, DMA_FROM_DEVICE)
    assert dm.dma_mapping_error(dev, s) == 0 and dm.dma_mapping_error(dev, d) == 0
    neighbour = b"NEIGHBOUR-WRITTEN-BY-THE-CPU-32B"

    async def write_neighbour() -> None:
        k.platform.write(page, neighbour)  # bytes [0, 32) of the page

    await copy(tb, dev, s, d, length, during=write_neighbour())
    await dm.dma_unmap_single(dev, s, length, DMA_TO_DEVICE)
    await dm.dma_unmap_single(dev, d, length, DMA_FROM_DEVICE)
    seen = k.platform.read(page + offset, length)
    if variant == "bug":
        wrong = [i for i in range(length) if seen[i] != new[i]]
        assert wrong == list(range(32)), wrong
        assert seen[:32] == old[32:64], "the corruption is the CPU's stale copy"
        assert len(k.dma_debug.errors) == 1
        assert "cpu writing DMA memory the device owns" in k.dma_debug.errors[0]
    else:
        assert seen == new and k.dma_debug.errors == []
    assert k.platform.read(page, 32) == neighbour, "the CPU's variable was lost"
    end = offset + length
    assert k.platform.read(page + end, 4096 - end) == old[end:]
    tb.check_protocol()


@cocotb.test()
@cocotb.parametrize(bug=["read_before_unmap", "write_after_map", "shared_line"])
async def test_latent_bugs_on_a_coherent_cpu(dut: Any, bug: str) -> None:
    """The misuses of (a), (b) and (d) on a coherent CPU: the data comes out right, since
    the interconnect keeps the cache and the device in agreement, so the bug hides until
    the driver runs on a non-coherent SoC.  dma-debug reports each all the same, with the
    same words as on the non-coherent CPU: its checks follow the API, not the hardware."""
    tb, k, dev = await boot(dut, coherent=True)
    length = 1024
    offset = 32 if bug == "shared_line" else 0
    src, page = kmalloc(4096, GFP_DMA), __get_free_pages(GFP_DMA, 0)
    old = tb.rng.randbytes(4096)
    new = _differ_from(tb.rng.randbytes(length), old[offset : offset + length])
    k.platform.write(src, old[:length] if bug == "write_after_map" else new)
    k.platform.write(page, old)  # the destination's lines in the CPU's cache
    s = await dm.dma_map_single(dev, src, length, DMA_TO_DEVICE)
    d = await dm.dma_map_single(dev, page + offset, length, DMA_FROM_DEVICE)
    assert dm.dma_mapping_error(dev, s) == 0 and dm.dma_mapping_error(dev, d) == 0
    assert not dm.dma_need_sync(dev, s) and not dm.dma_need_sync(dev, d)
    neighbour = b"NEIGHBOUR-WRITTEN-BY-THE-CPU-32B"
    if bug == "write_after_map":
        k.platform.write(src, new)  # after the map: a non-coherent CPU would keep it dirty

    async def during() -> None:
        if bug == "shared_line":
            k.platform.write(page, neighbour)

    await copy(tb, dev, s, d, length, during=during())
    await dm.dma_unmap_single(dev, s, length, DMA_TO_DEVICE)
    if bug == "read_before_unmap":
        seen = k.platform.read(page, length)  # before the unmap: fresh all the same
        await dm.dma_unmap_single(dev, d, length, DMA_FROM_DEVICE)
    else:
        await dm.dma_unmap_single(dev, d, length, DMA_FROM_DEVICE)
        seen = k.platform.read(page + offset, length)
    assert seen == new, "a coherent CPU sees the device's data"
    words = {
        "read_before_unmap": "cpu reading DMA memory the device owns",
        "write_after_map": "cpu writing DMA memory the device owns",
        "shared_line": "cpu writing DMA memory the device owns",
    }[bug]
    assert len(k.dma_debug.errors) == 1 and words in k.dma_debug.errors[0], k.dma_debug.errors
    if bug == "shared_line":
        assert k.platform.read(page, 32) == neighbour
    end = offset + length
    assert k.platform.read(page + end, 4096 - end) == old[end:], "after the buffer: untouched"
    assert k.platform.read(page, offset) == (neighbour if offset else b"")
    tb.check_protocol()


@cocotb.test()
@cocotb.parametrize(coherent=[False, True])
async def test_iommu_scattered_buffer_is_one_segment(dut: Any, coherent: bool) -> None:
    """Behind the IOMMU (dma-iommu ops): a vmalloc buffer over scattered pages above 4 GiB
    maps to ONE contiguous IOVA range, so one descriptor copies it; the destination above
    4 GiB needs no bounce; the descriptors live in an IOMMU-mapped coherent allocation."""
    tb = SystemTB(dut, coherent=coherent, iommu=True)
    await tb.reset()
    k = start_kernel(tb.cpu, "swiotlb=1024")
    drv = await IommuDriver.probe(tb.cpu, IOMMU_REGS, k.zones["DMA"][0])
    dom = drv.alloc_domain(strict=True)
    await drv.attach_device(dom, DMAC_STREAM_ID)
    dev = Device("dmac0", driver=DeviceDriver("dmac"), dma_coherent=coherent)
    iommu_setup_dma_ops(dev, drv, dom)
    held = [__get_free_pages(GFP_KERNEL, 0) for _ in range(8)]
    for va in held[::2]:
        free_pages(va, 0)
    npages = 4
    length = npages * PAGE_SIZE
    buf = vmalloc(length)
    data = tb.rng.randbytes(length)
    k.platform.write(buf, data)
    table = SgTable()
    pages = vmalloc_to_pages(buf, length)
    assert all(p.pfn << 12 >= 1 << 32 for p in pages), "ZONE_NORMAL: above 4 GiB"
    assert sg_alloc_table_from_pages(table, pages, 0, length) == 0
    assert table.orig_nents == npages, "the pages are scattered"
    assert await dm.dma_map_sgtable(dev, table, DMA_TO_DEVICE) == 0
    assert table.nents == 1 and sg_dma_len(table.sgl[0]) == length
    dst = kmalloc(2 * length, GFP_KERNEL)
    old = tb.rng.randbytes(2 * length)
    k.platform.write(dst, old)
    d = await dm.dma_map_single(dev, dst + 64, length - 200, DMA_FROM_DEVICE)
    assert dm.dma_mapping_error(dev, d) == 0 and d < 1 << 32
    await copy_chain(tb, k, dev, [(sg_dma_address(table.sgl[0]) + 100, d, length - 200)])
    await dm.dma_unmap_sgtable(dev, table, DMA_TO_DEVICE)
    await dm.dma_unmap_single(dev, d, length - 200, DMA_FROM_DEVICE)
    seen = k.platform.read(dst, 2 * length)
    assert seen[64 : 64 + length - 200] == data[100 : length - 100]
    assert seen[:64] == old[:64] and seen[64 + length - 200 :] == old[64 + length - 200 :]
    assert k.swiotlb.used == 0, "nothing bounced"
    assert await drv.read_faults() == []
    assert k.dma_debug.errors == []
    tb.check_protocol()

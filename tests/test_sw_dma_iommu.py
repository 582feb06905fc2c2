"""Unit tests (no simulator) of dma-iommu (sw/drivers/iommu/dma_iommu.py) over the IOMMU
model and its driver, with the kernel booted on the CPU model."""

from __future__ import annotations

import asyncio
from typing import Any

from sw.drivers.base.core import Device, DeviceDriver
from sw.drivers.iommu.dma_iommu import iommu_setup_dma_ops
from sw.drivers.iommu.iommu import CMD_ARG1_ALL, CMD_INVAL_VMA, IommuDriver
from sw.include.linux.dma_mapping import (
    DMA_BIDIRECTIONAL,
    DMA_BIT_MASK,
    DMA_FROM_DEVICE,
    DMA_MAPPING_ERROR,
    DMA_TO_DEVICE,
)
from sw.init.main import start_kernel
from sw.kernel.dma import mapping as dm
from sw.lib.scatterlist import (
    SgTable,
    sg_alloc_table_from_pages,
    sg_init_table,
    sg_set_buf,
    vmalloc_to_pages,
)
from sw.mm import PAGE_SIZE, virt_to_phys
from sw.mm.page_alloc import GFP_KERNEL, __get_free_pages, free_pages
from sw.mm.slab import kmalloc
from sw.mm.vmalloc import vmalloc
from tb.models.cpu import Cpu
from tb.models.iommu import Iommu
from tb.models.memory_map import MemoryMap

LOW, HIGH, SIZE = 0x4000_0000, 0x80_0000_0000, 0x1000_0000
REGS, SID = 0x1001_0000, 5


async def machine(strict: bool = True, coherent: bool = False) -> tuple[Any, Device, Iommu, Any]:
    mm = MemoryMap(40)
    mm.add_ram(LOW, SIZE)
    mm.add_ram(HIGH, SIZE)
    cpu = Cpu(mm.mem, mm.ram_ranges(), coherent=coherent, memory_map=mm)
    model = Iommu(mm.mem, is_ram=mm.is_ram)
    cpu.add_mmio_window(REGS, 0x1000, model, "iommu")
    k = start_kernel(cpu, "swiotlb=1024")
    drv = await IommuDriver.probe(cpu, REGS, k.zones["DMA"][0])
    dom = drv.alloc_domain(strict=strict)
    await drv.attach_device(dom, SID)
    dev = Device("dmac0", driver=DeviceDriver("dmac"), dma_coherent=coherent)
    iommu_setup_dma_ops(dev, drv, dom)
    return k, dev, model, drv


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_map_single_translates_with_the_direction_s_permission() -> None:
    async def body() -> None:
        k, dev, model, drv = await machine()
        buf = kmalloc(3000, GFP_KERNEL)  # above 4 GiB: no bounce needed behind an IOMMU
        pa = virt_to_phys(buf)
        assert pa >= 1 << 32
        addr = await dm.dma_map_single(dev, buf, 3000, DMA_TO_DEVICE)
        assert dm.dma_mapping_error(dev, addr) == 0
        assert addr < 1 << 32 and addr % PAGE_SIZE == pa % PAGE_SIZE
        assert not k.swiotlb.used
        assert drv.iova_to_phys(dev.iommu_domain, addr) == pa
        assert model.translate(SID, addr, False)[0] == pa
        assert model.translate(SID, addr, True)[0] is None, "TO_DEVICE is read-only"
        await dm.dma_unmap_single(dev, addr, 3000, DMA_TO_DEVICE)
        assert model.translate(SID, addr, False)[0] is None, "strict unmap: gone at once"
        assert k.dma_debug.errors == []

    run(body())


def test_iova_top_down_below_the_mask_and_exhaustion() -> None:
    async def body() -> None:
        _k, dev, _, _ = await machine()
        a = await dm.dma_map_single(dev, kmalloc(4096), 4096, DMA_BIDIRECTIONAL)
        b = await dm.dma_map_single(dev, kmalloc(4096), 4096, DMA_BIDIRECTIONAL)
        assert a == (1 << 32) - PAGE_SIZE and b == a - PAGE_SIZE
        assert dm.dma_set_mask(dev, DMA_BIT_MASK(16)) == 0  # 15 pages of IOVA space
        addrs = [
            await dm.dma_map_single(dev, kmalloc(4096), 4096, DMA_TO_DEVICE) for _ in range(16)
        ]
        assert DMA_MAPPING_ERROR in addrs and all(
            x < 1 << 16 for x in addrs if x != DMA_MAPPING_ERROR
        )

    run(body())


def test_scattered_pages_merge_into_one_dma_segment() -> None:
    async def body() -> None:
        k, dev, model, _drv = await machine()
        held = [__get_free_pages(GFP_KERNEL, 0) for _ in range(8)]
        for va in held[::2]:
            free_pages(va, 0)
        buf = vmalloc(4 * PAGE_SIZE)
        table = SgTable()
        assert (
            sg_alloc_table_from_pages(table, vmalloc_to_pages(buf, 4 * PAGE_SIZE), 0, 4 * PAGE_SIZE)
            == 0
        )
        assert table.orig_nents == 4
        assert await dm.dma_map_sgtable(dev, table, DMA_FROM_DEVICE) == 0
        assert table.nents == 1 and table.sgl[0].dma_length == 4 * PAGE_SIZE
        base = table.sgl[0].dma_address
        for i, sg in enumerate(table.sgl):
            assert model.translate(SID, base + i * PAGE_SIZE, True)[0] == sg.page.pfn * PAGE_SIZE
        assert dm.dma_get_merge_boundary(dev) == PAGE_SIZE - 1
        await dm.dma_unmap_sgtable(dev, table, DMA_FROM_DEVICE)
        assert k.dma_debug.errors == []

    run(body())


def test_segments_that_cannot_merge_stay_apart() -> None:
    async def body() -> None:
        k, dev, _, drv = await machine()
        sgl = sg_init_table(3)
        bufs = [kmalloc(4096), kmalloc(256), kmalloc(4096)]
        for sg, b, n in zip(sgl, bufs, (4096, 100, 4096), strict=True):
            sg_set_buf(sg, b + (0 if n == 4096 else 16), n)
        n = await dm.dma_map_sg(dev, sgl, 3, DMA_TO_DEVICE)
        assert n == 3, "the middle segment neither starts nor ends on a page"
        for sg, b, length in zip(sgl, bufs, (4096, 100, 4096), strict=True):
            assert sg.dma_length == length
            assert drv.iova_to_phys(dev.iommu_domain, sg.dma_address) == virt_to_phys(b) + (
                0 if length == 4096 else 16
            )
        await dm.dma_unmap_sg(dev, sgl, 3, DMA_TO_DEVICE)
        assert k.dma_debug.errors == []

    run(body())


def test_lazy_unmap_keeps_the_iova_until_the_flush() -> None:
    async def body() -> None:
        _k, dev, _model, drv = await machine(strict=False)
        buf = kmalloc(4096)
        a = await dm.dma_map_single(dev, buf, 4096, DMA_TO_DEVICE)
        await dm.dma_unmap_single(dev, a, 4096, DMA_TO_DEVICE)
        b = await dm.dma_map_single(dev, buf, 4096, DMA_TO_DEVICE)
        assert b != a, "a lazily unmapped IOVA is not reused before the flush"
        await drv.flush_iotlb_all(dev.iommu_domain)
        c = await dm.dma_map_single(dev, buf, 4096, DMA_TO_DEVICE)
        assert c == a, "after the flush the range cache hands it out again"

    run(body())


def test_sizes_and_coherent_alloc() -> None:
    async def body() -> None:
        k, dev, model, drv = await machine()
        assert dm.dma_opt_mapping_size(dev) == 128 * 1024
        assert dm.dma_max_mapping_size(dev) == (1 << 64) - 1
        got = await dm.dma_alloc_coherent(dev, 2 * PAGE_SIZE)
        assert got is not None
        va, handle = got
        k.platform.write(va, b"ring")
        pa = drv.iova_to_phys(dev.iommu_domain, handle)
        assert k.raw_platform.mem.read(pa, 4) == b"ring", "uncached for a non-coherent device"
        await dm.dma_free_coherent(dev, 2 * PAGE_SIZE, va, handle)
        assert model.translate(SID, handle, False)[0] is None
        fifo = 0x2000_0000
        r = await dm.dma_map_resource(dev, fifo, 4, DMA_FROM_DEVICE)
        assert dm.dma_mapping_error(dev, r) == 0
        assert model.translate(SID, r, True)[0] == fifo
        await dm.dma_unmap_resource(dev, r, 4, DMA_FROM_DEVICE)
        assert k.dma_debug.errors == []

    run(body())


def test_commands_from_concurrent_tasks_do_not_mix() -> None:
    """Tasks invalidating and fencing at once (dmatest threads unmapping on every channel):
    each command's registers go with its own CMD_GO and every FENCE a task waits for is
    executed, so no invalidation is lost and no sync waits forever."""

    async def body() -> None:
        _, _, model, drv = await machine()
        cpu = drv.platform

        async def bus_cycle(*_: Any) -> None:
            await asyncio.sleep(0)  # each MMIO access lets the other tasks run, as on the bus

        cpu._tick = bus_cycle
        cpu.delay = bus_cycle
        domains = [drv.alloc_domain(strict=True) for _ in range(3)]
        commands, fences = model.stats.commands, model.stats.fences
        model_execute = model._execute
        executed: list[tuple[int, int]] = []

        def execute() -> None:
            executed.append((model._cmd_opcode, model._cmd_arg1))
            model_execute()

        model._execute = execute
        await asyncio.gather(*(drv.flush_iotlb_all(d) for d in domains for _ in range(2)))
        assert model.stats.cmd_errors == 0
        assert model.stats.commands - commands == 12 and model.stats.fences - fences == 6
        inval_vma = [arg1 for op, arg1 in executed if op == CMD_INVAL_VMA]
        want = sorted(d.id | CMD_ARG1_ALL for d in domains for _ in range(2))
        assert sorted(inval_vma) == want, (executed, want)
        for d in domains:
            await drv.free_domain(d)

    run(body())

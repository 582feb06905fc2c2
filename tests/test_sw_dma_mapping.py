"""Unit tests (no simulator) of the kernel's memory side: mm (pages, kmalloc, vmalloc, dma
pools), scatterlists, and dma-direct with dma-ranges, swiotlb and cache maintenance, on the
CPU model as the platform."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from sw.arch.arm64 import memory as layout
from sw.drivers.base.core import BusDmaRegion, Device, DeviceDriver, device_release_driver
from sw.include.linux.dma_mapping import (
    DMA_ATTR_SKIP_CPU_SYNC,
    DMA_BIDIRECTIONAL,
    DMA_BIT_MASK,
    DMA_FROM_DEVICE,
    DMA_MAPPING_ERROR,
    DMA_TO_DEVICE,
    EIO,
    ENOMEM,
)
from sw.init.main import start_kernel
from sw.kernel.dma import mapping as dm
from sw.kernel.dma.direct import dma_to_phys, phys_to_dma
from sw.lib.scatterlist import (
    SgTable,
    for_each_sg,
    sg_alloc_table_from_pages,
    sg_dma_address,
    sg_dma_len,
    sg_init_table,
    sg_set_buf,
    vmalloc_to_pages,
)
from sw.mm import (
    PAGE_SIZE,
    is_vmalloc_addr,
    page_to_phys,
    virt_to_page,
    virt_to_phys,
    vmalloc_to_page,
)
from sw.mm.dmapool import dma_pool_alloc, dma_pool_create, dma_pool_destroy, dma_pool_free
from sw.mm.page_alloc import GFP_DMA, GFP_KERNEL, MAX_ORDER, __get_free_pages, free_pages
from sw.mm.slab import KMALLOC_MAX_SIZE, KmallocTooLarge, kfree, kmalloc, ksize
from sw.mm.vmalloc import vfree, vmalloc
from tb.models import cpu as cpu_model
from tb.models.cpu import Cpu
from tb.models.memory_map import MemoryMap

LOW, HIGH, SIZE = 0x4000_0000, 0x80_0000_0000, 0x1000_0000
OFFSET = 0x0100_0000  # the bus sees the low RAM 16 MiB lower than the CPU


def machine(cmdline: str = "swiotlb=1024", coherent: bool = False):  # type: ignore[no-untyped-def]
    mm = MemoryMap(40)
    mm.add_ram(LOW, SIZE)
    mm.add_ram(HIGH, SIZE)
    cpu = Cpu(mm.mem, mm.ram_ranges(), coherent=coherent)
    k = start_kernel(cpu, cmdline)
    dev = Device(
        "dmac0",
        driver=DeviceDriver("dmac"),
        dma_range_map=[BusDmaRegion(LOW, LOW - OFFSET, SIZE)],
        dma_coherent=coherent,
    )
    return k, cpu, mm, dev


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_layout_matches_the_cpu_model() -> None:
    assert layout.PAGE_OFFSET == cpu_model.PAGE_OFFSET
    assert layout.VMALLOC_START == cpu_model.VMALLOC_START
    assert layout.VMALLOC_END == cpu_model.VMALLOC_END


def test_kmalloc_classes_limit_and_zones() -> None:
    _k, _cpu, _, _ = machine()
    a, b = kmalloc(100), kmalloc(100)
    assert ksize(a) == 128 and abs(a - b) >= 128 and a % 32 == 0
    assert virt_to_phys(a) >= HIGH, "GFP_KERNEL comes from ZONE_NORMAL first"
    d = kmalloc(100, GFP_DMA)
    assert LOW <= virt_to_phys(d) < LOW + SIZE
    big = kmalloc(KMALLOC_MAX_SIZE)
    pa = virt_to_phys(big)
    assert pa % KMALLOC_MAX_SIZE == 0 and ksize(big) == KMALLOC_MAX_SIZE
    with pytest.raises(KmallocTooLarge, match="KMALLOC_MAX_SIZE"):
        kmalloc(KMALLOC_MAX_SIZE + 1)
    kfree(a)
    assert kmalloc(128) == a, "a freed object is reused"
    with pytest.raises(ValueError):
        kfree(a + 8)
    kfree(big)


def test_get_free_pages_and_order_limit() -> None:
    machine()
    va = __get_free_pages(GFP_KERNEL, 3)
    assert virt_to_phys(va) % (PAGE_SIZE << 3) == 0
    free_pages(va, 3)
    with pytest.raises(ValueError, match="order"):
        __get_free_pages(GFP_KERNEL, MAX_ORDER + 1)


def test_vmalloc_is_virtually_contiguous_and_physically_scattered() -> None:
    k, _cpu, _, _ = machine()
    held = [__get_free_pages(GFP_KERNEL, 0) for _ in range(8)]
    for va in held[::2]:
        free_pages(va, 0)  # holes: vmalloc's pages land in them
    buf = vmalloc(4 * PAGE_SIZE)
    assert is_vmalloc_addr(buf)
    data = bytes(range(256)) * 64
    k.platform.write(buf, data)
    assert k.platform.read(buf, len(data)) == data
    pages = vmalloc_to_pages(buf, 4 * PAGE_SIZE)
    pfns = [p.pfn for p in pages]
    assert any(b != a + 1 for a, b in itertools.pairwise(pfns)), pfns
    with pytest.raises(ValueError):
        virt_to_phys(buf)
    vfree(buf)
    with pytest.raises(ValueError, match="nonexistent"):
        vfree(buf)


def test_phys_to_dma_offset_and_masks() -> None:
    _k, _, _, dev = machine()
    assert phys_to_dma(dev, LOW + 0x1234) == LOW - OFFSET + 0x1234
    assert dma_to_phys(dev, LOW - OFFSET + 0x1234) == LOW + 0x1234
    assert phys_to_dma(dev, HIGH) == DMA_MAPPING_ERROR
    assert dm.dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32)) == 0
    assert dm.dma_set_mask(dev, DMA_BIT_MASK(64)) == 0
    assert dm.dma_set_mask(dev, DMA_BIT_MASK(24)) == -EIO, "below ZONE_DMA as the bus sees it"
    assert dev.dma_mask == DMA_BIT_MASK(64)
    assert dm.dma_set_coherent_mask(dev, DMA_BIT_MASK(28)) == -EIO


def test_map_single_cleans_and_unmap_invalidates() -> None:
    async def body() -> None:
        k, _cpu, mm, dev = machine()
        src = kmalloc(4096, GFP_DMA)
        k.platform.write(src, b"\xaa" * 4096)  # dirty in the cache only
        pa = virt_to_phys(src)
        assert mm.read(pa, 4) != b"\xaa" * 4
        addr = await dm.dma_map_single(dev, src, 4096, DMA_TO_DEVICE)
        assert dm.dma_mapping_error(dev, addr) == 0 and addr == pa - OFFSET
        assert mm.read(pa, 4096) == b"\xaa" * 4096, "map TO_DEVICE cleaned the lines"
        await dm.dma_unmap_single(dev, addr, 4096, DMA_TO_DEVICE)

        dst = kmalloc(4096, GFP_DMA)
        k.platform.read(dst, 4096)  # lines cached
        addr = await dm.dma_map_single(dev, dst, 4096, DMA_FROM_DEVICE)
        assert dm.dma_mapping_error(dev, addr) == 0
        mm.write(dma_to_phys(dev, addr), b"\x55" * 4096)  # the device writes memory
        await dm.dma_unmap_single(dev, addr, 4096, DMA_FROM_DEVICE)
        assert k.platform.read(dst, 4096) == b"\x55" * 4096, "unmap invalidated"
        assert k.dma_debug.errors == []

    run(body())


def test_swiotlb_bounces_above_the_mask_and_copies_back() -> None:
    async def body() -> None:
        k, _cpu, mm, dev = machine()
        buf = kmalloc(3000)  # ZONE_NORMAL: above 4 GiB, beyond the 32-bit controller
        k.platform.write(buf, b"\x11" * 3000)
        addr = await dm.dma_map_single(dev, buf, 3000, DMA_BIDIRECTIONAL)
        assert dm.dma_mapping_error(dev, addr) == 0
        tlb = dma_to_phys(dev, addr)
        assert k.swiotlb.is_swiotlb_buffer(tlb)
        assert mm.read(tlb, 3000) == b"\x11" * 3000, "bounced in and cleaned"
        mm.write(tlb + 1000, b"\x22" * 500)  # the device writes part of it
        await dm.dma_unmap_single(dev, addr, 3000, DMA_BIDIRECTIONAL)
        assert k.platform.read(buf, 3000) == b"\x11" * 1000 + b"\x22" * 500 + b"\x11" * 1500
        assert dm.dma_max_mapping_size(dev) == 256 * 1024
        assert k.dma_debug.errors == []

    run(body())


def test_swiotlb_exhausted_and_no_pool() -> None:
    async def body() -> None:
        k, _, _, dev = machine("swiotlb=256")  # 512 KiB: two 256 KiB mappings at most
        bufs = [kmalloc(128 * 1024) for _ in range(5)]
        addrs = [await dm.dma_map_single(dev, b, 128 * 1024, DMA_TO_DEVICE) for b in bufs]
        errs = [dm.dma_mapping_error(dev, a) for a in addrs]
        assert errs[:4] == [0] * 4 and errs[4] == -ENOMEM
        assert any("swiotlb buffer is full" in e for e in k.swiotlb.errors)
        too_big = kmalloc(128 * 1024)
        # a mapping larger than a segment (256 KiB) can never bounce
        big = __get_free_pages(GFP_KERNEL, 7)
        addr = await dm.dma_map_single(dev, big, 512 * 1024, DMA_TO_DEVICE)
        assert dm.dma_mapping_error(dev, addr) == -ENOMEM
        for _b, a in zip(bufs[:4], addrs[:4], strict=True):
            await dm.dma_unmap_single(dev, a, 128 * 1024, DMA_TO_DEVICE)
        addr = await dm.dma_map_single(dev, too_big, 128 * 1024, DMA_TO_DEVICE)
        assert dm.dma_mapping_error(dev, addr) == 0, "freed slots are reused"

        k, _, _, dev = machine("swiotlb=noforce")
        assert k.swiotlb is None
        buf = kmalloc(64)
        addr = await dm.dma_map_single(dev, buf, 64, DMA_TO_DEVICE)
        assert dm.dma_mapping_error(dev, addr) == -ENOMEM, "beyond the mask, no bounce pool"

    run(body())


def test_map_single_refuses_vmalloc_and_debug_names_it() -> None:
    async def body() -> None:
        k, _, _, dev = machine()
        buf = vmalloc(2 * PAGE_SIZE)
        addr = await dm.dma_map_single(dev, buf, 2 * PAGE_SIZE, DMA_TO_DEVICE)
        assert addr == DMA_MAPPING_ERROR
        assert any("vmalloc area" in e for e in k.dma_debug.errors), k.dma_debug.errors

    run(body())


def test_scatterlist_of_vmalloc_pages_direct() -> None:
    async def body() -> None:
        k, _, mm, dev = machine()
        buf = vmalloc(3 * PAGE_SIZE)
        k.platform.write(buf, bytes(range(256)) * 48)
        table = SgTable()
        pages = vmalloc_to_pages(buf + 100, 2 * PAGE_SIZE)
        assert sg_alloc_table_from_pages(table, pages, 100, 2 * PAGE_SIZE) == 0
        assert await dm.dma_map_sgtable(dev, table, DMA_TO_DEVICE) == 0
        got = b"".join(
            mm.read(dma_to_phys(dev, sg_dma_address(sg)), sg_dma_len(sg))
            for sg in for_each_sg(table.sgl, table.nents)
        )
        assert got == (bytes(range(256)) * 48)[100 : 100 + 2 * PAGE_SIZE]
        await dm.dma_unmap_sgtable(dev, table, DMA_TO_DEVICE)
        assert k.dma_debug.errors == []

    run(body())


def test_map_sg_of_kmalloc_buffers() -> None:
    async def body() -> None:
        k, _, _, dev = machine()
        sgl = sg_init_table(3)
        bufs = [kmalloc(512, GFP_DMA) for _ in range(3)]
        for sg, b in zip(sgl, bufs, strict=True):
            sg_set_buf(sg, b, 512)
        assert page_to_phys(virt_to_page(bufs[0])) + (bufs[0] % PAGE_SIZE) == virt_to_phys(bufs[0])
        n = await dm.dma_map_sg(dev, sgl, 3, DMA_FROM_DEVICE)
        assert n == 3
        assert [sg_dma_address(s) for s in sgl] == [virt_to_phys(b) - OFFSET for b in bufs]
        await dm.dma_unmap_sg(dev, sgl, 3, DMA_FROM_DEVICE)
        assert k.dma_debug.errors == []

    run(body())


def test_map_resource() -> None:
    async def body() -> None:
        k, _, _, dev = machine()
        fifo = 0x2000_0000
        addr = await dm.dma_map_resource(dev, fifo, 4, DMA_FROM_DEVICE)
        assert addr == fifo, "dma_map_resource does not apply dma-ranges (as Linux)"
        assert dm.dma_mapping_error(dev, addr) == 0
        await dm.dma_unmap_resource(dev, addr, 4, DMA_FROM_DEVICE)
        ram = await dm.dma_map_resource(dev, LOW + 0x10000, 4, DMA_FROM_DEVICE)
        assert ram == DMA_MAPPING_ERROR, "RAM is refused (WARN_ON_ONCE(pfn_valid))"
        (err,) = k.dma_debug.errors
        assert "dma_map_resource called for RAM address" in err, err
        assert not k.dma_debug.dump(), "a refused mapping is not tracked"

    run(body())


@pytest.mark.parametrize("coherent", [False, True])
def test_coherent_alloc_and_pool(coherent: bool) -> None:
    async def body() -> None:
        k, _cpu, mm, dev = machine(coherent=coherent)
        va, handle = await dm.dma_alloc_coherent(dev, 3 * PAGE_SIZE)
        pa = dma_to_phys(dev, handle)
        assert pa % (4 * PAGE_SIZE) == 0, "aligned to its order"
        assert LOW <= pa < LOW + SIZE, "the 32-bit coherent mask chose ZONE_DMA"
        assert is_vmalloc_addr(va) != coherent, "uncached remap for a non-coherent device"
        k.platform.write(va, b"desc")
        if not coherent:
            assert mm.read(pa, 4) == b"desc", "uncached: the store reached memory"
        await dm.dma_free_coherent(dev, 3 * PAGE_SIZE, va, handle)

        pool = dma_pool_create("descs", dev, 32, 32, 4096)
        assert pool is not None
        blocks = [await dma_pool_alloc(pool) for _ in range(200)]
        assert all(b is not None and b[0] % 32 == 0 for b in blocks)
        assert len({b[1] for b in blocks if b}) == 200
        for b in blocks:
            assert b is not None
            dma_pool_free(pool, *b)
        await dma_pool_destroy(pool)
        with pytest.raises(RuntimeError, match="destroyed"):
            await dma_pool_alloc(pool)
        assert dma_pool_create("bad", dev, 32, 3, 0) is None
        assert k.dma_debug.errors == []

    run(body())


def test_skip_cpu_sync_and_leak_at_unbind() -> None:
    async def body() -> None:
        k, _, mm, dev = machine()
        dst = kmalloc(256, GFP_DMA)
        k.platform.read(dst, 256)
        addr = await dm.dma_map_single_attrs(dev, dst, 256, DMA_FROM_DEVICE, 0)
        dm.dma_mapping_error(dev, addr)
        mm.write(dma_to_phys(dev, addr), b"\x77" * 256)
        await dm.dma_unmap_single_attrs(dev, addr, 256, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC)
        # no invalidate: with a line cached the CPU may see the old bytes (it does here)
        assert k.platform.read(dst, 256) != b"\x77" * 256
        leak = await dm.dma_map_single(dev, dst, 64, DMA_TO_DEVICE)
        dm.dma_mapping_error(dev, leak)
        device_release_driver(dev)
        assert any("pending DMA allocations" in e for e in k.dma_debug.errors)

    run(body())


def test_dma_debug_off() -> None:
    async def body() -> None:
        k, _, _, dev = machine("swiotlb=1024 dma_debug=off")
        buf = vmalloc(2 * PAGE_SIZE)
        assert await dm.dma_map_single(dev, buf, 8192, DMA_TO_DEVICE) == DMA_MAPPING_ERROR
        assert k.dma_debug.errors == []

    run(body())


def test_debug_names_text_rodata_and_stack_through_the_api() -> None:
    async def body() -> None:
        k, _, _, dev = machine()
        for va in (k.kernel_text_addr() + 256, k.rodata_addr()):
            addr = await dm.dma_map_single(dev, va, 64, DMA_TO_DEVICE)
            assert dm.dma_mapping_error(dev, addr) == 0
            await dm.dma_unmap_single(dev, addr, 64, DMA_TO_DEVICE)
        assert len(k.dma_debug.errors) == 2
        assert all("kernel text or rodata" in e for e in k.dma_debug.errors)
        local = k.stack_alloc(64)  # a vmapped stack: dma_map_single refuses it
        assert await dm.dma_map_single(dev, local, 64, DMA_TO_DEVICE) == DMA_MAPPING_ERROR
        addr = await dm.dma_map_page(
            dev, vmalloc_to_page(local), local % PAGE_SIZE, 64, DMA_TO_DEVICE
        )
        assert dm.dma_mapping_error(dev, addr) == 0
        assert any("from stack" in e for e in k.dma_debug.errors), k.dma_debug.errors

    run(body())


def test_dma_need_sync_per_backend() -> None:
    """dma_need_sync: dma-direct needs the syncs for a non-coherent device and for every
    swiotlb slot; a coherent device's direct mapping does not; swiotlb=force bounces (and
    so needs them) even below the mask; dma-iommu needs them only when non-coherent."""

    async def mapped(dev: Device, buf: int) -> int:
        addr = await dm.dma_map_single(dev, buf, 512, DMA_TO_DEVICE)
        assert dm.dma_mapping_error(dev, addr) == 0
        return addr

    async def body() -> None:
        k, _, _, dev = machine()
        assert dm.dma_need_sync(dev, await mapped(dev, kmalloc(512, GFP_DMA))) is True

        k, _, _, dev = machine(coherent=True)
        low = await mapped(dev, kmalloc(512, GFP_DMA))
        high = await mapped(dev, kmalloc(512, GFP_KERNEL))  # above the mask: bounced
        assert not k.swiotlb.is_swiotlb_buffer(dma_to_phys(dev, low))
        assert k.swiotlb.is_swiotlb_buffer(dma_to_phys(dev, high))
        assert dm.dma_need_sync(dev, low) is False
        assert dm.dma_need_sync(dev, high) is True

        k, _, _, dev = machine("swiotlb=1024,force", coherent=True)
        forced = await mapped(dev, kmalloc(512, GFP_DMA))
        assert k.swiotlb.is_swiotlb_buffer(dma_to_phys(dev, forced)), "swiotlb=force bounces"
        assert dm.dma_need_sync(dev, forced) is True

        for coherent in (False, True):
            k, dev = await iommu_machine(coherent)
            addr = await mapped(dev, kmalloc(512, GFP_KERNEL))
            assert not k.swiotlb.used, "behind the IOMMU nothing bounces"
            assert dm.dma_need_sync(dev, addr) is (not coherent)
        assert k.dma_debug.errors == []

    run(body())


async def iommu_machine(coherent: bool):  # type: ignore[no-untyped-def]
    """The kernel with the controller behind the IOMMU model (dma-iommu ops)."""
    from sw.drivers.iommu.dma_iommu import iommu_setup_dma_ops
    from sw.drivers.iommu.iommu import IommuDriver
    from tb.models.iommu import Iommu

    mm = MemoryMap(40)
    mm.add_ram(LOW, SIZE)
    mm.add_ram(HIGH, SIZE)
    cpu = Cpu(mm.mem, mm.ram_ranges(), coherent=coherent, memory_map=mm)
    cpu.add_mmio_window(0x1001_0000, 0x1000, Iommu(mm.mem, is_ram=mm.is_ram), "iommu")
    k = start_kernel(cpu, "swiotlb=1024")
    drv = await IommuDriver.probe(cpu, 0x1001_0000, k.zones["DMA"][0])
    dom = drv.alloc_domain(strict=True)
    await drv.attach_device(dom, 5)
    dev = Device("dmac0", driver=DeviceDriver("dmac"), dma_coherent=coherent)
    iommu_setup_dma_ops(dev, drv, dom)
    return k, dev


def test_sync_single_range_invalidates_only_the_range() -> None:
    """Non-coherent dma-direct: dma_sync_single_range_for_cpu(addr, 128, 256) invalidates
    exactly the lines of [128, 384): the CPU sees the device's bytes there and its own stale
    lines elsewhere; the range sync for the device and the unmap then leave every byte
    the device's, the bytes after the mapping the CPU's, and dma-debug silent."""

    async def body() -> None:
        k, _cpu, mm, dev = machine()
        buf = kmalloc(4096, GFP_DMA)
        old, new = bytes([0xA5]) * 4096, bytes(range(256)) * 4
        k.platform.write(buf, old)  # every line of the buffer cached
        addr = await dm.dma_map_single(dev, buf, 1024, DMA_FROM_DEVICE)
        assert dm.dma_mapping_error(dev, addr) == 0
        mm.write(dma_to_phys(dev, addr), new)  # the device writes memory
        dm.dma_sync_single_range_for_cpu(dev, addr, 128, 256, DMA_FROM_DEVICE)
        seen = k.platform.read(buf, 1024)
        assert seen[128:384] == new[128:384], "the range was invalidated"
        assert seen[:128] == old[:128] and seen[384:] == old[384:1024], "only the range"
        dm.dma_sync_single_range_for_device(dev, addr, 128, 256, DMA_FROM_DEVICE)
        await dm.dma_unmap_single(dev, addr, 1024, DMA_FROM_DEVICE)
        assert k.platform.read(buf, 1024) == new
        assert k.platform.read(buf + 1024, 3072) == old[1024:], "beyond the mapping: the CPU's"
        assert k.dma_debug.errors == []

    run(body())


def test_sync_single_range_swiotlb_copies_only_the_range() -> None:
    """A bounced BIDIRECTIONAL mapping: the range sync for the CPU copies back only
    [512, 768) of the slot, the range sync for the device copies in only [1024, 1152);
    the unmap copies the whole slot back, and the bytes after the mapping never change."""

    async def body() -> None:
        k, _cpu, mm, dev = machine()
        buf = kmalloc(4096, GFP_KERNEL)  # above 4 GiB: bounced
        a, b, c = bytes([0x11]) * 4096, bytes([0x22]) * 2048, bytes([0x33]) * 2048
        k.platform.write(buf, a)
        addr = await dm.dma_map_single(dev, buf, 2048, DMA_BIDIRECTIONAL)
        assert dm.dma_mapping_error(dev, addr) == 0
        tlb = dma_to_phys(dev, addr)
        assert k.swiotlb.is_swiotlb_buffer(tlb)
        mm.write(tlb, b)  # the device writes the whole slot
        dm.dma_sync_single_range_for_cpu(dev, addr, 512, 256, DMA_BIDIRECTIONAL)
        assert k.platform.read(buf, 2048) == a[:512] + b[512:768] + a[768:2048]
        k.platform.write(buf, c)  # the CPU owns the buffer: it rewrites all of it
        dm.dma_sync_single_range_for_device(dev, addr, 1024, 128, DMA_BIDIRECTIONAL)
        assert mm.read(tlb, 2048) == b[:1024] + c[1024:1152] + b[1152:], "only the range"
        await dm.dma_unmap_single(dev, addr, 2048, DMA_BIDIRECTIONAL)
        assert k.platform.read(buf, 2048) == b[:1024] + c[1024:1152] + b[1152:]
        assert k.platform.read(buf + 2048, 2048) == a[2048:]
        assert k.swiotlb.used == 0
        assert k.dma_debug.errors == []

    run(body())


def test_sync_single_range_debug_checks() -> None:
    """dma-debug checks a range sync as the single sync at addr + offset: a range running
    past the mapping's end, a different direction, a TO_DEVICE mapping synced for the
    device's writes, and an address no mapping contains are each reported once."""

    async def body() -> None:
        k, _, _, dev = machine()
        buf = kmalloc(4096, GFP_DMA)
        rx = await dm.dma_map_single(dev, buf, 1024, DMA_FROM_DEVICE)
        tx = await dm.dma_map_single(dev, buf + 2048, 1024, DMA_TO_DEVICE)
        assert dm.dma_mapping_error(dev, rx) == 0 and dm.dma_mapping_error(dev, tx) == 0
        dm.dma_sync_single_range_for_cpu(dev, rx, 960, 128, DMA_FROM_DEVICE)
        dm.dma_sync_single_range_for_device(dev, rx, 64, 64, DMA_TO_DEVICE)
        dm.dma_sync_single_range_for_cpu(dev, tx, 0, 64, DMA_FROM_DEVICE)
        dm.dma_sync_single_range_for_cpu(dev, rx, 1024 + 512, 64, DMA_FROM_DEVICE)
        msgs = [e.split(": ", 2)[2] for e in k.dma_debug.errors]
        assert msgs == [
            "device driver syncs DMA memory outside allocated range "
            f"[device address=0x{rx:016x}] [allocation size=1024 bytes] "
            "[sync offset+size=1088]",
            "device driver syncs DMA memory with different direction "
            f"[device address=0x{rx + 64:016x}] [size=1024 bytes] "
            "[mapped with DMA_FROM_DEVICE] [synced with DMA_TO_DEVICE]",
            "device driver syncs device write-only DMA memory to device "
            f"[device address=0x{rx + 64:016x}] [size=1024 bytes] "
            "[mapped with DMA_FROM_DEVICE] [synced with DMA_TO_DEVICE]",
            "device driver syncs DMA memory with different direction "
            f"[device address=0x{tx:016x}] [size=1024 bytes] "
            "[mapped with DMA_TO_DEVICE] [synced with DMA_FROM_DEVICE]",
            "device driver syncs device read-only DMA memory for cpu "
            f"[device address=0x{tx:016x}] [size=1024 bytes] "
            "[mapped with DMA_TO_DEVICE] [synced with DMA_FROM_DEVICE]",
            "device driver tries to sync DMA memory it has not allocated "
            f"[device address=0x{rx + 1536:016x}] [size=64 bytes]",
        ], msgs
        await dm.dma_unmap_single(dev, rx, 1024, DMA_FROM_DEVICE)
        await dm.dma_unmap_single(dev, tx, 1024, DMA_TO_DEVICE)

    run(body())

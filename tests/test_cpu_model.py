"""Unit tests (no simulator) of the CPU model: data cache, MMU, MMIO routing, and the four
classic non-coherent DMA failures shown at model level.

The "device" here is a bus master that reads and writes :class:`PhysicalMemory`
directly, calling the cache's snoop hooks first as the interconnect would (they
do nothing unless the cache is coherent).
"""

from __future__ import annotations

import inspect
import random
import time
from collections.abc import Coroutine
from typing import Any

import pytest

from sw.platform import Platform
from tb.models.cache import DataCache
from tb.models.cpu import (
    PAGE_OFFSET,
    VMALLOC_END,
    VMALLOC_START,
    Cpu,
    KernelPageFault,
    MmioError,
    Mmu,
)
from tb.models.phys_mem import PhysicalMemory

MEM_SIZE = 1 << 22
RAM = [(0, 1 << 20), (0x20_0000, 1 << 20)]  # two blocks with a hole between them
LINE = 64


def pattern(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def small_cache(**kw: Any) -> tuple[PhysicalMemory, DataCache]:
    """1 KiB, 2 ways, 64-byte lines: 8 sets, lines 512 bytes apart share a set."""
    mem = PhysicalMemory(MEM_SIZE)
    mem.write(0, pattern(1 << 16, 1))
    return mem, DataCache(mem, size=1024, ways=2, line=LINE, **kw)


def make_cpu(**kw: Any) -> Cpu:
    mem = PhysicalMemory(MEM_SIZE)
    mem.write(0, pattern(1 << 20, 2))
    return Cpu(mem, RAM, **kw)


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine that never waits on the simulator (no clock given)."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise AssertionError("the coroutine waited for something")


class Device:
    """A DMA master on the interconnect: snoop first (no-op if non-coherent), then memory."""

    def __init__(self, cpu: Cpu) -> None:
        self.mem = cpu.mem
        self.cache = cpu.cache

    def write(self, pa: int, data: bytes) -> None:
        self.cache.snoop_write(pa, pa + len(data))
        self.mem.write(pa, data)

    def read(self, pa: int, length: int) -> bytes:
        self.cache.snoop_read(pa, pa + length)
        return self.mem.read(pa, length)


# -- the cache ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kw",
    [
        {"size": 3000},
        {"ways": 3},
        {"line": 48},
        {"line": 0},
        {"size": 128, "ways": 4, "line": 64},
        {"line": 8192, "size": 1 << 20},
        {"prefetch_lines": -1},
    ],
)
def test_geometry_is_validated(kw: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        DataCache(PhysicalMemory(MEM_SIZE), **kw)


def test_lru_order_and_dirty_victim_write_back() -> None:
    mem, cache = small_cache()
    a, b, c = 0x1000, 0x1200, 0x1400  # one set
    old_a, old_b = mem.read(a, LINE), mem.read(b, LINE)
    cache.store(a + 8, b"\xaa" * 8)  # A dirty
    cache.load(b, 4)  # B
    cache.load(a, 4)  # A most recently used: B is the LRU
    cache.load(c, 4)  # evicts B (clean: no write-back)
    assert cache.contains(a) and cache.contains(c) and not cache.contains(b)
    assert cache.stats.evictions == 1 and cache.stats.writebacks == 0
    assert mem.read(b, LINE) == old_b
    assert mem.read(a, LINE) == old_a  # A's store is still only in the cache
    cache.load(b, 4)  # now A is the LRU: evicted and written back
    assert not cache.contains(a) and cache.stats.writebacks == 1
    assert mem.read(a, LINE) == old_a[:8] + b"\xaa" * 8 + old_a[16:]
    assert cache.stats.hits == 1 and cache.stats.misses == 4


def test_write_allocate() -> None:
    mem, cache = small_cache()
    old = mem.read(0x2000, 3 * LINE)
    cache.store(0x2000 + 60, b"\x11" * 8)  # spans two lines: both allocated, filled first
    assert cache.is_dirty(0x2000) and cache.is_dirty(0x2040) and not cache.contains(0x2080)
    assert cache.stats.misses == 2 and cache.stats.fills == 2
    expect = old[:60] + b"\x11" * 8 + old[68:]
    assert cache.load(0x2000, 3 * LINE) == expect  # the rest of each line came from memory
    assert mem.read(0x2000, 3 * LINE) == old  # write-back: memory unchanged so far
    cache.flush_all()
    assert mem.read(0x2000, 3 * LINE) == expect and len(cache) == 0


def test_bulk_load_store_across_lines_and_eviction() -> None:
    mem = PhysicalMemory(MEM_SIZE)
    cache = DataCache(mem)  # 32 KiB default
    data = pattern(1 << 16, 3)
    t0 = time.perf_counter()
    cache.store(0x1_0003, data)
    assert cache.load(0x1_0003, len(data)) == data
    cache.flush_all()
    elapsed = time.perf_counter() - t0
    assert mem.read(0x1_0003, len(data)) == data
    assert mem.read(0x1_0000, 3) == b"\0" * 3 and mem.read(0x2_0003, 64) == b"\0" * 64
    print(f"64 KiB store + load + flush through the cache: {elapsed * 1e3:.1f} ms")


def test_clean_keeps_lines_valid() -> None:
    mem, cache = small_cache()
    old = mem.read(0x3000, 4 * LINE)
    cache.store(0x3000, b"\x22" * (2 * LINE))
    cache.clean(0x3000 + 10, 0x3000 + 11)  # one byte: the whole first line is cleaned
    assert mem.read(0x3000, LINE) == b"\x22" * LINE
    assert mem.read(0x3040, LINE) == old[LINE : 2 * LINE]  # second line not in the range
    assert cache.contains(0x3000) and not cache.is_dirty(0x3000) and cache.is_dirty(0x3040)
    cache.clean_poc(0x3000, 0x3000 + 4 * LINE)
    assert mem.read(0x3000, 4 * LINE) == b"\x22" * (2 * LINE) + old[2 * LINE :]
    assert cache.contains(0x3040) and cache.stats.writebacks == 2


def test_invalidate_drops_dirty_data() -> None:
    mem, cache = small_cache()
    old = mem.read(0x3000, 2 * LINE)
    cache.store(0x3000, b"\x33" * (2 * LINE))
    cache.invalidate(0x3000 + LINE - 1, 0x3000 + LINE)  # only the first line
    assert not cache.contains(0x3000) and cache.is_dirty(0x3040)
    assert cache.load(0x3000, LINE) == old[:LINE]  # the store is lost
    cache.clean_invalidate(0x3000, 0x3000 + 2 * LINE)
    assert mem.read(0x3000, 2 * LINE) == old[:LINE] + b"\x33" * LINE
    assert len(cache) == 0


def test_inval_poc_cleans_partial_edges_and_drops_full_lines() -> None:
    mem, cache = small_cache()
    base = 0x4000
    old = mem.read(base - LINE, 6 * LINE)  # one line either side as a guard
    cpu_bytes = b"\x44" * (4 * LINE)
    cache.store(base, cpu_bytes)  # four dirty lines
    cache.inval_poc(base + 16, base + 3 * LINE + 16)
    assert len(cache) == 0
    got = mem.read(base - LINE, 6 * LINE)
    assert got[:LINE] == old[:LINE]
    assert got[LINE : 2 * LINE] == b"\x44" * LINE  # partial first line: cleaned
    assert got[2 * LINE : 4 * LINE] == old[2 * LINE : 4 * LINE]  # full lines: dropped
    assert got[4 * LINE : 5 * LINE] == b"\x44" * LINE  # partial last line: cleaned
    assert got[5 * LINE :] == old[5 * LINE :]
    assert cache.stats.writebacks == 2
    # An aligned range is only invalidated.
    cache.store(base, cpu_bytes)
    cache.inval_poc(base, base + 4 * LINE)
    assert mem.read(base, 4 * LINE) == got[LINE : 5 * LINE] and cache.stats.writebacks == 2
    # Inside one line, both ends partial: clean+invalidate.
    cache.store(base + 4, b"\x55")
    cache.inval_poc(base + 8, base + 12)
    assert mem.read(base + 4, 1) == b"\x55" and not cache.contains(base)


def test_prefetch_stays_in_page_and_in_cacheable_memory() -> None:
    mem, cache = small_cache(prefetch_lines=2, cacheable=lambda la: la != 0x1F40)
    cache.load(0x1FC0, 1)  # last line of page 0x1000
    assert cache.contains(0x1F80) and not cache.contains(0x1F40)  # not cacheable
    assert not cache.contains(0x2000) and not cache.contains(0x2040)  # next page
    assert cache.stats.prefetches == 1 and cache.stats.misses == 1
    cache.store(0x3000, b"\x01")  # first line of a page
    assert cache.contains(0x3040) and cache.contains(0x3080) and not cache.contains(0x2FC0)
    assert not cache.is_dirty(0x3040) and cache.is_dirty(0x3000)
    assert mem.read(0x3000, 1) != b"\x01"
    # explicit speculative fills
    before = cache.stats.prefetches
    cache.prefetch(0x3040)  # present: nothing
    cache.prefetch(0x1F40 + 5)  # not cacheable: nothing
    assert cache.stats.prefetches == before and not cache.contains(0x1F40)
    cache.prefetch(0x5005)
    assert cache.contains(0x5000) and not cache.is_dirty(0x5000)
    assert cache.stats.prefetches == before + 1


def test_coherent_snoops() -> None:
    mem, cache = small_cache(coherent=True)
    old = mem.read(0x6000, 2 * LINE)
    cache.store(0x6000, b"\x66" * 16)
    cache.snoop_read(0x6008, 0x600C)  # device reads: dirty line written back, stays valid
    assert mem.read(0x6000, 16) == b"\x66" * 16 and mem.read(0x6010, 48) == old[16:LINE]
    assert cache.contains(0x6000) and not cache.is_dirty(0x6000)
    cache.store(0x6000, b"\x67" * 4)
    cache.load(0x6040, 1)  # a clean line
    cache.snoop_write(0x6020, 0x6048)  # device writes: write back, then invalidate
    assert not cache.contains(0x6000) and not cache.contains(0x6040)
    mem.write(0x6020, b"\xdd" * 40)  # the device's data lands
    expect = b"\x67" * 4 + b"\x66" * 12 + old[16:32] + b"\xdd" * 40 + old[72:]
    assert cache.load(0x6000, 2 * LINE) == expect  # CPU bytes outside the device's range kept
    assert cache.stats.snoop_writebacks == 2 and cache.stats.snoop_invalidates == 2
    cache.snoop_read(0x9000, 0x9004)  # nothing cached there
    assert cache.stats.snoop_writebacks == 2


def test_snoops_do_nothing_when_not_coherent() -> None:
    mem, cache = small_cache()
    old = mem.read(0x6000, LINE)
    cache.store(0x6000, b"\x66" * 16)
    cache.snoop_read(0x6000, 0x6040)
    cache.snoop_write(0x6000, 0x6040)
    assert cache.is_dirty(0x6000) and mem.read(0x6000, LINE) == old
    assert cache.stats.snoop_writebacks == cache.stats.snoop_invalidates == 0


# -- the MMU -------------------------------------------------------------------------------------


def test_mmu_linear_map_covers_exactly_ram() -> None:
    mmu = Mmu(RAM)
    assert mmu.translate(PAGE_OFFSET + 0x1234) == (0x1234, True)
    assert mmu.translate(PAGE_OFFSET + 0x20_0000) == (0x20_0000, True)
    for va in (PAGE_OFFSET + 0x10_0000, PAGE_OFFSET + 0x30_0000, 0x1234, VMALLOC_START, -1):
        with pytest.raises(KernelPageFault, match="Unable to handle kernel paging request"):
            mmu.translate(va)
    assert mmu.virt_to_phys(PAGE_OFFSET + 0x20_0010) == 0x20_0010
    assert mmu.phys_to_virt(0x20_0010) == PAGE_OFFSET + 0x20_0010
    # A range crossing into the hole faults as a whole.
    with pytest.raises(KernelPageFault, match=f"{PAGE_OFFSET + 0x10_0000:#018x}"):
        mmu.translate_range(PAGE_OFFSET + 0xF_FFF0, 0x20)
    assert mmu.translate_range(PAGE_OFFSET + 0x10, 0x8000) == [(0x10, 0x8000, True)]


@pytest.mark.parametrize("ram", [[], [(0, 0)], [(0x800, 0x1000)], [(0, 0x2000), (0x1000, 0x1000)]])
def test_mmu_rejects_bad_ram(ram: list[tuple[int, int]]) -> None:
    with pytest.raises(ValueError):
        Mmu(ram)


def test_mmu_vmalloc_pages_not_contiguous() -> None:
    mmu = Mmu(RAM)
    va = VMALLOC_START + 0x10_0000
    mmu.map_page(va, 0x5000)
    mmu.map_page(va + 0x1000, 0x2000, cacheable=False)
    assert mmu.is_vmalloc_addr(va) and not mmu.is_vmalloc_addr(VMALLOC_END)
    assert mmu.translate(va + 0x10) == (0x5010, True)
    assert mmu.translate(va + 0x1FFF) == (0x2FFF, False)
    assert mmu.vmalloc_to_phys(va + 0x1004) == 0x2004
    assert mmu.translate_range(va + 0xFF0, 0x20) == [(0x5FF0, 0x10, True), (0x2000, 0x10, False)]
    with pytest.raises(ValueError, match="vmalloc"):
        mmu.virt_to_phys(va)
    with pytest.raises(KernelPageFault):
        mmu.translate(va + 0x2000)
    with pytest.raises(ValueError):
        mmu.vmalloc_to_phys(va + 0x2000)
    mmu.unmap_page(va)
    with pytest.raises(KernelPageFault):
        mmu.translate(va)
    for bad in (
        lambda: mmu.map_page(va + 1, 0x5000),  # unaligned
        lambda: mmu.map_page(PAGE_OFFSET, 0x5000),  # not the vmalloc area
        lambda: mmu.map_page(va, 0x10_0000),  # cacheable mapping of a hole
        lambda: mmu.map_page(va + 0x1000, 0x3000),  # already mapped
        lambda: mmu.unmap_page(va),  # not mapped
    ):
        with pytest.raises(ValueError):
            bad()
    mmu.map_page(va, 0x10_0000, cacheable=False)  # non-cacheable: anything (ioremap)


def test_cpu_implements_the_platform() -> None:
    cpu = make_cpu()
    members = {n for n in vars(Platform) if not n.startswith("_")} | set(Platform.__annotations__)
    for name in members:
        assert hasattr(cpu, name), name
        want = getattr(Platform, name, None)
        if callable(want):
            got = getattr(cpu, name)
            assert inspect.iscoroutinefunction(got) == inspect.iscoroutinefunction(want), name
    assert cpu.page_size == 4096 and cpu.cache_line == LINE
    assert cpu.ram_ranges() == RAM


def test_cpu_vmalloc_access_and_non_cacheable_bypass() -> None:
    cpu = make_cpu()
    mem, cache = cpu.mem, cpu.cache
    va = VMALLOC_START
    cpu.map_kernel_page(va, 0x7000)
    cpu.map_kernel_page(va + 0x1000, 0x3000)
    data = pattern(0x100, 4)
    cpu.write(va + 0xF80, data)  # straddles two non-contiguous pages
    assert cache.is_dirty(0x7F80) and cache.is_dirty(0x3000)
    assert cpu.read(PAGE_OFFSET + 0x7F80, 0x80) == data[:0x80]  # the linear alias: same lines
    assert cpu.read(PAGE_OFFSET + 0x3000, 0x80) == data[0x80:]
    # A non-cacheable mapping goes straight to memory and never touches the cache.
    nc = VMALLOC_START + 0x10_0000
    cpu.map_kernel_page(nc, 0x9000, cacheable=False)
    fills = cache.stats.fills
    cpu.write(nc + 8, b"\x99" * 8)
    assert mem.read(0x9008, 8) == b"\x99" * 8 and not cache.contains(0x9000)
    assert cpu.read(nc, 16)[8:] == b"\x99" * 8 and cache.stats.fills == fills
    cpu.write(PAGE_OFFSET + 0x9008, b"\x77" * 8)  # the cacheable alias: dirty in the cache
    assert cpu.read(nc + 8, 8) == b"\x99" * 8  # the uncached view still sees memory
    # A faulting access does nothing at all.
    cache.flush_all()
    before = mem.read(0x7000, 0x1000)
    with pytest.raises(KernelPageFault):
        cpu.write(va + 0x1F00, b"\x01" * 0x200)
    cache.flush_all()
    assert mem.read(0x3F00, 0x100) != b"\x01" * 0x100 and mem.read(0x7000, 0x1000) == before


def test_cpu_maintenance_by_virtual_address() -> None:
    cpu = make_cpu()
    mem = cpu.mem
    va = VMALLOC_START
    cpu.map_kernel_page(va, 0x8000)
    cpu.map_kernel_page(va + 0x1000, 0x2000, cacheable=False)  # maintenance ignores attributes
    old = {pa: mem.read(pa, 0x1000) for pa in (0x8000, 0x2000)}
    cpu.write(PAGE_OFFSET + 0x8F80, b"\xab" * 0x80)
    cpu.write(PAGE_OFFSET + 0x2000, b"\xcd" * 0x80)
    cpu.dcache_inval_poc(va + 0xFA0, va + 0x1060)  # partial at both ends, across the pages
    assert len(cpu.cache) == 0
    assert mem.read(0x8F80, 0x40) == b"\xab" * 0x40  # partial head line: cleaned
    assert mem.read(0x8FC0, 0x40) == old[0x8000][0xFC0:]  # full line: dropped
    assert mem.read(0x2000, 0x40) == old[0x2000][:0x40]  # full line: dropped
    assert mem.read(0x2040, 0x40) == b"\xcd" * 0x40  # partial tail line: cleaned
    cpu.write(PAGE_OFFSET + 0x8000, b"\x01" * 4)
    cpu.dcache_clean_poc(va, va + 4)
    assert mem.read(0x8000, 4) == b"\x01" * 4 and cpu.cache.contains(0x8000)
    cpu.dcache_clean_inval_poc(va, va + 1)
    assert not cpu.cache.contains(0x8000)
    cpu.dcache_clean_poc(va, va)  # empty range: nothing, not even a translation
    with pytest.raises(KernelPageFault):
        cpu.dcache_clean_poc(va + 0x1000, va + 0x2001)


# -- MMIO ----------------------------------------------------------------------------------------


class Regs:
    """A Python register block (the MmioDevice protocol)."""

    def __init__(self) -> None:
        self.regs: dict[int, int] = {}
        self.log: list[tuple[str, int, int, int]] = []

    def mmio_read(self, offset: int, size: int) -> int:
        self.log.append(("r", offset, 0, size))
        return self.regs.get(offset, 0xDEAD_BEEF_0000_0000 | offset)

    def mmio_write(self, offset: int, value: int, size: int) -> None:
        self.log.append(("w", offset, value, size))
        self.regs[offset] = value


class FakeAxiLite:
    """What the Cpu needs of cocotbext-axi's AxiLiteMaster."""

    class Resp:
        def __init__(self, data: bytes = b"", resp: int = 0) -> None:
            self.data = data
            self.resp = resp

    def __init__(self) -> None:
        self.store = bytearray(0x100)
        self.error_at: set[int] = set()

    async def read(self, address: int, length: int) -> FakeAxiLite.Resp:
        return self.Resp(
            bytes(self.store[address : address + length]), 2 * (address in self.error_at)
        )

    async def write(self, address: int, data: bytes) -> FakeAxiLite.Resp:
        self.store[address : address + len(data)] = data
        return self.Resp(resp=2 * (address in self.error_at))


def test_mmio_routing() -> None:
    cpu = make_cpu()
    regs, axil = Regs(), FakeAxiLite()
    cpu.add_mmio_window(0x4000_0000, 0x1000, axil)
    cpu.add_mmio_window(0x4001_0000, 0x100, regs)
    run(cpu.writel(0x1234_5678, 0x4000_0010))
    assert axil.store[0x10:0x14] == bytes.fromhex("78563412")
    assert run(cpu.readl(0x4000_0010)) == 0x1234_5678
    run(cpu.writeq(0x1122_3344_5566_7788, 0x4000_0020))
    assert run(cpu.readq(0x4000_0020)) == 0x1122_3344_5566_7788
    run(cpu.writel(7, 0x4001_0004))
    assert run(cpu.readl(0x4001_0004)) == 7
    assert run(cpu.readl(0x4001_0008)) == 8  # truncated to 32 bits
    run(cpu.writeq(1 << 40, 0x4001_0010))
    assert regs.log == [("w", 4, 7, 4), ("r", 4, 0, 4), ("r", 8, 0, 4), ("w", 16, 1 << 40, 8)]
    axil.error_at.add(0x30)
    with pytest.raises(MmioError, match="bus error"):
        run(cpu.readl(0x4000_0030))
    for bad in (cpu.readl(0x4000_0012), cpu.readl(0x5000_0000), cpu.readq(0x4001_00FC)):
        with pytest.raises(MmioError):
            run(bad)
    with pytest.raises(ValueError):
        run(cpu.writel(1 << 32, 0x4000_0000))
    for base, size in ((0xF_F000, 0x2000), (0x4000_0800, 0x1000), (0x4000_1000, 0)):
        with pytest.raises(ValueError):
            cpu.add_mmio_window(base, size, regs)
    with pytest.raises(TypeError):
        cpu.add_mmio_window(0x5000_0000, 0x100, object())
    # An uncached mapping of an MMIO window is not a way around readl.
    cpu.map_kernel_page(VMALLOC_START, 0x4001_0000, cacheable=False)
    with pytest.raises(MmioError):
        cpu.read(VMALLOC_START, 4)


def test_irq_bookkeeping_and_no_clock() -> None:
    cpu = make_cpu()

    async def handler(irq: int) -> int:
        return 1

    cpu.request_irq(5, handler, "dmac")
    with pytest.raises(ValueError):
        cpu.request_irq(5, handler, "dmac")
    cpu.free_irq(5, handler)
    with pytest.raises(ValueError, match="already-free"):
        cpu.free_irq(5, handler)
    with pytest.raises(RuntimeError):
        cpu.attach_irq(5, object())
    with pytest.raises(RuntimeError):
        run(cpu.delay(3))


# -- the classic non-coherent DMA failures ------------------------------------------------------

BUF = 0x1_0800  # a line-aligned buffer of 4 lines mid-page, with guard lines either side
BUF_LEN = 4 * LINE
GUARD = 2 * LINE


def window(cpu: Cpu) -> bytes:
    """Memory around the buffer, straight from RAM."""
    return cpu.mem.read(BUF - GUARD, BUF_LEN + 2 * GUARD)


def check_guards(cpu: Cpu, before: bytes) -> None:
    after = window(cpu)
    assert after[:GUARD] == before[:GUARD] and after[-GUARD:] == before[-GUARD:]


@pytest.mark.parametrize("coherent", [False, True])
def test_a_stale_read_after_device_write(coherent: bool) -> None:
    """DEV_TO_MEM without invalidate: the CPU reads lines it cached before the DMA."""
    cpu = make_cpu(coherent=coherent)
    va = PAGE_OFFSET + BUF
    cpu.read(va - GUARD, BUF_LEN + 2 * GUARD)  # the buffer and its guards are cached
    before = cpu.read(va, BUF_LEN)
    guards = window(cpu)
    cpu.dcache_clean_poc(va, va + BUF_LEN)  # arm64 dma_map FROM_DEVICE: clean
    new = pattern(BUF_LEN, 5)
    Device(cpu).write(BUF, new)
    if coherent:
        assert cpu.read(va, BUF_LEN) == new  # the interconnect invalidated the lines
    else:
        assert cpu.read(va, BUF_LEN) == before  # stale: bug (a)
        cpu.dcache_inval_poc(va, va + BUF_LEN)  # the unmap-time invalidate
        assert cpu.read(va, BUF_LEN) == new
    check_guards(cpu, guards)
    assert cpu.read(va - GUARD, GUARD) == guards[:GUARD]


@pytest.mark.parametrize("coherent", [False, True])
def test_b_device_reads_uncleaned_data(coherent: bool) -> None:
    """MEM_TO_DEV without clean: the CPU's data is still in dirty lines."""
    cpu = make_cpu(coherent=coherent)
    va = PAGE_OFFSET + BUF
    old = cpu.mem.read(BUF, BUF_LEN)
    guards = window(cpu)
    data = pattern(BUF_LEN, 6)
    cpu.write(va, data)
    dev = Device(cpu)
    if coherent:
        assert dev.read(BUF, BUF_LEN) == data  # snooped
    else:
        assert dev.read(BUF, BUF_LEN) == old  # bug (b)
        cpu.dcache_clean_poc(va, va + BUF_LEN)  # dma_map TO_DEVICE
        assert dev.read(BUF, BUF_LEN) == data
    check_guards(cpu, guards)


@pytest.mark.parametrize("how", ["explicit", "adjacent-line"])
@pytest.mark.parametrize("coherent", [False, True])
def test_c_prefetch_during_dma(coherent: bool, how: str) -> None:
    """A speculative fill between the map-time invalidate and the device's write leaves a
    stale line; only the unmap-time invalidate (sync_for_cpu) removes it."""
    cpu = make_cpu(coherent=coherent, prefetch_lines=1 if how == "adjacent-line" else 0)
    va = PAGE_OFFSET + BUF
    guards = window(cpu)
    old = cpu.mem.read(BUF, BUF_LEN)
    cpu.dcache_clean_inval_poc(va, va + BUF_LEN)  # map FROM_DEVICE: nothing cached
    if how == "explicit":
        cpu.cache.prefetch(BUF + LINE)  # a squashed speculative load
        stale = [LINE]
    else:
        cpu.read(va - 8, 4)  # a neighbour's variable: its next line is the buffer's first
        stale = [0]
    new = pattern(BUF_LEN, 7)
    Device(cpu).write(BUF, new)
    got = cpu.read(va, BUF_LEN)
    if coherent:
        assert got == new
    else:
        expect = bytearray(new)
        for off in stale:
            expect[off : off + LINE] = old[off : off + LINE]
        assert got == bytes(expect)  # bug (c): the prefetched line is stale
        cpu.dcache_inval_poc(va, va + BUF_LEN)  # the unmap-time invalidate
        assert cpu.read(va, BUF_LEN) == new
    check_guards(cpu, guards)


@pytest.mark.parametrize("way", ["eviction", "edge-clean"])
def test_d_line_shared_with_a_cpu_written_neighbour(way: str) -> None:
    """A FROM_DEVICE buffer that starts mid-line shares that line with a variable the CPU
    writes during the DMA: the line's stale copy of the buffer's head is written back over
    the device's data, by an eviction or by the unmap-time edge clean+invalidate."""
    cpu = make_cpu()
    shared = BUF  # [BUF, BUF + 32): the neighbour; the buffer starts at BUF + 32
    buf, length = BUF + 32, BUF_LEN
    va = PAGE_OFFSET + buf
    cpu.write(PAGE_OFFSET + shared, b"\x11" * 32)  # the line is cached before the DMA
    guards = window(cpu)
    old = cpu.mem.read(buf, length)
    cpu.dcache_clean_poc(va, va + length)  # map FROM_DEVICE (arm64: clean), line stays valid
    new = pattern(length, 8)
    Device(cpu).write(buf, new)
    cpu.write(PAGE_OFFSET + shared, b"\x5a" * 32)  # the neighbour, during the DMA
    if way == "eviction":
        evict(cpu, shared)
        assert cpu.mem.read(buf, 32) == old[:32]  # device data already overwritten
    cpu.dcache_inval_poc(va, va + length)  # unmap: edge lines cleaned and invalidated
    got = cpu.read(va, length)
    assert got[:32] == old[:32] and got[32:] == new[32:]  # bug (d): head corrupted
    assert cpu.read(PAGE_OFFSET + shared, 32) == b"\x5a" * 32  # the neighbour is fine
    after = window(cpu)
    assert after[GUARD + 32 + length :] == guards[GUARD + 32 + length :]  # past the buffer


@pytest.mark.parametrize("way", ["eviction", "edge-clean"])
def test_d_fixed_by_cache_line_alignment(way: str) -> None:
    """The same, with the buffer aligned to the cache line and the neighbour in the line
    before it: nothing of the device's data is lost."""
    cpu = make_cpu()
    shared = BUF - 32  # the neighbour now ends where the buffer's first line starts
    buf, length = BUF, BUF_LEN
    va = PAGE_OFFSET + buf
    cpu.write(PAGE_OFFSET + shared, b"\x11" * 32)
    guards = window(cpu)
    cpu.dcache_clean_poc(va, va + length)
    new = pattern(length, 8)
    Device(cpu).write(buf, new)
    cpu.write(PAGE_OFFSET + shared, b"\x5a" * 32)
    if way == "eviction":
        evict(cpu, shared)
    cpu.dcache_inval_poc(va, va + length)
    assert cpu.read(va, length) == new
    assert cpu.read(PAGE_OFFSET + shared, 32) == b"\x5a" * 32
    after = window(cpu)
    assert after[GUARD + length + 32 :] == guards[GUARD + length + 32 :]  # past the buffer


def evict(cpu: Cpu, pa: int) -> None:
    """Load enough other lines of ``pa``'s set to push it out (cache pressure)."""
    stride = cpu.cache.sets * cpu.cache.line
    scratch = 0x20_0000 + pa % stride
    for k in range(cpu.cache.ways):
        cpu.read(PAGE_OFFSET + scratch + k * stride, 1)
    assert not cpu.cache.contains(pa)

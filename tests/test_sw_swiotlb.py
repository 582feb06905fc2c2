"""sw/kernel/dma/swiotlb.py against the rules of Linux's kernel/dma/swiotlb.c (no simulator)."""

from __future__ import annotations

import logging
import random

import pytest

from sw.include.linux.dma_mapping import (
    DMA_ATTR_NO_WARN,
    DMA_ATTR_SKIP_CPU_SYNC,
    DMA_BIDIRECTIONAL,
    DMA_FROM_DEVICE,
    DMA_MAPPING_ERROR,
    DMA_NONE,
    DMA_TO_DEVICE,
)
from sw.kernel.dma.swiotlb import IO_TLB_SEGSIZE, IO_TLB_SIZE, IoTlbMem
from sw.mm.page_alloc import PAGE_SIZE

PAGE_OFFSET = 0xFFFF_0000_0000_0000
RAM_BASE = 0x8000_0000
RAM_SIZE = 8 << 20
POOL = RAM_BASE + (4 << 20)  # the pool lives in the upper half of RAM
BUF = RAM_BASE + 0x1000  # original buffers in the lower half

DIRECTIONS = [DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL]


class FakePlatform:
    """Just the linear map over a bytearray: all the swiotlb model touches."""

    page_size = PAGE_SIZE
    cache_line = 64

    def __init__(self) -> None:
        self.ram = bytearray(RAM_SIZE)

    def _off(self, va: int, length: int) -> int:
        off = va - PAGE_OFFSET - RAM_BASE
        if off < 0 or off + length > RAM_SIZE:
            raise ValueError(f"{va:#x}+{length} is outside the linear map")
        return off

    def read(self, va: int, length: int) -> bytes:
        off = self._off(va, length)
        return bytes(self.ram[off : off + length])

    def write(self, va: int, data: bytes) -> None:
        off = self._off(va, len(data))
        self.ram[off : off + len(data)] = data

    def phys_to_virt(self, pa: int) -> int:
        self._off(pa + PAGE_OFFSET, 0)
        return pa + PAGE_OFFSET

    def virt_to_phys(self, va: int) -> int:
        self._off(va, 0)
        return va - PAGE_OFFSET

    # helpers for the tests, by physical address
    def get(self, pa: int, n: int) -> bytes:
        return self.read(pa + PAGE_OFFSET, n)

    def put(self, pa: int, data: bytes) -> None:
        self.write(pa + PAGE_OFFSET, data)


def make(nslabs: int = 4 * IO_TLB_SEGSIZE) -> tuple[FakePlatform, IoTlbMem]:
    plat = FakePlatform()
    return plat, IoTlbMem(plat, POOL, nslabs)


def pattern(n: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(n)


def map1(mem: IoTlbMem, orig: int, size: int, direction: int, attrs: int = 0, **kw: int) -> int:
    return mem.tbl_map_single(orig, size, size, 0, direction, attrs, **kw)


def test_pool_geometry() -> None:
    _, mem = make()
    assert mem.start == POOL and mem.end == POOL + 4 * IO_TLB_SEGSIZE * IO_TLB_SIZE
    assert mem.nslabs == 512 and mem.used == 0 and not mem.force_bounce
    assert mem.is_swiotlb_buffer(POOL) and mem.is_swiotlb_buffer(mem.end - 1)
    assert not mem.is_swiotlb_buffer(mem.end) and not mem.is_swiotlb_buffer(POOL - 1)
    assert IoTlbMem(FakePlatform(), POOL, 128, force=True).force_bounce
    with pytest.raises(ValueError):
        IoTlbMem(FakePlatform(), POOL, 100)
    with pytest.raises(ValueError):
        IoTlbMem(FakePlatform(), POOL + 0x800, 128)


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("attrs", [0, DMA_ATTR_SKIP_CPU_SYNC])
def test_map_copies_in_for_every_direction(direction: int, attrs: int) -> None:
    plat, mem = make()
    data = pattern(3000)
    plat.put(BUF, data)
    tlb = map1(mem, BUF, len(data), direction, attrs)
    assert mem.is_swiotlb_buffer(tlb)
    assert plat.get(tlb, len(data)) == data
    assert mem.used == 2


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("attrs", [0, DMA_ATTR_SKIP_CPU_SYNC])
def test_unmap_copy_back_rules(direction: int, attrs: int) -> None:
    plat, mem = make()
    orig = pattern(1000, 1)
    plat.put(BUF, orig)
    tlb = map1(mem, BUF, len(orig), direction)
    # The device writes only the first 100 bytes.
    dev = pattern(100, 2)
    plat.put(tlb, dev)
    mem.tbl_unmap_single(tlb, len(orig), direction, attrs)
    copies_back = direction in (DMA_FROM_DEVICE, DMA_BIDIRECTIONAL) and not attrs
    # A partial device write keeps the rest of the original (the copy-in at map time).
    expect = dev + orig[100:] if copies_back else orig
    assert plat.get(BUF, len(orig)) == expect
    assert mem.used == 0


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_syncs(direction: int) -> None:
    plat, mem = make()
    plat.put(BUF, b"A" * 512)
    tlb = map1(mem, BUF, 512, direction)
    # CPU updates the original, then hands it to the device again.
    plat.put(BUF, b"B" * 512)
    mem.sync_single_for_device(tlb, 512, direction)
    to_dev = direction in (DMA_TO_DEVICE, DMA_BIDIRECTIONAL)
    assert plat.get(tlb, 512) == (b"B" if to_dev else b"A") * 512
    # Device writes, CPU takes it back.
    plat.put(tlb, b"C" * 512)
    mem.sync_single_for_cpu(tlb, 512, direction)
    from_dev = direction in (DMA_FROM_DEVICE, DMA_BIDIRECTIONAL)
    assert plat.get(BUF, 512) == (b"C" if from_dev else b"B") * 512
    # A partial sync inside the mapping (dma_sync_single_range_for_cpu).
    plat.put(tlb + 100, b"D" * 10)
    mem.sync_single_for_cpu(tlb + 100, 10, direction)
    if from_dev:
        assert plat.get(BUF + 95, 20) == b"C" * 5 + b"D" * 10 + b"C" * 5
    with pytest.raises(ValueError, match="Buffer overflow"):
        mem.sync_single_for_cpu(tlb + 500, 13, DMA_BIDIRECTIONAL)
    with pytest.raises(ValueError):
        mem.sync_single_for_cpu(tlb, 512, DMA_NONE)


def test_unmap_and_sync_checks() -> None:
    _, mem = make()
    tlb = map1(mem, BUF, 5000, DMA_TO_DEVICE)
    with pytest.raises(ValueError, match="not the start"):
        mem.tbl_unmap_single(tlb + IO_TLB_SIZE, 100, DMA_TO_DEVICE, 0)
    with pytest.raises(ValueError, match="not the start"):
        mem.tbl_unmap_single(tlb + 8, 100, DMA_TO_DEVICE, 0)
    with pytest.raises(ValueError, match="Buffer overflow"):
        mem.tbl_unmap_single(tlb, 5001, DMA_TO_DEVICE, 0)
    with pytest.raises(ValueError, match="not mapped"):
        mem.sync_single_for_device(tlb + 3 * IO_TLB_SIZE, 4, DMA_TO_DEVICE)
    with pytest.raises(ValueError, match="not in the swiotlb pool"):
        mem.tbl_unmap_single(BUF, 100, DMA_TO_DEVICE, 0)
    # Per-slot bookkeeping as Linux's struct io_tlb_slot.
    i = (tlb - POOL) // IO_TLB_SIZE
    assert mem.orig_addr[i : i + 3] == [BUF, BUF + IO_TLB_SIZE, BUF + 2 * IO_TLB_SIZE]
    assert mem.alloc_size[i : i + 3] == [5000, 5000 - IO_TLB_SIZE, 5000 - 2 * IO_TLB_SIZE]
    mem.tbl_unmap_single(tlb, 5000, DMA_TO_DEVICE, 0)
    with pytest.raises(ValueError, match="not mapped"):
        mem.tbl_unmap_single(tlb, 5000, DMA_TO_DEVICE, 0)


def test_page_alignment_for_page_sized_maps() -> None:
    _, mem = make()
    small = map1(mem, BUF, 100, DMA_TO_DEVICE)  # slot 0; index hint moves to 1
    assert small == POOL
    big = map1(mem, BUF + 0x10, PAGE_SIZE, DMA_TO_DEVICE)
    assert big % PAGE_SIZE == 0 and big == POOL + PAGE_SIZE
    # Explicit alloc_align_mask wins over the page default.
    aligned = mem.tbl_map_single(BUF, 100, 100, 0x3FFF, DMA_TO_DEVICE, 0)
    assert aligned % 0x4000 == 0
    # Below PAGE_SIZE: slot-aligned only.
    s2 = map1(mem, BUF, PAGE_SIZE - 1, DMA_TO_DEVICE)
    assert s2 % IO_TLB_SIZE == 0


def test_min_align_mask_keeps_offset() -> None:
    plat, mem = make()
    map1(mem, BUF, 10, DMA_TO_DEVICE)  # take slot 0 so the search must skip ahead
    orig = BUF + 0x1234  # bits 0x234 in the slot, bit 0x1000 chosen by slot
    data = pattern(3000)
    plat.put(orig, data)
    tlb = map1(mem, orig, 3000, DMA_TO_DEVICE, min_align_mask=0xFFF)
    assert tlb & 0xFFF == orig & 0xFFF
    assert plat.get(tlb, 3000) == data
    i = (tlb - POOL) // IO_TLB_SIZE
    assert mem.orig_addr[i] == orig and mem.alloc_size[i] == 3000
    used = mem.used
    assert used == 1 + 2  # 0x234 + 3000 bytes need two slots
    plat.put(tlb, b"Z" * 3000)
    mem.tbl_unmap_single(tlb, 3000, DMA_FROM_DEVICE, 0)
    assert plat.get(orig, 3000) == b"Z" * 3000
    assert mem.used == 1
    # A smaller mask keeps only its bits.
    tlb = map1(mem, orig, 64, DMA_TO_DEVICE, min_align_mask=0x3F)
    assert tlb & 0x7FF == orig & 0x3F


def test_max_mapping_size() -> None:
    _, mem = make()
    assert mem.max_mapping_size() == 256 << 10
    assert mem.max_mapping_size(min_align_mask=0xFFF) == (256 << 10) - 4096
    assert mem.max_mapping_size(min_align_mask=0x3F) == (256 << 10) - IO_TLB_SIZE
    full = map1(mem, BUF, 256 << 10, DMA_TO_DEVICE)
    assert full != DMA_MAPPING_ERROR and (full - POOL) % (IO_TLB_SEGSIZE * IO_TLB_SIZE) == 0
    mem.tbl_unmap_single(full, 256 << 10, DMA_TO_DEVICE, 0)
    assert map1(mem, BUF, (256 << 10) + 1, DMA_TO_DEVICE) == DMA_MAPPING_ERROR
    assert mem.errors[-1].startswith("swiotlb buffer is full (sz: 262145 bytes)")
    assert mem.used == 0


def test_segment_boundary_never_crossed() -> None:
    _, mem = make()
    a = map1(mem, BUF, 100 * IO_TLB_SIZE, DMA_TO_DEVICE)  # slots 0..99
    b = map1(mem, BUF, 40 * IO_TLB_SIZE, DMA_TO_DEVICE)  # would cross at 128: goes to 128
    assert a == POOL
    assert b == POOL + 128 * IO_TLB_SIZE
    c = map1(mem, BUF, 28 * IO_TLB_SIZE, DMA_TO_DEVICE)  # hint at 168: fits 168..195
    assert c == POOL + 168 * IO_TLB_SIZE


def test_round_robin_index() -> None:
    _, mem = make(IO_TLB_SEGSIZE)
    a = map1(mem, BUF, 100, DMA_TO_DEVICE)
    mem.tbl_unmap_single(a, 100, DMA_TO_DEVICE, 0)
    b = map1(mem, BUF, 100, DMA_TO_DEVICE)
    assert (a, b) == (POOL, POOL + IO_TLB_SIZE)  # not back to the freed slot 0
    assert mem.index == 2
    mem.tbl_unmap_single(b, 100, DMA_TO_DEVICE, 0)
    mem.index = IO_TLB_SEGSIZE - 1
    c = map1(mem, BUF, 100, DMA_TO_DEVICE)
    assert c == POOL + (IO_TLB_SEGSIZE - 1) * IO_TLB_SIZE and mem.index == 0  # wrapped
    d = map1(mem, BUF, 2 * IO_TLB_SIZE, DMA_TO_DEVICE)
    assert d == POOL


def test_exhaustion_and_recovery(caplog: pytest.LogCaptureFixture) -> None:
    _, mem = make(2 * IO_TLB_SEGSIZE)
    maps = [map1(mem, BUF, 64 << 10, DMA_TO_DEVICE) for _ in range(8)]
    assert DMA_MAPPING_ERROR not in maps and mem.used == 256
    with caplog.at_level(logging.WARNING):
        assert map1(mem, BUF, 100, DMA_TO_DEVICE) == DMA_MAPPING_ERROR
    msg = "swiotlb buffer is full (sz: 100 bytes), total 256 (slots), used 256 (slots)"
    assert mem.errors == [msg]
    assert msg in caplog.text
    assert map1(mem, BUF, 100, DMA_TO_DEVICE, DMA_ATTR_NO_WARN) == DMA_MAPPING_ERROR
    assert len(mem.errors) == 1
    mem.tbl_unmap_single(maps[3], 64 << 10, DMA_TO_DEVICE, 0)
    assert mem.used == 224
    again = map1(mem, BUF, 64 << 10, DMA_TO_DEVICE)
    assert again == maps[3]
    assert mem.tbl_map_single(BUF, 200, 100, 0, DMA_TO_DEVICE, 0) == DMA_MAPPING_ERROR
    assert mem.errors[-1] == "Invalid sizes (mapping: 200 bytes, alloc: 100 bytes)"


def test_random_stress_no_overlap() -> None:
    plat, mem = make(8 * IO_TLB_SEGSIZE)
    rng = random.Random(1234)
    live: dict[int, tuple[int, int, int, bytes]] = {}  # tlb -> (orig, size, slots, data)
    seg = IO_TLB_SEGSIZE * IO_TLB_SIZE
    for step in range(3000):
        if live and (rng.random() < 0.45 or mem.used > mem.nslabs * 0.9):
            tlb = rng.choice(list(live))
            orig, size, _, data = live.pop(tlb)
            assert plat.get(tlb, size) == data  # nobody else wrote our slots
            mem.tbl_unmap_single(tlb, size, DMA_BIDIRECTIONAL, 0)
            assert plat.get(orig, size) == data
            continue
        size = rng.choice([1, 64, 2047, 2048, 2049, 4096, 10000, 65536, rng.randrange(1, 1 << 18)])
        mask = rng.choice([0, 0, 0x3F, 0xFFF])
        orig = BUF + rng.randrange(0, (1 << 20) - size)
        data = pattern(size, step)
        tlb = map1(mem, orig, size, DMA_TO_DEVICE, min_align_mask=mask)
        if tlb == DMA_MAPPING_ERROR:
            continue
        offset = orig & mask & (IO_TLB_SIZE - 1)
        first = tlb - offset
        nslots = -(-(size + offset) // IO_TLB_SIZE)
        assert tlb & mask == orig & mask
        if not mask and size >= PAGE_SIZE:
            assert tlb % PAGE_SIZE == 0
        assert (first - POOL) // seg == (first + nslots * IO_TLB_SIZE - 1 - POOL) // seg
        assert first + nslots * IO_TLB_SIZE <= mem.end
        for other, (_, _, oslots, _) in live.items():
            ofirst = other - (other & (IO_TLB_SIZE - 1))
            assert first + nslots * IO_TLB_SIZE <= ofirst or ofirst + oslots * IO_TLB_SIZE <= first
        plat.put(tlb, data)  # the "device" fills the bounce buffer
        live[tlb] = (orig, size, nslots, data)
        assert mem.used == sum(v[2] for v in live.values())
    for tlb, (_, size, _, _) in live.items():
        mem.tbl_unmap_single(tlb, size, DMA_TO_DEVICE, 0)
    assert mem.used == 0

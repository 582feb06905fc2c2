"""Unit tests of the software's physical page allocator (sw/mm/page_alloc.py)."""

from __future__ import annotations

import random

import pytest

from sw.mm.page_alloc import MAX_ORDER, PAGE_SIZE, PageAllocator, get_order


def test_get_order() -> None:
    assert [get_order(n) for n in (1, 4096, 4097, 8192, 1 << 20)] == [0, 0, 1, 1, 8]
    with pytest.raises(ValueError):
        get_order(0)


def test_blocks_are_aligned_disjoint_and_merge_back() -> None:
    rng = random.Random(3)
    base, size = 0x4000_0000 + 3 * PAGE_SIZE, 37 * (PAGE_SIZE << MAX_ORDER) // 8
    size -= size % PAGE_SIZE
    pages = PageAllocator(base, size)
    assert pages.free_bytes == size
    held: list[tuple[int, int]] = []
    for _ in range(300):
        if held and rng.random() < 0.4:
            addr, order = held.pop(rng.randrange(len(held)))
            pages.free_pages(addr, order)
            continue
        order = rng.randrange(0, 6)
        try:
            addr = pages.alloc_pages(order)
        except MemoryError:
            continue
        nbytes = PAGE_SIZE << order
        assert addr % nbytes == 0 and base <= addr and addr + nbytes <= base + size
        for other, o in held:
            assert addr + nbytes <= other or other + (PAGE_SIZE << o) <= addr, "overlap"
        held.append((addr, order))
    for addr, order in held:
        pages.free_pages(addr, order)
    assert pages.free_bytes == size
    with pytest.raises(ValueError, match="not an allocated block"):
        pages.free_pages(base, 0)


def test_errors() -> None:
    pages = PageAllocator(0x1000, 4 * PAGE_SIZE)
    with pytest.raises(ValueError):
        PageAllocator(0x1001, PAGE_SIZE)
    a = pages.alloc_pages(0)
    with pytest.raises(ValueError, match="allocated with order 0"):
        pages.free_pages(a, 1)
    with pytest.raises(MemoryError):
        pages.alloc_pages(3)
    with pytest.raises(ValueError):
        pages.alloc_pages(MAX_ORDER + 1)

"""Unit tests of the IOVA allocator model (sw/drivers/iommu/iova.py)."""

from __future__ import annotations

import itertools
import random

import pytest

from sw.drivers.iommu.iova import (
    IOVA_MAG_SIZE,
    IOVA_RANGE_CACHE_MAX_SIZE,
    Iova,
    IovaDomain,
    iova_rcache_range,
    iova_size,
)

GRANULE = 4096


def span(iova: Iova | None) -> tuple[int, int]:
    assert iova is not None
    return iova.pfn_lo, iova.pfn_hi


def test_top_down_order() -> None:
    dom = IovaDomain(GRANULE, 1)
    assert span(dom.alloc_iova(1, 0xFF, False)) == (0xFF, 0xFF)
    assert span(dom.alloc_iova(1, 0xFF, False)) == (0xFE, 0xFE)
    assert span(dom.alloc_iova(3, 0xFF, False)) == (0xFB, 0xFD)
    dom.free_iova(0xFE)
    # The hole left at 0xfe is the highest fit again.
    assert span(dom.alloc_iova(1, 0xFF, False)) == (0xFE, 0xFE)
    assert dom.ranges() == [(0xFB, 0xFD), (0xFE, 0xFE), (0xFF, 0xFF)]


def test_size_aligned() -> None:
    dom = IovaDomain(GRANULE, 1)
    assert span(dom.alloc_iova(1, 0xFF, True)) == (0xFF, 0xFF)
    # 0xfc..0xff would overlap 0xff: the next 4-aligned start below.
    assert span(dom.alloc_iova(4, 0xFF, True)) == (0xF8, 0xFB)
    # Size 5 is aligned to 8 pages, size 3 to 4.
    assert span(dom.alloc_iova(5, 0xFF, True)) == (0xF0, 0xF4)
    # The 3-page gap at 0xfc is 4-aligned, so size 3 goes back up there.
    assert span(dom.alloc_iova(3, 0xFF, True)) == (0xFC, 0xFE)
    # Unaligned allocations fill the gaps the aligned ones left, highest first.
    assert span(dom.alloc_iova(2, 0xFF, False)) == (0xF6, 0xF7)
    assert span(dom.alloc_iova(3, 0xFF, False)) == (0xED, 0xEF)
    assert span(dom.alloc_iova(1, 0xFF, False)) == (0xF5, 0xF5)
    for size in range(1, 40):
        iova = dom.alloc_iova(size, 0xFFFF, True)
        assert iova is not None and iova_size(iova) == size
        assert iova.pfn_lo % (1 << (size - 1).bit_length()) == 0


def test_limit_is_inclusive_and_respected() -> None:
    dom = IovaDomain(GRANULE, 0x10)
    assert span(dom.alloc_iova(1, 0x7F, False)) == (0x7F, 0x7F)
    assert span(dom.alloc_iova(0x10, 0x7F, True)) == (0x60, 0x6F)
    # A lower limit skips the free space above it.
    assert span(dom.alloc_iova(2, 0x30, False)) == (0x2F, 0x30)
    assert dom.alloc_iova(1, 0x0F, False) is None  # below start_pfn
    assert dom.alloc_iova(1, 0x10, False) is not None  # start_pfn itself is usable
    assert dom.alloc_iova(1, 0x10, False) is None


def test_exhaustion_returns_none() -> None:
    dom = IovaDomain(GRANULE, 1)
    got = [dom.alloc_iova(1, 16, False) for _ in range(16)]
    assert sorted(span(i)[0] for i in got) == list(range(1, 17))
    assert dom.alloc_iova(1, 16, False) is None
    assert dom.alloc_iova_fast(1, 16, flush_rcache=True) == 0
    fresh = IovaDomain(GRANULE, 1)
    assert fresh.alloc_iova(17, 16, False) is None
    # pfn 0 is below start_pfn, so an 8-aligned range of 8 does not fit in 1..7.
    assert fresh.alloc_iova(8, 7, True) is None
    assert span(fresh.alloc_iova(7, 7, False)) == (1, 7)


def test_find_and_free() -> None:
    dom = IovaDomain(GRANULE, 1)
    a = dom.alloc_iova(4, 0xFF, True)
    b = dom.alloc_iova(4, 0xFF, True)
    assert a is not None and b is not None
    assert dom.find_iova(0xFE) is a and dom.find_iova(0xFC) is a and dom.find_iova(0xFB) is b
    assert dom.find_iova(0xF7) is None and dom.find_iova(0x100) is None
    dom.free_iova(0xFD)  # any pfn inside the range
    assert dom.find_iova(0xFE) is None
    dom.free_iova(0xFD)  # nothing there any more: no effect, as in Linux
    assert dom.alloc_iova(4, 0xFF, True) is not None and dom.find_iova(0xFC) is not None
    dom.free_iova_entry(b)
    assert dom.find_iova(0xF8) is None
    with pytest.raises(ValueError, match="not allocated"):
        dom.free_iova_entry(b)
    with pytest.raises(ValueError, match="not allocated"):
        dom.free_iova_entry(Iova(0xFC, 0xFF))  # same range, another object
    dom.put_iova_domain()
    assert dom.ranges() == []


def test_reserve() -> None:
    dom = IovaDomain(GRANULE, 1)
    res = dom.reserve_iova(0xF0, 0xFF)
    assert span(res) == (0xF0, 0xFF)
    assert span(dom.alloc_iova(1, 0xFF, False)) == (0xEF, 0xEF)
    # A reservation overlapping existing ranges grows them and fills between.
    dom = IovaDomain(GRANULE, 1)
    lo, mid = dom.reserve_iova(10, 20), dom.reserve_iova(30, 40)
    last = dom.reserve_iova(5, 100)
    assert dom.ranges() == [(5, 20), (21, 40), (41, 100)]
    assert span(lo) == (5, 20) and span(mid) == (21, 40) and span(last) == (41, 100)
    # Inside an existing range: that range, unchanged.
    assert dom.reserve_iova(50, 60) is last and dom.ranges()[-1] == (41, 100)
    assert span(dom.alloc_iova(4, 100, False)) == (1, 4)
    assert dom.alloc_iova(1, 100, False) is None
    with pytest.raises(ValueError):
        dom.reserve_iova(9, 8)
    with pytest.raises(ValueError):
        dom.reserve_iova(-1, 8)


def test_rcache_reuses_freed_range() -> None:
    dom = IovaDomain(GRANULE, 1)
    assert iova_rcache_range() == 128 * 1024 == GRANULE << (IOVA_RANGE_CACHE_MAX_SIZE - 1)
    top = dom.alloc_iova_fast(3, 0xFFF)  # rounded up to 4 pages, aligned to 4
    low = dom.alloc_iova_fast(3, 0xFFF)
    assert (top, low) == (0xFFC, 0xFF8)
    assert iova_size(dom.find_iova(low)) == 4  # type: ignore[arg-type]
    dom.free_iova_fast(low, 3)
    # Cached: still allocated in the tree, and handed out again before any search.
    assert dom.find_iova(low) is not None and dom.rcache_depth(3) == 1
    assert dom.alloc_iova_fast(4, 0xFFF) == low and dom.rcache_depth(4) == 0
    # A cached range above the caller's limit is not used.
    dom.free_iova_fast(low, 4)
    assert dom.alloc_iova_fast(4, 0xFF0) == 0xFEC
    assert dom.rcache_depth(4) == 1
    # Another size class does not see it: 8 pages go to the free 0xff0..0xff7.
    assert dom.alloc_iova_fast(8, 0xFFF) == 0xFF0
    assert dom.rcache_depth(4) == 1
    with pytest.raises(ValueError, match="twice"):
        dom.free_iova_fast(low, 4)
    with pytest.raises(ValueError, match="no allocated range"):
        dom.free_iova_fast(low + 1, 4)
    # 33 pages and up are not cached: freed to the tree at once.
    big = dom.alloc_iova_fast(33, 0xFFF)
    assert big and iova_size(dom.find_iova(big)) == 33  # type: ignore[arg-type]
    dom.free_iova_fast(big, 33)
    assert dom.find_iova(big) is None


def test_rcache_is_bounded() -> None:
    dom = IovaDomain(GRANULE, 1)
    pfns = [dom.alloc_iova_fast(1, 0xFFFF) for _ in range(IOVA_MAG_SIZE + 1)]
    for pfn in pfns:
        dom.free_iova_fast(pfn, 1)
    assert dom.rcache_depth(1) == IOVA_MAG_SIZE
    assert dom.find_iova(pfns[-1]) is None  # the one that did not fit went to the tree
    assert all(dom.find_iova(pfn) is not None for pfn in pfns[:-1])


def test_rcache_flush_on_exhaustion() -> None:
    dom = IovaDomain(GRANULE, 1)
    pfns = [dom.alloc_iova_fast(1, 16) for _ in range(16)]
    assert sorted(pfns) == list(range(1, 17))
    for pfn in pfns:
        dom.free_iova_fast(pfn, 1)
    assert dom.rcache_depth(1) == 16 and len(dom.ranges()) == 16
    # The 2-page class is empty and the tree full of cached 1-page ranges.
    assert dom.alloc_iova_fast(2, 16, flush_rcache=False) == 0
    assert dom.rcache_depth(1) == 16
    # After the flush: 2 pages aligned to 2, so 14..15 (pfn 16 alone cannot hold them).
    assert dom.alloc_iova_fast(2, 16) == 14
    assert dom.rcache_depth(1) == 0 and dom.ranges() == [(14, 15)]


def test_bad_arguments() -> None:
    dom = IovaDomain(GRANULE, 1)
    for call in (
        lambda: dom.alloc_iova(0, 0xFF, False),
        lambda: dom.alloc_iova(-1, 0xFF, True),
        lambda: dom.alloc_iova(1, -1, True),
        lambda: dom.alloc_iova_fast(0, 0xFF),
        lambda: dom.free_iova_fast(1, 0),
        lambda: IovaDomain(3000, 1),
        lambda: IovaDomain(2 * GRANULE, 1),
        lambda: IovaDomain(GRANULE, 0),
    ):
        with pytest.raises(ValueError):
            call()
    assert dom.iova_shift() == 12 and dom.iova_align(4097) == 8192
    assert dom.iova_offset(0x1234) == 0x234 and dom.iova_pfn(0x5678) == 5
    iova = dom.alloc_iova(2, 0x10, True)
    assert iova is not None and dom.iova_dma_addr(iova) == 0xE000


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_tree_is_highest_fit(seed: int) -> None:
    """alloc_iova against a brute-force search of a bitmap of the same space."""
    rng = random.Random(seed)
    start, top = 8, 300
    dom = IovaDomain(GRANULE, start)
    used = [False] * (top + 1)
    held: list[Iova] = []
    for _ in range(1500):
        if held and rng.random() < 0.4:
            iova = held.pop(rng.randrange(len(held)))
            if rng.random() < 0.5:
                dom.free_iova(rng.randint(iova.pfn_lo, iova.pfn_hi))
            else:
                dom.free_iova_entry(iova)
            used[iova.pfn_lo : iova.pfn_hi + 1] = [False] * iova_size(iova)
            continue
        size, limit, aligned = rng.randint(1, 24), rng.randint(0, top), rng.random() < 0.5
        step = 1 << (size - 1).bit_length() if aligned else 1
        expect = next(
            (
                lo
                for lo in range(limit - size + 1, start - 1, -1)
                if lo % step == 0 and not any(used[lo : lo + size])
            ),
            None,
        )
        iova = dom.alloc_iova(size, limit, aligned)
        if expect is None:
            assert iova is None
            continue
        assert span(iova) == (expect, expect + size - 1)
        assert start <= iova.pfn_lo and iova.pfn_hi <= limit  # type: ignore[union-attr]
        used[expect : expect + size] = [True] * size
        held.append(iova)  # type: ignore[arg-type]
    assert dom.ranges() == sorted((i.pfn_lo, i.pfn_hi) for i in held)


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_random_fast_path_never_overlaps(seed: int) -> None:
    rng = random.Random(seed)
    start, top = 16, 1024
    dom = IovaDomain(GRANULE, start)
    held: dict[int, tuple[int, int]] = {}  # pfn -> (size asked, pages occupied)
    for _ in range(3000):
        if held and rng.random() < 0.45:
            pfn = rng.choice(list(held))
            size, _ = held.pop(pfn)
            dom.free_iova_fast(pfn, size)
            continue
        size = rng.choice([1, 2, 3, 4, 5, 8, 13, 16, 31, 32, 33, 40])
        limit = rng.choice([top, top, top // 2, rng.randint(start, top)])
        pfn = dom.alloc_iova_fast(size, limit, flush_rcache=rng.random() < 0.8)
        if not pfn:
            continue
        pages = 1 << (size - 1).bit_length() if size < 32 else size
        assert start <= pfn and pfn + pages - 1 <= limit
        assert pfn % (1 << (pages - 1).bit_length()) == 0
        for other, (_, other_pages) in held.items():
            assert pfn + pages <= other or other + other_pages <= pfn, "overlap"
        held[pfn] = (size, pages)
    ranges = dom.ranges()
    assert all(a[1] < b[0] for a, b in itertools.pairwise(ranges))
    for pfn, (size, _) in held.items():
        dom.free_iova_fast(pfn, size)
    dom.free_cpu_cached_iovas()
    assert dom.ranges() == []

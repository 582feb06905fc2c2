"""Physical page allocator: the part of mm/page_alloc.c the DMA layers need.

:class:`PageAllocator` hands out naturally aligned blocks of 2**order pages
from the RAM the platform reports (a binary buddy allocator, as Linux's:
``alloc_pages(order)`` returns a block aligned to its own size, ``free_pages``
merges a block with its free buddy).  Addresses are physical; the caller uses
``phys_to_virt`` for the linear-map address, as ``page_address`` would.
Differences from Linux: no zones, no per-CPU lists, no GFP flags; an
exhausted allocator raises :class:`MemoryError` instead of returning NULL.
"""

from __future__ import annotations

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
# Largest block: 2**10 pages = 4 MiB, today's MAX_PAGE_ORDER (older kernels and much
# training material allow order 11, 8 MiB, through __get_free_pages).
MAX_ORDER = 10


def get_order(size: int) -> int:
    """Smallest order whose block holds ``size`` bytes (include/asm-generic/getorder.h)."""
    if size <= 0:
        raise ValueError(f"size must be positive, not {size}")
    return max(0, (size - 1).bit_length() - PAGE_SHIFT)


class PageAllocator:
    """Buddy allocator over [base, base + size) (both page-aligned)."""

    def __init__(self, base: int, size: int) -> None:
        if base % PAGE_SIZE or size % PAGE_SIZE or size <= 0:
            raise ValueError(f"RAM [{base:#x}, +{size:#x}) is not whole pages")
        self.base = base
        self.size = size
        self._free: list[set[int]] = [set() for _ in range(MAX_ORDER + 1)]
        self._allocated: dict[int, int] = {}  # pa -> order
        addr, end = base, base + size
        while addr < end:  # carve the range into the largest aligned blocks that fit
            order = MAX_ORDER
            while order and (addr % (PAGE_SIZE << order) or addr + (PAGE_SIZE << order) > end):
                order -= 1
            self._free[order].add(addr)
            addr += PAGE_SIZE << order

    def alloc_pages(self, order: int) -> int:
        """Physical address of a free block of 2**order pages, aligned to its size."""
        if not 0 <= order <= MAX_ORDER:
            raise ValueError(f"order {order} outside 0..{MAX_ORDER}")
        for have in range(order, MAX_ORDER + 1):
            if self._free[have]:
                addr = min(self._free[have])  # lowest first: reproducible layouts
                self._free[have].remove(addr)
                while have > order:  # split, keeping the lower half
                    have -= 1
                    self._free[have].add(addr + (PAGE_SIZE << have))
                self._allocated[addr] = order
                return addr
        raise MemoryError(f"no free block of order {order} ({PAGE_SIZE << order} bytes)")

    def free_pages(self, addr: int, order: int) -> None:
        """Give a block back; ``order`` must be the one it was allocated with."""
        got = self._allocated.get(addr)
        if got is None:
            raise ValueError(f"free_pages({addr:#x}): not an allocated block")
        if got != order:
            raise ValueError(f"free_pages({addr:#x}, {order}): allocated with order {got}")
        del self._allocated[addr]
        while order < MAX_ORDER:
            buddy = addr ^ (PAGE_SIZE << order)  # blocks are aligned to their size
            if buddy not in self._free[order]:
                break
            self._free[order].remove(buddy)
            addr = min(addr, buddy)
            order += 1
        self._free[order].add(addr)

    @property
    def free_bytes(self) -> int:
        return sum(len(s) * (PAGE_SIZE << o) for o, s in enumerate(self._free))


# -- GFP flags (include/linux/gfp_types.h): which zones an allocation may come from ----------

__GFP_DMA = 1 << 0
__GFP_DMA32 = 1 << 2
__GFP_ZERO = 1 << 8
__GFP_NOWARN = 1 << 13
__GFP_DIRECT_RECLAIM = 1 << 10
GFP_ATOMIC = 1 << 5
GFP_NOWAIT = 1 << 11
GFP_KERNEL = __GFP_DIRECT_RECLAIM | (1 << 6) | (1 << 7)
GFP_DMA = __GFP_DMA
GFP_DMA32 = __GFP_DMA32

# Zones: on this arm64-like machine ZONE_DMA covers the RAM below 4 GiB (zone_dma_bits = 32,
# as on SoCs whose devices all reach the low 4 GiB) and ZONE_DMA32 is empty; ZONE_NORMAL is
# the RAM above.  GFP_KERNEL tries ZONE_NORMAL first and falls back to ZONE_DMA, as the
# zonelist does; GFP_DMA / GFP_DMA32 allocate below 4 GiB only.
ZONE_DMA = "DMA"
ZONE_NORMAL = "Normal"
ZONE_DMA_LIMIT = 1 << 32


def gfp_zonelist(gfp: int) -> tuple[str, ...]:
    """The zones ``gfp`` may allocate from, in the order they are tried."""
    if gfp & (__GFP_DMA | __GFP_DMA32):
        return (ZONE_DMA,)
    return (ZONE_NORMAL, ZONE_DMA)


# -- the booted kernel's page allocator (include/linux/gfp.h) ---------------------------------


def _kernel():  # type: ignore[no-untyped-def]
    from sw.init.main import current

    return current()


def __get_free_pages(gfp: int, order: int) -> int:
    """``__get_free_pages``: the linear-map address of 2**order contiguous pages.  Orders
    above MAX_ORDER (4 MiB) raise ValueError; older kernels allowed 8 MiB (order 11)."""
    k = _kernel()
    va = k.raw_platform.phys_to_virt(k.alloc_pages(gfp, order))
    if gfp & __GFP_ZERO:
        k.raw_platform.write(va, bytes(PAGE_SIZE << order))
    return int(va)


def free_pages(addr: int, order: int) -> None:
    """``free_pages(addr, order)`` of what ``__get_free_pages`` returned."""
    k = _kernel()
    k.free_pages_pa(k.raw_platform.virt_to_phys(addr), order)

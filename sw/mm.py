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

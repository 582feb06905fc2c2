"""kmalloc/kfree: small physically contiguous allocations (mm/slab_common.c, mm/slub.c).

Objects come from size classes (kmalloc-8 ... kmalloc-8k, plus the 96 and 192 caches);
each class carves whole pages into objects of its size, so an object is aligned to the
largest power of two dividing its size (kmalloc's guarantee, ARCH_KMALLOC_MINALIGN = 8
here).  Above KMALLOC_MAX_CACHE_SIZE (two pages) the request is a kmalloc_large: whole
pages from the page allocator.  Every object is physically contiguous and in the linear
map, so ``virt_to_phys`` works on it.

Difference from Linux: KMALLOC_MAX_SIZE is 128 KiB, the limit the DMA training material
teaches (SLAB's historical limit); SLUB today allows 2**MAX_PAGE_ORDER pages (4 MiB).  A
larger request is refused with :class:`KmallocTooLarge` naming the limit (Linux returns
NULL with a WARN) instead of returning None; an exhausted zone raises MemoryError.
``GFP_DMA`` objects come from the dma-kmalloc caches (ZONE_DMA).
"""

from __future__ import annotations

from sw.mm.page_alloc import __GFP_ZERO as GFP_ZERO  # (a class body would mangle __GFP_*)
from sw.mm.page_alloc import GFP_DMA, GFP_DMA32, GFP_KERNEL, PAGE_SIZE, get_order

KMALLOC_MIN_SIZE = 8
KMALLOC_MAX_CACHE_SIZE = 2 * PAGE_SIZE
KMALLOC_MAX_SIZE = 128 * 1024
KMALLOC_SIZES = (8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192)


class KmallocTooLarge(ValueError):
    """kmalloc of more than KMALLOC_MAX_SIZE (Linux: WARN and NULL)."""


def kmalloc_size_class(size: int) -> int:
    for s in KMALLOC_SIZES:
        if size <= s:
            return s
    raise ValueError(f"{size} bytes is above every kmalloc cache")


class SlabAllocator:
    """The kmalloc caches of one kernel; pages come from ``alloc_pages(gfp, order)``."""

    def __init__(self, kernel) -> None:  # type: ignore[no-untyped-def]
        self.kernel = kernel
        self._free: dict[tuple[int, bool], list[int]] = {}  # (class, dma) -> free object VAs
        self._objects: dict[int, tuple[int, int, bool]] = {}  # va -> (class or 0, order, dma)

    def kmalloc(self, size: int, flags: int = GFP_KERNEL) -> int:
        if size <= 0:
            raise ValueError(f"kmalloc({size}): size must be positive (Linux: ZERO_SIZE_PTR)")
        if size > KMALLOC_MAX_SIZE:
            raise KmallocTooLarge(
                f"kmalloc({size}): above KMALLOC_MAX_SIZE ({KMALLOC_MAX_SIZE} bytes, the largest "
                "physically contiguous kmalloc); use __get_free_pages, vmalloc or "
                "dma_alloc_coherent"
            )
        dma = bool(flags & (GFP_DMA | GFP_DMA32))
        plat = self.kernel.raw_platform
        if size > KMALLOC_MAX_CACHE_SIZE:  # kmalloc_large
            order = get_order(size)
            va = plat.phys_to_virt(self.kernel.alloc_pages(flags, order))
            self._objects[va] = (0, order, dma)
        else:
            cls = kmalloc_size_class(size)
            free = self._free.setdefault((cls, dma), [])
            if not free:
                order = get_order(max(cls, PAGE_SIZE))
                base = plat.phys_to_virt(self.kernel.alloc_pages(flags, order))
                span = PAGE_SIZE << order
                free.extend(reversed(range(base, base + span - cls + 1, cls)))
            va = free.pop()
            self._objects[va] = (cls, 0, dma)
        if flags & GFP_ZERO:
            plat.write(va, bytes(size))
        return va

    def kzalloc(self, size: int, flags: int = GFP_KERNEL) -> int:
        return self.kmalloc(size, flags | GFP_ZERO)

    def ksize(self, va: int) -> int:
        cls, order, _ = self._lookup(va, "ksize")
        return cls or PAGE_SIZE << order

    def _lookup(self, va: int, what: str) -> tuple[int, int, bool]:
        obj = self._objects.get(va)
        if obj is None:
            raise ValueError(f"{what}({va:#x}): not a kmalloc'ed object")
        return obj

    def kfree(self, va: int) -> None:
        """``kfree``; freeing what kmalloc did not return raises (Linux: a BUG or silent
        corruption).  Slab pages are kept for reuse (no shrinking)."""
        cls, order, dma = self._lookup(va, "kfree")
        del self._objects[va]
        if cls:
            self._free[(cls, dma)].append(va)
        else:
            self.kernel.free_pages_pa(self.kernel.raw_platform.virt_to_phys(va), order)


def _slab() -> SlabAllocator:
    from sw.init.main import current

    return current().slab


def kmalloc(size: int, flags: int = GFP_KERNEL) -> int:
    """``kmalloc``: the linear-map address of ``size`` physically contiguous bytes."""
    return _slab().kmalloc(size, flags)


def kzalloc(size: int, flags: int = GFP_KERNEL) -> int:
    return _slab().kzalloc(size, flags)


def kfree(va: int) -> None:
    _slab().kfree(va)


def ksize(va: int) -> int:
    return _slab().ksize(va)

"""vmalloc/vfree: virtually contiguous, physically scattered memory (mm/vmalloc.c).

Each area takes order-0 pages one by one from the page allocator (whatever pages are
free: nothing makes them contiguous) and maps them into the vmalloc area of the kernel's
address space, with a guard page after it.  Such a buffer cannot be handed to the device
whole: ``dma_map_single`` refuses it, and a driver maps it page by page with
``vmalloc_to_page`` and a scatterlist (``sg_alloc_table_from_pages``).

Differences from Linux: areas are handed out upwards from VMALLOC_BASE and their address
space is not reused after vfree; no huge mappings.
"""

from __future__ import annotations

from sw.arch.arm64.memory import VMALLOC_END, VMALLOC_START
from sw.mm import Page
from sw.mm.page_alloc import GFP_KERNEL, PAGE_SHIFT, PAGE_SIZE

# The bottom gigabyte of the vmalloc area is left to the benches' own mappings.
VMALLOC_BASE = VMALLOC_START + (1 << 30)


class VmallocSpace:
    def __init__(self, kernel) -> None:  # type: ignore[no-untyped-def]
        self.kernel = kernel
        self._next = VMALLOC_BASE
        self._areas: dict[int, list[int]] = {}  # va -> physical pages

    def vmap_pages(self, pages: list[int], cacheable: bool = True) -> int:
        """Map the physical pages ``pages`` (page-aligned addresses) at a new area."""
        va = self._next
        if va + (len(pages) + 1) * PAGE_SIZE > VMALLOC_END:
            raise MemoryError("vmalloc area exhausted")
        plat = self.kernel.raw_platform
        for i, pa in enumerate(pages):
            plat.map_kernel_page(va + i * PAGE_SIZE, pa, cacheable)
        self._next += (len(pages) + 1) * PAGE_SIZE  # guard page
        self._areas[va] = list(pages)
        return va

    def vmalloc(self, size: int, gfp: int = GFP_KERNEL) -> int:
        if size <= 0:
            raise ValueError(f"vmalloc({size}): size must be positive")
        npages = (size + PAGE_SIZE - 1) >> PAGE_SHIFT
        pages = [self.kernel.alloc_pages(gfp, 0) for _ in range(npages)]
        return self.vmap_pages(pages)

    def vunmap(self, va: int) -> list[int]:
        pages = self._areas.pop(va, None)
        if pages is None:
            raise ValueError(f"Trying to vfree() nonexistent vm area ({va:#x})")
        for i in range(len(pages)):
            self.kernel.raw_platform.unmap_kernel_page(va + i * PAGE_SIZE)
        return pages

    def vfree(self, va: int) -> None:
        for pa in self.vunmap(va):
            self.kernel.free_pages_pa(pa, 0)

    def pages_of(self, va: int) -> list[Page]:
        return [Page(pa >> PAGE_SHIFT) for pa in self._areas[va]]


def _space() -> VmallocSpace:
    from sw.init.main import current

    return current().vmalloc_space


def vmalloc(size: int) -> int:
    """``vmalloc``: ``size`` bytes, virtually contiguous, from ZONE_NORMAL first."""
    return _space().vmalloc(size)


def vfree(va: int) -> None:
    _space().vfree(va)


def vmap(pages: list[Page], cacheable: bool = True) -> int:
    """``vmap(pages, count, VM_MAP, prot)``; ``cacheable=False`` is pgprot_dmacoherent."""
    return _space().vmap_pages([p.pfn << PAGE_SHIFT for p in pages], cacheable)


def vunmap(va: int) -> None:
    _space().vunmap(va)

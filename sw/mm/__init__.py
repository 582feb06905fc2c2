"""mm/: physical pages, kmalloc, vmalloc and DMA pools, and the address helpers of
include/linux/mm.h and asm/memory.h.

Addresses: a ``va`` is a kernel virtual address (linear map or vmalloc area), a
``pa`` a CPU physical address.  ``struct page`` is :class:`Page`, identified by
its page frame number; ``virt_to_page`` and friends work on the linear map only,
as in Linux (``vmalloc_to_page`` is the vmalloc area's).  They use the booted
kernel's platform (:func:`sw.init.main.current`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sw.mm.page_alloc import MAX_ORDER, PAGE_SHIFT, PAGE_SIZE, get_order

__all__ = [
    "MAX_ORDER",
    "PAGE_SHIFT",
    "PAGE_SIZE",
    "Page",
    "get_order",
    "is_vmalloc_addr",
    "offset_in_page",
    "page_address",
    "page_to_phys",
    "pfn_to_page",
    "phys_to_virt",
    "virt_addr_valid",
    "virt_to_page",
    "virt_to_phys",
    "vmalloc_to_page",
]


@dataclass(frozen=True)
class Page:
    """``struct page``: one physical page frame."""

    pfn: int

    def __repr__(self) -> str:
        return f"Page(pfn={self.pfn:#x})"


def _platform():  # type: ignore[no-untyped-def]
    from sw.init.main import current

    return current().raw_platform


def pfn_to_page(pfn: int) -> Page:
    return Page(pfn)


def page_to_phys(page: Page) -> int:
    return page.pfn << PAGE_SHIFT


def offset_in_page(addr: int) -> int:
    return addr & (PAGE_SIZE - 1)


def virt_to_phys(va: int) -> int:
    """``virt_to_phys``: linear-map addresses only (ValueError otherwise, what
    CONFIG_DEBUG_VIRTUAL catches)."""
    return int(_platform().virt_to_phys(va))


def phys_to_virt(pa: int) -> int:
    return int(_platform().phys_to_virt(pa))


def virt_to_page(va: int) -> Page:
    return Page(virt_to_phys(va) >> PAGE_SHIFT)


def page_address(page: Page) -> int:
    """The linear-map address of ``page`` (no highmem here)."""
    return phys_to_virt(page_to_phys(page))


def is_vmalloc_addr(va: int) -> bool:
    return bool(_platform().is_vmalloc_addr(va))


def vmalloc_to_page(va: int) -> Page:
    return Page(int(_platform().vmalloc_to_phys(va)) >> PAGE_SHIFT)


def virt_addr_valid(va: int) -> bool:
    """``virt_addr_valid``: a linear-map address of RAM."""
    plat = _platform()
    try:
        pa = plat.virt_to_phys(va)
    except ValueError:
        return False
    return any(base <= pa < base + size for base, size in plat.ram_ranges())

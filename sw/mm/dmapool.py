"""DMA pools: small coherent blocks carved from coherent pages (mm/dmapool.c).

``dma_pool_create(name, dev, size, align, boundary)`` makes a pool of ``size``-byte blocks
aligned to ``align`` (a power of two) that never cross ``boundary`` (0: none); each page
of the pool comes from ``dma_alloc_coherent``.  A hardware descriptor ring is what drivers
keep in one.  After ``dma_pool_destroy`` the pool refuses allocations (Linux: a
use-after-free); destroying a pool with blocks still allocated reports "dma_pool_destroy
<name>, <va> busy" as Linux does and leaks them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sw.drivers.base.core import Device
from sw.mm.page_alloc import GFP_KERNEL, PAGE_SIZE

log = logging.getLogger(__name__)


@dataclass
class DmaPool:
    name: str
    dev: Device
    size: int
    align: int
    boundary: int
    allocation: int
    pages: list[tuple[int, int]] = field(default_factory=list)  # (va, dma) of each page
    free: list[tuple[int, int]] = field(default_factory=list)
    busy: dict[int, int] = field(default_factory=dict)  # va -> dma
    destroyed: bool = False
    errors: list[str] = field(default_factory=list)


def dma_pool_create(name: str, dev: Device, size: int, align: int, boundary: int) -> DmaPool | None:
    """None for a bad size, alignment or boundary, as Linux."""
    if align == 0:
        align = 1
    if size == 0 or align & (align - 1) or (boundary and boundary & (boundary - 1)):
        return None
    if boundary and boundary < size:
        return None
    size = (size + align - 1) & -align
    allocation = max(size, PAGE_SIZE)
    return DmaPool(name, dev, size, align, boundary or allocation, allocation)


async def dma_pool_alloc(pool: DmaPool, gfp: int = GFP_KERNEL) -> tuple[int, int] | None:
    """(CPU address, DMA address) of one block, or None."""
    from sw.kernel.dma.mapping import dma_alloc_coherent

    if pool.destroyed:
        raise RuntimeError(f"dma_pool_alloc: pool {pool.name} was destroyed")
    if not pool.free:
        got = await dma_alloc_coherent(pool.dev, pool.allocation, gfp)
        if got is None:
            return None
        va, dma = got
        pool.pages.append(got)
        blocks = []
        off = 0
        while off + pool.size <= pool.allocation:
            if off // pool.boundary != (off + pool.size - 1) // pool.boundary:
                off = (off // pool.boundary + 1) * pool.boundary
                continue
            blocks.append((va + off, dma + off))
            off += pool.size
        pool.free.extend(reversed(blocks))
    va, dma = pool.free.pop()
    pool.busy[va] = dma
    return va, dma


async def dma_pool_zalloc(pool: DmaPool, gfp: int = GFP_KERNEL) -> tuple[int, int] | None:
    from sw.init.main import current

    got = await dma_pool_alloc(pool, gfp)
    if got is not None:
        current().raw_platform.write(got[0], bytes(pool.size))
    return got


def dma_pool_free(pool: DmaPool, vaddr: int, dma: int) -> None:
    if pool.busy.get(vaddr) != dma:
        msg = f"dma_pool_free {pool.name}, {vaddr:#x}/{dma:#x} (bad vaddr)/(bad dma)"
        pool.errors.append(msg)
        log.error("%s", msg)
        return
    del pool.busy[vaddr]
    pool.free.append((vaddr, dma))


async def dma_pool_destroy(pool: DmaPool | None) -> None:
    from sw.kernel.dma.mapping import dma_free_coherent

    if pool is None:
        return
    for va in pool.busy:
        msg = f"dma_pool_destroy {pool.name}, {va:#x} busy"
        pool.errors.append(msg)
        log.error("%s", msg)
    pool.destroyed = True
    if not pool.busy:
        for va, dma in pool.pages:
            await dma_free_coherent(pool.dev, pool.allocation, va, dma)
    pool.pages, pool.free = [], []

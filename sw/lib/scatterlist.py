"""Scatterlists (lib/scatterlist.c, include/linux/scatterlist.h).

A scatterlist is a Python list of :class:`Scatterlist` entries; the last one carries the
end mark, as ``sg_mark_end`` sets it, and :func:`sg_next` returns None after it.  An entry
names a page, an offset in it and a length (the CPU side), and after ``dma_map_sg`` a DMA
address and length (the device side: the first ``n`` entries, ``n`` the count dma_map_sg
returned, which may be fewer than the entries when an IOMMU merged them).

Difference from Linux: no chaining of arrays (a table is one list); ``sg_alloc_table``
cannot fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sw.mm import PAGE_SIZE, Page, offset_in_page, virt_to_page, vmalloc_to_page


@dataclass
class Scatterlist:
    page: Page | None = None
    offset: int = 0
    length: int = 0
    dma_address: int = 0
    dma_length: int = 0
    _list: list[Scatterlist] | None = field(default=None, repr=False)
    _index: int = 0
    _end: bool = False


@dataclass
class SgTable:
    """``struct sg_table``: ``nents`` mapped entries (after dma_map_sgtable), ``orig_nents``
    CPU entries."""

    sgl: list[Scatterlist] = field(default_factory=list)
    nents: int = 0
    orig_nents: int = 0


def sg_init_table(nents: int) -> list[Scatterlist]:
    """``sg_init_table``: ``nents`` empty entries, the last marked end."""
    if nents <= 0:
        raise ValueError(f"sg_init_table({nents}): need at least one entry")
    sgl = [Scatterlist() for _ in range(nents)]
    for i, sg in enumerate(sgl):
        sg._list, sg._index = sgl, i
    sgl[-1]._end = True
    return sgl


def sg_init_one(buf: int, buflen: int) -> list[Scatterlist]:
    sgl = sg_init_table(1)
    sg_set_buf(sgl[0], buf, buflen)
    return sgl


def sg_set_page(sg: Scatterlist, page: Page, length: int, offset: int) -> None:
    sg.page, sg.length, sg.offset = page, length, offset


def sg_set_buf(sg: Scatterlist, buf: int, buflen: int) -> None:
    """``sg_set_buf``: a linear-map buffer (virt_to_page fails on vmalloc memory, as
    CONFIG_DEBUG_SG's BUG_ON(!virt_addr_valid(buf)) does)."""
    sg_set_page(sg, virt_to_page(buf), buflen, offset_in_page(buf))


def sg_page(sg: Scatterlist) -> Page:
    if sg.page is None:
        raise ValueError("sg entry has no page")
    return sg.page


def sg_phys(sg: Scatterlist) -> int:
    return (sg_page(sg).pfn * PAGE_SIZE) + sg.offset


def sg_next(sg: Scatterlist) -> Scatterlist | None:
    if sg._end or sg._list is None:
        return None
    return sg._list[sg._index + 1]


def sg_mark_end(sg: Scatterlist) -> None:
    sg._end = True


def sg_nents(sgl: list[Scatterlist]) -> int:
    return sum(1 for _ in for_each_sg(sgl, len(sgl)))


def for_each_sg(sgl: list[Scatterlist], nents: int) -> Iterator[Scatterlist]:
    """``for_each_sg(sgl, sg, nents, i)``: the first ``nents`` entries."""
    sg: Scatterlist | None = sgl[0] if sgl else None
    for _ in range(nents):
        if sg is None:
            raise ValueError(f"for_each_sg: the list ends before {nents} entries")
        yield sg
        sg = sg_next(sg)


def sg_dma_address(sg: Scatterlist) -> int:
    return sg.dma_address


def sg_dma_len(sg: Scatterlist) -> int:
    return sg.dma_length


def sg_alloc_table(table: SgTable, nents: int) -> int:
    """``sg_alloc_table``: 0 (it cannot fail here)."""
    table.sgl = sg_init_table(nents)
    table.nents = table.orig_nents = nents
    return 0


def sg_free_table(table: SgTable) -> None:
    table.sgl, table.nents, table.orig_nents = [], 0, 0


def sg_alloc_table_from_pages(
    table: SgTable, pages: list[Page], offset: int, size: int, max_segment: int = 1 << 32
) -> int:
    """``sg_alloc_table_from_pages``: one entry per run of physically contiguous pages
    (up to ``max_segment`` bytes), starting ``offset`` bytes into the first page."""
    if not pages or offset >= PAGE_SIZE or size <= 0 or offset + size > len(pages) * PAGE_SIZE:
        return -22  # -EINVAL
    runs: list[tuple[Page, int, int]] = []  # (page, offset, length)
    left, off = size, offset
    for i, page in enumerate(pages):
        n = min(PAGE_SIZE - off, left)
        if n <= 0:
            break
        if runs:
            first, roff, rlen = runs[-1]
            contiguous = page.pfn == pages[i - 1].pfn + 1
            if contiguous and rlen + n <= max_segment:
                runs[-1] = (first, roff, rlen + n)
                left -= n
                off = 0
                continue
        runs.append((page, off, n))
        left -= n
        off = 0
    sg_alloc_table(table, len(runs))
    for sg, (page, roff, rlen) in zip(table.sgl, runs, strict=True):
        sg_set_page(sg, page, rlen, roff)
    return 0


def vmalloc_to_pages(va: int, size: int) -> list[Page]:
    """The pages behind [va, va + size) of a vmalloc buffer (``vmalloc_to_page`` each)."""
    start = va & -PAGE_SIZE
    return [vmalloc_to_page(a) for a in range(start, va + size, PAGE_SIZE)]

"""dma-direct: DMA without an IOMMU (kernel/dma/direct.c, direct.h, include/linux/dma-direct.h).

The device reaches RAM at its bus address: ``phys_to_dma`` applies the device's
``dma-ranges`` (``dev.dma_range_map``; none: the same numbers).  A mapping the device
cannot reach (``dma_capable`` against ``min_not_zero(dma_mask, bus_dma_limit)``) is
bounced through swiotlb when the kernel has a pool, else it fails with "DMA addr ...
overflow" and DMA_MAPPING_ERROR.  A non-coherent device gets arm64's cache maintenance at
map, unmap and sync; a coherent one none.  Coherent allocations come from the zone the
coherent mask allows, and for a non-coherent device are remapped uncached in the vmalloc
area (``arch_dma_prep_coherent`` + ``pgprot_dmacoherent``).

Difference from Linux: ``dma_direct_map_resource`` does not apply ``dma-ranges`` either
(Linux's does not: the resource's physical address is the DMA address).
"""

from __future__ import annotations

import logging

from sw.arch.arm64.mm.dma_mapping import (
    arch_dma_prep_coherent,
    arch_sync_dma_for_cpu,
    arch_sync_dma_for_device,
)
from sw.drivers.base.core import Device
from sw.include.linux.dma_mapping import (
    DMA_ATTR_SKIP_CPU_SYNC,
    DMA_BIT_MASK,
    DMA_MAPPING_ERROR,
    EIO,
)
from sw.lib.scatterlist import Scatterlist, for_each_sg, sg_phys
from sw.mm import PAGE_SIZE, Page, page_to_phys
from sw.mm.page_alloc import __GFP_DMA, __GFP_DMA32, GFP_DMA, get_order

log = logging.getLogger(__name__)
SIZE_MAX = (1 << 64) - 1


def _kernel():  # type: ignore[no-untyped-def]
    from sw.init.main import current

    return current()


def phys_to_dma(dev: Device, paddr: int) -> int:
    """``phys_to_dma`` (``translate_phys_to_dma``): DMA_MAPPING_ERROR outside every range."""
    if not dev.dma_range_map:
        return paddr
    for m in dev.dma_range_map:
        if m.cpu_start <= paddr < m.cpu_start + m.size:
            return paddr - m.cpu_start + m.dma_start
    return DMA_MAPPING_ERROR


def dma_to_phys(dev: Device, dma_addr: int) -> int:
    """``dma_to_phys`` (``translate_dma_to_phys``): all ones outside every range."""
    if not dev.dma_range_map:
        return dma_addr
    for m in dev.dma_range_map:
        if m.dma_start <= dma_addr < m.dma_start + m.size:
            return dma_addr - m.dma_start + m.cpu_start
    return (1 << 64) - 1


def _limit(mask: int, bus_limit: int) -> int:
    return min(mask, bus_limit) if bus_limit else mask


def dma_capable(dev: Device, addr: int, size: int, is_ram: bool = True) -> bool:
    """Whether the device can reach [addr, addr + size) (include/linux/dma-direct.h)."""
    if addr == DMA_MAPPING_ERROR:
        return False
    end = addr + max(size, 1) - 1
    return end <= _limit(dev.dma_mask, dev.bus_dma_limit)


def is_swiotlb_active(dev: Device) -> bool:
    return _kernel().swiotlb is not None


def is_swiotlb_buffer(dev: Device, paddr: int) -> bool:
    mem = _kernel().swiotlb
    return mem is not None and mem.is_swiotlb_buffer(paddr)


def swiotlb_map(dev: Device, paddr: int, size: int, direction: int, attrs: int) -> int:
    """``swiotlb_map``: bounce [paddr, +size) and return the bounce slot's DMA address."""
    mem = _kernel().swiotlb
    tlb = mem.tbl_map_single(
        paddr, size, size, 0, direction, attrs, min_align_mask=dev.min_align_mask
    )
    if tlb == DMA_MAPPING_ERROR:
        return DMA_MAPPING_ERROR
    dma_addr = phys_to_dma(dev, tlb)
    if not dma_capable(dev, dma_addr, size):
        mem.tbl_unmap_single(tlb, size, direction, attrs | DMA_ATTR_SKIP_CPU_SYNC)
        log.warning(
            "%s: swiotlb addressing limitation: %#x+%d beyond mask %#x",
            dev.name,
            dma_addr,
            size,
            dev.dma_mask,
        )
        return DMA_MAPPING_ERROR
    if not dev.dma_coherent and not attrs & DMA_ATTR_SKIP_CPU_SYNC:
        arch_sync_dma_for_device(tlb, size, direction)
    return dma_addr


def dma_direct_map_phys(dev: Device, paddr: int, size: int, direction: int, attrs: int) -> int:
    dma_addr = phys_to_dma(dev, paddr)
    mem = _kernel().swiotlb
    if mem is not None and mem.force_bounce:
        return swiotlb_map(dev, paddr, size, direction, attrs)
    if not dma_capable(dev, dma_addr, size):
        if mem is not None:
            return swiotlb_map(dev, paddr, size, direction, attrs)
        log.warning(
            "%s: DMA addr %#x+%d overflow (mask %x, bus limit %x).",
            dev.name,
            dma_addr,
            size,
            dev.dma_mask,
            dev.bus_dma_limit,
        )
        return DMA_MAPPING_ERROR
    if not dev.dma_coherent and not attrs & DMA_ATTR_SKIP_CPU_SYNC:
        arch_sync_dma_for_device(paddr, size, direction)
    return dma_addr


def dma_direct_map_page(
    dev: Device, page: Page, offset: int, size: int, direction: int, attrs: int
) -> int:
    return dma_direct_map_phys(dev, page_to_phys(page) + offset, size, direction, attrs)


def dma_direct_sync_single_for_device(dev: Device, addr: int, size: int, direction: int) -> None:
    paddr = dma_to_phys(dev, addr)
    if is_swiotlb_buffer(dev, paddr):
        _kernel().swiotlb.sync_single_for_device(paddr, size, direction)
    if not dev.dma_coherent:
        arch_sync_dma_for_device(paddr, size, direction)


def dma_direct_sync_single_for_cpu(dev: Device, addr: int, size: int, direction: int) -> None:
    paddr = dma_to_phys(dev, addr)
    if not dev.dma_coherent:
        arch_sync_dma_for_cpu(paddr, size, direction)
    if is_swiotlb_buffer(dev, paddr):
        _kernel().swiotlb.sync_single_for_cpu(paddr, size, direction)


def dma_direct_need_sync(dev: Device, dma_addr: int) -> bool:
    """``dma_direct_need_sync`` (kernel/dma/direct.h): a non-coherent device needs cache
    maintenance at every sync, and a swiotlb slot needs its copies, whatever the device."""
    return not dev.dma_coherent or is_swiotlb_buffer(dev, dma_to_phys(dev, dma_addr))


def dma_direct_unmap_page(dev: Device, addr: int, size: int, direction: int, attrs: int) -> None:
    paddr = dma_to_phys(dev, addr)
    if not attrs & DMA_ATTR_SKIP_CPU_SYNC:
        dma_direct_sync_single_for_cpu(dev, addr, size, direction)
    if is_swiotlb_buffer(dev, paddr):
        _kernel().swiotlb.tbl_unmap_single(paddr, size, direction, attrs | DMA_ATTR_SKIP_CPU_SYNC)


def dma_direct_map_sg(
    dev: Device, sgl: list[Scatterlist], nents: int, direction: int, attrs: int
) -> int:
    """One DMA segment per entry; -EIO (and nothing left mapped) when one fails."""
    done: list[Scatterlist] = []
    for sg in for_each_sg(sgl, nents):
        sg.dma_address = dma_direct_map_phys(dev, sg_phys(sg), sg.length, direction, attrs)
        if sg.dma_address == DMA_MAPPING_ERROR:
            for d in done:
                dma_direct_unmap_page(
                    dev, d.dma_address, d.length, direction, attrs | DMA_ATTR_SKIP_CPU_SYNC
                )
            return -EIO
        sg.dma_length = sg.length
        done.append(sg)
    return nents


def dma_direct_unmap_sg(
    dev: Device, sgl: list[Scatterlist], nents: int, direction: int, attrs: int
) -> None:
    for sg in for_each_sg(sgl, nents):
        dma_direct_unmap_page(dev, sg.dma_address, sg.dma_length, direction, attrs)


def dma_direct_sync_sg_for_device(
    dev: Device, sgl: list[Scatterlist], nents: int, direction: int
) -> None:
    for sg in for_each_sg(sgl, nents):
        dma_direct_sync_single_for_device(dev, sg.dma_address, sg.length, direction)


def dma_direct_sync_sg_for_cpu(
    dev: Device, sgl: list[Scatterlist], nents: int, direction: int
) -> None:
    for sg in for_each_sg(sgl, nents):
        dma_direct_sync_single_for_cpu(dev, sg.dma_address, sg.length, direction)


def dma_direct_map_resource(dev: Device, paddr: int, size: int, direction: int, attrs: int) -> int:
    dma_addr = paddr
    if not dma_capable(dev, dma_addr, size, False):
        log.warning(
            "%s: DMA addr %#x+%d overflow (mask %x, bus limit %x).",
            dev.name,
            dma_addr,
            size,
            dev.dma_mask,
            dev.bus_dma_limit,
        )
        return DMA_MAPPING_ERROR
    return dma_addr


def _coherent_ok(dev: Device, paddr: int, size: int) -> bool:
    dma_addr = phys_to_dma(dev, paddr)
    return dma_addr != DMA_MAPPING_ERROR and dma_addr + size - 1 <= _limit(
        dev.coherent_dma_mask, dev.bus_dma_limit
    )


def dma_direct_alloc(dev: Device, size: int, gfp: int, attrs: int) -> tuple[int, int] | None:
    """(CPU address, DMA address) of ``size`` zeroed bytes aligned to their order, or None."""
    k = _kernel()
    order = get_order(size)
    if dev.coherent_dma_mask <= DMA_BIT_MASK(32):  # dma_direct_optimal_gfp_mask
        gfp |= GFP_DMA
    try:
        pa = k.alloc_pages(gfp, order)
    except MemoryError:
        return None
    if not _coherent_ok(dev, pa, size):
        k.free_pages_pa(pa, order)
        if gfp & (__GFP_DMA | __GFP_DMA32):
            return None
        return dma_direct_alloc(dev, size, gfp | GFP_DMA, attrs)
    plat = k.raw_platform
    nbytes = PAGE_SIZE << order
    plat.write(plat.phys_to_virt(pa), bytes(nbytes))
    if dev.dma_coherent:
        va = plat.phys_to_virt(pa)
    else:  # arch_dma_prep_coherent, then an uncached vmap of the pages
        arch_dma_prep_coherent(pa, nbytes)
        va = k.vmalloc_space.vmap_pages(
            [pa + i * PAGE_SIZE for i in range(1 << order)], cacheable=False
        )
    return va, phys_to_dma(dev, pa)


def dma_direct_free(dev: Device, size: int, cpu_addr: int, dma_addr: int, attrs: int) -> None:
    k = _kernel()
    order = get_order(size)
    pa = dma_to_phys(dev, dma_addr)
    if not dev.dma_coherent:
        k.vmalloc_space.vunmap(cpu_addr)
    k.free_pages_pa(pa, order)


def dma_addressing_limited(dev: Device) -> bool:
    top = max(base + size for base, size in _kernel().raw_platform.ram_ranges()) - 1
    return _limit(dev.dma_mask, dev.bus_dma_limit) < phys_to_dma(dev, top)


def dma_direct_max_mapping_size(dev: Device) -> int:
    mem = _kernel().swiotlb
    if mem is not None and (dma_addressing_limited(dev) or mem.force_bounce):
        return int(mem.max_mapping_size())
    return SIZE_MAX


def dma_direct_supported(dev: Device, mask: int) -> bool:
    """A mask is supported when it reaches all of ZONE_DMA as the device sees it."""
    k = _kernel()
    tops = [p.base + p.size - 1 for p in k.zones["DMA"]]
    if not tops:
        return True
    dma_top = phys_to_dma(dev, max(tops))
    return dma_top != DMA_MAPPING_ERROR and mask >= dma_top

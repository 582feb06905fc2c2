"""The DMA-mapping API (kernel/dma/mapping.c, include/linux/dma-mapping.h).

Each call picks the device's backend as Linux does: ``dev.dma_ops`` None is dma-direct
(:mod:`sw.kernel.dma.direct`, swiotlb behind it), otherwise the ops object (dma-iommu's,
:mod:`sw.drivers.iommu.dma_iommu`), and reports to dma-debug around it
(:mod:`sw.kernel.dma.debug`).  Every mapping helper can fail and returns what Linux
returns: DMA_MAPPING_ERROR, 0 from ``dma_map_sg``, None (NULL) from the allocators, a
negative errno from ``dma_map_sgtable`` and the mask setters.

Calls that may reach hardware (an IOMMU's page tables and invalidations) are coroutines:
the map, unmap and allocation calls.  Syncs and queries are plain functions.
Difference from Linux: a direction other than the three valid ones raises ValueError
(Linux BUG()s).
"""

from __future__ import annotations

from sw.drivers.base.core import Device
from sw.include.linux.dma_mapping import (
    DMA_BIDIRECTIONAL,
    DMA_FROM_DEVICE,
    DMA_MAPPING_ERROR,
    DMA_TO_DEVICE,
    EINVAL,
    EIO,
    ENOMEM,
    valid_dma_direction,
)
from sw.kernel.dma import direct
from sw.lib.scatterlist import Scatterlist, SgTable, sg_phys
from sw.mm import Page, is_vmalloc_addr, offset_in_page, page_to_phys, virt_addr_valid
from sw.mm.page_alloc import GFP_KERNEL, PAGE_SHIFT

__all__ = [
    "DMA_BIDIRECTIONAL",
    "DMA_FROM_DEVICE",
    "DMA_MAPPING_ERROR",
    "DMA_TO_DEVICE",
    "dma_alloc_attrs",
    "dma_alloc_coherent",
    "dma_free_attrs",
    "dma_free_coherent",
    "dma_get_cache_alignment",
    "dma_map_page",
    "dma_map_page_attrs",
    "dma_map_resource",
    "dma_map_sg",
    "dma_map_sg_attrs",
    "dma_map_sgtable",
    "dma_map_single",
    "dma_map_single_attrs",
    "dma_mapping_error",
    "dma_max_mapping_size",
    "dma_need_sync",
    "dma_opt_mapping_size",
    "dma_set_coherent_mask",
    "dma_set_mask",
    "dma_set_mask_and_coherent",
    "dma_sync_sg_for_cpu",
    "dma_sync_sg_for_device",
    "dma_sync_single_for_cpu",
    "dma_sync_single_for_device",
    "dma_sync_single_range_for_cpu",
    "dma_sync_single_range_for_device",
    "dma_unmap_page",
    "dma_unmap_resource",
    "dma_unmap_sg",
    "dma_unmap_sgtable",
    "dma_unmap_single",
]


def _kernel():  # type: ignore[no-untyped-def]
    from sw.init.main import current

    return current()


def _debug():  # type: ignore[no-untyped-def]
    return _kernel().dma_debug


def _check_dir(direction: int) -> None:
    if not valid_dma_direction(direction):
        raise ValueError(f"invalid DMA direction {direction} (BUG_ON(!valid_dma_direction))")


def _sg_entries(sgl: list[Scatterlist], nents: int) -> list[tuple[int, int, int, int]]:
    return [(sg_phys(sg), sg.length, sg.dma_address, sg.dma_length) for sg in sgl[:nents]]


# -- masks -------------------------------------------------------------------------------------


def dma_supported(dev: Device, mask: int) -> bool:
    ops = dev.dma_ops
    if ops is None:
        return direct.dma_direct_supported(dev, mask)
    return bool(ops.dma_supported(dev, mask)) if hasattr(ops, "dma_supported") else True


def dma_set_mask(dev: Device, mask: int) -> int:
    """0, or -EIO when the platform cannot honour ``mask``."""
    if not dma_supported(dev, mask):
        return -EIO
    dev.dma_mask = mask
    return 0


def dma_set_coherent_mask(dev: Device, mask: int) -> int:
    if not dma_supported(dev, mask):
        return -EIO
    dev.coherent_dma_mask = mask
    return 0


def dma_set_mask_and_coherent(dev: Device, mask: int) -> int:
    rc = dma_set_mask(dev, mask)
    return rc if rc else dma_set_coherent_mask(dev, mask)


# -- streaming mappings ------------------------------------------------------------------------


async def dma_map_page_attrs(
    dev: Device, page: Page, offset: int, size: int, direction: int, attrs: int = 0
) -> int:
    _check_dir(direction)
    ops = dev.dma_ops
    if ops is None:
        addr = direct.dma_direct_map_page(dev, page, offset, size, direction, attrs)
    else:
        addr = await ops.map_page(dev, page, offset, size, direction, attrs)
    _debug().debug_dma_map_page(dev, page_to_phys(page) + offset, size, direction, addr, attrs)
    return addr


async def dma_map_page(dev: Device, page: Page, offset: int, size: int, direction: int) -> int:
    return await dma_map_page_attrs(dev, page, offset, size, direction, 0)


async def dma_unmap_page_attrs(
    dev: Device, addr: int, size: int, direction: int, attrs: int = 0
) -> None:
    _check_dir(direction)
    ops = dev.dma_ops
    _debug().debug_dma_unmap_page(dev, addr, size, direction)
    if ops is None:
        direct.dma_direct_unmap_page(dev, addr, size, direction, attrs)
    else:
        await ops.unmap_page(dev, addr, size, direction, attrs)


async def dma_unmap_page(dev: Device, addr: int, size: int, direction: int) -> None:
    await dma_unmap_page_attrs(dev, addr, size, direction, 0)


async def dma_map_single_attrs(
    dev: Device, ptr: int, size: int, direction: int, attrs: int = 0
) -> int:
    """``dma_map_single_attrs``: a linear-map buffer.  A vmalloc or otherwise invalid
    address is refused (Linux: WARN_ON_ONCE and DMA_MAPPING_ERROR) and reported by
    dma-debug ("maps memory from vmalloc area")."""
    valid = virt_addr_valid(ptr)
    _debug().debug_dma_map_single(dev, ptr, size, is_vmalloc=is_vmalloc_addr(ptr), valid=valid)
    if not valid:
        return DMA_MAPPING_ERROR
    pa = _kernel().raw_platform.virt_to_phys(ptr)
    page = Page(pa >> PAGE_SHIFT)
    return await dma_map_page_attrs(dev, page, offset_in_page(ptr), size, direction, attrs)


async def dma_map_single(dev: Device, ptr: int, size: int, direction: int) -> int:
    return await dma_map_single_attrs(dev, ptr, size, direction, 0)


async def dma_unmap_single_attrs(
    dev: Device, addr: int, size: int, direction: int, attrs: int = 0
) -> None:
    await dma_unmap_page_attrs(dev, addr, size, direction, attrs)


async def dma_unmap_single(dev: Device, addr: int, size: int, direction: int) -> None:
    await dma_unmap_page_attrs(dev, addr, size, direction, 0)


def dma_mapping_error(dev: Device, dma_addr: int) -> int:
    """-ENOMEM for DMA_MAPPING_ERROR, else 0; marks the mapping's debug entry checked."""
    _debug().debug_dma_mapping_error(dev, dma_addr)
    return -ENOMEM if dma_addr == DMA_MAPPING_ERROR else 0


async def _map_sg(
    dev: Device, sgl: list[Scatterlist], nents: int, direction: int, attrs: int
) -> int:
    _check_dir(direction)
    ops = dev.dma_ops
    if ops is None:
        ents = direct.dma_direct_map_sg(dev, sgl, nents, direction, attrs)
    else:
        ents = await ops.map_sg(dev, sgl, nents, direction, attrs)
    if ents > 0:
        _debug().debug_dma_map_sg(
            dev,
            _sg_entries(sgl, nents),
            nents,
            ents,
            direction,
            attrs,
            max_seg_size=dev.max_segment_size,
            seg_boundary_mask=dev.segment_boundary_mask,
        )
    return ents


async def dma_map_sg_attrs(
    dev: Device, sgl: list[Scatterlist], nents: int, direction: int, attrs: int = 0
) -> int:
    """The number of DMA segments (``sg_dma_address``/``sg_dma_len`` of the first ones),
    or 0 when the mapping failed (nothing stays mapped)."""
    ents = await _map_sg(dev, sgl, nents, direction, attrs)
    return max(ents, 0)


async def dma_map_sg(dev: Device, sgl: list[Scatterlist], nents: int, direction: int) -> int:
    return await dma_map_sg_attrs(dev, sgl, nents, direction, 0)


async def dma_unmap_sg_attrs(
    dev: Device, sgl: list[Scatterlist], nents: int, direction: int, attrs: int = 0
) -> None:
    """``nents`` is the count passed to dma_map_sg, not the one it returned."""
    _check_dir(direction)
    _debug().debug_dma_unmap_sg(dev, _sg_entries(sgl, nents), nents, direction)
    ops = dev.dma_ops
    if ops is None:
        direct.dma_direct_unmap_sg(dev, sgl, nents, direction, attrs)
    else:
        await ops.unmap_sg(dev, sgl, nents, direction, attrs)


async def dma_unmap_sg(dev: Device, sgl: list[Scatterlist], nents: int, direction: int) -> None:
    await dma_unmap_sg_attrs(dev, sgl, nents, direction, 0)


async def dma_map_sgtable(dev: Device, sgt: SgTable, direction: int, attrs: int = 0) -> int:
    """0 with ``sgt.nents`` set, or -EINVAL / -ENOMEM / -EIO."""
    ents = await _map_sg(dev, sgt.sgl, sgt.orig_nents, direction, attrs)
    if ents < 0:
        return ents if ents in (-EINVAL, -ENOMEM, -EIO) else -EIO
    if ents == 0:
        return -EIO
    sgt.nents = ents
    return 0


async def dma_unmap_sgtable(dev: Device, sgt: SgTable, direction: int, attrs: int = 0) -> None:
    await dma_unmap_sg_attrs(dev, sgt.sgl, sgt.orig_nents, direction, attrs)


async def dma_map_resource(
    dev: Device, phys_addr: int, size: int, direction: int, attrs: int = 0
) -> int:
    """A device's MMIO range (a FIFO register) for another device: no cache maintenance.
    RAM is refused (Linux: WARN_ON_ONCE(pfn_valid) and DMA_MAPPING_ERROR)."""
    _check_dir(direction)
    plat = _kernel().raw_platform
    is_ram = any(b <= phys_addr < b + s for b, s in plat.ram_ranges())
    if is_ram:
        addr = DMA_MAPPING_ERROR
    elif dev.dma_ops is None:
        addr = direct.dma_direct_map_resource(dev, phys_addr, size, direction, attrs)
    else:
        addr = await dev.dma_ops.map_resource(dev, phys_addr, size, direction, attrs)
    _debug().debug_dma_map_resource(dev, phys_addr, size, direction, addr, is_ram=is_ram)
    return addr


async def dma_unmap_resource(
    dev: Device, addr: int, size: int, direction: int, attrs: int = 0
) -> None:
    _check_dir(direction)
    _debug().debug_dma_unmap_resource(dev, addr, size, direction)
    if dev.dma_ops is not None:
        await dev.dma_ops.unmap_resource(dev, addr, size, direction, attrs)


# -- syncs ------------------------------------------------------------------------------------


def dma_sync_single_for_cpu(dev: Device, addr: int, size: int, direction: int) -> None:
    _check_dir(direction)
    if dev.dma_ops is None:
        direct.dma_direct_sync_single_for_cpu(dev, addr, size, direction)
    else:
        dev.dma_ops.sync_single_for_cpu(dev, addr, size, direction)
    _debug().debug_dma_sync_single_for_cpu(dev, addr, size, direction)


def dma_sync_single_for_device(dev: Device, addr: int, size: int, direction: int) -> None:
    _check_dir(direction)
    _debug().debug_dma_sync_single_for_device(dev, addr, size, direction)
    if dev.dma_ops is None:
        direct.dma_direct_sync_single_for_device(dev, addr, size, direction)
    else:
        dev.dma_ops.sync_single_for_device(dev, addr, size, direction)


def dma_sync_single_range_for_cpu(
    dev: Device, addr: int, offset: int, size: int, direction: int
) -> None:
    """``dma_sync_single_range_for_cpu`` (include/linux/dma-mapping.h): hand ``size`` bytes
    at ``offset`` into the mapping at ``addr`` back to the CPU.  As in Linux it is
    ``dma_sync_single_for_cpu(dev, addr + offset, size, dir)``, so dma-debug makes the
    same checks as for a single sync (the range must lie inside one mapping: "outside
    allocated range", "has not allocated"; the direction: "different direction", "device
    read-only"), and only that range gets the cache maintenance and swiotlb copy-back.
    Difference: dma-debug's own CPU-access check hands the whole mapping to the CPU."""
    dma_sync_single_for_cpu(dev, addr + offset, size, direction)


def dma_sync_single_range_for_device(
    dev: Device, addr: int, offset: int, size: int, direction: int
) -> None:
    """``dma_sync_single_range_for_device`` (include/linux/dma-mapping.h):
    ``dma_sync_single_for_device(dev, addr + offset, size, dir)``, with its dma-debug
    checks ("device write-only" instead of "device read-only"); only the range is cleaned
    and copied into a swiotlb slot.  Difference as :func:`dma_sync_single_range_for_cpu`."""
    dma_sync_single_for_device(dev, addr + offset, size, direction)


def dma_need_sync(dev: Device, dma_addr: int) -> bool:
    """``dma_need_sync`` (kernel/dma/mapping.c, ``__dma_need_sync``): whether the syncs of
    the streaming mapping at ``dma_addr`` do anything, so a driver may skip them when not.
    dma-direct (``dma_direct_need_sync``): a non-coherent device, or a mapping bounced
    through swiotlb (coherent or not, ``swiotlb=force`` included); dma-iommu
    (``iommu_dma_need_sync``): a non-coherent device; other ops: True.  No dma-debug check
    (Linux makes none).  Linux 6.10+ first tests ``dev->dma_skip_sync`` (set for a coherent
    device until its first swiotlb mapping, ignored with CONFIG_DMA_API_DEBUG), a short cut
    to the same answer that is not modelled."""
    ops = dev.dma_ops
    if ops is None:
        return direct.dma_direct_need_sync(dev, dma_addr)
    need = getattr(ops, "need_sync", None)
    return bool(need(dev, dma_addr)) if need is not None else True


def dma_sync_sg_for_cpu(dev: Device, sgl: list[Scatterlist], nelems: int, direction: int) -> None:
    _check_dir(direction)
    if dev.dma_ops is None:
        direct.dma_direct_sync_sg_for_cpu(dev, sgl, nelems, direction)
    else:
        dev.dma_ops.sync_sg_for_cpu(dev, sgl, nelems, direction)
    _debug().debug_dma_sync_sg_for_cpu(dev, _sg_entries(sgl, nelems), nelems, direction)


def dma_sync_sg_for_device(
    dev: Device, sgl: list[Scatterlist], nelems: int, direction: int
) -> None:
    _check_dir(direction)
    _debug().debug_dma_sync_sg_for_device(dev, _sg_entries(sgl, nelems), nelems, direction)
    if dev.dma_ops is None:
        direct.dma_direct_sync_sg_for_device(dev, sgl, nelems, direction)
    else:
        dev.dma_ops.sync_sg_for_device(dev, sgl, nelems, direction)


# -- coherent allocations ----------------------------------------------------------------------


async def dma_alloc_attrs(
    dev: Device, size: int, gfp: int = GFP_KERNEL, attrs: int = 0
) -> tuple[int, int] | None:
    """(CPU address, DMA address), or None (NULL).  For a non-coherent device the CPU
    address is an uncached mapping."""
    if size <= 0:
        return None
    if dev.dma_ops is None:
        got = direct.dma_direct_alloc(dev, size, gfp, attrs)
    else:
        got = await dev.dma_ops.alloc(dev, size, gfp, attrs)
    if got is not None:
        va, handle = got
        pa = _coherent_phys(dev, va)
        _debug().debug_dma_alloc_coherent(dev, size, handle, va, pa)
    return got


def _coherent_phys(dev: Device, va: int) -> int:
    plat = _kernel().raw_platform
    return int(plat.vmalloc_to_phys(va) if plat.is_vmalloc_addr(va) else plat.virt_to_phys(va))


async def dma_alloc_coherent(
    dev: Device, size: int, gfp: int = GFP_KERNEL
) -> tuple[int, int] | None:
    return await dma_alloc_attrs(dev, size, gfp, 0)


async def dma_free_attrs(
    dev: Device, size: int, cpu_addr: int, dma_handle: int, attrs: int = 0
) -> None:
    _debug().debug_dma_free_coherent(dev, size, cpu_addr, dma_handle)
    if dev.dma_ops is None:
        direct.dma_direct_free(dev, size, cpu_addr, dma_handle, attrs)
    else:
        await dev.dma_ops.free(dev, size, cpu_addr, dma_handle, attrs)


async def dma_free_coherent(dev: Device, size: int, cpu_addr: int, dma_handle: int) -> None:
    await dma_free_attrs(dev, size, cpu_addr, dma_handle, 0)


# -- queries ----------------------------------------------------------------------------------


def dma_max_mapping_size(dev: Device) -> int:
    if dev.dma_ops is None:
        return direct.dma_direct_max_mapping_size(dev)
    return int(dev.dma_ops.max_mapping_size(dev))


def dma_opt_mapping_size(dev: Device) -> int:
    """min(dma_max_mapping_size, the backend's optimum: the IOVA cache's largest size)."""
    opt = dev.dma_ops.opt_mapping_size() if dev.dma_ops is not None else direct.SIZE_MAX
    return min(dma_max_mapping_size(dev), opt)


def dma_get_merge_boundary(dev: Device) -> int:
    if dev.dma_ops is None:
        return 0
    return int(dev.dma_ops.get_merge_boundary(dev))


def dma_get_cache_alignment() -> int:
    return int(_kernel().cache_line)

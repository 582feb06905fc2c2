"""The IOMMU's DMA ops (drivers/iommu/dma-iommu.c): dma_map_* through an IOMMU domain.

A device attached to a translating domain gets :class:`IommuDmaOps` as ``dev.dma_ops``
(:func:`iommu_setup_dma_ops`).  Each mapping takes an IOVA range from the domain's
:class:`~sw.drivers.iommu.iova.IovaDomain` (top-down below the device's mask, size-aligned,
freed ranges of up to 128 KiB cached) and maps it with ``iommu_map``; the protection comes
from the direction (TO_DEVICE: read, FROM_DEVICE: write, BIDIRECTIONAL: both), so the
IOMMU refuses a device write into a buffer mapped for reading.  A scatterlist is mapped
into ONE contiguous IOVA range, each segment padded to the IOVA granule, and segments are
merged into one DMA segment where the previous ends on a granule and the next starts on
one, within ``dev.max_segment_size`` and ``dev.segment_boundary_mask`` (``__finalise_sg``):
a buffer scattered over physical pages reaches the controller as one descriptor.

Unmapping follows the domain: strict, the IOVA is freed once the IOTLB invalidation has
completed; lazy (flush queue), only when the queue is flushed, so it cannot be handed out
while a stale IOTLB entry still reaches the old pages.  Cache maintenance for a
non-coherent device is arm64's, on the physical pages (``iommu_iova_to_phys``).

Differences from Linux: no swiotlb bouncing of untrusted devices' partial pages (so
``dma_max_mapping_size`` is unlimited); coherent allocations are one physically
contiguous block (Linux's ``iommu_dma_alloc`` gathers single pages and vmaps them);
segments are not re-laid out after a failed merge (Linux's ``__finalise_sg`` does the
same); errors raised by the IOMMU driver (page tables exhausted) become -ENOMEM /
DMA_MAPPING_ERROR.
"""

from __future__ import annotations

import logging

from sw.arch.arm64.mm.dma_mapping import (
    arch_dma_prep_coherent,
    arch_sync_dma_for_cpu,
    arch_sync_dma_for_device,
)
from sw.drivers.base.core import Device
from sw.drivers.iommu.iommu import IOMMU_READ, IOMMU_WRITE, IommuDomain, IommuDriver
from sw.drivers.iommu.iova import IovaDomain, iova_rcache_range
from sw.include.linux.dma_mapping import (
    DMA_ATTR_SKIP_CPU_SYNC,
    DMA_BIDIRECTIONAL,
    DMA_FROM_DEVICE,
    DMA_MAPPING_ERROR,
    DMA_TO_DEVICE,
    ENOMEM,
)
from sw.lib.scatterlist import Scatterlist, for_each_sg, sg_phys
from sw.mm import PAGE_SHIFT, PAGE_SIZE, Page, page_to_phys
from sw.mm.page_alloc import get_order

log = logging.getLogger(__name__)
SIZE_MAX = (1 << 64) - 1
IOVA_START_PFN = 1  # dma-iommu never hands out IOVA 0


def _kernel():  # type: ignore[no-untyped-def]
    from sw.init.main import current

    return current()


def dma_info_to_prot(direction: int) -> int:
    return {
        DMA_TO_DEVICE: IOMMU_READ,
        DMA_FROM_DEVICE: IOMMU_WRITE,
        DMA_BIDIRECTIONAL: IOMMU_READ | IOMMU_WRITE,
    }[direction]


class IommuDmaOps:
    """``iommu_dma_ops`` for the devices attached to ``domain`` (its ``iommu_dma_cookie``
    is :attr:`iovad`)."""

    def __init__(self, driver: IommuDriver, domain: IommuDomain) -> None:
        self.driver = driver
        self.domain = domain
        self.iovad = IovaDomain(PAGE_SIZE, IOVA_START_PFN)
        self.granule = PAGE_SIZE

    # -- IOVA space ----------------------------------------------------------------------------

    def _align(self, size: int) -> int:
        return (size + self.granule - 1) & -self.granule

    def _alloc_iova(self, dev: Device, size: int) -> int:
        """``iommu_dma_alloc_iova``: an IOVA for ``size`` (granule-aligned) bytes, or 0."""
        limit = dev.dma_mask if not dev.bus_dma_limit else min(dev.dma_mask, dev.bus_dma_limit)
        pfn = self.iovad.alloc_iova_fast(size >> PAGE_SHIFT, limit >> PAGE_SHIFT, True)
        return pfn << PAGE_SHIFT

    def _free_iova(self, iova: int, size: int) -> None:
        self.iovad.free_iova_fast(iova >> PAGE_SHIFT, size >> PAGE_SHIFT)

    async def _map(self, dev: Device, phys: int, size: int, prot: int) -> int:
        """``__iommu_dma_map``: map [phys, +size) at a new IOVA; DMA_MAPPING_ERROR."""
        offset = phys & (self.granule - 1)
        size = self._align(size + offset)
        iova = self._alloc_iova(dev, size)
        if not iova:
            log.warning(
                "%s: IOVA space exhausted (%d bytes below %#x)", dev.name, size, dev.dma_mask
            )
            return DMA_MAPPING_ERROR
        try:
            await self.driver.iommu_map(self.domain, iova, phys - offset, size, prot)
        except (MemoryError, ValueError) as exc:
            log.warning("%s: iommu_map failed: %s", dev.name, exc)
            self._free_iova(iova, size)
            return DMA_MAPPING_ERROR
        return iova + offset

    async def _unmap(self, dma_addr: int, size: int) -> None:
        """``__iommu_dma_unmap``: unmap and free the IOVA once the IOTLB cannot reach it."""
        offset = dma_addr & (self.granule - 1)
        iova = dma_addr - offset
        size = self._align(size + offset)

        def free(iova: int = iova, size: int = size) -> None:
            self._free_iova(iova, size)

        unmapped = await self.driver.iommu_unmap(self.domain, iova, size, on_flushed=free)
        if unmapped != size:
            raise ValueError(f"iommu_dma unmap of {iova:#x}+{size:#x}: {unmapped} bytes mapped")

    def _phys(self, dma_addr: int) -> int:
        return self.driver.iova_to_phys(self.domain, dma_addr)

    def _sync_range(self, dma_addr: int, size: int, direction: int, for_cpu: bool) -> None:
        """Cache maintenance of [dma_addr, +size) page by page through the page tables."""
        end = dma_addr + size
        while dma_addr < end:
            n = min(end - dma_addr, PAGE_SIZE - (dma_addr & (PAGE_SIZE - 1)))
            phys = self._phys(dma_addr)
            if for_cpu:
                arch_sync_dma_for_cpu(phys, n, direction)
            else:
                arch_sync_dma_for_device(phys, n, direction)
            dma_addr += n

    # -- dma_map_ops ------------------------------------------------------------------------

    def dma_supported(self, dev: Device, mask: int) -> bool:
        return True

    async def map_page(
        self, dev: Device, page: Page, offset: int, size: int, direction: int, attrs: int
    ) -> int:
        phys = page_to_phys(page) + offset
        if not dev.dma_coherent and not attrs & DMA_ATTR_SKIP_CPU_SYNC:
            arch_sync_dma_for_device(phys, size, direction)
        return await self._map(dev, phys, size, dma_info_to_prot(direction))

    async def unmap_page(
        self, dev: Device, dma_addr: int, size: int, direction: int, attrs: int
    ) -> None:
        if not dev.dma_coherent and not attrs & DMA_ATTR_SKIP_CPU_SYNC:
            self._sync_range(dma_addr, size, direction, for_cpu=True)
        await self._unmap(dma_addr, size)

    def need_sync(self, dev: Device, dma_addr: int) -> bool:
        """``iommu_dma_need_sync``: only a non-coherent device's syncs do anything (no
        bouncing of untrusted devices here, see the module docstring)."""
        return not dev.dma_coherent

    def sync_single_for_cpu(self, dev: Device, dma_addr: int, size: int, direction: int) -> None:
        if not dev.dma_coherent:
            self._sync_range(dma_addr, size, direction, for_cpu=True)

    def sync_single_for_device(self, dev: Device, dma_addr: int, size: int, direction: int) -> None:
        if not dev.dma_coherent:
            self._sync_range(dma_addr, size, direction, for_cpu=False)

    def sync_sg_for_cpu(
        self, dev: Device, sgl: list[Scatterlist], nents: int, direction: int
    ) -> None:
        if not dev.dma_coherent:
            for sg in for_each_sg(sgl, nents):
                arch_sync_dma_for_cpu(sg_phys(sg), sg.length, direction)

    def sync_sg_for_device(
        self, dev: Device, sgl: list[Scatterlist], nents: int, direction: int
    ) -> None:
        if not dev.dma_coherent:
            for sg in for_each_sg(sgl, nents):
                arch_sync_dma_for_device(sg_phys(sg), sg.length, direction)

    async def map_sg(
        self, dev: Device, sgl: list[Scatterlist], nents: int, direction: int, attrs: int
    ) -> int:
        """``iommu_dma_map_sg``: the number of DMA segments, or -ENOMEM (nothing mapped)."""
        segs = list(for_each_sg(sgl, nents))
        if not dev.dma_coherent and not attrs & DMA_ATTR_SKIP_CPU_SYNC:
            for sg in segs:
                arch_sync_dma_for_device(sg_phys(sg), sg.length, direction)
        mask = self.granule - 1
        total = sum(self._align((sg_phys(sg) & mask) + sg.length) for sg in segs)
        iova = self._alloc_iova(dev, total)
        if not iova:
            log.warning("%s: IOVA space exhausted (%d bytes)", dev.name, total)
            return -ENOMEM
        prot = dma_info_to_prot(direction)
        pos = 0
        try:
            for sg in segs:
                phys = sg_phys(sg)
                span = self._align((phys & mask) + sg.length)
                await self.driver.iommu_map(self.domain, iova + pos, phys & ~mask, span, prot)
                pos += span
        except (MemoryError, ValueError) as exc:
            log.warning("%s: iommu_map failed: %s", dev.name, exc)
            if pos:
                await self.driver.iommu_unmap(self.domain, iova, pos)
            self._free_iova(iova, total)
            return -ENOMEM
        # __finalise_sg: lay the DMA segments over the one IOVA range, merging where allowed.
        out: list[tuple[int, int]] = []
        pos = 0
        prev_ends_on_granule = False
        for sg in segs:
            off = sg_phys(sg) & mask
            start = iova + pos + off
            if out and prev_ends_on_granule and off == 0:
                first, length = out[-1]
                merged = length + sg.length
                within = (first & ~dev.segment_boundary_mask) == (
                    (first + merged - 1) & ~dev.segment_boundary_mask
                )
                if merged <= dev.max_segment_size and within:
                    out[-1] = (first, merged)
                    pos += self._align(off + sg.length)
                    prev_ends_on_granule = (off + sg.length) & mask == 0
                    continue
            out.append((start, sg.length))
            pos += self._align(off + sg.length)
            prev_ends_on_granule = (off + sg.length) & mask == 0
        for i, sg in enumerate(segs):
            if i < len(out):
                sg.dma_address, sg.dma_length = out[i]
            else:
                sg.dma_address, sg.dma_length = DMA_MAPPING_ERROR, 0
        return len(out)

    async def unmap_sg(
        self, dev: Device, sgl: list[Scatterlist], nents: int, direction: int, attrs: int
    ) -> None:
        segs = list(for_each_sg(sgl, nents))
        if not dev.dma_coherent and not attrs & DMA_ATTR_SKIP_CPU_SYNC:
            for sg in segs:
                arch_sync_dma_for_cpu(sg_phys(sg), sg.length, direction)
        mask = self.granule - 1
        mapped = [sg for sg in segs if sg.dma_length]
        start = mapped[0].dma_address & ~mask
        end = self._align(mapped[-1].dma_address + mapped[-1].dma_length)
        await self._unmap(start, end - start)

    async def map_resource(
        self, dev: Device, phys: int, size: int, direction: int, attrs: int
    ) -> int:
        return await self._map(dev, phys, size, dma_info_to_prot(direction))

    async def unmap_resource(
        self, dev: Device, dma_addr: int, size: int, direction: int, attrs: int
    ) -> None:
        await self._unmap(dma_addr, size)

    async def alloc(self, dev: Device, size: int, gfp: int, attrs: int) -> tuple[int, int] | None:
        k = _kernel()
        order = get_order(size)
        try:
            pa = k.alloc_pages(gfp, order)
        except MemoryError:
            return None
        nbytes = PAGE_SIZE << order
        plat = k.raw_platform
        plat.write(plat.phys_to_virt(pa), bytes(nbytes))
        dma = await self._map(dev, pa, size, IOMMU_READ | IOMMU_WRITE)
        if dma == DMA_MAPPING_ERROR:
            k.free_pages_pa(pa, order)
            return None
        if dev.dma_coherent:
            return plat.phys_to_virt(pa), dma
        arch_dma_prep_coherent(pa, nbytes)
        pages = [pa + i * PAGE_SIZE for i in range(1 << order)]
        return k.vmalloc_space.vmap_pages(pages, cacheable=False), dma

    async def free(self, dev: Device, size: int, cpu_addr: int, dma_addr: int, attrs: int) -> None:
        k = _kernel()
        pa = self._phys(dma_addr)
        await self._unmap(dma_addr, size)
        if not dev.dma_coherent:
            k.vmalloc_space.vunmap(cpu_addr)
        k.free_pages_pa(pa, get_order(size))

    def max_mapping_size(self, dev: Device) -> int:
        return SIZE_MAX

    def opt_mapping_size(self) -> int:
        return iova_rcache_range()

    def get_merge_boundary(self, dev: Device) -> int:
        return self.granule - 1


def iommu_setup_dma_ops(dev: Device, driver: IommuDriver, domain: IommuDomain) -> None:
    """Give ``dev`` (attached to the translating ``domain``) the IOMMU's DMA ops."""
    dev.dma_ops = IommuDmaOps(driver, domain)
    dev.iommu_domain = domain

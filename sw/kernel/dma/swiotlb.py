"""Software I/O TLB: bounce buffers for devices that cannot reach a buffer (kernel/dma/swiotlb.c).

An :class:`IoTlbMem` is one pool (``struct io_tlb_mem`` with its single default
``io_tlb_pool``): a physically contiguous block of ``nslabs`` slots of
``IO_TLB_SIZE`` (2 KiB) in the linear map.  ``tbl_map_single`` takes a run of
slots, remembers per slot the original address and the bytes left in the
allocation (``orig_addr``/``alloc_size`` as Linux's ``struct io_tlb_slot``) and
copies the original into the bounce buffer; ``tbl_unmap_single`` copies back
when the device may have written and frees the run; the syncs copy one way.

As Linux:

- A run never crosses an ``IO_TLB_SEGSIZE`` (128-slot) segment, so no mapping
  exceeds 256 KiB (:meth:`IoTlbMem.max_mapping_size`).  A larger request finds
  no run and fails like a full pool: Linux has no separate "max mapping size"
  warning in swiotlb.c, the caller only sees "swiotlb buffer is full" and
  ``DMA_MAPPING_ERROR``.
- The search starts at a round-robin hint (``area->index``), moves it past each
  allocation, steps one slot past misaligned slots and ``stride`` slots past
  aligned but busy ones, and wraps to slot 0 (``wrap_area_index``).
- Alignment (``swiotlb_area_find_slots``): with no ``alloc_align_mask`` and no
  ``min_align_mask``, allocations of ``PAGE_SIZE`` or more are page-aligned;
  the bounce address keeps the original's ``min_align_mask`` bits (the low ones
  as an offset into the first slot, the higher ones by choosing the slot).
- Map copies original -> bounce in every direction and regardless of
  ``DMA_ATTR_SKIP_CPU_SYNC``, so a device that writes only part of a
  FROM_DEVICE buffer leaves the rest of the original intact (the rework of the
  CVE-2022-24304 info-leak fix).  Unmap copies back only for FROM_DEVICE and
  BIDIRECTIONAL, never with ``DMA_ATTR_SKIP_CPU_SYNC``.  ``sync_for_device``
  copies in for TO_DEVICE/BIDIRECTIONAL, ``sync_for_cpu`` copies out for
  FROM_DEVICE/BIDIRECTIONAL.
- Copies are CPU loads and stores through the linear map, i.e. through the data
  cache; cache maintenance of the bounce slots is the DMA layer's job (as
  ``swiotlb_map`` calls ``arch_sync_dma_for_device`` after the copy).

Differences from Linux:

- One area (``nareas == 1``), no dynamic or transient pools, no restricted-DMA
  pools, no highmem, no encryption; the device's segment-boundary mask is taken
  as unlimited (``dma_get_seg_boundary`` without ``dma_parms``).
- Free slots are a per-slot in-use array, not Linux's ``list`` counts of free
  slots to the segment end; the search asks the same question ("are ``nslots``
  slots free here, within one segment?") so it picks the same slots.
- ``min_align_mask`` (Linux's ``dma_get_min_align_mask(dev)``) is an argument,
  since there is no ``struct device`` here.
- Where Linux would corrupt its slot table or only warn, the model raises
  :class:`ValueError`: unmapping an address that is not one ``tbl_map_single``
  returned, syncing free slots, or a sync/unmap running past the allocation
  ("Buffer overflow detected", which Linux truncates) or starting before it.
"""

from __future__ import annotations

import logging

from sw.include.linux.dma_mapping import (
    DMA_ATTR_NO_WARN,
    DMA_ATTR_SKIP_CPU_SYNC,
    DMA_BIDIRECTIONAL,
    DMA_FROM_DEVICE,
    DMA_MAPPING_ERROR,
    DMA_TO_DEVICE,
)
from sw.mm.page_alloc import PAGE_SIZE
from sw.platform import Platform

log = logging.getLogger(__name__)

IO_TLB_SHIFT = 11  # one slot is 2 KiB
IO_TLB_SIZE = 1 << IO_TLB_SHIFT
IO_TLB_SEGSIZE = 128  # slots per segment: no mapping crosses one
IO_TLB_DEFAULT_SIZE = 64 << 20  # default pool: 64 MiB


INVALID_PHYS_ADDR = (1 << 64) - 1  # a free slot's orig_addr


def nr_slots(size: int) -> int:
    """Slots needed for ``size`` bytes (DIV_ROUND_UP(size, IO_TLB_SIZE))."""
    return -(-size // IO_TLB_SIZE)


def _roundup(value: int, step: int) -> int:
    return -(-value // step) * step


def _check_direction(direction: int) -> None:
    if direction not in (DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE):
        raise ValueError(f"invalid DMA direction {direction}")


class IoTlbMem:
    """One swiotlb pool over ``[start, start + nslabs * IO_TLB_SIZE)`` (``struct io_tlb_mem``).

    ``start`` is the physical address of a reserved, page-aligned block in the
    platform's linear map; ``nslabs`` a positive multiple of ``IO_TLB_SEGSIZE``
    (Linux rounds the pool up to whole segments).  ``force`` is ``swiotlb=force``:
    the DMA layer above bounces every mapping, not only unreachable ones.
    """

    def __init__(self, platform: Platform, start: int, nslabs: int, *, force: bool = False) -> None:
        if nslabs <= 0 or nslabs % IO_TLB_SEGSIZE:
            raise ValueError(
                f"nslabs must be a positive multiple of {IO_TLB_SEGSIZE}, not {nslabs}"
            )
        if start % PAGE_SIZE:
            raise ValueError(f"swiotlb pool at {start:#x} is not page-aligned")
        self.platform = platform
        self.start = start
        self.end = start + nslabs * IO_TLB_SIZE
        self.nslabs = nslabs
        self.force_bounce = force
        self.used = 0  # slots in use
        self.index = 0  # where the next search starts (area->index)
        self.errors: list[str] = []  # every warning logged, in order
        # struct io_tlb_slot, one entry per slot
        self.orig_addr = [INVALID_PHYS_ADDR] * nslabs
        self.alloc_size = [0] * nslabs
        self._in_use = [False] * nslabs
        # Model-only bookkeeping for the checks: the address tbl_map_single returned,
        # by first slot, and the first slot of the mapping each busy slot belongs to.
        self._mapped: dict[int, int] = {}
        self._head = [-1] * nslabs
        platform.phys_to_virt(start)  # the pool must be in the linear map

    # -- helpers ---------------------------------------------------------------------------------

    def _warn(self, msg: str) -> None:
        log.warning("%s", msg)
        self.errors.append(msg)

    def _slot_addr(self, index: int) -> int:
        return self.start + (index << IO_TLB_SHIFT)

    def _run_free(self, index: int, nslots: int) -> bool:
        """Whether ``nslots`` slots from ``index`` are free and within one segment."""
        last = index + nslots - 1
        if last >= self.nslabs or index // IO_TLB_SEGSIZE != last // IO_TLB_SEGSIZE:
            return False
        return not any(self._in_use[index : last + 1])

    def _wrap(self, index: int) -> int:
        """wrap_area_index: back to slot 0 once past the end (not modulo)."""
        return 0 if index >= self.nslabs else index

    @staticmethod
    def _align_offset(addr: int, min_align_mask: int) -> int:
        """swiotlb_align_offset: the original's offset kept inside the first slot."""
        return addr & min_align_mask & (IO_TLB_SIZE - 1)

    def _find_slots(
        self, orig_addr: int, alloc_size: int, alloc_align_mask: int, min_align_mask: int
    ) -> int:
        """swiotlb_area_find_slots: first slot of a run for ``alloc_size`` bytes (offset
        included), or -1."""
        iotlb_align_mask = min_align_mask
        nslots = nr_slots(alloc_size)
        if not alloc_align_mask and not iotlb_align_mask and alloc_size >= PAGE_SIZE:
            alloc_align_mask = PAGE_SIZE - 1
        alloc_align_mask |= IO_TLB_SIZE - 1
        iotlb_align_mask &= ~alloc_align_mask
        stride = (max(alloc_align_mask, iotlb_align_mask) >> IO_TLB_SHIFT) + 1

        if nslots > self.nslabs - self.used:
            return -1
        index = self.index
        checked = 0
        while checked < self.nslabs:
            tlb_addr = self._slot_addr(index)
            if (tlb_addr & alloc_align_mask) or (
                orig_addr and (tlb_addr & iotlb_align_mask) != (orig_addr & iotlb_align_mask)
            ):
                index = self._wrap(index + 1)
                checked += 1
                continue
            if self._run_free(index, nslots):
                self.index = self._wrap(index + nslots)
                return index
            index = self._wrap(index + stride)
            checked += stride
        return -1

    def _locate(self, tlb_addr: int, what: str) -> int:
        if not self.is_swiotlb_buffer(tlb_addr):
            raise ValueError(f"{what}: {tlb_addr:#x} is not in the swiotlb pool")
        index = (tlb_addr - self.start) >> IO_TLB_SHIFT
        if not self._in_use[index]:
            raise ValueError(f"{what}: {tlb_addr:#x} is not mapped")
        return index

    def _bounce(self, tlb_addr: int, size: int, direction: int) -> None:
        """swiotlb_bounce: TO_DEVICE copies original -> bounce, otherwise bounce -> original.

        ``tlb_addr`` may lie anywhere inside a mapping (a partial sync).  Linux finds
        the original from the slot's ``orig_addr`` and the device's min_align_mask;
        the model counts from the address the map returned, which gives the same
        bytes, and raises where Linux warns ("Access before mapping start",
        "Buffer overflow detected", which Linux truncates)."""
        index = self._locate(tlb_addr, "swiotlb_bounce")
        head = self._head[index]
        start = self._mapped[head]
        if tlb_addr < start:
            raise ValueError(f"Access before mapping start detected: {tlb_addr:#x} < {start:#x}")
        pos = tlb_addr - start
        alloc_size = self.alloc_size[head]
        if size > alloc_size - pos:
            raise ValueError(
                f"Buffer overflow detected. Allocation size: {alloc_size}. "
                f"Mapping size: {size}+{pos}."
            )
        orig_addr = self.orig_addr[head] + pos
        if size == 0:
            return
        orig_va = self.platform.phys_to_virt(orig_addr)
        tlb_va = self.platform.phys_to_virt(tlb_addr)
        if direction == DMA_TO_DEVICE:
            self.platform.write(tlb_va, self.platform.read(orig_va, size))
        else:
            self.platform.write(orig_va, self.platform.read(tlb_va, size))

    # -- the interface ---------------------------------------------------------------------------

    def is_swiotlb_buffer(self, pa: int) -> bool:
        """is_swiotlb_buffer: ``pa`` lies in this pool."""
        return self.start <= pa < self.end

    def max_mapping_size(self, *, min_align_mask: int = 0) -> int:
        """swiotlb_max_mapping_size: one segment, less the padding ``min_align_mask`` may
        cost."""
        min_align = _roundup(min_align_mask, IO_TLB_SIZE) if min_align_mask else 0
        return IO_TLB_SIZE * IO_TLB_SEGSIZE - min_align

    def tbl_map_single(
        self,
        orig_addr: int,
        mapping_size: int,
        alloc_size: int,
        alloc_align_mask: int,
        direction: int,
        attrs: int,
        *,
        min_align_mask: int = 0,
    ) -> int:
        """swiotlb_tbl_map_single: bounce slots for ``orig_addr``, filled with its first
        ``mapping_size`` bytes.  Returns the bounce buffer's physical address or
        ``DMA_MAPPING_ERROR``."""
        _check_direction(direction)
        if mapping_size > alloc_size:
            self._warn(f"Invalid sizes (mapping: {mapping_size} bytes, alloc: {alloc_size} bytes)")
            return DMA_MAPPING_ERROR
        offset = self._align_offset(orig_addr, min_align_mask)
        index = self._find_slots(orig_addr, alloc_size + offset, alloc_align_mask, min_align_mask)
        if index == -1:
            if not attrs & DMA_ATTR_NO_WARN:
                self._warn(
                    f"swiotlb buffer is full (sz: {alloc_size} bytes), "
                    f"total {self.nslabs} (slots), used {self.used} (slots)"
                )
            return DMA_MAPPING_ERROR
        nslots = nr_slots(alloc_size + offset)
        for i in range(nslots):
            self._in_use[index + i] = True
            self._head[index + i] = index
            self.orig_addr[index + i] = orig_addr + (i << IO_TLB_SHIFT)
            self.alloc_size[index + i] = alloc_size - (i << IO_TLB_SHIFT)
        self.used += nslots
        tlb_addr = self._slot_addr(index) + offset
        self._mapped[index] = tlb_addr
        # Unconditional copy-in: the device may not overwrite the whole buffer.
        self._bounce(tlb_addr, mapping_size, DMA_TO_DEVICE)
        return tlb_addr

    def tbl_unmap_single(
        self, tlb_addr: int, mapping_size: int, direction: int, attrs: int
    ) -> None:
        """swiotlb_tbl_unmap_single: copy back if the device may have written, then
        release the slots (swiotlb_release_slots)."""
        _check_direction(direction)
        index = self._locate(tlb_addr, "swiotlb_tbl_unmap_single")
        head = self._head[index]
        if head != index or self._mapped.get(head) != tlb_addr:
            raise ValueError(
                f"swiotlb_tbl_unmap_single: {tlb_addr:#x} is not the start of a mapping"
                f" (that mapping starts at {self._mapped[head]:#x})"
            )
        offset = tlb_addr & (IO_TLB_SIZE - 1)  # the min_align offset the map kept
        if mapping_size > self.alloc_size[index]:
            raise ValueError(
                f"Buffer overflow detected. Allocation size: {self.alloc_size[index]}. "
                f"Mapping size: {mapping_size}."
            )
        if not attrs & DMA_ATTR_SKIP_CPU_SYNC and direction in (DMA_FROM_DEVICE, DMA_BIDIRECTIONAL):
            self._bounce(tlb_addr, mapping_size, DMA_FROM_DEVICE)
        nslots = nr_slots(self.alloc_size[index] + offset)
        for i in range(index, index + nslots):
            self._in_use[i] = False
            self._head[i] = -1
            self.orig_addr[i] = INVALID_PHYS_ADDR
            self.alloc_size[i] = 0
        del self._mapped[index]
        self.used -= nslots

    def sync_single_for_device(self, tlb_addr: int, size: int, direction: int) -> None:
        """swiotlb_sync_single_for_device: original -> bounce for TO_DEVICE and
        BIDIRECTIONAL.  ``tlb_addr`` may lie inside a mapping (``dma_sync_single_range``)."""
        _check_direction(direction)
        self._locate(tlb_addr, "swiotlb_sync_single_for_device")
        if direction in (DMA_TO_DEVICE, DMA_BIDIRECTIONAL):
            self._bounce(tlb_addr, size, DMA_TO_DEVICE)

    def sync_single_for_cpu(self, tlb_addr: int, size: int, direction: int) -> None:
        """swiotlb_sync_single_for_cpu: bounce -> original for FROM_DEVICE and
        BIDIRECTIONAL."""
        _check_direction(direction)
        self._locate(tlb_addr, "swiotlb_sync_single_for_cpu")
        if direction in (DMA_FROM_DEVICE, DMA_BIDIRECTIONAL):
            self._bounce(tlb_addr, size, DMA_FROM_DEVICE)

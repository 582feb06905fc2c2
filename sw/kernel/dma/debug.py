"""Model of Linux's DMA-API debugging (kernel/dma/debug.c, CONFIG_DMA_API_DEBUG).

The DMA-mapping layer calls the ``debug_dma_*`` hooks of one :class:`DmaDebug` exactly where
Linux's kernel/dma/mapping.c calls them. Every mapping is recorded in a ``dma_debug_entry``
kept in a hash on the DMA address (``HASH_FN_SHIFT`` = 13, ``HASH_SIZE`` = 16384 buckets, as in
Linux), and every misuse is reported with the wording of Linux's ``err_printk()``:
``DMA-API: <driver> <dev_name>: <message>``.

Self-contained on purpose: nothing from ``sw/`` is imported; the constants below are defined
here with the values of include/linux/dma-direction.h and include/linux/dma-mapping.h.

Beyond Linux, :meth:`DmaDebug.check_cpu_access` is this project's own check of CPU accesses to
memory a device owns. Linux had a related check, ``debug_dma_assert_idle()`` ("cpu touching an
active dma mapped cacheline"), called on copy-on-write faults; it was removed in v5.9 (commit
5848dc5b1b76, "dma-debug: remove debug_dma_assert_idle() function").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sw.include.linux.dma_mapping import (
    DMA_ATTR_SKIP_CPU_SYNC,
    DMA_BIDIRECTIONAL,
    DMA_FROM_DEVICE,
    DMA_MAPPING_ERROR,
    DMA_NONE,
    DMA_TO_DEVICE,
)
from sw.mm.page_alloc import PAGE_SIZE

logger = logging.getLogger(__name__)

# Hash on the DMA address, as debug.c: bucket = (dev_addr >> 13) & (HASH_SIZE - 1).
HASH_SIZE = 16384
HASH_FN_SHIFT = 13
HASH_FN_MASK = HASH_SIZE - 1
# Default pool size (dma_debug_entries=); Linux grows it by a page of entries when empty.
PREALLOC_DMA_DEBUG_ENTRIES = 1 << 16
# PAGE_SIZE / sizeof(struct dma_debug_entry) with the entry cacheline-aligned to 128 bytes.
DMA_DEBUG_DYNAMIC_ENTRIES = PAGE_SIZE // 128

# Entry types and their names (type2name[] in debug.c). Linux v6.18 folded dma_map_page and
# dma_map_resource into dma_map_phys, type "phy"; earlier kernels named resources "resource".
TYPE_SINGLE = "single"
TYPE_SG = "scatter-gather"
TYPE_COHERENT = "coherent"
TYPE_PHY = "phy"

# enum map_err_types and maperr2str[].
MAP_ERR_CHECK_NOT_APPLICABLE = "dma map error check not applicable"
MAP_ERR_NOT_CHECKED = "dma map error not checked"
MAP_ERR_CHECKED = "dma map error checked"

_DIR2NAME = {
    DMA_BIDIRECTIONAL: "DMA_BIDIRECTIONAL",
    DMA_TO_DEVICE: "DMA_TO_DEVICE",
    DMA_FROM_DEVICE: "DMA_FROM_DEVICE",
    DMA_NONE: "DMA_NONE",
}

# One scatterlist element as the mapping layer passes it: (pa, length, dma_addr, dma_len).
SgEntry = tuple[int, int, int, int]


def dir2name(direction: int) -> str:
    """Name of a DMA direction as debug.c prints it."""
    return _DIR2NAME.get(direction, f"DMA_DIRECTION({direction})")


def _pa(addr: int) -> str:
    """A physical address as printk's %pa prints it on a 64-bit kernel."""
    return f"0x{addr:016x}"


@dataclass(eq=False)
class DmaDebugEntry:
    """struct dma_debug_entry: one tracked mapping or coherent allocation.

    ``va`` is only used for coherent allocations (the "different CPU address" check compares
    CPU virtual addresses, since this model has no virt_to_phys). ``device_owns`` is this
    project's ownership state for :meth:`DmaDebug.check_cpu_access`.
    """

    dev: Any
    dev_addr: int
    size: int
    type: str
    direction: int
    sg_call_ents: int = 0
    sg_mapped_ents: int = 0
    paddr: int = 0
    va: int = 0
    map_err_type: str = MAP_ERR_CHECK_NOT_APPLICABLE
    device_owns: bool = True


def _driver_string(dev: Any) -> str:
    """dev_driver_string(): the bound driver's name, else empty."""
    if dev is None:
        return "NULL"
    drv = getattr(dev, "driver", None)
    return "" if drv is None else str(drv.name)


def _dev_name(dev: Any) -> str:
    return "NULL" if dev is None else str(dev.name)


def _hash_fn(dev_addr: int) -> int:
    return (dev_addr >> HASH_FN_SHIFT) & HASH_FN_MASK


class DmaDebug:
    """The DMA-API debug state of one system (Linux keeps it in globals of debug.c).

    Parameters mirror the kernel command line and debugfs knobs: ``enabled=False`` is
    ``dma_debug=off`` (every hook, :meth:`check_cpu_access` and :meth:`dump` become no-ops),
    ``num_entries`` is ``dma_debug_entries=``, ``driver_filter`` is ``dma_debug_driver=`` and
    ``all_errors`` is debugfs ``all_errors``. ``cache_line`` is L1_CACHE_BYTES. ``is_stack`` and
    ``is_kernel_text`` stand in for object_is_on_stack() and the _stext/_etext and rodata tests.

    Reporting follows err_printk(): ``error_count`` counts every error, filtered or not (debugfs
    ``error_count``); ``errors`` records the text of every report that passes the driver filter,
    in order, whether or not it was logged; only the first error is logged (with
    ``logging.warning``, Linux's WARN) unless ``all_errors``. As in Linux, an error filtered out by
    ``driver_filter`` still uses up the one error that is shown.

    Differences from Linux, each deliberate:

    - ``debug_dma_map_page(kind="page")`` is accepted but, as in Linux since the "page" type was
      dropped, records type "single"; dma_map_resource mappings are type "phy".
    - Linux's check_sync() looks up the mapping *containing* the synced range, so a sync running
      past the end of a mapping is reported as "has not allocated" and "outside allocated range"
      never fires. Here a sync whose start lies inside a mapping but whose end does not finds
      that mapping and reports "outside allocated range" with [sync offset+size].
    - Linux prints the coherent CPU addresses with "0x%pa" (a doubled "0x"); here once.
    - The "Mapped at:" stack trace Linux logs after a report is replaced by the entry's dump line.
    - Overlap tracking does not model DMA_ATTR_CPU_CACHE_CLEAN or swiotlb bouncing of unaligned
      kmalloc buffers, which also silence "cacheline tracking EEXIST" in Linux.
    """

    def __init__(
        self,
        *,
        cache_line: int = 64,
        enabled: bool = True,
        num_entries: int = PREALLOC_DMA_DEBUG_ENTRIES,
        driver_filter: str = "",
        all_errors: bool = False,
        is_stack: Callable[[int], bool] = lambda pa: False,
        is_kernel_text: Callable[[int, int], bool] = lambda pa, size: False,
    ) -> None:
        if cache_line <= 0 or cache_line & (cache_line - 1):
            raise ValueError(f"cache_line must be a power of two, got {cache_line}")
        self.cache_line = cache_line
        self.cache_shift = cache_line.bit_length() - 1
        self.enabled = enabled
        self.driver_filter = driver_filter
        self.all_errors = all_errors
        self.show_num_errors = 1
        self.is_stack = is_stack
        self.is_kernel_text = is_kernel_text
        self.errors: list[str] = []
        self.error_count = 0
        # Entry pool accounting (debugfs num_free_entries, min_free_entries, nr_total_entries).
        self.nr_prealloc_entries = num_entries
        self.nr_total_entries = num_entries
        self.num_free_entries = num_entries
        self.min_free_entries = num_entries
        # dma_entry_hash[]: bucket index -> entries in insertion order.
        self._hash: dict[int, list[DmaDebugEntry]] = {}
        self._max_size = 0
        # dma_active_cacheline: first cache line number -> entries sharing it (Linux keeps one
        # entry and an overlap count; the list's length minus one is that count).
        self._active_cacheline: dict[int, list[DmaDebugEntry]] = {}
        # This project's index for check_cpu_access: every cache line of every streaming
        # mapping -> the entries covering it.
        self._cpu_index: dict[int, list[DmaDebugEntry]] = {}

    # ----------------------------------------------------------------- reporting

    def _filter_pass(self, dev: Any) -> bool:
        """driver_filter(): true when no filter is set or dev's driver has the filtered name."""
        if not self.driver_filter:
            return True
        if dev is None or getattr(dev, "driver", None) is None:
            return False
        return str(dev.driver.name) == self.driver_filter

    def _err_printk(self, dev: Any, entry: DmaDebugEntry | None, message: str) -> None:
        """err_printk(): count, filter, record, and log the first error (all if all_errors)."""
        self.error_count += 1
        if self._filter_pass(dev):
            text = f"DMA-API: {_driver_string(dev)} {_dev_name(dev)}: {message}"
            self.errors.append(text)
            if self.all_errors or self.show_num_errors > 0:
                logger.warning("%s", text)
                if entry is not None:
                    logger.warning("Mapped at: %s", self._entry_line(entry))
        if not self.all_errors and self.show_num_errors > 0:
            self.show_num_errors -= 1

    # ----------------------------------------------------------------- hash and pool

    def _bucket(self, dev_addr: int) -> list[DmaDebugEntry]:
        return self._hash.setdefault(_hash_fn(dev_addr), [])

    @staticmethod
    def _best_fit(
        candidates: Iterable[DmaDebugEntry],
        ref: DmaDebugEntry,
        match: Callable[[DmaDebugEntry, DmaDebugEntry], bool],
    ) -> DmaDebugEntry | None:
        """__hash_bucket_find(): perfect fit, else the best fit if it is the only match."""
        ret = None
        matches = 0
        last_lvl = -1
        for entry in candidates:
            if not match(ref, entry):
                continue
            matches += 1
            lvl = (
                (entry.size == ref.size)
                + (entry.type == ref.type)
                + (entry.direction == ref.direction)
                + (entry.sg_call_ents == ref.sg_call_ents)
            )
            if lvl == 4:
                return entry
            if lvl > last_lvl:
                last_lvl = lvl
                ret = entry
        return ret if matches == 1 else None

    @staticmethod
    def _exact_match(ref: DmaDebugEntry, entry: DmaDebugEntry) -> bool:
        return entry.dev_addr == ref.dev_addr and entry.dev is ref.dev

    @staticmethod
    def _containing_match(ref: DmaDebugEntry, entry: DmaDebugEntry) -> bool:
        return (
            entry.dev is ref.dev
            and entry.dev_addr <= ref.dev_addr
            and entry.dev_addr + entry.size >= ref.dev_addr + ref.size
        )

    @staticmethod
    def _start_match(ref: DmaDebugEntry, entry: DmaDebugEntry) -> bool:
        return entry.dev is ref.dev and entry.dev_addr <= ref.dev_addr < entry.dev_addr + entry.size

    def _find_exact(self, ref: DmaDebugEntry) -> DmaDebugEntry | None:
        return self._best_fit(self._hash.get(_hash_fn(ref.dev_addr), ()), ref, self._exact_match)

    def _find_contain(
        self, ref: DmaDebugEntry, match: Callable[[DmaDebugEntry, DmaDebugEntry], bool]
    ) -> DmaDebugEntry | None:
        """bucket_find_contain(): walk back bucket by bucket from the ref's own.

        Linux walks back up to min(HASH_SIZE, idx + 1) buckets; no mapping can start further
        back than the largest one seen, so the walk stops there too.
        """
        idx = ref.dev_addr >> HASH_FN_SHIFT
        limit = min(HASH_SIZE, idx + 1, (self._max_size >> HASH_FN_SHIFT) + 2)
        for i in range(limit):
            bucket = self._hash.get((idx - i) & HASH_FN_MASK)
            if bucket:
                entry = self._best_fit(bucket, ref, match)
                if entry is not None:
                    return entry
        return None

    def _entry_alloc(self) -> None:
        """dma_entry_alloc(): take a pool entry, growing the pool by a page when empty."""
        if self.num_free_entries == 0:
            self.num_free_entries += DMA_DEBUG_DYNAMIC_ENTRIES
            self.nr_total_entries += DMA_DEBUG_DYNAMIC_ENTRIES
            if self.nr_total_entries % self.nr_prealloc_entries < DMA_DEBUG_DYNAMIC_ENTRIES:
                logger.info(
                    "DMA-API: dma_debug_entry pool grown to %u (%u00%%)",
                    self.nr_total_entries,
                    self.nr_total_entries // self.nr_prealloc_entries,
                )
        self.num_free_entries -= 1
        self.min_free_entries = min(self.min_free_entries, self.num_free_entries)

    def _cln(self, pa: int) -> int:
        """to_cacheline_number()."""
        return pa >> self.cache_shift

    def _lines(self, entry: DmaDebugEntry) -> range:
        size = max(entry.size, 1)
        return range(self._cln(entry.paddr), self._cln(entry.paddr + size - 1) + 1)

    def _add_dma_entry(self, entry: DmaDebugEntry, attrs: int) -> None:
        """add_dma_entry(): hash it, track its first cache line, report overlaps."""
        self._entry_alloc()
        self._bucket(entry.dev_addr).append(entry)
        self._max_size = max(self._max_size, entry.size)
        if entry.type in (TYPE_SINGLE, TYPE_SG):
            for line in self._lines(entry):
                self._cpu_index.setdefault(line, []).append(entry)
        # active_cacheline_insert(): a device that only reads memory cannot leave stale data.
        if entry.direction == DMA_TO_DEVICE:
            return
        sharers = self._active_cacheline.setdefault(self._cln(entry.paddr), [])
        sharers.append(entry)
        if len(sharers) > 1 and not attrs & DMA_ATTR_SKIP_CPU_SYNC:
            self._err_printk(
                entry.dev,
                entry,
                "cacheline tracking EEXIST, overlapping mappings aren't supported",
            )

    def _remove_entry(self, entry: DmaDebugEntry) -> None:
        """hash_bucket_del() and dma_entry_free() with active_cacheline_remove()."""
        self._bucket(entry.dev_addr).remove(entry)
        self.num_free_entries += 1
        if entry.type in (TYPE_SINGLE, TYPE_SG):
            for line in self._lines(entry):
                users = self._cpu_index[line]
                users.remove(entry)
                if not users:
                    del self._cpu_index[line]
        if entry.direction == DMA_TO_DEVICE:
            return
        cln = self._cln(entry.paddr)
        sharers = self._active_cacheline.get(cln, [])
        if entry in sharers:
            sharers.remove(entry)
        if not sharers:
            self._active_cacheline.pop(cln, None)

    # ----------------------------------------------------------------- checks

    def _check_unmap(self, ref: DmaDebugEntry) -> None:
        """check_unmap(): compare an unmap or free against the recorded mapping."""
        dev = ref.dev
        entry = self._find_exact(ref)
        if entry is None:
            if ref.dev_addr == DMA_MAPPING_ERROR:
                self._err_printk(
                    dev, None, "device driver tries to free an invalid DMA memory address"
                )
            else:
                self._err_printk(
                    dev,
                    None,
                    "device driver tries to free DMA memory it has not allocated "
                    f"[device address=0x{ref.dev_addr:016x}] [size={ref.size} bytes]",
                )
            return
        addr = f"[device address=0x{ref.dev_addr:016x}]"
        if ref.size != entry.size:
            self._err_printk(
                dev,
                entry,
                f"device driver frees DMA memory with different size {addr} "
                f"[map size={entry.size} bytes] [unmap size={ref.size} bytes]",
            )
        if ref.type != entry.type:
            self._err_printk(
                dev,
                entry,
                f"device driver frees DMA memory with wrong function {addr} "
                f"[size={ref.size} bytes] [mapped as {entry.type}] [unmapped as {ref.type}]",
            )
        elif entry.type == TYPE_COHERENT and ref.va != entry.va:
            self._err_printk(
                dev,
                entry,
                f"device driver frees DMA memory with different CPU address {addr} "
                f"[size={ref.size} bytes] [cpu alloc address={_pa(entry.va)}] "
                f"[cpu free address={_pa(ref.va)}]",
            )
        if ref.sg_call_ents and ref.type == TYPE_SG and ref.sg_call_ents != entry.sg_call_ents:
            self._err_printk(
                dev,
                entry,
                "device driver frees DMA sg list with different entry count "
                f"[map count={entry.sg_call_ents}] [unmap count={ref.sg_call_ents}]",
            )
        if ref.direction != entry.direction:
            self._err_printk(
                dev,
                entry,
                f"device driver frees DMA memory with different direction {addr} "
                f"[size={ref.size} bytes] [mapped with {dir2name(entry.direction)}] "
                f"[unmapped with {dir2name(ref.direction)}]",
            )
        if entry.map_err_type == MAP_ERR_NOT_CHECKED:
            # Linux's format has no space before the first bracket; kept as printed.
            self._err_printk(
                dev,
                entry,
                f"device driver failed to check map error{addr} [size={ref.size} bytes] "
                f"[mapped as {entry.type}]",
            )
        self._remove_entry(entry)

    def _check_for_stack(self, dev: Any, pa: int) -> None:
        if self.is_stack(pa):
            self._err_printk(dev, None, f"device driver maps memory from stack [addr={_pa(pa)}]")

    def _check_for_illegal_area(self, dev: Any, pa: int, size: int) -> None:
        if self.is_kernel_text(pa, size):
            self._err_printk(
                dev,
                None,
                "device driver maps memory from kernel text or rodata "
                f"[addr={_pa(pa)}] [len={size}]",
            )

    def _check_sync(self, dev: Any, ref: DmaDebugEntry, to_cpu: bool) -> None:
        """check_sync(): compare a sync against the mapping containing it."""
        entry = self._find_contain(ref, self._containing_match)
        if entry is None:
            entry = self._find_contain(ref, self._start_match)
        if entry is None:
            self._err_printk(
                dev,
                None,
                "device driver tries to sync DMA memory it has not allocated "
                f"[device address=0x{ref.dev_addr:016x}] [size={ref.size} bytes]",
            )
            return
        end = ref.dev_addr - entry.dev_addr + ref.size
        if end > entry.size:
            self._err_printk(
                dev,
                entry,
                "device driver syncs DMA memory outside allocated range "
                f"[device address=0x{entry.dev_addr:016x}] "
                f"[allocation size={entry.size} bytes] [sync offset+size={end}]",
            )
        entry.device_owns = not to_cpu
        if entry.direction == DMA_BIDIRECTIONAL:
            return
        detail = (
            f"[device address=0x{ref.dev_addr:016x}] [size={entry.size} bytes] "
            f"[mapped with {dir2name(entry.direction)}] [synced with {dir2name(ref.direction)}]"
        )
        if ref.direction != entry.direction:
            self._err_printk(
                dev, entry, f"device driver syncs DMA memory with different direction {detail}"
            )
        if to_cpu and entry.direction != DMA_FROM_DEVICE and ref.direction != DMA_TO_DEVICE:
            self._err_printk(
                dev, entry, f"device driver syncs device read-only DMA memory for cpu {detail}"
            )
        if not to_cpu and entry.direction != DMA_TO_DEVICE and ref.direction != DMA_FROM_DEVICE:
            self._err_printk(
                dev, entry, f"device driver syncs device write-only DMA memory to device {detail}"
            )
        if ref.sg_call_ents and ref.type == TYPE_SG and ref.sg_call_ents != entry.sg_call_ents:
            self._err_printk(
                dev,
                entry,
                "device driver syncs DMA sg list with different entry count "
                f"[map count={entry.sg_call_ents}] [sync count={ref.sg_call_ents}]",
            )

    def _check_sg_segment(
        self, dev: Any, sg: SgEntry, max_seg_size: int, seg_boundary_mask: int
    ) -> None:
        """check_sg_segment(): the segment against dma_parms."""
        _, length, dma_addr, dma_len = sg
        if length > max_seg_size:
            self._err_printk(
                dev,
                None,
                "mapping sg segment longer than device claims to support "
                f"[len={length}] [max={max_seg_size}]",
            )
        start = dma_addr
        end = start + dma_len - 1
        if (start ^ end) & ~seg_boundary_mask:
            self._err_printk(
                dev,
                None,
                f"mapping sg segment across boundary [start=0x{start:016x}] "
                f"[end=0x{end:016x}] [boundary=0x{seg_boundary_mask:016x}]",
            )

    def _nr_mapped_entries(self, ref: DmaDebugEntry) -> int:
        """get_nr_mapped_entries()."""
        entry = self._find_exact(ref)
        return entry.sg_mapped_ents if entry is not None else 0

    # ----------------------------------------------------------------- hooks

    def debug_dma_map_single(
        self, dev: Any, va: int, size: int, *, is_vmalloc: bool, valid: bool
    ) -> None:
        """debug_dma_map_single(): the buffer handed to dma_map_single() must be linear memory."""
        if not self.enabled:
            return
        if not valid:
            self._err_printk(
                dev,
                None,
                f"device driver maps memory from invalid area [addr=0x{va:016x}] [len={size}]",
            )
        if is_vmalloc:
            self._err_printk(
                dev,
                None,
                f"device driver maps memory from vmalloc area [addr=0x{va:016x}] [len={size}]",
            )

    def debug_dma_map_page(
        self,
        dev: Any,
        pa: int,
        size: int,
        direction: int,
        dma_addr: int,
        attrs: int,
        *,
        kind: str = "single",
    ) -> None:
        """debug_dma_map_page() (debug_dma_map_phys() in v6.18+): track a streaming mapping."""
        if kind not in ("single", "page"):
            raise ValueError(f"kind must be 'single' or 'page', got {kind!r}")
        if not self.enabled or dma_addr == DMA_MAPPING_ERROR:
            return
        entry = DmaDebugEntry(
            dev=dev,
            dev_addr=dma_addr,
            size=size,
            type=TYPE_SINGLE,
            direction=direction,
            paddr=pa,
            map_err_type=MAP_ERR_NOT_CHECKED,
        )
        self._check_for_stack(dev, pa)
        self._check_for_illegal_area(dev, pa, size)
        self._add_dma_entry(entry, attrs)

    def debug_dma_mapping_error(self, dev: Any, dma_addr: int) -> None:
        """debug_dma_mapping_error(): mark the first unchecked mapping at dma_addr checked."""
        if not self.enabled:
            return
        for entry in self._hash.get(_hash_fn(dma_addr), ()):
            if (
                entry.dev is dev
                and entry.dev_addr == dma_addr
                and entry.map_err_type == MAP_ERR_NOT_CHECKED
            ):
                entry.map_err_type = MAP_ERR_CHECKED
                return

    def debug_dma_unmap_page(
        self, dev: Any, dma_addr: int, size: int, direction: int, *, kind: str = "single"
    ) -> None:
        """debug_dma_unmap_page(): check and forget a streaming mapping."""
        if kind not in ("single", "page"):
            raise ValueError(f"kind must be 'single' or 'page', got {kind!r}")
        if not self.enabled:
            return
        self._check_unmap(DmaDebugEntry(dev, dma_addr, size, TYPE_SINGLE, direction))

    def debug_dma_map_sg(
        self,
        dev: Any,
        sg_entries: list[SgEntry],
        nents: int,
        mapped_ents: int,
        direction: int,
        attrs: int,
        *,
        max_seg_size: int,
        seg_boundary_mask: int,
    ) -> None:
        """debug_dma_map_sg(): check every element, track the mapped_ents DMA segments."""
        if not self.enabled:
            return
        for pa, length, _dma_addr, _dma_len in sg_entries[:nents]:
            self._check_for_stack(dev, pa)
            self._check_for_illegal_area(dev, pa, length)
        for sg in sg_entries[: max(mapped_ents, 0)]:
            pa, _length, dma_addr, dma_len = sg
            entry = DmaDebugEntry(
                dev=dev,
                dev_addr=dma_addr,
                size=dma_len,
                type=TYPE_SG,
                direction=direction,
                sg_call_ents=nents,
                sg_mapped_ents=mapped_ents,
                paddr=pa,
            )
            self._check_sg_segment(dev, sg, max_seg_size, seg_boundary_mask)
            self._add_dma_entry(entry, attrs)

    def _sg_ref(self, dev: Any, sg: SgEntry, nelems: int, direction: int) -> DmaDebugEntry:
        pa, _length, dma_addr, dma_len = sg
        return DmaDebugEntry(dev, dma_addr, dma_len, TYPE_SG, direction, nelems, 0, pa)

    def debug_dma_unmap_sg(
        self, dev: Any, sg_entries: list[SgEntry], nelems: int, direction: int
    ) -> None:
        """debug_dma_unmap_sg(): check and forget the mapped segments of a list."""
        if not self.enabled:
            return
        mapped_ents = 0
        for i, sg in enumerate(sg_entries[:nelems]):
            ref = self._sg_ref(dev, sg, nelems, direction)
            if mapped_ents and i >= mapped_ents:
                break
            if i == 0:
                mapped_ents = self._nr_mapped_entries(ref)
            self._check_unmap(ref)

    def debug_dma_alloc_coherent(
        self, dev: Any, size: int, dma_addr: int, va: int, pa: int
    ) -> None:
        """debug_dma_alloc_coherent(): track a coherent allocation (always bidirectional)."""
        if not self.enabled or not va or dma_addr == DMA_MAPPING_ERROR:
            return
        entry = DmaDebugEntry(
            dev, dma_addr, size, TYPE_COHERENT, DMA_BIDIRECTIONAL, paddr=pa, va=va
        )
        self._add_dma_entry(entry, 0)

    def debug_dma_free_coherent(self, dev: Any, size: int, va: int, dma_addr: int) -> None:
        """debug_dma_free_coherent(): check and forget a coherent allocation."""
        if not self.enabled:
            return
        ref = DmaDebugEntry(dev, dma_addr, size, TYPE_COHERENT, DMA_BIDIRECTIONAL, va=va)
        self._check_unmap(ref)

    def debug_dma_map_resource(
        self, dev: Any, pa: int, size: int, direction: int, dma_addr: int, *, is_ram: bool
    ) -> None:
        """debug_dma_map_resource() (map_phys with DMA_ATTR_MMIO in v6.18+): MMIO, never RAM.
        RAM is reported even though the mapping layer refused it (DMA_MAPPING_ERROR)."""
        if not self.enabled or (dma_addr == DMA_MAPPING_ERROR and not is_ram):
            return
        entry = DmaDebugEntry(
            dev=dev,
            dev_addr=dma_addr,
            size=size,
            type=TYPE_PHY,
            direction=direction,
            paddr=pa,
            map_err_type=MAP_ERR_NOT_CHECKED,
        )
        if is_ram:
            self._err_printk(dev, entry, f"dma_map_resource called for RAM address {_pa(pa)}")
            if dma_addr == DMA_MAPPING_ERROR:
                return
        self._add_dma_entry(entry, 0)

    def debug_dma_unmap_resource(self, dev: Any, dma_addr: int, size: int, direction: int) -> None:
        """debug_dma_unmap_resource(): check and forget a resource mapping."""
        if not self.enabled:
            return
        self._check_unmap(DmaDebugEntry(dev, dma_addr, size, TYPE_PHY, direction))

    def debug_dma_sync_single_for_cpu(
        self, dev: Any, dma_addr: int, size: int, direction: int
    ) -> None:
        """debug_dma_sync_single_for_cpu(): the CPU takes the buffer back."""
        if self.enabled:
            self._check_sync(dev, DmaDebugEntry(dev, dma_addr, size, TYPE_SINGLE, direction), True)

    def debug_dma_sync_single_for_device(
        self, dev: Any, dma_addr: int, size: int, direction: int
    ) -> None:
        """debug_dma_sync_single_for_device(): the device gets the buffer."""
        if self.enabled:
            self._check_sync(dev, DmaDebugEntry(dev, dma_addr, size, TYPE_SINGLE, direction), False)

    def _sync_sg(
        self, dev: Any, sg_entries: list[SgEntry], nelems: int, direction: int, to_cpu: bool
    ) -> None:
        mapped_ents = 0
        for i, sg in enumerate(sg_entries[:nelems]):
            ref = self._sg_ref(dev, sg, nelems, direction)
            if i == 0:
                mapped_ents = self._nr_mapped_entries(ref)
            if i >= mapped_ents:
                break
            self._check_sync(dev, ref, to_cpu)

    def debug_dma_sync_sg_for_cpu(
        self, dev: Any, sg_entries: list[SgEntry], nelems: int, direction: int
    ) -> None:
        """debug_dma_sync_sg_for_cpu(): only the mapped segments (counted from the first)."""
        if self.enabled:
            self._sync_sg(dev, sg_entries, nelems, direction, True)

    def debug_dma_sync_sg_for_device(
        self, dev: Any, sg_entries: list[SgEntry], nelems: int, direction: int
    ) -> None:
        """debug_dma_sync_sg_for_device(): only the mapped segments (counted from the first)."""
        if self.enabled:
            self._sync_sg(dev, sg_entries, nelems, direction, False)

    def debug_dma_release_device(self, dev: Any) -> None:
        """dma_debug_device_change(BUS_NOTIFY_UNBOUND_DRIVER): report leaks at driver unbind.

        As in Linux the leaked entries stay tracked; the last one found is the one described.
        """
        if not self.enabled:
            return
        leaked = [e for idx in sorted(self._hash) for e in self._hash[idx] if e.dev is dev]
        if not leaked:
            return
        entry = leaked[-1]
        self._err_printk(
            dev,
            entry,
            "device driver has pending DMA allocations while released from device "
            f"[count={len(leaked)}]\n"
            "One of leaked entries details: "
            f"[device address=0x{entry.dev_addr:016x}] [size={entry.size} bytes] "
            f"[mapped with {dir2name(entry.direction)}] [mapped as {entry.type}]",
        )

    # ----------------------------------------------------------------- project's own check

    def check_cpu_access(self, pa: int, length: int, write: bool) -> None:
        """Report a CPU access to memory a device owns (this project's check, not Linux's).

        A streaming mapping (single or sg) is owned by the device from map and from
        sync_for_device, and by the CPU after sync_for_cpu. The CPU must not read or write any
        cache line overlapping a device-owned FROM_DEVICE or BIDIRECTIONAL mapping (the line may
        be written back over the device's data, or read stale), nor write the bytes of a
        device-owned TO_DEVICE mapping (the device may already have read them); reading a
        TO_DEVICE buffer is harmless. Lookup is by cache line, O(lines touched). One report per
        mapping per access, naming the first offending line's address. Ownership is per
        mapping (per segment for sg): a partial sync hands over the whole mapping.
        """
        if not self.enabled or length <= 0:
            return
        end = pa + length
        seen: set[int] = set()
        for line in range(self._cln(pa), self._cln(end - 1) + 1):
            for entry in self._cpu_index.get(line, ()):
                if id(entry) in seen or not entry.device_owns:
                    continue
                if entry.direction == DMA_TO_DEVICE:
                    line_lo = max(pa, line << self.cache_shift)
                    line_hi = min(end, (line + 1) << self.cache_shift)
                    if not write or line_hi <= entry.paddr or line_lo >= entry.paddr + entry.size:
                        continue
                seen.add(id(entry))
                self._err_printk(
                    entry.dev,
                    entry,
                    f"cpu {'writing' if write else 'reading'} DMA memory the device owns "
                    f"[cacheline={_pa(line << self.cache_shift)}] "
                    f"[device address=0x{entry.dev_addr:016x}] [size={entry.size} bytes] "
                    f"[mapped with {dir2name(entry.direction)}]",
                )

    # ----------------------------------------------------------------- debugfs

    def _entry_line(self, entry: DmaDebugEntry) -> str:
        return (
            f"{_driver_string(entry.dev)} {_dev_name(entry.dev)} {entry.type} "
            f"idx {_hash_fn(entry.dev_addr)} P={_pa(entry.paddr)} D={entry.dev_addr:x} "
            f"L={entry.size:x} cln={_pa(self._cln(entry.paddr))} {dir2name(entry.direction)} "
            f"{entry.map_err_type}"
        )

    def dump(self) -> list[str]:
        """debugfs dma-api/dump: one line per entry, bucket by bucket, in Linux's format."""
        if not self.enabled:
            return []
        return [self._entry_line(e) for idx in sorted(self._hash) for e in self._hash[idx]]

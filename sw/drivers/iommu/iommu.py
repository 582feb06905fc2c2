"""The IOMMU's driver: probe, domains with Sv39 page tables, IOTLB maintenance, fault queue.

What Linux splits over several files of drivers/iommu/ sits here in one module,
under Linux's names where it has one:

* the hardware driver (as riscv/iommu.c or arm/arm-smmu-v3/arm-smmu-v3.c):
  :meth:`IommuDriver.probe` allocates the stream table (device directory) and
  the fault queue, programs the registers and enables translation;
  :meth:`~IommuDriver.attach_device` writes a stream-table entry and
  invalidates the IOMMU's cached copy (IODIR.INVAL_DDT / CFGI_STE, then a
  fence); :meth:`~IommuDriver.read_faults` drains the fault queue (the
  event-queue thread of arm-smmu-v3, riscv_iommu_fltq_process);
* io-pgtable (:class:`Sv39PageTable`: ``map_pages``, ``unmap_pages``,
  ``iova_to_phys``): the tables are built by the CPU in its linear map, and
  since the page-table walker is not coherent with the CPU cache every PTE
  written is cleaned to memory (``dcache_clean_poc``), as io-pgtable does
  without ``IO_PGTABLE_QUIRK``/``coherent_walk``; a new table is zeroed and
  cleaned before the PTE pointing to it is written;
* the core (iommu.c): :meth:`~IommuDriver.iommu_map` splits a range into the
  largest pages that fit (``iommu_pgsize``: 1 GiB, 2 MiB, 4 KiB) and undoes a
  partial map on error; :meth:`~IommuDriver.iommu_unmap` stops at the first
  hole and returns the bytes unmapped;
* dma-iommu.c's flush queue: a domain is *strict* (every unmap is followed by
  IOTLB invalidation and a fence whose completion is awaited) or *lazy*
  (``strict=False``, IOMMU_DOMAIN_DMA_FQ): unmapped ranges are queued, and the
  whole domain's IOTLB is invalidated once when the queue holds ``fq_size``
  (256, IOVA_FQ_SIZE) entries, when :meth:`~IommuDriver.flush_iotlb_all` is
  called, or when ``fq_timeout`` ns have passed since the oldest queued
  entry.  Until then the device can still reach an unmapped page through a
  stale IOTLB entry, exactly the window Linux accepts in lazy mode.  The
  caller's ``on_flushed`` callback (where dma-iommu frees the IOVA, in
  ``fq_ring_free``) runs once the range can no longer be reached.

Hardware interface (defined by the model's documentation, copied here as a
driver's header would; ``sw/`` never imports the model): registers at
``regs_pa`` (CAP 0x00, CTRL 0x04, STATUS 0x08, DDT_BASE 0x10/0x14, DDT_LOG2
0x18, FQ_BASE 0x20/0x24, FQ_LOG2 0x28, FQ_HEAD 0x30, FQ_TAIL 0x34, CMD_OPCODE
0x40, CMD_ARG1 0x44, CMD_ARG0 0x48/0x4C, CMD_GO 0x50, CMD_COMPLETED 0x54),
16-byte stream-table entries (mode and domain ID, page-table root), Sv39
PTEs, 32-byte fault records.

Coroutines (they do MMIO, or may have to flush): ``probe``, ``remove``,
``attach_device``, ``attach_identity``, ``detach_device``, ``iommu_map`` (a
lazy domain's timeout flush), ``iommu_unmap``, ``flush_iotlb_all``,
``free_domain``, ``read_faults``.  Plain functions: ``alloc_domain``,
``iova_to_phys``.

Errors are exceptions instead of errnos: ValueError for -EINVAL/-ERANGE (bad
alignment, size, protection, range, stream ID), FileExistsError for -EEXIST
(mapping over a mapping), MemoryError for -ENOMEM (from the page allocator),
TimeoutError for -ETIMEDOUT (a fence that never completes), RuntimeError for
-ENODEV at probe.

Differences from Linux:

* No background timer: the flush queue's timeout (Linux: 10 ms, FQ_TIMEOUT)
  is checked at the next ``iommu_map``/``iommu_unmap`` of the same domain,
  against ``clock()`` (the platform's ``ktime_get_ns`` unless probe is given
  another clock).  One queue per domain, not per CPU.
* ``iommu_unmap`` takes the strict/lazy decision itself (in Linux the core's
  ``iommu_unmap`` is always strict and dma-iommu calls ``iommu_unmap_fast`` +
  ``queue_iova``); arguments are checked and raise (Linux prints and returns 0).
* Ranges are invalidated page by page below ``inval_limit`` (2 MiB, as
  RISCV_IOMMU_IOTLB_INVAL_LIMIT) and by whole domain above; commands go
  through registers, not a command queue, and only registers whose value
  changes are rewritten.
* Intermediate tables are freed only with the domain; a superpage is never
  split (unmapping part of one stops there, as io-pgtable-arm today); a
  superpage is not used where a table already exists.
* Domain IDs come from a simple allocator (1..65535); there is no IOVA
  allocator here (that is dma-iommu's job).
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from sw.kernel.locking.mutex import Mutex
from sw.mm.page_alloc import PAGE_SHIFT, PAGE_SIZE, PageAllocator, get_order
from sw.platform import IRQ_HANDLED, IRQ_NONE, Platform

log = logging.getLogger(__name__)

# -- protection flags (include/linux/iommu.h) ----------------------------------------------------

IOMMU_READ = 1 << 0
IOMMU_WRITE = 1 << 1

SZ_4K = 1 << 12
SZ_2M = 1 << 21
SZ_1G = 1 << 30

IOVA_FQ_SIZE = 256  # dma-iommu.c: entries in a flush queue
IOVA_FQ_TIMEOUT = 10_000_000  # ns: Linux's 10 ms (IOVA_FQ_TIMEOUT in dma-iommu.c)
IOTLB_INVAL_LIMIT = 2 << 20  # riscv/iommu.c: above this, invalidate the whole domain

# -- the hardware's programming interface --------------------------------------------------------

IOMMU_CAP = 0x00
IOMMU_CTRL = 0x04
IOMMU_STATUS = 0x08
IOMMU_DDT_BASE_LO = 0x10
IOMMU_DDT_BASE_HI = 0x14
IOMMU_DDT_LOG2 = 0x18
IOMMU_FQ_BASE_LO = 0x20
IOMMU_FQ_BASE_HI = 0x24
IOMMU_FQ_LOG2 = 0x28
IOMMU_FQ_HEAD = 0x30
IOMMU_FQ_TAIL = 0x34
IOMMU_CMD_OPCODE = 0x40
IOMMU_CMD_ARG1 = 0x44
IOMMU_CMD_ARG0_LO = 0x48
IOMMU_CMD_ARG0_HI = 0x4C
IOMMU_CMD_GO = 0x50
IOMMU_CMD_COMPLETED = 0x54

IOMMU_VERSION = 1
CTRL_EN = 1 << 0
CTRL_FQ_EN = 1 << 1
CTRL_FIE = 1 << 2
STATUS_FIP = 1 << 0
STATUS_FQ_OVF = 1 << 1
STATUS_CMD_ERR = 1 << 2
STATUS_FQ_MF = 1 << 3

CMD_INVAL_VMA = 1
CMD_INVAL_DDT = 2
CMD_FENCE = 3
CMD_ARG1_ALL = 1 << 16
CMD_ARG1_ALL_DOMAINS = 1 << 17

DDT_ENTRY_SIZE = 16
DDT_MODE_OFF = 0
DDT_MODE_BYPASS = 1
DDT_MODE_TRANSLATE = 2

PTE_V = 1 << 0
PTE_R = 1 << 1
PTE_W = 1 << 2
PTE_X = 1 << 3
PTE_PPN_SHIFT = 10
PTE_PPN_MASK = (1 << 44) - 1
PTES_PER_TABLE = 512
SV39_LEVELS = 3
IOVA_BITS = 39
OA_BITS = 56  # PPN [53:10] -> 56-bit physical addresses

FQ_RECORD_SIZE = 32
_FAULT_RECORD = struct.Struct("<BBHIQQQ")
FAULT_FLAG_RNW = 1 << 0
FAULT_FLAG_DV = 1 << 1
FAULT_FLAG_FV = 1 << 2

# ARM SMMUv3 event numbers (arm-smmu-v3.h EVT_ID_*)
EVT_ID_BAD_STREAMID = 0x02
EVT_ID_STE_FETCH = 0x03
EVT_ID_BAD_STE = 0x04
EVT_ID_STREAM_DISABLED = 0x06
EVT_ID_WALK_EABT = 0x0B
EVT_ID_TRANSLATION_FAULT = 0x10
EVT_ID_PERMISSION_FAULT = 0x13

EVT_NAMES = {
    EVT_ID_BAD_STREAMID: "C_BAD_STREAMID",
    EVT_ID_STE_FETCH: "F_STE_FETCH",
    EVT_ID_BAD_STE: "C_BAD_STE",
    EVT_ID_STREAM_DISABLED: "F_STREAM_DISABLED",
    EVT_ID_WALK_EABT: "F_WALK_EABT",
    EVT_ID_TRANSLATION_FAULT: "F_TRANSLATION",
    EVT_ID_PERMISSION_FAULT: "F_PERMISSION",
}

_M32 = 0xFFFF_FFFF
_LEVEL_OF_PGSIZE = {SZ_4K: 0, SZ_2M: 1, SZ_1G: 2}


def _pte_index(iova: int, level: int) -> int:
    return iova >> (PAGE_SHIFT + 9 * level) & (PTES_PER_TABLE - 1)


def _is_leaf(pte: int) -> bool:
    return bool(pte & (PTE_R | PTE_W | PTE_X))


def _pte_addr(pte: int) -> int:
    return (pte >> PTE_PPN_SHIFT & PTE_PPN_MASK) << PAGE_SHIFT


@dataclass(frozen=True)
class IommuFault:
    """One record of the fault queue, as the driver decodes it."""

    event: int
    stream_id: int
    iova: int
    rnw: bool  # True: the device was reading
    domain_id: int | None
    fetch_addr: int | None  # the table entry whose read failed, for fetch/walk aborts

    @classmethod
    def from_bytes(cls, raw: bytes) -> IommuFault:
        event, flags, did, sid, iova, fetch, _ = _FAULT_RECORD.unpack(raw)
        return cls(
            event=event,
            stream_id=sid,
            iova=iova,
            rnw=bool(flags & FAULT_FLAG_RNW),
            domain_id=did if flags & FAULT_FLAG_DV else None,
            fetch_addr=fetch if flags & FAULT_FLAG_FV else None,
        )

    @property
    def name(self) -> str:
        return EVT_NAMES.get(self.event, f"event {self.event:#x}")

    @property
    def is_write(self) -> bool:
        return not self.rnw

    def __str__(self) -> str:
        did = "-" if self.domain_id is None else str(self.domain_id)
        kind = "read" if self.rnw else "write"
        return f"{self.name}: stream {self.stream_id} domain {did} {kind} at {self.iova:#x}"


class Sv39PageTable:
    """One domain's Sv39 tables (io_pgtable_ops), built by the CPU in its linear map."""

    def __init__(self, platform: Platform, pages: PageAllocator) -> None:
        self.platform = platform
        self.pages = pages
        self.tables: list[int] = []  # physical addresses of every table, root first
        self.pgd = self._alloc_table()

    def _alloc_table(self) -> int:
        pa = self.pages.alloc_pages(0)
        va = self.platform.phys_to_virt(pa)
        self.platform.write(va, bytes(PAGE_SIZE))
        self.platform.dcache_clean_poc(va, va + PAGE_SIZE)
        self.tables.append(pa)
        return pa

    def _read_pte(self, ptep: int) -> int:
        return int.from_bytes(self.platform.read(self.platform.phys_to_virt(ptep), 8), "little")

    def _write_pte(self, ptep: int, pte: int) -> None:
        va = self.platform.phys_to_virt(ptep)
        self.platform.write(va, pte.to_bytes(8, "little"))
        self.platform.dcache_clean_poc(va, va + 8)  # the walker reads memory, not the cache

    def _lookup(self, iova: int) -> tuple[int, int, int]:
        """(PTE address, PTE, level) where a walk of ``iova`` stops: a leaf, an invalid
        entry or level 0."""
        table = self.pgd
        for level in range(SV39_LEVELS - 1, -1, -1):
            ptep = table + 8 * _pte_index(iova, level)
            pte = self._read_pte(ptep)
            if level == 0 or not pte & PTE_V or _is_leaf(pte):
                return ptep, pte, level
            table = _pte_addr(pte)
        raise AssertionError("unreachable")

    def block_free(self, iova: int, pgsize: int) -> bool:
        """Whether a leaf of ``pgsize`` could be written for ``iova`` without replacing a
        table or a mapping (the slot and every level above it hold no leaf)."""
        _, pte, level = self._lookup(iova)
        return not pte & PTE_V and level >= _LEVEL_OF_PGSIZE[pgsize]

    def map_pages(self, iova: int, paddr: int, pgsize: int, pgcount: int, prot: int) -> int:
        """Write ``pgcount`` leaves of ``pgsize``; FileExistsError if one is mapped already
        (the ones before it stay mapped).  Returns the bytes mapped."""
        level = _LEVEL_OF_PGSIZE[pgsize]
        bits = PTE_V
        if prot & IOMMU_READ:
            bits |= PTE_R
        if prot & IOMMU_WRITE:
            bits |= PTE_W
        for i in range(pgcount):
            self._install(iova + i * pgsize, paddr + i * pgsize, level, bits)
        return pgsize * pgcount

    def _install(self, iova: int, paddr: int, level: int, bits: int) -> None:
        table = self.pgd
        for lvl in range(SV39_LEVELS - 1, level, -1):
            ptep = table + 8 * _pte_index(iova, lvl)
            pte = self._read_pte(ptep)
            if not pte & PTE_V:
                new = self._alloc_table()  # zeroed and cleaned before it is linked
                self._write_pte(ptep, (new >> PAGE_SHIFT) << PTE_PPN_SHIFT | PTE_V)
                table = new
            elif _is_leaf(pte):
                raise FileExistsError(f"IOVA {iova:#x} is inside a mapped superpage")
            else:
                table = _pte_addr(pte)
        ptep = table + 8 * _pte_index(iova, level)
        if self._read_pte(ptep) & PTE_V:
            raise FileExistsError(f"IOVA {iova:#x} is mapped already")
        self._write_pte(ptep, (paddr >> PAGE_SHIFT) << PTE_PPN_SHIFT | bits)

    def unmap_pages(self, iova: int, size: int) -> int:
        """Clear the leaves covering [iova, iova + size); stops at a hole or at a superpage
        the range covers only in part.  Returns the bytes unmapped."""
        done = 0
        while done < size:
            ptep, pte, level = self._lookup(iova + done)
            if not pte & PTE_V or not _is_leaf(pte):
                break
            leaf = 1 << (PAGE_SHIFT + 9 * level)
            if (iova + done) & (leaf - 1) or size - done < leaf:
                break
            self._write_pte(ptep, 0)
            done += leaf
        return done

    def iova_to_phys(self, iova: int) -> int:
        """The physical address ``iova`` maps to, 0 when unmapped (as Linux)."""
        _, pte, level = self._lookup(iova)
        if not pte & PTE_V or not _is_leaf(pte):
            return 0
        return _pte_addr(pte) + (iova & ((1 << (PAGE_SHIFT + 9 * level)) - 1))

    def free(self) -> None:
        for pa in self.tables:
            self.pages.free_pages(pa, 0)
        self.tables.clear()


@dataclass(eq=False)
class IommuDomain:
    """A translation context (struct iommu_domain): an ID, page tables, the devices
    attached, and its flush queue when lazy."""

    id: int
    pgtable: Sv39PageTable
    strict: bool
    devices: set[int] = field(default_factory=set)
    # flush queue: (iova, size, on_flushed) of unmapped ranges the IOTLB may still hold
    fq: list[tuple[int, int, Callable[[], None] | None]] = field(default_factory=list)
    fq_first: int | None = None  # clock() when the oldest queued entry was added
    fq_flushes: int = 0


class IommuDriver:
    """The driver instance of one IOMMU (struct riscv_iommu_device / arm_smmu_device).
    Build it with :meth:`probe`."""

    def __init__(
        self,
        platform: Platform,
        regs_pa: int,
        pages: PageAllocator,
        *,
        clock: Callable[[], int] | None = None,
        fq_size: int = IOVA_FQ_SIZE,
        fq_timeout: int = IOVA_FQ_TIMEOUT,
        inval_limit: int = IOTLB_INVAL_LIMIT,
        pgsize_bitmap: int = SZ_4K | SZ_2M | SZ_1G,
        sync_poll_cycles: int = 16,
        sync_timeout_polls: int = 1000,
    ) -> None:
        if fq_size < 1:
            raise ValueError(f"flush queue size must be positive, not {fq_size}")
        if not pgsize_bitmap & SZ_4K or pgsize_bitmap & ~(SZ_4K | SZ_2M | SZ_1G):
            raise ValueError(f"page sizes {pgsize_bitmap:#x}: 4 KiB needed, 2 MiB/1 GiB optional")
        self.platform = platform
        self.regs_pa = regs_pa
        self.pages = pages
        # Time for the flush-queue timeout: the platform's ktime_get_ns unless given.
        self.clock = clock if clock is not None else platform.ktime_get_ns
        self.fq_size = fq_size
        self.fq_timeout = fq_timeout
        self.inval_limit = inval_limit
        self.pgsize_bitmap = pgsize_bitmap
        self.sync_poll_cycles = sync_poll_cycles
        self.sync_timeout_polls = sync_timeout_polls
        self.num_streams = 0
        self.ddt_pa = 0
        self.ddt_order = 0
        self.fq_pa = 0
        self.fq_order = 0
        self.fq_entries = 0
        self.irq: int | None = None
        self.domains: dict[int, IommuDomain] = {}
        self.stream_domain: dict[int, IommuDomain | None] = {}  # None: identity (bypass)
        self.fault_log: list[IommuFault] = []  # every record read, oldest first
        self.fq_overflows = 0  # times the hardware reported records lost
        self.fq_overflowed = False  # whether the last read_faults saw an overflow
        self._fq_head = 0
        self._acked = 0  # the STATUS bits the last read_faults acknowledged
        self._fence_seq = 0
        self._cmd_shadow: dict[int, int] = {}
        # The command registers are one resource for every task (dmatest threads unmap on
        # all channels at once): a command's register writes and its CMD_GO, and a FENCE
        # with the number it is given, are issued under this lock (the command queue's
        # lock in riscv_iommu_cmd_send, arm_smmu_cmdq_issue_cmdlist).
        self._cmd_lock = Mutex(platform, "iommu cmd")

    # -- probe and remove --------------------------------------------------------------------

    @classmethod
    async def probe(
        cls,
        platform: Platform,
        regs_pa: int,
        pages: PageAllocator,
        *,
        num_streams: int = 64,
        fq_log2: int = 6,
        irq: int | None = None,
        clock: Callable[[], int] | None = None,
        fq_size: int = IOVA_FQ_SIZE,
        fq_timeout: int = IOVA_FQ_TIMEOUT,
        inval_limit: int = IOTLB_INVAL_LIMIT,
        pgsize_bitmap: int = SZ_4K | SZ_2M | SZ_1G,
    ) -> IommuDriver:
        """Find the IOMMU at ``regs_pa``, give it a stream table for ``num_streams`` devices
        (every stream off: DMA is blocked until a device is attached) and a fault queue of
        2**fq_log2 records, and enable it.  With ``irq`` the fault interrupt is requested
        and its handler drains the queue into :attr:`fault_log`."""
        self = cls(
            platform,
            regs_pa,
            pages,
            clock=clock,
            fq_size=fq_size,
            fq_timeout=fq_timeout,
            inval_limit=inval_limit,
            pgsize_bitmap=pgsize_bitmap,
        )
        cap = await self._readl(IOMMU_CAP)
        if cap & 0xFF != IOMMU_VERSION:
            raise RuntimeError(
                f"no IOMMU of version {IOMMU_VERSION} at {regs_pa:#x} (CAP {cap:#x})"
            )
        ddt_max_log2, fq_max_log2 = cap >> 8 & 0xFF, cap >> 16 & 0xFF
        if num_streams < 1:
            raise ValueError(f"num_streams must be positive, not {num_streams}")
        ddt_log2 = (num_streams - 1).bit_length()
        if ddt_log2 > ddt_max_log2:
            raise ValueError(f"{num_streams} streams: the IOMMU has at most {1 << ddt_max_log2}")
        await self._writel(0, IOMMU_CTRL)  # whatever firmware left, start from disabled

        self.num_streams = num_streams
        self.ddt_order = get_order(DDT_ENTRY_SIZE << ddt_log2)
        self.ddt_pa = self._alloc_zeroed(self.ddt_order)
        await self._writel(self.ddt_pa & _M32, IOMMU_DDT_BASE_LO)
        await self._writel(self.ddt_pa >> 32, IOMMU_DDT_BASE_HI)
        await self._writel(ddt_log2, IOMMU_DDT_LOG2)

        fq_log2 = max(1, min(fq_log2, fq_max_log2))
        self.fq_order = get_order(FQ_RECORD_SIZE << fq_log2)
        self.fq_pa = self._alloc_zeroed(self.fq_order)
        await self._writel(self.fq_pa & _M32, IOMMU_FQ_BASE_LO)
        await self._writel(self.fq_pa >> 32, IOMMU_FQ_BASE_HI)
        await self._writel(fq_log2, IOMMU_FQ_LOG2)
        self.fq_entries = 1 << await self._readl(IOMMU_FQ_LOG2)  # WARL: what it took
        self._fq_head = 0

        # Nothing cached from before may survive: drop every context and translation.
        self._fence_seq = await self._readl(IOMMU_CMD_COMPLETED)
        await self._cmd(CMD_INVAL_DDT, 0, CMD_ARG1_ALL)
        await self._cmd(CMD_INVAL_VMA, 0, CMD_ARG1_ALL_DOMAINS)
        await self.iommu_sync()
        await self._writel(STATUS_FIP | STATUS_FQ_OVF | STATUS_CMD_ERR | STATUS_FQ_MF, IOMMU_STATUS)

        ctrl = CTRL_EN | CTRL_FQ_EN
        if irq is not None:
            self.irq = irq
            platform.request_irq(irq, self._irq_handler, "iommu-fq")
            ctrl |= CTRL_FIE
        await self._writel(ctrl, IOMMU_CTRL)
        return self

    async def remove(self) -> None:
        """Disable translation (every device bypasses again) and free the driver's memory;
        domains must have been freed."""
        if self.domains:
            raise ValueError(f"domains {sorted(self.domains)} still allocated")
        await self._writel(0, IOMMU_CTRL)
        if self.irq is not None:
            self.platform.free_irq(self.irq, self._irq_handler)
            self.irq = None
        self.pages.free_pages(self.ddt_pa, self.ddt_order)
        self.pages.free_pages(self.fq_pa, self.fq_order)

    def _alloc_zeroed(self, order: int) -> int:
        pa = self.pages.alloc_pages(order)
        va = self.platform.phys_to_virt(pa)
        size = PAGE_SIZE << order
        self.platform.write(va, bytes(size))
        self.platform.dcache_clean_poc(va, va + size)
        return pa

    # -- registers and commands ---------------------------------------------------------------

    async def _readl(self, offset: int) -> int:
        return await self.platform.readl(self.regs_pa + offset)

    async def _writel(self, value: int, offset: int) -> None:
        await self.platform.writel(value, self.regs_pa + offset)

    async def _cmd(self, opcode: int, arg0: int = 0, arg1: int = 0) -> None:
        """Issue one command, under the command lock."""
        async with self._cmd_lock:
            await self._cmd_send(opcode, arg0, arg1)

    async def _cmd_send(self, opcode: int, arg0: int = 0, arg1: int = 0) -> None:
        """Write one command (the lock held).  The command registers keep their values, so
        only those that change are written before CMD_GO."""
        for offset, value in (
            (IOMMU_CMD_OPCODE, opcode),
            (IOMMU_CMD_ARG0_LO, arg0 & _M32),
            (IOMMU_CMD_ARG0_HI, arg0 >> 32),
            (IOMMU_CMD_ARG1, arg1),
        ):
            if self._cmd_shadow.get(offset) != value:
                await self._writel(value, offset)
                self._cmd_shadow[offset] = value
        await self._writel(1, IOMMU_CMD_GO)

    async def iommu_sync(self) -> None:
        """FENCE, then wait for CMD_COMPLETED to reach it (riscv_iommu_cmd_sync,
        arm_smmu_cmdq_issue_sync): every earlier command has then taken effect.  The FENCE
        gets its number and is issued under the command lock, so the numbers follow the
        order the hardware executes them in; the wait is outside it."""
        async with self._cmd_lock:
            self._fence_seq = seq = (self._fence_seq + 1) & _M32
            await self._cmd_send(CMD_FENCE)
        for _ in range(self.sync_timeout_polls):
            done = await self._readl(IOMMU_CMD_COMPLETED)
            if (done - seq) & _M32 < 1 << 31:  # done >= seq, modulo 2**32
                return
            await self.platform.delay(self.sync_poll_cycles)
        raise TimeoutError(f"IOMMU fence {seq} never completed")

    async def _iotlb_inval(self, domain: IommuDomain, iova: int, size: int) -> None:
        """Invalidate [iova, iova + size) of the domain and wait (riscv_iommu_iotlb_inval)."""
        if size >= self.inval_limit:
            await self._cmd(CMD_INVAL_VMA, 0, domain.id | CMD_ARG1_ALL)
        else:
            for page in range(iova, iova + size, PAGE_SIZE):
                await self._cmd(CMD_INVAL_VMA, page, domain.id)
        await self.iommu_sync()

    # -- domains and devices ---------------------------------------------------------------------

    def alloc_domain(self, *, strict: bool = True) -> IommuDomain:
        """A new paging domain with an empty Sv39 table (iommu_paging_domain_alloc);
        ``strict=False`` gives it a flush queue (IOMMU_DOMAIN_DMA_FQ)."""
        did = next((d for d in range(1, 1 << 16) if d not in self.domains), None)
        if did is None:
            raise MemoryError("no free domain ID")
        domain = IommuDomain(did, Sv39PageTable(self.platform, self.pages), strict)
        self.domains[did] = domain
        return domain

    async def free_domain(self, domain: IommuDomain) -> None:
        """Drop the domain's translations and free its tables (iommu_domain_free); no device
        may be attached."""
        if domain.devices:
            raise ValueError(f"domain {domain.id} still has streams {sorted(domain.devices)}")
        await self.flush_iotlb_all(domain)  # also retires the flush queue
        domain.pgtable.free()
        del self.domains[domain.id]

    def _check_stream(self, stream_id: int) -> None:
        if not 0 <= stream_id < self.num_streams:
            raise ValueError(f"stream ID {stream_id} outside 0..{self.num_streams - 1}")

    async def _write_ste(self, stream_id: int, word0: int, root: int) -> None:
        """Write a stream-table entry through the CPU, clean it to memory, and make the
        IOMMU drop its cached copy (IODIR.INVAL_DDT / CFGI_STE + sync)."""
        va = self.platform.phys_to_virt(self.ddt_pa + stream_id * DDT_ENTRY_SIZE)
        self.platform.write(va, struct.pack("<QQ", word0, root))
        self.platform.dcache_clean_poc(va, va + DDT_ENTRY_SIZE)
        await self._cmd(CMD_INVAL_DDT, stream_id, 0)
        await self.iommu_sync()

    def _unbind(self, stream_id: int) -> None:
        old = self.stream_domain.pop(stream_id, None)
        if old is not None:
            old.devices.discard(stream_id)

    async def attach_device(self, domain: IommuDomain, stream_id: int) -> None:
        """Translate the device's DMA through ``domain`` (iommu_attach_device)."""
        self._check_stream(stream_id)
        if self.domains.get(domain.id) is not domain:
            raise ValueError(f"domain {domain.id} was not allocated by this IOMMU")
        self._unbind(stream_id)
        await self._write_ste(stream_id, DDT_MODE_TRANSLATE | domain.id << 16, domain.pgtable.pgd)
        domain.devices.add(stream_id)
        self.stream_domain[stream_id] = domain

    async def attach_identity(self, stream_id: int) -> None:
        """Let the device's DMA through untranslated (the identity domain)."""
        self._check_stream(stream_id)
        self._unbind(stream_id)
        await self._write_ste(stream_id, DDT_MODE_BYPASS, 0)
        self.stream_domain[stream_id] = None

    async def detach_device(self, stream_id: int) -> None:
        """Block the device's DMA (the blocking domain): every access faults."""
        self._check_stream(stream_id)
        self._unbind(stream_id)
        await self._write_ste(stream_id, DDT_MODE_OFF, 0)

    # -- mapping -------------------------------------------------------------------------------

    def _pgsize(self, domain: IommuDomain, iova: int, paddr: int, left: int) -> int:
        """The largest page that fits (iommu_pgsize), unless a table is already there."""
        for pgsize in (SZ_1G, SZ_2M):
            if (
                self.pgsize_bitmap & pgsize
                and not (iova | paddr) & (pgsize - 1)
                and pgsize <= left
                and domain.pgtable.block_free(iova, pgsize)
            ):
                return pgsize
        return SZ_4K

    async def iommu_map(
        self, domain: IommuDomain, iova: int, paddr: int, size: int, prot: int
    ) -> None:
        """Map [iova, iova + size) to [paddr, ...) with ``prot`` (IOMMU_READ | IOMMU_WRITE).
        All three must be 4 KiB aligned.  On an error nothing stays mapped.  A coroutine
        because a lazy domain's flush-queue timeout is checked here."""
        if (iova | paddr | size) & (PAGE_SIZE - 1) or size <= 0 or iova < 0 or paddr < 0:
            raise ValueError(
                f"iommu_map(iova={iova:#x}, paddr={paddr:#x}, size={size:#x}): must be"
                " positive and 4 KiB aligned"
            )
        if iova + size > 1 << IOVA_BITS or paddr + size > 1 << OA_BITS:
            raise ValueError(f"iommu_map: [{iova:#x}, +{size:#x}) beyond the 39-bit IOVA space")
        if not prot & (IOMMU_READ | IOMMU_WRITE) or prot & ~(IOMMU_READ | IOMMU_WRITE):
            raise ValueError(f"iommu_map: protection {prot:#x} is not READ and/or WRITE")
        await self._fq_check_timeout(domain)
        mapped = 0
        try:
            while mapped < size:
                pgsize = self._pgsize(domain, iova + mapped, paddr + mapped, size - mapped)
                mapped += domain.pgtable.map_pages(iova + mapped, paddr + mapped, pgsize, 1, prot)
        except BaseException:
            domain.pgtable.unmap_pages(iova, mapped)  # never reachable yet: no flush needed
            raise

    async def iommu_unmap(
        self,
        domain: IommuDomain,
        iova: int,
        size: int,
        on_flushed: Callable[[], None] | None = None,
    ) -> int:
        """Unmap [iova, iova + size); returns the bytes unmapped (less when a hole or part of
        a superpage is met).  Strict domain: the IOTLB is invalidated and the fence awaited
        before returning.  Lazy domain: the range goes to the flush queue and may stay
        reachable through the IOTLB until the queue is flushed.  ``on_flushed`` runs when
        the range can no longer be reached (where the IOVA may be reused)."""
        if (iova | size) & (PAGE_SIZE - 1) or size <= 0 or iova < 0:
            raise ValueError(
                f"iommu_unmap(iova={iova:#x}, size={size:#x}): must be positive and 4 KiB aligned"
            )
        await self._fq_check_timeout(domain)
        unmapped = domain.pgtable.unmap_pages(iova, size)
        if unmapped == 0:
            if on_flushed is not None:
                on_flushed()
            return 0
        if domain.strict:
            await self._iotlb_inval(domain, iova, unmapped)
            if on_flushed is not None:
                on_flushed()
            return unmapped
        if not domain.fq:
            domain.fq_first = self.clock() if self.clock is not None else None
        domain.fq.append((iova, unmapped, on_flushed))
        if len(domain.fq) >= self.fq_size:
            await self.flush_iotlb_all(domain)
        return unmapped

    def iova_to_phys(self, domain: IommuDomain, iova: int) -> int:
        """iommu_iova_to_phys: from the page tables (not the IOTLB); 0 when unmapped."""
        return domain.pgtable.iova_to_phys(iova)

    async def flush_iotlb_all(self, domain: IommuDomain) -> None:
        """Invalidate all of the domain's IOTLB entries and wait (iommu_flush_iotlb_all),
        then retire its flush queue (dma-iommu's fq_flush_iotlb + fq_ring_free)."""
        await self._cmd(CMD_INVAL_VMA, 0, domain.id | CMD_ARG1_ALL)
        await self.iommu_sync()
        queued, domain.fq, domain.fq_first = domain.fq, [], None
        if queued:
            domain.fq_flushes += 1
        for _, _, on_flushed in queued:
            if on_flushed is not None:
                on_flushed()

    async def _fq_check_timeout(self, domain: IommuDomain) -> None:
        """The flush queue's timer, checked at map/unmap time instead of firing."""
        if (
            domain.fq
            and self.clock is not None
            and domain.fq_first is not None
            and self.clock() - domain.fq_first >= self.fq_timeout
        ):
            await self.flush_iotlb_all(domain)

    # -- faults --------------------------------------------------------------------------------

    async def read_faults(self) -> list[IommuFault]:
        """Drain the fault queue: the records from FQ_HEAD to FQ_TAIL, oldest first.  The
        IOMMU wrote them to memory behind the CPU cache, so their lines are invalidated
        before they are read.  STATUS is acknowledged first (so a fault that comes after the
        tail was read raises the interrupt again); an overflow (records lost) is counted in
        :attr:`fq_overflows` and shown by :attr:`fq_overflowed`."""
        status = await self._readl(IOMMU_STATUS)
        ack = status & (STATUS_FIP | STATUS_FQ_OVF | STATUS_FQ_MF)
        self._acked = ack
        if ack:
            await self._writel(ack, IOMMU_STATUS)
        self.fq_overflowed = bool(status & STATUS_FQ_OVF)
        if self.fq_overflowed:
            self.fq_overflows += 1
            log.warning("IOMMU fault queue overflow: fault records were lost")
        if status & STATUS_FQ_MF:
            log.warning("IOMMU could not write a fault record (queue outside RAM)")
        tail = await self._readl(IOMMU_FQ_TAIL)
        head = self._fq_head
        faults: list[IommuFault] = []
        if head == tail:
            return faults
        base = self.platform.phys_to_virt(self.fq_pa)
        self.platform.dcache_inval_poc(base, base + self.fq_entries * FQ_RECORD_SIZE)
        while head != tail:
            raw = self.platform.read(base + head * FQ_RECORD_SIZE, FQ_RECORD_SIZE)
            fault = IommuFault.from_bytes(raw)
            log.info("IOMMU fault: %s", fault)
            faults.append(fault)
            head = (head + 1) % self.fq_entries
        await self._writel(head, IOMMU_FQ_HEAD)
        self._fq_head = head
        self.fault_log.extend(faults)
        return faults

    async def _irq_handler(self, irq: int) -> int:
        faults = await self.read_faults()
        return IRQ_HANDLED if faults or self._acked else IRQ_NONE

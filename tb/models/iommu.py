"""An IOMMU between a DMA master and memory: stream table, Sv39 page tables, IOTLB, fault queue.

:class:`Iommu` is what the interconnect asks, once per AXI burst and 4 KiB page,
where a device's I/O virtual address (IOVA) lands: :meth:`Iommu.translate`
returns the physical address, or None for a fault (the interconnect answers
the burst with a bus error and never touches memory), and the cycles the
translation cost.  Software programs it through a small register block
(:meth:`mmio_read`/:meth:`mmio_write`, an ``MmioDevice`` of
:mod:`tb.models.axi_memory`) and through tables it builds in the same
:class:`~tb.models.phys_mem.PhysicalMemory` the devices reach.

The design borrows from the two IOMMUs Linux drives most:

* the RISC-V IOMMU (its device directory table, Sv39 page tables, the
  IOTINVAL.VMA / IODIR.INVAL_DDT / IOFENCE.C commands, the in-memory fault
  queue with head/tail registers, drivers/iommu/riscv/);
* ARM SMMUv3 (stream IDs, the event numbers of its event queue,
  drivers/iommu/arm/arm-smmu-v3/).

Translation, in order
---------------------
1. CTRL.EN = 0: bypass for every stream, ``pa = iova``, 0 cycles, no checks.
2. Context.  The stream's entry in the stream table (the device directory) is
   taken from the context cache, or read from memory at
   ``DDT_BASE + 16 * stream_id`` (``walk_latency`` cycles) and cached.  A
   stream ID >= 2**DDT_LOG2 faults C_BAD_STREAMID.  Only INVAL_DDT drops a
   cached entry: software that rewrites an entry sees no change until it
   issues one (a disabled entry is cached like any other).
3. Mode: off -> F_STREAM_DISABLED; bypass -> ``pa = iova``; translate ->
4. IOTLB, tagged (domain ID, IOVA page), LRU over ``iotlb_entries``.  A hit
   costs ``hit_latency`` (every translation while enabled pays it: context
   cache and IOTLB are looked up together).  A hit without the needed
   permission faults F_PERMISSION without a walk.
5. Walk (miss): Sv39, three levels, ``walk_latency`` cycles per PTE read,
   memory read at translation time: the walker is not coherent with the CPU's
   cache, so software must clean its PTE writes to memory.  Only a walk that
   ends in a permitted leaf fills the IOTLB.  Latency of a miss =
   ``hit_latency`` + (stream-table read) + PTEs read * ``walk_latency``; a
   fault costs what was spent up to it.

The IOTLB changes only by fills and invalidation commands: after software
clears a PTE the cached translation keeps working until INVAL_VMA, which is
what makes Linux's lazy (flush queue) unmapping observable.

Stream table entry (16 bytes, little-endian, at DDT_BASE + 16 * stream ID)
--------------------------------------------------------------------------
======  =============================================================
word0   bits [1:0] MODE (0 off, 1 bypass, 2 translate, 3 reserved ->
        C_BAD_STE), bits [31:16] DOMAIN ID; other bits ignored
word1   page-table root PA (4 KiB aligned, else C_BAD_STE in translate mode)
======  =============================================================

Sv39 page tables (RISC-V privileged spec, 4.4)
----------------------------------------------
4 KiB tables of 512 little-endian 8-byte PTEs; the IOVA's bits [38:30],
[29:21], [20:12] index levels 2, 1, 0.  PTE bit 0 V, 1 R, 2 W, 3 X, bits
[53:10] PPN (address = PPN << 12), bits [63:54] reserved (must be 0).  V=1
with R=W=X=0 points to the next table; any of R/W/X set is a leaf; a leaf at
level 2 or 1 is a 1 GiB or 2 MiB superpage whose PPN must be aligned to it.
F_TRANSLATION: IOVA >= 2**39, V=0, reserved bits set, a pointer at level 0, a
misaligned superpage.  F_PERMISSION: a read of a leaf without R, a write of a
leaf without W.  F_WALK_EABT: a PTE address outside RAM (``is_ram``).

Registers (32-bit; a 64-bit value is a LO/HI pair, and an aligned 8-byte access
to the pair works too; any read size works, writes must be 4 or 8 bytes at a
4-byte aligned offset, others are ignored and counted in ``stats.bad_mmio``)
--------------------------------------------------------------------------------
======  ===============  ==  =====================================================
offset  name             rw  contents
======  ===============  ==  =====================================================
0x00    CAP              ro  [7:0] version (1), [15:8] max DDT_LOG2,
                             [23:16] max FQ_LOG2, [31:24] IOVA bits (39)
0x04    CTRL             rw  bit 0 EN (translate), 1 FQ_EN (record faults),
                             2 FIE (fault interrupt enable)
0x08    STATUS           w1c bit 0 FIP (a record was written), 1 FQ_OVF (a record
                             was dropped: queue full), 2 CMD_ERR (unknown
                             opcode), 3 FQ_MF (record slot outside RAM)
0x10    DDT_BASE_LO      rw  stream table PA [31:12] (bits [11:0] read 0)
0x14    DDT_BASE_HI      rw  stream table PA [63:32]
0x18    DDT_LOG2         rw  log2 of the number of entries (WARL: clamped to CAP)
0x20    FQ_BASE_LO       rw  fault queue PA [31:12]; writing resets FQ_HEAD/TAIL
0x24    FQ_BASE_HI       rw  fault queue PA [63:32]; writing resets FQ_HEAD/TAIL
0x28    FQ_LOG2          rw  log2 of the number of records, 1 .. CAP (WARL);
                             writing resets FQ_HEAD/TAIL
0x30    FQ_HEAD          rw  next record software reads (index)
0x34    FQ_TAIL          ro  next record hardware writes (index)
0x40    CMD_OPCODE       rw  1 INVAL_VMA, 2 INVAL_DDT, 3 FENCE
0x44    CMD_ARG1         rw  [15:0] domain ID, bit 16 ALL, bit 17 ALL_DOMAINS
0x48    CMD_ARG0_LO      rw  IOVA (INVAL_VMA) or stream ID (INVAL_DDT), [31:0]
0x4C    CMD_ARG0_HI      rw  [63:32]
0x50    CMD_GO           wo  any write executes the command at once (reads 0)
0x54    CMD_COMPLETED    ro  number of FENCEs executed, modulo 2**32
======  ===============  ==  =====================================================

Commands: INVAL_VMA drops the IOTLB entries of domain ARG1[15:0] that
translate the IOVA ARG0 (a superpage's entries all go when any address in it
is named), all of the domain's entries with ALL, every entry with
ALL_DOMAINS.  INVAL_DDT drops the cached stream-table entry of stream ARG0, or
all with ALL.  FENCE increments CMD_COMPLETED (software polls it, as it polls
IOFENCE.C's completion or CMD_SYNC).  Another opcode sets STATUS.CMD_ERR.

Fault queue and record (32 bytes, little-endian)
------------------------------------------------
A ring of 2**FQ_LOG2 records at FQ_BASE.  With CTRL.FQ_EN the IOMMU writes a
record at FQ_TAIL and advances it, and sets STATUS.FIP (the interrupt is
FIP & FIE, :attr:`Iommu.irq`); software reads records from FQ_HEAD and writes
the new head.  The ring is full when TAIL + 1 == HEAD (it holds 2**FQ_LOG2 - 1
records): a fault then sets FQ_OVF and its record is lost.

======  ====  ===============================================================
offset  size  field
======  ====  ===============================================================
0x00    1     EVENT: SMMUv3 event number (table below)
0x01    1     FLAGS: bit 0 RnW (1 = read), 1 DV (domain ID valid),
              2 FV (fetch address valid)
0x02    2     DOMAIN ID (0 unless DV)
0x04    4     STREAM ID
0x08    8     IOVA: the faulting input address, in full
0x10    8     FETCH ADDRESS: the stream-table entry or PTE whose read failed
0x18    8     reserved, 0
======  ====  ===============================================================

Events (ARM SMMUv3 numbering): 0x02 C_BAD_STREAMID, 0x03 F_STE_FETCH (the
stream-table entry is outside RAM), 0x04 C_BAD_STE, 0x06 F_STREAM_DISABLED,
0x0B F_WALK_EABT (a PTE read outside RAM), 0x10 F_TRANSLATION, 0x13
F_PERMISSION.

Where the model differs from the real hardware
-----------------------------------------------
* Commands are registers executed at once, not a command queue in memory;
  FENCE completes immediately.  Real IOMMUs read a ring (RISC-V cqb/cqt,
  SMMUv3 CMDQ) and complete commands in order some time later.
* A walk is one lump of latency, not pipelined with other walks; there is no
  page-walk cache: each miss reads every level again.
* Superpages are cached as 4 KiB entries (splintered), each remembering the
  size of its mapping so that an invalidation of any address in the superpage
  removes them all.
* IOVAs are plain 39-bit unsigned numbers: Sv39's sign extension of bit 38
  is not modelled (an IOVA >= 2**39 faults).  A write-only leaf (W without R)
  is allowed, where Sv39 reserves it.  X, U, G, A and D are ignored (no
  access/dirty update, no fault on A = 0).
* No process contexts (PASID/SubstreamID), no second stage, no ATS/PRI, no
  MSI translation; the interrupt is a level (:attr:`irq`) and a callback.
* SMMUv3 uses 0x12 for an access-flag fault; an aborted table walk is 0x0B
  F_WALK_EABT, used here for a PTE read outside RAM.
* A fault record that cannot be written because its slot is outside RAM is
  dropped and sets STATUS.FQ_MF (RISC-V's fqmf), as are records while FQ_EN=0
  (silently).
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from tb.models.phys_mem import PhysicalMemory

# -- register map --------------------------------------------------------------------------------

REG_CAP = 0x00
REG_CTRL = 0x04
REG_STATUS = 0x08
REG_DDT_BASE_LO = 0x10
REG_DDT_BASE_HI = 0x14
REG_DDT_LOG2 = 0x18
REG_FQ_BASE_LO = 0x20
REG_FQ_BASE_HI = 0x24
REG_FQ_LOG2 = 0x28
REG_FQ_HEAD = 0x30
REG_FQ_TAIL = 0x34
REG_CMD_OPCODE = 0x40
REG_CMD_ARG1 = 0x44
REG_CMD_ARG0_LO = 0x48
REG_CMD_ARG0_HI = 0x4C
REG_CMD_GO = 0x50
REG_CMD_COMPLETED = 0x54
REGS_SIZE = 0x100  # the register block's span, for the interconnect's MMIO map

VERSION = 1

CTRL_EN = 1 << 0
CTRL_FQ_EN = 1 << 1
CTRL_FIE = 1 << 2
_CTRL_MASK = CTRL_EN | CTRL_FQ_EN | CTRL_FIE

STATUS_FIP = 1 << 0
STATUS_FQ_OVF = 1 << 1
STATUS_CMD_ERR = 1 << 2
STATUS_FQ_MF = 1 << 3
_STATUS_MASK = STATUS_FIP | STATUS_FQ_OVF | STATUS_CMD_ERR | STATUS_FQ_MF

CMD_INVAL_VMA = 1
CMD_INVAL_DDT = 2
CMD_FENCE = 3
ARG1_DID_MASK = 0xFFFF
ARG1_ALL = 1 << 16
ARG1_ALL_DOMAINS = 1 << 17

# -- in-memory formats ---------------------------------------------------------------------------

DDT_ENTRY_SIZE = 16
MODE_OFF = 0
MODE_BYPASS = 1
MODE_TRANSLATE = 2

PTE_V = 1 << 0
PTE_R = 1 << 1
PTE_W = 1 << 2
PTE_X = 1 << 3
PTE_PPN_SHIFT = 10
PTE_PPN_MASK = (1 << 44) - 1  # bits [53:10]
PTE_RESERVED_SHIFT = 54

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
_PAGE_MASK = PAGE_SIZE - 1
IOVA_BITS = 39
LEVELS = 3
_VPN_BITS = IOVA_BITS - PAGE_SHIFT  # the IOTLB key is domain << 27 | IOVA page number

FQ_RECORD_SIZE = 32
_RECORD = struct.Struct("<BBHIQQQ")
REC_FLAG_RNW = 1 << 0
REC_FLAG_DV = 1 << 1
REC_FLAG_FV = 1 << 2

# ARM SMMUv3 event numbers.
EVT_C_BAD_STREAMID = 0x02
EVT_F_STE_FETCH = 0x03
EVT_C_BAD_STE = 0x04
EVT_F_STREAM_DISABLED = 0x06
EVT_F_WALK_EABT = 0x0B
EVT_F_TRANSLATION = 0x10
EVT_F_PERMISSION = 0x13

EVENT_NAMES = {
    EVT_C_BAD_STREAMID: "C_BAD_STREAMID",
    EVT_F_STE_FETCH: "F_STE_FETCH",
    EVT_C_BAD_STE: "C_BAD_STE",
    EVT_F_STREAM_DISABLED: "F_STREAM_DISABLED",
    EVT_F_WALK_EABT: "F_WALK_EABT",
    EVT_F_TRANSLATION: "F_TRANSLATION",
    EVT_F_PERMISSION: "F_PERMISSION",
}

_M32 = 0xFFFF_FFFF


@dataclass(frozen=True)
class FaultRecord:
    """One fault, as the IOMMU writes it to the fault queue (layout in the module doc)."""

    event: int
    stream_id: int
    iova: int
    rnw: bool  # True for a read, as SMMUv3's RnW
    domain_id: int | None = None  # None when the fault came before a domain was known
    fetch_addr: int | None = None  # the table entry whose read failed (walk/fetch aborts)

    @property
    def name(self) -> str:
        return EVENT_NAMES.get(self.event, f"event {self.event:#x}")

    def encode(self) -> bytes:
        flags = REC_FLAG_RNW if self.rnw else 0
        if self.domain_id is not None:
            flags |= REC_FLAG_DV
        if self.fetch_addr is not None:
            flags |= REC_FLAG_FV
        return _RECORD.pack(
            self.event,
            flags,
            self.domain_id or 0,
            self.stream_id,
            self.iova,
            self.fetch_addr or 0,
            0,
        )

    @classmethod
    def decode(cls, raw: bytes) -> FaultRecord:
        if len(raw) != FQ_RECORD_SIZE:
            raise ValueError(f"a fault record is {FQ_RECORD_SIZE} bytes, not {len(raw)}")
        event, flags, did, sid, iova, fetch, _ = _RECORD.unpack(raw)
        return cls(
            event=event,
            stream_id=sid,
            iova=iova,
            rnw=bool(flags & REC_FLAG_RNW),
            domain_id=did if flags & REC_FLAG_DV else None,
            fetch_addr=fetch if flags & REC_FLAG_FV else None,
        )

    def __str__(self) -> str:
        kind = "read" if self.rnw else "write"
        did = "-" if self.domain_id is None else str(self.domain_id)
        return f"{self.name}: stream {self.stream_id} domain {did} {kind} at {self.iova:#x}"


@dataclass(slots=True)
class IommuStats:
    """Counters for the benchmark; :meth:`as_dict` names the fault kinds."""

    bypassed: int = 0  # translations while CTRL.EN = 0
    stream_bypassed: int = 0  # translations of streams in bypass mode
    hits: int = 0  # IOTLB hits (including hits that fault on permission)
    misses: int = 0  # IOTLB misses
    walks: int = 0  # page-table walks started
    walk_reads: int = 0  # PTEs read
    ddt_reads: int = 0  # stream-table entries read
    iotlb_evictions: int = 0
    iotlb_invalidated: int = 0  # entries dropped by INVAL_VMA
    faults: dict[int, int] = field(default_factory=dict)  # event -> count
    fq_records: int = 0  # records written to the queue
    fq_dropped: int = 0  # records lost (queue full, disabled or outside RAM)
    commands: int = 0
    fences: int = 0
    cmd_errors: int = 0
    bad_mmio: int = 0

    @property
    def fault_count(self) -> int:
        return sum(self.faults.values())

    def as_dict(self) -> dict[str, int | dict[str, int]]:
        out: dict[str, int | dict[str, int]] = {
            name: getattr(self, name) for name in self.__slots__ if name != "faults"
        }
        out["faults"] = {EVENT_NAMES.get(e, hex(e)): n for e, n in sorted(self.faults.items())}
        return out


class Iommu:
    """The IOMMU: :meth:`translate` for the interconnect, :meth:`mmio_read`/:meth:`mmio_write`
    for software.  ``is_ram(pa)`` says whether a table read at ``pa`` reaches RAM (default:
    inside ``mem``); ``on_fault(record)`` is called for every fault, after the record is
    queued (or dropped), e.g. to raise an interrupt line from :attr:`irq`."""

    def __init__(
        self,
        mem: PhysicalMemory,
        *,
        iotlb_entries: int = 32,
        hit_latency: int = 1,
        walk_latency: int = 8,
        ddt_max_log2: int = 16,
        fq_max_log2: int = 15,
        is_ram: Callable[[int], bool] | None = None,
        on_fault: Callable[[FaultRecord], None] | None = None,
    ) -> None:
        if iotlb_entries < 1:
            raise ValueError(f"the IOTLB needs at least one entry, not {iotlb_entries}")
        if hit_latency < 0 or walk_latency < 0:
            raise ValueError("latencies cannot be negative")
        if not 0 <= ddt_max_log2 <= 32 or not 1 <= fq_max_log2 <= 32:
            raise ValueError("ddt_max_log2 must be in 0..32 and fq_max_log2 in 1..32")
        self.mem = mem
        self.iotlb_entries = iotlb_entries
        self.hit_latency = hit_latency
        self.walk_latency = walk_latency
        self.ddt_max_log2 = ddt_max_log2
        self.fq_max_log2 = fq_max_log2
        self.is_ram = is_ram if is_ram is not None else self._in_memory
        self.on_fault = on_fault
        self.stats = IommuStats()
        # key: domain << 27 | IOVA page -> (PA page, readable, writable, log2 mapping size)
        self._iotlb: OrderedDict[int, tuple[int, bool, bool, int]] = OrderedDict()
        # stream ID -> (mode, domain ID, root PA)
        self._contexts: dict[int, tuple[int, int, int]] = {}
        self.reset()

    def reset(self) -> None:
        """Registers to their reset values (0, FQ_LOG2 1: disabled), caches emptied; stats kept."""
        self._ctrl = 0
        self._status = 0
        self._ddt_base = 0
        self._ddt_log2 = 0
        self._fq_base = 0
        self._fq_log2 = 1
        self._fq_head = 0
        self._fq_tail = 0
        self._cmd_opcode = 0
        self._cmd_arg0 = 0
        self._cmd_arg1 = 0
        self._cmd_completed = 0
        self._iotlb.clear()
        self._contexts.clear()

    def _in_memory(self, pa: int) -> bool:
        return 0 <= pa < self.mem.size

    @property
    def enabled(self) -> bool:
        return bool(self._ctrl & CTRL_EN)

    @property
    def irq(self) -> bool:
        """The fault interrupt line: STATUS.FIP and CTRL.FIE."""
        return bool(self._status & STATUS_FIP and self._ctrl & CTRL_FIE)

    @property
    def iotlb_used(self) -> int:
        return len(self._iotlb)

    def iotlb_holds(self, domain_id: int, iova: int) -> bool:
        """Whether the IOTLB has an entry for this page (for tests; no LRU touch)."""
        return (domain_id << _VPN_BITS | iova >> PAGE_SHIFT) in self._iotlb

    # -- the hot path ----------------------------------------------------------------------------

    def translate(self, stream_id: int, iova: int, write: bool) -> tuple[int | None, int]:
        """(physical address or None for a fault, cycles spent) for one access of
        ``stream_id`` at ``iova``.  Called once per burst and 4 KiB page."""
        if not self._ctrl & CTRL_EN:
            self.stats.bypassed += 1
            return iova, 0
        latency = self.hit_latency
        ctx = self._contexts.get(stream_id)
        if ctx is None:
            latency += self.walk_latency
            ctx = self._load_context(stream_id, iova, write)
            if ctx is None:
                return None, latency
        mode, did, root = ctx
        if mode != MODE_TRANSLATE:
            if mode == MODE_BYPASS:
                self.stats.stream_bypassed += 1
                return iova, latency
            self._fault(EVT_F_STREAM_DISABLED, stream_id, iova, write)
            return None, latency
        if iova >> IOVA_BITS:  # also true for a negative IOVA
            self._fault(EVT_F_TRANSLATION, stream_id, iova, write, did)
            return None, latency
        key = did << _VPN_BITS | iova >> PAGE_SHIFT
        entry = self._iotlb.get(key)
        if entry is not None:
            self._iotlb.move_to_end(key)
            self.stats.hits += 1
            if entry[2] if write else entry[1]:
                return entry[0] | (iova & _PAGE_MASK), latency
            self._fault(EVT_F_PERMISSION, stream_id, iova, write, did)
            return None, latency
        self.stats.misses += 1
        return self._walk(stream_id, did, root, iova, write, key, latency)

    def _load_context(self, stream_id: int, iova: int, write: bool) -> tuple[int, int, int] | None:
        if not 0 <= stream_id < 1 << self._ddt_log2:
            self._fault(EVT_C_BAD_STREAMID, stream_id, iova, write)
            return None
        pa = self._ddt_base + stream_id * DDT_ENTRY_SIZE
        self.stats.ddt_reads += 1
        if not self.is_ram(pa):
            self._fault(EVT_F_STE_FETCH, stream_id, iova, write, fetch_addr=pa)
            return None
        raw = self.mem.read(pa, DDT_ENTRY_SIZE)
        word0 = int.from_bytes(raw[:8], "little")
        root = int.from_bytes(raw[8:], "little")
        mode = word0 & 3
        did = word0 >> 16 & 0xFFFF
        if mode > MODE_TRANSLATE or (mode == MODE_TRANSLATE and root & _PAGE_MASK):
            self._fault(EVT_C_BAD_STE, stream_id, iova, write, fetch_addr=pa)
            return None
        ctx = (mode, did, root)
        self._contexts[stream_id] = ctx
        return ctx

    def _walk(
        self, stream_id: int, did: int, root: int, iova: int, write: bool, key: int, latency: int
    ) -> tuple[int | None, int]:
        self.stats.walks += 1
        mem = self.mem
        table = root
        for level in (2, 1, 0):
            shift = PAGE_SHIFT + 9 * level
            pte_pa = table + (iova >> shift & 0x1FF) * 8
            latency += self.walk_latency
            self.stats.walk_reads += 1
            if not self.is_ram(pte_pa):
                self._fault(EVT_F_WALK_EABT, stream_id, iova, write, did, pte_pa)
                return None, latency
            pte = mem.read_u64(pte_pa)
            if not pte & PTE_V or pte >> PTE_RESERVED_SHIFT:
                break
            ppn = pte >> PTE_PPN_SHIFT & PTE_PPN_MASK
            if not pte & (PTE_R | PTE_W | PTE_X):  # a pointer to the next level
                table = ppn << PAGE_SHIFT
                continue
            if ppn & ((1 << 9 * level) - 1):  # misaligned superpage
                break
            readable = bool(pte & PTE_R)
            writable = bool(pte & PTE_W)
            if not (writable if write else readable):
                self._fault(EVT_F_PERMISSION, stream_id, iova, write, did)
                return None, latency
            pa_page = (ppn << PAGE_SHIFT) + (iova & ((1 << shift) - 1) & ~_PAGE_MASK)
            tlb = self._iotlb
            if len(tlb) >= self.iotlb_entries:
                tlb.popitem(last=False)
                self.stats.iotlb_evictions += 1
            tlb[key] = (pa_page, readable, writable, shift)
            return pa_page | (iova & _PAGE_MASK), latency
        # V = 0, reserved bits, a misaligned superpage, or a pointer at level 0
        self._fault(EVT_F_TRANSLATION, stream_id, iova, write, did)
        return None, latency

    # -- faults ----------------------------------------------------------------------------------

    def _fault(
        self,
        event: int,
        stream_id: int,
        iova: int,
        write: bool,
        domain_id: int | None = None,
        fetch_addr: int | None = None,
    ) -> None:
        faults = self.stats.faults
        faults[event] = faults.get(event, 0) + 1
        record = FaultRecord(event, stream_id, iova, not write, domain_id, fetch_addr)
        self._queue(record)
        if self.on_fault is not None:
            self.on_fault(record)

    def _queue(self, record: FaultRecord) -> None:
        if not self._ctrl & CTRL_FQ_EN:
            self.stats.fq_dropped += 1
            return
        mask = (1 << self._fq_log2) - 1
        if (self._fq_tail + 1) & mask == self._fq_head:
            self._status |= STATUS_FQ_OVF
            self.stats.fq_dropped += 1
            return
        pa = self._fq_base + self._fq_tail * FQ_RECORD_SIZE
        if not self.is_ram(pa):
            self._status |= STATUS_FQ_MF
            self.stats.fq_dropped += 1
            return
        self.mem.write(pa, record.encode())
        self._fq_tail = (self._fq_tail + 1) & mask
        self._status |= STATUS_FIP
        self.stats.fq_records += 1

    # -- commands --------------------------------------------------------------------------------

    def _execute(self) -> None:
        self.stats.commands += 1
        op, arg0, arg1 = self._cmd_opcode, self._cmd_arg0, self._cmd_arg1
        if op == CMD_INVAL_VMA:
            tlb = self._iotlb
            if arg1 & ARG1_ALL_DOMAINS:
                doomed = list(tlb)
            elif arg1 & ARG1_ALL:
                did = arg1 & ARG1_DID_MASK
                doomed = [k for k in tlb if k >> _VPN_BITS == did]
            else:
                target = (arg1 & ARG1_DID_MASK) << _VPN_BITS | (arg0 >> PAGE_SHIFT)
                # an entry goes when the mapping it came from (4 KiB or superpage) covers arg0
                doomed = [k for k, e in tlb.items() if (k ^ target) >> (e[3] - PAGE_SHIFT) == 0]
            for k in doomed:
                del tlb[k]
            self.stats.iotlb_invalidated += len(doomed)
        elif op == CMD_INVAL_DDT:
            if arg1 & ARG1_ALL:
                self._contexts.clear()
            else:
                self._contexts.pop(arg0, None)
        elif op == CMD_FENCE:
            self._cmd_completed = (self._cmd_completed + 1) & _M32
            self.stats.fences += 1
        else:
            self._status |= STATUS_CMD_ERR
            self.stats.cmd_errors += 1

    # -- registers -------------------------------------------------------------------------------

    def mmio_read(self, addr: int, size: int) -> int:
        """``size`` bytes of the register block at offset ``addr`` (no side effects)."""
        start = addr & ~3
        value = 0
        for i, reg in enumerate(range(start, addr + size, 4)):
            value |= self._read_reg(reg) << (32 * i)
        return value >> 8 * (addr - start) & ((1 << 8 * size) - 1)

    def mmio_write(self, addr: int, value: int, size: int) -> None:
        """A 4-byte write, or an 8-byte one as two (low register first)."""
        if addr % 4 or size not in (4, 8):
            self.stats.bad_mmio += 1
            return
        for i in range(size // 4):
            self._write_reg(addr + 4 * i, value >> (32 * i) & _M32)

    def _read_reg(self, reg: int) -> int:
        if reg == REG_CAP:
            return VERSION | self.ddt_max_log2 << 8 | self.fq_max_log2 << 16 | IOVA_BITS << 24
        regs = {
            REG_CTRL: self._ctrl,
            REG_STATUS: self._status,
            REG_DDT_BASE_LO: self._ddt_base & _M32,
            REG_DDT_BASE_HI: self._ddt_base >> 32,
            REG_DDT_LOG2: self._ddt_log2,
            REG_FQ_BASE_LO: self._fq_base & _M32,
            REG_FQ_BASE_HI: self._fq_base >> 32,
            REG_FQ_LOG2: self._fq_log2,
            REG_FQ_HEAD: self._fq_head,
            REG_FQ_TAIL: self._fq_tail,
            REG_CMD_OPCODE: self._cmd_opcode,
            REG_CMD_ARG1: self._cmd_arg1,
            REG_CMD_ARG0_LO: self._cmd_arg0 & _M32,
            REG_CMD_ARG0_HI: self._cmd_arg0 >> 32,
            REG_CMD_COMPLETED: self._cmd_completed,
        }
        return regs.get(reg, 0)

    def _write_reg(self, reg: int, value: int) -> None:
        if reg == REG_CTRL:
            self._ctrl = value & _CTRL_MASK
        elif reg == REG_STATUS:
            self._status &= ~(value & _STATUS_MASK)
        elif reg == REG_DDT_BASE_LO:
            self._ddt_base = (self._ddt_base & ~_M32) | (value & ~_PAGE_MASK)
        elif reg == REG_DDT_BASE_HI:
            self._ddt_base = (self._ddt_base & _M32) | value << 32
        elif reg == REG_DDT_LOG2:
            self._ddt_log2 = min(value, self.ddt_max_log2)
        elif reg in (REG_FQ_BASE_LO, REG_FQ_BASE_HI, REG_FQ_LOG2):
            if reg == REG_FQ_BASE_LO:
                self._fq_base = (self._fq_base & ~_M32) | (value & ~_PAGE_MASK)
            elif reg == REG_FQ_BASE_HI:
                self._fq_base = (self._fq_base & _M32) | value << 32
            else:
                self._fq_log2 = max(1, min(value, self.fq_max_log2))
            self._fq_head = self._fq_tail = 0
        elif reg == REG_FQ_HEAD:
            self._fq_head = value & ((1 << self._fq_log2) - 1)
        elif reg == REG_CMD_OPCODE:
            self._cmd_opcode = value
        elif reg == REG_CMD_ARG1:
            self._cmd_arg1 = value
        elif reg == REG_CMD_ARG0_LO:
            self._cmd_arg0 = (self._cmd_arg0 & ~_M32) | value
        elif reg == REG_CMD_ARG0_HI:
            self._cmd_arg0 = (self._cmd_arg0 & _M32) | value << 32
        elif reg == REG_CMD_GO:
            self._execute()
        elif reg not in (REG_CAP, REG_FQ_TAIL, REG_CMD_COMPLETED):
            self.stats.bad_mmio += 1  # no register there

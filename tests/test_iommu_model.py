"""Unit tests (no simulator) of the IOMMU model (tb/models/iommu.py) and its driver
(sw/drivers/iommu/iommu.py).

The driver runs on a small fake platform: a linear map over a
:class:`PhysicalMemory`, ``readl``/``writel`` straight to the model's registers,
and optionally a write-back cache, so that the driver's cache maintenance
(cleaning PTEs for the non-coherent walker, invalidating the fault queue) is
tested too.  Tests of the hardware alone build their tables by hand, so the
model is checked against the format in its documentation, not against the
driver.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from sw.drivers.iommu import iommu as swi
from sw.drivers.iommu.iommu import IOMMU_READ, IOMMU_WRITE, IommuDriver
from sw.mm.page_alloc import PageAllocator
from sw.platform import IRQ_HANDLED, IrqHandler
from tb.models import iommu as hw
from tb.models.iommu import FaultRecord, Iommu
from tb.models.phys_mem import PhysicalMemory

PAGE_OFFSET = 0xFFFF_0000_0000_0000  # the linear map: va = pa + PAGE_OFFSET
RAM_BASE = 0x8000_0000
RAM_SIZE = 64 << 20
REGS_PA = 0x1000_0000
LINE = 64

HIT = 1  # the model's default latencies
WALK = 8


class FakePlatform:
    """sw.platform.Platform over a PhysicalMemory: linear map only, MMIO to one Iommu, one
    cycle per register access, and with ``cached`` a write-back write-allocate cache that
    only cache maintenance moves to and from memory."""

    page_size = 4096
    cache_line = LINE

    def __init__(self, mem: PhysicalMemory, iommu: Iommu, *, cached: bool = False) -> None:
        self.mem = mem
        self.iommu = iommu
        self.cached = cached
        self.cycles = 0
        self.lines: dict[int, bytearray] = {}
        self.dirty: set[int] = set()
        self.irqs: dict[int, IrqHandler] = {}

    # memory
    def virt_to_phys(self, va: int) -> int:
        pa = va - PAGE_OFFSET
        if not 0 <= pa < self.mem.size:
            raise ValueError(f"{va:#x} is not in the linear map")
        return pa

    def phys_to_virt(self, pa: int) -> int:
        return pa + PAGE_OFFSET

    def is_vmalloc_addr(self, va: int) -> bool:
        return False

    def vmalloc_to_phys(self, va: int) -> int:
        raise ValueError("no vmalloc area")

    def map_kernel_page(self, va: int, pa: int, cacheable: bool = True) -> None:
        raise NotImplementedError

    def unmap_kernel_page(self, va: int) -> None:
        raise NotImplementedError

    def ram_ranges(self) -> list[tuple[int, int]]:
        return [(RAM_BASE, RAM_SIZE)]

    def _line(self, la: int) -> bytearray:
        line = self.lines.get(la)
        if line is None:
            line = self.lines[la] = bytearray(self.mem.read(la, LINE))
        return line

    def _segments(self, pa: int, length: int) -> list[tuple[int, int, int]]:
        out, end = [], pa + length
        while pa < end:
            la = pa & ~(LINE - 1)
            n = min(la + LINE, end) - pa
            out.append((la, pa - la, n))
            pa += n
        return out

    def read(self, va: int, length: int) -> bytes:
        pa = self.virt_to_phys(va)
        if not self.cached:
            return self.mem.read(pa, length)
        return b"".join(bytes(self._line(la)[o : o + n]) for la, o, n in self._segments(pa, length))

    def write(self, va: int, data: bytes) -> None:
        pa = self.virt_to_phys(va)
        if not self.cached:
            self.mem.write(pa, data)
            return
        pos = 0
        for la, o, n in self._segments(pa, len(data)):
            self._line(la)[o : o + n] = data[pos : pos + n]
            self.dirty.add(la)
            pos += n

    # cache maintenance
    def _line_range(self, start: int, end: int) -> range:
        lo = self.virt_to_phys(start) & ~(LINE - 1)
        return range(lo, self.virt_to_phys(end - 1) + 1, LINE)

    def _writeback(self, la: int) -> None:
        if la in self.dirty:
            self.mem.write(la, bytes(self.lines[la]))
            self.dirty.discard(la)

    def dcache_clean_poc(self, start: int, end: int) -> None:
        for la in self._line_range(start, end):
            self._writeback(la)

    def dcache_inval_poc(self, start: int, end: int) -> None:
        first, last = self.virt_to_phys(start), self.virt_to_phys(end)
        for la in self._line_range(start, end):
            if la < first or la + LINE > last:  # a partial line: clean it first
                self._writeback(la)
            self.lines.pop(la, None)
            self.dirty.discard(la)

    def dcache_clean_inval_poc(self, start: int, end: int) -> None:
        for la in self._line_range(start, end):
            self._writeback(la)
            self.lines.pop(la, None)

    # MMIO, interrupts, time
    def _reg(self, pa: int) -> int:
        assert REGS_PA <= pa < REGS_PA + hw.REGS_SIZE, f"MMIO outside the IOMMU: {pa:#x}"
        return pa - REGS_PA

    async def readl(self, pa: int) -> int:
        self.cycles += 1
        return self.iommu.mmio_read(self._reg(pa), 4)

    async def writel(self, value: int, pa: int) -> None:
        self.cycles += 1
        self.iommu.mmio_write(self._reg(pa), value, 4)

    def request_irq(self, irq: int, handler: IrqHandler, name: str) -> None:
        self.irqs[irq] = handler

    def free_irq(self, irq: int, handler: IrqHandler) -> None:
        del self.irqs[irq]

    def ktime_get_ns(self) -> int:
        return 10 * self.cycles

    async def delay(self, cycles: int) -> None:
        self.cycles += cycles

    def new_event(self) -> asyncio.Event:
        return asyncio.Event()


def run(coro: Awaitable[Any]) -> Any:
    async def wrap() -> Any:
        return await coro

    return asyncio.run(wrap())


class System:
    """Memory, IOMMU, platform, page allocator and a probed driver."""

    def __init__(self, *, cached: bool = False, **kw: Any) -> None:
        drv_kw = {k: kw.pop(k) for k in list(kw) if k in _DRIVER_ARGS}
        self.mem = PhysicalMemory(1 << 40)
        self.faults: list[FaultRecord] = []
        self.iommu = Iommu(self.mem, on_fault=self.faults.append, **kw)
        self.plat = FakePlatform(self.mem, self.iommu, cached=cached)
        self.pages = PageAllocator(RAM_BASE, RAM_SIZE)
        drv_kw.setdefault("clock", lambda: self.plat.cycles)
        self.drv: IommuDriver = run(IommuDriver.probe(self.plat, REGS_PA, self.pages, **drv_kw))

    def tr(self, sid: int, iova: int, write: bool = False) -> tuple[int | None, int]:
        return self.iommu.translate(sid, iova, write)

    def domain(self, sid: int, *, strict: bool = True) -> swi.IommuDomain:
        dom = self.drv.alloc_domain(strict=strict)
        run(self.drv.attach_device(dom, sid))
        return dom

    def map(self, dom: swi.IommuDomain, iova: int, pa: int, size: int, prot: int) -> None:
        run(self.drv.iommu_map(dom, iova, pa, size, prot))

    def unmap(
        self, dom: swi.IommuDomain, iova: int, size: int, cb: Callable[[], None] | None = None
    ) -> int:
        return run(self.drv.iommu_unmap(dom, iova, size, cb))


_DRIVER_ARGS = {"num_streams", "fq_log2", "irq", "clock", "fq_size", "fq_timeout", "inval_limit"}
RW = IOMMU_READ | IOMMU_WRITE
IOVA = 0x1000_0000
PA = RAM_BASE + (32 << 20)  # target pages: never handed out by the allocator in these tests


# -- the hardware alone, tables built by hand ---------------------------------------------------


def pte(pa: int, bits: int) -> int:
    return (pa >> 12) << 10 | bits


PTR = hw.PTE_V
LEAF_RW = hw.PTE_V | hw.PTE_R | hw.PTE_W


class Bare:
    """The model programmed through its registers, tables written straight to memory."""

    DDT = RAM_BASE
    FQ = RAM_BASE + 0x1000
    L2 = RAM_BASE + 0x2000
    L1 = RAM_BASE + 0x3000
    L0 = RAM_BASE + 0x4000

    def __init__(self, **kw: Any) -> None:
        self.mem = PhysicalMemory(1 << 40)
        self.iommu = Iommu(self.mem, **kw)
        w = self.iommu.mmio_write
        w(hw.REG_DDT_BASE_LO, self.DDT, 4)
        w(hw.REG_DDT_LOG2, 4, 4)
        w(hw.REG_FQ_BASE_LO, self.FQ, 4)
        w(hw.REG_FQ_LOG2, 4, 4)
        w(hw.REG_CTRL, hw.CTRL_EN | hw.CTRL_FQ_EN, 4)

    def ste(self, sid: int, mode: int, did: int = 0, root: int = 0) -> None:
        self.mem.write(self.DDT + 16 * sid, struct.pack("<QQ", mode | did << 16, root))

    def pte(self, table: int, index: int, value: int) -> None:
        self.mem.write_u64(table + 8 * index, value)

    def cmd(self, opcode: int, arg0: int = 0, arg1: int = 0) -> None:
        w = self.iommu.mmio_write
        w(hw.REG_CMD_OPCODE, opcode, 4)
        w(hw.REG_CMD_ARG0_LO, arg0, 8)
        w(hw.REG_CMD_ARG1, arg1, 4)
        w(hw.REG_CMD_GO, 1, 4)

    def records(self) -> list[FaultRecord]:
        tail = self.iommu.mmio_read(hw.REG_FQ_TAIL, 4)
        return [FaultRecord.decode(self.mem.read(self.FQ + 32 * i, 32)) for i in range(tail)]

    def last_event(self) -> int:
        return self.records()[-1].event


def test_bypass_when_disabled() -> None:
    mem = PhysicalMemory()
    iommu = Iommu(mem)
    assert iommu.translate(7, 0x1234_5678, True) == (0x1234_5678, 0)
    assert iommu.translate(1 << 20, 1 << 45, False) == (1 << 45, 0)  # no checks at all
    assert iommu.stats.fault_count == 0 and iommu.stats.bypassed == 2


def test_sv39_walk_by_hand() -> None:
    b = Bare()
    iova = 5 << 30 | 7 << 21 | 9 << 12 | 0x123
    b.ste(3, hw.MODE_TRANSLATE, did=42, root=b.L2)
    b.pte(b.L2, 5, pte(b.L1, PTR))
    b.pte(b.L1, 7, pte(b.L0, PTR))
    b.pte(b.L0, 9, pte(0xABC_D000, LEAF_RW))
    assert b.iommu.translate(3, iova, False) == (0xABC_D123, HIT + WALK + 3 * WALK)
    assert b.iommu.translate(3, iova ^ 0x123, True) == (0xABC_D000, HIT)
    # 2 MiB superpage at level 1, 1 GiB at level 2
    b.pte(b.L1, 8, pte(0x4000_0000 + (3 << 21), LEAF_RW))
    assert b.iommu.translate(3, 5 << 30 | 8 << 21 | 0x1F_F008, False) == (
        0x4000_0000 + (3 << 21) + 0x1F_F008,
        HIT + 2 * WALK,
    )
    b.pte(b.L2, 6, pte(0x1_C000_0000, hw.PTE_V | hw.PTE_R))
    assert b.iommu.translate(3, 6 << 30 | 0x3FFF_FFFF, False) == (0x1_FFFF_FFFF, HIT + WALK)
    assert b.iommu.stats.walks == 3 and b.iommu.stats.walk_reads == 6
    assert b.iommu.stats.fault_count == 0


@pytest.mark.parametrize(
    "case", ["invalid", "reserved", "misaligned_2m", "misaligned_1g", "ptr_at_l0", "va_bits"]
)
def test_translation_faults_by_hand(case: str) -> None:
    b = Bare()
    b.ste(1, hw.MODE_TRANSLATE, did=5, root=b.L2)
    b.pte(b.L2, 0, pte(b.L1, PTR))
    b.pte(b.L1, 0, pte(b.L0, PTR))
    iova, reads = 0x2000, 3
    if case == "invalid":
        b.pte(b.L0, 2, pte(0x9000, hw.PTE_R))  # V = 0
    elif case == "reserved":
        b.pte(b.L0, 2, pte(0x9000, LEAF_RW) | 1 << 60)
    elif case == "misaligned_2m":
        b.pte(b.L1, 1, pte(0x20_1000, LEAF_RW))
        iova, reads = 1 << 21, 2
    elif case == "misaligned_1g":
        b.pte(b.L2, 1, pte(0x4020_0000, LEAF_RW))
        iova, reads = 1 << 30, 1
    elif case == "ptr_at_l0":
        b.pte(b.L0, 2, pte(0x9000, PTR))
    else:
        iova, reads = 1 << 39, 0
    pa, latency = b.iommu.translate(1, iova, False)
    assert pa is None and latency == HIT + WALK + reads * WALK
    assert b.records() == [FaultRecord(hw.EVT_F_TRANSLATION, 1, iova, True, 5)]
    assert b.iommu.iotlb_used == 0


def test_permissions_and_write_only_leaf_by_hand() -> None:
    b = Bare()
    b.ste(0, hw.MODE_TRANSLATE, did=9, root=b.L2)
    b.pte(b.L2, 0, pte(b.L1, PTR))
    b.pte(b.L1, 0, pte(b.L0, PTR))
    b.pte(b.L0, 1, pte(0x7000, hw.PTE_V | hw.PTE_R))
    b.pte(b.L0, 2, pte(0x8000, hw.PTE_V | hw.PTE_W))
    b.pte(b.L0, 3, pte(0x9000, hw.PTE_V | hw.PTE_X))  # a leaf the device can never use
    assert b.iommu.translate(0, 0x1010, True)[0] is None  # walk: no W
    assert b.iommu.iotlb_used == 0  # a failed walk fills nothing
    assert b.iommu.translate(0, 0x2010, True)[0] == 0x8010
    assert b.iommu.translate(0, 0x2010, False) == (None, HIT)  # IOTLB hit, no R
    assert b.iommu.translate(0, 0x3000, False)[0] is None
    assert [r.event for r in b.records()] == [hw.EVT_F_PERMISSION] * 3
    assert [r.rnw for r in b.records()] == [False, True, True]


def test_stream_table_errors_by_hand() -> None:
    b = Bare()
    b.ste(0, 3)  # reserved mode
    b.ste(1, hw.MODE_TRANSLATE, root=b.L2 + 8)  # misaligned root
    b.ste(2, hw.MODE_OFF, did=3)
    b.ste(3, hw.MODE_BYPASS)
    assert b.iommu.translate(0, 0, False)[0] is None
    assert b.records()[-1] == FaultRecord(hw.EVT_C_BAD_STE, 0, 0, True, fetch_addr=b.DDT)
    assert b.iommu.translate(1, 0, False)[0] is None
    assert b.last_event() == hw.EVT_C_BAD_STE
    assert b.iommu.translate(2, 0x55, True) == (None, HIT + WALK)
    assert b.records()[-1] == FaultRecord(hw.EVT_F_STREAM_DISABLED, 2, 0x55, False)
    assert b.iommu.translate(3, 0x1234, True) == (0x1234, HIT + WALK)
    assert b.iommu.translate(3, 0x1234, True) == (0x1234, HIT)  # context cached
    assert b.iommu.translate(16, 0x77, False) == (None, HIT + WALK)  # DDT_LOG2 = 4
    assert b.records()[-1] == FaultRecord(hw.EVT_C_BAD_STREAMID, 16, 0x77, True)
    assert b.iommu.stats.faults == {
        hw.EVT_C_BAD_STE: 2,
        hw.EVT_F_STREAM_DISABLED: 1,
        hw.EVT_C_BAD_STREAMID: 1,
    }


def test_walk_and_fetch_outside_ram() -> None:
    b = Bare(is_ram=lambda pa: RAM_BASE <= pa < RAM_BASE + RAM_SIZE)
    b.ste(0, hw.MODE_TRANSLATE, did=1, root=b.L2)
    b.pte(b.L2, 0, pte(0x4000_0000, PTR))  # the next table is not in RAM
    assert b.iommu.translate(0, 0x3000, False) == (None, HIT + WALK + 2 * WALK)
    assert b.records()[-1] == FaultRecord(hw.EVT_F_WALK_EABT, 0, 0x3000, True, 1, 0x4000_0000)
    b.iommu.mmio_write(hw.REG_DDT_BASE_LO, 0x2000_0000, 4)
    b.cmd(hw.CMD_INVAL_DDT, 0, hw.ARG1_ALL)
    assert b.iommu.translate(1, 0, True)[0] is None
    assert b.records()[-1] == FaultRecord(hw.EVT_F_STE_FETCH, 1, 0, False, None, 0x2000_0010)


def test_invalidation_commands_by_hand() -> None:
    b = Bare()
    b.ste(0, hw.MODE_TRANSLATE, did=1, root=b.L2)
    b.ste(1, hw.MODE_TRANSLATE, did=2, root=b.L2)  # same tables, another domain
    b.pte(b.L2, 0, pte(b.L1, PTR))
    b.pte(b.L1, 1, pte(0x20_0000, LEAF_RW))  # 2 MiB at IOVA 2 MiB
    b.pte(b.L1, 0, pte(b.L0, PTR))
    b.pte(b.L0, 0, pte(0x5000, LEAF_RW))
    pages = [0x20_0000 + 0x1000 * i for i in range(4)]
    for sid in (0, 1):
        for iova in [0, *pages]:
            assert b.iommu.translate(sid, iova, False)[0] is not None
    assert b.iommu.iotlb_used == 10
    # any address in the superpage drops all its 4 KiB pieces, in that domain only
    b.cmd(hw.CMD_INVAL_VMA, 0x2F_F000, 1)
    assert not any(b.iommu.iotlb_holds(1, p) for p in pages)
    assert b.iommu.iotlb_holds(1, 0) and all(b.iommu.iotlb_holds(2, p) for p in pages)
    b.cmd(hw.CMD_INVAL_VMA, 0, 2 | hw.ARG1_ALL)
    assert b.iommu.iotlb_used == 1 and b.iommu.iotlb_holds(1, 0)
    b.cmd(hw.CMD_INVAL_VMA, 0, hw.ARG1_ALL_DOMAINS)
    assert b.iommu.iotlb_used == 0
    assert b.iommu.stats.iotlb_invalidated == 10


def test_registers() -> None:
    b = Bare(ddt_max_log2=10, fq_max_log2=8)
    io = b.iommu
    assert io.mmio_read(hw.REG_CAP, 4) == 1 | 10 << 8 | 8 << 16 | 39 << 24
    io.mmio_write(hw.REG_DDT_BASE_LO, 0x1_2345_6789_A000 | 0xFFF, 8)  # one 8-byte write
    assert io.mmio_read(hw.REG_DDT_BASE_LO, 8) == 0x1_2345_6789_A000
    assert io.mmio_read(hw.REG_DDT_BASE_HI, 4) == 0x1_2345
    assert io.mmio_read(hw.REG_DDT_BASE_LO + 1, 2) == 0x89A0  # any read size
    io.mmio_write(hw.REG_DDT_LOG2, 20, 4)
    assert io.mmio_read(hw.REG_DDT_LOG2, 4) == 10  # WARL
    io.mmio_write(hw.REG_FQ_LOG2, 0, 4)
    assert io.mmio_read(hw.REG_FQ_LOG2, 4) == 1
    io.mmio_write(hw.REG_FQ_TAIL, 5, 4)  # read-only
    assert io.mmio_read(hw.REG_FQ_TAIL, 4) == 0
    io.mmio_write(hw.REG_CTRL, 2, 2)  # not a 4/8-byte write: ignored
    assert io.stats.bad_mmio == 1 and io.enabled
    b.cmd(9)
    assert io.mmio_read(hw.REG_STATUS, 4) == hw.STATUS_CMD_ERR
    io.mmio_write(hw.REG_STATUS, hw.STATUS_FIP, 4)  # W1C: other bits stay
    assert io.mmio_read(hw.REG_STATUS, 4) == hw.STATUS_CMD_ERR
    io.mmio_write(hw.REG_STATUS, 0xFFFF_FFFF, 4)
    assert io.mmio_read(hw.REG_STATUS, 4) == 0
    for _ in range(3):
        b.cmd(hw.CMD_FENCE)
    assert io.mmio_read(hw.REG_CMD_COMPLETED, 4) == 3
    io.mmio_write(hw.REG_CTRL, 0, 4)
    assert io.translate(3, 0x42, True) == (0x42, 0)


def test_fault_record_layout() -> None:
    rec = FaultRecord(hw.EVT_F_PERMISSION, 0x1234, 0x7F_FFFF_F123, False, 0xBEEF, None)
    raw = rec.encode()
    assert len(raw) == 32
    assert raw[0] == 0x13 and raw[1] == hw.REC_FLAG_DV
    assert struct.unpack_from("<HIQQ", raw, 2) == (0xBEEF, 0x1234, 0x7F_FFFF_F123, 0)
    assert FaultRecord.decode(raw) == rec
    walk = FaultRecord(hw.EVT_F_WALK_EABT, 1, 0x1000, True, 3, 0xDEAD_0000)
    assert FaultRecord.decode(walk.encode()) == walk
    # the driver's own decoder agrees with the hardware's encoder
    assert swi.IommuFault.from_bytes(walk.encode()) == swi.IommuFault(
        swi.EVT_ID_WALK_EABT, 1, 0x1000, True, 3, 0xDEAD_0000
    )
    assert "F_PERMISSION" in str(rec) and "write" in str(rec)


# -- driver and hardware together ---------------------------------------------------------------


def test_probe_programs_the_iommu() -> None:
    s = System(num_streams=8, fq_log2=5)
    io, drv = s.iommu, s.drv
    assert io.enabled
    assert io.mmio_read(hw.REG_DDT_BASE_LO, 8) == drv.ddt_pa
    assert io.mmio_read(hw.REG_DDT_LOG2, 4) == 3
    assert io.mmio_read(hw.REG_FQ_BASE_LO, 8) == drv.fq_pa and drv.fq_entries == 32
    assert s.mem.read(drv.ddt_pa, 4096) == bytes(4096)
    # every stream starts blocked
    assert s.tr(0, 0x1000) == (None, HIT + WALK)
    assert s.faults[-1] == FaultRecord(hw.EVT_F_STREAM_DISABLED, 0, 0x1000, True)


def test_translation_latency_hit_and_miss() -> None:
    s = System()
    dom = s.domain(4)
    s.map(dom, IOVA, PA, 0x2000, RW)
    assert s.tr(4, IOVA + 0x10) == (PA + 0x10, HIT + WALK + 3 * WALK)  # context + walk
    assert s.tr(4, IOVA + 0x20, True) == (PA + 0x20, HIT)
    assert s.tr(4, IOVA + 0x1FFC) == (PA + 0x1FFC, HIT + 3 * WALK)  # next page: walk only
    st = s.iommu.stats
    assert (st.hits, st.misses, st.walks, st.walk_reads, st.ddt_reads) == (1, 2, 2, 6, 1)
    assert s.drv.iova_to_phys(dom, IOVA + 0x1234) == PA + 0x1234
    assert s.drv.iova_to_phys(dom, IOVA + 0x2000) == 0


def test_superpages() -> None:
    s = System()
    dom = s.domain(1)
    s.map(dom, 0x4020_0000, RAM_BASE + (2 << 20), 2 << 20, IOMMU_READ)  # one 2 MiB leaf
    s.map(dom, 2 << 30, 0x1_0000_0000, 1 << 30, IOMMU_WRITE)  # one 1 GiB leaf
    assert s.tr(1, 0x4020_0000 + 0x1F_F123) == (
        RAM_BASE + (2 << 20) + 0x1F_F123,
        HIT + WALK + 2 * WALK,  # stream-table entry, two levels
    )
    assert s.tr(1, (2 << 30) + 0x3FFF_F000, True) == (0x1_3FFF_F000, HIT + WALK)
    assert s.tr(1, 0x4020_0000 + 0x1000, True)[0] is None  # read-only superpage
    assert s.faults[-1].event == hw.EVT_F_PERMISSION
    assert len(dom.pgtable.tables) == 2  # root and one level-1 table: no level-0 table
    # 2 MiB aligned but not 2 MiB of size: 4 KiB pages
    s.map(dom, 0x4060_0000, RAM_BASE + (4 << 20), 0x3000, RW)
    assert len(dom.pgtable.tables) == 3
    # part of a superpage cannot be unmapped; the whole of it can
    assert s.unmap(dom, 0x4020_0000, 0x1000) == 0
    assert s.unmap(dom, 0x4020_0000, 2 << 20) == 2 << 20
    assert s.tr(1, 0x4020_0000 + 0x1F_F123)[0] is None


def test_permission_fault_record() -> None:
    s = System()
    dom = s.domain(6)
    s.map(dom, IOVA, PA, 0x1000, IOMMU_READ)
    assert s.tr(6, IOVA + 0x40, True)[0] is None  # walk: no W
    assert s.tr(6, IOVA + 0x80)[0] == PA + 0x80
    assert s.tr(6, IOVA + 0xC0, True) == (None, HIT)  # IOTLB hit: no W
    faults = run(s.drv.read_faults())
    assert faults == [
        swi.IommuFault(swi.EVT_ID_PERMISSION_FAULT, 6, IOVA + 0x40, False, dom.id, None),
        swi.IommuFault(swi.EVT_ID_PERMISSION_FAULT, 6, IOVA + 0xC0, False, dom.id, None),
    ]
    f = faults[0]
    assert (f.event, f.rnw, f.is_write, f.stream_id, f.domain_id, f.iova) == (
        0x13,
        False,
        True,
        6,
        dom.id,
        IOVA + 0x40,
    )
    assert s.faults == [
        FaultRecord(0x13, 6, IOVA + 0x40, False, dom.id),
        FaultRecord(0x13, 6, IOVA + 0xC0, False, dom.id),
    ]
    assert s.iommu.mmio_read(hw.REG_FQ_HEAD, 4) == 2 == s.iommu.mmio_read(hw.REG_FQ_TAIL, 4)
    assert run(s.drv.read_faults()) == []


def test_translation_fault_unmapped() -> None:
    s = System()
    dom = s.domain(2)
    s.map(dom, IOVA, PA, 0x1000, RW)
    assert s.tr(2, IOVA + 0x1000)[0] is None
    assert s.tr(2, 0x7F_0000_0000, True)[0] is None  # no table at all on that path
    faults = run(s.drv.read_faults())
    assert [(f.event, f.iova, f.rnw, f.domain_id) for f in faults] == [
        (0x10, IOVA + 0x1000, True, dom.id),
        (0x10, 0x7F_0000_0000, False, dom.id),
    ]


def test_stream_disabled_bad_stream_and_identity() -> None:
    s = System(num_streams=16)
    assert s.tr(3, 0x5000)[0] is None
    assert s.tr(16, 0x5000, True)[0] is None
    run(s.drv.attach_identity(5))
    assert s.tr(5, 0x1234_5000, True) == (0x1234_5000, HIT + WALK)
    dom = s.domain(5)  # from identity to a paging domain
    assert s.tr(5, 0x1234_5000)[0] is None
    run(s.drv.detach_device(5))
    assert 5 not in dom.devices
    assert s.tr(5, 0x1234_5000)[0] is None
    faults = run(s.drv.read_faults())
    assert [(f.name, f.stream_id, f.domain_id) for f in faults] == [
        ("F_STREAM_DISABLED", 3, None),
        ("C_BAD_STREAMID", 16, None),
        ("F_TRANSLATION", 5, dom.id),
        ("F_STREAM_DISABLED", 5, None),
    ]
    with pytest.raises(ValueError):
        run(s.drv.attach_device(dom, 16))


def test_stream_table_change_needs_inval_ddt() -> None:
    s = System()
    dom = s.domain(2)
    s.map(dom, IOVA, PA, 0x1000, RW)
    assert s.tr(2, IOVA)[0] == PA
    # rewrite the entry behind the driver's back: the cached copy still rules
    va = s.plat.phys_to_virt(s.drv.ddt_pa + 2 * 16)
    s.plat.write(va, bytes(16))
    s.plat.dcache_clean_poc(va, va + 16)
    assert s.tr(2, IOVA + 0x1000 - 4)[0] == PA + 0x1000 - 4
    w = s.iommu.mmio_write
    w(hw.REG_CMD_OPCODE, hw.CMD_INVAL_DDT, 4)
    w(hw.REG_CMD_ARG0_LO, 2, 8)
    w(hw.REG_CMD_ARG1, 0, 4)
    w(hw.REG_CMD_GO, 1, 4)
    assert s.tr(2, IOVA) == (None, HIT + WALK)
    assert s.faults[-1].event == hw.EVT_F_STREAM_DISABLED


def test_strict_unmap_faults_at_once() -> None:
    s = System()
    dom = s.domain(1, strict=True)
    s.map(dom, IOVA, PA, 0x3000, RW)
    for i in range(3):
        assert s.tr(1, IOVA + 0x1000 * i)[0] == PA + 0x1000 * i
    done: list[int] = []
    assert s.unmap(dom, IOVA + 0x1000, 0x1000, lambda: done.append(1)) == 0x1000
    assert done == [1]
    assert s.tr(1, IOVA + 0x1000) == (None, HIT + 3 * WALK)  # walked: the entry was dropped
    assert s.tr(1, IOVA)[0] == PA and s.tr(1, IOVA + 0x2000)[0] == PA + 0x2000
    assert s.iommu.stats.fences >= 1


def test_lazy_unmap_leaves_stale_entry_until_flush() -> None:
    s = System()
    dom = s.domain(1, strict=False)
    s.map(dom, IOVA, PA, 0x2000, RW)
    assert s.tr(1, IOVA)[0] == PA  # cached; IOVA + 0x1000 never used
    done: list[int] = []
    fences = s.iommu.stats.fences
    assert s.unmap(dom, IOVA, 0x2000, lambda: done.append(1)) == 0x2000
    assert s.iommu.stats.fences == fences and done == [] and len(dom.fq) == 1
    assert s.drv.iova_to_phys(dom, IOVA) == 0  # gone from the tables...
    assert s.tr(1, IOVA + 8, True) == (PA + 8, HIT)  # ...not from the IOTLB
    assert s.tr(1, IOVA + 0x1000)[0] is None  # never cached: faults at once
    run(s.drv.flush_iotlb_all(dom))
    assert done == [1] and dom.fq == [] and dom.fq_flushes == 1
    assert s.tr(1, IOVA)[0] is None
    assert [f.iova for f in run(s.drv.read_faults())] == [IOVA + 0x1000, IOVA]


def test_flush_queue_flushes_at_256_entries() -> None:
    s = System()
    dom = s.domain(1, strict=False)
    s.map(dom, IOVA, PA, 300 * 0x1000, RW)
    assert s.tr(1, IOVA)[0] == PA
    flushed: list[int] = []
    for i in range(255):
        s.unmap(dom, IOVA + 0x1000 * i, 0x1000, lambda i=i: flushed.append(i))
    assert len(dom.fq) == 255 and flushed == []
    assert s.tr(1, IOVA)[0] == PA  # still cached
    s.unmap(dom, IOVA + 0x1000 * 255, 0x1000, lambda: flushed.append(255))
    assert dom.fq == [] and flushed == list(range(256)) and dom.fq_flushes == 1
    assert s.tr(1, IOVA)[0] is None
    assert s.tr(1, IOVA + 0x1000 * 256)[0] == PA + 0x1000 * 256


def test_flush_queue_timeout_checked_at_next_call() -> None:
    s = System(fq_timeout=1000)
    dom = s.domain(1, strict=False)
    s.map(dom, IOVA, PA, 0x1000, RW)
    assert s.tr(1, IOVA)[0] == PA
    s.unmap(dom, IOVA, 0x1000)
    assert dom.fq_first is not None
    s.plat.cycles = dom.fq_first + 999
    s.map(dom, IOVA + 0x10000, PA, 0x1000, RW)
    assert s.tr(1, IOVA)[0] == PA and len(dom.fq) == 1
    s.plat.cycles = dom.fq_first + 1000
    s.map(dom, IOVA + 0x20000, PA, 0x1000, RW)  # the timeout has passed: flush first
    assert dom.fq == [] and s.tr(1, IOVA)[0] is None


def test_iotlb_lru_limit() -> None:
    s = System(iotlb_entries=4)
    dom = s.domain(1)
    s.map(dom, IOVA, PA, 6 * 0x1000, RW)
    page = [IOVA + 0x1000 * i for i in range(6)]
    for p in page[:4]:
        s.tr(1, p)
    assert s.iommu.iotlb_used == 4
    assert s.tr(1, page[0]) == (PA, HIT)  # page 0 becomes the most recent
    s.tr(1, page[4])  # evicts page 1, the least recently used
    assert s.iommu.iotlb_used == 4 and s.iommu.stats.iotlb_evictions == 1
    assert s.iommu.iotlb_holds(dom.id, page[0]) and not s.iommu.iotlb_holds(dom.id, page[1])
    assert s.tr(1, page[0])[1] == HIT
    assert s.tr(1, page[1])[1] == HIT + 3 * WALK


def test_fault_queue_overflow() -> None:
    s = System(fq_log2=2)  # 4 slots, 3 records
    s.domain(1)
    for i in range(5):
        assert s.tr(1, IOVA + 0x1000 * i)[0] is None
    assert s.iommu.stats.fq_records == 3 and s.iommu.stats.fq_dropped == 2
    assert s.iommu.mmio_read(hw.REG_STATUS, 4) & hw.STATUS_FQ_OVF
    assert len(s.faults) == 5  # the callback sees every fault
    faults = run(s.drv.read_faults())
    assert [f.iova for f in faults] == [IOVA, IOVA + 0x1000, IOVA + 0x2000]
    assert s.drv.fq_overflowed and s.drv.fq_overflows == 1
    assert s.iommu.mmio_read(hw.REG_STATUS, 4) == 0
    for i in range(4):  # the ring wraps
        s.tr(1, 0x100_0000 + 0x1000 * i)
    faults = run(s.drv.read_faults())
    assert [f.iova for f in faults] == [0x100_0000, 0x100_1000, 0x100_2000]
    assert s.drv.fq_overflowed and s.drv.fq_overflows == 2
    s.tr(1, 0x200_0000)
    assert [f.iova for f in run(s.drv.read_faults())] == [0x200_0000]
    assert not s.drv.fq_overflowed and len(s.drv.fault_log) == 7


@pytest.mark.parametrize(
    ("iova", "paddr", "size", "prot"),
    [
        (IOVA + 0x800, PA, 0x1000, RW),
        (IOVA, PA + 4, 0x1000, RW),
        (IOVA, PA, 0x1800, RW),
        (IOVA, PA, 0, RW),
        (IOVA, PA, 0x1000, 0),
        (IOVA, PA, 0x1000, 4),
        ((1 << 39) - 0x1000, PA, 0x2000, RW),
        (-0x1000, PA, 0x1000, RW),
    ],
)
def test_iommu_map_argument_errors(iova: int, paddr: int, size: int, prot: int) -> None:
    s = System()
    dom = s.domain(1)
    with pytest.raises(ValueError):
        s.map(dom, iova, paddr, size, prot)
    assert s.drv.iova_to_phys(dom, IOVA) == 0


def test_map_over_mapping_and_unmap_errors() -> None:
    s = System()
    dom = s.domain(1)
    s.map(dom, IOVA + 0x2000, PA, 0x1000, RW)
    with pytest.raises(FileExistsError):  # pages 0 and 1 map, page 2 is taken
        s.map(dom, IOVA, PA, 0x3000, RW)
    assert s.drv.iova_to_phys(dom, IOVA) == 0 == s.drv.iova_to_phys(dom, IOVA + 0x1000)
    assert s.drv.iova_to_phys(dom, IOVA + 0x2000) == PA
    with pytest.raises(ValueError):
        s.unmap(dom, IOVA + 1, 0x1000)
    with pytest.raises(ValueError):
        s.unmap(dom, IOVA, 0x10)
    assert s.unmap(dom, IOVA + 0x2000, 0x3000) == 0x1000  # stops at the hole
    assert s.unmap(dom, IOVA, 0x1000) == 0


def test_irq_and_teardown() -> None:
    s = System(irq=7)
    free_before = s.pages.free_bytes
    dom = s.domain(1)
    s.map(dom, IOVA, PA, 4 << 20, RW)
    assert not s.iommu.irq
    s.tr(1, 0x10)
    assert s.iommu.irq
    assert run(s.plat.irqs[7](7)) == IRQ_HANDLED
    assert not s.iommu.irq and [f.iova for f in s.drv.fault_log] == [0x10]
    with pytest.raises(ValueError):
        run(s.drv.free_domain(dom))
    run(s.drv.detach_device(1))
    run(s.drv.free_domain(dom))
    assert s.pages.free_bytes == free_before
    run(s.drv.remove())
    assert 7 not in s.plat.irqs and s.pages.free_bytes == RAM_SIZE
    assert s.tr(1, IOVA) == (IOVA, 0)


def test_driver_cache_maintenance_with_a_write_back_cache() -> None:
    s = System(cached=True)
    dom = s.domain(3, strict=True)
    s.map(dom, IOVA, PA, 0x2000, IOMMU_READ)
    assert s.tr(3, IOVA + 0x1000)[0] == PA + 0x1000  # PTEs were cleaned to memory
    assert s.tr(3, IOVA, True)[0] is None
    # the CPU had the ring's lines cached (zeroed at probe); the record is behind them
    faults = run(s.drv.read_faults())
    assert [(f.event, f.iova) for f in faults] == [(0x13, IOVA)]
    s.unmap(dom, IOVA, 0x2000)
    assert s.tr(3, IOVA + 0x1000)[0] is None  # the cleared PTE reached memory too
    # without the clean, the walker does not see a PTE the CPU left in its cache
    va = s.plat.phys_to_virt(leaf_ptep(s.mem, dom.pgtable.pgd, IOVA + 0x5000))
    s.plat.write(va, pte(PA, LEAF_RW).to_bytes(8, "little"))
    assert s.tr(3, IOVA + 0x5000)[0] is None
    s.plat.dcache_clean_poc(va, va + 8)
    assert s.tr(3, IOVA + 0x5000)[0] == PA


def leaf_ptep(mem: PhysicalMemory, root: int, iova: int) -> int:
    """The address of the level-0 PTE of ``iova``, walking the tables in memory."""
    table = root
    for level in (2, 1):
        entry = mem.read_u64(table + 8 * (iova >> (12 + 9 * level) & 0x1FF))
        assert entry & hw.PTE_V and not entry & (hw.PTE_R | hw.PTE_W | hw.PTE_X)
        table = (entry >> 10) << 12
    return table + 8 * (iova >> 12 & 0x1FF)


def test_driver_constants_match_the_model() -> None:
    """sw/drivers/iommu/iommu.py restates the hardware's register map, bits, opcodes and event
    numbers as a driver header would (sw/ never imports the model); they must agree with the
    model."""
    import sw.drivers.iommu.iommu as drv
    import tb.models.iommu as hw

    pairs = {f"IOMMU_{name[4:]}": name for name in dir(hw) if name.startswith("REG_")}
    for name in dir(hw):
        if name.startswith(("CTRL_", "STATUS_", "CMD_")) and not name.startswith("_"):
            pairs[name] = name
    events = {
        "EVT_C_BAD_STREAMID": "EVT_ID_BAD_STREAMID",
        "EVT_F_STE_FETCH": "EVT_ID_STE_FETCH",
        "EVT_C_BAD_STE": "EVT_ID_BAD_STE",
        "EVT_F_STREAM_DISABLED": "EVT_ID_STREAM_DISABLED",
        "EVT_F_WALK_EABT": "EVT_ID_WALK_EABT",
        "EVT_F_TRANSLATION": "EVT_ID_TRANSLATION_FAULT",
        "EVT_F_PERMISSION": "EVT_ID_PERMISSION_FAULT",
    }
    checked = 0
    for sw_name, hw_name in pairs.items():
        if hasattr(drv, sw_name):
            assert getattr(drv, sw_name) == getattr(hw, hw_name), (sw_name, hw_name)
            checked += 1
    for hw_name, sw_name in events.items():
        assert getattr(drv, sw_name) == getattr(hw, hw_name), (sw_name, hw_name)
    assert drv.CMD_ARG1_ALL == hw.ARG1_ALL and drv.CMD_ARG1_ALL_DOMAINS == hw.ARG1_ALL_DOMAINS
    assert checked >= 25, f"only {checked} register/bit constants compared"

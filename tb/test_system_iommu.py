"""The controller behind the IOMMU: translation, faults, and strict versus lazy unmapping.

The controller (stream ``DMAC_STREAM_ID``) moves data through the IOMMU model,
programmed by the Linux-like driver in sw/drivers/iommu/iommu.py (page tables in simulated
memory, written through the CPU's cache and cleaned).  Buffers are scattered
physical pages, the destination above 4 GiB, which the controller's 32-bit
bus reaches only through the IOMMU.  Each test checks every byte of every
page involved against a reference built here, the fault records the driver
reads back from the IOMMU's in-memory queue, and the controller's error
report.
"""

from __future__ import annotations

from typing import Any

import cocotb

from sw import dmac_regs as r
from sw.drivers.iommu.iommu import (
    EVT_ID_PERMISSION_FAULT,
    EVT_ID_STREAM_DISABLED,
    EVT_ID_TRANSLATION_FAULT,
    IOMMU_READ,
    IOMMU_WRITE,
    IommuDomain,
    IommuDriver,
    IommuFault,
)
from sw.mm.page_alloc import PAGE_SIZE
from tb.system_tb import DMAC_STREAM_ID, IOMMU_REGS, SystemTB

DESC_IOVA = 0x0FFF_0000
SRC_IOVA = 0x1000_0000
DST_IOVA = 0x2000_0000
NPAGES = 3


class Rig:
    """A system with the IOMMU enabled, the controller attached to one domain, its
    descriptor page mapped, and scattered source and destination pages."""

    def __init__(self, tb: SystemTB, drv: IommuDriver, dom: IommuDomain) -> None:
        self.tb, self.drv, self.dom = tb, drv, dom
        self.desc_va = 0
        self.src_pages: list[int] = []
        self.dst_pages: list[int] = []
        self.holes: list[int] = []

    @classmethod
    async def create(cls, dut: Any, strict: bool = True) -> Rig:
        tb = SystemTB(dut, iommu=True)
        await tb.reset()
        drv = await IommuDriver.probe(tb.cpu, IOMMU_REGS, tb.pages)
        dom = drv.alloc_domain(strict=strict)
        await drv.attach_device(dom, DMAC_STREAM_ID)
        rig = cls(tb, drv, dom)
        rig.desc_va, desc_pa = tb.alloc_coherent_page()
        await drv.iommu_map(dom, DESC_IOVA, desc_pa, PAGE_SIZE, IOMMU_READ | IOMMU_WRITE)
        for _ in range(NPAGES):  # physically scattered: a hole after every source page
            rig.src_pages.append(tb.alloc(PAGE_SIZE))
            rig.holes.append(tb.alloc(PAGE_SIZE))
            rig.dst_pages.append(tb.alloc(PAGE_SIZE, high=True))
        for pa in rig.src_pages + rig.holes + rig.dst_pages:
            tb.map.write(pa, tb.rng.randbytes(PAGE_SIZE))
        return rig

    async def map(self, iova: int, pages: list[int], prot: int) -> None:
        for i, pa in enumerate(pages):
            await self.drv.iommu_map(self.dom, iova + i * PAGE_SIZE, pa, PAGE_SIZE, prot)

    def snapshot(self) -> dict[int, bytes]:
        """Every page the test uses, as memory holds it now."""
        return {pa: self.tb.map.read(pa, PAGE_SIZE) for pa in self.src_pages + self.holes}

    def dst_snapshot(self) -> list[bytes]:
        return [self.tb.map.read(pa, PAGE_SIZE) for pa in self.dst_pages]

    async def copy(self, src: int, dst: int, length: int, desc: int = DESC_IOVA) -> Any:
        return await self.tb.copy(self.desc_va, desc, src, dst, length)


def gather(pages: list[bytes], offset: int, length: int) -> bytes:
    return b"".join(pages)[offset : offset + length]


def scatter(pages: list[bytes], offset: int, data: bytes) -> list[bytes]:
    flat = bytearray(b"".join(pages))
    flat[offset : offset + len(data)] = data
    return [bytes(flat[i : i + PAGE_SIZE]) for i in range(0, len(flat), PAGE_SIZE)]


def check_bus_errors(tb: SystemTB, write: bool) -> None:
    """The refused bursts were answered by the IOMMU (SLVERR, counted as IOMMU faults by the
    port), not by a memory map the access should never have reached (DECERR)."""
    stats = tb.port.stats
    assert stats.iommu_faults > 0, stats
    assert stats.read_decerr == stats.write_decerr == 0, stats
    assert (stats.write_slverr if write else stats.read_slverr) > 0, stats


def check_records(
    faults: list[IommuFault], event: int, rnw: bool, dom: IommuDomain, lo: int, hi: int
) -> None:
    """Every record names the controller, the domain, the access and an IOVA in [lo, hi);
    the first is the first address the controller tried."""
    assert faults, "no fault record"
    for f in faults:
        assert f.event == event, f"{f}: event {f.event:#x}, expected {event:#x}"
        assert f.rnw == rnw, f"{f}: RnW {f.rnw}"
        assert f.stream_id == DMAC_STREAM_ID, f"{f}: stream {f.stream_id}"
        assert f.domain_id == dom.id, f"{f}: domain {f.domain_id}, expected {dom.id}"
        assert lo <= f.iova < hi, f"{f}: IOVA {f.iova:#x} outside [{lo:#x}, {hi:#x})"
    assert faults[0].iova == lo, f"first fault at {faults[0].iova:#x}, expected {lo:#x}"


@cocotb.test()
async def test_translated_scattered_copy(dut: Any) -> None:
    """A copy between two IOVA-contiguous buffers whose pages are scattered in physical
    memory, the destination above 4 GiB; unaligned start, length and offsets."""
    rig = await Rig.create(dut)
    await rig.map(SRC_IOVA, rig.src_pages, IOMMU_READ)
    await rig.map(DST_IOVA, rig.dst_pages, IOMMU_WRITE)
    before, dst_before = rig.snapshot(), rig.dst_snapshot()
    src_off, dst_off, length = 100, 7, NPAGES * PAGE_SIZE - 300
    res = await rig.copy(SRC_IOVA + src_off, DST_IOVA + dst_off, length)
    assert res.err == r.DmacErr.NONE and res.length == length, res

    src_data = gather([before[pa] for pa in rig.src_pages], src_off, length)
    assert rig.dst_snapshot() == scatter(dst_before, dst_off, src_data)
    assert rig.snapshot() == before, "a source page or a hole between them changed"
    assert await rig.drv.read_faults() == []
    stats = rig.tb.iommu.stats  # type: ignore[union-attr]
    dut._log.info("IOMMU: %s", stats.as_dict())
    assert stats.misses >= 2 * NPAGES + 1 and stats.hits > stats.misses
    rig.tb.check_protocol()


@cocotb.test()
async def test_bypass_when_disabled(dut: Any) -> None:
    """An IOMMU nobody enabled passes bus addresses through as physical ones."""
    tb = SystemTB(dut, iommu=True)
    await tb.reset()
    desc_va, desc_pa = tb.alloc_coherent_page()
    src, dst = tb.alloc(PAGE_SIZE), tb.alloc(PAGE_SIZE)
    data, old = tb.rng.randbytes(PAGE_SIZE), tb.rng.randbytes(PAGE_SIZE)
    tb.map.write(src, data)
    tb.map.write(dst, old)
    res = await tb.copy(desc_va, desc_pa, src + 3, dst + 5, 4000)
    assert res.err == r.DmacErr.NONE and res.length == 4000, res
    assert tb.map.read(dst, PAGE_SIZE) == old[:5] + data[3:4003] + old[4005:]
    assert tb.iommu is not None and tb.iommu.stats.bypassed > 0
    tb.check_protocol()


@cocotb.test()
async def test_write_to_read_only_mapping(dut: Any) -> None:
    """The destination is mapped read-only: every write burst faults F_PERMISSION, gets a
    bus error, and not one byte of the destination pages changes."""
    rig = await Rig.create(dut)
    await rig.map(SRC_IOVA, rig.src_pages, IOMMU_READ)
    await rig.map(DST_IOVA, rig.dst_pages, IOMMU_READ)  # the driver's mistake
    before, dst_before = rig.snapshot(), rig.dst_snapshot()
    length = 2 * PAGE_SIZE
    res = await rig.copy(SRC_IOVA, DST_IOVA + 64, length)
    assert res.err == r.DmacErr.DATA_WRITE, res
    assert res.err_addr == DST_IOVA + 64, f"ERR_ADDR {res.err_addr:#x}"
    assert rig.dst_snapshot() == dst_before, "a write the IOMMU refused reached memory"
    assert rig.snapshot() == before
    check_bus_errors(rig.tb, write=True)
    faults = await rig.drv.read_faults()
    dut._log.info("fault records: %s", [str(f) for f in faults])
    check_records(
        faults, EVT_ID_PERMISSION_FAULT, False, rig.dom, DST_IOVA + 64, DST_IOVA + 64 + length
    )
    assert await rig.drv.read_faults() == [], "records are read once"
    rig.tb.check_protocol()


@cocotb.test()
async def test_access_after_strict_unmap(dut: Any) -> None:
    """Strict mode: the unmap invalidates the IOTLB before it returns, so the controller's
    next read of the unmapped source faults F_TRANSLATION at once."""
    rig = await Rig.create(dut, strict=True)
    await rig.map(SRC_IOVA, rig.src_pages, IOMMU_READ)
    await rig.map(DST_IOVA, rig.dst_pages, IOMMU_WRITE)
    length = NPAGES * PAGE_SIZE
    res = await rig.copy(SRC_IOVA, DST_IOVA, length)  # warms the IOTLB
    assert res.err == r.DmacErr.NONE, res
    iommu = rig.tb.iommu
    assert iommu is not None and iommu.iotlb_holds(rig.dom.id, SRC_IOVA)
    assert await rig.drv.iommu_unmap(rig.dom, SRC_IOVA, length) == length
    assert not iommu.iotlb_holds(rig.dom.id, SRC_IOVA), "the strict unmap left the IOTLB entry"
    dst_before = rig.dst_snapshot()
    res = await rig.copy(SRC_IOVA, DST_IOVA, length)
    assert res.err == r.DmacErr.DATA_READ, res
    assert res.err_addr == SRC_IOVA, f"ERR_ADDR {res.err_addr:#x}"
    assert rig.dst_snapshot() == dst_before, "data written after a faulting read"
    check_bus_errors(rig.tb, write=False)
    faults = await rig.drv.read_faults()
    check_records(faults, EVT_ID_TRANSLATION_FAULT, True, rig.dom, SRC_IOVA, SRC_IOVA + length)
    rig.tb.check_protocol()


@cocotb.test()
async def test_stale_iotlb_after_lazy_unmap(dut: Any) -> None:
    """Lazy mode: the unmap only queues the invalidation.  Until the flush the IOTLB still
    translates the old IOVAs, so the controller reads pages that now belong to someone
    else; after the flush the same access faults."""
    rig = await Rig.create(dut, strict=False)
    await rig.map(SRC_IOVA, rig.src_pages, IOMMU_READ)
    await rig.map(DST_IOVA, rig.dst_pages, IOMMU_WRITE)
    length = NPAGES * PAGE_SIZE
    res = await rig.copy(SRC_IOVA, DST_IOVA, length)  # the IOTLB now holds the source pages
    assert res.err == r.DmacErr.NONE, res
    iommu = rig.tb.iommu
    assert iommu is not None
    assert all(iommu.iotlb_holds(rig.dom.id, SRC_IOVA + i * PAGE_SIZE) for i in range(NPAGES))
    assert await rig.drv.iommu_unmap(rig.dom, SRC_IOVA, length) == length
    assert rig.drv.iova_to_phys(rig.dom, SRC_IOVA) == 0, "the page tables still map it"
    # The freed pages are reused: new contents nobody meant the device to see.
    reused = [rig.tb.rng.randbytes(PAGE_SIZE) for _ in rig.src_pages]
    for pa, data in zip(rig.src_pages, reused, strict=True):
        rig.tb.map.write(pa, data)
    misses = iommu.stats.misses
    res = await rig.copy(SRC_IOVA, DST_IOVA, length)
    assert res.err == r.DmacErr.NONE, f"the stale IOTLB entries should still translate: {res}"
    assert iommu.stats.misses == misses, (
        "a page was walked again: the data did not come from the IOTLB"
    )
    assert rig.dst_snapshot() == reused, "the device read something else than the stale pages"
    assert await rig.drv.read_faults() == []
    dut._log.info("stale IOTLB shown: %d bytes read through unmapped IOVAs", length)

    await rig.drv.flush_iotlb_all(rig.dom)
    dst_before = rig.dst_snapshot()
    res = await rig.copy(SRC_IOVA, DST_IOVA, length)
    assert res.err == r.DmacErr.DATA_READ and res.err_addr == SRC_IOVA, res
    assert rig.dst_snapshot() == dst_before
    check_bus_errors(rig.tb, write=False)
    faults = await rig.drv.read_faults()
    check_records(faults, EVT_ID_TRANSLATION_FAULT, True, rig.dom, SRC_IOVA, SRC_IOVA + length)
    rig.tb.check_protocol()


@cocotb.test()
async def test_unmapped_descriptor(dut: Any) -> None:
    """A descriptor pointer the IOMMU does not map: the fetch faults, the channel stops with
    DESC_READ at that address, and no data moves."""
    rig = await Rig.create(dut)
    await rig.map(SRC_IOVA, rig.src_pages, IOMMU_READ)
    await rig.map(DST_IOVA, rig.dst_pages, IOMMU_WRITE)
    dst_before = rig.dst_snapshot()
    bad = DESC_IOVA + 0x10_0000
    res = await rig.copy(SRC_IOVA, DST_IOVA, 256, desc=bad)
    assert res.err == r.DmacErr.DESC_READ and res.err_addr == bad, res
    assert rig.dst_snapshot() == dst_before
    check_bus_errors(rig.tb, write=False)
    faults = await rig.drv.read_faults()
    check_records(faults, EVT_ID_TRANSLATION_FAULT, True, rig.dom, bad, bad + 32)
    rig.tb.check_protocol()


@cocotb.test()
async def test_detached_device_is_blocked(dut: Any) -> None:
    """After detach the controller's stream is off: every access faults F_STREAM_DISABLED
    (no domain in the record) and nothing reaches memory."""
    rig = await Rig.create(dut)
    await rig.map(SRC_IOVA, rig.src_pages, IOMMU_READ)
    await rig.map(DST_IOVA, rig.dst_pages, IOMMU_WRITE)
    await rig.drv.detach_device(DMAC_STREAM_ID)
    before, dst_before = rig.snapshot(), rig.dst_snapshot()
    res = await rig.copy(SRC_IOVA, DST_IOVA, 512)
    assert res.err == r.DmacErr.DESC_READ and res.err_addr == DESC_IOVA, res
    assert rig.dst_snapshot() == dst_before and rig.snapshot() == before
    check_bus_errors(rig.tb, write=False)
    faults = await rig.drv.read_faults()
    assert faults and all(
        f.event == EVT_ID_STREAM_DISABLED
        and f.stream_id == DMAC_STREAM_ID
        and f.rnw
        and f.domain_id is None
        for f in faults
    ), [str(f) for f in faults]
    assert faults[0].iova == DESC_IOVA
    rig.tb.check_protocol()

"""Randomized regression: random chains on random channels, random memory latency and
back-pressure, injected bus errors, pauses and aborts at random instants (or as the
channel's n-th descriptor fetch or status write is accepted, or as its bursts in flight
drain: windows too short to hit by chance).

Each iteration starts from reset and draws everything from its own seed (the
memory models' response order and stalls too), so it runs alone exactly as it ran
in the regression: a failing iteration logs ``make waves ... REPLAY=<seed>``, which
runs just it with waves and the transaction log (``DMAC_RANDOM_REPLAY``).  An
iteration runs one or two rounds of chains; the second starts on a controller that
just stopped after the first's errors and aborts, without a reset.  The bench seed
(``DMAC_SEED``) draws the iterations' seeds.  Successful chains are checked byte
for byte against the reference model; chains stopped by an error or an abort
against the rules in tb/chain_check.py; the whole memory outside the chains must be
unchanged, and the protocol checkers watch both ports throughout.  A failing
iteration is counted by what failed (tb/soak.py), the controller is reset by the
next iteration, and the test fails at its end; the counts go to ``soak.json``.

``test_random_through_iommu`` runs the same scenarios with the bus addresses
translated by the IOMMU model (tb/models/iommu.py): each iteration maps the
bus range [0, mem_size), page by page, to randomly chosen physical pages of
two RAM blocks above 4 GiB (Sv39 tables written here, straight into physical
memory), and may leave a source or destination page unmapped or map a
destination page read-only.  The port answers the refused bursts with
SLVERR, so the controller must report them as data read or write errors.
The reference model and the chain checks see the bus (IOVA) image gathered
from the physical pages; every other physical byte must stay unchanged, and
the IOMMU's fault queue must hold exactly the faults injected.

Functional coverage (tb/coverage.py) samples every iteration that passed its
checks from what the protocol checkers saw on both ports; each test writes
the process's coverage to ``coverage.yml`` in the build folder (or
``DMAC_COVERAGE_FILE``) and logs the report; ``python -m tools.coverage``
merges a run's files.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Sequence
from typing import Protocol

import cocotb
import numpy as np
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge, SimTimeoutError, with_timeout

from sw import dmac_regs as r
from sw.dmac_desc import Descriptor
from sw.dmac_regs import DmacErr
from tb import coverage, soak
from tb.chain_check import in_batch, untouched_outside, verify_chain
from tb.dmac_model import DmacModel
from tb.dmac_tb import DmacTB
from tb.models import iommu as im
from tb.models.axi_memory import AxiMemory
from tb.models.memory_map import MemoryMap
from tb.soak import Counts, IterationFailed, Problem

# DMAC_RANDOM_ITERATIONS raises it for a longer soak.  12 (was 10): the coverage steering
# made an iteration cheaper, and the error crosses need the samples.
ITERATIONS = int(os.environ.get("DMAC_RANDOM_ITERATIONS", "12"))
# The IOMMU run costs more per iteration (the model translates every burst): fewer.
IOMMU_ITERATIONS = max(1, ITERATIONS // 2)
FAULTS = ["none", "none", "pause", "abort", "data_read", "data_write", "desc_read", "status"]
# When a pause or abort strikes: after a random delay, as the channel's n-th descriptor
# fetch or status write is accepted on the bus, or as its bursts in flight drop to none for
# the n-th time (those windows are too short to hit by delay; see tb/coverage.py).
TRIGGERS = ["delay", "fetch", "status", "quiet", "quiet"]
# Through the IOMMU: also a source or destination page unmapped, or a destination read-only.
IOMMU_PAGE_FAULTS = ["unmapped_src", "unmapped_dst", "read_only_dst"]
IOMMU_FAULTS = FAULTS + IOMMU_PAGE_FAULTS
EXPECTED = {
    "none": DmacErr.NONE,
    "pause": DmacErr.NONE,
    "data_read": DmacErr.DATA_READ,
    "data_write": DmacErr.DATA_WRITE,
    "desc_read": DmacErr.DESC_READ,
    "status": DmacErr.STATUS_WRITE,
    "unmapped_src": DmacErr.DATA_READ,
    "unmapped_dst": DmacErr.DATA_WRITE,
    "read_only_dst": DmacErr.DATA_WRITE,
}

# The physical side of the IOMMU run: two 4 MiB RAM blocks above 4 GiB; the first pages of
# the first hold the IOMMU's stream table, fault queue and page tables.
PHYS_BITS = 40
RAM_BLOCKS = [(0x1_0000_0000, 4 << 20, "ram-a"), (0x80_0000_0000, 4 << 20, "ram-b")]
PAGE = im.PAGE_SIZE
TABLE_PAGES = 16  # reserved at the start of ram-a
FQ_LOG2 = 10  # 1024 fault records: 8 pages
STREAM_ID = 5
DOMAIN_ID = 3


class BusMemory(Protocol):
    """Backdoor to the memory as the controller addresses it (bus addresses)."""

    def read(self, address: int, length: int) -> bytes: ...

    def write(self, address: int, data: bytes | bytearray) -> None: ...

    def add_error_region(
        self, base: int, size: int, resp: str = "SLVERR", access: str = "rw"
    ) -> None: ...


class Plan:
    """One channel's chain and what will go wrong with it."""

    def __init__(
        self,
        rng: random.Random,
        chan: int,
        nchan: int,
        db: int,
        faults: Sequence[str] = FAULTS,
    ) -> None:
        # Each channel owns a slice of the descriptor, source and destination areas.
        desc_base = 0x1000 + chan * 0x800
        src_base = 0x1_0000 + chan * (0xF_0000 // nchan)
        dst_base = 0x10_0000 + chan * (0x10_0000 // nchan)
        room = 0xF_0000 // nchan
        # Every length is final before the layout below is drawn from them.
        lengths = []
        for _ in range(rng.randrange(1, 7)):
            length = rng.choice(
                [rng.randrange(1, 200), rng.randrange(1, 7000), edge_length(rng, db)]
            )
            lengths.append(min(length, max(1, (room // 8) - 64)))
        self.fault = rng.choice(faults)
        self.victim = rng.randrange(len(lengths))
        if self.fault in ("data_read", "data_write") and rng.random() < 0.3:
            # The last descriptor, one burst long: at times the only burst of the channel in
            # flight when it is answered (no data behind it, no descriptor left to prefetch).
            self.victim = len(lengths) - 1
            lengths[self.victim] = edge_length(rng, db)
        if self.fault == "status" and self.victim + 1 < len(lengths) and rng.random() < 0.5:
            # A short next descriptor (up to a few bursts): few of the channel's bursts in
            # flight when the status write is answered (a long one fills the outstanding slots).
            lengths[self.victim + 1] = rng.randrange(1, 40 * db)
        self.chain: list[tuple[int, Descriptor]] = []
        src, dst, desc = src_base, dst_base, desc_base
        for length in lengths:
            s, d = src + rng.randrange(db * 2), dst + rng.randrange(db * 2)
            self.chain.append((desc, Descriptor(s, d, length)))
            src, dst, desc = s + length + 64, d + length + 64, desc + 32 * rng.randrange(1, 3)
        assert src <= src_base + room and dst <= dst_base + 0x10_0000 // nchan, "chain too long"
        assert desc <= desc_base + 0x800, "descriptors beyond the channel's area"
        self.delay = rng.randrange(20, 3000)
        self.hold = rng.randrange(10, 400)
        self.trigger = rng.choice(TRIGGERS)
        self.nth = rng.randrange(len(self.chain))  # which fetch or status write triggers
        self.page: int | None = None  # IOVA page number the IOMMU refuses (IOMMU page faults)

    def writes_page(self) -> bool:
        """Whether the IOMMU page fault is on the destination (else on the source)."""
        return self.fault.endswith("_dst")

    def touches(self, page: int, dst: bool) -> list[int]:
        """Indexes of the descriptors whose source (or destination) has bytes in ``page``."""
        found = []
        for i, (_, d) in enumerate(self.chain):
            start = d.dst if dst else d.src
            if start // PAGE <= page <= (start + d.length - 1) // PAGE:
                found.append(i)
        return found


def edge_length(rng: random.Random, db: int) -> int:
    """A length at the bus word's edges: 1 byte, less than one beat, exactly one beat."""
    return rng.choice([1, rng.randrange(2, db) if db > 2 else 1, db])


def put_chain(mem: BusMemory, descs: list[tuple[int, Descriptor]]) -> None:
    """Write descriptors at their bus addresses, linking each to the next; the last gets LAST
    (as :meth:`DmacTB.put_chain`, through ``mem``)."""
    for i, (addr, d) in enumerate(descs):
        if i + 1 < len(descs):
            d.next = descs[i + 1][0]
        else:
            d.last = True
        mem.write(addr, d.pack())


class IovaSpace:
    """The bus range [0, size) as the controller sees it through the IOMMU.

    IOVA page ``i`` is the physical page ``pages[i]``, by Sv39 tables this class
    writes straight into physical memory (there is no CPU, hence no cache to
    clean) in the stream table entry of ``STREAM_ID`` (translate mode, domain
    ``DOMAIN_ID``).  :meth:`read` and :meth:`write` gather and scatter the
    physical pages in IOVA order, whatever the page tables say (a page left
    unmapped or read-only still has its physical page here).
    """

    def __init__(self, ram: AxiMemory, iommu: im.Iommu, size: int, rng: random.Random) -> None:
        self.ram = ram
        self.map = ram.map
        self.mem = self.map.mem
        self.iommu = iommu
        self.npages = size // PAGE
        assert size % PAGE == 0 and self.npages <= 512 * 512, size
        first = RAM_BLOCKS[0][0]
        self.ddt = first
        self.fq = first + PAGE
        self.fq_pages = range(self.fq // PAGE, self.fq // PAGE + (32 << FQ_LOG2) // PAGE)
        self.root = first + (1 + len(self.fq_pages)) * PAGE
        self.l1 = self.root + PAGE
        self.l0 = [self.l1 + (1 + i) * PAGE for i in range(-(-self.npages // 512))]
        assert self.l0[-1] < first + TABLE_PAGES * PAGE, "page tables beyond the reserved pages"
        # Every other page of the RAM blocks may be mapped; all of them hold random bytes.
        self.pool = [
            base + i * PAGE
            for base, block, _ in RAM_BLOCKS
            for i in range(TABLE_PAGES if base == first else 0, block // PAGE)
        ]
        assert len(self.pool) >= self.npages
        for base, block, _ in RAM_BLOCKS:
            self.mem.write(base, rng.randbytes(block))
        self.pages = self.pool[: self.npages]
        self.prot = [im.PTE_R | im.PTE_W] * self.npages  # 0: not mapped
        self._before: list[bytes] = []
        self._faults_before = (0, 0)
        self._program()

    def _program(self) -> None:
        """Stream table entry, upper page-table levels, and the IOMMU's registers."""
        mem, reg = self.mem, self.iommu.mmio_write
        for table in (self.ddt, self.root, self.l1, *self.l0):
            mem.write(table, bytes(PAGE))
        entry = self.ddt + STREAM_ID * im.DDT_ENTRY_SIZE
        mem.write_u64(entry, im.MODE_TRANSLATE | DOMAIN_ID << 16)
        mem.write_u64(entry + 8, self.root)
        mem.write_u64(self.root, (self.l1 >> im.PAGE_SHIFT) << im.PTE_PPN_SHIFT | im.PTE_V)
        for i, table in enumerate(self.l0):
            pte = (table >> im.PAGE_SHIFT) << im.PTE_PPN_SHIFT | im.PTE_V
            mem.write_u64(self.l1 + 8 * i, pte)
        for lo, hi, value in (
            (im.REG_DDT_BASE_LO, im.REG_DDT_BASE_HI, self.ddt),
            (im.REG_FQ_BASE_LO, im.REG_FQ_BASE_HI, self.fq),
        ):
            reg(hi, value >> 32, 4)
            reg(lo, value & 0xFFFF_FFFF, 4)
        reg(im.REG_DDT_LOG2, STREAM_ID.bit_length(), 4)
        reg(im.REG_FQ_LOG2, FQ_LOG2, 4)
        reg(im.REG_CTRL, im.CTRL_EN | im.CTRL_FQ_EN, 4)

    def _write_pte(self, page: int) -> None:
        pte = 0
        if self.prot[page]:
            pte = (self.pages[page] >> im.PAGE_SHIFT) << im.PTE_PPN_SHIFT | im.PTE_V
            pte |= self.prot[page]
        self.mem.write_u64(self.l0[page // 512] + 8 * (page % 512), pte)

    def remap(self, rng: random.Random) -> None:
        """Map every IOVA page, read-write, to a new random physical page of the pool, and
        draw the IOTLB size and walk latency; :meth:`sync` makes it take effect."""
        self.pages = rng.sample(self.pool, self.npages)
        self.prot = [im.PTE_R | im.PTE_W] * self.npages
        for page in range(self.npages):
            self._write_pte(page)
        self.iommu.iotlb_entries = rng.choice([4, 32])
        self.iommu.walk_latency = rng.choice([2, 8, 30])

    def protect(self, page: int, prot: int) -> None:
        """Give IOVA page ``page`` the permissions ``prot`` (PTE R/W bits; 0 unmaps it)."""
        self.prot[page] = prot
        self._write_pte(page)

    def sync(self) -> None:
        """Drop the domain's IOTLB entries (INVAL_VMA ALL), fence, and start a fresh
        fault queue; remember the physical memory and the fault counters as they are."""
        reg, iommu = self.iommu.mmio_write, self.iommu
        fences = iommu.mmio_read(im.REG_CMD_COMPLETED, 4)
        for opcode, arg1 in ((im.CMD_INVAL_VMA, im.ARG1_ALL | DOMAIN_ID), (im.CMD_FENCE, 0)):
            reg(im.REG_CMD_OPCODE, opcode, 4)
            reg(im.REG_CMD_ARG1, arg1, 4)
            reg(im.REG_CMD_GO, 1, 4)
        assert iommu.mmio_read(im.REG_CMD_COMPLETED, 4) == fences + 1, "FENCE did not complete"
        assert iommu.iotlb_used == 0, "IOTLB entries survived INVAL_VMA ALL"
        reg(im.REG_FQ_LOG2, FQ_LOG2, 4)  # resets FQ_HEAD and FQ_TAIL
        reg(im.REG_STATUS, 0xFFFF_FFFF, 4)
        self._before = [self.mem.read(base, size) for base, size, _ in RAM_BLOCKS]
        self._faults_before = (iommu.stats.fault_count, self.ram.stats.iommu_faults)

    def pa(self, iova: int) -> int:
        return self.pages[iova // PAGE] + iova % PAGE

    def read(self, address: int, length: int) -> bytes:
        out = bytearray()
        while length > 0:
            n = min(length, PAGE - address % PAGE)
            out += self.mem.read(self.pa(address), n)
            address, length = address + n, length - n
        return bytes(out)

    def write(self, address: int, data: bytes | bytearray) -> None:
        pos = 0
        while pos < len(data):
            n = min(len(data) - pos, PAGE - address % PAGE)
            self.mem.write(self.pa(address), bytes(data[pos : pos + n]))
            address, pos = address + n, pos + n

    def add_error_region(
        self, base: int, size: int, resp: str = "SLVERR", access: str = "rw"
    ) -> None:
        """The physical bytes behind the bus bytes [base, base + size) (one page) answer
        ``resp``, as :meth:`AxiMemory.add_error_region` does for a flat memory."""
        assert base // PAGE == (base + size - 1) // PAGE, "an error region within one page"
        self.ram.add_error_region(self.pa(base), size, resp, access)

    def faults(self) -> list[im.FaultRecord]:
        """The records queued since :meth:`sync`."""
        tail = self.iommu.mmio_read(im.REG_FQ_TAIL, 4)
        size = im.FQ_RECORD_SIZE
        return [im.FaultRecord.decode(self.mem.read(self.fq + i * size, size)) for i in range(tail)]

    def check(self, where: str, plans: dict[int, Plan], db: int) -> None:
        """After an iteration: no physical byte changed outside the mapped pages (tables,
        spare pages), and the IOMMU recorded exactly the page faults injected."""
        keep = {p // PAGE for p in self.pages} | set(self.fq_pages)
        for (base, size, name), before in zip(RAM_BLOCKS, self._before, strict=True):
            changed = np.frombuffer(self.mem.read(base, size), np.uint8) != np.frombuffer(
                before, np.uint8
            )
            for page in range(base // PAGE, (base + size) // PAGE):
                if page in keep:
                    changed[page * PAGE - base : (page + 1) * PAGE - base] = False
            stray = np.flatnonzero(changed)
            assert not stray.size, (
                f"{where}: {stray.size} bytes of unmapped pages of {name} changed, "
                f"first at {base + int(stray[0]):#x}"
            )
        status = self.iommu.mmio_read(im.REG_STATUS, 4)
        bad = im.STATUS_FQ_OVF | im.STATUS_FQ_MF | im.STATUS_CMD_ERR
        assert not status & bad, f"{where}: IOMMU STATUS {status:#x}"
        records = self.faults()
        faults_seen = self.iommu.stats.fault_count - self._faults_before[0]
        refused = self.ram.stats.iommu_faults - self._faults_before[1]
        assert faults_seen == refused == len(records), (
            f"{where}: {faults_seen} IOMMU faults, {refused} pages refused at the port, "
            f"{len(records)} records"
        )
        assert bool(status & im.STATUS_FIP) == bool(records), f"{where}: STATUS {status:#x}"
        injected = {p.page: (c, p) for c, p in plans.items() if p.page is not None}
        hit: set[int] = set()
        for rec in records:
            page = rec.iova // PAGE
            assert page in injected, f"{where}: fault outside every injected page: {rec}"
            chan, plan = injected[page]
            dst = plan.writes_page()
            event = im.EVT_F_PERMISSION if plan.fault == "read_only_dst" else im.EVT_F_TRANSLATION
            assert (rec.event, rec.rnw) == (event, not dst), f"{where}: ch{chan}: {rec}"
            assert (rec.stream_id, rec.domain_id) == (STREAM_ID, DOMAIN_ID), f"{where}: {rec}"
            # At an address the chain accesses, from the victim on (bursts start on bus words).
            starts = [(d.dst if dst else d.src, d.length) for _, d in plan.chain[plan.victim :]]
            inside = any(s - s % db <= rec.iova < s + n for s, n in starts)
            assert inside, f"{where}: ch{chan}: {rec} outside the chain's accesses"
            hit.add(page)
        missed = [f"ch{c} page {pg:#x}" for pg, (c, _) in injected.items() if pg not in hit]
        assert not missed, f"{where}: no fault recorded for " + ", ".join(missed)


def inject(mem: BusMemory, rng: random.Random, plan: Plan, io: IovaSpace | None = None) -> None:
    addr, d = plan.chain[plan.victim]
    # The faulty byte anywhere, or first or last (fewer or more of the channel's bursts in
    # flight when it is answered).
    at = rng.choice([rng.randrange(d.length), 0, d.length - 1])
    if plan.fault == "data_read":
        mem.add_error_region(d.src + at, 1, rng.choice(["SLVERR", "DECERR"]), "r")
    elif plan.fault == "data_write":
        mem.add_error_region(d.dst + at, 1, rng.choice(["SLVERR", "DECERR"]), "w")
    elif plan.fault == "desc_read":
        mem.add_error_region(addr + rng.randrange(32), 1, rng.choice(["SLVERR", "DECERR"]), "r")
    elif plan.fault == "status":
        resp = rng.choice(["SLVERR", "DECERR"])
        mem.add_error_region(addr + r.DMAC_DESC_LEN_OFFSET, 8, resp, "w")
    elif plan.fault in IOMMU_PAGE_FAULTS:
        # The whole page faults: the first descriptor of the chain that touches it is the
        # one the error stops at.
        assert io is not None, plan.fault
        dst = plan.writes_page()
        plan.page = ((d.dst if dst else d.src) + rng.randrange(d.length)) // PAGE
        plan.victim = plan.touches(plan.page, dst)[0]
        io.protect(plan.page, im.PTE_R if plan.fault == "read_only_dst" else 0)


async def descriptor_access(tb: DmacTB, chan: int, write: bool, nth: int, idle: list[bool]) -> None:
    """Return at the ``nth`` (from 0) status write (``write``) of ``chan`` accepted on
    the bus, or descriptor fetch of ``chan`` taken by the AXI mux from the shared fetcher
    (a cycle or two before its AR reaches the bus; descriptor reads share one ID, the
    fetcher's request names the channel), or once ``idle[0]`` says every channel stopped."""
    dut = tb.dut
    valid, ready, ident = (
        (dut.m_axi_awvalid, dut.m_axi_awready, dut.m_axi_awid)
        if write
        else (dut.f_ar_valid, dut.f_ar_ready, dut.fetch_inst.ar_chan)
    )
    want = tb.params.axi_id(chan, True) if write else chan
    seen = 0
    while not idle[0]:
        await RisingEdge(dut.clk)
        await ReadOnly()
        if str(valid.value) == "1" and str(ready.value) == "1" and int(ident.value) == want:
            if seen == nth:
                break
            seen += 1
    await RisingEdge(dut.clk)


def _handshake(valid, ready, ident, ids: set[int]) -> bool:  # type: ignore[no-untyped-def]
    return str(valid.value) == "1" and str(ready.value) == "1" and int(ident.value) in ids


async def channel_quiet(tb: DmacTB, chan: int, nth: int, idle: list[bool]) -> None:
    """Return when ``chan``'s bursts in flight (its data reads and writes, status writes
    and a descriptor fetch) drop to none for the ``nth`` time (from 0), or once ``idle[0]``
    says every channel stopped.  Descriptor reads share one ID, so a fetch of ``chan`` is
    the shared fetcher's own flag (``f_quiet``: from the request to the last descriptor)."""
    dut, p = tb.dut, tb.params
    reads = {p.axi_id(chan, False)}
    writes = {p.axi_id(chan, False), p.axi_id(chan, True)}
    flying = seen = 0
    fetching = before_fetching = False
    while not idle[0]:
        await RisingEdge(dut.clk)
        await ReadOnly()
        before = flying
        before_fetching = fetching
        flying += _handshake(dut.m_axi_arvalid, dut.m_axi_arready, dut.m_axi_arid, reads)
        flying += _handshake(dut.m_axi_awvalid, dut.m_axi_awready, dut.m_axi_awid, writes)
        flying -= _handshake(dut.m_axi_bvalid, dut.m_axi_bready, dut.m_axi_bid, writes)
        if str(dut.m_axi_rlast.value) == "1":
            flying -= _handshake(dut.m_axi_rvalid, dut.m_axi_rready, dut.m_axi_rid, reads)
        flying = max(flying, 0)  # bursts issued before this task started
        fetching = not int(dut.f_quiet.value) >> chan & 1
        if (before or before_fetching) and not (flying or fetching):
            if seen == nth:
                break
            seen += 1
    await RisingEdge(dut.clk)


async def disturb(tb: DmacTB, chan: int, plan: Plan, idle: list[bool], counts: Counts) -> None:
    """Pause and resume, or abort, the channel after its random delay, or at its chosen
    descriptor fetch or status write, or as its bursts in flight drain (``plan.trigger``).
    Counted only when written before every channel stopped (``idle[0]``)."""
    if plan.fault not in ("pause", "abort"):
        return
    if plan.trigger == "delay":
        await ClockCycles(tb.dut.clk, plan.delay)
    elif plan.trigger == "quiet":
        await channel_quiet(tb, chan, plan.nth, idle)
    else:
        await descriptor_access(tb, chan, plan.trigger == "status", plan.nth, idle)
    if plan.fault == "pause":
        counts.pauses += not idle[0]
        await tb.chan_write(chan, r.DMAC_CHAN_CTRL_OFFSET, 1 << r.DMAC_CHAN_CTRL_PAUSE_LSB)
        await ClockCycles(tb.dut.clk, plan.hold)
        await tb.chan_write(chan, r.DMAC_CHAN_CTRL_OFFSET, 0)
    elif plan.fault == "abort":
        counts.aborts += not idle[0]
        await tb.chan_write(chan, r.DMAC_CHAN_CTRL_OFFSET, 1 << r.DMAC_CHAN_CTRL_ABORT_LSB)


def replay_command(test: str, seed: int) -> str:
    """The command that runs iteration ``seed`` alone, with waves and the transaction log."""
    sim = "verilator" if "verilator" in getattr(cocotb, "SIM_NAME", "").lower() else "icarus"
    given = json.loads(os.environ.get("DMAC_PARAMS", "{}"))
    params = ",".join(f"{k}={v}" for k, v in given.items())
    return f"make waves TEST={test} SIM={sim} PARAMS={params} REPLAY={seed}"


async def one_iteration(
    tb: DmacTB,
    test: str,
    seed: int,
    io: IovaSpace | None = None,
    cov: coverage.Collector | None = None,
) -> bool:
    """One random scenario from reset, all of it drawn from ``seed`` (the memory models'
    choices too), so it replays alone (:func:`replay_command`): one or two rounds of
    chains, the second on a controller that just stopped after the first's errors and
    aborts.  Adds what it did and found to the process's counts (tb/soak.py); returns
    whether it passed.  A failure is logged with its replay command and leaves the
    controller to the next iteration's reset."""
    rng = random.Random(seed)
    counts = Counts(iterations=1)
    try:
        await tb.reset()
        assert isinstance(tb.ram, AxiMemory)
        tb.ram.reseed(rng.getrandbits(64))
        for n in range(rng.choice([1, 1, 2])):
            await one_round(tb, rng, f"seed {seed} round {n}", counts, io, cov)
    except IterationFailed as failed:
        counts.failed_iterations = 1
        if cov is not None:
            cov.forget()
        for p in failed.problems:
            tb.dut._log.error("%s: %s", p.kind, p.message)
            if p.kind == soak.MISMATCH:
                counts.mismatches += p.count
            elif p.kind == soak.GUARD:
                counts.guard_writes += p.count
            elif p.kind == soak.PROTOCOL:
                counts.protocol_violations += p.count
            else:
                counts.hangs += p.count
        tb.dut._log.error(
            "iteration seed %d failed; replay it alone with waves and the transaction log: %s",
            seed,
            replay_command(test, seed),
        )
    finally:
        soak.COUNTS.add(counts)
    return not counts.failed_iterations


async def one_round(
    tb: DmacTB,
    rng: random.Random,
    where: str,
    counts: Counts,
    io: IovaSpace | None,
    cov: coverage.Collector | None,
) -> None:
    """Chains on random channels, checked in full; with ``io`` the bus addresses go through
    the IOMMU, remapped for this round, and the physical side is checked too.  ``cov``
    samples the round once it passed its checks.  Raises :class:`IterationFailed`."""
    db, nchan = tb.params.data_bytes, tb.params.NUM_CHANNELS
    assert isinstance(tb.ram, AxiMemory)
    tb.ram.read_latency = rng.choice([2, 2, 8, 20, 40])
    tb.ram.write_latency = rng.choice([2, 2, 8, 20, 40])
    tb.set_backpressure(rng.choice([0.0, 0.1, 0.3]), rng=rng)
    tb.ram.clear_error_regions()
    mem: BusMemory = tb.ram
    if io is not None:
        io.remap(rng)
        mem = io
    mem.write(0, rng.randbytes(tb.mem_size))  # as tb.fill_random(), through ``mem``
    active = sorted(rng.sample(range(nchan), rng.randrange(1, nchan + 1)))
    faults = FAULTS if io is None else IOMMU_FAULTS
    plans = {c: Plan(rng, c, nchan, db, faults) for c in active}
    for plan in plans.values():
        put_chain(mem, plan.chain)
        inject(mem, rng, plan, io)
        counts.errors_injected += plan.fault in EXPECTED and EXPECTED[plan.fault] != DmacErr.NONE
    for c, plan in plans.items():
        # A refused page must belong to one channel's chain only (the layout ensures it).
        if plan.page is not None:
            for other, p in plans.items():
                used = p.touches(plan.page, False) + p.touches(plan.page, True)
                assert other == c or not used, f"page {plan.page:#x} of ch{c} shared"
    if io is not None:
        io.sync()
    tb.dut._log.info(
        "%s: latency %d/%d, %s",
        where,
        tb.ram.read_latency,
        tb.ram.write_latency,
        ", ".join(
            f"ch{c} {len(p.chain)} desc {p.fault}@{p.victim}"
            + ("" if p.page is None else f" (IOVA page {p.page:#x})")
            for c, p in plans.items()
        ),
    )
    original = mem.read(0, tb.mem_size)
    model = DmacModel(original, tb.params.ADDR_WIDTH)  # as tb.model(), through ``mem``
    expect = {c: model.run_chain(p.chain[0][0]) for c, p in plans.items()}

    for c, plan in plans.items():
        await tb.chan_write(c, r.DMAC_CHAN_IRQ_STATUS_OFFSET, 0xF)
        await tb.start(c, plan.chain[0][0])
    idle = [False]
    tasks = [cocotb.start_soon(disturb(tb, c, p, idle, counts)) for c, p in plans.items()]
    try:
        for c in plans:
            try:
                await tb.wait_idle(c, timeout_us=5000)
            except SimTimeoutError:
                hang = Problem(soak.HANG, f"{where}: channel {c} still busy after 5 ms")
                raise IterationFailed([hang]) from None
    finally:
        idle[0] = True
    for t in tasks:
        await with_timeout(t, 100, "us")
    await ClockCycles(tb.dut.clk, 20)

    problems: list[Problem] = []
    batch = tb.params.status_batch
    mem_now = mem.read(0, tb.mem_size)
    regions: list[tuple[int, int]] = []
    done: dict[int, int] = {}
    for c, plan in plans.items():
        status = await tb.chan_read(c, r.DMAC_CHAN_STATUS_OFFSET)
        err = DmacErr((status >> r.DMAC_CHAN_STATUS_ERR_CODE_LSB) & 0xF)
        completed = await tb.chan_read(c, r.DMAC_CHAN_COMPLETED_OFFSET)
        done[c] = completed
        counts.descriptors += completed
        here = f"{where} channel {c} ({plan.fault} at descriptor {plan.victim})"
        wrong: list[str] = []
        if plan.fault == "abort":
            if err not in (DmacErr.ABORTED, DmacErr.NONE):
                wrong.append(f"ERR_CODE {err!r}")
            elif err == DmacErr.NONE and completed != len(plan.chain):
                wrong.append(f"not aborted, but COMPLETED {completed} of {len(plan.chain)}")
        else:
            want = {len(plan.chain) if err == DmacErr.NONE else plan.victim}
            if err == DmacErr.STATUS_WRITE:
                # The failing status write may have covered descriptors before the
                # victim too (a batch): the chain stops at the batch's first one.
                want |= {
                    k for k in range(plan.victim) if in_batch(plan.chain, k, plan.victim, batch)
                }
            if err != EXPECTED[plan.fault]:
                wrong.append(f"ERR_CODE {err!r}, expected {EXPECTED[plan.fault]!r}")
            elif completed not in want:
                wrong.append(f"COMPLETED {completed}, expected {sorted(want)}")
        if err == DmacErr.NONE:
            # Ran to the end: byte-exact against the reference model.
            for i, (addr, d) in enumerate(plan.chain):
                if mem_now[d.dst : d.dst + d.length] != model.mem[d.dst : d.dst + d.length]:
                    wrong.append(f"descriptor {i}: destination differs from the model")
                if mem_now[addr : addr + 32] != model.mem[addr : addr + 32]:
                    wrong.append(f"descriptor {i}: write-back differs from the model")
            if expect[c].completed != completed:
                wrong.append(f"COMPLETED {completed}, the model {expect[c].completed}")
        wrong += verify_chain(mem_now, original, plan.chain, completed, err, batch)
        problems += [Problem(soak.MISMATCH, f"{here}: {w}") for w in wrong]
        regions += [(a, 32) for a, _ in plan.chain] + [(d.dst, d.length) for _, d in plan.chain]
        counts.bytes_checked += sum(32 + d.length for _, d in plan.chain)
    stray = untouched_outside(mem_now, original, regions)
    counts.guard_bytes += tb.mem_size - sum(n for _, n in regions)
    if stray:
        problems.append(
            Problem(
                soak.GUARD,
                f"{where}: {len(stray)} bytes changed outside every chain, first at {stray[0]:#x}",
                len(stray),
            )
        )
    if io is not None:
        try:
            io.check(where, plans, db)
        except AssertionError as e:
            problems.append(Problem(soak.MISMATCH, str(e)))
    for checker in (tb.axi_checker, tb.axil_checker):
        assert checker is not None
        try:
            checker.assert_clean(idle=True)
        except AssertionError as e:
            problems.append(Problem(soak.PROTOCOL, str(e), len(checker.violations)))
            checker.violations.clear()
    if problems:
        raise IterationFailed(problems)
    if cov is not None:
        cov.end_iteration({c: [d for _, d in p.chain] for c, p in plans.items()}, done)


def collector(tb: DmacTB) -> coverage.Collector:
    """Coverage of what the bench's checkers see on both ports (tb/coverage.py)."""
    assert tb.axi_checker is not None
    return coverage.Collector(
        tb.axi_checker,
        tb.axil_checker,
        data_bytes=tb.params.data_bytes,
        max_burst_len=tb.params.MAX_BURST_LEN,
        chan_bits=tb.params.chan_bits,
        owners=tb.fetch_owners,
    )


def write_coverage(tb: DmacTB, cov: coverage.Collector) -> None:
    """This process's coverage so far to its file, and the report into the log."""
    path = coverage.write()
    tb.dut._log.info("functional coverage so far (%s):", path.resolve())
    for line in coverage.report(coverage.load(path)):
        tb.dut._log.info("  %s", line)
    if cov.gaps:
        tb.dut._log.info(
            "  %d gaps with no burst of a busy channel in flight, %.0f ns in all, longest %.0f ns",
            len(cov.gaps),
            sum(cov.gaps),
            max(cov.gaps),
        )
    if cov.other_cuts:
        tb.dut._log.info("  %d descriptors had a burst cut no bin explains", cov.other_cuts)


def iteration_seeds(tb: DmacTB, count: int) -> list[int]:
    """The iterations' seeds: ``count`` drawn from the bench seed, or the one
    ``DMAC_RANDOM_REPLAY`` names (a failing iteration, run alone)."""
    replay = os.environ.get("DMAC_RANDOM_REPLAY")
    if replay:
        return [int(replay)]
    return [tb.rng.getrandbits(32) for _ in range(count)]


async def run_iterations(tb: DmacTB, test: str, count: int, io: IovaSpace | None = None) -> None:
    """The iterations of one test, then its coverage and counts written out; fails at
    the end if any iteration did (each was logged with its replay command)."""
    cov = collector(tb)
    failed = [
        seed
        for seed in iteration_seeds(tb, count)
        if not await one_iteration(tb, test, seed, io, cov)
    ]
    write_coverage(tb, cov)
    path = soak.write()
    for line in soak.COUNTS.lines():
        tb.dut._log.info("soak counts so far (%s): %s", path.resolve(), line)
    assert not failed, f"{len(failed)} iteration(s) failed, seeds {failed}; see the log"


@cocotb.test()
async def test_random_regression(dut) -> None:  # type: ignore[no-untyped-def]
    """ITERATIONS random scenarios on one controller, each checked in full."""
    tb = DmacTB(dut, mem_latency=2, reorder=True)
    await run_iterations(tb, "test_random_regression", ITERATIONS)


@cocotb.test()
async def test_random_through_iommu(dut) -> None:  # type: ignore[no-untyped-def]
    """IOMMU_ITERATIONS random scenarios with every bus address translated by the IOMMU to
    scattered physical pages above 4 GiB, remapped each iteration, some pages refused."""
    phys = MemoryMap(PHYS_BITS)
    for base, size, name in RAM_BLOCKS:
        phys.add_ram(base, size, name)
    iommu = im.Iommu(phys.mem, is_ram=phys.is_ram)
    tb = DmacTB(dut, mem_latency=2, reorder=True, memory_map=phys, iommu=iommu, stream_id=STREAM_ID)
    assert isinstance(tb.ram, AxiMemory)
    io = IovaSpace(tb.ram, iommu, tb.mem_size, tb.rng)
    await run_iterations(tb, "test_random_through_iommu", IOMMU_ITERATIONS, io)

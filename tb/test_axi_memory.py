"""cocotb tests of the AXI4 memory model (tb/models/axi_memory.py) through ``axi_passthrough``.

cocotbext-axi's ``AxiMaster`` drives ``s_axi``; for bursts it cannot form
(sparse strobes, narrow FIXED and WRAP) its bare channel models do.  The
:class:`AxiMemory` under test answers on ``m_axi``, where the project's
:class:`AxiChecker` watches and must stay clean.  Data is compared with a Python
bytearray reference kept by the bench, timing with the clock-edge numbers of
the handshakes seen on the bus (:class:`BusLog`).
"""

from __future__ import annotations

import itertools
import logging
import random
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.task import Task
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge, with_timeout
from cocotbext.axi import AxiBurstType, AxiBus, AxiMaster, AxiResp
from cocotbext.axi.axi_channels import (
    AxiARSource,
    AxiARTransaction,
    AxiAWSource,
    AxiAWTransaction,
    AxiBSink,
    AxiRSink,
    AxiWSource,
    AxiWTransaction,
)

from tb.axi_checker import AxiChecker, beat_lanes
from tb.models.axi_memory import AxiMemory, pause_pattern

CLK_NS = 10
MEM_SIZE = 1 << 18
BUS_BYTES = 8
FIXED, INCR, WRAP = (int(AxiBurstType.FIXED), int(AxiBurstType.INCR), int(AxiBurstType.WRAP))
OKAY, SLVERR, DECERR = (int(AxiResp.OKAY), int(AxiResp.SLVERR), int(AxiResp.DECERR))

_UNKNOWN_AS_ZERO = str.maketrans("XZxz", "0000")


def _int(handle: Any) -> int:
    return int(str(handle.value).translate(_UNKNOWN_AS_ZERO), 2)


class BusLog:
    """Every handshake on ``m_axi``, tagged with the number of the rising edge that completed it.

    Sampled in the ReadOnly phase after each rising edge: what is settled there
    is what the next edge takes, so a handshake seen after edge k completes at k + 1.
    """

    def __init__(self, dut: Any, prefix: str = "m_axi") -> None:
        self.dut = dut
        self.p = prefix
        self.edge = 0
        self.ar: list[tuple[int, int, int, int]] = []  # (edge, id, addr, len)
        self.r: list[tuple[int, int, int, int, int]] = []  # (edge, id, data, resp, last)
        self.aw: list[tuple[int, int, int, int]] = []  # (edge, id, addr, len)
        self.w: list[tuple[int, int]] = []  # (edge, last)
        self.b: list[tuple[int, int, int]] = []  # (edge, id, resp)
        self.ar_stalls = 0  # cycles with ARVALID high and ARREADY low
        self.aw_stalls = 0
        self.valid_in_reset = 0  # cycles in reset with RVALID or BVALID high
        cocotb.start_soon(self._run())

    def _sig(self, name: str) -> Any:
        return getattr(self.dut, f"{self.p}_{name}")

    async def _run(self) -> None:
        s = self._sig
        rst = self.dut.rst
        ar = [s(n) for n in ("arvalid", "arready", "arid", "araddr", "arlen")]
        aw = [s(n) for n in ("awvalid", "awready", "awid", "awaddr", "awlen")]
        r = [s(n) for n in ("rvalid", "rready", "rid", "rdata", "rresp", "rlast")]
        w = [s(n) for n in ("wvalid", "wready", "wlast")]
        b = [s(n) for n in ("bvalid", "bready", "bid", "bresp")]
        edge = RisingEdge(self.dut.clk)
        settle = ReadOnly()
        while True:
            await edge
            await settle
            self.edge += 1
            k = self.edge + 1
            if str(rst.value) != "0":
                if str(r[0].value) == "1" or str(b[0].value) == "1":
                    self.valid_in_reset += 1
                continue
            for log, sigs, is_ar in ((self.ar, ar, True), (self.aw, aw, False)):
                if str(sigs[0].value) == "1":
                    if str(sigs[1].value) == "1":
                        log.append((k, _int(sigs[2]), _int(sigs[3]), _int(sigs[4])))
                    elif is_ar:
                        self.ar_stalls += 1
                    else:
                        self.aw_stalls += 1
            if str(r[0].value) == "1" and str(r[1].value) == "1":
                self.r.append((k, _int(r[2]), _int(r[3]), _int(r[4]), _int(r[5])))
            if str(w[0].value) == "1" and str(w[1].value) == "1":
                self.w.append((k, _int(w[2])))
            if str(b[0].value) == "1" and str(b[1].value) == "1":
                self.b.append((k, _int(b[2]), _int(b[3])))


class RawMaster:
    """One burst at a time straight on cocotbext-axi's channel models of ``prefix`` (``s_axi``)."""

    def __init__(self, dut: Any, prefix: str = "s_axi") -> None:
        bus = AxiBus.from_prefix(dut, prefix)
        clk, rst = dut.clk, dut.rst
        self.aw = AxiAWSource(bus.write.aw, clk, rst)
        self.w = AxiWSource(bus.write.w, clk, rst)
        self.b = AxiBSink(bus.write.b, clk, rst)
        self.ar = AxiARSource(bus.read.ar, clk, rst)
        self.r = AxiRSink(bus.read.r, clk, rst)

    def channels(self) -> list[Any]:
        return [self.aw, self.w, self.b, self.ar, self.r]

    async def write(
        self, bid: int, addr: int, size: int, kind: int, beats: list[tuple[int, int]]
    ) -> int:
        """Write ``beats`` (data, strobe); returns BRESP."""
        aw = AxiAWTransaction(
            awid=bid, awaddr=addr, awlen=len(beats) - 1, awsize=size, awburst=kind
        )
        await self.aw.send(aw)
        for i, (data, strb) in enumerate(beats):
            await self.w.send(
                AxiWTransaction(wdata=data, wstrb=strb, wlast=int(i == len(beats) - 1))
            )
        b = await self.b.recv()
        assert int(b.bid) == bid, f"BID {int(b.bid)} for AWID {bid}"
        return int(b.bresp)

    async def read(
        self, rid: int, addr: int, size: int, kind: int, length: int
    ) -> list[tuple[int, int]]:
        """Read ``length`` beats; returns (data, resp) per beat."""
        ar = AxiARTransaction(arid=rid, araddr=addr, arlen=length - 1, arsize=size, arburst=kind)
        await self.ar.send(ar)
        beats = []
        for i in range(length):
            r = await self.r.recv()
            assert int(r.rid) == rid, f"RID {int(r.rid)} for ARID {rid}"
            assert int(r.rlast) == (i == length - 1), f"RLAST={int(r.rlast)} on beat {i}"
            beats.append((int(r.rdata), int(r.rresp)))
        return beats


class MemTB:
    """The pass-through: a master on ``s_axi``; the model, checker and log on ``m_axi``."""

    def __init__(self, dut: Any, *, raw: bool = False, size: int = MEM_SIZE, **mem: Any) -> None:
        self.dut = dut
        self.seed = random.getrandbits(32)  # from COCOTB_RANDOM_SEED
        self.rng = random.Random(self.seed)
        dut._log.info("bench seed %d (replay with COCOTB_RANDOM_SEED)", self.seed)
        dut.rst.value = 1  # held from time 0
        cocotb.start_soon(Clock(dut.clk, CLK_NS, unit="ns").start())
        self.size = size
        self.mem = AxiMemory(
            AxiBus.from_prefix(dut, "m_axi"),
            dut.clk,
            dut.rst,
            size,
            seed=self.rng.getrandbits(32),
            **mem,
        )
        self.checker = AxiChecker(dut, "m_axi", dut.clk, dut.rst)
        self.log = BusLog(dut)
        self.master: AxiMaster | None = None
        self.raw: RawMaster | None = None
        if raw:
            self.raw = RawMaster(dut)
        else:
            self.master = AxiMaster(AxiBus.from_prefix(dut, "s_axi"), dut.clk, dut.rst)
            # It logs every burst at INFO; the bench's own lines are the ones worth reading.
            self.master.write_if.log.setLevel(logging.WARNING)
            self.master.read_if.log.setLevel(logging.WARNING)
        self.ref = bytearray(size)

    @property
    def axi(self) -> AxiMaster:
        assert self.master is not None
        return self.master

    async def reset(self) -> None:
        self.dut.rst.value = 1
        await ClockCycles(self.dut.clk, 8)
        self.dut.rst.value = 0
        await ClockCycles(self.dut.clk, 2)

    def fill_random(self) -> None:
        data = self.rng.randbytes(self.size)
        self.mem.write(0, data)
        self.ref[:] = data

    def fill_address_tags(self) -> None:
        """Every 8-byte word holds its own address, so read data names its address."""
        data = b"".join(a.to_bytes(8, "little") for a in range(0, self.size, 8))
        self.mem.write(0, data)
        self.ref[:] = data

    def set_backpressure(self, probability: float) -> None:
        """Stalls on all ten channel ends: the master's and the model's."""
        self.mem.set_backpressure(probability)
        if self.master is not None:
            w, r = self.master.write_if, self.master.read_if
            ends = [w.aw_channel, w.w_channel, w.b_channel, r.ar_channel, r.r_channel]
        else:
            assert self.raw is not None
            ends = self.raw.channels()
        for ch in ends:
            if probability > 0:
                rng = random.Random(self.rng.getrandbits(32))
                ch.set_pause_generator(pause_pattern(rng, probability))
            else:
                ch.clear_pause_generator()
                ch.pause = False  # clearing the generator leaves the last pause drawn

    def check_memory(self) -> None:
        actual = self.mem.read(0, self.size)
        if actual == bytes(self.ref):
            return
        diffs = [i for i in range(self.size) if actual[i] != self.ref[i]]
        lo = diffs[0] - diffs[0] % 16
        raise AssertionError(
            f"{len(diffs)} bytes differ from the reference, first at {diffs[0]:#x}; at {lo:#x}:"
            f" model {actual[lo : lo + 32].hex()} reference {self.ref[lo : lo + 32].hex()}"
        )

    async def finish(self) -> None:
        """Let the bus drain, then the checker must be clean and agree with the model's counts."""
        await ClockCycles(self.dut.clk, 10)
        self.checker.assert_clean(idle=True)
        stats, c = self.mem.stats, self.checker
        assert stats.read_beats == c.r_beats, (stats, c.counters)
        assert stats.read_bursts == c.r_bursts == c.ar_count, (stats, c.counters)
        assert stats.write_beats == c.w_beats, (stats, c.counters)
        assert stats.write_bursts == c.b_count == c.aw_count, (stats, c.counters)
        self.dut._log.info("model counters %s", stats.as_dict())


async def setup(dut: Any, backpressure: float = 0.0, **kwargs: Any) -> MemTB:
    tb = MemTB(dut, **kwargs)
    tb.set_backpressure(backpressure)
    await tb.reset()
    return tb


# -- reference geometry (AXI4 A3.4), written apart from the model's --------------------------


def beat_word(addr: int, size: int, beats: int, kind: int, beat: int) -> int:
    """Bus-word address of beat ``beat`` of a burst."""
    n = 1 << size
    if kind == FIXED or beat == 0:
        a = addr
    elif kind == INCR:
        a = (addr // n) * n + beat * n
    else:
        total = n * beats
        lower = (addr // total) * total
        a = addr + beat * n
        if a >= lower + total:
            a -= total
    return a - a % BUS_BYTES


def lanes_of(mask: int) -> list[int]:
    return [i for i in range(BUS_BYTES) if mask >> i & 1]


# -- tests -----------------------------------------------------------------------------------
@cocotb.test()
async def test_x_before_reset(dut: Any) -> None:
    """Reset and the master's signals X at the first edges: the model waits quietly for a reset.

    First in the module, so it starts from the simulator's time-0 values (X on Icarus).
    """
    unknown = str(dut.rst.value) != "0"  # Verilator is two-state: 0 there, and out of reset
    cocotb.start_soon(Clock(dut.clk, CLK_NS, unit="ns").start())
    mem = AxiMemory(AxiBus.from_prefix(dut, "m_axi"), dut.clk, dut.rst, 0x1000)
    checker = AxiChecker(dut, "m_axi", dut.clk, dut.rst)
    await ClockCycles(dut.clk, 5)
    dut._log.info(
        "before any reset: rst=%s arvalid=%s rready=%s",
        dut.rst.value,
        dut.m_axi_arvalid.value,
        dut.m_axi_rready.value,
    )
    held = ("awready", "wready", "bvalid", "arready", "rvalid") if unknown else ("bvalid", "rvalid")
    for name in held:
        assert str(getattr(dut, f"m_axi_{name}").value) == "0", f"m_axi_{name} not low"
    dut.rst.value = 1
    await ClockCycles(dut.clk, 4)
    master = AxiMaster(AxiBus.from_prefix(dut, "s_axi"), dut.clk, dut.rst)
    await ClockCycles(dut.clk, 4)
    dut.rst.value = 0
    await ClockCycles(dut.clk, 2)
    await master.write(0x100, b"\x5a" * 40)
    assert bytes((await master.read(0xFC, 48)).data) == bytes(4) + b"\x5a" * 40 + bytes(4)
    assert mem.read(0x100, 40) == b"\x5a" * 40
    await ClockCycles(dut.clk, 5)
    checker.assert_clean(idle=True)


@cocotb.test()
@cocotb.parametrize(mode=["plain", "shuffled"])
async def test_round_trip(dut: Any, mode: str) -> None:
    """Random concurrent reads and writes, any size, alignment and AxSIZE, under back-pressure."""
    shuffle = mode == "shuffled"
    tb = await setup(
        dut,
        backpressure=0.3,
        read_latency=5,
        write_latency=3,
        reorder=shuffle,
        interleave=shuffle,
    )
    tb.fill_random()
    rng, slot = tb.rng, 4096
    for _ in range(25):
        ops: list[tuple[str, int, bytes | int, Task[Any]]] = []
        for s in rng.sample(range(tb.size // slot), 6):
            size = rng.randrange(4)
            length = rng.randint(1, 24 << size)
            addr = s * slot + rng.randrange(slot - length + 1)
            ident = rng.randrange(16)
            if rng.random() < 0.5:
                data = rng.randbytes(length)
                task = cocotb.start_soon(tb.axi.write(addr, data, awid=ident, size=size))
                ops.append(("w", addr, data, task))
            else:
                task = cocotb.start_soon(tb.axi.read(addr, length, arid=ident, size=size))
                ops.append(("r", addr, length, task))
        for kind, addr, arg, task in ops:
            resp = await task
            assert resp.resp == AxiResp.OKAY, f"{kind} at {addr:#x}: {resp.resp!r}"
            if kind == "w":
                assert isinstance(arg, bytes)
                tb.ref[addr : addr + len(arg)] = arg
            else:
                assert isinstance(arg, int)
                want = bytes(tb.ref[addr : addr + arg])
                assert resp.data == want, f"read {arg} bytes at {addr:#x}: got {resp.data.hex()}"
    tb.check_memory()
    await tb.finish()


@cocotb.test()
async def test_raw_bursts(dut: Any) -> None:
    """Sparse strobes, narrow INCR/FIXED/WRAP bursts, beat by beat against the reference."""
    tb = await setup(dut, raw=True, backpressure=0.3, read_latency=3, write_latency=4)
    assert tb.raw is not None
    tb.fill_random()
    rng = tb.rng
    kinds = {"INCR": 0, "FIXED": 0, "WRAP": 0}
    for _ in range(300):
        size = rng.randrange(4)
        n = 1 << size
        kind = rng.choice([FIXED, INCR, WRAP])
        if kind == WRAP:
            beats = rng.choice([2, 4, 8, 16])
            addr = rng.randrange(0, 0x10000, n)
        else:
            beats = rng.randint(1, 16)
            addr = rng.randrange(0x10000)
            if kind == INCR and (addr % 4096) + n * beats > 4096:
                addr -= (addr % 4096) + n * beats - 4096
        kinds[AxiBurstType(kind).name] += 1
        ident = rng.randrange(16)
        lane_sets = [beat_lanes(addr, size, beats - 1, kind, k, BUS_BYTES) for k in range(beats)]
        words = [beat_word(addr, size, beats, kind, k) for k in range(beats)]
        if rng.random() < 0.5:
            payload = []
            for k in range(beats):
                strb = rng.getrandbits(BUS_BYTES) if rng.random() < 0.5 else 0xFF
                strb &= lane_sets[k]
                payload.append((rng.getrandbits(8 * BUS_BYTES), strb))
            bresp = await tb.raw.write(ident, addr, size, kind, payload)
            assert bresp == OKAY
            for word, (data, strb) in zip(words, payload, strict=True):
                raw = data.to_bytes(BUS_BYTES, "little")
                for lane in lanes_of(strb):
                    tb.ref[word + lane] = raw[lane]
        else:
            got = await tb.raw.read(ident, addr, size, kind, beats)
            for k, ((data, resp), word) in enumerate(zip(got, words, strict=True)):
                assert resp == OKAY
                raw = data.to_bytes(BUS_BYTES, "little")
                for lane in lanes_of(lane_sets[k]):
                    assert raw[lane] == tb.ref[word + lane], (
                        f"{AxiBurstType(kind).name} read at {addr:#x} size {size} beats {beats}:"
                        f" beat {k} lane {lane} {raw[lane]:#x} != {tb.ref[word + lane]:#x}"
                    )
    dut._log.info("bursts per type %s", kinds)
    tb.check_memory()
    await tb.finish()


class RecordingDevice:
    """MMIO device that logs every call; reads answer 0xA0, 0xA1, ... (masked to the size)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int, int]] = []  # (kind, offset, size, value)
        self._next = 0xA0

    def mmio_read(self, addr: int, size: int) -> int:
        value = (self._next * 0x0101_0101_0101_0101) & ((1 << 8 * size) - 1)
        self._next += 1
        self.calls.append(("r", addr, size, value))
        return value

    def mmio_write(self, addr: int, value: int, size: int) -> None:
        self.calls.append(("w", addr, size, value))

    def take(self) -> list[tuple[str, int, int, int]]:
        calls, self.calls = self.calls, []
        return calls


@cocotb.test()
async def test_mmio_beats(dut: Any) -> None:
    """MMIO regions: each beat is one device call at its own address and size, lanes as AXI
    narrow transfers; strobes split a write into runs; memory around is untouched."""
    tb = await setup(dut, raw=True, backpressure=0.3, read_latency=3, write_latency=3)
    assert tb.raw is not None
    raw, mem = tb.raw, tb.mem
    tb.fill_random()
    fifo, far, odd = RecordingDevice(), RecordingDevice(), RecordingDevice()
    mem.add_mmio(0x2000, 0x100, fifo)
    mem.add_mmio(0x8000_0000, 0x10, far)  # beyond the memory's size
    mem.add_mmio(0x3004, 4, odd)  # half a bus word
    try:
        mem.add_mmio(0x20F0, 0x20, RecordingDevice())
    except ValueError:
        pass
    else:
        raise AssertionError("an overlapping MMIO region was accepted")

    # FIXED narrow write of 6 halfwords to one register: 6 calls at offset 6, in order.
    values = [tb.rng.getrandbits(16) for _ in range(6)]
    beats = [(v << 48 | tb.rng.getrandbits(48), 0xC0) for v in values]
    assert await raw.write(1, 0x2006, 1, FIXED, beats) == OKAY
    assert fifo.take() == [("w", 6, 2, v) for v in values]
    # FIXED narrow read of 5 bytes at offset 3: 5 calls, each value in lane 3, other lanes 0.
    got = await raw.read(2, 0x2003, 0, FIXED, 5)
    calls = fifo.take()
    assert [c[:3] for c in calls] == [("r", 3, 1)] * 5
    assert [data for data, _ in got] == [c[3] << 24 for c in calls]
    assert all(resp == OKAY for _, resp in got)
    # INCR full-width read: one call per beat with the beat's own offset.
    got = await raw.read(3, 0x2010, 3, INCR, 4)
    calls = fifo.take()
    assert [c[:3] for c in calls] == [("r", 0x10 + 8 * k, 8) for k in range(4)]
    assert [data for data, _ in got] == [c[3] for c in calls]
    # Sparse strobes: one call per run of strobed bytes; no strobe, no call.
    data = int.from_bytes(bytes(range(0x10, 0x18)), "little")
    assert await raw.write(4, 0x2020, 3, INCR, [(data, 0b1011_0110), (data, 0)]) == OKAY
    assert fifo.take() == [("w", 0x21, 2, 0x1211), ("w", 0x24, 2, 0x1514), ("w", 0x27, 1, 0x17)]
    # An unaligned first beat carries only its own bytes.
    got = await raw.read(5, 0x20FD, 3, INCR, 2)
    calls = fifo.take()
    assert [c[:3] for c in calls] == [("r", 0xFD, 3)]  # the second beat is memory
    assert got[0][0] == calls[0][3] << 40
    assert got[1][0] == int.from_bytes(tb.ref[0x2100:0x2108], "little")
    # Beyond the memory's size the device answers, not DECERR.
    got = await raw.read(6, 0x8000_0008, 2, INCR, 2)
    assert [c[:3] for c in far.take()] == [("r", 8, 4), ("r", 12, 4)]
    assert all(resp == OKAY for _, resp in got)
    # A beat across the edge of a region: SLVERR, no call; a beat inside it: the device.
    got = await raw.read(7, 0x3000, 3, INCR, 1)
    assert got[0] == (0, SLVERR) and not odd.calls
    assert await raw.write(7, 0x3004, 2, INCR, [(0x1234_5678 << 32, 0xF0)]) == OKAY
    assert odd.take() == [("w", 0, 4, 0x1234_5678)]
    tb.check_memory()  # nothing under a device was written
    stats = mem.stats
    assert (stats.mmio_reads, stats.mmio_writes) == (5 + 4 + 1 + 2, 6 + 3 + 1)

    # Cleared: the same addresses are memory again (or DECERR beyond it).
    mem.clear_mmio()
    assert await raw.write(1, 0x2006, 1, FIXED, beats) == OKAY
    tb.ref[0x2006:0x2008] = values[-1].to_bytes(2, "little")
    assert (await raw.read(6, 0x8000_0008, 2, INCR, 1))[0][1] == DECERR
    assert not (fifo.calls or far.calls or odd.calls)
    tb.check_memory()
    await tb.finish()


@cocotb.test()
async def test_mmio_interleaved_with_memory(dut: Any) -> None:
    """AxiMaster traffic to memory and to a device mixed: memory data exact, device in bus order."""
    tb = await setup(dut, backpressure=0.3, read_latency=4, write_latency=4, reorder=True)
    tb.fill_random()
    dev = RecordingDevice()
    tb.mem.add_mmio(0x1_0000, 0x1000, dev)
    data = [tb.rng.randbytes(64) for _ in range(8)]
    tasks = []
    for i, d in enumerate(data):
        tasks.append(cocotb.start_soon(tb.axi.write(0x100 * i, d, awid=i % 4)))
        tasks.append(cocotb.start_soon(tb.axi.write(0x1_0000 + 0x40 * i, d, awid=i % 4)))
    for t in tasks:
        assert (await t).resp == AxiResp.OKAY
    for i, d in enumerate(data):
        tb.ref[0x100 * i : 0x100 * i + 64] = d
    tb.check_memory()
    writes = dev.take()
    want = [
        ("w", 0x40 * i + 8 * k, 8, int.from_bytes(d[8 * k : 8 * k + 8], "little"))
        for i, d in enumerate(data)
        for k in range(8)
    ]
    assert sorted(writes) == sorted(want)
    for i in range(len(data)):  # each burst's beats reach the device in bus order
        mine = [c for c in writes if c[1] // 0x40 == i]
        assert mine == want[8 * i : 8 * i + 8], f"burst {i}: {mine}"
    got = await tb.axi.read(0x1_0000, 32)
    assert [c[1] for c in dev.calls] == [0, 8, 16, 24]
    assert bytes(got.data) == b"".join(c[3].to_bytes(8, "little") for c in dev.take())
    await tb.finish()


@cocotb.test()
async def test_latency(dut: Any) -> None:
    """First R beat and B come exactly max(latency, 2) edges after their request."""
    tb = await setup(dut)
    log = tb.log
    for latency in (0, 1, 2, 3, 8, 64):
        tb.mem.read_latency = latency
        tb.mem.write_latency = latency
        want = max(latency, 2)
        ar0, r0 = len(log.ar), len(log.r)
        await tb.axi.read(0x1000, 64, arid=3)
        ar_edge, r_edge = log.ar[ar0][0], log.r[r0][0]
        aw0, w0, b0 = len(log.aw), len(log.w), len(log.b)
        await tb.axi.write(0x2000, bytes(range(64)), awid=5)
        aw_edge, w_last, b_edge = log.aw[aw0][0], log.w[-1][0], log.b[b0][0]
        assert len(log.w) - w0 == 8 and log.w[-1][1] == 1
        dut._log.info(
            "latency %d: AR->first R %d cycles, max(AW, last W)->B %d cycles",
            latency,
            r_edge - ar_edge,
            b_edge - max(aw_edge, w_last),
        )
        assert r_edge - ar_edge == want, f"read latency {r_edge - ar_edge}, expected {want}"
        assert b_edge - max(aw_edge, w_last) == want
    await tb.finish()


@cocotb.test()
async def test_throughput(dut: Any) -> None:
    """Latency 64 and 16 outstanding bursts: after the latency, one beat per cycle."""
    tb = await setup(dut, read_latency=64, write_latency=64, max_outstanding=16)
    log = tb.log
    bursts, beats = 48, 16
    tasks = [
        cocotb.start_soon(tb.axi.read(0x4000 + 128 * i, 128, arid=i % 16)) for i in range(bursts)
    ]
    for t in tasks:
        await t
    first = log.r[0][0]
    last = log.r[-1][0]
    latency = first - log.ar[0][0]
    rate = bursts * beats / (last - first + 1)
    dut._log.info(
        "reads: %d beats, first R %d cycles after the first AR, then %d beats in %d cycles"
        " (%.3f beats/cycle); max outstanding %d",
        bursts * beats,
        latency,
        bursts * beats,
        last - first + 1,
        rate,
        tb.checker.max_reads_outstanding,
    )
    assert latency == 64
    assert rate > 0.99, f"read throughput {rate:.3f} beats/cycle"
    assert tb.checker.max_reads_outstanding == 16

    tasks = [
        cocotb.start_soon(tb.axi.write(0x8000 + 128 * i, bytes(128), awid=i % 16))
        for i in range(bursts)
    ]
    for t in tasks:
        await t
    w_first, w_last = log.w[0][0], log.w[-1][0]
    w_rate = bursts * beats / (w_last - w_first + 1)
    dut._log.info(
        "writes: %d W beats in %d cycles (%.3f beats/cycle), first B %d cycles after"
        " the first burst's last W; max outstanding %d",
        bursts * beats,
        w_last - w_first + 1,
        w_rate,
        log.b[0][0] - log.w[beats - 1][0],
        tb.checker.max_writes_outstanding,
    )
    assert w_rate > 0.95, f"write throughput {w_rate:.3f} beats/cycle"
    await tb.finish()


@cocotb.test()
async def test_outstanding_limit(dut: Any) -> None:
    """Beyond max_outstanding accepted bursts ARREADY/AWREADY drop; never more are accepted."""
    tb = await setup(dut, backpressure=0.2, read_latency=40, write_latency=40, max_outstanding=3)
    tb.fill_random()
    reads = [cocotb.start_soon(tb.axi.read(0x100 * i, 64, arid=i % 4)) for i in range(12)]
    data = [tb.rng.randbytes(64) for _ in range(12)]
    # AW waits at the limit while its W beats already flow: W before AW is exercised too.
    writes = [cocotb.start_soon(tb.axi.write(0x4000 + 0x100 * i, d)) for i, d in enumerate(data)]
    for i, t in enumerate(reads):
        assert bytes((await t).data) == bytes(tb.ref[0x100 * i : 0x100 * i + 64])
    for i, t in enumerate(writes):
        assert (await t).resp == AxiResp.OKAY
        tb.ref[0x4000 + 0x100 * i : 0x4040 + 0x100 * i] = data[i]
    tb.check_memory()
    c, log = tb.checker, tb.log
    w_first = sum(log.w[8 * i][0] < log.aw[i][0] for i in range(12))
    dut._log.info(
        "max outstanding reads %d writes %d; cycles with AR/AW waiting for READY %d/%d;"
        " bursts whose W began before their AW %d",
        c.max_reads_outstanding,
        c.max_writes_outstanding,
        log.ar_stalls,
        log.aw_stalls,
        w_first,
    )
    assert c.max_reads_outstanding == 3 and c.max_writes_outstanding == 3
    assert log.ar_stalls > 20 and log.aw_stalls > 20 and w_first > 0
    await tb.finish()


@cocotb.test()
async def test_error_regions(dut: Any) -> None:
    """SLVERR/DECERR regions: error beats where they touch, RLAST intact, error bytes unwritten."""
    tb = await setup(dut, backpressure=0.3, read_latency=4, write_latency=4)
    tb.fill_random()
    mem, log = tb.mem, tb.log
    mem.add_error_region(0x1020, 0x10, "SLVERR", "w")
    mem.add_error_region(0x1040, 0x20, "DECERR", "r")  # overlaps nothing of its direction
    mem.add_error_region(0x3000, 0x100, "SLVERR")
    try:
        mem.add_error_region(0x1028, 0x10, "DECERR", "w")
    except ValueError:
        pass
    else:
        raise AssertionError("an overlapping write error region was accepted")

    async def read_beats(addr: int, length: int, size: int = 3) -> tuple[int, list[int]]:
        start = len(log.r)
        resp = await tb.axi.read(addr, length, arid=1, size=size)
        beats = log.r[start:]
        assert [b[4] for b in beats] == [0] * (len(beats) - 1) + [1], "RLAST misplaced"
        nbytes = 1 << size
        for i, beat in enumerate(beats):
            lo = max(addr, addr - addr % nbytes + i * nbytes)
            hi = addr - addr % nbytes + (i + 1) * nbytes
            want = bytes(hi - lo) if beat[3] != OKAY else bytes(tb.ref[lo:hi])
            assert bytes(resp.data[lo - addr : hi - addr]) == want, f"beat {i} at {lo:#x}"
        return int(resp.resp), [b[3] for b in beats]

    # A write over a write-only SLVERR region: beats 4 and 5 of 16 are dropped.
    data = tb.rng.randbytes(128)
    resp = await tb.axi.write(0x1000, data, awid=2)
    assert resp.resp == AxiResp.SLVERR
    tb.ref[0x1000:0x1020] = data[:0x20]
    tb.ref[0x1030:0x1080] = data[0x30:]
    tb.check_memory()
    # Reading it back: the write-only region reads fine; the read-only DECERR one does not.
    rresp, beats = await read_beats(0x1000, 0x40)
    assert rresp == OKAY and beats == [OKAY] * 8
    rresp, beats = await read_beats(0x1000, 0x80)
    assert rresp == DECERR
    assert beats == [OKAY] * 8 + [DECERR] * 4 + [OKAY] * 4
    # A narrow write across the edge of the rw SLVERR region: only bytes outside are written.
    resp = await tb.axi.write(0x30FE, b"\x11\x22\x33\x44", size=0)
    assert resp.resp == AxiResp.SLVERR
    tb.ref[0x3100:0x3102] = b"\x33\x44"
    tb.check_memory()
    rresp, beats = await read_beats(0x30F8, 16)
    assert rresp == SLVERR and beats == [SLVERR, OKAY]
    rresp, beats = await read_beats(0x30FC, 8, size=1)
    assert beats == [SLVERR, SLVERR, OKAY, OKAY]
    # After clearing, the same write lands whole.
    mem.clear_error_regions()
    resp = await tb.axi.write(0x1000, data, awid=2)
    assert resp.resp == AxiResp.OKAY
    tb.ref[0x1000:0x1080] = data
    tb.check_memory()
    rresp, beats = await read_beats(0x1000, 0x80)
    assert rresp == OKAY and beats == [OKAY] * 16
    s = mem.stats
    errors = {
        "read_slverr": sum(b[3] == SLVERR for b in log.r),
        "read_decerr": sum(b[3] == DECERR for b in log.r),
        "write_slverr": sum(b[2] == SLVERR for b in log.b),
        "write_decerr": sum(b[2] == DECERR for b in log.b),
    }
    dut._log.info("error responses seen on the bus %s", errors)
    assert errors == {"read_slverr": 3, "read_decerr": 4, "write_slverr": 2, "write_decerr": 0}
    assert (s.read_slverr, s.read_decerr, s.write_slverr, s.write_decerr) == (3, 4, 2, 0)
    await tb.finish()


@cocotb.test()
async def test_out_of_range(dut: Any) -> None:
    """At and beyond ``size`` DECERR, never an alias; the bytes below it still work."""
    size = 0x9024  # not a multiple of the bus width
    tb = await setup(dut, backpressure=0.2, size=size)
    tb.fill_random()
    log = tb.log
    start = len(log.r)
    resp = await tb.axi.read(0x9000, 0x80)
    assert resp.resp == AxiResp.DECERR
    assert [b[3] for b in log.r[start:]] == [OKAY] * 4 + [DECERR] * 12
    assert bytes(resp.data[:0x20]) == bytes(tb.ref[0x9000:0x9020])
    resp = await tb.axi.read(0x9020, 4, size=2)  # the last 4 bytes, half a bus word
    assert resp.resp == AxiResp.OKAY and bytes(resp.data) == bytes(tb.ref[0x9020:0x9024])
    data = tb.rng.randbytes(0x80)
    resp = await tb.axi.write(0x9000, data)
    assert resp.resp == AxiResp.DECERR
    tb.ref[0x9000:0x9020] = data[:0x20]
    for addr in (0x10000, 0x10000 + 0x9024, 0xFFFF_FF00):
        resp = await tb.axi.write(addr, data)
        assert resp.resp == AxiResp.DECERR
        resp = await tb.axi.read(addr, 0x40)
        assert resp.resp == AxiResp.DECERR and bytes(resp.data) == bytes(0x40)
    tb.check_memory()  # nothing wrapped around to low addresses
    for bad in ((size - 4, 8), (size, 1), (-1, 1)):
        try:
            tb.mem.read(*bad)
        except ValueError:
            pass
        else:
            raise AssertionError(f"backdoor read {bad} outside the memory did not raise")
    try:
        tb.mem.write(size - 1, b"ab")
    except ValueError:
        pass
    else:
        raise AssertionError("backdoor write outside the memory did not raise")
    await tb.finish()


@cocotb.test()
async def test_dma_ranges(dut: Any) -> None:
    """dma-ranges: a bus address in a range lands at its physical address and nowhere else,
    one outside every range is identity; a burst over a range edge is translated beat by
    beat, and a beat whose bytes straddle the edge answers DECERR, unread and unwritten."""
    ranges = [
        (0x10_0000, 0x8000, 0x4000),  # bus beyond the RAM -> physical [0x8000, 0xC000)
        (0x2_0000, 0x1_0000, 0x820),  # bus inside the RAM, edge not on 4 KiB: shadows 0x2_0000
        (0x3_0004, 0x2_8004, 0x10),  # edges not on the bus width: beats straddle them
    ]
    tb = await setup(dut, backpressure=0.2, read_latency=3, write_latency=3, dma_ranges=ranges)
    tb.fill_random()
    mem, log, rng = tb.mem, tb.log, tb.rng
    assert mem.bus_to_phys(0x10_0123) == 0x8123 and mem.bus_to_phys(0x3000) == 0x3000

    # Through the first range: written at physical 0x8100, read back through the bus.
    data = rng.randbytes(300)
    resp = await tb.axi.write(0x10_0100, data)
    assert resp.resp == AxiResp.OKAY
    tb.ref[0x8100 : 0x8100 + 300] = data
    tb.check_memory()  # the bytes are there and nowhere else
    resp = await tb.axi.read(0x10_0080, 0x200)
    assert resp.resp == AxiResp.OKAY and bytes(resp.data) == bytes(tb.ref[0x8080:0x8280])
    # Outside every range: identity.
    data = rng.randbytes(200)
    resp = await tb.axi.write(0x3010, data)
    assert resp.resp == AxiResp.OKAY
    tb.ref[0x3010 : 0x3010 + 200] = data
    tb.check_memory()
    resp = await tb.axi.read(0x3000, 0x100)
    assert resp.resp == AxiResp.OKAY and bytes(resp.data) == bytes(tb.ref[0x3000:0x3100])
    # A range over RAM: the bus bytes reach the physical ones, the RAM behind the bus
    # address is untouched; one burst over its edge at 0x2_0820 is split beat by beat.
    data = rng.randbytes(0x40)
    resp = await tb.axi.write(0x2_0800, data)
    assert resp.resp == AxiResp.OKAY
    tb.ref[0x1_0800:0x1_0820] = data[:0x20]
    tb.ref[0x2_0820:0x2_0840] = data[0x20:]
    tb.check_memory()
    resp = await tb.axi.read(0x2_0800, 0x40)
    assert resp.resp == AxiResp.OKAY
    assert bytes(resp.data) == bytes(tb.ref[0x1_0800:0x1_0820] + tb.ref[0x2_0820:0x2_0840])
    # The third range's edges (0x3_0004, 0x3_0014) cut beats 0 and 2 of a 4-beat burst.
    data = rng.randbytes(0x20)
    start = len(log.r)
    resp = await tb.axi.write(0x3_0000, data)
    assert resp.resp == AxiResp.DECERR
    tb.ref[0x2_8008:0x2_8010] = data[8:16]  # beat 1: inside the range
    tb.ref[0x3_0018:0x3_0020] = data[24:32]  # beat 3: beyond it, identity
    tb.check_memory()
    resp = await tb.axi.read(0x3_0000, 0x20)
    assert resp.resp == AxiResp.DECERR
    assert [b[3] for b in log.r[start:]] == [DECERR, OKAY, DECERR, OKAY]
    want = bytes(8) + tb.ref[0x2_8008:0x2_8010] + bytes(8) + tb.ref[0x3_0018:0x3_0020]
    assert bytes(resp.data) == want
    # Beyond the RAM and outside every range: still DECERR, nothing translated.
    resp = await tb.axi.write(0x20_0000, data)
    assert resp.resp == AxiResp.DECERR
    tb.check_memory()
    await tb.finish()  # the bus drained: every B counted
    s = mem.stats
    assert (s.read_decerr, s.write_decerr) == (2, 2), s


def _burst_streams(tb: MemTB) -> tuple[list[int], list[int], dict[int, list[int]]]:
    """From the log: bursts (AR index) in the order they started and finished, beats per burst."""
    by_block = {addr: i for i, (_, _, addr, _) in enumerate(tb.log.ar)}
    started: list[int] = []
    finished: list[int] = []
    positions: dict[int, list[int]] = {}
    for pos, (_, rid, data, _, last) in enumerate(tb.log.r):
        burst = by_block[data - data % 64]
        assert tb.log.ar[burst][1] == rid, f"beat of burst {burst} with RID {rid}"
        if burst not in positions:
            started.append(burst)
            positions[burst] = []
        positions[burst].append(pos)
        if last:
            finished.append(burst)
    return started, finished, positions


@cocotb.test()
@cocotb.parametrize(mode=["inorder", "reorder", "interleave", "both"])
async def test_ordering(dut: Any, mode: str) -> None:
    """Same-ID bursts stay in order; reorder and interleave happen exactly when enabled."""
    reorder = mode in ("reorder", "both")
    interleave = mode in ("interleave", "both")
    tb = await setup(
        dut,
        backpressure=0.1,
        read_latency=6,
        write_latency=6,
        reorder=reorder,
        interleave=interleave,
    )
    tb.fill_address_tags()
    rng = tb.rng
    ids = [rng.randrange(4) for _ in range(32)]
    tasks = [
        cocotb.start_soon(tb.axi.read(0x1000 + 64 * i, 64, arid=ident))
        for i, ident in enumerate(ids)
    ]
    for i, t in enumerate(tasks):
        resp = await t
        assert bytes(resp.data) == bytes(tb.ref[0x1000 + 64 * i : 0x1040 + 64 * i])
    started, finished, positions = _burst_streams(tb)
    order = sorted(started)
    arids = [a[1] for a in tb.log.ar]
    for ident in set(arids):
        mine = [b for b in finished if arids[b] == ident]
        assert mine == sorted(mine), f"ID {ident}: bursts finished in order {mine}"
        for b in mine:
            later = [c for c in mine if c > b]
            assert all(positions[c][0] > positions[b][-1] for c in later), f"ID {ident} mixed"
    interleaved = [b for b, p in positions.items() if p[-1] - p[0] != len(p) - 1]
    reordered = started != order
    out_of_order = finished != order
    dut._log.info(
        "%s: RID sequence %s; bursts started out of AR order: %s, finished out of order: %s,"
        " interleaved bursts: %d",
        mode,
        "".join(str(r[1]) for r in tb.log.r),
        reordered,
        out_of_order,
        len(interleaved),
    )
    assert reordered == reorder
    assert bool(interleaved) == interleave
    if not (reorder or interleave):
        assert not out_of_order

    # BREADY held low for the first 200 cycles: by then a pile of B responses is due at once.
    bready = itertools.chain(itertools.repeat(True, 200), itertools.repeat(False))
    tb.axi.write_if.b_channel.set_pause_generator(bready)
    aw0 = len(tb.log.aw)
    tasks = [
        cocotb.start_soon(tb.axi.write(0x8000 + 64 * i, bytes(64), awid=ident))
        for i, ident in enumerate(ids)
    ]
    for t in tasks:
        assert (await t).resp == AxiResp.OKAY
    b_ids = [b[1] for b in tb.log.b]
    aw_ids = [a[1] for a in tb.log.aw[aw0:]]
    dut._log.info("%s: AWID sequence %s, BID sequence %s", mode, aw_ids, b_ids)
    assert (b_ids != aw_ids) == reorder
    await tb.finish()


@cocotb.test()
async def test_backpressure_off_midway(dut: Any) -> None:
    """set_backpressure(0) mid-run releases every channel, even one stalled at that moment.

    Probability 1 stalls all five channels on every cycle; bursts issued then
    hang until the stalls are switched off, and must then finish, and later
    ones run with no stall at all (first R beat exactly 2 cycles after AR).
    """
    tb = await setup(dut)
    tb.fill_random()
    tb.mem.set_backpressure(1.0)
    await ClockCycles(dut.clk, 4)
    data = tb.rng.randbytes(64)
    write = cocotb.start_soon(tb.axi.write(0x3000, data, awid=1))
    read = cocotb.start_soon(tb.axi.read(0x1000, 64, arid=2))
    await ClockCycles(dut.clk, 20)
    assert not write.done() and not read.done()
    assert not tb.log.aw and not tb.log.ar, "handshakes while every channel is stalled"
    tb.mem.set_backpressure(0.0)
    assert not any(ch.pause for ch in tb.mem.channels()), "a channel is still paused"
    assert (await with_timeout(write, 1, "us")).resp == AxiResp.OKAY
    tb.ref[0x3000 : 0x3000 + 64] = data
    got = await with_timeout(read, 1, "us")
    assert bytes(got.data) == bytes(tb.ref[0x1000:0x1040])
    stalls, ar0, r0 = tb.log.ar_stalls + tb.log.aw_stalls, len(tb.log.ar), len(tb.log.r)
    got = await with_timeout(tb.axi.read(0x3000, 64, arid=3), 1, "us")
    assert bytes(got.data) == data
    assert tb.log.r[r0][0] - tb.log.ar[ar0][0] == 2, "a stall after set_backpressure(0)"
    assert tb.log.ar_stalls + tb.log.aw_stalls == stalls
    tb.check_memory()
    await tb.finish()


@cocotb.test()
async def test_reset_midway(dut: Any) -> None:
    """A reset with bursts in flight drops them, holds RVALID/BVALID low, and the model recovers."""
    tb = await setup(dut, read_latency=30, write_latency=30)
    tb.fill_random()
    for i in range(6):
        cocotb.start_soon(tb.axi.read(0x1000 * i, 256, arid=i))
        cocotb.start_soon(tb.axi.write(0x10000 + 0x1000 * i, bytes(256), awid=i))
    await ClockCycles(dut.clk, 45)
    assert tb.checker.reads_outstanding > 0 and tb.checker.writes_outstanding > 0
    await tb.reset()
    assert tb.log.valid_in_reset == 0
    released = tb.log.edge
    await ClockCycles(dut.clk, 100)
    assert all(r[0] <= released for r in tb.log.r), "R beats of dropped bursts after the reset"
    assert all(b[0] <= released for b in tb.log.b), "B of dropped bursts after the reset"
    tb.fill_random()
    tb.set_backpressure(0.3)
    data = tb.rng.randbytes(300)
    assert (await tb.axi.write(0x2345, data, awid=7)).resp == AxiResp.OKAY
    tb.ref[0x2345 : 0x2345 + 300] = data
    assert bytes((await tb.axi.read(0x2300, 400, arid=7)).data) == bytes(tb.ref[0x2300:0x2490])
    tb.check_memory()
    await ClockCycles(dut.clk, 10)
    tb.checker.assert_clean(idle=True)

"""cocotb self-test of the peripheral models (tb/models/peripherals.py), without the controller.

``req_harness`` carries two AXI4 slave ports muxed onto ``m_axi`` and the DMA
request lines as plain inputs.  :class:`FakeDma`, a stand-in for the
controller's request interface, watches the request vectors and serves each
request the way the controller will: the memory side with cocotbext-axi's
``AxiMaster`` on ``s_axi`` (INCR), the device side with narrow FIXED bursts of
the element width to the FIFO register on ``s_raw_axi`` (the bare channel models
of :class:`tb.test_axi_memory.RawMaster`), then a one-cycle ``dma_ack`` (with
``dma_tc`` at the end).  :class:`AxiMemory` on ``m_axi`` holds the memory and
maps the devices (MMIO); :class:`AxiChecker` watches the bus and
:class:`LineMonitor` the device side of the handshake.  Data is checked against
what the bench put in (memory contents, :meth:`UartModel.rx_feed`) or the
sample record of the model's source (``produced``), never against what came out.
"""

from __future__ import annotations

import itertools
import logging
import random
from dataclasses import dataclass, field
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.simtime import get_sim_time
from cocotb.task import Task
from cocotb.triggers import ClockCycles, Lock, ReadOnly, RisingEdge, ValueChange, with_timeout
from cocotbext.axi import AxiBurstType, AxiBus, AxiMaster, AxiResp

from tb.axi_checker import AxiChecker
from tb.models.axi_memory import AxiMemory, pause_pattern
from tb.models.peripherals import (
    BURST,
    SINGLE,
    AdcModel,
    PacedDevice,
    RequestLines,
    UartModel,
    elements,
    pack,
)
from tb.test_axi_memory import RawMaster

CLK_NS = 10
MEM_SIZE = 1 << 16
BUS_BYTES = 8
NUM_REQ = 8
IO_BASE = 0x4000_0000  # devices sit beyond the memory
FIXED = int(AxiBurstType.FIXED)
OKAY = int(AxiResp.OKAY)

_UNKNOWN_AS_ZERO = str.maketrans("XZxz", "0000")


def _int(handle: Any) -> int:
    return int(str(handle.value).translate(_UNKNOWN_AS_ZERO), 2)


def fifo_base(slot: int, width: int) -> int:
    """A device base whose FIFO register sits in the top lanes of its bus word."""
    return IO_BASE + 0x1000 * slot + (BUS_BYTES - width)


class LineMonitor:
    """The request interface once per cycle (ReadOnly after each rising edge), and the
    device side of the handshake checked: a raised request holds, unchanged, until the
    cycle after its ack; req_last only with a request; nothing but zeros in reset; the
    vectors change only in the time step of a rising edge of ``clk``."""

    def __init__(self, dut: Any) -> None:
        self.dut = dut
        self.edge = 0
        # (edge, burst, single, last, ack, tc): the vectors in the cycle after rising edge `edge`
        self.rows: list[tuple[int, int, int, int, int, int]] = []
        self.violations: list[str] = []
        self._rise_time = -1.0
        cocotb.start_soon(self._sample())
        cocotb.start_soon(self._rises())
        for sig in (dut.dma_req_burst, dut.dma_req_single, dut.dma_req_last):
            cocotb.start_soon(self._watch(sig))

    async def _rises(self) -> None:
        while True:
            await RisingEdge(self.dut.clk)
            self._rise_time = get_sim_time()

    async def _watch(self, sig: Any) -> None:
        while True:
            await ValueChange(sig)
            # Before the first edge only the initial drive (the test's start time) is allowed.
            if self._rise_time >= 0 and get_sim_time() != self._rise_time:
                t = get_sim_time("ns")
                self.violations.append(f"{sig._name} changed at {t} ns, not at a rising edge")

    async def _sample(self) -> None:
        dut = self.dut
        sigs = (dut.dma_req_burst, dut.dma_req_single, dut.dma_req_last, dut.dma_ack, dut.dma_tc)
        while True:
            await RisingEdge(dut.clk)
            await ReadOnly()
            self.edge += 1
            burst, single, last, ack, tc = (_int(s) for s in sigs)
            row = (self.edge, burst, single, last, ack, tc)
            if str(dut.rst.value) != "0" and (burst or single or last):
                self.violations.append(f"edge {self.edge}: request lines up in reset")
            if last & ~(burst | single):
                self.violations.append(f"edge {self.edge}: req_last {last:#x} without a request")
            if burst & single:
                self.violations.append(f"edge {self.edge}: burst and single both up {burst:#x}")
            if self.rows and str(dut.rst.value) == "0":  # a reset drops raised requests
                _, pb, ps, pl, pack_, _ = self.rows[-1]
                held = (pb | ps) & ~pack_
                changed = (pb ^ burst) | (ps ^ single) | (pl ^ last)
                if held & changed:
                    self.violations.append(
                        f"edge {self.edge}: raised request changed before its ack (lines"
                        f" {held & changed:#x})"
                    )
            self.rows.append(row)

    def assert_clean(self) -> None:
        assert not self.violations, self.violations[:5]


@dataclass
class Channel:
    """One descriptor of the stand-in controller: ``count`` elements of ``width`` bytes
    between memory at ``mem`` and the FIFO register at ``fifo``, paced by ``line``."""

    line: int
    to_device: bool
    fifo: int
    mem: int
    count: int
    width: int
    maxburst: int
    delay: int = 0  # cycles to wait before serving each request (a slow controller)
    moved: int = 0
    served: list[tuple[str, int, bool, bool]] = field(default_factory=list)  # kind, n, last, tc


class FakeDma:
    """Serves requests like the controller will, one bus transfer at a time.

    Per request: sample the line (ReadOnly, never in its ack cycle), move
    ``maxburst`` elements (burst) or one (single), fewer if the descriptor has
    fewer left, then pulse dma_ack for one cycle, with dma_tc if the
    descriptor is exhausted or the request carried req_last (then it ends).
    """

    def __init__(self, dut: Any, axi: AxiMaster, raw: RawMaster) -> None:
        self.dut = dut
        self.axi = axi
        self.raw = raw
        self.bus = Lock()
        self.ack = 0
        self.tc = 0

    def start(self, ch: Channel) -> Task[None]:
        return cocotb.start_soon(self.run(ch))

    async def run(self, ch: Channel) -> None:
        while ch.moved < ch.count:
            kind, last = await self._request(ch.line)
            n = min(ch.maxburst if kind == BURST else 1, ch.count - ch.moved)
            if ch.delay:
                await ClockCycles(self.dut.clk, ch.delay)
            async with self.bus:
                await self._move(ch, n)
            ch.moved += n
            tc = last or ch.moved == ch.count
            ch.served.append((kind, n, last, tc))
            await self._pulse(ch.line, tc)
            if last:
                return

    async def _request(self, line: int) -> tuple[str, bool]:
        """Wait for a request on ``line``; returns in the ReadOnly phase."""
        dut = self.dut
        while True:
            await ReadOnly()
            if _int(dut.dma_req_burst) >> line & 1:
                return BURST, bool(_int(dut.dma_req_last) >> line & 1)
            if _int(dut.dma_req_single) >> line & 1:
                return SINGLE, bool(_int(dut.dma_req_last) >> line & 1)
            await RisingEdge(dut.clk)

    async def _select(self, raw: bool) -> None:
        """Route s_raw_axi (True) or s_axi to m_axi; both are idle between transfers."""
        await RisingEdge(self.dut.clk)
        self.dut.sel_raw.value = int(raw)

    async def _move(self, ch: Channel, n: int) -> None:
        w = ch.width
        size = w.bit_length() - 1
        lane = ch.fifo % BUS_BYTES
        mask = (1 << 8 * w) - 1
        addr = ch.mem + ch.moved * w
        ident = ch.line
        if ch.to_device:
            await self._select(False)
            got = await self.axi.read(addr, n * w, arid=ident)
            assert got.resp == AxiResp.OKAY
            beats = [(v << 8 * lane, ((1 << w) - 1) << lane) for v in elements(got.data, w)]
            await self._select(True)
            assert await self.raw.write(ident, ch.fifo, size, FIXED, beats) == OKAY
        else:
            await self._select(True)
            beats_in = await self.raw.read(ident, ch.fifo, size, FIXED, n)
            assert all(resp == OKAY for _, resp in beats_in)
            data = pack(((d >> 8 * lane) & mask for d, _ in beats_in), w)
            await self._select(False)
            assert (await self.axi.write(addr, data, awid=ident)).resp == AxiResp.OKAY

    async def _pulse(self, line: int, tc: bool) -> None:
        dut, bit = self.dut, 1 << line
        await RisingEdge(dut.clk)
        self.ack |= bit
        if tc:
            self.tc |= bit
        dut.dma_ack.value, dut.dma_tc.value = self.ack, self.tc
        await RisingEdge(dut.clk)
        self.ack &= ~bit
        self.tc &= ~bit
        dut.dma_ack.value, dut.dma_tc.value = self.ack, self.tc


class PeriphTB:
    """The harness with the memory, the checkers, both masters, the request lines and the
    stand-in controller."""

    def __init__(self, dut: Any) -> None:
        self.dut = dut
        self.seed = random.getrandbits(32)  # from COCOTB_RANDOM_SEED
        self.rng = random.Random(self.seed)
        dut._log.info("bench seed %d (replay with COCOTB_RANDOM_SEED)", self.seed)
        dut.rst.value = 1  # held from time 0
        dut.sel_raw.value = 0
        dut.dma_ack.value = 0
        dut.dma_tc.value = 0
        cocotb.start_soon(Clock(dut.clk, CLK_NS, unit="ns").start())
        self.mem = AxiMemory(
            AxiBus.from_prefix(dut, "m_axi"),
            dut.clk,
            dut.rst,
            MEM_SIZE,
            read_latency=3,
            write_latency=3,
            seed=self.rng.getrandbits(32),
        )
        self.checker = AxiChecker(dut, "m_axi", dut.clk, dut.rst)
        self.axi = AxiMaster(AxiBus.from_prefix(dut, "s_axi"), dut.clk, dut.rst)
        self.axi.write_if.log.setLevel(logging.WARNING)
        self.axi.read_if.log.setLevel(logging.WARNING)
        self.raw = RawMaster(dut, "s_raw_axi")
        self.lines = RequestLines(dut, NUM_REQ, reset=dut.rst)
        self.monitor = LineMonitor(dut)
        self.dma = FakeDma(dut, self.axi, self.raw)
        self.ref = bytearray(MEM_SIZE)

    def set_backpressure(self, probability: float) -> None:
        """Random stalls on every channel end of both masters and of the memory."""
        self.mem.set_backpressure(probability)
        w, r = self.axi.write_if, self.axi.read_if
        ends = [w.aw_channel, w.w_channel, w.b_channel, r.ar_channel, r.r_channel]
        for ch in ends + self.raw.channels():
            ch.set_pause_generator(
                pause_pattern(random.Random(self.rng.getrandbits(32)), probability)
            )

    async def reset(self) -> None:
        self.dut.rst.value = 1
        await ClockCycles(self.dut.clk, 8)
        self.dut.rst.value = 0
        await ClockCycles(self.dut.clk, 2)

    def fill_random(self) -> None:
        data = self.rng.randbytes(MEM_SIZE)
        self.mem.write(0, data)
        self.ref[:] = data

    def check_memory(self) -> None:
        actual = self.mem.read(0, MEM_SIZE)
        diffs = [i for i in range(MEM_SIZE) if actual[i] != self.ref[i]]
        assert not diffs, f"{len(diffs)} bytes differ from the reference, first at {diffs[0]:#x}"

    async def run(self, ch: Channel, timeout_us: float = 200) -> Channel:
        await with_timeout(self.dma.start(ch), timeout_us, "us")
        return ch

    async def finish(self) -> None:
        await ClockCycles(self.dut.clk, 10)
        self.checker.assert_clean(idle=True)
        self.monitor.assert_clean()


async def setup(dut: Any, backpressure: float = 0.2) -> PeriphTB:
    tb = PeriphTB(dut)
    tb.set_backpressure(backpressure)
    tb.fill_random()
    await tb.reset()
    return tb


def device_view(port_served: list[Any]) -> list[tuple[str, int, bool, bool]]:
    """A device's record of its served requests, in the stand-in's format."""
    return [(s.kind, s.moved, s.last, s.tc) for s in port_served]


def expect_raises(device: PacedDevice) -> None:
    try:
        device.assert_clean()
    except AssertionError:
        return
    raise AssertionError(f"{device.name}.assert_clean() passed with {device.counters()}")


async def wait_for(dut: Any, cond: Any, timeout_cycles: int, what: str) -> None:
    for _ in range(timeout_cycles):
        if cond():
            return
        await RisingEdge(dut.clk)
    raise AssertionError(f"timed out waiting for {what}")


# -- tests -----------------------------------------------------------------------------------


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def test_request_timing(dut: Any) -> None:
    """Zero from time 0 and in reset; the first request right after reset; a raised request
    holds while its data lands and through its ack cycle; the next shows the cycle after."""
    tb = PeriphTB(dut)
    mon, lines = tb.monitor, tb.lines
    await ReadOnly()
    assert (_int(dut.dma_req_burst), _int(dut.dma_req_single), _int(dut.dma_req_last)) == (0, 0, 0)
    await RisingEdge(dut.clk)
    uart = UartModel(
        lines, fifo_base(0, 1), tx_line=2, rx_line=3, tx_depth=4, tx_cycles_per_elem=1000
    )
    uart.attach(tb.mem)
    await ClockCycles(dut.clk, 6)
    dut.rst.value = 0
    await RisingEdge(dut.clk)  # edge e samples rst = 0 ...
    released = mon.edge + 1
    await ClockCycles(dut.clk, 3)
    first = next(r[0] for r in mon.rows if r[1] >> 2 & 1)
    assert first == released, f"first request after edge {first}, reset released at {released}"
    assert all(not (r[1] | r[2]) for r in mon.rows if r[0] < released)
    dut.sel_raw.value = 1  # the bench alone on the bus: straight to the FIFO
    # Serve the burst: four elements land; the wire takes one at once, so room is 1 and the
    # device would now ask for a single, but the raised burst holds until the ack.
    data = [0x11, 0x22, 0x33, 0x44]
    lane = uart.base % BUS_BYTES
    beats = [(v << 8 * lane, 1 << lane) for v in data]
    assert await tb.raw.write(2, uart.base, 0, FIXED, beats) == OKAY
    await ClockCycles(dut.clk, 5)
    assert uart.tx_log == [0x11] and uart.tx_level == 3
    await RisingEdge(dut.clk)
    dut.dma_ack.value = 1 << 2
    await RisingEdge(dut.clk)
    dut.dma_ack.value = 0
    ack_edge = mon.edge  # the cycle with ack high is the row of this edge
    await ClockCycles(dut.clk, 3)
    rows = {r[0]: r for r in mon.rows}
    assert rows[ack_edge][4] == 1 << 2
    assert rows[ack_edge][1] >> 2 & 1, "the burst request dropped in its ack cycle"
    assert rows[ack_edge + 1][1] >> 2 & 1 == 0 and rows[ack_edge + 1][2] >> 2 & 1, (
        "the single request did not show in the cycle after the ack"
    )
    assert all(rows[k][1] >> 2 & 1 for k in range(first, ack_edge + 1)), "burst dropped early"
    # The single: one element, ack with tc.
    assert await tb.raw.write(2, uart.base, 0, FIXED, [(0x55 << 8 * lane, 1 << lane)]) == OKAY
    await RisingEdge(dut.clk)
    dut.dma_ack.value = dut.dma_tc.value = 1 << 2
    await RisingEdge(dut.clk)
    dut.dma_ack.value = dut.dma_tc.value = 0
    await ClockCycles(dut.clk, 2)
    served = uart.tx_port.served
    assert device_view(served) == [(BURST, 4, False, False), (SINGLE, 1, False, True)]
    assert served[1].edge - served[0].edge == mon.edge - 2 - ack_edge
    assert list(uart.tx.items) == [0x22, 0x33, 0x44, 0x55]
    uart.assert_clean()
    await tb.finish()


@cocotb.test(timeout_time=2, timeout_unit="ms")
@cocotb.parametrize(width=[1, 4], singles=[True, False])
async def test_uart_tx(dut: Any, width: int, singles: bool) -> None:
    """Memory to UART: every element goes out on the wire once, in order, with no gap."""
    tb = await setup(dut)
    uart = UartModel(
        tb.lines,
        fifo_base(0, width),
        tx_line=0,
        rx_line=1,
        width=width,
        tx_depth=8,
        tx_maxburst=4,
        tx_cycles_per_elem=32,
        singles=singles,
    )
    uart.attach(tb.mem)
    count = 64
    data = bytes(tb.ref[0x1000 : 0x1000 + count * width])
    uart.expect_tx(count)
    ch = Channel(0, True, uart.base, 0x1000, count, width, 4)
    await tb.run(ch)
    await wait_for(dut, lambda: len(uart.tx_log) == count, 40 * count, "the wire")
    assert uart.tx_log == elements(data, width)
    kinds = [s[0] for s in ch.served]
    dut._log.info("requests served: %d burst, %d single", kinds.count(BURST), kinds.count(SINGLE))
    assert device_view(uart.tx_port.served) == ch.served
    assert ch.served[-1][3] and not any(s[3] for s in ch.served[:-1])
    if not singles:
        assert ch.served == [(BURST, 4, False, False)] * 15 + [(BURST, 4, False, True)]
    uart.assert_clean()
    tb.check_memory()
    await tb.finish()


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def test_uart_tx_slow(dut: Any) -> None:
    """A controller too slow for the wire: gaps are counted as underruns, the data still
    goes out whole and in order."""
    tb = await setup(dut)
    uart = UartModel(tb.lines, fifo_base(1, 1), tx_line=5, rx_line=6, tx_cycles_per_elem=4)
    uart.attach(tb.mem)
    count = 40
    uart.expect_tx(count)
    await tb.run(Channel(5, True, uart.base, 0x2000, count, 1, 4, delay=60))
    await wait_for(dut, lambda: len(uart.tx_log) == count, 400, "the wire")
    assert uart.tx_log == list(tb.ref[0x2000 : 0x2000 + count])
    dut._log.info("TX underruns %d", uart.tx_underruns)
    assert uart.tx_underruns > 0
    assert uart.tx_overflows == uart.rx_overruns == uart.rx_underruns == 0
    assert not uart.errors
    expect_raises(uart)
    await tb.finish()


@cocotb.test(timeout_time=2, timeout_unit="ms")
@cocotb.parametrize(width=[1, 2], singles=[False, True])
async def test_uart_rx(dut: Any, width: int, singles: bool) -> None:
    """UART to memory: two messages; a descriptor that ends in mid-message (tc, fewer than a
    burst), then ones that end early on req_last; bursts never run past a message's end."""
    tb = await setup(dut)
    uart = UartModel(
        tb.lines,
        fifo_base(2, width),
        tx_line=3,
        rx_line=4,
        width=width,
        rx_depth=16,
        rx_maxburst=4,
        rx_cycles_per_elem=8,
        singles=singles,
    )
    uart.attach(tb.mem)
    msg1 = tb.rng.randbytes(10 * width)
    msg2 = tb.rng.randbytes(23 * width)
    uart.rx_feed(msg1, end_of_message=True)
    uart.rx_feed(msg2, end_of_message=True)
    a = await tb.run(Channel(4, False, uart.base, 0x2000, 6, width, 4))
    b = await tb.run(Channel(4, False, uart.base, 0x3000, 64, width, 4))
    c = await tb.run(Channel(4, False, uart.base, 0x4000, 64, width, 4))
    tb.ref[0x2000 : 0x2000 + 6 * width] = msg1[: 6 * width]
    tb.ref[0x3000 : 0x3000 + 4 * width] = msg1[6 * width :]
    tb.ref[0x4000 : 0x4000 + 23 * width] = msg2
    tb.check_memory()
    for ch, moved in ((a, 6), (b, 4), (c, 23)):
        assert ch.moved == moved, f"channel at {ch.mem:#x} moved {ch.moved}"
    assert not any(s[2] for s in a.served) and a.served[-1][3]
    for ch in (b, c):
        assert ch.served[-1][2:] == (True, True), ch.served
        assert not any(s[2] or s[3] for s in ch.served[:-1]), ch.served
    assert device_view(uart.rx_port.served) == a.served + b.served + c.served
    if not singles:
        assert a.served == [(BURST, 4, False, False), (BURST, 2, False, True)]
        assert b.served == [(BURST, 4, True, True)]
        assert c.served == [(BURST, 4, False, False)] * 5 + [(SINGLE, 1, False, False)] * 2 + [
            (SINGLE, 1, True, True)
        ]
    dut._log.info("served: %s | %s | %s", a.served, b.served, c.served)
    assert uart.rx_read == uart.rx_fed
    uart.assert_clean()
    await tb.finish()


@cocotb.test(timeout_time=2, timeout_unit="ms")
@cocotb.parametrize(seed=[None, 7], singles=[True, False])
async def test_adc(dut: Any, seed: int | None, singles: bool) -> None:
    """ADC served fast enough: every sample in memory once, in order; the run's last sample
    ends the descriptor early (req_last)."""
    tb = await setup(dut)
    adc = AdcModel(
        tb.lines,
        fifo_base(3, 2),
        line=7,
        width=2,
        depth=16,
        maxburst=8,
        cycles_per_sample=5,
        singles=singles,
        seed=seed,
    )
    adc.attach(tb.mem)
    count = 200
    adc.start(count)
    ch = await tb.run(Channel(7, False, adc.base, 0x6000, 1000, 2, 8))
    assert ch.moved == count and not adc.running
    if seed is None:
        assert adc.produced == list(range(count))
    assert adc.read == adc.produced
    tb.ref[0x6000 : 0x6000 + 2 * count] = pack(adc.produced, 2)
    tb.check_memory()
    assert device_view(adc.port.served) == ch.served
    assert ch.served[-1][2:] == (True, True)
    if not singles:
        assert ch.served == [(BURST, 8, False, False)] * 24 + [(BURST, 8, True, True)]
    adc.assert_clean()
    await tb.finish()


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def test_adc_overrun(dut: Any) -> None:
    """ADC served too slowly: overruns counted; what arrives is neither repeated nor reordered,
    and with the samples lost and still queued it is exactly what was produced."""
    tb = await setup(dut)
    adc = AdcModel(
        tb.lines, fifo_base(4, 2), line=6, width=2, depth=8, maxburst=4, cycles_per_sample=3
    )
    adc.attach(tb.mem)
    adc.start()
    ch = await tb.run(Channel(6, False, adc.base, 0x8000, 120, 2, 4, delay=30))
    adc.stop()
    got = elements(tb.mem.read(0x8000, 2 * ch.moved), 2)
    assert got == adc.read
    queued = [v for v, _ in adc.fifo.items]
    dut._log.info(
        "produced %d, read %d, lost %d, queued %d",
        len(adc.produced),
        len(got),
        adc.overruns,
        len(queued),
    )
    assert adc.overruns == len(adc.lost) > 0
    assert all(x < y for x, y in itertools.pairwise(got)), "repeated or reordered"
    assert sorted(got + adc.lost + queued) == adc.produced
    assert adc.underruns == 0 and not adc.errors
    expect_raises(adc)
    await tb.finish()


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def test_fifo_errors(dut: Any) -> None:
    """The controller's mistakes are counted: write to a full TX FIFO, reads of empty FIFOs,
    accesses that are not one element of the FIFO register, handshake violations."""
    tb = await setup(dut)
    raw = tb.raw
    uart = UartModel(
        tb.lines,
        fifo_base(5, 1),
        tx_line=0,
        rx_line=1,
        tx_depth=4,
        tx_cycles_per_elem=1000,
        check_pacing=False,
    )
    adc = AdcModel(tb.lines, fifo_base(6, 4), line=2, width=4, check_pacing=False)
    strict = UartModel(tb.lines, fifo_base(7, 1), tx_line=3, rx_line=4, name="strict")
    for dev in (uart, adc, strict):
        dev.attach(tb.mem)
    dut.sel_raw.value = 1  # the bench alone on the bus: straight to the FIFOs
    lane = uart.base % BUS_BYTES
    values = list(range(0xA1, 0xA7))
    beats = [(v << 8 * lane, 1 << lane) for v in values]
    assert await raw.write(0, uart.base, 0, FIXED, beats) == OKAY  # 6 into 1 on the wire + 4
    assert uart.tx_log == [0xA1] and list(uart.tx.items) == values[1:5]
    assert uart.tx_overflows == 1 and uart.tx_dropped == [0xA6]
    got = await raw.read(1, uart.base, 0, FIXED, 2)
    assert got == [(0, OKAY)] * 2 and uart.rx_underruns == 2
    got = await raw.read(2, adc.base, 2, FIXED, 1)
    assert got == [(0, OKAY)] and adc.underruns == 1
    # Not one element of the FIFO register: an error, and no FIFO touched.
    assert await raw.write(0, uart.base + 1, 0, FIXED, [(0xEE, 1)]) == OKAY  # offset 1
    assert await raw.write(2, adc.base, 0, FIXED, [(0xEE << 32, 1 << 4)]) == OKAY  # read-only
    assert (await raw.read(2, adc.base + 4, 2, FIXED, 1))[0][0] == 0  # offset 4
    assert list(uart.tx.items) == values[1:5] and not adc.fifo.items
    assert uart.counters() == {
        "tx_underruns": 0,
        "tx_overflows": 1,
        "rx_overruns": 0,
        "rx_underruns": 2,
        "errors": 4,
    }
    assert adc.counters() == {"overruns": 0, "underruns": 1, "errors": 3}
    # Handshake: an ack with no request up (the idle ADC), tc without ack, and on the pacing
    # checked UART a read with no request up and an ack after 2 of 4 elements without tc.
    lane = strict.base % BUS_BYTES
    await raw.read(4, strict.base, 0, FIXED, 1)
    assert await raw.write(3, strict.base, 0, FIXED, [(7 << 8 * lane, 1 << lane)] * 2) == OKAY
    await RisingEdge(dut.clk)
    dut.dma_ack.value = (1 << 2) | (1 << 3)
    dut.dma_tc.value = 1 << 0
    await RisingEdge(dut.clk)
    dut.dma_ack.value = dut.dma_tc.value = 0
    await ClockCycles(dut.clk, 2)
    assert len(adc.errors) == 4 and "no request up" in adc.errors[-1]
    assert len(uart.errors) == 5 and "dma_tc without dma_ack" in uart.errors[-1]
    assert len(strict.errors) == 3, strict.errors  # access with no request, empty read, ack
    assert "no request up" in strict.errors[0] and "2 of 4" in strict.errors[2]
    for dev in (uart, adc, strict):
        expect_raises(dev)
    # Lines are the devices' own.
    try:
        AdcModel(tb.lines, IO_BASE, line=2)
    except ValueError:
        pass
    else:
        raise AssertionError("a second device on line 2 was accepted")
    await tb.finish()

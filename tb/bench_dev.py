"""cocotb benchmark of device-paced transfers: request-to-bus latency and the fastest device
each configuration keeps up with.  Printed by tools/bench.py (``make bench``).

Not a test: it measures.  For each device configuration (element width, burst,
FIFO depth) and direction:

* latency: cycles from the clock edge at which the device raises its first
  request to the edge at which the channel's first data AR for it is accepted
  (the memory read for memory-to-device, the FIFO register read for
  device-to-memory);
* fastest rate: the smallest element period (cycles per element) at which
  a transfer of ELEMENTS elements runs with no overrun (device to memory: an
  ADC whose FIFO must never be full when a sample arrives) or no underrun
  (memory to device: a UART transmitter whose FIFO must never run dry in the
  middle of the transmission), trying the periods in PERIODS;
* latency under load: the same latency for every request of a transfer at
  LOADED_PERIOD cycles per element (min, median, max), alone and while bulk
  memory-to-memory copies run on one and on three other channels, each
  checked to outlast the device's transfer.

One record per (configuration, direction) goes to BENCH_OUT (JSON lines).
"""

from __future__ import annotations

import json
import os

import cocotb
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge

from sw import dmac_regs as r
from sw.dmac_desc import Descriptor
from sw.dmac_regs import DmacFlow
from tb.bench_dmac import now_cycles
from tb.dmac_tb import DmacTB
from tb.models.peripherals import AdcModel, RequestLines, UartModel

DEV_BASE = 0x4000_0000
DESC, SRC, DST = 0x1000, 0x1_0000, 0x10_0000
ELEMENTS = 256
PERIODS = [32, 24, 16, 12, 10, 8, 6, 5, 4, 3, 2]
# Latency under load: the element period, and the bulk copies (one descriptor each) of the
# other channels: channel c copies BULK_LEN bytes from BULK_SRC + c * BULK_LEN to
# BULK_DST + c * BULK_LEN, its descriptor at BULK_DESC + 32 * c.
LOADED_PERIOD = 24
BULK_LEN = 0x2_0000
BULK_SRC, BULK_DST, BULK_DESC = 0x2_0000, 0x12_0000, 0x2000


def cfg_value(flow: DmacFlow, line: int, width: int, maxburst: int) -> int:
    return (
        int(flow) << r.DMAC_CHAN_CFG_FLOW_LSB
        | line << r.DMAC_CHAN_CFG_REQ_LSB
        | (width.bit_length() - 1) << r.DMAC_CHAN_CFG_DEV_WIDTH_LSB
        | maxburst << r.DMAC_CHAN_CFG_MAXBURST_LSB
    )


class RequestLatency:
    """Per request of line ``line``: cycles from the edge at which the controller can first
    see it to the first data AR handshake of channel ``chan`` at or after that edge."""

    def __init__(self, tb: DmacTB, line: int, chan: int) -> None:
        self.latencies: list[int] = []
        self._line, self._chan = line, chan
        self._task = cocotb.start_soon(self._watch(tb))

    async def _watch(self, tb: DmacTB) -> None:
        dut, line = tb.dut, self._line
        chan_id = tb.params.axi_id(self._chan, desc=False)
        seen: int | None = None  # edge the pending request became visible
        served = False  # its AR went out: wait for its acknowledge
        after_ack = 0  # edges left in which the line is not looked at (ack, and the next)
        while True:
            await RisingEdge(dut.clk)
            await ReadOnly()
            cycle = now_cycles()
            up = (int(dut.dma_req_burst.value) | int(dut.dma_req_single.value)) >> line & 1
            ack = int(dut.dma_ack.value) >> line & 1
            ar = bool(dut.m_axi_arvalid.value and dut.m_axi_arready.value)
            if seen is not None and ar and int(dut.m_axi_arid.value) == chan_id:
                self.latencies.append(cycle - seen)
                seen, served = None, True
            if ack:
                seen, served, after_ack = None, False, 1
            elif after_ack:
                after_ack -= 1
            if seen is None and not served and up and not after_ack and not ack:
                seen = cycle

    def stop(self) -> None:
        self._task.cancel()


async def start_bulk(tb: DmacTB, chans: list[int]) -> None:
    """A memory-to-memory copy of BULK_LEN bytes on each channel of ``chans``."""
    for c in chans:
        src, dst = BULK_SRC + c * BULK_LEN, BULK_DST + c * BULK_LEN
        d = Descriptor(src=src, dst=dst, length=BULK_LEN, last=True)
        tb.ram.write(BULK_DESC + 32 * c, d.pack())
        await tb.start(c, BULK_DESC + 32 * c, irq_enable=0)


async def run_transfer(
    tb: DmacTB,
    lines: RequestLines,
    case: dict[str, int],
    direction: str,
    period: int,
    bulk: list[int] | None = None,
) -> tuple[bool, list[int]]:
    """One transfer at ``period`` cycles per element: (kept up, each request's
    request-to-AR cycles in order), with bulk copies on the channels ``bulk`` meanwhile.

    The channel is started first and waits; the device appears on its line after, so
    the latency is that of a channel waiting for its device."""
    width, burst, depth = case["width"], case["burst"], case["depth"]
    line, base = 0, DEV_BASE
    length = ELEMENTS * width
    dut = tb.dut
    flow = DmacFlow.MEM2DEV if direction == "mem2dev" else DmacFlow.DEV2MEM
    desc = Descriptor(src=SRC, dst=base, length=length, last=True)
    if direction == "dev2mem":
        desc = Descriptor(src=base, dst=DST, length=length, last=True)
    tb.ram.write(DESC, desc.pack())
    await tb.chan_write(0, r.DMAC_CHAN_CFG_OFFSET, cfg_value(flow, line, width, burst))
    await tb.start(0, DESC)
    if bulk:
        await start_bulk(tb, bulk)
    await ClockCycles(dut.clk, 60)
    each = RequestLatency(tb, line, 0)
    dev: UartModel | AdcModel
    if direction == "mem2dev":
        dev = UartModel(
            lines,
            base,
            tx_line=line,
            rx_line=line + 1,
            width=width,
            tx_depth=depth,
            tx_maxburst=burst,
            tx_cycles_per_elem=period,
        )
    else:
        dev = AdcModel(
            lines,
            base,
            line=line,
            width=width,
            depth=depth,
            maxburst=burst,
            cycles_per_sample=period,
        )
    dev.attach(tb.ram)
    if isinstance(dev, UartModel):
        dev.expect_tx(ELEMENTS)
    else:
        dev.start(ELEMENTS)
    await tb.wait_idle(0, timeout_us=20_000)
    if isinstance(dev, UartModel):
        while len(dev.tx_log) < ELEMENTS and dev.tx_level:
            await ClockCycles(dut.clk, period)
    each.stop()
    assert each.latencies, "no request was served"
    kept_up = dev.overruns == 0 and dev.underruns == 0 and not dev.errors
    for c in bulk or []:
        status = await tb.chan_read(c, r.DMAC_CHAN_STATUS_OFFSET)
        assert status & (1 << r.DMAC_CHAN_STATUS_BUSY_LSB), f"bulk copy of channel {c} ended first"
    for c in bulk or []:
        await tb.wait_idle(c, timeout_us=20_000)
    tb.ram.clear_mmio()
    lines.unregister(dev)
    await ClockCycles(dut.clk, 4)
    return kept_up, each.latencies


@cocotb.test()
async def run_cases(dut) -> None:  # type: ignore[no-untyped-def]
    memory = os.environ["BENCH_MEMORY"]
    latency = {"lat2": 2, "lat20": 20}[memory]
    tb = DmacTB(dut, mem_latency=latency, seed=1, checkers=False)
    lines = RequestLines(dut, tb.params.NUM_REQ, reset=dut.rst)
    await tb.reset()
    tb.fill_random()
    out = open(os.environ["BENCH_OUT"], "a")  # noqa: SIM115
    for case in json.loads(os.environ["BENCH_CASES"]):
        for direction in ("mem2dev", "dev2mem"):
            best = None
            first_latency = None
            for period in PERIODS:
                ok, each = await run_transfer(tb, lines, case, direction, period)
                if first_latency is None:
                    first_latency = each[0]
                if not ok:
                    break
                best = period
                await ClockCycles(dut.clk, 20)
            rec = {
                "case": "device",
                "direction": direction,
                "data_width": tb.params.DATA_WIDTH,
                "memory": memory,
                "element_bytes": case["width"],
                "maxburst": case["burst"],
                "fifo_depth": case["depth"],
                "request_to_bus": first_latency,
                "fastest_period": best,
            }
            for key, bulk in (("alone", []), ("bulk1", [1]), ("bulk3", [1, 2, 3])):
                _, each = await run_transfer(tb, lines, case, direction, LOADED_PERIOD, bulk)
                each.sort()
                rec[f"requests_{key}"] = len(each)
                rec[f"latency_{key}"] = [each[0], each[len(each) // 2], each[-1]]
                await ClockCycles(dut.clk, 20)
            out.write(json.dumps(rec) + "\n")
            out.flush()
    out.close()

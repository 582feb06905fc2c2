"""cocotb benchmark of the ``dmac`` top: cycles and bus efficiency, printed by tools/bench.py.

Not a test: it measures.  One cocotb test runs the cases listed in the
BENCH_CASES environment variable (JSON) on one memory model (BENCH_MEMORY)
and writes one record per case to BENCH_OUT (JSON lines).

Efficiency = bytes moved / (cycles from the doorbell to the interrupt x
DATA_WIDTH/8).  The doorbell is the clock edge at which the CTRL.START write's
W handshake completes; the interrupt is the edge at which ``irq`` rises.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

import cocotb
from cocotb.simtime import get_sim_time
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge

from sw import dmac_regs as r
from sw.dmac_desc import Descriptor
from tb.axi_checker import AxiBurst
from tb.dmac_tb import CLK_NS, DmacTB

# Memory models: (latency or None for AxiRam, random pause probability on every channel)
MEMORY = {
    "ideal": (None, 0.0),
    "pause20": (None, 0.2),
    "lat20": (20, 0.0),
    "lat64": (64, 0.0),
}
SRC, DST, DESC = 0x0010_0000, 0x0040_0000, 0x0000_1000
MEM_SIZE = 1 << 23


@dataclass
class Record:
    case: str
    data_width: int
    memory: str
    size: int
    alignment: str
    descriptors: int
    channels: int
    cycles: int
    efficiency: float
    doorbell_to_desc_read: int | None = None
    desc_to_data_read: int | None = None
    cycles_per_descriptor: float | None = None
    channel_shares: list[float] | None = None


def now_cycles() -> int:
    return round(get_sim_time("ns") / CLK_NS)


class ReadLog:
    """AR handshakes and R completions of descriptor and data reads (told apart by ID)."""

    def __init__(self, tb: DmacTB) -> None:
        self.bursts: list[AxiBurst] = []
        assert tb.axi_checker is not None
        tb.axi_checker.add_read_callback(self.bursts.append)


async def doorbell(tb: DmacTB, chan: int) -> int:
    """Write CTRL.START; return the cycle of its W handshake."""
    dut = tb.dut

    async def watch() -> int:
        while True:
            await RisingEdge(dut.clk)
            await ReadOnly()
            if dut.s_axil_wvalid.value and dut.s_axil_wready.value:
                return now_cycles()

    task = cocotb.start_soon(watch())
    await tb.chan_write(chan, r.DMAC_CHAN_CTRL_OFFSET, 1 << r.DMAC_CHAN_CTRL_START_LSB)
    return await task


async def prepare(tb: DmacTB, chan: int, first: int) -> None:
    await tb.chan_write(chan, r.DMAC_CHAN_IRQ_STATUS_OFFSET, 0xF)
    await tb.chan_write(chan, r.DMAC_CHAN_DESC_LO_OFFSET, first)
    await tb.chan_write(chan, r.DMAC_CHAN_DESC_HI_OFFSET, 0)
    await tb.chan_write(chan, r.DMAC_CHAN_IRQ_ENABLE_OFFSET, 1 << r.DMAC_CHAN_IRQ_ENABLE_END_LSB)


async def wait_irq_cycle(tb: DmacTB) -> int:
    if not tb.dut.irq.value:
        await RisingEdge(tb.dut.irq)
    return now_cycles()


async def run_single(tb: DmacTB, memory: str, size: int, unaligned: bool) -> Record:
    src, dst = (SRC + 1, DST + 3) if unaligned else (SRC, DST)
    tb.put_chain([(DESC, Descriptor(src=src, dst=dst, length=size))])
    log = ReadLog(tb)
    await prepare(tb, 0, DESC)
    t0 = await doorbell(tb, 0)
    t1 = await wait_irq_cycle(tb)
    await tb.wait_idle(0)
    cycles = t1 - t0
    desc = next(b for b in log.bursts if tb.params.id_is_desc(b.id))
    data = next(b for b in log.bursts if not tb.params.id_is_desc(b.id))
    return Record(
        case="single",
        data_width=tb.params.DATA_WIDTH,
        memory=memory,
        size=size,
        alignment="src+1,dst+3" if unaligned else "aligned",
        descriptors=1,
        channels=1,
        cycles=cycles,
        efficiency=size / (cycles * tb.params.data_bytes),
        doorbell_to_desc_read=round(desc.start_ns / CLK_NS) - t0,
        desc_to_data_read=round((data.start_ns - desc.end_ns) / CLK_NS),
    )


async def run_chain(tb: DmacTB, memory: str, size: int, count: int) -> Record:
    chain = [
        (DESC + i * 32, Descriptor(src=SRC + i * size, dst=DST + i * size, length=size))
        for i in range(count)
    ]
    tb.put_chain(chain)
    await prepare(tb, 0, DESC)
    t0 = await doorbell(tb, 0)
    t1 = await wait_irq_cycle(tb)
    await tb.wait_idle(0)
    cycles = t1 - t0
    return Record(
        case="chain",
        data_width=tb.params.DATA_WIDTH,
        memory=memory,
        size=size,
        alignment="aligned",
        descriptors=count,
        channels=1,
        cycles=cycles,
        efficiency=size * count / (cycles * tb.params.data_bytes),
        cycles_per_descriptor=cycles / count,
    )


async def run_channels(tb: DmacTB, memory: str, size: int, nchan: int) -> Record:
    written: list[list[tuple[float, int]]] = [[] for _ in range(nchan)]

    def on_write(burst: AxiBurst) -> None:
        for c in range(nchan):
            base = DST + c * 0x10_0000
            if base <= burst.addr < base + size:
                written[c].append((burst.end_ns, sum(bin(s).count("1") for s in burst.strb)))

    assert tb.axi_checker is not None
    tb.axi_checker.add_write_callback(on_write)
    for c in range(nchan):
        desc = DESC + c * 0x100
        d = Descriptor(src=SRC + c * 0x10_0000, dst=DST + c * 0x10_0000, length=size)
        tb.put_chain([(desc, d)])
        await prepare(tb, c, desc)
    starts = [await doorbell(tb, c) for c in range(nchan)]
    for c in range(nchan):
        await tb.wait_idle(c)
    t1 = now_cycles()
    # Shares: bytes each channel wrote while all of them were running.
    window_end = min(max(t for t, _ in w) for w in written)
    in_window = [sum(n for t, n in w if t <= window_end) for w in written]
    total = sum(in_window) or 1
    cycles = t1 - starts[0]
    return Record(
        case="channels",
        data_width=tb.params.DATA_WIDTH,
        memory=memory,
        size=size,
        alignment="aligned",
        descriptors=nchan,
        channels=nchan,
        cycles=cycles,
        efficiency=size * nchan / (cycles * tb.params.data_bytes),
        channel_shares=[n / total for n in in_window],
    )


@cocotb.test()
async def run_cases(dut) -> None:  # type: ignore[no-untyped-def]
    memory = os.environ["BENCH_MEMORY"]
    latency, pause = MEMORY[memory]
    tb = DmacTB(dut, mem_size=MEM_SIZE, mem_latency=latency, seed=1)
    # Stall the memory side only: the register port is the CPU, not the memory.
    tb.set_backpressure(pause, register_bus=False)
    await tb.reset()
    out = open(os.environ["BENCH_OUT"], "a")  # noqa: SIM115
    for case in json.loads(os.environ["BENCH_CASES"]):
        kind = case["case"]
        if kind == "single":
            rec = await run_single(tb, memory, case["size"], case["unaligned"])
        elif kind == "chain":
            rec = await run_chain(tb, memory, case["size"], case["count"])
        else:
            rec = await run_channels(tb, memory, case["size"], case["channels"])
        out.write(json.dumps(asdict(rec)) + "\n")
        out.flush()
        await ClockCycles(dut.clk, 10)
    out.close()

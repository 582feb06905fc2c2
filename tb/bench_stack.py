"""cocotb benchmark: how busy the software stack keeps the controller (printed by
tools/bench_stack.py, part of ``make bench``).  Not a test: it measures.

For each buffer size (``BENCH_SIZES``, JSON list of bytes) two runs on the same system
(no IOMMU, non-coherent CPU, 8-cycle memory, no random stalls, no checkers):

* ``raw``: register level, the best software can do: on each of the four channels one
  chain of ``BENCH_COUNT`` descriptors of that size in coherent memory, all four started
  together; the time from the first doorbell until every channel is idle.
* ``stack``: Linux's dmatest through the whole stack (dmaengine, the provider driver,
  dma-mapping with swiotlb, interrupts and tasklets), one thread per channel on the four
  channels, ``norandom`` (every test moves the whole buffer), ``BENCH_COUNT`` tests each;
  the sum of the four threads' KB/s as dmatest computes it from simulated time.

Each record: bytes moved, simulated ns, KB/s, simulated clock cycles and the CPU seconds
the simulator process spent (``time.process_time``), so cycles per second too.  Records
go to ``BENCH_OUT`` (JSON lines).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import cocotb
from cocotb.simtime import get_sim_time
from cocotb.triggers import ClockCycles

from sw import dmac_regs as r
from sw.dmac_desc import SIZE as DESC_SIZE
from sw.dmac_desc import Descriptor
from sw.drivers.dma.dmatest import DmatestParams, dmatest_run
from tb.dmaengine_bench import boot
from tb.system_tb import CLK_NS, DMAC_IRQ, SystemTB

CHANNELS = 4
SIZES = json.loads(os.environ.get("BENCH_SIZES", "[16384, 1024]"))
COUNT = int(os.environ.get("BENCH_COUNT", "16"))


def _record(kind: str, size: int, moved: int, ns: float, cpu_s: float, **extra: Any) -> None:
    rec = {
        "kind": kind,
        "size": size,
        "bytes": moved,
        "ns": ns,
        "kbs": (moved >> 10) * 1e9 / ns if ns else 0.0,
        "cycles": ns / CLK_NS,
        "cpu_seconds": cpu_s,
        **extra,
    }
    out = os.environ.get("BENCH_OUT")
    if out:
        with open(out, "a") as f:
            f.write(json.dumps(rec) + "\n")
    cocotb.log.info("bench_stack %s", rec)


@cocotb.test()
@cocotb.parametrize(size=SIZES)
async def bench_raw(dut: Any, size: int) -> None:
    count = COUNT
    tb = SystemTB(dut, backpressure=0.0, checkers=False, seed=1)
    await tb.reset()
    tb.cpu.free_irq(DMAC_IRQ, tb._dmac_irq)  # polled: no interrupt handler
    chains = []
    for _ in range(CHANNELS):
        descs = [tb.alloc_coherent_page() for _ in range((count * DESC_SIZE + 4095) // 4096)]
        src, dst = tb.alloc(count * size), tb.alloc(count * size)
        va0, pa0 = descs[0]
        bus0 = tb.phys_to_bus(pa0)
        for i in range(count):
            last = i == count - 1
            d = Descriptor(
                src=tb.phys_to_bus(src) + i * size,
                dst=tb.phys_to_bus(dst) + i * size,
                length=size,
                next=0 if last else bus0 + (i + 1) * DESC_SIZE,
                last=last,
            )
            tb.cpu.write(va0 + i * DESC_SIZE, d.pack())
        chains.append(bus0)
        assert count * DESC_SIZE <= 4096, "one coherent page of descriptors per channel"
    t0, c0 = get_sim_time("ns"), time.process_time()
    for ch, head in enumerate(chains):
        await tb.reg_write(r.chan_reg(ch, r.DMAC_CHAN_DESC_LO_OFFSET), head)
        await tb.reg_write(r.chan_reg(ch, r.DMAC_CHAN_DESC_HI_OFFSET), 0)
    for ch in range(CHANNELS):
        await tb.reg_write(r.chan_reg(ch, r.DMAC_CHAN_CTRL_OFFSET), 1)
    while True:
        busy = 0
        for ch in range(CHANNELS):
            busy |= await tb.reg_read(r.chan_reg(ch, r.DMAC_CHAN_STATUS_OFFSET)) & 1
        if not busy:
            break
        await ClockCycles(dut.clk, 32)
    ns, cpu_s = get_sim_time("ns") - t0, time.process_time() - c0
    _record("raw", size, CHANNELS * count * size, ns, cpu_s)


@cocotb.test()
@cocotb.parametrize(size=SIZES)
async def bench_stack(dut: Any, size: int) -> None:
    count = COUNT
    m = await boot(dut, backpressure=0.0, checkers=False, seed=1)
    params = DmatestParams(
        test_buf_size=size, iterations=count, norandom=True, max_channels=CHANNELS, seed=1
    )
    t0, c0 = get_sim_time("ns"), time.process_time()
    threads = await dmatest_run(params)
    ns, cpu_s = get_sim_time("ns") - t0, time.process_time() - c0
    assert all(t.failed_tests == 0 for t in threads), [t.lines for t in threads]
    kbs = sum(t.kbs for t in threads)
    _record(
        "stack",
        size,
        sum(t.total_len for t in threads),
        ns,
        cpu_s,
        dmatest_kbs=kbs,
        summaries=[t.lines[-1] for t in threads],
        irqs=m.dmac.irqs,
        chains=m.dmac.chains,
    )

"""``make demo``: the whole stack on the RTL, printed the way Linux would print it.

dmatest on every channel of the controller (Linux's summary line per thread), then one line
per client driver saying what it moved and what it checked.  Progress lines go to stdout
as each part starts; cocotb's own log is kept at WARNING by tools/demo.py.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import cocotb

from sw.drivers.base.core import BusDmaRegion, Device, DeviceDriver, device_release_driver
from sw.drivers.dma.dmatest import DmatestParams, dmatest_run
from sw.drivers.net.ethernet.sim import simeth
from sw.drivers.net.ethernet.sim.simeth import (
    ETH_ZLEN,
    NETDEV_TX_OK,
    Simeth,
    dev_kfree_skb,
    netdev_alloc_skb,
)
from sw.drivers.tty.serial.simuart import Simuart
from sw.mm.page_alloc import GFP_KERNEL
from sw.sound.soc.simpcm import SimPcm
from tb.dmaengine_bench import Machine, adc_node, boot, quiesce, uart_node
from tb.models.nic import NIC_IRQ, NIC_REGS, Nic
from tb.models.peripherals import pack
from tb.system_tb import DMA_RANGES

PARTS = 4


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def progress(step: int, text: str) -> None:
    say(f"demo: [{step}/{PARTS}] {text}")


async def part_dmatest(m: Machine) -> list[str]:
    iterations = int(os.environ.get("DEMO_ITERATIONS", "20"))
    params = DmatestParams(
        test_buf_size=16384, iterations=iterations, threads_per_chan=1, seed=m.tb.seed
    )
    progress(
        1,
        f"dmatest: {m.dmac.num_channels} channels x {params.threads_per_chan} thread x "
        f"{iterations} memcpy tests of 1..{params.test_buf_size} bytes",
    )
    threads = await dmatest_run(params)
    lines = []
    for t in threads:
        lines.append(t.lines[-1])
        say(t.lines[-1])
    failed = sum(t.failed_tests for t in threads)
    return ["dmatest failures"] if failed else []


async def part_net(m: Machine) -> list[str]:
    progress(2, "simeth: a bus-mastering MAC, 16 frames out and 16 in through its rings")
    tb, k = m.tb, m.k
    nic = Nic(tb)
    dev = Device(
        "simeth0",
        driver=DeviceDriver(simeth.DRV_NAME),
        dma_range_map=[BusDmaRegion(c, b, n) for b, c, n in DMA_RANGES],
        dma_coherent=m.dev.dma_coherent,
    )
    drv = await Simeth.probe(k.platform, dev, NIC_REGS, NIC_IRQ)
    assert await drv.open() == 0
    out = [tb.rng.randbytes(tb.rng.randint(60, 1514)) for _ in range(16)]
    inc = [tb.rng.randbytes(tb.rng.randint(60, 1514)) for _ in range(16)]
    for frame in inc:
        nic.receive(frame)
    for frame in out:
        while drv.netif_queue_stopped():
            await k.platform.delay(16)
        skb = netdev_alloc_skb(max(len(frame), ETH_ZLEN), GFP_KERNEL)
        assert skb is not None
        k.platform.write(skb.data, frame)
        skb.len = len(frame)
        assert await drv.start_xmit(skb) == NETDEV_TX_OK
    received: list[bytes] = []
    for _ in range(4000):
        while drv.rx_queue:
            skb = drv.rx_queue.pop(0)
            received.append(k.platform.read(skb.data, skb.len))
            dev_kfree_skb(skb)
        if len(received) == len(inc) and len(nic.sent) == len(out):
            break
        await k.platform.delay(64)
    assert await drv.close() == 0
    device_release_driver(dev)
    sent_ok = [bytes(s[: len(f)]) for s, f in zip(nic.sent, out, strict=False)] == out
    rx_ok = [r[: len(f)] for r, f in zip(received, inc, strict=False)] == inc
    ok = sent_ok and rx_ok and len(received) == len(inc) and len(nic.sent) == len(out)
    say(
        f"simeth: sent {len(nic.sent)} frames ({sum(map(len, out))} bytes), received "
        f"{len(received)} ({sum(map(len, inc))} bytes), "
        f"{'every byte checked' if ok else 'MISMATCH'}"
    )
    return [] if ok else ["simeth mismatch"]


US = 1000  # ns
ADC_CYCLES_PER_SAMPLE = 12


async def part_uart(m: Machine) -> list[str]:
    progress(3, "simuart: a message out through a scatterlist, three in, each ended early")
    uart = m.tb.uart
    assert uart is not None
    drv = await Simuart.probe(m.k.platform, Device("uart0", of_node=uart_node(m)))
    assert isinstance(drv, Simuart), drv
    assert await drv.startup() == 0
    message = m.tb.rng.randbytes(300)
    assert await drv.write(message) == len(message)
    sent = await drv.wait_until_sent(400 * US)
    while sent and (len(uart.tx_log) < len(message) or uart.tx_level):
        await m.k.platform.delay(64)
    incoming = [m.tb.rng.randbytes(n) for n in (23, 100, 7)]
    got = []
    for msg in incoming:
        uart.rx_feed(msg)
        got.append(await drv.read(400 * US))
    await drv.shutdown()
    await drv.remove()
    ok = uart.tx_log == list(message) and got == incoming
    say(
        f"simuart: sent {len(uart.tx_log)} bytes, received {len(incoming)} messages "
        f"({sum(map(len, incoming))} bytes, lengths from the residue), "
        f"{'every byte checked' if ok else 'MISMATCH'}"
    )
    return [] if ok else ["simuart mismatch"]


async def part_pcm(m: Machine) -> list[str]:
    period, periods, laps = 32, 4, 3
    progress(
        4,
        f"simpcm: ADC capture (a sample every {ADC_CYCLES_PER_SAMPLE} cycles), cyclic over "
        f"{periods} periods of {period}, {laps} laps",
    )
    adc = m.tb.adc
    assert adc is not None
    pcm = await SimPcm.probe(m.k.platform, Device("adc0", of_node=adc_node(m)))
    assert isinstance(pcm, SimPcm), pcm
    assert await pcm.open() == 0
    assert await pcm.hw_params(period, periods) == 0
    assert await pcm.prepare() == 0
    rt = pcm.runtime
    assert rt is not None
    assert await pcm.snd_pcm_start() == 0
    adc.start()
    captured = bytearray()
    for _ in range(periods * laps):
        data = await pcm.readi(period, 400 * US)
        if isinstance(data, int):
            break
        captured.extend(data)
    adc.stop()
    elapsed = pcm.periods_elapsed
    assert await pcm.snd_pcm_drop() == 0
    assert await pcm.hw_free() == 0
    assert await pcm.close() == 0
    await pcm.remove()
    n = len(captured) // rt.frame_bytes
    ok = n == period * periods * laps and bytes(captured) == pack(adc.produced[:n], rt.frame_bytes)
    # A sample the ADC had to drop (its FIFO full: the transfer did not keep up) is missing
    # from the capture too; say so, so that a mismatch tells lost data from wrong data.
    lost = f", {adc.overruns} sample(s) dropped by the ADC (FIFO full)" if adc.overruns else ""
    say(
        f"simpcm: captured {n} samples in {elapsed} periods, "
        f"{'in order, none lost' if ok else 'MISMATCH'}{lost}"
    )
    return [] if ok else [f"simpcm mismatch{lost}"]


@cocotb.test()
async def demo(dut: Any) -> None:
    coherent = os.environ.get("DEMO_COHERENT", "0") == "1"
    # The ADC samples every 12 cycles.  Its FIFO asks for 4 samples at a time and each
    # request is one round trip: on this bus (8 cycles of latency, 10% stalls, reads
    # reordered) 32-37 cycles from one acknowledge to the next (9 from the acknowledge to
    # the next AR, 19-25 to the last R beat, 3 to the acknowledge), so at the bench's
    # default of 8 cycles per sample (32 per request) the FIFO slowly filled and some
    # seeds dropped samples (COCOTB_RANDOM_SEED=1175865343 on Icarus: 2).
    m = await boot(
        dut,
        coherent=coherent,
        peripherals={"adc": {"cycles_per_sample": ADC_CYCLES_PER_SAMPLE}},
        backpressure=0.1,
    )
    problems = []
    problems += await part_dmatest(m)
    problems += await part_net(m)
    problems += await part_uart(m)
    problems += await part_pcm(m)
    errors = m.k.dma_debug.errors
    say(f"dma-debug: {len(errors)} error(s)" + "".join(f"\n  {e}" for e in errors))
    await quiesce(m)
    m.tb.check_protocol()
    assert not problems and not errors, problems + errors

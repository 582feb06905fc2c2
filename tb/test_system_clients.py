"""dmaengine clients against the RTL: the UART driver (sw/drivers/tty/serial/simuart.py, as
amba-pl011's DMA paths) and the ADC's capture PCM (sw/sound/soc/simpcm.py, as the generic
dmaengine PCM), each probed from its device-tree node on the system bench's peripherals.

References are the bench's models, not the driver: what the UART's wire sent
(``tx_log``), what was fed to its receiver, the ADC's ``produced`` samples.  Each test
also checks that the request lines were paced cleanly (the models' ``assert_clean``),
that nothing stays mapped (dma-debug's dump, swiotlb), dma-debug's silence and the AXI
protocol.  The IOMMU on and off and a coherent and a non-coherent CPU are spread over the
tests in a small matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cocotb
from cocotb.simtime import get_sim_time
from cocotb.triggers import ClockCycles, with_timeout

from sw.drivers.base.core import Device
from sw.drivers.tty.serial.simuart import SIMUART_TX_PIECE, Simuart
from sw.include.linux.err import EINVAL, ENODEV
from sw.mm.page_alloc import GFP_DMA
from sw.sound.soc.simpcm import EBADFD, SNDRV_PCM_STATE_PAUSED, SimPcm
from tb.dmaengine_bench import Machine, adc_node, boot, quiesce, uart_node
from tb.models.peripherals import pack
from tb.system_tb import (
    ADC_MAXBURST,
)

US = 1000  # ns
MATRIX_A = [(False, False), (True, True)]  # (coherent, iommu)
MATRIX_B = [(False, True), (True, False)]


async def until(m: Machine, done: Callable[[], bool], timeout_us: float = 400) -> None:
    """Wait until ``done()`` holds, checking every 8 cycles."""

    async def poll() -> None:
        while not done():
            await ClockCycles(m.tb.dut.clk, 8)

    await with_timeout(poll(), timeout_us, "us")


def streaming_left(m: Machine) -> list[str]:
    """dma-debug's entries other than coherent ones (the controller's descriptor pool
    keeps its pages): every streaming and resource mapping must be gone."""
    return [e for e in m.k.dma_debug.dump() if " coherent " not in e]


def channels_free(m: Machine) -> bool:
    return all(c.client_count == 0 for c in m.dmac.chans)


async def finish(m: Machine) -> None:
    assert channels_free(m), "a channel was not released"
    assert streaming_left(m) == []
    assert m.k.swiotlb.used == 0
    if m.iommu is not None:
        assert await m.iommu.read_faults() == []
    assert m.k.dma_debug.errors == []
    await quiesce(m)
    m.tb.check_protocol()


async def probe_uart(m: Machine, **opts: Any) -> Simuart:
    drv = await Simuart.probe(m.k.platform, Device("uart0", of_node=uart_node(m)), **opts)
    assert isinstance(drv, Simuart), drv
    return drv


# -- UART ---------------------------------------------------------------------------------------


@cocotb.test()
@cocotb.parametrize((("coherent", "iommu"), MATRIX_A))
async def test_uart_tx(dut: Any, coherent: bool, iommu: bool) -> None:
    """A 400-byte message written at once goes out as one scatterlist over seven kmalloc
    pieces (MEM_TO_DEV, paced by UART_TX_REQ); three more writes while it is on its way go
    in the refill the callback makes.  The wire sends exactly those bytes, in order, all
    of them through the request line; the callback unmapped and freed every piece."""
    m = await boot(dut, coherent, iommu, peripherals={"uart": {"tx_cycles_per_elem": 4}})
    uart = m.tb.uart
    assert uart is not None
    drv = await probe_uart(m)
    assert await drv.startup() == 0
    rng = m.tb.rng
    first = rng.randbytes(400)
    assert await drv.write(first) == len(first)
    assert drv.dmatx is not None and drv.dmatx.queued
    assert drv.dmatx.nents == -(-len(first) // SIMUART_TX_PIECE) == 7, drv.dmatx.nents
    more = [b"Hello, ", rng.randbytes(150), b"!\r\n"]
    for piece in more:
        assert await drv.write(piece) == len(piece)
    message = first + b"".join(more)
    assert await drv.wait_until_sent(400 * US)
    await until(m, lambda: len(uart.tx_log) >= len(message) and not uart.tx_level)
    await ClockCycles(dut.clk, 64)  # nothing more may arrive
    assert uart.tx_log == list(message), "the wire sent exactly the bytes written"
    assert sum(s.moved for s in uart.tx_port.served) == len(message), "all through the line"
    assert drv.stats.tx == len(message) and not drv.dmatx.queued and not drv.xmit
    uart.assert_clean()
    await drv.remove()
    await finish(m)


@cocotb.test()
@cocotb.parametrize((("coherent", "iommu"), MATRIX_B))
async def test_uart_rx(dut: Any, coherent: bool, iommu: bool) -> None:
    """Messages shorter than the 256-byte receive buffer, each ended by the UART's last
    request: the length comes from the residue (buffer size - residue), the bytes are
    exact, and the bytes of each buffer after the message keep what was there (the
    two buffers are used in turn, as pl011's dbuf_a/dbuf_b).  Three messages fed back
    to back arrive as three, the callback re-arming the other buffer before it reads."""
    # A byte every 48 cycles: the RX FIFO (16 deep) must absorb what arrives while the
    # callback re-arms the other buffer (about 170 cycles here, from the device's tc to its
    # next request served).  At the model's default of 16 cycles a byte (62.5 Mbaud at
    # 100 MHz) back-to-back messages overrun it, as they would a pl011 at that speed.
    m = await boot(dut, coherent, iommu, peripherals={"uart": {"rx_cycles_per_elem": 48}})
    uart = m.tb.uart
    assert uart is not None
    drv = await probe_uart(m)
    assert drv.dmarx is not None
    dbufs = [drv.dmarx.dbuf_a, drv.dmarx.dbuf_b]
    rng = m.tb.rng
    expect = [bytearray(rng.randbytes(d.len)) for d in dbufs]
    for d, old in zip(dbufs, expect, strict=True):
        m.k.platform.write(d.buf, bytes(old))
    assert await drv.startup() == 0
    singles = [rng.randbytes(n) for n in (37, 1, 200)]
    burst = [rng.randbytes(n) for n in (5, 12, 30)]
    for msg in singles:
        uart.rx_feed(msg)
        assert await drv.read(400 * US) == msg
    for msg in burst:
        uart.rx_feed(msg)
    for msg in burst:
        assert await drv.read(400 * US) == msg
    messages = singles + burst
    for i, msg in enumerate(messages):
        expect[i % 2][: len(msg)] = msg
    assert await drv.read(20 * US) is None, "no message more"
    assert drv.stats.rx_messages == len(messages) and drv.stats.rx_dma_errors == 0
    assert uart.rx_read == list(b"".join(messages)) and uart.rx_lost == []
    assert all(s.tc for s in uart.rx_port.served if s.last), "each message ended its transfer"
    await drv.shutdown()
    for d, want in zip(dbufs, expect, strict=True):
        assert not d.mapped
        assert m.k.platform.read(d.buf, d.len) == bytes(want), "only the message was written"
    uart.assert_clean()
    await drv.remove()
    await finish(m)


@cocotb.test()
async def test_uart_misuse(dut: Any) -> None:
    """Probe errors undone: a node whose dma-names lacks "rx" (-ENODEV, the "tx" channel
    given back) and a 16-byte register width the controller cannot configure (-EINVAL,
    both channels and both FIFO mappings given back).  Then the classic bug on a
    non-coherent CPU: the RX callback reads the message before dma_unmap_single.  It gets
    the stale bytes the cache held, while memory has the message, and dma-debug names the
    read of the DMA_FROM_DEVICE buffer."""
    m = await boot(dut, coherent=False, iommu=False, peripherals=True)
    uart = m.tb.uart
    assert uart is not None
    ret = await Simuart.probe(m.k.platform, Device("uart0", of_node=uart_node(m, ("tx",))))
    assert ret == -ENODEV, ret
    assert channels_free(m)
    ret = await Simuart.probe(m.k.platform, Device("uart0", of_node=uart_node(m, width=16)))
    assert ret == -EINVAL, ret
    assert channels_free(m) and streaming_left(m) == []
    assert m.k.dma_debug.errors == []

    drv = await probe_uart(m, gfp=GFP_DMA, bug_read_before_sync=True)
    assert drv.dmarx is not None
    dbuf = drv.dmarx.dbuf_a
    old = m.tb.rng.randbytes(dbuf.len)
    m.k.platform.write(dbuf.buf, old)  # the lines stay in the cache, clean after the map
    assert await drv.startup() == 0
    msg = m.tb.rng.randbytes(40)
    uart.rx_feed(msg)
    got = await drv.read(400 * US)
    assert got == old[: len(msg)], "read before the unmap: the stale cache lines"
    errors = m.k.dma_debug.errors
    assert len(errors) == 1, errors
    assert "cpu reading DMA memory the device owns" in errors[0], errors
    assert "[mapped with DMA_FROM_DEVICE]" in errors[0] and f"[size={dbuf.len} bytes]" in errors[0]
    m.k.dma_debug.errors.clear()  # reported and checked; the rest must be clean
    await drv.shutdown()
    seen = m.k.platform.read(dbuf.buf, dbuf.len)
    assert seen == msg + old[len(msg) :], "the device's write was in memory all along"
    uart.assert_clean()
    await drv.remove()
    await finish(m)


# -- PCM capture ------------------------------------------------------------------------------


@cocotb.test()
@cocotb.parametrize((("coherent", "iommu"), MATRIX_A))
async def test_pcm_capture(dut: Any, coherent: bool, iommu: bool) -> None:
    """Capture from the ADC on one cyclic transaction over a coherent ring of 4 periods of
    32 samples, for more than four laps, with a pause in the middle.  An application-like
    reader copies each period out as it completes: the captured stream is exactly the
    samples the ADC produced (none lost, repeated or reordered).  pointer() (buffer size -
    residue) only moves forward modulo the ring and stays put while paused, at the samples
    the controller had read; stop is terminate_async, the synchronize comes in hw_free."""
    periph = {"adc": {"depth": 64, "cycles_per_sample": 16}}
    m = await boot(dut, coherent, iommu, peripherals=periph)
    adc = m.tb.adc
    assert adc is not None
    pcm = await SimPcm.probe(m.k.platform, Device("adc0", of_node=adc_node(m)))
    assert isinstance(pcm, SimPcm), pcm
    assert not pcm.no_residue and pcm.can_pause
    period, periods = 32, 4
    assert await pcm.open() == 0
    assert await pcm.hw_params(period, periods) == 0
    assert await pcm.prepare() == 0
    rt = pcm.runtime
    assert rt is not None
    ring = rt.buffer_size
    ring_dma = rt.dma_addr

    captured = bytearray()
    reader_result: list[int] = []

    async def reader() -> None:  # arecord: one period per read
        while True:
            data = await pcm.readi(period, 200 * US)
            if isinstance(data, int):
                reader_result.append(data)
                return
            captured.extend(data)

    samples: list[tuple[float, float, int]] = []  # (start ns, end ns, pointer)
    monitoring = True

    async def monitor() -> None:
        while monitoring:
            t0 = get_sim_time("ns")
            pos = await pcm.pointer()
            samples.append((t0, get_sim_time("ns"), pos))
            await ClockCycles(dut.clk, 40)

    assert await pcm.snd_pcm_start() == 0
    adc.start()
    rd = cocotb.start_soon(reader())
    # Watched from the start: before the first descriptor is taken the controller shows
    # it with RESIDUE 0, which the provider must not read as "first period done".
    mon = cocotb.start_soon(monitor())
    frame = rt.frame_bytes
    await until(m, lambda: len(captured) >= frame * ring * 3 // 2, 2000)
    assert await pcm.snd_pcm_pause(True) == 0
    assert rt.state == SNDRV_PCM_STATE_PAUSED
    paused_at = get_sim_time("ns")
    held = await pcm.pointer()
    # RESIDUE counts bytes written to memory; a burst read from the FIFO may wait in the
    # controller's datapath while paused (no new burst is issued), written after resume.
    behind = (len(adc.read) - held) % ring
    assert 0 <= behind <= ADC_MAXBURST, (held, len(adc.read))
    await ClockCycles(dut.clk, 400)
    assert await pcm.pointer() == held, "nothing moves while paused"
    released_at = get_sim_time("ns")
    assert await pcm.snd_pcm_pause(False) == 0
    await until(m, lambda: len(captured) >= frame * ring * 9 // 2, 4000)
    adc.stop()
    await until(m, lambda: adc.level == 0)
    monitoring = False
    await mon
    assert await pcm.snd_pcm_drop() == 0
    await with_timeout(rd, 50, "us")
    assert reader_result == [-EBADFD], "the reader saw the stream stop"
    assert await pcm.hw_free() == 0  # sync_stop: dmaengine_synchronize, then the ring goes

    n = len(captured) // frame
    assert n >= 4 * ring and n % period == 0
    assert bytes(captured) == pack(adc.produced[:n], frame), "the ADC's samples, in order"
    assert adc.lost == [] and adc.read == adc.produced[: len(adc.read)]
    assert pcm.xruns == 0 and 0 < pcm.period_callbacks <= pcm.periods_elapsed
    assert pcm.periods_elapsed >= n // period
    # Only forward, modulo the ring: RESIDUE always belongs to the descriptor CUR_DESC
    # names, so the pointer never steps back, not even for a cycle.
    assert samples[0][2] <= ADC_MAXBURST, "at most one burst in when first watched"
    last = 0
    for t0, t1, pos in samples:
        if paused_at <= t0 and t1 <= released_at:
            assert pos == held, "the pointer moved while paused"
        step = (pos - last) % ring
        assert step <= ring // 2, f"pointer went back: {last} -> {pos} at {t0}"
        last = pos
    assert any(paused_at <= t0 and t1 <= released_at for t0, t1, _ in samples)
    assert await pcm.close() == 0
    await pcm.remove()
    adc.assert_clean()
    assert not any(f"D={ring_dma:x} " in e for e in m.k.dma_debug.dump()), "ring freed"
    await finish(m)

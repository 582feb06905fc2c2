"""Device-paced transfers: channels served through the request lines by the device models.

The devices (tb/models/peripherals.py) sit on the AXI memory model as MMIO
regions and drive ``dma_req_*``; they check the handshake themselves (an
access with no request up, too many elements, an ack without tc after a
last request ... are errors) and count overruns and underruns.  Each test
checks the data against what the device produced or what memory held, the
bytes around the destination that must not change, the descriptor's
write-back, and the channel registers.  Each passing test adds the requests
the devices saw served, and the ring's wraps, to the functional coverage
(tb/coverage.py) in the build folder's ``coverage.yml``.
"""

from __future__ import annotations

import cocotb
from cocotb.triggers import ClockCycles, with_timeout

from sw import dmac_regs as r
from sw.dmac_desc import Descriptor, completion
from sw.dmac_regs import DmacErr, DmacFlow
from tb import coverage
from tb.dmac_tb import DmacTB
from tb.models.peripherals import AdcModel, RequestLines, UartModel, elements, pack

UART_BASE = 0x4000_0000
ADC_BASE = 0x4000_1000
DESC = 0x1000
SRC = 0x1_0000
DST = 0x10_0000


def cfg_value(flow: DmacFlow, line: int, width: int, maxburst: int, incr: bool = False) -> int:
    return (
        int(flow) << r.DMAC_CHAN_CFG_FLOW_LSB
        | int(incr) << r.DMAC_CHAN_CFG_DEV_INCR_LSB
        | line << r.DMAC_CHAN_CFG_REQ_LSB
        | (width.bit_length() - 1) << r.DMAC_CHAN_CFG_DEV_WIDTH_LSB
        | maxburst << r.DMAC_CHAN_CFG_MAXBURST_LSB
    )


async def setup(  # type: ignore[no-untyped-def]
    dut, backpressure: float = 0.2, latency: int = 4, reorder: bool = False
):
    tb = DmacTB(dut, mem_latency=latency, reorder=reorder)
    lines = RequestLines(dut, tb.params.NUM_REQ, reset=dut.rst)
    tb.set_backpressure(backpressure)
    await tb.reset()
    tb.fill_random()
    return tb, lines


def cover(lines: RequestLines, wraps: int = 0) -> None:
    """Sample the requests every device on ``lines`` saw acknowledged, and ``wraps``
    observed wraps of a ring, into the functional coverage; write it out."""
    for port in lines.ports.values():
        coverage.sample_served(port.served)
    for _ in range(wraps):
        coverage.sample_cyclic({"wrap"})
    coverage.write()


def write_desc(tb: DmacTB, addr: int, d: Descriptor) -> None:
    tb.ram.write(addr, d.pack())


async def status_of(tb: DmacTB, chan: int) -> tuple[int, DmacErr]:
    status = await tb.chan_read(chan, r.DMAC_CHAN_STATUS_OFFSET)
    return status & 1, DmacErr((status >> r.DMAC_CHAN_STATUS_ERR_CODE_LSB) & 0xF)


@cocotb.test()
@cocotb.parametrize(width=[1, 2, 4], maxburst=[4, 8])
async def test_mem_to_dev(dut, width: int, maxburst: int) -> None:  # type: ignore[no-untyped-def]
    """A UART transmitter paced by its line: every element once, in order, no gap in
    the transmission, and the destination FIFO never written without room."""
    tb, lines = await setup(dut)
    uart = UartModel(
        lines,
        UART_BASE,
        tx_line=2,
        rx_line=3,
        width=width,
        tx_depth=16,
        tx_maxburst=maxburst,
        tx_cycles_per_elem=12,
    )
    uart.attach(tb.ram)
    length = width * 101  # not a multiple of the burst
    src = SRC + 3  # any memory alignment
    write_desc(tb, DESC, Descriptor(src=src, dst=UART_BASE, length=length, last=True))
    data = tb.ram.read(src, length)
    await tb.chan_write(0, r.DMAC_CHAN_CFG_OFFSET, cfg_value(DmacFlow.MEM2DEV, 2, width, maxburst))
    uart.expect_tx(length // width)
    await tb.start(0, DESC)
    await tb.wait_idle(0)
    _, err = await status_of(tb, 0)
    assert err == DmacErr.NONE
    await with_timeout(wait_drained(uart, length // width), 200, "us")
    assert uart.tx_log == elements(data, width), "elements lost, repeated or reordered"
    c = completion(tb.ram.read(DESC, 32))
    assert c.done and c.err == DmacErr.NONE and c.moved == length, c
    served = uart.tx_port.served
    assert sum(s.moved for s in served) == length // width
    assert any(s.kind == "burst" for s in served) and any(s.kind == "single" for s in served)
    uart.assert_clean()
    tb.check_protocol()
    cover(lines)


async def wait_drained(uart: UartModel, count: int) -> None:
    while len(uart.tx_log) < count:
        await ClockCycles(uart.lines.clock, 16)


@cocotb.test()
@cocotb.parametrize(width=[1, 2], message=[37, 64])
async def test_dev_to_mem_early_last(dut, width: int, message: int) -> None:  # type: ignore[no-untyped-def]
    """A UART receiver ends the transfer early with its last request: the descriptor is
    written back with the bytes moved, the chain goes on to the next descriptor, and no
    byte after the message is written."""
    tb, lines = await setup(dut)
    uart = UartModel(
        lines, UART_BASE, tx_line=0, rx_line=1, width=width, rx_maxburst=4, rx_cycles_per_elem=6
    )
    uart.attach(tb.ram)
    buf_len = width * 200
    dst0, dst1 = DST + 1, DST + 0x1000 + 5
    write_desc(tb, DESC, Descriptor(src=UART_BASE, dst=dst0, length=buf_len, next=DESC + 32))
    write_desc(tb, DESC + 32, Descriptor(src=UART_BASE, dst=dst1, length=buf_len, last=True))
    original = tb.ram.read(0, tb.mem_size)
    await tb.chan_write(0, r.DMAC_CHAN_CFG_OFFSET, cfg_value(DmacFlow.DEV2MEM, 1, width, 4))
    await tb.start(0, DESC)
    first = bytes(tb.rng.randrange(256) for _ in range(message * width))
    second = bytes(tb.rng.randrange(256) for _ in range(buf_len))
    uart.rx_feed(first, end_of_message=True)
    uart.rx_feed(second, end_of_message=False)
    await tb.wait_idle(0)
    _, err = await status_of(tb, 0)
    assert err == DmacErr.NONE
    mem = tb.ram.read(0, tb.mem_size)
    assert mem[dst0 : dst0 + len(first)] == first
    assert mem[dst0 + len(first) : dst0 + buf_len] == original[dst0 + len(first) : dst0 + buf_len]
    assert mem[dst1 : dst1 + buf_len] == second
    c0, c1 = completion(mem[DESC : DESC + 32]), completion(mem[DESC + 32 : DESC + 64])
    assert c0.done and c0.err == DmacErr.NONE and c0.moved == len(first), c0
    assert c1.done and c1.err == DmacErr.NONE and c1.moved == buf_len, c1
    assert uart.rx_read == uart.rx_fed
    assert await tb.chan_read(0, r.DMAC_CHAN_COMPLETED_OFFSET) == 2
    uart.assert_clean()
    tb.check_protocol()
    cover(lines)


@cocotb.test()
@cocotb.parametrize(incr=[False, True])
async def test_adc_stream(dut, incr: bool) -> None:  # type: ignore[no-untyped-def]
    """An ADC streams samples (2 bytes) with a burst threshold that does not divide the
    length; FIXED bursts on its register, or INCR bursts over a FIFO window as large as
    the transfer (the device address advances); no sample lost or repeated."""
    tb, lines = await setup(dut)
    adc = AdcModel(lines, ADC_BASE, line=5, width=2, depth=16, maxburst=6, cycles_per_sample=5)
    # INCR bursts walk over a window that repeats the FIFO register.
    adc.size = adc.fifo_window = 0x400
    adc.attach(tb.ram)
    samples = 500
    dst = DST + 6
    write_desc(tb, DESC, Descriptor(src=ADC_BASE, dst=dst, length=samples * 2, last=True))
    original = tb.ram.read(0, tb.mem_size)
    await tb.chan_write(0, r.DMAC_CHAN_CFG_OFFSET, cfg_value(DmacFlow.DEV2MEM, 5, 2, 6, incr=incr))
    await tb.start(0, DESC)
    adc.start(samples)
    await tb.wait_idle(0)
    mem = tb.ram.read(0, tb.mem_size)
    assert mem[dst : dst + samples * 2] == pack(adc.produced, 2)
    assert mem[dst - 16 : dst] == original[dst - 16 : dst]
    assert (
        mem[dst + samples * 2 : dst + samples * 2 + 16]
        == original[dst + samples * 2 : dst + samples * 2 + 16]
    )
    assert completion(mem[DESC : DESC + 32]).moved == samples * 2
    adc.assert_clean()
    tb.check_protocol()
    cover(lines)


@cocotb.test()
async def test_devices_at_once(dut) -> None:  # type: ignore[no-untyped-def]
    """A UART transmitting, a UART receiving and an ADC, each on its own channel and line
    at its own rate, and a long memory copy on the fourth channel, all at once, through a
    memory that answers different IDs out of order.  The device channels have the higher
    priority, as a driver would give them: their FIFOs must never overrun or run dry."""
    tb, lines = await setup(dut, backpressure=0.2, reorder=True)
    if tb.params.NUM_CHANNELS < 4:
        return
    tx = UartModel(
        lines,
        UART_BASE,
        tx_line=0,
        rx_line=6,
        width=1,
        tx_depth=32,
        tx_maxburst=8,
        tx_cycles_per_elem=16,
    )
    rx = UartModel(
        lines,
        UART_BASE + 0x100,
        tx_line=7,
        rx_line=1,
        width=1,
        rx_depth=32,
        rx_cycles_per_elem=14,
        name="rx",
    )
    adc = AdcModel(lines, ADC_BASE, line=2, width=4, depth=32, maxburst=4, cycles_per_sample=10)
    for dev in (tx, rx, adc):
        dev.attach(tb.ram)
    n_tx, n_rx, n_adc = 300, 180, 150
    write_desc(tb, DESC, Descriptor(src=SRC + 1, dst=UART_BASE, length=n_tx, last=True))
    write_desc(tb, DESC + 32, Descriptor(src=UART_BASE + 0x100, dst=DST, length=n_rx, last=True))
    adc_desc = Descriptor(src=ADC_BASE, dst=DST + 0x1000, length=4 * n_adc, last=True)
    write_desc(tb, DESC + 64, adc_desc)
    copy = Descriptor(src=SRC + 0x8000 + 5, dst=DST + 0x8000 + 2, length=20_000, last=True)
    write_desc(tb, DESC + 96, copy)
    tx_data = tb.ram.read(SRC + 1, n_tx)
    copy_data = tb.ram.read(copy.src, copy.length)
    await tb.chan_write(0, r.DMAC_CHAN_CFG_OFFSET, cfg_value(DmacFlow.MEM2DEV, 0, 1, 8))
    await tb.chan_write(1, r.DMAC_CHAN_CFG_OFFSET, cfg_value(DmacFlow.DEV2MEM, 1, 1, 4))
    await tb.chan_write(2, r.DMAC_CHAN_CFG_OFFSET, cfg_value(DmacFlow.DEV2MEM, 2, 4, 4))
    tx.expect_tx(n_tx)
    for chan in range(4):
        await tb.start(chan, DESC + 32 * chan, prio=3 if chan < 3 else 0)
    rx.rx_feed(bytes(tb.rng.randrange(256) for _ in range(n_rx)), end_of_message=False)
    adc.start(n_adc)
    for chan in range(4):
        await tb.wait_idle(chan)
        assert (await status_of(tb, chan))[1] == DmacErr.NONE, f"channel {chan}"
    await with_timeout(wait_drained(tx, n_tx), 200, "us")
    mem = tb.ram.read(0, tb.mem_size)
    assert tx.tx_log == list(tx_data)
    assert mem[DST : DST + n_rx] == bytes(rx.rx_fed)
    assert mem[DST + 0x1000 : DST + 0x1000 + 4 * n_adc] == pack(adc.produced, 4)
    assert mem[copy.dst : copy.dst + copy.length] == copy_data
    for dev in (tx, rx, adc):
        dev.assert_clean()
    tb.check_protocol()
    cover(lines)


@cocotb.test()
async def test_cyclic_stream(dut) -> None:  # type: ignore[no-untyped-def]
    """Audio-like streaming: a ring of periods with an interrupt each, run for many
    periods with a pause in the middle; software reaps each period as it completes;
    the stream has no sample lost, repeated or reordered; abort stops it."""
    tb, lines = await setup(dut, backpressure=0.1)
    adc = AdcModel(lines, ADC_BASE, line=4, width=2, depth=32, maxburst=8, cycles_per_sample=6)
    adc.attach(tb.ram)
    periods, period_bytes = 4, 2 * 48
    ring = [DESC + 32 * i for i in range(periods)]
    # Descriptor fetches as the bus saw them, for the coverage of the ring's wrap.
    fetches: list[tuple[int, int]] = []  # (address, bytes)
    assert tb.axi_checker is not None
    tb.axi_checker.add_read_callback(
        lambda b: (
            fetches.append((b.addr, (b.len + 1) << b.size)) if tb.params.id_is_desc(b.id) else None
        )
    )
    bufs = [DST + i * 0x200 + 2 * i for i in range(periods)]
    for i, addr in enumerate(ring):
        d = Descriptor(
            src=ADC_BASE, dst=bufs[i], length=period_bytes, irq=True, next=ring[(i + 1) % periods]
        )
        write_desc(tb, addr, d)
    await tb.chan_write(0, r.DMAC_CHAN_CFG_OFFSET, cfg_value(DmacFlow.DEV2MEM, 4, 2, 8))
    await tb.chan_write(0, r.DMAC_CHAN_IRQ_COAL_OFFSET, 1)
    await tb.start(0, ring[0], irq_enable=1 << r.DMAC_CHAN_IRQ_ENABLE_DONE_LSB)
    adc.start()
    stream = bytearray()
    reaped = 0
    target = 14  # three and a half times round the ring
    while reaped < target:
        await tb.wait_irq(timeout_us=200)
        await tb.chan_write(0, r.DMAC_CHAN_IRQ_STATUS_OFFSET, 1 << r.DMAC_CHAN_IRQ_STATUS_DONE_LSB)
        completed = await tb.chan_read(0, r.DMAC_CHAN_COMPLETED_OFFSET)
        assert completed - reaped < periods, "software fell behind the ring"
        while reaped < completed:
            i = reaped % periods
            stream += tb.ram.read(bufs[i], period_bytes)
            reaped += 1
        if reaped == target // 2:
            await tb.chan_write(0, r.DMAC_CHAN_CTRL_OFFSET, 1 << r.DMAC_CHAN_CTRL_PAUSE_LSB)
            await ClockCycles(dut.clk, 100)  # the ADC FIFO fills up meanwhile (32 deep)
            cur = await tb.chan_read(0, r.DMAC_CHAN_CUR_DESC_LO_OFFSET)
            assert cur in ring, f"CUR_DESC {cur:#x} not in the ring"
            await tb.chan_write(0, r.DMAC_CHAN_CTRL_OFFSET, 0)
    await tb.chan_write(0, r.DMAC_CHAN_CTRL_OFFSET, 1 << r.DMAC_CHAN_CTRL_ABORT_LSB)
    await tb.wait_idle(0)
    adc.stop()
    _, err = await status_of(tb, 0)
    assert err == DmacErr.ABORTED
    assert stream == pack(adc.produced[: len(stream) // 2], 2), "stream broken"
    assert adc.overruns == 0 and adc.underruns == 0 and not adc.errors, adc.counters()
    tb.check_protocol()
    cover(lines, coverage.count_wraps(fetches, ring))


@cocotb.test()
@cocotb.parametrize(when=[150, 433, 700])
async def test_abort_device_transfer(dut, when: int) -> None:  # type: ignore[no-untyped-def]
    """Abort in the middle of a paced memory-to-device transfer: the bursts in flight
    complete and are acknowledged, nothing reaches the device after the channel is idle,
    and LEN tells how many bytes went out."""
    tb, lines = await setup(dut)
    uart = UartModel(lines, UART_BASE, tx_line=3, rx_line=4, width=1, tx_cycles_per_elem=10)
    uart.attach(tb.ram)
    length = 400
    write_desc(tb, DESC, Descriptor(src=SRC, dst=UART_BASE, length=length, last=True))
    data = tb.ram.read(SRC, length)
    await tb.chan_write(0, r.DMAC_CHAN_CFG_OFFSET, cfg_value(DmacFlow.MEM2DEV, 3, 1, 4))
    await tb.start(0, DESC)
    await ClockCycles(dut.clk, when)
    await tb.chan_write(0, r.DMAC_CHAN_CTRL_OFFSET, 1 << r.DMAC_CHAN_CTRL_ABORT_LSB)
    await tb.wait_idle(0)
    written = tb.ram.stats.mmio_writes
    await ClockCycles(dut.clk, 300)
    assert tb.ram.stats.mmio_writes == written, "device written after the channel was idle"
    _, err = await status_of(tb, 0)
    assert err == DmacErr.ABORTED
    sent = uart.tx_log + list(uart.tx.items)
    assert sent == list(data[: len(sent)]), "the device got wrong data"
    c = completion(tb.ram.read(DESC, 32))
    assert c.done and c.err == DmacErr.ABORTED and c.moved == len(sent), (c, len(sent))
    assert not uart.errors, uart.errors
    tb.check_protocol()
    cover(lines)


@cocotb.test()
@cocotb.parametrize(fault=["flow3", "len", "dev_align"])
async def test_bad_device_config(dut, fault: str) -> None:  # type: ignore[no-untyped-def]
    """A configuration or descriptor no device transfer can follow is refused with its own
    code, the descriptor is written back with it, and nothing reaches the device."""
    tb, lines = await setup(dut)
    uart = UartModel(lines, UART_BASE, tx_line=0, rx_line=1, width=2)
    uart.attach(tb.ram)
    flow = 3 if fault == "flow3" else int(DmacFlow.MEM2DEV)
    length = 63 if fault == "len" else 64
    dst = UART_BASE + 1 if fault == "dev_align" else UART_BASE
    write_desc(tb, DESC, Descriptor(src=SRC, dst=dst, length=length, last=True))
    cfg = cfg_value(DmacFlow.MEM2DEV, 0, 2, 4) & ~(3 << r.DMAC_CHAN_CFG_FLOW_LSB)
    await tb.chan_write(0, r.DMAC_CHAN_CFG_OFFSET, cfg | flow << r.DMAC_CHAN_CFG_FLOW_LSB)
    await tb.start(0, DESC)
    await tb.wait_idle(0)
    _, err = await status_of(tb, 0)
    expect = DmacErr.BAD_LEN if fault == "len" else DmacErr.BAD_CONFIG
    assert err == expect, err
    c = completion(tb.ram.read(DESC, 32))
    assert c.done and c.err == expect and c.moved == 0, c
    assert tb.ram.stats.mmio_writes == 0 and not uart.tx_log
    tb.check_protocol()
    cover(lines)

"""dmaengine against the RTL: the controller's provider driver (sw/drivers/dma/dmac.py) on
virt-dma, probed on the system bench's CPU, driven through the client API.

Each data test maps its buffers against the controller's struct device (as dmaengine
clients do), checks every byte against the reference and the bytes around the window
that must not change, what the callbacks were told, dma-debug's silence and the AXI
protocol.  The error tests check that a failed transaction reports the right
dmaengine_result and that the next one on the channel works.
"""

from __future__ import annotations

from typing import Any

import cocotb
from cocotb.triggers import ClockCycles

from sw.drivers.base.core import Device
from sw.drivers.dma import dmaengine as de
from sw.include.linux.dma_mapping import DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE
from sw.include.linux.dmaengine import (
    DMA_COMPLETE,
    DMA_CTRL_ACK,
    DMA_DEV_TO_MEM,
    DMA_ERROR,
    DMA_IN_PROGRESS,
    DMA_MEM_TO_DEV,
    DMA_MEM_TO_MEM,
    DMA_PAUSED,
    DMA_PREP_INTERRUPT,
    DMA_RESIDUE_GRANULARITY_BURST,
    DMA_TRANS_NOERROR,
    DMA_TRANS_READ_FAILED,
    DMA_TRANS_WRITE_FAILED,
    DmaengineResult,
    DmaSlaveCaps,
    DmaSlaveConfig,
    DmaTxState,
)
from sw.include.linux.err import EINVAL, ENODEV, IS_ERR, PTR_ERR
from sw.include.linux.of import DeviceNode
from sw.kernel.dma import mapping as dm
from sw.lib.scatterlist import sg_init_table, sg_set_buf
from sw.mm.page_alloc import GFP_DMA, GFP_KERNEL
from sw.mm.slab import kmalloc
from tb.dmaengine_bench import Machine, Waiter, boot, map_single, memcpy_chan, quiesce, submit
from tb.system_tb import (
    DMAC_REGS,
    DMAC_STREAM_ID,
    UART_MAXBURST,
    UART_REGS,
    UART_RX_REQ,
    UART_TX_REQ,
    UART_WIDTH,
)

FLAGS = DMA_PREP_INTERRUPT | DMA_CTRL_ACK


@cocotb.test()
@cocotb.parametrize(coherent=[False, True], iommu=[False, True])
async def test_memcpy_batch_one_chain(dut: Any, coherent: bool, iommu: bool) -> None:
    """Eight memcpy transactions of odd sizes and alignments submitted, then issued together:
    one doorbell (one chain), eight callbacks in order with NOERROR, every byte right and
    the bytes around each window untouched; cookies complete, residue 0."""
    m = await boot(dut, coherent, iommu)
    chan = await memcpy_chan()
    dev = chan.device.dev
    rng = m.tb.rng
    size = 8192
    src, dst = kmalloc(size, GFP_DMA), kmalloc(size, GFP_DMA)
    data, old = rng.randbytes(size), rng.randbytes(size)
    m.k.platform.write(src, data)
    m.k.platform.write(dst, old)
    s = await map_single(dev, src, size, DMA_TO_DEVICE)
    d = await map_single(dev, dst, size, DMA_BIDIRECTIONAL)
    windows, pos = [], 0
    for _ in range(8):
        length = rng.randrange(1, 900)
        so, do = rng.randrange(0, 64) + pos, rng.randrange(0, 64) + pos
        windows.append((so, do, length))
        pos = max(so, do) + length + rng.randrange(1, 40)
    waiter = Waiter(m)
    cookies = []
    for i, (so, do, length) in enumerate(windows):
        tx = await de.dmaengine_prep_dma_memcpy(chan, d + do, s + so, length, FLAGS)
        cookies.append(await submit(chan, tx, waiter, i))
    state = DmaTxState()
    assert await de.dmaengine_tx_status(chan, cookies[3], state) == DMA_IN_PROGRESS
    assert state.residue == windows[3][2], "submitted, not issued: all of it is left"
    chains = m.dmac.chains
    await de.dma_async_issue_pending(chan)
    await waiter.wait(8)
    assert m.dmac.chains == chains + 1, "the eight went in one chain"
    assert [p for p, _ in waiter.results] == list(range(8))
    assert all(r.result == DMA_TRANS_NOERROR and r.residue == 0 for _, r in waiter.results)
    for c in cookies:
        assert await de.dmaengine_tx_status(chan, c, state) == DMA_COMPLETE
    await dm.dma_unmap_single(dev, s, size, DMA_TO_DEVICE)
    await dm.dma_unmap_single(dev, d, size, DMA_BIDIRECTIONAL)
    expect = bytearray(old)
    for so, do, length in windows:
        expect[do : do + length] = data[so : so + length]
    assert m.k.platform.read(dst, size) == bytes(expect)
    assert m.k.platform.read(src, size) == data
    await de.dma_release_channel(chan)
    assert m.k.dma_debug.errors == []
    await quiesce(m)
    m.tb.check_protocol()


@cocotb.test()
async def test_issue_while_running_starts_next_chain(dut: Any) -> None:
    """Transactions issued while a chain runs wait for it and go in the next chain, started
    from the completion of the first: all complete, in cookie order."""
    m = await boot(dut)
    chan = await memcpy_chan()
    dev = chan.device.dev
    size = 64 * 1024
    src, dst = kmalloc(size, GFP_DMA), kmalloc(size, GFP_DMA)
    data = m.tb.rng.randbytes(size)
    m.k.platform.write(src, data)
    m.k.platform.write(dst, bytes(size))
    s = await map_single(dev, src, size, DMA_TO_DEVICE)
    d = await map_single(dev, dst, size, DMA_FROM_DEVICE)
    waiter = Waiter(m)
    quarter = size // 4
    order = []
    for i in range(4):
        tx = await de.dmaengine_prep_dma_memcpy(
            chan, d + i * quarter, s + i * quarter, quarter, FLAGS
        )
        order.append(await submit(chan, tx, waiter, i))
        await de.dma_async_issue_pending(chan)
    await waiter.wait(4)
    assert [p for p, _ in waiter.results] == [0, 1, 2, 3]
    assert m.dmac.chains == 2, "the first alone, the three issued while it ran together"
    await dm.dma_unmap_single(dev, s, size, DMA_TO_DEVICE)
    await dm.dma_unmap_single(dev, d, size, DMA_FROM_DEVICE)
    assert m.k.platform.read(dst, size) == data
    await de.dma_release_channel(chan)
    assert m.k.dma_debug.errors == []
    await quiesce(m)
    m.tb.check_protocol()


@cocotb.test()
@cocotb.parametrize(side=["src", "dst"])
async def test_bus_error_result_and_recovery(dut: Any, side: str) -> None:
    """A memcpy whose source (destination) is a hole in the memory map: the callback gets
    DMA_TRANS_READ_FAILED (WRITE_FAILED), tx_status says DMA_ERROR; the transaction issued
    after it in the same chain is started again and completes; the channel goes on."""
    m = await boot(dut)
    chan = await memcpy_chan()
    dev = chan.device.dev
    size = 4096
    src, dst = kmalloc(size, GFP_DMA), kmalloc(size, GFP_DMA)
    data, old = m.tb.rng.randbytes(size), m.tb.rng.randbytes(size)
    m.k.platform.write(src, data)
    m.k.platform.write(dst, old)
    s = await map_single(dev, src, size, DMA_TO_DEVICE)
    d = await map_single(dev, dst, size, DMA_FROM_DEVICE)
    hole = 0x2000_0000  # no RAM, no device: DECERR
    bad = (
        await de.dmaengine_prep_dma_memcpy(chan, d, hole, 1000, FLAGS)
        if side == "src"
        else await de.dmaengine_prep_dma_memcpy(chan, hole, s, 1000, FLAGS)
    )
    waiter = Waiter(m)
    c_bad = await submit(chan, bad, waiter, "bad")
    good = await de.dmaengine_prep_dma_memcpy(chan, d + 2048, s + 100, 2000, FLAGS)
    c_good = await submit(chan, good, waiter, "good")
    await de.dma_async_issue_pending(chan)
    await waiter.wait(2)
    results = dict(waiter.results)
    want = DMA_TRANS_READ_FAILED if side == "src" else DMA_TRANS_WRITE_FAILED
    assert results["bad"].result == want, results
    assert 0 < results["bad"].residue <= 1000
    assert results["good"].result == DMA_TRANS_NOERROR
    assert await de.dmaengine_tx_status(chan, c_bad, None) == DMA_ERROR
    assert await de.dmaengine_tx_status(chan, c_good, None) == DMA_COMPLETE
    assert chan.last_error is not None and chan.last_error[1] >> 12 == hole >> 12  # type: ignore[attr-defined]
    await dm.dma_unmap_single(dev, s, size, DMA_TO_DEVICE)
    await dm.dma_unmap_single(dev, d, size, DMA_FROM_DEVICE)
    seen = m.k.platform.read(dst, size)
    assert seen[2048:4048] == data[100:2100]
    assert seen[4048:] == old[4048:]
    if side == "src":
        assert seen[:1000] == old[:1000], "no byte of a failed read is written"
    await de.dma_release_channel(chan)
    assert m.k.dma_debug.errors == []
    await quiesce(m)
    m.tb.check_protocol()


@cocotb.test()
async def test_iommu_fault_named(dut: Any) -> None:
    """Behind the IOMMU, a memcpy from an IOVA nothing is mapped at: READ_FAILED, the
    driver names the IOMMU's fault record (read from its fault queue), and the next
    transaction on the channel works."""
    m = await boot(dut, iommu=True)
    chan = await memcpy_chan()
    dev = chan.device.dev
    size = 4096
    src, dst = kmalloc(size, GFP_DMA), kmalloc(size, GFP_DMA)
    data = m.tb.rng.randbytes(size)
    m.k.platform.write(src, data)
    m.k.platform.write(dst, bytes(size))
    s = await map_single(dev, src, size, DMA_TO_DEVICE)
    d = await map_single(dev, dst, size, DMA_FROM_DEVICE)
    unmapped = 0x1234_5000
    waiter = Waiter(m)
    await submit(chan, await de.dmaengine_prep_dma_memcpy(chan, d, unmapped, 512, FLAGS), waiter, 0)
    await de.dma_async_issue_pending(chan)
    await waiter.wait(1)
    assert waiter.results[0][1].result == DMA_TRANS_READ_FAILED
    _, addr, why = chan.last_error  # type: ignore[attr-defined]
    assert addr == unmapped and why is not None, chan.last_error  # type: ignore[attr-defined]
    assert f"stream {DMAC_STREAM_ID}" in why and " read at " in why, why
    assert int(why.split()[-1], 16) >> 12 == unmapped >> 12, "a fault in the burst's page"
    await submit(chan, await de.dmaengine_prep_dma_memcpy(chan, d, s, size, FLAGS), waiter, 1)
    await de.dma_async_issue_pending(chan)
    await waiter.wait(2)
    assert waiter.results[1][1].result == DMA_TRANS_NOERROR
    await dm.dma_unmap_single(dev, s, size, DMA_TO_DEVICE)
    await dm.dma_unmap_single(dev, d, size, DMA_FROM_DEVICE)
    assert m.k.platform.read(dst, size) == data
    await de.dma_release_channel(chan)
    assert m.k.dma_debug.errors == []
    await quiesce(m)
    m.tb.check_protocol()


@cocotb.test()
async def test_pause_residue_resume_terminate(dut: Any) -> None:
    """A long memcpy paused: tx_status says DMA_PAUSED with a residue that stays put while
    paused and counts down in bursts (BURST granularity); resumed, it completes.  A second
    one terminated mid-way (terminate_sync): no callback, the channel is idle and the next
    transaction completes."""
    m = await boot(dut, mem_latency=30)
    chan = await memcpy_chan()
    caps = DmaSlaveCaps()
    assert de.dma_get_slave_caps(chan, caps) == 0
    assert caps.residue_granularity == DMA_RESIDUE_GRANULARITY_BURST
    assert caps.cmd_pause and caps.cmd_resume and caps.cmd_terminate and caps.descriptor_reuse
    dev = chan.device.dev
    size = 64 * 1024
    src, dst = kmalloc(size, GFP_DMA), kmalloc(size, GFP_DMA)
    data, old = m.tb.rng.randbytes(size), m.tb.rng.randbytes(size)
    m.k.platform.write(src, data)
    m.k.platform.write(dst, old)
    s = await map_single(dev, src, size, DMA_TO_DEVICE)
    d = await map_single(dev, dst, size, DMA_FROM_DEVICE)
    waiter = Waiter(m)
    cookie = await submit(
        chan, await de.dmaengine_prep_dma_memcpy(chan, d, s, size, FLAGS), waiter, "paused"
    )
    await de.dma_async_issue_pending(chan)
    await ClockCycles(dut.clk, 1500)
    assert await de.dmaengine_pause(chan) == 0
    state = DmaTxState()
    assert await de.dmaengine_tx_status(chan, cookie, state) == DMA_PAUSED
    first = state.residue
    assert 0 < first < size, first
    await ClockCycles(dut.clk, 1000)
    assert await de.dmaengine_tx_status(chan, cookie, state) == DMA_PAUSED
    assert state.residue == first, "nothing moves while paused"
    assert await de.dmaengine_resume(chan) == 0
    await ClockCycles(dut.clk, 300)
    assert await de.dmaengine_tx_status(chan, cookie, state) == DMA_IN_PROGRESS
    assert state.residue < first
    await waiter.wait(1)
    assert waiter.results == [("paused", DmaengineResult(DMA_TRANS_NOERROR, 0))]
    # terminate mid-way
    cookie = await submit(
        chan, await de.dmaengine_prep_dma_memcpy(chan, d, s, size, FLAGS), waiter, "killed"
    )
    await de.dma_async_issue_pending(chan)
    await ClockCycles(dut.clk, 1500)
    assert await de.dmaengine_terminate_sync(chan) == 0
    assert await m.k.platform.readl(DMAC_REGS + 0x100 + 0x04) & 1 == 0, "idle after terminate"
    await ClockCycles(dut.clk, 2000)
    assert len(waiter.results) == 1, "a terminated transaction gets no callback"
    await submit(
        chan, await de.dmaengine_prep_dma_memcpy(chan, d + 1, s + 3, 5000, FLAGS), waiter, "after"
    )
    await de.dma_async_issue_pending(chan)
    await waiter.wait(2)
    assert waiter.results[1] == ("after", DmaengineResult(DMA_TRANS_NOERROR, 0))
    await dm.dma_unmap_single(dev, s, size, DMA_TO_DEVICE)
    await dm.dma_unmap_single(dev, d, size, DMA_FROM_DEVICE)
    seen = m.k.platform.read(dst, size)
    assert seen[0:1] == data[0:1] and seen[1:5001] == data[3:5003]
    await de.dma_release_channel(chan)
    assert m.k.dma_debug.errors == []
    await quiesce(m)
    m.tb.check_protocol()


@cocotb.test()
async def test_reuse_and_misuse(dut: Any) -> None:
    """A reusable descriptor submitted three times (dmaengine_desc_set_reuse), then freed
    with dmaengine_desc_free; a channel name no dmas entry has (-ENODEV); a slave prep on
    a memcpy channel and an unsupported direction (NULL); a config the controller cannot
    do (-EINVAL); a submit after the channel was released (an error cookie)."""
    m = await boot(dut)
    chan = await memcpy_chan()
    dev = chan.device.dev
    size = 2048
    src, dst = kmalloc(size, GFP_DMA), kmalloc(size, GFP_DMA)
    s = await map_single(dev, src, size, DMA_TO_DEVICE)
    d = await map_single(dev, dst, size, DMA_FROM_DEVICE)
    waiter = Waiter(m)
    tx = await de.dmaengine_prep_dma_memcpy(chan, d, s, size, FLAGS)
    assert tx is not None and de.dmaengine_desc_set_reuse(tx) == 0
    for i in range(3):
        data = m.tb.rng.randbytes(size)
        dm.dma_sync_single_for_cpu(dev, s, size, DMA_TO_DEVICE)
        m.k.platform.write(src, data)
        dm.dma_sync_single_for_device(dev, s, size, DMA_TO_DEVICE)
        await submit(chan, tx, waiter, i)
        await de.dma_async_issue_pending(chan)
        await waiter.wait(i + 1)
        dm.dma_sync_single_for_cpu(dev, d, size, DMA_FROM_DEVICE)
        assert m.k.platform.read(dst, size) == data, f"run {i}"
        dm.dma_sync_single_for_device(dev, d, size, DMA_FROM_DEVICE)
    assert de.dmaengine_desc_free(tx) == 0
    # misuse
    node = DeviceNode("serial@0", {"dmas": [(m.node, 0)], "dma-names": ["tx"]})
    client = Device("uart0", of_node=node)
    bad = await de.dma_request_chan(client, "rx")
    assert IS_ERR(bad) and PTR_ERR(bad) == -ENODEV
    assert await de.dmaengine_prep_slave_single(chan, d, 64, DMA_DEV_TO_MEM, FLAGS) is None
    slave = await de.dma_request_chan(client, "tx")
    assert not IS_ERR(slave)
    assert isinstance(slave, de.DmaChan)
    assert await de.dmaengine_prep_slave_single(slave, d, 64, DMA_MEM_TO_MEM, FLAGS) is None
    cfg = DmaSlaveConfig(dst_addr=0x1000, dst_addr_width=16, dst_maxburst=4)
    assert de.dmaengine_slave_config(slave, cfg) == -EINVAL, "16-byte FIFO on a 64-bit bus"
    cfg = DmaSlaveConfig(dst_addr=0x1000, dst_addr_width=4, dst_maxburst=64)
    assert de.dmaengine_slave_config(slave, cfg) == -EINVAL, "burst above max_burst"
    await de.dma_release_channel(slave)
    late = await de.dmaengine_prep_dma_memcpy(chan, d, s, 64, FLAGS)
    await de.dma_release_channel(chan)
    assert late is not None and de.dma_submit_error(de.dmaengine_submit(late)) == -EINVAL
    await dm.dma_unmap_single(dev, s, size, DMA_TO_DEVICE)
    await dm.dma_unmap_single(dev, d, size, DMA_FROM_DEVICE)
    assert m.k.dma_debug.errors == []
    await quiesce(m)
    m.tb.check_protocol()


async def slave_channels(m: Machine, names: list[tuple[str, int]]) -> list[de.DmaChan]:
    node = DeviceNode(
        "client@0",
        {"dmas": [(m.node, line) for _, line in names], "dma-names": [n for n, _ in names]},
    )
    client = Device("client0", of_node=node)
    chans = []
    for name, _ in names:
        chan = await de.dma_request_chan(client, name)
        assert not IS_ERR(chan), chan
        assert isinstance(chan, de.DmaChan)
        chans.append(chan)
    return chans


@cocotb.test()
@cocotb.parametrize(iommu=[False, True])
async def test_slave_uart_tx_sg_and_rx_early_end(dut: Any, iommu: bool) -> None:
    """The slave API on the UART: TX of a message in three kmalloc pieces through one
    dmaengine_prep_slave_sg (the wire gets exactly the bytes, all through the request
    line); RX of a message shorter than the buffer, ended by the device's last request:
    the callback's residue gives the length, the bytes after it are untouched."""
    m = await boot(dut, iommu=iommu, peripherals={"uart": {"tx_cycles_per_elem": 4}})
    uart = m.tb.uart
    assert uart is not None
    tx, rx = await slave_channels(m, [("tx", UART_TX_REQ), ("rx", UART_RX_REQ)])
    dev = tx.device.dev
    fifo = await dm.dma_map_resource(dev, UART_REGS, UART_WIDTH, DMA_BIDIRECTIONAL)
    assert not dm.dma_mapping_error(dev, fifo)
    assert (
        de.dmaengine_slave_config(
            tx, DmaSlaveConfig(dst_addr=fifo, dst_addr_width=UART_WIDTH, dst_maxburst=UART_MAXBURST)
        )
        == 0
    )
    assert (
        de.dmaengine_slave_config(
            rx, DmaSlaveConfig(src_addr=fifo, src_addr_width=UART_WIDTH, src_maxburst=UART_MAXBURST)
        )
        == 0
    )
    gfp = GFP_KERNEL if iommu else GFP_DMA
    pieces = [m.tb.rng.randbytes(n) for n in (37, 200, 5)]
    bufs = [kmalloc(256, gfp) for _ in pieces]
    sgl = sg_init_table(len(pieces))
    for sg, buf, data in zip(sgl, bufs, pieces, strict=True):
        m.k.platform.write(buf, data)
        sg_set_buf(sg, buf, len(data))
    nents = await dm.dma_map_sg(dev, sgl, len(sgl), DMA_TO_DEVICE)
    assert nents > 0
    waiter = Waiter(m)
    await submit(
        tx, await de.dmaengine_prep_slave_sg(tx, sgl, nents, DMA_MEM_TO_DEV, FLAGS), waiter, "tx"
    )
    size, message = 256, m.tb.rng.randbytes(61)
    rbuf = kmalloc(size, gfp)
    old = m.tb.rng.randbytes(size)
    m.k.platform.write(rbuf, old)
    r_dma = await map_single(dev, rbuf, size, DMA_FROM_DEVICE)
    await submit(
        rx,
        await de.dmaengine_prep_slave_single(rx, r_dma, size, DMA_DEV_TO_MEM, FLAGS),
        waiter,
        "rx",
    )
    await de.dma_async_issue_pending(tx)
    await de.dma_async_issue_pending(rx)
    uart.rx_feed(message, end_of_message=True)
    await waiter.wait(2)
    results = dict(waiter.results)
    assert results["tx"] == DmaengineResult(DMA_TRANS_NOERROR, 0)
    assert results["rx"].result == DMA_TRANS_NOERROR
    received = size - results["rx"].residue
    assert received == len(message), results["rx"]
    await dm.dma_unmap_single(dev, r_dma, size, DMA_FROM_DEVICE)
    seen = m.k.platform.read(rbuf, size)
    assert seen[:received] == message and seen[received:] == old[received:]
    await dm.dma_unmap_sg(dev, sgl, len(sgl), DMA_TO_DEVICE)
    for _ in range(200):
        if len(uart.tx_log) >= sum(map(len, pieces)) and not uart.tx_level:
            break
        await ClockCycles(dut.clk, 32)
    assert uart.tx_log == list(b"".join(pieces)), "the wire sent exactly the message"
    await dm.dma_unmap_resource(dev, fifo, UART_WIDTH, DMA_BIDIRECTIONAL)
    await de.dma_release_channel(tx)
    await de.dma_release_channel(rx)
    uart.assert_clean()
    assert m.k.dma_debug.errors == []
    await quiesce(m)
    m.tb.check_protocol()

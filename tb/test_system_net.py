"""Peripheral DMA: a bus-mastering Ethernet MAC and its r6040-style driver on the system bench.

The MAC (``tb/models/nic.py``) is its own bus master on the controller's interconnect
path (same map, dma-ranges, IOMMU with stream ``NIC_STREAM_ID``, snoops when
coherent); its driver (``sw/drivers/net/ethernet/sim/simeth.py``) keeps the rings in
coherent memory and maps every packet buffer as a streaming mapping.  The kernel is
booted on the bench's CPU as in ``tb/test_system_dma_map.py``; the tests play the
network stack (frames handed to ``start_xmit``, skbs taken from the RX queue) and
the wire (``Nic.receive``, ``Nic.sent``).

Every data test checks each frame byte for byte against the frames it sent or
injected, that the MAC wrote nothing but RX frames into RX buffers and STATUS/LEN
into descriptors (its write log, and the descriptors' other fields read back), no
leak (dma-debug's check at ``device_release_driver``, kmalloc objects, swiotlb
slots), no dma-debug report, no IOMMU fault and the AXI protocol of the controller's
ports (idle throughout).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cocotb
from cocotb.triggers import ClockCycles

from sw.drivers.base.core import BusDmaRegion, Device, DeviceDriver, device_release_driver
from sw.drivers.iommu.dma_iommu import iommu_setup_dma_ops
from sw.drivers.iommu.iommu import IommuDriver
from sw.drivers.net.ethernet.sim import simeth
from sw.drivers.net.ethernet.sim.simeth import (
    ETH_ZLEN,
    MAX_BUF_SIZE,
    NETDEV_TX_OK,
    BusErrorReport,
    Simeth,
    dev_kfree_skb,
    netdev_alloc_skb,
)
from sw.init.main import Kernel, start_kernel
from sw.mm import virt_to_phys
from sw.mm.page_alloc import GFP_DMA, GFP_KERNEL
from tb.models.axi_memory import SLVERR
from tb.models.iommu import EVT_F_STREAM_DISABLED
from tb.models.nic import (
    DESC_FETCH,
    DESC_SIZE,
    ERR_RX_DATA,
    ERR_TX_DESC,
    NIC_IRQ,
    NIC_REGS,
    NIC_STREAM_ID,
    Nic,
    fcs,
)
from tb.system_tb import DMA_RANGES, IOMMU_REGS, SystemTB

WAIT_STEP = 64  # cycles between two looks at a condition
WAIT_LIMIT = 200_000  # cycles before a wait gives up (simulated time, not wall clock)


@dataclass
class Net:
    """One booted machine: bench, kernel, the MAC's device, model and driver."""

    tb: SystemTB
    k: Kernel
    dev: Device
    nic: Nic
    drv: Simeth
    iommu: IommuDriver | None
    received: list[bytes]
    kmalloc_baseline: int


async def boot(dut: Any, *, coherent: bool, iommu: bool, **options: Any) -> Net:
    """The bench (dma-ranges offset without the IOMMU), the kernel, the MAC on the
    interconnect, its device (behind the IOMMU, stream NIC_STREAM_ID, in a strict DMA
    domain), the driver probed and opened with ``options``."""
    tb = SystemTB(dut, coherent=coherent, iommu=iommu, dma_ranges=None if iommu else DMA_RANGES)
    await tb.reset()
    k = start_kernel(tb.cpu, "swiotlb=1024")
    nic = Nic(tb)
    dev = Device(
        "simeth0",
        driver=DeviceDriver(simeth.DRV_NAME),
        dma_range_map=None if iommu else [BusDmaRegion(c, b, n) for b, c, n in DMA_RANGES],
        dma_coherent=coherent,
    )
    drv_iommu = None
    if iommu:
        drv_iommu = await IommuDriver.probe(tb.cpu, IOMMU_REGS, k.zones["DMA"][0])
        dom = drv_iommu.alloc_domain(strict=True)
        await drv_iommu.attach_device(dom, NIC_STREAM_ID)
        iommu_setup_dma_ops(dev, drv_iommu, dom)
    baseline = len(k.slab._objects)  # every kmalloc object alive (no public count in slab.py)
    drv = await Simeth.probe(k.platform, dev, NIC_REGS, NIC_IRQ, **options)
    assert await drv.open() == 0
    return Net(tb, k, dev, nic, drv, drv_iommu, [], baseline)


async def wait_until(net: Net, cond: Any, what: str) -> None:
    for _ in range(WAIT_LIMIT // WAIT_STEP):
        if cond():
            return
        await ClockCycles(net.tb.dut.clk, WAIT_STEP)
    raise AssertionError(f"gave up waiting for {what} after {WAIT_LIMIT} cycles")


def drain(net: Net) -> None:
    """The stack: read every skb the driver sent up, then free it."""
    while net.drv.rx_queue:
        skb = net.drv.rx_queue.pop(0)
        net.received.append(net.k.platform.read(skb.data, skb.len))
        dev_kfree_skb(skb)


async def stack_rx(net: Net, count: int) -> None:
    """Consume received frames as they come, until ``count`` have been."""

    def done() -> bool:
        drain(net)
        return len(net.received) >= count

    await wait_until(net, done, f"{count} frames received")


async def xmit(net: Net, frames: list[bytes], gfp: int) -> None:
    """The stack's transmit path: one skb per frame, waiting while the queue is stopped."""
    drv, plat = net.drv, net.k.platform
    for frame in frames:
        while drv.netif_queue_stopped():
            await plat.delay(16)
        skb = netdev_alloc_skb(max(len(frame), ETH_ZLEN), gfp)
        assert skb is not None
        plat.write(skb.data, frame)
        skb.len = len(frame)
        assert await drv.start_xmit(skb) == NETDEV_TX_OK


async def inject(net: Net, frames: list[bytes], max_gap: int) -> None:
    """The wire: the frames arrive in order, with random idle gaps between them."""
    for frame in frames:
        net.nic.receive(frame)
        gap = net.tb.rng.randrange(max_gap + 1)
        if gap:
            await ClockCycles(net.tb.dut.clk, gap)


def random_frames(net: Net, count: int, fixed: tuple[int, ...] = ()) -> list[bytes]:
    """Frames of the lengths in ``fixed`` and then random lengths up to 1514 bytes."""
    rng = net.tb.rng
    lengths = list(fixed) + [rng.randint(14, 1514) for _ in range(count - len(fixed))]
    return [rng.randbytes(n) for n in lengths]


def padded(frame: bytes) -> bytes:
    return frame + bytes(max(0, ETH_ZLEN - len(frame)))


def check_rings(net: Net) -> None:
    """Every descriptor's NDESC still links the ring, and the bytes the MAC must never
    write (NDESC, the reserved word, the driver's 16 bytes) are as the driver left them."""
    drv = net.drv
    for ring, ring_dma, count in (
        (drv.tx_ring, drv.tx_ring_dma, drv.tx_dcnt),
        (drv.rx_ring, drv.rx_ring_dma, drv.rx_dcnt),
    ):
        raw = net.k.platform.read(ring, count * DESC_SIZE)
        for i in range(count):
            desc = raw[i * DESC_SIZE : (i + 1) * DESC_SIZE]
            ndesc = ring_dma + ((i + 1) % count) * DESC_SIZE
            assert int.from_bytes(desc[8:12], "little") == ndesc, (i, desc.hex())
            assert desc[12:] == bytes(20), (i, desc.hex())


def check_writes(net: Net, rx_lengths: list[int], n_rx_status: int, n_tx: int) -> None:
    """The MAC's write log: TX wrote only 2-byte STATUS words, at the TX ring's slots in
    order; RX wrote each delivered frame with its FCS (``rx_lengths``, in order) and a
    4-byte STATUS/LEN at the RX ring's slots in order; nothing else."""
    drv, log = net.drv, net.nic.bus_writes
    assert {kind for kind, _, _ in log} <= {"tx-status", "rx-status", "rx-data"}, log
    tx = [(a, n) for kind, a, n in log if kind == "tx-status"]
    assert tx == [(drv.tx_ring_dma + (i % drv.tx_dcnt) * DESC_SIZE, 2) for i in range(n_tx)]
    rx = [(a, n) for kind, a, n in log if kind == "rx-status"]
    ring = drv.rx_ring_dma
    assert rx == [(ring + (i % drv.rx_dcnt) * DESC_SIZE, 4) for i in range(n_rx_status)]
    assert [n for kind, _, n in log if kind == "rx-data"] == rx_lengths


async def shutdown(net: Net, iommu_faults: int = 0) -> None:
    """close, unbind (dma-debug's leak check), and check nothing is left anywhere;
    ``iommu_faults``: the pages of the MAC's bursts the IOMMU refused, all checked."""
    assert await net.drv.close() == 0
    device_release_driver(net.dev)
    drain(net)
    assert net.k.dma_debug.errors == []
    assert len(net.k.slab._objects) == net.kmalloc_baseline, "skbs leaked"
    assert net.k.swiotlb.used == 0
    if net.iommu is not None:
        assert await net.iommu.read_faults() == []
    assert net.nic.stats.iommu_faults == iommu_faults
    assert net.tb.port.stats.read_bursts == 0 and net.tb.port.stats.write_bursts == 0
    net.tb.check_protocol()


@cocotb.test()
@cocotb.parametrize(coherent=[False, True], iommu=[False, True])
async def test_loopback_both_ways(dut: Any, coherent: bool, iommu: bool) -> None:
    """Frames of random sizes both ways at once: the stack transmits 24 (padded to
    ETH_ZLEN on the wire) while 24 arrive from the wire, over rings of 16 that wrap;
    frames under 256 bytes take the copybreak (sync) path, the others the unmap path.
    skb data is GFP_DMA for (non-coherent, no IOMMU) and (coherent, IOMMU), GFP_KERNEL
    (above 4 GiB: swiotlb without the IOMMU, none with it) for the other two."""
    gfp = GFP_DMA if coherent == iommu else GFP_KERNEL
    net = await boot(dut, coherent=coherent, iommu=iommu, skb_gfp=gfp, rx_copybreak=256)
    edges = (14, 59, 60, 61, 255, 256, 1514)
    tx_frames = random_frames(net, 24, edges)
    rx_frames = random_frames(net, 24, edges[::-1])
    consumer = cocotb.start_soon(stack_rx(net, len(rx_frames)))
    wire = cocotb.start_soon(inject(net, rx_frames, max_gap=400))
    await xmit(net, tx_frames, gfp)
    await wire
    await consumer
    await wait_until(
        net,
        lambda: len(net.nic.sent) == len(tx_frames) and net.drv.tx_free_desc == net.drv.tx_dcnt,
        "every frame on the wire and its descriptor reclaimed",
    )
    await wait_until(net, net.nic.idle, "the MAC idle")
    assert net.nic.sent == [padded(f) for f in tx_frames]
    assert net.received == rx_frames
    check_rings(net)
    check_writes(net, [len(f) + 4 for f in rx_frames], len(rx_frames), len(tx_frames))
    stats = await net.drv.get_stats()
    assert (stats.tx_packets, stats.rx_packets) == (len(tx_frames), len(rx_frames))
    assert stats.tx_bytes == sum(len(padded(f)) for f in tx_frames)
    assert stats.rx_bytes == sum(len(f) for f in rx_frames)
    assert stats.rx_missed_errors == stats.rx_errors == stats.tx_errors == 0
    assert stats.rx_dropped == stats.tx_dropped == 0
    if iommu:
        assert net.tb.iommu is not None
        assert net.tb.iommu.stats.hits + net.tb.iommu.stats.misses > 0, "nothing translated"
    await shutdown(net)


@cocotb.test()
async def test_rx_ring_full_and_oversize(dut: Any) -> None:
    """With the driver's interrupt taken away, 16 + 3 frames arrive: the 16 descriptors
    fill, the last 3 frames are dropped and counted (RX_MISSED, RX_NO_DESC), and once
    the handler is back all 16 go up intact.  A frame longer than the buffer gets
    RX_ERR_BUF: no byte of it is written, the descriptor comes back, and the frame after
    it is received."""
    net = await boot(dut, coherent=False, iommu=False, skb_gfp=GFP_DMA)
    tb, drv = net.tb, net.drv
    tb.cpu.free_irq(NIC_IRQ, drv.r6040_interrupt)  # as disable_irq would
    frames = random_frames(net, drv.rx_dcnt + 3)
    await inject(net, frames, max_gap=0)
    await wait_until(net, net.nic.idle, "the MAC idle")
    assert net.nic.rx_missed == 3 and net.received == [] and drv.rx_queue == []
    tb.cpu.request_irq(NIC_IRQ, drv.r6040_interrupt, simeth.DRV_NAME)
    await stack_rx(net, drv.rx_dcnt)
    assert net.received == frames[: drv.rx_dcnt]
    assert (await drv.get_stats()).rx_missed_errors == 3
    giant, after = net.tb.rng.randbytes(MAX_BUF_SIZE - 3), net.tb.rng.randbytes(100)
    await inject(net, [giant, after], max_gap=0)
    await stack_rx(net, drv.rx_dcnt + 1)
    await wait_until(net, net.nic.idle, "the MAC idle")
    assert net.received == [*frames[: drv.rx_dcnt], after]
    assert drv.stats.rx_length_errors == 1 and drv.stats.rx_errors == 1
    lengths = [len(f) + 4 for f in [*frames[: drv.rx_dcnt], after]]
    check_writes(net, lengths, drv.rx_dcnt + 2, 0)
    check_rings(net)
    await shutdown(net)


def _differ_from(new: bytes, old: bytes) -> bytes:
    """``new`` with every byte that happens to equal ``old`` changed."""
    return bytes(n ^ 0x5A if n == o else n for n, o in zip(new, old, strict=True))


@cocotb.test()
@cocotb.parametrize(variant=["bug", "fixed", "bug_coh"])
async def test_rx_read_before_sync(dut: Any, variant: str) -> None:
    """The classic bug: a driver that copies a received frame out of its recycled RX
    buffer without dma_sync_single_for_cpu.  Four 1 KiB frames fill a ring of four,
    then four more, each differing in every byte from the one before in its buffer.
    On the non-coherent CPU the buggy copy of the second round reads the lines the
    first round's copy left in the cache: every byte is the previous frame's, while
    memory holds the new one; dma-debug names each of the eight reads.  With the sync
    every frame is right and nothing is reported; on a coherent CPU (``bug_coh``) the
    data is right (the interconnect invalidated the lines) but dma-debug still names
    the bug."""
    coherent = variant == "bug_coh"
    net = await boot(
        dut,
        coherent=coherent,
        iommu=False,
        skb_gfp=GFP_DMA,
        rx_dcnt=4,
        rx_copybreak=MAX_BUF_SIZE + 1,  # every frame is copied, every buffer recycled
        bug_no_sync_for_cpu=variant != "fixed",
    )
    drv, rng = net.drv, net.tb.rng
    first = [rng.randbytes(1024) for _ in range(4)]
    second = [_differ_from(rng.randbytes(1024), f) for f in first]
    await inject(net, first, max_gap=0)
    await stack_rx(net, 4)
    assert net.received == first, "the first use of each buffer is right"
    await inject(net, second, max_gap=0)
    await stack_rx(net, 8)
    await wait_until(net, net.nic.idle, "the MAC idle")
    for j, frame in enumerate(second):  # the device's write is in memory in every case
        pa = virt_to_phys(drv.rx_skb[j].data)  # type: ignore[union-attr]
        assert net.tb.map.read(pa, 1024 + 4) == frame + fcs(frame)
    errors = net.k.dma_debug.errors
    if variant == "fixed":
        assert net.received[4:] == second and errors == []
    else:
        expected = first if variant == "bug" else second
        assert net.received[4:] == expected
        assert len(errors) == 8, errors
        assert all(
            e.startswith("DMA-API: simeth simeth0: cpu reading DMA memory the device owns")
            and "[mapped with DMA_FROM_DEVICE]" in e
            for e in errors
        ), errors
        net.k.dma_debug.errors.clear()  # reported and checked; the rest must be clean
    check_writes(net, [1028] * 8, 8, 0)
    await shutdown(net)


@cocotb.test()
@cocotb.parametrize(fault=["iommu", "slverr"])
async def test_bus_errors(dut: Any, fault: str) -> None:
    """The MAC's own bus errors: ``iommu``, its stream detached from the IOMMU, the next
    TX descriptor fetch faults (F_STREAM_DISABLED, stream NIC_STREAM_ID, at the
    descriptor's IOVA) and nothing goes on the wire; ``slverr``, the first 64 bytes of
    an RX buffer answer SLVERR to writes: those beats are not written, the rest of the
    frame is, and the frame is not delivered.  Either way ISR.BUS_ERR names the access
    and its bus address, the engine stops, and close gives everything back."""
    iommu = fault == "iommu"
    net = await boot(dut, coherent=False, iommu=iommu, skb_gfp=GFP_DMA)
    tb, drv = net.tb, net.drv
    if iommu:
        assert net.iommu is not None
        frames = random_frames(net, 2, (200, 300))
        await xmit(net, frames[:1], GFP_DMA)
        await wait_until(net, lambda: len(net.nic.sent) == 1, "the first frame sent")
        await net.iommu.detach_device(NIC_STREAM_ID)
        await xmit(net, frames[1:], GFP_DMA)
        await wait_until(net, lambda: bool(drv.bus_errors), "the bus error reported")
        desc = drv.tx_ring_dma + DESC_SIZE
        assert drv.bus_errors == [BusErrorReport(ERR_TX_DESC, desc, SLVERR)]
        assert drv.stats.tx_errors == 1 and net.nic.tx_halted
        assert net.nic.stats.read_slverr == DESC_FETCH // 8, "both beats of the fetch refused"
        await wait_until(net, net.nic.idle, "the MAC idle")
        assert net.nic.sent == [padded(frames[0])]
        faults = await net.iommu.read_faults()
        assert faults and all(
            f.event == EVT_F_STREAM_DISABLED and f.stream_id == NIC_STREAM_ID and f.rnw
            for f in faults
        ), [str(f) for f in faults]
        assert faults[0].iova == desc
        await shutdown(net, iommu_faults=len(faults))
    else:
        buf_pa = virt_to_phys(drv.rx_skb[0].data)  # type: ignore[union-attr]
        before = tb.map.read(buf_pa, 64)
        tb.port.add_error_region(buf_pa, 64, "SLVERR", "w")
        frame = net.tb.rng.randbytes(500)
        await inject(net, [frame], max_gap=0)
        await wait_until(net, lambda: bool(drv.bus_errors), "the bus error reported")
        assert drv.bus_errors == [BusErrorReport(ERR_RX_DATA, drv.rx_dma[0], SLVERR)]
        assert drv.stats.rx_errors == 1 and net.nic.rx_halted
        assert net.nic.stats.write_slverr == 1 and net.nic.stats.read_slverr == 0
        await wait_until(net, net.nic.idle, "the MAC idle")
        tb.port.clear_error_regions()
        assert tb.map.read(buf_pa, 64) == before, "a beat answered SLVERR was written"
        assert tb.map.read(buf_pa + 64, 504 - 64) == (frame + fcs(frame))[64:]
        assert net.received == [] and drv.rx_queue == [] and drv.stats.rx_packets == 0
        assert [kind for kind, _, _ in net.nic.bus_writes] == ["rx-data"], "no status write"
        await shutdown(net)

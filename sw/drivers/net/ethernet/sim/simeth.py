"""simeth: the driver of the system bench's bus-mastering Ethernet MAC, written as r6040.c.

The MAC walks two rings of 32-byte descriptors with an OWN bit, like the RDC R6040,
and this driver follows ``drivers/net/ethernet/rdc/r6040.c`` function by function
(each method's docstring names the one it models):

* the rings live in coherent memory (``dma_alloc_coherent``): the CPU and the MAC
  read and write descriptors with no sync (uncached for a non-coherent device,
  snooped for a coherent one), and the CPU's store of OWN is the handover;
* every packet buffer is a streaming mapping: a frame to send is mapped
  ``DMA_TO_DEVICE`` in :meth:`Simeth.start_xmit` and unmapped when the MAC has
  handed its descriptor back (:meth:`Simeth.r6040_tx`); an RX buffer is mapped
  ``DMA_FROM_DEVICE`` when it is given to the MAC and, once the MAC cleared OWN,
  unmapped (``dma_unmap_single``) before the CPU looks at the packet, which then
  goes up the stack in that buffer while a new one takes its place
  (:meth:`Simeth.r6040_rx`).  Frames shorter than ``rx_copybreak`` are copied
  instead: ``dma_sync_single_for_cpu``, copy into a small skb,
  ``dma_sync_single_for_device``, and the buffer goes straight back to the MAC
  (the copybreak of many Linux drivers; r6040 has none);
* every mapping is checked with ``dma_mapping_error``; :meth:`Simeth.close` gives
  every mapping, skb, ring and the interrupt back, so dma-debug's leak check at
  ``device_release_driver`` finds nothing.

The hardware interface below is the model's documentation copied as a driver's
header would (``sw/`` never imports the model); ``tests/test_system_net.py``
checks that the two agree.

The classic bug, on purpose: ``bug_no_sync_for_cpu=True`` makes the copybreak
path copy the frame out of the RX buffer without ``dma_sync_single_for_cpu``,
while the device still owns it.  On a non-coherent CPU the copy then reads
whatever lines of the buffer the cache still holds from the frame before (the
map- and sync_for_device-time clean leaves them valid on arm64), and dma-debug's
CPU-access check names the read.

Differences from r6040.c and Linux:

* The "net core" parts are minimal stand-ins defined here: :class:`SkBuff`
  (``struct sk_buff``: head, data, len), ``netdev_alloc_skb``/``dev_kfree_skb``
  over ``kmalloc``/``kfree``, ``skb_put``, ``skb_put_padto``, the queue's
  stop/wake flag, and ``netif_receive_skb`` as a callback (default: append to
  :attr:`Simeth.rx_queue`, the stack consumes and frees).  They belong in
  include/linux/skbuff.h and net/core/ once ``sw/`` has them.
* NAPI without a softirq: the interrupt handler masks RX/TX interrupts as
  ``r6040_interrupt`` does and runs :meth:`Simeth.r6040_poll` itself, budget by
  budget, until a poll does less than its budget (``napi_complete_done``), then
  unmasks.  ``napi_disable`` waits for a running poll.
* The driver's per-descriptor pointers (``vbufp``, ``vndescp``, ``skb_ptr`` in
  the descriptor's last 16 bytes in r6040.c) are Python lists indexed by ring
  slot; those bytes of the descriptors stay zero.
* ISR is write-one-to-clear (r6040's MISR clears on read); registers are 32-bit
  (r6040's are 16-bit); errors of the MAC's own bus master (BUS_ERR, an IOMMU
  fault or a bus error) are reported with the failing bus address and counted in
  ``tx_errors``/``rx_errors``; the engine stays stopped until the next open.
* No PHY, MDIO, MAC address or multicast handling, no ethtool, no TX timeout.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sw.drivers.base.core import Device
from sw.include.linux.dma_mapping import DMA_FROM_DEVICE, DMA_TO_DEVICE, ENOMEM
from sw.kernel.dma import mapping as dm
from sw.mm.page_alloc import GFP_KERNEL
from sw.mm.slab import kfree, kmalloc, ksize
from sw.platform import IRQ_HANDLED, IRQ_NONE, Platform

log = logging.getLogger(__name__)

DRV_NAME = "simeth"

# -- the hardware interface (the model's documentation, tb/models/nic.py) ---------------------

SIMETH_ID = 0x4E49_4301
SIMETH_ID_REG = 0x00
SIMETH_CTRL = 0x04  # MCR0
SIMETH_STATUS = 0x08
SIMETH_TX_POLL = 0x0C  # MTPR
SIMETH_TX_RING = 0x10  # MTD_SA0/1
SIMETH_RX_RING = 0x14  # MRD_SA0/1
SIMETH_RX_BUF_SIZE = 0x18  # MR_BSR
SIMETH_ISR = 0x1C  # MISR
SIMETH_IER = 0x20  # MIER
SIMETH_TX_CUR = 0x24
SIMETH_RX_CUR = 0x28
SIMETH_ERR_ADDR = 0x2C
SIMETH_ERR_INFO = 0x30
SIMETH_TX_PKTS = 0x34  # MT_CNT
SIMETH_RX_PKTS = 0x38  # MR_CNT
SIMETH_RX_MISSED = 0x3C
SIMETH_RX_ERRORS = 0x40

MCR0_XMTEN = 1 << 0
MCR0_RCVEN = 1 << 1
MAC_RST = 1 << 31
TM2TX = 1 << 0
MSK_INT = 0
RX_FINISH = 1 << 0
RX_NO_DESC = 1 << 1
TX_FINISH = 1 << 4
BUS_ERR = 1 << 15
RX_INTS = RX_FINISH | RX_NO_DESC
TX_INTS = TX_FINISH
INT_MASK = RX_INTS | TX_INTS | BUS_ERR
ERR_INFO_WHAT_MASK = 0xF
ERR_INFO_RESP_SHIFT = 8
ERR_TX_DESC, ERR_TX_DATA, ERR_TX_STATUS = 1, 2, 3
ERR_RX_DESC, ERR_RX_DATA, ERR_RX_STATUS = 4, 5, 6

DESC_SIZE = 32  # struct r6040_descriptor, __aligned(32)
DSC_OWNER_MAC = 0x8000
DSC_RX_OK = 0x4000
DSC_RX_ERR = 0x0800
DSC_RX_ERR_BUF = 0x0200

TX_DCNT = 16  # r6040: 0x80 each; smaller rings wrap sooner in a short simulation
RX_DCNT = 16
MAX_BUF_SIZE = 0x600
ETH_ZLEN = 60
ETH_FCS_LEN = 4
MAC_DEF_TIMEOUT = 2048
NAPI_WEIGHT = 64

NETDEV_TX_OK = 0
NETDEV_TX_BUSY = 0x10


# -- the net core's part, minimal ------------------------------------------------------------


@dataclass(eq=False)
class SkBuff:
    """``struct sk_buff``, what a driver touches of it: the kmalloc'ed buffer ``head``,
    ``data`` (here always ``head``) and ``len`` bytes of packet."""

    head: int
    size: int
    len: int = 0

    @property
    def data(self) -> int:
        return self.head


def netdev_alloc_skb(size: int, gfp: int = GFP_KERNEL) -> SkBuff | None:
    """``netdev_alloc_skb``: a buffer of at least ``size`` bytes, or None (NULL)."""
    try:
        head = kmalloc(size, gfp)
    except MemoryError:
        return None
    return SkBuff(head, ksize(head))


def dev_kfree_skb(skb: SkBuff) -> None:
    kfree(skb.head)


def skb_put(skb: SkBuff, length: int) -> int:
    """``skb_put``: extend the packet by ``length`` bytes; returns where they start."""
    if skb.len + length > skb.size:
        raise ValueError(f"skb_put: {skb.len} + {length} bytes over a {skb.size}-byte buffer")
    at = skb.data + skb.len
    skb.len += length
    return at


def skb_put_padto(platform: Platform, skb: SkBuff, length: int) -> int:
    """``skb_put_padto``: zero-pad the packet to ``length`` bytes; -ENOMEM (the skb freed)
    when the buffer has no room, as Linux does when it cannot reallocate."""
    if skb.len >= length:
        return 0
    if length > skb.size:
        dev_kfree_skb(skb)
        return -ENOMEM
    platform.write(skb.data + skb.len, bytes(length - skb.len))
    skb.len = length
    return 0


@dataclass
class NetDeviceStats:
    """``struct net_device_stats``, the fields this driver fills."""

    rx_packets: int = 0
    rx_bytes: int = 0
    tx_packets: int = 0
    tx_bytes: int = 0
    rx_dropped: int = 0
    tx_dropped: int = 0
    rx_errors: int = 0
    tx_errors: int = 0
    rx_length_errors: int = 0
    rx_missed_errors: int = 0


@dataclass
class BusErrorReport:
    """One BUS_ERR the MAC raised: which access (``ERR_*``), its bus address, response."""

    what: int
    addr: int
    resp: int


# -- the driver -------------------------------------------------------------------------------


@dataclass(eq=False)
class Simeth:
    """One MAC (``struct r6040_private`` with its ``net_device``).  Build it with
    :meth:`probe`; ``platform`` is the kernel's (checked) platform, ``dev`` the device
    whose DMA ops and dma-debug entries the mappings use, ``regs`` the registers'
    physical address, ``irq`` the interrupt line.

    ``skb_gfp`` is where skb data comes from (``GFP_KERNEL``: above 4 GiB on the bench,
    bounced by swiotlb without an IOMMU; ``GFP_DMA``: below), ``rx_copybreak`` the frame
    length under which a received frame is copied (0: never), ``bug_no_sync_for_cpu``
    the classic bug (module docstring).  ``rx_handler`` is ``netif_receive_skb``."""

    platform: Platform
    dev: Device
    regs: int
    irq: int
    name: str = "eth0"
    tx_dcnt: int = TX_DCNT
    rx_dcnt: int = RX_DCNT
    skb_gfp: int = GFP_KERNEL
    rx_copybreak: int = 0
    napi_weight: int = NAPI_WEIGHT
    bug_no_sync_for_cpu: bool = False
    rx_handler: Callable[[SkBuff], None] | None = None
    stats: NetDeviceStats = field(default_factory=NetDeviceStats)
    rx_queue: list[SkBuff] = field(default_factory=list)
    bus_errors: list[BusErrorReport] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tx_ring: int = 0  # CPU address of the TX ring (coherent)
        self.rx_ring: int = 0
        self.tx_ring_dma: int = 0
        self.rx_ring_dma: int = 0
        self.tx_skb: list[SkBuff | None] = []
        self.tx_dma: list[int] = []
        self.rx_skb: list[SkBuff | None] = []
        self.rx_dma: list[int] = []
        self.tx_insert = self.tx_remove = self.rx_remove = 0
        self.tx_free_desc = 0
        self._queue_stopped = True
        self._napi_enabled = False
        self._napi_running = False
        self._in_irq = False
        self._irq_requested = False
        self.is_open = False

    # -- probe ---------------------------------------------------------------------------------

    @classmethod
    async def probe(
        cls, platform: Platform, dev: Device, regs: int, irq: int, **kw: object
    ) -> Simeth:
        """``r6040_init_one``: check the MAC answers with its ID; RuntimeError (-ENODEV)
        otherwise.  Keyword arguments are the driver's options (class docstring)."""
        ident = await platform.readl(regs + SIMETH_ID_REG)
        if ident != SIMETH_ID:
            raise RuntimeError(f"{DRV_NAME}: no MAC at {regs:#x} (ID {ident:#010x})")
        nic = cls(platform, dev, regs, irq, **kw)  # type: ignore[arg-type]
        log.info("%s: %s at %#x, irq %d", DRV_NAME, nic.name, regs, irq)
        return nic

    # -- registers and descriptors ---------------------------------------------------------

    async def _readl(self, offset: int) -> int:
        return await self.platform.readl(self.regs + offset)

    async def _writel(self, value: int, offset: int) -> None:
        await self.platform.writel(value, self.regs + offset)

    def _desc_status(self, ring: int, i: int) -> tuple[int, int]:
        raw = self.platform.read(ring + i * DESC_SIZE, 4)
        return int.from_bytes(raw[0:2], "little"), int.from_bytes(raw[2:4], "little")

    def _set_status(self, ring: int, i: int, status: int) -> None:
        self.platform.write(ring + i * DESC_SIZE, status.to_bytes(2, "little"))

    def _set_len_buf(self, ring: int, i: int, length: int, buf: int) -> None:
        at = ring + i * DESC_SIZE
        self.platform.write(at + 2, length.to_bytes(2, "little") + buf.to_bytes(4, "little"))

    def _set_buf(self, ring: int, i: int, buf: int) -> None:
        self.platform.write(ring + i * DESC_SIZE + 4, buf.to_bytes(4, "little"))

    def r6040_init_ring_desc(self, ring: int, ring_dma: int, size: int) -> None:
        """``r6040_init_ring_desc``: link the descriptors into a ring by bus address."""
        for i in range(size):
            ndesc = ring_dma + ((i + 1) % size) * DESC_SIZE
            self.platform.write(ring + i * DESC_SIZE + 8, ndesc.to_bytes(4, "little"))

    # -- the queue (netif_*_queue) -----------------------------------------------------------

    def netif_queue_stopped(self) -> bool:
        return self._queue_stopped

    def _netif_receive_skb(self, skb: SkBuff) -> None:
        if self.rx_handler is not None:
            self.rx_handler(skb)
        else:
            self.rx_queue.append(skb)

    # -- open --------------------------------------------------------------------------------

    async def r6040_reset_mac(self) -> None:
        """``r6040_reset_mac``: MAC_RST, then wait until the MAC says it is done (its
        bursts in flight have finished); TimeoutError after MAC_DEF_TIMEOUT polls."""
        await self._writel(MAC_RST, SIMETH_CTRL)
        for _ in range(MAC_DEF_TIMEOUT):
            if not await self._readl(SIMETH_CTRL) & MAC_RST:
                return
            await self.platform.delay(1)
        raise TimeoutError(f"{DRV_NAME}: {self.name}: MAC reset did not complete")

    def r6040_init_txbufs(self) -> None:
        """``r6040_init_txbufs``."""
        self.tx_free_desc = self.tx_dcnt
        self.tx_insert = self.tx_remove = 0
        self.tx_skb = [None] * self.tx_dcnt
        self.tx_dma = [0] * self.tx_dcnt
        self.r6040_init_ring_desc(self.tx_ring, self.tx_ring_dma, self.tx_dcnt)

    async def _map_rx(self, skb: SkBuff) -> int | None:
        dma = await dm.dma_map_single(self.dev, skb.data, MAX_BUF_SIZE, DMA_FROM_DEVICE)
        if dm.dma_mapping_error(self.dev, dma):
            return None
        return dma

    async def r6040_alloc_rxbufs(self) -> int:
        """``r6040_alloc_rxbufs``: an skb per RX descriptor, mapped DMA_FROM_DEVICE, given
        to the MAC (OWN); -ENOMEM with everything undone."""
        self.rx_remove = 0
        self.rx_skb = [None] * self.rx_dcnt
        self.rx_dma = [0] * self.rx_dcnt
        self.r6040_init_ring_desc(self.rx_ring, self.rx_ring_dma, self.rx_dcnt)
        for i in range(self.rx_dcnt):
            skb = netdev_alloc_skb(MAX_BUF_SIZE, self.skb_gfp)
            dma = None if skb is None else await self._map_rx(skb)
            if skb is None or dma is None:
                if skb is not None:
                    dev_kfree_skb(skb)
                await self.r6040_free_rxbufs()
                return -ENOMEM
            self.rx_skb[i], self.rx_dma[i] = skb, dma
            self._set_len_buf(self.rx_ring, i, 0, dma)
            self._set_status(self.rx_ring, i, DSC_OWNER_MAC)
        return 0

    async def r6040_init_mac_regs(self) -> None:
        """``r6040_init_mac_regs``: mask, reset, buffer size, ring bases, unmask, enable
        TX and RX, let TX poll."""
        await self._writel(MSK_INT, SIMETH_IER)
        await self.r6040_reset_mac()
        await self._writel(MAX_BUF_SIZE, SIMETH_RX_BUF_SIZE)
        await self._writel(self.tx_ring_dma, SIMETH_TX_RING)
        await self._writel(self.rx_ring_dma, SIMETH_RX_RING)
        await self._writel(INT_MASK, SIMETH_IER)
        await self._writel(MCR0_XMTEN | MCR0_RCVEN, SIMETH_CTRL)
        await self._writel(TM2TX, SIMETH_TX_POLL)

    async def open(self) -> int:
        """``r6040_open`` (with ``r6040_up``): request the interrupt, reset the MAC,
        allocate both rings in coherent memory, fill the RX ring, program and start the
        MAC.  0, or -ENOMEM with everything given back."""
        self.platform.request_irq(self.irq, self.r6040_interrupt, DRV_NAME)
        self._irq_requested = True
        await self.r6040_reset_mac()
        rx = await dm.dma_alloc_coherent(self.dev, self.rx_dcnt * DESC_SIZE)
        if rx is None:
            self._free_irq()
            return -ENOMEM
        tx = await dm.dma_alloc_coherent(self.dev, self.tx_dcnt * DESC_SIZE)
        if tx is None:
            await dm.dma_free_coherent(self.dev, self.rx_dcnt * DESC_SIZE, *rx)
            self._free_irq()
            return -ENOMEM
        self.rx_ring, self.rx_ring_dma = rx
        self.tx_ring, self.tx_ring_dma = tx
        self.r6040_init_txbufs()
        ret = await self.r6040_alloc_rxbufs()
        if ret:
            await self._free_rings()
            self._free_irq()
            return ret
        await self.r6040_init_mac_regs()
        self._napi_enabled = True  # napi_enable
        self._queue_stopped = False  # netif_start_queue
        self.is_open = True
        return 0

    # -- transmit ------------------------------------------------------------------------------

    async def start_xmit(self, skb: SkBuff) -> int:
        """``r6040_start_xmit``: pad to ETH_ZLEN, map the frame DMA_TO_DEVICE, fill the
        next TX descriptor, give it to the MAC (OWN last) and kick it (TM2TX).
        NETDEV_TX_BUSY when no descriptor is free (the queue is stopped); a frame that
        cannot be padded or mapped is dropped (NETDEV_TX_OK, ``tx_dropped``)."""
        if skb_put_padto(self.platform, skb, ETH_ZLEN) < 0:
            self.stats.tx_dropped += 1
            return NETDEV_TX_OK
        if not self.tx_free_desc:
            self._queue_stopped = True
            log.error("%s: %s: no tx descriptor", DRV_NAME, self.name)
            return NETDEV_TX_BUSY
        dma = await dm.dma_map_single(self.dev, skb.data, skb.len, DMA_TO_DEVICE)
        if dm.dma_mapping_error(self.dev, dma):
            dev_kfree_skb(skb)
            self.stats.tx_dropped += 1
            return NETDEV_TX_OK
        # The critical section (spin_lock_irqsave in r6040.c): no await until OWN is set.
        i = self.tx_insert
        self.tx_free_desc -= 1
        self.tx_skb[i], self.tx_dma[i] = skb, dma
        self._set_len_buf(self.tx_ring, i, skb.len, dma)
        self._set_status(self.tx_ring, i, DSC_OWNER_MAC)
        self.tx_insert = (i + 1) % self.tx_dcnt
        if not self.tx_free_desc:
            self._queue_stopped = True  # netif_stop_queue
        await self._writel(TM2TX, SIMETH_TX_POLL)
        return NETDEV_TX_OK

    async def r6040_tx(self) -> None:
        """``r6040_tx``: reclaim the descriptors the MAC handed back, in order: unmap each
        frame (DMA_TO_DEVICE, the mapped length), count and free it; wake the queue."""
        done: list[tuple[SkBuff, int]] = []
        while self.tx_free_desc < self.tx_dcnt:  # no await: the ring state moves at once
            i = self.tx_remove
            status, _ = self._desc_status(self.tx_ring, i)
            if status & DSC_OWNER_MAC:
                break
            skb, dma = self.tx_skb[i], self.tx_dma[i]
            assert skb is not None
            done.append((skb, dma))
            self.tx_skb[i] = None
            self.tx_remove = (i + 1) % self.tx_dcnt
            self.tx_free_desc += 1
        for skb, dma in done:
            self.stats.tx_packets += 1
            self.stats.tx_bytes += skb.len
            await dm.dma_unmap_single(self.dev, dma, skb.len, DMA_TO_DEVICE)
            dev_kfree_skb(skb)
        if self.tx_free_desc and self.is_open:
            self._queue_stopped = False  # netif_wake_queue

    # -- receive -------------------------------------------------------------------------------

    async def r6040_rx(self, limit: int) -> int:
        """``r6040_rx``: for each descriptor the MAC handed back (OWN clear), up to
        ``limit``: count an error and give the buffer back; or (frame of at least
        ``rx_copybreak`` bytes) map a new buffer, ``dma_unmap_single`` the filled one
        BEFORE anything reads it, send it up without the FCS and put the new one in
        its place; or (shorter frame) ``dma_sync_single_for_cpu``, copy the frame into a
        small skb, ``dma_sync_single_for_device`` and reuse the buffer.  Each
        descriptor goes back to the MAC with OWN, last."""
        count = 0
        while count < limit:
            i = self.rx_remove
            status, length = self._desc_status(self.rx_ring, i)
            if status & DSC_OWNER_MAC:
                break
            if status & DSC_RX_ERR or not status & DSC_RX_OK:
                self.stats.rx_errors += 1
                if status & DSC_RX_ERR_BUF:
                    self.stats.rx_length_errors += 1
            else:
                await self._rx_one(i, length - ETH_FCS_LEN)
            self._set_status(self.rx_ring, i, DSC_OWNER_MAC)  # back to the MAC
            self.rx_remove = (i + 1) % self.rx_dcnt
            count += 1
        return count

    async def _rx_one(self, i: int, pkt_len: int) -> None:
        old, old_dma = self.rx_skb[i], self.rx_dma[i]
        assert old is not None
        if pkt_len < self.rx_copybreak:
            skb = netdev_alloc_skb(max(pkt_len, 1), GFP_KERNEL)
            if not self.bug_no_sync_for_cpu:
                dm.dma_sync_single_for_cpu(self.dev, old_dma, pkt_len, DMA_FROM_DEVICE)
            if skb is None:
                self.stats.rx_dropped += 1
            else:
                self.platform.write(skb.data, self.platform.read(old.data, pkt_len))
                skb.len = pkt_len
            dm.dma_sync_single_for_device(self.dev, old_dma, pkt_len, DMA_FROM_DEVICE)
        else:
            new = netdev_alloc_skb(MAX_BUF_SIZE, self.skb_gfp)
            new_dma = None if new is None else await self._map_rx(new)
            if new is None or new_dma is None:
                if new is not None:
                    dev_kfree_skb(new)
                self.stats.rx_dropped += 1  # the old buffer stays with the MAC
                return
            await dm.dma_unmap_single(self.dev, old_dma, MAX_BUF_SIZE, DMA_FROM_DEVICE)
            skb = old
            skb.len = pkt_len  # skb_put(skb_ptr, descptr->len - 4)
            self.rx_skb[i], self.rx_dma[i] = new, new_dma
            self._set_buf(self.rx_ring, i, new_dma)
        if skb is not None:
            self.stats.rx_packets += 1
            self.stats.rx_bytes += pkt_len
            self._netif_receive_skb(skb)

    # -- interrupt and NAPI --------------------------------------------------------------------

    async def r6040_poll(self, budget: int) -> int:
        """``r6040_poll``: reclaim TX, receive up to ``budget`` frames; under budget,
        ``napi_complete_done`` and unmask RX/TX interrupts."""
        await self.r6040_tx()
        work_done = await self.r6040_rx(budget)
        if work_done < budget:
            ier = await self._readl(SIMETH_IER)
            await self._writel(ier | RX_INTS | TX_INTS, SIMETH_IER)
        return work_done

    async def _napi(self) -> None:
        """The softirq's part: poll budget by budget until a poll completes."""
        self._napi_running = True
        try:
            while self._napi_enabled:
                if await self.r6040_poll(self.napi_weight) < self.napi_weight:
                    break
        finally:
            self._napi_running = False

    async def r6040_interrupt(self, irq: int) -> int:
        """``r6040_interrupt``: save and mask IER, read and acknowledge ISR; RX/TX events
        schedule NAPI with RX/TX interrupts left masked; a bus error is reported."""
        self._in_irq = True
        try:
            ier = await self._readl(SIMETH_IER)
            await self._writel(MSK_INT, SIMETH_IER)
            status = await self._readl(SIMETH_ISR)
            if status in (0, 0xFFFF_FFFF):
                await self._writel(ier, SIMETH_IER)
                return IRQ_NONE
            await self._writel(status, SIMETH_ISR)
            if status & BUS_ERR:
                await self._bus_error()
            schedule = bool(status & (RX_INTS | TX_INTS)) and self._napi_enabled
            if schedule and not self._napi_running:  # napi_schedule_prep
                ier &= ~(RX_INTS | TX_INTS)
            else:
                schedule = False
            await self._writel(ier, SIMETH_IER)
            if schedule:
                await self._napi()
            return IRQ_HANDLED
        finally:
            self._in_irq = False

    async def _bus_error(self) -> None:
        info = await self._readl(SIMETH_ERR_INFO)
        addr = await self._readl(SIMETH_ERR_ADDR)
        what = info & ERR_INFO_WHAT_MASK
        report = BusErrorReport(what, addr, info >> ERR_INFO_RESP_SHIFT & 3)
        self.bus_errors.append(report)
        if what in (ERR_TX_DESC, ERR_TX_DATA, ERR_TX_STATUS):
            self.stats.tx_errors += 1
        else:
            self.stats.rx_errors += 1
        log.error(
            "%s: %s: bus error on access %d at bus address %#x (response %d): engine stopped",
            DRV_NAME,
            self.name,
            what,
            addr,
            report.resp,
        )

    async def get_stats(self) -> NetDeviceStats:
        """``r6040_get_stats``: the MAC's missed-frame counter into the statistics."""
        self.stats.rx_missed_errors = await self._readl(SIMETH_RX_MISSED)
        return self.stats

    # -- close ---------------------------------------------------------------------------------

    async def r6040_free_txbufs(self) -> None:
        """``r6040_free_txbufs``: unmap and free what is still on the TX ring."""
        for i, skb in enumerate(self.tx_skb):
            if skb is not None:
                await dm.dma_unmap_single(self.dev, self.tx_dma[i], skb.len, DMA_TO_DEVICE)
                dev_kfree_skb(skb)
                self.tx_skb[i] = None

    async def r6040_free_rxbufs(self) -> None:
        """``r6040_free_rxbufs``: unmap and free every RX buffer."""
        for i, skb in enumerate(self.rx_skb):
            if skb is not None:
                await dm.dma_unmap_single(self.dev, self.rx_dma[i], MAX_BUF_SIZE, DMA_FROM_DEVICE)
                dev_kfree_skb(skb)
                self.rx_skb[i] = None

    async def _free_rings(self) -> None:
        if self.rx_ring:
            await dm.dma_free_coherent(
                self.dev, self.rx_dcnt * DESC_SIZE, self.rx_ring, self.rx_ring_dma
            )
            self.rx_ring = 0
        if self.tx_ring:
            await dm.dma_free_coherent(
                self.dev, self.tx_dcnt * DESC_SIZE, self.tx_ring, self.tx_ring_dma
            )
            self.tx_ring = 0

    def _free_irq(self) -> None:
        if self._irq_requested:
            self.platform.free_irq(self.irq, self.r6040_interrupt)
            self._irq_requested = False

    async def close(self) -> int:
        """``r6040_close`` (with ``r6040_down``): stop NAPI and the queue, mask and reset
        the MAC (its bursts in flight finish first), then unmap and free every buffer,
        release the interrupt and free both rings."""
        self._napi_enabled = False  # napi_disable: wait for a poll in progress
        self._queue_stopped = True  # netif_stop_queue
        self.is_open = False
        for _ in range(MAC_DEF_TIMEOUT):
            if not self._napi_running:
                break
            await self.platform.delay(1)
        await self._writel(MSK_INT, SIMETH_IER)
        for _ in range(MAC_DEF_TIMEOUT):  # free_irq's synchronize_irq
            if not self._in_irq:
                break
            await self.platform.delay(1)
        await self.get_stats()  # before the reset clears the MAC's counters
        await self.r6040_reset_mac()
        await self.r6040_free_rxbufs()
        await self.r6040_free_txbufs()
        self._free_irq()
        await self._free_rings()
        return 0

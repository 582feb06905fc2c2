"""simuart: the system bench's UART as a dmaengine client, written as amba-pl011.c's DMA paths.

The UART has one data register (its FIFO: writes go to the transmitter, reads come from
the receiver) and no DMA engine of its own: it paces a channel of the system's DMA
controller through two request lines, named in its device-tree node the way a .dts does::

    serial@10020000 {
        reg = <0x10020000 0x100>;
        reg-io-width = <1>;
        dmas = <&dmac UART_TX_REQ>, <&dmac UART_RX_REQ>;
        dma-names = "tx", "rx";
    };

and follows ``drivers/tty/serial/amba-pl011.c`` (each method's docstring names the
function it models):

* :meth:`Simuart.probe` (``pl011_dma_probe``) requests the "tx" and "rx" channels by name,
  maps the data register for each channel's controller with ``dma_map_resource`` (behind
  an IOMMU the controller reaches the FIFO through an IOVA; the direction is the
  controller's: it writes the TX FIFO, ``DMA_FROM_DEVICE``, and reads the RX FIFO,
  ``DMA_TO_DEVICE``, as rcar-dmac maps a slave address) and configures both channels
  (``dma_slave_config``: the mapped FIFO, the register's width, bursts of the FIFOs'
  threshold).  A failure undoes everything and is the probe's return value (-ENODEV for
  a name ``dma-names`` lacks, -EINVAL for a configuration the controller refuses).
* TX (``pl011_dma_tx_refill``, ``pl011_dma_tx_callback``): :meth:`Simuart.write` copies
  the bytes into kmalloc'ed pieces (the tty layer's buffer chunks); a refill puts the
  pending pieces in one scatterlist (``sg_init_table``/``sg_set_buf``), maps it
  ``DMA_TO_DEVICE`` against the controller's device (``dma_map_sg``, whose count may be
  smaller than the pieces' when an IOMMU merged them) and sends it with
  ``dmaengine_prep_slave_sg(DMA_MEM_TO_DEV)``; the callback unmaps, frees the pieces and
  refills from what was written meanwhile.
* RX (``pl011_dma_rx_trigger_dma``, ``pl011_dma_rx_callback``, ``pl011_dma_rx_chars``):
  two receive buffers used in turn (pl011's ``dbuf_a``/``dbuf_b``); the one armed is
  mapped ``DMA_FROM_DEVICE`` and given to ``dmaengine_prep_slave_single(DMA_DEV_TO_MEM)``
  for its whole size.  The UART ends a message early with its last request; the
  transaction then completes and ``callback_result`` says how much it did NOT get
  (``result.residue``): received = buffer size - residue.  The callback arms the other
  buffer first, then unmaps the filled one (``dma_unmap_single``, which hands it back to
  the CPU: invalidates its lines on a non-coherent CPU, copies a swiotlb bounce back)
  and only then reads the message out of it, as the tty layer's flip buffer would
  (:attr:`Simuart.rx_queue`, read by :meth:`Simuart.read`).
* :meth:`Simuart.shutdown` (``pl011_dma_shutdown``) stops both channels with
  ``dmaengine_terminate_sync`` and unmaps what was in flight; :meth:`Simuart.remove`
  (``pl011_dma_remove``) also releases the channels, unmaps the FIFO and frees the
  buffers, so nothing is left for dma-debug to find.

The classic bug, on purpose: ``bug_read_before_sync=True`` makes the RX callback read the
message before ``dma_unmap_single``, while the device still owns the buffer.  On a
non-coherent CPU the read returns what the cache held from before the transfer (the
map-time clean leaves those lines valid on arm64), and dma-debug's CPU-access check names
the read.

Differences from amba-pl011.c and Linux:

* No PIO fallback, no interrupts of the UART's own (it has none): a probe without DMA
  fails; pl011 would fall back to interrupt-driven PIO.  No RX timeout or poll timer: the
  UART's ``req_last`` ends a message, so every message completes its transaction.
* pl011's RX buffers are coherent (``dma_alloc_coherent``) and its callback asks
  ``device_tx_status`` for the residue; here they are streaming mappings and the residue
  comes with ``callback_result``, which is what the brief of this driver is about.
* The tty layer is minimal and defined here: :meth:`Simuart.write` is ``uart_write`` +
  ``start_tx``, :meth:`Simuart.wait_until_sent` waits until the controller took every
  byte (the last FIFO-full may still be on the wire: the UART has no TX-empty flag),
  :meth:`Simuart.read` takes one received message (a flip-buffer push) or None.
* Cooperative scheduling stands for the port lock: state changes between awaits.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sw.drivers.base.core import Device
from sw.drivers.dma.dmaengine import (
    DmaChan,
    dma_async_issue_pending,
    dma_get_slave_caps,
    dma_release_channel,
    dma_request_chan,
    dma_submit_error,
    dmaengine_prep_slave_sg,
    dmaengine_prep_slave_single,
    dmaengine_slave_config,
    dmaengine_submit,
    dmaengine_terminate_sync,
)
from sw.include.linux.dma_mapping import DMA_FROM_DEVICE, DMA_TO_DEVICE
from sw.include.linux.dmaengine import (
    DMA_CTRL_ACK,
    DMA_DEV_TO_MEM,
    DMA_MEM_TO_DEV,
    DMA_PREP_INTERRUPT,
    DMA_RESIDUE_GRANULARITY_DESCRIPTOR,
    DMA_TRANS_NOERROR,
    TX_RESULT_TEXT,
    DmaengineResult,
    DmaSlaveCaps,
    DmaSlaveConfig,
)
from sw.include.linux.err import EBUSY, EINVAL, ENODEV, ENOMEM, IS_ERR, PTR_ERR
from sw.kernel.dma import mapping as dm
from sw.kernel.sched.completion import (
    Completion,
    complete,
    init_completion,
    wait_for_completion_timeout,
)
from sw.lib.scatterlist import Scatterlist, sg_init_table, sg_set_buf
from sw.mm.page_alloc import GFP_KERNEL
from sw.mm.slab import kfree, kmalloc
from sw.platform import Platform

log = logging.getLogger(__name__)

DRV_NAME = "simuart"

# -- the hardware interface (the model's documentation, tb/models/peripherals.py UartModel) ---

UART_DR = 0x00  # data register: the FIFO (writes: TX, reads: RX)
UART_FIFO_MAXBURST = 4  # both FIFOs ask for a burst at 4 elements (room / held)

SIMUART_DMA_RX_SIZE = 256  # bytes per receive buffer (pl011: PL011_DMA_BUFFER_SIZE)
SIMUART_TX_PIECE = 64  # bytes per kmalloc'ed TX piece
SIMUART_TX_MAX_SEGS = 16  # scatterlist entries per TX transaction
DMA_FLAGS = DMA_PREP_INTERRUPT | DMA_CTRL_ACK


@dataclass
class SimuartDmabuf:
    """``struct pl011_dmabuf``: a receive buffer, its size and (while armed) its mapping."""

    buf: int = 0
    len: int = 0
    dma: int = 0
    mapped: bool = False


@dataclass
class SimuartDmarx:
    """``struct pl011_dmarx_data``."""

    chan: DmaChan
    fifo_dma: int = 0  # the RX FIFO as the channel's controller reaches it
    dbuf_a: SimuartDmabuf = field(default_factory=SimuartDmabuf)
    dbuf_b: SimuartDmabuf = field(default_factory=SimuartDmabuf)
    use_buf_b: bool = False
    cookie: int = 0
    running: bool = False


@dataclass
class SimuartDmatx:
    """``struct pl011_dmatx_data``: the transaction in flight (its scatterlist, the count
    passed to ``dma_map_sg`` and the pieces it covers)."""

    chan: DmaChan
    fifo_dma: int = 0
    sgl: list[Scatterlist] = field(default_factory=list)
    nents: int = 0
    pieces: list[tuple[int, int]] = field(default_factory=list)  # (va, length)
    len: int = 0
    queued: bool = False


@dataclass
class SimuartStats:
    """``struct uart_icount``, the fields this driver fills, plus DMA errors."""

    tx: int = 0
    rx: int = 0
    rx_messages: int = 0
    rx_dma_errors: int = 0
    tx_dma_errors: int = 0


class Simuart:
    """One UART (``struct uart_amba_port``).  Build it with :meth:`probe`."""

    def __init__(
        self,
        platform: Platform,
        dev: Device,
        mapbase: int,
        reg_io_width: int,
        *,
        gfp: int = GFP_KERNEL,
        rx_size: int = SIMUART_DMA_RX_SIZE,
        tx_piece: int = SIMUART_TX_PIECE,
        bug_read_before_sync: bool = False,
    ) -> None:
        self.platform = platform
        self.dev = dev
        self.mapbase = mapbase
        self.reg_io_width = reg_io_width
        self.gfp = gfp
        self.rx_size = rx_size
        self.tx_piece = tx_piece
        self.bug_read_before_sync = bug_read_before_sync
        self.dmatx: SimuartDmatx | None = None
        self.dmarx: SimuartDmarx | None = None
        self.stats = SimuartStats()
        self.xmit: deque[tuple[int, int]] = deque()  # pieces written, not yet queued
        self.rx_queue: deque[bytes] = deque()  # the flip buffer: received messages
        self.rx_ready: Completion = init_completion(platform)
        self.tx_idle = platform.new_event()
        self.tx_idle.set()
        self.started = False
        self._rx_stopping = False

    # -- probe and remove ------------------------------------------------------------------

    @classmethod
    async def probe(cls, platform: Platform, dev: Device, **opts: Any) -> Simuart | int:
        """``pl011_probe`` with ``pl011_dma_probe``: the register window from ``reg``, its
        width from ``reg-io-width`` (default 1), the "tx" and "rx" channels, the FIFO mapped
        for each, both channels configured.  The driver, or a negative errno with
        everything undone (the channel request's or ``dmaengine_slave_config``'s error).
        Keyword arguments: ``gfp`` of the buffers, ``rx_size``, ``tx_piece``,
        ``bug_read_before_sync`` (module docstring)."""
        np = dev.of_node
        if np is None or not np.properties.get("reg"):
            log.error("%s: %s: no reg property", DRV_NAME, dev.name)
            return -EINVAL
        mapbase = int(np.properties["reg"][0][0])
        width = int(np.properties.get("reg-io-width", 1))
        uap = cls(platform, dev, mapbase, width, **opts)
        ret = await uap._dma_probe()
        if ret:
            return ret
        log.info("%s: %s at %#x: DMA tx %r, rx %r", DRV_NAME, dev.name, mapbase, *uap._chans())
        return uap

    def _chans(self) -> tuple[DmaChan | None, DmaChan | None]:
        return (self.dmatx.chan if self.dmatx else None, self.dmarx.chan if self.dmarx else None)

    async def _dma_probe(self) -> int:
        """``pl011_dma_probe``: request, map, configure; 0 or the first error, undone."""
        chan = await dma_request_chan(self.dev, "tx")
        if IS_ERR(chan):
            log.error("%s: %s: no TX DMA channel (%d)", DRV_NAME, self.dev.name, PTR_ERR(chan))
            return PTR_ERR(chan)
        assert isinstance(chan, DmaChan)
        self.dmatx = SimuartDmatx(chan)
        chan = await dma_request_chan(self.dev, "rx")
        if IS_ERR(chan):
            log.error("%s: %s: no RX DMA channel (%d)", DRV_NAME, self.dev.name, PTR_ERR(chan))
            ret = PTR_ERR(chan)
            await self._dma_remove()
            return ret
        assert isinstance(chan, DmaChan)
        self.dmarx = SimuartDmarx(chan)
        # The received length is the residue's: a controller that reports none cannot do RX.
        caps = DmaSlaveCaps()
        if (
            dma_get_slave_caps(chan, caps) == 0
            and caps.residue_granularity == DMA_RESIDUE_GRANULARITY_DESCRIPTOR
        ):
            log.error("%s: %s: RX DMA needs residue processing", DRV_NAME, self.dev.name)
            await self._dma_remove()
            return -ENODEV
        fifo = self.mapbase + UART_DR
        for d, direction in ((self.dmatx, DMA_FROM_DEVICE), (self.dmarx, DMA_TO_DEVICE)):
            dmadev = d.chan.device.dev
            addr = await dm.dma_map_resource(dmadev, fifo, self.reg_io_width, direction)
            if dm.dma_mapping_error(dmadev, addr):
                log.error("%s: %s: cannot map the FIFO at %#x", DRV_NAME, self.dev.name, fifo)
                await self._dma_remove()
                return -ENOMEM
            d.fifo_dma = addr
        tx_conf = DmaSlaveConfig(
            direction=DMA_MEM_TO_DEV,
            dst_addr=self.dmatx.fifo_dma,
            dst_addr_width=self.reg_io_width,
            dst_maxburst=UART_FIFO_MAXBURST,
            device_fc=False,
        )
        rx_conf = DmaSlaveConfig(
            direction=DMA_DEV_TO_MEM,
            src_addr=self.dmarx.fifo_dma,
            src_addr_width=self.reg_io_width,
            src_maxburst=UART_FIFO_MAXBURST,
            device_fc=False,
        )
        for d, conf in ((self.dmatx, tx_conf), (self.dmarx, rx_conf)):
            ret = dmaengine_slave_config(d.chan, conf)
            if ret:
                log.error("%s: %s: slave config refused (%d)", DRV_NAME, self.dev.name, ret)
                await self._dma_remove()
                return ret
        for dbuf in (self.dmarx.dbuf_a, self.dmarx.dbuf_b):
            try:
                dbuf.buf = kmalloc(self.rx_size, self.gfp)
            except MemoryError:
                await self._dma_remove()
                return -ENOMEM
            dbuf.len = self.rx_size
        return 0

    async def _dma_remove(self) -> None:
        """``pl011_dma_remove``: release the channels, unmap the FIFO, free the buffers."""
        for d in (self.dmatx, self.dmarx):
            if d is None:
                continue
            if d.fifo_dma:
                direction = DMA_FROM_DEVICE if d is self.dmatx else DMA_TO_DEVICE
                await dm.dma_unmap_resource(
                    d.chan.device.dev, d.fifo_dma, self.reg_io_width, direction
                )
                d.fifo_dma = 0
            await dma_release_channel(d.chan)
        if self.dmarx is not None:
            for dbuf in (self.dmarx.dbuf_a, self.dmarx.dbuf_b):
                if dbuf.buf:
                    kfree(dbuf.buf)
                    dbuf.buf = 0
        self.dmatx = self.dmarx = None

    async def remove(self) -> None:
        """``pl011_remove``: shut the port down if it is up, then ``pl011_dma_remove``."""
        if self.started:
            await self.shutdown()
        await self._dma_remove()

    # -- startup and shutdown ----------------------------------------------------------------

    async def startup(self) -> int:
        """``pl011_startup`` with ``pl011_dma_startup``: arm the first receive buffer."""
        assert self.dmarx is not None, "startup of a port without DMA"
        self.started = True
        self._rx_stopping = False
        self.dmarx.use_buf_b = False
        return await self.dma_rx_trigger_dma()

    async def shutdown(self) -> None:
        """``pl011_dma_shutdown``: stop both channels (``dmaengine_terminate_sync``: no
        callback runs after it), unmap the armed receive buffer and a TX scatterlist in
        flight, free the pieces never sent."""
        assert self.dmatx is not None and self.dmarx is not None
        self._rx_stopping = True  # a callback that runs from now on re-arms nothing
        await dmaengine_terminate_sync(self.dmarx.chan)
        if self.dmarx.running:  # a callback re-armed between the terminate and its sync
            await dmaengine_terminate_sync(self.dmarx.chan)
        self.dmarx.running = False
        for dbuf in (self.dmarx.dbuf_a, self.dmarx.dbuf_b):
            if dbuf.mapped:
                await self._unmap_rx(dbuf)
        await dmaengine_terminate_sync(self.dmatx.chan)
        if self.dmatx.queued:
            await self._tx_done(self.dmatx, sent=False)
        while self.xmit:
            kfree(self.xmit.popleft()[0])
        self.tx_idle.set()
        self.started = False

    # -- transmit --------------------------------------------------------------------------

    async def write(self, data: bytes) -> int:
        """``uart_write`` + ``pl011_start_tx`` (``pl011_dma_tx_start``): copy ``data`` into
        kmalloc'ed pieces of at most ``tx_piece`` bytes and, if no TX transaction is in
        flight, refill.  The bytes taken, or a negative errno (-ENOMEM, or the refill's)."""
        assert self.dmatx is not None, "write to a port without DMA"
        for off in range(0, len(data), self.tx_piece):
            chunk = data[off : off + self.tx_piece]
            try:
                va = kmalloc(len(chunk), self.gfp)
            except MemoryError:
                return -ENOMEM if off == 0 else off
            self.platform.write(va, chunk)
            self.xmit.append((va, len(chunk)))
        if data and not self.dmatx.queued:
            ret = await self.dma_tx_refill()
            if ret < 0:
                return ret
        return len(data)

    async def dma_tx_refill(self) -> int:
        """``pl011_dma_tx_refill``: the pending pieces (at most SIMUART_TX_MAX_SEGS) in one
        scatterlist, mapped DMA_TO_DEVICE against the controller's device, prepared with
        ``dmaengine_prep_slave_sg(DMA_MEM_TO_DEV)``, submitted and issued.  1 when a
        transaction is queued, 0 when there was nothing to send, -EBUSY when it could not
        be mapped or prepared (the pieces stay pending)."""
        dmatx = self.dmatx
        assert dmatx is not None
        if not self.xmit:
            return 0
        pieces = [self.xmit.popleft() for _ in range(min(len(self.xmit), SIMUART_TX_MAX_SEGS))]
        sgl = sg_init_table(len(pieces))
        for sg, (va, length) in zip(sgl, pieces, strict=True):
            sg_set_buf(sg, va, length)
        dmadev = dmatx.chan.device.dev
        count = await dm.dma_map_sg(dmadev, sgl, len(sgl), DMA_TO_DEVICE)
        if count == 0:
            self.xmit.extendleft(reversed(pieces))
            log.error("%s: %s: unable to map TX DMA", DRV_NAME, self.dev.name)
            return -EBUSY
        desc = await dmaengine_prep_slave_sg(dmatx.chan, sgl, count, DMA_MEM_TO_DEV, DMA_FLAGS)
        if desc is None:
            await dm.dma_unmap_sg(dmadev, sgl, len(sgl), DMA_TO_DEVICE)
            self.xmit.extendleft(reversed(pieces))
            log.error("%s: %s: TX DMA busy", DRV_NAME, self.dev.name)
            return -EBUSY
        desc.callback = self._dma_tx_callback
        desc.callback_param = self
        dmatx.sgl, dmatx.nents, dmatx.pieces = sgl, len(sgl), pieces
        dmatx.len = sum(n for _, n in pieces)
        dmatx.queued = True
        self.tx_idle.clear()
        cookie = dmaengine_submit(desc)  # all errors should happen at prepare time
        if dma_submit_error(cookie):
            await self._tx_done(dmatx, sent=False)
            return -EBUSY
        await dma_async_issue_pending(dmatx.chan)
        return 1

    async def _tx_done(self, dmatx: SimuartDmatx, sent: bool) -> None:
        await dm.dma_unmap_sg(dmatx.chan.device.dev, dmatx.sgl, dmatx.nents, DMA_TO_DEVICE)
        for va, _ in dmatx.pieces:
            kfree(va)
        if sent:
            self.stats.tx += dmatx.len
        dmatx.sgl, dmatx.nents, dmatx.pieces, dmatx.len = [], 0, [], 0
        dmatx.queued = False

    async def _dma_tx_callback(self, param: Any) -> None:
        """``pl011_dma_tx_callback``: unmap and free what was sent, then refill from what
        was written meanwhile, or say the transmitter is idle (``uart_write_wakeup``)."""
        dmatx = self.dmatx
        if dmatx is None or not dmatx.queued:
            return
        await self._tx_done(dmatx, sent=True)
        if self.xmit and await self.dma_tx_refill() > 0:
            return
        self.tx_idle.set()

    async def wait_until_sent(self, timeout_ns: int) -> bool:
        """``uart_wait_until_sent``, as far as the driver can tell: True once the controller
        took every byte written (module docstring), False after ``timeout_ns``."""
        if self.tx_idle.is_set() and not self.xmit:
            return True
        return await self.platform.wait_event_timeout(self.tx_idle, timeout_ns)

    # -- receive ---------------------------------------------------------------------------

    def _rx_dbuf(self, use_buf_b: bool) -> SimuartDmabuf:
        assert self.dmarx is not None
        return self.dmarx.dbuf_b if use_buf_b else self.dmarx.dbuf_a

    async def dma_rx_trigger_dma(self) -> int:
        """``pl011_dma_rx_trigger_dma``: map the current buffer DMA_FROM_DEVICE, prepare a
        ``dmaengine_prep_slave_single(DMA_DEV_TO_MEM)`` of its whole size with
        :meth:`_dma_rx_callback` as ``callback_result``, submit, issue.  0, -ENOMEM (not
        mapped) or -EBUSY (not prepared)."""
        dmarx = self.dmarx
        assert dmarx is not None
        dbuf = self._rx_dbuf(dmarx.use_buf_b)
        dmadev = dmarx.chan.device.dev
        dbuf.dma = await dm.dma_map_single(dmadev, dbuf.buf, dbuf.len, DMA_FROM_DEVICE)
        if dm.dma_mapping_error(dmadev, dbuf.dma):
            log.error("%s: %s: unable to map an RX buffer", DRV_NAME, self.dev.name)
            return -ENOMEM
        dbuf.mapped = True
        desc = await dmaengine_prep_slave_single(
            dmarx.chan, dbuf.dma, dbuf.len, DMA_DEV_TO_MEM, DMA_FLAGS
        )
        if desc is None:
            dmarx.running = False
            await self._unmap_rx(dbuf)
            return -EBUSY
        desc.callback_result = self._dma_rx_callback
        desc.callback_param = self
        dmarx.cookie = dmaengine_submit(desc)
        await dma_async_issue_pending(dmarx.chan)
        dmarx.running = True
        return 0

    async def _unmap_rx(self, dbuf: SimuartDmabuf) -> None:
        assert self.dmarx is not None
        await dm.dma_unmap_single(self.dmarx.chan.device.dev, dbuf.dma, dbuf.len, DMA_FROM_DEVICE)
        dbuf.mapped = False

    async def _dma_rx_callback(self, param: Any, result: DmaengineResult) -> None:
        """``pl011_dma_rx_callback``: the device ended a message (or filled the buffer).
        What arrived is the buffer's size less the residue; arm the other buffer first (the
        UART keeps receiving), then hand the filled one to the CPU and read it."""
        dmarx = self.dmarx
        if dmarx is None:
            return
        lastbuf = dmarx.use_buf_b
        dbuf = self._rx_dbuf(lastbuf)
        pending = dbuf.len - result.residue
        if result.result != DMA_TRANS_NOERROR:
            self.stats.rx_dma_errors += 1
            log.error(
                "%s: %s: RX DMA failed: %s (%d bytes not received)",
                DRV_NAME,
                self.dev.name,
                TX_RESULT_TEXT[result.result],
                result.residue,
            )
        dmarx.running = False
        dmarx.use_buf_b = not lastbuf
        ret = 0 if self._rx_stopping else await self.dma_rx_trigger_dma()
        await self.dma_rx_chars(pending, lastbuf)
        if ret:
            log.error("%s: %s: could not retrigger RX DMA job (%d)", DRV_NAME, self.dev.name, ret)

    async def dma_rx_chars(self, pending: int, use_buf_b: bool) -> None:
        """``pl011_dma_rx_chars``: give the filled buffer back to the CPU
        (``dma_unmap_single``) and push its first ``pending`` bytes to the flip buffer."""
        dbuf = self._rx_dbuf(use_buf_b)
        if self.bug_read_before_sync:  # the bug (module docstring): the device owns it still
            data = self.platform.read(dbuf.buf, pending) if pending else b""
            await self._unmap_rx(dbuf)
        else:
            await self._unmap_rx(dbuf)
            data = self.platform.read(dbuf.buf, pending) if pending else b""
        if not data:
            return
        self.rx_queue.append(data)  # tty_insert_flip_string + tty_flip_buffer_push
        self.stats.rx += len(data)
        self.stats.rx_messages += 1
        complete(self.rx_ready)

    async def read(self, timeout_ns: int) -> bytes | None:
        """The next received message (what one transaction got), or None after
        ``timeout_ns``."""
        if not await wait_for_completion_timeout(self.rx_ready, timeout_ns):
            return None
        return self.rx_queue.popleft()

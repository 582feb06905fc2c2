"""The controller's dmaengine provider (what drivers/dma/dmac.c would be), on virt-dma.

How it drives the hardware (registers: docs/registers.md, generated from regs/dmac.rdl):

* :func:`dmac_probe` reads ID, VERSION and CONFIG, creates one virtual channel per hardware
  channel, a ``dma_pool`` of 32-byte hardware descriptors in coherent memory, requests the
  interrupt, and registers the device with dmaengine and its device-tree node (one cell:
  the request line).
* A transaction (:class:`DmacDesc`) is a list of hardware descriptors, linked at prep time
  and ended with CTRL.LAST (a cyclic one is a ring with no LAST).  ``issue_pending`` links
  every issued transaction with the same channel configuration into one chain and starts
  it with one doorbell: CFG when it changes, DESC_LO/DESC_HI, CTRL.START (writel: the
  stores to the descriptors are visible before the doorbell, as writel's barrier makes
  them).  Transactions issued while a chain runs wait; the next chain starts from the
  completion of the previous one.
* The interrupt handler acknowledges IRQ_STATUS of each channel in IRQ_SUMMARY and
  schedules the driver's tasklet, which reaps transactions by the DONE bits the controller
  wrote back, completes their cookies (virt-dma then runs the callbacks in the channel's
  own tasklet) and starts the next chain.
* A hardware error completes the transaction it struck with DMA_TRANS_READ_FAILED or
  DMA_TRANS_WRITE_FAILED (the residue is what was not moved); an IOMMU fault behind it is
  read from the IOMMU driver's fault queue and named in the log; the transactions after it
  are started again in a new chain.
* Residue (BURST granularity): RESIDUE of the CUR_DESC descriptor plus the lengths of the
  transaction's descriptors not yet reached.

Slave channels: the channel taken through a ``dmas`` entry is tied to the entry's request
line; ``dmaengine_slave_config`` sets the device side (FIFO address, width, burst) and each
slave transaction runs with CFG.FLOW MEM2DEV or DEV2MEM.  A device that ends a transfer
early (its last request) ends the current segment: the transaction goes on with its next
segment, and its residue counts the bytes the ended segment did not get.
"""

from __future__ import annotations

import logging
from typing import Any

from sw import dmac_regs as r
from sw.dmac_desc import SIZE as HW_DESC_SIZE
from sw.dmac_desc import STATUS_DONE, Descriptor
from sw.drivers.base.core import Device
from sw.drivers.dma.dmaengine import (
    DmaChan,
    DmaDevice,
    OfDma,
    dma_async_device_register,
    dma_chan_name,
    dma_get_slave_channel,
    of_dma_controller_register,
)
from sw.drivers.dma.virt_dma import (
    VirtDmaChan,
    VirtDmaDesc,
    to_virt_desc,
    vchan_cookie_complete,
    vchan_cyclic_callback,
    vchan_dma_desc_free_list,
    vchan_find_desc,
    vchan_free_chan_resources,
    vchan_get_all_descriptors,
    vchan_init,
    vchan_issue_pending,
    vchan_synchronize,
    vchan_terminate_vdesc,
    vchan_tx_prep,
    vchan_tx_status,
)
from sw.include.linux.dmaengine import (
    BIT,
    DMA_COMPLETE,
    DMA_CYCLIC,
    DMA_DEV_TO_MEM,
    DMA_ERROR,
    DMA_MEM_TO_DEV,
    DMA_MEM_TO_MEM,
    DMA_MEMCPY,
    DMA_PAUSED,
    DMA_PRIVATE,
    DMA_RESIDUE_GRANULARITY_BURST,
    DMA_SLAVE,
    DMA_TRANS_ABORTED,
    DMA_TRANS_NOERROR,
    DMA_TRANS_READ_FAILED,
    DMA_TRANS_WRITE_FAILED,
    DmaengineResult,
    DmaSlaveConfig,
    DmaStatus,
    DmaTxState,
)
from sw.include.linux.err import EBUSY, EINVAL, EIO, ENODEV, ENOMEM
from sw.include.linux.of import DeviceNode
from sw.kernel.locking.mutex import Mutex
from sw.kernel.softirq import tasklet_kill, tasklet_schedule, tasklet_setup
from sw.mm.dmapool import DmaPool, dma_pool_alloc, dma_pool_create, dma_pool_destroy, dma_pool_free
from sw.mm.page_alloc import GFP_NOWAIT
from sw.platform import IRQ_HANDLED, IRQ_NONE, Platform

log = logging.getLogger("sw.dmac")

DMAC_ID_MAGIC = 0x444D_4143
MAX_SEG = 1 << 30  # bytes per hardware descriptor of a memcpy (LEN is 32 bits)
ABORT_POLL_CYCLES = 8
ABORT_TIMEOUT_POLLS = 20_000
NUM_REQ_LINES = 8

ERR_RESULT = {
    r.DmacErr.DESC_ALIGN: DMA_TRANS_READ_FAILED,
    r.DmacErr.DESC_READ: DMA_TRANS_READ_FAILED,
    r.DmacErr.DATA_READ: DMA_TRANS_READ_FAILED,
    r.DmacErr.DATA_WRITE: DMA_TRANS_WRITE_FAILED,
    r.DmacErr.STATUS_WRITE: DMA_TRANS_WRITE_FAILED,
    r.DmacErr.BAD_CONFIG: DMA_TRANS_READ_FAILED,
    r.DmacErr.BAD_LEN: DMA_TRANS_READ_FAILED,
    r.DmacErr.ADDR_RANGE: DMA_TRANS_READ_FAILED,
    r.DmacErr.ABORTED: DMA_TRANS_ABORTED,
}

_IRQ_DONE = 1 << r.DMAC_CHAN_IRQ_STATUS_DONE_LSB
_IRQ_ERR = 1 << r.DMAC_CHAN_IRQ_STATUS_ERR_LSB
_IRQ_END = 1 << r.DMAC_CHAN_IRQ_STATUS_END_LSB
_IRQ_ABORTED = 1 << r.DMAC_CHAN_IRQ_STATUS_ABORTED_LSB
_IRQ_STOPPED = _IRQ_ERR | _IRQ_END | _IRQ_ABORTED
_IRQ_ALL = _IRQ_DONE | _IRQ_STOPPED
_CTRL_START = 1 << r.DMAC_CHAN_CTRL_START_LSB
_CTRL_ABORT = 1 << r.DMAC_CHAN_CTRL_ABORT_LSB
_CTRL_PAUSE = 1 << r.DMAC_CHAN_CTRL_PAUSE_LSB


def _field(value: int, lsb: int, width: int) -> int:
    return (value >> lsb) & ((1 << width) - 1)


class HwDesc:
    """One hardware descriptor of a transaction: where it lives and what it moves."""

    __slots__ = ("dma", "dst", "length", "src", "va")

    def __init__(self, va: int, dma: int, src: int, dst: int, length: int) -> None:
        self.va, self.dma, self.src, self.dst, self.length = va, dma, src, dst, length


class DmacDesc(VirtDmaDesc):
    """A transaction: its hardware descriptors in order, the CFG it runs with."""

    def __init__(self, chan: DmaChan, cfg: int, cyclic: bool, direction: int) -> None:
        super().__init__(chan)
        self.hw: list[HwDesc] = []
        self.cfg = cfg
        self.cyclic = cyclic
        self.direction = direction

    @property
    def total(self) -> int:
        return sum(h.length for h in self.hw)


class DmacChan(VirtDmaChan):
    """One hardware channel as a virtual channel."""

    def __init__(self, dmac: Dmac, index: int) -> None:
        super().__init__(dmac.dma, dmac.platform)
        self.dmac = dmac
        self.index = index
        self.req_line: int | None = None  # set by a named (device-tree) request
        self.config: DmaSlaveConfig | None = None
        self.active: list[DmacDesc] = []  # the chain on the hardware, in order
        self.chain_head = 0  # bus address of the chain's first hardware descriptor
        self.running = False
        self.paused = False
        self.hw_cfg = -1  # CFG as last written (-1: unknown)
        self.status = 0  # IRQ_STATUS bits the handler acknowledged, for the tasklet
        self.failed: dict[int, DmaengineResult] = {}  # cookie -> result, of failed ones
        self.last_error: tuple[r.DmacErr, int, str | None] | None = None  # code, address, IOMMU
        self.lock = Mutex(dmac.platform, f"dmac chan{index}")  # chain start against reaping
        self.desc_free = self._desc_free

    def reg(self, offset: int) -> int:
        return self.dmac.regs + r.chan_reg(self.index, offset)

    def _desc_free(self, vd: VirtDmaDesc) -> None:
        desc = vd
        assert isinstance(desc, DmacDesc)
        for h in desc.hw:
            dma_pool_free(self.dmac.pool, h.va, h.dma)
        desc.hw = []


class Dmac:
    """The driver's state for one controller (struct dmac_dev)."""

    def __init__(self, platform: Platform, dev: Device, regs: int, irq: int) -> None:
        self.platform = platform
        self.dev = dev
        self.regs = regs
        self.irq = irq
        self.dma = DmaDevice(dev)
        self.chans: list[DmacChan] = []
        self.pool: DmaPool = None  # type: ignore[assignment]
        self.num_channels = 0
        self.data_bytes = 0
        self.addr_width = 0
        self.max_burst_len = 0
        self.version = 0
        self.tasklet = tasklet_setup(platform, self._tasklet, "dmac_tasklet")
        self.irqs = 0
        self.chains = 0  # chains started (doorbells)

    async def readl(self, offset: int) -> int:
        return await self.platform.readl(self.regs + offset)

    async def writel(self, value: int, offset: int) -> None:
        await self.platform.writel(value, self.regs + offset)

    # -- interrupt and tasklet ----------------------------------------------------------------

    async def _irq_handler(self, irq: int) -> int:
        """Acknowledge the interrupt of every channel that has one and defer the rest."""
        summary = await self.readl(r.DMAC_IRQ_SUMMARY_OFFSET)
        if not summary:
            return IRQ_NONE
        self.irqs += 1
        for c in self.chans:
            if summary >> c.index & 1:
                status = await self.platform.readl(c.reg(r.DMAC_CHAN_IRQ_STATUS_OFFSET))
                await self.platform.writel(status, c.reg(r.DMAC_CHAN_IRQ_STATUS_OFFSET))
                c.status |= status
        tasklet_schedule(self.tasklet)
        return IRQ_HANDLED

    async def _tasklet(self, _t: Any) -> None:
        for c in self.chans:
            if c.status:
                async with c.lock:
                    status, c.status = c.status, 0
                    await self._reap(c, status)

    def _hw_done(self, h: HwDesc) -> tuple[bool, r.DmacErr, int]:
        raw = self.platform.read(h.va + r.DMAC_DESC_LEN_OFFSET, 8)
        moved = int.from_bytes(raw[0:4], "little")
        ctrl = int.from_bytes(raw[4:8], "little")
        err = r.DmacErr(_field(ctrl, r.DMAC_DESC_CTRL_ERR_LSB, r.DMAC_DESC_CTRL_ERR_WIDTH))
        return bool(ctrl & STATUS_DONE), err, moved

    async def _reap(self, c: DmacChan, status: int) -> None:
        """Complete what the hardware finished; on a stop, requeue what it did not reach
        and start the next chain.  A stop bit is believed only if the channel is idle: it
        may be left from a chain that terminate_all already dealt with."""
        if status & _IRQ_STOPPED:
            st = await self.platform.readl(c.reg(r.DMAC_CHAN_STATUS_OFFSET))
            if st & 1 << r.DMAC_CHAN_STATUS_BUSY_LSB:
                status &= ~_IRQ_STOPPED
        if status & _IRQ_ERR:
            await self._report_error(c)  # named before any callback hears of it
        if c.active and c.active[0].cyclic:
            if status & _IRQ_DONE:
                vchan_cyclic_callback(c.active[0])
            if status & _IRQ_STOPPED:
                await self._stopped(c, status)
            return
        while c.active:
            desc = c.active[0]
            outcome = self._outcome(desc)
            if outcome is None:
                break
            c.active.pop(0)
            desc.tx_result = outcome
            if outcome.result != DMA_TRANS_NOERROR:
                c.failed[desc.cookie] = outcome
                if len(c.failed) > 64:
                    c.failed.pop(next(iter(c.failed)))
            vchan_cookie_complete(desc)
        if status & _IRQ_STOPPED:
            await self._stopped(c, status)

    def _outcome(self, desc: DmacDesc) -> DmaengineResult | None:
        """The result of a transaction whose descriptors all have DONE (or one failed);
        None while it is still running."""
        moved = 0
        for h in desc.hw:
            done, err, n = self._hw_done(h)
            if not done:
                return None
            moved += n
            if err != r.DmacErr.NONE:
                return DmaengineResult(
                    ERR_RESULT.get(err, DMA_TRANS_READ_FAILED), desc.total - moved
                )
        return DmaengineResult(DMA_TRANS_NOERROR, desc.total - moved)

    async def _stopped(self, c: DmacChan, status: int) -> None:
        """The chain stopped (END, ERR or ABORTED): name an error, fail the transaction it
        struck if its status was not written back, requeue the rest, start the next."""
        c.running = False
        if c.active:
            requeue = list(c.active)
            c.active.clear()
            if status & _IRQ_ERR and not requeue[0].cyclic:
                # the status write of the failing descriptor did not land (STATUS_WRITE)
                # or the chain stopped on it before writing back: CUR_DESC names it
                failing = await self._desc_at_cur(c, requeue)
                if failing is not None:
                    requeue.remove(failing)
                    code = await self._err_code(c)
                    failing.tx_result = DmaengineResult(
                        ERR_RESULT.get(code, DMA_TRANS_READ_FAILED), failing.total
                    )
                    c.failed[failing.cookie] = failing.tx_result
                    vchan_cookie_complete(failing)
            for desc in reversed(requeue):
                desc.node = None
                c.desc_issued.insert(0, desc)
                desc.node = c.desc_issued
        if c.desc_issued:
            await self._start_chain(c)

    async def _err_code(self, c: DmacChan) -> r.DmacErr:
        st = await self.platform.readl(c.reg(r.DMAC_CHAN_STATUS_OFFSET))
        return r.DmacErr(
            _field(st, r.DMAC_CHAN_STATUS_ERR_CODE_LSB, r.DMAC_CHAN_STATUS_ERR_CODE_WIDTH)
        )

    async def _cur_desc(self, c: DmacChan) -> int:
        lo = await self.platform.readl(c.reg(r.DMAC_CHAN_CUR_DESC_LO_OFFSET))
        hi = await self.platform.readl(c.reg(r.DMAC_CHAN_CUR_DESC_HI_OFFSET))
        return hi << 32 | lo

    async def _desc_at_cur(self, c: DmacChan, descs: list[DmacDesc]) -> DmacDesc | None:
        cur = await self._cur_desc(c)
        for desc in descs:
            if any(h.dma == cur for h in desc.hw):
                return desc
        return None

    async def _report_error(self, c: DmacChan) -> None:
        code = await self._err_code(c)
        lo = await self.platform.readl(c.reg(r.DMAC_CHAN_ERR_ADDR_LO_OFFSET))
        hi = await self.platform.readl(c.reg(r.DMAC_CHAN_ERR_ADDR_HI_OFFSET))
        addr = hi << 32 | lo
        why = await self._iommu_fault(addr)
        log.error(
            "%s: %s at %#x%s", dma_chan_name(c), code.name, addr, f": IOMMU {why}" if why else ""
        )
        c.last_error = (code, addr, why)

    async def _iommu_fault(self, addr: int) -> str | None:
        """The IOMMU fault behind a bus error at ``addr`` (the start of the failing burst,
        which never crosses 4 KiB), from the IOMMU driver's fault queue."""
        ops = self.dev.dma_ops
        driver = getattr(ops, "driver", None)
        if driver is None:
            return None
        faults = list(driver.fault_log)
        faults += await driver.read_faults()
        for fault in reversed(faults):
            if fault.iova >> 12 == addr >> 12:
                return str(fault)
        return None

    # -- chains ----------------------------------------------------------------------------------

    def _write_hw(self, h: HwDesc, nxt: int, irq: bool, last: bool) -> None:
        d = Descriptor(src=h.src, dst=h.dst, length=h.length, next=nxt, irq=irq, last=last)
        self.platform.write(h.va, d.pack())

    def _link(self, chain: list[DmacDesc]) -> None:
        """Write every descriptor of ``chain`` afresh (a reused one holds the status of its
        last run), each transaction's last with CTRL.IRQ, the chain's last with LAST."""
        hws = [(desc, h) for desc in chain for h in desc.hw]
        if chain[0].cyclic:
            ring = chain[0].hw
            for i, h in enumerate(ring):
                self._write_hw(h, ring[(i + 1) % len(ring)].dma, irq=True, last=False)
            return
        for i, (desc, h) in enumerate(hws):
            last = i == len(hws) - 1
            nxt = 0 if last else hws[i + 1][1].dma
            self._write_hw(h, nxt, irq=h is desc.hw[-1], last=last)

    async def _start_chain(self, c: DmacChan) -> None:
        """Take the issued transactions that can run together and start them with one
        doorbell."""
        if c.running or not c.desc_issued:
            return
        first = c.desc_issued[0]
        chain = [first]
        if not first.cyclic:
            for desc in c.desc_issued[1:]:
                assert isinstance(desc, DmacDesc)
                if desc.cyclic or desc.cfg != first.cfg:
                    break
                chain.append(desc)
        for desc in chain:
            c.desc_issued.remove(desc)
            desc.node = None
        assert isinstance(first, DmacDesc)
        self._link(chain)  # type: ignore[arg-type]
        c.active = chain  # type: ignore[assignment]
        c.running = True
        self.chains += 1
        if first.cfg != c.hw_cfg:
            await self.platform.writel(first.cfg, c.reg(r.DMAC_CHAN_CFG_OFFSET))
            c.hw_cfg = first.cfg
        head = first.hw[0].dma
        c.chain_head = head
        await self.platform.writel(head & 0xFFFF_FFFF, c.reg(r.DMAC_CHAN_DESC_LO_OFFSET))
        await self.platform.writel(head >> 32, c.reg(r.DMAC_CHAN_DESC_HI_OFFSET))
        ctrl = _CTRL_START | (_CTRL_PAUSE if c.paused else 0)
        await self.platform.writel(ctrl, c.reg(r.DMAC_CHAN_CTRL_OFFSET))

    # -- dmaengine operations ----------------------------------------------------------------

    async def alloc_chan_resources(self, chan: DmaChan) -> int:
        c = _chan(chan)
        await self.platform.writel(_IRQ_ALL, c.reg(r.DMAC_CHAN_IRQ_ENABLE_OFFSET))
        return 0

    async def free_chan_resources(self, chan: DmaChan) -> None:
        c = _chan(chan)
        await self.terminate_all(c)
        await vchan_synchronize(c)
        vchan_free_chan_resources(c)
        await self.platform.writel(0, c.reg(r.DMAC_CHAN_IRQ_ENABLE_OFFSET))
        c.req_line = None
        c.config = None
        c.failed.clear()

    async def _new_desc(
        self, c: DmacChan, cfg: int, cyclic: bool, direction: int, segs: list[tuple[int, int, int]]
    ) -> DmacDesc | None:
        desc = DmacDesc(c, cfg, cyclic, direction)
        for src, dst, length in segs:
            got = await dma_pool_alloc(self.pool, GFP_NOWAIT)
            if got is None:
                log.error("%s: no memory for a hardware descriptor", dma_chan_name(c))
                c._desc_free(desc)
                return None
            desc.hw.append(HwDesc(got[0], got[1], src, dst, length))
        return desc

    def _addr_ok(self, c: DmacChan, addr: int, length: int) -> bool:
        if addr + length > 1 << self.addr_width:
            log.error(
                "%s: [%#x, +%#x) beyond the controller's %d address bits",
                dma_chan_name(c),
                addr,
                length,
                self.addr_width,
            )
            return False
        return True

    async def prep_dma_memcpy(
        self, chan: DmaChan, dest: int, src: int, length: int, flags: int
    ) -> DmacDesc | None:
        c = _chan(chan)
        if length == 0 or not self._addr_ok(c, src, length) or not self._addr_ok(c, dest, length):
            return None
        segs = []
        for off in range(0, length, MAX_SEG):
            n = min(MAX_SEG, length - off)
            segs.append((src + off, dest + off, n))
        cfg = int(r.DmacFlow.MEM2MEM)
        desc = await self._new_desc(c, cfg, False, DMA_MEM_TO_MEM, segs)
        return None if desc is None else to_virt_desc(vchan_tx_prep(c, desc, flags))  # type: ignore[return-value]

    def _slave_cfg(self, c: DmacChan, direction: int) -> tuple[int, int, int] | None:
        """CFG for a slave transfer in ``direction``, the FIFO address and element width;
        None (logged) if the channel cannot do it."""
        name = dma_chan_name(c)
        if direction not in (DMA_MEM_TO_DEV, DMA_DEV_TO_MEM):
            log.error("%s: unsupported direction %d for a slave transfer", name, direction)
            return None
        if c.req_line is None:
            log.error("%s: not a slave channel (request it by name from dmas)", name)
            return None
        cfg = c.config
        if cfg is None:
            log.error("%s: no dma_slave_config", name)
            return None
        if direction == DMA_MEM_TO_DEV:
            addr, width, burst = cfg.dst_addr, cfg.dst_addr_width, cfg.dst_maxburst
            flow = r.DmacFlow.MEM2DEV
        else:
            addr, width, burst = cfg.src_addr, cfg.src_addr_width, cfg.src_maxburst
            flow = r.DmacFlow.DEV2MEM
        if width not in (1, 2, 4, 8) or width > self.data_bytes:
            log.error("%s: device address width %d not supported", name, width)
            return None
        if addr % width:
            log.error("%s: FIFO address %#x not aligned to its width %d", name, addr, width)
            return None
        value = (
            int(flow) << r.DMAC_CHAN_CFG_FLOW_LSB
            | c.req_line << r.DMAC_CHAN_CFG_REQ_LSB
            | (width.bit_length() - 1) << r.DMAC_CHAN_CFG_DEV_WIDTH_LSB
            | max(1, burst) << r.DMAC_CHAN_CFG_MAXBURST_LSB
        )
        return value, addr, width

    async def prep_slave_sg(
        self, chan: DmaChan, sgl: list[Any], sg_len: int, direction: int, flags: int, context: Any
    ) -> DmacDesc | None:
        c = _chan(chan)
        got = self._slave_cfg(c, direction)
        if got is None or sg_len <= 0:
            return None
        cfg, fifo, width = got
        segs = []
        for sg in sgl[:sg_len]:
            addr, length = sg.dma_address, sg.dma_length
            if length == 0 or length % width:
                log.error(
                    "%s: segment of %d bytes is not a multiple of the %d-byte width",
                    dma_chan_name(c),
                    length,
                    width,
                )
                return None
            if not self._addr_ok(c, addr, length):
                return None
            segs.append(
                (addr, fifo, length) if direction == DMA_MEM_TO_DEV else (fifo, addr, length)
            )
        desc = await self._new_desc(c, cfg, False, direction, segs)
        return None if desc is None else vchan_tx_prep(c, desc, flags)  # type: ignore[return-value]

    async def prep_dma_cyclic(
        self, chan: DmaChan, buf: int, buf_len: int, period_len: int, direction: int, flags: int
    ) -> DmacDesc | None:
        c = _chan(chan)
        got = self._slave_cfg(c, direction)
        if got is None:
            return None
        cfg, fifo, width = got
        if period_len <= 0 or buf_len <= 0 or buf_len % period_len or period_len % width:
            log.error(
                "%s: cyclic buffer of %d bytes cannot be cut into %d-byte periods of %d-byte "
                "elements",
                dma_chan_name(c),
                buf_len,
                period_len,
                width,
            )
            return None
        if not self._addr_ok(c, buf, buf_len):
            return None
        segs = []
        for off in range(0, buf_len, period_len):
            a = buf + off
            segs.append(
                (a, fifo, period_len) if direction == DMA_MEM_TO_DEV else (fifo, a, period_len)
            )
        desc = await self._new_desc(c, cfg, True, direction, segs)
        return None if desc is None else vchan_tx_prep(c, desc, flags)  # type: ignore[return-value]

    def config(self, chan: DmaChan, config: DmaSlaveConfig) -> int:
        c = _chan(chan)
        for width, burst in (
            (config.src_addr_width, config.src_maxburst),
            (config.dst_addr_width, config.dst_maxburst),
        ):
            if width and (width not in (1, 2, 4, 8) or width > self.data_bytes):
                log.error("%s: address width %d not supported", dma_chan_name(c), width)
                return -EINVAL
            if burst > self.dma.max_burst:
                log.error(
                    "%s: maxburst %d above the controller's %d",
                    dma_chan_name(c),
                    burst,
                    self.dma.max_burst,
                )
                return -EINVAL
        c.config = DmaSlaveConfig(**vars(config))
        return 0

    async def issue_pending(self, chan: DmaChan) -> None:
        c = _chan(chan)
        async with c.lock:
            if vchan_issue_pending(c) and not c.running:
                await self._start_chain(c)

    async def tx_status(self, chan: DmaChan, cookie: int, state: DmaTxState | None) -> DmaStatus:
        c = _chan(chan)
        ret = vchan_tx_status(c, cookie, state)
        if ret == DMA_COMPLETE:
            failed = c.failed.get(cookie)
            if failed is not None:
                if state is not None:
                    state.residue = failed.residue
                return DMA_ERROR
            return ret
        if state is not None:
            state.residue = await self._residue(c, cookie)
        if c.paused:
            return DMA_PAUSED
        return ret

    async def _residue(self, c: DmacChan, cookie: int) -> int:
        vd = vchan_find_desc(c, cookie)
        if vd is not None:
            return vd.total  # type: ignore[attr-defined, no-any-return]
        for i, desc in enumerate(c.active):
            if desc.cookie != cookie:
                continue
            cur, left = await self._position(c)
            for j, d in enumerate(c.active):
                for k, h in enumerate(d.hw):
                    if h.dma == cur:
                        if j < i:
                            return desc.total
                        if j > i:
                            return 0
                        return left + sum(x.length for x in d.hw[k + 1 :])
            return desc.total
        for desc in c.desc_submitted:
            if desc.cookie == cookie:
                return desc.total  # type: ignore[attr-defined, no-any-return]
        return 0

    async def _position(self, c: DmacChan) -> tuple[int, int]:
        """CUR_DESC and RESIDUE, read until CUR_DESC is the same before and after.

        RESIDUE 0 at a descriptor means it is finished, except at the chain's first
        descriptor before the controller has taken it: from START until then CUR_DESC
        is DESC and RESIDUE 0 (docs/registers.md). COMPLETED still 0 after those reads
        tells that case, and the whole descriptor is left. (It also covers the few
        cycles between the first descriptor's last write response and its status
        write: the residue is then too large for a moment, never too small.)
        """
        cur = await self._cur_desc(c)
        while True:
            left = await self.platform.readl(c.reg(r.DMAC_CHAN_RESIDUE_OFFSET))
            again = await self._cur_desc(c)
            if again == cur:
                break
            cur = again
        if left == 0 and cur == c.chain_head and c.active:
            done = await self.platform.readl(c.reg(r.DMAC_CHAN_COMPLETED_OFFSET))
            if done == 0:
                left = c.active[0].hw[0].length
        return cur, left

    async def pause(self, chan: DmaChan) -> int:
        c = _chan(chan)
        c.paused = True
        await self.platform.writel(_CTRL_PAUSE, c.reg(r.DMAC_CHAN_CTRL_OFFSET))
        for _ in range(ABORT_TIMEOUT_POLLS):
            st = await self.platform.readl(c.reg(r.DMAC_CHAN_STATUS_OFFSET))
            if not st & 1 << r.DMAC_CHAN_STATUS_BUSY_LSB or st & 1 << r.DMAC_CHAN_STATUS_PAUSED_LSB:
                return 0
            await self.platform.delay(ABORT_POLL_CYCLES)
        log.error("%s: did not pause", dma_chan_name(c))
        return -EIO

    async def resume(self, chan: DmaChan) -> int:
        c = _chan(chan)
        c.paused = False
        await self.platform.writel(0, c.reg(r.DMAC_CHAN_CTRL_OFFSET))
        return 0

    async def terminate_all(self, chan: DmaChan) -> int:
        """Abort the chain and wait until the channel is idle (the controller guarantees no
        bus access after that); drop every transaction that has not had its callback."""
        c = _chan(chan)
        async with c.lock:
            return await self._terminate(c)

    async def _terminate(self, c: DmacChan) -> int:
        if c.running:
            await self.platform.writel(_CTRL_ABORT, c.reg(r.DMAC_CHAN_CTRL_OFFSET))
            for _ in range(ABORT_TIMEOUT_POLLS):
                st = await self.platform.readl(c.reg(r.DMAC_CHAN_STATUS_OFFSET))
                if not st & 1 << r.DMAC_CHAN_STATUS_BUSY_LSB:
                    break
                await self.platform.delay(ABORT_POLL_CYCLES)
            else:
                log.error("%s: did not stop after ABORT", dma_chan_name(c))
                return -EIO
        await self.platform.writel(_IRQ_ALL, c.reg(r.DMAC_CHAN_IRQ_STATUS_OFFSET))
        c.status = 0
        c.running = False
        c.paused = False
        for desc in c.active:
            vchan_terminate_vdesc(desc)
        c.active = []
        c.cyclic = None
        head: list[VirtDmaDesc] = []
        vchan_get_all_descriptors(c, head)
        vchan_dma_desc_free_list(c, head)
        return 0

    async def synchronize(self, chan: DmaChan) -> None:
        await vchan_synchronize(_chan(chan))


def _chan(chan: DmaChan) -> DmacChan:
    assert isinstance(chan, DmacChan)
    return chan


def dmac_xlate(cells: list[int], ofdma: OfDma) -> DmaChan | None:
    """of_dma_xlate: one cell, the request line; any free channel is tied to it (-EBUSY as
    None when another channel holds the line or none is free)."""
    dmac: Dmac = ofdma.of_dma_data
    if len(cells) != 1 or not 0 <= cells[0] < NUM_REQ_LINES:
        log.error("dmac: bad dmas cells %s (one cell: the request line)", cells)
        return None
    line = cells[0]
    if any(c.req_line == line and c.client_count for c in dmac.chans):
        log.error("dmac: request line %d already has a channel (%d)", line, -EBUSY)
        return None
    for c in dmac.chans:
        if dma_get_slave_channel(c) is not None:
            c.req_line = line
            return c
    return None


async def dmac_probe(
    platform: Platform, dev: Device, regs: int, irq: int, of_node: DeviceNode | None = None
) -> Dmac | int:
    """Probe the controller whose registers are at physical ``regs`` and interrupt is
    ``irq``; ``dev`` is its struct device (masks, coherence, IOMMU ops already set up).
    Returns the driver's state, or a negative errno (-ENODEV: not this controller)."""
    ident = await platform.readl(regs + r.DMAC_ID_OFFSET)
    if ident != DMAC_ID_MAGIC:
        log.error("dmac at %#x: ID %#x is not %#x", regs, ident, DMAC_ID_MAGIC)
        return -ENODEV
    d = Dmac(platform, dev, regs, irq)
    d.version = await platform.readl(regs + r.DMAC_VERSION_OFFSET)
    config = await platform.readl(regs + r.DMAC_CONFIG_OFFSET)
    d.num_channels = _field(config, r.DMAC_CONFIG_NUM_CHANNELS_LSB, 8)
    d.data_bytes = _field(config, r.DMAC_CONFIG_DATA_BYTES_LSB, 8)
    d.addr_width = _field(config, r.DMAC_CONFIG_ADDR_WIDTH_LSB, 8)
    d.max_burst_len = 1 << _field(config, r.DMAC_CONFIG_MAX_BURST_LOG2_LSB, 4)
    pool = dma_pool_create("dmac-desc", dev, HW_DESC_SIZE, HW_DESC_SIZE, 0)
    if pool is None:
        return -ENOMEM
    d.pool = pool
    dma = d.dma
    for cap in (DMA_MEMCPY, DMA_SLAVE, DMA_CYCLIC, DMA_PRIVATE):
        dma.cap_mask.set(cap)
    widths = 0
    for w in (1, 2, 4, 8):
        if w <= d.data_bytes:
            widths |= BIT(w)
    dma.src_addr_widths = dma.dst_addr_widths = widths
    dma.directions = BIT(DMA_MEM_TO_MEM) | BIT(DMA_MEM_TO_DEV) | BIT(DMA_DEV_TO_MEM)
    dma.min_burst = 1
    dma.max_burst = min(16, d.max_burst_len)
    dma.max_sg_burst = 0
    dma.residue_granularity = DMA_RESIDUE_GRANULARITY_BURST
    dma.descriptor_reuse = True
    dma.copy_align = 0  # any alignment: the realigner handles it
    dma.device_alloc_chan_resources = d.alloc_chan_resources
    dma.device_free_chan_resources = d.free_chan_resources
    dma.device_prep_dma_memcpy = d.prep_dma_memcpy
    dma.device_prep_slave_sg = d.prep_slave_sg
    dma.device_prep_dma_cyclic = d.prep_dma_cyclic
    dma.device_config = d.config
    dma.device_pause = d.pause
    dma.device_resume = d.resume
    dma.device_terminate_all = d.terminate_all
    dma.device_synchronize = d.synchronize
    dma.device_tx_status = d.tx_status
    dma.device_issue_pending = d.issue_pending
    for i in range(d.num_channels):
        c = DmacChan(d, i)
        vchan_init(c, dma)
        d.chans.append(c)
        await platform.writel(0, c.reg(r.DMAC_CHAN_IRQ_ENABLE_OFFSET))
        await platform.writel(_IRQ_ALL, c.reg(r.DMAC_CHAN_IRQ_STATUS_OFFSET))
    ret = dma_async_device_register(dma)
    if ret:
        return ret
    platform.request_irq(irq, d._irq_handler, "dmac")
    if of_node is not None:
        of_dma_controller_register(of_node, dmac_xlate, d)
    log.info(
        "dmac at %#x: version %#x, %d channels, %d-bit data, %d-bit addresses, bursts of %d",
        regs,
        d.version,
        d.num_channels,
        8 * d.data_bytes,
        d.addr_width,
        d.max_burst_len,
    )
    return d


async def dmac_remove(d: Dmac) -> None:
    from sw.drivers.dma.dmaengine import dma_async_device_unregister

    for c in d.chans:
        if c.client_count:
            await d.free_chan_resources(c)
    d.platform.free_irq(d.irq, d._irq_handler)
    await tasklet_kill(d.tasklet)
    dma_async_device_unregister(d.dma)
    await dma_pool_destroy(d.pool)

"""Virtual DMA channels (drivers/dma/virt-dma.c, virt-dma.h): the descriptor lists and
completion tasklet most providers build on.

A descriptor moves through the channel's lists::

    prep -> desc_allocated --submit--> desc_submitted --issue_pending--> desc_issued
         --(provider: vchan_cookie_complete)--> desc_completed --tasklet: callback-->
         freed, or back to desc_allocated if it is reusable

and a terminated one goes to ``desc_terminated``, freed by :func:`vchan_synchronize`.
The provider takes the head of ``desc_issued`` (:func:`vchan_next_desc`) when the hardware
can run it, removes it from the list while it runs, and calls
:func:`vchan_cookie_complete` (or :func:`vchan_cyclic_callback` once per period of a cyclic
one) when the hardware finished it; callbacks run in the channel's tasklet, never in the
interrupt handler.  Lists are plain Python lists; the model is cooperative (one context runs
until it awaits), so vc.lock's critical sections are the code between awaits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sw.drivers.dma.dmaengine import (
    DmaAsyncTxDescriptor,
    DmaChan,
    DmaDevice,
    DmaengineDescCallback,
    dma_cookie_assign,
    dma_cookie_complete,
    dma_cookie_init,
    dma_cookie_status,
    dmaengine_desc_callback_invoke,
    dmaengine_desc_clear_reuse,
    dmaengine_desc_test_reuse,
)
from sw.include.linux.dmaengine import DMA_TRANS_NOERROR, DmaengineResult
from sw.kernel.softirq import Tasklet, in_tasklet, tasklet_kill, tasklet_schedule, tasklet_setup
from sw.platform import Platform


class VirtDmaDesc(DmaAsyncTxDescriptor):
    """struct virt_dma_desc: the tx descriptor (this object: ``vd.tx is vd``), its result
    and the list it is on (``node``)."""

    def __init__(self, chan: DmaChan) -> None:
        super().__init__(chan)
        self.tx_result = DmaengineResult()
        self.node: list[VirtDmaDesc] | None = None

    @property
    def tx(self) -> VirtDmaDesc:
        return self


def to_virt_desc(tx: DmaAsyncTxDescriptor) -> VirtDmaDesc:
    assert isinstance(tx, VirtDmaDesc)
    return tx


def _list_del(vd: VirtDmaDesc) -> None:
    if vd.node is not None:
        vd.node.remove(vd)
        vd.node = None


def _list_add_tail(vd: VirtDmaDesc, head: list[VirtDmaDesc]) -> None:
    _list_del(vd)
    head.append(vd)
    vd.node = head


def _list_add(vd: VirtDmaDesc, head: list[VirtDmaDesc]) -> None:
    _list_del(vd)
    head.insert(0, vd)
    vd.node = head


def _splice_tail_init(src: list[VirtDmaDesc], dst: list[VirtDmaDesc]) -> None:
    for vd in src:
        vd.node = dst
    dst.extend(src)
    src.clear()


class VirtDmaChan(DmaChan):
    """struct virt_dma_chan."""

    def __init__(self, device: DmaDevice, platform: Platform) -> None:
        super().__init__(device)
        self.platform = platform
        self.desc_allocated: list[VirtDmaDesc] = []
        self.desc_submitted: list[VirtDmaDesc] = []
        self.desc_issued: list[VirtDmaDesc] = []
        self.desc_completed: list[VirtDmaDesc] = []
        self.desc_terminated: list[VirtDmaDesc] = []
        self.cyclic: VirtDmaDesc | None = None
        self.desc_free: Callable[[VirtDmaDesc], None] = _must_set_desc_free
        self.task: Tasklet = tasklet_setup(platform, self._complete, "vchan_complete")

    async def _complete(self, _t: Tasklet) -> None:
        await vchan_complete(self)


def _must_set_desc_free(vd: VirtDmaDesc) -> None:
    raise RuntimeError("virt-dma channel without desc_free: the provider must set it")


def vchan_init(vc: VirtDmaChan, dmadev: DmaDevice) -> None:
    dma_cookie_init(vc)
    vc.device = dmadev
    dmadev.channels.append(vc)


def vchan_tx_prep(vc: VirtDmaChan, vd: VirtDmaDesc, tx_flags: int) -> VirtDmaDesc:
    vd.chan = vc
    vd.flags = tx_flags
    vd.tx_submit = vchan_tx_submit
    vd.desc_free = vchan_tx_desc_free
    vd.tx_result = DmaengineResult(DMA_TRANS_NOERROR, 0)
    vd.freed = False
    _list_add_tail(vd, vc.desc_allocated)
    return vd


def vchan_tx_submit(tx: DmaAsyncTxDescriptor) -> int:
    vd = to_virt_desc(tx)
    vc = to_virt_chan(tx.chan)
    cookie = dma_cookie_assign(tx)
    _list_add_tail(vd, vc.desc_submitted)
    return cookie


def vchan_tx_desc_free(tx: DmaAsyncTxDescriptor) -> int:
    """dmaengine_desc_free of a reusable descriptor: off its list, back to the provider."""
    vd = to_virt_desc(tx)
    vc = to_virt_chan(tx.chan)
    _list_del(vd)
    vd.freed = True
    vc.desc_free(vd)
    return 0


def to_virt_chan(chan: DmaChan) -> VirtDmaChan:
    assert isinstance(chan, VirtDmaChan)
    return chan


def vchan_issue_pending(vc: VirtDmaChan) -> bool:
    """Move every submitted descriptor to ``desc_issued``; whether any is issued."""
    _splice_tail_init(vc.desc_submitted, vc.desc_issued)
    return bool(vc.desc_issued)


def vchan_next_desc(vc: VirtDmaChan) -> VirtDmaDesc | None:
    return vc.desc_issued[0] if vc.desc_issued else None


def vchan_find_desc(vc: VirtDmaChan, cookie: int) -> VirtDmaDesc | None:
    """A descriptor of ``desc_issued`` by cookie (one not yet given to the hardware)."""
    for vd in vc.desc_issued:
        if vd.cookie == cookie:
            return vd
    return None


def vchan_cookie_complete(vd: VirtDmaDesc) -> None:
    """The hardware finished ``vd``: complete its cookie, queue its callback."""
    vc = to_virt_chan(vd.chan)
    dma_cookie_complete(vd)
    _list_add_tail(vd, vc.desc_completed)
    tasklet_schedule(vc.task)


def vchan_cyclic_callback(vd: VirtDmaDesc) -> None:
    """A period of the cyclic ``vd`` finished: run its callback (once per tasklet run)."""
    vc = to_virt_chan(vd.chan)
    vc.cyclic = vd
    tasklet_schedule(vc.task)


def vchan_terminate_vdesc(vd: VirtDmaDesc) -> None:
    """``vd`` was on the hardware when the channel was terminated: no callback; freed by
    :func:`vchan_synchronize`."""
    vc = to_virt_chan(vd.chan)
    _list_add_tail(vd, vc.desc_terminated)
    if vc.cyclic is vd:
        vc.cyclic = None


def vchan_vdesc_fini(vd: VirtDmaDesc) -> None:
    """Free a finished descriptor, or put it back on the allocated list for reuse. A
    reusable one its callback submitted again stays where the submit put it (Linux
    would list_add a node already on the submitted list)."""
    vc = to_virt_chan(vd.chan)
    if dmaengine_desc_test_reuse(vd):
        if vd.node is None:
            _list_add(vd, vc.desc_allocated)
    else:
        _list_del(vd)
        vd.freed = True
        vc.desc_free(vd)


def vchan_get_all_descriptors(vc: VirtDmaChan, head: list[VirtDmaDesc]) -> None:
    for lst in (
        vc.desc_allocated,
        vc.desc_submitted,
        vc.desc_issued,
        vc.desc_completed,
        vc.desc_terminated,
    ):
        _splice_tail_init(lst, head)


def vchan_dma_desc_free_list(vc: VirtDmaChan, head: list[VirtDmaDesc]) -> None:
    for vd in list(head):
        _list_del(vd)
        vchan_vdesc_fini(vd)


def vchan_free_chan_resources(vc: VirtDmaChan) -> None:
    head: list[VirtDmaDesc] = []
    vchan_get_all_descriptors(vc, head)
    for vd in head:
        dmaengine_desc_clear_reuse(vd)
    vchan_dma_desc_free_list(vc, head)


async def vchan_synchronize(vc: VirtDmaChan) -> None:
    """Wait for the tasklet to run out, then free the terminated descriptors."""
    if in_tasklet(vc.task):
        raise RuntimeError(
            f"dmaengine_synchronize on {vc!r} from its own callback: it would wait for "
            "itself (use dmaengine_terminate_async in a callback)"
        )
    await tasklet_kill(vc.task)
    head: list[VirtDmaDesc] = []
    _splice_tail_init(vc.desc_terminated, head)
    vchan_dma_desc_free_list(vc, head)


async def vchan_complete(vc: VirtDmaChan) -> None:
    """The tasklet: the cyclic descriptor's period callback (once per
    :func:`vchan_cyclic_callback`: ``vc.cyclic`` is taken), then each completed
    descriptor's callback with its result, and only after it ``vchan_vdesc_fini``: the
    descriptor is freed, or back on the allocated list for reuse."""
    vd = vc.cyclic
    vc.cyclic = None
    cyclic_cb = DmaengineDescCallback(vd) if vd is not None else None
    head: list[VirtDmaDesc] = []
    _splice_tail_init(vc.desc_completed, head)
    if cyclic_cb is not None and vd is not None:
        await dmaengine_desc_callback_invoke(cyclic_cb, vd.tx_result)
    for vd in list(head):
        cb = DmaengineDescCallback(vd)
        _list_del(vd)
        await dmaengine_desc_callback_invoke(cb, vd.tx_result)
        vchan_vdesc_fini(vd)


def vchan_tx_status(vc: VirtDmaChan, cookie: int, state: Any) -> Any:
    """The cookie part of a provider's tx_status (dma_cookie_status)."""
    return dma_cookie_status(vc, cookie, state)

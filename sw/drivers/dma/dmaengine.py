"""The dmaengine core (drivers/dma/dmaengine.c, drivers/dma/dmaengine.h, drivers/dma/of-dma.c
and the inline helpers of include/linux/dmaengine.h).

Providers fill a :class:`DmaDevice` (capabilities and ``device_*`` operations; an operation
left None is one the controller does not have, as a NULL function pointer) and register it
with :func:`dma_async_device_register`, and their device-tree node with
:func:`of_dma_controller_register`.  Clients take channels with :func:`dma_request_chan`
(by name, through their node's ``dmas``/``dma-names``) or :func:`dma_request_chan_by_mask`,
then prepare, submit and issue transactions and get callbacks.

Differences from Linux, all from the model running on simulated hardware: the calls that
may reach the controller's registers or allocate from a DMA pool are coroutines
(``dma_request_chan``, ``dma_release_channel``, the prep calls, ``dma_async_issue_pending``,
``dmaengine_tx_status``, pause, resume, terminate, synchronize); ``dmaengine_submit`` and the
cookie helpers are plain.  A misuse that would oops or deadlock a kernel (a submit after
the channel was released, ``dmaengine_synchronize`` from the channel's own callback) fails
with an error code or an exception that names it, never silently.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from sw.drivers.base.core import Device
from sw.include.linux.dmaengine import (
    DMA_COMPLETE,
    DMA_CTRL_ACK,
    DMA_CTRL_REUSE,
    DMA_CYCLIC,
    DMA_ERROR,
    DMA_IN_PROGRESS,
    DMA_MAX_COOKIE,
    DMA_MIN_COOKIE,
    DMA_PRIVATE,
    DMA_RESIDUE_GRANULARITY_DESCRIPTOR,
    DMA_SLAVE,
    DmaAsyncTxCallback,
    DmaAsyncTxCallbackResult,
    DmaCapMask,
    DmaengineResult,
    DmaSlaveCaps,
    DmaSlaveConfig,
    DmaStatus,
    DmaTxState,
)
from sw.include.linux.err import EINVAL, ENODEV, ENOSYS, ENXIO, EPERM, EPROBE_DEFER, ERR_PTR, ErrPtr
from sw.include.linux.of import DeviceNode

log = logging.getLogger("sw.dmaengine")


class DmaAsyncTxDescriptor:
    """struct dma_async_tx_descriptor: one prepared transaction."""

    def __init__(self, chan: DmaChan, flags: int = 0) -> None:
        self.chan = chan
        self.cookie = 0  # 0: not submitted (or completed, dma_cookie_complete zeroes it)
        self.flags = flags
        self.callback: DmaAsyncTxCallback | None = None
        self.callback_result: DmaAsyncTxCallbackResult | None = None
        self.callback_param: Any = None
        self.tx_submit: Callable[[DmaAsyncTxDescriptor], int] = _no_submit
        self.desc_free: Callable[[DmaAsyncTxDescriptor], int] | None = None
        self.freed = False  # set when the provider gave it back: any further use is a bug


def _no_submit(tx: DmaAsyncTxDescriptor) -> int:
    raise RuntimeError("descriptor without tx_submit: the provider did not initialise it")


class DmaChan:
    """struct dma_chan."""

    def __init__(self, device: DmaDevice) -> None:
        self.device = device
        self.chan_id = 0
        self.cookie = DMA_MIN_COOKIE - 1
        self.completed_cookie = DMA_MIN_COOKIE - 1
        self.client_count = 0
        self.table_count = 0
        self.private: Any = None
        self.slave: Device | None = None  # the client device of a named request
        self.name: str | None = None  # "dma:<dma-name>", the sysfs link's name
        self.dbg_client_name: str | None = None

    def __repr__(self) -> str:
        return f"<DmaChan {dma_chan_name(self)}>"


class DmaDevice:
    """struct dma_device: what a provider registers.  ``dev`` is the controller's own
    ``struct device``: buffers are mapped against it, so its IOMMU domain, masks and
    coherence are the ones that apply."""

    def __init__(self, dev: Device) -> None:
        self.dev = dev
        self.dev_id = -1
        self.channels: list[DmaChan] = []
        self.chancnt = 0
        self.cap_mask = DmaCapMask()
        self.src_addr_widths = 0
        self.dst_addr_widths = 0
        self.directions = 0
        self.min_burst = 0
        self.max_burst = 0
        self.max_sg_burst = 0
        self.residue_granularity = DMA_RESIDUE_GRANULARITY_DESCRIPTOR
        self.descriptor_reuse = False
        self.copy_align = 0  # log2 of the alignment memcpy needs (dmaengine_check_align)
        self.privatecnt = 0
        # operations; None where the controller has none
        self.device_alloc_chan_resources: Callable[..., Any] | None = None
        self.device_free_chan_resources: Callable[..., Any] | None = None
        self.device_prep_dma_memcpy: Callable[..., Any] | None = None
        self.device_prep_slave_sg: Callable[..., Any] | None = None
        self.device_prep_dma_cyclic: Callable[..., Any] | None = None
        self.device_config: Callable[..., Any] | None = None
        self.device_pause: Callable[..., Any] | None = None
        self.device_resume: Callable[..., Any] | None = None
        self.device_terminate_all: Callable[..., Any] | None = None
        self.device_synchronize: Callable[..., Any] | None = None
        self.device_tx_status: Callable[..., Any] | None = None
        self.device_issue_pending: Callable[..., Any] | None = None
        self.device_caps: Callable[[DmaChan, DmaSlaveCaps], None] | None = None


_devices: list[DmaDevice] = []
_next_dev_id = 0


def dma_chan_name(chan: DmaChan) -> str:
    return f"dma{chan.device.dev_id}chan{chan.chan_id}"


def dma_async_device_register(device: DmaDevice) -> int:
    """Check the operations the capabilities need and give the device and its channels
    their names (dma<N>chan<M>); 0 or -EIO, as dma_async_device_register."""
    global _next_dev_id
    needs = {
        "device_prep_dma_memcpy": 0,  # DMA_MEMCPY
        "device_prep_slave_sg": int(DMA_SLAVE),
        "device_prep_dma_cyclic": int(DMA_CYCLIC),
    }
    for op, cap in needs.items():
        if device.cap_mask.has(cap) and getattr(device, op) is None:
            log.error("Device claims capability %s, but op is not defined", op)
            return -5
    if device.device_tx_status is None or device.device_issue_pending is None:
        log.error("Device tx_status or issue_pending is not defined")
        return -5
    device.dev_id = _next_dev_id
    _next_dev_id += 1
    for i, chan in enumerate(device.channels):
        chan.chan_id = i
        chan.device = device
    device.chancnt = len(device.channels)
    if device.cap_mask.has(DMA_PRIVATE):
        device.privatecnt = 1
    _devices.append(device)
    return 0


def dma_async_device_unregister(device: DmaDevice) -> None:
    for chan in device.channels:
        if chan.client_count:
            log.warning("%s called while %d clients hold references", dma_chan_name(chan), 1)
    if device in _devices:
        _devices.remove(device)
    for np in [np for np, (d, _, _) in _of_dma_list.items() if d is device]:
        del _of_dma_list[np]


def dma_devices_reset() -> None:
    """Forget every registered device (a new boot: each simulation starts with none)."""
    global _next_dev_id
    _devices.clear()
    _of_dma_list.clear()
    _next_dev_id = 0


# -- cookies (drivers/dma/dmaengine.h) ----------------------------------------------------------


def dma_cookie_init(chan: DmaChan) -> None:
    chan.cookie = DMA_MIN_COOKIE
    chan.completed_cookie = DMA_MIN_COOKIE


def dma_cookie_assign(tx: DmaAsyncTxDescriptor) -> int:
    chan = tx.chan
    cookie = chan.cookie + 1
    if cookie > DMA_MAX_COOKIE or cookie < DMA_MIN_COOKIE:
        cookie = DMA_MIN_COOKIE
    tx.cookie = chan.cookie = cookie
    return cookie


def dma_cookie_complete(tx: DmaAsyncTxDescriptor) -> None:
    if tx.cookie < DMA_MIN_COOKIE:
        raise RuntimeError(f"dma_cookie_complete: descriptor {tx!r} was never submitted")
    tx.chan.completed_cookie = tx.cookie
    tx.cookie = 0


def dma_async_is_complete(cookie: int, last_complete: int, last_used: int) -> DmaStatus:
    """Whether ``cookie`` is done, given the last completed and last used cookies (wrap
    aware, as the inline of the same name)."""
    if last_complete <= last_used:
        if cookie <= last_complete or cookie > last_used:
            return DMA_COMPLETE
    elif cookie <= last_complete and cookie > last_used:
        return DMA_COMPLETE
    return DMA_IN_PROGRESS


def dma_cookie_status(chan: DmaChan, cookie: int, state: DmaTxState | None) -> DmaStatus:
    used, complete = chan.cookie, chan.completed_cookie
    if state is not None:
        state.last = complete
        state.used = used
        state.residue = 0
        state.in_flight_bytes = 0
    return dma_async_is_complete(cookie, complete, used)


def dma_set_residue(state: DmaTxState | None, residue: int) -> None:
    if state is not None:
        state.residue = residue


def dma_set_in_flight_bytes(state: DmaTxState | None, in_flight_bytes: int) -> None:
    if state is not None:
        state.in_flight_bytes = in_flight_bytes


# -- callbacks (dmaengine_desc_get_callback / dmaengine_desc_callback_invoke) -------------------


class DmaengineDescCallback:
    def __init__(self, tx: DmaAsyncTxDescriptor) -> None:
        self.callback = tx.callback
        self.callback_result = tx.callback_result
        self.callback_param = tx.callback_param

    def valid(self) -> bool:  # dmaengine_desc_callback_valid
        return self.callback is not None or self.callback_result is not None


async def dmaengine_desc_callback_invoke(
    cb: DmaengineDescCallback, result: DmaengineResult | None
) -> None:
    """Run the client's callback: ``callback_result(param, result)`` if set (with a
    NOERROR result when the provider passes none), else ``callback(param)``.  A callback
    may be a coroutine function (it may issue new work, which reaches registers)."""
    if cb.callback_result is not None:
        ret = cb.callback_result(cb.callback_param, result or DmaengineResult())
    elif cb.callback is not None:
        ret = cb.callback(cb.callback_param)
    else:
        return
    if inspect.isawaitable(ret):
        await ret


# -- channel requests ---------------------------------------------------------------------------

OfDmaXlate = Callable[[list[int], "OfDma"], DmaChan | None]


class OfDma:
    """struct of_dma: a provider's node, its translation function and data."""

    def __init__(self, np: DeviceNode, xlate: OfDmaXlate, data: Any) -> None:
        self.of_node = np
        self.of_dma_xlate = xlate
        self.of_dma_data = data


_of_dma_list: dict[DeviceNode, tuple[DmaDevice | None, OfDma, Any]] = {}


def of_dma_controller_register(np: DeviceNode, xlate: OfDmaXlate, data: Any) -> int:
    """Make ``np`` a DMA provider: ``dmas`` entries pointing at it are translated by
    ``xlate(cells, ofdma)``; ``data`` is usually the DmaDevice."""
    if np in _of_dma_list:
        return -EINVAL
    device = data if isinstance(data, DmaDevice) else None
    _of_dma_list[np] = (device, OfDma(np, xlate, data), data)
    return 0


def of_dma_controller_free(np: DeviceNode) -> None:
    _of_dma_list.pop(np, None)


def dma_get_slave_channel(chan: DmaChan) -> DmaChan | None:
    """Claim ``chan`` for exclusive use if nobody holds it (for xlate functions); the
    resources are allocated by the caller, :func:`dma_request_chan`."""
    if chan.client_count:
        return None
    return chan


async def _dma_chan_get(chan: DmaChan) -> int:
    dev = chan.device
    if dev.device_alloc_chan_resources is not None:
        ret = await dev.device_alloc_chan_resources(chan)
        if ret < 0:
            return int(ret)
    chan.client_count += 1
    return 0


async def of_dma_request_slave_channel(np: DeviceNode, name: str) -> DmaChan | ErrPtr:
    """The channel named ``name`` in ``np``'s ``dma-names``, translated by its provider:
    every entry with that name is tried in turn, as Linux does; -ENODEV when none gives
    a channel, -EPROBE_DEFER when one of them names a provider not registered yet."""
    names = np.properties.get("dma-names")
    if "dmas" not in np.properties or not names:
        log.error("%s: dma-names property missing or empty", np)
        return ERR_PTR(-ENODEV)
    ret_no_channel = -ENODEV
    for index, entry_name in enumerate(names):
        if entry_name != name:
            continue
        spec = np.properties["dmas"][index]
        provider, cells = spec[0], [int(c) for c in spec[1:]]
        entry = _of_dma_list.get(provider)
        if entry is None:
            ret_no_channel = -EPROBE_DEFER
            continue
        _, ofdma, _ = entry
        chan = ofdma.of_dma_xlate(cells, ofdma)
        if chan is not None and await _dma_chan_get(chan) == 0:
            return chan
    return ERR_PTR(ret_no_channel)


async def dma_request_chan(dev: Device, name: str) -> DmaChan | ErrPtr:
    """dma_request_chan: the slave channel ``name`` of ``dev`` from its device-tree node;
    an error pointer (-ENODEV, -EPROBE_DEFER, -EBUSY...) when none can be had."""
    # No device-tree node: no filter map either here, so Linux's "not yet" (-EPROBE_DEFER).
    chan: DmaChan | ErrPtr = ERR_PTR(-EPROBE_DEFER)
    if dev.of_node is not None:
        chan = await of_dma_request_slave_channel(dev.of_node, name)
    if isinstance(chan, ErrPtr):
        if chan.error != -EPROBE_DEFER:
            log.error(
                "%s: dma_request_chan: no channel named '%s' (%d)", dev.name, name, chan.error
            )
        return chan
    chan.slave = dev
    chan.name = f"dma:{name}"
    chan.dbg_client_name = f"{dev.name}:{name}"
    return chan


def _private_candidate(mask: DmaCapMask, device: DmaDevice, fn: Any, param: Any) -> DmaChan | None:
    if not mask.issubset(device.cap_mask):
        return None
    for chan in device.channels:
        if chan.client_count:
            continue
        if fn is not None and not fn(chan, param):
            continue
        return chan
    return None


async def dma_request_channel(
    mask: DmaCapMask, fn: Callable[[DmaChan, Any], bool] | None = None, param: Any = None
) -> DmaChan | None:
    """__dma_request_channel: the first free channel with the capabilities of ``mask``
    that ``fn(chan, param)`` accepts; None if there is none."""
    for device in list(_devices):
        chan = _private_candidate(mask, device, fn, param)
        if chan is None:
            continue
        if await _dma_chan_get(chan) == 0:
            device.privatecnt += 1
            return chan
    return None


async def dma_request_chan_by_mask(mask: DmaCapMask) -> DmaChan | ErrPtr:
    chan = await dma_request_channel(mask)
    if chan is None:
        return ERR_PTR(-EPROBE_DEFER if not _devices else -ENODEV)
    return chan


async def dma_release_channel(chan: DmaChan) -> None:
    """Give ``chan`` back: the provider stops it and frees its descriptors.  Releasing a
    channel nobody holds is a bug (Linux WARNs "chan reference count %d != 1")."""
    if chan.client_count != 1:
        raise RuntimeError(
            f"dma_release_channel({dma_chan_name(chan)}): chan reference count "
            f"{chan.client_count} != 1"
        )
    dev = chan.device
    if dev.device_free_chan_resources is not None:
        await dev.device_free_chan_resources(chan)
    chan.client_count = 0
    chan.slave = None
    chan.name = None
    chan.dbg_client_name = None


# -- capabilities and configuration --------------------------------------------------------------


def dma_get_slave_caps(chan: DmaChan | None, caps: DmaSlaveCaps) -> int:
    if chan is None or caps is None:
        return -EINVAL
    device = chan.device
    if not (device.cap_mask.has(DMA_SLAVE) or device.cap_mask.has(DMA_CYCLIC)):
        return -ENXIO
    if not device.directions:
        return -ENXIO
    caps.src_addr_widths = device.src_addr_widths
    caps.dst_addr_widths = device.dst_addr_widths
    caps.directions = device.directions
    caps.min_burst = device.min_burst
    caps.max_burst = device.max_burst
    caps.max_sg_burst = device.max_sg_burst
    caps.residue_granularity = device.residue_granularity
    caps.descriptor_reuse = device.descriptor_reuse
    caps.cmd_pause = device.device_pause is not None
    caps.cmd_resume = device.device_resume is not None
    caps.cmd_terminate = device.device_terminate_all is not None
    if device.device_caps is not None:
        device.device_caps(chan, caps)
    return 0


def dmaengine_slave_config(chan: DmaChan, config: DmaSlaveConfig) -> int:
    if chan.device.device_config is None:
        return -ENOSYS
    return int(chan.device.device_config(chan, config))


def is_dma_copy_aligned(dev: DmaDevice, off1: int, off2: int, length: int) -> bool:
    mask = (1 << dev.copy_align) - 1
    return not ((off1 | off2 | length) & mask)


# -- prep, submit, issue ---------------------------------------------------------------------------


def _usable(chan: DmaChan | None, op: str) -> bool:
    if chan is None:
        return False
    if chan.client_count == 0:
        log.error("%s: %s on a channel nobody holds (released?)", dma_chan_name(chan), op)
        return False
    return getattr(chan.device, op) is not None


async def dmaengine_prep_dma_memcpy(
    chan: DmaChan, dest: int, src: int, length: int, flags: int
) -> DmaAsyncTxDescriptor | None:
    if not _usable(chan, "device_prep_dma_memcpy"):
        return None
    op = chan.device.device_prep_dma_memcpy
    assert op is not None
    return await op(chan, dest, src, length, flags)


async def dmaengine_prep_slave_sg(
    chan: DmaChan, sgl: list[Any], sg_len: int, direction: int, flags: int
) -> DmaAsyncTxDescriptor | None:
    """``sgl`` is a mapped scatterlist (its sg_dma_address / sg_dma_len are used)."""
    if not _usable(chan, "device_prep_slave_sg"):
        return None
    op = chan.device.device_prep_slave_sg
    assert op is not None
    return await op(chan, sgl, sg_len, direction, flags, None)


async def dmaengine_prep_slave_single(
    chan: DmaChan, buf: int, length: int, direction: int, flags: int
) -> DmaAsyncTxDescriptor | None:
    """One DMA address and length, as a one-entry scatterlist."""
    from sw.lib.scatterlist import Scatterlist

    sg = Scatterlist()
    sg.dma_address = buf
    sg.dma_length = length
    sg.length = length
    return await dmaengine_prep_slave_sg(chan, [sg], 1, direction, flags)


async def dmaengine_prep_dma_cyclic(
    chan: DmaChan, buf_addr: int, buf_len: int, period_len: int, direction: int, flags: int
) -> DmaAsyncTxDescriptor | None:
    if not _usable(chan, "device_prep_dma_cyclic"):
        return None
    op = chan.device.device_prep_dma_cyclic
    assert op is not None
    return await op(chan, buf_addr, buf_len, period_len, direction, flags)


def dmaengine_submit(desc: DmaAsyncTxDescriptor) -> int:
    """Queue ``desc`` (nothing starts until :func:`dma_async_issue_pending`); its cookie,
    or a negative errno (:func:`dma_submit_error`): -EINVAL for a descriptor the provider
    already freed or on a released channel."""
    if desc.freed:
        log.error("%s: submit of a freed descriptor", dma_chan_name(desc.chan))
        return -EINVAL
    if desc.chan.client_count == 0:
        log.error("%s: submit on a released channel", dma_chan_name(desc.chan))
        return -EINVAL
    return int(desc.tx_submit(desc))


def dma_submit_error(cookie: int) -> int:
    return cookie if cookie < 0 else 0


async def dma_async_issue_pending(chan: DmaChan) -> None:
    op = chan.device.device_issue_pending
    assert op is not None
    await op(chan)


async def dmaengine_tx_status(chan: DmaChan, cookie: int, state: DmaTxState | None) -> DmaStatus:
    op = chan.device.device_tx_status
    assert op is not None
    return DmaStatus(await op(chan, cookie, state))


async def dma_async_is_tx_complete(
    chan: DmaChan, cookie: int, state: DmaTxState | None = None
) -> DmaStatus:
    """The status of ``cookie``; ``state`` (if given) gets last and used, as Linux's
    ``*last`` and ``*used`` out arguments."""
    state = state if state is not None else DmaTxState()
    return await dmaengine_tx_status(chan, cookie, state)


async def dma_sync_wait(chan: DmaChan, cookie: int, timeout_ns: int = 5_000_000_000) -> DmaStatus:
    """Issue and poll until ``cookie`` is no longer in progress (polled dmatest); DMA_ERROR
    after ``timeout_ns`` with "dma_sync_wait_timeout!", as Linux after 5 s."""
    platform = _platform()
    start = platform.ktime_get_ns()
    await dma_async_issue_pending(chan)
    while True:
        status = await dma_async_is_tx_complete(chan, cookie)
        if status != DMA_IN_PROGRESS:
            return status
        if platform.ktime_get_ns() - start > timeout_ns:
            log.error("%s: dma_sync_wait_timeout!", dma_chan_name(chan))
            return DMA_ERROR
        await platform.delay(16)


def _platform() -> Any:
    from sw.init.main import current

    return current().platform


# -- pause, resume, terminate ----------------------------------------------------------------------


async def dmaengine_pause(chan: DmaChan) -> int:
    if chan.device.device_pause is None:
        return -ENOSYS
    return int(await chan.device.device_pause(chan))


async def dmaengine_resume(chan: DmaChan) -> int:
    if chan.device.device_resume is None:
        return -ENOSYS
    return int(await chan.device.device_resume(chan))


async def dmaengine_terminate_async(chan: DmaChan) -> int:
    """Stop the channel and drop every transaction not completed; none of them gets a
    callback.  Callbacks may still be running when it returns: call
    :func:`dmaengine_synchronize` before freeing what they use."""
    if chan.device.device_terminate_all is None:
        return -EINVAL
    return int(await chan.device.device_terminate_all(chan))


async def dmaengine_synchronize(chan: DmaChan) -> None:
    """Wait until the channel's callbacks have run out and free the terminated
    descriptors.  From the channel's own callback it would wait for itself (a deadlock
    in Linux): RuntimeError."""
    if chan.device.device_synchronize is not None:
        await chan.device.device_synchronize(chan)


async def dmaengine_terminate_sync(chan: DmaChan) -> int:
    ret = await dmaengine_terminate_async(chan)
    if ret:
        return ret
    await dmaengine_synchronize(chan)
    return 0


# -- descriptor reuse and acks -----------------------------------------------------------------


def dmaengine_desc_set_reuse(tx: DmaAsyncTxDescriptor) -> int:
    """Keep ``tx`` after completion so it can be submitted again; -EPERM when the
    provider does not support reuse (dma_get_slave_caps' descriptor_reuse)."""
    caps = DmaSlaveCaps()
    ret = dma_get_slave_caps(tx.chan, caps)
    if ret:
        return ret
    if not caps.descriptor_reuse:
        return -EPERM
    tx.flags |= DMA_CTRL_REUSE
    return 0


def dmaengine_desc_clear_reuse(tx: DmaAsyncTxDescriptor) -> None:
    tx.flags &= ~DMA_CTRL_REUSE


def dmaengine_desc_test_reuse(tx: DmaAsyncTxDescriptor) -> bool:
    return bool(tx.flags & DMA_CTRL_REUSE)


def dmaengine_desc_free(tx: DmaAsyncTxDescriptor) -> int:
    """Free a reusable descriptor; -EPERM for one that is not (the provider frees those)."""
    if not dmaengine_desc_test_reuse(tx):
        return -EPERM
    if tx.desc_free is None:
        return -EPERM
    return int(tx.desc_free(tx))


def async_tx_ack(tx: DmaAsyncTxDescriptor) -> None:
    tx.flags |= DMA_CTRL_ACK


def async_tx_test_ack(tx: DmaAsyncTxDescriptor) -> bool:
    return bool(tx.flags & DMA_CTRL_ACK)

"""Unit tests (no simulator) of the dmaengine core and virt-dma (sw/drivers/dma/dmaengine.py,
virt_dma.py), on the CPU model without a clock as the platform (asyncio tasks for the other
contexts: the fake hardware and the tasklets).

The provider is :class:`FakeDma` below: its "hardware" is a task that takes the head of
``desc_issued``, lets one scheduler turn pass and completes it with ``vchan_cookie_complete``;
cyclic descriptors are left on ``desc_issued`` for the test to report periods itself.  What
is checked is what Linux specifies (client.rst, provider.rst, dmaengine.[ch], of-dma.c,
virt-dma.[ch], include/linux/dmaengine.h), not what the model happens to do.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest

from sw.drivers.base.core import Device
from sw.drivers.dma.dmaengine import (
    DmaAsyncTxDescriptor,
    DmaChan,
    DmaDevice,
    DmaengineDescCallback,
    OfDma,
    dma_async_device_register,
    dma_async_is_complete,
    dma_async_issue_pending,
    dma_cookie_assign,
    dma_cookie_complete,
    dma_cookie_init,
    dma_cookie_status,
    dma_devices_reset,
    dma_get_slave_caps,
    dma_get_slave_channel,
    dma_release_channel,
    dma_request_chan,
    dma_request_chan_by_mask,
    dma_request_channel,
    dma_set_residue,
    dma_submit_error,
    dma_sync_wait,
    dmaengine_desc_callback_invoke,
    dmaengine_desc_free,
    dmaengine_desc_set_reuse,
    dmaengine_desc_test_reuse,
    dmaengine_pause,
    dmaengine_prep_dma_cyclic,
    dmaengine_prep_dma_memcpy,
    dmaengine_prep_slave_single,
    dmaengine_resume,
    dmaengine_slave_config,
    dmaengine_submit,
    dmaengine_synchronize,
    dmaengine_terminate_async,
    dmaengine_terminate_sync,
    dmaengine_tx_status,
    of_dma_controller_register,
)
from sw.drivers.dma.virt_dma import (
    VirtDmaChan,
    VirtDmaDesc,
    vchan_cookie_complete,
    vchan_cyclic_callback,
    vchan_dma_desc_free_list,
    vchan_find_desc,
    vchan_free_chan_resources,
    vchan_get_all_descriptors,
    vchan_init,
    vchan_issue_pending,
    vchan_next_desc,
    vchan_synchronize,
    vchan_terminate_vdesc,
    vchan_tx_prep,
    vchan_tx_status,
)
from sw.include.linux.dmaengine import (
    BIT,
    DMA_COMPLETE,
    DMA_CTRL_ACK,
    DMA_CTRL_REUSE,
    DMA_CYCLIC,
    DMA_DEV_TO_MEM,
    DMA_ERROR,
    DMA_IN_PROGRESS,
    DMA_MAX_COOKIE,
    DMA_MEM_TO_DEV,
    DMA_MEM_TO_MEM,
    DMA_MEMCPY,
    DMA_MEMSET,
    DMA_MIN_COOKIE,
    DMA_PREP_INTERRUPT,
    DMA_RESIDUE_GRANULARITY_BURST,
    DMA_SLAVE,
    DMA_TRANS_ABORTED,
    DMA_TRANS_NOERROR,
    DMA_TRANS_READ_FAILED,
    DMA_TRANS_WRITE_FAILED,
    DmaCapMask,
    DmaengineResult,
    DmaengineTxResult,
    DmaSlaveCaps,
    DmaSlaveConfig,
    DmaTxState,
)
from sw.include.linux.err import EINVAL, ENODEV, ENOSYS, ENXIO, EPERM, EPROBE_DEFER, IS_ERR, PTR_ERR
from sw.include.linux.of import DeviceNode
from sw.init.main import start_kernel
from sw.kernel.sched.completion import complete, init_completion, wait_for_completion_timeout
from tb.models.cpu import Cpu
from tb.models.phys_mem import PhysicalMemory

FLAGS = DMA_PREP_INTERRUPT | DMA_CTRL_ACK


def async_test(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an ``async def`` test (fixtures still injected) on its own event loop; a hang fails
    after 1 s instead of stalling the run."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(asyncio.wait_for(fn(*args, **kwargs), 1.0))

    return wrapper


async def settle(turns: int = 20) -> None:
    """Let the other contexts (hardware, tasklets) run out."""
    for _ in range(turns):
        await asyncio.sleep(0)


class TickingCpu(Cpu):
    """A clock-less CPU model whose time moves with :meth:`delay` (10 ns a cycle, one
    scheduler turn each), for the polling loop of dma_sync_wait."""

    now = 0

    def ktime_get_ns(self) -> int:
        return self.now

    async def delay(self, cycles: int) -> None:
        self.now += 10 * cycles
        await asyncio.sleep(0)


def make_cpu(cls: type[Cpu] = Cpu) -> Cpu:
    return cls(PhysicalMemory(1 << 20), [(0, 1 << 20)])


@pytest.fixture(autouse=True)
def fresh_dmaengine() -> Iterator[None]:
    dma_devices_reset()  # the registry is global: each test boots with none
    yield
    dma_devices_reset()


# -- the fake provider -----------------------------------------------------------------------------


class FakeDesc(VirtDmaDesc):
    def __init__(self, chan: DmaChan, length: int, cyclic: bool = False) -> None:
        super().__init__(chan)
        self.length = length
        self.cyclic = cyclic
        self.hw_result: DmaengineTxResult = DMA_TRANS_NOERROR  # what the hardware reports
        self.hw_residue = 0


class FakeChan(VirtDmaChan):
    def __init__(self, device: DmaDevice, platform: Cpu) -> None:
        super().__init__(device, platform)
        self.active: FakeDesc | None = None  # on the hardware, off every list
        self.hw: Any = None
        self.config: DmaSlaveConfig | None = None


def off_list(vd: VirtDmaDesc) -> None:
    """list_del, as a provider does when it gives a descriptor to the hardware."""
    assert vd.node is not None
    vd.node.remove(vd)
    vd.node = None


def fake_xlate(cells: list[int], ofdma: OfDma) -> DmaChan | None:
    fake: FakeDma = ofdma.of_dma_data
    if len(cells) != 1 or not 0 <= cells[0] < len(fake.chans):
        return None
    return dma_get_slave_channel(fake.chans[cells[0]])


class FakeDma:
    """A virt-dma provider completing descriptors in software (``hw=False``: issued
    descriptors wait for the test to complete them)."""

    def __init__(
        self,
        cpu: Cpu,
        nchan: int = 2,
        *,
        caps: tuple[int, ...] = (DMA_MEMCPY, DMA_SLAVE, DMA_CYCLIC),
        reuse: bool = True,
        hw: bool = True,
    ) -> None:
        self.cpu = cpu
        self.run_hw = hw
        self.freed: list[VirtDmaDesc] = []
        self.allocs = 0
        self.np = DeviceNode("dma-controller@10000000")
        d = self.dma = DmaDevice(Device("fakedma0"))
        for cap in caps:
            d.cap_mask.set(cap)
        d.directions = BIT(DMA_MEM_TO_MEM) | BIT(DMA_MEM_TO_DEV) | BIT(DMA_DEV_TO_MEM)
        d.src_addr_widths = d.dst_addr_widths = BIT(1) | BIT(4)
        d.min_burst, d.max_burst, d.max_sg_burst = 1, 16, 0
        d.residue_granularity = DMA_RESIDUE_GRANULARITY_BURST
        d.descriptor_reuse = reuse
        d.device_alloc_chan_resources = self.alloc_chan_resources
        d.device_free_chan_resources = self.free_chan_resources
        d.device_prep_dma_memcpy = self.prep_dma_memcpy
        d.device_prep_slave_sg = self.prep_slave_sg
        d.device_prep_dma_cyclic = self.prep_dma_cyclic
        d.device_config = self.config
        d.device_pause = d.device_resume = self.pause_resume
        d.device_terminate_all = self.terminate_all
        d.device_synchronize = self.synchronize
        d.device_tx_status = self.tx_status
        d.device_issue_pending = self.issue_pending
        self.chans: list[FakeChan] = []
        for _ in range(nchan):
            c = FakeChan(d, cpu)
            c.desc_free = self._desc_free
            vchan_init(c, d)
            self.chans.append(c)

    def register(self) -> FakeDma:
        assert dma_async_device_register(self.dma) == 0
        assert of_dma_controller_register(self.np, fake_xlate, self) == 0
        return self

    def _desc_free(self, vd: VirtDmaDesc) -> None:
        assert vd not in self.freed, "descriptor freed twice"
        self.freed.append(vd)

    async def alloc_chan_resources(self, chan: DmaChan) -> int:
        self.allocs += 1
        return 0

    async def free_chan_resources(self, chan: DmaChan) -> None:
        await self.terminate_all(chan)
        await self.synchronize(chan)
        vchan_free_chan_resources(fake_chan(chan))

    async def prep_dma_memcpy(
        self, chan: DmaChan, dest: int, src: int, length: int, flags: int
    ) -> VirtDmaDesc:
        return vchan_tx_prep(fake_chan(chan), FakeDesc(chan, length), flags)

    async def prep_slave_sg(
        self, chan: DmaChan, sgl: list[Any], sg_len: int, direction: int, flags: int, ctx: Any
    ) -> VirtDmaDesc:
        vd = FakeDesc(chan, sum(sg.dma_length for sg in sgl[:sg_len]))
        vd.sgl = [(sg.dma_address, sg.dma_length) for sg in sgl[:sg_len]]  # type: ignore[attr-defined]
        vd.direction = direction  # type: ignore[attr-defined]
        return vchan_tx_prep(fake_chan(chan), vd, flags)

    async def prep_dma_cyclic(
        self, chan: DmaChan, buf: int, buf_len: int, period_len: int, direction: int, flags: int
    ) -> VirtDmaDesc:
        return vchan_tx_prep(fake_chan(chan), FakeDesc(chan, buf_len, cyclic=True), flags)

    def config(self, chan: DmaChan, cfg: DmaSlaveConfig) -> int:
        fake_chan(chan).config = cfg
        return 0

    async def pause_resume(self, chan: DmaChan) -> int:
        return 0

    async def issue_pending(self, chan: DmaChan) -> None:
        c = fake_chan(chan)
        if vchan_issue_pending(c) and self.run_hw and c.hw is None:
            c.hw = self.cpu.start_soon(self._hardware(c))

    async def _hardware(self, c: FakeChan) -> None:
        """Run the issued descriptors one by one, one scheduler turn each."""
        try:
            while (vd := vchan_next_desc(c)) is not None and not to_fake(vd).cyclic:
                off_list(vd)
                c.active = to_fake(vd)
                await asyncio.sleep(0)
                if c.active is not vd:  # terminated meanwhile
                    break
                c.active = None
                vd.tx_result = DmaengineResult(to_fake(vd).hw_result, to_fake(vd).hw_residue)
                vchan_cookie_complete(vd)
        finally:
            c.hw = None

    async def tx_status(self, chan: DmaChan, cookie: int, state: DmaTxState | None) -> int:
        """As a Linux virt-dma driver: the cookie's status, then the residue of an issued
        descriptor (vchan_find_desc: all of it) or of the one on the hardware (half)."""
        c = fake_chan(chan)
        ret = vchan_tx_status(c, cookie, state)
        if ret == DMA_COMPLETE:
            return ret
        vd = vchan_find_desc(c, cookie)
        if vd is not None:
            dma_set_residue(state, to_fake(vd).length)
        elif c.active is not None and c.active.cookie == cookie:
            dma_set_residue(state, c.active.length // 2)
        return ret

    async def terminate_all(self, chan: DmaChan) -> int:
        """Stop the hardware; what it ran goes to desc_terminated (freed by synchronize),
        everything else is freed now."""
        c = fake_chan(chan)
        if c.active is not None:
            vchan_terminate_vdesc(c.active)
            c.active = None
        terminated = list(c.desc_terminated)
        head: list[VirtDmaDesc] = []
        vchan_get_all_descriptors(c, head)
        for vd in terminated:  # keep them for vchan_synchronize
            head.remove(vd)
            vd.node = c.desc_terminated
            c.desc_terminated.append(vd)
        vchan_dma_desc_free_list(c, head)
        return 0

    async def synchronize(self, chan: DmaChan) -> None:
        await vchan_synchronize(fake_chan(chan))


def fake_chan(chan: DmaChan) -> FakeChan:
    assert isinstance(chan, FakeChan)
    return chan


def to_fake(vd: VirtDmaDesc) -> FakeDesc:
    assert isinstance(vd, FakeDesc)
    return vd


@pytest.fixture
def fake() -> FakeDma:
    """A registered FakeDma with two channels whose hardware runs."""
    return FakeDma(make_cpu()).register()


@pytest.fixture
def idle() -> FakeDma:
    """A registered FakeDma whose hardware never starts: the test completes descriptors."""
    return FakeDma(make_cpu(), hw=False).register()


def client(fake: FakeDma, **dmas: int) -> Device:
    """A client device whose node names channels of ``fake``: ``client(fake, tx=1)``."""
    np = DeviceNode(
        "serial@20000000",
        {"dmas": [(fake.np, cell) for cell in dmas.values()], "dma-names": list(dmas)},
    )
    return Device("serial0", of_node=np)


async def held_chan(fake: FakeDma, index: int = 0) -> FakeChan:
    """Channel ``index`` of ``fake`` requested by name, as a client holds it."""
    chan = await dma_request_chan(client(fake, rx=index), "rx")
    assert not IS_ERR(chan)
    return fake_chan(chan)


async def memcpy(chan: DmaChan, length: int = 64, flags: int = FLAGS) -> FakeDesc:
    tx = await dmaengine_prep_dma_memcpy(chan, 0x2000, 0x1000, length, flags)
    assert tx is not None
    return to_fake(tx)


async def issued(chan: FakeChan, n: int, callback: Callable[[Any], Any]) -> list[FakeDesc]:
    """``n`` memcpy descriptors with ``callback`` (param: their index), submitted, issued."""
    txs = [await memcpy(chan) for _ in range(n)]
    for i, tx in enumerate(txs):
        tx.callback, tx.callback_param = callback, i
        dmaengine_submit(tx)
    await dma_async_issue_pending(chan)
    return txs


class Calls:
    """Records callbacks: ``tx.callback = calls.callback`` / ``calls.callback_result``."""

    def __init__(self) -> None:
        self.plain: list[Any] = []
        self.results: list[tuple[Any, DmaengineTxResult, int]] = []

    def callback(self, param: Any) -> None:
        self.plain.append(param)

    def callback_result(self, param: Any, result: DmaengineResult) -> None:
        self.results.append((param, result.result, result.residue))


def mask_of(*caps: int) -> DmaCapMask:
    return DmaCapMask({int(c) for c in caps})


def assert_err(ptr: Any, errno: int) -> None:
    assert IS_ERR(ptr) and PTR_ERR(ptr) == errno


# -- cookies (drivers/dma/dmaengine.h) -------------------------------------------------------------


def bare_chan() -> DmaChan:
    chan = DmaChan(DmaDevice(Device("nodma")))
    dma_cookie_init(chan)
    return chan


@async_test
async def test_cookies_follow_submit_order_not_prep_order(idle: FakeDma) -> None:
    """dma_cookie_assign (from vchan_tx_submit): the next cookie at submit time."""
    chan = await held_chan(idle)
    a, b, c = await memcpy(chan), await memcpy(chan), await memcpy(chan)
    assert (a.cookie, b.cookie, c.cookie) == (0, 0, 0)
    start = chan.cookie
    cookies = [dmaengine_submit(tx) for tx in (b, c, a)]
    assert cookies == [start + 1, start + 2, start + 3]
    assert (b.cookie, c.cookie, a.cookie) == tuple(cookies)
    assert chan.cookie == cookies[-1]
    assert all(dma_submit_error(ck) == 0 for ck in cookies)


def test_cookie_wraps_to_min_cookie_never_zero() -> None:
    """dma_cookie_assign: past DMA_MAX_COOKIE (s32) the next cookie is DMA_MIN_COOKIE, 1."""
    chan = bare_chan()
    chan.cookie = DMA_MAX_COOKIE - 1
    got = [dma_cookie_assign(DmaAsyncTxDescriptor(chan)) for _ in range(3)]
    assert got == [DMA_MAX_COOKIE, DMA_MIN_COOKIE, DMA_MIN_COOKIE + 1]
    assert DMA_MIN_COOKIE == 1
    assert chan.cookie == DMA_MIN_COOKIE + 1


def test_cookie_complete_records_completed_and_zeroes_cookie() -> None:
    """dma_cookie_complete: completed_cookie = tx->cookie, tx->cookie = 0; BUG_ON a
    descriptor that holds no cookie."""
    chan = bare_chan()
    tx = DmaAsyncTxDescriptor(chan)
    cookie = dma_cookie_assign(tx)
    dma_cookie_complete(tx)
    assert chan.completed_cookie == cookie
    assert tx.cookie == 0
    with pytest.raises(RuntimeError):
        dma_cookie_complete(tx)


@pytest.mark.parametrize(
    ("cookie", "last_complete", "last_used", "expected"),
    [
        (3, 5, 8, DMA_COMPLETE),
        (5, 5, 8, DMA_COMPLETE),
        (6, 5, 8, DMA_IN_PROGRESS),
        (8, 5, 8, DMA_IN_PROGRESS),
        # completed up to MAX - 1, then MAX, 1 and 2 were submitted
        (DMA_MAX_COOKIE - 2, DMA_MAX_COOKIE - 1, 2, DMA_COMPLETE),
        (DMA_MAX_COOKIE - 1, DMA_MAX_COOKIE - 1, 2, DMA_COMPLETE),
        (DMA_MAX_COOKIE, DMA_MAX_COOKIE - 1, 2, DMA_IN_PROGRESS),
        (DMA_MIN_COOKIE, DMA_MAX_COOKIE - 1, 2, DMA_IN_PROGRESS),
        (2, DMA_MAX_COOKIE - 1, 2, DMA_IN_PROGRESS),
        (3, DMA_MAX_COOKIE - 1, 2, DMA_COMPLETE),  # from before the wrap
    ],
)
def test_is_complete_handles_wrap(
    cookie: int, last_complete: int, last_used: int, expected: int
) -> None:
    """dma_async_is_complete: in progress iff last_complete < cookie <= last_used, modulo
    the wrap."""
    assert dma_async_is_complete(cookie, last_complete, last_used) == expected


def test_cookie_status_fills_last_used_and_zero_residue() -> None:
    """dma_cookie_status fills last/used and zeroes residue and in_flight_bytes;
    dma_set_residue ignores a NULL state."""
    chan = bare_chan()
    txs = [DmaAsyncTxDescriptor(chan) for _ in range(3)]
    cookies = [dma_cookie_assign(tx) for tx in txs]
    dma_cookie_complete(txs[0])
    state = DmaTxState(last=-7, used=-7, residue=99, in_flight_bytes=5)
    assert dma_cookie_status(chan, cookies[1], state) == DMA_IN_PROGRESS
    assert (state.last, state.used, state.residue, state.in_flight_bytes) == (
        cookies[0],
        cookies[2],
        0,
        0,
    )
    assert dma_cookie_status(chan, cookies[0], None) == DMA_COMPLETE
    dma_set_residue(None, 5)
    dma_set_residue(state, 5)
    assert state.residue == 5


def test_submit_error() -> None:
    """dma_submit_error: the cookie itself if negative, else 0."""
    assert dma_submit_error(-EINVAL) == -EINVAL
    assert dma_submit_error(DMA_MIN_COOKIE) == 0
    assert dma_submit_error(DMA_MAX_COOKIE) == 0


# -- status, residue, dma_sync_wait ----------------------------------------------------------------


@async_test
async def test_tx_status_residue_until_complete(fake: FakeDma) -> None:
    """dmaengine_tx_status through a virt-dma provider: vchan_find_desc searches
    desc_issued only, so a submitted descriptor has no residue yet; issued: all of it;
    on the hardware: what is left; complete: 0, with last == used == the cookie."""
    chan = await held_chan(fake)
    tx = await memcpy(chan, 256)
    cookie = dmaengine_submit(tx)
    state = DmaTxState()
    assert await dmaengine_tx_status(chan, cookie, state) == DMA_IN_PROGRESS
    assert (state.residue, state.used) == (0, cookie)
    await dma_async_issue_pending(chan)
    assert await dmaengine_tx_status(chan, cookie, state) == DMA_IN_PROGRESS
    assert state.residue == 256
    await asyncio.sleep(0)  # the hardware took it
    assert chan.active is tx
    assert await dmaengine_tx_status(chan, cookie, state) == DMA_IN_PROGRESS
    assert state.residue == 128
    await settle()
    assert await dmaengine_tx_status(chan, cookie, state) == DMA_COMPLETE
    assert (state.residue, state.last, state.used) == (0, cookie, cookie)


def sync_wait_dma(hw: bool) -> tuple[TickingCpu, FakeDma]:
    cpu = make_cpu(TickingCpu)
    assert isinstance(cpu, TickingCpu)
    start_kernel(cpu, "swiotlb=noforce")  # dma_sync_wait polls with the kernel's platform
    return cpu, FakeDma(cpu, hw=hw).register()


@async_test
async def test_sync_wait_issues_and_polls_to_complete() -> None:
    """dma_sync_wait: dma_async_issue_pending itself, then polls until not in progress."""
    _cpu, fake = sync_wait_dma(hw=True)
    chan = await held_chan(fake)
    tx = await memcpy(chan, flags=DMA_CTRL_ACK)  # dmatest's polled flags
    cookie = dmaengine_submit(tx)
    assert tx.node is chan.desc_submitted
    assert await dma_sync_wait(chan, cookie) == DMA_COMPLETE
    assert chan.completed_cookie == cookie  # freed later, by the tasklet


@async_test
async def test_sync_wait_times_out_with_dma_error(caplog: pytest.LogCaptureFixture) -> None:
    """dma_sync_wait: DMA_ERROR with an error logged once the timeout has passed."""
    cpu, fake = sync_wait_dma(hw=False)
    chan = await held_chan(fake)
    tx = await memcpy(chan)
    cookie = dmaengine_submit(tx)
    with caplog.at_level(logging.ERROR, logger="sw.dmaengine"):
        assert await dma_sync_wait(chan, cookie, timeout_ns=10_000) == DMA_ERROR
    assert cpu.now > 10_000
    assert tx.node is chan.desc_issued  # it issued the descriptor
    assert any("timeout" in r.getMessage() for r in caplog.records)


# -- virt-dma lists and callbacks ------------------------------------------------------------------


@async_test
async def test_descriptor_moves_allocated_submitted_issued_completed_freed(
    idle: FakeDma,
) -> None:
    """vchan_tx_prep -> desc_allocated, vchan_tx_submit -> desc_submitted,
    vchan_issue_pending -> desc_issued, vchan_cookie_complete -> desc_completed; the
    tasklet (vchan_complete) runs the callback and frees it with desc_free."""
    chan = await held_chan(idle)
    calls = Calls()
    tx = await memcpy(chan)
    tx.callback, tx.callback_param = calls.callback, "p"
    assert tx.node is chan.desc_allocated and chan.desc_allocated == [tx]
    cookie = dmaengine_submit(tx)
    assert tx.node is chan.desc_submitted and chan.desc_allocated == []
    await dma_async_issue_pending(chan)
    assert tx.node is chan.desc_issued and chan.desc_submitted == []
    assert vchan_next_desc(chan) is tx
    off_list(tx)  # to the hardware
    vchan_cookie_complete(tx)
    assert tx.node is chan.desc_completed
    assert (tx.cookie, chan.completed_cookie) == (0, cookie)
    assert calls.plain == [] and idle.freed == []
    await settle()
    assert calls.plain == ["p"]
    assert tx.node is None and idle.freed == [tx] and tx.freed
    assert chan.desc_completed == [] and chan.desc_allocated == []


@async_test
async def test_submit_starts_nothing_before_issue_pending(fake: FakeDma) -> None:
    """client.rst: submit only queues; dma_async_issue_pending starts the queue, and a
    descriptor submitted after it waits for the next issue."""
    chan = await held_chan(fake)
    calls = Calls()
    first, late = await memcpy(chan), await memcpy(chan)
    first.callback = late.callback = calls.callback
    first.callback_param, late.callback_param = "first", "late"
    cookie = dmaengine_submit(first)
    await settle()
    assert first.node is chan.desc_submitted and chan.hw is None
    assert await dmaengine_tx_status(chan, cookie, None) == DMA_IN_PROGRESS
    assert calls.plain == []
    await dma_async_issue_pending(chan)
    dmaengine_submit(late)
    await settle()
    assert await dmaengine_tx_status(chan, cookie, None) == DMA_COMPLETE
    assert calls.plain == ["first"] and late.node is chan.desc_submitted
    await dma_async_issue_pending(chan)
    await settle()
    assert calls.plain == ["first", "late"]


@async_test
async def test_find_desc_only_finds_issued_descriptors(idle: FakeDma) -> None:
    """vchan_find_desc searches desc_issued only."""
    chan = await held_chan(idle)
    tx = await memcpy(chan)
    cookie = dmaengine_submit(tx)
    assert vchan_find_desc(chan, cookie) is None  # submitted
    await dma_async_issue_pending(chan)
    assert vchan_find_desc(chan, cookie) is tx  # issued
    off_list(tx)
    assert vchan_find_desc(chan, cookie) is None  # on the hardware
    vchan_cookie_complete(tx)
    assert vchan_find_desc(chan, cookie) is None  # completed
    assert vchan_find_desc(chan, cookie + 1) is None


@async_test
async def test_callbacks_run_in_the_tasklet_not_in_cookie_complete(idle: FakeDma) -> None:
    """vchan_cookie_complete only schedules the tasklet; the callback runs there, after the
    (interrupt-context) caller returned."""
    chan = await held_chan(idle)
    seen: list[tuple[bool, bool]] = []
    returned = False

    def callback(param: Any) -> None:
        seen.append((returned, chan.task.running))

    (tx,) = await issued(chan, 1, callback)
    off_list(tx)
    vchan_cookie_complete(tx)
    returned = True
    assert seen == []
    await settle()
    assert seen == [(True, True)]


@async_test
async def test_callback_result_preferred_over_callback(fake: FakeDma) -> None:
    """dmaengine_desc_callback_invoke: callback_result(param, result) when set, and then
    not callback(param)."""
    chan = await held_chan(fake)
    calls = Calls()
    tx = await memcpy(chan)
    tx.callback, tx.callback_result = calls.callback, calls.callback_result
    tx.callback_param = "param"
    dmaengine_submit(tx)
    await dma_async_issue_pending(chan)
    await settle()
    assert calls.plain == []
    assert calls.results == [("param", DMA_TRANS_NOERROR, 0)]


@pytest.mark.parametrize(
    ("result", "residue"),
    [
        (DMA_TRANS_NOERROR, 0),
        (DMA_TRANS_READ_FAILED, 100),
        (DMA_TRANS_WRITE_FAILED, 36),
        (DMA_TRANS_ABORTED, 128),
    ],
)
@async_test
async def test_result_and_residue_reach_callback_result(
    fake: FakeDma, result: DmaengineTxResult, residue: int
) -> None:
    """vchan_complete passes &vd->tx_result, as the provider set it, to callback_result."""
    chan = await held_chan(fake)
    calls = Calls()
    tx = await memcpy(chan, 128)
    tx.hw_result, tx.hw_residue = result, residue
    tx.callback_result, tx.callback_param = calls.callback_result, tx
    dmaengine_submit(tx)
    await dma_async_issue_pending(chan)
    await settle()
    assert calls.results == [(tx, result, residue)]


def test_callback_result_gets_noerror_when_provider_passes_none() -> None:
    """dmaengine_desc_callback_invoke(cb, NULL) gives callback_result a NOERROR result."""
    calls = Calls()
    tx = DmaAsyncTxDescriptor(bare_chan())
    tx.callback_result, tx.callback_param = calls.callback_result, 7
    asyncio.run(dmaengine_desc_callback_invoke(DmaengineDescCallback(tx), None))
    assert calls.results == [(7, DMA_TRANS_NOERROR, 0)]


@async_test
async def test_callbacks_run_in_completion_order(fake: FakeDma) -> None:
    """vchan_complete walks desc_completed in order."""
    chan = await held_chan(fake)
    order: list[int] = []
    await issued(chan, 4, order.append)
    await settle(40)
    assert order == [0, 1, 2, 3]
    assert len(fake.freed) == 4


@async_test
async def test_callback_may_submit_and_issue_new_work(fake: FakeDma) -> None:
    """client.rst: a callback may prepare, submit and issue new transactions."""
    chan = await held_chan(fake)
    calls = Calls()

    async def resubmit(param: Any) -> None:
        nxt = await memcpy(chan)
        nxt.callback, nxt.callback_param = calls.callback, "second"
        assert dma_submit_error(dmaengine_submit(nxt)) == 0
        await dma_async_issue_pending(chan)

    await issued(chan, 1, resubmit)
    await settle(40)
    assert calls.plain == ["second"] and len(fake.freed) == 2


@async_test
async def test_reusable_descriptor_goes_back_to_allocated_and_is_resubmitted(
    fake: FakeDma,
) -> None:
    """DMA_CTRL_REUSE: vchan_vdesc_fini puts it back on desc_allocated; it is submitted
    again with a new cookie and freed only by dmaengine_desc_free (vchan_tx_desc_free)."""
    chan = await held_chan(fake)
    calls = Calls()
    tx = await memcpy(chan)
    tx.callback = calls.callback
    assert dmaengine_desc_set_reuse(tx) == 0
    assert dmaengine_desc_test_reuse(tx) and tx.flags & DMA_CTRL_REUSE
    first = dmaengine_submit(tx)
    await dma_async_issue_pending(chan)
    await settle()
    assert calls.plain == [None]
    assert tx.node is chan.desc_allocated and not tx.freed and fake.freed == []
    second = dmaengine_submit(tx)
    assert second == first + 1
    await dma_async_issue_pending(chan)
    await settle()
    assert calls.plain == [None, None]
    assert await dmaengine_tx_status(chan, second, None) == DMA_COMPLETE
    assert dmaengine_desc_free(tx) == 0
    assert tx.node is None and fake.freed == [tx] and chan.desc_allocated == []
    assert dmaengine_submit(tx) < 0  # the model refuses a freed descriptor


@async_test
async def test_set_reuse_eperm_without_descriptor_reuse() -> None:
    """dmaengine_desc_set_reuse: -EPERM when dma_get_slave_caps says no descriptor_reuse."""
    fake = FakeDma(make_cpu(), reuse=False).register()
    chan = await held_chan(fake)
    tx = await memcpy(chan)
    assert dmaengine_desc_set_reuse(tx) == -EPERM
    assert not dmaengine_desc_test_reuse(tx)


@async_test
async def test_set_reuse_passes_on_slave_caps_error() -> None:
    """dmaengine_desc_set_reuse returns dma_get_slave_caps' error (-ENXIO: no slave caps)."""
    FakeDma(make_cpu(), caps=(DMA_MEMCPY,)).register()
    chan = await dma_request_chan_by_mask(mask_of(DMA_MEMCPY))
    assert not IS_ERR(chan)
    tx = await memcpy(chan)
    assert dmaengine_desc_set_reuse(tx) == -ENXIO
    assert not dmaengine_desc_test_reuse(tx)


@async_test
async def test_desc_free_eperm_for_non_reusable(fake: FakeDma) -> None:
    """dmaengine_desc_free: -EPERM unless the descriptor is reusable; nothing freed."""
    chan = await held_chan(fake)
    tx = await memcpy(chan)
    assert dmaengine_desc_free(tx) == -EPERM
    assert tx.node is chan.desc_allocated and fake.freed == [] and not tx.freed


@async_test
async def test_descriptor_freed_after_its_callback(fake: FakeDma) -> None:
    """vchan_complete: list_del, the callback, then vchan_vdesc_fini; during the callback
    the descriptor is off every list and not yet given back to the provider."""
    chan = await held_chan(fake)
    seen = []

    def cb(param: Any) -> None:
        seen.append((txs[0].node, txs[0].freed, list(fake.freed)))

    txs = await issued(chan, 1, cb)
    await settle()
    assert seen == [(None, False, [])]
    assert fake.freed == txs


# -- cyclic ----------------------------------------------------------------------------------------


async def cyclic(chan: FakeChan, calls: Calls) -> FakeDesc:
    tx = await dmaengine_prep_dma_cyclic(chan, 0x4000, 1024, 256, DMA_DEV_TO_MEM, FLAGS)
    assert tx is not None
    tx.callback = calls.callback
    dmaengine_submit(tx)
    await dma_async_issue_pending(chan)
    assert vchan_next_desc(chan) is tx
    return to_fake(tx)


@async_test
async def test_cyclic_callback_runs_period_callback_and_stays_issued(fake: FakeDma) -> None:
    """vchan_cyclic_callback: the period callback runs in the tasklet; the descriptor keeps
    its cookie and stays issued, in progress."""
    chan = await held_chan(fake)
    calls = Calls()
    tx = await cyclic(chan, calls)
    cookie = tx.cookie
    for period in (1, 2, 3):
        vchan_cyclic_callback(tx)
        assert len(calls.plain) == period - 1  # not inline
        await settle()
        assert len(calls.plain) == period
        assert tx.node is chan.desc_issued and tx.cookie == cookie and not tx.freed
    assert await dmaengine_tx_status(chan, cookie, None) == DMA_IN_PROGRESS


@async_test
async def test_terminate_vdesc_of_cyclic_stops_its_period_callback(fake: FakeDma) -> None:
    """vchan_terminate_vdesc clears vc->cyclic: a pending period callback does not run."""
    chan = await held_chan(fake)
    calls = Calls()
    tx = await cyclic(chan, calls)
    off_list(tx)
    vchan_cyclic_callback(tx)  # a period ended ...
    vchan_terminate_vdesc(tx)  # ... and the channel was stopped before the tasklet ran
    assert chan.cyclic is None
    await settle()
    assert calls.plain == []
    assert tx.node is chan.desc_terminated


@async_test
async def test_period_callback_runs_once_per_period(idle: FakeDma) -> None:
    """vchan_complete takes vc->cyclic: a later tasklet run (for another descriptor's
    completion) does not repeat the period callback."""
    chan = await held_chan(idle)
    calls = Calls()
    tx = await cyclic(chan, calls)
    vchan_cyclic_callback(tx)
    await settle()
    assert calls.plain == [None]
    other = await memcpy(chan)
    other.callback, other.callback_param = calls.callback, "memcpy"
    dmaengine_submit(other)
    await dma_async_issue_pending(chan)
    off_list(other)
    vchan_cookie_complete(other)
    await settle()
    assert calls.plain == [None, "memcpy"]


# -- terminate and synchronize ---------------------------------------------------------------------


@async_test
async def test_terminate_vdesc_then_synchronize_frees_it_without_callback(
    idle: FakeDma,
) -> None:
    """vchan_terminate_vdesc -> desc_terminated; vchan_synchronize frees it, no callback."""
    chan = await held_chan(idle)
    calls = Calls()
    (tx,) = await issued(chan, 1, calls.callback)
    off_list(tx)
    vchan_terminate_vdesc(tx)
    assert tx.node is chan.desc_terminated and idle.freed == []
    await vchan_synchronize(chan)
    assert tx.node is None and idle.freed == [tx] and chan.desc_terminated == []
    await settle()
    assert calls.plain == []


def all_lists_empty(chan: FakeChan) -> bool:
    lists = (chan.desc_allocated, chan.desc_submitted, chan.desc_issued)
    return all(lst == [] for lst in (*lists, chan.desc_completed, chan.desc_terminated))


@async_test
async def test_terminate_async_drops_callbacks_and_synchronize_frees(fake: FakeDma) -> None:
    """dmaengine_terminate_async: no callback for any incomplete transfer; the one the
    hardware ran waits on desc_terminated for dmaengine_synchronize."""
    chan = await held_chan(fake)
    calls = Calls()
    txs = await issued(chan, 3, calls.callback)
    await asyncio.sleep(0)  # the hardware took the first
    assert chan.active is txs[0]
    assert await dmaengine_terminate_async(chan) == 0
    assert txs[0].node is chan.desc_terminated and txs[0] not in fake.freed
    await dmaengine_synchronize(chan)
    await settle()
    assert calls.plain == []
    assert sorted(map(id, fake.freed)) == sorted(map(id, txs))
    assert all_lists_empty(chan)


@async_test
async def test_terminate_sync_has_freed_everything_when_it_returns(fake: FakeDma) -> None:
    """dmaengine_terminate_sync = terminate_async + synchronize: on return nothing is
    left and no callback comes later."""
    chan = await held_chan(fake)
    calls = Calls()
    txs = await issued(chan, 3, calls.callback)
    await asyncio.sleep(0)
    assert await dmaengine_terminate_sync(chan) == 0
    assert sorted(map(id, fake.freed)) == sorted(map(id, txs)) and all_lists_empty(chan)
    await settle()
    assert calls.plain == []


@async_test
async def test_terminate_async_from_own_callback_is_allowed(fake: FakeDma) -> None:
    """dmaengine_terminate_async "can be called ... from within a complete callback of a
    descriptor submitted on the same channel"; later transfers get no callback."""
    chan = await held_chan(fake)
    rets: list[int] = []

    async def stop(param: Any) -> None:
        rets.append(param)
        rets.append(await dmaengine_terminate_async(chan))

    txs = await issued(chan, 3, stop)
    await settle(40)
    assert rets == [0, 0]  # the first callback only, and terminate returned 0
    await dmaengine_synchronize(chan)
    assert sorted(map(id, fake.freed)) == sorted(map(id, txs)) and all_lists_empty(chan)


@async_test
async def test_synchronize_from_own_callback_raises(fake: FakeDma) -> None:
    """dmaengine_synchronize from the channel's own callback would deadlock in Linux
    (tasklet_kill from the tasklet): the model raises."""
    chan = await held_chan(fake)
    caught: list[BaseException] = []

    async def callback(param: Any) -> None:
        try:
            await dmaengine_synchronize(chan)
        except RuntimeError as e:
            caught.append(e)

    await issued(chan, 1, callback)
    await settle()
    assert len(caught) == 1


@async_test
async def test_free_chan_resources_frees_every_list_even_reusable(idle: FakeDma) -> None:
    """vchan_free_chan_resources: every list, reuse flag cleared, each freed once."""
    chan = await held_chan(idle)
    allocated, submitted, issued_, completed, terminated = [await memcpy(chan) for _ in range(5)]
    reusable = await memcpy(chan)
    assert dmaengine_desc_set_reuse(reusable) == 0
    for tx in (issued_, completed, terminated):
        dmaengine_submit(tx)
    await dma_async_issue_pending(chan)
    dmaengine_submit(submitted)
    off_list(completed)
    vchan_cookie_complete(completed)
    off_list(terminated)
    vchan_terminate_vdesc(terminated)
    assert [tx.node for tx in (allocated, submitted, issued_, completed, terminated)] == [
        chan.desc_allocated,
        chan.desc_submitted,
        chan.desc_issued,
        chan.desc_completed,
        chan.desc_terminated,
    ]
    vchan_free_chan_resources(chan)
    everything = (allocated, submitted, issued_, completed, terminated, reusable)
    assert sorted(map(id, idle.freed)) == sorted(map(id, everything))
    assert all(tx.node is None for tx in everything)
    assert not dmaengine_desc_test_reuse(reusable)
    await settle()  # the scheduled tasklet finds nothing


@async_test
async def test_synchronize_from_another_context_waits_for_the_callback(fake: FakeDma) -> None:
    """dmaengine_synchronize from outside the channel's tasklet waits (tasklet_kill)
    until a running callback has returned; only the tasklet itself may not call it."""
    chan = await held_chan(fake)
    started, release = asyncio.Event(), asyncio.Event()
    done = []

    async def callback(param: Any) -> None:
        started.set()
        await release.wait()
        done.append("callback")

    await issued(chan, 1, callback)
    await started.wait()
    sync = asyncio.ensure_future(dmaengine_synchronize(chan))
    await settle()
    assert not sync.done()
    release.set()
    await sync
    done.append("synchronize")
    assert done == ["callback", "synchronize"]


@async_test
async def test_terminate_without_the_op_is_einval(fake: FakeDma) -> None:
    """dmaengine_terminate_async: -EINVAL without device_terminate_all (only the
    deprecated dmaengine_terminate_all gives -ENOSYS); terminate_sync passes it on."""
    chan = await held_chan(fake)
    fake.dma.device_terminate_all = None
    assert await dmaengine_terminate_async(chan) == -EINVAL
    assert await dmaengine_terminate_sync(chan) == -EINVAL


# -- channel requests ------------------------------------------------------------------------------


@async_test
async def test_request_chan_by_name_through_dmas_and_dma_names(fake: FakeDma) -> None:
    """dma_request_chan -> of_dma_request_slave_channel: dma-names picks the dmas entry,
    the provider's xlate the channel; chan->name = "dma:<name>", chan->slave = dev."""
    dev = client(fake, tx=1, rx=0)
    tx = await dma_request_chan(dev, "tx")
    rx = await dma_request_chan(dev, "rx")
    assert tx is fake.chans[1] and rx is fake.chans[0]
    assert (tx.name, tx.slave, tx.client_count) == ("dma:tx", dev, 1)
    assert rx.name == "dma:rx"
    assert fake.allocs == 2


@async_test
async def test_request_chan_unknown_name_or_no_dmas_is_enodev(fake: FakeDma) -> None:
    """of_dma_request_slave_channel: -ENODEV for a name not in dma-names and for a node
    without a dmas property."""
    assert_err(await dma_request_chan(client(fake, tx=0), "rx"), -ENODEV)
    bare = Device("serial1", of_node=DeviceNode("serial@30000000"))
    assert_err(await dma_request_chan(bare, "tx"), -ENODEV)
    assert all(c.client_count == 0 for c in fake.chans) and fake.allocs == 0


@async_test
async def test_request_chan_bad_cells_is_enodev(fake: FakeDma) -> None:
    """An xlate that returns NULL makes the request -ENODEV."""
    assert_err(await dma_request_chan(client(fake, tx=9), "tx"), -ENODEV)


@async_test
async def test_request_chan_before_provider_registers_is_probe_defer() -> None:
    """A dmas entry whose provider has not registered yet: -EPROBE_DEFER, and the same
    request succeeds once it has."""
    fake = FakeDma(make_cpu())
    dev = client(fake, tx=0)
    assert_err(await dma_request_chan(dev, "tx"), -EPROBE_DEFER)
    fake.register()
    assert await dma_request_chan(dev, "tx") is fake.chans[0]


@async_test
async def test_channel_in_use_is_not_handed_out_twice() -> None:
    """Exclusive until dma_release_channel, by name (dma_get_slave_channel) and by mask."""
    fake = FakeDma(make_cpu(), nchan=1).register()
    dev = client(fake, a=0, b=0)
    first = await dma_request_chan(dev, "a")
    assert first is fake.chans[0]
    assert_err(await dma_request_chan(dev, "b"), -ENODEV)
    assert_err(await dma_request_chan_by_mask(mask_of(DMA_MEMCPY)), -ENODEV)
    assert first.client_count == 1 and first.name == "dma:a"
    await dma_release_channel(first)
    assert await dma_request_chan(dev, "b") is fake.chans[0]


@async_test
async def test_request_chan_by_mask(fake: FakeDma) -> None:
    """dma_request_chan_by_mask: a free channel whose device has every capability."""
    a = await dma_request_chan_by_mask(mask_of(DMA_MEMCPY, DMA_CYCLIC))
    b = await dma_request_chan_by_mask(mask_of(DMA_MEMCPY, DMA_CYCLIC))
    assert {id(a), id(b)} == {id(c) for c in fake.chans}
    assert a.client_count == b.client_count == 1 and fake.allocs == 2


@async_test
async def test_request_chan_by_mask_without_capability_is_enodev(fake: FakeDma) -> None:
    """dma_request_chan_by_mask: -ENODEV when registered devices lack a capability."""
    assert_err(await dma_request_chan_by_mask(mask_of(DMA_MEMCPY, DMA_MEMSET)), -ENODEV)
    assert all(c.client_count == 0 for c in fake.chans)


@async_test
async def test_request_channel_filter() -> None:
    """dma_request_channel(mask, fn, param): free channels are offered to fn(chan, param)
    in order, busy ones are not; the first accepted is taken; none accepted: NULL."""
    fake = FakeDma(make_cpu(), nchan=3).register()
    seen: list[tuple[DmaChan, Any]] = []

    def only(chan: DmaChan, param: Any) -> bool:
        seen.append((chan, param))
        return chan is fake.chans[param]

    assert await dma_request_channel(mask_of(DMA_MEMCPY), only, 2) is fake.chans[2]
    assert seen == [(c, 2) for c in fake.chans]
    assert fake.chans[2].client_count == 1 and fake.allocs == 1
    seen.clear()
    assert await dma_request_channel(mask_of(DMA_MEMCPY), only, 2) is None
    assert seen == [(c, 2) for c in fake.chans[:2]]
    assert await dma_request_channel(mask_of(DMA_MEMSET), lambda c, p: True) is None
    assert await dma_request_channel(mask_of(DMA_MEMCPY)) is fake.chans[0]


@async_test
async def test_release_channel_frees_resources_and_names(fake: FakeDma) -> None:
    """dma_release_channel: device_free_chan_resources (descriptors freed), name and slave
    cleared, requestable again; releasing it again is a bug (Linux WARNs; the model raises)."""
    chan = await held_chan(fake)
    tx = await memcpy(chan)
    await dma_release_channel(chan)
    assert fake.freed == [tx] and chan.desc_allocated == []
    assert chan.client_count == 0 and chan.name is None and chan.slave is None
    with pytest.raises(RuntimeError):
        await dma_release_channel(chan)
    assert await held_chan(fake) is chan and fake.allocs == 2


@pytest.mark.parametrize("op", ["device_prep_dma_cyclic", "device_issue_pending"])
def test_register_refuses_missing_op(op: str) -> None:
    """dma_async_device_register: a capability without its prep op, or no issue_pending
    (or tx_status), is refused."""
    fake = FakeDma(make_cpu())
    setattr(fake.dma, op, None)
    assert dma_async_device_register(fake.dma) < 0


@async_test
async def test_request_chan_without_of_node_is_probe_defer(fake: FakeDma) -> None:
    """dma_request_chan with no device-tree node and no filter map: -EPROBE_DEFER."""
    assert_err(await dma_request_chan(Device("nodt"), "tx"), -EPROBE_DEFER)


@async_test
async def test_request_chan_tries_every_entry_of_the_name() -> None:
    """of_dma_request_slave_channel loops over every dma-names entry matching the name:
    the second request of "rx" gets the second entry's channel."""
    f = FakeDma(make_cpu()).register()
    np = DeviceNode("serial@2", {"dmas": [(f.np, 0), (f.np, 1)], "dma-names": ["rx", "rx"]})
    dev = Device("serial0", of_node=np)
    a = await dma_request_chan(dev, "rx")
    b = await dma_request_chan(dev, "rx")
    assert not IS_ERR(a) and not IS_ERR(b)
    assert {id(a), id(b)} == {id(c) for c in f.chans}


@async_test
async def test_request_by_mask_with_no_device_is_probe_defer() -> None:
    """dma_request_chan_by_mask: -EPROBE_DEFER while no DMA device is registered."""
    assert_err(await dma_request_chan_by_mask(mask_of(DMA_MEMCPY)), -EPROBE_DEFER)


# -- capabilities and configuration ----------------------------------------------------------------


def test_slave_caps_enxio_without_slave_or_cyclic() -> None:
    """dma_get_slave_caps: -EINVAL for NULL, -ENXIO without DMA_SLAVE/DMA_CYCLIC or with no
    directions."""
    fake = FakeDma(make_cpu(), caps=(DMA_MEMCPY,))
    assert dma_get_slave_caps(fake.chans[0], DmaSlaveCaps()) == -ENXIO
    no_dirs = FakeDma(make_cpu(), caps=(DMA_CYCLIC,))
    no_dirs.dma.directions = 0
    assert dma_get_slave_caps(no_dirs.chans[0], DmaSlaveCaps()) == -ENXIO
    assert dma_get_slave_caps(None, DmaSlaveCaps()) == -EINVAL


@pytest.mark.parametrize(
    "missing", [(), ("device_pause",), ("device_resume",), ("device_terminate_all",)]
)
def test_slave_caps_follow_device(missing: tuple[str, ...]) -> None:
    """dma_get_slave_caps copies the device's widths, directions, bursts, granularity,
    reuse; cmd_* say whether the op exists."""
    fake = FakeDma(make_cpu(), caps=(DMA_CYCLIC,))
    for op in missing:
        setattr(fake.dma, op, None)
    caps = DmaSlaveCaps()
    assert dma_get_slave_caps(fake.chans[0], caps) == 0
    assert caps.cmd_pause == ("device_pause" not in missing)
    assert caps.cmd_resume == ("device_resume" not in missing)
    assert caps.cmd_terminate == ("device_terminate_all" not in missing)
    d = fake.dma
    assert (caps.src_addr_widths, caps.dst_addr_widths, caps.directions) == (
        d.src_addr_widths,
        d.dst_addr_widths,
        d.directions,
    )
    assert (caps.min_burst, caps.max_burst, caps.max_sg_burst) == (1, 16, 0)
    assert caps.residue_granularity == DMA_RESIDUE_GRANULARITY_BURST
    assert caps.descriptor_reuse


def test_slave_caps_device_caps_overrides_per_channel() -> None:
    """dma_get_slave_caps calls device_caps(chan, caps) last, to override per channel."""
    fake = FakeDma(make_cpu())

    def narrow(chan: DmaChan, caps: DmaSlaveCaps) -> None:
        if chan is fake.chans[1]:
            caps.max_burst = 4

    fake.dma.device_caps = narrow
    caps = [DmaSlaveCaps(), DmaSlaveCaps()]
    assert [dma_get_slave_caps(c, cp) for c, cp in zip(fake.chans, caps, strict=True)] == [0, 0]
    assert [cp.max_burst for cp in caps] == [16, 4]
    assert caps[1].directions == fake.dma.directions


@async_test
async def test_pause_resume_enosys_without_op(fake: FakeDma) -> None:
    """dmaengine_pause / dmaengine_resume: the op's return, -ENOSYS without it."""
    chan = await held_chan(fake)
    assert await dmaengine_pause(chan) == 0
    assert await dmaengine_resume(chan) == 0
    fake.dma.device_pause = fake.dma.device_resume = None
    assert await dmaengine_pause(chan) == -ENOSYS
    assert await dmaengine_resume(chan) == -ENOSYS


@async_test
async def test_slave_config_enosys_without_device_config(fake: FakeDma) -> None:
    """dmaengine_slave_config: device_config's return; -ENOSYS without it."""
    chan = await held_chan(fake)
    cfg = DmaSlaveConfig(dst_addr=0x3000_0000, dst_addr_width=4, dst_maxburst=8)
    assert dmaengine_slave_config(chan, cfg) == 0
    assert chan.config is cfg
    fake.dma.device_config = None
    assert dmaengine_slave_config(chan, DmaSlaveConfig()) == -ENOSYS
    assert chan.config is cfg


# -- prep and submit wrappers, misuse --------------------------------------------------------------


@async_test
async def test_prep_slave_single_is_one_segment(fake: FakeDma) -> None:
    """dmaengine_prep_slave_single: device_prep_slave_sg with one entry (dma address, len)."""
    chan = await held_chan(fake)
    tx = await dmaengine_prep_slave_single(chan, 0x8000, 300, DMA_MEM_TO_DEV, FLAGS)
    assert tx is not None
    assert tx.sgl == [(0x8000, 300)] and tx.direction == DMA_MEM_TO_DEV  # type: ignore[attr-defined]
    assert tx.node is chan.desc_allocated and tx.flags == FLAGS


@async_test
async def test_prep_unsupported_returns_none() -> None:
    """The prep wrappers return NULL when the device has no such op."""
    fake = FakeDma(make_cpu(), caps=(DMA_MEMCPY,)).register()
    fake.dma.device_prep_dma_cyclic = fake.dma.device_prep_slave_sg = None
    chan = await dma_request_chan_by_mask(mask_of(DMA_MEMCPY))
    assert await dmaengine_prep_dma_cyclic(chan, 0x2000, 256, 64, DMA_DEV_TO_MEM, 0) is None
    assert await dmaengine_prep_slave_single(chan, 0x2000, 64, DMA_MEM_TO_DEV, 0) is None
    assert await dmaengine_prep_dma_memcpy(chan, 0x2000, 0x1000, 64, FLAGS) is not None


@async_test
async def test_prep_on_released_channel_returns_none(fake: FakeDma) -> None:
    """Misuse: prep on a channel nobody holds (released) gives NULL, nothing allocated."""
    chan = await held_chan(fake)
    await dma_release_channel(chan)
    assert await dmaengine_prep_dma_memcpy(chan, 0x2000, 0x1000, 64, FLAGS) is None
    assert await dmaengine_prep_slave_single(chan, 0x2000, 64, DMA_MEM_TO_DEV, 0) is None
    assert await dmaengine_prep_dma_cyclic(chan, 0x2000, 256, 64, DMA_DEV_TO_MEM, 0) is None
    assert chan.desc_allocated == []


@pytest.mark.parametrize("provider_frees", [True, False])
@async_test
async def test_submit_on_released_channel_is_negative(provider_frees: bool) -> None:
    """Misuse: submit after dma_release_channel is a negative cookie (dma_submit_error),
    whether or not the provider freed the descriptor; no cookie is used up."""
    fake = FakeDma(make_cpu()).register()
    if not provider_frees:  # the descriptor survives the release
        fake.dma.device_free_chan_resources = None
    chan = await held_chan(fake)
    tx = await memcpy(chan)
    await dma_release_channel(chan)
    last = chan.cookie
    cookie = dmaengine_submit(tx)
    assert cookie < 0 and dma_submit_error(cookie) == cookie
    assert chan.cookie == last and tx.cookie == 0
    assert tx.node is not chan.desc_submitted


# -- completions (kernel/sched/completion.c) ---------------------------------------------------


@async_test
async def test_one_complete_wakes_one_waiter() -> None:
    """complete() wakes one waiter: of two, one returns the time left, the other times
    out, and done is back to 0."""
    x = init_completion(make_cpu())
    waiters = [asyncio.ensure_future(wait_for_completion_timeout(x, 20_000_000)) for _ in "ab"]
    await settle(3)
    complete(x)
    got = await asyncio.gather(*waiters)
    assert sorted(r > 0 for r in got) == [False, True]
    assert x.done == 0

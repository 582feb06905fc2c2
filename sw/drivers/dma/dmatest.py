"""A port of Linux's dmatest (drivers/dma/dmatest.c, Documentation/driver-api/dmaengine/
dmatest.rst): memcpy tests on dmaengine channels, each verified inside and outside the
copied window, with Linux's module parameters, buffer patterns and messages.

Each thread (named ``dma0chan0-copy0`` as Linux names its kthreads) repeats: pick a length
and source/destination offsets, fill both buffers with the patterns, map them whole against
the controller (source DMA_TO_DEVICE, destination DMA_BIDIRECTIONAL "to force
writeback/invalidate"), prep a memcpy with DMA_CTRL_ACK | DMA_PREP_INTERRUPT, submit, issue,
wait for the callback (``timeout`` ms), check the status, unmap, and verify the six ranges.
At the end it prints Linux's summary line, with iops and KB/s from simulated time (the
fill and compare take no simulated time here, so nothing is subtracted for them).

Differences from Linux: the random numbers come from a seeded generator (``seed``, so a
run can be replayed); memset, XOR and PQ tests are not ported (the controller has no such
capability: ``dmatest=1`` is refused); ``run`` and ``wait`` are one coroutine,
:func:`dmatest_run`.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from typing import Any

from sw.drivers.dma import dmaengine as de
from sw.include.linux.dma_mapping import DMA_BIDIRECTIONAL, DMA_TO_DEVICE
from sw.include.linux.dmaengine import (
    DMA_COMPLETE,
    DMA_COMPLETION_NO_ORDER,
    DMA_CTRL_ACK,
    DMA_ERROR,
    DMA_MEMCPY,
    DMA_OUT_OF_ORDER,
    DMA_PREP_INTERRUPT,
    DmaCapMask,
)
from sw.kernel.dma import mapping as dm
from sw.kernel.sched.completion import Completion
from sw.mm import offset_in_page, virt_to_page
from sw.mm.page_alloc import GFP_KERNEL
from sw.mm.slab import kfree, kmalloc

log = logging.getLogger("dmatest")

PATTERN_SRC = 0x80
PATTERN_DST = 0x00
PATTERN_COPY = 0x40
PATTERN_OVERWRITE = 0x20
PATTERN_COUNT_MASK = 0x1F
PATTERN_MEMSET_IDX = 0x01
MAX_ERROR_COUNT = 32
FIXPT_SHIFT = 8
FIXPNT_MASK = 0xFF


@dataclass
class DmatestParams:
    """The module parameters, Linux's names and defaults (``seed`` is this port's)."""

    test_buf_size: int = 16384
    device: str = ""
    channel: str = ""
    threads_per_chan: int = 1
    max_channels: int = 0
    iterations: int = 0
    dmatest: int = 0
    xor_sources: int = 3
    pq_sources: int = 3
    timeout: int = 3000  # ms
    noverify: bool = False
    norandom: bool = False
    polled: bool = False
    verbose: bool = False
    alignment: int = -1
    transfer_size: int = 0
    seed: int = 0


@dataclass
class DmatestThread:
    """One kthread's state and, when done, its summary."""

    name: str
    chan: de.DmaChan
    total_tests: int = 0
    failed_tests: int = 0
    total_len: int = 0
    runtime_us: int = 0
    ret: int = 0
    done: bool = False
    lines: list[str] = field(default_factory=list)

    @property
    def iops(self) -> int:  # 24.8 fixed point
        return dmatest_persec(self.runtime_us, self.total_tests)

    @property
    def kbs(self) -> int:
        return dmatest_KBs(self.runtime_us, self.total_len)

    def summary(self) -> str:
        iops = self.iops
        return (
            f"{self.name}: summary {self.total_tests} tests, {self.failed_tests} failures "
            f"{iops >> FIXPT_SHIFT}.{((iops & FIXPNT_MASK) * 100) >> FIXPT_SHIFT:02d} iops "
            f"{self.kbs} KB/s ({self.ret})"
        )


def dmatest_persec(runtime: int, val: int) -> int:
    """``val`` per second over ``runtime`` us, in 24.8 fixed point (dmatest_persec)."""
    per_sec = 1_000_000
    if runtime <= 0:
        return 0
    while runtime > 0xFFFF_FFFF:
        runtime >>= 1
        per_sec <<= 1
    per_sec *= val
    return (per_sec << FIXPT_SHIFT) // runtime


def dmatest_KBs(runtime: int, length: int) -> int:
    return dmatest_persec(runtime, length >> 10) >> FIXPT_SHIFT


def gen_inv_idx(index: int, is_memset: bool) -> int:
    return PATTERN_MEMSET_IDX if is_memset else ~index & PATTERN_COUNT_MASK


def dmatest_fill(buf_size: int, start: int, length: int, src: bool) -> bytes:
    """One buffer's pattern (dmatest_init_srcs / dmatest_init_dsts)."""
    base, window = (PATTERN_SRC, PATTERN_COPY) if src else (PATTERN_DST, PATTERN_OVERWRITE)
    out = bytearray(base | (~i & PATTERN_COUNT_MASK) for i in range(buf_size))
    for i in range(start, start + length):
        out[i] |= window
    return bytes(out)


def _pr(thread: DmatestThread, level: int, text: str) -> None:
    line = f"dmatest: {text}"
    thread.lines.append(line)
    log.log(level, "%s", line)


def dmatest_verify(
    thread: DmatestThread,
    buf: bytes,
    start: int,
    end: int,
    counter: int,
    pattern: int,
    is_srcbuf: bool,
    errors_so_far: int,
) -> int:
    """Count the bytes of [start, end) that are not ``pattern`` with the inverted counter
    from ``counter``; name the first MAX_ERROR_COUNT (with ``errors_so_far`` before them)."""
    errors = 0
    for i in range(start, end):
        actual = buf[i]
        expected = pattern | gen_inv_idx(counter, False)
        if actual != expected:
            if errors_so_far + errors < MAX_ERROR_COUNT:
                dmatest_mismatch(thread, actual, pattern, i, counter, is_srcbuf)
            errors += 1
        counter += 1
    return errors


def dmatest_mismatch(
    thread: DmatestThread, actual: int, pattern: int, index: int, counter: int, is_srcbuf: bool
) -> None:
    diff = actual ^ pattern
    expected = pattern | gen_inv_idx(counter, False)
    if is_srcbuf:
        what = "srcbuf[0x%x] overwritten!"
    elif pattern & PATTERN_COPY and diff & (PATTERN_COPY | PATTERN_OVERWRITE):
        what = "dstbuf[0x%x] not copied!"
    elif diff & PATTERN_SRC:
        what = "dstbuf[0x%x] was copied!"
    else:
        what = "dstbuf[0x%x] mismatch!"
    _pr(
        thread,
        logging.WARNING,
        f"{thread.name}: {what % index} Expected {expected:02x}, got {actual:02x}",
    )


def _result(
    thread: DmatestThread, err: str, n: int, src_off: int, dst_off: int, length: int, data: int
) -> None:
    _pr(
        thread,
        logging.INFO,
        f"{thread.name}: result #{n}: '{err}' with src_off=0x{src_off:x} dst_off=0x{dst_off:x} "
        f"len=0x{length:x} ({data})",
    )


async def dmatest_func(thread: DmatestThread, params: DmatestParams, rng: random.Random) -> None:
    """The thread body (dmatest_func), memcpy only."""
    chan = thread.chan
    dev = chan.device.dev
    platform = _platform()
    buf_size = params.test_buf_size
    align = chan.device.copy_align if params.alignment < 0 else params.alignment
    if 1 << align > buf_size:
        _pr(
            thread,
            logging.ERROR,
            f"{buf_size}-byte buffer too small for {1 << align}-byte alignment",
        )
        thread.ret = -22
        thread.done = True
        return
    src_buf = kmalloc(buf_size, GFP_KERNEL)
    dst_buf = kmalloc(buf_size, GFP_KERNEL)
    done = Completion(platform)
    flags = DMA_CTRL_ACK if params.polled else DMA_CTRL_ACK | DMA_PREP_INTERRUPT
    timeout_ns = params.timeout * 1_000_000
    start_ns = platform.ktime_get_ns()
    while params.iterations == 0 or thread.total_tests < params.iterations:
        thread.total_tests += 1
        n = thread.total_tests
        if params.transfer_size:
            length = params.transfer_size
        elif params.norandom:
            length = buf_size
        else:
            length = rng.getrandbits(32) % buf_size + 1
        if not params.transfer_size:
            length = (length >> align) << align
            if not length:
                length = 1 << align
        thread.total_len += length
        if params.norandom:
            src_off = dst_off = 0
        else:
            src_off = rng.getrandbits(32) % (buf_size - length + 1)
            dst_off = rng.getrandbits(32) % (buf_size - length + 1)
            src_off = (src_off >> align) << align
            dst_off = (dst_off >> align) << align
        if not params.noverify:
            platform.write(src_buf, dmatest_fill(buf_size, src_off, length, True))
            platform.write(dst_buf, dmatest_fill(buf_size, dst_off, length, False))
        mapped: list[tuple[int, int]] = []
        ok = await _one(
            thread,
            params,
            chan,
            dev,
            src_buf,
            dst_buf,
            src_off,
            dst_off,
            length,
            flags,
            timeout_ns,
            done,
            mapped,
            n,
        )
        for addr, direction in mapped:
            await dm.dma_unmap_page(dev, addr, buf_size, direction)
        if not ok:
            thread.failed_tests += 1
            continue
        if params.noverify:
            if params.verbose:
                _result(thread, "test passed", n, src_off, dst_off, length, 0)
            continue
        src = platform.read(src_buf, buf_size)
        dst = platform.read(dst_buf, buf_size)
        errs = 0
        for buf, lo, hi, counter, pattern, is_src in (
            (src, 0, src_off, 0, PATTERN_SRC, True),
            (src, src_off, src_off + length, src_off, PATTERN_SRC | PATTERN_COPY, True),
            (src, src_off + length, buf_size, src_off + length, PATTERN_SRC, True),
            (dst, 0, dst_off, 0, PATTERN_DST, False),
            (dst, dst_off, dst_off + length, src_off, PATTERN_SRC | PATTERN_COPY, False),
            (dst, dst_off + length, buf_size, dst_off + length, PATTERN_DST, False),
        ):
            errs += dmatest_verify(thread, buf, lo, hi, counter, pattern, is_src, errs)
        if errs > MAX_ERROR_COUNT:
            _pr(
                thread,
                logging.WARNING,
                f"{thread.name}: {errs - MAX_ERROR_COUNT} errors suppressed",
            )
        if errs:
            _result(thread, "data error", n, src_off, dst_off, length, errs)
            thread.failed_tests += 1
        elif params.verbose:
            _result(thread, "test passed", n, src_off, dst_off, length, 0)
    thread.runtime_us = (platform.ktime_get_ns() - start_ns) // 1000
    if thread.failed_tests:
        await de.dmaengine_terminate_sync(chan)
    kfree(src_buf)
    kfree(dst_buf)
    _pr(thread, logging.INFO, thread.summary())
    thread.done = True


async def _one(
    thread: DmatestThread,
    params: DmatestParams,
    chan: de.DmaChan,
    dev: Any,
    src_buf: int,
    dst_buf: int,
    src_off: int,
    dst_off: int,
    length: int,
    flags: int,
    timeout_ns: int,
    done: Completion,
    mapped: list[tuple[int, int]],
    n: int,
) -> bool:
    """Map, prep, submit, wait, check the status; False (reported) on any failure."""
    buf_size = params.test_buf_size
    s = await dm.dma_map_page(
        dev, virt_to_page(src_buf), offset_in_page(src_buf), buf_size, DMA_TO_DEVICE
    )
    if dm.dma_mapping_error(dev, s):
        _result(thread, "src mapping error", n, src_off, dst_off, length, -12)
        return False
    mapped.append((s, DMA_TO_DEVICE))
    d = await dm.dma_map_page(
        dev, virt_to_page(dst_buf), offset_in_page(dst_buf), buf_size, DMA_BIDIRECTIONAL
    )
    if dm.dma_mapping_error(dev, d):
        _result(thread, "dst mapping error", n, src_off, dst_off, length, -12)
        return False
    mapped.append((d, DMA_BIDIRECTIONAL))
    tx = await de.dmaengine_prep_dma_memcpy(chan, d + dst_off, s + src_off, length, flags)
    if tx is None:
        _result(thread, "prep error", n, src_off, dst_off, length, 0)
        await _platform().delay(1000)  # msleep(100), shortened
        return False
    state = {"done": False}
    if not params.polled:

        def dmatest_callback(arg: Any) -> None:
            if thread.done:
                log.error("dmatest: Kernel memory may be corrupted!!")
                return
            arg["done"] = True
            from sw.kernel.sched.completion import complete

            complete(done)

        tx.callback = dmatest_callback
        tx.callback_param = state
    cookie = de.dmaengine_submit(tx)
    if de.dma_submit_error(cookie):
        _result(thread, "submit error", n, src_off, dst_off, length, cookie)
        return False
    if params.polled:
        status = await de.dma_sync_wait(chan, cookie)
        await de.dmaengine_terminate_sync(chan)
        if status == DMA_COMPLETE:
            state["done"] = True
    else:
        from sw.kernel.sched.completion import reinit_completion, wait_for_completion_timeout

        await de.dma_async_issue_pending(chan)
        await wait_for_completion_timeout(done, timeout_ns)
        reinit_completion(done)
        status = await de.dma_async_is_tx_complete(chan, cookie)
    if not state["done"]:
        _result(thread, "test timed out", n, src_off, dst_off, length, 0)
        return False
    no_order = chan.device.cap_mask.has(DMA_COMPLETION_NO_ORDER) and status == DMA_OUT_OF_ORDER
    if status != DMA_COMPLETE and not no_order:
        what = "completion error status" if status == DMA_ERROR else "completion busy status"
        _result(thread, what, n, src_off, dst_off, length, 0)
        return False
    return True


def _platform() -> Any:
    from sw.init.main import current

    return current().platform


def _filter(params: DmatestParams) -> Any:
    def dmatest_match(chan: de.DmaChan, _param: Any) -> bool:
        if params.channel and de.dma_chan_name(chan) != params.channel:
            return False
        return not (params.device and chan.device.dev.name != params.device)

    return dmatest_match


async def dmatest_run(params: DmatestParams) -> list[DmatestThread]:
    """``echo 1 > run`` then ``cat wait``: take the channels, start the threads, wait for
    all of them (``iterations`` must not be 0), release the channels.  The lines each
    thread printed are in its ``lines``; the setup lines are logged."""
    if params.dmatest != 0:
        raise ValueError("dmatest: only memcpy (dmatest=0) is ported: the controller has no memset")
    if params.iterations == 0:
        raise ValueError("dmatest: wait needs iterations != 0 (the threads would never end)")
    if params.transfer_size and params.transfer_size >= params.test_buf_size:
        raise ValueError(
            f"{params.transfer_size}-byte transfer size must be lower than "
            f"{params.test_buf_size}-buffer size"
        )
    platform = _platform()
    rng = random.Random(params.seed)
    if not params.channel:
        log.info("dmatest: No channels configured, continue with any")
    mask = DmaCapMask()
    mask.set(DMA_MEMCPY)
    chans: list[de.DmaChan] = []
    while params.max_channels == 0 or len(chans) < params.max_channels:
        chan = await de.dma_request_channel(mask, _filter(params))
        if chan is None:
            break
        chans.append(chan)
        if params.channel:
            break
    threads: list[DmatestThread] = []
    for chan in chans:
        name = de.dma_chan_name(chan)
        mine = [DmatestThread(f"{name}-copy{i}", chan) for i in range(params.threads_per_chan)]
        threads += mine
        log.info("dmatest: Added %u threads using %s", len(mine), name)
    tasks = []
    for chan in chans:
        mine = [t for t in threads if t.chan is chan]
        for t in mine:
            tasks.append(
                platform.start_soon(dmatest_func(t, params, random.Random(rng.getrandbits(32))))
            )
        log.info("dmatest: Started %u threads using %s", len(mine), de.dma_chan_name(chan))
    for task in tasks:
        await task
    for chan in chans:
        await de.dma_release_channel(chan)
    return threads

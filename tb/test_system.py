"""The classic DMA coherency failures, shown for real against the controller's RTL.

Each test moves data with the ``dmac`` through the modelled system
(tb/system_tb.py) and is run three ways:

* ``bug``: the cache maintenance a careless driver leaves out is left out, and
  the test asserts that the failure *happens* (stale or lost bytes, exactly
  where the model of the machine says they must be);
* ``fixed``: the maintenance Linux's arm64 ``arch_sync_dma_for_device`` /
  ``arch_sync_dma_for_cpu`` do (or the buffer alignment it requires) is done,
  and every byte is right;
* ``coherent``: no maintenance, but the interconnect snoops the CPU's cache,
  and every byte is right.

Every test also checks the bytes around the buffers that nobody may change.
The IOMMU tests are in tb/test_system_iommu.py.  ``test_dma_ranges_offset`` is
the addressing counterpart: a bus (DMA) address that is not the physical one.
"""

from __future__ import annotations

from typing import Any

import cocotb
from cocotb.triggers import with_timeout

from sw import dmac_regs as r
from sw.platform import IRQ_NONE
from tb.system_tb import DMA_RANGES, DMAC_IRQ, DRAM_BASE, SystemTB

VARIANTS = ["bug", "fixed", "coherent"]
LINE = 64


async def setup(dut: Any, variant: str, prefetch_lines: int = 0) -> SystemTB:
    tb = SystemTB(dut, coherent=variant == "coherent", prefetch_lines=prefetch_lines)
    await tb.reset()
    return tb


def differs(a: bytes, b: bytes) -> list[int]:
    return [i for i in range(len(a)) if a[i] != b[i]]


@cocotb.test()
@cocotb.parametrize(variant=VARIANTS)
async def test_stale_read_after_device_write(dut: Any, variant: str) -> None:
    """(a) The CPU holds clean copies of the destination's lines; the device writes memory
    behind them.  Without the invalidate of ``sync_for_cpu`` the CPU reads the old bytes."""
    tb = await setup(dut, variant)
    cpu = tb.cpu
    length = 4096 + 100
    desc_va, desc_pa = tb.alloc_coherent_page()
    src_pa, dst_pa = tb.alloc(8192), tb.alloc(16384)
    src_va, dst_va = cpu.phys_to_virt(src_pa), cpu.phys_to_virt(dst_pa)
    dst_va += 256  # guard bytes before and after the buffer, in the same pages
    new = tb.rng.randbytes(length)
    old = tb.rng.randbytes(length + 512)
    cpu.write(src_va, new)
    cpu.dcache_clean_poc(src_va, src_va + length)  # the TO_DEVICE side done right
    cpu.write(dst_va - 256, old)
    cpu.dcache_clean_poc(dst_va - 256, dst_va + length + 256)
    cpu.read(dst_va - 256, length + 512)  # the CPU has the buffer's lines in its cache
    assert variant == "coherent" or cpu.cache.contains(dst_pa + 256)

    if variant == "fixed":  # arm64 dma_map_single(FROM_DEVICE): clean (nothing dirty here)
        cpu.dcache_clean_poc(dst_va, dst_va + length)
    res = await tb.copy(desc_va, desc_pa, src_pa, dst_pa + 256, length)
    assert res.err == r.DmacErr.NONE and res.length == length, res
    if variant == "fixed":  # dma_unmap_single(FROM_DEVICE): invalidate
        cpu.dcache_inval_poc(dst_va, dst_va + length)

    seen = cpu.read(dst_va, length)
    in_memory = tb.map.read(dst_pa + 256, length)
    assert in_memory == new, "the device's write did not reach memory"
    if variant == "bug":
        stale = differs(seen, new)
        assert seen == old[256 : 256 + length], "expected the CPU to read only stale bytes"
        dut._log.info("bug shown: the CPU read %d stale bytes of %d", len(stale), length)
    else:
        assert seen == new, f"CPU reads {len(differs(seen, new))} wrong bytes"
    # Guard bytes: in memory and as the CPU sees them.
    for lo, hi in ((0, 256), (256 + length, 512 + length)):
        assert tb.map.read(dst_pa + lo, hi - lo) == old[lo:hi]
        assert cpu.read(dst_va - 256 + lo, hi - lo) == old[lo:hi]
    tb.check_protocol()


@cocotb.test()
@cocotb.parametrize(variant=VARIANTS)
async def test_device_reads_uncleaned_data(dut: Any, variant: str) -> None:
    """(b) The CPU's new source bytes sit dirty in its cache; memory still holds the old ones.
    Without the clean of ``sync_for_device`` the device copies the old bytes."""
    tb = await setup(dut, variant)
    cpu = tb.cpu
    length = 3000
    desc_va, desc_pa = tb.alloc_coherent_page()
    src_pa, dst_pa = tb.alloc(4096), tb.alloc(4096)
    src_va = cpu.phys_to_virt(src_pa)
    old, new = tb.rng.randbytes(length), tb.rng.randbytes(length)
    before = tb.rng.randbytes(4096)
    tb.map.write(src_pa, old)  # what memory held before the CPU wrote
    tb.map.write(dst_pa, before)
    cpu.write(src_va, new)  # write-allocate: new bytes dirty in the cache only
    assert tb.map.read(src_pa, length) == old

    if variant == "fixed":  # dma_map_single(TO_DEVICE): clean
        cpu.dcache_clean_poc(src_va, src_va + length)
    res = await tb.copy(desc_va, desc_pa, src_pa, dst_pa, length)
    assert res.err == r.DmacErr.NONE and res.length == length, res

    got = tb.map.read(dst_pa, length)
    if variant == "bug":
        assert got == old, "expected the device to have copied the old memory contents"
        dut._log.info("bug shown: the device read %d old bytes", len(differs(old, new)))
    else:
        assert got == new, f"device copied {len(differs(got, new))} wrong bytes"
    assert tb.map.read(dst_pa + length, 4096 - length) == before[length:]
    tb.check_protocol()


@cocotb.test()
@cocotb.parametrize(variant=VARIANTS)
async def test_prefetch_during_transfer(dut: Any, variant: str) -> None:
    """(c) The map-time invalidate is done; while the device writes, the CPU touches a
    variable right after the buffer and its prefetcher pulls the buffer's last lines in,
    from memory the device has not written yet.  Only the unmap-time invalidate fixes it."""
    tb = await setup(dut, variant, prefetch_lines=2)
    cpu = tb.cpu
    length = 2048
    desc_va, desc_pa = tb.alloc_coherent_page()
    src_pa, page_pa = tb.alloc(4096), tb.alloc(4096)
    src_va, page_va = cpu.phys_to_virt(src_pa), cpu.phys_to_virt(page_pa)
    flag_va = page_va + length  # the neighbour: its own line, right after the buffer
    new, old = tb.rng.randbytes(length), tb.rng.randbytes(4096)
    cpu.write(src_va, new)
    cpu.dcache_clean_poc(src_va, src_va + length)
    tb.map.write(page_pa, old)
    cpu.dcache_inval_poc(page_va, page_va + 4096)  # nothing of the page cached

    last_line = page_pa + length - LINE
    # dma_map_single(FROM_DEVICE), done the ARMv7 way: invalidate (arm64 cleans; either way
    # the buffer has no valid line when the device starts).  Done in every variant.
    cpu.dcache_inval_poc(page_va, page_va + length)
    prefetched: list[bool] = []

    async def touch_neighbour() -> None:
        before = cpu.cache.stats.prefetches
        cpu.read(flag_va, 4)
        prefetched.append(cpu.cache.stats.prefetches > before and cpu.cache.contains(last_line))
        if variant != "coherent":
            # The prefetch must have found the old bytes: the device had not written yet.
            assert cpu.cache.peek(last_line, LINE) == old[length - LINE : length]

    res = await tb.copy(desc_va, desc_pa, src_pa, page_pa, length, during=touch_neighbour())
    assert res.err == r.DmacErr.NONE and res.length == length, res
    assert prefetched == [True], "the neighbour's access did not prefetch the buffer's last line"
    if variant == "fixed":  # dma_unmap_single(FROM_DEVICE): invalidate again
        cpu.dcache_inval_poc(page_va, page_va + length)

    seen = cpu.read(page_va, length)
    assert tb.map.read(page_pa, length) == new
    if variant == "bug":
        wrong = differs(seen, new)
        assert wrong, "expected stale prefetched lines"
        assert min(wrong) >= length - 2 * LINE, f"stale bytes outside the prefetched lines: {wrong}"
        assert seen[length - 2 * LINE :] == old[length - 2 * LINE : length]
        dut._log.info("bug shown: %d stale bytes in the prefetched lines", len(wrong))
    else:
        # In coherent mode the device's write snooped (invalidated) the prefetched lines.
        assert seen == new, f"CPU reads {len(differs(seen, new))} wrong bytes"
    assert cpu.read(flag_va, 4096 - length) == old[length:]
    assert tb.map.read(page_pa + length, 4096 - length) == old[length:], "memory after the buffer"
    tb.check_protocol()


@cocotb.test()
@cocotb.parametrize(variant=VARIANTS)
async def test_shared_cache_line(dut: Any, variant: str) -> None:
    """(d) A DMA buffer that does not start on a cache line shares its first line with a
    variable the CPU writes during the transfer.  The unmap-time ``dcache_inval_poc``
    must clean that partial line, and writing it back puts the CPU's stale copy of the
    buffer's first bytes over what the device wrote.  ``fixed`` aligns the buffer to the
    cache line (ARCH_DMA_MINALIGN), which is the only cure; maintenance is right in all."""
    tb = await setup(dut, variant)
    cpu = tb.cpu
    length = 1024
    desc_va, desc_pa = tb.alloc_coherent_page()
    src_pa, page_pa = tb.alloc(4096), tb.alloc(4096)
    src_va, page_va = cpu.phys_to_virt(src_pa), cpu.phys_to_virt(page_pa)
    offset = LINE if variant == "fixed" else 32  # where the buffer starts in the page
    buf_va, buf_pa = page_va + offset, page_pa + offset
    new, old = tb.rng.randbytes(length), tb.rng.randbytes(4096)
    # Every byte the shared line may corrupt differs between old and new, so the count of
    # wrong bytes is exact (random bytes would agree now and then).
    new = bytes(n ^ 0x5A if n == o else n for n, o in zip(new[:32], old[offset:], strict=False))
    new += tb.rng.randbytes(length - 32)
    cpu.write(src_va, new)
    cpu.dcache_clean_poc(src_va, src_va + length)
    tb.map.write(page_pa, old)
    cpu.dcache_inval_poc(page_va, page_va + 4096)
    neighbour = b"NEIGHBOUR-WRITTEN-BY-THE-CPU-32B"
    assert len(neighbour) == 32

    cpu.dcache_clean_poc(buf_va, buf_va + length)  # arm64 dma_map_single(FROM_DEVICE)

    async def write_neighbour() -> None:
        cpu.write(page_va, neighbour)  # bytes [0, 32) of the page: the buffer's first line
        if variant == "bug":
            assert cpu.cache.is_dirty(page_pa) and cpu.cache.peek(page_pa + 32, 32) == old[32:64]

    res = await tb.copy(desc_va, desc_pa, src_pa, buf_pa, length, during=write_neighbour())
    assert res.err == r.DmacErr.NONE and res.length == length, res
    if variant != "coherent":
        cpu.dcache_inval_poc(buf_va, buf_va + length)  # dma_unmap_single(FROM_DEVICE)

    seen = cpu.read(buf_va, length)
    if variant == "bug":
        wrong = differs(seen, new)
        assert wrong == list(range(32)), f"expected the buffer's first 32 bytes corrupted: {wrong}"
        assert seen[:32] == old[32:64], "the corruption is the CPU's stale copy"
        assert tb.map.read(buf_pa, 32) == old[32:64], "memory itself holds the stale bytes"
        dut._log.info("bug shown: the write-back of the shared line corrupted 32 DMA bytes")
    else:
        assert seen == new, f"CPU reads {len(differs(seen, new))} wrong bytes"
    assert cpu.read(page_va, 32) == neighbour, "the CPU's neighbour variable was lost"
    end = offset + length
    assert cpu.read(page_va + end, 4096 - end) == old[end:]
    if variant == "fixed":
        assert cpu.read(page_va + 32, 32) == old[32:64]
    tb.check_protocol()


@cocotb.test()
async def test_dma_ranges_offset(dut: Any) -> None:
    """The interconnect shows the low DRAM to the controller 16 MiB lower than the CPU sees
    it (``DMA_RANGES``, a ``dma-ranges`` offset).  Given bus addresses (``phys_to_bus``,
    what the DMA API's ``dma_addr_t`` holds) a copy is right.  Given CPU physical addresses
    (a ``phys_addr_t`` passed as ``dma_addr_t``, the classic driver bug) the controller
    reads and writes 16 MiB higher: the intended destination stays untouched, and the
    pages 16 MiB above get the bytes 16 MiB above the source."""
    tb = SystemTB(dut, dma_ranges=DMA_RANGES)
    await tb.reset()
    rng = tb.rng
    shift = DRAM_BASE - DMA_RANGES[0][0]
    assert shift == 0x0100_0000
    length, guard = 3000, 256  # buffers at offset 256 of their page: guard bytes both sides
    desc_va, desc_pa = tb.alloc_coherent_page()
    desc_dma = tb.phys_to_bus(desc_pa)  # dma_alloc_coherent's handle: right in both copies
    assert desc_dma == desc_pa - shift
    src_pa, dst_pa = tb.alloc(4096), tb.alloc(4096)
    assert max(desc_pa, src_pa, dst_pa) + 4096 <= min(src_pa, dst_pa) + shift, "pages overlap"
    # All through the backdoor: no CPU cache line holds any of these bytes.
    src_page, dst_page = rng.randbytes(4096), rng.randbytes(4096)
    src_shadow, dst_shadow = rng.randbytes(4096), rng.randbytes(4096)  # the pages 16 MiB up
    tb.map.write(src_pa, src_page)
    tb.map.write(dst_pa, dst_page)
    tb.map.write(src_pa + shift, src_shadow)
    tb.map.write(dst_pa + shift, dst_shadow)
    buf = slice(guard, guard + length)

    def around(page: bytes, inside: bytes) -> bytes:
        return page[:guard] + inside + page[guard + length :]

    # Right: the controller is given bus addresses.
    src_dma, dst_dma = tb.phys_to_bus(src_pa + guard), tb.phys_to_bus(dst_pa + guard)
    assert (src_dma, dst_dma) == (src_pa + guard - shift, dst_pa + guard - shift)
    res = await tb.copy(desc_va, desc_dma, src_dma, dst_dma, length)
    assert res.err == r.DmacErr.NONE and res.length == length, res
    got = tb.map.read(dst_pa, 4096)
    assert got == around(dst_page, src_page[buf]), f"{len(differs(got, dst_page))} bytes"
    assert tb.map.read(src_pa, 4096) == src_page
    assert tb.map.read(src_pa + shift, 4096) == src_shadow
    assert tb.map.read(dst_pa + shift, 4096) == dst_shadow, "a byte landed 16 MiB higher"

    # The bug: the same copy handed CPU physical addresses.
    tb.map.write(dst_pa, dst_page)
    res = await tb.copy(desc_va, desc_dma, src_pa + guard, dst_pa + guard, length)
    assert res.err == r.DmacErr.NONE and res.length == length, res  # nothing tells
    assert tb.map.read(dst_pa, 4096) == dst_page, "the intended destination was written"
    got = tb.map.read(dst_pa + shift, 4096)
    assert got == around(dst_shadow, src_shadow[buf]), "expected the bytes 16 MiB higher"
    assert tb.map.read(src_pa, 4096) == src_page
    assert tb.map.read(src_pa + shift, 4096) == src_shadow
    dut._log.info(
        "bug shown: %d bytes from %#x landed at %#x instead of %#x",
        length,
        src_pa + guard + shift,
        dst_pa + guard + shift,
        dst_pa + guard,
    )
    tb.check_protocol()


@cocotb.test()
async def test_interrupt_handlers(dut: Any) -> None:
    """The CPU's interrupt line runs every handler registered on it (a shared line), and a
    line that stays asserted with no handler handling it is disabled after 1000 runs with
    "nobody cared", as Linux's note_interrupt does; a new request_irq enables it again."""
    tb = await setup(dut, "fixed")
    cpu = tb.cpu
    desc_va, desc_pa = tb.alloc_coherent_page()
    src, dst = tb.alloc(4096), tb.alloc(4096)
    calls: list[int] = []

    async def not_mine(irq: int) -> int:
        calls.append(irq)
        return IRQ_NONE

    cpu.request_irq(DMAC_IRQ, not_mine, "other-device")
    res = await tb.copy(desc_va, desc_pa, src, dst, 256)
    assert res.err == r.DmacErr.NONE and calls and set(calls) == {DMAC_IRQ}
    assert not cpu.errors

    cpu.free_irq(DMAC_IRQ, tb._dmac_irq)  # nobody acknowledges the controller now
    calls.clear()
    await tb.start(desc_va, desc_pa, src, dst, 256)
    for _ in range(200):
        if cpu.irq_disabled(DMAC_IRQ):
            break
        await cpu.delay(100)
    assert cpu.irq_disabled(DMAC_IRQ), "the stuck line was never disabled"
    assert cpu.errors == [f"irq {DMAC_IRQ}: nobody cared"]
    assert len(calls) == 1000
    assert dut.irq.value == 1, "the controller's interrupt is still pending"
    await cpu.delay(50)
    assert len(calls) == 1000, "a disabled line still runs its handlers"

    cpu.free_irq(DMAC_IRQ, not_mine)
    cpu.request_irq(DMAC_IRQ, tb._dmac_irq, "dmac")  # enables the line again
    # The handler signals once its acknowledging write has completed (its B is back).
    await with_timeout(tb._irq_event.wait(), 20, "us")
    await cpu.delay(2)
    assert dut.irq.value == 0, "the re-registered handler did not acknowledge the interrupt"
    tb.check_protocol()

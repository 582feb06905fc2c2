"""Linux's dmatest (sw/drivers/dma/dmatest.py) through the whole stack on the RTL: the
dmaengine core, the controller's driver, dma-mapping (swiotlb: dmatest's kmalloc buffers lie
above the 32-bit controller's reach, or the IOMMU), the CPU's cache.

dmatest verifies each copy itself (the source untouched, the window copied, the destination
outside the window untouched); these tests check its summary lines and, with a coherence
the firmware got wrong, that it catches the corruption and says so in its own words.
"""

from __future__ import annotations

import re
from typing import Any

import cocotb

from sw.drivers.dma.dmatest import DmatestParams, dmatest_run
from tb.dmaengine_bench import boot, quiesce

SUMMARY = re.compile(
    r"^dmatest: (dma0chan\d+-copy\d+): summary (\d+) tests, (\d+) failures "
    r"(\d+)\.(\d\d) iops (\d+) KB/s \((-?\d+)\)$"
)


def summaries(threads: list[Any]) -> dict[str, tuple[int, int, int]]:
    out = {}
    for t in threads:
        m = SUMMARY.match(t.lines[-1])
        assert m, t.lines[-1]
        out[m.group(1)] = (int(m.group(2)), int(m.group(3)), int(m.group(6)))
    return out


@cocotb.test()
@cocotb.parametrize(coherent=[False, True], iommu=[False, True])
async def test_dmatest_every_channel(dut: Any, coherent: bool, iommu: bool) -> None:
    """Two threads on each of the controller's channels, random lengths and offsets in 4 KiB
    buffers: every thread's summary says 0 failures in Linux's format, with a throughput."""
    m = await boot(dut, coherent, iommu)
    params = DmatestParams(test_buf_size=4096, iterations=6, threads_per_chan=2, seed=m.tb.seed)
    threads = await dmatest_run(params)
    got = summaries(threads)
    nchan = m.dmac.num_channels
    assert sorted(got) == sorted(f"dma0chan{c}-copy{i}" for c in range(nchan) for i in range(2))
    for name, (tests, failures, kbs) in got.items():
        assert (tests, failures) == (6, 0), (name, threads)
        assert kbs > 0, name
    for t in threads:
        assert len(t.lines) == 1, t.lines  # nothing but the summary: no result, no mismatch
    assert m.k.dma_debug.errors == []
    if not iommu:
        assert m.k.swiotlb is not None and m.k.swiotlb.used == 0, "bounce slots all released"
    await quiesce(m)
    m.tb.check_protocol()


@cocotb.test()
async def test_dmatest_catches_wrong_coherence(dut: Any) -> None:
    """The firmware says the controller is coherent but the CPU's cache is not snooped: no
    cache maintenance is done and coherent memory is mapped cacheable, so the descriptors
    the driver wrote are still in the CPU's cache when the controller fetches them.  Every
    test fails, dmatest says so in its words ('completion error status' results, failures
    in the summary), and the driver names the controller's error."""
    m = await boot(dut, coherent=False, dev_coherent=True)
    params = DmatestParams(
        test_buf_size=2048, iterations=4, max_channels=1, norandom=True, seed=m.tb.seed
    )
    threads = await dmatest_run(params)
    (t,) = threads
    text = "\n".join(t.lines)
    assert summaries(threads)["dma0chan0-copy0"][:2] == (4, 4), text
    for n in range(1, 5):
        assert (
            f"result #{n}: 'completion error status' with src_off=0x0 dst_off=0x0 len=0x800 (0)"
            in text
        ), text
    assert m.dmac.chans[0].last_error is not None
    await quiesce(m)
    m.tb.check_protocol()

"""cocotb benchmark: what the system models cost the simulation (printed by tools/bench.py).

Not a test: it measures.  Each configuration copies 64 KiB with one
descriptor through the modelled system (tb/system_tb.py), ``BENCH_REPEAT``
times after one untimed warm-up copy, and records the fastest: the simulated
cycles from the doorbell to the interrupt and the CPU seconds the simulator
process spent on them
(``time.process_time``: the simulator and cocotb run in one process, and
CPU time is less disturbed than wall time by other work on the machine).

Configurations (``BENCH_CONFIGS``, JSON list):

* ``plain``: memory map and AXI port only: no IOMMU, no snooping;
* ``iommu``: every burst translated by the IOMMU (source and destination
  mapped page by page to scattered physical pages, the destination above
  4 GiB); the IOTLB is cold at the start of each copy;
* ``coherent``: the interconnect snoops the CPU's cache on every beat, and
  the CPU writes the source again before every copy (the last 32 KiB of it are
  dirty lines for the snoops to write back: the cache holds 32 KiB);
* ``iommu+coherent``: both.

No protocol checkers and no random stalls: they cost the same in every
configuration and would hide the models' share.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import cocotb

from sw import dmac_regs as r
from sw.drivers.iommu.iommu import IOMMU_READ, IOMMU_WRITE, IommuDriver
from sw.mm.page_alloc import PAGE_SIZE
from tb.system_tb import DMAC_STREAM_ID, IOMMU_REGS, SystemTB

KIB = 1024
SIZE = 64 * KIB
SRC_IOVA, DST_IOVA, DESC_IOVA = 0x1000_0000, 0x2000_0000, 0x0FFF_0000


async def build(dut: Any, config: str) -> tuple[SystemTB, dict[str, int]]:
    """The system and its buffers: bus addresses of the descriptor, source, destination."""
    tb = SystemTB(
        dut,
        iommu="iommu" in config,
        coherent="coherent" in config,
        backpressure=0.0,
        reorder=False,
        checkers=False,
        seed=1,
    )
    await tb.reset()
    cpu = tb.cpu
    desc_va, desc_pa = tb.alloc_coherent_page()
    npages = SIZE // PAGE_SIZE
    if tb.iommu is None:  # one contiguous block each: the bus address is the physical one
        src, dst = tb.alloc(SIZE), tb.alloc(SIZE)
        src_pages = [src + i * PAGE_SIZE for i in range(npages)]
        dst_pages = [dst + i * PAGE_SIZE for i in range(npages)]
    else:  # page by page, interleaved: not contiguous; the destination above 4 GiB
        src_pages, dst_pages = [], []
        for _ in range(npages):
            src_pages.append(tb.alloc(PAGE_SIZE))
            tb.alloc(PAGE_SIZE)  # a hole between source pages
            dst_pages.append(tb.alloc(PAGE_SIZE, high=True))
    addrs = {"desc_va": desc_va, "desc": desc_pa, "src": src_pages[0], "dst": dst_pages[0]}
    tb.src_pages = src_pages  # type: ignore[attr-defined]
    if tb.iommu is not None:
        drv = await IommuDriver.probe(cpu, IOMMU_REGS, tb.pages)
        dom = drv.alloc_domain()
        await drv.attach_device(dom, DMAC_STREAM_ID)
        await drv.iommu_map(dom, DESC_IOVA, desc_pa, PAGE_SIZE, IOMMU_READ | IOMMU_WRITE)
        for i, (s, d) in enumerate(zip(src_pages, dst_pages, strict=True)):
            await drv.iommu_map(dom, SRC_IOVA + i * PAGE_SIZE, s, PAGE_SIZE, IOMMU_READ)
            await drv.iommu_map(dom, DST_IOVA + i * PAGE_SIZE, d, PAGE_SIZE, IOMMU_WRITE)
        addrs.update(desc=DESC_IOVA, src=SRC_IOVA, dst=DST_IOVA)
        tb.iommu_driver, tb.iommu_domain = drv, dom  # type: ignore[attr-defined]
    return tb, addrs


def write_source(tb: SystemTB) -> None:
    """The CPU writes the source (the lines it still holds stay dirty); a non-coherent system
    then cleans it, as dma_map_single(TO_DEVICE) would; a coherent one leaves the dirty lines
    for the snoops to find.  Untimed."""
    cpu = tb.cpu
    for pa in tb.src_pages:  # type: ignore[attr-defined]
        va = cpu.phys_to_virt(pa)
        cpu.write(va, tb.rng.randbytes(PAGE_SIZE))
        if not cpu.cache.coherent:
            cpu.dcache_clean_poc(va, va + PAGE_SIZE)


CONFIGS = json.loads(os.environ.get("BENCH_CONFIGS", '["plain"]'))


@cocotb.test()
@cocotb.parametrize(config=CONFIGS)
async def bench_system(dut: Any, config: str) -> None:
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    out = os.environ.get("BENCH_OUT")
    sim = "verilator" if "verilator" in cocotb.SIM_NAME.lower() else "icarus"
    tb, a = await build(dut, config)
    # One untimed copy first: the first transfer of a process pays for imports and caches.
    write_source(tb)
    res = await tb.copy(a["desc_va"], a["desc"], a["src"], a["dst"], 4 * KIB)
    assert res.err == r.DmacErr.NONE, res
    runs = []
    for _ in range(repeat):
        if tb.iommu is not None:  # a cold IOTLB every time
            await tb.iommu_driver.flush_iotlb_all(tb.iommu_domain)  # type: ignore[attr-defined]
        write_source(tb)
        t0 = time.process_time()
        res = await tb.copy(a["desc_va"], a["desc"], a["src"], a["dst"], SIZE)
        seconds = time.process_time() - t0
        assert res.err == r.DmacErr.NONE and res.length == SIZE, res
        runs.append((seconds, res.cycles))
    seconds, cycles = min(runs)
    record = {
        "config": config,
        "simulator": sim,
        "size": SIZE,
        "cycles": cycles,
        "seconds": round(seconds, 4),
        "cycles_per_second": round(cycles / seconds),
        "iommu": tb.iommu.stats.as_dict() if tb.iommu is not None else None,
        "cache": tb.cpu.cache.stats.as_dict(),
        "port": tb.port.stats.as_dict(),
    }
    dut._log.info("%s", record)
    if out:
        with open(out, "a") as f:
            f.write(json.dumps(record) + "\n")

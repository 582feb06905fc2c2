"""Bench helpers for the dmaengine tests: the system bench booted with the kernel, the
controller's driver probed on it (and the IOMMU's, optionally), and a callback that
records what dmaengine told it."""

from __future__ import annotations

from typing import Any

import cocotb
from cocotb.triggers import ClockCycles, Timer

from sw.drivers.base.core import BusDmaRegion, Device, DeviceDriver
from sw.drivers.dma import dmaengine as de
from sw.drivers.dma.dmac import Dmac, dmac_probe
from sw.drivers.iommu.dma_iommu import iommu_setup_dma_ops
from sw.drivers.iommu.iommu import IommuDriver
from sw.include.linux.dmaengine import DMA_MEMCPY, DmaCapMask, DmaengineResult
from sw.include.linux.err import IS_ERR
from sw.include.linux.of import DeviceNode
from sw.init.main import Kernel, start_kernel
from sw.kernel.dma import mapping as dm
from sw.kernel.softirq import tasklet_kill
from tb.system_tb import (
    ADC_REGS,
    ADC_REQ,
    DMA_RANGES,
    DMAC_IRQ,
    DMAC_REGS,
    DMAC_STREAM_ID,
    IOMMU_REGS,
    PERIPH_SIZE,
    UART_REGS,
    UART_RX_REQ,
    UART_TX_REQ,
    SystemTB,
)


class Machine:
    """The bench booted: kernel, the controller's device, its driver and (optionally) the
    IOMMU's."""

    def __init__(self, tb: SystemTB, k: Kernel, dev: Device, dmac: Dmac, iommu: Any) -> None:
        self.tb, self.k, self.dev, self.dmac, self.iommu = tb, k, dev, dmac, iommu
        self.node = DeviceNode("dma-controller@10000000")


async def boot(
    dut: Any,
    coherent: bool = False,
    iommu: bool = False,
    dev_coherent: bool | None = None,
    cmdline: str = "swiotlb=1024",
    **kw: Any,
) -> Machine:
    """``coherent``: the CPU's cache is snooped by the controller; ``dev_coherent`` (default
    the same) is what the firmware tells the kernel, so a wrong one can be shown."""
    tb = SystemTB(dut, coherent=coherent, iommu=iommu, dma_ranges=DMA_RANGES, **kw)
    await tb.reset()
    tb.cpu.free_irq(DMAC_IRQ, tb._dmac_irq)  # the driver owns the controller's interrupt
    k = start_kernel(tb.cpu, cmdline)
    dev = Device(
        "dmac0",
        driver=DeviceDriver("dmac"),
        dma_range_map=[BusDmaRegion(cpu, bus, size) for bus, cpu, size in DMA_RANGES],
        dma_coherent=coherent if dev_coherent is None else dev_coherent,
    )
    drv = None
    if iommu:
        drv = await IommuDriver.probe(tb.cpu, IOMMU_REGS, k.zones["DMA"][0])
        dom = drv.alloc_domain(strict=True)
        await drv.attach_device(dom, DMAC_STREAM_ID)
        iommu_setup_dma_ops(dev, drv, dom)
    node = DeviceNode("dma-controller@10000000")
    dmac = await dmac_probe(k.platform, dev, DMAC_REGS, DMAC_IRQ, of_node=node)
    assert isinstance(dmac, Dmac), dmac
    m = Machine(tb, k, dev, dmac, drv)
    m.node = node
    return m


async def memcpy_chan() -> de.DmaChan:
    mask = DmaCapMask()
    mask.set(DMA_MEMCPY)
    chan = await de.dma_request_chan_by_mask(mask)
    assert not IS_ERR(chan), chan
    assert isinstance(chan, de.DmaChan)
    return chan


class Waiter:
    """A callback_result that records what it was told and wakes the test."""

    def __init__(self, m: Machine) -> None:
        self.results: list[tuple[Any, DmaengineResult]] = []
        self.event = m.k.platform.new_event()

    def __call__(self, param: Any, result: DmaengineResult) -> None:
        self.results.append((param, DmaengineResult(result.result, result.residue)))
        self.event.set()

    async def wait(self, count: int, timeout_us: int = 2000) -> None:
        waited = 0
        while len(self.results) < count:
            self.event.clear()
            await cocotb.triggers.First(self.event.wait(), Timer(10, unit="us"))
            waited += 10
            assert waited < timeout_us, f"only {len(self.results)} of {count} callbacks"


async def map_single(dev: Device, va: int, size: int, direction: int) -> int:
    addr = await dm.dma_map_single(dev, va, size, direction)
    assert dm.dma_mapping_error(dev, addr) == 0, f"mapping [{va:#x}, +{size:#x}) failed"
    return addr


async def quiesce(m: Machine) -> None:
    """Let the interrupt handler and the driver's tasklet run out, so that the register
    bus is idle when the protocol checkers are asked."""
    for _ in range(100):
        await ClockCycles(m.tb.dut.clk, 20)
        if not m.dmac.tasklet.running and not int(m.tb.dut.irq.value):
            break
    await tasklet_kill(m.dmac.tasklet)
    await ClockCycles(m.tb.dut.clk, 20)


async def submit(chan: de.DmaChan, tx: Any, waiter: Waiter, param: Any) -> int:
    assert tx is not None
    tx.callback_result = waiter
    tx.callback_param = param
    cookie = de.dmaengine_submit(tx)
    assert de.dma_submit_error(cookie) == 0, cookie
    return cookie


def uart_node(m: Machine, names: tuple[str, ...] = ("tx", "rx"), width: int = 1) -> DeviceNode:
    """The bench UART's device-tree node: its register, width and request lines."""
    lines = {"tx": UART_TX_REQ, "rx": UART_RX_REQ}
    return DeviceNode(
        "serial@10020000",
        {
            "reg": [(UART_REGS, PERIPH_SIZE)],
            "reg-io-width": width,
            "dmas": [(m.node, lines[n]) for n in names],
            "dma-names": list(names),
        },
    )


def adc_node(m: Machine) -> DeviceNode:
    """The bench ADC's device-tree node: one "rx" request line."""
    return DeviceNode(
        "adc@10030000",
        {"reg": [(ADC_REGS, PERIPH_SIZE)], "dmas": [(m.node, ADC_REQ)], "dma-names": ["rx"]},
    )

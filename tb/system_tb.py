"""Bench harness for the ``dmac`` top inside a modelled system: CPU, cache, IOMMU, memory map.

:class:`SystemTB` builds the machine around one controller the way an SoC
would have it:

* one :class:`~tb.models.memory_map.MemoryMap` (physical, 40-bit) with two
  blocks of RAM, one below 4 GiB (reachable by the controller's 32-bit bus
  without an IOMMU) and one above;
* the controller's AXI4 master reaching that map through the interconnect
  port :class:`~tb.models.axi_memory.AxiMemory` (latency, back-pressure,
  out-of-order answers), optionally through an :class:`~tb.models.iommu.Iommu`
  (the controller is stream ``DMAC_STREAM_ID``), and snooping the CPU's cache
  only in coherent mode; optionally with a ``dma-ranges`` offset
  (``dma_ranges``, e.g. ``DMA_RANGES``) between the controller's bus addresses and
  the physical ones, for bursts that do not go through the IOMMU
  (:meth:`SystemTB.phys_to_bus` gives a buffer's bus address);
* a :class:`~tb.models.cpu.Cpu` with its write-back data cache, which sees
  the controller's registers through the AXI4-Lite master (uncached MMIO at
  ``DMAC_REGS``), the IOMMU's registers at ``IOMMU_REGS``, and the
  controller's ``irq`` output as interrupt ``DMAC_IRQ``;
* the AXI4 and AXI4-Lite protocol checkers and random stalls on every channel;
* optionally (``peripherals=True``) two request-line devices of
  :mod:`tb.models.peripherals`, see below.

Peripherals.  ``SystemTB(dut, peripherals=True)`` attaches a
:class:`~tb.models.peripherals.UartModel` (``tb.uart``) and an
:class:`~tb.models.peripherals.AdcModel` (``tb.adc``) on one
:class:`~tb.models.peripherals.RequestLines` (``tb.lines``), which drives the
dut's ``dma_req_*`` and hands the devices ``dma_ack``/``dma_tc``:

* UART (``tb.uart``): FIFO register at ``UART_REGS`` (writes go to the transmitter,
  reads come from the receiver), request lines ``UART_TX_REQ`` (transmitter, MEM2DEV)
  and ``UART_RX_REQ`` (receiver, DEV2MEM); by default 1-byte characters
  (``UART_WIDTH``), 16-deep FIFOs, burst requests of ``UART_MAXBURST`` = 4 elements,
  one character every 16 cycles on the wire (``tb.uart.tx_log``, ``tb.uart.rx_feed``);
* ADC (``tb.adc``): FIFO register at ``ADC_REGS`` (read only), request line
  ``ADC_REQ`` (DEV2MEM); 2-byte samples (``ADC_WIDTH``) counting 0, 1, 2, ..., a
  16-deep FIFO, ``ADC_MAXBURST`` = 4, one sample every 8 cycles once
  ``tb.adc.start(n)`` has been called.

Each FIFO register is at offset 0 of its ``PERIPH_SIZE`` window, which is a device
region of the one physical map: the controller's AXI master reaches it at the bus
address equal to the physical address, and the CPU through ``readl``/``writel``.
The windows sit beside ``DMAC_REGS``/``IOMMU_REGS``, outside the ``dma-ranges``
window (which only moves the low DRAM), so the bus address of a FIFO is its CPU
physical address with or without ``dma_ranges``: that is what Linux's
``dma_map_resource`` returns under dma-direct (it does not apply ``dma-ranges``), the
address a dmaengine client puts in ``dma_slave_config.dst_addr``/``src_addr``, and the
usual SoC layout (``dma-ranges`` describes the DRAM window of the bus; peripherals on
the same interconnect keep their addresses).  An SoC whose peripheral window is
offset too (BCM2835's 0x7E00_0000 bus alias) is not modelled.  With ``iommu`` every
burst goes through the IOMMU, so the FIFO must be mapped there
(``dma_map_resource`` through dma-iommu gives an IOVA whose page maps the FIFO's).

The CPU's ``readl``/``writel`` of a FIFO register move one element in the low bytes of
the 32-bit access (a 32-bit register holding an 8-bit character, like PL011's UARTDR;
upper bits of a write are ignored), and are not the controller's: they do not count
against the request line's pacing checks.  They do not take part in the handshake
either, so a request the device raised before stays up until the controller serves
it: do not mix CPU access and DMA on one line while a channel may serve it.
``peripherals`` may also be a dict ``{"uart": {...}, "adc": {...}}`` of keyword
overrides for the models (``width``, ``tx_cycles_per_elem``, ``maxburst``, ...; not
the base or the lines); read the element width and burst back from ``tb.uart`` /
``tb.adc`` then.  Without ``peripherals`` the request lines are held at 0 as before
and nothing else changes.

The CPU is the :class:`sw.platform.Platform` that the software in ``sw/`` is
given.  The bench's own helpers for writing a descriptor and starting a
channel are bench scaffolding at register level; the driver is ``sw/``'s job.
"""

from __future__ import annotations

import logging
import os
import random
from dataclasses import dataclass
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.simtime import get_sim_time
from cocotb.triggers import ClockCycles, Event, with_timeout
from cocotbext.axi import AxiBus, AxiLiteBus, AxiLiteMaster

from sw import dmac_regs as r
from sw.dmac_desc import SIZE as DESC_SIZE
from sw.dmac_desc import Descriptor, completion
from sw.mm.page_alloc import PAGE_SIZE, PageAllocator
from sw.platform import IRQ_HANDLED, IRQ_NONE
from tb.axi_checker import AxiChecker, AxiLiteChecker
from tb.dmac_tb import Params
from tb.fetch_owners import FetchOwners
from tb.models.axi_memory import AxiMemory, pause_pattern
from tb.models.cpu import Cpu
from tb.models.iommu import Iommu
from tb.models.memory_map import MemoryMap
from tb.models.peripherals import REGION_SIZE, AdcModel, PacedDevice, RequestLines, UartModel
from tb.txlog import log_from_env

CLK_NS = 10
PHYS_BITS = 40
DRAM_BASE = 0x4000_0000  # 256 MiB below 4 GiB
DRAM_SIZE = 0x1000_0000
HIGH_BASE = 0x80_0000_0000  # 256 MiB at 512 GiB: only reachable through the IOMMU
HIGH_SIZE = 0x1000_0000
DMAC_REGS = 0x1000_0000  # CPU physical address of the controller's register port
IOMMU_REGS = 0x1001_0000
REGS_SIZE = 0x1000
DMAC_IRQ = 32
DMAC_STREAM_ID = 5
# The interconnect shows the low DRAM to the controller 16 MiB lower than the CPU sees it
# (a Linux ``dma-ranges`` offset): bus = cpu - 0x0100_0000.  For SystemTB(dma_ranges=...).
DMA_RANGES = [(0x3F00_0000, DRAM_BASE, DRAM_SIZE)]
# Request-line devices (SystemTB(peripherals=True)): FIFO register at offset 0 of each window.
UART_REGS = 0x1002_0000  # UART FIFO register: writes go to TX, reads come from RX
ADC_REGS = 0x1003_0000  # ADC sample FIFO register (read only)
PERIPH_SIZE = REGION_SIZE  # bytes of each device window
UART_TX_REQ = 0  # request line of the UART transmitter (MEM2DEV)
UART_RX_REQ = 1  # request line of the UART receiver (DEV2MEM)
ADC_REQ = 2  # request line of the ADC (DEV2MEM)
UART_WIDTH = 1  # default element width in bytes (dma_slave_config's addr_width)
UART_MAXBURST = 4  # default burst threshold of both UART FIFOs (maxburst, in elements)
ADC_WIDTH = 2
ADC_MAXBURST = 4
UART_DEFAULTS: dict[str, Any] = {
    "width": UART_WIDTH,
    "tx_depth": 16,
    "tx_maxburst": UART_MAXBURST,
    "rx_depth": 16,
    "rx_maxburst": UART_MAXBURST,
}
ADC_DEFAULTS: dict[str, Any] = {
    "width": ADC_WIDTH,
    "depth": 16,
    "maxburst": ADC_MAXBURST,
    "cycles_per_sample": 8,
}


@dataclass(frozen=True)
class CopyResult:
    """What one bench-level copy ended with: channel error code and the descriptor's LEN."""

    err: r.DmacErr
    length: int
    err_addr: int
    cycles: int


class CpuFifoPort:
    """The CPU's route to a request-line device's FIFO register (module docstring): a
    ``readl``/``writel`` (or ``readq``/``writeq``) of at least the element width moves one
    element in its low bytes; the pacing bookkeeping of the device's request lines is left
    as it was, since the access is not the controller's.  Anything else goes to the model
    as it is (which records it as an error)."""

    def __init__(self, device: PacedDevice) -> None:
        self.device = device

    def _untracked(self, access: Any) -> Any:
        dev = self.device
        moved = [(port, port.moved) for port in dev.ports]
        check, dev.check_pacing = dev.check_pacing, False
        try:
            return access()
        finally:
            dev.check_pacing = check
            for port, count in moved:
                port.moved = count

    def mmio_read(self, addr: int, size: int) -> int:
        width = self.device.width
        n = width if size >= width and addr % size == 0 else size
        return int(self._untracked(lambda: self.device.mmio_read(addr, n)))

    def mmio_write(self, addr: int, value: int, size: int) -> None:
        width = self.device.width
        if size >= width and addr % size == 0:
            size, value = width, value & ((1 << 8 * width) - 1)
        self._untracked(lambda: self.device.mmio_write(addr, value, size))


class SystemTB:
    """The machine around one ``dmac`` (see the module docstring)."""

    def __init__(  # type: ignore[no-untyped-def]
        self,
        dut,
        *,
        iommu: bool = False,
        coherent: bool = False,
        prefetch_lines: int = 0,
        mem_latency: int = 8,
        backpressure: float = 0.2,
        reorder: bool = True,
        checkers: bool = True,
        seed: int | None = None,
        dma_ranges: list[tuple[int, int, int]] | None = None,
        peripherals: bool | dict[str, dict[str, Any]] = False,
    ) -> None:
        self.dut = dut
        self.dma_ranges = dma_ranges
        if seed is None:
            seed = int(os.environ.get("DMAC_SEED", random.getrandbits(32)))
        self.seed = seed
        self.rng = random.Random(seed)
        dut._log.info("bench seed %d (replay: DMAC_SEED=%d)", seed, seed)
        dut.rst.value = 1  # held from time 0: the bus models must never see X on READY
        for name in ("dma_req_burst", "dma_req_single", "dma_req_last"):
            if hasattr(dut, name):
                getattr(dut, name).value = 0
        cocotb.start_soon(Clock(dut.clk, CLK_NS, unit="ns").start())

        self.map = MemoryMap(PHYS_BITS)
        self.map.add_ram(DRAM_BASE, DRAM_SIZE, "dram")
        self.map.add_ram(HIGH_BASE, HIGH_SIZE, "dram-high")
        self.cpu = Cpu(
            self.map.mem,
            self.map.ram_ranges(),
            dut.clk,
            prefetch_lines=prefetch_lines,
            coherent=coherent,
            memory_map=self.map,
        )
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), dut.clk, dut.rst)
        self.cpu.add_mmio_window(DMAC_REGS, REGS_SIZE, self.axil, "dmac registers (AXI4-Lite)")
        self.iommu: Iommu | None = None
        if iommu:
            self.iommu = Iommu(self.map.mem, is_ram=self.map.is_ram)
            self.cpu.add_mmio_window(IOMMU_REGS, REGS_SIZE, self.iommu, "IOMMU registers")
        self.port = AxiMemory(
            AxiBus.from_prefix(dut, "m_axi"),
            dut.clk,
            dut.rst,
            memory_map=self.map,
            iommu=self.iommu,
            stream_id=DMAC_STREAM_ID,
            dma_ranges=dma_ranges,
            snoop=self.cpu.cache if coherent else None,
            read_latency=mem_latency,
            write_latency=mem_latency,
            reorder=reorder,
            interleave=reorder,
            seed=self.rng.getrandbits(32),
        )
        self.cpu.attach_irq(DMAC_IRQ, dut.irq)
        self.lines: RequestLines | None = None
        self.uart: UartModel | None = None
        self.adc: AdcModel | None = None
        if peripherals:
            self._attach_peripherals({} if peripherals is True else dict(peripherals))
        # Physical pages for the software: all of both RAM blocks.
        self.pages = PageAllocator(DRAM_BASE, DRAM_SIZE)
        self.high_pages = PageAllocator(HIGH_BASE, HIGH_SIZE)
        for model in (self.axil.write_if, self.axil.read_if):
            model.log.setLevel(logging.WARNING)
        self.axi_checker: AxiChecker | None = None
        self.axil_checker: AxiLiteChecker | None = None
        if checkers:
            self.axi_checker = AxiChecker(dut, "m_axi", dut.clk, dut.rst)
            self.axil_checker = AxiLiteChecker(dut, "s_axil", dut.clk, dut.rst)
            params = Params.from_env()  # the AXI ID is {kind, channel}
            owners = FetchOwners(dut, params.desc_read_id)
            log_from_env(dut, self.axi_checker, CLK_NS, params.chan_bits, params.data_bytes, owners)
        self._set_backpressure(backpressure)
        self._irq_event = Event()
        self._irq_status = 0
        self.doorbell_ns = 0.0  # when the last start() wrote CTRL.START

    def _attach_peripherals(self, overrides: dict[str, dict[str, Any]]) -> None:
        """The UART and the ADC on their request lines, in the map and in the CPU's MMIO."""
        unknown = set(overrides) - {"uart", "adc"}
        if unknown:
            raise ValueError(f"peripherals: unknown device(s) {sorted(unknown)}")
        dut = self.dut
        self.lines = RequestLines(dut, len(dut.dma_req_burst), reset=dut.rst)
        self.uart = UartModel(
            self.lines,
            UART_REGS,
            tx_line=UART_TX_REQ,
            rx_line=UART_RX_REQ,
            **{**UART_DEFAULTS, **overrides.get("uart", {})},
        )
        self.adc = AdcModel(
            self.lines, ADC_REGS, line=ADC_REQ, **{**ADC_DEFAULTS, **overrides.get("adc", {})}
        )
        for base, device, name in ((UART_REGS, self.uart, "uart"), (ADC_REGS, self.adc, "adc")):
            self.map.add_mmio(base, PERIPH_SIZE, device, name)  # what the controller reaches
            # The same region for the CPU.  Cpu.add_mmio_window would also enter a CPU-only
            # window in the map, which the device region already covers (the map refuses
            # the overlap): add the CPU's route with the map detached.
            memory_map, self.cpu.memory_map = self.cpu.memory_map, None
            try:
                self.cpu.add_mmio_window(base, PERIPH_SIZE, CpuFifoPort(device), name)
            finally:
                self.cpu.memory_map = memory_map

    def _set_backpressure(self, probability: float) -> None:
        self.port.set_backpressure(probability)
        w, rd = self.axil.write_if, self.axil.read_if
        for ch in (w.aw_channel, w.w_channel, w.b_channel, rd.ar_channel, rd.r_channel):
            if probability > 0:
                rng = random.Random(self.rng.getrandbits(32))
                ch.set_pause_generator(pause_pattern(rng, probability))

    async def reset(self) -> None:
        self.dut.rst.value = 1
        await ClockCycles(self.dut.clk, 8)
        self.dut.rst.value = 0
        await ClockCycles(self.dut.clk, 2)
        self.cpu.request_irq(DMAC_IRQ, self._dmac_irq, "dmac")

    @property
    def irq_status(self) -> int:
        """Channel 0's IRQ_STATUS bits the interrupt handler acknowledged since the last
        :meth:`start`."""
        return self._irq_status

    def check_protocol(self) -> None:
        assert self.axi_checker is not None and self.axil_checker is not None
        self.axi_checker.assert_clean(idle=True)
        self.axil_checker.assert_clean(idle=True)

    # -- memory as the software sees it ---------------------------------------------------------

    def alloc(self, size: int, high: bool = False) -> int:
        """Physically contiguous pages (``alloc_pages``); returns the physical address."""
        order = max(0, (size - 1).bit_length() - 12)
        return (self.high_pages if high else self.pages).alloc_pages(order)

    def alloc_coherent_page(self) -> tuple[int, int]:
        """One page mapped non-cacheable in the vmalloc area, as ``dma_alloc_coherent`` gives
        a non-coherent device on arm64: (virtual address, physical address)."""
        pa = self.alloc(PAGE_SIZE)
        linear = self.cpu.phys_to_virt(pa)  # arch_dma_prep_coherent: no line of the alias stays
        self.cpu.dcache_clean_inval_poc(linear, linear + PAGE_SIZE)
        va = 0xFFFF_8000_0000_0000 + (pa - DRAM_BASE)
        self.cpu.map_kernel_page(va, pa, cacheable=False)
        self.cpu.write(va, bytes(PAGE_SIZE))
        return va, pa

    def phys_to_bus(self, pa: int) -> int:
        """The bus address the controller must be given for physical address ``pa``
        without the IOMMU (``phys_to_dma``): ``pa`` itself without ``dma_ranges``.
        ValueError if no bus address reaches it."""
        bus = self.port.dma_ranges.to_bus(pa)
        if bus is None:
            raise ValueError(f"physical address {pa:#x} is not reachable through the dma-ranges")
        return bus

    # -- the controller, at register level (bench scaffolding, not the driver) --------------------

    async def reg_write(self, offset: int, value: int) -> None:
        await self.cpu.writel(value, DMAC_REGS + offset)

    async def reg_read(self, offset: int) -> int:
        return await self.cpu.readl(DMAC_REGS + offset)

    async def _dmac_irq(self, irq: int) -> int:
        """The interrupt handler: acknowledge channel 0's interrupt status and wake the waiter."""
        status = await self.reg_read(r.chan_reg(0, r.DMAC_CHAN_IRQ_STATUS_OFFSET))
        if not status:
            return IRQ_NONE
        await self.reg_write(r.chan_reg(0, r.DMAC_CHAN_IRQ_STATUS_OFFSET), status)
        self._irq_status |= status
        self._irq_event.set()
        return IRQ_HANDLED

    async def start(
        self, desc_va: int, desc_dma: int, src_dma: int, dst_dma: int, length: int
    ) -> None:
        """Write one descriptor through the CPU at ``desc_va`` (coherent memory; the device
        sees it at ``desc_dma``) and start channel 0 on it, interrupts enabled."""
        desc = Descriptor(src=src_dma, dst=dst_dma, length=length, irq=True, last=True)
        self.cpu.write(desc_va, desc.pack())
        self._irq_event.clear()
        self._irq_status = 0
        ch = r.chan_reg
        await self.reg_write(ch(0, r.DMAC_CHAN_DESC_LO_OFFSET), desc_dma & 0xFFFF_FFFF)
        await self.reg_write(ch(0, r.DMAC_CHAN_DESC_HI_OFFSET), desc_dma >> 32)
        await self.reg_write(ch(0, r.DMAC_CHAN_IRQ_ENABLE_OFFSET), 0b1111)
        self.doorbell_ns = get_sim_time("ns")
        await self.reg_write(ch(0, r.DMAC_CHAN_CTRL_OFFSET), 1 << r.DMAC_CHAN_CTRL_START_LSB)

    async def copy(
        self,
        desc_va: int,
        desc_dma: int,
        src_dma: int,
        dst_dma: int,
        length: int,
        during: Any = None,
        timeout_us: float = 2000,
    ) -> CopyResult:
        """One descriptor on channel 0: ``length`` bytes from ``src_dma`` to ``dst_dma``
        (bus addresses), started with :meth:`start`.  ``during``, if given, is awaited
        right after the doorbell (CPU activity while the transfer runs).  Waits for the
        interrupt (the handler :meth:`reset` registered); returns the outcome."""
        await self.start(desc_va, desc_dma, src_dma, dst_dma, length)
        if during is not None:
            await during
        stopped = (
            1 << r.DMAC_CHAN_IRQ_STATUS_END_LSB
            | 1 << r.DMAC_CHAN_IRQ_STATUS_ERR_LSB
            | 1 << r.DMAC_CHAN_IRQ_STATUS_ABORTED_LSB
        )
        while not self._irq_status & stopped:
            await with_timeout(self._irq_event.wait(), timeout_us, "us")
            self._irq_event.clear()
        cycles = int(get_sim_time("ns") - self.doorbell_ns) // CLK_NS
        ch = r.chan_reg
        status = await self.reg_read(ch(0, r.DMAC_CHAN_STATUS_OFFSET))
        code = (status >> r.DMAC_CHAN_STATUS_ERR_CODE_LSB) & (
            (1 << r.DMAC_CHAN_STATUS_ERR_CODE_WIDTH) - 1
        )
        err_addr = await self.reg_read(ch(0, r.DMAC_CHAN_ERR_ADDR_LO_OFFSET))
        err_addr |= await self.reg_read(ch(0, r.DMAC_CHAN_ERR_ADDR_HI_OFFSET)) << 32
        done = completion(self.cpu.read(desc_va, DESC_SIZE))
        return CopyResult(r.DmacErr(code), done.moved, err_addr, cycles)

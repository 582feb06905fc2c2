"""A bus-mastering Ethernet MAC: descriptor rings with an OWN bit, its own AXI4 master, a wire.

:class:`Nic` is the system bench's network device, in the pattern of the RDC R6040
that Linux's ``drivers/net/ethernet/rdc/r6040.c`` drives: the MAC walks two rings of
32-byte descriptors in memory (TX and RX), each linked to the next by a bus address,
takes a descriptor whose OWN bit is set, moves its buffer, writes the status back
with OWN cleared and raises an interrupt.  Software reaches it through a register
window (:meth:`Nic.mmio_read`/:meth:`Nic.mmio_write`, on the CPU's MMIO map) and one
interrupt line; the wire side is :meth:`Nic.receive` (a frame arrives) and
:attr:`Nic.sent` (frames transmitted).

The bus master.  Every descriptor fetch, buffer read, buffer write and status
write goes through the same interconnect path as the controller's AXI4 port
(:mod:`tb.models.axi_memory`): the same :class:`~tb.models.memory_map.MemoryMap`
(RAM, devices, holes, injected errors), the same ``dma-ranges``, the same IOMMU
with this master's own stream ID (``NIC_STREAM_ID``, not the controller's), and
snoops of the CPU's cache only when the controller's port snoops it (coherent
system).  It reuses that path's code rather than a copy: a burst is an
``axi_memory.Burst`` passed through ``_Port._translate`` (IOMMU, one call per 4 KiB
page, or the dma-ranges lookup) and each beat through ``_Port._check`` (the
IOMMU's pages or the dma-ranges offset, then ``MemoryMap.resolve``).  Both are
private to ``axi_memory``; this module is their one outside caller, through a
``_Port`` built on a small shim of the controller's ``AxiMemory`` that swaps in
the stream ID and counters of its own (``stats``, an
:class:`~tb.models.axi_memory.AxiMemoryStats`).  The master has no HDL pins: it
is a transaction-level model that spends the cycles an AXI4 master would, on
the bench clock, so the CPU and the device really run at the same time.

Timing, per burst (INCR, ``data_bytes`` wide, at most ``max_burst`` beats, never
across 4 KiB; one burst at a time, TX and RX engines taking turns): a read costs
1 cycle (AR) + the IOMMU's cycles + the port's ``read_latency`` + one cycle per beat,
its data taken when the first beat would arrive; a write costs 1 cycle (AW) + one
cycle per beat (W, the data lands in memory then) + the rest of the IOMMU's cycles
+ the port's ``write_latency`` (B).  A read beat answered with an error reads
zeros; a write beat answered with an error is not written (the other beats are).

The wire.  :meth:`Nic.receive` queues a frame (destination MAC onwards, no FCS);
it arrives ``(len + 4 + 20) * wire_cycles_per_byte`` cycles after the previous one
has (FCS, preamble and inter-frame gap), into an unbounded receive FIFO, so frames
pile up in order while the DMA side works.  The RX engine then takes the
descriptor at RX_CUR: without OWN the frame is dropped and counted (RX_MISSED,
ISR.RX_NO_DESC) and RX_CUR stays; a frame whose length with FCS exceeds
RX_BUF_SIZE gets status RX_ERR|RX_ERR_BUF, LEN and no data; otherwise the frame and
its FCS (CRC-32, little-endian, as on the wire) are written to the buffer and the
status is RX_OK with LEN = frame + 4, as the R6040 counts it.  Frames arriving
while RXEN is clear are ignored (:attr:`Nic.rx_ignored`).  A TX_POLL write (or the
engine still running) makes the TX engine take the descriptor at TX_CUR: with OWN,
it reads LEN bytes from BUF, writes the status back (2 bytes, OWN clear) and the
frame goes on the wire, landing in :attr:`Nic.sent` after its wire time; without
OWN the engine waits for the next TX_POLL.  The MAC transmits what it is given
(padding short frames is the driver's job, ``skb_put_padto``).

Errors.  Any access answered with an error (an IOMMU fault, SLVERR, DECERR) stops
that engine: ISR.BUS_ERR, ERR_ADDR (bus address of the first failing beat),
ERR_INFO (which access, the response), CTRL's enable bit of the engine cleared,
STATUS.TX_HALTED or RX_HALTED; the frame is lost, the descriptor keeps OWN.
Software restarts the engine by setting the enable bit again (or CTRL.RST).

Registers (32-bit, offsets from the window's base, 4-byte accesses only; reserved
offsets read 0 and ignore writes):

=======  ===========  ====  ==========================================================
offset   name         acc.  meaning
=======  ===========  ====  ==========================================================
0x00     ID           RO    ``NIC_ID``
0x04     CTRL         RW    bit 0 TXEN, bit 1 RXEN (setting one loads TX_CUR/RX_CUR
                            from the ring base); bit 31 RST: write 1 to reset the
                            MAC (reads 1 until both engines have stopped, their
                            burst in flight finished; then every register is at its
                            reset value)
0x08     STATUS       RO    bit 0 TX_BUSY, bit 1 RX_BUSY, bit 2 TX_HALTED, bit 3
                            RX_HALTED (a bus error stopped it)
0x0C     TX_POLL      WO    bit 0 TM2TX: look at the TX ring again
0x10     TX_RING      RW    bus address of the first TX descriptor
0x14     RX_RING      RW    bus address of the first RX descriptor
0x18     RX_BUF_SIZE  RW    bytes the MAC may write into one RX buffer (reset 0x600)
0x1C     ISR          W1C   bit 0 RX_FINISH, bit 1 RX_NO_DESC, bit 4 TX_FINISH,
                            bit 15 BUS_ERR
0x20     IER          RW    interrupt enables, ISR's bits; the line is
                            ``ISR & IER != 0`` (level)
0x24     TX_CUR       RO    bus address of the TX descriptor the MAC looks at next
0x28     RX_CUR       RO    bus address of the RX descriptor the MAC fills next
0x2C     ERR_ADDR     RO    bus address of the failing access (low 32 bits)
0x30     ERR_INFO     RO    bits 3:0 the access (``ERR_*``), bits 9:8 the response
                            (2 SLVERR, 3 DECERR)
0x34     TX_PKTS      RO    frames transmitted (R6040's MT_CNT)
0x38     RX_PKTS      RO    frames received into a buffer (MR_CNT)
0x3C     RX_MISSED    RO    frames dropped for want of a descriptor
0x40     RX_ERRORS    RO    frames too long for the buffer
=======  ===========  ====  ==========================================================

Descriptor (32 bytes, little-endian, as ``struct r6040_descriptor``): +0x00 u16
STATUS (bit 15 OWN: the MAC owns it; RX: bit 14 RX_OK, bit 11 RX_ERR, bit 9
RX_ERR_BUF), +0x02 u16 LEN, +0x04 u32 BUF (bus address of the buffer), +0x08 u32
NDESC (bus address of the next descriptor), +0x0C..0x1F reserved for software
(the MAC reads the first 16 bytes and writes only STATUS and, on RX, LEN).  Bus
addresses are 32 bits: the device's DMA mask.

The interrupt output is :attr:`Nic.irq`, an :class:`IrqLine` that
:meth:`tb.models.cpu.Cpu.attach_irq` accepts (see there for why it is shaped so).
:attr:`Nic.bus_writes` logs every write access the master made, ``(what, bus
address, bytes)``, so a bench can check that nothing else was written.

Not modelled: the PHY and MDIO, MAC address filtering (promiscuous), multicast
hash, pause frames, checksum offload, collisions, interrupt coalescing (MT_ICR,
MR_ICR), the R6040's 16-bit registers (these are 32-bit), a bounded RX FIFO.
"""

from __future__ import annotations

import logging
import zlib
from collections import deque
from typing import Any

import cocotb
from cocotb.triggers import ClockCycles, Event, Lock, RisingEdge
from cocotb.types import Logic

from tb.models.axi_memory import DECERR, INCR, OKAY, SLVERR, AxiMemoryStats, Burst, _Port

# Where the system bench puts it (next to DMAC_REGS 0x1000_0000, IOMMU_REGS 0x1001_0000).
NIC_REGS = 0x1004_0000  # beside the UART (0x1002_0000) and ADC (0x1003_0000) windows
NIC_REGS_SIZE = 0x1000
NIC_IRQ = 33
NIC_STREAM_ID = 6
NIC_ID = 0x4E49_4301  # "NIC", version 1

# Registers.
NIC_ID_REG = 0x00
NIC_CTRL = 0x04
NIC_STATUS = 0x08
NIC_TX_POLL = 0x0C
NIC_TX_RING = 0x10
NIC_RX_RING = 0x14
NIC_RX_BUF_SIZE = 0x18
NIC_ISR = 0x1C
NIC_IER = 0x20
NIC_TX_CUR = 0x24
NIC_RX_CUR = 0x28
NIC_ERR_ADDR = 0x2C
NIC_ERR_INFO = 0x30
NIC_TX_PKTS = 0x34
NIC_RX_PKTS = 0x38
NIC_RX_MISSED = 0x3C
NIC_RX_ERRORS = 0x40

CTRL_TXEN = 1 << 0
CTRL_RXEN = 1 << 1
CTRL_RST = 1 << 31
STATUS_TX_BUSY = 1 << 0
STATUS_RX_BUSY = 1 << 1
STATUS_TX_HALTED = 1 << 2
STATUS_RX_HALTED = 1 << 3
TM2TX = 1 << 0
INT_RX_FINISH = 1 << 0
INT_RX_NO_DESC = 1 << 1
INT_TX_FINISH = 1 << 4
INT_BUS_ERR = 1 << 15
_INT_MASK = INT_RX_FINISH | INT_RX_NO_DESC | INT_TX_FINISH | INT_BUS_ERR
RX_BUF_SIZE_RESET = 0x600

# ERR_INFO's access codes.
ERR_TX_DESC = 1
ERR_TX_DATA = 2
ERR_TX_STATUS = 3
ERR_RX_DESC = 4
ERR_RX_DATA = 5
ERR_RX_STATUS = 6
ERR_INFO_RESP_SHIFT = 8

# Descriptor.
DESC_SIZE = 32
DESC_FETCH = 16  # the bytes the MAC reads of a descriptor
DSC_OWNER_MAC = 0x8000
DSC_RX_OK = 0x4000
DSC_RX_ERR = 0x0800
DSC_RX_ERR_BUF = 0x0200
FCS_LEN = 4
WIRE_OVERHEAD = 20  # preamble + start delimiter (8) and inter-frame gap (12), in bytes

PAGE_SIZE = 4096


def fcs(frame: bytes) -> bytes:
    """The Ethernet frame check sequence of ``frame``, in wire (little-endian) order."""
    return (zlib.crc32(frame) & 0xFFFF_FFFF).to_bytes(4, "little")


class IrqLine:
    """A level-sensitive interrupt output driven from Python, for ``Cpu.attach_irq``:
    ``value`` is the level the model drives with :meth:`drive`, ``rising_edge`` an
    awaitable that fires when the level goes from 0 to 1 (what the CPU's line task awaits,
    as it awaits an HDL handle's ``rising_edge``)."""

    def __init__(self, name: str) -> None:
        self._line_name = name
        self._level = 0
        self._edge_waiters: list[Event] = []

    def __repr__(self) -> str:
        return f"IrqLine({self._line_name!r}, level={self._level})"

    @property
    def value(self) -> Logic:
        return Logic(self._level)

    @property
    def rising_edge(self) -> Any:
        event = Event()
        self._edge_waiters.append(event)
        return event.wait()

    @property
    def level(self) -> bool:
        return bool(self._level)

    def drive(self, level: bool) -> None:
        rising = level and not self._level
        self._level = int(level)
        if rising:
            waiters, self._edge_waiters = self._edge_waiters, []
            for event in waiters:
                event.set()


class BusError(Exception):
    """An access of the master answered with an error (IOMMU fault, SLVERR, DECERR)."""

    def __init__(self, what: int, addr: int, resp: int) -> None:
        super().__init__(f"access {what} at {addr:#x}: response {resp}")
        self.what = what
        self.addr = addr
        self.resp = resp


class _Interconnect:
    """What ``axi_memory._Port`` reads of its ``AxiMemory``: the controller port's map,
    IOMMU, dma-ranges, snooped cache and fault response, with this master's own
    stream ID and counters."""

    def __init__(self, port: Any, stream_id: int, log: logging.Logger) -> None:
        self.map = port.map
        self.iommu = port.iommu
        self.dma_ranges = port.dma_ranges
        self.snoop = port.snoop
        self.fault_resp = port.fault_resp
        self.stats = AxiMemoryStats()
        self.log = log
        self.stream_of = lambda _axi_id: stream_id


class Nic:
    """The MAC (see the module docstring), attached to a system bench ``tb``
    (:class:`tb.system_tb.SystemTB`): its master joins ``tb.port``'s interconnect path
    (map, IOMMU, dma-ranges, snooped cache), its registers go on ``tb.cpu``'s MMIO map
    at ``base`` and its interrupt on ``tb.cpu``'s line ``irq``.  Needs a running
    simulation (it starts its tasks on ``tb.dut.clk``)."""

    def __init__(
        self,
        tb: Any,
        *,
        base: int = NIC_REGS,
        irq: int = NIC_IRQ,
        stream_id: int = NIC_STREAM_ID,
        data_bytes: int = 8,
        max_burst: int = 16,
        wire_cycles_per_byte: int = 1,
        name: str = "nic",
    ) -> None:
        if data_bytes & (data_bytes - 1) or not 1 <= data_bytes <= 128:
            raise ValueError(f"data_bytes must be a power of two up to 128, not {data_bytes}")
        if max_burst < 1 or max_burst * data_bytes > PAGE_SIZE:
            raise ValueError(f"max_burst {max_burst} beats of {data_bytes} bytes: out of range")
        self.clock = tb.dut.clk
        self.log = logging.getLogger(f"cocotb.{name}")
        self.stream_id = stream_id
        self.data_bytes = data_bytes
        self.max_burst = max_burst
        self.wire_cycles_per_byte = wire_cycles_per_byte
        self._port = tb.port  # for its latencies, which may change between bursts
        self._shim = _Interconnect(tb.port, stream_id, logging.getLogger(f"cocotb.{name}.m_axi"))
        self._path = _Port(self.clock, self._shim, data_bytes)  # type: ignore[arg-type]
        self._size_log2 = data_bytes.bit_length() - 1
        self.stats: AxiMemoryStats = self._shim.stats
        self.irq = IrqLine(f"{name}.irq")
        self._bus = Lock()
        # The wire, and what the tests look at.
        self.sent: list[bytes] = []
        self.bus_writes: list[tuple[str, int, int]] = []
        self.rx_ignored = 0
        self._wire_in: deque[bytes] = deque()
        self._wire_in_event = Event()
        self._rx_fifo: deque[bytes] = deque()
        self._rx_event = Event()
        self._wire_out: deque[bytes] = deque()
        self._wire_out_event = Event()
        self._tx_kick = Event()
        self._tx_busy = False
        self._rx_busy = False
        self._wire_busy = 0  # frames on the wire (either direction)
        self._resetting = False
        self._reset_regs()
        tb.cpu.add_mmio_window(base, NIC_REGS_SIZE, self, f"{name} registers")
        tb.cpu.attach_irq(irq, self.irq)
        self._tasks = [
            cocotb.start_soon(self._tx_engine()),
            cocotb.start_soon(self._rx_engine()),
            cocotb.start_soon(self._wire_rx()),
            cocotb.start_soon(self._wire_tx()),
        ]

    # -- registers ---------------------------------------------------------------------------

    def _reset_regs(self) -> None:
        self.ctrl = 0
        self.tx_ring = 0
        self.rx_ring = 0
        self.rx_buf_size = RX_BUF_SIZE_RESET
        self.isr = 0
        self.ier = 0
        self.tx_cur = 0
        self.rx_cur = 0
        self.err_addr = 0
        self.err_info = 0
        self.tx_halted = False
        self.rx_halted = False
        self.tx_pkts = 0
        self.rx_pkts = 0
        self.rx_missed = 0
        self.rx_errors = 0
        self._update_irq()

    def _update_irq(self) -> None:
        self.irq.drive(bool(self.isr & self.ier))

    def _raise(self, bits: int) -> None:
        self.isr |= bits
        self._update_irq()

    def mmio_read(self, addr: int, size: int) -> int:
        if size != 4 or addr % 4:
            raise ValueError(f"nic: {size}-byte read at offset {addr:#x}: 4-byte registers only")
        status = (
            (STATUS_TX_BUSY if self._tx_busy else 0)
            | (STATUS_RX_BUSY if self._rx_busy else 0)
            | (STATUS_TX_HALTED if self.tx_halted else 0)
            | (STATUS_RX_HALTED if self.rx_halted else 0)
        )
        regs = {
            NIC_ID_REG: NIC_ID,
            NIC_CTRL: self.ctrl | (CTRL_RST if self._resetting else 0),
            NIC_STATUS: status,
            NIC_TX_RING: self.tx_ring,
            NIC_RX_RING: self.rx_ring,
            NIC_RX_BUF_SIZE: self.rx_buf_size,
            NIC_ISR: self.isr,
            NIC_IER: self.ier,
            NIC_TX_CUR: self.tx_cur,
            NIC_RX_CUR: self.rx_cur,
            NIC_ERR_ADDR: self.err_addr & 0xFFFF_FFFF,
            NIC_ERR_INFO: self.err_info,
            NIC_TX_PKTS: self.tx_pkts & 0xFFFF_FFFF,
            NIC_RX_PKTS: self.rx_pkts & 0xFFFF_FFFF,
            NIC_RX_MISSED: self.rx_missed & 0xFFFF_FFFF,
            NIC_RX_ERRORS: self.rx_errors & 0xFFFF_FFFF,
        }
        return regs.get(addr, 0)

    def mmio_write(self, addr: int, value: int, size: int) -> None:
        if size != 4 or addr % 4:
            raise ValueError(f"nic: {size}-byte write at offset {addr:#x}: 4-byte registers only")
        if self._resetting:
            return  # the MAC is in reset: writes are lost until CTRL.RST reads 0
        if addr == NIC_CTRL:
            if value & CTRL_RST:
                self._resetting = True
                cocotb.start_soon(self._reset())
                return
            rising = value & ~self.ctrl
            self.ctrl = value & (CTRL_TXEN | CTRL_RXEN)
            if rising & CTRL_TXEN:
                self.tx_cur = self.tx_ring
                self.tx_halted = False
            if rising & CTRL_RXEN:
                self.rx_cur = self.rx_ring
                self.rx_halted = False
        elif addr == NIC_TX_POLL:
            if value & TM2TX:
                self._tx_kick.set()
        elif addr == NIC_TX_RING:
            self.tx_ring = value
        elif addr == NIC_RX_RING:
            self.rx_ring = value
        elif addr == NIC_RX_BUF_SIZE:
            self.rx_buf_size = value & 0xFFFF
        elif addr == NIC_ISR:
            self.isr &= ~value
            self._update_irq()
        elif addr == NIC_IER:
            self.ier = value & _INT_MASK
            self._update_irq()

    async def _reset(self) -> None:
        """CTRL.RST: stop taking work, let the bursts in flight finish, then reset."""
        while self._tx_busy or self._rx_busy:
            await RisingEdge(self.clock)
        self._rx_fifo.clear()
        self._tx_kick.clear()
        self._resetting = False
        self._reset_regs()

    # -- the wire ------------------------------------------------------------------------------

    def receive(self, frame: bytes) -> None:
        """A frame arrives from the wire (destination address onwards, without FCS)."""
        if not frame:
            raise ValueError("an empty frame")
        self._wire_in.append(bytes(frame))
        self._wire_in_event.set()

    def idle(self) -> bool:
        """Nothing on the wire, in the receive FIFO or moving on the bus."""
        return not (
            self._wire_in
            or self._wire_out
            or self._rx_fifo
            or self._wire_busy
            or self._tx_busy
            or self._rx_busy
            or self._tx_kick.is_set()
        )

    def _wire_cycles(self, nbytes: int) -> int:
        return (nbytes + FCS_LEN + WIRE_OVERHEAD) * self.wire_cycles_per_byte

    async def _wire_rx(self) -> None:
        while True:
            if not self._wire_in:
                self._wire_in_event.clear()
                await self._wire_in_event.wait()
                continue
            frame = self._wire_in.popleft()
            self._wire_busy += 1
            await ClockCycles(self.clock, self._wire_cycles(len(frame)))
            self._wire_busy -= 1
            if not self.ctrl & CTRL_RXEN or self._resetting:
                self.rx_ignored += 1
                continue
            self._rx_fifo.append(frame)
            self._rx_event.set()

    async def _wire_tx(self) -> None:
        while True:
            if not self._wire_out:
                self._wire_out_event.clear()
                await self._wire_out_event.wait()
                continue
            frame = self._wire_out[0]
            self._wire_busy += 1
            await ClockCycles(self.clock, self._wire_cycles(len(frame)))
            self._wire_busy -= 1
            self._wire_out.popleft()
            self.sent.append(frame)

    # -- the engines ---------------------------------------------------------------------------

    def _halt(self, err: BusError, tx: bool) -> None:
        self.err_addr = err.addr
        self.err_info = err.what | err.resp << ERR_INFO_RESP_SHIFT
        if tx:
            self.ctrl &= ~CTRL_TXEN
            self.tx_halted = True
        else:
            self.ctrl &= ~CTRL_RXEN
            self.rx_halted = True
        self.log.warning(
            "nic: %s engine stopped: access %d at bus address %#x answered %d",
            "TX" if tx else "RX",
            err.what,
            err.addr,
            err.resp,
        )
        self._raise(INT_BUS_ERR)

    async def _fetch(self, addr: int, what: int) -> tuple[int, int, int, int]:
        raw = await self.dma_read(addr, DESC_FETCH, what)
        status = int.from_bytes(raw[0:2], "little")
        length = int.from_bytes(raw[2:4], "little")
        buf = int.from_bytes(raw[4:8], "little")
        ndesc = int.from_bytes(raw[8:12], "little")
        return status, length, buf, ndesc

    async def _tx_engine(self) -> None:
        while True:
            await self._tx_kick.wait()
            self._tx_kick.clear()
            while self.ctrl & CTRL_TXEN and not self._resetting:
                self._tx_busy = True
                try:
                    cur = self.tx_cur
                    status, length, buf, ndesc = await self._fetch(cur, ERR_TX_DESC)
                    if not status & DSC_OWNER_MAC:
                        break
                    frame = await self.dma_read(buf, length, ERR_TX_DATA) if length else b""
                    await self.dma_write(cur, (0).to_bytes(2, "little"), ERR_TX_STATUS, "tx-status")
                except BusError as err:
                    self._halt(err, tx=True)
                    break
                finally:
                    self._tx_busy = False
                self.tx_cur = ndesc
                self.tx_pkts += 1
                if frame:
                    self._wire_out.append(frame)
                    self._wire_out_event.set()
                self._raise(INT_TX_FINISH)

    async def _rx_engine(self) -> None:
        while True:
            if not self._rx_fifo:
                self._rx_event.clear()
                await self._rx_event.wait()
                continue
            frame = self._rx_fifo.popleft()
            if not self.ctrl & CTRL_RXEN or self._resetting:
                self.rx_ignored += 1
                continue
            self._rx_busy = True
            try:
                cur = self.rx_cur
                status, _, buf, ndesc = await self._fetch(cur, ERR_RX_DESC)
                if not status & DSC_OWNER_MAC:
                    self.rx_missed += 1
                    self._raise(INT_RX_NO_DESC)
                    continue
                length = len(frame) + FCS_LEN
                if length > self.rx_buf_size:
                    status = DSC_RX_ERR | DSC_RX_ERR_BUF
                    self.rx_errors += 1
                else:
                    await self.dma_write(buf, frame + fcs(frame), ERR_RX_DATA, "rx-data")
                    status = DSC_RX_OK
                    self.rx_pkts += 1
                word = status | (length & 0xFFFF) << 16
                await self.dma_write(cur, word.to_bytes(4, "little"), ERR_RX_STATUS, "rx-status")
            except BusError as err:
                self._halt(err, tx=False)
                continue
            finally:
                self._rx_busy = False
            self.rx_cur = ndesc
            self._raise(INT_RX_FINISH)

    # -- the bus master ------------------------------------------------------------------------

    def _chunks(self, addr: int, length: int) -> list[tuple[int, int]]:
        """[addr, addr + length) as INCR bursts: at most max_burst beats, never across 4 KiB."""
        out = []
        nbytes = self.data_bytes
        while length > 0:
            room = self.max_burst * nbytes - addr % nbytes
            room = min(room, PAGE_SIZE - addr % PAGE_SIZE, length)
            out.append((addr, room))
            addr += room
            length -= room
        return out

    def _burst(self, addr: int, length: int) -> Burst:
        nbytes = self.data_bytes
        beats = (addr % nbytes + length + nbytes - 1) // nbytes
        return Burst(0, addr, beats - 1, self._size_log2, INCR, nbytes, 0)

    async def dma_read(self, addr: int, length: int, what: int = 0) -> bytes:
        """Read ``length`` bytes at bus address ``addr`` through the interconnect, burst by
        burst, taking the bus's time; :class:`BusError` at the first failing beat."""
        out = bytearray()
        first_err: BusError | None = None
        for lo, n in self._chunks(addr, length):
            async with self._bus:
                burst = self._burst(lo, n)
                cycles = self._path._translate(burst, write=False)
                await ClockCycles(self.clock, 1 + cycles + self._port.read_latency)
                data, err = self._beats(burst, lo, n, None)
                await ClockCycles(self.clock, burst.beats)
            self.stats.read_bursts += 1
            self.stats.read_beats += burst.beats
            out += data
            if err is not None and first_err is None:
                first_err = BusError(what, err[1], err[0])
        if first_err is not None:
            raise first_err
        return bytes(out)

    async def dma_write(self, addr: int, data: bytes, what: int = 0, kind: str = "") -> None:
        """Write ``data`` at bus address ``addr`` through the interconnect (see
        :meth:`dma_read`); beats answered with an error are not written."""
        first_err: BusError | None = None
        pos = 0
        for lo, n in self._chunks(addr, len(data)):
            async with self._bus:
                burst = self._burst(lo, n)
                cycles = self._path._translate(burst, write=True)
                await ClockCycles(self.clock, 1 + burst.beats)
                _, err = self._beats(burst, lo, n, data[pos : pos + n])
                rest = max(cycles - burst.beats, 0) + self._port.write_latency  # B
                if rest:
                    await ClockCycles(self.clock, rest)
            self.stats.write_bursts += 1
            self.stats.write_beats += burst.beats
            pos += n
            if err is not None and first_err is None:
                first_err = BusError(what, err[1], err[0])
        self.bus_writes.append((kind, addr, len(data)))
        if first_err is not None:
            raise first_err

    def _beats(
        self, burst: Burst, addr: int, length: int, wdata: bytes | None
    ) -> tuple[bytes, tuple[int, int] | None]:
        """Every beat of ``burst`` over [addr, addr + length): read (``wdata`` None) or
        write ``wdata``.  Returns the bytes read and (response, bus address) of the first
        beat answered with an error, if any."""
        snoop = self._shim.snoop
        mem = self._shim.map.mem
        end = addr + length
        out = bytearray()
        err: tuple[int, int] | None = None
        for beat in range(burst.beats):
            lo, hi = burst.span(beat)
            lo, hi = max(lo, addr), min(hi, end)
            n = hi - lo
            resp, pa, device = self._path._check(burst, lo, hi, write=wdata is not None)
            if wdata is None:
                if device is not None:
                    base, dev = device
                    out += (dev.mmio_read(pa - base, n) & ((1 << 8 * n) - 1)).to_bytes(n, "little")
                elif resp == OKAY:
                    if snoop is not None:
                        snoop.snoop_read(pa, pa + n)
                    out += mem.read(pa, n)
                else:
                    out += bytes(n)
            else:
                chunk = wdata[lo - addr : hi - addr]
                if device is not None:
                    base, dev = device
                    dev.mmio_write(pa - base, int.from_bytes(chunk, "little"), n)
                elif resp == OKAY:
                    if snoop is not None:
                        snoop.snoop_write(pa, pa + n)
                    mem.write(pa, chunk)
            if resp != OKAY:
                if wdata is None:  # counted per R beat, as AxiMemoryStats does
                    self.stats.read_slverr += resp == SLVERR
                    self.stats.read_decerr += resp == DECERR
                if err is None:
                    err = (resp, lo)
        if wdata is not None and err is not None:  # per B response
            self.stats.write_slverr += err[0] == SLVERR
            self.stats.write_decerr += err[0] == DECERR
        return bytes(out), err

"""Peripherals without a DMA engine of their own that pace the controller through request lines.

Like the devices on an ARM PL080/PL330, each model has a FIFO register that the
controller reads or writes over AXI (the model is an MMIO device of
:meth:`tb.models.axi_memory.AxiMemory.add_mmio`, FIFO register at offset 0) and
asks for service on a request line of the controller's top:

* ``dma_req_burst[NUM_REQ-1:0]``, ``dma_req_single[...]``, ``dma_req_last[...]``:
  driven by the devices (inputs of the controller);
* ``dma_ack[NUM_REQ-1:0]``, ``dma_tc[...]``: driven by the controller.

All are synchronous to ``clk``.  The handshake, per line ``n``:

* Requests are levels.  A device raises ``req_burst[n]`` when its FIFO has
  room for (TX, memory to device) or holds (RX, device to memory) at least
  ``maxburst`` elements, otherwise ``req_single[n]`` when it has room for or
  holds at least one.  It may raise ``req_last[n]`` together with its request
  to say this request is the last one of the transfer (a UART receiver that saw
  the end of a message, say): the controller then ends the descriptor early
  after serving it.
* The controller serves one request of a line at a time: it moves ``maxburst``
  elements (burst request) or one element (single), fewer if the descriptor
  has fewer left, through the device's FIFO register, then pulses
  ``dma_ack[n]`` for exactly one cycle once that transfer has completed on the
  bus.  ``dma_tc[n]`` pulses together with the ack that ends the whole transfer
  (descriptor exhausted, or a ``req_last`` request served).
* The device keeps its request lines stable from raising them until it sees the
  ack: it may not drop or change a raised request before that (the controller
  may already be serving it).  At the rising edge where it sees ack = 1 it
  updates its request lines from its FIFO level again, so in the cycle after
  the ack they show the new request.  The controller does not sample a line in
  the cycle its ack is high.  A request raised while the channel is idle or
  paused simply stays up until served.

Timing in the models.  :class:`RequestLines` owns the three request vectors
(all zero from time 0, before the first edge).  At every rising edge it hands
each registered device the ``dma_ack``/``dma_tc`` values that edge samples (read
in the ReadOnly phase after the edge before, the way :class:`tb.axi_checker.AxiChecker`
samples, which gives the same answer on Icarus and Verilator), the device
updates (acks first, then one cycle of its own time: wire, samples, arrivals,
then new requests on the lines with none raised), and right after the edge
:class:`RequestLines` writes the combined vectors.  So the request outputs are
registers: they change only just after a rising edge.  AxiMemory calls the
devices' MMIO methods at falling edges, so a request computed at a rising
edge sees every bus beat that completed before it.  While ``reset`` is high
(or X) the vectors are held at zero, every raised request is forgotten and the
devices' time stands still.

Pacing checks (``check_pacing=True``, the default): each line counts the
elements moved through the FIFO register since its request was raised.  An
access with no request up, more elements than the request asked for, an ack
after fewer elements without ``dma_tc``, an ack of a ``req_last`` request
without ``dma_tc``, an ack with no request up and a ``dma_tc`` without an ack
are recorded in ``errors``.

Counters, on every model: ``overruns`` (data lost because a FIFO was full),
``underruns`` (data wanted from an empty FIFO) and ``errors`` (a list of
messages: everything the controller did wrong, see each model).
:meth:`PacedDevice.assert_clean` fails unless all are zero and ``errors`` is empty.
"""

from __future__ import annotations

import logging
import random
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import cocotb
from cocotb.handle import SimHandleBase
from cocotb.triggers import ReadOnly, RisingEdge

BURST = "burst"
SINGLE = "single"
WIDTHS = (1, 2, 4, 8)
REGION_SIZE = 0x100  # bytes of address space each device claims (only offset 0 is used)

_UNKNOWN_AS_ZERO = str.maketrans("UXZWLH-uxzwlh", "0000010000010")


def _to_int(value: Any) -> int:
    """A sampled value as an int; X/Z bits (an undriven ack, say) read as 0."""
    try:
        return int(value)
    except ValueError:
        return int(str(value).translate(_UNKNOWN_AS_ZERO), 2)


def elements(data: bytes | bytearray, width: int) -> list[int]:
    """``data`` cut into little-endian elements of ``width`` bytes."""
    return [int.from_bytes(data[i : i + width], "little") for i in range(0, len(data), width)]


def pack(values: Iterable[int], width: int) -> bytes:
    """Elements of ``width`` bytes back to little-endian bytes."""
    return b"".join(v.to_bytes(width, "little") for v in values)


@dataclass(frozen=True)
class Served:
    """One request of a line, as the device saw it served: acked at ``edge``."""

    edge: int  # RequestLines.edge at which the device saw the ack
    kind: str  # BURST or SINGLE
    last: bool  # req_last was raised with it
    moved: int  # elements moved through the FIFO register for it
    tc: bool  # dma_tc came with the ack


class RequestPort:
    """One request line of a device: the registered burst/single/last outputs and the
    pacing checks (module docstring).  ``served`` lists every request acked."""

    def __init__(self, device: PacedDevice, line: int, name: str, maxburst: int) -> None:
        self.device = device
        self.line = line
        self.name = name
        self.maxburst = maxburst
        self.kind: str | None = None  # raised request: BURST, SINGLE or None
        self.last = False
        self.moved = 0  # elements moved since the request was raised
        self.served: list[Served] = []

    @property
    def count(self) -> int:
        """Elements the raised request asks for (0: none raised)."""
        if self.kind == BURST:
            return self.maxburst
        return 1 if self.kind == SINGLE else 0

    def bits(self) -> tuple[int, int, int]:
        """(burst, single, last) as driven on the line."""
        return int(self.kind == BURST), int(self.kind == SINGLE), int(self.last)

    def raise_request(self, kind: str, last: bool) -> None:
        self.kind = kind
        self.last = last
        self.moved = 0

    def clear(self) -> None:
        self.kind = None
        self.last = False
        self.moved = 0

    def moved_one(self) -> None:
        """The controller moved one element through the FIFO register for this line."""
        self.moved += 1
        if not self.device.check_pacing:
            return
        if self.kind is None:
            self.device.error(f"{self.name}: FIFO access with no request up")
        elif self.moved == self.count + 1:
            self.device.error(
                f"{self.name}: more than the {self.count} element(s) of a {self.kind} request"
            )

    def clock_edge(self, ack: bool, tc: bool, edge: int) -> None:
        if not ack:
            if tc:
                self.device.error(f"{self.name}: dma_tc without dma_ack")
            return
        if self.kind is None:
            self.device.error(f"{self.name}: dma_ack with no request up")
        else:
            if self.device.check_pacing and self.moved < self.count and not tc:
                self.device.error(
                    f"{self.name}: ack after {self.moved} of {self.count} element(s) without tc"
                )
            if self.last and not tc:
                self.device.error(f"{self.name}: req_last request acked without tc")
            self.served.append(Served(edge, self.kind, self.last, self.moved, tc))
        self.clear()


class RequestLines:
    """Drives ``dma_req_burst``/``dma_req_single``/``dma_req_last`` as whole vectors for the
    devices registered on them (one line each) and tells each device of ``dma_ack``/``dma_tc``.

    Args:
        dut: the toplevel holding ``{prefix}_req_burst`` ... ``{prefix}_tc``.
        num_req: request lines in use (at most the vectors' width).
        clock: the clock (default ``dut.clk``).
        reset: synchronous active-high reset (None: never in reset).
        prefix: signal name prefix.

    ``edge`` counts rising edges; ``ports`` maps line number to :class:`RequestPort`.
    """

    def __init__(
        self,
        dut: Any,
        num_req: int = 8,
        *,
        clock: SimHandleBase | None = None,
        reset: SimHandleBase | None = None,
        prefix: str = "dma",
    ) -> None:
        self.clock = clock if clock is not None else dut.clk
        self.reset = reset
        self.req_burst = getattr(dut, f"{prefix}_req_burst")
        self.req_single = getattr(dut, f"{prefix}_req_single")
        self.req_last = getattr(dut, f"{prefix}_req_last")
        self.ack = getattr(dut, f"{prefix}_ack")
        self.tc = getattr(dut, f"{prefix}_tc")
        if not 1 <= num_req <= len(self.req_burst):
            raise ValueError(f"num_req {num_req} does not fit {len(self.req_burst)} request lines")
        self.num_req = num_req
        self.edge = 0
        self.ports: dict[int, RequestPort] = {}
        self.devices: list[PacedDevice] = []
        self._driven = (0, 0, 0)
        for sig in (self.req_burst, self.req_single, self.req_last):
            sig.value = 0  # from time 0, before the first edge
        self._task = cocotb.start_soon(self._run())

    def register(self, port: RequestPort) -> None:
        if not 0 <= port.line < self.num_req:
            raise ValueError(f"{port.name}: line {port.line} not in 0..{self.num_req - 1}")
        if port.line in self.ports:
            raise ValueError(f"{port.name}: line {port.line} taken by {self.ports[port.line].name}")
        self.ports[port.line] = port
        if port.device not in self.devices:
            self.devices.append(port.device)

    def unregister(self, device: PacedDevice) -> None:
        """Take ``device`` off its lines (they drop at the next edge)."""
        for port in device.ports:
            if self.ports.get(port.line) is port:
                del self.ports[port.line]
        if device in self.devices:
            self.devices.remove(device)

    def vectors(self) -> tuple[int, int, int]:
        """(burst, single, last) vectors the devices ask for now."""
        burst = single = last = 0
        for line, port in self.ports.items():
            b, s, la = port.bits()
            burst |= b << line
            single |= s << line
            last |= la << line
        return burst, single, last

    def _drive(self, values: tuple[int, int, int]) -> None:
        if values != self._driven:
            self._driven = values
            self.req_burst.value, self.req_single.value, self.req_last.value = values

    def _in_reset(self) -> bool:
        return self.reset is not None and str(self.reset.value) != "0"

    async def _run(self) -> None:
        rise, settle = RisingEdge(self.clock), ReadOnly()
        ack = tc = 0
        in_reset = self._in_reset()
        while True:
            await rise
            self.edge += 1
            if in_reset:
                for port in self.ports.values():
                    port.clear()
            else:
                for device in self.devices:
                    device.clock_edge(ack, tc)
            self._drive(self.vectors())
            await settle  # what the next edge samples
            ack, tc = _to_int(self.ack.value), _to_int(self.tc.value)
            in_reset = self._in_reset()


class _TxFifo:
    """Memory-to-device FIFO: the controller writes, the device drains."""

    def __init__(self, depth: int, maxburst: int, singles: bool) -> None:
        self.depth = depth
        self.maxburst = maxburst
        self.singles = singles
        self.items: deque[int] = deque()

    def request(self) -> tuple[str | None, bool]:
        room = self.depth - len(self.items)
        if room >= self.maxburst:
            return BURST, False
        if room >= 1 and self.singles:
            return SINGLE, False
        return None, False


class _RxFifo:
    """Device-to-memory FIFO of (element, end of message); the controller reads.

    A burst is asked for when it holds ``maxburst`` elements none of which but
    the last ends a message (a burst never runs past a message's end); else a
    single when it holds one and ``singles`` is set or a complete message is in
    it (its tail drains with singles).  ``req_last`` goes with the request that
    moves the element ending a message.
    """

    def __init__(self, depth: int, maxburst: int, singles: bool) -> None:
        self.depth = depth
        self.maxburst = maxburst
        self.singles = singles
        self.items: deque[tuple[int, bool]] = deque()

    def push(self, value: int, end: bool) -> bool:
        """Queue an arriving element; False (element lost) if full.  A lost element's
        end-of-message mark moves to the newest element held, so the message still
        ends (unless a request already raised without ``req_last`` covers that one)."""
        if len(self.items) < self.depth:
            self.items.append((value, end))
            return True
        if end:
            self.items[-1] = (self.items[-1][0], True)
        return False

    def request(self) -> tuple[str | None, bool]:
        level = len(self.items)
        end = next((i for i, (_, e) in enumerate(self.items) if e), None)
        if level >= self.maxburst and (end is None or end >= self.maxburst - 1):
            return BURST, end == self.maxburst - 1
        if level >= 1 and (self.singles or end is not None):
            return SINGLE, end == 0
        return None, False


def _check_fifo(what: str, depth: int, maxburst: int) -> None:
    if depth < 1 or not 1 <= maxburst <= depth:
        raise ValueError(f"{what}: need 1 <= maxburst ({maxburst}) <= depth ({depth})")


class PacedDevice:
    """What every model shares: MMIO region, request ports, counters and the per-edge step.

    Subclasses implement :meth:`step` (one cycle of the device's own time),
    :meth:`want` (the request a line would raise now) and the FIFO access.
    """

    def __init__(
        self, lines: RequestLines, base: int, *, name: str, width: int, check_pacing: bool
    ) -> None:
        if width not in WIDTHS:
            raise ValueError(f"{name}: element width {width} not one of {WIDTHS}")
        self.lines = lines
        self.base = base
        self.size = REGION_SIZE
        self.name = name
        self.width = width
        self.check_pacing = check_pacing
        self.errors: list[str] = []
        self.ports: list[RequestPort] = []
        # Bytes over which the FIFO register repeats (a FIFO window, for INCR bursts);
        # by default the register alone, at offset 0.
        self.fifo_window = width
        self.log = logging.getLogger(f"cocotb.{name}")

    def _port(self, line: int, what: str, maxburst: int) -> RequestPort:
        port = RequestPort(self, line, f"{self.name}.{what} (line {line})", maxburst)
        self.lines.register(port)
        self.ports.append(port)
        return port

    def attach(self, mem: Any) -> None:
        """Map the device into ``mem`` (an :class:`AxiMemory`) at ``base``."""
        mem.add_mmio(self.base, self.size, self)

    def error(self, message: str) -> None:
        text = f"edge {self.lines.edge}: {message}"
        self.errors.append(text)
        self.log.warning("%s", text)

    @property
    def overruns(self) -> int:
        raise NotImplementedError

    @property
    def underruns(self) -> int:
        raise NotImplementedError

    def counters(self) -> dict[str, int]:
        """Every counter of the model by name (all zero on a clean run)."""
        return {"overruns": self.overruns, "underruns": self.underruns, "errors": len(self.errors)}

    def assert_clean(self) -> None:
        counters = self.counters()
        if any(counters.values()):
            raise AssertionError(f"{self.name}: {counters}; first errors: {self.errors[:5]}")

    def clock_edge(self, ack: int, tc: int) -> None:
        """One rising edge (called by RequestLines): acks, the device's cycle, new requests."""
        edge = self.lines.edge
        for port in self.ports:
            port.clock_edge(bool(ack >> port.line & 1), bool(tc >> port.line & 1), edge)
        self.step()
        for port in self.ports:
            if port.kind is None:
                kind, last = self.want(port)
                if kind is not None:
                    port.raise_request(kind, last)

    def step(self) -> None:
        raise NotImplementedError

    def want(self, port: RequestPort) -> tuple[str | None, bool]:
        raise NotImplementedError

    def _fifo_access(self, addr: int, size: int, what: str) -> bool:
        """Whether an access is one element of the FIFO register; records an error if not."""
        if addr % self.width == 0 and addr < self.fifo_window and size == self.width:
            return True
        self.error(
            f"{what} of {size} byte(s) at offset {addr:#x}: only the {self.width}-byte"
            f" FIFO register, repeated over the first {self.fifo_window} bytes, exists"
        )
        return False


class UartModel(PacedDevice):
    """A UART: TX FIFO drained by the wire, RX FIFO filled from it; two request lines.

    Args:
        lines: the :class:`RequestLines` to register ``tx_line`` and ``rx_line`` with.
        base: MMIO base (FIFO register at offset 0: writes go to TX, reads come from RX).
        tx_line, rx_line: request line numbers.
        width: element width in bytes (1, 2, 4 or 8).
        tx_depth, tx_maxburst, rx_depth, rx_maxburst: FIFO depths and burst thresholds.
        tx_cycles_per_elem: the wire takes one element from the TX FIFO every this
            many cycles (the first as soon as one is there; after a gap, the next one
            as soon as it arrives).
        rx_cycles_per_elem: fed elements arrive in the RX FIFO one every this many cycles.
        singles: raise single requests whenever a burst is not possible (otherwise only
            bursts, except that the tail of a received message drains with singles).
        check_pacing: record handshake violations (module docstring).

    TX: ``tx_log`` lists every element the wire sent, in order.  ``tx_underruns``
    counts gaps in a transmission: after :meth:`expect_tx` (n), each time the wire
    is ready for the next element while the TX FIFO is empty, once the first of
    those n elements has gone out and before the n-th has (one count per gap,
    however long).  Without :meth:`expect_tx` gaps are not counted.  A write to a
    full TX FIFO is a controller error: ``tx_overflows`` counts it, ``tx_dropped``
    keeps the element, ``errors`` says when.

    RX: :meth:`rx_feed` queues elements; ``rx_fed`` lists all of them,
    ``rx_lost`` those that arrived at a full FIFO (``rx_overruns``), ``rx_read``
    those the controller read.  A read of the empty RX FIFO returns 0 and is a
    controller error (``rx_underruns``, ``errors``).  The request that moves the
    element ending a message carries ``req_last``.

    ``overruns`` = ``rx_overruns`` + ``tx_overflows``; ``underruns`` =
    ``tx_underruns`` + ``rx_underruns``.  ``tx_port``/``rx_port`` are the lines'
    :class:`RequestPort` (``served`` lists the requests acked).
    """

    def __init__(
        self,
        lines: RequestLines,
        base: int,
        *,
        tx_line: int,
        rx_line: int,
        width: int = 1,
        tx_depth: int = 16,
        tx_maxburst: int = 4,
        rx_depth: int = 16,
        rx_maxburst: int = 4,
        tx_cycles_per_elem: int = 16,
        rx_cycles_per_elem: int = 16,
        singles: bool = True,
        check_pacing: bool = True,
        name: str = "uart",
    ) -> None:
        super().__init__(lines, base, name=name, width=width, check_pacing=check_pacing)
        _check_fifo(f"{name} TX", tx_depth, tx_maxburst)
        _check_fifo(f"{name} RX", rx_depth, rx_maxburst)
        if tx_cycles_per_elem < 1 or rx_cycles_per_elem < 1:
            raise ValueError(f"{name}: cycles per element must be at least 1")
        self.tx_cycles_per_elem = tx_cycles_per_elem
        self.rx_cycles_per_elem = rx_cycles_per_elem
        self.tx = _TxFifo(tx_depth, tx_maxburst, singles)
        self.rx = _RxFifo(rx_depth, rx_maxburst, singles)
        self.tx_port = self._port(tx_line, "tx", tx_maxburst)
        self.rx_port = self._port(rx_line, "rx", rx_maxburst)
        self.tx_log: list[int] = []
        self.tx_dropped: list[int] = []
        self.tx_underruns = 0
        self.tx_overflows = 0
        self.rx_fed: list[int] = []
        self.rx_lost: list[int] = []
        self.rx_read: list[int] = []
        self.rx_overruns = 0
        self.rx_underruns = 0
        self._tx_wait = 0  # cycles until the wire is ready for the next element
        self._tx_gap = False  # the wire is waiting on an empty FIFO (gap already counted)
        self._tx_first = 0  # tx_log length when expect_tx was called
        self._tx_goal: int | None = None  # tx_log length that ends the expected transmission
        self._rx_pending: deque[tuple[int, bool]] = deque()
        self._rx_wait = rx_cycles_per_elem

    @property
    def overruns(self) -> int:
        return self.rx_overruns + self.tx_overflows

    @property
    def underruns(self) -> int:
        return self.tx_underruns + self.rx_underruns

    def counters(self) -> dict[str, int]:
        return {
            "tx_underruns": self.tx_underruns,
            "tx_overflows": self.tx_overflows,
            "rx_overruns": self.rx_overruns,
            "rx_underruns": self.rx_underruns,
            "errors": len(self.errors),
        }

    @property
    def tx_level(self) -> int:
        return len(self.tx.items)

    @property
    def rx_level(self) -> int:
        return len(self.rx.items)

    def expect_tx(self, count: int) -> None:
        """The next ``count`` elements the wire sends form one transmission: gaps between
        its first and its last element count as underruns."""
        self._tx_first = len(self.tx_log)
        self._tx_goal = len(self.tx_log) + count

    def rx_feed(self, data: bytes | bytearray, end_of_message: bool = True) -> None:
        """Queue ``data`` (elements of ``width`` bytes, little-endian) to arrive on the wire;
        with ``end_of_message`` its last element ends a message."""
        if len(data) % self.width or not data:
            raise ValueError(f"{self.name}: {len(data)} bytes is not a whole number of elements")
        elems = elements(data, self.width)
        for i, value in enumerate(elems):
            self._rx_pending.append((value, end_of_message and i == len(elems) - 1))
        self.rx_fed.extend(elems)

    def step(self) -> None:
        # The wire: one element every tx_cycles_per_elem cycles while there is one.
        if self._tx_wait > 0:
            self._tx_wait -= 1
        if self._tx_wait == 0:
            if self.tx.items:
                self.tx_log.append(self.tx.items.popleft())
                self._tx_wait = self.tx_cycles_per_elem
                self._tx_gap = False
            elif not self._tx_gap:
                goal = self._tx_goal
                if goal is not None and self._tx_first < len(self.tx_log) < goal:
                    self.tx_underruns += 1
                    self._tx_gap = True
        # The receiver: one element every rx_cycles_per_elem cycles while any is on its way.
        if self._rx_pending:
            self._rx_wait -= 1
            if self._rx_wait == 0:
                value, end = self._rx_pending.popleft()
                if not self.rx.push(value, end):
                    self.rx_overruns += 1
                    self.rx_lost.append(value)
                self._rx_wait = self.rx_cycles_per_elem
        else:
            self._rx_wait = self.rx_cycles_per_elem

    def want(self, port: RequestPort) -> tuple[str | None, bool]:
        return self.tx.request() if port is self.tx_port else self.rx.request()

    def mmio_write(self, addr: int, value: int, size: int) -> None:
        if not self._fifo_access(addr, size, "write"):
            return
        self.tx_port.moved_one()
        if len(self.tx.items) < self.tx.depth:
            self.tx.items.append(value)
            return
        self.tx_overflows += 1
        self.tx_dropped.append(value)
        self.error(f"write of {value:#x} to the full TX FIFO: element dropped")

    def mmio_read(self, addr: int, size: int) -> int:
        if not self._fifo_access(addr, size, "read"):
            return 0
        self.rx_port.moved_one()
        if self.rx.items:
            value = self.rx.items.popleft()[0]
            self.rx_read.append(value)
            return value
        self.rx_underruns += 1
        self.error("read of the empty RX FIFO: returned 0")
        return 0


class AdcModel(PacedDevice):
    """A streaming source: one sample every ``cycles_per_sample`` cycles into a FIFO.

    Args:
        lines, base, line: request lines, MMIO base (FIFO register at offset 0, read
            only), request line number.
        width: sample width in bytes (1, 2, 4 or 8).
        depth, maxburst: FIFO depth and burst threshold.
        cycles_per_sample: sampling period once started.
        singles: raise single requests when fewer than ``maxburst`` samples are held
            (otherwise only bursts, except that the tail of a finished run drains with
            singles).
        seed: None: samples count 0, 1, 2, ... (modulo 2**(8*width)); an int: a
            pattern drawn from ``random.Random(seed)``.
        check_pacing: record handshake violations (module docstring).

    :meth:`start` (count) runs the converter; with a count its last sample ends
    the run like the end of a UART message (the request that moves it carries
    ``req_last``).  ``produced`` lists every sample generated, ``lost`` those
    that met a full FIFO (``overruns``), ``read`` those the controller read.  A
    read of the empty FIFO returns 0 and is a controller error (``underruns``,
    ``errors``).  ``port`` is the line's :class:`RequestPort`.
    """

    def __init__(
        self,
        lines: RequestLines,
        base: int,
        *,
        line: int,
        width: int = 2,
        depth: int = 16,
        maxburst: int = 4,
        cycles_per_sample: int = 8,
        singles: bool = True,
        seed: int | None = None,
        check_pacing: bool = True,
        name: str = "adc",
    ) -> None:
        super().__init__(lines, base, name=name, width=width, check_pacing=check_pacing)
        _check_fifo(name, depth, maxburst)
        if cycles_per_sample < 1:
            raise ValueError(f"{name}: cycles_per_sample must be at least 1")
        self.cycles_per_sample = cycles_per_sample
        self.fifo = _RxFifo(depth, maxburst, singles)
        self.port = self._port(line, "rx", maxburst)
        self.produced: list[int] = []
        self.lost: list[int] = []
        self.read: list[int] = []
        self.sample_overruns = 0
        self.empty_reads = 0
        self._rng = random.Random(seed) if seed is not None else None
        self._remaining: int | None = 0  # samples still to produce (None: endless)
        self._wait = cycles_per_sample

    @property
    def overruns(self) -> int:
        return self.sample_overruns

    @property
    def underruns(self) -> int:
        return self.empty_reads

    @property
    def running(self) -> bool:
        return self._remaining is None or self._remaining > 0

    @property
    def level(self) -> int:
        return len(self.fifo.items)

    def start(self, count: int | None = None) -> None:
        """Produce ``count`` samples (None: until :meth:`stop`), the first one
        ``cycles_per_sample`` cycles from now."""
        self._remaining = count
        self._wait = self.cycles_per_sample

    def stop(self) -> None:
        self._remaining = 0

    def _next_sample(self) -> int:
        bits = 8 * self.width
        if self._rng is not None:
            return self._rng.getrandbits(bits)
        return len(self.produced) & ((1 << bits) - 1)

    def step(self) -> None:
        if not self.running:
            return
        self._wait -= 1
        if self._wait:
            return
        self._wait = self.cycles_per_sample
        sample = self._next_sample()
        self.produced.append(sample)
        if self._remaining is not None:
            self._remaining -= 1
        if not self.fifo.push(sample, self._remaining == 0):
            self.sample_overruns += 1
            self.lost.append(sample)

    def want(self, port: RequestPort) -> tuple[str | None, bool]:
        return self.fifo.request()

    def mmio_write(self, addr: int, value: int, size: int) -> None:
        self.error(
            f"write of {value:#x} ({size} byte(s)) at offset {addr:#x}: the ADC is read-only"
        )

    def mmio_read(self, addr: int, size: int) -> int:
        if not self._fifo_access(addr, size, "read"):
            return 0
        self.port.moved_one()
        if self.fifo.items:
            value = self.fifo.items.popleft()[0]
            self.read.append(value)
            return value
        self.empty_reads += 1
        self.error("read of the empty FIFO: returned 0")
        return 0

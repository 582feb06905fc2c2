"""The interconnect's AXI4 slave port for the controller: latency, ordering, errors, IOMMU, snoops.

:class:`AxiMemory` answers a full AXI4 master from the system's
:class:`~tb.models.memory_map.MemoryMap` (sparse RAM, device regions, holes,
injected errors), optionally through an IOMMU and a snooped cache.  The
five channels are cocotbext-axi's own channel models (``AxiARSink``,
``AxiRSource``, ``AxiAWSink``, ``AxiWSink``, ``AxiBSource``), so the VALID/READY
handshakes and the pause generators (random stalls) are theirs; this module
only decides *what* to answer and *when*:

* Timing.  Each port runs one task that wakes at every falling clock edge
  while it has work and sleeps on the sinks' events while idle.  At a falling
  edge it collects the handshakes of the rising edge just past and hands at
  most one response beat to its source, which drives it at the next rising
  edge.  That keeps responses strictly after the requests they answer and
  gives exact, simulator-independent latencies (see below).
* Latency.  The first R beat of a burst completes its handshake no earlier
  than ``read_latency`` cycles after the AR handshake, and B no earlier than
  ``write_latency`` cycles after the later of the AW and the last W handshake.
  With READY high on the master side it is exactly that number, except that
  the model's floor is 2 cycles: 0, 1 and 2 all answer 2 cycles after the
  request (the sink captures at one rising edge, the source drives at the
  next).
* Pipelining.  Up to ``max_outstanding`` bursts per direction are accepted and
  not yet fully answered; AR/AW keep accepting while earlier bursts wait out
  their latency, and READY drops only at that limit.  A burst counts until the
  handshake of its RLAST beat or of its B.
* Order.  Bursts with the same ID are answered in request order.  With
  ``reorder`` a burst may be answered before an older one with another ID
  (reads and writes), and each burst waits a random 0 to 16 cycles on top of
  its latency, so answers overtake each other even when they would not pile
  up otherwise.  With ``interleave`` R beats of bursts with different IDs
  may interleave; without ``reorder`` the bursts still *start* in AR order.
  Choices are random, from ``seed``.
* Map.  Each beat's bytes are decoded by :meth:`MemoryMap.resolve`: RAM,
  a device region, or an error.  Built with only ``size``, the port has a map
  of its own with RAM at [0, size); a system passes its shared ``memory_map``.
* IOMMU.  With ``iommu``, each burst is translated when its AR or AW is
  accepted, one ``iommu.translate(stream_id, iova, write)`` call per 4 KiB
  page it touches (one, for a legal burst), with the burst's AxADDR (in a
  page that does not hold it, that page's first byte).  The cycles the IOMMU
  reports (IOTLB hit or page-table walk) delay a read's first R beat; a
  write's B comes ``write_latency`` after the later of its last W and its AW
  plus the translation, so W data arriving meanwhile hides the translation.
  A page the IOMMU refuses answers ``fault_resp`` (SLVERR) on every beat in
  it, and those beats never reach the map: no memory or device is read or
  written.  The translation in force at AR/AW time is the
  one used, so an IOTLB entry invalidated later still serves a burst accepted
  before.  ``stream_id`` names the master to the IOMMU (a number, or a
  function of the AXI ID for a master with several).
* DMA ranges.  With ``dma_ranges`` (Linux's ``dma-ranges``: a list of
  ``(bus_start, cpu_start, size)``, see :class:`DmaRanges`), a bus address in
  [bus_start, bus_start + size) is the physical address ``cpu_start + (addr -
  bus_start)``; a bus address outside every range passes through unchanged
  (MMIO device FIFOs, addresses the ranges do not cover).  The offset applies
  only to bursts that do not go through the IOMMU stage: the IOMMU's output is
  already physical, so with ``iommu`` the ranges are not used (IOMMU bypass
  included: ``pa = iova``).  Each burst is looked up once, when its AR or AW is
  accepted: a burst whose bytes lie in one range (or touch none) gets one
  offset for all its beats.  A burst that straddles a range edge is translated
  beat by beat, and a beat whose own bytes straddle an edge (only possible with
  ranges not aligned to the bus width) answers DECERR: it never reaches the
  map.  Backdoor :meth:`~AxiMemory.read`/:meth:`~AxiMemory.write` take
  physical addresses.
* Snooping.  With ``snoop`` (a coherent CPU cache), every RAM beat calls
  ``snoop.snoop_read(lo, hi)`` before it is read and ``snoop.snoop_write(lo, hi)``
  before it is written (physical addresses): a coherent interconnect.
  Without it the master never sees the CPU's cache, as on a non-coherent SoC.
* Errors.  An address outside RAM and devices answers DECERR (no wrap-around).
  :meth:`AxiMemory.add_error_region` makes a range answer SLVERR or DECERR.  A
  read beat whose bytes touch such a range (or lie outside RAM and devices) returns that
  RRESP with zero data; the burst keeps all its beats and RLAST.  A write beat
  that touches one is *not written* (other beats of the burst are), and the
  burst's BRESP is the highest code among its beats (DECERR over SLVERR).  A
  beat's bytes are the ones its address and AxSIZE give it, whatever WSTRB says.
* Data.  WSTRB is honoured per byte; strobes outside the lanes a beat may use
  are ignored.  Narrow bursts, INCR, FIXED and WRAP follow AXI4 A3.4.  A read
  beat carries the whole bus word of memory, the lanes outside the beat too.
  A W beat lands in memory at the falling edge after its handshake (once its
  AW is in); an R beat takes its data one cycle before it is driven.  So a
  read issued after a write's B always sees that write.
* MMIO.  :meth:`AxiMemory.add_mmio` maps a device model over [base, base +
  size) (anywhere in the address space, inside or beyond ``size``).  Every
  beat whose bytes lie in that range goes to the device instead of the flat
  memory, beat by beat and in bus order, as a call of the small
  :class:`~tb.models.memory_map.MmioDevice`
  protocol:

  - ``device.mmio_read(offset, nbytes) -> int`` for a read beat, at the moment
    the model decides the beat (one cycle before it is driven on R), with the
    beat's bytes [lo, hi): ``offset = lo - base`` and ``nbytes = hi - lo``, which
    is AxSIZE bytes except on an unaligned first beat.  The value (its low
    ``nbytes`` bytes, little-endian) goes out in byte lanes ``lo % bus_bytes``
    onwards, as in a narrow transfer; the other lanes read 0.
  - ``device.mmio_write(offset, value, nbytes) -> None`` for a write beat, at
    the falling edge after its W handshake (once its AW is in), once per run of
    contiguous strobed bytes inside the beat's bytes (so a beat whose strobes
    cover exactly its element is one call with the whole element; a beat with
    no strobe set inside its bytes makes no call).  ``offset`` is the run's
    first byte minus ``base``; ``value`` the run's bytes, little-endian.

  So a FIXED burst of N beats to a FIFO register is N calls at the same
  offset.  An error region over the beat wins (the device is not called), and a
  beat that straddles the edge of an MMIO region answers SLVERR without a call.
  The response is OKAY otherwise; a device reports its own errors (counters).
  Backdoor :meth:`~AxiMemory.read`/:meth:`~AxiMemory.write` never reach devices.

Requests that break the protocol are answered as well as possible, and the
protocol checker is the place that reports them: AxSIZE above the bus width
acts as the bus width, AxBURST=3 as INCR, an INCR burst runs straight over a
4 KiB boundary, and AWLEN, not WLAST, ends a W burst (a wrong WLAST is logged).  Reset is
synchronous and active high; while it is high or X/Z nothing runs, every
accepted request is dropped and RVALID/BVALID/ARREADY/AWREADY/WREADY are low.
Not modelled: exclusive access (AxLOCK is ignored, no EXOKAY), user signals,
AxPROT/AxCACHE/AxQOS/AxREGION (ignored), write-data interleaving (AXI3 WID).
"""

from __future__ import annotations

import bisect
import itertools
import logging
import random
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import Any, Protocol

import cocotb
from cocotb.handle import SimHandleBase
from cocotb.task import Task
from cocotb.triggers import FallingEdge, First, ValueChange
from cocotbext.axi import AxiBurstType, AxiBus, AxiResp
from cocotbext.axi.axi_channels import (
    AxiARSink,
    AxiAWSink,
    AxiBSource,
    AxiBTransaction,
    AxiReadBus,
    AxiRSource,
    AxiRTransaction,
    AxiWriteBus,
    AxiWSink,
)

from tb.models.memory_map import MemoryMap, MmioDevice

OKAY = int(AxiResp.OKAY)
SLVERR = int(AxiResp.SLVERR)
DECERR = int(AxiResp.DECERR)
FIXED = int(AxiBurstType.FIXED)
INCR = int(AxiBurstType.INCR)
WRAP = int(AxiBurstType.WRAP)
PAGE_SHIFT = 12  # translation granule: AXI bursts never cross 4 KiB
_LATENCY_FLOOR = 2  # capture at one rising edge, drive at the next
REORDER_JITTER = 16  # with reorder, extra random cycles a burst may wait

_UNKNOWN_AS_ZERO = str.maketrans("UXZWLH-uxzwlh", "0000010000010")


def _to_int(value: Any) -> int:
    """A sampled bus value as an int; X/Z bits (unused lanes, say) read as 0."""
    try:
        return int(value)
    except ValueError:
        return int(str(value).translate(_UNKNOWN_AS_ZERO), 2)


def pause_pattern(rng: random.Random, probability: float) -> Iterator[bool]:
    """Endless pause pattern for a channel: True stalls it for that cycle."""
    while True:
        yield rng.random() < probability


@dataclass
class AxiMemoryStats:
    """Traffic counters: bursts and beats answered, error responses per kind.

    Read counters count R beats and bursts whose handshake completed (an error
    counter counts R beats with that RRESP); write counters count W beats taken
    and bursts whose B handshake completed (an error counter counts B responses).
    """

    read_bursts: int = 0
    read_beats: int = 0
    read_slverr: int = 0
    read_decerr: int = 0
    write_bursts: int = 0
    write_beats: int = 0
    write_slverr: int = 0
    write_decerr: int = 0
    mmio_reads: int = 0  # mmio_read calls (one per read beat to a device)
    mmio_writes: int = 0  # mmio_write calls (one per strobed run of a write beat)
    iommu_faults: int = 0  # pages of bursts the IOMMU refused (their beats answer fault_resp)

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# -- bus to physical addresses (dma-ranges) -------------------------------------------------------


class DmaRanges:
    """Linux ``dma-ranges``: windows of bus addresses that reach RAM at other physical addresses.

    Each entry ``(bus_start, cpu_start, size)`` makes the bus bytes [bus_start,
    bus_start + size) the physical bytes from ``cpu_start`` on.  A bus address in
    no window is its own physical address (identity).  Windows must not overlap
    on the bus side (ValueError); two windows may show the same physical bytes
    (aliases).  Pure Python, no simulator needed.
    """

    __slots__ = ("_deltas", "_ends", "_starts", "ranges")

    def __init__(
        self, ranges: list[tuple[int, int, int]] | tuple[tuple[int, int, int], ...]
    ) -> None:
        checked: list[tuple[int, int, int]] = []
        for entry in ranges:
            bus, cpu, size = (int(v) for v in entry)
            if size <= 0 or bus < 0 or cpu < 0:
                raise ValueError(
                    f"dma-range (bus {bus:#x}, cpu {cpu:#x}, size {size:#x}): size must be"
                    " positive and addresses non-negative"
                )
            checked.append((bus, cpu, size))
        checked.sort()
        for (b0, _, s0), (b1, _, _) in itertools.pairwise(checked):
            if b1 < b0 + s0:
                raise ValueError(
                    f"dma-ranges overlap on the bus: [{b0:#x}, {b0 + s0:#x}) and from {b1:#x}"
                )
        self.ranges = tuple(checked)  # sorted by bus address
        self._starts = [b for b, _, _ in checked]
        self._ends = [b + n for b, _, n in checked]
        self._deltas = [c - b for b, c, _ in checked]

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def delta(self, lo: int, hi: int) -> int | None:
        """Physical minus bus address for the bus bytes [lo, hi), ``lo < hi``: the window's
        offset if they all lie in one window, 0 if they touch none, None if they straddle
        a window's edge (partly in a window, or in two)."""
        i = bisect.bisect_right(self._starts, lo) - 1
        if i >= 0 and lo < self._ends[i]:
            return self._deltas[i] if hi <= self._ends[i] else None
        i += 1  # the first window above lo
        if i < len(self._starts) and self._starts[i] < hi:
            return None
        return 0

    def to_cpu(self, addr: int) -> int:
        """The physical address of bus address ``addr``."""
        delta = self.delta(addr, addr + 1)
        assert delta is not None  # one byte never straddles
        return addr + delta

    def to_bus(self, pa: int) -> int | None:
        """A bus address that reaches physical address ``pa`` (the lowest window's, if
        several do; ``pa`` itself if only identity does); None if none reaches it."""
        for bus, cpu, size in self.ranges:
            if cpu <= pa < cpu + size:
                return bus + pa - cpu
        return pa if self.delta(pa, pa + 1) == 0 else None


# -- memory and error map ------------------------------------------------------------------------


# -- bursts and the order they are answered in --------------------------------------------------


class Burst:
    """One accepted AXI4 burst: its beats' addresses and how far it has got."""

    __slots__ = (
        "accepted_at",
        "addr",
        "aligned",
        "beats",
        "delta",
        "id",
        "kind",
        "nbytes",
        "pages",
        "ready_at",
        "resp",
        "sent",
        "started",
        "wrap_base",
        "wrap_total",
    )

    def __init__(
        self, bid: int, addr: int, length: int, size: int, kind: int, bus_bytes: int, now: int
    ) -> None:
        self.id = bid
        self.addr = addr
        self.beats = length + 1
        # Protocol errors (checked elsewhere) are answered as the nearest legal request.
        self.nbytes = min(1 << size, bus_bytes)
        self.kind = kind if kind in (FIXED, INCR, WRAP) else INCR
        self.aligned = addr - addr % self.nbytes
        self.wrap_total = self.nbytes * self.beats
        self.wrap_base = addr - addr % self.wrap_total
        self.accepted_at = now
        self.ready_at = now
        self.resp = OKAY
        self.sent = 0  # beats answered (R) or taken (W)
        self.started = False  # its response has begun (set by ResponseOrder.pick)
        self.pages: dict[int, int | None] | None = None  # IOVA page -> physical page (IOMMU)
        self.delta: int | None = 0  # dma-ranges: physical - bus address; None: beat by beat

    def extent(self) -> tuple[int, int]:
        """Bytes [lo, hi) that the whole burst may touch."""
        if self.kind == FIXED:
            return self.span(0)
        if self.kind == WRAP:
            return self.wrap_base, self.wrap_base + self.wrap_total
        return self.addr, self.aligned + self.beats * self.nbytes

    def span(self, beat: int) -> tuple[int, int]:
        """Bytes [lo, hi) that beat ``beat`` transfers (AXI4 A3.4.1)."""
        n = self.nbytes
        if beat == 0 or self.kind == FIXED:
            lo = self.addr
            return lo, self.aligned + n
        if self.kind == WRAP:
            base = self.wrap_base
            lo = base + (self.aligned - base + beat * n) % self.wrap_total
        else:
            lo = self.aligned + beat * n
        return lo, lo + n


class ResponseOrder:
    """Chooses which accepted burst the next response beat belongs to.

    Always: a burst waits until ``ready_at``, and only the oldest burst of each
    ID may answer.  ``reorder`` lets a burst start before older ones with other
    IDs and delays each by a random 0 to REORDER_JITTER cycles; ``interleave``
    lets beats of started bursts mix (otherwise a started burst finishes
    first).  Random choices come from ``rng``.
    """

    def __init__(self, rng: random.Random, reorder: bool, interleave: bool) -> None:
        self.rng = rng
        self.reorder = reorder
        self.interleave = interleave
        self.pending: list[Burst] = []  # accepted, response not finished, in acceptance order
        self._current: Burst | None = None

    def __len__(self) -> int:
        return len(self.pending)

    def add(self, burst: Burst, ready_at: int) -> None:
        """Queue ``burst``, answerable from cycle ``ready_at`` (later by chance with reorder)."""
        if self.reorder:
            ready_at += self.rng.randrange(REORDER_JITTER + 1)
        burst.ready_at = ready_at
        self.pending.append(burst)

    def clear(self) -> None:
        self.pending.clear()
        self._current = None

    def pick(self, now: int) -> Burst | None:
        pending = self.pending
        if not pending:
            return None
        if self._current is not None:
            return self._current
        if not (self.reorder or self.interleave):
            first = pending[0]
            if first.ready_at > now:
                return None
            chosen = first
        else:
            candidates = []
            seen: set[int] = set()
            for b in pending:
                blocked = b.id in seen
                seen.add(b.id)
                if b.started:
                    candidates.append(b)  # only in interleave mode: the oldest of its ID
                    continue
                if not blocked and b.ready_at <= now:
                    candidates.append(b)
                if not self.reorder:
                    break  # only the oldest burst not yet started may start
            if not candidates:
                return None
            chosen = candidates[0] if len(candidates) == 1 else self.rng.choice(candidates)
        chosen.started = True
        if not self.interleave:
            self._current = chosen
        return chosen

    def finish(self, burst: Burst) -> None:
        self.pending.remove(burst)
        if self._current is burst:
            self._current = None


# -- channel helpers --------------------------------------------------------------------------


class _OutstandingLimit:
    """Address-sink mixin: READY also drops while the port holds ``limit`` accepted bursts.

    ``full()`` is what cocotbext-axi's ``StreamSink`` asks at each rising edge,
    after it queued that edge's handshake, to decide READY for the next cycle.
    """

    _limit = 1 << 30
    _held: Callable[[], int] = staticmethod(lambda: 0)

    def set_limit(self, limit: int, held: Callable[[], int]) -> None:
        self._limit = limit
        self._held = held

    def full(self) -> bool:
        return self.count() + self._held() >= self._limit  # type: ignore[attr-defined]


class _ArSink(_OutstandingLimit, AxiARSink):
    pass


class _AwSink(_OutstandingLimit, AxiAWSink):
    pass


class _Outbox:
    """Response beats handed to a cocotbext-axi source whose handshake has not completed.

    The port hands one beat at a time (when the source's queue is empty), so it
    decides each beat one cycle before it is driven.  Read at a falling edge, a
    beat still counts as waiting while queued or while VALID is high.
    """

    def __init__(self, source: AxiRSource | AxiBSource) -> None:
        self.source = source
        self._tags: deque[Any] = deque()

    def __len__(self) -> int:
        return len(self._tags)

    def has_room(self) -> bool:
        return self.source.empty()

    def push(self, transaction: Any, tag: Any) -> None:
        self.source.send_nowait(transaction)
        self._tags.append(tag)

    def completed(self) -> Iterator[Any]:
        """Tags of the beats whose handshake completed since the last call, oldest first."""
        tags = self._tags
        if not tags:
            return
        waiting = self.source.count() + (self.source.valid.value == 1)
        while len(tags) > waiting:
            yield tags.popleft()

    def clear(self) -> None:
        self._tags.clear()


class ResetWatch:
    """Follows a synchronous active-high reset and reports each change.

    X or Z counts as asserted, so with reset held from time 0 nothing runs
    before a clean release; without a reset signal the ports run at once.
    """

    def __init__(self, reset: SimHandleBase | None, on_change: Callable[[bool], None]) -> None:
        self._on_change = on_change
        self.asserted = True
        if reset is None or str(reset.value) == "0":
            self.asserted = False
            on_change(False)
        if reset is not None:
            cocotb.start_soon(self._watch(reset))

    async def _watch(self, reset: SimHandleBase) -> None:
        change = ValueChange(reset)
        while True:
            await change
            asserted = str(reset.value) != "0"
            if asserted != self.asserted:
                self.asserted = asserted
                self._on_change(asserted)


# -- the two ports --------------------------------------------------------------------------


class _Port:
    """What both ports share: the map, the IOMMU stage, the cycle count and the run task."""

    def __init__(self, clock: SimHandleBase, system: AxiMemory, bus_bytes: int) -> None:
        self.clock = clock
        self.system = system
        self.map = system.map
        self.mem = system.map.mem
        self.stats = system.stats
        self.log = system.log
        self.bus_bytes = bus_bytes
        self.now = 0  # falling edges seen while busy (only differences matter)
        self._held = 0  # accepted bursts whose response has not completed
        self._task: Task[None] | None = None

    def _channels(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def _clear(self) -> None:
        raise NotImplementedError

    def _idle(self) -> bool:
        raise NotImplementedError

    async def _wait_request(self) -> None:
        raise NotImplementedError

    def _cycle(self) -> None:
        raise NotImplementedError

    def reset(self, asserted: bool) -> None:
        for ch in self._channels():
            ch.assert_reset(asserted)
        if asserted:
            if self._task is not None:
                self._task.cancel()
                self._task = None
            for ch in self._channels():
                ch.clear()
            self._held = 0
            self._clear()
        elif self._task is None:
            self._task = cocotb.start_soon(self._run())

    async def _run(self) -> None:
        fall = FallingEdge(self.clock)
        while True:
            if self._idle():
                await self._wait_request()
            await fall
            self.now += 1
            self._cycle()

    def _translate(self, burst: Burst, write: bool) -> int:
        """Pass ``burst`` through the IOMMU stage, if any: fill ``burst.pages`` (IOVA page ->
        physical page, None where the IOMMU faulted) and return the cycles it took.
        Without an IOMMU, look the burst up in the dma-ranges: ``burst.delta``."""
        iommu = self.system.iommu
        if iommu is None:
            ranges = self.system.dma_ranges
            if ranges:
                burst.delta = ranges.delta(*burst.extent())
            return 0
        lo, hi = burst.extent()
        sid = self.system.stream_of(burst.id)
        cycles = 0
        pages: dict[int, int | None] = {}
        for page in range(lo >> PAGE_SHIFT, ((hi - 1) >> PAGE_SHIFT) + 1):
            # The burst's own address in the page that holds it (what a fault record
            # reports), the page's first byte elsewhere.
            first = page << PAGE_SHIFT
            at = burst.addr if first <= burst.addr < first + (1 << PAGE_SHIFT) else first
            pa, latency = iommu.translate(sid, at, write)
            pages[page] = None if pa is None else pa >> PAGE_SHIFT
            cycles += latency
            if pa is None:
                self.stats.iommu_faults += 1
        burst.pages = pages
        return cycles

    def _check(
        self, burst: Burst, lo: int, hi: int, write: bool
    ) -> tuple[int, int, tuple[int, MmioDevice] | None]:
        """For a beat over the bus bytes [lo, hi): its response, the physical address of
        ``lo``, and the (base, device) it goes to if it is an MMIO beat answered OKAY."""
        pages = burst.pages
        if pages is not None:
            ppage = pages.get(lo >> PAGE_SHIFT)
            if ppage is None:
                return self.system.fault_resp, lo, None  # never reaches the map
            delta = (ppage - (lo >> PAGE_SHIFT)) << PAGE_SHIFT
            lo += delta
            hi += delta
        else:
            delta = burst.delta
            if delta is None:  # the burst straddles a dma-range edge: this beat on its own
                delta = self.system.dma_ranges.delta(lo, hi)
                if delta is None:
                    return DECERR, lo, None  # its bytes straddle the edge: never reaches the map
            if delta:
                lo += delta
                hi += delta
        resp, device = self.map.resolve(lo, hi, write)
        return resp, lo, device

    def _held_count(self) -> int:
        return self._held


class AxiMemoryReadPort(_Port):
    """AR and R: accepts read bursts, waits out the latency, answers them beat by beat.

    ``ar_channel`` and ``r_channel`` are cocotbext-axi channel models (pause
    generators go there); ``latency`` may be changed between requests.
    """

    def __init__(
        self,
        bus: AxiReadBus,
        clock: SimHandleBase,
        system: AxiMemory,
        rng: random.Random,
        *,
        latency: int,
        max_outstanding: int,
        reorder: bool,
        interleave: bool,
    ) -> None:
        super().__init__(clock, system, len(bus.r.rdata) // 8)
        self.latency = latency
        self.ar_channel = _ArSink(bus.ar, clock)
        self.r_channel = AxiRSource(bus.r, clock)
        for ch in self._channels():
            ch.assert_reset(True)  # ResetWatch releases them
        self.ar_channel.set_limit(max_outstanding, self._held_count)
        self.order = ResponseOrder(rng, reorder, interleave)
        self._outbox = _Outbox(self.r_channel)

    def _channels(self) -> tuple[Any, ...]:
        return (self.ar_channel, self.r_channel)

    def _clear(self) -> None:
        self.order.clear()
        self._outbox.clear()

    def _idle(self) -> bool:
        return not self.order and not self._outbox and self.ar_channel.empty()

    async def _wait_request(self) -> None:
        await self.ar_channel.wait()

    def _cycle(self) -> None:
        stats = self.stats
        freed = False
        for last, resp in self._outbox.completed():
            stats.read_beats += 1
            if resp == SLVERR:
                stats.read_slverr += 1
            elif resp == DECERR:
                stats.read_decerr += 1
            if last:
                stats.read_bursts += 1
                self._held -= 1
                freed = True
        if freed:
            self.ar_channel.wake_event.set()  # READY may rise again
        ar_channel = self.ar_channel
        while not ar_channel.empty():
            self._accept(ar_channel.recv_nowait())
        if self._outbox.has_room():
            burst = self.order.pick(self.now)
            if burst is not None:
                self._answer(burst)

    def _accept(self, ar: Any) -> None:
        burst = Burst(
            _to_int(ar.arid),
            _to_int(ar.araddr),
            _to_int(ar.arlen),
            _to_int(ar.arsize),
            _to_int(ar.arburst),
            self.bus_bytes,
            self.now,
        )
        self._held += 1
        delay = self._translate(burst, write=False)
        self.order.add(burst, self.now + delay + max(self.latency - _LATENCY_FLOOR, 0))
        if self.log.isEnabledFor(logging.DEBUG):
            self.log.debug(
                "AR id %d addr %#x beats %d size %d burst %d",
                burst.id,
                burst.addr,
                burst.beats,
                burst.nbytes,
                burst.kind,
            )

    def _answer(self, burst: Burst) -> None:
        beat = burst.sent
        lo, hi = burst.span(beat)
        resp, pa, device = self._check(burst, lo, hi, write=False)
        if device is not None:
            base, dev = device
            count = hi - lo
            value = dev.mmio_read(pa - base, count) & ((1 << 8 * count) - 1)
            data = value << 8 * (lo % self.bus_bytes)
            self.stats.mmio_reads += 1
        elif resp == OKAY:
            word = pa - pa % self.bus_bytes
            snoop = self.system.snoop
            if snoop is not None:
                snoop.snoop_read(pa, pa + hi - lo)
            data = self.mem.read_int(word, self.bus_bytes)
        else:
            data = 0
        burst.sent = beat + 1
        last = burst.sent == burst.beats
        if last:
            self.order.finish(burst)
        r = AxiRTransaction(rid=burst.id, rdata=data, rresp=resp, rlast=int(last))
        self._outbox.push(r, (last, resp))


class AxiMemoryWritePort(_Port):
    """AW, W and B: takes write bursts into the memory and answers each with one B.

    W beats are written as they arrive (after their AW; beats that come first
    wait for it).  ``aw_channel``, ``w_channel`` and ``b_channel`` are
    cocotbext-axi channel models; ``latency`` may be changed between requests.
    """

    def __init__(
        self,
        bus: AxiWriteBus,
        clock: SimHandleBase,
        system: AxiMemory,
        rng: random.Random,
        *,
        latency: int,
        max_outstanding: int,
        reorder: bool,
    ) -> None:
        super().__init__(clock, system, len(bus.w.wdata) // 8)
        self.latency = latency
        self.aw_channel = _AwSink(bus.aw, clock)
        self.w_channel = AxiWSink(bus.w, clock)
        self.b_channel = AxiBSource(bus.b, clock)
        for ch in self._channels():
            ch.assert_reset(True)  # ResetWatch releases them
        self.aw_channel.set_limit(max_outstanding, self._held_count)
        self.order = ResponseOrder(rng, reorder, interleave=False)
        self._outbox = _Outbox(self.b_channel)
        self._has_strb = hasattr(bus.w, "wstrb")
        self._awaiting: deque[Burst] = deque()  # AW taken, W beats still to come, in AW order
        self._w_beats: deque[tuple[int, int, bool, int]] = deque()  # (data, strb, last, cycle)

    def _channels(self) -> tuple[Any, ...]:
        return (self.aw_channel, self.w_channel, self.b_channel)

    def _clear(self) -> None:
        self.order.clear()
        self._outbox.clear()
        self._awaiting.clear()
        self._w_beats.clear()

    def _idle(self) -> bool:
        return (
            not self.order
            and not self._outbox
            and not self._awaiting
            and not self._w_beats
            and self.aw_channel.empty()
            and self.w_channel.empty()
        )

    async def _wait_request(self) -> None:
        await First(self.aw_channel.active_event.wait(), self.w_channel.active_event.wait())

    def _cycle(self) -> None:
        stats = self.stats
        freed = False
        for resp in self._outbox.completed():
            stats.write_bursts += 1
            if resp == SLVERR:
                stats.write_slverr += 1
            elif resp == DECERR:
                stats.write_decerr += 1
            self._held -= 1
            freed = True
        if freed:
            self.aw_channel.wake_event.set()  # READY may rise again
        aw_channel = self.aw_channel
        while not aw_channel.empty():
            self._accept(aw_channel.recv_nowait())
        w_channel = self.w_channel
        full = (1 << self.bus_bytes) - 1
        while not w_channel.empty():
            w = w_channel.recv_nowait()
            strb = _to_int(w.wstrb) if self._has_strb else full
            self._w_beats.append((_to_int(w.wdata), strb, _to_int(w.wlast) == 1, self.now))
        while self._w_beats and self._awaiting:
            self._take(self._awaiting[0], self._w_beats.popleft())
        if self._outbox.has_room():
            burst = self.order.pick(self.now)
            if burst is not None:
                self.order.finish(burst)
                b = AxiBTransaction(bid=burst.id, bresp=burst.resp)
                self._outbox.push(b, burst.resp)

    def _accept(self, aw: Any) -> None:
        burst = Burst(
            _to_int(aw.awid),
            _to_int(aw.awaddr),
            _to_int(aw.awlen),
            _to_int(aw.awsize),
            _to_int(aw.awburst),
            self.bus_bytes,
            self.now,
        )
        self._held += 1
        burst.accepted_at += self._translate(burst, write=True)  # B waits for the IOMMU too
        self._awaiting.append(burst)
        if self.log.isEnabledFor(logging.DEBUG):
            self.log.debug(
                "AW id %d addr %#x beats %d size %d burst %d",
                burst.id,
                burst.addr,
                burst.beats,
                burst.nbytes,
                burst.kind,
            )

    def _take(self, burst: Burst, w: tuple[int, int, bool, int]) -> None:
        data, strb, wlast, cycle = w
        beat = burst.sent
        lo, hi = burst.span(beat)
        resp, pa, device = self._check(burst, lo, hi, write=True)
        if device is not None:
            self._to_device(pa, pa + hi - lo, data, strb, *device)
        elif resp == OKAY:
            self._store(pa, pa + hi - lo, data, strb)
        elif resp > burst.resp:
            burst.resp = resp
        self.stats.write_beats += 1
        burst.sent = beat + 1
        last = burst.sent == burst.beats
        if wlast != last:
            self.log.warning(
                "WLAST=%d on beat %d of AWID=%d AWADDR=%#x (%d beats): AWLEN decides",
                wlast,
                beat,
                burst.id,
                burst.addr,
                burst.beats,
            )
        if last:
            self._awaiting.popleft()
            start = max(burst.accepted_at, cycle)
            self.order.add(burst, start + max(self.latency - _LATENCY_FLOOR, 0))

    def _to_device(
        self, lo: int, hi: int, data: int, strb: int, base: int, device: MmioDevice
    ) -> None:
        """One mmio_write per run of contiguous strobed bytes of the beat over [lo, hi)."""
        nbytes = self.bus_bytes
        word = lo - lo % nbytes
        raw = data.to_bytes(nbytes, "little")
        lane, end = lo % nbytes, lo % nbytes + (hi - lo)
        while lane < end:
            if not strb >> lane & 1:
                lane += 1
                continue
            first = lane
            while lane < end and strb >> lane & 1:
                lane += 1
            value = int.from_bytes(raw[first:lane], "little")
            device.mmio_write(word + first - base, value, lane - first)
            self.stats.mmio_writes += 1

    def _store(self, lo: int, hi: int, data: int, strb: int) -> None:
        """Write the strobed bytes of one beat over the physical bytes [lo, hi)."""
        nbytes = self.bus_bytes
        offset = lo % nbytes
        snoop = self.system.snoop
        if snoop is not None:
            snoop.snoop_write(lo, hi)
        raw = data.to_bytes(nbytes, "little")
        self.mem.write_lanes(lo - offset, raw, strb, offset, offset + hi - lo)


# -- the model ------------------------------------------------------------------------------


class Iommu(Protocol):
    """The translation stage between the master and the map (see :mod:`tb.models.iommu`)."""

    def translate(self, stream_id: int, iova: int, write: bool) -> tuple[int | None, int]: ...


class Snooper(Protocol):
    """A coherent cache the interconnect snoops (see :mod:`tb.models.cache`)."""

    def snoop_read(self, lo: int, hi: int) -> None: ...

    def snoop_write(self, lo: int, hi: int) -> None: ...


class AxiMemory:
    """The interconnect's AXI4 slave port for one master, in front of a memory map.

    Args:
        bus: the port, e.g. ``AxiBus.from_prefix(dut, "m_axi")``.
        clock, reset: clock and synchronous active-high reset (None: no reset).
        size: without ``memory_map``, the port gets a map of its own with RAM at
            [0, size); beyond answers DECERR.  Ignored with a ``memory_map``.
        memory_map: the system's :class:`~tb.models.memory_map.MemoryMap`, shared
            with the CPU and the other ports.
        iommu: translation stage (:class:`tb.models.iommu.Iommu`); None: the bus
            address is the physical address (after ``dma_ranges``).
        dma_ranges: Linux ``dma-ranges``, ``(bus_start, cpu_start, size)`` each: bus
            addresses in a range reach the physical address ``cpu_start + (addr -
            bus_start)``, others are identity.  Only for bursts that do not go through
            the IOMMU (its output is physical; with ``iommu`` they are not used).
            Ranges must not overlap on the bus (ValueError).  None: identity.
        stream_id: the master's stream ID the IOMMU sees, or a function of the AXI ID.
        fault_resp: response of a beat whose page the IOMMU refused ('SLVERR' or 'DECERR').
        snoop: a coherent cache to snoop on every RAM beat (coherent interconnect);
            None: the master does not see the CPU's cache.
        read_latency: cycles from the AR handshake to the first R handshake (floor 2).
        write_latency: cycles from the later of AW and last W to the B handshake (floor 2).
        max_outstanding: accepted, unanswered bursts per direction before READY drops.
        reorder: answer bursts of different IDs out of request order (R and B).
        interleave: interleave R beats of bursts with different IDs.
        seed: seed of every random choice (order and back-pressure); None: random.

    Attributes: ``read_if`` (:class:`AxiMemoryReadPort`) and ``write_if``
    (:class:`AxiMemoryWritePort`) with the channel models, as in cocotbext-axi's
    ``AxiRam``; ``stats`` (:class:`AxiMemoryStats`); ``map``, the memory map;
    ``dma_ranges`` (:class:`DmaRanges`, empty without ranges).
    """

    def __init__(
        self,
        bus: AxiBus,
        clock: SimHandleBase,
        reset: SimHandleBase | None,
        size: int | None = None,
        *,
        memory_map: MemoryMap | None = None,
        iommu: Iommu | None = None,
        stream_id: int | Callable[[int], int] = 0,
        fault_resp: str = "SLVERR",
        dma_ranges: list[tuple[int, int, int]] | None = None,
        snoop: Snooper | None = None,
        read_latency: int = 0,
        write_latency: int = 0,
        max_outstanding: int = 16,
        reorder: bool = False,
        interleave: bool = False,
        seed: int | None = None,
    ) -> None:
        if max_outstanding < 1:
            raise ValueError(f"max_outstanding must be at least 1, not {max_outstanding}")
        ar = bus.read.ar
        name = f"cocotb.{ar._entity._name}.{ar._name}" if ar._name else f"cocotb.{ar._entity._name}"
        self.log = logging.getLogger(name)
        if memory_map is None:
            if size is None or size <= 0:
                raise ValueError(f"memory size must be positive, not {size}")
            memory_map = MemoryMap(max(len(ar.araddr), 12))
            memory_map.add_ram(0, size)
        self.map = memory_map
        self.size = size if size is not None else memory_map.span
        self.iommu = iommu
        self.stream_of: Callable[[int], int] = (
            stream_id if callable(stream_id) else (lambda _axi_id, sid=stream_id: sid)
        )
        if fault_resp.upper() not in ("SLVERR", "DECERR"):
            raise ValueError(f"fault_resp must be 'SLVERR' or 'DECERR', not {fault_resp!r}")
        self.fault_resp = SLVERR if fault_resp.upper() == "SLVERR" else DECERR
        self.dma_ranges = DmaRanges(dma_ranges or [])
        self.snoop = snoop
        self.rng = random.Random(seed)
        self.stats = AxiMemoryStats()
        self.read_if = AxiMemoryReadPort(
            bus.read,
            clock,
            self,
            random.Random(self.rng.getrandbits(64)),
            latency=read_latency,
            max_outstanding=max_outstanding,
            reorder=reorder,
            interleave=interleave,
        )
        self.write_if = AxiMemoryWritePort(
            bus.write,
            clock,
            self,
            random.Random(self.rng.getrandbits(64)),
            latency=write_latency,
            max_outstanding=max_outstanding,
            reorder=reorder,
        )
        self.log.info(
            "AxiMemory: %d-bit data, read latency %d, write latency %d, %d outstanding,"
            " reorder %s, interleave %s, IOMMU %s, dma-ranges %s, snooping %s, seed %s;"
            " map:\n%s",
            8 * self.read_if.bus_bytes,
            read_latency,
            write_latency,
            max_outstanding,
            reorder,
            interleave,
            iommu is not None,
            ", ".join(f"bus {b:#x} -> cpu {c:#x} size {n:#x}" for b, c, n in self.dma_ranges.ranges)
            or "none",
            snoop is not None,
            seed,
            memory_map.describe(),
        )
        self._reset = ResetWatch(reset, self._on_reset)

    def bus_to_phys(self, address: int) -> int:
        """The physical address a bus address reaches without the IOMMU (``dma_ranges``)."""
        return self.dma_ranges.to_cpu(address)

    def read(self, address: int, length: int) -> bytes:
        """Backdoor read of RAM (ValueError outside a RAM block); never reaches devices."""
        return self.map.read(address, length)

    def write(self, address: int, data: bytes | bytearray) -> None:
        """Backdoor write of RAM (ValueError outside a RAM block); never reaches devices."""
        self.map.write(address, data)

    def _on_reset(self, asserted: bool) -> None:
        self.read_if.reset(asserted)
        self.write_if.reset(asserted)

    @property
    def read_latency(self) -> int:
        return self.read_if.latency

    @read_latency.setter
    def read_latency(self, cycles: int) -> None:
        self.read_if.latency = cycles

    @property
    def write_latency(self) -> int:
        return self.write_if.latency

    @write_latency.setter
    def write_latency(self, cycles: int) -> None:
        self.write_if.latency = cycles

    def channels(self) -> list[Any]:
        """The five cocotbext-axi channel models: AW, W, B, AR, R."""
        w, r = self.write_if, self.read_if
        return [w.aw_channel, w.w_channel, w.b_channel, r.ar_channel, r.r_channel]

    def reseed(self, seed: int) -> None:
        """Start every random choice over from ``seed`` (response order, and the stalls of
        the next :meth:`set_backpressure`), as if the model had been made with it: a
        scenario drawn from one seed then runs the same alone as in a longer run."""
        self.rng.seed(seed)
        self.read_if.order.rng.seed(self.rng.getrandbits(64))
        self.write_if.order.rng.seed(self.rng.getrandbits(64))

    def set_backpressure(self, probability: float) -> None:
        """Random stalls on all five channels (READY low on AW/W/AR, VALID held off on
        B/R) with ``probability`` per cycle each, seeded from ``seed``; 0 stops them.

        May be called mid-run.  cocotbext-axi's ``clear_pause_generator`` only
        stops the generator's task and leaves ``pause`` at the last value drawn,
        so a channel stalled on that cycle would stay stalled for good (READY
        low or VALID held off forever); with 0 the pause is released here."""
        for ch in self.channels():
            if probability > 0:
                rng = random.Random(self.rng.getrandbits(64))
                ch.set_pause_generator(pause_pattern(rng, probability))
            else:
                ch.clear_pause_generator()
                ch.pause = False  # the setter wakes a sink so READY rises again

    def add_error_region(
        self, base: int, size: int, resp: str = "SLVERR", access: str = "rw"
    ) -> None:
        """Make [base, base + size) answer ``resp`` ('SLVERR' or 'DECERR') to reads ('r'),
        writes ('w') or both ('rw'); see the module docstring for what a burst gets."""
        self.map.add_error(base, size, resp, access)

    def clear_error_regions(self) -> None:
        self.map.clear_errors()

    def add_mmio(self, base: int, size: int, device: MmioDevice) -> None:
        """Send every beat over [base, base + size) to ``device`` instead of the memory:
        ``device.mmio_read(offset, nbytes)`` and ``device.mmio_write(offset, value, nbytes)``
        with ``offset`` from ``base`` (see the module docstring).  Regions must not
        overlap; they may lie beyond ``size``."""
        self.map.add_mmio(base, size, device)

    def clear_mmio(self) -> None:
        """Remove every MMIO region: those addresses are plain memory (or DECERR) again."""
        self.map.clear_mmio()

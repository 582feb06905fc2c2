"""AXI4 and AXI4-Lite protocol checkers that every bench attaches to the DUT.

:class:`AxiChecker` watches a full AXI4 port on which the DUT is the master
(``m_axi_*``); :class:`AxiLiteChecker` watches an AXI4-Lite port on which the
DUT is the slave (``s_axil_*``).  Both check both sides of the bus, report every
violation under its rule name from ARM's AXI4 protocol-checker index (prefix
``AXI4_`` left out), keep traffic counters and publish each completed
transaction to subscribed callbacks (scoreboards).

Sampling: once per rising edge of ``clk``, in the ReadOnly phase that follows it.
Those settled values are what the next rising edge samples, so a handshake seen
in one snapshot completes at the following edge.  This gives the same answer on
Icarus and Verilator (whose RisingEdge callbacks see pre- and post-edge values
respectively), but it assumes every bus signal changes only in the time step of
a rising edge: synchronous RTL and cocotb drivers that write after
``RisingEdge`` do; a driver writing at the falling edge would be missed.

Reset (``rst``, synchronous, active high): while it is high (or X/Z) nothing is
checked and all tracking state is dropped; the first snapshot after it falls
must show every VALID low (``*VALID_RESET``).

Built on cocotb-bus 0.3.0, which works with cocotb 2.1: :class:`cocotb_bus.bus.Bus`
finds the signals by prefix (optional ones only if present) and
:class:`cocotb_bus.monitors.BusMonitor` runs the sampling coroutine as a task of
the running test and provides ``add_callback``/``wait_for_recv``/``kill``.
Three of its behaviours are overridden: ``_recv`` no longer queues transactions
nobody subscribed to (a long bench would keep every burst's data in memory),
``add_callback`` accepts any callable (the base logs ``__qualname__``, which a
``functools.partial`` does not have) and ``kill`` cancels the task instead of
calling the deprecated ``Task.kill()``.

Use: build the checkers at the start of a test (before reset is released), run
the test, then call ``checker.assert_clean()``.  ``checker.violations`` lists
``Violation(time, rule, message)``; ``checker.rules`` is the set of rule names.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import cocotb
from cocotb.handle import SimHandleBase
from cocotb.simtime import get_sim_time
from cocotb.triggers import ReadOnly, RisingEdge
from cocotb_bus.monitors import BusMonitor

BURST_FIXED = 0
BURST_INCR = 1
BURST_WRAP = 2
RESP_OKAY = 0
RESP_EXOKAY = 1
RESP_SLVERR = 2
RESP_DECERR = 3

# Unknown states read as 0 when a value is only captured for a transaction record.
_UNKNOWN_AS_ZERO = str.maketrans("UXZWLH-", "0000010")


class Violation(NamedTuple):
    """One protocol violation: sim time in ns, rule name, what was seen."""

    time: float
    rule: str
    message: str


class AxiProtocolError(AssertionError):
    """Raised by a checker built with ``fail_fast=True`` at the first violation."""


@dataclass(slots=True, eq=False)
class AxiBurst:
    """One AXI4 burst as seen on the bus; published once its response completed.

    ``data``/``strb``/``resp`` hold one int per beat (``resp`` has a single
    element, BRESP, for a write); ``data`` and ``strb`` are only filled once a
    callback is registered (a bench that only checks pays nothing for them).
    """

    is_write: bool
    id: int
    addr: int
    len: int
    size: int
    burst: int
    lock: int
    cache: int
    prot: int
    qos: int
    region: int
    start_ns: float
    end_ns: float = 0.0
    beats: int = 0
    data: list[int] = field(default_factory=list)
    strb: list[int] = field(default_factory=list)
    resp: list[int] = field(default_factory=list)
    beat_error: bool = False  # a beat-count violation was already reported for it

    @property
    def num_beats(self) -> int:
        return self.len + 1


@dataclass(slots=True, eq=False)
class AxiLiteAccess:
    """One AXI4-Lite read or write as seen on the bus, published at its response."""

    is_write: bool
    addr: int
    prot: int
    start_ns: float
    data: int = 0
    strb: int = 0
    resp: int = 0
    end_ns: float = 0.0


Transaction = AxiBurst | AxiLiteAccess
_NOT_VALID = (False, False, None, None)
Callback = Callable[[Any], object]
_Payload = tuple[str, ...]
_OUTSTANDING_COUNTERS = (
    "reads_outstanding",
    "writes_outstanding",
    "max_reads_outstanding",
    "max_writes_outstanding",
)


def beat_lanes(addr: int, size: int, length: int, burst: int, beat: int, data_bytes: int) -> int:
    """Byte lanes (bit i = lane i) that beat ``beat`` of a burst may use (AXI spec A3.4.3)."""
    nbytes = 1 << size
    if nbytes >= data_bytes:
        lower = addr & (data_bytes - 1) if beat == 0 or burst == BURST_FIXED else 0
        return ((1 << data_bytes) - 1) & ~((1 << lower) - 1)
    aligned = addr & ~(nbytes - 1)
    if beat == 0 or burst == BURST_FIXED:
        start = addr
    elif burst == BURST_WRAP:
        total = nbytes * (length + 1)
        base = (addr // total) * total
        start = base + (aligned - base + beat * nbytes) % total
    else:
        start = aligned + beat * nbytes
    lower = start & (data_bytes - 1)
    upper = (start & ~(nbytes - 1) & (data_bytes - 1)) + nbytes - 1
    return ((1 << (upper + 1)) - 1) & ~((1 << lower) - 1)


def _hex(s: str) -> str:
    """A sampled bit string as hex, or as bits when it holds X/Z."""
    return f"0x{int(s, 2):x}" if not s.strip("01") else s


def _resolve(s: str) -> int:
    return int(s.translate(_UNKNOWN_AS_ZERO), 2)


def _lanes(s: str, mask: int, nbytes: int) -> list[str]:
    """The 8-bit slices of bit string ``s`` for the lanes set in ``mask``."""
    top = 8 * nbytes
    return [s[top - 8 * (i + 1) : top - 8 * i] for i in range(nbytes) if mask >> i & 1]


class _Channel:
    """One VALID/READY channel: its handles, rule names and last-cycle state."""

    __slots__ = (
        "data_index",
        "fields",
        "name",
        "payload",
        "prev",
        "ready",
        "ready_x",
        "ready_x_rule",
        "reset_rule",
        "stable_rules",
        "valid",
        "valid_stable_rule",
        "valid_x",
        "valid_x_rule",
        "wait",
        "wait_rule",
        "x_rules",
    )

    def __init__(
        self, bus: Any, name: str, master: bool, fields: Sequence[str], data_index: int = -1
    ) -> None:
        up = name.upper()
        side, other = ("ERRM", "ERRS") if master else ("ERRS", "ERRM")
        self.name = up
        self.valid: SimHandleBase = getattr(bus, f"{name}valid")
        self.ready: SimHandleBase = getattr(bus, f"{name}ready")
        present = [f for f in fields if hasattr(bus, f"{name}{f}")]
        self.fields = [f.upper() for f in present]
        self.payload: list[SimHandleBase] = [getattr(bus, f"{name}{f}") for f in present]
        self.data_index = data_index
        self.stable_rules = [f"{side}_{up}{f}_STABLE" for f in self.fields]
        self.x_rules = [f"{side}_{up}{f}_X" for f in self.fields]
        self.valid_stable_rule = f"{side}_{up}VALID_STABLE"
        self.valid_x_rule = f"{side}_{up}VALID_X"
        self.ready_x_rule = f"{other}_{up}READY_X"
        self.reset_rule = f"{side}_{up}VALID_RESET"
        self.wait_rule = f"{'RECS' if master else 'RECM'}_{up}READY_MAX_WAIT"
        self.prev: tuple[str, ...] | None = None  # payload while VALID && !READY last cycle
        self.wait = 0
        self.valid_x = False
        self.ready_x = False

    def clear(self) -> None:
        self.prev = None
        self.wait = 0
        self.valid_x = False
        self.ready_x = False


class _CheckerBase(BusMonitor):
    """Sampling loop, VALID/READY/stability/X rules, bookkeeping, reporting and publishing.

    A subclass declares its bus (``_signals``/``_optional_signals``), each
    channel's payload fields (``_channel_fields``: name -> (fields, index of the
    lane-masked data field or -1); missing optional fields are skipped) and its
    counters (``_counter_names``), and implements the handlers ``_aw_valid`` ...
    ``_r_valid``, called as ``handler(channel, ready, payload, previous payload)``
    on every cycle the channel's VALID is high (see :meth:`_sample`).
    """

    _signals: list[str] = []
    _optional_signals: list[str] = []
    _channel_fields: dict[str, tuple[Sequence[str], int]] = {}
    _counter_names: Sequence[str] = ()
    _aw_valid: Callable[[_Channel, bool, _Payload, _Payload | None], None]
    _w_valid: Callable[[_Channel, bool, _Payload, _Payload | None], None]
    _b_valid: Callable[[_Channel, bool, _Payload, _Payload | None], None]
    _ar_valid: Callable[[_Channel, bool, _Payload, _Payload | None], None]
    _r_valid: Callable[[_Channel, bool, _Payload, _Payload | None], None]

    def __init__(
        self,
        dut: SimHandleBase,
        prefix: str,
        clk: SimHandleBase | None,
        rst: SimHandleBase | None,
        fail_fast: bool,
        max_wait: int | None,
        check_x: bool | None,
    ) -> None:
        self.violations: list[Violation] = []
        self.fail_fast = fail_fast
        if check_x is None:
            # A two-state simulator cannot produce X/Z: skip reading READY while VALID is low.
            check_x = "verilator" not in cocotb.SIM_NAME.lower()
        self.check_x = check_x
        self.max_wait = max_wait
        self._wait_limit = -1 if max_wait is None else max_wait + 1
        self.cycles = 0
        self._read_cbs: list[Callback] = []
        self._write_cbs: list[Callback] = []
        self._capture = False
        self._rst: SimHandleBase = dut.rst if rst is None else rst
        # The sampling task starts at the caller's next await, after __init__ finished.
        super().__init__(
            dut,
            prefix,
            dut.clk if clk is None else clk,
            reset=self._rst,
            case_insensitive=False,
        )
        bus = self.bus
        spec = self._channel_fields
        self._aw = _Channel(bus, "aw", True, *spec["aw"])
        self._w = _Channel(bus, "w", True, *spec["w"])
        self._b = _Channel(bus, "b", False, *spec["b"])
        self._ar = _Channel(bus, "ar", True, *spec["ar"])
        self._r = _Channel(bus, "r", False, *spec["r"])
        self._channels = [self._aw, self._w, self._b, self._ar, self._r]
        # Responses first: a response in the same cycle as the handshake it answers
        # must not find that handshake already counted.
        self._order = [
            (self._b, self._b_valid),
            (self._r, self._r_valid),
            (self._aw, self._aw_valid),
            (self._w, self._w_valid),
            (self._ar, self._ar_valid),
        ]
        self.data_bytes = len(bus.wdata) // 8
        self._full = (1 << self.data_bytes) - 1
        self.aw_count = self.b_count = self.ar_count = 0
        self.reads_outstanding = self.writes_outstanding = 0
        self.max_reads_outstanding = self.max_writes_outstanding = 0
        self._clear_state()

    @property
    def counters(self) -> dict[str, int]:
        """The counters (see the class docstring) by name."""
        return {n: getattr(self, n) for n in self._counter_names}

    # -- reporting ---------------------------------------------------------------------------

    def _violation(self, rule: str, message: str) -> None:
        now = get_sim_time("ns")
        self.violations.append(Violation(now, rule, message))
        self.log.error("%s at %.1f ns: %s", rule, now, message)
        if self.fail_fast:
            raise AxiProtocolError(f"{self.name}: {rule} at {now:.1f} ns: {message}")

    @property
    def rules(self) -> set[str]:
        """Names of the rules violated so far."""
        return {v.rule for v in self.violations}

    def _idle_problems(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def assert_clean(self, idle: bool = True) -> None:
        """Raise AssertionError listing every violation so far.

        With ``idle`` it also fails while transactions are outstanding
        (``ERRS_RLAST_ALL_DONE_EOS``/``ERRS_BRESP_ALL_DONE_EOS``); those are
        recorded in :attr:`violations` too.
        """
        if idle:
            now = get_sim_time("ns")
            for rule, message in self._idle_problems():
                self.violations.append(Violation(now, rule, message))
                self.log.error("%s at %.1f ns: %s", rule, now, message)
        if self.violations:
            lines = [f"  {v.time:.1f} ns {v.rule}: {v.message}" for v in self.violations]
            raise AssertionError(
                f"{self.name}: {len(self.violations)} protocol violation(s):\n" + "\n".join(lines)
            )

    # -- publishing --------------------------------------------------------------------------

    def add_callback(self, callback: Callback) -> None:
        """Call ``callback(txn)`` with every completed read and write."""
        self._read_cbs.append(callback)
        self._write_cbs.append(callback)
        self._capture = True

    def add_read_callback(self, callback: Callback) -> None:
        """Call ``callback(txn)`` with every completed read."""
        self._read_cbs.append(callback)
        self._capture = True

    def add_write_callback(self, callback: Callback) -> None:
        """Call ``callback(txn)`` with every completed write."""
        self._write_cbs.append(callback)
        self._capture = True

    def _recv(self, transaction: Transaction) -> None:
        # Replaces Monitor._recv: no queue of unclaimed transactions (see module docstring).
        self.stats.received_transactions += 1
        for callback in self._write_cbs if transaction.is_write else self._read_cbs:
            callback(transaction)
        self._wait_event_data = transaction
        self._wait_event.set()
        self._wait_event.clear()

    def kill(self) -> None:
        """Stop checking now (otherwise the sampling task ends with the test)."""
        # BusMonitor.kill() calls Task.kill(), deprecated since cocotb 2.0: cancel instead.
        if self._thread is not None:
            self._thread.cancel()
            self._thread = None

    # -- sampling ----------------------------------------------------------------------------

    async def _monitor_recv(self) -> None:
        edge = RisingEdge(self.clock)
        settle = ReadOnly()
        rst = self._rst
        in_reset = False
        while True:
            await edge
            await settle
            if str(rst.value) != "0":
                if not in_reset:
                    in_reset = True
                    for ch in self._channels:
                        ch.clear()
                    self.reads_outstanding = self.writes_outstanding = 0
                    self._clear_state()
                continue
            if in_reset:
                in_reset = False
                for ch in self._channels:
                    if str(ch.valid.value) != "0":
                        self._violation(
                            ch.reset_rule,
                            f"{ch.name}VALID={ch.valid.value} on the first cycle after reset",
                        )
            self.cycles += 1
            self._cycle()

    def _clear_state(self) -> None:
        """Drop the subclass's transaction tracking (at construction and reset)."""
        raise NotImplementedError

    def _cycle(self) -> None:
        sample = self._sample
        for ch, handle in self._order:
            valid, ready, cur, prev = sample(ch)
            if valid:
                handle(ch, ready, cur, prev)

    # -- bookkeeping -------------------------------------------------------------------------

    def _issued(self, is_write: bool) -> None:
        """Count an AW (``is_write``) or AR handshake."""
        if is_write:
            self.aw_count += 1
            self.writes_outstanding += 1
            if self.writes_outstanding > self.max_writes_outstanding:
                self.max_writes_outstanding = self.writes_outstanding
        else:
            self.ar_count += 1
            self.reads_outstanding += 1
            if self.reads_outstanding > self.max_reads_outstanding:
                self.max_reads_outstanding = self.reads_outstanding

    def _finish(self, txn: Transaction) -> None:
        """``txn``'s response completed: no longer outstanding, publish it."""
        if txn.is_write:
            self.writes_outstanding -= 1
        else:
            self.reads_outstanding -= 1
        txn.end_ns = get_sim_time("ns")
        self._recv(txn)

    def _check_w(self, ch: _Channel, cur: _Payload, prev: _Payload | None) -> None:
        """Payload rules for a new or changed W payload (WDATA, WSTRB, ...).

        WDATA counts only on the lanes WSTRB enables, now or (while stalled) last cycle.
        """
        strb = cur[1]
        lanes = int(strb, 2) if not strb.strip("01") else self._full
        if prev is not None and not prev[1].strip("01"):
            lanes |= int(prev[1], 2)
        self._check_payload(ch, cur, prev, lanes, self.data_bytes)

    def _sample(
        self, ch: _Channel
    ) -> tuple[bool, bool, tuple[str, ...] | None, tuple[str, ...] | None]:
        """Handshake rules for one channel this cycle.

        Returns (valid, ready, payload, previous payload); the payload is read
        only while VALID, the previous one is not None if this cycle continues
        a stalled transfer.  Payload stability and X are left to the caller,
        which knows the byte lanes (:meth:`_check_payload`).
        """
        v = str(ch.valid.value)
        if v != "1":
            if ch.prev is not None:
                ch.prev = None
                ch.wait = 0
                self._violation(
                    ch.valid_stable_rule, f"{ch.name}VALID fell to {v} before {ch.name}READY"
                )
            if self.check_x:
                if v != "0":
                    if not ch.valid_x:
                        ch.valid_x = True
                        self._violation(ch.valid_x_rule, f"{ch.name}VALID={v}")
                else:
                    ch.valid_x = False
                self._ready_x(ch, str(ch.ready.value))
            return _NOT_VALID
        ch.valid_x = False
        r = str(ch.ready.value)
        ready = r == "1"
        if self.check_x:
            self._ready_x(ch, r)
        prev = ch.prev
        cur = tuple([str(h.value) for h in ch.payload])
        if ready:
            ch.prev = None
            ch.wait = 0
        else:
            ch.prev = cur
            ch.wait += 1
            if ch.wait == self._wait_limit:
                self._violation(
                    ch.wait_rule,
                    f"{ch.name}VALID high for {ch.wait} cycles without {ch.name}READY",
                )
        return True, ready, cur, prev

    def _ready_x(self, ch: _Channel, r: str) -> None:
        if r == "0" or r == "1":
            ch.ready_x = False
        elif not ch.ready_x:
            ch.ready_x = True
            self._violation(ch.ready_x_rule, f"{ch.name}READY={r}")

    def _check_payload(
        self,
        ch: _Channel,
        cur: tuple[str, ...],
        prev: tuple[str, ...] | None,
        lanes: int,
        nbytes: int,
    ) -> bool:
        """Stability against last cycle and X/Z rules for a new or changed payload.

        The data field (if any) is compared and X-checked only on the byte
        lanes in ``lanes``.  Returns True if the payload is free of X/Z.
        """
        di = ch.data_index
        if prev is not None:
            for i, (a, b) in enumerate(zip(prev, cur, strict=True)):
                if a == b:
                    continue
                if i == di and _lanes(a, lanes, nbytes) == _lanes(b, lanes, nbytes):
                    continue
                self._violation(
                    ch.stable_rules[i],
                    f"{ch.name}{ch.fields[i]} changed from {_hex(a)} to {_hex(b)}"
                    f" while {ch.name}VALID && !{ch.name}READY",
                )
        clean = True
        for i, s in enumerate(cur):
            if not s.strip("01"):
                continue
            if i == di and not "".join(_lanes(s, lanes, nbytes)).strip("01"):
                continue
            clean = False
            if self.check_x:
                self._violation(ch.x_rules[i], f"{ch.name}{ch.fields[i]}={s} while {ch.name}VALID")
        return clean


# Channel payloads in a fixed order: the protocol code indexes them by position.
_AX_FIELDS = ("id", "addr", "len", "size", "burst", "lock", "cache", "prot")
_AX_OPTIONAL = ("qos", "region", "user")
_ID, _ADDR, _LEN, _SIZE, _BURST, _LOCK, _CACHE, _PROT = range(8)
_W_FIELDS = ("data", "strb", "last")
_B_FIELDS = ("id", "resp")
_R_FIELDS = ("id", "data", "resp", "last")


class AxiChecker(_CheckerBase):
    """Protocol checker for a full AXI4 port on which the DUT is the master.

    Args:
        dut: the toplevel (or any hierarchy holding the port's signals).
        prefix: signal prefix; signals are ``<prefix>_awaddr`` and so on.
        clk, rst: clock and synchronous active-high reset (default ``dut.clk``/``dut.rst``).
        fail_fast: raise :class:`AxiProtocolError` from the sampling task at the
            first violation, which ends the running test as failed.
        max_wait: if set, a VALID waiting more than this many cycles for READY is
            reported (``RECS_{AW,W,AR}READY_MAX_WAIT``, ``RECM_{B,R}READY_MAX_WAIT``).
        check_x: apply the X/Z rules (``*_X``); by default on, except on Verilator,
            which is two-state (then READY is not even read while VALID is low).

    Counters (attributes): ``cycles``, ``aw_count``, ``w_beats``, ``w_bursts``,
    ``b_count``, ``ar_count``, ``r_beats``, ``r_bursts``, ``reads_outstanding``,
    ``writes_outstanding``, ``max_reads_outstanding``, ``max_writes_outstanding``;
    :attr:`counters` returns them as a dict.  Completed bursts go to callbacks as
    :class:`AxiBurst` (writes at their B handshake, reads at RLAST).
    """

    _signals = [
        f"{ch}{f}"
        for ch, fields in (
            ("aw", _AX_FIELDS),
            ("w", _W_FIELDS),
            ("b", _B_FIELDS),
            ("ar", _AX_FIELDS),
            ("r", _R_FIELDS),
        )
        for f in (*fields, "valid", "ready")
    ]
    _optional_signals = [
        *(f"aw{f}" for f in _AX_OPTIONAL),
        *(f"ar{f}" for f in _AX_OPTIONAL),
        "wuser",
        "buser",
        "ruser",
    ]
    _channel_fields = {
        "aw": ((*_AX_FIELDS, *_AX_OPTIONAL), -1),
        "w": ((*_W_FIELDS, "user"), 0),
        "b": ((*_B_FIELDS, "user"), -1),
        "ar": ((*_AX_FIELDS, *_AX_OPTIONAL), -1),
        "r": ((*_R_FIELDS, "user"), 1),
    }
    _counter_names = (
        *("cycles", "aw_count", "w_beats", "w_bursts", "b_count"),
        *("ar_count", "r_beats", "r_bursts", *_OUTSTANDING_COUNTERS),
    )

    def __init__(
        self,
        dut: SimHandleBase,
        prefix: str = "m_axi",
        clk: SimHandleBase | None = None,
        rst: SimHandleBase | None = None,
        *,
        fail_fast: bool = False,
        max_wait: int | None = None,
        check_x: bool | None = None,
    ) -> None:
        super().__init__(dut, prefix, clk, rst, fail_fast, max_wait, check_x)
        bus = self.bus
        self._max_size = self.data_bytes.bit_length() - 1
        if len(bus.wstrb) != self.data_bytes or len(bus.rdata) != 8 * self.data_bytes:
            raise ValueError(f"{prefix}: WSTRB/RDATA widths do not match WDATA")
        self.w_beats = self.w_bursts = self.r_beats = self.r_bursts = 0

    # -- state ---------------------------------------------------------------------------------

    def _clear_state(self) -> None:
        self._aw_q: deque[AxiBurst] = deque()  # AW done, W burst not complete, in AW order
        self._w_early: deque[tuple[list[int], list[int]]] = deque()  # W bursts ahead of their AW
        self._w_aw: AxiBurst | None = None  # AW of the W burst in progress, if known
        self._w_strbs: list[int] = []  # strobes of the W burst in progress while its AW is unknown
        self._w_data: list[int] = []
        self._w_count = 0  # beats of the W burst in progress
        self._b_wait: dict[int, deque[AxiBurst]] = {}  # AW and W done, waiting for B, by ID
        self._ar_out: dict[int, deque[AxiBurst]] = {}  # AR done, waiting for RLAST, by ID

    def _idle_problems(self) -> list[tuple[str, str]]:
        problems = []
        reads = [(a.id, a.addr) for q in self._ar_out.values() for a in q]
        if reads:
            problems.append(
                (
                    "ERRS_RLAST_ALL_DONE_EOS",
                    f"{len(reads)} read burst(s) outstanding (id, addr): "
                    + ", ".join(f"({i}, 0x{a:x})" for i, a in reads),
                )
            )
        writes = [(a.id, a.addr) for a in self._aw_q]
        writes += [(a.id, a.addr) for q in self._b_wait.values() for a in q]
        if writes:
            problems.append(
                (
                    "ERRS_BRESP_ALL_DONE_EOS",
                    f"{len(writes)} write burst(s) without B (id, addr): "
                    + ", ".join(f"({i}, 0x{a:x})" for i, a in writes),
                )
            )
        if self._w_early or (self._w_count and self._w_aw is None):
            problems.append(("ERRS_BRESP_ALL_DONE_EOS", "write data on W without any AW for it"))
        return problems

    # -- per cycle -----------------------------------------------------------------------------

    def _address(self, ch: _Channel, cur: tuple[str, ...], prev: tuple[str, ...] | None) -> None:
        """Rules on a new or changed AW/AR payload."""
        if not self._check_payload(ch, cur, prev, self._full, self.data_bytes):
            return
        n = ch.name
        addr = int(cur[_ADDR], 2)
        length = int(cur[_LEN], 2)
        size = int(cur[_SIZE], 2)
        burst = int(cur[_BURST], 2)
        lock = int(cur[_LOCK], 2)
        cache = int(cur[_CACHE], 2)
        what = f"{n}ADDR=0x{addr:x} {n}LEN={length} {n}SIZE={size} {n}BURST={burst}"
        nbytes = 1 << size
        if size > self._max_size:
            self._violation(
                f"ERRM_{n}SIZE", f"{what}: {nbytes} bytes per beat on a {self.data_bytes}-byte bus"
            )
        if burst == 3:
            self._violation(f"ERRM_{n}BURST", f"{what}: burst type 2'b11 is reserved")
        elif burst == BURST_INCR:
            last = (addr & ~(nbytes - 1)) + nbytes * (length + 1) - 1
            if addr >> 12 != last >> 12:
                self._violation(
                    f"ERRM_{n}ADDR_BOUNDARY", f"{what}: INCR burst ends at 0x{last:x}, past 4 KiB"
                )
        elif burst == BURST_FIXED:
            if length > 15:
                self._violation(f"ERRM_{n}LEN_FIXED", f"{what}: FIXED burst longer than 16 beats")
        else:
            if length not in (1, 3, 7, 15):
                self._violation(f"ERRM_{n}LEN_WRAP", f"{what}: WRAP burst of {length + 1} beats")
            if addr & (nbytes - 1):
                self._violation(
                    f"ERRM_{n}ADDR_WRAP_ALIGN", f"{what}: WRAP start not aligned to the size"
                )
        if not cache & 2 and cache & 12:
            self._violation(
                f"ERRM_{n}CACHE", f"{n}CACHE=0b{cache:04b}: bits 3:2 set while bit 1 is clear"
            )
        if lock:
            total = nbytes * (length + 1)
            if length > 15:
                self._violation(f"ERRM_{n}LEN_LOCK", f"{what}: exclusive burst over 16 beats")
            if total & (total - 1):
                self._violation("ERRM_EXCL_LEN", f"{what}: exclusive of {total} bytes")
            if total > 128:
                self._violation("ERRM_EXCL_MAX", f"{what}: exclusive of {total} bytes > 128")
            if addr % total:
                self._violation("ERRM_EXCL_ALIGN", f"{what}: exclusive not aligned to {total}")

    def _burst(self, ch: _Channel, cur: tuple[str, ...]) -> AxiBurst:
        v = [_resolve(s) for s in cur]
        f = ch.fields
        return AxiBurst(
            ch is self._aw,
            v[_ID],
            v[_ADDR],
            v[_LEN],
            v[_SIZE],
            v[_BURST],
            v[_LOCK],
            v[_CACHE],
            v[_PROT],
            v[f.index("QOS")] if "QOS" in f else 0,
            v[f.index("REGION")] if "REGION" in f else 0,
            get_sim_time("ns"),
        )

    def _aw_valid(self, ch: _Channel, ready: bool, cur: _Payload, prev: _Payload | None) -> None:
        if prev is None or cur != prev:
            self._address(ch, cur, prev)
        if not ready:
            return
        aw = self._burst(ch, cur)
        self._issued(True)
        if self._w_early:
            # Its whole W burst came first.
            strbs, data = self._w_early.popleft()
            self._early_w(aw, strbs, complete=True)
            aw.data = data
            self._b_wait.setdefault(aw.id, deque()).append(aw)
            return
        self._aw_q.append(aw)
        if self._w_count and self._w_aw is None:
            # Part of its W burst came first.
            self._w_aw = aw
            self._early_w(aw, self._w_strbs, complete=False)
            aw.data = self._w_data
            self._w_strbs = []
            self._w_data = []

    def _early_w(self, aw: AxiBurst, strbs: list[int], complete: bool) -> None:
        """Check W beats that arrived before their AW against it."""
        for beat, strb in enumerate(strbs):
            self._check_strobe(aw, beat, strb)
        aw.beats = n = len(strbs)
        if (n != aw.len + 1) if complete else (n > aw.len):
            aw.beat_error = True
            self._violation(
                "ERRM_WDATA_NUM",
                f"AWID={aw.id} AWADDR=0x{aw.addr:x} AWLEN={aw.len}: its W burst"
                + (f" had {n} beats" if complete else f" has {n} beats and no WLAST yet"),
            )
        if self._capture:
            aw.strb = list(strbs)

    def _check_strobe(self, aw: AxiBurst, beat: int, strb: int) -> None:
        allowed = beat_lanes(aw.addr, aw.size, aw.len, aw.burst, beat, self.data_bytes)
        if strb & ~allowed:
            self._violation(
                "ERRM_WSTRB",
                f"WSTRB=0x{strb:x} on beat {beat} of AWID={aw.id} AWADDR=0x{aw.addr:x}"
                f" AWSIZE={aw.size} AWBURST={aw.burst}: allowed lanes 0x{allowed:x}",
            )

    def _w_valid(self, ch: _Channel, ready: bool, cur: _Payload, prev: _Payload | None) -> None:
        if prev is None or cur != prev:
            self._check_w(ch, cur, prev)
        if not ready:
            return
        self.w_beats += 1
        strb = _resolve(cur[1])
        last = cur[2] == "1"
        aw = self._w_aw
        if aw is None and self._w_count == 0 and self._aw_q:
            self._w_aw = aw = self._aw_q[0]
        beat = self._w_count
        self._w_count = beat + 1
        if aw is None:
            self._w_strbs.append(strb)
            if self._capture:
                self._w_data.append(_resolve(cur[0]))
        else:
            aw.beats = beat + 1
            self._check_strobe(aw, beat, strb)
            if not aw.beat_error and last != (beat == aw.len):
                aw.beat_error = True
                self._violation(
                    "ERRM_WDATA_NUM",
                    f"WLAST={int(last)} on beat {beat} of AWID={aw.id} AWADDR=0x{aw.addr:x}"
                    f" AWLEN={aw.len}",
                )
            if self._capture:
                aw.data.append(_resolve(cur[0]))
                aw.strb.append(strb)
        if not last:
            return
        self.w_bursts += 1
        self._w_count = 0
        self._w_aw = None
        if aw is None:
            self._w_early.append((self._w_strbs, self._w_data))
            self._w_strbs = []
            self._w_data = []
        else:
            self._aw_q.popleft()
            self._b_wait.setdefault(aw.id, deque()).append(aw)

    def _b_valid(self, ch: _Channel, ready: bool, cur: _Payload, prev: _Payload | None) -> None:
        if (prev is None or cur != prev) and self._check_payload(ch, cur, prev, 0, 0):
            bid = int(cur[0], 2)
            q = self._b_wait.get(bid)
            if not q:
                if any(a.id == bid for a in self._aw_q):
                    self._violation(
                        "ERRS_BRESP_WLAST", f"BID={bid}: BVALID before the last W beat of its burst"
                    )
                else:
                    self._violation("ERRS_BRESP_AW", f"BID={bid}: no write with this ID is waiting")
            elif cur[1] == "01" and not q[0].lock:
                self._violation("ERRS_BRESP_EXOKAY", f"BID={bid}: EXOKAY for a non-exclusive write")
        if not ready:
            return
        self.b_count += 1
        q = self._b_wait.get(int(cur[0], 2)) if not cur[0].strip("01") else None
        if q:
            aw = q.popleft()
            aw.resp = [_resolve(cur[1])]
            self._finish(aw)

    def _ar_valid(self, ch: _Channel, ready: bool, cur: _Payload, prev: _Payload | None) -> None:
        if prev is None or cur != prev:
            self._address(ch, cur, prev)
        if not ready:
            return
        ar = self._burst(ch, cur)
        self._issued(False)
        self._ar_out.setdefault(ar.id, deque()).append(ar)

    def _r_valid(self, ch: _Channel, ready: bool, cur: _Payload, prev: _Payload | None) -> None:
        rid = cur[0]
        q = self._ar_out.get(int(rid, 2)) if not rid.strip("01") else None
        ar = q[0] if q else None
        if prev is None or cur != prev:
            lanes = self._full
            if ar is not None and ar.size <= self._max_size:
                lanes = beat_lanes(ar.addr, ar.size, ar.len, ar.burst, ar.beats, self.data_bytes)
            self._check_payload(ch, cur, prev, lanes, self.data_bytes)
            if ar is None:
                if not rid.strip("01"):
                    self._violation("ERRS_RID", f"RID={int(rid, 2)}: no read with this ID waits")
            elif cur[2] == "01" and not ar.lock:
                self._violation("ERRS_RRESP_EXOKAY", f"RID={ar.id}: EXOKAY, read not exclusive")
        if not ready:
            return
        self.r_beats += 1
        last = cur[3] == "1"
        if last:
            self.r_bursts += 1
        if ar is None or q is None:
            return
        beat = ar.beats
        ar.beats = beat + 1
        if not ar.beat_error and last != (beat == ar.len):
            ar.beat_error = True
            self._violation(
                "ERRS_RDATA_NUM",
                f"RLAST={int(last)} on beat {beat} of ARID={ar.id} ARADDR=0x{ar.addr:x}"
                f" ARLEN={ar.len}",
            )
        if self._capture:
            ar.data.append(_resolve(cur[1]))
            ar.resp.append(_resolve(cur[2]))
        if last:
            q.popleft()
            self._finish(ar)


class AxiLiteChecker(_CheckerBase):
    """Protocol checker for an AXI4-Lite port on which the DUT is the slave.

    Same arguments as :class:`AxiChecker` (default prefix ``s_axil``).  Checks
    the VALID reset/stability/X rules on all five channels, a B only after both
    the AW and the W handshake of its write, an R only for an outstanding AR,
    and no EXOKAY (``AXI4LITE_ERRS_{B,R}RESP_EXOKAY``); responses pair with
    requests strictly in order.  Counters: ``cycles``, ``aw_count``, ``w_count``,
    ``b_count``, ``ar_count``, ``r_count``, ``reads_outstanding``,
    ``writes_outstanding``, ``max_reads_outstanding``, ``max_writes_outstanding``.
    Completed accesses go to callbacks as :class:`AxiLiteAccess`.
    """

    _signals = [
        *(f"aw{f}" for f in ("addr", "valid", "ready")),
        *(f"w{f}" for f in ("data", "strb", "valid", "ready")),
        *(f"b{f}" for f in ("resp", "valid", "ready")),
        *(f"ar{f}" for f in ("addr", "valid", "ready")),
        *(f"r{f}" for f in ("data", "resp", "valid", "ready")),
    ]
    _optional_signals = ["awprot", "arprot"]
    _channel_fields = {
        "aw": (("addr", "prot"), -1),
        "w": (("data", "strb"), 0),
        "b": (("resp",), -1),
        "ar": (("addr", "prot"), -1),
        "r": (("data", "resp"), -1),
    }
    _counter_names = (
        *("cycles", "aw_count", "w_count", "b_count", "ar_count", "r_count"),
        *_OUTSTANDING_COUNTERS,
    )

    def __init__(
        self,
        dut: SimHandleBase,
        prefix: str = "s_axil",
        clk: SimHandleBase | None = None,
        rst: SimHandleBase | None = None,
        *,
        fail_fast: bool = False,
        max_wait: int | None = None,
        check_x: bool | None = None,
    ) -> None:
        super().__init__(dut, prefix, clk, rst, fail_fast, max_wait, check_x)
        if self.data_bytes not in (4, 8):
            raise ValueError(
                f"{prefix}: AXI4-Lite data is 32 or 64 bits, not {len(self.bus.wdata)}"
            )
        self.w_count = self.r_count = 0

    def _clear_state(self) -> None:
        self._aw_q: deque[AxiLiteAccess] = deque()  # AW done, W not yet
        self._w_q: deque[tuple[int, int]] = deque()  # W (data, strb) done, AW not yet
        self._b_wait: deque[AxiLiteAccess] = deque()  # both done, waiting for B
        self._ar_q: deque[AxiLiteAccess] = deque()  # AR done, waiting for R

    def _idle_problems(self) -> list[tuple[str, str]]:
        problems = []
        if self._ar_q:
            problems.append(("ERRS_RLAST_ALL_DONE_EOS", f"{len(self._ar_q)} read(s) without R"))
        if self._aw_q or self._b_wait:
            n = len(self._aw_q) + len(self._b_wait)
            problems.append(("ERRS_BRESP_ALL_DONE_EOS", f"{n} write(s) without B"))
        if self._w_q:
            problems.append(("ERRS_BRESP_ALL_DONE_EOS", "write data on W without any AW for it"))
        return problems

    def _cycle(self) -> None:
        _CheckerBase._cycle(self)
        # Pair the writes whose AW and W handshakes both completed (in order).
        while self._aw_q and self._w_q:
            access = self._aw_q.popleft()
            access.data, access.strb = self._w_q.popleft()
            self._b_wait.append(access)

    def _request(self, ch: _Channel, ready: bool, cur: _Payload, prev: _Payload | None) -> None:
        """AW or AR: the access is queued at its handshake."""
        if prev is None or cur != prev:
            self._check_payload(ch, cur, prev, 0, 0)
        if not ready:
            return
        is_write = ch is self._aw
        prot = _resolve(cur[1]) if len(cur) > 1 else 0
        access = AxiLiteAccess(is_write, _resolve(cur[0]), prot, get_sim_time("ns"))
        (self._aw_q if is_write else self._ar_q).append(access)
        self._issued(is_write)

    _aw_valid = _ar_valid = _request

    def _w_valid(self, ch: _Channel, ready: bool, cur: _Payload, prev: _Payload | None) -> None:
        if prev is None or cur != prev:
            self._check_w(ch, cur, prev)
        if ready:
            self.w_count += 1
            self._w_q.append((_resolve(cur[0]), _resolve(cur[1])))

    def _b_valid(self, ch: _Channel, ready: bool, cur: _Payload, prev: _Payload | None) -> None:
        if (prev is None or cur != prev) and self._check_payload(ch, cur, prev, 0, 0):
            if not self._b_wait:
                if self._aw_q:
                    self._violation("ERRS_BRESP_WLAST", "BVALID before the W handshake")
                else:
                    self._violation("ERRS_BRESP_AW", "BVALID before the AW handshake")
            elif cur[0] == "01":
                self._violation("AXI4LITE_ERRS_BRESP_EXOKAY", "BRESP=EXOKAY from a Lite slave")
        if not ready:
            return
        self.b_count += 1
        if self._b_wait:
            access = self._b_wait.popleft()
            access.resp = _resolve(cur[0])
            self._finish(access)

    def _r_valid(self, ch: _Channel, ready: bool, cur: _Payload, prev: _Payload | None) -> None:
        if (prev is None or cur != prev) and self._check_payload(ch, cur, prev, 0, 0):
            if not self._ar_q:
                self._violation("ERRS_RID", "RVALID without an outstanding AR")
            elif cur[1] == "01":
                self._violation("AXI4LITE_ERRS_RRESP_EXOKAY", "RRESP=EXOKAY from a Lite slave")
        if not ready:
            return
        self.r_count += 1
        if self._ar_q:
            access = self._ar_q.popleft()
            access.data = _resolve(cur[0])
            access.resp = _resolve(cur[1])
            self._finish(access)

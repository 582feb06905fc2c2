"""Functional coverage of the random regression and of the device-paced benches.

The model (the bins) is written with cocotb-coverage's ``CoverPoint`` and
``CoverCross`` under the trie node ``dmac``; every bin is sampled from what
the bench observed, never from what the generator meant to do:

* the AXI4 master port, through :class:`tb.axi_checker.AxiChecker`'s
  callbacks: every completed burst with its ID (channel, data or
  descriptor/status), address, length, response and handshake times;
* the register port, through :class:`tb.axi_checker.AxiLiteChecker`: the
  PAUSE and ABORT writes to a channel's CTRL and when they completed;
* the descriptors the channel reports done (COMPLETED, read back and checked
  byte for byte by the bench): only those count for lengths and alignment;
* the requests the device models saw acknowledged (``RequestPort.served``)
  and the descriptor fetches of a ring (cyclic wrap).

Bins:

``dmac.desc``   length class (1 byte, below one beat, one beat, up to one burst,
                several bursts, large = 4 KiB or more), 4 KiB crossing of the
                source or destination range, source x destination offset in the
                bus word (aligned, odd, even but unaligned).
``dmac.split``  per descriptor and direction, how its data bursts were cut:
                one burst, at MAX_BURST_LEN, at a 4 KiB boundary the previous
                burst had not reached full length for.
``dmac.error``  the error response (SLVERR, DECERR) x where it struck
                (descriptor fetch, data read, data write, status write) x the
                channel's bursts in flight when it was accepted (1, 2-3, 4+).
``dmac.control``  PAUSE or ABORT x what the channel had in flight on the bus when
                the write completed (a descriptor fetch, a data read or write, a
                status write, nothing while still busy, or its chain was done).
``dmac.busy``   the most channels active at once (first burst to last response).
``dmac.request``  request-line kinds served: burst, single, last.
``dmac.cyclic`` a ring of descriptors fetched round from its last to its first.

:func:`write` exports the database as cocotb-coverage's YAML (what
``cocotb_coverage.coverage.merge_coverage`` reads); :func:`report` renders one
such database (a file's, or a merge of files) as text; ``tools/coverage.py``
merges the files of a run and prints it.
"""

from __future__ import annotations

import ast
import itertools
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from cocotb_coverage.coverage import CoverCross, CoverPoint, coverage_db, coverage_section

from sw import dmac_regs as r

ROOT = "dmac"
PAGE = 4096

LENGTHS = ["1 byte", "below one beat", "one beat", "up to one burst", "several bursts", "large"]
CROSSINGS = ["src", "dst"]
ALIGNS = ["aligned", "odd", "even"]
DIRECTIONS = ["read", "write"]
CUTS = ["one burst", "max length", "4 KiB"]
RESPONSES = {2: "SLVERR", 3: "DECERR"}
WHERE = ["descriptor fetch", "data read", "data write", "status write"]
IN_FLIGHT = ["1", "2-3", "4+"]
OPS = ["pause", "abort"]
STATES = [*WHERE, "between bursts", "done"]
MAX_CHANNELS = 4
BUSY = [str(n) for n in range(1, MAX_CHANNELS + 1)]
REQUESTS = ["burst", "single", "last"]
CYCLIC = ["wrap"]

DEFAULT_FILE = "coverage.yml"


# -- classification: pure functions of what was observed --------------------------------------


def length_class(length: int, data_bytes: int, max_burst_len: int) -> str:
    """The length bin of a descriptor of ``length`` bytes on a ``data_bytes`` bus."""
    if length == 1:
        return "1 byte"
    if length < data_bytes:
        return "below one beat"
    if length == data_bytes:
        return "one beat"
    if length <= data_bytes * max_burst_len:
        return "up to one burst"
    if length < PAGE:
        return "several bursts"
    return "large"


def crosses_4k(start: int, length: int) -> bool:
    return start // PAGE != (start + length - 1) // PAGE


def align_class(addr: int, data_bytes: int) -> str:
    offset = addr % data_bytes
    if offset == 0:
        return "aligned"
    return "odd" if offset % 2 else "even"


def in_flight_class(n: int) -> str:
    if n <= 1:
        return "1"
    return "2-3" if n <= 3 else "4+"


@dataclass(frozen=True, slots=True)
class Burst:
    """What the collector keeps of one completed AXI4 burst."""

    is_write: bool
    chan: int
    desc: bool  # descriptor fetch (the fetcher's ID) or status write (the channel's second ID)
    addr: int
    beats: int
    resp: int  # the worst response of the burst (0 OKAY ... 3 DECERR)
    start: float  # ns: AW or AR handshake
    end: float  # ns: B or RLAST handshake

    @property
    def where(self) -> str:
        if self.desc:
            return "status write" if self.is_write else "descriptor fetch"
        return "data write" if self.is_write else "data read"


@dataclass(frozen=True, slots=True)
class Control:
    """A PAUSE or ABORT write to a channel's CTRL, at its B handshake."""

    chan: int
    op: str
    time: float


def cut_reasons(bursts: Sequence[Burst], data_bytes: int, max_burst_len: int) -> set[str]:
    """How one descriptor's bursts of one direction were cut (bursts of any order).

    ``"other"`` is returned for a cut none of the bins explains."""
    ordered = sorted(bursts, key=lambda b: b.addr)
    if len(ordered) == 1:
        return {"one burst"}
    reasons = set()
    for prev, nxt in itertools.pairwise(ordered):
        if prev.beats == max_burst_len:
            reasons.add("max length")
        elif nxt.addr % PAGE == 0:
            reasons.add("4 KiB")
        else:
            reasons.add("other")
    return reasons


def in_flight_at(bursts: Iterable[Burst], chan: int, t: float) -> list[Burst]:
    """The channel's bursts issued at or before ``t`` and not yet answered before ``t``."""
    return [b for b in bursts if b.chan == chan and b.start <= t <= b.end]


def channel_state(bursts: Sequence[Burst], chan: int, t: float) -> set[str]:
    """What channel ``chan`` was doing on the bus at ``t``: the kinds of its bursts in
    flight, or ``between bursts`` (more followed), or ``done`` (none followed)."""
    mine = [b for b in bursts if b.chan == chan]
    flying = {b.where for b in in_flight_at(mine, chan, t)}
    if flying:
        return flying
    if any(b.start > t for b in mine):
        return {"between bursts"}
    return {"done"}


def gaps(bursts: Sequence[Burst], chan: int) -> list[float]:
    """Lengths (ns) of the times channel ``chan`` had no burst in flight between its first
    and its last burst: the windows in which ``between bursts`` can be sampled."""
    spans = sorted((b.start, b.end) for b in bursts if b.chan == chan)
    out = []
    reach = spans[0][1] if spans else 0.0
    for lo, hi in spans[1:]:
        if lo > reach:
            out.append(lo - reach)
        reach = max(reach, hi)
    return out


def most_busy(bursts: Sequence[Burst]) -> int:
    """Most channels active at one time, a channel active from its first burst's
    address handshake to its last burst's response."""
    spans: dict[int, tuple[float, float]] = {}
    for b in bursts:
        lo, hi = spans.get(b.chan, (b.start, b.end))
        spans[b.chan] = (min(lo, b.start), max(hi, b.end))
    events = sorted([(lo, 1) for lo, _ in spans.values()] + [(hi, -1) for _, hi in spans.values()])
    best = now = 0
    # At equal times starts count first: a channel starting as another ends overlaps it.
    for _, step in sorted(events, key=lambda e: (e[0], -e[1])):
        now += step
        best = max(best, now)
    return best


# -- the model ----------------------------------------------------------------------------------


def _member(value: Any, bin_: str) -> bool:
    return bin_ in value


def _point(name: str, bins: list[str], xf: Any) -> CoverPoint:
    # Each sample is a set of bin names: it hits every bin it names (inj=False).
    return CoverPoint(f"{ROOT}.{name}", xf=xf, bins=bins, rel=_member, inj=False)


def _cross(name: str, *items: str) -> CoverCross:
    return CoverCross(f"{ROOT}.{name}", items=[f"{ROOT}.{i}" for i in items])


@coverage_section(
    _point("desc.length", LENGTHS, lambda length, crossing, src, dst: {length}),
    _point("desc.cross_4k", CROSSINGS, lambda length, crossing, src, dst: crossing),
    _point("desc.src_align", ALIGNS, lambda length, crossing, src, dst: {src}),
    _point("desc.dst_align", ALIGNS, lambda length, crossing, src, dst: {dst}),
    _cross("desc.align", "desc.src_align", "desc.dst_align"),
)
def _sample_desc(length: str, crossing: set[str], src: str, dst: str) -> None:
    pass


@coverage_section(
    _point("split.direction", DIRECTIONS, lambda direction, cuts: {direction}),
    _point("split.cut", CUTS, lambda direction, cuts: cuts),
    _cross("split.cross", "split.direction", "split.cut"),
)
def _sample_split(direction: str, cuts: set[str]) -> None:
    pass


@coverage_section(
    _point("error.kind", list(RESPONSES.values()), lambda kind, where, flying: {kind}),
    _point("error.where", WHERE, lambda kind, where, flying: {where}),
    _point("error.in_flight", IN_FLIGHT, lambda kind, where, flying: {flying}),
    _cross("error.cross", "error.kind", "error.where", "error.in_flight"),
)
def _sample_error(kind: str, where: str, flying: str) -> None:
    pass


@coverage_section(
    _point("control.op", OPS, lambda op, states: {op}),
    _point("control.state", STATES, lambda op, states: states),
    _cross("control.cross", "control.op", "control.state"),
)
def _sample_control(op: str, states: set[str]) -> None:
    pass


@coverage_section(_point("busy.channels", BUSY, lambda n: {n}))
def _sample_busy(n: str) -> None:
    pass


@coverage_section(_point("request.kind", REQUESTS, lambda kinds: kinds))
def sample_request(kinds: set[str]) -> None:
    """One request the device saw acknowledged: ``{"burst"}`` or ``{"single"}``, with
    ``"last"`` added if it was raised with ``req_last``."""


@coverage_section(_point("cyclic.wrap", CYCLIC, lambda wraps: wraps))
def sample_cyclic(wraps: set[str]) -> None:
    """``{"wrap"}`` for each fetch of a ring's first descriptor right after its last."""


# -- collection from the bench ------------------------------------------------------------------


class Collector:
    """Subscribes to the bench's protocol checkers and samples one scenario at a time.

    ``axi`` and ``axil`` are the bench's :class:`tb.axi_checker.AxiChecker` and
    :class:`tb.axi_checker.AxiLiteChecker`; ``chan_bits`` splits an AXI ID into
    (descriptor/status flag, channel).  Call :meth:`end_iteration` once every
    burst of the scenario has completed.
    """

    def __init__(
        self,
        axi: Any,
        axil: Any | None,
        *,
        data_bytes: int,
        max_burst_len: int,
        chan_bits: int,
        owners: Any | None = None,
    ) -> None:
        self.data_bytes = data_bytes
        self.max_burst_len = max_burst_len
        self.chan_bits = chan_bits
        # tb.fetch_owners.FetchOwners: a descriptor read's channel (its ID has none)
        self.owners = owners
        self.bursts: list[Burst] = []
        self.controls: list[Control] = []
        self.other_cuts = 0  # cuts no bin explains (reported, not a bin)
        self.gaps: list[float] = []  # ns with nothing in flight inside a channel's activity
        axi.add_callback(self._on_burst)
        if axil is not None:
            axil.add_write_callback(self._on_register_write)

    def _on_burst(self, b: Any) -> None:
        chan = b.id & ((1 << self.chan_bits) - 1)
        desc = bool(b.id >> self.chan_bits)
        if desc and not b.is_write and self.owners is not None:
            owner = self.owners.channel(b.addr, b.start_ns)
            assert owner is not None, f"descriptor read at {b.addr:#x}: no channel recorded"
            chan = owner
        self.bursts.append(
            Burst(
                b.is_write,
                chan,
                desc,
                b.addr,
                b.len + 1,
                max(b.resp, default=0),
                b.start_ns,
                b.end_ns,
            )
        )

    def _on_register_write(self, a: Any) -> None:
        offset = a.addr - r.DMAC_CHAN_BASE
        if offset < 0 or offset % r.DMAC_CHAN_STRIDE != r.DMAC_CHAN_CTRL_OFFSET:
            return
        chan = offset // r.DMAC_CHAN_STRIDE
        if a.data >> r.DMAC_CHAN_CTRL_ABORT_LSB & 1:
            self.controls.append(Control(chan, "abort", a.end_ns))
        elif a.data >> r.DMAC_CHAN_CTRL_PAUSE_LSB & 1:
            self.controls.append(Control(chan, "pause", a.end_ns))

    def end_iteration(
        self, chains: Mapping[int, Sequence[Any]], completed: Mapping[int, int]
    ) -> None:
        """Sample the scenario just checked and forget it.

        ``chains`` maps each channel to its descriptors (``src``, ``dst``, ``length``),
        ``completed`` to the COMPLETED count the channel reported."""
        db, bursts = self.data_bytes, self.bursts
        data = [b for b in bursts if not b.desc]
        for chan, chain in chains.items():
            for d in chain[: completed.get(chan, 0)]:
                crossing = {
                    side
                    for side, start in (("src", d.src), ("dst", d.dst))
                    if crosses_4k(start, d.length)
                }
                _sample_desc(
                    length_class(d.length, db, self.max_burst_len),
                    crossing,
                    align_class(d.src, db),
                    align_class(d.dst, db),
                )
                for direction, start in (("read", d.src), ("write", d.dst)):
                    lo, hi = start - start % db, start + d.length
                    mine = [
                        b
                        for b in data
                        if b.chan == chan
                        and b.is_write == (direction == "write")
                        and lo <= b.addr < hi
                    ]
                    if not mine:
                        continue
                    cuts = cut_reasons(mine, db, self.max_burst_len)
                    if "other" in cuts:
                        self.other_cuts += 1
                    _sample_split(direction, cuts)
        for b in bursts:
            if b.resp in RESPONSES:
                flying = len(in_flight_at(bursts, b.chan, b.end))
                _sample_error(RESPONSES[b.resp], b.where, in_flight_class(flying))
        for c in self.controls:
            _sample_control(c.op, channel_state(bursts, c.chan, c.time))
        for chan in chains:
            self.gaps += gaps(bursts, chan)
        if bursts:
            _sample_busy(str(min(most_busy(bursts), MAX_CHANNELS)))
        self.forget()

    def forget(self) -> None:
        """Drop what was seen since the last sample (an iteration that failed its checks)."""
        self.bursts = []
        self.controls = []


def sample_served(served: Iterable[Any]) -> None:
    """Sample every request a device saw acknowledged (``RequestPort.served``)."""
    for s in served:
        sample_request({s.kind} | ({"last"} if s.last else set()))


def count_wraps(fetches: Sequence[tuple[int, int]], ring: Sequence[int]) -> int:
    """Times a ring of descriptors at ``ring`` was fetched round: a fetch burst starting at
    ``ring[0]`` right after one that covered ``ring[-1]``.  ``fetches`` are the descriptor
    fetch bursts as (address, bytes), in the order they completed (the controller may read
    several descriptors in one burst)."""
    last = ring[-1]
    return sum(
        1 for (a, n), (b, _) in itertools.pairwise(fetches) if a <= last < a + n and b == ring[0]
    )


# -- files and reports --------------------------------------------------------------------------


def output_path() -> Path:
    """Where :func:`write` puts this run's database: ``DMAC_COVERAGE_FILE``, or
    ``coverage.yml`` in the working directory (the bench's build folder)."""
    return Path(os.environ.get("DMAC_COVERAGE_FILE", DEFAULT_FILE))


def write(path: Path | None = None) -> Path:
    """Export everything sampled so far in this process (cocotb-coverage's YAML)."""
    path = output_path() if path is None else path
    path.parent.mkdir(parents=True, exist_ok=True)
    coverage_db.export_to_yaml(str(path))
    return path


def load(path: Path) -> dict[str, Any]:
    with open(path) as f:
        return yaml.safe_load(f) or {}


@dataclass
class ItemReport:
    name: str
    hits: dict[str, int]

    @property
    def cross(self) -> bool:
        return self.name.endswith((".align", ".cross"))

    @property
    def hit(self) -> list[str]:
        return [b for b, n in self.hits.items() if n > 0]

    @property
    def missed(self) -> list[str]:
        return [b for b, n in self.hits.items() if n == 0]

    @property
    def sampled(self) -> bool:
        return bool(self.hit)


def items(db: Mapping[str, Any]) -> list[ItemReport]:
    """The points and crosses of an exported database under ``dmac``, in model order."""
    out = []
    for name, entry in db.items():
        if not name.startswith(ROOT + ".") or "bins:_hits" not in entry:
            continue
        out.append(ItemReport(name, {_label(k): int(v) for k, v in entry["bins:_hits"].items()}))
    order = [n for n in coverage_db if n.startswith(ROOT + ".")]
    out.sort(key=lambda i: order.index(i.name) if i.name in order else len(order))
    return out


def _label(key: Any) -> str:
    """A bin as text: a cross's tuple (exported as its repr) joined with ' x '."""
    if isinstance(key, str) and key.startswith("("):
        try:
            parts = ast.literal_eval(key)
        except (ValueError, SyntaxError):
            return key
        return " x ".join(str(p) for p in parts)
    return str(key)


def totals(reports: Sequence[ItemReport]) -> tuple[int, int]:
    hit = sum(len(i.hit) for i in reports)
    size = sum(len(i.hits) for i in reports)
    return hit, size


def report(db: Mapping[str, Any], details: bool = True) -> list[str]:
    """Text report of an exported (or merged) database: per point and cross the bins hit
    out of all, the missed bins by name, the items no bench sampled, and the total."""
    reports = items(db)
    width = max((len(i.name) for i in reports), default=10)
    lines = [f"{'item':<{width}}  {'hit':>7}  {'%':>5}"]
    for i in reports:
        n, size = len(i.hit), len(i.hits)
        tag = "  (cross)" if i.cross else ""
        note = "" if i.sampled else "  NOT SAMPLED"
        lines.append(f"{i.name:<{width}}  {n:>3}/{size:<3}  {100 * n / size:5.1f}{tag}{note}")
        if details and i.sampled and i.missed:
            lines.append(f"{'':<{width}}    missed: " + "; ".join(i.missed))
    hit, size = totals(reports)
    sampled = [i for i in reports if i.sampled]
    s_hit, s_size = totals(sampled)
    lines.append(f"total: {hit}/{size} bins hit ({100 * hit / max(size, 1):.1f}%)")
    if len(sampled) != len(reports):
        lines.append(
            f"  of the items sampled in this run: {s_hit}/{s_size}"
            f" ({100 * s_hit / max(s_size, 1):.1f}%); not sampled: "
            + ", ".join(i.name for i in reports if not i.sampled)
        )
    return lines

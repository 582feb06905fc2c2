"""The CPU's data cache: physically indexed and tagged, set-associative, write-back.

:class:`DataCache` sits between the CPU model (:mod:`tb.models.cpu`) and the
:class:`~tb.models.phys_mem.PhysicalMemory` every bus port shares.  What it
models is the reason the Linux streaming DMA API has ``dma_sync_*`` calls: a
device on a *non-coherent* interconnect reads and writes memory behind the
cache's back, so

* bytes the CPU stored may still sit in a dirty line (the device reads stale
  memory unless the line was cleaned first), and
* a line the CPU holds may be older than what the device wrote (the CPU reads
  it unless the line was invalidated, and a dirty line evicted later writes
  its stale bytes over the device's).

Organisation.  ``size`` bytes in ``size / (ways * line)`` sets of ``ways``
lines of ``line`` bytes; set index and tag both come from the physical
address (PIPT, as the arm64 data caches behave), so aliases of one physical
page (the linear map and a vmalloc mapping) share lines.  Write-back,
write-allocate (a store miss fills the line, then modifies it), LRU
replacement within a set; a dirty victim is written back when evicted.

Maintenance, by physical address range [start, end), whole lines overlapping
it (``arch/arm64/mm/cache.S``):

* :meth:`clean` = ``dc cvac`` per line (write back if dirty, stay valid),
* :meth:`invalidate` = ``dc ivac`` (drop, dirty data lost),
* :meth:`clean_invalidate` = ``dc civac`` (write back if dirty, then drop),
* :meth:`inval_poc` = ``dcache_inval_poc``: a line only partly inside the
  range is cleaned and invalidated (so the bytes outside the range that
  share it survive), full lines are only invalidated;
* :meth:`clean_poc` = ``dcache_clean_poc``, :meth:`clean_inval_poc` =
  ``dcache_clean_inval_poc``.

Speculation.  With ``prefetch_lines = N`` every load or store to line L also
fills lines L-N .. L+N that are absent and lie in L's 4 KiB page (an
adjacent/next-line prefetcher; hardware prefetchers stop at page edges).
:meth:`prefetch` is one explicit speculative fill, what a squashed
out-of-order load leaves behind.  Speculative fills only ever touch lines the
``cacheable`` callback calls cacheable RAM, as Normal cacheable memory is the
only kind a core may read speculatively.

Coherent mode.  With ``coherent=True`` the interconnect snoops the cache for
device accesses: :meth:`snoop_read` writes dirty lines back before a device
read (they stay valid and clean), :meth:`snoop_write` writes back and
invalidates the lines a device write will touch, before it lands.  With
``coherent=False`` (the default, and the point of the model) both are no-ops.

Differences from real hardware:

* One level of cache; the point of coherency is the memory itself.  No
  write buffer: a write-back reaches memory at once.
* Everything takes zero simulated time; the cache adds no latency.
* ``dc ivac`` always discards dirty data; a real core may upgrade it to a
  clean+invalidate (e.g. under a hypervisor), which would hide some of the
  failures this model shows.
* Write-allocate always: no write-streaming mode (real cores stop
  allocating on long runs of full-line stores, e.g. a big ``memset``).
* A coherent interconnect would invalidate a line a device overwrites whole
  without writing it back first; writing it back first changes no byte.
* Statistics count per line touched: a load spanning three lines is three
  hits or misses.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass

from tb.models.phys_mem import PhysicalMemory

PREFETCH_PAGE = 4096  # hardware prefetchers do not cross a 4 KiB page


@dataclass
class CacheStats:
    """Event counts.  ``fills`` counts every line read from memory (demand misses and
    speculative fills alike), ``prefetches`` the speculative ones among them;
    ``writebacks`` every dirty line written to memory (evictions, maintenance and
    snoops), ``snoop_writebacks`` those done for a snoop; ``evictions`` every valid
    line replaced to make room; ``snoop_invalidates`` lines dropped by
    :meth:`DataCache.snoop_write`."""

    hits: int = 0
    misses: int = 0
    fills: int = 0
    writebacks: int = 0
    evictions: int = 0
    prefetches: int = 0
    snoop_writebacks: int = 0
    snoop_invalidates: int = 0

    def reset(self) -> None:
        for name in asdict(self):
            setattr(self, name, 0)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class _Line:
    """One valid cache line: its bytes and whether they differ from memory."""

    __slots__ = ("data", "dirty")

    def __init__(self, data: bytearray) -> None:
        self.data = data
        self.dirty = False


def _power_of_two(name: str, value: int) -> None:
    if not isinstance(value, int) or value <= 0 or value & (value - 1):
        raise ValueError(f"cache {name} must be a power of two, not {value!r}")


def _all_cacheable(_pa: int) -> bool:
    return True


class DataCache:
    """A PIPT, set-associative, write-back, write-allocate, LRU data cache over ``mem``.

    ``cacheable(line_pa)`` says whether a speculative fill of the line at physical
    address ``line_pa`` is allowed (cacheable RAM); demand accesses are the caller's
    responsibility: whatever it loads or stores through the cache is cached."""

    def __init__(
        self,
        mem: PhysicalMemory,
        *,
        size: int = 32 * 1024,
        ways: int = 4,
        line: int = 64,
        prefetch_lines: int = 0,
        coherent: bool = False,
        cacheable: Callable[[int], bool] = _all_cacheable,
    ) -> None:
        _power_of_two("size", size)
        _power_of_two("ways", ways)
        _power_of_two("line size", line)
        if line > PREFETCH_PAGE:
            raise ValueError(f"cache line size {line} is larger than a {PREFETCH_PAGE}-byte page")
        if size < ways * line:
            raise ValueError(f"a {size}-byte cache cannot hold {ways} ways of {line}-byte lines")
        if not isinstance(prefetch_lines, int) or prefetch_lines < 0:
            raise ValueError(f"prefetch_lines must be a non-negative int, not {prefetch_lines!r}")
        self.mem = mem
        self.size = size
        self.ways = ways
        self.line = line
        self.sets = size // (ways * line)
        self.prefetch_lines = prefetch_lines
        self.coherent = coherent
        self.cacheable = cacheable
        self.stats = CacheStats()
        self._mask = line - 1
        self._shift = line.bit_length() - 1
        self._set_mask = self.sets - 1
        # Every valid line by its physical line address (the fast lookup), and per set
        # the same lines in LRU order, least recently used first.
        self._lines: dict[int, _Line] = {}
        self._lru: list[OrderedDict[int, _Line]] = [OrderedDict() for _ in range(self.sets)]

    # -- lines -------------------------------------------------------------------------------

    def _set_of(self, la: int) -> OrderedDict[int, _Line]:
        return self._lru[(la >> self._shift) & self._set_mask]

    def _write_back(self, la: int, ln: _Line) -> None:
        self.mem.write(la, ln.data)
        ln.dirty = False
        self.stats.writebacks += 1

    def _drop(self, la: int) -> _Line | None:
        ln = self._lines.pop(la, None)
        if ln is not None:
            del self._set_of(la)[la]
        return ln

    def _fill(self, la: int, read: bool = True) -> _Line:
        """Allocate the line at ``la`` (absent), evicting the set's LRU line if full.
        ``read=False`` skips reading memory when the caller overwrites the whole line."""
        ways = self._set_of(la)
        if len(ways) >= self.ways:
            victim_la, victim = ways.popitem(last=False)
            del self._lines[victim_la]
            self.stats.evictions += 1
            if victim.dirty:
                self._write_back(victim_la, victim)
        data = bytearray(self.mem.read(la, self.line)) if read else bytearray(self.line)
        ln = _Line(data)
        self._lines[la] = ln
        ways[la] = ln
        self.stats.fills += 1
        return ln

    def _access(self, la: int, whole: bool = False) -> _Line:
        """The line at ``la`` for a demand access (hit: becomes most recently used)."""
        ln = self._lines.get(la)
        if ln is not None:
            self.stats.hits += 1
            self._set_of(la).move_to_end(la)
            return ln
        self.stats.misses += 1
        return self._fill(la, read=not whole)

    def _speculate_around(self, la: int) -> None:
        """The adjacent-line prefetcher: lines within ``prefetch_lines`` of ``la``, in
        its page."""
        page = la & ~(PREFETCH_PAGE - 1)
        lo = max(page, la - self.prefetch_lines * self.line)
        hi = min(page + PREFETCH_PAGE, la + (self.prefetch_lines + 1) * self.line)
        for other in range(lo, hi, self.line):
            if other not in self._lines and self.cacheable(other):
                self._fill(other)
                self.stats.prefetches += 1

    def _present(self, start: int, end: int) -> list[int]:
        """Addresses of the valid lines overlapping [start, end), in address order."""
        if end <= start:
            return []
        first = start & ~self._mask
        count = (end - first + self._mask) >> self._shift
        if count > len(self._lines):  # a big range: scan the cache instead of the range
            return sorted(la for la in self._lines if first <= la < end)
        return [la for la in range(first, end, self.line) if la in self._lines]

    # -- CPU loads and stores ----------------------------------------------------------------

    def load(self, pa: int, length: int) -> bytes:
        """``length`` bytes at physical address ``pa``, through the cache."""
        out = bytearray()
        end = pa + length
        line = self.line
        while pa < end:
            la = pa & ~self._mask
            off = pa - la
            n = min(line - off, end - pa)
            out += self._access(la).data[off : off + n]
            if self.prefetch_lines:
                self._speculate_around(la)
            pa += n
        return bytes(out)

    def store(self, pa: int, data: bytes | bytearray | memoryview) -> None:
        """Store ``data`` at physical address ``pa``: write-allocate, lines become dirty."""
        src = memoryview(data).cast("B")
        end = pa + len(src)
        line = self.line
        pos = 0
        while pa < end:
            la = pa & ~self._mask
            off = pa - la
            n = min(line - off, end - pa)
            ln = self._access(la, whole=n == line)
            ln.data[off : off + n] = src[pos : pos + n]
            ln.dirty = True
            if self.prefetch_lines:
                self._speculate_around(la)
            pa += n
            pos += n

    def prefetch(self, pa: int) -> None:
        """One speculative fill of the line holding ``pa`` (a squashed out-of-order load):
        nothing if it is present or not cacheable RAM."""
        la = pa & ~self._mask
        if la not in self._lines and self.cacheable(la):
            self._fill(la)
            self.stats.prefetches += 1

    # -- maintenance by physical address (arm64 dc cvac / ivac / civac) ----------------------

    def clean(self, start: int, end: int) -> None:
        """``dc cvac`` on every line overlapping [start, end)."""
        for la in self._present(start, end):
            ln = self._lines[la]
            if ln.dirty:
                self._write_back(la, ln)

    def invalidate(self, start: int, end: int) -> None:
        """``dc ivac`` on every line overlapping [start, end): dirty data is lost."""
        for la in self._present(start, end):
            self._drop(la)

    def clean_invalidate(self, start: int, end: int) -> None:
        """``dc civac`` on every line overlapping [start, end)."""
        for la in self._present(start, end):
            ln = self._drop(la)
            if ln is not None and ln.dirty:
                self._write_back(la, ln)

    def inval_poc(self, start: int, end: int) -> None:
        """``dcache_inval_poc``: ``dc civac`` on a line only partly inside [start, end),
        ``dc ivac`` on the lines wholly inside."""
        for la in self._present(start, end):
            ln = self._drop(la)
            partial = la < start or la + self.line > end
            if ln is not None and partial and ln.dirty:
                self._write_back(la, ln)

    def clean_poc(self, start: int, end: int) -> None:
        """``dcache_clean_poc``."""
        self.clean(start, end)

    def clean_inval_poc(self, start: int, end: int) -> None:
        """``dcache_clean_inval_poc``."""
        self.clean_invalidate(start, end)

    def flush_all(self) -> None:
        """Clean and invalidate the whole cache (e.g. at the end of a test)."""
        for la in sorted(self._lines):
            ln = self._drop(la)
            if ln is not None and ln.dirty:
                self._write_back(la, ln)

    # -- snoops from a coherent interconnect (device accesses) -------------------------------

    def snoop_read(self, lo: int, hi: int) -> None:
        """Before a device reads [lo, hi): dirty lines there are written back and stay
        valid and clean.  A no-op unless ``coherent``."""
        if not self.coherent or not self._lines:
            return
        lines = self._lines
        la = lo & ~self._mask
        while la < hi:
            ln = lines.get(la)
            if ln is not None and ln.dirty:
                self._write_back(la, ln)
                self.stats.snoop_writebacks += 1
            la += self.line

    def snoop_write(self, lo: int, hi: int) -> None:
        """Before a device writes [lo, hi): lines there are written back if dirty (so CPU
        bytes outside [lo, hi) survive) and invalidated.  A no-op unless ``coherent``."""
        if not self.coherent or not self._lines:
            return
        lines = self._lines
        la = lo & ~self._mask
        while la < hi:
            if la in lines:
                ln = self._drop(la)
                assert ln is not None
                if ln.dirty:
                    self._write_back(la, ln)
                    self.stats.snoop_writebacks += 1
                self.stats.snoop_invalidates += 1
            la += self.line

    # -- inspection (tests) ------------------------------------------------------------------

    def contains(self, pa: int) -> bool:
        """Whether the line holding ``pa`` is valid in the cache."""
        return (pa & ~self._mask) in self._lines

    def is_dirty(self, pa: int) -> bool:
        """Whether the line holding ``pa`` is valid and dirty."""
        ln = self._lines.get(pa & ~self._mask)
        return ln is not None and ln.dirty

    def peek(self, pa: int, length: int) -> bytes:
        """What a load would return, without touching the cache's state or statistics."""
        out = bytearray()
        end = pa + length
        while pa < end:
            la = pa & ~self._mask
            n = min(la + self.line, end) - pa
            ln = self._lines.get(la)
            off = pa - la
            out += self.mem.read(pa, n) if ln is None else ln.data[off : off + n]
            pa += n
        return bytes(out)

    def __len__(self) -> int:
        """Number of valid lines."""
        return len(self._lines)

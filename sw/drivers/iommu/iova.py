"""The IOVA allocator: a model of Linux's drivers/iommu/iova.c (and include/linux/iova.h).

An :class:`IovaDomain` (``struct iova_domain``) hands out ranges of I/O virtual
page frames, counted in units of the domain's ``granule`` (the IOMMU's smallest
page, 4 KiB here).  dma-iommu.c uses one per DMA domain:

* :meth:`~IovaDomain.alloc_iova` searches top-down, from ``limit_pfn``
  (inclusive, as in Linux) towards ``start_pfn``, and returns the highest free
  range that fits, its start a multiple of ``roundup_pow_of_two(size)`` when
  ``size_aligned`` is set; ``None`` when nothing fits.
* :meth:`~IovaDomain.find_iova`, :meth:`~IovaDomain.free_iova`,
  :meth:`~IovaDomain.free_iova_entry` (Linux's ``__free_iova``: a Python method
  cannot be called ``__free_iova`` from outside its class, and ``free_iova_mem``
  is a different, private function in iova.c) and
  :meth:`~IovaDomain.reserve_iova` (which, like Linux, grows an overlapping
  range instead of failing).
* The range caches (rcaches): :meth:`~IovaDomain.alloc_iova_fast` and
  :meth:`~IovaDomain.free_iova_fast` keep freed ranges of up to
  ``2 ** (IOVA_RANGE_CACHE_MAX_SIZE - 1)`` pages (32 pages, 128 KiB), one cache
  per power-of-two size class, and hand them out again before searching.  A
  cached range stays allocated (``find_iova`` still finds it) until the cache
  is flushed, which ``alloc_iova_fast`` does once when a search fails.
  :func:`iova_rcache_range` is the largest cached size in bytes, what
  ``dma_opt_mapping_size`` reports.

Allocation failure returns ``None`` (``alloc_iova``) or 0 (``alloc_iova_fast``)
and never raises; bad arguments (a size <= 0, a negative pfn, a reversed range,
a granule that is not a power of two or exceeds PAGE_SIZE) raise ValueError.

Differences from Linux:

* No rbtree: the allocated ranges are a list sorted by ``pfn_lo`` (searched with
  ``bisect``).  An allocation walks the gaps downward from ``limit_pfn``, O(n)
  in the number of ranges at worst, and inserts in O(n) (a list insert); Linux
  is O(log n) to find the start plus the same linear walk.
* No cached-node hint (``cached_node``/``cached32_node``) and no
  ``max32_alloc_size`` shortcut: every search starts at ``limit_pfn``, so the
  result is always the highest fit.  Linux starts below its last allocation
  and only retries from the top when that fails, so it may pick a lower range
  than this model where a gap sits above the hint.
* One CPU and no magazines: each size class is one bounded LIFO of at most
  ``IOVA_MAG_SIZE`` (127) pfns (Linux: per CPU a loaded and a previous
  magazine of 127 pfns each, plus a shared depot of full magazines trimmed
  by a delayed work).  A free into a full cache goes back to the tree, as
  Linux does when it cannot get a new magazine.
* The rcaches exist from construction (Linux allocates them in
  ``iova_domain_init_rcaches``); no locking (the model is single-threaded).
* ``free_iova_fast`` checks its argument: ValueError unless a range starts at
  ``pfn`` and is not cached already (Linux would cache a double free and hand
  the range out twice).
* ``start_pfn`` must be at least 1: ``alloc_iova_fast`` returns 0 for failure,
  so pfn 0 must never be handed out (dma-iommu passes ``max(1, base)`` for the
  same reason).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from sw.mm.page_alloc import PAGE_SIZE

__all__ = [
    "IOVA_MAG_SIZE",
    "IOVA_RANGE_CACHE_MAX_SIZE",
    "Iova",
    "IovaDomain",
    "iova_rcache_range",
    "iova_size",
]

IOVA_RANGE_CACHE_MAX_SIZE = 6  # log2 of the number of size classes; largest cached: 32 pages
IOVA_MAG_SIZE = 127  # pfns per magazine in Linux; here the bound of each size class's cache


@dataclass(eq=False)
class Iova:
    """``struct iova``: an allocated range of page frames, both ends inclusive.

    Compared by identity, like the kernel's pointers; ``reserve_iova`` may
    lower ``pfn_lo`` of a range it overlaps.
    """

    pfn_lo: int
    pfn_hi: int

    def __repr__(self) -> str:
        return f"Iova(pfn_lo={self.pfn_lo:#x}, pfn_hi={self.pfn_hi:#x})"


def iova_size(iova: Iova) -> int:
    """``iova_size``: the range's length in granules."""
    return iova.pfn_hi - iova.pfn_lo + 1


def iova_rcache_range() -> int:
    """``iova_rcache_range``: the largest size in bytes the range caches keep."""
    return PAGE_SIZE << (IOVA_RANGE_CACHE_MAX_SIZE - 1)


def _roundup_pow_of_two(n: int) -> int:
    return 1 << (n - 1).bit_length()


def _order_base_2(n: int) -> int:
    return (n - 1).bit_length()


def _lo(iova: Iova) -> int:
    return iova.pfn_lo


def _hi(iova: Iova) -> int:
    return iova.pfn_hi


class IovaDomain:
    """``struct iova_domain``, set up as ``init_iova_domain(iovad, granule, start_pfn)``."""

    def __init__(self, granule: int, start_pfn: int) -> None:
        if granule <= 0 or granule & (granule - 1) or granule > PAGE_SIZE:
            raise ValueError(f"granule {granule:#x}: not a power of two <= {PAGE_SIZE:#x}")
        if start_pfn < 1:
            raise ValueError(f"start_pfn {start_pfn}: must be >= 1 (0 means failure)")
        self.granule = granule
        self.start_pfn = start_pfn
        # Allocated ranges (rcache entries included), sorted by pfn_lo, never
        # overlapping, so also sorted by pfn_hi.
        self._iovas: list[Iova] = []
        # rcaches[log2(size)]: pfn_lo of freed ranges of that size class, newest last.
        self._rcaches: list[list[int]] = [[] for _ in range(IOVA_RANGE_CACHE_MAX_SIZE)]

    # include/linux/iova.h helpers -------------------------------------------------

    def iova_shift(self) -> int:
        return self.granule.bit_length() - 1

    def iova_mask(self) -> int:
        return self.granule - 1

    def iova_offset(self, iova: int) -> int:
        """The byte offset of address ``iova`` within its granule."""
        return iova & self.iova_mask()

    def iova_align(self, size: int) -> int:
        """``size`` in bytes rounded up to a whole number of granules."""
        return (size + self.iova_mask()) & ~self.iova_mask()

    def iova_dma_addr(self, iova: Iova) -> int:
        return iova.pfn_lo << self.iova_shift()

    def iova_pfn(self, iova: int) -> int:
        return iova >> self.iova_shift()

    # The tree ---------------------------------------------------------------------

    def alloc_iova(self, size: int, limit_pfn: int, size_aligned: bool) -> Iova | None:
        """``alloc_iova``: ``size`` granules ending at or below ``limit_pfn``.

        Top-down: the highest start such that the range lies in
        ``[start_pfn, limit_pfn]`` and overlaps nothing allocated (aligned to
        ``roundup_pow_of_two(size)`` granules when ``size_aligned``).  ``None``
        when no gap is large enough.
        """
        if size <= 0:
            raise ValueError(f"alloc_iova: size {size} must be > 0")
        if limit_pfn < 0:
            raise ValueError(f"alloc_iova: limit_pfn {limit_pfn} must be >= 0")
        align = _roundup_pow_of_two(size) if size_aligned else 1
        iovas = self._iovas
        high = limit_pfn + 1  # exclusive top of the gap being tried
        # Ranges [0, k] start below `high`; the one at k may still reach above it.
        k = bisect.bisect_left(iovas, high, key=_lo) - 1
        # O(n) at worst: one step per allocated range below limit_pfn.
        while high - size >= self.start_pfn:
            floor = iovas[k].pfn_hi + 1 if k >= 0 else self.start_pfn
            new_pfn = (high - size) // align * align
            if new_pfn >= max(floor, self.start_pfn):
                iova = Iova(new_pfn, new_pfn + size - 1)
                iovas.insert(k + 1, iova)
                return iova
            if k < 0:
                break
            high = min(high, iovas[k].pfn_lo)
            k -= 1
        return None

    def find_iova(self, pfn: int) -> Iova | None:
        """``find_iova``: the allocated range holding ``pfn``, or ``None``."""
        i = bisect.bisect_right(self._iovas, pfn, key=_lo) - 1
        if i >= 0 and self._iovas[i].pfn_hi >= pfn:
            return self._iovas[i]
        return None

    def free_iova_entry(self, iova: Iova) -> None:
        """``__free_iova``: release ``iova``, a range this domain handed out.

        ValueError if it is not one of this domain's ranges (Linux would
        corrupt its tree).
        """
        i = bisect.bisect_left(self._iovas, iova.pfn_lo, key=_lo)
        if i == len(self._iovas) or self._iovas[i] is not iova:
            raise ValueError(f"{iova!r} is not allocated in this domain")
        del self._iovas[i]

    def free_iova(self, pfn: int) -> None:
        """``free_iova``: release the range holding ``pfn``; nothing if there is none."""
        iova = self.find_iova(pfn)
        if iova is not None:
            self.free_iova_entry(iova)

    def reserve_iova(self, pfn_lo: int, pfn_hi: int) -> Iova:
        """``reserve_iova``: keep ``[pfn_lo, pfn_hi]`` from ever being allocated.

        As in Linux, a range already allocated that overlaps is grown down to
        ``pfn_lo`` and the reservation continues above it, so the result may
        be several ranges; the last one touched (or created) is returned.
        """
        if pfn_lo < 0 or pfn_hi < pfn_lo:
            raise ValueError(f"reserve_iova: bad range [{pfn_lo:#x}, {pfn_hi:#x}]")
        iovas = self._iovas
        # First range ending at or above pfn_lo: the first that can overlap.
        i = bisect.bisect_left(iovas, pfn_lo, key=_hi)
        while i < len(iovas) and iovas[i].pfn_lo <= pfn_hi:
            iova = iovas[i]
            # The previous range ends below pfn_lo, so lowering pfn_lo keeps the order.
            iova.pfn_lo = min(iova.pfn_lo, pfn_lo)
            if pfn_hi <= iova.pfn_hi:
                return iova
            pfn_lo = iova.pfn_hi + 1
            i += 1
        iova = Iova(pfn_lo, pfn_hi)
        iovas.insert(i, iova)
        return iova

    def put_iova_domain(self) -> None:
        """``put_iova_domain``: drop the range caches and every range."""
        for rcache in self._rcaches:
            rcache.clear()
        self._iovas.clear()

    def ranges(self) -> list[tuple[int, int]]:
        """Every allocated range (cached ones included) as ``(pfn_lo, pfn_hi)``,
        in address order: for tests and debugging (Linux has no such call)."""
        return [(iova.pfn_lo, iova.pfn_hi) for iova in self._iovas]

    # The range caches -------------------------------------------------------------

    def alloc_iova_fast(self, size: int, limit_pfn: int, flush_rcache: bool = True) -> int:
        """``alloc_iova_fast``: the first pfn of ``size`` granules, or 0.

        A cacheable size (up to 32 granules) is rounded up to a power of two, so
        that what is freed into a size class always fills it; the size class's
        cache is tried first (the newest entry that ends at or below
        ``limit_pfn``), then :meth:`alloc_iova` with ``size_aligned``.  If that
        fails and ``flush_rcache`` is set, every cached range is returned to
        the tree and the search is tried once more.
        """
        if size <= 0:
            raise ValueError(f"alloc_iova_fast: size {size} must be > 0")
        if limit_pfn < 0:
            raise ValueError(f"alloc_iova_fast: limit_pfn {limit_pfn} must be >= 0")
        if size < 1 << (IOVA_RANGE_CACHE_MAX_SIZE - 1):
            size = _roundup_pow_of_two(size)
        pfn = self._iova_rcache_get(size, limit_pfn + 1)
        if pfn:
            return pfn
        while True:
            iova = self.alloc_iova(size, limit_pfn, True)
            if iova is not None:
                return iova.pfn_lo
            if not flush_rcache:
                return 0
            flush_rcache = False
            self.free_cpu_cached_iovas()

    def free_iova_fast(self, pfn: int, size: int) -> None:
        """``free_iova_fast``: put the range at ``pfn`` of ``size`` granules (the
        size asked of :meth:`alloc_iova_fast`) into its size class's cache, or
        back into the tree if it is too large or the cache is full."""
        if size <= 0:
            raise ValueError(f"free_iova_fast: size {size} must be > 0")
        iova = self.find_iova(pfn)
        if iova is None or iova.pfn_lo != pfn:
            raise ValueError(f"free_iova_fast: no allocated range starts at pfn {pfn:#x}")
        if any(pfn in rcache for rcache in self._rcaches):
            raise ValueError(f"free_iova_fast: pfn {pfn:#x} freed twice")
        if not self._iova_rcache_insert(pfn, size):
            self.free_iova(pfn)

    def free_cpu_cached_iovas(self) -> None:
        """``free_cpu_cached_iovas`` (with ``free_global_cached_iovas``): return
        every cached range to the tree."""
        for rcache in self._rcaches:
            for pfn in rcache:
                # Linux warns (WARN_ON) on a cached pfn that is no longer in the tree.
                self.free_iova(pfn)
            rcache.clear()

    def rcache_depth(self, size: int) -> int:
        """How many ranges the size class of ``size`` granules holds now (for tests)."""
        log_size = _order_base_2(size)
        return len(self._rcaches[log_size]) if log_size < IOVA_RANGE_CACHE_MAX_SIZE else 0

    def _iova_rcache_insert(self, pfn: int, size: int) -> bool:
        log_size = _order_base_2(size)
        if log_size >= IOVA_RANGE_CACHE_MAX_SIZE:
            return False
        rcache = self._rcaches[log_size]
        if len(rcache) >= IOVA_MAG_SIZE:
            return False
        rcache.append(pfn)
        return True

    def _iova_rcache_get(self, size: int, limit_pfn: int) -> int:
        """A cached pfn whose range of ``size`` ends below ``limit_pfn`` (exclusive,
        as iova_rcache_get's caller passes it), or 0."""
        log_size = _order_base_2(size)
        if log_size >= IOVA_RANGE_CACHE_MAX_SIZE:
            return 0
        rcache = self._rcaches[log_size]
        # As iova_magazine_pop: the newest fitting entry, its slot refilled by the last.
        for i in range(len(rcache) - 1, -1, -1):
            pfn = rcache[i]
            if pfn <= limit_pfn - size:
                rcache[i] = rcache[-1]
                rcache.pop()
                return pfn
        return 0

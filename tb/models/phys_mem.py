"""Physical memory: sparse, numpy-backed, cheap over a 64-bit address space.

:class:`PhysicalMemory` holds bytes at physical addresses [0, size).  Storage
is allocated in chunks of ``CHUNK`` bytes (64 KiB) on the first write that
touches them; a chunk never written reads as ``fill``.  So a 2**48-byte
address space with a few megabytes in use costs a few megabytes.

Each chunk is a numpy ``uint8`` array (bulk fills, compares and searches use
numpy) with a ``memoryview`` of it kept beside it, because the AXI model's hot
path moves one bus word at a time and a memoryview slice is the cheapest way to
do that in Python.  :meth:`read_int`/:meth:`write_lanes` are that hot path; an
access they are given never crosses a chunk (a bus word is at most 128 bytes
and aligned), the general :meth:`read`/:meth:`write` split at chunk edges.

This is the memory *behind* every port: the AXI interconnect
(:mod:`tb.models.memory_map`), the CPU's cache (:mod:`tb.models.cpu`) and the
IOMMU's page-table walker (:mod:`tb.models.iommu`) all reach the same object,
without timing; timing belongs to the ports.
"""

from __future__ import annotations

import random

import numpy as np

CHUNK_SHIFT = 16
CHUNK = 1 << CHUNK_SHIFT
_CHUNK_MASK = CHUNK - 1


class PhysicalMemory:
    """``size`` bytes of sparse memory; bytes never written read as ``fill``."""

    def __init__(self, size: int = 1 << 48, fill: int = 0) -> None:
        if size <= 0:
            raise ValueError(f"memory size must be positive, not {size}")
        if not 0 <= fill <= 0xFF:
            raise ValueError(f"fill must be a byte value, not {fill}")
        self.size = size
        self.fill = fill
        self._chunks: dict[int, np.ndarray] = {}
        self._views: dict[int, memoryview] = {}
        self._blank = bytes([fill]) * CHUNK

    # -- bookkeeping -------------------------------------------------------------------------

    def _check(self, addr: int, length: int) -> None:
        if addr < 0 or length < 0 or addr + length > self.size:
            raise ValueError(
                f"physical access [{addr:#x}, {addr + length:#x}) outside the memory"
                f" [0, {self.size:#x})"
            )

    def _chunk(self, index: int) -> memoryview:
        """The writable view of chunk ``index``, allocated (as ``fill``) if new."""
        view = self._views.get(index)
        if view is None:
            arr = np.full(CHUNK, self.fill, dtype=np.uint8)
            self._chunks[index] = arr
            view = memoryview(arr)  # type: ignore[arg-type]
            self._views[index] = view
        return view

    @property
    def allocated_bytes(self) -> int:
        """Bytes of storage in use (whole chunks)."""
        return len(self._chunks) * CHUNK

    def clear(self) -> None:
        """Forget every byte: the whole memory reads ``fill`` again."""
        self._chunks.clear()
        self._views.clear()

    # -- general access ----------------------------------------------------------------------

    def read(self, addr: int, length: int) -> bytes:
        """``length`` bytes from ``addr``."""
        self._check(addr, length)
        out = bytearray()
        while length > 0:
            index, offset = addr >> CHUNK_SHIFT, addr & _CHUNK_MASK
            n = min(CHUNK - offset, length)
            view = self._views.get(index)
            out += self._blank[:n] if view is None else view[offset : offset + n]
            addr += n
            length -= n
        return bytes(out)

    def write(self, addr: int, data: bytes | bytearray | memoryview) -> None:
        """Store ``data`` at ``addr``."""
        length = len(data)
        self._check(addr, length)
        src = memoryview(data).cast("B") if not isinstance(data, bytes) else data
        pos = 0
        while pos < length:
            index, offset = addr >> CHUNK_SHIFT, addr & _CHUNK_MASK
            n = min(CHUNK - offset, length - pos)
            self._chunk(index)[offset : offset + n] = src[pos : pos + n]
            addr += n
            pos += n

    def fill_bytes(self, addr: int, length: int, value: int) -> None:
        """Set [addr, addr + length) to ``value`` (numpy, chunk by chunk)."""
        self._check(addr, length)
        end = addr + length
        while addr < end:
            index, offset = addr >> CHUNK_SHIFT, addr & _CHUNK_MASK
            n = min(CHUNK - offset, end - addr)
            self._chunk(index)
            self._chunks[index][offset : offset + n] = value
            addr += n

    def fill_random(self, addr: int, length: int, rng: random.Random) -> None:
        """Give [addr, addr + length) random bytes from ``rng`` (so stray writes show)."""
        self.write(addr, rng.randbytes(length))

    def read_u64(self, addr: int) -> int:
        return int.from_bytes(self.read(addr, 8), "little")

    def write_u64(self, addr: int, value: int) -> None:
        self.write(addr, value.to_bytes(8, "little"))

    def read_u32(self, addr: int) -> int:
        return int.from_bytes(self.read(addr, 4), "little")

    def write_u32(self, addr: int, value: int) -> None:
        self.write(addr, value.to_bytes(4, "little"))

    # -- the hot path: one bus word, never across a chunk ------------------------------------

    def read_int(self, addr: int, length: int) -> int:
        """The ``length`` bytes at ``addr`` as a little-endian int; [addr, addr + length)
        must lie in one chunk (any aligned bus word does).  No range check: callers
        resolved the address against the memory map first."""
        view = self._views.get(addr >> CHUNK_SHIFT)
        if view is None:
            return int.from_bytes(self._blank[:length], "little")
        offset = addr & _CHUNK_MASK
        return int.from_bytes(view[offset : offset + length], "little")

    def write_lanes(self, word_addr: int, raw: bytes, strb: int, lo: int, hi: int) -> None:
        """Write the strobed bytes of one bus word: ``raw`` is the whole word as it sits on
        the bus (lane i = byte ``word_addr + i``), ``strb`` its byte enables, and only
        lanes [lo, hi) may be written.  The word lies in one chunk; no range check."""
        lanes = ((1 << (hi - lo)) - 1) << lo
        strb &= lanes
        if not strb:
            return
        view = self._chunk(word_addr >> CHUNK_SHIFT)
        base = word_addr & _CHUNK_MASK
        if strb == lanes:
            view[base + lo : base + hi] = raw[lo:hi]
            return
        for lane in range(lo, hi):
            if strb >> lane & 1:
                view[base + lane] = raw[lane]

    # -- numpy views for checks ----------------------------------------------------------------

    def array(self, addr: int, length: int) -> np.ndarray:
        """A numpy copy of [addr, addr + length) (for comparisons)."""
        return np.frombuffer(self.read(addr, length), dtype=np.uint8)

"""Checks a chain's outcome from memory alone, for chains that may have stopped early.

When an error or an abort stops a chain at an instant the bench does not
control, the exact bytes that landed are not predictable, but these rules
are, and they are what the controller promises (docs/registers.md):

* descriptors before the one that stopped are complete: destination equals
  source, LEN holds the length, status DONE with no error;
* the descriptor that stopped carries DONE, the error code and in LEN the
  bytes moved (or, aborted before it was fetched, is untouched); the first
  LEN destination bytes equal the source, and every other destination byte
  holds either its old value or the source's (never anything else); a
  descriptor whose fetch or status write failed is unchanged;
* descriptors after it are untouched, and so are their destinations, except
  after a failed write (data or status): a write error is only known when
  its response comes back, and by then the descriptors behind it may already
  be writing (the engine is pipelined), so their destination bytes hold the
  old value or the source's; their descriptors are never written back, not
  even after a failed status write (status writes do not overlap);
* but one status write covers a batch of up to ``status_batch`` contiguous
  descriptors (``Params.status_batch``): when it fails, the chain stops at its
  first one, and the others it covered (the descriptors right after, 32 bytes
  apart in one 4 KiB page) may hold their write-back (DONE, no error, their
  whole LEN; no other byte changed), their data all moved, or be untouched.
  So may the failing one itself, if the error struck another descriptor's
  status of the burst.
"""

from __future__ import annotations

import numpy as np

from sw.dmac_desc import Descriptor, completion
from sw.dmac_regs import DmacErr

NOT_WRITTEN_BACK = (DmacErr.DESC_READ, DmacErr.STATUS_WRITE, DmacErr.DESC_ALIGN)
# Errors known only after later descriptors' writes may have started
WRITE_ERRORS = (DmacErr.DATA_WRITE, DmacErr.STATUS_WRITE)


# The bytes of a descriptor its write-back writes: LEN and the status half of CTRL.
STATUS_BYTES = (range(24, 28), range(30, 32))


def written_back_only(mem: bytes, original: bytes, addr: int) -> bool:
    """Whether the descriptor at ``addr`` differs from ``original`` only in the bytes its
    write-back writes."""
    keep = [k for k in range(32) if not any(k in b for b in STATUS_BYTES)]
    return all(mem[addr + k] == original[addr + k] for k in keep)


def in_batch(chain: list[tuple[int, Descriptor]], first: int, i: int, status_batch: int) -> bool:
    """Whether descriptor ``i`` may share a status write with descriptor ``first``."""
    base = chain[first][0]
    return (
        first <= i < first + status_batch
        and all(chain[k][0] == base + 32 * (k - first) for k in range(first, i + 1))
        and chain[i][0] >> 12 == base >> 12
    )


def verify_chain(
    mem: bytes,
    original: bytes,
    chain: list[tuple[int, Descriptor]],
    completed: int,
    err: DmacErr,
    status_batch: int = 1,
) -> list[str]:
    """Problems found (empty when the outcome keeps every rule above)."""
    problems: list[str] = []
    for i, (addr, d) in enumerate(chain):
        raw = mem[addr : addr + 32]
        dst, src = mem[d.dst : d.dst + d.length], mem[d.src : d.src + d.length]
        old = original[d.dst : d.dst + d.length]
        if (
            err == DmacErr.STATUS_WRITE
            and i >= completed
            and in_batch(chain, completed, i, status_batch)
            and raw != original[addr : addr + 32]
        ):
            # In the failing status write's batch, and its write-back landed.
            c = completion(raw)
            if not (c.done and c.err == DmacErr.NONE and c.moved == d.length):
                problems.append(f"descriptor {i} in the failing batch: status {c}")
            if not written_back_only(mem, original, addr):
                problems.append(f"descriptor {i} in the failing batch: other bytes changed")
            if dst != src:
                problems.append(f"descriptor {i} written back before its data moved")
            continue
        if i < completed:
            c = completion(raw)
            if not (c.done and c.err == DmacErr.NONE and c.moved == d.length):
                problems.append(f"descriptor {i} at {addr:#x}: status {c}")
            if dst != src:
                problems.append(f"descriptor {i}: destination differs from source")
        elif i == completed and err != DmacErr.NONE:
            if err == DmacErr.ABORTED and raw == original[addr : addr + 32]:
                # Aborted before the descriptor was fetched: left as it was.
                moved = 0
                if dst != old:
                    problems.append(f"descriptor {i}: destination written but not written back")
            elif err in NOT_WRITTEN_BACK:
                moved = 0
                if raw != original[addr : addr + 32]:
                    problems.append(f"descriptor {i}: changed although its {err.name} failed")
                if err in WRITE_ERRORS:
                    moved = d.length
            else:
                c = completion(raw)
                if not (c.done and c.err == err):
                    problems.append(f"descriptor {i}: status {c}, expected {err.name}")
                moved = c.moved
            if dst[:moved] != src[:moved]:
                problems.append(f"descriptor {i}: the first {moved} bytes are not the source")
            a, b, o = (np.frombuffer(x, dtype=np.uint8) for x in (dst, src, old))
            wrong = int(np.count_nonzero((a != b) & (a != o)))
            if wrong:
                problems.append(f"descriptor {i}: {wrong} bytes hold neither old nor source data")
        else:
            if raw != original[addr : addr + 32]:
                problems.append(f"descriptor {i} at {addr:#x} changed but never ran")
            if err in WRITE_ERRORS:
                a, b, o = (np.frombuffer(x, dtype=np.uint8) for x in (dst, src, old))
                bad = np.flatnonzero((a != b) & (a != o))
                if bad.size:
                    k = int(bad[0])
                    problems.append(
                        f"descriptor {i}: {bad.size} bytes hold neither old nor source data, "
                        f"first at offset {k} of {d.length} (dst {d.dst + k:#x}: "
                        f"{a[k]:#04x}, source {b[k]:#04x}, old {o[k]:#04x})"
                    )
            elif dst != old:
                problems.append(f"descriptor {i}: destination written but never ran")
    return problems


def untouched_outside(mem: bytes, original: bytes, regions: list[tuple[int, int]]) -> list[int]:
    """Every address outside the (start, length) regions whose byte changed."""
    changed = np.frombuffer(mem, dtype=np.uint8) != np.frombuffer(original, dtype=np.uint8)
    for start, length in regions:
        changed[start : start + length] = False
    return [int(a) for a in np.flatnonzero(changed)]

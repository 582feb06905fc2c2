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
  even after a failed status write (status writes do not overlap).
"""

from __future__ import annotations

import numpy as np

from sw.dmac_desc import Descriptor, completion
from sw.dmac_regs import DmacErr

NOT_WRITTEN_BACK = (DmacErr.DESC_READ, DmacErr.STATUS_WRITE, DmacErr.DESC_ALIGN)
# Errors known only after later descriptors' writes may have started
WRITE_ERRORS = (DmacErr.DATA_WRITE, DmacErr.STATUS_WRITE)


def verify_chain(
    mem: bytes,
    original: bytes,
    chain: list[tuple[int, Descriptor]],
    completed: int,
    err: DmacErr,
) -> list[str]:
    """Problems found (empty when the outcome keeps every rule above)."""
    problems: list[str] = []
    for i, (addr, d) in enumerate(chain):
        raw = mem[addr : addr + 32]
        dst, src = mem[d.dst : d.dst + d.length], mem[d.src : d.src + d.length]
        old = original[d.dst : d.dst + d.length]
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

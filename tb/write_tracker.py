"""Scoreboard of bus writes: how many times each byte address was written with its strobe set.

Subscribes to the protocol checker's completed write bursts.  A copy that
loses or repeats a byte (for example across a pause and resume) leaves the
memory image right but shows here as a count other than one.
"""

from __future__ import annotations

import numpy as np

from tb.axi_checker import BURST_FIXED, AxiBurst, AxiChecker


class WriteTracker:
    """Per-byte write counts over ``[0, size)``, fed by an :class:`AxiChecker`."""

    def __init__(self, checker: AxiChecker, size: int, data_bytes: int) -> None:
        self.counts = np.zeros(size, dtype=np.uint16)
        self.data_bytes = data_bytes
        self.bursts = 0
        checker.add_write_callback(self._on_write)

    def _on_write(self, burst: AxiBurst) -> None:
        self.bursts += 1
        nbytes = 1 << burst.size
        aligned = burst.addr & ~(nbytes - 1)
        for beat, strb in enumerate(burst.strb):
            start = (
                burst.addr if beat == 0 or burst.burst == BURST_FIXED else aligned + beat * nbytes
            )
            word = start & ~(self.data_bytes - 1)
            for lane in range(self.data_bytes):
                if strb >> lane & 1:
                    self.counts[word + lane] += 1

    def clear(self) -> None:
        self.counts[:] = 0

    def written(self, start: int, length: int) -> np.ndarray:
        return self.counts[start : start + length]

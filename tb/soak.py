"""What a random regression run did and what went wrong, counted for the soak report.

Each cocotb process of the random regression (tb/test_random.py) adds its
iterations to :data:`COUNTS` and writes the process's totals, after each test,
to ``soak.json`` in its test folder (or ``DMAC_SOAK_FILE``); ``tools/soak.py``
adds up the files of a run and prints them.

An iteration that fails is counted by what failed (:class:`Problem` kinds), not
stopped at: the bench logs the problems and the command that replays the
iteration alone, resets the controller and goes on, and the test fails at its
end if any iteration did.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

DEFAULT_FILE = "soak.json"

# Kinds of problem, each with its own counter.
MISMATCH = "mismatch"  # a destination byte, a descriptor's write-back or a register is wrong
GUARD = "guard"  # a byte outside every chain changed
PROTOCOL = "protocol"  # a protocol checker rule broken (either port)
HANG = "hang"  # a channel still busy when its time ran out


@dataclass
class Counts:
    """Totals of one process, or of a run (:meth:`add`)."""

    iterations: int = 0
    descriptors: int = 0  # descriptors moved (the channels' COMPLETED, added up)
    bytes_checked: int = 0  # destination and descriptor bytes checked against the rules
    guard_bytes: int = 0  # bytes outside every chain checked unchanged
    errors_injected: int = 0  # bus errors and IOMMU faults set up to strike
    pauses: int = 0  # PAUSE writes to a busy channel
    aborts: int = 0  # ABORT writes to a busy channel
    mismatches: int = 0
    guard_writes: int = 0  # bytes outside every chain found changed
    protocol_violations: int = 0
    hangs: int = 0
    failed_iterations: int = 0

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def clean(self) -> bool:
        return not (
            self.mismatches
            or self.guard_writes
            or self.protocol_violations
            or self.hangs
            or self.failed_iterations
        )

    def lines(self) -> list[str]:
        """The report: what was exercised, then what went wrong."""
        return [
            f"iterations {self.iterations}, descriptors moved {self.descriptors}, "
            f"bytes checked {self.bytes_checked} (and {self.guard_bytes} guard bytes)",
            f"errors injected {self.errors_injected}, pauses {self.pauses}, aborts {self.aborts}",
            f"mismatches {self.mismatches}, guard-byte writes {self.guard_writes}, "
            f"protocol violations {self.protocol_violations}, hangs {self.hangs}, "
            f"failed iterations {self.failed_iterations}",
        ]


@dataclass
class Problem:
    kind: str  # MISMATCH, GUARD, PROTOCOL or HANG
    message: str
    count: int = 1  # bytes for GUARD, rules broken for PROTOCOL


class IterationFailed(Exception):
    """An iteration's checks found problems (already counted)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.kind}: {p.message}" for p in problems))
        self.problems = problems


COUNTS = Counts()


def output_path() -> Path:
    return Path(os.environ.get("DMAC_SOAK_FILE", DEFAULT_FILE))


def write(path: Path | None = None) -> Path:
    """This process's totals so far, to its file."""
    path = output_path() if path is None else path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(COUNTS), indent=1) + "\n")
    return path


def load(path: Path) -> Counts:
    data = json.loads(path.read_text())
    return Counts(**{f.name: int(data.get(f.name, 0)) for f in fields(Counts)})

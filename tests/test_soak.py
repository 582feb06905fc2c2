"""The soak's counts (tb/soak.py) and their sum (tools/soak.py); no simulator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tb import soak
from tb.toolchain import ROOT


def test_counts_add_and_report(tmp_path: Path) -> None:
    a = soak.Counts(iterations=3, descriptors=10, bytes_checked=100, pauses=1)
    b = soak.Counts(iterations=2, descriptors=5, aborts=2)
    a.add(b)
    assert (a.iterations, a.descriptors, a.bytes_checked, a.pauses, a.aborts) == (5, 15, 100, 1, 2)
    assert a.clean
    text = "\n".join(a.lines())
    assert "descriptors moved 15" in text and "hangs 0" in text
    for field in ("mismatches", "guard_writes", "protocol_violations", "hangs"):
        bad = soak.Counts(**{field: 1})
        assert not bad.clean, field


def test_write_load_and_sum(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    files = []
    for i, counts in enumerate([soak.Counts(descriptors=7), soak.Counts(descriptors=5, hangs=1)]):
        monkeypatch.setattr(soak, "COUNTS", counts)
        files.append(soak.write(tmp_path / f"run{i}" / soak.DEFAULT_FILE))
    assert soak.load(files[0]) == soak.Counts(descriptors=7)
    cmd = [sys.executable, "-m", "tools.soak", "--sum", *map(str, files)]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert "descriptors moved 12" in out.stdout and "hangs 1" in out.stdout, out.stdout
    assert out.returncode == 1, "a hang must fail the sum"
    out = subprocess.run(cmd[:-1], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr

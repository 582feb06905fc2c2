"""Merge the functional coverage files of a run and print the report.

Each bench run that samples coverage (tb/test_random.py, tb/test_dmac_dev.py)
leaves ``coverage.yml`` (cocotb-coverage's YAML export) in its build folder
under ``build/sim``; this merges them with cocotb-coverage's
``merge_coverage`` into ``build/coverage.yml`` and prints, per point and
cross, the bins hit out of all and the bins missed, then the total::

    python -m tools.coverage                  # every build/sim/*/coverage.yml
    python -m tools.coverage a.yml b.yml      # just these files
    python -m tools.coverage --fail-under 90  # exit 1 below 90 % of all bins

Files whose bins differ from the model in tb/coverage.py (left by an older
checkout) are refused: rerun the benches.  :func:`terminal_summary` prints the
same report at the end of a pytest run, for the benches that run ran.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cocotb_coverage.coverage import merge_coverage

from tb import coverage
from tb.toolchain import BUILD_DIR

MERGED = BUILD_DIR / "coverage.yml"


def find_files(root: Path = BUILD_DIR / "sim") -> list[Path]:
    return sorted(root.glob(f"*/{coverage.DEFAULT_FILE}"))


def _bins(db: dict[str, Any]) -> dict[str, list[str]]:
    return {i.name: list(i.hits) for i in coverage.items(db)}


def merge(files: Sequence[Path], out: Path = MERGED) -> dict[str, Any]:
    """Merge ``files`` (same model) into ``out`` and return the merged database."""
    if not files:
        raise ValueError("no coverage files to merge")
    model = _bins(coverage.load(files[0]))
    for f in files[1:]:
        if _bins(coverage.load(f)) != model:
            raise ValueError(f"{f}: bins differ from {files[0]}'s; rerun the benches")
    out.parent.mkdir(parents=True, exist_ok=True)
    merge_coverage(lambda _msg: None, str(out), *[str(f) for f in files])
    return coverage.load(out)


def render(files: Sequence[Path], details: bool = True, out: Path = MERGED) -> list[str]:
    """The report lines for ``files``: where they came from, then the merged report."""
    db = merge(files, out)
    lines = [f"functional coverage: {len(files)} file(s) merged into {out}"]
    now = time.time()
    for f in files:
        age = now - f.stat().st_mtime
        lines.append(f"  {f} ({age / 60:.0f} min old)")
    return lines + coverage.report(db, details)


def terminal_summary(terminalreporter: Any, results: Sequence[Path], out: Path = MERGED) -> None:
    """For tests/conftest.py's ``pytest_terminal_summary``: the merged report of the coverage
    files beside the cocotb results files ``results`` of this session (none: no output)."""
    files = sorted({p.parent / coverage.DEFAULT_FILE for p in results})
    files = [f for f in files if f.exists()]
    if not files:
        return
    terminalreporter.write_sep("=", "functional coverage")
    for line in render(files, details=True, out=out):
        terminalreporter.write_line(line)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="coverage files (default: build/sim)")
    parser.add_argument("--brief", action="store_true", help="do not list the missed bins")
    parser.add_argument(
        "--fail-under", type=float, default=None, help="exit 1 below this total percentage"
    )
    args = parser.parse_args(argv)
    files = args.files or find_files()
    if not files:
        print("no coverage files: run the random regression first (make coverage)")
        return 1
    for line in render(files, details=not args.brief):
        print(line)
    hit, size = coverage.totals(coverage.items(coverage.load(MERGED)))
    if args.fail_under is not None and 100 * hit / max(size, 1) < args.fail_under:
        print(f"coverage {100 * hit / size:.1f}% is below {args.fail_under}%")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

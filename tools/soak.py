"""``make soak SEEDS=N``: the random regression over N bench seeds per simulator and bus
width, in parallel on this machine's cores, then the counts of the whole run.

    python -m tools.soak --seeds 50                  # both simulators, both widths
    python -m tools.soak --seeds 50 --sim verilator  # one simulator
    python -m tools.soak --seeds 400 --shard 3/8     # shard 3 of 8 (one CI runner's)
    python -m tools.soak --seeds 400 --shard 3/8 --base 1000   # the same seeds anywhere

A soak larger than one machine is split by seed over CI runners, one command per
runner: ``--shard K/M`` hands pytest-split ``--splits M --group K``, which cuts the
run's items (one per bench seed) into M groups of nearly equal count; with ``--base``
the bench seeds are ``base``, ``base + 1``, ... in item order, so every runner's shard is
the same set of seeds wherever it runs, and the M shards together run each seed once.
Each runner prints its own counts; add them up with ``python -m tools.soak --sum
<the soak.json files>``.

Counts (tb/soak.py): iterations, descriptors moved, bytes checked, errors injected,
pauses, aborts, then mismatches, guard-byte writes, protocol violations, hangs and
failed iterations, which must all be zero.  A failing iteration's log line gives the
``make waves ... REPLAY=<seed>`` command that runs it alone with waves and the
transaction log.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from tb import soak
from tb.toolchain import BUILD_DIR, ROOT


def counts_of(files: Iterable[Path]) -> tuple[soak.Counts, int]:
    """The sum of the counts files that exist, and how many there were."""
    total, n = soak.Counts(), 0
    for f in files:
        if f.exists():
            total.add(soak.load(f))
            n += 1
    return total, n


def terminal_summary(tr, results: list[Path]) -> None:  # type: ignore[no-untyped-def]
    """The counts beside this pytest run's results files, at the end of its output."""
    total, n = counts_of(p.parent / soak.DEFAULT_FILE for p in results)
    if not n:
        return
    tr.write_sep("=", f"random regression counts ({n} runs)")
    for line in total.lines():
        tr.write_line(line)
    if not total.clean:
        tr.write_line("FAILED: see the failing iterations' replay commands in their logs")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seeds", type=int, default=10, help="bench seeds per simulator and width")
    ap.add_argument("--sim", action="append", choices=["icarus", "verilator"])
    ap.add_argument("--shard", help="K/M: run group K (1-based) of M (pytest-split)")
    ap.add_argument("--base", type=int, help="first bench seed (default: random seeds)")
    ap.add_argument("--iterations", type=int, help="iterations per test and seed (default 12)")
    ap.add_argument("--jobs", default="auto", help="pytest-xdist workers (default: one per core)")
    ap.add_argument("--sum", nargs="+", type=Path, metavar="FILE", help="add up counts files")
    args = ap.parse_args()
    if args.sum:
        total, n = counts_of(args.sum)
        print(f"{n} counts file(s)")
        print("\n".join(total.lines()))
        sys.exit(0 if total.clean else 1)

    env = dict(os.environ, DMAC_SOAK_SEEDS=str(args.seeds))
    if args.base is not None:
        env["DMAC_SOAK_BASE"] = str(args.base)
    if args.iterations is not None:
        env["DMAC_RANDOM_ITERATIONS"] = str(args.iterations)
    cmd = [sys.executable, "-m", "pytest", "-n", args.jobs, "-q", "tests/test_random.py"]
    for sim in args.sim or []:
        cmd += ["--sim", sim]
    if args.shard:
        k, m = (int(x) for x in args.shard.split("/"))
        if not 1 <= k <= m:
            sys.exit(f"error: --shard {args.shard}: K must be 1..M")
        cmd += ["--splits", str(m), "--group", str(k)]
    print("soak:", " ".join(cmd), flush=True)
    start = time.monotonic()
    rc = subprocess.run(cmd, cwd=ROOT, env=env).returncode
    print(f"soak: {time.monotonic() - start:.0f} s wall; counts files under {BUILD_DIR / 'sim'}")
    sys.exit(rc)


if __name__ == "__main__":
    main()

"""How busy the software stack keeps the controller: dmatest through the whole stack
against the register-level best, four threads on four channels (tb/bench_stack.py).

``.venv/bin/python -m tools.bench_stack [--sim icarus|verilator] [--count N]`` prints the
table; ``make bench`` includes it.  Targets (issue 19): the stack at least 90% of the raw
figure for 16 KiB buffers and 75% for 1 KiB; the simulation's cycles per CPU second with
the stack in the loop at least 70% of the bare register-level run's.

KB/s are bytes moved over the elapsed simulated time of all four channels together
(dmatest's own per-thread figures, summed, are shown beside them).  The CPU model runs
software in zero simulated time: what the stack costs the controller here is its register
round trips, interrupt handling latency and the gaps between chains, not instructions.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tb.toolchain import BUILD_DIR, SIMULATORS, assert_passed, run_bench

SIZES = [16384, 1024]
PARAMS = {"DATA_WIDTH": 64}


def measure(sim: str = "icarus", count: int = 16) -> list[dict[str, object]]:
    out = BUILD_DIR / "bench" / f"stack-{sim}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    results = run_bench(
        sim,
        toplevel="dmac",
        test_module="tb.bench_stack",
        build_name="bench-stack",
        parameters=PARAMS,
        extra_env={
            "DMAC_PARAMS": json.dumps(PARAMS),
            "BENCH_SIZES": json.dumps(SIZES),
            "BENCH_COUNT": str(count),
            "BENCH_OUT": str(out),
            "COCOTB_LOG_LEVEL": "WARNING",
            "PYTHONWARNINGS": "ignore",
        },
    )
    assert_passed(Path(results))
    records = [json.loads(line) for line in out.read_text().splitlines()]
    for rec in records:
        rec["sim"] = sim
    return records


def table(records: list[dict[str, object]]) -> str:
    rows = [
        "Stack against register level, 4 channels at once (tb/bench_stack.py)",
        "",
        "| sim | size | raw KB/s | stack KB/s | stack/raw | dmatest's KB/s, 4 threads summed "
        "| raw cycles/s | stack cycles/s | stack/raw |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    by = {(r["sim"], r["kind"], r["size"]): r for r in records}
    for sim in sorted({str(r["sim"]) for r in records}):
        for size in SIZES:
            raw, stack = by.get((sim, "raw", size)), by.get((sim, "stack", size))
            if raw is None or stack is None:
                continue
            raw_kbs, st_kbs = float(raw["kbs"]), float(stack["kbs"])  # type: ignore[arg-type]
            dt_kbs = float(stack["dmatest_kbs"])  # type: ignore[arg-type]
            raw_cps = float(raw["cycles"]) / float(raw["cpu_seconds"])  # type: ignore[arg-type]
            st_cps = float(stack["cycles"]) / float(stack["cpu_seconds"])  # type: ignore[arg-type]
            rows.append(
                f"| {sim} | {size} | {raw_kbs:,.0f} | {st_kbs:,.0f} | {st_kbs / raw_kbs:.0%} "
                f"| {dt_kbs:,.0f} | {raw_cps:,.0f} | {st_cps:,.0f} | {st_cps / raw_cps:.0%} |"
            )
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sim", default="icarus", choices=SIMULATORS)
    ap.add_argument("--count", type=int, default=16, help="copies per channel and size")
    args = ap.parse_args()
    records = measure(args.sim, args.count)
    path = BUILD_DIR / "bench-stack.json"
    path.write_text(json.dumps(records, indent=1) + "\n")
    print(table(records))
    for rec in records:
        for line in rec.get("summaries", []):  # type: ignore[union-attr]
            print(f"  {rec['size']:>6}: {line}")


if __name__ == "__main__":
    main()

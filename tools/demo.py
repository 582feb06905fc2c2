"""``make demo [SIM=icarus|verilator]``: build the controller once and run tb/demo.py on it.

It prints dmatest's summary line per channel and one line per client, with a progress
line as each part starts; it exits non-zero if any check failed.
"""

from __future__ import annotations

import argparse
import json
import sys

from tb.toolchain import SIMULATORS, assert_passed, run_bench

PARAMS = {"DATA_WIDTH": 64}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sim", default="icarus", choices=SIMULATORS)
    ap.add_argument("--iterations", type=int, default=20, help="dmatest tests per thread")
    ap.add_argument("--coherent", action="store_true", help="a cache-coherent CPU")
    args = ap.parse_args()
    print(f"demo: building the controller for {args.sim} ...", flush=True)
    results = run_bench(
        args.sim,
        toplevel="dmac",
        test_module="tb.demo",
        build_name="demo-dw64",
        parameters=PARAMS,
        extra_env={
            "DMAC_PARAMS": json.dumps(PARAMS),
            "COCOTB_LOG_LEVEL": "WARNING",
            "PYTHONWARNINGS": "ignore",
            "DEMO_ITERATIONS": str(args.iterations),
            "DEMO_COHERENT": "1" if args.coherent else "0",
        },
    )
    try:
        assert_passed(results)
    except AssertionError as exc:
        print(f"demo: FAILED: {exc}", flush=True)
        sys.exit(1)
    print("demo: all checks passed", flush=True)


if __name__ == "__main__":
    main()

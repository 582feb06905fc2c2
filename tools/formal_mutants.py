"""Show that the formal properties bite: break a scratch copy of the RTL and check BMC catches it.

Each mutant is a string replacement on the real RTL (copied to build/formal/mutants/NAME/rtl;
rtl/ itself is never touched); a replacement that no longer matches the RTL is an error, not a
pass. BMC (the `bmc_mutant` task of formal/dmac.sby, or the mutant's own task: `bmc_dev` for
the request lines) must fail on each, and the failing property and the counterexample waveform
are printed.

    python -m tools.formal_mutants            # all mutants
    python -m tools.formal_mutants wlast_early
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tools import formal

MUTANT_DIR = formal.BUILD_DIR / "mutants"
TASK = "bmc_mutant"


@dataclass(frozen=True)
class Mutant:
    name: str
    what: str
    file: str
    edits: tuple[tuple[str, str], ...]
    # The property expected to catch it (any failure counts; this one is reported)
    expect: str
    # The task of formal/dmac.sby that runs it
    task: str = TASK


MUTANTS = [
    Mutant(
        "wlast_early",
        "WLAST one beat early (on the last-but-one beat of every burst of two or more)",
        "dmac_wr_mover.v",
        (
            ("h_last_reg   <= h_left_reg == 8'd1;", "h_last_reg   <= h_left_reg == 8'd2;"),
            ("h_last_reg   <= wq_len == 8'd0;", "h_last_reg   <= wq_len <= 8'd1;"),
        ),
        "ERRM_WDATA_NUM",
    ),
    Mutant(
        "cross_4k",
        "the burst splitter never cuts at a 4 KiB boundary",
        "dmac_burst_len.v",
        (
            ("assign cut_now        = {1'b0, in_page} > LIMIT_V;", "assign cut_now        = 1'b0;"),
            (
                "assign cut_after_full = (LOW < 0 || {1'b0, in_page} > LOW_V) && "
                "{1'b0, in_page} < LIMIT_V;",
                "assign cut_after_full = 1'b0;",
            ),
        ),
        "ERRM_ARADDR_BOUNDARY or ERRM_AWADDR_BOUNDARY",
    ),
    Mutant(
        "valid_dropped",
        "the register slices load their output even while it is stalled (VALID dropped)",
        "dmac_skid.v",
        (("if (m_ready || !m_valid) begin", "if (1'b1) begin"),),
        "ERRM_*VALID_STABLE",
    ),
    Mutant(
        "w_before_aw",
        "the W order ring is written when the AW enters its slice, not when it is taken",
        "dmac_axi_mux.v",
        (
            (
                "wire                    aw_fire = m_axi_awvalid && m_axi_awready;",
                "wire                    aw_fire = aw_take;",
            ),
        ),
        "W_AFTER_AW",
    ),
    Mutant(
        "ack_at_issue",
        "a device request acknowledged when its device-side burst is issued, not completed",
        "dmac_lane.v",
        (
            (
                "if (svc_busy_reg && (cfg_flow == FLOW_DEV2MEM ? rd_dev_done : jdone)) begin",
                "if (svc_busy_reg && (cfg_flow == FLOW_DEV2MEM ? rd_ar_valid && rd_ar_ready"
                " : wr_aw_valid && wr_aw_ready)) begin",
            ),
        ),
        "REQ_ACK_AFTER_BURST",
        task="bmc_dev",
    ),
    Mutant(
        "fifo_pop_empty",
        "the data FIFO is popped whenever its output slice has room, empty or not",
        "dmac_lane.v",
        (("assign ram_pop = ram_valid && ram_ready;", "assign ram_pop = ram_ready;"),),
        "FIFO_NO_UNDERFLOW",
    ),
]


def apply(mutant: Mutant, rtl: Path) -> None:
    path = rtl / mutant.file
    text = path.read_text()
    for old, new in mutant.edits:
        count = text.count(old)
        if count != 1:
            raise formal.ToolError(
                f"mutant {mutant.name}: {old!r} found {count} times in {mutant.file}"
            )
        text = text.replace(old, new)
    path.write_text(text)


def run_mutant(mutant: Mutant) -> tuple[Mutant, formal.Result]:
    base = MUTANT_DIR / mutant.name
    if base.exists():
        shutil.rmtree(base)
    rtl = base / "rtl"
    shutil.copytree(formal.RTL_DIR, rtl)
    apply(mutant, rtl)
    [result] = formal.run([mutant.task], rtl_dir=rtl, work=base / "work", verbose=False)
    return mutant, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="mutants (default: all)")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.names or m.name in args.names]
    try:
        formal.make_shims(formal.BUILD_DIR / "bin")
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            results = list(pool.map(run_mutant, chosen))
    except formal.ToolError as err:
        print(err, file=sys.stderr)
        return 2
    missed = 0
    for mutant, result in results:
        caught = result.status == "FAIL"
        missed += not caught
        verdict = "caught" if caught else f"NOT caught ({result.status})"
        print(f"{mutant.name:<14} {verdict:<8} {result.seconds:6.1f} s  {mutant.what}")
        print(f"{'':<14} expected {mutant.expect}; {result.detail or 'no detail'}")
        if result.vcd is not None:
            print(f"{'':<14} waveform: {result.vcd}")
    print(f"mutants: {len(results) - missed} passed, {missed} failed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

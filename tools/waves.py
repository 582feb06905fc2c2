"""``make waves TEST=<name>``: run one cocotb test with waves, a GTKWave save file and the
transaction log, and say where they are.

TEST is a cocotb test name as the benches print it, e.g. ``test_bus_error`` (all its
parameter sets) or ``test_bus_error/where=status/latency=2`` (one); it is looked up in
the bench modules listed in MODULES.  The run builds the top with DATA_WIDTH 64 on
Icarus (FST) by default; SIM=verilator writes VCD; PARAMS=NAME=VALUE,... sets the
parameters.  A failing iteration of the random regression prints the command that
replays it alone (``REPLAY=<iteration seed>``, with the PARAMS of its run).  Output,
in build/waves/<test>-<sim>/:

* the waves (``dmac.fst`` or ``dump.vcd``);
* ``dmac.gtkw``: signals grouped by interface (register bus, each AXI channel,
  request lines, each channel's state) in readable formats; open with
  ``gtkwave build/waves/<test>-<sim>/dmac.gtkw``;
* ``transactions.log``: one line per descriptor fetched, burst, error, interrupt and
  request acknowledge, with cycle numbers (tb/txlog.py).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from tb.toolchain import BUILD_DIR, ROOT, run_bench

MODULES = [
    "tb.test_dmac",
    "tb.test_dmac_dev",
    "tb.test_random",
    "tb.test_system",
    "tb.test_system_iommu",
    "tb.test_system_dma_map",
    "tb.test_system_dmaengine",
    "tb.test_system_dmatest",
    "tb.test_system_clients",
    "tb.test_system_net",
]
PARAMS = {"DATA_WIDTH": 64}

# (group, [(signal, GTKWave format flag)]); "%c" expands to each channel index.
HEX, BIN, DEC = "22", "28", "24"


def axi_group(prefix: str, name: str, fields: list[tuple[str, str]]) -> tuple[str, list]:
    return name, [(f"{prefix}_{f}", fmt) for f, fmt in fields]


def groups(num_channels: int) -> list[tuple[str, list[tuple[str, str]]]]:
    out = [
        (
            "Clock and reset",
            [("clk", BIN), ("rst", BIN), ("irq", BIN)],
        ),
        axi_group(
            "s_axil",
            "Register bus (AXI4-Lite)",
            [
                ("awvalid", BIN),
                ("awready", BIN),
                ("awaddr", HEX),
                ("wvalid", BIN),
                ("wready", BIN),
                ("wdata", HEX),
                ("wstrb", HEX),
                ("bvalid", BIN),
                ("bready", BIN),
                ("arvalid", BIN),
                ("arready", BIN),
                ("araddr", HEX),
                ("rvalid", BIN),
                ("rready", BIN),
                ("rdata", HEX),
            ],
        ),
        axi_group(
            "m_axi",
            "AXI AR",
            [
                ("arvalid", BIN),
                ("arready", BIN),
                ("arid", HEX),
                ("araddr", HEX),
                ("arlen", DEC),
                ("arsize", DEC),
                ("arburst", DEC),
            ],
        ),
        axi_group(
            "m_axi",
            "AXI R",
            [
                ("rvalid", BIN),
                ("rready", BIN),
                ("rid", HEX),
                ("rdata", HEX),
                ("rresp", DEC),
                ("rlast", BIN),
            ],
        ),
        axi_group(
            "m_axi",
            "AXI AW",
            [
                ("awvalid", BIN),
                ("awready", BIN),
                ("awid", HEX),
                ("awaddr", HEX),
                ("awlen", DEC),
                ("awsize", DEC),
                ("awburst", DEC),
            ],
        ),
        axi_group(
            "m_axi",
            "AXI W",
            [("wvalid", BIN), ("wready", BIN), ("wdata", HEX), ("wstrb", HEX), ("wlast", BIN)],
        ),
        axi_group(
            "m_axi", "AXI B", [("bvalid", BIN), ("bready", BIN), ("bid", HEX), ("bresp", DEC)]
        ),
        (
            "Request lines",
            [
                ("dma_req_burst", BIN),
                ("dma_req_single", BIN),
                ("dma_req_last", BIN),
                ("dma_ack", BIN),
                ("dma_tc", BIN),
            ],
        ),
    ]
    for c in range(num_channels):
        lane = f"g_chan[{c}].lane_inst"
        chan = f"g_chan[{c}].chan_inst"
        out.append(
            (
                f"Channel {c}",
                [
                    (f"{chan}.busy_reg", BIN),
                    (f"{chan}.pause_reg", BIN),
                    (f"{lane}.running_reg", BIN),
                    (f"{lane}.halting_reg", BIN),
                    (f"{lane}.err_valid_reg", BIN),
                    (f"{lane}.err_code_reg", DEC),
                    (f"{lane}.cur_desc", HEX),
                    (f"{lane}.residue", DEC),
                    (f"{lane}.dq_count", DEC),
                    (f"{lane}.disp_seq_reg", DEC),
                    (f"{lane}.retire_seq_reg", DEC),
                    (f"{lane}.aw_seq", DEC),
                    (f"{lane}.cpl_valid", BIN),
                    (f"{lane}.halt_valid", BIN),
                    (f"{lane}.cur_valid_reg", BIN),
                    (f"{lane}.svc_busy_reg", BIN),
                ],
            )
        )
    return out


def gtkw(dump: Path, num_channels: int, top: str = "dmac") -> str:
    """A GTKWave save file: one group per interface."""
    lines = [f'[dumpfile] "{dump}"', "[timestart] 0", "[size] 1600 1000", "[pos] -1 -1"]
    for name, signals in groups(num_channels):
        lines += ["@800200", f"-{name}"]
        for sig, fmt in signals:
            lines += [f"@{fmt}", f"{top}.{sig}"]
        lines += ["@1000200", f"-{name}"]
    return "\n".join(lines) + "\n"


def parse_params(text: str) -> dict[str, int]:
    """``DATA_WIDTH=32,MAX_BURST_LEN=8`` as a dictionary."""
    out = {}
    for item in text.split(","):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            sys.exit(f"error: parameter {item!r} is not NAME=VALUE")
        out[name.strip()] = int(value, 0)
    return out


def find_module(test: str) -> str:
    base = test.split("/")[0]
    for module in MODULES:
        path = ROOT / (module.replace(".", "/") + ".py")
        if not path.exists():
            continue
        text = path.read_text()
        if re.search(rf"^async def {re.escape(base)}\(", text, flags=re.MULTILINE):
            return module
    sys.exit(f"error: no cocotb test {base!r} in {', '.join(MODULES)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("test", help="cocotb test name, optionally with /param=value...")
    ap.add_argument("--sim", default="icarus", choices=["icarus", "verilator"])
    ap.add_argument(
        "--params",
        default="",
        help="parameters as NAME=VALUE,... (default DATA_WIDTH=64; the random regression "
        "prints the ones of its run)",
    )
    ap.add_argument(
        "--replay",
        type=int,
        help="random regression: run only the iteration with this seed (DMAC_RANDOM_REPLAY)",
    )
    ap.add_argument("--seed", type=int, help="bench seed (DMAC_SEED)")
    args = ap.parse_args()
    params = parse_params(args.params) if args.params else dict(PARAMS)
    module = find_module(args.test)
    safe = re.sub(r"[^A-Za-z0-9_.=-]+", "_", args.test)
    out = BUILD_DIR / "waves" / f"{safe}-{args.sim}"
    out.mkdir(parents=True, exist_ok=True)
    log = out / "transactions.log"
    log.unlink(missing_ok=True)
    env = {"DMAC_PARAMS": json.dumps(params), "DMAC_TXLOG": str(log)}
    if args.replay is not None:
        env["DMAC_RANDOM_REPLAY"] = str(args.replay)
    if args.seed is not None:
        env["DMAC_SEED"] = str(args.seed)
    tag = "-".join(f"{k}{v}" for k, v in params.items())
    build = run_bench(
        args.sim,
        toplevel="dmac",
        test_module=module,
        build_name=f"waves-{module.split('.')[-1]}-{tag}",
        parameters=params,
        test_filter=re.escape(args.test) + ("$" if "/" in args.test else ""),
        waves=True,
        extra_env=env,
    )
    build_dir = build.parent
    dumps = sorted(build_dir.glob("*.fst")) + sorted(build_dir.glob("*.vcd"))
    if not dumps:
        sys.exit(f"error: no waves written in {build_dir}")
    dump = out / dumps[0].name
    dump.write_bytes(dumps[0].read_bytes())
    channels = int(params.get("NUM_CHANNELS", 4))
    (out / "dmac.gtkw").write_text(gtkw(dump.resolve(), num_channels=channels))
    print(f"waves:            {dump}")
    print(f"GTKWave:          gtkwave {out / 'dmac.gtkw'}")
    print(f"transaction log:  {log}")


if __name__ == "__main__":
    main()

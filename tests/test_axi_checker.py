"""The AXI4 / AXI4-Lite protocol checkers catch every rule they claim, on both simulators."""

from __future__ import annotations

from tb.toolchain import ROOT, assert_passed, run_bench


def test_axi_checker(sim: str) -> None:
    results = run_bench(
        sim,
        toplevel="axi_checker_harness",
        test_module="tb.test_axi_checker",
        build_name="axi_checker",
        sources=[ROOT / "tb/hdl/axi_checker_harness.v"],
    )
    assert_passed(results)

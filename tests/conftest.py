"""Shared pytest set-up: the simulator axis, the cocotb bench fixture, the regression summary."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from tb.toolchain import SIMULATORS, assert_passed, run_bench

RESULTS_KEY = "cocotb_results"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--sim",
        action="append",
        choices=SIMULATORS,
        help="simulator(s) to run the cocotb benches on (default: both)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "sim" in metafunc.fixturenames:
        sims = metafunc.config.getoption("sim") or list(SIMULATORS)
        metafunc.parametrize("sim", sims)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "sim" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.sim)


@pytest.fixture
def bench_on(record_property: Callable[[str, object], None]) -> Callable[..., None]:
    """Build and run a cocotb bench on the simulator given as first argument; fail unless
    its tests ran and all passed.  Takes the keyword arguments of
    :func:`tb.toolchain.run_bench`."""

    def run(sim: str, **kwargs: object) -> None:
        results = run_bench(sim, **kwargs)  # type: ignore[arg-type]
        record_property(RESULTS_KEY, str(results))
        assert_passed(results)

    return run


@pytest.fixture
def bench(sim: str, bench_on: Callable[..., None]) -> Callable[..., None]:
    """:func:`bench_on` on the ``sim`` axis (both simulators unless ``--sim`` says)."""

    def run(**kwargs: object) -> None:
        bench_on(sim, **kwargs)

    return run


# -- regression summary: one row per cocotb test, from the results files of this run ---------

_results: list[tuple[str, str]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # On the controller too under xdist: user_properties travel with the report.
    if report.when == "call":
        for key, value in report.user_properties:
            if key == RESULTS_KEY:
                _results.append((report.nodeid, str(value)))


def _cocotb_rows(nodeid: str, path: Path) -> list[tuple[str, str, str, str]]:
    bench_id = nodeid.split("::")[-1]
    rows = []
    for case in ET.parse(path).getroot().iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = "FAIL"
        elif case.find("skipped") is not None:
            outcome = "SKIP"
        else:
            outcome = "pass"
        sim_ns = props.get("sim_time_duration", "")
        rows.append((bench_id, case.get("name", "?"), outcome, sim_ns))
    return rows


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    if not _results:
        return
    rows: list[tuple[str, str, str, str]] = []
    for nodeid, path in sorted(set(_results)):
        if Path(path).exists():
            rows.extend(_cocotb_rows(nodeid, Path(path)))
    if not rows:
        return
    tr = terminalreporter
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    tr.write_sep("=", "cocotb regression summary")
    tr.write_line(f"{'bench':<{w0}}  {'test':<{w1}}  result  sim time (ns)")
    for bench_id, name, outcome, sim_ns in rows:
        ns = f"{float(sim_ns):>13.0f}" if sim_ns else ""
        tr.write_line(f"{bench_id:<{w0}}  {name:<{w1}}  {outcome:<6}  {ns}")
    failed = sum(r[2] == "FAIL" for r in rows)
    passed = sum(r[2] == "pass" for r in rows)
    tr.write_line(f"cocotb tests: {passed} passed, {failed} failed, {len(rows)} ran")
    from tools.coverage import terminal_summary as coverage_summary

    coverage_summary(tr, [Path(p) for _, p in sorted(set(_results))])
    from tools.soak import terminal_summary as soak_summary

    soak_summary(tr, [Path(p) for _, p in sorted(set(_results))])

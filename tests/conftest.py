"""Shared pytest set-up: the simulator axis and the regression summary table."""

from __future__ import annotations

import os
import time

import pytest

from tb.toolchain import SIMULATORS


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


_rows: list[tuple[str, str, float]] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _rows.append((item.nodeid, report.outcome, report.duration))


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config):  # type: ignore[no-untyped-def]
    # Under xdist the controller sees every worker's reports here.
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        key = (report.nodeid, report.outcome, report.duration)
        if key not in _rows:
            _rows.append(key)


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    if not _rows or os.environ.get("DMAC_NO_SUMMARY"):
        return
    tr = terminalreporter
    width = max(len(r[0]) for r in _rows)
    tr.write_sep("=", "regression summary")
    tr.write_line(f"{'test':<{width}}  {'result':<7}  {'seconds':>8}")
    for nodeid, outcome, duration in sorted(set(_rows)):
        tr.write_line(f"{nodeid:<{width}}  {outcome:<7}  {duration:8.1f}")
    counts: dict[str, int] = {}
    for _, outcome, _ in set(_rows):
        counts[outcome] = counts.get(outcome, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    tr.write_line(f"total: {summary} ({time.strftime('%H:%M:%S')})")

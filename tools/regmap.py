"""Generate the register constants, C headers and register reference from regs/dmac.rdl.

``python -m tools.regmap`` (from the repository root) rewrites the generated
files that differ from what the RDL gives; ``--check`` writes nothing and exits
with status 1, naming each stale or missing file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from peakrdl_cheader.exporter import CHeaderExporter
from systemrdl import RDLCompiler
from systemrdl.node import AddrmapNode, FieldNode, RegfileNode, RegNode
from systemrdl.rdltypes import OnWriteType, UserEnum

ROOT = Path(__file__).resolve().parent.parent
RDL_FILE = Path("regs/dmac.rdl")
REG_MAP = "dmac"
DESC_MAP = "dmac_desc"

VERILOG_FILE = Path("rtl/dmac_regs.vh")
PYTHON_FILE = Path("sw/dmac_regs.py")
C_HEADERS = {REG_MAP: Path("sw/include/dmac_regs.h"), DESC_MAP: Path("sw/include/dmac_desc.h")}
DOC_FILE = Path("docs/registers.md")

NOTICE = (
    f"Generated from {RDL_FILE} by tools/regmap.py. Do not edit:",
    f"change {RDL_FILE} and run `python -m tools.regmap`.",
)

# Access codes of the register reference for the onwrite behaviours the RDL uses.
ONWRITE_CODES = {OnWriteType.woclr: "W1C"}
ACCESS_LEGEND = (
    "**Access:** RO read-only; WO write-only; RW read/write; "
    "RW1C read, write 1 to clear (writing 0 has no effect); "
    "*pulse*: a written 1 lasts one clock cycle. "
    "**Reset:** — means no reset value (the field shows hardware state)."
)


# ---------------------------------------------------------------------------
# The elaborated RDL


@dataclass(frozen=True)
class Design:
    """The register map and the descriptor layout, elaborated from the RDL."""

    regs: AddrmapNode
    desc: AddrmapNode

    @property
    def maps(self) -> tuple[AddrmapNode, AddrmapNode]:
        return (self.regs, self.desc)


def elaborate(rdl: Path = ROOT / RDL_FILE) -> Design:
    """Compile the RDL and elaborate both address maps."""
    compiler = RDLCompiler()
    compiler.compile_file(str(rdl))
    design = Design(compiler.elaborate(REG_MAP).top, compiler.elaborate(DESC_MAP).top)
    for top in design.maps:
        check_shape(top)
    return design


def check_shape(top: AddrmapNode) -> None:
    """Refuse the structures the generator does not handle, rather than mis-generate them."""
    for child in top.children():
        if isinstance(child, RegNode):
            continue
        if not isinstance(child, RegfileNode) or len(child.array_dimensions or ()) != 1:
            raise ValueError(f"{child.get_path()}: only registers and 1-D regfile arrays allowed")
        for inner in child.children():
            if not isinstance(inner, RegNode):
                raise ValueError(f"{inner.get_path()}: only registers allowed in a regfile")


def blocks(top: AddrmapNode) -> list[RegfileNode]:
    """The register-block arrays (e.g. CHAN[8]) of an address map."""
    return [child for child in top.children() if isinstance(child, RegfileNode)]


def encoded_fields(design: Design) -> Iterator[FieldNode]:
    """Every field whose value is an enum."""
    for top in design.maps:
        for node in top.descendants():
            if isinstance(node, FieldNode) and node.get_property("encode") is not None:
                yield node


def enums(design: Design) -> list[type[UserEnum]]:
    """The enums the fields use, in order of first use."""
    return list(dict.fromkeys(f.get_property("encode") for f in encoded_fields(design)))


def enum_width(design: Design, enum: type[UserEnum]) -> int:
    """Bits of the enum: the widest field that holds it, or its largest value."""
    widths = [f.width for f in encoded_fields(design) if f.get_property("encode") is enum]
    return max([member.value.bit_length() for member in enum] + widths)


def enum_stem(enum: type[UserEnum]) -> str:
    """``dmac_err_e`` -> ``dmac_err``."""
    return enum.type_name.removesuffix("_e")


def enum_class_name(enum: type[UserEnum]) -> str:
    """``dmac_err_e`` -> ``DmacErr``."""
    return "".join(word.capitalize() for word in enum_stem(enum).split("_"))


def title(node: AddrmapNode | RegfileNode | RegNode | FieldNode) -> str:
    """The node's ``name`` property (the instance name when it has none)."""
    return str(node.get_property("name"))


def description(node: AddrmapNode | RegfileNode | RegNode | FieldNode) -> str:
    """The node's ``desc`` on one line, or an empty string."""
    return " ".join((node.get_property("desc") or "").split())


def reset_value(field: FieldNode) -> int | None:
    """The field's constant reset value, if it has one."""
    reset = field.get_property("reset")
    return reset if isinstance(reset, int) else None


def fields_msb_first(reg: RegNode) -> list[FieldNode]:
    return sorted(reg.fields(), key=lambda f: f.lsb, reverse=True)


# ---------------------------------------------------------------------------
# Named constants shared by the Verilog and Python outputs


@dataclass(frozen=True)
class Const:
    """One named number of the generated Verilog and Python."""

    name: str
    value: int
    bits: int = 0  # > 0: a sized vector of this many bits
    digits: int = 0  # > 0: written in hex with this many digits


@dataclass(frozen=True)
class Group:
    """Constants printed together under one comment."""

    title: str
    consts: tuple[Const, ...]


def hex_digits(span: int) -> int:
    """Hex digits needed for every byte offset below ``span``."""
    return len(f"{span - 1:X}")


def field_consts(prefix: str, field: FieldNode) -> list[Const]:
    """<prefix>_<FIELD>_LSB, _WIDTH and, when the field has a reset value, _RESET."""
    name = f"{prefix}_{field.inst_name.upper()}"
    consts = [Const(f"{name}_LSB", field.lsb), Const(f"{name}_WIDTH", field.width)]
    reset = reset_value(field)
    if reset is not None:
        consts.append(Const(f"{name}_RESET", reset, bits=field.width))
    return consts


def reg_group(prefix: str, reg: RegNode, digits: int) -> Group:
    """<prefix>_<REG>_OFFSET and the constants of the register's fields."""
    name = f"{prefix}_{reg.inst_name.upper()}"
    consts = [Const(f"{name}_OFFSET", reg.address_offset, digits=digits)]
    for field in reg.fields():
        consts += field_consts(name, field)
    heading = f"{reg.inst_name} @ 0x{reg.address_offset:0{digits}X}: {title(reg)}"
    return Group(heading, tuple(consts))


def block_groups(prefix: str, block: RegfileNode, digits: int) -> list[Group]:
    """<prefix>_<BLOCK>_BASE, _STRIDE, _COUNT, then its registers relative to one block."""
    name = f"{prefix}_{block.inst_name.upper()}"
    count = block.array_dimensions[0]
    head = Group(
        f"{block.inst_name}[{count}]: {title(block)} (offsets below are within one block)",
        (
            Const(f"{name}_BASE", block.raw_address_offset, digits=digits),
            Const(f"{name}_STRIDE", block.array_stride, digits=digits),
            Const(f"{name}_COUNT", count),
        ),
    )
    inner_digits = hex_digits(block.array_stride)
    return [head] + [reg_group(name, reg, inner_digits) for reg in block.registers()]


def map_groups(top: AddrmapNode) -> list[Group]:
    """<MAP>_SIZE, then the registers and blocks of the map in address order."""
    prefix = top.inst_name.upper()
    digits = hex_digits(top.size)
    groups = [
        Group(f"{top.inst_name}: {title(top)}", (Const(f"{prefix}_SIZE", top.size, digits=digits),))
    ]
    for child in top.children():
        if isinstance(child, RegNode):
            groups.append(reg_group(prefix, child, digits))
        else:
            groups += block_groups(prefix, child, digits)
    return groups


def enum_group(design: Design, enum: type[UserEnum]) -> Group:
    """<STEM>_<MEMBER> for each member, sized to the enum's width."""
    prefix = enum_stem(enum).upper()
    width = enum_width(design, enum)
    consts = tuple(Const(f"{prefix}_{m.name}", m.value, bits=width) for m in enum)
    return Group(f"{enum.type_name}: values of the enum", consts)


def constant_groups(design: Design) -> list[Group]:
    """All constants, refusing two with the same name."""
    groups = map_groups(design.regs) + [enum_group(design, e) for e in enums(design)]
    groups += map_groups(design.desc)
    names = Counter(c.name for g in groups for c in g.consts)
    duplicates = sorted(name for name, n in names.items() if n > 1)
    if duplicates:
        raise ValueError(f"constant names generated twice: {', '.join(duplicates)}")
    return groups


# ---------------------------------------------------------------------------
# rtl/dmac_regs.vh


def verilog_bits(const: Const) -> int:
    """Vector width for the constant: its own, or whole words when too big for an integer."""
    if const.bits or const.value < 1 << 31:
        return const.bits
    return 32 * -(-const.value.bit_length() // 32)


def verilog_param(const: Const) -> str:
    bits = verilog_bits(const)
    if bits:
        return f"localparam [{bits - 1}:0] {const.name} = {bits}'h{const.value:X};"
    number = f"'h{const.value:0{const.digits}X}" if const.digits else str(const.value)
    return f"localparam integer {const.name} = {number};"


def render_verilog(groups: Iterable[Group]) -> str:
    lines = [f"// {line}" for line in NOTICE]
    lines += [
        "//",
        "// Register offsets, field positions, reset values, error codes and the",
        "// descriptor layout of the DMA controller, as localparams. Include this file",
        "// inside a module body. _RESET values and error codes are sized to their",
        "// field; everything else is an integer.",
        "//",
        "// Every module includes all of these constants and uses only a few, so the",
        "// unused-parameter warning is switched off for this file (and only here).",
        "// (A waiver in rtl/lint.vlt does not reach instances inside generate blocks",
        "// with Verilator 5.048, so this generated file carries its own.)",
        "/* verilator lint_off UNUSEDPARAM */",
    ]
    for group in groups:
        lines += ["", f"// {group.title}"]
        lines += [verilog_param(const) for const in group.consts]
    lines += ["", "/* verilator lint_on UNUSEDPARAM */"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# sw/dmac_regs.py


def python_number(const: Const) -> str:
    if const.bits:
        return f"0x{const.value:X}"
    if const.digits:
        return f"0x{const.value:0{const.digits}X}"
    return str(const.value)


def python_enum(enum: type[UserEnum]) -> list[str]:
    prefix = enum_stem(enum).upper()
    return [
        "",
        "",
        f"class {enum_class_name(enum)}(enum.IntEnum):",
        f'    """Values of ``{enum.type_name}``."""',
        "",
        *(f"    {member.name} = {prefix}_{member.name}" for member in enum),
    ]


def python_block_helper(prefix: str, block: RegfileNode) -> list[str]:
    """``def chan_reg(chan, offset)``: bus offset of a register of one block of the array."""
    name = f"{prefix}_{block.inst_name.upper()}"
    arg = block.inst_name.lower()
    noun = title(block).lower()
    return [
        "",
        "",
        f"def {arg}_reg({arg}: int, offset: int) -> int:",
        f'    """Bus offset of register ``offset`` (a ``{name}_*_OFFSET``) of {noun} ``{arg}``."""',
        f"    if not 0 <= {arg} < {name}_COUNT:",
        f'        raise ValueError(f"{arg} {{{arg}}} is not in 0..{{{name}_COUNT - 1}}")',
        f"    return {name}_BASE + {arg} * {name}_STRIDE + offset",
    ]


def render_python(design: Design, groups: Iterable[Group]) -> str:
    lines = [f"# {line}" for line in NOTICE]
    lines += [
        '"""Register offsets, field positions, reset values and error codes of the DMA controller,',
        "and the layout of its descriptor. Same names as rtl/dmac_regs.vh.",
        '"""',
        "",
        "import enum",
    ]
    for group in groups:
        lines += ["", f"# {group.title}"]
        lines += [f"{const.name} = {python_number(const)}" for const in group.consts]
    for enum in enums(design):
        lines += python_enum(enum)
    for top in design.maps:
        for block in blocks(top):
            lines += python_block_helper(top.inst_name.upper(), block)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# sw/include/*.h


def render_c_header(top: AddrmapNode, filename: str) -> str:
    """PeakRDL-cheader's header for one map; the file name sets its include guard."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / filename
        CHeaderExporter().export(top, str(path))
        text = path.read_text(encoding="utf-8")
    notice = "".join(f"// {line}\n" for line in NOTICE)
    return notice + text.rstrip("\n") + "\n"


# ---------------------------------------------------------------------------
# docs/registers.md


def md_cell(text: str) -> str:
    return text.replace("|", "\\|") or " "


def md_table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md_cell(cell) for cell in row) + " |" for row in rows]
    return lines


def bits_text(field: FieldNode) -> str:
    return str(field.lsb) if field.width == 1 else f"{field.msb}:{field.lsb}"


def access_text(field: FieldNode) -> str:
    """RO, WO, RW or R + onwrite code (RW1C); ', pulse' for singlepulse fields."""
    onwrite = field.get_property("onwrite")
    if onwrite is not None and onwrite not in ONWRITE_CODES:
        raise ValueError(f"{field.get_path()}: no access code for onwrite={onwrite.name}")
    if not field.is_sw_writable:
        text = "RO"
    elif onwrite is not None:
        text = ("R" if field.is_sw_readable else "") + ONWRITE_CODES[onwrite]
    else:
        text = "RW" if field.is_sw_readable else "WO"
    return f"{text}, pulse" if field.get_property("singlepulse") else text


def field_reset_text(field: FieldNode) -> str:
    reset = reset_value(field)
    return "—" if reset is None else f"0x{reset:X}"


def reg_reset_text(reg: RegNode) -> str:
    """The whole register's reset value, or — when a field has none."""
    resets = [(reset_value(field), field.lsb) for field in reg.fields()]
    if any(reset is None for reset, _ in resets):
        return "—"
    value = sum(reset << lsb for reset, lsb in resets)
    return f"0x{value:0{reg.get_property('regwidth') // 4}X}"


def reg_access_text(reg: RegNode) -> str:
    return "/".join(dict.fromkeys(access_text(field) for field in fields_msb_first(reg)))


def field_description(field: FieldNode) -> str:
    enum = field.get_property("encode")
    text = description(field)
    if enum is None:
        return text
    return f"{text} Values: [`{enum.type_name}`](#{enum_anchor(enum)})."


def reg_row(reg: RegNode, digits: int) -> list[str]:
    offset = f"0x{reg.address_offset:0{digits}X}"
    return [offset, reg.inst_name, reg_access_text(reg), reg_reset_text(reg), title(reg)]


REG_HEADER = ("Offset", "Name", "Access", "Reset", "Description")
FIELD_HEADER = ("Bits", "Name", "Access", "Reset", "Description")


def reg_section(label: str, reg: RegNode, where: str) -> list[str]:
    """A register's heading, description and field table."""
    lines = ["", f"### {label} — {title(reg)}", "", f"{where} {description(reg)}".rstrip(), ""]
    rows = [
        [bits_text(f), f.inst_name, access_text(f), field_reset_text(f), field_description(f)]
        for f in fields_msb_first(reg)
    ]
    return lines + md_table(FIELD_HEADER, rows)


def block_placement(block: RegfileNode, digits: int) -> str:
    """Where block n of the array starts, e.g. ``0x100 + n * 0x40``."""
    return f"0x{block.raw_address_offset:0{digits}X} + n * 0x{block.array_stride:X}"


def block_row(block: RegfileNode, digits: int) -> list[str]:
    name = f"{block.inst_name}[n], n = 0..{block.array_dimensions[0] - 1}"
    return [block_placement(block, digits), name, "", "", f"{title(block)} registers, see below"]


def register_map_section(top: AddrmapNode) -> list[str]:
    """Overview table, then the global registers, then each block once."""
    digits = hex_digits(top.size)
    rows = [
        reg_row(child, digits) if isinstance(child, RegNode) else block_row(child, digits)
        for child in top.children()
    ]
    lines = ["", "## Register map", "", description(top), "", *md_table(REG_HEADER, rows)]
    lines += ["", "## Global registers"]
    for reg in top.registers():
        lines += reg_section(reg.inst_name, reg, f"Offset 0x{reg.address_offset:0{digits}X}.")
    for block in blocks(top):
        lines += block_section(block, digits)
    return lines


def block_section(block: RegfileNode, digits: int) -> list[str]:
    """One block of the array: where the copies are, its table and its registers."""
    count = block.array_dimensions[0]
    inner = hex_digits(block.array_stride)
    placement = (
        f"{count} blocks of 0x{block.array_stride:X} bytes: block n (0 ≤ n < {count}) starts at "
        f"{block_placement(block, digits)}. Offsets in this section are relative to the start "
        "of the block."
    )
    lines = ["", f"## {title(block)} registers ({block.inst_name}[n])", "", description(block)]
    lines += ["", placement, ""]
    lines += md_table(REG_HEADER, [reg_row(reg, inner) for reg in block.registers()])
    for reg in block.registers():
        where = f"Offset 0x{reg.address_offset:0{inner}X} in the block."
        lines += reg_section(f"{block.inst_name}.{reg.inst_name}", reg, where)
    return lines


def enum_heading(enum: type[UserEnum]) -> str:
    return f"Error codes (`{enum.type_name}`)"


def enum_anchor(enum: type[UserEnum]) -> str:
    """GitHub's anchor for the enum's heading."""
    return f"error-codes-{enum.type_name}"


def enum_users(design: Design, enum: type[UserEnum]) -> str:
    """The fields holding the enum, e.g. ``CHAN[n].STATUS.ERR_CODE`` (dmac)."""
    users = []
    for field in encoded_fields(design):
        if field.get_property("encode") is enum:
            top = field.owning_addrmap
            path = field.get_rel_path(top, empty_array_suffix="[n]")
            users.append(f"`{path}` ({top.inst_name})")
    return ", ".join(users)


def enum_section(design: Design, enum: type[UserEnum]) -> list[str]:
    lines = ["", f"## {enum_heading(enum)}", ""]
    lines += [f"{enum_width(design, enum)}-bit code, held by {enum_users(design, enum)}.", ""]
    rows = [[f"0x{m.value:X}", m.name, m.rdl_desc or ""] for m in enum]
    return lines + md_table(("Value", "Name", "Description"), rows)


def bit_range(msb: int, lsb: int) -> str:
    return f"[{msb}]" if msb == lsb else f"[{msb}:{lsb}]"


def word_pieces(top: AddrmapNode, offset: int) -> list[tuple[int, int, str, str]]:
    """(msb, lsb, field label, register) of each field part in the 32-bit word at ``offset``,
    bit numbers within the word, MSB first."""
    word_lo = offset * 8
    pieces = []
    for reg in top.registers():
        base = reg.address_offset * 8
        for field in reg.fields():
            lo = max(base + field.lsb, word_lo)
            hi = min(base + field.msb, word_lo + 31)
            if lo <= hi:
                label = field.inst_name + bit_range(hi - base, lo - base)
                pieces.append((hi - word_lo, lo - word_lo, label, reg.inst_name))
    return sorted(pieces, reverse=True)


def word_labels(pieces: Iterable[tuple[int, int, str, str]]) -> list[str]:
    """The field labels of one word, MSB first, with ``-`` for each run of unused bits."""
    labels: list[str] = []
    next_bit = 31
    for msb, lsb, label, _ in pieces:
        labels += ["-"] if msb < next_bit else []
        labels.append(label)
        next_bit = lsb - 1
    return labels + (["-"] if next_bit >= 0 else [])


def layout_picture(top: AddrmapNode) -> list[str]:
    """The map as a column of 32-bit words, byte offsets on the borders, registers on the right."""
    rows = []
    for offset in range(0, top.size, 4):
        pieces = word_pieces(top, offset)
        regs = ", ".join(dict.fromkeys(reg for *_, reg in pieces))
        rows.append((offset, " | ".join(word_labels(pieces)), regs))
    width = max(len(body) for _, body, _ in rows) + 4
    border = "+" + "-" * width + "+"
    lines = ["```", " " * 8 + "31".ljust(width + 1) + "0"]
    for offset, body, regs in rows:
        lines += [f"0x{offset:02X}    {border}", f"        |{body.center(width)}|  {regs}"]
    return [*lines, f"0x{top.size:02X}    {border}", "```"]


def descriptor_section(top: AddrmapNode) -> list[str]:
    """Picture, table and registers of the in-memory descriptor."""
    digits = hex_digits(top.size)
    lines = ["", "## Descriptor format", "", description(top), ""]
    lines += [
        f"{top.size} bytes. Each row below is one little-endian 32-bit word (the byte at the "
        "row's offset holds bits 7:0); 64-bit values take two rows, low word first. "
        "`-` marks unused bits, which software writes as zero.",
        "",
        *layout_picture(top),
        "",
    ]
    lines += md_table(REG_HEADER, [reg_row(reg, digits) for reg in top.registers()])
    for reg in top.registers():
        last = reg.address_offset + reg.size - 1
        where = f"Bytes 0x{reg.address_offset:0{digits}X} to 0x{last:0{digits}X}."
        lines += reg_section(reg.inst_name, reg, where)
    return lines


def render_markdown(design: Design) -> str:
    lines = [f"<!-- {' '.join(NOTICE)} -->", "", f"# {title(design.regs)}", "", ACCESS_LEGEND]
    lines += register_map_section(design.regs)
    for enum in enums(design):
        lines += enum_section(design, enum)
    lines += descriptor_section(design.desc)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Files


def generate() -> dict[Path, str]:
    """Every generated file's path (relative to the repository root) and text."""
    design = elaborate()
    groups = constant_groups(design)
    files = {
        VERILOG_FILE: render_verilog(groups),
        PYTHON_FILE: render_python(design, groups),
        DOC_FILE: render_markdown(design),
    }
    for top in design.maps:
        path = C_HEADERS[top.inst_name]
        files[path] = render_c_header(top, path.name)
    return files


def check(root: Path = ROOT) -> list[str]:
    """One message per generated file under ``root`` that is missing or differs."""
    problems = []
    for path, text in generate().items():
        target = root / path
        if not target.is_file():
            problems.append(f"{path}: missing")
        elif target.read_bytes() != text.encode("utf-8"):
            problems.append(f"{path}: stale")
    return problems


def write(root: Path = ROOT) -> list[Path]:
    """Write the generated files under ``root`` that differ; return their paths."""
    written = []
    for path, text in generate().items():
        target = root / path
        if target.is_file() and target.read_bytes() == text.encode("utf-8"):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.regmap", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file is stale or missing"
    )
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("regenerate with: python -m tools.regmap", file=sys.stderr)
        return 1 if problems else 0
    for path in write():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Unit tests (no simulator) of the descriptor encoding and of the bench's reference model."""

from __future__ import annotations

import struct

from sw import dmac_regs as r
from sw.dmac_desc import Completion, Descriptor, completion
from sw.dmac_regs import DmacErr
from tb.dmac_model import DmacModel


def test_descriptor_layout() -> None:
    d = Descriptor(src=0x1122_3344_5566_7788, dst=0x99, length=0xABCD, next=0x40, irq=True)
    raw = d.pack()
    assert len(raw) == r.DMAC_DESC_SIZE == 32
    assert struct.unpack_from("<Q", raw, r.DMAC_DESC_NEXT_OFFSET)[0] == 0x40
    assert struct.unpack_from("<Q", raw, r.DMAC_DESC_SRC_OFFSET)[0] == 0x1122_3344_5566_7788
    assert struct.unpack_from("<Q", raw, r.DMAC_DESC_DST_OFFSET)[0] == 0x99
    assert struct.unpack_from("<I", raw, r.DMAC_DESC_LEN_OFFSET)[0] == 0xABCD
    ctrl = struct.unpack_from("<I", raw, r.DMAC_DESC_CTRL_OFFSET)[0]
    assert ctrl == 1 << r.DMAC_DESC_CTRL_IRQ_LSB
    # Software writes the status half as zero: not done.
    assert completion(raw) == Completion(False, DmacErr.NONE, 0xABCD)


def image_with(chain: list[tuple[int, Descriptor]], size: int = 1 << 16) -> bytearray:
    mem = bytearray(range(256)) * (size // 256)
    for addr, d in chain:
        mem[addr : addr + 32] = d.pack()
    return mem


def test_model_copies_and_writes_back() -> None:
    chain = [
        (0x100, Descriptor(src=0x1001, dst=0x8003, length=300, next=0x140, irq=True)),
        (0x140, Descriptor(src=0x2000, dst=0x9000, length=5, last=True)),
    ]
    mem = image_with(chain)
    before = bytes(mem)
    model = DmacModel(bytes(mem), addr_width=32)
    res = model.run_chain(0x100)
    assert res.completed == 2 and res.err == DmacErr.NONE and res.irq_done
    assert res.visited == [0x100, 0x140] and res.cur_desc == 0x140
    assert model.mem[0x8003 : 0x8003 + 300] == before[0x1001 : 0x1001 + 300]
    assert model.mem[0x8002] == before[0x8002] and model.mem[0x8003 + 300] == before[0x8003 + 300]
    assert completion(bytes(model.mem[0x100:0x120])) == Completion(True, DmacErr.NONE, 300)


def test_model_errors() -> None:
    bad_len = [(0x100, Descriptor(src=0x1000, dst=0x2000, length=0, last=True))]
    res = DmacModel(bytes(image_with(bad_len)), 32).run_chain(0x100)
    assert (res.err, res.err_addr, res.completed) == (DmacErr.BAD_LEN, 0x100, 0)

    wraps = [(0x100, Descriptor(src=0xFFFF_FF00, dst=0x2000, length=0x200, last=True))]
    model = DmacModel(bytes(image_with(wraps)), 32)
    assert model.run_chain(0x100).err == DmacErr.ADDR_RANGE
    assert completion(bytes(model.mem[0x100:0x120])) == Completion(True, DmacErr.ADDR_RANGE, 0)

    res = DmacModel(bytes(image_with([])), 32).run_chain(0x108)
    assert (res.err, res.err_addr) == (DmacErr.DESC_ALIGN, 0x108)

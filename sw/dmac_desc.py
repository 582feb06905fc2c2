"""The controller's in-memory descriptor: build it, and read back what the controller wrote.

Layout and bit positions come from ``sw/dmac_regs.py`` (generated from
``regs/dmac.rdl``); nothing here restates an offset.  This is the format a
driver lays out in coherent memory, as ``struct dmac_desc`` would be in C.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from sw import dmac_regs as r

SIZE = r.DMAC_DESC_SIZE
ALIGN = r.DMAC_DESC_SIZE

CTRL_IRQ = 1 << r.DMAC_DESC_CTRL_IRQ_LSB
CTRL_LAST = 1 << r.DMAC_DESC_CTRL_LAST_LSB
STATUS_DONE = 1 << r.DMAC_DESC_CTRL_DONE_LSB
_ERR_MASK = (1 << r.DMAC_DESC_CTRL_ERR_WIDTH) - 1


def _put(buf: bytearray, offset: int, width_bits: int, value: int) -> None:
    fmt = {32: "<I", 64: "<Q"}[width_bits]
    struct.pack_into(fmt, buf, offset, value)


def _get(buf: bytes, offset: int, width_bits: int) -> int:
    fmt = {32: "<I", 64: "<Q"}[width_bits]
    return int(struct.unpack_from(fmt, buf, offset)[0])


@dataclass
class Descriptor:
    """One descriptor as software writes it (status fields zero)."""

    src: int
    dst: int
    length: int
    next: int = 0
    irq: bool = False
    last: bool = False

    @property
    def ctrl(self) -> int:
        return (CTRL_IRQ if self.irq else 0) | (CTRL_LAST if self.last else 0)

    def pack(self) -> bytes:
        buf = bytearray(SIZE)
        _put(buf, r.DMAC_DESC_NEXT_OFFSET, r.DMAC_DESC_NEXT_ADDR_WIDTH, self.next)
        _put(buf, r.DMAC_DESC_SRC_OFFSET, r.DMAC_DESC_SRC_ADDR_WIDTH, self.src)
        _put(buf, r.DMAC_DESC_DST_OFFSET, r.DMAC_DESC_DST_ADDR_WIDTH, self.dst)
        _put(buf, r.DMAC_DESC_LEN_OFFSET, r.DMAC_DESC_LEN_BYTES_WIDTH, self.length)
        _put(buf, r.DMAC_DESC_CTRL_OFFSET, 32, self.ctrl)
        return bytes(buf)


@dataclass(frozen=True)
class Completion:
    """What the controller wrote back into a descriptor."""

    done: bool
    err: r.DmacErr
    moved: int


def completion(raw: bytes) -> Completion:
    """Decode the LEN and status fields of a descriptor read back from memory."""
    ctrl = _get(raw, r.DMAC_DESC_CTRL_OFFSET, 32)
    return Completion(
        done=bool(ctrl & STATUS_DONE),
        err=r.DmacErr((ctrl >> r.DMAC_DESC_CTRL_ERR_LSB) & _ERR_MASK),
        moved=_get(raw, r.DMAC_DESC_LEN_OFFSET, r.DMAC_DESC_LEN_BYTES_WIDTH),
    )

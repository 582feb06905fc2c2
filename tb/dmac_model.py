"""Reference model of the controller: what memory and the channel registers must hold after a chain.

It walks a chain in its own copy of memory, applying the documented rules
(regs/dmac.rdl, docs/registers.md) one descriptor at a time, independently
of the RTL.  Benches compare the RAM and the registers against it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from sw import dmac_regs as r
from sw.dmac_regs import DmacErr


@dataclass
class ChainResult:
    """Expected channel state once a chain stopped."""

    completed: int = 0
    err: DmacErr = DmacErr.NONE
    err_addr: int = 0
    cur_desc: int = 0
    irq_done: bool = False
    visited: list[int] = field(default_factory=list)


class DmacModel:
    """Memory image plus the rules of one descriptor chain run."""

    def __init__(self, image: bytes, addr_width: int) -> None:
        self.mem = bytearray(image)
        self.addr_limit = 1 << addr_width

    def _u32(self, addr: int) -> int:
        return int(struct.unpack_from("<I", self.mem, addr)[0])

    def _u64(self, addr: int) -> int:
        return int(struct.unpack_from("<Q", self.mem, addr)[0])

    def _in_range(self, start: int, length: int) -> bool:
        return start + length <= self.addr_limit

    def _write_back(self, desc: int, moved: int, err: DmacErr) -> None:
        struct.pack_into("<I", self.mem, desc + r.DMAC_DESC_LEN_OFFSET, moved)
        ctrl_addr = desc + r.DMAC_DESC_CTRL_OFFSET
        ctrl = self._u32(ctrl_addr) & 0xFFFF  # the controller never writes the control half
        ctrl |= 1 << r.DMAC_DESC_CTRL_DONE_LSB
        ctrl |= int(err) << r.DMAC_DESC_CTRL_ERR_LSB
        struct.pack_into("<I", self.mem, ctrl_addr, ctrl)

    def _check(self, src: int, dst: int, length: int) -> DmacErr:
        if length == 0:
            return DmacErr.BAD_LEN
        if not (self._in_range(src, length) and self._in_range(dst, length)):
            return DmacErr.ADDR_RANGE
        return DmacErr.NONE

    def run_chain(self, first: int) -> ChainResult:
        """Run the chain starting at ``first`` and return the expected channel state."""
        res = ChainResult()
        desc = first
        while True:
            res.cur_desc = desc
            res.visited.append(desc)
            if desc % r.DMAC_DESC_SIZE:
                res.err, res.err_addr = DmacErr.DESC_ALIGN, desc
                return res
            if not self._in_range(desc, r.DMAC_DESC_SIZE):
                res.err, res.err_addr = DmacErr.ADDR_RANGE, desc
                return res
            nxt = self._u64(desc + r.DMAC_DESC_NEXT_OFFSET)
            src = self._u64(desc + r.DMAC_DESC_SRC_OFFSET)
            dst = self._u64(desc + r.DMAC_DESC_DST_OFFSET)
            length = self._u32(desc + r.DMAC_DESC_LEN_OFFSET)
            ctrl = self._u32(desc + r.DMAC_DESC_CTRL_OFFSET)
            err = self._check(src, dst, length)
            if err != DmacErr.NONE:
                self._write_back(desc, 0, err)
                res.err, res.err_addr = err, desc
                return res
            self.mem[dst : dst + length] = self.mem[src : src + length]
            self._write_back(desc, length, DmacErr.NONE)
            res.completed += 1
            if ctrl & (1 << r.DMAC_DESC_CTRL_IRQ_LSB):
                res.irq_done = True
            if ctrl & (1 << r.DMAC_DESC_CTRL_LAST_LSB):
                return res
            desc = nxt

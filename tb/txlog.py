"""A transaction log a person can read without a waveform viewer.

One line per event, each starting with its clock cycle (the cycle of the clock
edge the event completed on, as in the waves):

* every descriptor fetched, decoded (address, NEXT, SRC, DST, LEN, CTRL);
* every burst, with the cycle it was issued and the cycle it completed,
  its channel and kind (descriptor read, status write-back, data), address,
  beats and response;
* every error response (SLVERR/DECERR), marked ``ERROR``;
* every change of the ``irq`` output and every request-line acknowledge.

The channel and kind come from the AXI ID ({kind, channel}, see
docs/architecture.md); a descriptor read's channel, which its ID does not
carry (one ID for the shared fetcher), from tb/fetch_owners.py.  Enabled in
the DMA benches by DMAC_TXLOG=<path>.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import cocotb
from cocotb.simtime import get_sim_time
from cocotb.triggers import ReadOnly, RisingEdge

from tb.axi_checker import AxiBurst, AxiChecker
from tb.fetch_owners import FetchOwners

RESP = {0: "OKAY", 1: "EXOKAY", 2: "SLVERR", 3: "DECERR"}
DESC_SIZE = 32


class TransactionLog:
    """Appends the log of one DUT's bus to the file ``path``, from the protocol checker's
    bursts (the file is opened per line, so nothing is lost if the test stops)."""

    def __init__(  # type: ignore[no-untyped-def]
        self,
        dut,
        checker: AxiChecker,
        path: Path,
        clk_ns: float,
        chan_bits: int,
        data_bytes: int,
        owners: FetchOwners | None = None,
    ) -> None:
        self.dut = dut
        self.owners = owners
        self.path = path
        self.clk_ns = clk_ns
        self.chan_bits = chan_bits
        self.data_bytes = data_bytes
        checker.add_callback(self._burst)
        cocotb.start_soon(self._pins())

    def _cycle(self, ns: float) -> int:
        return round(ns / self.clk_ns)

    def line(self, cycle: int, text: str) -> None:
        with self.path.open("a") as out:
            out.write(f"{cycle:>9}  {text}\n")

    def _burst(self, b: AxiBurst) -> None:
        chan: int | None = b.id & ((1 << self.chan_bits) - 1)
        meta = b.id >> self.chan_bits
        if b.is_write:
            kind = "status write" if meta else "data write"
        else:
            kind = "descriptor read" if meta else "data read"
            if meta:
                chan = self.owners.channel(b.addr, b.start_ns) if self.owners else None
        resps = sorted({RESP.get(x, str(x)) for x in b.resp})
        bad = any(x >= 2 for x in b.resp)
        size = 1 << b.size
        fixed = " FIXED" if b.burst == 0 else ""
        who = "?" if chan is None else chan
        self.line(
            self._cycle(b.end_ns),
            f"ch{who} {kind:<15} {b.addr:#010x} {b.num_beats:>3} x {size}B{fixed} "
            f"issued @{self._cycle(b.start_ns)} {'/'.join(resps)}" + ("  ERROR" if bad else ""),
        )
        if kind == "descriptor read" and not bad and b.data:
            self._descriptors(b, chan)

    def _descriptors(self, b: AxiBurst, chan: int | None) -> None:
        # A fetch may read past the chain (several descriptors per burst): only the
        # descriptors the chain runs through are shown.
        raw = b"".join(d.to_bytes(self.data_bytes, "little") for d in b.data)
        expect = b.addr
        for off in range(0, len(raw) - DESC_SIZE + 1, DESC_SIZE):
            nxt, src, dst, length, ctrl = struct.unpack_from("<QQQII", raw, off)
            if b.addr + off != expect:
                break
            expect = -1 if ctrl & 2 else nxt
            who = "?" if chan is None else chan
            self.line(
                self._cycle(b.end_ns),
                f"ch{who} descriptor      {b.addr + off:#010x} next {nxt:#x} src {src:#x} "
                f"dst {dst:#x} len {length} ctrl {ctrl:#06x}",
            )

    async def _pins(self) -> None:
        dut = self.dut
        irq = 0
        while True:
            await RisingEdge(dut.clk)
            await ReadOnly()
            cycle = self._cycle(get_sim_time("ns"))
            now = int(dut.irq.value) if dut.irq.value.is_resolvable else 0
            if now != irq:
                self.line(cycle, f"irq {'raised' if now else 'cleared'}")
                irq = now
            if hasattr(dut, "dma_ack") and dut.dma_ack.value.is_resolvable:
                ack = int(dut.dma_ack.value)
                tc = int(dut.dma_tc.value) if dut.dma_tc.value.is_resolvable else 0
                for n in range(len(dut.dma_ack)):
                    if ack >> n & 1:
                        self.line(cycle, f"line {n} ack" + (" + tc" if tc >> n & 1 else ""))


def log_from_env(  # type: ignore[no-untyped-def]
    dut,
    checker: AxiChecker,
    clk_ns: float,
    chan_bits: int,
    data_bytes: int,
    owners: FetchOwners | None = None,
) -> TransactionLog | None:
    """The transaction log of ``DMAC_TXLOG=<path>``, if it is set."""
    path = os.environ.get("DMAC_TXLOG")
    if not path:
        return None
    return TransactionLog(dut, checker, Path(path), clk_ns, chan_bits, data_bytes, owners)

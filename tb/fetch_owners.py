"""Which channel each descriptor read on the bus is for.

The channels share one descriptor fetcher (rtl/dmac_desc_fetch.v), and every descriptor
read carries its one ID ({1, 0}), so the bus does not say the channel.  The fetcher's own
request to the AXI mux does (``fetch_inst.ar_chan`` as ``f_ar_valid``/``f_ar_ready`` hand it
over), and reads with one ID reach the bus in the order they were requested.  This watcher
pairs the two: each descriptor read's AR handshake on ``m_axi`` gets the channel of the
oldest request not yet on the bus, recorded under the burst's address and AR handshake
time, the ``addr`` and ``start_ns`` the protocol checker reports for it.

Sampling is the protocol checker's (tb/axi_checker.py): once per rising edge, in the
ReadOnly phase after it, so both agree on the nanosecond of every handshake.
"""

from __future__ import annotations

from collections import deque

import cocotb
from cocotb.simtime import get_sim_time
from cocotb.triggers import ReadOnly, RisingEdge


def _high(sig) -> bool:  # type: ignore[no-untyped-def]
    return str(sig.value) == "1"


class FetchOwners:
    """The channel of every descriptor read of one ``dmac`` instance, from its reset on."""

    def __init__(self, dmac, desc_read_id: int) -> None:  # type: ignore[no-untyped-def]
        self.desc_read_id = desc_read_id
        self._owner: dict[tuple[int, float], int] = {}
        self._task = cocotb.start_soon(self._run(dmac))

    def channel(self, addr: int, start_ns: float) -> int | None:
        """The channel of the descriptor read at ``addr`` whose AR went at ``start_ns``."""
        return self._owner.get((addr, start_ns))

    async def _run(self, dmac) -> None:  # type: ignore[no-untyped-def]
        asked: deque[int] = deque()  # requested by the fetcher, not yet on the bus
        chan = dmac.fetch_inst.ar_chan
        while True:
            await RisingEdge(dmac.clk)
            await ReadOnly()
            if _high(dmac.rst):
                asked.clear()
                continue
            if (
                _high(dmac.m_axi_arvalid)
                and _high(dmac.m_axi_arready)
                and int(dmac.m_axi_arid.value) == self.desc_read_id
            ):
                assert asked, "a descriptor read on the bus that the fetcher never asked for"
                now = get_sim_time("ns")
                self._owner[(int(dmac.m_axi_araddr.value), now)] = asked.popleft()
            # (the fetcher's request reaches the bus two cycles later at the earliest)
            if _high(dmac.f_ar_valid) and _high(dmac.f_ar_ready):
                asked.append(int(chan.value))

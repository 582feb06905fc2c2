"""Bench harness for the ``dmac`` top: bus models, checkers, back-pressure, and register helpers.

One :class:`DmacTB` per cocotb test.  It builds the AXI4-Lite master (the
CPU's register port), an :class:`AxiRam` behind the controller's AXI4
master, the protocol checkers on both ports, and optional idle/back-pressure
generators on every channel of both buses.
"""

from __future__ import annotations

import json
import logging
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge, with_timeout
from cocotbext.axi import AxiBus, AxiLiteBus, AxiLiteMaster, AxiRam

from sw import dmac_regs as r
from sw.dmac_desc import Descriptor
from tb.axi_checker import AxiBurst, AxiChecker, AxiLiteChecker
from tb.dmac_model import ChainResult, DmacModel
from tb.fetch_owners import FetchOwners
from tb.models.axi_memory import AxiMemory
from tb.models.iommu import Iommu
from tb.models.memory_map import MemoryMap
from tb.txlog import log_from_env

CLK_NS = 10


@dataclass(frozen=True)
class Params:
    """The ``dmac`` parameters the bench was built with (from DMAC_PARAMS)."""

    DATA_WIDTH: int = 64
    ADDR_WIDTH: int = 32
    NUM_CHANNELS: int = 4
    MAX_BURST_LEN: int = 16
    MAX_OUTSTANDING: int = 8
    FIFO_DEPTH: int = 128
    NUM_REQ: int = 8
    STATUS_BATCH: int = 16
    STORE_FORWARD_MAX: int = 16

    @classmethod
    def from_env(cls) -> Params:
        given = json.loads(os.environ.get("DMAC_PARAMS", "{}"))
        known = {k: v for k, v in given.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    @property
    def data_bytes(self) -> int:
        return self.DATA_WIDTH // 8

    @property
    def status_batch(self) -> int:
        """Descriptors one status write-back burst covers at most (rtl/dmac_lane.v's
        BATCH_MAX): contiguous ones, in a burst of at most MAX_BURST_LEN and 16 beats
        from the first one's status beats to the last one's, 32 bytes apart."""
        db = self.data_bytes
        status_beats = (32 - (24 - 24 % db)) // db
        beats = min(self.MAX_BURST_LEN, 16)
        fit = (beats - status_beats) // (32 // db) + 1 if beats > status_beats else 1
        return min(self.STATUS_BATCH, fit)

    @property
    def chan_bits(self) -> int:
        return max(1, (self.NUM_CHANNELS - 1).bit_length())

    def axi_id(self, chan: int, desc: bool) -> int:
        """AXI ID of a channel's data bursts (desc False) or status writes (desc True)."""
        return (int(desc) << self.chan_bits) | chan

    @property
    def desc_read_id(self) -> int:
        """AXI ID of every descriptor read: the shared fetcher's, whatever the channel
        (tb/fetch_owners.py tells the channel)."""
        return 1 << self.chan_bits

    def id_is_desc(self, axi_id: int) -> bool:
        return bool(axi_id >> self.chan_bits)


def pauses(rng: random.Random, probability: float) -> Iterator[bool]:
    """Endless pause pattern: True stalls the channel for that cycle."""
    while True:
        yield rng.random() < probability


class DmacTB:
    """Everything around one ``dmac`` instance."""

    def __init__(  # type: ignore[no-untyped-def]
        self,
        dut,
        mem_size: int = 1 << 21,
        seed: int | None = None,
        mem_latency: int | None = None,
        checkers: bool = True,
        reorder: bool = False,
        *,
        memory_map: MemoryMap | None = None,
        iommu: Iommu | None = None,
        stream_id: int = 0,
    ) -> None:
        """``mem_latency`` None puts cocotbext-axi's AxiRam behind the master (answers at
        once); a number puts :class:`AxiMemory` there with that read and write latency,
        pipelined, and with its error-injection regions.  ``checkers`` False leaves the
        protocol checkers out (benchmarks only).  ``reorder`` lets that memory answer
        bursts of different IDs out of order and interleave their read beats.

        ``memory_map``, ``iommu`` and ``stream_id`` (only with ``mem_latency``) go to that
        :class:`AxiMemory`: the RAM is then where the map puts it and the bus addresses
        are what the IOMMU translates, ``mem_size`` is only the size of the bus address
        range the tests use, and :attr:`ram`'s backdoor (so :meth:`fill_random`,
        :meth:`put_chain`, :meth:`model`, :meth:`check_memory`) reaches physical
        addresses, not bus addresses."""
        self.dut = dut
        self.params = Params.from_env()
        if seed is None:
            # DMAC_SEED replays one test; otherwise cocotb's seed (COCOTB_RANDOM_SEED) drives it.
            seed = int(os.environ.get("DMAC_SEED", random.getrandbits(32)))
        self.seed = seed
        self.rng = random.Random(self.seed)
        dut._log.info(
            "bench seed %d (replay: DMAC_SEED=%d), parameters %s", self.seed, self.seed, self.params
        )

        # Reset is held from time 0: the bus models must never see X on READY.
        dut.rst.value = 1
        # No device requests unless a device model drives the lines.
        for name in ("dma_req_burst", "dma_req_single", "dma_req_last"):
            if hasattr(dut, name):
                getattr(dut, name).value = 0
        cocotb.start_soon(Clock(dut.clk, CLK_NS, unit="ns").start())

        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), dut.clk, dut.rst)
        bus = AxiBus.from_prefix(dut, "m_axi")
        self.ram: AxiRam | AxiMemory
        if mem_latency is None:
            if memory_map is not None or iommu is not None:
                raise ValueError("memory_map and iommu need mem_latency (an AxiMemory)")
            self.ram = AxiRam(bus, dut.clk, dut.rst, size=mem_size)
        else:
            self.ram = AxiMemory(
                bus,
                dut.clk,
                dut.rst,
                size=mem_size,
                memory_map=memory_map,
                iommu=iommu,
                stream_id=stream_id,
                read_latency=mem_latency,
                write_latency=mem_latency,
                max_outstanding=16,
                seed=self.rng.getrandbits(32),
                reorder=reorder,
                interleave=reorder,
            )
        self.mem_size = mem_size
        if not os.environ.get("DMAC_TRACE"):
            # One log line per burst from the bus models costs more than the bench.
            for model in (
                self.axil.write_if,
                self.axil.read_if,
                self.ram.write_if,
                self.ram.read_if,
            ):
                model.log.setLevel(logging.WARNING)
        self.axi_checker: AxiChecker | None = None
        self.axil_checker: AxiLiteChecker | None = None
        self.fetch_owners: FetchOwners | None = None
        if checkers:
            self.axi_checker = AxiChecker(dut, "m_axi", dut.clk, dut.rst)
            self.axil_checker = AxiLiteChecker(dut, "s_axil", dut.clk, dut.rst)
            self.fetch_owners = FetchOwners(dut, self.params.desc_read_id)
            if os.environ.get("DMAC_TRACE"):
                self.axi_checker.add_callback(self._trace)
            # The human-readable transaction log (tb/txlog.py), appended per test.
            self.txlog = log_from_env(
                dut,
                self.axi_checker,
                CLK_NS,
                self.params.chan_bits,
                self.params.data_bytes,
                self.fetch_owners,
            )

    def _trace(self, b: AxiBurst) -> None:
        """One log line per completed burst (DMAC_TRACE=1)."""
        kind = "write" if b.is_write else "read "
        resp = ",".join(str(x) for x in sorted(set(b.resp)))
        strb = "" if not b.is_write else " strb " + " ".join(f"{s:x}" for s in b.strb)
        self.dut._log.info(
            "%s id %d addr %#x beats %d resp %s cycles %d-%d%s",
            kind,
            b.id,
            b.addr,
            b.len + 1,
            resp,
            b.start_ns // CLK_NS,
            b.end_ns // CLK_NS,
            strb,
        )

    async def reset(self) -> None:
        self.dut.rst.value = 1
        await ClockCycles(self.dut.clk, 8)
        self.dut.rst.value = 0
        await ClockCycles(self.dut.clk, 2)

    def set_backpressure(
        self, probability: float, register_bus: bool = True, rng: random.Random | None = None
    ) -> None:
        """Stall every channel of the memory bus (and of the register bus) at random,
        or never (probability 0); the register bus's stalls are drawn from ``rng``
        (default: the bench's), the memory's from its own seed (``AxiMemory.reseed``)."""
        rng = self.rng if rng is None else rng
        channels = []
        if register_bus:
            channels += [
                self.axil.write_if.aw_channel,
                self.axil.write_if.w_channel,
                self.axil.write_if.b_channel,
                self.axil.read_if.ar_channel,
                self.axil.read_if.r_channel,
            ]
        if isinstance(self.ram, AxiMemory):
            self.ram.set_backpressure(probability)
        else:
            channels += [
                self.ram.write_if.aw_channel,
                self.ram.write_if.w_channel,
                self.ram.write_if.b_channel,
                self.ram.read_if.ar_channel,
                self.ram.read_if.r_channel,
            ]
        for ch in channels:
            if probability > 0:
                ch.set_pause_generator(pauses(random.Random(rng.getrandbits(32)), probability))
            else:
                ch.clear_pause_generator()
                ch.pause = False  # clearing the generator keeps its last draw

    def check_protocol(self) -> None:
        assert self.axi_checker is not None and self.axil_checker is not None
        self.axi_checker.assert_clean(idle=True)
        self.axil_checker.assert_clean(idle=True)

    # -- registers ----------------------------------------------------------------------------

    async def read(self, addr: int) -> int:
        return int.from_bytes((await self.axil.read(addr, 4)).data, "little")

    async def write(self, addr: int, value: int) -> None:
        await self.axil.write(addr, value.to_bytes(4, "little"))

    async def chan_read(self, chan: int, offset: int) -> int:
        return await self.read(r.chan_reg(chan, offset))

    async def chan_write(self, chan: int, offset: int, value: int) -> None:
        await self.write(r.chan_reg(chan, offset), value)

    async def start(
        self,
        chan: int,
        first_desc: int,
        irq_enable: int = 0b1111,
        paused: bool = False,
        prio: int = 0,
    ) -> None:
        """Point the channel at its first descriptor and start it (with PAUSE set if ``paused``,
        and arbitration priority ``prio``)."""
        await self.chan_write(chan, r.DMAC_CHAN_DESC_LO_OFFSET, first_desc & 0xFFFF_FFFF)
        await self.chan_write(chan, r.DMAC_CHAN_DESC_HI_OFFSET, first_desc >> 32)
        await self.chan_write(chan, r.DMAC_CHAN_IRQ_ENABLE_OFFSET, irq_enable)
        ctrl = 1 << r.DMAC_CHAN_CTRL_START_LSB | int(paused) << r.DMAC_CHAN_CTRL_PAUSE_LSB
        ctrl |= prio << r.DMAC_CHAN_CTRL_PRIO_LSB
        await self.chan_write(chan, r.DMAC_CHAN_CTRL_OFFSET, ctrl)

    async def wait_idle(self, chan: int, timeout_us: float = 2000) -> None:
        """Poll STATUS.BUSY until the channel stopped."""

        async def poll() -> None:
            while True:
                status = await self.chan_read(chan, r.DMAC_CHAN_STATUS_OFFSET)
                if not status & (1 << r.DMAC_CHAN_STATUS_BUSY_LSB):
                    return
                await ClockCycles(self.dut.clk, 20)

        await with_timeout(poll(), timeout_us, "us")

    async def wait_irq(self, timeout_us: float = 2000) -> None:
        if not self.dut.irq.value:
            await with_timeout(RisingEdge(self.dut.irq), timeout_us, "us")

    # -- memory -------------------------------------------------------------------------------

    def fill_random(self) -> None:
        """Give every byte of the RAM a random value, so a stray write always shows."""
        self.ram.write(0, self.rng.randbytes(self.mem_size))

    def put_chain(self, descs: list[tuple[int, Descriptor]]) -> None:
        """Write descriptors at their addresses, linking each to the next; the last gets LAST."""
        for i, (addr, d) in enumerate(descs):
            if i + 1 < len(descs):
                d.next = descs[i + 1][0]
            else:
                d.last = True
            self.ram.write(addr, d.pack())

    def model(self) -> DmacModel:
        return DmacModel(self.ram.read(0, self.mem_size), self.params.ADDR_WIDTH)

    def check_memory(self, model: DmacModel) -> None:
        """Every byte of the RAM equals the model's: copied, written back, or untouched."""
        actual = self.ram.read(0, self.mem_size)
        if actual == bytes(model.mem):
            return
        diffs = [i for i in range(self.mem_size) if actual[i] != model.mem[i]]
        first = diffs[0]
        lo = first - first % 16
        raise AssertionError(
            f"{len(diffs)} bytes differ from the reference, first at {first:#x} "
            f"(last at {diffs[-1]:#x}); at {lo:#x}: RAM {actual[lo : lo + 32].hex()} "
            f"reference {bytes(model.mem[lo : lo + 32]).hex()}"
        )

    async def check_channel(self, chan: int, expect: ChainResult) -> None:
        """Channel registers agree with the model's outcome of the chain."""
        status = await self.chan_read(chan, r.DMAC_CHAN_STATUS_OFFSET)
        err = (status >> r.DMAC_CHAN_STATUS_ERR_CODE_LSB) & (
            (1 << r.DMAC_CHAN_STATUS_ERR_CODE_WIDTH) - 1
        )
        assert not status & (1 << r.DMAC_CHAN_STATUS_BUSY_LSB), f"channel {chan} still busy"
        assert r.DmacErr(err) == expect.err, (
            f"channel {chan}: ERR_CODE {r.DmacErr(err)!r}, expected {expect.err!r}"
        )
        completed = await self.chan_read(chan, r.DMAC_CHAN_COMPLETED_OFFSET)
        assert completed == expect.completed, f"COMPLETED {completed}, expected {expect.completed}"
        cur = await self.chan_read(chan, r.DMAC_CHAN_CUR_DESC_LO_OFFSET)
        cur |= await self.chan_read(chan, r.DMAC_CHAN_CUR_DESC_HI_OFFSET) << 32
        assert cur == expect.cur_desc, f"CUR_DESC {cur:#x}, expected {expect.cur_desc:#x}"
        irq = await self.chan_read(chan, r.DMAC_CHAN_IRQ_STATUS_OFFSET)
        assert bool(irq & (1 << r.DMAC_CHAN_IRQ_STATUS_DONE_LSB)) == expect.irq_done
        assert bool(irq & (1 << r.DMAC_CHAN_IRQ_STATUS_ERR_LSB)) == (expect.err != r.DmacErr.NONE)
        assert bool(irq & (1 << r.DMAC_CHAN_IRQ_STATUS_END_LSB)) == (expect.err == r.DmacErr.NONE)
        if expect.err != r.DmacErr.NONE:
            ea = await self.chan_read(chan, r.DMAC_CHAN_ERR_ADDR_LO_OFFSET)
            ea |= await self.chan_read(chan, r.DMAC_CHAN_ERR_ADDR_HI_OFFSET) << 32
            assert ea == expect.err_addr, f"ERR_ADDR {ea:#x}, expected {expect.err_addr:#x}"
        else:
            residue = await self.chan_read(chan, r.DMAC_CHAN_RESIDUE_OFFSET)
            assert residue == 0, f"RESIDUE {residue} after a completed chain"

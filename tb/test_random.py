"""Randomized regression: random chains on random channels, random memory latency and
back-pressure, injected bus errors, pauses and aborts at random instants.

Every iteration logs its seed; ``DMAC_SEED=<bench seed>`` replays the whole
run.  Successful chains are checked byte for byte against the reference
model; chains stopped by an error or an abort against the rules in
tb/chain_check.py; the whole memory outside the chains must be unchanged,
and the protocol checkers watch both ports throughout.
"""

from __future__ import annotations

import os
import random

import cocotb
from cocotb.triggers import ClockCycles, with_timeout

from sw import dmac_regs as r
from sw.dmac_desc import Descriptor
from sw.dmac_regs import DmacErr
from tb.chain_check import untouched_outside, verify_chain
from tb.dmac_tb import DmacTB

# DMAC_RANDOM_ITERATIONS raises it for a longer soak.
ITERATIONS = int(os.environ.get("DMAC_RANDOM_ITERATIONS", "10"))
FAULTS = ["none", "none", "pause", "abort", "data_read", "data_write", "desc_read", "status"]
EXPECTED = {
    "none": DmacErr.NONE,
    "pause": DmacErr.NONE,
    "data_read": DmacErr.DATA_READ,
    "data_write": DmacErr.DATA_WRITE,
    "desc_read": DmacErr.DESC_READ,
    "status": DmacErr.STATUS_WRITE,
}


class Plan:
    """One channel's chain and what will go wrong with it."""

    def __init__(self, rng: random.Random, chan: int, nchan: int, db: int) -> None:
        # Each channel owns a slice of the descriptor, source and destination areas.
        desc_base = 0x1000 + chan * 0x800
        src_base = 0x1_0000 + chan * (0xF_0000 // nchan)
        dst_base = 0x10_0000 + chan * (0x10_0000 // nchan)
        room = 0xF_0000 // nchan
        self.chain: list[tuple[int, Descriptor]] = []
        src, dst, desc = src_base, dst_base, desc_base
        for _ in range(rng.randrange(1, 7)):
            length = rng.choice([rng.randrange(1, 200), rng.randrange(1, 7000)])
            length = min(length, max(1, (room // 8) - 64))
            s, d = src + rng.randrange(db * 2), dst + rng.randrange(db * 2)
            self.chain.append((desc, Descriptor(s, d, length)))
            src, dst, desc = s + length + 64, d + length + 64, desc + 32 * rng.randrange(1, 3)
        self.fault = rng.choice(FAULTS)
        self.victim = rng.randrange(len(self.chain))
        self.delay = rng.randrange(20, 3000)
        self.hold = rng.randrange(10, 400)


def inject(tb: DmacTB, rng: random.Random, plan: Plan) -> None:
    addr, d = plan.chain[plan.victim]
    if plan.fault == "data_read":
        tb.ram.add_error_region(
            d.src + rng.randrange(d.length), 1, rng.choice(["SLVERR", "DECERR"]), "r"
        )
    elif plan.fault == "data_write":
        tb.ram.add_error_region(
            d.dst + rng.randrange(d.length), 1, rng.choice(["SLVERR", "DECERR"]), "w"
        )
    elif plan.fault == "desc_read":
        tb.ram.add_error_region(addr + rng.randrange(32), 1, "SLVERR", "r")
    elif plan.fault == "status":
        tb.ram.add_error_region(addr + r.DMAC_DESC_LEN_OFFSET, 8, "SLVERR", "w")


async def disturb(tb: DmacTB, chan: int, plan: Plan) -> None:
    """Pause and resume, or abort, the channel after its random delay."""
    await ClockCycles(tb.dut.clk, plan.delay)
    if plan.fault == "pause":
        await tb.chan_write(chan, r.DMAC_CHAN_CTRL_OFFSET, 1 << r.DMAC_CHAN_CTRL_PAUSE_LSB)
        await ClockCycles(tb.dut.clk, plan.hold)
        await tb.chan_write(chan, r.DMAC_CHAN_CTRL_OFFSET, 0)
    elif plan.fault == "abort":
        await tb.chan_write(chan, r.DMAC_CHAN_CTRL_OFFSET, 1 << r.DMAC_CHAN_CTRL_ABORT_LSB)


async def one_iteration(tb: DmacTB, seed: int) -> None:
    rng = random.Random(seed)
    db, nchan = tb.params.data_bytes, tb.params.NUM_CHANNELS
    tb.ram.read_latency = rng.choice([2, 2, 8, 20, 40])
    tb.ram.write_latency = rng.choice([2, 2, 8, 20, 40])
    tb.set_backpressure(rng.choice([0.0, 0.1, 0.3]))
    tb.ram.clear_error_regions()
    tb.fill_random()
    active = sorted(rng.sample(range(nchan), rng.randrange(1, nchan + 1)))
    plans = {c: Plan(rng, c, nchan, db) for c in active}
    for plan in plans.values():
        tb.put_chain(plan.chain)
        inject(tb, rng, plan)
    tb.dut._log.info(
        "iteration seed %d: latency %d/%d, %s",
        seed,
        tb.ram.read_latency,
        tb.ram.write_latency,
        ", ".join(f"ch{c} {len(p.chain)} desc {p.fault}@{p.victim}" for c, p in plans.items()),
    )
    original = tb.ram.read(0, tb.mem_size)
    model = tb.model()
    expect = {c: model.run_chain(p.chain[0][0]) for c, p in plans.items()}

    for c, plan in plans.items():
        await tb.chan_write(c, r.DMAC_CHAN_IRQ_STATUS_OFFSET, 0xF)
        await tb.start(c, plan.chain[0][0])
    tasks = [cocotb.start_soon(disturb(tb, c, p)) for c, p in plans.items()]
    for c in plans:
        await tb.wait_idle(c, timeout_us=5000)
    for t in tasks:
        await with_timeout(t, 100, "us")
    await ClockCycles(tb.dut.clk, 20)

    mem = tb.ram.read(0, tb.mem_size)
    regions: list[tuple[int, int]] = []
    for c, plan in plans.items():
        status = await tb.chan_read(c, r.DMAC_CHAN_STATUS_OFFSET)
        err = DmacErr((status >> r.DMAC_CHAN_STATUS_ERR_CODE_LSB) & 0xF)
        completed = await tb.chan_read(c, r.DMAC_CHAN_COMPLETED_OFFSET)
        where = f"seed {seed} channel {c} ({plan.fault} at descriptor {plan.victim})"
        if plan.fault == "abort":
            assert err in (DmacErr.ABORTED, DmacErr.NONE), f"{where}: {err!r}"
            assert err == DmacErr.ABORTED or completed == len(plan.chain), where
        else:
            assert err == EXPECTED[plan.fault], f"{where}: ERR_CODE {err!r}"
            want = len(plan.chain) if err == DmacErr.NONE else plan.victim
            assert completed == want, f"{where}: COMPLETED {completed}, expected {want}"
        if err == DmacErr.NONE:
            # Ran to the end: byte-exact against the reference model.
            for addr, d in plan.chain:
                assert mem[d.dst : d.dst + d.length] == model.mem[d.dst : d.dst + d.length], where
                assert mem[addr : addr + 32] == model.mem[addr : addr + 32], where
            assert expect[c].completed == completed, where
        problems = verify_chain(mem, original, plan.chain, completed, err)
        assert not problems, f"{where}: " + "; ".join(problems)
        regions += [(a, 32) for a, _ in plan.chain] + [(d.dst, d.length) for _, d in plan.chain]
    stray = untouched_outside(mem, original, regions)
    assert not stray, f"seed {seed}: bytes changed outside every chain, first at {stray[0]:#x}"
    tb.check_protocol()


@cocotb.test()
async def test_random_regression(dut) -> None:  # type: ignore[no-untyped-def]
    """ITERATIONS random scenarios on one controller, each checked in full."""
    tb = DmacTB(dut, mem_latency=2, reorder=True)
    await tb.reset()
    for _ in range(ITERATIONS):
        await one_iteration(tb, tb.rng.getrandbits(32))

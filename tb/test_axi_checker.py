"""Self-test of the AXI4 and AXI4-Lite protocol checkers in tb/axi_checker.py.

The toplevel (tb/hdl/axi_checker_harness.v) only has inputs, so every test
plays master and slave from Python.  Legal traffic (bursts of every type with
idles and back-pressure, interleaved read IDs, W ahead of AW) must give no
violation; each scenario then breaks one rule and must be reported under
exactly that rule name.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import cocotb
from cocotb.clock import Clock
from cocotb.handle import SimHandleBase
from cocotb.triggers import ClockCycles, RisingEdge

from tb.axi_checker import (
    BURST_FIXED,
    BURST_INCR,
    BURST_WRAP,
    AxiBurst,
    AxiChecker,
    AxiLiteAccess,
    AxiLiteChecker,
    AxiProtocolError,
)

CLK_NS = 10
# Icarus is 4-state: the X/Z rules can only be exercised there (Verilator has no X).
FOUR_STATE = cocotb.SIM_NAME.lower().startswith("icarus")
HANDSHAKES = [
    f"{prefix}_{ch}{hs}"
    for prefix in ("m_axi", "s_axil")
    for ch in ("aw", "w", "b", "ar", "r")
    for hs in ("valid", "ready")
]

Step = Mapping[str, int | str]


class Harness:
    """Clock, reset and direct drive of the harness ports, with both checkers attached."""

    def __init__(self, dut: SimHandleBase, **checker_args: object) -> None:
        self.dut = dut
        Clock(dut.clk, CLK_NS, unit="ns").start(start_high=False)
        dut.rst.value = 1
        for name in HANDSHAKES:
            dut[name].value = 0
        self.axi = AxiChecker(dut, **checker_args)  # type: ignore[arg-type]
        self.axil = AxiLiteChecker(dut, **checker_args)  # type: ignore[arg-type]

    async def reset(self, cycles: int = 4, idle_after: int = 1) -> None:
        """Hold reset ``cycles`` edges from time 0, release it, stay idle ``idle_after``."""
        await ClockCycles(self.dut.clk, cycles)
        self.dut.rst.value = 0
        if idle_after:
            await ClockCycles(self.dut.clk, idle_after)

    def drive(self, prefix: str, step: Step) -> None:
        for name, value in step.items():
            handle = self.dut[f"{prefix}_{name}"]
            if isinstance(value, str) and len(value) == 1:
                value = value * len(handle)  # "X" fills the whole vector
            handle.value = value

    async def play(self, prefix: str, steps: Sequence[Step], tail: int = 3) -> None:
        """Drive one step per clock cycle (values hold until changed), then wait ``tail``."""
        for step in steps:
            self.drive(prefix, step)
            await RisingEdge(self.dut.clk)
        await ClockCycles(self.dut.clk, tail)


# -- scripted steps ------------------------------------------------------------------------


def ax(ch: str, addr: int = 0x100, length: int = 0, size: int = 3, burst: int = BURST_INCR,
       aid: int = 0, lock: int = 0, cache: int = 0, prot: int = 0) -> dict[str, int]:  # fmt: skip
    return {
        f"{ch}valid": 1,
        f"{ch}id": aid,
        f"{ch}addr": addr,
        f"{ch}len": length,
        f"{ch}size": size,
        f"{ch}burst": burst,
        f"{ch}lock": lock,
        f"{ch}cache": cache,
        f"{ch}prot": prot,
    }


def aw(ready: int = 1, **kw: int) -> dict[str, int]:
    return {**ax("aw", **kw), "awready": ready}


def ar(ready: int = 1, **kw: int) -> dict[str, int]:
    return {**ax("ar", **kw), "arready": ready}


def w(data: int | str = 0, strb: int = 0xFF, last: int = 1, ready: int = 1) -> dict[str, int | str]:
    return {"wvalid": 1, "wdata": data, "wstrb": strb, "wlast": last, "wready": ready}


def r(aid: int = 0, data: int | str = 0, resp: int = 0, last: int = 1, ready: int = 1) -> Step:
    return {"rvalid": 1, "rid": aid, "rdata": data, "rresp": resp, "rlast": last, "rready": ready}


def b(aid: int = 0, resp: int | str = 0, ready: int = 1) -> Step:
    return {"bvalid": 1, "bid": aid, "bresp": resp, "bready": ready}


def read_issued(**kw: int) -> list[Step]:
    return [ar(**kw), {"arvalid": 0}]


def write_done(aid: int = 0) -> list[Step]:
    """A one-beat write whose AW and W both completed."""
    return [{**aw(aid=aid), **w()}, {"awvalid": 0, "wvalid": 0}]


@dataclass
class Scenario:
    steps: list[Step]
    expect: set[str]
    at_release: bool = False  # first step in the first cycle after reset


AXI_SCENARIOS: dict[str, Scenario] = {}
AXI_X_SCENARIOS: dict[str, Scenario] = {}
LITE_SCENARIOS: dict[str, Scenario] = {}
LITE_X_SCENARIOS: dict[str, Scenario] = {}


def scenario(
    table: dict[str, Scenario],
    name: str,
    *steps: Step,
    expect: Sequence[str] | None = None,
    at_release: bool = False,
) -> None:
    """Register a rule-breaking script; by default it must report exactly the rule its name
    starts with (``RULE`` or ``RULE-variant``)."""
    table[name] = Scenario(list(steps), set(expect or [name.split("-")[0]]), at_release)


# VALID held until READY, both sides.
scenario(AXI_SCENARIOS, "ERRM_AWVALID_STABLE", aw(ready=0), {"awvalid": 0})
scenario(AXI_SCENARIOS, "ERRM_WVALID_STABLE", w(ready=0), {"wvalid": 0})
scenario(AXI_SCENARIOS, "ERRM_ARVALID_STABLE", ar(ready=0), {"arvalid": 0})
scenario(AXI_SCENARIOS, "ERRS_BVALID_STABLE", *write_done(), b(ready=0), {"bvalid": 0})
scenario(AXI_SCENARIOS, "ERRS_RVALID_STABLE", *read_issued(), r(ready=0), {"rvalid": 0})
# Address and control stable while waiting: each field of AW and AR (new values are legal).
for _ch in ("aw", "ar"):
    for _field, _new in (
        ("id", 1), ("addr", 0x108), ("len", 1), ("size", 2),
        ("burst", BURST_FIXED), ("lock", 1), ("cache", 2), ("prot", 2),
    ):  # fmt: skip
        scenario(
            AXI_SCENARIOS,
            f"ERRM_{_ch.upper()}{_field.upper()}_STABLE",
            {**ax(_ch), f"{_ch}ready": 0},
            {f"{_ch}{_field}": _new},
        )
scenario(AXI_SCENARIOS, "ERRM_WDATA_STABLE", w(data=0x11, strb=0x01, ready=0), {"wdata": 0x12})
scenario(AXI_SCENARIOS, "ERRM_WSTRB_STABLE", w(strb=0x0F, ready=0), {"wstrb": 0xFF})
scenario(AXI_SCENARIOS, "ERRM_WLAST_STABLE", w(last=0, ready=0), {"wlast": 1})
scenario(AXI_SCENARIOS, "ERRS_RDATA_STABLE", *read_issued(), r(data=1, ready=0), {"rdata": 2})
scenario(AXI_SCENARIOS, "ERRS_RRESP_STABLE", *read_issued(), r(ready=0), {"rresp": 2})
scenario(AXI_SCENARIOS, "ERRS_RLAST_STABLE", *read_issued(), r(ready=0), {"rlast": 0})
scenario(
    AXI_SCENARIOS,
    "ERRS_RID_STABLE",
    *read_issued(aid=1),
    *read_issued(aid=2),
    r(aid=1, ready=0),
    {"rid": 2},
)
scenario(AXI_SCENARIOS, "ERRS_BRESP_STABLE", *write_done(), b(ready=0), {"bresp": 2})
scenario(
    AXI_SCENARIOS,
    "ERRS_BID_STABLE",
    *write_done(aid=1),
    *write_done(aid=2),
    b(aid=1, ready=0),
    {"bid": 2},
)
# Address rules.
scenario(AXI_SCENARIOS, "ERRM_AWADDR_BOUNDARY", aw(addr=0xFF8, length=1), {"awvalid": 0})
scenario(AXI_SCENARIOS, "ERRM_ARADDR_BOUNDARY", ar(addr=0x1F00, length=32), {"arvalid": 0})
scenario(AXI_SCENARIOS, "ERRM_AWBURST", aw(burst=3), {"awvalid": 0})
scenario(AXI_SCENARIOS, "ERRM_ARBURST", ar(burst=3), {"arvalid": 0})
scenario(AXI_SCENARIOS, "ERRM_ARLEN_FIXED", ar(burst=BURST_FIXED, length=16), {"arvalid": 0})
scenario(AXI_SCENARIOS, "ERRM_AWLEN_WRAP", aw(burst=BURST_WRAP, length=2), {"awvalid": 0})
scenario(
    AXI_SCENARIOS,
    "ERRM_ARADDR_WRAP_ALIGN",
    ar(burst=BURST_WRAP, length=3, addr=0x104),
    {"arvalid": 0},
)
scenario(AXI_SCENARIOS, "ERRM_AWSIZE", aw(size=4), {"awvalid": 0})
scenario(AXI_SCENARIOS, "ERRM_ARSIZE", ar(size=4), {"arvalid": 0})
scenario(AXI_SCENARIOS, "ERRM_AWCACHE", aw(cache=0b1000), {"awvalid": 0})
scenario(AXI_SCENARIOS, "ERRM_ARCACHE", ar(cache=0b0100), {"arvalid": 0})
scenario(AXI_SCENARIOS, "ERRM_ARLEN_LOCK", ar(lock=1, length=31, size=0), {"arvalid": 0})
scenario(AXI_SCENARIOS, "ERRM_EXCL_LEN", ar(lock=1, length=2, addr=0x180), {"arvalid": 0})
scenario(AXI_SCENARIOS, "ERRM_EXCL_ALIGN", aw(lock=1, length=1, addr=0x108), {"awvalid": 0})
# On a 64-bit bus an exclusive over 128 bytes also has more than 16 beats.
scenario(
    AXI_SCENARIOS,
    "ERRM_EXCL_MAX",
    ar(lock=1, length=31),
    {"arvalid": 0},
    expect=["ERRM_EXCL_MAX", "ERRM_ARLEN_LOCK"],
)
# Write data count and WLAST.
scenario(
    AXI_SCENARIOS,
    "ERRM_WDATA_NUM-early_wlast",
    {**aw(length=3), **w(last=0)},
    {"awvalid": 0, "wlast": 1},
    {"wvalid": 0},
)
scenario(
    AXI_SCENARIOS,
    "ERRM_WDATA_NUM-missing_wlast",
    {**aw(length=1), **w(last=0)},
    {"awvalid": 0},
    {"wlast": 1},
    {"wvalid": 0},
)
scenario(
    AXI_SCENARIOS,
    "ERRM_WDATA_NUM-w_before_aw",
    w(last=0),
    {},
    {"wlast": 1},
    {"wvalid": 0, **aw(length=1)},
    {"awvalid": 0},
)
# Write strobes.
scenario(AXI_SCENARIOS, "ERRM_WSTRB-incr", {**aw(addr=0x103), **w(strb=0xFF)},
         {"awvalid": 0, "wvalid": 0})  # fmt: skip
scenario(
    AXI_SCENARIOS,
    "ERRM_WSTRB-fixed",
    {**aw(addr=0x104, size=2, burst=BURST_FIXED, length=1), **w(strb=0xF0, last=0)},
    {"awvalid": 0, "wstrb": 0x0F, "wlast": 1},
    {"wvalid": 0},
)
scenario(
    AXI_SCENARIOS,
    "ERRM_WSTRB-wrap",
    {**aw(addr=0x104, size=2, burst=BURST_WRAP, length=1), **w(strb=0xF0, last=0)},
    {"awvalid": 0, "wlast": 1},
    {"wvalid": 0},
)
scenario(AXI_SCENARIOS, "ERRM_WSTRB-w_before_aw", w(strb=0x0F),
         {"wvalid": 0, **aw(addr=0x104, size=2)}, {"awvalid": 0})  # fmt: skip
# Responses.
scenario(AXI_SCENARIOS, "ERRS_RID", r(aid=3), {"rvalid": 0})
scenario(AXI_SCENARIOS, "ERRS_RID-same_cycle_as_ar", {**ar(aid=2), **r(aid=2)},
         {"arvalid": 0, "rvalid": 0})  # fmt: skip
scenario(AXI_SCENARIOS, "ERRS_RID-other_id", *read_issued(aid=1), r(aid=2), {"rvalid": 0})
scenario(AXI_SCENARIOS, "ERRS_RDATA_NUM-early_rlast", *read_issued(length=2), r(last=0),
         {"rlast": 1}, {"rvalid": 0})  # fmt: skip
scenario(AXI_SCENARIOS, "ERRS_RDATA_NUM-missing_rlast", *read_issued(), r(last=0),
         {"rlast": 1}, {"rvalid": 0})  # fmt: skip
scenario(AXI_SCENARIOS, "ERRS_RRESP_EXOKAY", *read_issued(), r(resp=1), {"rvalid": 0})
scenario(AXI_SCENARIOS, "ERRS_BRESP_EXOKAY", *write_done(), b(resp=1), {"bvalid": 0})
scenario(AXI_SCENARIOS, "ERRS_BRESP_AW", b(aid=1), {"bvalid": 0})
scenario(AXI_SCENARIOS, "ERRS_BRESP_AW-w_only", w(), {"wvalid": 0}, b(), {"bvalid": 0})
scenario(AXI_SCENARIOS, "ERRS_BRESP_WLAST", aw(), {"awvalid": 0, **b()}, {"bvalid": 0})
scenario(
    AXI_SCENARIOS,
    "ERRS_BRESP_WLAST-same_cycle_as_wlast",
    aw(),
    {"awvalid": 0, **w(), **b()},
    {"wvalid": 0, "bvalid": 0},
)
# VALID low in the first cycle after reset.
scenario(AXI_SCENARIOS, "ERRM_AWVALID_RESET", aw(), {"awvalid": 0}, at_release=True)
scenario(AXI_SCENARIOS, "ERRM_WVALID_RESET", w(), {"wvalid": 0}, at_release=True)
scenario(AXI_SCENARIOS, "ERRM_ARVALID_RESET", ar(), {"arvalid": 0}, at_release=True)
scenario(AXI_SCENARIOS, "ERRS_BVALID_RESET", b(), {"bvalid": 0}, at_release=True,
         expect=["ERRS_BVALID_RESET", "ERRS_BRESP_AW"])  # fmt: skip
scenario(AXI_SCENARIOS, "ERRS_RVALID_RESET", r(), {"rvalid": 0}, at_release=True,
         expect=["ERRS_RVALID_RESET", "ERRS_RID"])  # fmt: skip
# X and Z (four-state simulators only).
scenario(AXI_X_SCENARIOS, "ERRM_ARVALID_X", {"arvalid": "X"}, {"arvalid": 0})
scenario(AXI_X_SCENARIOS, "ERRM_AWVALID_X", {"awvalid": "Z"}, {"awvalid": 0})
scenario(AXI_X_SCENARIOS, "ERRM_WVALID_X", {"wvalid": "X"}, {"wvalid": 0})
scenario(AXI_X_SCENARIOS, "ERRS_AWREADY_X", {"awready": "Z"}, {"awready": 0})
scenario(AXI_X_SCENARIOS, "ERRS_ARREADY_X", {"arready": "X"}, {"arready": 0})
scenario(AXI_X_SCENARIOS, "ERRS_BVALID_X", {"bvalid": "X"}, {"bvalid": 0})
scenario(AXI_X_SCENARIOS, "ERRS_RVALID_X", {"rvalid": "X"}, {"rvalid": 0})
scenario(AXI_X_SCENARIOS, "ERRM_BREADY_X", {"bready": "X"}, {"bready": 0})
scenario(AXI_X_SCENARIOS, "ERRM_RREADY_X", {"rready": "Z"}, {"rready": 0})
scenario(AXI_X_SCENARIOS, "ERRM_AWADDR_X", {**aw(), "awaddr": "X"}, {"awvalid": 0})
scenario(AXI_X_SCENARIOS, "ERRM_ARLEN_X", {**ar(), "arlen": "X"}, {"arvalid": 0})
scenario(AXI_X_SCENARIOS, "ERRM_WDATA_X", w(data="X", strb=0x01), {"wvalid": 0})
scenario(AXI_X_SCENARIOS, "ERRM_WSTRB_X", {**w(), "wstrb": "X"}, {"wvalid": 0})
scenario(AXI_X_SCENARIOS, "ERRS_RDATA_X", *read_issued(), r(data="X"), {"rvalid": 0})
scenario(AXI_X_SCENARIOS, "ERRS_BRESP_X", *write_done(), b(resp="X"), {"bvalid": 0})

# AXI4-Lite (the DUT is the slave; the bench plays the master).


def law(addr: int = 0x10, ready: int = 1) -> Step:
    return {"awvalid": 1, "awaddr": addr, "awprot": 0, "awready": ready}


def lw(data: int | str = 0, strb: int = 0xF, ready: int = 1) -> Step:
    return {"wvalid": 1, "wdata": data, "wstrb": strb, "wready": ready}


def lar(addr: int = 0x10, ready: int = 1) -> Step:
    return {"arvalid": 1, "araddr": addr, "arprot": 0, "arready": ready}


def lr(data: int | str = 0, resp: int = 0, ready: int = 1) -> Step:
    return {"rvalid": 1, "rdata": data, "rresp": resp, "rready": ready}


def lb(resp: int = 0, ready: int = 1) -> Step:
    return {"bvalid": 1, "bresp": resp, "bready": ready}


LITE_WRITE = [{**law(), **lw()}, {"awvalid": 0, "wvalid": 0}]
LITE_READ = [lar(), {"arvalid": 0}]
scenario(LITE_SCENARIOS, "ERRM_AWVALID_STABLE", law(ready=0), {"awvalid": 0})
scenario(LITE_SCENARIOS, "ERRM_WVALID_STABLE", lw(ready=0), {"wvalid": 0})
scenario(LITE_SCENARIOS, "ERRM_ARVALID_STABLE", lar(ready=0), {"arvalid": 0})
scenario(LITE_SCENARIOS, "ERRS_BVALID_STABLE", *LITE_WRITE, lb(ready=0), {"bvalid": 0})
scenario(LITE_SCENARIOS, "ERRS_RVALID_STABLE", *LITE_READ, lr(ready=0), {"rvalid": 0})
scenario(LITE_SCENARIOS, "ERRM_AWADDR_STABLE", law(ready=0), {"awaddr": 0x14})
scenario(LITE_SCENARIOS, "ERRM_ARPROT_STABLE", lar(ready=0), {"arprot": 1})
scenario(LITE_SCENARIOS, "ERRM_WDATA_STABLE", lw(data=5, ready=0), {"wdata": 6})
scenario(LITE_SCENARIOS, "ERRM_WSTRB_STABLE", lw(ready=0), {"wstrb": 0x3})
scenario(LITE_SCENARIOS, "ERRS_RDATA_STABLE", *LITE_READ, lr(data=1, ready=0), {"rdata": 3})
scenario(LITE_SCENARIOS, "ERRS_BRESP_STABLE", *LITE_WRITE, lb(ready=0), {"bresp": 2})
scenario(LITE_SCENARIOS, "ERRS_BRESP_AW", lw(), {"wvalid": 0, **lb()}, {"bvalid": 0})
scenario(LITE_SCENARIOS, "ERRS_BRESP_WLAST", law(), {"awvalid": 0, **lb()}, {"bvalid": 0})
scenario(LITE_SCENARIOS, "ERRS_BRESP_WLAST-same_cycle_as_w", law(),
         {"awvalid": 0, **lw(), **lb()}, {"wvalid": 0, "bvalid": 0})  # fmt: skip
scenario(LITE_SCENARIOS, "ERRS_RID", lr(), {"rvalid": 0})
scenario(LITE_SCENARIOS, "ERRS_RID-same_cycle_as_ar", {**lar(), **lr()},
         {"arvalid": 0, "rvalid": 0})  # fmt: skip
scenario(LITE_SCENARIOS, "ERRS_RID-second_r", *LITE_READ, lr(), {"rvalid": 0}, {}, lr(),
         {"rvalid": 0})  # fmt: skip
scenario(LITE_SCENARIOS, "AXI4LITE_ERRS_BRESP_EXOKAY", *LITE_WRITE, lb(resp=1), {"bvalid": 0})
scenario(LITE_SCENARIOS, "AXI4LITE_ERRS_RRESP_EXOKAY", *LITE_READ, lr(resp=1), {"rvalid": 0})
scenario(LITE_SCENARIOS, "ERRM_ARVALID_RESET", lar(), {"arvalid": 0}, at_release=True)
scenario(LITE_SCENARIOS, "ERRM_WVALID_RESET", lw(), {"wvalid": 0}, at_release=True)
scenario(LITE_X_SCENARIOS, "ERRM_AWVALID_X", {"awvalid": "X"}, {"awvalid": 0})
scenario(LITE_X_SCENARIOS, "ERRS_WREADY_X", {"wready": "Z"}, {"wready": 0})
scenario(LITE_X_SCENARIOS, "ERRM_ARADDR_X", {**lar(), "araddr": "X"}, {"arvalid": 0})
scenario(LITE_X_SCENARIOS, "ERRM_WDATA_X", lw(data="X", strb=0x8), {"wvalid": 0})
scenario(LITE_X_SCENARIOS, "ERRS_RDATA_X", *LITE_READ, lr(data="X"), {"rvalid": 0})


def params(table: dict[str, Scenario]) -> list[cocotb.Param]:
    """The scenarios as test parameters, each test named after its scenario."""
    return [cocotb.Param(value=sc, name=name) for name, sc in table.items()]


async def run_scenario(dut: SimHandleBase, prefix: str, sc: Scenario) -> Harness:
    h = Harness(dut)
    await h.reset(idle_after=0 if sc.at_release else 1)
    await h.play(prefix, sc.steps)
    checker, other = (h.axi, h.axil) if prefix == "m_axi" else (h.axil, h.axi)
    assert checker.rules == sc.expect, f"expected {sorted(sc.expect)}, got {checker.violations}"
    assert not other.violations, other.violations
    return h


@cocotb.test()
@cocotb.parametrize(rule=params(AXI_SCENARIOS))
async def test_axi_violation(dut: SimHandleBase, rule: Scenario) -> None:
    """Each AXI4 scenario is reported under exactly its rule name."""
    await run_scenario(dut, "m_axi", rule)


@cocotb.skipif(not FOUR_STATE, reason="X/Z need a four-state simulator")
@cocotb.test()
@cocotb.parametrize(rule=params(AXI_X_SCENARIOS))
async def test_axi_x(dut: SimHandleBase, rule: Scenario) -> None:
    """X/Z on AXI4 handshakes and on payload while VALID."""
    await run_scenario(dut, "m_axi", rule)


@cocotb.test()
@cocotb.parametrize(rule=params(LITE_SCENARIOS))
async def test_axil_violation(dut: SimHandleBase, rule: Scenario) -> None:
    """Each AXI4-Lite scenario is reported under exactly its rule name."""
    await run_scenario(dut, "s_axil", rule)


@cocotb.skipif(not FOUR_STATE, reason="X/Z need a four-state simulator")
@cocotb.test()
@cocotb.parametrize(rule=params(LITE_X_SCENARIOS))
async def test_axil_x(dut: SimHandleBase, rule: Scenario) -> None:
    """X/Z on AXI4-Lite handshakes and on payload while VALID."""
    await run_scenario(dut, "s_axil", rule)


# -- legal traffic -------------------------------------------------------------------------


@dataclass(eq=False)
class Burst:
    aid: int
    addr: int
    length: int
    size: int
    burst: int
    strb: list[int] = field(default_factory=list)  # writes: the lanes each beat may use
    data: list[int] = field(default_factory=list)
    resp: list[int] = field(default_factory=list)
    aw_after: int = 0  # writes: W beats the master sends before it offers the AW
    w_accepted: int = 0


# Hand-computed legal strobes (AXI spec A3.4.3), independent of the checker's own lane maths.
WRITES = [
    Burst(1, 0x1000, 7, 3, BURST_INCR, [0xFF] * 8),
    Burst(2, 0x2003, 3, 3, BURST_INCR, [0xF8, 0xFF, 0xFF, 0xFF]),  # unaligned start
    Burst(3, 0x3002, 5, 1, BURST_INCR, [0x0C, 0x30, 0xC0, 0x03, 0x0C, 0x30]),  # narrow
    Burst(0, 0x4004, 3, 2, BURST_FIXED, [0xF0] * 4),
    Burst(5, 0x5038, 3, 3, BURST_WRAP, [0xFF] * 4),
    Burst(4, 0x5104, 3, 2, BURST_WRAP, [0xF0, 0x0F, 0xF0, 0x0F]),  # narrow wrap
    Burst(1, 0x1F80, 15, 3, BURST_INCR, [0xFF] * 16),  # ends on the 4 KiB boundary
    Burst(6, 0x6000, 255, 3, BURST_INCR, [0xFF] * 256),  # longest burst
    Burst(1, 0x7007, 0, 0, BURST_INCR, [0x80]),
    Burst(0, 0x8000, 15, 3, BURST_FIXED, [0xFF] * 16),
]
READS = [
    Burst(0, 0x100, 7, 3, BURST_INCR),
    Burst(1, 0x200, 3, 3, BURST_INCR),
    Burst(2, 0x300, 15, 3, BURST_INCR),
    Burst(1, 0x400, 0, 3, BURST_INCR),
    Burst(3, 0x503, 2, 3, BURST_INCR),
    Burst(0, 0x600, 3, 2, BURST_FIXED),
    Burst(2, 0x710, 7, 3, BURST_WRAP),
    Burst(3, 0x801, 4, 0, BURST_INCR),
    Burst(1, 0xF00, 31, 3, BURST_INCR),  # ends on the 4 KiB boundary
    Burst(0, 0x1000, 255, 3, BURST_INCR),
]


def random_bursts(rng: random.Random, count: int) -> list[Burst]:
    out = []
    for _ in range(count):
        length = rng.randrange(16)
        addr = rng.randrange(0x10000, 0x20000, 0x100)
        out.append(Burst(rng.randrange(16), addr, length, 3, BURST_INCR, [0xFF] * (length + 1)))
    return out


class Readiness:
    """READY pattern with long stalls: each READY switches now and then between a mostly
    ready phase and a stalled one, so one channel can run far ahead of another."""

    def __init__(self, rng: random.Random, ready: float = 0.8) -> None:
        self.rng = rng
        self.ready = ready
        self.stalled: dict[str, bool] = {}

    def __call__(self, name: str) -> int:
        stalled = self.stalled.get(name, False) ^ (self.rng.random() < 0.05)
        self.stalled[name] = stalled
        return int(self.rng.random() < (0.05 if stalled else self.ready))


class AxiTraffic:
    """Plays master and slave of the AXI4 port at once, cycle by cycle.

    Both sides are Python, so each handshake is known from what was driven:
    no sampling races.  Random idles on every VALID, READYs with long stalls;
    some W bursts start or finish before their AW, R beats of different IDs
    interleave.
    """

    def __init__(self, dut: SimHandleBase, rng: random.Random, writes: list[Burst],
                 reads: list[Burst]) -> None:  # fmt: skip
        self.dut = dut
        self.rng = rng
        self.h = {n[len("m_axi_") :]: dut[n] for n in dir(dut) if n.startswith("m_axi_")}
        self.idle = {n: ("X" * len(hd) if FOUR_STATE else 0) for n, hd in self.h.items()}
        for bu in writes:
            bu.strb = [s & rng.choice((0xFF, 0xFF, 0xFF, rng.getrandbits(8))) for s in bu.strb]
            bu.data = [rng.getrandbits(64) for _ in bu.strb]
            if rng.random() < 0.3:
                bu.aw_after = rng.randint(1, bu.length + 1)
        self.aw_todo = deque(writes)
        self.w_todo = deque((bu, i) for bu in writes for i in range(bu.length + 1))
        self.ar_todo = deque(reads)
        self.aw: Burst | None = None
        self.w: tuple[Burst, int] | None = None
        self.ar: Burst | None = None
        self.b: tuple[Burst, int] | None = None
        self.r: tuple[Burst, int, int, int] | None = None
        self.ready = dict.fromkeys(("awready", "wready", "arready", "bready", "rready"), 0)
        self.readiness = Readiness(rng)
        self.aw_accepted: deque[Burst] = deque()
        self.aw_count = self.w_bursts = self.unpaired_w = 0
        self.b_todo: deque[Burst] = deque()
        self.r_todo: dict[int, deque[list]] = {}
        self.last_rid: int | None = None
        self.writes_done: list[Burst] = []
        self.reads_done: list[Burst] = []
        self.w_beats_before_aw = 0  # W beats accepted before their AW
        self.w_before_aw = 0  # W bursts complete before their AW
        self.r_switches = 0  # R beats of another ID inside an unfinished burst

    def busy(self) -> bool:
        return bool(
            self.aw_todo or self.w_todo or self.ar_todo or self.aw or self.w or self.ar
            or self.b or self.r or self.b_todo or self.r_todo or self.aw_accepted
            or self.unpaired_w
        )  # fmt: skip

    async def run(self) -> None:
        while self.busy():
            self.decide()
            await RisingEdge(self.dut.clk)
            self.handshakes()
        for name in ("awvalid", "wvalid", "arvalid", "bvalid", "rvalid", *self.ready):
            self.h[name].value = 0

    def handshakes(self) -> None:
        """Update both sides for the transfers that completed at this edge."""
        rdy = self.ready
        if self.aw and rdy["awready"]:
            self.aw_accepted.append(self.aw)
            self.aw_count += 1
            self.aw = None
        if self.w and rdy["wready"]:
            bu, beat = self.w
            bu.w_accepted += 1
            if self.w_bursts >= self.aw_count:
                self.w_beats_before_aw += 1
            if beat == bu.length:
                if self.w_bursts >= self.aw_count:
                    self.w_before_aw += 1
                self.w_bursts += 1
                self.unpaired_w += 1
            self.w = None
        while self.aw_accepted and self.unpaired_w:
            self.b_todo.append(self.aw_accepted.popleft())
            self.unpaired_w -= 1
        if self.ar and rdy["arready"]:
            self.r_todo.setdefault(self.ar.aid, deque()).append([self.ar, 0])
            self.ar = None
        if self.b and rdy["bready"]:
            bu, resp = self.b
            bu.resp = [resp]
            self.writes_done.append(bu)
            self.b = None
        if self.r and rdy["rready"]:
            bu, beat, data, resp = self.r
            bu.data.append(data)
            bu.resp.append(resp)
            if beat == bu.length:
                self.reads_done.append(bu)
            self.r = None

    def decide(self) -> None:
        """Choose this cycle's VALIDs, payloads and READYs and drive them."""
        rng, h, idle = self.rng, self.h, self.idle
        if (
            self.aw is None
            and self.aw_todo
            and self.aw_todo[0].w_accepted >= self.aw_todo[0].aw_after
            and rng.random() < 0.3
        ):
            self.aw = self.aw_todo.popleft()
        if self.w is None and self.w_todo and rng.random() < 0.7:
            self.w = self.w_todo.popleft()
        if self.ar is None and self.ar_todo and rng.random() < 0.4:
            self.ar = self.ar_todo.popleft()
        if self.b is None and self.b_todo and rng.random() < 0.6:
            self.b = (self.b_todo.popleft(), rng.choice((0, 0, 2, 3)))
        if self.r is None and self.r_todo and rng.random() < 0.8:
            rid = rng.choice(sorted(self.r_todo))
            entry = self.r_todo[rid][0]
            bu, beat = entry
            if self.last_rid is not None and rid != self.last_rid:
                prev = self.r_todo.get(self.last_rid)
                if prev and prev[0][1]:
                    self.r_switches += 1
            self.last_rid = rid
            self.r = (bu, beat, rng.getrandbits(64), rng.choice((0, 0, 0, 2)))
            entry[1] += 1
            if beat == bu.length:
                self.r_todo[rid].popleft()
                if not self.r_todo[rid]:
                    del self.r_todo[rid]
        for name in self.ready:
            self.ready[name] = self.readiness(name)
            h[name].value = self.ready[name]
        for ch, bu in (("aw", self.aw), ("ar", self.ar)):
            h[f"{ch}valid"].value = int(bu is not None)
            values = (
                (bu.aid, bu.addr, bu.length, bu.size, bu.burst, 0, 3, 2) if bu is not None else None
            )
            for i, f in enumerate(("id", "addr", "len", "size", "burst", "lock", "cache", "prot")):
                h[ch + f].value = values[i] if values else idle[ch + f]
        h["wvalid"].value = int(self.w is not None)
        if self.w:
            bu, beat = self.w
            h["wdata"].value = bu.data[beat]
            h["wstrb"].value = bu.strb[beat]
            h["wlast"].value = int(beat == bu.length)
        else:
            for f in ("wdata", "wstrb", "wlast"):
                h[f].value = idle[f]
        h["bvalid"].value = int(self.b is not None)
        h["bid"].value = self.b[0].aid if self.b else idle["bid"]
        h["bresp"].value = self.b[1] if self.b else idle["bresp"]
        h["rvalid"].value = int(self.r is not None)
        if self.r:
            bu, beat, data, resp = self.r
            h["rid"].value = bu.aid
            h["rdata"].value = data
            h["rresp"].value = resp
            h["rlast"].value = int(beat == bu.length)
        else:
            for f in ("rid", "rdata", "rresp", "rlast"):
                h[f].value = idle[f]


def published(txn: AxiBurst) -> tuple[object, ...]:
    return (txn.id, txn.addr, txn.len, txn.size, txn.burst, txn.data, txn.strb, txn.resp)


def expected(bu: Burst, write: bool) -> tuple[object, ...]:
    strb = bu.strb if write else []
    return (bu.aid, bu.addr, bu.length, bu.size, bu.burst, bu.data, strb, bu.resp)


@cocotb.test()
@cocotb.parametrize(seed=[1, 2, 3])
async def test_axi_legal_traffic(dut: SimHandleBase, seed: int) -> None:
    """Bursts of every type with idles and back-pressure give no violation and are published."""
    rng = random.Random(seed)
    h = Harness(dut)
    seen: list[AxiBurst] = []
    h.axi.add_callback(seen.append)
    await h.reset()
    writes = [*WRITES, *random_bursts(rng, 20)]
    reads = [*(Burst(rd.aid, rd.addr, rd.length, rd.size, rd.burst) for rd in READS),
             *random_bursts(rng, 20)]  # fmt: skip
    rng.shuffle(writes)
    rng.shuffle(reads)
    traffic = AxiTraffic(dut, rng, writes, reads)
    await traffic.run()
    await ClockCycles(dut.clk, 3)
    h.axi.assert_clean(idle=True)
    h.axil.assert_clean(idle=True)
    got_w = [published(t) for t in seen if t.is_write]
    got_r = [published(t) for t in seen if not t.is_write]
    assert got_w == [expected(bu, True) for bu in traffic.writes_done]
    assert got_r == [expected(bu, False) for bu in traffic.reads_done]
    c = h.axi.counters
    assert c["aw_count"] == c["b_count"] == c["w_bursts"] == len(writes), c
    assert c["w_beats"] == sum(bu.length + 1 for bu in writes), c
    assert c["ar_count"] == c["r_bursts"] == len(reads), c
    assert c["r_beats"] == sum(bu.length + 1 for bu in reads), c
    assert c["reads_outstanding"] == c["writes_outstanding"] == 0, c
    assert c["max_reads_outstanding"] >= 2 and c["max_writes_outstanding"] >= 2, c
    # The traffic really had the features the checker must accept.
    assert traffic.w_beats_before_aw > 0, "no W beat before its AW"
    assert traffic.w_before_aw > 0, "no W burst completed before its AW"
    assert traffic.r_switches > 0, "no interleaved read data"
    dut._log.info(
        "counters %s; W beats before AW %d, W bursts before AW %d, R ID switches %d",
        c,
        traffic.w_beats_before_aw,
        traffic.w_before_aw,
        traffic.r_switches,
    )


@cocotb.test()
async def test_axi_legal_corners(dut: SimHandleBase) -> None:
    """Legal oddities: payload changes while VALID is low, unstrobed lanes changing while
    waiting, READY without VALID, same-ID reads in order, empty strobes, VALID during reset."""
    h = Harness(dut)
    # Anything goes while reset is asserted.
    h.drive("m_axi", {**ar(ready=0), "awvalid": "X" if FOUR_STATE else 1})
    await ClockCycles(dut.clk, 2)
    h.drive("m_axi", {"arvalid": 0, "awvalid": 0})
    await h.reset(cycles=2)
    unknown = "X" if FOUR_STATE else 0
    await h.play(
        "m_axi",
        [
            {"awaddr": 0x5, "araddr": unknown, "awready": 1, "wready": 1, "bready": 1},
            {"awaddr": 0x7, "awlen": unknown},
            # WDATA lanes 1..7 change while waiting with WSTRB = 0x01.
            {**w(data=0x1122334455667788, strb=0x01, ready=0), "awready": 0},
            {"wdata": 0xFFFFFFFFFFFFFF88},
            {"wdata": "X" * 56 + "10001000" if FOUR_STATE else 0x88, "wready": 1},
            {"wvalid": 0, **aw(addr=0x100)},
            {**aw(addr=0x200), **w(data=unknown, strb=0x00)},  # a beat without strobes
            {"awvalid": 0, "wvalid": 0},
            {**b(), "wready": 0},
            {},  # the second write's response
            {"bvalid": 0},
            # Two reads with one ID: answered in order; a narrow read with X on idle lanes.
            ar(aid=5, addr=0x200, length=1),
            ar(aid=5, addr=0x301, size=0),
            {"arvalid": 0, **r(aid=5, last=0)},
            {"rlast": 1},
            {"rdata": "X" * 48 + "00000001" + "X" * 8 if FOUR_STATE else 0x100},
            {"rvalid": 0, "rready": 0},
        ],
    )
    h.axi.assert_clean(idle=True)
    h.axil.assert_clean(idle=True)


class LiteTraffic:
    """Plays master and slave of the AXI4-Lite port, with idles and back-pressure."""

    def __init__(self, dut: SimHandleBase, rng: random.Random, count: int) -> None:
        self.rng = rng
        self.dut = dut
        self.h = {n[len("s_axil_") :]: dut[n] for n in dir(dut) if n.startswith("s_axil_")}
        writes = [(rng.randrange(0, 0x1000, 4), rng.getrandbits(32), rng.getrandbits(4))
                  for _ in range(count)]  # fmt: skip
        self.aw_todo = deque(a for a, _, _ in writes)
        self.w_todo = deque((d, s) for _, d, s in writes)
        self.ar_todo = deque(rng.randrange(0, 0x1000, 4) for _ in range(count))
        self.aw: int | None = None
        self.w: tuple[int, int] | None = None
        self.ar: int | None = None
        self.b: int | None = None
        self.r: tuple[int, int] | None = None
        self.ready = dict.fromkeys(("awready", "wready", "arready", "bready", "rready"), 0)
        self.readiness = Readiness(rng)
        self.aw_acc: deque[int] = deque()
        self.w_acc: deque[tuple[int, int]] = deque()
        self.b_todo: deque[tuple[int, int, int]] = deque()
        self.r_todo: deque[int] = deque()
        self.done: list[tuple[bool, int, int, int, int]] = []  # (write?, addr, data, strb, resp)

    def busy(self) -> bool:
        return bool(
            self.aw_todo or self.w_todo or self.ar_todo or self.aw is not None or self.w
            or self.ar is not None or self.b is not None or self.r or self.aw_acc
            or self.w_acc or self.b_todo or self.r_todo
        )  # fmt: skip

    async def run(self) -> None:
        while self.busy():
            self.decide()
            await RisingEdge(self.dut.clk)
            self.handshakes()
        for name in ("awvalid", "wvalid", "arvalid", "bvalid", "rvalid", *self.ready):
            self.h[name].value = 0

    def handshakes(self) -> None:
        rdy = self.ready
        if self.aw is not None and rdy["awready"]:
            self.aw_acc.append(self.aw)
            self.aw = None
        if self.w and rdy["wready"]:
            self.w_acc.append(self.w)
            self.w = None
        while self.aw_acc and self.w_acc:
            self.b_todo.append((self.aw_acc.popleft(), *self.w_acc.popleft()))
        if self.ar is not None and rdy["arready"]:
            self.r_todo.append(self.ar)
            self.ar = None
        if self.b is not None and rdy["bready"]:
            addr, data, strb = self.b_todo.popleft()
            self.done.append((True, addr, data, strb, self.b))
            self.b = None
        if self.r and rdy["rready"]:
            data, resp = self.r
            self.done.append((False, self.r_todo.popleft(), data, 0, resp))
            self.r = None

    def decide(self) -> None:
        rng, h = self.rng, self.h
        if self.aw is None and self.aw_todo and rng.random() < 0.5:
            self.aw = self.aw_todo.popleft()
        if self.w is None and self.w_todo and rng.random() < 0.5:
            self.w = self.w_todo.popleft()
        if self.ar is None and self.ar_todo and rng.random() < 0.5:
            self.ar = self.ar_todo.popleft()
        if self.b is None and self.b_todo and rng.random() < 0.6:
            self.b = rng.choice((0, 2))
        if self.r is None and self.r_todo and rng.random() < 0.6:
            self.r = (rng.getrandbits(32), rng.choice((0, 3)))
        for name in self.ready:
            self.ready[name] = self.readiness(name)
            h[name].value = self.ready[name]
        h["awvalid"].value = int(self.aw is not None)
        h["awaddr"].value = self.aw or 0
        h["awprot"].value = 0
        h["wvalid"].value = int(self.w is not None)
        h["wdata"].value, h["wstrb"].value = self.w or (0, 0)
        h["arvalid"].value = int(self.ar is not None)
        h["araddr"].value = self.ar or 0
        h["arprot"].value = 0
        h["bvalid"].value = int(self.b is not None)
        h["bresp"].value = self.b or 0
        h["rvalid"].value = int(self.r is not None)
        h["rdata"].value, h["rresp"].value = self.r or (0, 0)


@cocotb.test()
async def test_axil_legal_traffic(dut: SimHandleBase) -> None:
    """AXI4-Lite reads and writes with back-pressure give no violation and are published."""
    h = Harness(dut)
    seen: list[AxiLiteAccess] = []
    h.axil.add_callback(seen.append)
    await h.reset()
    first = cocotb.start_soon(h.axil.wait_for_recv())  # the BusMonitor way to wait
    traffic = LiteTraffic(dut, random.Random(7), 40)
    await traffic.run()
    assert first.result() is seen[0]
    await ClockCycles(dut.clk, 3)
    h.axil.assert_clean(idle=True)
    h.axi.assert_clean(idle=True)
    got = [(t.is_write, t.addr, t.data, t.strb if t.is_write else 0, t.resp) for t in seen]
    assert got == [(wr, a, d, s if wr else 0, rs) for wr, a, d, s, rs in traffic.done]
    c = h.axil.counters
    assert c["aw_count"] == c["w_count"] == c["b_count"] == 40, c
    assert c["ar_count"] == c["r_count"] == 40, c
    assert c["max_writes_outstanding"] >= 2, c


# -- end of test, time limits, fail-fast ---------------------------------------------------


@cocotb.test()
async def test_outstanding_at_end(dut: SimHandleBase) -> None:
    """assert_clean(idle=True) reports reads and writes still waiting for a response."""
    h = Harness(dut)
    await h.reset()
    await h.play("m_axi", [{**ar(aid=3), **aw(aid=1), **w()}, {"arvalid": 0, "awvalid": 0,
                           "wvalid": 0}])  # fmt: skip
    await h.play("s_axil", [lar(), {"arvalid": 0, **law()}, {"awvalid": 0}])
    h.axi.assert_clean(idle=False)
    h.axil.assert_clean(idle=False)
    assert h.axi.reads_outstanding == 1 and h.axi.writes_outstanding == 1
    for checker in (h.axi, h.axil):
        try:
            checker.assert_clean(idle=True)
        except AssertionError as exc:
            assert "ERRS_RLAST_ALL_DONE_EOS" in str(exc), exc
            assert "ERRS_BRESP_ALL_DONE_EOS" in str(exc), exc
        else:
            raise AssertionError("outstanding transactions were not reported")
        assert checker.rules == {"ERRS_RLAST_ALL_DONE_EOS", "ERRS_BRESP_ALL_DONE_EOS"}


@cocotb.test()
async def test_max_wait(dut: SimHandleBase) -> None:
    """With max_wait, a VALID left waiting too long for READY is reported once."""
    h = Harness(dut, max_wait=4)
    await h.reset()
    await h.play("m_axi", [ar(ready=0), {}, {}, {}, {"arready": 1}, {"arvalid": 0}])
    assert not h.axi.violations, h.axi.violations  # 4 cycles of waiting is allowed
    await h.play("m_axi", [r(ready=0), *[{}] * 6, {"rready": 1}, {"rvalid": 0}])
    assert h.axi.rules == {"RECM_RREADY_MAX_WAIT"}
    assert len(h.axi.violations) == 1


@cocotb.test()
async def test_kill(dut: SimHandleBase) -> None:
    """A killed checker stops checking."""
    h = Harness(dut)
    await h.reset()
    h.axil.kill()
    await h.play("s_axil", [lar(ready=0), {"arvalid": 0}])
    assert not h.axil.violations
    await h.play("m_axi", [ar(ready=0), {"arvalid": 0}])
    assert h.axi.rules == {"ERRM_ARVALID_STABLE"}


@cocotb.xfail(raises=AxiProtocolError, reason="fail_fast must end the test at the violation")
@cocotb.test()
async def test_fail_fast(dut: SimHandleBase) -> None:
    """fail_fast=True fails the running test from the checker's own task."""
    h = Harness(dut, fail_fast=True)
    await h.reset()
    await h.play("m_axi", [ar(ready=0), {"arvalid": 0}], tail=20)
    # Only reached if the checker did not end the test.

"""The functional coverage collector (tb/coverage.py) and its merge and report (tools/coverage.py),
on hand-made observations: no simulator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cocotb_coverage.coverage import coverage_db

from sw import dmac_regs as r
from tb import coverage as cov
from tools import coverage as tool

DB, MBL = 4, 16  # a 32-bit bus, 16-beat bursts


def hits(name: str) -> dict[Any, int]:
    return dict(coverage_db[f"dmac.{name}"].detailed_coverage)


def delta(name: str, before: dict[Any, int]) -> dict[Any, int]:
    """Bins of ``name`` hit since ``before`` (a :func:`hits` snapshot), with their counts."""
    return {k: v - before[k] for k, v in hits(name).items() if v != before[k]}


def burst(
    chan: int,
    addr: int,
    beats: int = 1,
    *,
    write: bool = False,
    desc: bool = False,
    resp: int = 0,
    start: float = 0.0,
    end: float = 10.0,
) -> cov.Burst:
    return cov.Burst(write, chan, desc, addr, beats, resp, start, end)


@pytest.mark.parametrize(
    ("length", "expect"),
    [
        (1, "1 byte"),
        (2, "below one beat"),
        (3, "below one beat"),
        (4, "one beat"),
        (5, "up to one burst"),
        (64, "up to one burst"),
        (65, "several bursts"),
        (4095, "several bursts"),
        (4096, "large"),
        (7000, "large"),
    ],
)
def test_length_class(length: int, expect: str) -> None:
    assert cov.length_class(length, DB, MBL) == expect


def test_alignment_and_4k() -> None:
    assert [cov.align_class(a, 8) for a in (0x100, 0x101, 0x102, 0x107, 0x108)] == [
        "aligned",
        "odd",
        "even",
        "odd",
        "aligned",
    ]
    assert not cov.crosses_4k(0x1000, 0x1000)
    assert cov.crosses_4k(0x1FFF, 2)
    assert not cov.crosses_4k(0x1FFF, 1)
    assert [cov.in_flight_class(n) for n in (1, 2, 3, 4, 9)] == ["1", "2-3", "2-3", "4+", "4+"]


def test_cut_reasons() -> None:
    assert cov.cut_reasons([burst(0, 0x100, 3)], DB, MBL) == {"one burst"}
    # 16 beats then the rest: cut at the maximum length (order of completion does not matter).
    full = [burst(0, 0x140, 2), burst(0, 0x100, 16)]
    assert cov.cut_reasons(full, DB, MBL) == {"max length"}
    # A short burst that ends at 4 KiB: the boundary cut it.
    page = [burst(0, 0xFF8, 2), burst(0, 0x1000, 16), burst(0, 0x1040, 1)]
    assert cov.cut_reasons(page, DB, MBL) == {"4 KiB", "max length"}
    assert cov.cut_reasons([burst(0, 0x100, 2), burst(0, 0x108, 2)], DB, MBL) == {"other"}


def test_channel_state_and_gaps() -> None:
    bursts = [
        burst(1, 0x1000, 8, desc=True, start=0, end=10),
        burst(1, 0x2000, 16, start=20, end=40),
        burst(1, 0x3000, 16, write=True, start=30, end=60),
        burst(1, 0x1010, 2, write=True, desc=True, start=70, end=80),
        burst(2, 0x9000, 1, start=0, end=200),  # another channel: never counted for ch1
    ]
    assert cov.channel_state(bursts, 1, 5) == {"descriptor fetch"}
    assert cov.channel_state(bursts, 1, 15) == {"between bursts"}
    assert cov.channel_state(bursts, 1, 35) == {"data read", "data write"}
    assert cov.channel_state(bursts, 1, 75) == {"status write"}
    assert cov.channel_state(bursts, 1, 90) == {"done"}
    assert cov.gaps(bursts, 1) == [10, 10]
    assert cov.gaps(bursts, 3) == []
    assert [b.where for b in bursts[:4]] == [
        "descriptor fetch",
        "data read",
        "data write",
        "status write",
    ]


def test_most_busy() -> None:
    # ch0 [0, 50], ch1 [10, 20], ch2 [20, 30] (touches ch1's end), ch3 [60, 70]
    bursts = [
        burst(0, 0, start=0, end=5),
        burst(0, 0, start=40, end=50),
        burst(1, 0, start=10, end=20),
        burst(2, 0, start=20, end=30),
        burst(3, 0, start=60, end=70),
    ]
    assert cov.most_busy(bursts) == 3
    assert cov.most_busy(bursts[-1:]) == 1
    assert cov.most_busy([]) == 0


def test_count_wraps() -> None:
    ring = [0x1000, 0x1020, 0x1040, 0x1060]
    # As the controller fetches: the first descriptor alone, the rest in one 128-byte burst.
    fetches = [(0x1000, 32), (0x1020, 128), (0x1000, 32), (0x1020, 128), (0x1000, 32)]
    assert cov.count_wraps(fetches, ring) == 2
    assert cov.count_wraps([(a, 32) for a in ring], ring) == 0
    assert cov.count_wraps([(a, 32) for a in ring + ring[:1]], ring) == 1


class FakeChecker:
    """Stands for AxiChecker/AxiLiteChecker: keeps the callbacks the collector registers."""

    def __init__(self) -> None:
        self.callbacks: list[Callable[[Any], object]] = []

    def add_callback(self, cb: Callable[[Any], object]) -> None:
        self.callbacks.append(cb)

    add_write_callback = add_callback

    def publish(self, txn: Any) -> None:
        for cb in self.callbacks:
            cb(txn)


def axi(
    axi_id: int, addr: int, beats: int, *, write: bool, resp: int, start: float, end: float
) -> SimpleNamespace:
    return SimpleNamespace(
        is_write=write,
        id=axi_id,
        addr=addr,
        len=beats - 1,
        resp=[resp] * (1 if write else beats),
        start_ns=start,
        end_ns=end,
    )


def test_collector_samples_what_the_bus_showed() -> None:
    axi_chk, axil_chk = FakeChecker(), FakeChecker()
    c = cov.Collector(axi_chk, axil_chk, data_bytes=DB, max_burst_len=MBL, chan_bits=2)
    names = ["desc.length", "desc.align", "split.cross", "error.cross", "control.cross"]
    names += ["busy.channels"]
    before = {n: hits(n) for n in names}
    desc_id = 1 << 2 | 1  # channel 1, descriptor/status ID
    # ch1: fetch, an 80-byte copy from 0xFF5 (read: 0xFF4.., cut at 4 KiB then at 16 beats),
    # status write answered SLVERR while the data write is still in flight.
    for txn in (
        axi(desc_id, 0x1000, 8, write=False, resp=0, start=0, end=10),
        axi(1, 0xFF4, 3, write=False, resp=0, start=12, end=20),
        axi(1, 0x1000, 16, write=False, resp=0, start=13, end=30),
        axi(1, 0x1040, 2, write=False, resp=0, start=14, end=31),
        axi(1, 0x5000, 16, write=True, resp=0, start=25, end=60),
        axi(1, 0x5040, 5, write=True, resp=0, start=26, end=61),
        axi(desc_id, 0x1010, 2, write=True, resp=2, start=40, end=50),
        axi(2, 0x9000, 4, write=False, resp=3, start=5, end=35),  # ch2: DECERR, alone
    ):
        axi_chk.publish(txn)
    ctrl = r.chan_reg(1, r.DMAC_CHAN_CTRL_OFFSET)
    axil_chk.publish(SimpleNamespace(addr=ctrl, data=1 << r.DMAC_CHAN_CTRL_PAUSE_LSB, end_ns=22))
    axil_chk.publish(SimpleNamespace(addr=ctrl, data=0, end_ns=23))  # resume: not sampled
    axil_chk.publish(
        SimpleNamespace(addr=ctrl + 0x40, data=1 << r.DMAC_CHAN_CTRL_ABORT_LSB, end_ns=100)
    )
    axil_chk.publish(SimpleNamespace(addr=ctrl + 4, data=0xFF, end_ns=5))  # not CTRL
    d = SimpleNamespace(src=0xFF5, dst=0x5002, length=80)
    c.end_iteration({1: [d, SimpleNamespace(src=0, dst=0, length=1)], 2: []}, {1: 1, 2: 0})
    assert delta("desc.length", before["desc.length"]) == {"several bursts": 1}
    assert delta("desc.align", before["desc.align"]) == {("odd", "even"): 1}
    assert delta("split.cross", before["split.cross"]) == {
        ("read", "max length"): 1,
        ("read", "4 KiB"): 1,
        ("write", "max length"): 1,
    }
    assert delta("error.cross", before["error.cross"]) == {
        ("SLVERR", "status write", "2-3"): 1,
        ("DECERR", "data read", "1"): 1,
    }
    assert delta("control.cross", before["control.cross"]) == {
        ("pause", "data read"): 1,
        ("abort", "done"): 1,
    }
    assert delta("busy.channels", before["busy.channels"]) == {"2": 1}
    assert c.bursts == [] and c.controls == []
    assert c.other_cuts == 0


def test_requests() -> None:
    before = hits("request.kind")
    served = [
        SimpleNamespace(kind="burst", last=False),
        SimpleNamespace(kind="single", last=True),
        SimpleNamespace(kind="single", last=False),
    ]
    cov.sample_served(served)
    assert delta("request.kind", before) == {"burst": 1, "single": 2, "last": 1}


def test_write_report_and_merge(tmp_path: Path) -> None:
    cov.sample_cyclic({"wrap"})
    one = cov.write(tmp_path / "a" / "coverage.yml")
    two = cov.write(tmp_path / "b" / "coverage.yml")
    db_one = cov.load(one)
    items = {i.name: i for i in cov.items(db_one)}
    # Every point and cross of the model, with all its bins (crosses as tuples of bins).
    assert set(items) == {n for n in coverage_db if n.startswith("dmac.") and n.count(".") == 2}
    assert len(items["dmac.error.cross"].hits) == 2 * 4 * 3
    assert "SLVERR x data read x 1" in items["dmac.error.cross"].hits
    wraps = items["dmac.cyclic.wrap"].hits["wrap"]
    assert wraps >= 1

    merged = tool.merge([one, two], tmp_path / "merged.yml")
    m = {i.name: i for i in cov.items(merged)}
    assert m["dmac.cyclic.wrap"].hits["wrap"] == 2 * wraps
    for name, item in items.items():
        assert m[name].hits == {k: 2 * v for k, v in item.hits.items()}, name

    lines = tool.render([one, two], out=tmp_path / "merged.yml")
    text = "\n".join(lines)
    hit, size = cov.totals(list(m.values()))
    assert f"total: {hit}/{size} bins hit" in text
    assert "dmac.cyclic.wrap" in text
    for item in m.values():
        if not item.sampled:
            assert f"{item.name}" in text and "NOT SAMPLED" in text
        elif item.missed:
            assert "missed: " + "; ".join(item.missed) in text


def test_report_of_a_small_database() -> None:
    db = {
        "dmac": {"size": 5, "coverage": 2},
        "dmac.x.kind": {"bins:_hits": {"a": 2, "b": 0}},
        "dmac.x.cross": {"bins:_hits": {"('a', 1)": 1, "('b', 1)": 0}},
        "dmac.y.wrap": {"bins:_hits": {"wrap": 0}},
    }
    lines = cov.report(db)
    assert any(line.startswith("dmac.x.kind") and "1/2" in line for line in lines)
    assert any("missed: b x 1" in line for line in lines)
    assert any("(cross)" in line for line in lines)
    assert any("dmac.y.wrap" in line and "NOT SAMPLED" in line for line in lines)
    assert "total: 2/5 bins hit (40.0%)" in lines
    assert any("not sampled: dmac.y.wrap" in line for line in lines)


def test_merge_refuses_other_bins(tmp_path: Path) -> None:
    good = cov.write(tmp_path / "good.yml")
    stale = tmp_path / "stale.yml"
    stale.write_text(good.read_text().replace("1 byte", "one byte"))
    with pytest.raises(ValueError, match="bins differ"):
        tool.merge([good, stale], tmp_path / "m.yml")
    with pytest.raises(ValueError, match="no coverage files"):
        tool.merge([], tmp_path / "m.yml")


def test_terminal_summary(tmp_path: Path) -> None:
    bench = tmp_path / "random-dw32-icarus"
    cov.write(bench / "coverage.yml")
    lines: list[str] = []
    reporter = SimpleNamespace(write_sep=lambda _sep, title: lines.append(title))
    reporter.write_line = lines.append
    results = [bench / "results.xml", tmp_path / "other" / "results.xml"]
    tool.terminal_summary(reporter, results, tmp_path / "merged.yml")
    assert lines[0] == "functional coverage"
    assert "1 file(s) merged" in lines[1]
    assert any(line.startswith("total: ") for line in lines)
    lines.clear()
    tool.terminal_summary(reporter, [tmp_path / "other" / "results.xml"], tmp_path / "m.yml")
    assert lines == []

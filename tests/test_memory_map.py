"""Unit tests of the sparse physical memory and the memory map (no simulator)."""

from __future__ import annotations

import asyncio
import random

import pytest

from tb.models.memory_map import DECERR, OKAY, SLVERR, MemoryMap
from tb.models.phys_mem import CHUNK, PhysicalMemory


class Recorder:
    """A device that remembers its calls and answers reads with its offset."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int, int]] = []

    def mmio_read(self, addr: int, size: int) -> int:
        self.calls.append(("r", addr, 0, size))
        return addr

    def mmio_write(self, addr: int, value: int, size: int) -> None:
        self.calls.append(("w", addr, value, size))


# -- PhysicalMemory ------------------------------------------------------------------------------


def test_sparse_costs_only_what_is_written() -> None:
    mem = PhysicalMemory(1 << 48, fill=0xA5)
    top = (1 << 48) - 10
    mem.write(top, b"0123456789")
    mem.write(5 * CHUNK - 3, b"across")  # straddles two chunks
    assert mem.allocated_bytes == 3 * CHUNK
    assert mem.read(top, 10) == b"0123456789"
    assert mem.read(5 * CHUNK - 3, 6) == b"across"
    assert mem.read(1 << 40, 4) == b"\xa5" * 4  # never written: the fill byte
    assert mem.read(5 * CHUNK - 5, 2) == b"\xa5\xa5"  # unwritten bytes of an allocated chunk
    with pytest.raises(ValueError):
        mem.read(top, 11)
    with pytest.raises(ValueError):
        mem.write(-1, b"x")
    mem.clear()
    assert mem.allocated_bytes == 0 and mem.read(top, 2) == b"\xa5\xa5"


def test_bulk_round_trip_matches_a_bytearray() -> None:
    rng = random.Random(1)
    mem = PhysicalMemory(1 << 32)
    ref = bytearray(4 * CHUNK)
    base = 0x1234_0000 - CHUNK
    for _ in range(200):
        off = rng.randrange(len(ref) - 300)
        data = rng.randbytes(rng.randrange(1, 300))
        mem.write(base + off, data)
        ref[off : off + len(data)] = data
    assert mem.read(base, len(ref)) == bytes(ref)
    mem.fill_bytes(base + 10, CHUNK + 7, 0x3C)
    ref[10 : 10 + CHUNK + 7] = b"\x3c" * (CHUNK + 7)
    assert mem.read(base, len(ref)) == bytes(ref)
    assert (mem.array(base, 64) == list(ref[:64])).all()
    mem.write_u64(base + 8, 0x1122334455667788)
    assert mem.read_u64(base + 8) == 0x1122334455667788
    assert mem.read_u32(base + 12) == 0x11223344


def test_bus_word_hot_path() -> None:
    mem = PhysicalMemory(1 << 32)
    word = bytes(range(16, 32))
    mem.write(0x1000, bytes(16))
    assert mem.read_int(0x2000, 8) == 0  # an unallocated chunk reads the fill
    mem.write_lanes(0x1000, word, 0b1111_0000_1010_0101, 0, 16)
    expect = bytearray(16)
    for lane in (0, 2, 5, 7, 12, 13, 14, 15):
        expect[lane] = word[lane]
    assert mem.read(0x1000, 16) == bytes(expect)
    mem.write_lanes(0x1000, bytes([0xFF] * 16), 0xFFFF, 4, 6)  # only lanes [4, 6) may change
    expect[4:6] = b"\xff\xff"
    assert mem.read(0x1000, 16) == bytes(expect)
    assert mem.read_int(0x1004, 2) == 0xFFFF


# -- MemoryMap -------------------------------------------------------------------------------------


def build() -> tuple[MemoryMap, Recorder]:
    mmap = MemoryMap(40)
    mmap.add_ram(0x4000_0000, 0x100_0000, "dram")
    mmap.add_ram(0x80_0000_0000, 0x1000, "high")
    dev = Recorder()
    mmap.add_mmio(0x1000_0000, 0x100, dev, "uart")
    return mmap, dev


def test_decode() -> None:
    mmap, dev = build()
    assert mmap.resolve(0x4000_0000, 0x4000_0008, False) == (OKAY, None)
    assert mmap.resolve(0x80_0000_0FF8, 0x80_0000_1000, True) == (OKAY, None)
    assert mmap.resolve(0x80_0000_0FFC, 0x80_0000_1004, True) == (DECERR, None)  # off the end
    assert mmap.resolve(0x3FFF_FFF8, 0x4000_0000, False) == (DECERR, None)  # a hole
    assert mmap.resolve(0x1000_0010, 0x1000_0014, False) == (OKAY, (0x1000_0000, dev))
    assert mmap.resolve(0x1000_00FC, 0x1000_0104, True) == (SLVERR, None)  # across its edge
    assert mmap.ram_ranges() == [(0x4000_0000, 0x100_0000), (0x80_0000_0000, 0x1000)]
    assert mmap.is_ram(0x4000_0000, 0x4100_0000) and not mmap.is_ram(0x4000_0000, 0x4100_0001)


def test_error_overlay_and_devices_over_ram() -> None:
    mmap, _ = build()
    mmap.add_error(0x4000_1000, 0x10, "SLVERR", "w")
    mmap.add_error(0x4000_1008, 0x10, "DECERR", "r")  # other direction: may overlap
    assert mmap.resolve(0x4000_1000, 0x4000_1008, True) == (SLVERR, None)
    assert mmap.resolve(0x4000_1000, 0x4000_1008, False) == (OKAY, None)
    assert mmap.resolve(0x4000_1008, 0x4000_1010, False) == (DECERR, None)
    with pytest.raises(ValueError, match="overlaps"):
        mmap.add_error(0x4000_100F, 4, "SLVERR", "rw")
    ram_dev = Recorder()
    mmap.add_mmio(0x4000_2000, 0x10, ram_dev)  # a device window inside RAM wins
    assert mmap.resolve(0x4000_2000, 0x4000_2004, True) == (OKAY, (0x4000_2000, ram_dev))
    mmap.add_error(0x4000_2000, 4, "SLVERR", "r")  # and an error region wins over it
    assert mmap.resolve(0x4000_2000, 0x4000_2004, False) == (SLVERR, None)
    mmap.clear_errors()
    mmap.clear_mmio()
    assert mmap.resolve(0x4000_2000, 0x4000_2004, False) == (OKAY, None)
    with pytest.raises(ValueError, match="overlaps"):
        mmap.add_ram(0x40FF_F000, 0x2000)
    with pytest.raises(ValueError, match="not in the address space"):
        mmap.add_mmio(1 << 40, 4, ram_dev)


def test_backdoor_and_cocotbext_access() -> None:
    mmap, dev = build()
    mmap.write(0x4000_0100, b"hello")
    assert mmap.read(0x4000_0100, 5) == b"hello"
    assert mmap.mem.read(0x4000_0100, 5) == b"hello"
    with pytest.raises(ValueError, match="RAM block"):
        mmap.read(0x3FFF_FFFF, 2)
    with pytest.raises(ValueError, match="RAM block"):
        mmap.write(0x1000_0000, b"x")  # the backdoor never reaches devices
    assert dev.calls == []

    async def through_address_spaces() -> tuple[bytes, bytes]:
        await mmap.ram.write(0x4000_0200, b"via cocotbext")
        await mmap.devices.write(0x1000_0008, (0xABCD).to_bytes(2, "little"))
        return await mmap.ram.read(0x4000_0200, 13), await mmap.devices.read(0x1000_0010, 4)

    ram_bytes, dev_bytes = asyncio.run(through_address_spaces())
    assert ram_bytes == b"via cocotbext" and mmap.read(0x4000_0200, 13) == ram_bytes
    assert dev_bytes == (0x10).to_bytes(4, "little")
    assert ("w", 8, 0xABCD, 2) in dev.calls


def test_cpu_windows() -> None:
    mmap, _ = build()
    mmap.add_cpu_window(0x2000_0000, 0x1000, "dmac registers")
    assert mmap.resolve(0x2000_0000, 0x2000_0004, False) == (DECERR, None)  # not for devices
    for clash in ((0x2000_0FFC, 8), (0x3FFF_F000, 0x2000), (0x1000_0080, 4)):
        with pytest.raises(ValueError, match="overlaps"):
            mmap.add_cpu_window(*clash, "x")
    with pytest.raises(ValueError, match="overlaps"):
        mmap.add_mmio(0x2000_0800, 4, Recorder())
    with pytest.raises(ValueError, match="overlaps"):
        mmap.add_ram(0x1F00_0000, 0x100_1000)


def test_describe_lists_every_range() -> None:
    mmap, _ = build()
    mmap.add_error(0x4000_3000, 0x100, "DECERR", "rw")
    mmap.add_cpu_window(0x2000_0000, 0x1000, "regs")
    text = mmap.describe()
    for needle in (
        "RAM 'dram'",
        "RAM 'high'",
        "device 'uart'",
        "error DECERR (rw)",
        "CPU window 'regs'",
    ):
        assert needle in text, text
    rows = text.splitlines()[1:]
    assert [int(row.split()[0], 16) for row in rows] == sorted(
        int(row.split()[0], 16) for row in rows
    )

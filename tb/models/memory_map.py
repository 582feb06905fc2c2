"""The system's physical memory map: RAM, device (MMIO) regions, holes and injected errors.

One :class:`MemoryMap` describes what every physical address is, for every
port that decodes addresses against it (the controller's AXI port in
:mod:`tb.models.axi_memory`, the CPU in :mod:`tb.models.cpu`, the IOMMU's
page-table walker).  It is built on cocotbext-axi's address-space classes:
RAM and device windows are :class:`~cocotbext.axi.Region` objects registered
in an :class:`~cocotbext.axi.AddressSpace` (so cocotbext-axi's own async
``read``/``write`` work across the map), and error injection is a pair of
address spaces laid over it, one per direction.

Decoding a beat's bytes [lo, hi):

1. a *device region*: the whole beat inside it goes to the device's
   ``mmio_read``/``mmio_write`` (the :class:`MmioDevice` protocol); a beat
   straddling the device's edge answers SLVERR and reaches nothing;
2. *RAM*: the beat inside one RAM block reads and writes
   :attr:`MemoryMap.mem`, the sparse :class:`~tb.models.phys_mem.PhysicalMemory`
   (physical address = offset in it);
3. anything else (a hole, or a beat across the end of a RAM block) answers
   DECERR, as an interconnect's default slave does.

An *error region* of the beat's direction touched by any of its bytes
overrides that: the beat answers the highest code among the error regions and
the decoding above (DECERR over SLVERR), and nothing is accessed.

*CPU windows* are register ranges that only the CPU reaches, through a port
of its own (the controller's AXI4-Lite slave, say): they are entered in the
map so that it describes the whole system, and a device master's access there
answers DECERR like a hole.

Device regions may lie over RAM (they win), so a bench can put a FIFO
register inside its memory; error regions may lie over anything.  RAM blocks
do not overlap each other, devices do not overlap each other, and error
regions of one direction do not overlap each other.

:meth:`MemoryMap.resolve` is on the hot path (once per bus beat): it keeps
the last block it matched and tries it first.
"""

from __future__ import annotations

from typing import Protocol

from cocotbext.axi import AddressSpace, AxiResp, Region

from tb.models.phys_mem import PhysicalMemory

OKAY = int(AxiResp.OKAY)
SLVERR = int(AxiResp.SLVERR)
DECERR = int(AxiResp.DECERR)
_RESP_BY_NAME = {"SLVERR": SLVERR, "DECERR": DECERR}


class MmioDevice(Protocol):
    """A device model in a device region: offsets are from the region's base; ``size`` is
    the number of bytes of the access, ``value`` their little-endian value."""

    def mmio_read(self, addr: int, size: int) -> int: ...

    def mmio_write(self, addr: int, value: int, size: int) -> None: ...


class RamRegion(Region):
    """A block of RAM: a window of the shared :class:`PhysicalMemory` at the same address."""

    def __init__(self, mem: PhysicalMemory, base: int, size: int, name: str) -> None:
        super().__init__(size)
        self.mem = mem
        self.start = base
        self.name = name

    async def _read(self, address: int, length: int, **kwargs: object) -> bytes:
        return self.mem.read(self.start + address, length)

    async def _write(self, address: int, data: bytes, **kwargs: object) -> None:
        self.mem.write(self.start + address, bytes(data))


class DeviceRegion(Region):
    """A device's register window; cocotbext-axi's async access splits into 1..8-byte calls."""

    def __init__(self, device: MmioDevice, base: int, size: int, name: str) -> None:
        super().__init__(size)
        self.device = device
        self.start = base
        self.name = name

    async def _read(self, address: int, length: int, **kwargs: object) -> bytes:
        out = bytearray()
        while len(out) < length:
            n = min(8, length - len(out))
            out += self.device.mmio_read(address + len(out), n).to_bytes(n, "little")
        return bytes(out)

    async def _write(self, address: int, data: bytes, **kwargs: object) -> None:
        for pos in range(0, len(data), 8):
            chunk = bytes(data[pos : pos + 8])
            self.device.mmio_write(address + pos, int.from_bytes(chunk, "little"), len(chunk))


class CpuWindowRegion(Region):
    """A register window only the CPU reaches; to device masters it is a hole."""

    def __init__(self, size: int, name: str) -> None:
        super().__init__(size)
        self.name = name


class ErrorRegion(Region):
    """A range of addresses that answers ``resp`` instead of data."""

    def __init__(self, size: int, resp: int) -> None:
        super().__init__(size)
        self.resp = resp


class ErrorMap:
    """Error regions, one cocotbext-axi :class:`AddressSpace` for reads and one for writes.

    Regions of one direction must not overlap (``AddressSpace`` refuses it); a
    read-only and a write-only region may.
    """

    def __init__(self, span: int) -> None:
        self._span = span
        self._read = AddressSpace(span)
        self._write = AddressSpace(span)

    def __bool__(self) -> bool:
        return bool(self._read.regions or self._write.regions)

    def add(self, base: int, size: int, resp: str, access: str) -> None:
        code = _RESP_BY_NAME.get(resp.upper())
        if code is None:
            raise ValueError(f"resp must be 'SLVERR' or 'DECERR', not {resp!r}")
        if access not in ("r", "w", "rw"):
            raise ValueError(f"access must be 'r', 'w' or 'rw', not {access!r}")
        if size <= 0 or base < 0 or base + size > self._span:
            raise ValueError(f"error region [{base:#x}, +{size:#x}) is not in the address space")
        spaces = [s for key, s in (("r", self._read), ("w", self._write)) if key in access]
        for space in spaces:
            if space.find_regions(base, size):
                raise ValueError(f"error region at {base:#x} overlaps an existing one")
        for space in spaces:
            space.register_region(ErrorRegion(size, code), base, size)

    def clear(self) -> None:
        self._read.regions.clear()
        self._write.regions.clear()

    def lookup(self, lo: int, hi: int, write: bool) -> int:
        """Response for the bytes [lo, hi): OKAY, or the highest code of the regions touched."""
        space = self._write if write else self._read
        if not space.regions or lo >= self._span:
            return OKAY
        return max((r.resp for *_, r in space.find_regions(lo, hi - lo)), default=OKAY)

    def describe(self) -> list[tuple[int, int, str]]:
        rows: dict[tuple[int, int, str], str] = {}
        for tag, space in (("r", self._read), ("w", self._write)):
            for base, size, _, region in space.regions:
                key = (base, size, AxiResp(region.resp).name)
                rows[key] = rows.get(key, "") + tag
        return [(b, s, f"error {resp} ({acc})") for (b, s, resp), acc in sorted(rows.items())]


class MemoryMap:
    """Physical address map over ``2**address_width`` bytes (see the module docstring).

    ``mem`` is the one :class:`PhysicalMemory` behind every RAM block (a new one
    when not given).  :meth:`read`/:meth:`write` are the backdoor: RAM only,
    ValueError for anything else; they never reach devices.
    """

    def __init__(self, address_width: int = 48, mem: PhysicalMemory | None = None) -> None:
        if not 12 <= address_width <= 64:
            raise ValueError(f"address_width must be 12..64, not {address_width}")
        self.span = 1 << address_width
        self.mem = mem if mem is not None else PhysicalMemory(self.span)
        self.ram = AddressSpace(self.span)
        self.devices = AddressSpace(self.span)
        self.cpu_windows = AddressSpace(self.span)
        self.errors = ErrorMap(self.span)
        self._ram_blocks: list[tuple[int, int]] = []  # [base, end) of each RAM block
        self._last_ram: tuple[int, int] = (0, 0)  # the block matched last

    # -- building the map ----------------------------------------------------------------------

    def _check_range(self, what: str, base: int, size: int) -> None:
        if size <= 0 or base < 0 or base + size > self.span:
            raise ValueError(f"{what} [{base:#x}, +{size:#x}) is not in the address space")

    def add_ram(self, base: int, size: int, name: str = "ram") -> RamRegion:
        """A block of RAM at [base, base + size)."""
        self._check_range("RAM block", base, size)
        if base + size > self.mem.size:
            raise ValueError(f"RAM block [{base:#x}, +{size:#x}) is beyond the physical memory")
        if self.ram.find_regions(base, size):
            raise ValueError(f"RAM block at {base:#x} overlaps another")
        if self.cpu_windows.find_regions(base, size):
            raise ValueError(f"RAM block at {base:#x} overlaps a CPU window")
        region = RamRegion(self.mem, base, size, name)
        self.ram.register_region(region, base, size)
        self._ram_blocks.append((base, base + size))
        return region

    def add_mmio(self, base: int, size: int, device: MmioDevice, name: str = "") -> None:
        """Send every beat over [base, base + size) to ``device`` (offsets from ``base``)."""
        self._check_range("MMIO region", base, size)
        clash = self.devices.find_regions(base, size) or self.cpu_windows.find_regions(base, size)
        if clash:
            raise ValueError(f"MMIO region at {base:#x} overlaps the one at {clash[0][0]:#x}")
        label = name or type(device).__name__
        self.devices.register_region(DeviceRegion(device, base, size, label), base, size)

    def clear_mmio(self) -> None:
        self.devices.regions.clear()

    def add_cpu_window(self, base: int, size: int, name: str) -> None:
        """Enter a register window the CPU reaches through a port of its own (see the module
        docstring); it must not overlap RAM, devices or another window."""
        self._check_range("CPU window", base, size)
        for space, what in (
            (self.ram, "RAM"),
            (self.devices, "a device region"),
            (self.cpu_windows, "another CPU window"),
        ):
            if space.find_regions(base, size):
                raise ValueError(f"CPU window at {base:#x} overlaps {what}")
        self.cpu_windows.register_region(CpuWindowRegion(size, name), base, size)

    def add_error(self, base: int, size: int, resp: str = "SLVERR", access: str = "rw") -> None:
        """Make [base, base + size) answer ``resp`` ('SLVERR'/'DECERR') to reads ('r'),
        writes ('w') or both ('rw')."""
        self.errors.add(base, size, resp, access)

    def clear_errors(self) -> None:
        self.errors.clear()

    # -- questions ---------------------------------------------------------------------------

    def ram_ranges(self) -> list[tuple[int, int]]:
        """(base, size) of every RAM block, in address order."""
        return sorted((base, size) for base, size, _, _ in self.ram.regions)

    def is_ram(self, lo: int, hi: int | None = None) -> bool:
        """Whether [lo, hi) (default one byte) lies inside one RAM block."""
        hi = lo + 1 if hi is None else hi
        base, end = self._last_ram
        if base <= lo and hi <= end:
            return True
        for base, end in self._ram_blocks:  # a handful of blocks: a scan is cheapest
            if base <= lo and hi <= end:
                self._last_ram = (base, end)
                return True
        return False

    def resolve(self, lo: int, hi: int, write: bool) -> tuple[int, tuple[int, MmioDevice] | None]:
        """Decode one beat's bytes [lo, hi): (response, (base, device) or None).

        OKAY with a device: the beat goes to that device.  OKAY without one: RAM,
        at :attr:`mem` [lo, hi).  Anything else: the error response; nothing is accessed.
        """
        err = self.errors.lookup(lo, hi, write) if self.errors else OKAY
        if self.devices.regions and hi <= self.span:
            hits = self.devices.find_regions(lo, hi - lo)
            if hits:
                base, size, _, region = hits[0]
                if len(hits) == 1 and base <= lo and hi <= base + size:
                    return (OKAY, (base, region.device)) if err == OKAY else (err, None)
                return max(err, SLVERR), None
        if self.is_ram(lo, hi):
            return err, None
        return DECERR, None

    def describe(self) -> str:
        """The map as a table, one row per block, region or error range, in address order."""
        rows = [(b, s, f"RAM '{r.name}'") for b, s, _, r in self.ram.regions]
        rows += [(b, s, f"device '{r.name}'") for b, s, _, r in self.devices.regions]
        rows += [(b, s, f"CPU window '{r.name}'") for b, s, _, r in self.cpu_windows.regions]
        rows += self.errors.describe()
        lines = [f"{'base':>18}  {'end':>18}  what"]
        for base, size, what in sorted(rows):
            lines.append(f"{base:#18x}  {base + size - 1:#18x}  {what}")
        return "\n".join(lines)

    # -- backdoor ----------------------------------------------------------------------------

    def _check_ram(self, addr: int, length: int) -> None:
        if length and not self.is_ram(addr, addr + length):
            raise ValueError(
                f"backdoor access [{addr:#x}, {addr + length:#x}) is not inside one RAM block"
            )

    def read(self, addr: int, length: int) -> bytes:
        self._check_ram(addr, length)
        return self.mem.read(addr, length)

    def write(self, addr: int, data: bytes | bytearray) -> None:
        self._check_ram(addr, len(data))
        self.mem.write(addr, bytes(data))

"""The CPU the software runs on: MMU, data cache, MMIO, interrupts (the ``Platform``).

:class:`Cpu` implements :class:`sw.platform.Platform` over a shared
:class:`~tb.models.phys_mem.PhysicalMemory`, the way an arm64 core looks to
the kernel:

* Loads and stores (``read``/``write``) take kernel virtual addresses, which
  :class:`Mmu` translates page by page.  A cacheable page goes through the
  :class:`~tb.models.cache.DataCache` (non-coherent with the devices unless
  built with ``coherent=True``); a non-cacheable page (what
  ``dma_alloc_coherent`` hands out for a non-coherent device, a
  ``pgprot_dmacoherent`` mapping) goes straight to memory.  Zero simulated time.
* ``dcache_clean_poc``/``dcache_inval_poc``/``dcache_clean_inval_poc`` are
  arm64's ``arch/arm64/mm/cache.S`` routines: they take a virtual range,
  translate it page by page (``dc`` by VA acts on the physical line whatever
  the mapping's attributes, and faults on an unmapped address) and act on the
  lines of the physical pieces.  This is what ``arch_sync_dma_for_device`` /
  ``arch_sync_dma_for_cpu`` (``arch/arm64/mm/dma-mapping.c``) call.
* ``readl``/``writel``/``readq``/``writeq`` by physical address go to an MMIO
  window: the controller's AXI4-Lite register port (a cocotbext-axi
  ``AxiLiteMaster``, addressed from 0 at the window's base) or a Python
  register block with ``mmio_read``/``mmio_write`` (the
  :class:`~tb.models.axi_memory.MmioDevice` protocol), which takes one clock
  cycle.  An error response raises :class:`MmioError` (on arm64 it is an
  external abort, a kernel oops).
* ``request_irq``/``free_irq`` on level-sensitive lines connected by
  :meth:`Cpu.attach_irq`: one cocotb task per line runs the handlers in
  order while the line is high (``handle_irq_event``), checking the level
  again after each clock edge; 1000 unhandled runs in a row disable the line
  with "irq N: nobody cared" (``note_interrupt``).

The address layout is arm64's with 48-bit VAs and 4 KiB pages: the linear map
at ``PAGE_OFFSET`` covers exactly the RAM ranges (``va = PAGE_OFFSET + pa``,
always Normal cacheable), the vmalloc area ``[VMALLOC_START, VMALLOC_END)`` is
mapped page by page (``vmap``/``ioremap``-style, pages need not be physically
contiguous), and everything else faults with Linux's message.

Differences from Linux/arm64:

* The linear map has no offset: ``va = PAGE_OFFSET + pa`` (Linux subtracts
  ``PHYS_OFFSET``/``memstart_addr`` and may randomise it), and the vmalloc
  area simply starts where the linear map's 2**47 bytes end (no modules,
  KASAN or fixmap regions).  ``virt_to_phys``/``phys_to_virt`` are the
  arithmetic on that map: a linear-map address that is not RAM converts but
  faults when accessed.
* A faulting access has no effect at all: the whole range is translated
  before the first byte moves (a real core would have done the pages before
  the fault).
* No write buffer and no reordering: memory accesses and MMIO happen in
  program order, so the barriers inside ``writel``/``readl`` (``wmb``/``rmb``)
  have nothing to do.  Loads and stores of ``read``/``write`` are not
  MMIO: they go to memory even on a non-cacheable page (use ``readl``).
* A non-cacheable access never looks the cache up, even when a cacheable
  alias of the same page (the linear map) has lines in it; on a real core such
  mismatched attributes are architecturally unpredictable.
* Interrupts: handlers run in the line's own task, concurrently with the
  test's other coroutines (no masking, no preemption order); every line may
  be shared; "nobody cared" fires after 1000 consecutive unhandled runs while
  the line stays high (Linux: 99,900 of 100,000) and a later ``request_irq``
  on an empty line enables it again, as ``__setup_irq`` does.
"""

from __future__ import annotations

import itertools
import logging
from typing import TYPE_CHECKING, Any

from tb.models.cache import DataCache
from tb.models.phys_mem import PhysicalMemory

if TYPE_CHECKING:
    from sw.platform import IrqHandler

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
VA_BITS = 48
PAGE_OFFSET = 0xFFFF_0000_0000_0000  # start of the linear map (arm64, 48-bit VAs)
LINEAR_MAP_SIZE = 1 << (VA_BITS - 1)
VMALLOC_START = 0xFFFF_8000_0000_0000
VMALLOC_END = VMALLOC_START + (1 << 40)

# What an interrupt handler returns (include/linux/irqreturn.h; the values of sw.platform).
IRQ_NONE = 0
IRQ_HANDLED = 1
NOBODY_CARED_LIMIT = 1000  # consecutive unhandled runs of a still-asserted line


class KernelPageFault(ValueError):
    """An access to a kernel virtual address nothing maps (arm64 ``__do_kernel_fault``)."""

    def __init__(self, va: int) -> None:
        super().__init__(f"Unable to handle kernel paging request at virtual address {va:#018x}")
        self.va = va


class MmioError(RuntimeError):
    """An MMIO access to no window, misaligned, or answered with an error response."""


class Mmu:
    """Kernel address translation: the linear map over ``ram`` and the vmalloc area's
    page table.  ``ram`` is a list of (base, size), page-aligned, not overlapping."""

    def __init__(self, ram: list[tuple[int, int]]) -> None:
        ranges = sorted(ram)
        if not ranges:
            raise ValueError("the machine needs at least one RAM range")
        for base, size in ranges:
            if size <= 0 or base < 0 or base % PAGE_SIZE or size % PAGE_SIZE:
                raise ValueError(f"RAM [{base:#x}, +{size:#x}) is not a non-empty run of pages")
            if base + size > LINEAR_MAP_SIZE:
                raise ValueError(f"RAM [{base:#x}, +{size:#x}) is beyond the linear map")
        for (b0, s0), (b1, _) in itertools.pairwise(ranges):
            if b1 < b0 + s0:
                raise ValueError(f"RAM ranges at {b0:#x} and {b1:#x} overlap")
        self._ram = ranges
        self._ptes: dict[int, tuple[int, bool]] = {}  # vmalloc page number -> (pa, cacheable)

    # -- what is where ---------------------------------------------------------------------

    def ram_ranges(self) -> list[tuple[int, int]]:
        return list(self._ram)

    def is_ram(self, pa: int) -> bool:
        """Whether physical address ``pa`` is system RAM (the cache's prefetch filter)."""
        return any(base <= pa < base + size for base, size in self._ram)

    @staticmethod
    def is_linear_addr(va: int) -> bool:
        """Whether ``va`` is in the linear map's span (``__is_lm_address``)."""
        return PAGE_OFFSET <= va < PAGE_OFFSET + LINEAR_MAP_SIZE

    @staticmethod
    def is_vmalloc_addr(va: int) -> bool:
        """Whether ``va`` is in the vmalloc area (``is_vmalloc_addr``)."""
        return VMALLOC_START <= va < VMALLOC_END

    # -- the page table of the vmalloc area --------------------------------------------------

    def map_page(self, va: int, pa: int, cacheable: bool = True) -> None:
        """Map the vmalloc page at ``va`` to the physical page at ``pa`` (``vmap_pte_range``).
        A cacheable mapping must be of RAM; a non-cacheable one may be of anything."""
        if va % PAGE_SIZE or pa % PAGE_SIZE or pa < 0:
            raise ValueError(f"map_page({va:#x}, {pa:#x}): addresses must be page-aligned")
        if not self.is_vmalloc_addr(va):
            raise ValueError(f"map_page: {va:#x} is not in the vmalloc area")
        if cacheable and not self.is_ram(pa):
            raise ValueError(f"map_page: cacheable mapping of {pa:#x}, which is not RAM")
        if va >> PAGE_SHIFT in self._ptes:
            raise ValueError(f"map_page: {va:#x} is already mapped")
        self._ptes[va >> PAGE_SHIFT] = (pa, cacheable)

    def unmap_page(self, va: int) -> None:
        """Remove the mapping of the vmalloc page at ``va`` (``vunmap_pte_range``)."""
        if va % PAGE_SIZE or self._ptes.pop(va >> PAGE_SHIFT, None) is None:
            raise ValueError(f"unmap_page: no page mapped at {va:#x}")

    # -- translation -------------------------------------------------------------------------

    def _walk(self, va: int) -> tuple[int, bool, int]:
        """(pa, cacheable, bytes from ``va`` that are physically contiguous with it)."""
        if PAGE_OFFSET <= va < PAGE_OFFSET + LINEAR_MAP_SIZE:
            pa = va - PAGE_OFFSET
            for base, size in self._ram:
                if base <= pa < base + size:
                    return pa, True, base + size - pa
        elif VMALLOC_START <= va < VMALLOC_END:
            pte = self._ptes.get(va >> PAGE_SHIFT)
            if pte is not None:
                offset = va & (PAGE_SIZE - 1)
                return pte[0] + offset, pte[1], PAGE_SIZE - offset
        raise KernelPageFault(va)

    def translate(self, va: int) -> tuple[int, bool]:
        """(physical address, cacheable) of ``va``; :class:`KernelPageFault` if unmapped."""
        pa, cacheable, _ = self._walk(va)
        return pa, cacheable

    def translate_range(self, va: int, length: int) -> list[tuple[int, int, bool]]:
        """[va, va + length) as physically contiguous pieces (pa, length, cacheable), in
        order; :class:`KernelPageFault` if any byte of it is unmapped."""
        if length < 0:
            raise ValueError(f"negative length {length}")
        pieces = []
        end = va + length
        while va < end:
            pa, cacheable, avail = self._walk(va)
            n = min(avail, end - va)
            pieces.append((pa, n, cacheable))
            va += n
        return pieces

    def virt_to_phys(self, va: int) -> int:
        """``virt_to_phys``: defined on the linear map only (ValueError elsewhere, which is
        what ``CONFIG_DEBUG_VIRTUAL`` would catch)."""
        if not self.is_linear_addr(va):
            kind = "a vmalloc" if self.is_vmalloc_addr(va) else "not a linear-map"
            raise ValueError(f"virt_to_phys({va:#x}): {kind} address")
        return va - PAGE_OFFSET

    def phys_to_virt(self, pa: int) -> int:
        """``phys_to_virt``/``__va``: the linear-map address of ``pa``."""
        if not 0 <= pa < LINEAR_MAP_SIZE:
            raise ValueError(f"phys_to_virt({pa:#x}): beyond the linear map")
        return PAGE_OFFSET + pa

    def vmalloc_to_phys(self, va: int) -> int:
        """``page_to_phys(vmalloc_to_page(va)) + offset``; ValueError if nothing is mapped."""
        pte = self._ptes.get(va >> PAGE_SHIFT) if self.is_vmalloc_addr(va) else None
        if pte is None:
            raise ValueError(f"vmalloc_to_phys({va:#x}): no page mapped there")
        return pte[0] + (va & (PAGE_SIZE - 1))


class _Window:
    __slots__ = ("base", "device", "size", "target")

    def __init__(self, base: int, size: int, target: Any) -> None:
        self.base = base
        self.size = size
        self.target = target
        # A Python register block (sync mmio_read/mmio_write), else an AXI4-Lite master.
        self.device = hasattr(target, "mmio_read") and hasattr(target, "mmio_write")
        if not self.device and not (hasattr(target, "read") and hasattr(target, "write")):
            raise TypeError(
                f"MMIO target {target!r} has neither mmio_read/mmio_write nor read/write"
            )


def _asserted(signal: Any) -> bool:
    return str(signal.value) in ("1", "H")


class Cpu:
    """One arm64-like core: implements :class:`sw.platform.Platform`.

    ``ram`` is the firmware's memory map (base, size) of system RAM in ``mem``;
    ``clock`` the clock signal (needed for MMIO timing, interrupts and :meth:`delay`,
    not for loads, stores and cache maintenance)."""

    page_size = PAGE_SIZE

    def __init__(
        self,
        mem: PhysicalMemory,
        ram: list[tuple[int, int]],
        clock: Any = None,
        *,
        cache_size: int = 32 * 1024,
        ways: int = 4,
        line: int = 64,
        prefetch_lines: int = 0,
        coherent: bool = False,
        name: str = "cpu",
        memory_map: Any = None,
    ) -> None:
        for base, size in ram:
            if base + size > mem.size:
                raise ValueError(f"RAM [{base:#x}, +{size:#x}) is beyond the physical memory")
        self.mem = mem
        self.mmu = Mmu(ram)
        self.cache = DataCache(
            mem,
            size=cache_size,
            ways=ways,
            line=line,
            prefetch_lines=prefetch_lines,
            coherent=coherent,
            cacheable=self.mmu.is_ram,
        )
        self.cache_line = line
        self.clock = clock
        self.memory_map = memory_map  # the system's MemoryMap: MMIO windows are entered there
        self.errors: list[str] = []
        self.log = logging.getLogger(f"cocotb.{name}")
        self._windows: list[_Window] = []
        self._irq_actions: dict[int, list[tuple[IrqHandler, str]]] = {}
        self._irq_signals: dict[int, Any] = {}
        self._irq_disabled: set[int] = set()
        self._irq_wake: dict[int, Any] = {}  # cocotb Event per attached line
        self._irq_tasks: dict[int, Any] = {}

    # -- memory as the CPU sees it -----------------------------------------------------------

    def _check_not_mmio(self, pa: int, n: int) -> None:
        for w in self._windows:
            if pa < w.base + w.size and w.base < pa + n:
                raise MmioError(
                    f"load/store to MMIO window at {w.base:#x} through a mapping: use readl/writel"
                )

    def read(self, va: int, length: int) -> bytes:
        """CPU loads of ``length`` bytes from ``va``."""
        out = bytearray()
        for pa, n, cacheable in self.mmu.translate_range(va, length):
            if cacheable:
                out += self.cache.load(pa, n)
            else:
                self._check_not_mmio(pa, n)
                out += self.mem.read(pa, n)
        return bytes(out)

    def write(self, va: int, data: bytes | bytearray | memoryview) -> None:
        """CPU stores of ``data`` at ``va``."""
        src = memoryview(data).cast("B")
        pos = 0
        for pa, n, cacheable in self.mmu.translate_range(va, len(src)):
            if cacheable:
                self.cache.store(pa, src[pos : pos + n])
            else:
                self._check_not_mmio(pa, n)
                self.mem.write(pa, src[pos : pos + n])
            pos += n

    def virt_to_phys(self, va: int) -> int:
        return self.mmu.virt_to_phys(va)

    def phys_to_virt(self, pa: int) -> int:
        return self.mmu.phys_to_virt(pa)

    def is_vmalloc_addr(self, va: int) -> bool:
        return self.mmu.is_vmalloc_addr(va)

    def vmalloc_to_phys(self, va: int) -> int:
        return self.mmu.vmalloc_to_phys(va)

    def map_kernel_page(self, va: int, pa: int, cacheable: bool = True) -> None:
        self.mmu.map_page(va, pa, cacheable)

    def unmap_kernel_page(self, va: int) -> None:
        self.mmu.unmap_page(va)

    def ram_ranges(self) -> list[tuple[int, int]]:
        return self.mmu.ram_ranges()

    # -- cache maintenance by virtual address (arch/arm64/mm/cache.S) ------------------------

    def dcache_clean_poc(self, start: int, end: int) -> None:
        """``dcache_clean_poc``: ``dc cvac`` over [start, end)."""
        for pa, n, _ in self.mmu.translate_range(start, max(0, end - start)):
            self.cache.clean_poc(pa, pa + n)

    def dcache_inval_poc(self, start: int, end: int) -> None:
        """``dcache_inval_poc``: partial lines at the ends cleaned and invalidated, the
        others only invalidated.  Page boundaries inside the range are line boundaries,
        so only the range's own ends can be partial."""
        for pa, n, _ in self.mmu.translate_range(start, max(0, end - start)):
            self.cache.inval_poc(pa, pa + n)

    def dcache_clean_inval_poc(self, start: int, end: int) -> None:
        """``dcache_clean_inval_poc``: ``dc civac`` over [start, end)."""
        for pa, n, _ in self.mmu.translate_range(start, max(0, end - start)):
            self.cache.clean_inval_poc(pa, pa + n)

    # -- MMIO ----------------------------------------------------------------------------------

    def add_mmio_window(self, base: int, size: int, target: Any, name: str = "") -> None:
        """Route physical [base, base + size) to ``target``: an ``AxiLiteMaster``-like
        object (``async read(addr, n)`` returning ``.data``, ``async write(addr, data)``)
        or a Python device (``mmio_read(offset, size)``, ``mmio_write(offset, value,
        size)``); either is addressed from 0 at ``base``.  With a ``memory_map`` the
        window is entered in it (``add_cpu_window``), so the map describes it too."""
        if base < 0 or size <= 0:
            raise ValueError(f"MMIO window [{base:#x}, +{size:#x}) is empty or negative")
        for rb, rs in self.mmu.ram_ranges():
            if base < rb + rs and rb < base + size:
                raise ValueError(f"MMIO window at {base:#x} overlaps RAM at {rb:#x}")
        for w in self._windows:
            if base < w.base + w.size and w.base < base + size:
                raise ValueError(f"MMIO window at {base:#x} overlaps the one at {w.base:#x}")
        if self.memory_map is not None:
            self.memory_map.add_cpu_window(base, size, name or type(target).__name__)
        self._windows.append(_Window(base, size, target))

    def _window(self, pa: int, size: int, what: str) -> _Window:
        if pa % size:
            raise MmioError(f"{what}({pa:#x}): not aligned to {size} bytes")
        for w in self._windows:
            if w.base <= pa and pa + size <= w.base + w.size:
                return w
        raise MmioError(f"{what}({pa:#x}): no MMIO window there")

    async def _tick(self) -> None:
        if self.clock is not None:
            from cocotb.triggers import RisingEdge

            await RisingEdge(self.clock)

    @staticmethod
    def _check_resp(resp: Any, what: str, pa: int) -> None:
        code = getattr(resp, "resp", 0)
        if int(code) != 0:
            name = getattr(code, "name", str(code))
            raise MmioError(f"{what}({pa:#x}): bus error response {name}")

    async def _mmio_read(self, pa: int, size: int, what: str) -> int:
        w = self._window(pa, size, what)
        if w.device:
            await self._tick()
            return w.target.mmio_read(pa - w.base, size) & ((1 << (8 * size)) - 1)
        resp = await w.target.read(pa - w.base, size)
        self._check_resp(resp, what, pa)
        return int.from_bytes(bytes(resp.data[:size]), "little")

    async def _mmio_write(self, value: int, pa: int, size: int, what: str) -> None:
        if not 0 <= value < 1 << (8 * size):
            raise ValueError(f"{what}({value:#x}, {pa:#x}): value does not fit {size} bytes")
        w = self._window(pa, size, what)
        if w.device:
            await self._tick()
            w.target.mmio_write(pa - w.base, value, size)
            return
        resp = await w.target.write(pa - w.base, value.to_bytes(size, "little"))
        self._check_resp(resp, what, pa)

    async def readl(self, pa: int) -> int:
        """``readl``: a 32-bit MMIO load."""
        return await self._mmio_read(pa, 4, "readl")

    async def writel(self, value: int, pa: int) -> None:
        """``writel(value, addr)``: a 32-bit MMIO store."""
        await self._mmio_write(value, pa, 4, "writel")

    async def readq(self, pa: int) -> int:
        """``readq``: a 64-bit MMIO load (an AXI4-Lite master narrower than 64 bits splits
        it low word first, as ``lo_hi_readq``)."""
        return await self._mmio_read(pa, 8, "readq")

    async def writeq(self, value: int, pa: int) -> None:
        """``writeq(value, addr)``: a 64-bit MMIO store."""
        await self._mmio_write(value, pa, 8, "writeq")

    # -- interrupts and time -----------------------------------------------------------------

    def attach_irq(self, irq: int, signal: Any) -> None:
        """Connect the level-sensitive, active-high interrupt input ``signal`` to line
        ``irq`` and start the line's task (needs a running simulation and a clock)."""
        import cocotb
        from cocotb.triggers import Event

        if self.clock is None:
            raise RuntimeError("attach_irq needs the Cpu to have a clock")
        if irq in self._irq_signals:
            raise ValueError(f"irq {irq} is already attached")
        self._irq_signals[irq] = signal
        self._irq_wake[irq] = Event()
        self._irq_tasks[irq] = cocotb.start_soon(self._irq_line(irq, signal))

    def request_irq(self, irq: int, handler: IrqHandler, name: str) -> None:
        """``request_irq``: add ``handler`` to line ``irq`` (every line may be shared).
        The first handler on a line enables it, also after "nobody cared"."""
        actions = self._irq_actions.setdefault(irq, [])
        if any(h == handler for h, _ in actions):
            raise ValueError(f"request_irq({irq}, {name}): handler already registered")
        if not actions:
            self._irq_disabled.discard(irq)
        actions.append((handler, name))
        self._wake(irq)

    def free_irq(self, irq: int, handler: IrqHandler) -> None:
        """``free_irq``: remove ``handler`` from line ``irq``."""
        actions = self._irq_actions.get(irq, [])
        for i, (h, _) in enumerate(actions):
            if h == handler:
                del actions[i]
                return
        raise ValueError(f"Trying to free already-free IRQ {irq}")

    def irq_disabled(self, irq: int) -> bool:
        """Whether line ``irq`` was disabled by "nobody cared"."""
        return irq in self._irq_disabled

    def _wake(self, irq: int) -> None:
        event = self._irq_wake.get(irq)
        if event is not None:
            event.set()

    async def _irq_line(self, irq: int, signal: Any) -> None:
        """The line's task: ``handle_irq_event`` while asserted, ``note_interrupt`` after."""
        from cocotb.triggers import RisingEdge

        unhandled = 0
        while True:
            actions = self._irq_actions.get(irq)
            if irq in self._irq_disabled or not actions:
                event = self._irq_wake[irq]
                event.clear()
                await event.wait()
                continue
            if not _asserted(signal):
                unhandled = 0
                await signal.rising_edge  # an HDL handle's RisingEdge, or a model's line
                continue
            handled = False
            for handler, name in list(actions):
                ret = await handler(irq)
                if ret == IRQ_HANDLED:
                    handled = True
                elif ret != IRQ_NONE:
                    raise ValueError(f"irq {irq}: handler {name} returned {ret!r}")
            unhandled = 0 if handled else unhandled + 1
            if unhandled >= NOBODY_CARED_LIMIT:
                message = f"irq {irq}: nobody cared"
                self.errors.append(message)
                self.log.error("%s (%d unhandled runs); disabling it", message, unhandled)
                self._irq_disabled.add(irq)
                unhandled = 0
                continue
            await RisingEdge(self.clock)

    def ktime_get_ns(self) -> int:
        """Simulated time in ns (``ktime_get_ns``); 0 outside a simulation."""
        try:
            from cocotb.simtime import get_sim_time
        except ImportError:  # pragma: no cover - cocotb is always installed here
            return 0
        try:
            return int(get_sim_time("ns"))
        except Exception:  # no simulator running (pure-Python use)
            return 0

    async def delay(self, cycles: int) -> None:
        """Let ``cycles`` clock cycles pass (``udelay``, polling loops)."""
        if cycles < 0:
            raise ValueError(f"negative delay {cycles}")
        if self.clock is None:
            raise RuntimeError("delay needs the Cpu to have a clock")
        if cycles:
            from cocotb.triggers import ClockCycles

            await ClockCycles(self.clock, cycles)

    # -- other contexts: cocotb tasks in a simulation, asyncio tasks without a clock ---------

    def start_soon(self, coro: Any) -> Any:
        """Run ``coro`` concurrently (``kthread_run``, a tasklet's context): a cocotb task
        when the Cpu has a clock, an asyncio task otherwise (pure-Python use)."""
        if self.clock is None:
            import asyncio

            return asyncio.get_running_loop().create_task(coro)
        import cocotb

        return cocotb.start_soon(coro)

    def current_task(self) -> Any:
        """The running cocotb task (asyncio's without a clock)."""
        if self.clock is None:
            import asyncio

            return asyncio.current_task()
        from cocotb.task import current_task

        return current_task()

    def new_event(self) -> Any:
        """An event with ``set``/``clear``/``is_set``/``wait`` (cocotb's or asyncio's)."""
        if self.clock is None:
            import asyncio

            return asyncio.Event()
        from cocotb.triggers import Event

        return Event()

    async def wait_event_timeout(self, event: Any, timeout_ns: int) -> bool:
        """Wait for ``event`` at most ``timeout_ns`` of simulated time (wall-clock time
        without a clock); True if it was set."""
        if event.is_set():
            return True
        if self.clock is None:
            import asyncio

            try:
                await asyncio.wait_for(event.wait(), timeout_ns / 1e9)
            except TimeoutError:
                return False
            return True
        from cocotb.triggers import First, Timer

        await First(event.wait(), Timer(max(1, timeout_ns), unit="ns"))
        return bool(event.is_set())

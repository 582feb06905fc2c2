"""What the software may ask of the machine it runs on: the platform interface.

Everything under ``sw/`` reaches hardware only through a :class:`Platform`,
the way a Linux driver only sees ``readl``/``writel``, the CPU's loads and
stores, ``arch_sync_dma_*``'s cache maintenance and ``request_irq``.  The
simulated machine (``tb/models/cpu.py``) implements it; a pure-Python
backend could too, and nothing in ``sw/`` would change.

Addresses: ``va`` is a kernel virtual address (linear map or vmalloc area,
as the CPU's MMU translates it), ``pa`` a CPU physical address.  Device
(bus) addresses, ``dma_addr_t``, never appear here: they are the DMA layers'
business.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

# What an interrupt handler returns (include/linux/irqreturn.h).
IRQ_NONE = 0
IRQ_HANDLED = 1

IrqHandler = Callable[[int], Awaitable[int]]


class Platform(Protocol):
    """The machine as the kernel sees it.  Memory accesses and cache maintenance take
    no simulated time; MMIO and :meth:`delay` do, so they are coroutines."""

    # -- the CPU's view of memory ----------------------------------------------------------

    page_size: int  # 4096
    cache_line: int  # dma_get_cache_alignment(): 64 by default

    def read(self, va: int, length: int) -> bytes:
        """CPU loads from kernel virtual addresses (through the data cache when the
        mapping is cacheable)."""
        ...

    def write(self, va: int, data: bytes) -> None:
        """CPU stores to kernel virtual addresses (write-back, write-allocate cache)."""
        ...

    def virt_to_phys(self, va: int) -> int:
        """Linear-map addresses only, as Linux's ``virt_to_phys`` (ValueError otherwise)."""
        ...

    def phys_to_virt(self, pa: int) -> int:
        """The linear-map address of ``pa`` (``phys_to_virt``/``__va``)."""
        ...

    def is_vmalloc_addr(self, va: int) -> bool: ...

    def vmalloc_to_phys(self, va: int) -> int:
        """The physical address behind one vmalloc-area address (``vmalloc_to_page`` +
        offset); ValueError when nothing is mapped there."""
        ...

    def map_kernel_page(self, va: int, pa: int, cacheable: bool = True) -> None:
        """Map one page of the vmalloc area (``vmap``/``ioremap``-style mappings; a
        non-cacheable page is what ``dma_alloc_coherent`` gives a non-coherent device)."""
        ...

    def unmap_kernel_page(self, va: int) -> None: ...

    def ram_ranges(self) -> list[tuple[int, int]]:
        """(base, size) of each block of system RAM, as the firmware's memory map says."""
        ...

    # -- cache maintenance, by virtual address range [start, end) (arch/arm64/mm/cache.S) ----

    def dcache_clean_poc(self, start: int, end: int) -> None:
        """Write dirty lines back to memory; they stay valid."""
        ...

    def dcache_inval_poc(self, start: int, end: int) -> None:
        """Invalidate; a partial line at either end is cleaned and invalidated, full lines
        in between are only invalidated (their dirty data is dropped)."""
        ...

    def dcache_clean_inval_poc(self, start: int, end: int) -> None: ...

    # -- MMIO (uncached, ordered; Linux's readl/writel include the barriers) ------------------

    async def readl(self, pa: int) -> int: ...

    async def writel(self, value: int, pa: int) -> None:
        """Note Linux's argument order: value first, then address."""
        ...

    # -- interrupts and time -------------------------------------------------------------------

    def request_irq(self, irq: int, handler: IrqHandler, name: str) -> None:
        """Run ``await handler(irq)`` while line ``irq`` is asserted; it returns IRQ_HANDLED
        or IRQ_NONE."""
        ...

    def free_irq(self, irq: int, handler: IrqHandler) -> None: ...

    def ktime_get_ns(self) -> int:
        """Nanoseconds of simulated time since start (``ktime_get_ns``)."""
        ...

    async def delay(self, cycles: int) -> None:
        """Let ``cycles`` clock cycles of simulated time pass (``udelay``, polling loops)."""
        ...

    # -- other contexts: kernel threads, tasklets, and what they wait on ------------------------

    def start_soon(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run ``coro`` concurrently with the caller (``kthread_run``; a tasklet's softirq
        context).  Returns a handle with ``done()`` and ``cancel()``."""
        ...

    def current_task(self) -> Any:
        """The context running now (Linux's ``current``), to compare with another
        context's handle from :meth:`start_soon`."""
        ...

    def new_event(self) -> PlatformEvent:
        """An event for one context to wait on and another to set (a wait queue's
        condition, ``struct completion``)."""
        ...

    async def wait_event_timeout(self, event: PlatformEvent, timeout_ns: int) -> bool:
        """Wait until ``event`` is set or ``timeout_ns`` of simulated time have passed
        (``wait_event_timeout``); True if it was set."""
        ...


class PlatformEvent(Protocol):
    """What :meth:`Platform.new_event` returns."""

    def set(self) -> None: ...

    def clear(self) -> None: ...

    def is_set(self) -> bool: ...

    def wait(self) -> Awaitable[Any]: ...

"""start_kernel: boot the software on a platform (init/main.c, mm/memblock.c, mm/mm_init.c).

:func:`start_kernel` reads the platform's RAM map, reserves what the kernel itself
occupies (its image, split in text and rodata, at the start of the lowest RAM block; the
swiotlb pool right after it, as memblock does below 4 GiB), builds one buddy allocator
per RAM block and files each block in its zone (ZONE_DMA below 4 GiB, ZONE_NORMAL above),
vmallocs the boot task's stack (CONFIG_VMAP_STACK) and sets up the DMA layers.  The
kernel it returns becomes :func:`current`: Linux's globals (mem_map, the slab caches, the
default swiotlb pool, dma-debug) are this object's attributes, and the Linux-named
functions of ``sw.mm`` and ``sw.kernel.dma`` reach it through :func:`current`.  One
kernel runs at a time; booting another replaces it.

Command line (a subset of Documentation/admin-guide/kernel-parameters.txt):
``swiotlb=<nslabs>[,force]`` or ``swiotlb=noforce`` (no pool); ``dma_debug=off``;
``dma_debug_entries=<n>``; ``dma_debug_driver=<name>``; ``dma_debug_all_errors``
(the debugfs knob ``all_errors``, as a parameter here).
"""

from __future__ import annotations

import logging
from typing import Any

from sw.arch.arm64.memory import THREAD_SIZE
from sw.mm.page_alloc import (
    PAGE_SIZE,
    ZONE_DMA,
    ZONE_DMA_LIMIT,
    ZONE_NORMAL,
    PageAllocator,
    gfp_zonelist,
)
from sw.platform import Platform

log = logging.getLogger(__name__)

KERNEL_TEXT_SIZE = 64 * 1024
KERNEL_RODATA_SIZE = 32 * 1024

_current: Kernel | None = None


def current() -> Kernel:
    if _current is None:
        raise RuntimeError("no kernel booted: call sw.init.main.start_kernel(platform) first")
    return _current


class Kernel:
    """The state of one booted kernel (see the module docstring)."""

    def __init__(self, platform: Platform, cmdline: str = "") -> None:
        from sw.kernel.dma.debug import DmaDebug
        from sw.kernel.dma.swiotlb import IO_TLB_DEFAULT_SIZE, IO_TLB_SHIFT, IoTlbMem
        from sw.mm.slab import SlabAllocator
        from sw.mm.vmalloc import VmallocSpace

        self.raw_platform = platform
        self.cmdline = cmdline
        self.params = _parse_cmdline(cmdline)
        self.cache_line = platform.cache_line
        ram = sorted(platform.ram_ranges())
        if not ram:
            raise RuntimeError("no RAM")
        low_base, low_size = ram[0]
        # memblock: the kernel image, then the swiotlb pool, at the start of the lowest block.
        self.text = (low_base, low_base + KERNEL_TEXT_SIZE)
        self.rodata = (self.text[1], self.text[1] + KERNEL_RODATA_SIZE)
        reserved = self.rodata[1]
        nslabs, force, swiotlb_on = IO_TLB_DEFAULT_SIZE >> IO_TLB_SHIFT, False, True
        opt = self.params.get("swiotlb")
        if opt is not None:
            for word in opt.split(","):
                if word == "force":
                    force = True
                elif word == "noforce":
                    swiotlb_on = False
                elif word:
                    nslabs = int(word, 0)
        self.swiotlb: Any = None
        if swiotlb_on:
            pool = nslabs << IO_TLB_SHIFT
            if reserved + pool > low_base + low_size or reserved + pool > ZONE_DMA_LIMIT:
                raise RuntimeError(f"swiotlb: cannot reserve {pool} bytes of low memory")
            self.swiotlb = IoTlbMem(platform, reserved, nslabs, force=force)
            reserved += pool
            reserved = (reserved + PAGE_SIZE - 1) & -PAGE_SIZE
        self.zones: dict[str, list[PageAllocator]] = {ZONE_DMA: [], ZONE_NORMAL: []}
        for base, size in ram:
            if base == low_base:
                size -= reserved - base
                base = reserved
            if size <= 0:
                continue
            zone = ZONE_DMA if base + size <= ZONE_DMA_LIMIT else ZONE_NORMAL
            self.zones[zone].append(PageAllocator(base, size))
        self._owner: dict[int, PageAllocator] = {}  # allocated block -> its allocator
        self.slab = SlabAllocator(self)
        self.vmalloc_space = VmallocSpace(self)
        self.dma_debug = DmaDebug(
            cache_line=self.cache_line,
            enabled=self.params.get("dma_debug") != "off",
            num_entries=int(self.params.get("dma_debug_entries", 65536)),
            driver_filter=self.params.get("dma_debug_driver", ""),
            all_errors="dma_debug_all_errors" in self.params,
            is_stack=self.on_stack,
            is_kernel_text=self.in_kernel_image,
        )
        # The platform software uses: loads and stores checked by dma-debug's CPU-access check.
        self.platform: Platform = CheckedPlatform(platform, self.dma_debug)
        self.stack = self.vmalloc_space.vmalloc(THREAD_SIZE)
        self._stack_pages = {
            platform.vmalloc_to_phys(self.stack + i) for i in range(0, THREAD_SIZE, PAGE_SIZE)
        }
        self._stack_top = 0

    # -- pages -----------------------------------------------------------------------------

    def alloc_pages(self, gfp: int, order: int) -> int:
        """``alloc_pages`` as a physical address; MemoryError when every allowed zone is full."""
        for zone in gfp_zonelist(gfp):
            for pages in self.zones[zone]:
                try:
                    pa = pages.alloc_pages(order)
                except MemoryError:
                    continue
                self._owner[pa] = pages
                return pa
        raise MemoryError(f"page allocation failure: order:{order}, zones {gfp_zonelist(gfp)}")

    def free_pages_pa(self, pa: int, order: int) -> None:
        pages = self._owner.pop(pa, None)
        if pages is None:
            raise ValueError(f"free_pages({pa:#x}): not an allocated block")
        pages.free_pages(pa, order)

    # -- what debug.c's checks ask ------------------------------------------------------------

    def on_stack(self, pa: int) -> bool:
        return (pa & -PAGE_SIZE) in self._stack_pages

    def in_kernel_image(self, pa: int, size: int) -> bool:
        return any(lo < pa + size and pa < hi for lo, hi in (self.text, self.rodata))

    def stack_alloc(self, size: int) -> int:
        """A local variable of ``size`` bytes on the running task's (vmalloc'ed) stack: the
        address a driver that puts a DMA buffer on its stack would pass."""
        if self._stack_top + size > THREAD_SIZE:
            raise MemoryError("kernel stack overflow")
        va = self.stack + THREAD_SIZE - self._stack_top - size
        self._stack_top += size
        return va

    def kernel_text_addr(self) -> int:
        """The linear-map address of the kernel's text (``_stext``)."""
        return self.raw_platform.phys_to_virt(self.text[0])

    def rodata_addr(self) -> int:
        return self.raw_platform.phys_to_virt(self.rodata[0])


class CheckedPlatform:
    """The platform as software sees it: CPU loads and stores first pass dma-debug's check
    that the CPU does not touch memory a device owns; everything else is the platform's."""

    def __init__(self, platform: Platform, debug: Any) -> None:
        self._platform = platform
        self._debug = debug

    def __getattr__(self, name: str) -> Any:
        return getattr(self._platform, name)

    def _pieces(self, va: int, length: int) -> list[tuple[int, int]]:
        plat = self._platform
        out = []
        end = va + length
        while va < end:
            n = min(end - va, PAGE_SIZE - (va & (PAGE_SIZE - 1)))
            pa = plat.vmalloc_to_phys(va) if plat.is_vmalloc_addr(va) else plat.virt_to_phys(va)
            out.append((pa, n))
            va += n
        return out

    def read(self, va: int, length: int) -> bytes:
        data = self._platform.read(va, length)  # faults first, as the CPU would
        if self._debug.enabled:
            for pa, n in self._pieces(va, length):
                self._debug.check_cpu_access(pa, n, write=False)
        return data

    def write(self, va: int, data: bytes) -> None:
        if self._debug.enabled:
            for pa, n in self._pieces(va, len(data)):
                self._debug.check_cpu_access(pa, n, write=True)
        self._platform.write(va, data)


def _parse_cmdline(cmdline: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for word in cmdline.split():
        key, _, value = word.partition("=")
        params[key] = value
    return params


def start_kernel(platform: Platform, cmdline: str = "") -> Kernel:
    """Boot a kernel on ``platform`` and make it :func:`current`."""
    global _current
    from sw.drivers.dma.dmaengine import dma_devices_reset

    dma_devices_reset()  # a new boot starts with no DMA device registered
    _current = Kernel(platform, cmdline)
    log.info("kernel booted: %s", cmdline or "(no command line)")
    return _current

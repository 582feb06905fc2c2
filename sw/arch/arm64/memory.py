"""The kernel's virtual address layout (arch/arm64/include/asm/memory.h, 48-bit VAs, 4 KiB
pages).  The CPU model's MMU (tb/models/cpu.py) implements this layout; tests check that
the two agree."""

from __future__ import annotations

VA_BITS = 48
PAGE_OFFSET = 0xFFFF_0000_0000_0000  # the linear map: va = PAGE_OFFSET + pa
VMALLOC_START = 0xFFFF_8000_0000_0000
VMALLOC_END = VMALLOC_START + (1 << 40)
THREAD_SIZE = 16 * 1024  # a task's kernel stack (CONFIG_VMAP_STACK: vmalloc'ed)
# ARCH_DMA_MINALIGN is 128 on arm64 (the largest line of any core); this machine's line is
# the platform's cache_line (64), which dma_get_cache_alignment() reports.
ARCH_DMA_MINALIGN = 128

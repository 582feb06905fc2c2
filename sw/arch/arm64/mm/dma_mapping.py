"""arch_sync_dma_for_device / arch_sync_dma_for_cpu (arch/arm64/mm/dma-mapping.c).

Cache maintenance for a non-coherent device, by physical range through the linear map:

| direction | for_device (map, sync_for_device) | for_cpu (unmap, sync_for_cpu) |
|---|---|---|
| TO_DEVICE | clean | nothing |
| FROM_DEVICE | clean (arm64; ARMv7 invalidates) | invalidate |
| BIDIRECTIONAL | clean | invalidate |

arm64 cleans for FROM_DEVICE too, so that a dirty line cannot be evicted over the device's
data later, and invalidates again for the CPU because a prefetch may have refilled lines
while the device wrote.  ``arch_dma_prep_coherent`` cleans and invalidates the linear
alias of a page about to be mapped uncached.
"""

from __future__ import annotations

from sw.include.linux.dma_mapping import DMA_TO_DEVICE


def _platform():  # type: ignore[no-untyped-def]
    from sw.init.main import current

    return current().raw_platform


def arch_sync_dma_for_device(paddr: int, size: int, direction: int) -> None:
    plat = _platform()
    va = plat.phys_to_virt(paddr)
    plat.dcache_clean_poc(va, va + size)


def arch_sync_dma_for_cpu(paddr: int, size: int, direction: int) -> None:
    if direction == DMA_TO_DEVICE:
        return
    plat = _platform()
    va = plat.phys_to_virt(paddr)
    plat.dcache_inval_poc(va, va + size)


def arch_dma_prep_coherent(paddr: int, size: int) -> None:
    plat = _platform()
    va = plat.phys_to_virt(paddr)
    plat.dcache_clean_inval_poc(va, va + size)

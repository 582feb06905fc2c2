"""Constants of include/linux/dma-direction.h and include/linux/dma-mapping.h."""

from __future__ import annotations

# enum dma_data_direction
DMA_BIDIRECTIONAL = 0
DMA_TO_DEVICE = 1
DMA_FROM_DEVICE = 2
DMA_NONE = 3

DIRECTION_NAMES = {
    DMA_BIDIRECTIONAL: "DMA_BIDIRECTIONAL",
    DMA_TO_DEVICE: "DMA_TO_DEVICE",
    DMA_FROM_DEVICE: "DMA_FROM_DEVICE",
    DMA_NONE: "DMA_NONE",
}

DMA_MAPPING_ERROR = (1 << 64) - 1  # ~(dma_addr_t)0

# DMA attributes (Documentation/core-api/dma-attributes.rst)
DMA_ATTR_WEAK_ORDERING = 1 << 1
DMA_ATTR_WRITE_COMBINE = 1 << 2
DMA_ATTR_NO_KERNEL_MAPPING = 1 << 4
DMA_ATTR_SKIP_CPU_SYNC = 1 << 5
DMA_ATTR_FORCE_CONTIGUOUS = 1 << 6
DMA_ATTR_ALLOC_SINGLE_PAGES = 1 << 7
DMA_ATTR_NO_WARN = 1 << 8
DMA_ATTR_PRIVILEGED = 1 << 9

# errno values the API returns (negated)
EINVAL = 22
ENOMEM = 12
EIO = 5


def DMA_BIT_MASK(n: int) -> int:
    return (1 << n) - 1 if n < 64 else (1 << 64) - 1


def valid_dma_direction(direction: int) -> bool:
    return direction in (DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE)

"""struct device and driver binding, as far as the DMA layers need them (include/linux/device.h,
drivers/base/dd.c).

A :class:`Device` carries what the DMA-mapping layer reads: its masks, its bus limit and
``dma-ranges`` (from the firmware: the device tree here is the bench), whether it is
DMA-coherent, its DMA ops (None: dma-direct), its segment limits (``dma_parms``) and the
IOMMU domain it is attached to.  :func:`device_release_driver` tells dma-debug that the
driver let go of the device, which reports mappings it leaked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sw.include.linux.dma_mapping import DMA_BIT_MASK


@dataclass(frozen=True)
class BusDmaRegion:
    """One ``dma-ranges`` entry (struct bus_dma_region): CPU [cpu_start, +size) is seen by
    the device at [dma_start, +size)."""

    cpu_start: int
    dma_start: int
    size: int


@dataclass
class DeviceDriver:
    name: str


@dataclass
class Device:
    name: str
    driver: DeviceDriver | None = None
    dma_mask: int = DMA_BIT_MASK(32)
    coherent_dma_mask: int = DMA_BIT_MASK(32)
    bus_dma_limit: int = 0  # 0: none
    dma_coherent: bool = False
    dma_ops: Any = None  # None: dma-direct (dma_map_direct)
    dma_range_map: list[BusDmaRegion] | None = None
    max_segment_size: int = 65536  # dma_parms, dma_get_max_seg_size's default
    segment_boundary_mask: int = DMA_BIT_MASK(32)
    min_align_mask: int = 0
    iommu_domain: Any = None
    of_node: Any = None  # sw.include.linux.of.DeviceNode: dmas / dma-names
    extra: dict[str, Any] = field(default_factory=dict)


def device_bind_driver(dev: Device, drv: DeviceDriver) -> None:
    dev.driver = drv


def device_release_driver(dev: Device) -> None:
    """Unbind ``dev``'s driver; dma-debug reports any mapping still held (the bus
    notifier's BUS_NOTIFY_UNBOUND_DRIVER in debug.c)."""
    from sw.init.main import current

    current().dma_debug.debug_dma_release_device(dev)
    dev.driver = None

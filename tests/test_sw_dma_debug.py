"""Unit tests of the DMA-API debug model (sw/kernel/dma/debug.py), no simulator."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest

from sw.include.linux.dma_mapping import (
    DMA_ATTR_SKIP_CPU_SYNC,
    DMA_BIDIRECTIONAL,
    DMA_FROM_DEVICE,
    DMA_MAPPING_ERROR,
    DMA_TO_DEVICE,
)
from sw.kernel.dma.debug import DmaDebug

PA = 0x8000_0000
IOVA = 0xF000_0000
SEG_MAX = 0x1_0000
BOUNDARY = 0xFFFF_FFFF


@dataclass
class FakeDriver:
    name: str


@dataclass(eq=False)
class FakeDevice:
    name: str
    driver: FakeDriver | None = None


def make_dev(name: str = "dmac0", drv: str = "dmac") -> FakeDevice:
    return FakeDevice(name, FakeDriver(drv))


@pytest.fixture
def dev() -> FakeDevice:
    return make_dev()


def only_error(dbg: DmaDebug) -> str:
    assert len(dbg.errors) == 1, dbg.errors
    assert dbg.error_count == 1
    return dbg.errors[0]


def map_single(
    dbg: DmaDebug,
    dev: FakeDevice,
    pa: int = PA,
    size: int = 256,
    direction: int = DMA_TO_DEVICE,
    dma: int = IOVA,
    attrs: int = 0,
    check: bool = True,
) -> int:
    dbg.debug_dma_map_single(dev, 0xFFFF_0000_0000_0000 + pa, size, is_vmalloc=False, valid=True)
    dbg.debug_dma_map_page(dev, pa, size, direction, dma, attrs)
    if check:
        dbg.debug_dma_mapping_error(dev, dma)
    return dma


def sg_list(n: int = 3, seg: int = 0x1000) -> list[tuple[int, int, int, int]]:
    return [(PA + i * 0x2000, seg, IOVA + i * seg, seg) for i in range(n)]


def map_sg(dbg: DmaDebug, dev: FakeDevice, sgl, direction: int = DMA_FROM_DEVICE) -> None:
    dbg.debug_dma_map_sg(
        dev,
        sgl,
        len(sgl),
        len(sgl),
        direction,
        0,
        max_seg_size=SEG_MAX,
        seg_boundary_mask=BOUNDARY,
    )


# ------------------------------------------------------------------ correct use


def test_correct_use_reports_nothing(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    for direction in (DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL):
        dma = map_single(dbg, dev, direction=direction)
        dbg.debug_dma_sync_single_for_cpu(dev, dma, 256, direction)
        dbg.check_cpu_access(PA, 256, write=True)
        dbg.debug_dma_sync_single_for_device(dev, dma, 256, direction)
        dbg.debug_dma_sync_single_for_cpu(dev, dma + 64, 64, direction)
        dbg.debug_dma_unmap_page(dev, dma, 256, direction)
    sgl = sg_list()
    map_sg(dbg, dev, sgl)
    dbg.debug_dma_sync_sg_for_cpu(dev, sgl, 3, DMA_FROM_DEVICE)
    dbg.check_cpu_access(PA, 0x6000, write=False)
    dbg.debug_dma_sync_sg_for_device(dev, sgl, 3, DMA_FROM_DEVICE)
    dbg.debug_dma_unmap_sg(dev, sgl, 3, DMA_FROM_DEVICE)
    dbg.debug_dma_alloc_coherent(dev, 4096, IOVA + 0x10_0000, 0xFFFF_0000_1234_0000, PA + 0x10_0000)
    dbg.check_cpu_access(PA + 0x10_0000, 4096, write=True)  # coherent: always CPU-accessible
    dbg.debug_dma_free_coherent(dev, 4096, 0xFFFF_0000_1234_0000, IOVA + 0x10_0000)
    dbg.debug_dma_map_resource(dev, 0x1000_0000, 4, DMA_BIDIRECTIONAL, IOVA, is_ram=False)
    dbg.debug_dma_mapping_error(dev, IOVA)
    dbg.debug_dma_unmap_resource(dev, IOVA, 4, DMA_BIDIRECTIONAL)
    dbg.debug_dma_release_device(dev)
    assert dbg.errors == []
    assert dbg.error_count == 0
    assert dbg.dump() == []
    assert dbg.num_free_entries == dbg.nr_total_entries


def test_failed_mapping_not_tracked(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    dbg.debug_dma_map_page(dev, PA, 256, DMA_TO_DEVICE, DMA_MAPPING_ERROR, 0)
    dbg.debug_dma_mapping_error(dev, DMA_MAPPING_ERROR)
    dbg.debug_dma_release_device(dev)
    assert dbg.errors == []
    assert dbg.dump() == []


def test_disabled_reports_nothing(dev: FakeDevice) -> None:
    dbg = DmaDebug(enabled=False, is_stack=lambda pa: True)
    dbg.debug_dma_map_single(dev, 0, 16, is_vmalloc=True, valid=False)
    dbg.debug_dma_map_page(dev, PA, 256, DMA_FROM_DEVICE, IOVA, 0)
    dbg.check_cpu_access(PA, 4, write=True)
    dbg.debug_dma_unmap_page(dev, IOVA + 8, 1, DMA_TO_DEVICE)
    dbg.debug_dma_sync_single_for_cpu(dev, 0x1234, 4, DMA_TO_DEVICE)
    dbg.debug_dma_free_coherent(dev, 1, 2, DMA_MAPPING_ERROR)
    dbg.debug_dma_release_device(dev)
    assert dbg.errors == []
    assert dbg.error_count == 0
    assert dbg.dump() == []


# ------------------------------------------------------------------ unmap / free checks


def test_free_invalid_address(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    dbg.debug_dma_unmap_page(dev, DMA_MAPPING_ERROR, 256, DMA_TO_DEVICE)
    assert only_error(dbg) == (
        "DMA-API: dmac dmac0: device driver tries to free an invalid DMA memory address"
    )


def test_free_not_allocated(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    dbg.debug_dma_unmap_page(dev, 0x1234, 256, DMA_TO_DEVICE)
    assert only_error(dbg) == (
        "DMA-API: dmac dmac0: device driver tries to free DMA memory it has not allocated "
        "[device address=0x0000000000001234] [size=256 bytes]"
    )


def test_free_other_device_not_allocated(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    map_single(dbg, dev)
    other = make_dev("dmac1")
    dbg.debug_dma_unmap_page(other, IOVA, 256, DMA_TO_DEVICE)
    assert "dmac1: device driver tries to free DMA memory it has not allocated" in only_error(dbg)


def test_different_size(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    map_single(dbg, dev)
    dbg.debug_dma_unmap_page(dev, IOVA, 128, DMA_TO_DEVICE)
    assert only_error(dbg) == (
        "DMA-API: dmac dmac0: device driver frees DMA memory with different size "
        f"[device address=0x{IOVA:016x}] [map size=256 bytes] [unmap size=128 bytes]"
    )
    assert dbg.dump() == []


def test_wrong_function(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    sgl = sg_list(1)
    map_sg(dbg, dev, sgl, DMA_TO_DEVICE)
    dbg.debug_dma_unmap_page(dev, IOVA, 0x1000, DMA_TO_DEVICE, kind="page")
    assert only_error(dbg).endswith(
        "device driver frees DMA memory with wrong function "
        f"[device address=0x{IOVA:016x}] [size=4096 bytes] "
        "[mapped as scatter-gather] [unmapped as single]"
    )


def test_wrong_function_resource_vs_single(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    dbg.debug_dma_map_resource(dev, 0x1000_0000, 4, DMA_TO_DEVICE, IOVA, is_ram=False)
    dbg.debug_dma_mapping_error(dev, IOVA)
    dbg.debug_dma_unmap_page(dev, IOVA, 4, DMA_TO_DEVICE)
    assert "[mapped as phy] [unmapped as single]" in only_error(dbg)


def test_different_cpu_address(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    dbg.debug_dma_alloc_coherent(dev, 4096, IOVA, 0xFFFF_0000_1000_0000, PA)
    dbg.debug_dma_free_coherent(dev, 4096, 0xFFFF_0000_2000_0000, IOVA)
    assert only_error(dbg).endswith(
        "device driver frees DMA memory with different CPU address "
        f"[device address=0x{IOVA:016x}] [size=4096 bytes] "
        "[cpu alloc address=0xffff000010000000] [cpu free address=0xffff000020000000]"
    )


def test_sg_different_entry_count(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    sgl = sg_list(3)
    map_sg(dbg, dev, sgl)
    dbg.debug_dma_unmap_sg(dev, sgl, 2, DMA_FROM_DEVICE)
    assert dbg.errors[0].endswith(
        "device driver frees DMA sg list with different entry count [map count=3] [unmap count=2]"
    )
    assert len(dbg.errors) == 2  # one per segment walked; the third stays tracked
    assert len(dbg.dump()) == 1


def test_different_direction(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    map_single(dbg, dev, direction=DMA_FROM_DEVICE)
    dbg.debug_dma_unmap_page(dev, IOVA, 256, DMA_TO_DEVICE)
    assert only_error(dbg).endswith(
        "device driver frees DMA memory with different direction "
        f"[device address=0x{IOVA:016x}] [size=256 bytes] "
        "[mapped with DMA_FROM_DEVICE] [unmapped with DMA_TO_DEVICE]"
    )


def test_failed_to_check_map_error(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    map_single(dbg, dev, check=False)
    assert dbg.dump()[0].endswith("DMA_TO_DEVICE dma map error not checked")
    dbg.debug_dma_unmap_page(dev, IOVA, 256, DMA_TO_DEVICE)
    # Linux prints no space before the first bracket.
    assert only_error(dbg).endswith(
        "device driver failed to check map error"
        f"[device address=0x{IOVA:016x}] [size=256 bytes] [mapped as single]"
    )


# ------------------------------------------------------------------ map-time checks


def test_maps_from_stack(dev: FakeDevice) -> None:
    dbg = DmaDebug(is_stack=lambda pa: pa == PA)
    map_single(dbg, dev)
    assert only_error(dbg).endswith(f"device driver maps memory from stack [addr=0x{PA:016x}]")


def test_maps_kernel_text(dev: FakeDevice) -> None:
    dbg = DmaDebug(is_kernel_text=lambda pa, size: pa <= PA + 8 < pa + size)
    sgl = sg_list(2)
    map_sg(dbg, dev, sgl, DMA_TO_DEVICE)
    assert only_error(dbg).endswith(
        f"device driver maps memory from kernel text or rodata [addr=0x{PA:016x}] [len=4096]"
    )


def test_invalid_and_vmalloc_area(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    dbg.debug_dma_map_single(dev, 0xDEAD_0000, 64, is_vmalloc=False, valid=False)
    dbg.debug_dma_map_single(dev, 0xFFFF_8000_0000_0000, 64, is_vmalloc=True, valid=True)
    assert dbg.errors == [
        "DMA-API: dmac dmac0: device driver maps memory from invalid area "
        "[addr=0x00000000dead0000] [len=64]",
        "DMA-API: dmac dmac0: device driver maps memory from vmalloc area "
        "[addr=0xffff800000000000] [len=64]",
    ]


def test_map_resource_of_ram(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    dbg.debug_dma_map_resource(dev, PA, 4096, DMA_BIDIRECTIONAL, IOVA, is_ram=True)
    assert only_error(dbg).endswith(f"dma_map_resource called for RAM address 0x{PA:016x}")


def test_sg_segment_too_long(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    sgl = [(PA, 0x2_0000, IOVA, 0x2_0000)]
    dbg.debug_dma_map_sg(
        dev, sgl, 1, 1, DMA_TO_DEVICE, 0, max_seg_size=SEG_MAX, seg_boundary_mask=BOUNDARY
    )
    assert only_error(dbg).endswith(
        "mapping sg segment longer than device claims to support [len=131072] [max=65536]"
    )


def test_sg_segment_across_boundary(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    sgl = [(PA, 0x2000, 0xFFFF_F000, 0x2000)]
    dbg.debug_dma_map_sg(
        dev, sgl, 1, 1, DMA_TO_DEVICE, 0, max_seg_size=SEG_MAX, seg_boundary_mask=BOUNDARY
    )
    assert only_error(dbg).endswith(
        "mapping sg segment across boundary [start=0x00000000fffff000] "
        "[end=0x0000000100000fff] [boundary=0x00000000ffffffff]"
    )


def test_cacheline_overlap(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    map_single(dbg, dev, pa=PA, size=32, direction=DMA_FROM_DEVICE, dma=IOVA)
    map_single(dbg, dev, pa=PA + 32, size=32, direction=DMA_FROM_DEVICE, dma=IOVA + 0x1000)
    assert only_error(dbg).endswith(
        "cacheline tracking EEXIST, overlapping mappings aren't supported"
    )


@pytest.mark.parametrize(
    ("second_dir", "attrs"),
    [(DMA_TO_DEVICE, 0), (DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC)],
)
def test_cacheline_overlap_exempt(dev: FakeDevice, second_dir: int, attrs: int) -> None:
    dbg = DmaDebug()
    map_single(dbg, dev, pa=PA, size=32, direction=DMA_FROM_DEVICE, dma=IOVA)
    map_single(dbg, dev, pa=PA + 32, size=32, direction=second_dir, dma=IOVA + 0x1000, attrs=attrs)
    assert dbg.errors == []


def test_cacheline_overlap_cleared_by_unmap(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    map_single(dbg, dev, pa=PA, size=32, direction=DMA_FROM_DEVICE, dma=IOVA)
    dbg.debug_dma_unmap_page(dev, IOVA, 32, DMA_FROM_DEVICE)
    map_single(dbg, dev, pa=PA + 32, size=32, direction=DMA_FROM_DEVICE, dma=IOVA + 0x1000)
    # Tracking is on the first cache line only, as Linux: another line does not collide.
    map_single(dbg, dev, pa=PA + 64, size=32, direction=DMA_FROM_DEVICE, dma=IOVA + 0x2000)
    assert dbg.errors == []


# ------------------------------------------------------------------ sync checks


def test_sync_not_allocated(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    dbg.debug_dma_sync_single_for_cpu(dev, IOVA, 64, DMA_FROM_DEVICE)
    assert only_error(dbg).endswith(
        "device driver tries to sync DMA memory it has not allocated "
        f"[device address=0x{IOVA:016x}] [size=64 bytes]"
    )


def test_sync_outside_range(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    map_single(dbg, dev, direction=DMA_FROM_DEVICE)
    dbg.debug_dma_sync_single_for_cpu(dev, IOVA + 128, 256, DMA_FROM_DEVICE)
    assert only_error(dbg).endswith(
        "device driver syncs DMA memory outside allocated range "
        f"[device address=0x{IOVA:016x}] [allocation size=256 bytes] [sync offset+size=384]"
    )


def test_sync_different_direction(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    map_single(dbg, dev, direction=DMA_FROM_DEVICE)
    dbg.debug_dma_sync_single_for_cpu(dev, IOVA, 256, DMA_BIDIRECTIONAL)
    assert dbg.errors[0].endswith(
        "device driver syncs DMA memory with different direction "
        f"[device address=0x{IOVA:016x}] [size=256 bytes] "
        "[mapped with DMA_FROM_DEVICE] [synced with DMA_BIDIRECTIONAL]"
    )


def test_sync_direction_skipped_when_bidirectional(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    map_single(dbg, dev, direction=DMA_BIDIRECTIONAL)
    dbg.debug_dma_sync_single_for_cpu(dev, IOVA, 256, DMA_TO_DEVICE)
    dbg.debug_dma_sync_single_for_device(dev, IOVA, 256, DMA_FROM_DEVICE)
    assert dbg.errors == []


def test_sync_read_only_for_cpu(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    map_single(dbg, dev, direction=DMA_TO_DEVICE)
    dbg.debug_dma_sync_single_for_cpu(dev, IOVA, 256, DMA_FROM_DEVICE)
    assert len(dbg.errors) == 2
    assert "syncs DMA memory with different direction" in dbg.errors[0]
    assert dbg.errors[1].endswith(
        "device driver syncs device read-only DMA memory for cpu "
        f"[device address=0x{IOVA:016x}] [size=256 bytes] "
        "[mapped with DMA_TO_DEVICE] [synced with DMA_FROM_DEVICE]"
    )


def test_sync_write_only_to_device(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    map_single(dbg, dev, direction=DMA_FROM_DEVICE)
    dbg.debug_dma_sync_single_for_device(dev, IOVA, 256, DMA_TO_DEVICE)
    assert dbg.errors[1].endswith(
        "device driver syncs device write-only DMA memory to device "
        f"[device address=0x{IOVA:016x}] [size=256 bytes] "
        "[mapped with DMA_FROM_DEVICE] [synced with DMA_TO_DEVICE]"
    )


def test_sync_sg_count(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    sgl = sg_list(3)
    map_sg(dbg, dev, sgl)
    dbg.debug_dma_sync_sg_for_cpu(dev, sgl, 2, DMA_FROM_DEVICE)
    assert dbg.errors[0].endswith(
        "device driver syncs DMA sg list with different entry count [map count=3] [sync count=2]"
    )


# ------------------------------------------------------------------ leaks, reporting, dump


def test_release_leak_report(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    map_single(dbg, dev, direction=DMA_TO_DEVICE)
    map_single(dbg, dev, pa=PA + 0x1000, size=512, direction=DMA_FROM_DEVICE, dma=IOVA + 0x4000)
    dbg.debug_dma_release_device(make_dev("other"))
    assert dbg.errors == []
    dbg.debug_dma_release_device(dev)
    assert only_error(dbg) == (
        "DMA-API: dmac dmac0: device driver has pending DMA allocations while released from "
        "device [count=2]\n"
        "One of leaked entries details: "
        f"[device address=0x{IOVA + 0x4000:016x}] [size=512 bytes] "
        "[mapped with DMA_FROM_DEVICE] [mapped as single]"
    )


def test_first_error_only_logged(dev: FakeDevice, caplog: pytest.LogCaptureFixture) -> None:
    dbg = DmaDebug()
    with caplog.at_level(logging.WARNING, logger="sw.kernel.dma.debug"):
        for _ in range(3):
            dbg.debug_dma_unmap_page(dev, 0x1234, 4, DMA_TO_DEVICE)
    assert dbg.error_count == 3
    assert len(dbg.errors) == 3
    logged = [r.getMessage() for r in caplog.records if "DMA-API" in r.getMessage()]
    assert logged == [dbg.errors[0]]


def test_all_errors_logged(dev: FakeDevice, caplog: pytest.LogCaptureFixture) -> None:
    dbg = DmaDebug(all_errors=True)
    with caplog.at_level(logging.WARNING, logger="sw.kernel.dma.debug"):
        for _ in range(3):
            dbg.debug_dma_unmap_page(dev, 0x1234, 4, DMA_TO_DEVICE)
    logged = [r.getMessage() for r in caplog.records if "DMA-API" in r.getMessage()]
    assert logged == dbg.errors
    assert len(logged) == 3


def test_driver_filter(dev: FakeDevice) -> None:
    dbg = DmaDebug(driver_filter="dmac", all_errors=True)
    dbg.debug_dma_unmap_page(make_dev("nic0", "nic"), 0x1234, 4, DMA_TO_DEVICE)
    dbg.debug_dma_unmap_page(FakeDevice("orphan"), 0x1234, 4, DMA_TO_DEVICE)
    dbg.debug_dma_unmap_page(dev, 0x1234, 4, DMA_TO_DEVICE)
    assert dbg.error_count == 3  # Linux counts every error
    assert len(dbg.errors) == 1
    assert dbg.errors[0].startswith("DMA-API: dmac dmac0: ")


def test_unbound_device_has_empty_driver_string() -> None:
    dbg = DmaDebug()
    dbg.debug_dma_unmap_page(FakeDevice("dmac9"), DMA_MAPPING_ERROR, 4, DMA_TO_DEVICE)
    assert only_error(dbg).startswith("DMA-API:  dmac9: ")


def test_dump_format(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    map_single(dbg, dev, pa=PA + 0x40, size=0x100, direction=DMA_FROM_DEVICE, dma=0x12_3000)
    dbg.debug_dma_alloc_coherent(dev, 0x1000, 0x2000, 0xFFFF_0000_0000_1000, PA + 0x1000)
    assert dbg.dump() == [
        "dmac dmac0 coherent idx 1 P=0x0000000080001000 D=2000 L=1000 "
        "cln=0x0000000002000040 DMA_BIDIRECTIONAL dma map error check not applicable",
        "dmac dmac0 single idx 145 P=0x0000000080000040 D=123000 L=100 "
        "cln=0x0000000002000001 DMA_FROM_DEVICE dma map error checked",
    ]


def test_pool_grows(dev: FakeDevice) -> None:
    dbg = DmaDebug(num_entries=1)
    map_single(dbg, dev, dma=IOVA)
    map_single(dbg, dev, pa=PA + 0x1000, dma=IOVA + 0x1000)
    assert dbg.nr_total_entries > 1
    assert dbg.min_free_entries == 0
    assert len(dbg.dump()) == 2


# ------------------------------------------------------------------ CPU-access check (project)


def test_cpu_access_from_device(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    map_single(dbg, dev, pa=PA + 8, size=100, direction=DMA_FROM_DEVICE)
    # Reading a neighbour byte in the same cache line is still a hazard.
    dbg.check_cpu_access(PA, 1, write=False)
    dbg.check_cpu_access(PA + 0x100, 64, write=True)  # untouched line
    dbg.check_cpu_access(PA + 0x40, 128, write=True)
    assert dbg.errors == [
        "DMA-API: dmac dmac0: cpu reading DMA memory the device owns "
        f"[cacheline=0x{PA:016x}] [device address=0x{IOVA:016x}] [size=100 bytes] "
        "[mapped with DMA_FROM_DEVICE]",
        "DMA-API: dmac dmac0: cpu writing DMA memory the device owns "
        f"[cacheline=0x{PA + 0x40:016x}] [device address=0x{IOVA:016x}] [size=100 bytes] "
        "[mapped with DMA_FROM_DEVICE]",
    ]


def test_cpu_access_to_device(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    map_single(dbg, dev, pa=PA + 8, size=16, direction=DMA_TO_DEVICE)
    dbg.check_cpu_access(PA, 64, write=False)  # reading a TO_DEVICE buffer is harmless
    dbg.check_cpu_access(PA, 8, write=True)  # same line, bytes outside the mapping
    dbg.check_cpu_access(PA + 24, 8, write=True)
    assert dbg.errors == []
    dbg.check_cpu_access(PA + 20, 8, write=True)
    assert only_error(dbg).endswith(
        f"cpu writing DMA memory the device owns [cacheline=0x{PA:016x}] "
        f"[device address=0x{IOVA:016x}] [size=16 bytes] [mapped with DMA_TO_DEVICE]"
    )


def test_cpu_access_follows_ownership(dev: FakeDevice) -> None:
    dbg = DmaDebug()
    sgl = sg_list(2)
    map_sg(dbg, dev, sgl, DMA_BIDIRECTIONAL)
    dbg.debug_dma_sync_sg_for_cpu(dev, sgl, 2, DMA_BIDIRECTIONAL)
    dbg.check_cpu_access(PA, 0x4000, write=True)
    assert dbg.errors == []
    dbg.debug_dma_sync_sg_for_device(dev, sgl, 2, DMA_BIDIRECTIONAL)
    dbg.check_cpu_access(PA + 0x2000 + 0xFC0, 4, write=False)  # second segment's last line
    assert "cpu reading DMA memory the device owns" in only_error(dbg)
    dbg.debug_dma_unmap_sg(dev, sgl, 2, DMA_BIDIRECTIONAL)
    dbg.check_cpu_access(PA, 0x4000, write=True)
    assert dbg.error_count == 1

"""Types and constants of include/linux/dmaengine.h that clients and providers share.

The functions (channel requests, prep, submit, status) are in
:mod:`sw.drivers.dma.dmaengine`, as they are inline helpers or exported functions of
drivers/dma/dmaengine.c in Linux.  Values are Linux's, so a log line reads the same.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# dma_cookie_t: > 0 a valid cookie, < 0 an error (dma_submit_error)
DMA_MIN_COOKIE = 1
DMA_MAX_COOKIE = (1 << 31) - 1  # cookies are s32 and wrap back to DMA_MIN_COOKIE


class DmaStatus(enum.IntEnum):
    """enum dma_status."""

    DMA_COMPLETE = 0
    DMA_IN_PROGRESS = 1
    DMA_PAUSED = 2
    DMA_ERROR = 3
    DMA_OUT_OF_ORDER = 4


DMA_COMPLETE = DmaStatus.DMA_COMPLETE
DMA_IN_PROGRESS = DmaStatus.DMA_IN_PROGRESS
DMA_PAUSED = DmaStatus.DMA_PAUSED
DMA_ERROR = DmaStatus.DMA_ERROR
DMA_OUT_OF_ORDER = DmaStatus.DMA_OUT_OF_ORDER


class DmaTransactionType(enum.IntEnum):
    """enum dma_transaction_type: the capability bits of ``cap_mask``."""

    DMA_MEMCPY = 0
    DMA_XOR = 1
    DMA_PQ = 2
    DMA_XOR_VAL = 3
    DMA_PQ_VAL = 4
    DMA_MEMSET = 5
    DMA_MEMSET_SG = 6
    DMA_INTERRUPT = 7
    DMA_PRIVATE = 8
    DMA_ASYNC_TX = 9
    DMA_SLAVE = 10
    DMA_CYCLIC = 11
    DMA_INTERLEAVE = 12
    DMA_COMPLETION_NO_ORDER = 13
    DMA_REPEAT = 14
    DMA_LOAD_EOT = 15


DMA_MEMCPY = DmaTransactionType.DMA_MEMCPY
DMA_MEMSET = DmaTransactionType.DMA_MEMSET
DMA_INTERRUPT = DmaTransactionType.DMA_INTERRUPT
DMA_PRIVATE = DmaTransactionType.DMA_PRIVATE
DMA_SLAVE = DmaTransactionType.DMA_SLAVE
DMA_CYCLIC = DmaTransactionType.DMA_CYCLIC
DMA_COMPLETION_NO_ORDER = DmaTransactionType.DMA_COMPLETION_NO_ORDER


class DmaTransferDirection(enum.IntEnum):
    """enum dma_transfer_direction."""

    DMA_MEM_TO_MEM = 0
    DMA_MEM_TO_DEV = 1
    DMA_DEV_TO_MEM = 2
    DMA_DEV_TO_DEV = 3
    DMA_TRANS_NONE = 4


DMA_MEM_TO_MEM = DmaTransferDirection.DMA_MEM_TO_MEM
DMA_MEM_TO_DEV = DmaTransferDirection.DMA_MEM_TO_DEV
DMA_DEV_TO_MEM = DmaTransferDirection.DMA_DEV_TO_MEM
DMA_DEV_TO_DEV = DmaTransferDirection.DMA_DEV_TO_DEV
DMA_TRANS_NONE = DmaTransferDirection.DMA_TRANS_NONE


def is_slave_direction(direction: int) -> bool:
    return direction in (DMA_MEM_TO_DEV, DMA_DEV_TO_MEM)


# enum dma_slave_buswidth: bytes
DMA_SLAVE_BUSWIDTH_UNDEFINED = 0
DMA_SLAVE_BUSWIDTH_1_BYTE = 1
DMA_SLAVE_BUSWIDTH_2_BYTES = 2
DMA_SLAVE_BUSWIDTH_3_BYTES = 3
DMA_SLAVE_BUSWIDTH_4_BYTES = 4
DMA_SLAVE_BUSWIDTH_8_BYTES = 8
DMA_SLAVE_BUSWIDTH_16_BYTES = 16
DMA_SLAVE_BUSWIDTH_32_BYTES = 32
DMA_SLAVE_BUSWIDTH_64_BYTES = 64
DMA_SLAVE_BUSWIDTH_128_BYTES = 128


def BIT(n: int) -> int:
    return 1 << n


class DmaResidueGranularity(enum.IntEnum):
    """enum dma_residue_granularity."""

    DMA_RESIDUE_GRANULARITY_DESCRIPTOR = 0
    DMA_RESIDUE_GRANULARITY_SEGMENT = 1
    DMA_RESIDUE_GRANULARITY_BURST = 2


DMA_RESIDUE_GRANULARITY_DESCRIPTOR = DmaResidueGranularity.DMA_RESIDUE_GRANULARITY_DESCRIPTOR
DMA_RESIDUE_GRANULARITY_SEGMENT = DmaResidueGranularity.DMA_RESIDUE_GRANULARITY_SEGMENT
DMA_RESIDUE_GRANULARITY_BURST = DmaResidueGranularity.DMA_RESIDUE_GRANULARITY_BURST

# enum dma_ctrl_flags
DMA_PREP_INTERRUPT = 1 << 0
DMA_CTRL_ACK = 1 << 1
DMA_PREP_PQ_DISABLE_P = 1 << 2
DMA_PREP_PQ_DISABLE_Q = 1 << 3
DMA_PREP_CONTINUE = 1 << 4
DMA_PREP_FENCE = 1 << 5
DMA_CTRL_REUSE = 1 << 6
DMA_PREP_CMD = 1 << 7
DMA_PREP_REPEAT = 1 << 8
DMA_PREP_LOAD_EOT = 1 << 9


class DmaengineTxResult(enum.IntEnum):
    """enum dmaengine_tx_result; :data:`TX_RESULT_TEXT` has the header's comments."""

    DMA_TRANS_NOERROR = 0
    DMA_TRANS_READ_FAILED = 1
    DMA_TRANS_WRITE_FAILED = 2
    DMA_TRANS_ABORTED = 3


DMA_TRANS_NOERROR = DmaengineTxResult.DMA_TRANS_NOERROR
DMA_TRANS_READ_FAILED = DmaengineTxResult.DMA_TRANS_READ_FAILED
DMA_TRANS_WRITE_FAILED = DmaengineTxResult.DMA_TRANS_WRITE_FAILED
DMA_TRANS_ABORTED = DmaengineTxResult.DMA_TRANS_ABORTED

TX_RESULT_TEXT = {
    DMA_TRANS_NOERROR: "SUCCESS",
    DMA_TRANS_READ_FAILED: "Source DMA read failed",
    DMA_TRANS_WRITE_FAILED: "Destination DMA write failed",
    DMA_TRANS_ABORTED: "Op never submitted / aborted",
}


@dataclass
class DmaengineResult:
    """struct dmaengine_result: what ``callback_result`` is given."""

    result: DmaengineTxResult = DMA_TRANS_NOERROR
    residue: int = 0


@dataclass
class DmaTxState:
    """struct dma_tx_state, filled by ``device_tx_status``."""

    last: int = 0
    used: int = 0
    residue: int = 0
    in_flight_bytes: int = 0


@dataclass
class DmaSlaveConfig:
    """struct dma_slave_config: the device side of a slave channel.  ``src_addr`` /
    ``dst_addr`` are DMA addresses of the device's FIFO register (``dma_map_resource`` of
    its physical address, when the controller sits behind an IOMMU or a bus offset)."""

    direction: int = DMA_TRANS_NONE  # deprecated in Linux, the prep call's counts
    src_addr: int = 0
    dst_addr: int = 0
    src_addr_width: int = DMA_SLAVE_BUSWIDTH_UNDEFINED
    dst_addr_width: int = DMA_SLAVE_BUSWIDTH_UNDEFINED
    src_maxburst: int = 0
    dst_maxburst: int = 0
    src_port_window_size: int = 0
    dst_port_window_size: int = 0
    device_fc: bool = False
    peripheral_config: Any = None
    peripheral_size: int = 0


@dataclass
class DmaSlaveCaps:
    """struct dma_slave_caps, as ``dma_get_slave_caps`` fills it."""

    src_addr_widths: int = 0
    dst_addr_widths: int = 0
    directions: int = 0
    min_burst: int = 0
    max_burst: int = 0
    max_sg_burst: int = 0
    cmd_pause: bool = False
    cmd_resume: bool = False
    cmd_terminate: bool = False
    residue_granularity: DmaResidueGranularity = DMA_RESIDUE_GRANULARITY_DESCRIPTOR
    descriptor_reuse: bool = False


DmaAsyncTxCallback = Callable[[Any], Any]
DmaAsyncTxCallbackResult = Callable[[Any, DmaengineResult], Any]


@dataclass
class DmaCapMask:
    """dma_cap_mask_t with dma_cap_set / dma_cap_zero / dma_has_cap."""

    bits: set[int] = field(default_factory=set)

    def set(self, cap: int) -> None:  # dma_cap_set
        self.bits.add(int(cap))

    def clear(self, cap: int) -> None:  # dma_cap_clear
        self.bits.discard(int(cap))

    def has(self, cap: int) -> bool:  # dma_has_cap
        return int(cap) in self.bits

    def issubset(self, other: DmaCapMask) -> bool:
        return self.bits <= other.bits


def dma_cap_set(cap: int, mask: DmaCapMask) -> None:
    mask.set(cap)


def dma_cap_zero(mask: DmaCapMask) -> None:
    mask.bits.clear()


def dma_has_cap(cap: int, mask: DmaCapMask) -> bool:
    return mask.has(cap)

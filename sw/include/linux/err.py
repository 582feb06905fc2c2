"""Error pointers (include/linux/err.h).

Linux returns a negative errno cast to a pointer where a function hands back an object or
fails; :func:`ERR_PTR` makes such a value, :func:`IS_ERR` tells it from a real object
and :func:`PTR_ERR` gives the errno back.  None stays NULL, which is not an error pointer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_ERRNO = 4095

# errno values (include/uapi/asm-generic/errno-base.h, errno.h)
EPERM = 1
ENOENT = 2
EIO = 5
ENXIO = 6
EAGAIN = 11
ENOMEM = 12
EBUSY = 16
ENODEV = 19
EINVAL = 22
ENOSPC = 28
ENOSYS = 38
EPROBE_DEFER = 517


@dataclass(frozen=True)
class ErrPtr:
    """``ERR_PTR(error)``: a failed return carrying ``error`` (negative)."""

    error: int

    def __bool__(self) -> bool:  # an error pointer is not NULL
        return True


def ERR_PTR(error: int) -> ErrPtr:
    if not -MAX_ERRNO <= error < 0:
        raise ValueError(f"ERR_PTR({error}): not a negative errno")
    return ErrPtr(error)


def IS_ERR(ptr: Any) -> bool:
    return isinstance(ptr, ErrPtr)


def IS_ERR_OR_NULL(ptr: Any) -> bool:
    return ptr is None or isinstance(ptr, ErrPtr)


def PTR_ERR(ptr: Any) -> int:
    if not isinstance(ptr, ErrPtr):
        raise TypeError(f"PTR_ERR of {ptr!r}, which is not an error pointer")
    return ptr.error

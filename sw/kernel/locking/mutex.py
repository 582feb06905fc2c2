"""A sleeping lock (kernel/locking/mutex.c), for sections that wait on hardware.

The model is cooperative: code between two awaits runs alone, so a spinlock's critical
section needs nothing.  A section that awaits MMIO (a driver starting a chain while its
tasklet reaps one) takes a :class:`Mutex`: ``async with lock: ...``.
"""

from __future__ import annotations

from typing import Any

from sw.platform import Platform


class Mutex:
    def __init__(self, platform: Platform, name: str = "mutex") -> None:
        self.name = name
        self.locked = False
        self._released = platform.new_event()

    async def lock(self) -> None:
        while self.locked:
            self._released.clear()
            await self._released.wait()
        self.locked = True

    def unlock(self) -> None:
        if not self.locked:
            raise RuntimeError(f"{self.name}: unlock of an unlocked mutex")
        self.locked = False
        self._released.set()

    async def __aenter__(self) -> Mutex:
        await self.lock()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.unlock()

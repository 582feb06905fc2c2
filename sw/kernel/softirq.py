"""Tasklets (kernel/softirq.c, include/linux/interrupt.h).

A tasklet is work an interrupt handler defers: :func:`tasklet_schedule` marks it
pending and it runs soon after, in its own context (a task of the platform), never twice
at once; scheduled again while it runs, it runs once more afterwards.  Its function may be
a coroutine function (this model's drivers reach registers through coroutines).
:func:`tasklet_kill` waits until it is neither pending nor running.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from sw.platform import Platform


class Tasklet:
    """struct tasklet_struct, made with :func:`tasklet_setup`."""

    def __init__(self, platform: Platform, func: Callable[[Tasklet], Any], name: str) -> None:
        self.platform = platform
        self.func = func
        self.name = name
        self.pending = False
        self.running = False
        self.runs = 0
        self.task: Any = None  # the context running it (None while idle)
        self._idle = platform.new_event()
        self._idle.set()

    async def _run(self) -> None:
        self.running = True
        self.task = self.platform.current_task()
        try:
            while self.pending:
                self.pending = False
                self.runs += 1
                ret = self.func(self)
                if inspect.isawaitable(ret):
                    await ret
        finally:
            self.running = False
            self.task = None
            self._idle.set()


def tasklet_setup(platform: Platform, func: Callable[[Tasklet], Any], name: str = "") -> Tasklet:
    return Tasklet(platform, func, name or getattr(func, "__name__", "tasklet"))


def tasklet_schedule(t: Tasklet) -> None:
    """Mark ``t`` pending; start its context unless it is already running (then it loops)."""
    t.pending = True
    if not t.running:
        t._idle.clear()
        t.running = True  # claimed now: a second schedule before the task starts adds none
        t.platform.start_soon(t._run())


def in_tasklet(t: Tasklet) -> bool:
    """Whether the caller runs inside ``t`` (from its function or what that awaits)."""
    return t.running and t.task is not None and t.task is t.platform.current_task()


async def tasklet_kill(t: Tasklet) -> None:
    """Wait until ``t`` has run out (no longer pending or running), as tasklet_kill.
    From inside ``t`` it would wait for itself: RuntimeError (Linux would hang)."""
    if in_tasklet(t):
        raise RuntimeError(f"tasklet_kill of {t.name} from inside it")
    while t.running or t.pending:
        await t._idle.wait()

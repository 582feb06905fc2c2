"""struct completion (kernel/sched/completion.c, include/linux/completion.h).

One context waits (:func:`wait_for_completion_timeout`), another signals
(:func:`complete`); ``done`` counts signals not yet consumed, as in Linux.
"""

from __future__ import annotations

from sw.platform import Platform


class Completion:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.done = 0
        self._event = platform.new_event()


def init_completion(platform: Platform) -> Completion:
    return Completion(platform)


def reinit_completion(x: Completion) -> None:
    x.done = 0
    x._event.clear()


def complete(x: Completion) -> None:
    x.done += 1
    x._event.set()


def completion_done(x: Completion) -> bool:
    return x.done > 0


async def wait_for_completion_timeout(x: Completion, timeout_ns: int) -> int:
    """Wait for one :func:`complete`; returns 0 on timeout, else the time left in ns
    (at least 1), as the jiffies Linux returns."""
    start = x.platform.ktime_get_ns()
    left = timeout_ns
    while x.done == 0:  # another waiter may take the complete() that woke this one
        if left <= 0 or not await x.platform.wait_event_timeout(x._event, left):
            return 0
        left = timeout_ns - (x.platform.ktime_get_ns() - start)
    x.done -= 1
    if x.done == 0:
        x._event.clear()
    return max(1, timeout_ns - (x.platform.ktime_get_ns() - start))

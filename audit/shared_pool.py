"""One inspection pool per process, shared by every audit running in it.

`phone-audit scan --all` and the TUI with several phones run several audits in one
event loop. Each used to start its own `BudgetedPool` of one worker per core: four
phones on two cores meant eight workers (and four fork servers, four copies of the
knowledge base) fighting for two cores. Now an audit takes a `Lease` on the one pool
of its event loop, knowledge-base version and worker count: the first lease starts it
(in a thread, so pulls begin meanwhile), the others join it, and the last lease to be
released shuts it down. The pool's `FairSlots` hand workers to the audits in turn; the
per-APK budget and the replacement of a worker past it stay per job (audit.budget).

`SHARE = False` gives every lease a pool of its own, as before: only for the bench's
side-by-side comparison (bench/realistic_bench.py).
"""

from __future__ import annotations

import asyncio
import os

#: False: every audit starts its own pool (the old way; the bench compares the two)
SHARE = True

_POOLS: dict[tuple, "_Shared"] = {}


class _Shared:
    """One started (or starting) pool and how many audits hold it."""

    def __init__(self, key: tuple, knowledge, workers: int) -> None:
        from audit.budget import BudgetedPool

        self.key = key
        self.users = 0
        # workers start in a thread: starting them blocks for a second or more
        self.ready: asyncio.Future = asyncio.ensure_future(asyncio.to_thread(BudgetedPool, knowledge, workers))


class Lease:
    """One audit's hold on the shared pool; `release()` (or `release_now()`) once."""

    def __init__(self, shared: _Shared) -> None:
        self._shared = shared
        self._released = False

    async def pool(self):
        """The `BudgetedPool`, once its workers are up (raises if they could not start)."""
        return await asyncio.shield(self._shared.ready)

    async def run(self, fn, *args):
        """`fn(*args)` in a worker within the budget, this audit taking its turn."""
        pool = await self.pool()
        return await pool.run(fn, *args, owner=self)

    def _last(self) -> bool:
        if self._released:
            return False
        self._released = True
        shared = self._shared
        shared.users -= 1
        if shared.users > 0:
            return False
        if _POOLS.get(shared.key) is shared:
            del _POOLS[shared.key]
        return True

    async def release(self) -> None:
        """This audit is done with the pool; the last one out shuts it down (joining
        the workers in a thread, off the event loop)."""
        if not self._last():
            return
        ready = self._shared.ready
        if not ready.done():
            ready.add_done_callback(_stop_when_started)
            return
        if ready.cancelled() or ready.exception() is not None:
            return  # never started: nothing to stop
        await asyncio.to_thread(ready.result().shutdown, wait=True, cancel_futures=True)

    def release_now(self) -> None:
        """`release`, synchronously: for a task that is being cancelled again, when
        only a stop that does not await is sure."""
        if not self._last():
            return
        ready = self._shared.ready
        if not ready.done():
            ready.add_done_callback(_stop_when_started)
        elif not ready.cancelled() and ready.exception() is None:
            ready.result().shutdown(wait=True, cancel_futures=True)


def lease(knowledge, workers: int | None = None) -> Lease:
    """A hold on the pool for audits judged with `knowledge`, `workers` processes
    (default: cores). Call from the event loop the audit runs in."""
    workers = max(1, workers or os.cpu_count() or 1)
    loop = asyncio.get_running_loop()
    version = getattr(knowledge, "version", None) or id(knowledge)
    key = (loop, version, workers) if SHARE else (object(),)
    shared = _POOLS.get(key)
    if shared is None:
        shared = _POOLS[key] = _Shared(key, knowledge, workers)
    shared.users += 1
    return Lease(shared)


def running() -> int:
    """How many shared pools this process holds now (for tests and the bench)."""
    return len(_POOLS)


def _stop_when_started(fut: asyncio.Future) -> None:
    """Done-callback: shut down a pool whose last audit left before it had started."""
    if not fut.cancelled() and fut.exception() is None:
        fut.result().shutdown(wait=False, cancel_futures=True)

"""A time budget per APK inspection, enforced from outside the work.

`BudgetedPool` holds the process pool of `audit.pool`. Each inspection gets
`INSPECT_BUDGET` seconds (env `PHONE_AUDIT_INSPECT_BUDGET`, for tests); one that runs
past it is not asked to stop: the pool's worker processes are killed, the APK is
reported "could not inspect: ... time budget", and a fresh pool takes over. Other
inspections that were running in the killed pool are tried once more on the new one
(with a budget of their own), and so are those still waiting in its queue (the killed
pool's shutdown cancels them), so one hostile APK costs the others nothing but time.

Several audits in one process share one `BudgetedPool` (`audit.shared_pool`): its
worker slots are handed out in turn between the audits (`FairSlots`), and a slot stays
taken until its worker is really free, also when the audit that asked was cancelled (a
worker cannot be told to stop; the next job must not spend its budget waiting for it).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections import OrderedDict, deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

#: seconds one APK inspection may take (a real APK takes a few)
INSPECT_BUDGET = 60.0


def budget_seconds() -> float:
    try:
        return float(os.environ.get("PHONE_AUDIT_INSPECT_BUDGET") or INSPECT_BUDGET)
    except ValueError:
        return INSPECT_BUDGET


class InspectionTimeout(Exception):
    """An inspection ran past its budget and its worker was ended."""


class FairSlots:
    """`n` worker slots handed out round-robin between owners (one per audit), first
    come first served within one owner: a phone that pulls faster cannot starve the
    others of workers. Not thread-safe: used from the event loop only."""

    def __init__(self, n: int) -> None:
        self.free = n
        self._waiting: OrderedDict[object, deque[asyncio.Future]] = OrderedDict()

    async def acquire(self, owner: object) -> None:
        if self.free > 0 and not self._waiting:
            self.free -= 1
            return
        fut = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(owner, deque()).append(fut)
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release()  # granted just as it was cancelled: pass it on
            else:
                queue = self._waiting.get(owner)
                if queue is not None and fut in queue:
                    queue.remove(fut)
                    if not queue:
                        del self._waiting[owner]
            raise

    def release(self) -> None:
        """One slot free: to the owner whose turn it is, who then goes last."""
        while self._waiting:
            owner, queue = self._waiting.popitem(last=False)
            fut = queue.popleft()
            if queue:
                self._waiting[owner] = queue
            if not fut.done():
                fut.set_result(None)
                return
        self.free += 1


class BudgetedPool:
    """The inspection pool, replaced whenever a worker has to be ended."""

    def __init__(self, knowledge, workers: int | None = None, budget: float | None = None) -> None:
        from audit.pool import start_pool

        self._start = lambda: start_pool(knowledge, workers)
        self._lock = threading.Lock()
        #: pools whose workers were killed, kept until the pool replacing them is up
        self._retired: list[ProcessPoolExecutor] = []
        self.pool: ProcessPoolExecutor = self._start()
        self.budget = budget_seconds() if budget is None else budget
        self.workers: int = self.pool._max_workers
        self.slots = FairSlots(self.workers)

    async def run(self, fn, *args, owner: object = None):
        """`fn(*args)` in a worker, within the budget (raises `InspectionTimeout`).

        At most one job per worker is handed to the pool at a time, so the budget counts
        the job's own run, not its wait behind others (with four phones on two cores,
        APKs that had only waited a minute were reported past their budget). `owner`
        (the audit) is whose turn it is among the jobs waiting for a worker."""
        await self.slots.acquire(owner)
        running: list = []  # the concurrent future of the attempt under way
        try:
            return await self._run(fn, args, running)
        finally:
            self._free_slot_when_done(running[-1] if running else None)

    def _free_slot_when_done(self, job) -> None:
        """Release the slot now, or, if the worker is still on a job whose audit was
        cancelled, when that worker is done with it."""
        if job is None or job.done():
            self.slots.release()
            return
        loop = asyncio.get_running_loop()

        def done(_job) -> None:
            try:
                loop.call_soon_threadsafe(self.slots.release)
            except RuntimeError:  # the loop is closed: nobody is waiting for a slot
                pass

        job.add_done_callback(done)

    async def _run(self, fn, args, running: list):
        for attempt in (1, 2):
            pool = self.pool
            try:
                job = pool.submit(fn, *args)
            except (BrokenProcessPool, RuntimeError):
                # replaced (shut down) between reading it and submitting: the new one
                if attempt == 2 or not await self._replaced(pool):
                    raise
                continue
            running.append(job)
            fut = asyncio.wrap_future(job)
            try:
                return await asyncio.wait_for(fut, self.budget)
            except (asyncio.TimeoutError, TimeoutError):
                await asyncio.to_thread(self._replace, pool)
                running.clear()  # its worker is killed and replaced: the slot is free now
                raise InspectionTimeout(f"ran past its time budget of {self.budget:g} s and was ended") from None
            except BrokenProcessPool:
                # killed with another job's worker: once more on the pool that replaced it
                if attempt == 2 or not await self._replaced(pool):
                    raise
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if (task is not None and task.cancelling()) or not await self._replaced(pool):
                    raise  # the audit itself is being cancelled
                # waiting in a pool that another job's timeout replaced (its shutdown
                # cancels the jobs not started yet): once more on the new pool, and an
                # error, never a cancellation of the whole audit, if that happens twice
                if attempt == 2:
                    raise BrokenProcessPool("the inspection pool was replaced twice while this APK waited") from None
        raise AssertionError("unreachable")

    async def _replaced(self, pool: ProcessPoolExecutor) -> bool:
        """Whether `pool` was killed for another job's timeout; if so, once the pool
        replacing it is up. (Its other jobs learn of the kill before the new workers
        have started: they must wait for them, not give up.)"""
        while pool is self.pool and any(p is pool for p in self._retired):
            await asyncio.sleep(0.02)
        return pool is not self.pool

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if broken is not self.pool:
                return  # another timeout already replaced it
            self._retired.append(broken)
            for proc in list((getattr(broken, "_processes", None) or {}).values()):
                try:
                    proc.kill()
                except Exception:  # already gone
                    pass
            broken.shutdown(wait=False, cancel_futures=True)
            try:
                self.pool = self._start()
            finally:
                self._retired.remove(broken)

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        with self._lock:
            self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)

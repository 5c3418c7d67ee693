"""A time budget per APK inspection, enforced from outside the work.

`BudgetedPool` holds the process pool of `audit.pool`. Each inspection gets
`INSPECT_BUDGET` seconds (env `PHONE_AUDIT_INSPECT_BUDGET`, for tests); one that runs
past it is not asked to stop: the pool's worker processes are killed, the APK is
reported "could not inspect: ... time budget", and a fresh pool takes over. Other
inspections that were running in the killed pool are tried once more on the new one
(with a budget of their own), and so are those still waiting in its queue (the killed
pool's shutdown cancels them), so one hostile APK costs the others nothing but time.
"""

from __future__ import annotations

import asyncio
import os
import threading
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


class BudgetedPool:
    """The inspection pool, replaced whenever a worker has to be ended."""

    def __init__(self, knowledge, workers: int | None = None, budget: float | None = None) -> None:
        from audit.pool import start_pool

        self._start = lambda: start_pool(knowledge, workers)
        self._lock = threading.Lock()
        self.pool: ProcessPoolExecutor = self._start()
        self.budget = budget_seconds() if budget is None else budget
        self._workers = self.pool._max_workers
        self._slots: asyncio.Semaphore | None = None

    async def run(self, fn, *args):
        """`fn(*args)` in a worker, within the budget (raises `InspectionTimeout`).

        At most one job per worker is handed to the pool at a time, so the budget counts
        the job's own run, not its wait behind others (with four phones on two cores,
        APKs that had only waited a minute were reported past their budget)."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._workers)
        async with self._slots:
            return await self._run(fn, *args)

    async def _run(self, fn, *args):
        for attempt in (1, 2):
            pool = self.pool
            fut = asyncio.get_running_loop().run_in_executor(pool, fn, *args)
            try:
                return await asyncio.wait_for(fut, self.budget)
            except (asyncio.TimeoutError, TimeoutError):
                await asyncio.to_thread(self._replace, pool)
                raise InspectionTimeout(f"ran past its time budget of {self.budget:g} s and was ended") from None
            except BrokenProcessPool:
                # killed with another job's worker: once more on the pool that replaced it
                if attempt == 2 or pool is self.pool:
                    raise
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if (task is not None and task.cancelling()) or pool is self.pool:
                    raise  # the audit itself is being cancelled
                # waiting in a pool that another job's timeout replaced (its shutdown
                # cancels the jobs not started yet): once more on the new pool, and an
                # error, never a cancellation of the whole audit, if that happens twice
                if attempt == 2:
                    raise BrokenProcessPool("the inspection pool was replaced twice while this APK waited") from None
        raise AssertionError("unreachable")

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if broken is not self.pool:
                return  # another timeout already replaced it
            for proc in list((getattr(broken, "_processes", None) or {}).values()):
                try:
                    proc.kill()
                except Exception:  # already gone
                    pass
            broken.shutdown(wait=False, cancel_futures=True)
            self.pool = self._start()

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        with self._lock:
            self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)

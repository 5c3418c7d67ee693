"""Several audits in one process share one inspection pool (audit.shared_pool).

The jobs are plain functions (os.getpid, time.sleep) run in the real process pool: what
is tested is the sharing, the turns, the budget and the cancellation, not the inspection
(tests/hostile/test_bounds.py and the scan tests inspect real APKs through it).
"""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from audit import shared_pool
from audit.budget import FairSlots, InspectionTimeout


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_two_audits_share_one_pool_of_one_worker_per_core_gone_after_both():
    async def go():
        a = shared_pool.lease(None)
        b = shared_pool.lease(None)
        assert shared_pool.running() == 1
        pool = await a.pool()
        assert await b.pool() is pool
        workers = sorted(p.pid for p in pool.pool._processes.values())
        pids = await asyncio.gather(*(lease.run(os.getpid) for lease in (a, b) for _ in range(3)))
        await a.release()
        assert shared_pool.running() == 1  # b still holds it
        assert not any(_gone(p) for p in workers)
        await b.release()
        return workers, set(pids)

    workers, used = asyncio.run(go())
    assert len(workers) == os.cpu_count()  # not two pools' worth
    assert used <= set(workers)
    assert shared_pool.running() == 0
    assert all(_gone(p) for p in workers)


def test_workers_are_handed_out_in_turn_between_audits():
    order: list[str] = []

    async def go():
        slots = FairSlots(1)

        async def job(owner: str, i: int):
            await slots.acquire(owner)
            order.append(f"{owner}{i}")
            await asyncio.sleep(0)
            slots.release()

        # audit a asks for four workers before audit b asks for any
        tasks = [asyncio.create_task(job("a", i)) for i in range(4)]
        tasks += [asyncio.create_task(job("b", i)) for i in range(2)]
        await asyncio.gather(*tasks)
        assert slots.free == 1

    asyncio.run(go())
    assert order == ["a0", "a1", "b0", "a2", "b1", "a3"]


def test_a_job_past_its_budget_ends_only_that_inspection(monkeypatch):
    monkeypatch.setenv("PHONE_AUDIT_INSPECT_BUDGET", "0.8")

    async def go():
        hostile, other = shared_pool.lease(None, workers=2), shared_pool.lease(None, workers=2)
        try:
            pool = await hostile.pool()
            first = {p.pid for p in pool.pool._processes.values()}

            async def endless():
                with pytest.raises(InspectionTimeout, match="time budget of 0.8 s"):
                    await hostile.run(time.sleep, 600)
                return "ended"

            async def short():
                await asyncio.sleep(0.1)  # a worker of the first pool is on this when it is killed
                return await other.run(time.sleep, 0.3)

            got = await asyncio.gather(endless(), *(short() for _ in range(3)))
            assert pool.slots.free == 2  # the killed worker's slot came back
            return got, first, {p.pid for p in pool.pool._processes.values()}
        finally:
            await hostile.release()
            await other.release()

    got, first, after = asyncio.run(go())
    assert got == ["ended", None, None, None]  # the other audit's jobs all ran
    assert not first & after and all(_gone(p) for p in first)


def test_a_cancelled_audit_keeps_its_worker_until_done_and_the_other_goes_on(monkeypatch):
    # one worker, a budget of 1 s: the cancelled audit's job still runs 1.5 s in the
    # worker (it cannot be told to stop); the other audit's job must wait for the worker,
    # not spend its budget queued behind that job
    monkeypatch.setenv("PHONE_AUDIT_INSPECT_BUDGET", "1.0")

    async def go():
        cancelled, other = shared_pool.lease(None, workers=1), shared_pool.lease(None, workers=1)
        pool = await other.pool()
        try:
            doomed = asyncio.create_task(cancelled.run(time.sleep, 1.5))
            await asyncio.sleep(0.2)
            doomed.cancel()
            with pytest.raises(asyncio.CancelledError):
                await doomed
            await cancelled.release()
            t0 = time.monotonic()
            pid = await other.run(os.getpid)
            waited = time.monotonic() - t0
            return pid, waited, pool
        finally:
            await other.release()

    pid, waited, pool = asyncio.run(go())
    assert isinstance(pid, int) and 0.8 < waited < 3.0, waited  # waited for the worker, then ran
    assert pool.slots.free == 1
    assert shared_pool.running() == 0

"""The process pool that inspects pulled APKs on every core.

Workers come from a fork server (started clean, not forked from a process that runs
adb threads, aiosqlite threads or a terminal UI) and receive the knowledge base once,
at start, instead of with every APK.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

_KNOWLEDGE = None


def _init_worker(knowledge) -> None:
    global _KNOWLEDGE
    _KNOWLEDGE = knowledge
    try:
        from loguru import logger

        logger.disable("androguard")
        # a worker writes nothing through loguru: with no sink, each of androguard's
        # thousands of debug calls per APK returns at once instead of first looking up
        # its caller's module to find it disabled (8 % of a worker's CPU, measured on
        # 60 APKs of the realistic bench phone)
        logger.remove()
    except Exception:  # loguru comes with androguard; without it there is nothing to mute
        pass


def inspect_job(path: str, sha256: str):
    """Inspect one pulled APK in a worker (the knowledge base set by the initializer)."""
    from model.apk_report import ApkReport
    from checks.inspect import inspect_apk

    try:
        return inspect_apk(Path(path), _KNOWLEDGE, sha256=sha256)
    except Exception as exc:  # inspection must not lose the APK: report the failure
        return ApkReport(sha256=sha256, error=f"could not inspect: {type(exc).__name__}: {exc}",
                         kb_version=getattr(_KNOWLEDGE, "version", ""))


def make_pool(knowledge, workers: int | None = None) -> ProcessPoolExecutor:
    workers = max(1, workers or os.cpu_count() or 1)
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["checks.inspect", "audit.pool"])
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(knowledge,)
    )


def start_pool(knowledge, workers: int | None = None) -> ProcessPoolExecutor:
    """`make_pool`, with every worker started before it returns.

    Starting workers (the fork server's first start imports the inspection code) takes
    a second or more; call this in a thread, so the event loop is never blocked by it
    and pulls can start meanwhile."""
    pool = make_pool(knowledge, workers)
    try:
        # one task per worker: the executor starts one process per submit it cannot
        # hand to an idle one
        for f in [pool.submit(os.getpid) for _ in range(pool._max_workers)]:
            f.result()
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    return pool

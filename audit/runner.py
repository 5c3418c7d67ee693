"""Run one audit end to end, without any UI: `await run_audit(...)` -> `AuditResult`.

collect (thread) -> build_snapshot -> store the snapshot and inventory -> SHA-256 of
every APK in scope on the phone -> APK cache lookup (SHA-256 + knowledge-base version)
-> pull what is missing (thread; bytes progress), each pull handed to a process pool
that inspects it while the next one is pulled -> cache the reports -> evaluate every
check -> store the findings.

Facts are stored as they are produced: the audit row exists ("running") before the
phone is read, and is closed "complete" or "incomplete" at the end. A phone lost
mid-way, a dead adb server or a cancel stops the reading; what was gathered is still
evaluated (checks say "inconclusive" where APKs are missing), stored and returned,
marked incomplete with the reason. Only unexpected errors propagate, after the audit
row has been closed as incomplete.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adb.progress import Progress, ProgressCallback, ignore_progress
from model.snapshot import DeviceInfo, DeviceSnapshot, PackageInfo, Problem
from model.apk_report import ApkReport, PackageApks
from model.findings import Finding, Status
from model.timestamps import utc_now
from store import Store
from audit import apk_sidecar

#: APKs pulled and inspected: "all" (system and third-party), "system", "third-party", "none"
PULL_SCOPES = ("all", "system", "third-party", "none")
#: APK copies in flight at once (one adb sync stream each)
PULL_STREAMS = 3
#: APK paths hashed per `sha256sum` round trip while earlier ones are pulled
HASH_BATCH = 16
#: `sha256sum` batches running at once on the phone
HASH_STREAMS = 2


@dataclass(frozen=True)
class AuditResult:
    """What one audit found, as stored in history under `audit_id`."""

    audit_id: int
    device: DeviceInfo
    snapshot: DeviceSnapshot
    apks: dict[str, PackageApks]
    findings: list[Finding]
    complete: bool
    problems: tuple[Problem, ...]
    started_at: str
    finished_at: str
    bytes_pulled: int
    apks_from_cache: int
    #: knowledge-base version the APKs were judged with
    kb_version: str = ""
    #: APK files pulled from the phone in this audit
    apks_pulled: int = 0
    #: the phone's previous audit in history (summary dict of `Store.list_audits`), if any
    previous: dict[str, Any] | None = None
    #: the audit was stopped by its caller
    cancelled: bool = False
    #: APK path -> SHA-256 as the phone reported it
    apk_hashes: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(f.status is Status.FAIL for f in self.findings)

    @property
    def exit_code(self) -> int:
        """The `scan` exit code: 3 incomplete, 1 something failed, 0 otherwise."""
        if not self.complete:
            return 3
        return 1 if self.failed else 0


def _lost_exceptions() -> tuple[type[BaseException], ...]:
    """Exceptions that mean "the phone or the adb server went away"."""
    from adb.gate import DeviceLost

    kinds: list[type[BaseException]] = [DeviceLost, ConnectionError, EOFError]
    try:
        import adbutils

        kinds.append(adbutils.AdbError)
    except ImportError:
        pass
    return tuple(kinds)


def _import_audit_modules() -> None:
    """Import what an audit uses (the later imports in the steps are then lookups)."""
    import adb.collect  # noqa: F401
    import adb.connection  # noqa: F401
    import adb.parsers  # noqa: F401
    import adb.pull  # noqa: F401
    import checks.knowledge  # noqa: F401
    import checks.registry  # noqa: F401
    import audit.budget  # noqa: F401
    import audit.pool  # noqa: F401


def _stop_pool(fut: "asyncio.Future") -> None:
    """Done-callback: shut down a process pool that finished starting too late."""
    if not fut.cancelled() and fut.exception() is None:
        fut.result().shutdown(wait=False, cancel_futures=True)


def _in_scope(pkg: PackageInfo, scope: str) -> bool:
    if not pkg.apk_paths:
        return False
    if scope == "all":
        return True
    if scope == "system":
        return pkg.system
    if scope == "third-party":
        return not pkg.system
    return False


class _PullCancelled(Exception):
    """Raised from the byte callback to stop a copy when the audit is cancelled."""


class _Safe:
    """Progress callback wrapper: a failing UI callback must not stop an audit."""

    def __init__(self, cb: ProgressCallback) -> None:
        self._cb = cb

    def __call__(self, event: Progress) -> None:
        try:
            self._cb(event)
        except Exception:
            pass


async def run_audit(
    *,
    serial: str | None = None,
    capture_in: Path | None = None,
    store: Store,
    knowledge=None,
    capture_out: Path | None = None,
    progress: ProgressCallback = ignore_progress,
    cancel: threading.Event | None = None,
    workers: int | None = None,
    pull_scope: str = "all",
) -> AuditResult:
    """Audit the phone `serial` (or re-analyse the capture folder `capture_in`).

    `capture_out` saves the raw capture (and the APK reports) for `--capture-in`.
    `cancel` (set from any thread) stops the audit at the next step; it then ends
    incomplete, "cancelled". `workers` caps the inspection processes (default: cores).
    """
    if (serial is None) == (capture_in is None):
        raise ValueError("run_audit needs exactly one of serial= or capture_in=")
    if pull_scope not in PULL_SCOPES:
        raise ValueError(f"pull_scope must be one of {PULL_SCOPES}")
    progress = _Safe(progress)
    cancel = cancel or threading.Event()
    # the audit's modules are imported lazily; importing them on the event loop would
    # freeze the UI for a tenth of a second, so they are imported in a thread first
    await asyncio.to_thread(_import_audit_modules)
    if knowledge is None:
        from checks import knowledge as kb

        knowledge = await asyncio.to_thread(kb.load)
    audit = _Audit(store, knowledge, progress, cancel, workers, pull_scope, capture_out)
    return await audit.run(serial=serial, capture_in=Path(capture_in) if capture_in else None)


class _Audit:
    """The state of one audit run (kept off the public API)."""

    def __init__(self, store, knowledge, progress, cancel, workers, scope, capture_out) -> None:
        self.store: Store = store
        self.knowledge = knowledge
        self.kbv: str = str(getattr(knowledge, "version", ""))
        self.progress = progress
        self.cancel: threading.Event = cancel
        self.workers = workers
        self.scope = scope
        self.capture_out = Path(capture_out) if capture_out else None
        self.problems: list[Problem] = []
        self.lost = False
        self.hashes: dict[str, str] = {}
        self.hash_errors: dict[str, str] = {}
        self.reports: dict[str, ApkReport] = {}  # sha -> usable report
        self.errors: dict[str, str] = {}  # sha -> why there is no report
        self.bytes_pulled = 0
        self.pulled = 0
        self.from_cache = 0
        self.uncached: dict[str, ApkReport] = {}  # sha -> report read from a capture
        self.queued = 0  # APKs found missing from the cache so far (to pull)

    # -- the whole run ---------------------------------------------------------------

    async def run(self, *, serial: str | None, capture_in: Path | None) -> AuditResult:
        started = utc_now()
        sidecar = None
        raw = None
        if capture_in is not None:
            from adb.capture import load_capture

            raw = await asyncio.to_thread(load_capture, capture_in)
            sidecar = apk_sidecar.load(capture_in)
            first_serial = raw.adb_serial
        else:
            first_serial = serial
        audit_id = await self.store.start_audit(
            DeviceInfo(adb_serial=first_serial), started_at=started, kb_version=self.kbv
        )
        snapshot = DeviceSnapshot(device=DeviceInfo(adb_serial=first_serial), complete=False)
        apks: dict[str, PackageApks] = {}
        findings: list[Finding] = []
        previous = None
        try:
            phone = None
            if raw is None:
                phone, raw = await self._collect(serial)
            if raw is not None:
                from adb.privacy import minimise_raw

                # personal fields reduced before anything is written (capture, history, reports)
                raw = minimise_raw(raw, (s.package for s in
                                         getattr(self.knowledge, "vendor_sms_services", ()) or ()))
                if self.capture_out is not None:
                    from adb.capture import save_capture

                    await asyncio.to_thread(save_capture, raw, self.capture_out)
                from adb.parsers.build_snapshot import build_snapshot

                # parsing hundreds of packages' output takes a while: off the event loop
                snapshot = await asyncio.to_thread(build_snapshot, raw)
                await self.store.save_snapshot(audit_id, snapshot)
                previous = await self.store.previous_audit(
                    snapshot.device.serial or snapshot.device.adb_serial, before=audit_id
                )
            packages = [p for p in snapshot.packages if _in_scope(p, self.scope)]
            if packages:
                if sidecar is not None:
                    await self._from_sidecar(sidecar, packages)
                elif phone is not None:
                    await self._hash_and_pull(phone, packages, audit_id)
                else:
                    await self._lookup_cache_for_capture(packages)
            apks, rows = self._package_apks(packages)
            await self.store.save_package_apks(audit_id, rows, self.uncached)
            if self.capture_out is not None:
                await asyncio.to_thread(
                    apk_sidecar.save, self.capture_out, kb_version=self.kbv, rows=rows,
                    reports=self.reports,
                )
            findings = await self._evaluate(snapshot, apks)
            await self.store.save_findings(audit_id, findings)
        except BaseException as exc:
            # unexpected (a bug, or the task itself cancelled by Ctrl-C): stop the
            # worker threads, close the audit as incomplete with what it had, then
            # let the error go on
            self.cancel.set()
            reason = "cancelled" if isinstance(exc, (asyncio.CancelledError, KeyboardInterrupt)) \
                else f"internal error: {type(exc).__name__}: {exc}"
            self.problems.append(Problem("phone-audit", reason))
            await asyncio.shield(self._finish(audit_id, snapshot, complete=False))
            raise
        complete = bool(raw is not None and raw.complete and snapshot.complete
                        and not self.lost and not self.cancel.is_set())
        if self.cancel.is_set():
            self.problems.append(Problem("phone-audit", "cancelled"))
        finished = await self._finish(audit_id, snapshot, complete=complete)
        return AuditResult(
            audit_id=audit_id,
            device=snapshot.device,
            snapshot=snapshot,
            apks=apks,
            findings=findings,
            complete=complete,
            problems=self._all_problems(snapshot),
            started_at=started,
            finished_at=finished,
            bytes_pulled=self.bytes_pulled,
            apks_from_cache=self.from_cache,
            kb_version=self.kbv,
            apks_pulled=self.pulled,
            previous=previous,
            cancelled=self.cancel.is_set(),
            apk_hashes=dict(self.hashes),
        )

    def _all_problems(self, snapshot: DeviceSnapshot) -> tuple[Problem, ...]:
        seen: list[Problem] = []
        for p in (*snapshot.problems, *self.problems):
            if p not in seen:
                seen.append(p)
        return tuple(seen)

    async def _finish(self, audit_id: int, snapshot: DeviceSnapshot, *, complete: bool) -> str:
        finished = utc_now()
        await self.store.finish_audit(
            audit_id, complete=complete, problems=self._all_problems(snapshot), finished_at=finished,
            bytes_pulled=self.bytes_pulled, apks_from_cache=self.from_cache,
        )
        return finished

    # -- steps -----------------------------------------------------------------------

    async def _collect(self, serial: str):
        """Open the phone and read it. Returns (phone or None, RawCapture or None)."""
        from adb.collect import collect
        from adb.connection import open_phone

        self.progress(Progress("connect", detail=serial))
        try:
            phone = await asyncio.to_thread(open_phone, serial)
        except _lost_exceptions() as exc:
            self.lost = True
            self.problems.append(Problem(f"adb -s {serial}", f"the phone could not be opened: {exc}"))
            return None, None
        raw = await asyncio.to_thread(collect, phone, self.progress, self.cancel.is_set)
        if not raw.complete:
            self.lost = self.lost or not self.cancel.is_set()
        return phone, raw

    async def _hash_and_pull(self, phone, packages: list[PackageInfo], audit_id: int) -> None:
        """Hash, look up the cache, pull and inspect as one pipeline: the phone
        hashes its APKs a batch at a time, and the APKs of a batch that the cache lacks
        are pulled while the phone hashes the next batch, so the cable is not idle
        while the phone reads a gigabyte of APKs."""
        from adb.pull import remote_sha256

        paths = sorted({p for pkg in packages for p in pkg.apk_paths})
        if self._stopping():
            return
        self.progress(Progress("hash", 0, len(paths)))
        queue: asyncio.Queue = asyncio.Queue()
        seen: set[str] = set()

        batches = [paths[i:i + HASH_BATCH] for i in range(0, len(paths), HASH_BATCH)]
        slots = asyncio.Semaphore(HASH_STREAMS)

        async def hash_batch(batch: list[str]) -> dict[str, str | None] | None:
            async with slots:
                if self._stopping():
                    return None
                return await asyncio.to_thread(remote_sha256, phone, batch)

        async def produce() -> None:
            # HASH_STREAMS batches hash at once (a phone has cores to spare); their
            # results are taken in path order, so the first path of a content wins
            tasks = [asyncio.create_task(hash_batch(b)) for b in batches]
            try:
                for batch, task in zip(batches, tasks):
                    try:
                        hashed = await task
                    except _lost_exceptions() as exc:
                        self._lose("sha256sum", exc)
                        return
                    if hashed is None:
                        return
                    # remote_sha256 gives None for a path the phone could not hash
                    got = {p: h for p, h in hashed.items() if h}
                    self.hashes.update(got)
                    for p in batch:
                        if p not in got:
                            self.hash_errors[p] = "the phone did not give its SHA-256"
                    self.progress(Progress("hash", len(self.hashes), len(paths)))
                    for path in batch:
                        sha = got.get(path)
                        if sha is None or sha in seen:
                            continue
                        seen.add(sha)
                        cached = await self.store.cache_get(sha, self.kbv)
                        if cached is not None:
                            self.reports[sha] = cached
                            self.from_cache += 1
                        else:
                            self.queued += 1
                            queue.put_nowait((sha, path))
            finally:
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                queue.put_nowait(None)

        producer = asyncio.create_task(produce())
        try:
            await self._pull_and_inspect(phone, audit_id, queue)
        except BaseException:
            producer.cancel()
            await asyncio.gather(producer, return_exceptions=True)
            raise
        await producer

    async def _lookup_cache_for_capture(self, packages: list[PackageInfo]) -> None:
        # a capture without APK reports: nothing can be hashed without the phone
        for pkg in packages:
            for path in pkg.apk_paths:
                self.hash_errors[path] = "not in the capture (no phone to read it from)"

    async def _from_sidecar(self, sidecar: dict[str, Any], packages: list[PackageInfo]) -> None:
        """Re-analysis of a capture: APK hashes and reports as saved with it; the
        cache is preferred when it holds the same APK for the current knowledge base."""
        for _pkg, _pos, path, sha, err in sidecar["apks"]:
            if sha:
                self.hashes[path] = sha
            elif err:
                self.hash_errors[path] = err
        saved: dict[str, ApkReport] = sidecar["reports"]
        stale = False
        for sha in sorted(set(self.hashes.values())):
            cached = await self.store.cache_get(sha, self.kbv)
            if cached is not None:
                self.reports[sha] = cached
                self.from_cache += 1
            elif sha in saved and saved[sha].sha256 == sha:
                self.reports[sha] = saved[sha]
                self.uncached[sha] = saved[sha]
                stale = stale or sidecar["kb_version"] != self.kbv
            else:
                self.errors[sha] = "not in the capture (no phone to pull it from)"
        if stale:
            self.problems.append(Problem(
                apk_sidecar.FILENAME,
                f"APK reports were made with knowledge base {sidecar['kb_version']!r}, "
                f"not the current {self.kbv!r}",
            ))

    async def _pull_and_inspect(self, phone, audit_id: int, queue: asyncio.Queue | None = None) -> None:
        """Pull the APKs the cache lacks, `PULL_STREAMS` at a time, while a process pool
        inspects the ones already pulled.

        `queue` gives (sha256, path) items as they are found, then None; without it,
        the APKs are those of `self.hashes` that have no report."""
        from adb.pull import pull_apk

        if queue is None:
            queue = asyncio.Queue()
            seen: set[str] = set()
            for path, sha in sorted(self.hashes.items()):
                if sha not in self.reports and sha not in seen:
                    seen.add(sha)
                    self.queued += 1
                    queue.put_nowait((sha, path))
            queue.put_nowait(None)
        first = await queue.get()
        if first is None:
            return
        if self._stopping():
            item = first
            while item is not None:
                self.errors[item[0]] = self._not_pulled_reason()
                item = await queue.get()
            return
        from audit.budget import BudgetedPool, InspectionTimeout
        from audit.pool import inspect_job

        tmp_root = self.store.folder / "tmp"
        from adb.locked import private_dir

        private_dir(tmp_root)  # mkdtemp below makes 0700 folders
        await self._sweep(tmp_root)
        tmp = Path(tempfile.mkdtemp(prefix=f"audit-{audit_id}-", dir=tmp_root))
        # workers start in a thread while the first pulls run: starting them blocks
        # (a BudgetedPool: an inspection past its time budget has its worker ended)
        pool_ready = asyncio.ensure_future(asyncio.to_thread(BudgetedPool, self.knowledge, self.workers))
        inspections: list[asyncio.Task] = []
        inspected = 0
        base_bytes = 0

        async def inspect(sha: str, local: Path, claim) -> None:
            nonlocal inspected
            try:
                pool = await asyncio.shield(pool_ready)
                report = await pool.run(inspect_job, str(local), sha)
            except InspectionTimeout as exc:  # not inspected: the checks that need it are inconclusive
                report = ApkReport(sha256=sha, error=f"could not inspect: {exc}", kb_version=self.kbv)
            except Exception as exc:  # a worker died: the APK is reported, not dropped
                report = ApkReport(sha256=sha, error=f"could not inspect: {type(exc).__name__}: {exc}",
                                   kb_version=self.kbv)
            finally:
                local.unlink(missing_ok=True)
            try:
                if report.error is None:
                    self.reports[sha] = report
                    await self.store.cache_put(report)
                else:
                    self.errors[sha] = report.error
            finally:
                await claim.release()
            inspected += 1
            self.progress(Progress("inspect", inspected, self.queued, detail=report.package or ""))

        # Several pulls at once (one sync stream each): the per-file round trips and
        # the local hash check of one file overlap with another file's transfer, so
        # the cable stays busy. Bytes are counted per file, then summed.
        slots = asyncio.Semaphore(PULL_STREAMS)
        lock = threading.Lock()
        flight: dict[str, int] = {}  # sha -> bytes of that file so far
        finished = {"files": 0, "bytes": 0}

        def bytes_now() -> int:
            with lock:
                return finished["bytes"] + sum(flight.values())

        async def pull(sha: str, path: str) -> None:
            # a shared store: another bench may be inspecting this very APK; wait for
            # its report rather than pull and inspect it twice (store.claim_apk)
            claim = await self.store.claim_apk(sha)
            handed_on = False
            try:
                cached = await self.store.cache_get(sha, self.kbv) if self.store.url else None
                if cached is not None:
                    self.reports[sha] = cached
                    self.from_cache += 1
                    return
                handed_on = await pull_claimed(sha, path, claim)
            finally:
                if not handed_on:
                    await claim.release()

        async def pull_claimed(sha: str, path: str, claim) -> bool:
            """Pull one APK; True once its inspection (which releases `claim`) is started."""
            async with slots:
                if self._stopping():
                    self.errors[sha] = self._not_pulled_reason()
                    return False
                self.progress(Progress("pull", finished["files"], self.queued, bytes_now(), 0, detail=path))

                def on_bytes(done: int, _sha=sha, _path=path) -> None:
                    # `done` counts this file's bytes so far; a cancel stops mid-file
                    if self.cancel.is_set():
                        raise _PullCancelled()
                    with lock:
                        flight[_sha] = int(done)
                    self.bytes_pulled = bytes_now()
                    self.progress(Progress("pull", finished["files"], self.queued, self.bytes_pulled, 0, detail=_path))

                result = None
                try:
                    # pull_apk retries a failed copy once itself; a lost phone is not retried
                    result = await asyncio.to_thread(pull_apk, phone, path, tmp, sha, on_bytes)
                except _PullCancelled:
                    self.errors[sha] = self._not_pulled_reason()
                except _lost_exceptions() as exc:
                    self.errors[sha] = f"not pulled: the phone was lost ({exc})"
                    self._lose(f"pull {path}", exc)
                finally:
                    ok = result is not None and result.error is None and result.local is not None
                    with lock:
                        flight.pop(sha, None)
                        finished["files"] += 1
                        if ok:
                            finished["bytes"] += int(result.size or 0)
                    self.bytes_pulled = bytes_now()
                if result is None:
                    return False
                if not ok:
                    self.errors[sha] = f"could not pull: {result.error}"
                    self.problems.append(Problem(f"adb pull {path}", f"the copy failed twice: {result.error}"))
                    return False
                self.pulled += 1
                inspections.append(asyncio.create_task(inspect(sha, Path(result.local), claim)))
                return True

        pending: list[tuple[str, str] | None] = [first]
        ended = False

        async def next_item() -> tuple[str, str] | None:
            nonlocal ended
            if pending:
                return pending.pop()
            if ended:
                return None
            item = await queue.get()
            if item is None:
                ended = True
                queue.put_nowait(None)  # for the other pullers waiting on the queue
            return item

        async def puller() -> None:
            while (item := await next_item()) is not None:
                await pull(*item)

        try:
            await asyncio.gather(*(puller() for _ in range(PULL_STREAMS)))
            base_bytes = self.bytes_pulled
            self.progress(Progress("pull", self.queued, self.queued, base_bytes, 0))
            if inspections:
                await asyncio.gather(*inspections)
        finally:
            for t in inspections:
                t.cancel()
            # joining the workers takes a while: not on the event loop, unless this
            # task is being cancelled again, when only a synchronous stop is sure
            pool = None
            try:
                pool = await asyncio.shield(pool_ready)
                await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
            except asyncio.CancelledError:
                if pool is not None:
                    pool.shutdown(wait=True, cancel_futures=True)
                else:
                    pool_ready.add_done_callback(_stop_pool)
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            except Exception:  # the pool never started: nothing to stop
                pass
            await asyncio.to_thread(shutil.rmtree, tmp, ignore_errors=True)

    async def _sweep(self, tmp_root: Path) -> None:
        """Remove pull folders left by audits that are no longer running (a crash)."""
        for folder in tmp_root.glob("audit-*-*"):
            try:
                audit = int(folder.name.split("-")[1])
            except (IndexError, ValueError):
                continue
            row = await self.store.fetchone("SELECT status FROM audits WHERE id = ?", (audit,))
            if row is None or row[0] != "running":
                await asyncio.to_thread(shutil.rmtree, folder, True)

    def _stopping(self) -> bool:
        return self.lost or self.cancel.is_set()

    def _not_pulled_reason(self) -> str:
        if self.cancel.is_set():
            return "not pulled: the audit was cancelled"
        return "not pulled: the phone was lost"

    def _lose(self, command: str, exc: BaseException) -> None:
        if not self.lost:
            self.problems.append(Problem(command, f"the phone was lost: {exc or type(exc).__name__}"))
        self.lost = True

    def _package_apks(self, packages: list[PackageInfo]):
        """Per package: its reports (base first) and the APKs it could not have."""
        apks: dict[str, PackageApks] = {}
        rows: list[tuple[str, int, str, str | None, str | None]] = []
        for pkg in packages:
            reports: list[ApkReport] = []
            failures: list[tuple[str, str]] = []
            for pos, path in enumerate(pkg.apk_paths):
                sha = self.hashes.get(path)
                err: str | None = None
                if sha is None:
                    err = self.hash_errors.get(path) or (
                        "not read: the audit was cancelled" if self.cancel.is_set()
                        else "not read: the phone was lost")
                elif sha in self.reports:
                    reports.append(self.reports[sha])
                else:
                    err = self.errors.get(sha, "not inspected")
                if err is not None:
                    failures.append((path, err))
                rows.append((pkg.name, pos, path, sha, err))
            apks[pkg.name] = PackageApks(pkg.name, tuple(reports), tuple(failures))
        return apks, rows

    async def _evaluate(self, snapshot: DeviceSnapshot, apks: dict[str, PackageApks]) -> list[Finding]:
        from model.audit_input import AuditInput
        from checks.registry import evaluate_all

        self.progress(Progress("evaluate"))
        return list(await asyncio.to_thread(evaluate_all, AuditInput(snapshot, apks, self.knowledge)))

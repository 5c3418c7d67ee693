"""Run one audit end to end, without any UI: `await run_audit(...)` -> `AuditResult`.

collect (thread) -> build_snapshot -> store the snapshot and inventory -> the APK stage
(`audit.apk_pipeline`: hash every APK in scope on the phone, look it up in the APK
cache, pull and inspect what is missing, cache the reports) -> evaluate every check ->
store the findings.

Facts are stored as they are produced: the audit row exists ("running") before the
phone is read, and is closed "complete" or "incomplete" at the end. A phone lost
mid-way, a dead adb server or a cancel stops the reading; what was gathered is still
evaluated (checks say "inconclusive" where APKs are missing), stored and returned,
marked incomplete with the reason. An audit is complete only when every fact every
check needs was read: the ledger of commands and the state of every APK in scope
(`AuditInput.apk_states`). Only unexpected errors propagate, after the audit row has
been closed as incomplete.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from adb.progress import Progress, ProgressCallback, ignore_progress
from model.snapshot import DeviceInfo, DeviceSnapshot, PackageInfo, Problem
from model.apk_report import ApkReport, PackageApks
from adb import ledger
from model.findings import Finding, Status
from model.timestamps import utc_now
from store import Store
from audit import acceptance, apk_sidecar
from store.history import device_key
from audit.apk_pipeline import ApkPipeline, ApkResults, apk_facts

#: APKs pulled and inspected: "all" (system and third-party), "system", "third-party", "none"
PULL_SCOPES = ("all", "system", "third-party", "none")


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
    #: the phone's own number of this audit (#1 for its first); audit_id is global
    audit_number: int | None = None
    #: "phone", or "capture" for a capture file analysed again (dated by the capture)
    source: str = "phone"

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


#: seconds between two progress events of one stage that only move its bytes or detail
COALESCE_S = 0.05


class _Safe:
    """Progress callback wrapper: a failing UI callback must not stop an audit, and a
    flood must not reach it. The pulls report every 64 KB chunk (600 events a second
    at USB 2, each a call into the UI from a pull thread); an event that changes
    nothing but bytes or detail is passed on at most every COALESCE_S per stage. A new
    stage, a new step count and every verdict event always pass. Called from any thread."""

    def __init__(self, cb: ProgressCallback) -> None:
        self._cb = cb
        self._lock = threading.Lock()
        self._last: dict[str, tuple[int, int, float]] = {}  # stage -> done, total, when passed

    def __call__(self, event: Progress) -> None:
        if not (event.findings or event.provisional):
            now = time.monotonic()
            with self._lock:
                prev = self._last.get(event.stage)
                if prev is not None and prev[:2] == (event.done, event.total) and now - prev[2] < COALESCE_S:
                    return
                self._last[event.stage] = (event.done, event.total, now)
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
        self.lost_exceptions = _lost_exceptions()
        #: what the APK stage learnt (hashes, reports, failures, ledger facts)
        self.apks = ApkResults()

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
            # a re-analysis is dated by the capture, when the phone was read
            started = raw.started_at or started
        else:
            first_serial = serial
        source = "phone" if capture_in is None else "capture"
        audit_id = await self.store.start_audit(
            DeviceInfo(adb_serial=first_serial), started_at=started, kb_version=self.kbv,
            source=source,
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

                # personal fields reduced before anything is written (capture, history, reports);
                # in a thread: it rewrites every output of the capture (megabytes of text)
                vendors = tuple(s.package for s in getattr(self.knowledge, "vendor_sms_services", ()) or ())
                raw = await asyncio.to_thread(minimise_raw, raw, vendors)
                if self.capture_out is not None:
                    from adb.capture import save_capture

                    await asyncio.to_thread(save_capture, raw, self.capture_out)
                from adb.parsers.build_snapshot import build_snapshot

                # parsing hundreds of packages' output takes a while: off the event loop
                snapshot = await asyncio.to_thread(build_snapshot, raw)
                # the first verdicts are judged (in a thread) while the snapshot is stored
                await asyncio.gather(self._first_verdicts(snapshot), self.store.save_snapshot(audit_id, snapshot))
                previous = await self.store.previous_audit(
                    snapshot.device.serial or snapshot.device.adb_serial, before=audit_id
                )
            packages = [p for p in snapshot.packages if _in_scope(p, self.scope)]
            if packages:
                if sidecar is not None:
                    await self._from_sidecar(sidecar, packages)
                elif phone is not None:
                    await self._with_live_verdicts(snapshot, packages, self._hash_and_pull(
                        phone, packages, audit_id, snapshot.device.build_fingerprint))
                else:
                    await self._lookup_cache_for_capture(packages)
            apks, rows = self._package_apks(packages)
            apk_states = self._apk_states(snapshot, packages)
            snapshot = self._with_apk_facts(snapshot)
            await self.store.save_package_apks(audit_id, rows, self.apks.uncached)
            if self.capture_out is not None:
                await asyncio.to_thread(
                    apk_sidecar.save, self.capture_out, kb_version=self.kbv, rows=rows,
                    reports=self.apks.reports,
                )
            findings = await self._evaluate(snapshot, apks, apk_states)
            findings = await acceptance.apply_stored(self.store, device_key(snapshot.device), findings)
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
        # complete means every fact every check needs was read: a check given less
        # lists what it lacked (`Finding.missing`, from the ledger and the APK states)
        unread = list(dict.fromkeys(m["fact"] for f in findings for m in f.missing))
        if complete and unread:
            complete = False
            shown = ", ".join(unread[:5]) + (f" and {len(unread) - 5} more" if len(unread) > 5 else "")
            self.problems.append(Problem("phone-audit", f"{len(unread)} facts the checks need were not read: {shown}"))
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
            bytes_pulled=self.apks.bytes_pulled,
            apks_from_cache=self.apks.from_cache,
            kb_version=self.kbv,
            apks_pulled=self.apks.pulled,
            previous=previous,
            cancelled=self.cancel.is_set(),
            apk_hashes=dict(self.apks.hashes),
            audit_number=await self.store.audit_number(audit_id),
            source=source,
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
            bytes_pulled=self.apks.bytes_pulled, apks_from_cache=self.apks.from_cache,
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

    async def _hash_and_pull(self, phone, packages: list[PackageInfo], audit_id: int,
                             fingerprint: str | None = None) -> None:
        """The APK stage against the phone: hash (or reuse the digests of files unchanged
        for this build fingerprint), look up, pull, inspect, store."""
        await ApkPipeline(self, phone, audit_id, fingerprint).run(packages)

    async def _with_live_verdicts(self, snapshot: DeviceSnapshot, packages: list[PackageInfo], stage) -> None:
        """Run the APK stage `stage` (a coroutine) while its checks are judged again on the
        reports in so far, every `audit.live.INTERVAL` s when an APK was settled since,
        and sent as "apk-verdicts" progress events (`audit.live`: never a PASS)."""
        from audit import live

        total = sum(len(p.apk_paths) for p in packages)
        done = asyncio.Event()

        async def judge_now(last: int) -> int:
            seen = live.Seen.of(self.apks)
            n = seen.count(packages)
            if n != last:
                found = await asyncio.to_thread(live.judge, seen, snapshot, packages, self.knowledge)
                self.progress(Progress("apk-verdicts", n, total, provisional=found))
            return n

        async def judge_often() -> None:
            last = await judge_now(-1)
            while not done.is_set():
                try:
                    await asyncio.wait_for(done.wait(), live.INTERVAL)
                except TimeoutError:
                    last = await judge_now(last)

        watcher = asyncio.create_task(judge_often())
        try:
            await stage
        finally:
            done.set()
            try:
                await watcher
            except Exception:  # noqa: BLE001 - a provisional view must never cost the audit
                pass

    async def _lookup_cache_for_capture(self, packages: list[PackageInfo]) -> None:
        # a capture without APK reports: nothing can be hashed without the phone
        for pkg in packages:
            for path in pkg.apk_paths:
                self.apks.fail_path(path, ledger.NOT_REACHED, "not in the capture (no phone to read it from)")

    async def _from_sidecar(self, sidecar: dict[str, Any], packages: list[PackageInfo]) -> None:
        """Re-analysis of a capture: APK hashes and reports as saved with it; the
        cache is preferred when it holds the same APK for the current knowledge base."""
        res = self.apks
        for _pkg, _pos, path, sha, err in sidecar["apks"]:
            if sha:
                res.hashes[path] = sha
            elif err:
                res.hash_errors[path] = err
        saved: dict[str, ApkReport] = sidecar["reports"]
        stale = False
        for sha in sorted(set(res.hashes.values())):
            cached = await self.store.cache_get(sha, self.kbv)
            if cached is not None:
                res.reports[sha] = cached
                res.from_cache += 1
            elif sha in saved and saved[sha].sha256 == sha:
                res.reports[sha] = saved[sha]
                res.uncached[sha] = saved[sha]
                stale = stale or sidecar["kb_version"] != self.kbv
            else:
                res.fail_sha(sha, ledger.NOT_REACHED, "not in the capture (no phone to pull it from)")
        if stale:
            self.problems.append(Problem(
                apk_sidecar.FILENAME,
                f"APK reports were made with knowledge base {sidecar['kb_version']!r}, "
                f"not the current {self.kbv!r}",
            ))

    def stopping(self) -> bool:
        """The audit is to stop reading the phone (cancelled, or the phone lost)."""
        return self.lost or self.cancel.is_set()

    def not_pulled_reason(self) -> str:
        if self.cancel.is_set():
            return "not pulled: the audit was cancelled"
        return "not pulled: the phone was lost"

    def lose(self, command: str, exc: BaseException) -> None:
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
                res = self.apks
                sha = res.hashes.get(path)
                err: str | None = None
                if sha is None:
                    err = res.hash_errors.get(path) or (
                        "not read: the audit was cancelled" if self.cancel.is_set()
                        else "not read: the phone was lost")
                elif sha in res.reports:
                    reports.append(res.reports[sha])
                else:
                    err = res.errors.get(sha, "not inspected")
                if err is not None:
                    failures.append((path, err))
                rows.append((pkg.name, pos, path, sha, err))
            apks[pkg.name] = PackageApks(pkg.name, tuple(reports), tuple(failures))
        return apks, rows

    def _apk_states(self, snapshot: DeviceSnapshot, packages: list[PackageInfo]) -> dict[str, str]:
        """Package -> ledger state of its APKs, for every package with APKs: those in
        scope as the APK stage left them, the others "skipped"."""
        from adb.allowlist import quote_argv
        from adb.ledger import Fact

        apk_facts(self.apks, packages)
        in_scope = {p.name for p in packages}
        for pkg in snapshot.packages:
            if pkg.apk_paths and pkg.name not in in_scope:
                key = ledger.apk_key(pkg.name)
                self.apks.facts[key] = Fact(key, ledger.SKIPPED, quote_argv(("pm", "path", pkg.name)),
                                            f"the audit's scope was {self.scope!r}")
        keys = {p.name: ledger.apk_key(p.name) for p in snapshot.packages}
        return {name: self.apks.facts[k].state for name, k in keys.items() if k in self.apks.facts}

    def _with_apk_facts(self, snapshot: DeviceSnapshot) -> DeviceSnapshot:
        """The snapshot with the APK stage's facts added to its ledger (a snapshot
        without a ledger is not policed, and stays so)."""
        if not snapshot.facts:
            return snapshot
        return replace(snapshot, facts={**snapshot.facts, **self.apks.facts})

    async def _first_verdicts(self, snapshot: DeviceSnapshot) -> None:
        """The checks that need no APK (`CheckMeta.apk_scope == "none"`), judged as soon
        as the phone is read and reported as a "verdicts" progress event, so a person
        sees them while the APKs are pulled. Only shown: the stored findings are those
        of `_evaluate` after the APK stage (their words may then name apps by label)."""
        from model.audit_input import AuditInput
        from checks.registry import CHECKS, run_one

        def judge() -> list[Finding]:
            inp = AuditInput(snapshot, {}, self.knowledge, apk_states={})
            return [run_one(m, inp) for m in CHECKS if m.META.apk_scope == "none"]

        early = await asyncio.to_thread(judge)
        self.progress(Progress("verdicts", len(early), len(CHECKS), findings=tuple(early)))

    async def _evaluate(self, snapshot: DeviceSnapshot, apks: dict[str, PackageApks],
                        apk_states: dict[str, str]) -> list[Finding]:
        from model.audit_input import AuditInput
        from checks.registry import evaluate_all

        self.progress(Progress("evaluate"))
        inp = AuditInput(snapshot, apks, self.knowledge, apk_states=apk_states)
        return list(await asyncio.to_thread(evaluate_all, inp))

"""The APK stage of one audit: hash, look up the cache, pull, inspect, store.

`ApkPipeline(audit, phone, audit_id).run(packages)` reads the APKs of `packages` into
`audit.apks` (an `ApkResults`). The steps overlap so the cable is never idle while the
phone reads a gigabyte of APKs:

1. `hash`: the phone gives the SHA-256 of its APKs, `HASH_BATCH` paths per
   `sha256sum`, `HASH_STREAMS` batches at once;
2. `look_up`: each new SHA-256 is looked up in the APK cache; what the cache lacks is
   queued, while the phone hashes the next batch;
3. `pull`: `PULL_STREAMS` copies at once (one sync stream each), the bytes counted for
   the progress bar;
4. `inspect`: each copy goes to the process's one inspection pool, shared with the
   other audits running in it (`audit.shared_pool`; `audit.budget.BudgetedPool`: an
   inspection past its time budget has its worker ended) while the next is pulled;
5. `store`: the report goes to the cache and to the audit.

The phone is not trusted to name its APKs' contents. Its `sha256sum` only says which
report to reuse; a report is used for a package only when the APK's own manifest names
that package. When the phone gives a package the digest of another package's APK (a
cached report of a clean app, or the APK of another package in this audit), that APK is
pulled without the phone's digest, hashed here from its own bytes, inspected and judged
on them, and the disagreement is kept as a `Problem` of the audit.

Every command sent for an APK (`sha256sum PATH`, `pull PATH`) gets a ledger fact
(`adb.ledger.hash_fact`, `pull_fact`) and every package one "apk PKG" fact: read, refused,
timed out, not reached (cancelled, phone lost), not inspected. `AuditInput.apk_states`
carries them, so a check whose APKs were not all read cannot pass.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from adb import ledger
from adb.ledger import Fact
from adb.progress import Progress
from model.apk_report import ApkReport
from model.snapshot import PackageInfo, Problem

#: APK copies in flight at once (one adb sync stream each)
PULL_STREAMS = 3
#: APK paths hashed per `sha256sum` round trip while earlier ones are pulled
HASH_BATCH = 16
#: `sha256sum` batches running at once on the phone
HASH_STREAMS = 2


@dataclass
class ApkResults:
    """What the APK stage learnt, filled in as it goes."""

    #: APK path -> the SHA-256 its report is found under (the phone's, or ours when the
    #: phone was not believed)
    hashes: dict[str, str] = field(default_factory=dict)
    #: APK path -> why it has no hash
    hash_errors: dict[str, str] = field(default_factory=dict)
    #: SHA-256 -> usable report
    reports: dict[str, ApkReport] = field(default_factory=dict)
    #: SHA-256 -> why there is no report
    errors: dict[str, str] = field(default_factory=dict)
    #: APK path or SHA-256 -> ledger state of the failure in `hash_errors` / `errors`
    states: dict[str, str] = field(default_factory=dict)
    #: SHA-256 -> report read from a capture, not (yet) in the cache
    uncached: dict[str, ApkReport] = field(default_factory=dict)
    #: ledger facts of the commands sent for APKs, by key
    facts: dict[str, Fact] = field(default_factory=dict)
    #: APK path -> the SHA-256 the phone claimed for it and that was not believed
    disputed: dict[str, str] = field(default_factory=dict)
    bytes_pulled: int = 0
    pulled: int = 0
    from_cache: int = 0
    #: APKs found missing from the cache so far (to pull)
    queued: int = 0

    def fail_path(self, path: str, state: str, why: str) -> None:
        self.hash_errors[path] = why
        self.states[path] = state

    def fail_sha(self, sha: str, state: str, why: str) -> None:
        self.errors[sha] = why
        self.states[sha] = state

    def path_state(self, path: str) -> tuple[str, str]:
        """(ledger state, why) of one APK path once the stage is over."""
        sha = self.hashes.get(path)
        if sha is None:
            why = self.hash_errors.get(path, "")
            return self.states.get(path, ledger.NOT_REACHED), why
        if sha in self.reports:
            return ledger.READ, ""
        why = self.errors.get(sha, "not inspected")
        default = ledger.NOT_INSPECTED if why.startswith("could not inspect") else ledger.NOT_REACHED
        return self.states.get(sha, default), why


class _PullCancelled(Exception):
    """Raised from the byte callback to stop a copy when the audit is cancelled."""


class _NoClaim:
    """The claim of an APK pulled without the phone's digest (not known before the copy)."""

    async def release(self) -> None:
        return None


@dataclass(frozen=True)
class _Item:
    """One APK to pull: its path, and the SHA-256 to expect (None: not believed)."""

    path: str
    sha: str | None


class _Bytes:
    """Bytes copied so far over all pulls (each pull thread reports its own file)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flight: dict[str, int] = {}  # path -> bytes of that file so far
        self.files = 0
        self._done = 0

    def now(self) -> int:
        with self._lock:
            return self._done + sum(self._flight.values())

    def update(self, path: str, done: int) -> None:
        with self._lock:
            self._flight[path] = int(done)

    def finish(self, path: str, size: int | None) -> None:
        with self._lock:
            self._flight.pop(path, None)
            self.files += 1
            self._done += int(size or 0)


class ApkPipeline:
    """The APK stage of one audit (see the module docstring for the steps).

    `audit` is the runner's `_Audit`: its store, knowledge base, progress callback,
    cancel event, worker count and problem list, `stopping()` and `lose()`, and
    `apks`, the `ApkResults` this fills in."""

    def __init__(self, audit, phone, audit_id: int) -> None:
        self.audit = audit
        self.phone = phone
        self.audit_id = audit_id
        self.results: ApkResults = audit.apks
        self.store = audit.store
        self.kbv: str = audit.kbv
        self.queue: asyncio.Queue = asyncio.Queue()
        #: APK path -> the package it belongs to
        self.owner: dict[str, str] = {}
        #: SHA-256 -> the package whose APK the phone first said had it
        self.sha_owner: dict[str, str] = {}
        self.seen: set[str] = set()
        self.bytes = _Bytes()
        self.inspections: list[asyncio.Task] = []
        self.inspected = 0
        #: this audit's hold on the process's inspection pool (audit.shared_pool)
        self.pool = None
        self.tmp: Path | None = None
        # Several pulls at once (one sync stream each): the per-file round trips and the
        # local hash check of one file overlap with another file's transfer
        self._slots = asyncio.Semaphore(PULL_STREAMS)

    # -- the whole stage -------------------------------------------------------------

    async def run(self, packages: list[PackageInfo]) -> None:
        self.owner = {path: pkg.name for pkg in packages for path in pkg.apk_paths}
        paths = sorted(self.owner)
        if not self.audit.stopping():
            self.audit.progress(Progress("hash", 0, len(paths)))
            producer = asyncio.create_task(self._hash_all(paths))
            try:
                await self._pull_all()
            except BaseException:
                producer.cancel()
                await asyncio.gather(producer, return_exceptions=True)
                raise
            await producer
        self._package_facts(packages)

    # -- 1. hash ---------------------------------------------------------------------

    async def _hash_all(self, paths: list[str]) -> None:
        """Hash every path, a batch at a time, and look each new digest up; then tell
        the pullers that nothing more is coming (None on the queue)."""
        batches = [paths[i:i + HASH_BATCH] for i in range(0, len(paths), HASH_BATCH)]
        slots = asyncio.Semaphore(HASH_STREAMS)
        # HASH_STREAMS batches hash at once (a phone has cores to spare); their results
        # are taken in path order, so the first path of a content wins
        tasks = [asyncio.create_task(self._hash(batch, slots)) for batch in batches]
        try:
            for batch, task in zip(batches, tasks):
                try:
                    hashed = await task
                except self.audit.lost_exceptions as exc:
                    self.audit.lose("sha256sum", exc)
                    return
                if hashed is None:
                    return
                for path in batch:
                    sha = hashed.get(path)
                    if sha is not None:
                        await self._look_up(path, sha)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.queue.put_nowait(None)

    async def _hash(self, batch: list[str], slots: asyncio.Semaphore) -> dict[str, str] | None:
        """The phone's SHA-256 of each path of `batch` (None when the audit stops first);
        every path gets its `sha256sum` ledger fact."""
        from adb.pull import remote_sha256_answers

        async with slots:
            if self.audit.stopping():
                return None
            digests, answers = await asyncio.to_thread(remote_sha256_answers, self.phone, batch)
        got = {p: h for p, h in digests.items() if h}
        res = self.results
        res.hashes.update(got)
        for path in batch:
            if path in got:
                res.facts[ledger.hash_fact(path, ledger.READ).key] = ledger.hash_fact(path, ledger.READ)
                continue
            out = answers.get(path)
            state, detail = ledger.state_of(out) if out is not None else (
                ledger.UNRECOGNISED, "not an APK location")
            if state == ledger.READ:  # the answer came, without a line for this path
                state, detail = ledger.UNRECOGNISED, "no digest for this path in the answer"
            elif state == ledger.UNSUPPORTED:
                # every Android has sha256sum: "No such file" is a listed APK that is not there
                state = ledger.UNRECOGNISED
            res.fail_path(path, state, "the phone did not give its SHA-256" + (f" ({detail})" if detail else ""))
            res.facts[ledger.hash_fact(path, state).key] = ledger.hash_fact(path, state, detail)
        self.audit.progress(Progress("hash", len(res.hashes), len(self.owner)))
        return got

    # -- 2. look up ------------------------------------------------------------------

    async def _look_up(self, path: str, sha: str) -> None:
        """Reuse a report of `sha` if it is this package's APK, else queue a pull."""
        pkg = self.owner[path]
        first = self.sha_owner.setdefault(sha, pkg)
        if first != pkg:
            # one content cannot be two packages' APKs: a manifest names one package
            self._distrust(path, sha, f"the phone gave {pkg} the SHA-256 of the APK of {first}")
            return
        if sha in self.seen:
            return
        self.seen.add(sha)
        cached = await self.store.cache_get(sha, self.kbv)
        if cached is not None and not self._names(cached, pkg):
            self.seen.discard(sha)
            self._distrust(path, sha, f"the phone gave {pkg} the SHA-256 of a cached APK of {cached.package}")
            return
        if cached is not None:
            self.results.reports[sha] = cached
            self.results.from_cache += 1
            return
        self.results.queued += 1
        self.queue.put_nowait(_Item(path, sha))

    @staticmethod
    def _names(report: ApkReport, pkg: str) -> bool:
        """The report's manifest names `pkg` (or names nothing we could read)."""
        return report.package is None or report.package == pkg

    def _distrust(self, path: str, sha: str, why: str) -> None:
        """Pull `path` without the phone's digest and judge it on its own bytes."""
        self._dispute(path, sha, why)
        self.results.queued += 1
        self.queue.put_nowait(_Item(path, None))

    def _dispute(self, path: str, sha: str, why: str) -> None:
        """Forget the phone's digest of `path`; the disagreement is a problem of the audit."""
        self.results.hashes.pop(path, None)
        self.results.disputed[path] = sha
        self.audit.problems.append(Problem(
            ledger.hash_fact(path, ledger.READ).command,
            f"{why}; its APK is pulled and judged on its own bytes, not on that digest"))

    # -- 3. pull ---------------------------------------------------------------------

    async def _pull_all(self) -> None:
        """Pull what the cache lacks, `PULL_STREAMS` at a time, then wait for the
        inspections; the process pool and the pull folder live as long as this."""
        first = await self.queue.get()
        if first is None:
            return
        if self.audit.stopping():
            item = first
            while item is not None:
                self._not_pulled(item, self.audit.not_pulled_reason())
                item = await self.queue.get()
            return
        await self._open_workspace()
        pending: list[_Item] = [first]
        ended = False

        async def next_item() -> _Item | None:
            nonlocal ended
            if pending:
                return pending.pop()
            if ended:
                return None
            item = await self.queue.get()
            if item is None:
                ended = True
                self.queue.put_nowait(None)  # for the other pullers waiting on the queue
            return item

        async def puller() -> None:
            while (item := await next_item()) is not None:
                await self._pull(item)

        try:
            await asyncio.gather(*(puller() for _ in range(PULL_STREAMS)))
            self.audit.progress(Progress("pull", self.results.queued, self.results.queued,
                                         self.results.bytes_pulled, 0))
            if self.inspections:
                await asyncio.gather(*self.inspections)
        finally:
            for t in self.inspections:
                t.cancel()
            await self._close_workspace()

    async def _pull(self, item: _Item) -> None:
        """Claim, pull and hand one APK to its inspection."""
        if item.sha is None:
            await self._copy(item, _NoClaim())
            return
        # a shared store: another bench may be inspecting this very APK; wait for its
        # report rather than pull and inspect it twice (store.claim_apk)
        claim = await self.store.claim_apk(item.sha)
        handed_on = False
        try:
            cached = await self.store.cache_get(item.sha, self.kbv) if self.store.url else None
            if cached is not None and self._names(cached, self.owner[item.path]):
                self.results.reports[item.sha] = cached
                self.results.from_cache += 1
                return
            if cached is not None:
                # the other bench's report names another package: the copy decides
                self._dispute(item.path, item.sha, f"the phone gave {self.owner[item.path]} the "
                              f"SHA-256 of a cached APK of {cached.package}")
                item = _Item(item.path, None)
            handed_on = await self._copy(item, claim)
        finally:
            if not handed_on:
                await claim.release()

    async def _copy(self, item: _Item, claim) -> bool:
        """Copy one APK; True once its inspection (which releases `claim`) is started."""
        from adb.pull import pull_apk

        res, audit = self.results, self.audit
        async with self._slots:
            if audit.stopping():
                self._not_pulled(item, audit.not_pulled_reason())
                return False
            audit.progress(Progress("pull", self.bytes.files, res.queued, self.bytes.now(), 0, detail=item.path))

            def on_bytes(done: int) -> None:
                # `done` counts this file's bytes so far; a cancel stops mid-file
                if audit.cancel.is_set():
                    raise _PullCancelled()
                self.bytes.update(item.path, done)
                res.bytes_pulled = self.bytes.now()
                audit.progress(Progress("pull", self.bytes.files, res.queued, res.bytes_pulled, 0,
                                        detail=item.path))

            result = None
            try:
                # pull_apk retries a failed copy once itself; a lost phone is not retried
                result = await asyncio.to_thread(pull_apk, self.phone, item.path, self.tmp, item.sha, on_bytes)
            except _PullCancelled:
                self._not_pulled(item, audit.not_pulled_reason())
            except audit.lost_exceptions as exc:
                self._not_pulled(item, f"not pulled: the phone was lost ({exc})")
                audit.lose(f"pull {item.path}", exc)
            finally:
                ok = result is not None and result.error is None and result.local is not None
                self.bytes.finish(item.path, result.size if ok else 0)
                res.bytes_pulled = self.bytes.now()
            if result is None:
                return False
            if not ok:
                why = f"could not pull: {result.error}"
                self._not_pulled(item, why, ledger.REFUSED, result.error or "")
                audit.problems.append(Problem(f"adb pull {item.path}", f"the copy failed twice: {result.error}"))
                return False
            res.pulled += 1
            sha = result.sha256 or item.sha
            res.facts[ledger.pull_fact(item.path, ledger.READ).key] = ledger.pull_fact(item.path, ledger.READ)
            if item.sha is None:
                # judged on its own bytes: the digest computed here from the copy
                res.hashes[item.path] = sha
                audit.problems.append(Problem(
                    f"adb pull {item.path}",
                    f"the copy has SHA-256 {sha}; the phone said {res.disputed.get(item.path, '?')}"))
            self.inspections.append(asyncio.create_task(self._inspect(item.path, sha, Path(result.local), claim)))
            return True

    def _not_pulled(self, item: _Item, why: str, state: str | None = None, detail: str = "") -> None:
        if state is None:
            state = ledger.NOT_REACHED
            detail = why
        if item.sha is not None:
            self.results.fail_sha(item.sha, state, why)
        else:
            self.results.fail_path(item.path, state, why)
        fact = ledger.pull_fact(item.path, state, detail)
        self.results.facts[fact.key] = fact

    # -- 4. inspect ------------------------------------------------------------------

    async def _inspect(self, path: str, sha: str, local: Path, claim) -> None:
        """Inspect one pulled APK in the pool; a failure is a report with an error."""
        from audit.budget import InspectionTimeout
        from audit.pool import inspect_job

        try:
            report = await self.pool.run(inspect_job, str(local), sha)
        except InspectionTimeout as exc:  # not inspected: the checks that need it are inconclusive
            report = ApkReport(sha256=sha, error=f"could not inspect: {exc}", kb_version=self.kbv)
        except Exception as exc:  # a worker died: the APK is reported, not dropped
            report = ApkReport(sha256=sha, error=f"could not inspect: {type(exc).__name__}: {exc}",
                               kb_version=self.kbv)
        finally:
            local.unlink(missing_ok=True)
        try:
            await self._store(path, sha, report)
        finally:
            await claim.release()
        self.inspected += 1
        self.audit.progress(Progress("inspect", self.inspected, self.results.queued, detail=report.package or ""))

    # -- 5. store --------------------------------------------------------------------

    async def _store(self, path: str, sha: str, report: ApkReport) -> None:
        """Keep a usable report (and cache it), or why there is none."""
        if report.error is not None:
            self.results.fail_sha(sha, ledger.NOT_INSPECTED, report.error)
            return
        self.results.reports[sha] = report
        await self.store.cache_put(report)
        pkg = self.owner[path]
        if not self._names(report, pkg):
            # the bytes are the phone's own: judged as they are, the mismatch said
            self.audit.problems.append(Problem(
                f"adb pull {path}", f"the APK of {pkg} names the package {report.package} in its manifest"))

    # -- the pool and the pull folder ------------------------------------------------

    async def _open_workspace(self) -> None:
        from adb.locked import private_dir
        from audit import shared_pool

        tmp_root = self.store.folder / "tmp"
        private_dir(tmp_root)  # mkdtemp below makes 0700 folders
        await self._sweep(tmp_root)
        self.tmp = Path(tempfile.mkdtemp(prefix=f"audit-{self.audit_id}-", dir=tmp_root))
        # the process's one inspection pool, shared with the other audits running in it
        # (its workers start in a thread while the first pulls run)
        self.pool = shared_pool.lease(self.audit.knowledge, self.audit.workers)

    async def _close_workspace(self) -> None:
        # the last audit out joins the workers: not on the event loop, unless this task
        # is being cancelled again, when only a synchronous stop is sure
        try:
            if self.pool is not None:
                await self.pool.release()
        except asyncio.CancelledError:
            self.pool.release_now()
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        except Exception:  # the pool never started: nothing to stop
            pass
        await asyncio.to_thread(shutil.rmtree, self.tmp, ignore_errors=True)

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

    # -- the ledger ------------------------------------------------------------------

    def _package_facts(self, packages: list[PackageInfo]) -> None:
        """Paths the audit stopped before hashing get their `sha256sum` fact."""
        res = self.results
        for path in self.owner:
            key = ledger.hash_fact(path, ledger.READ).key
            if key not in res.facts and path not in res.hashes and path not in res.disputed:
                res.facts[key] = ledger.hash_fact(path, ledger.NOT_REACHED, self.audit.not_pulled_reason())


def apk_facts(res: ApkResults, packages: list[PackageInfo]) -> None:
    """One "apk PKG" fact per package: read when every APK of it has a report, else
    the state of its first APK that has none (with the command that would show it)."""
    for pkg in packages:
        fact = Fact(ledger.apk_key(pkg.name), ledger.READ, ledger.hash_fact(pkg.apk_paths[0], "").command
                    if pkg.apk_paths else "pm path " + pkg.name)
        for path in pkg.apk_paths:
            state, why = res.path_state(path)
            if state != ledger.READ:
                # the command that would show what is missing: the inspection of a copy
                # that could not be inspected, else the pull that failed, else the hash
                via = res.facts.get(ledger.pull_fact(path, "").key)
                if state == ledger.NOT_INSPECTED:
                    command = ledger.inspect_fact(path, state)
                elif via is not None and not via.read:
                    command = via
                else:
                    command = ledger.hash_fact(path, state)
                fact = Fact(fact.key, state, command.command, why, via=command.via)
                break
        res.facts[fact.key] = fact

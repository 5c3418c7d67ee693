"""The APK stage of one audit: hash, look up the cache, pull, inspect, store.

`ApkPipeline(audit, phone, audit_id).run(packages)` reads the APKs of `packages` into
`audit.apks` (an `ApkResults`). The steps overlap so the cable is never idle while the
phone reads a gigabyte of APKs:

1. `hash`: the phone's `stat` of every APK (inode, size, mtime; a few round trips)
   and the build fingerprint find the files whose SHA-256 an earlier audit verified
   and that are unchanged (`store.apk_digests`): their digest is reused. The phone
   gives the SHA-256 of the others, `HASH_BATCH` paths per `sha256sum`,
   `HASH_STREAMS` batches at once. The digests verified in this audit are remembered
   at its end (never one the phone was caught lying about);
2. `look_up`: the new digests are looked up in the APK cache, one query per batch;
   what the cache lacks is queued, while the phone hashes the next batch;
3. `pull`: `PULL_STREAMS` copies at once (one sync stream each), biggest first (the
   sizes `stat` gave, else sync STAT), the bytes counted for the progress bar and
   hashed as they arrive;
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

Every command sent for an APK (`stat -c ... PATH`, `sha256sum PATH`, `pull PATH`) gets
a ledger fact (`adb.ledger.stat_fact`, `hash_fact`, `pull_fact`) and every package one
"apk PKG" fact: read, refused, timed out, not reached (cancelled, phone lost), not
inspected. `AuditInput.apk_states`
carries them, so a check whose APKs were not all read cannot pass.
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import shutil
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
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
    #: APK paths whose SHA-256 was reused from an earlier audit (its `stat` unchanged)
    via_stat: set[str] = field(default_factory=set)
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


class _BiggestFirst:
    """The APKs waiting to be pulled, handed out biggest first; `take` waits for more
    until `close`, then gives None.

    An APK can be taken before its size is known (`add` without sizes, `sized` later):
    a puller never waits for the sizes, it takes the oldest unsized APK when no sized
    one is waiting."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, _Item]] = []
        self._unsized: dict[int, _Item] = {}  # id -> item, in the order they came
        self._seq = 0  # ties keep the order the look-ups queued them in
        self._closed = False
        self._changed = asyncio.Event()

    def add(self, items: list[_Item], sizes: list[int] | None = None) -> None:
        if sizes is None:
            self._unsized.update((id(i), i) for i in items)
        else:
            for item, size in zip(items, sizes):
                heapq.heappush(self._heap, (-size, self._seq, item))
                self._seq += 1
        self._changed.set()

    def sized(self, items: list[_Item], sizes: list[int]) -> None:
        """The sizes of items given to `add` without them; those not taken yet move into
        the size order."""
        for item, size in zip(items, sizes):
            if self._unsized.pop(id(item), None) is not None:
                heapq.heappush(self._heap, (-size, self._seq, item))
                self._seq += 1

    def close(self) -> None:
        self._closed = True
        self._changed.set()

    async def take(self) -> _Item | None:
        while not self._heap and not self._unsized:
            if self._closed:
                return None
            self._changed.clear()
            await self._changed.wait()
        if self._heap:
            return heapq.heappop(self._heap)[2]
        return self._unsized.pop(next(iter(self._unsized)))


class ApkPipeline:
    """The APK stage of one audit (see the module docstring for the steps).

    `audit` is the runner's `_Audit`: its store, knowledge base, progress callback,
    cancel event, worker count and problem list, `stopping()` and `lose()`, and
    `apks`, the `ApkResults` this fills in."""

    def __init__(self, audit, phone, audit_id: int, fingerprint: str | None = None) -> None:
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
        #: the phone's build fingerprint: with it, files unchanged since an earlier audit
        #: reuse its digest (`_reuse_known`); without it every APK is hashed
        self.fingerprint = fingerprint
        #: APK path -> what the phone's `stat` said of it (`adb.parsers.apk_stat.FileStat`)
        self.stats: dict = {}
        #: APK path -> (inode, size, mtime, SHA-256) remembered for this fingerprint
        self.known: dict[str, tuple[int, int, int, str]] = {}
        # Several pulls at once (one sync stream each): the per-file round trips and the
        # local hash check of one file overlap with another file's transfer
        self._slots = asyncio.Semaphore(PULL_STREAMS)

    # -- the whole stage -------------------------------------------------------------

    async def run(self, packages: list[PackageInfo]) -> None:
        self.owner = {path: pkg.name for pkg in packages for path in pkg.apk_paths}
        #: APK path -> the version code the package manager gives its package
        self.versions = {path: pkg.version_code for pkg in packages for path in pkg.apk_paths}
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
            await self._remember()
        self._package_facts(packages)

    async def _remember(self) -> None:
        """Remember, for the next audit, the SHA-256 of each file hashed in this one whose
        report was found or made (its digest verified: a cached report naming its package,
        or the copy hashed here), by what `stat` said of it. Digests the phone gave and
        that were not believed are not remembered (the next audit hashes them again),
        nor are files whose digest was itself reused (their row is already there)."""
        if not self.fingerprint or not self.stats:
            return
        res = self.results
        rows = []
        for path, st in self.stats.items():
            sha = res.hashes.get(path)
            if sha is None or sha not in res.reports or path in res.disputed or path in res.via_stat:
                continue
            if self.known.get(path) == (st.inode, st.size, st.mtime, sha):
                continue
            rows.append((path, st.inode, st.size, st.mtime, sha))
        await self.store.remember_digests(self.fingerprint, rows)

    # -- 1. hash ---------------------------------------------------------------------

    async def _hash_all(self, paths: list[str]) -> None:
        """Reuse the digests of files unchanged since an earlier audit (`_reuse_known`),
        hash every other path, a batch at a time, and look the new digests up; then
        tell the pullers that nothing more is coming (None on the queue)."""
        tasks: list[asyncio.Task] = []
        try:
            todo = await self._reuse_known(paths)
            if todo is None:
                return
            batches = [todo[i:i + HASH_BATCH] for i in range(0, len(todo), HASH_BATCH)]
            slots = asyncio.Semaphore(HASH_STREAMS)
            # HASH_STREAMS batches hash at once (a phone has cores to spare); their results
            # are taken in path order, so the first path of a content wins
            tasks = [asyncio.create_task(self._hash(batch, slots)) for batch in batches]
            for batch, task in zip(batches, tasks):
                try:
                    hashed = await task
                except self.audit.lost_exceptions as exc:
                    self.audit.lose("sha256sum", exc)
                    return
                if hashed is None:
                    return
                await self._look_up_many([(path, hashed[path]) for path in batch if path in hashed])
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.queue.put_nowait(None)

    async def _reuse_known(self, paths: list[str]) -> list[str] | None:
        """Ask the phone's `stat` about every path (a few round trips, no file read) and
        reuse the SHA-256 an earlier audit verified for each file whose build fingerprint,
        path, inode, size and mtime are all the same (`store.apk_digests`); the paths
        left (new, changed, no usable `stat` answer, no fingerprint) are returned, to be
        hashed with `sha256sum` as before. None when the phone was lost.

        Every path asked gets its `stat` ledger fact: read (reused, or changed and so
        hashed), or why there is no answer (then its `sha256sum` fact says the rest)."""
        from adb.pull import remote_stat_answers

        if not self.fingerprint or not paths or self.audit.stopping():
            return paths
        try:
            stats, answers = await _phone_io(remote_stat_answers, self.phone, paths)
        except self.audit.lost_exceptions as exc:
            self.audit.lose("stat", exc)
            return None
        self.stats = stats
        known = await self.store.known_digests(self.fingerprint, list(stats)) if stats else {}
        res, todo, reused = self.results, [], []
        for path in paths:
            st = stats.get(path)
            if st is None:
                out = answers.get(path)
                state, detail = ledger.state_of(out) if out is not None else (
                    ledger.UNRECOGNISED, "not an APK location")
                if state == ledger.READ:  # the answer came, without a usable line for this path
                    state, detail = ledger.UNRECOGNISED, "no usable line for this path in the answer"
                fact = ledger.stat_fact(path, state, (detail + "; " if detail else "") + "hashed with sha256sum")
                todo.append(path)
            elif (k := known.get(path)) is not None and k[:3] == (st.inode, st.size, st.mtime):
                reused.append((path, k[3]))
                fact = ledger.stat_fact(path, ledger.READ, f"unchanged since an audit verified its SHA-256 "
                                        f"{k[3]} (same build fingerprint, inode, size and mtime)")
            else:
                fact = ledger.stat_fact(path, ledger.READ, "new or changed since the last audit: hashed with sha256sum")
                todo.append(path)
            res.facts[fact.key] = fact
        reused, cached = await self._same_version(reused, res, todo)
        for path, sha in reused:
            res.hashes[path] = sha
            res.via_stat.add(path)
        self.known = known
        self.audit.progress(Progress("hash", len(res.hashes), len(self.owner)))
        await self._look_up_many(reused, cached)
        again = set(todo)
        return [path for path in paths if path in again]  # in path order, as hashed before

    async def _same_version(self, reused: list[tuple[str, str]], res: ApkResults, todo: list[str]
                            ) -> tuple[list[tuple[str, str]], dict[str, ApkReport]]:
        """The reused digests whose cached report's manifest gives the version code the
        package manager gives for the package now, and the cache's reports of all of them
        (read once, for the look-up too); the others are hashed again (added to `todo`).
        `stat` and `dumpsys package` come from different parts of the phone: an app
        updated in place with the same size and mtime is caught here."""
        if not reused:
            return reused, {}
        cached = await self.store.cache_get_many([sha for _path, sha in reused], self.kbv)
        kept = []
        for path, sha in reused:
            report, now = cached.get(sha), self.versions.get(path)
            then = report.version_code if report is not None else None
            if then is not None and now is not None and then != now:
                fact = ledger.stat_fact(path, ledger.READ, f"stat unchanged, but the package manager gives version "
                                        f"{now} and the file remembered was version {then}: hashed with sha256sum")
                res.facts[fact.key] = fact
                todo.append(path)
                continue
            kept.append((path, sha))
        return kept, cached

    async def _hash(self, batch: list[str], slots: asyncio.Semaphore) -> dict[str, str] | None:
        """The phone's SHA-256 of each path of `batch` (None when the audit stops first);
        every path gets its `sha256sum` ledger fact."""
        from adb.pull import remote_sha256_answers

        async with slots:
            if self.audit.stopping():
                return None
            digests, answers = await _phone_io(remote_sha256_answers, self.phone, batch)
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

    async def _look_up_many(self, pairs: list[tuple[str, str]],
                            cached: dict[str, ApkReport] | None = None) -> None:
        """`_look_up` each (path, SHA-256) in order, the cache read in one query for all
        (or `cached`, the cache's answer for these digests already read)."""
        if not pairs:
            return
        if cached is None:
            wanted = [sha for _path, sha in pairs if sha not in self.seen]
            cached = await self.store.cache_get_many(wanted, self.kbv) if wanted else {}
        for path, sha in pairs:
            self._look_up(path, sha, cached)

    def _look_up(self, path: str, sha: str, cached_reports: dict[str, ApkReport]) -> None:
        """Reuse a report of `sha` (from `cached_reports`, the cache's answer for it) if
        it is this package's APK, else queue a pull."""
        pkg = self.owner[path]
        first = self.sha_owner.setdefault(sha, pkg)
        if first != pkg:
            # one content cannot be two packages' APKs: a manifest names one package
            self._distrust(path, sha, f"the phone gave {pkg} the SHA-256 of the APK of {first}")
            return
        if sha in self.seen:
            return
        self.seen.add(sha)
        cached = cached_reports.get(sha)
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
        order = _BiggestFirst()

        async def sizer() -> None:
            # what the look-ups queued so far is sized (sync STAT) and handed to the
            # pullers biggest first, so the last copies, and the last inspections after
            # the cable is done, are small ones
            batch, ended = [first], False
            try:
                while True:
                    while not self.queue.empty():
                        item = self.queue.get_nowait()
                        if item is None:
                            ended = True
                            break
                        batch.append(item)
                    if batch and all(i.path in self.stats for i in batch):
                        # the phone's `stat` (step 1) already gave every size
                        order.add(batch, [self.stats[i.path].size for i in batch])
                    elif batch:
                        # takeable at once; sized (one sync STAT each) while the pulls run
                        order.add(batch)
                        order.sized(batch, await _phone_io(self._sizes, [i.path for i in batch]))
                    if ended:
                        return
                    item = await self.queue.get()
                    if item is None:
                        return
                    batch = [item]
            finally:
                order.close()

        async def puller() -> None:
            while (item := await order.take()) is not None:
                await self._pull(item)

        try:
            await asyncio.gather(sizer(), *(puller() for _ in range(PULL_STREAMS)))
            self.audit.progress(Progress("pull", self.results.queued, self.results.queued,
                                         self.results.bytes_pulled, 0))
            if self.inspections:
                await asyncio.gather(*self.inspections)
        finally:
            for t in self.inspections:
                t.cancel()
            await self._close_workspace()

    def _sizes(self, paths: list[str]) -> list[int]:
        """The size the phone gives for each path (sync STAT); 0 when it gives none.
        Only the order of the pulls depends on it: a failure here is not a problem."""
        out = []
        for path in paths:
            if path in self.stats:  # the shell `stat` of step 1 said it
                out.append(self.stats[path].size)
                continue
            try:
                st = self.phone.gate.stat(path)
            except Exception:  # a lost phone: the pull itself will say so
                st = None
            out.append(st[1] if st else 0)
        return out

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
                result = await _phone_io(pull_apk, self.phone, item.path, self.tmp, item.sha, on_bytes)
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
            # in a thread: ext4 takes ~100 ms to free a 200 MB copy, on the event loop
            await asyncio.to_thread(local.unlink, missing_ok=True)
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
        first = pkg.apk_paths[0] if pkg.apk_paths else None
        # what showed the APK: `stat` when its digest was reused, else `sha256sum`
        shown_by = ledger.stat_fact if first in res.via_stat else ledger.hash_fact
        fact = Fact(ledger.apk_key(pkg.name), ledger.READ, shown_by(first, "").command
                    if first is not None else "pm path " + pkg.name)
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


#: the threads that wait on phones (stat, sha256sum, pulls): their own, not the event
#: loop's default executor, which has cores + 4 threads (6 here): four phones at once
#: make 8 sha256sum waits and 12 pulls, which queued behind each other there. Threads
#: that wait cost no CPU.
_PHONE_IO_THREADS = 64
_phone_io_pool: ThreadPoolExecutor | None = None
_phone_io_lock = threading.Lock()


async def _phone_io(fn, *args):
    """`fn(*args)` in a phone I/O thread (see `_PHONE_IO_THREADS`)."""
    global _phone_io_pool
    with _phone_io_lock:
        if _phone_io_pool is None:
            _phone_io_pool = ThreadPoolExecutor(_PHONE_IO_THREADS, thread_name_prefix="phone-io")
    return await asyncio.get_running_loop().run_in_executor(_phone_io_pool, functools.partial(fn, *args))

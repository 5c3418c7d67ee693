"""What the app needs from the rest of phone-audit, behind one object.

`Backend` is handed to the App in its constructor (tests give it a private database;
`phone-audit --demo` gives it a simulated phone to start). Blocking methods
(`list_devices`, `watch_devices`, `start_simulated`, `stop_simulated`, `export`) are
called from thread workers; the async ones from the app's event loop (the store is
aiosqlite and belongs to that loop). Nothing here imports textual.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import threading
from pathlib import Path
from typing import Any, Callable

from adb.progress import ProgressCallback, ignore_progress


class Backend:
    """The adb server, the simulated phones, the audit runner and the history store."""

    def __init__(self, db_path: str | os.PathLike[str] | None = None, *,
                 pull_scope: str = "all", workers: int | None = None) -> None:
        self.db_path = db_path
        self.pull_scope = pull_scope
        self.workers = workers
        self._store = None
        self._phones: dict[str, Any] = {}  # serial -> SimulatedPhone started here
        self._lock = threading.Lock()

    @staticmethod
    def prepare_processes() -> None:
        """Start multiprocessing's fork server and resource tracker now, before the
        app runs. Textual swaps sys.stderr for an object whose fileno() is -1, and the
        resource tracker passes sys.stderr.fileno() to the process it starts: started
        inside the app, the audit's inspection pool fails with "bad value(s) in
        fds_to_keep". Started here, both are reused by `audit.pool`."""
        import multiprocessing

        if "forkserver" not in multiprocessing.get_all_start_methods():
            from multiprocessing import resource_tracker

            resource_tracker.ensure_running()
            return
        from multiprocessing import forkserver

        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["checks.inspect", "audit.pool"])
        forkserver.ensure_running()

    # -- history -------------------------------------------------------------------

    async def store(self):
        """The history store, opened on first use in the calling event loop."""
        if self._store is None:
            from store import Store

            self._store = await Store.open(self.db_path)
        return self._store

    async def close(self) -> None:
        if self._store is not None:
            await self._store.close()
            self._store = None

    async def history(self, device_key: str) -> list[dict[str, Any]]:
        """Audits of this phone, newest first (`Store.list_audits` summaries)."""
        return await (await self.store()).list_audits(device_key)

    async def stored_report(self, audit_id: int) -> dict[str, Any] | None:
        return await (await self.store()).get_audit(audit_id)

    async def diff(self, before: int, after: int) -> dict[str, Any]:
        """The store's check-by-check diff, plus `apps`: the inventory diff
        (`audit.inventory_diff`) of the two stored reports."""
        from audit.inventory_diff import diff_apps

        store = await self.store()
        d = await store.diff(before, after)
        return {**d, "apps": diff_apps(await store.get_audit(before), await store.get_audit(after))}

    async def accept(self, audit_id: int, check: str, reason: str) -> dict[str, Any]:
        """Accept a finding of this audit for its phone (`audit.acceptance.accept`);
        returns the finding as now stored."""
        from audit import acceptance

        return await acceptance.accept(await self.store(), audit_id, check, reason,
                                       by=acceptance.default_by())

    async def withdraw(self, audit_id: int, check: str) -> dict[str, Any] | None:
        """Withdraw the phone's acceptance of `check`; the audit's finding as now stored."""
        from audit import acceptance

        return (await acceptance.withdraw(await self.store(), audit_id, check))[1]

    # -- phones --------------------------------------------------------------------

    def list_devices(self):
        """Every device the adb server sees (blocking; starts the server if needed)."""
        from adb import connection

        return connection.list_devices()

    def watch_devices(self, on_change: Callable[[list], None], stop: threading.Event) -> None:
        """Call `on_change(entries)` on every plug/unplug until `stop` (blocking)."""
        from adb import connection

        connection.watch_devices(connection.adb_client(), on_change, stop)

    @staticmethod
    def profiles() -> list[tuple[str, str]]:
        """(name, description) of the built-in simulated phones."""
        from simulator.profile import builtin_profiles

        return builtin_profiles()

    def simulated_serials(self) -> set[str]:
        with self._lock:
            return set(self._phones)

    def start_simulated(self, profile: str | os.PathLike[str], timeout: float = 30) -> str:
        """Start a simulated phone, `adb connect` it, wait until adb calls it ready;
        returns its serial (blocking). It is stopped by `stop_simulated`."""
        from adb import connection
        from simulator import SimulatedPhone

        phone = SimulatedPhone(profile).start()
        with self._lock:
            self._phones[phone.serial] = phone
        if connection.connect_and_wait(connection.adb_client(), phone.serial, timeout):
            return phone.serial
        raise RuntimeError(f"the simulated phone {phone.serial} did not become ready in adb")

    def stop_simulated(self) -> None:
        """Disconnect and stop every simulated phone started here (blocking)."""
        from adb import connection

        with self._lock:
            phones, self._phones = dict(self._phones), {}
        if not phones:
            return
        try:
            client = connection.adb_client()
        except Exception:  # the adb server is gone: nothing to disconnect from
            client = None
        for serial, phone in phones.items():
            if client is not None:
                try:
                    client.disconnect(serial)
                except Exception:  # already gone
                    pass
            phone.stop()

    # -- audits --------------------------------------------------------------------

    async def audit(self, serial: str, progress: ProgressCallback = ignore_progress,
                    cancel: threading.Event | None = None):
        """Run one audit (`audit.runner.run_audit`) and return its `AuditResult`."""
        # imported in a thread: the first import of the audit's modules takes 1-3 s on a
        # busy 2-core machine, which on the event loop would freeze the app (issue 20)
        runner = await asyncio.to_thread(importlib.import_module, "audit.runner")
        run_audit = runner.run_audit

        return await run_audit(serial=serial, store=await self.store(), progress=progress,
                               cancel=cancel, workers=self.workers, pull_scope=self.pull_scope)

    @staticmethod
    def export(report: dict[str, Any], folder: str | os.PathLike[str], stem: str) -> tuple[Path, Path]:
        """Write `<folder>/<stem>.json` and `.html` (blocking); returns both paths."""
        from audit.reports import html_report, json_report

        base = Path(folder).expanduser()
        j = json_report.write_report(report, base / f"{stem}.json")
        h = html_report.write_report(report, base / f"{stem}.html")
        return j, h

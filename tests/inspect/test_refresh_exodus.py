"""`python -m checks.knowledge.refresh --exodus FILE` on a real Exodus export (mobsf 4.4.0).

Expected values come from the export itself (read here with json, not through the
refresh code) and from the rules the refresh promises: no id is ever deleted or renamed,
new Exodus trackers are added, upstream removals are marked withdrawn.
"""

from __future__ import annotations

import json
import shutil
import tomllib

import pytest

from checks.knowledge import DATA_DIR, DATA_FILES, load_from
from checks.knowledge.refresh import main as refresh_main
from support.exodus import exodus_export

TODAY = "2026-12-01"


@pytest.fixture(scope="module")
def export():
    path = exodus_export()  # raises (test fails) when PyPI is unreachable
    return path, json.loads(path.read_text(encoding="utf-8"))["trackers"]


def _copy_data(dest):
    for name in DATA_FILES:
        shutil.copy(DATA_DIR / name, dest / name)


def _parts(signature: str) -> set[str]:
    """The `|` parts of an Exodus signature, unescaped: what a person reads in the export."""
    return {p.strip().lstrip("^").replace("\\.", ".") for p in signature.split("|") if p.strip()}


def test_shipped_base_holds_every_exodus_code_signature(export):
    _, trackers = export
    kb = load_from(DATA_DIR)
    by_exodus = {t.exodus_id: t for t in kb.trackers if t.exodus_id}
    with_code = {int(k): v for k, v in trackers.items() if v["code_signature"]}
    assert len(with_code) == 429
    assert set(with_code) <= set(by_exodus)
    for number, entry in with_code.items():
        t = by_exodus[number]
        ours = set(t.namespaces) | set(t.contains)
        for part in _parts(entry["code_signature"]):
            # each part is ours as written, or covered by a shorter part of the same entry
            assert part in ours or any(part.startswith(o) for o in ours), (t.id, part)


def test_refresh_of_the_shipped_base_changes_nothing(export, tmp_path, capsys):
    path, _ = export
    _copy_data(tmp_path)
    assert refresh_main(["--exodus", str(path), "--out", str(tmp_path), "--date", TODAY]) == 0
    assert (tmp_path / "trackers.toml").read_text() == (DATA_DIR / "trackers.toml").read_text()
    out = capsys.readouterr().out
    assert "added 0:" in out and "signatures changed 0:" in out and "withdrawn 0:" in out


def test_refresh_adds_new_keeps_ids_and_withdraws_removed(export, tmp_path, capsys):
    """A base that lacks some Exodus trackers and holds one Exodus no longer lists."""
    path, trackers = export
    _copy_data(tmp_path)
    doc = tomllib.loads((DATA_DIR / "trackers.toml").read_text())
    rows = doc["tracker"]
    # drop the Exodus entries 400 and up (as if the base predated them)
    dropped = {r["id"] for r in rows if r.get("exodus_id", 0) >= 400}
    assert dropped
    rows = [r for r in rows if r["id"] not in dropped]
    # an entry linked to an Exodus number that the export does not have
    assert "99999" not in trackers
    rows.append({"id": "tracker.gone-sdk", "name": "Gone SDK", "categories": ["analytics"],
                 "namespaces": ["com.gone.sdk."], "source": "https://reports.exodus-privacy.eu.org/en/trackers/99999/",
                 "exodus_id": 99999})
    from checks.knowledge.refresh import TRACKERS_HEADER, dump_tables

    (tmp_path / "trackers.toml").write_text(dump_tables(TRACKERS_HEADER, "tracker", rows))
    before = load_from(tmp_path)
    assert refresh_main(["--exodus", str(path), "--out", str(tmp_path), "--date", TODAY]) == 0
    after = load_from(tmp_path)
    report = capsys.readouterr().out

    before_ids = {t.id for t in before.trackers}
    after_ids = {t.id for t in after.trackers}
    assert before_ids <= after_ids  # nothing deleted or renamed
    assert after_ids - before_ids == dropped  # the new ones come back under their slugs
    assert f"added {len(dropped)}:" in report
    for t in before.trackers:  # no existing tracker's signature changed
        a = after.tracker(t.id)
        assert (a.namespaces, a.contains, a.excludes) == (t.namespaces, t.contains, t.excludes), t.id
    gone = after.tracker("tracker.gone-sdk")
    assert gone.withdrawn == TODAY and "withdrawn 1: tracker.gone-sdk" in report
    # the entries of other sources and tracker.crashlytics survive
    assert after.tracker("tracker.crashlytics").exodus_id == 27
    for tid in ("tracker.umeng-common", "tracker.youmi", "tracker.xiaomi-push", "tracker.huawei-ads",
                "tracker.getui", "tracker.kuaishou-ads", "tracker.wechat-sdk"):
        assert after.tracker(tid) is not None, tid
    # a renamed upstream entry keeps its id; the new name's id is an alias
    assert after.tracker("tracker.bugly").id == "tracker.tencent-bugly"

"""Caps on hits per APK and evidence per finding (checks/hit_caps.py), with the counts
of what was left out (inspect_apk applying the hit cap: tests/inspect/test_inspect_apk.py)."""

from __future__ import annotations

from model.apk_report import Hit
from model.findings import Evidence, Finding, Severity, Status


def _hit(id_: str, file: str) -> Hit:
    return Hit(id=id_, name=id_, kind="class", value="a.B", file=file)


def test_merge_hits_keeps_three_files_per_id_and_counts_the_rest():
    from checks.hit_caps import merge_hits

    hits = [_hit("t.a", f"classes{i}.dex") for i in range(1, 8)] + [_hit("t.b", "classes5.dex")]
    kept, cut = merge_hits(hits)
    # written by hand: t.a in 7 files -> the first 3 kept, 4 cut; t.b kept
    assert [(h.id, h.file) for h in kept] == [("t.a", "classes1.dex"), ("t.a", "classes2.dex"),
                                              ("t.a", "classes3.dex"), ("t.b", "classes5.dex")]
    assert cut == 4


def test_cap_evidence_says_how_many_more_and_keeps_the_count_in_json():
    from checks.hit_caps import cap_evidence

    ev = tuple(Evidence("pm", f"app {i}") for i in range(250))
    f = Finding(check="apps.x", title="X", category="apps", status=Status.FAIL,
                severity=Severity.HIGH, summary="s", evidence=ev)
    capped = cap_evidence(f)
    assert len(capped.evidence) == 100
    assert capped.evidence[98].detail == "app 98"
    assert capped.evidence[99].detail == "and 151 more evidence lines (left out of this report)"
    assert capped.evidence_cut == 151
    d = capped.to_dict()
    assert d["evidence_cut"] == 151 and len(d["evidence"]) == 100
    assert Finding.from_dict(d) == capped
    small = Finding(check="apps.x", title="X", category="apps", status=Status.PASS,
                    severity=Severity.INFO, summary="s", evidence=ev[:100])
    assert cap_evidence(small) is small and "evidence_cut" not in small.to_dict()



def test_missing_facts_are_capped_and_counted(f):
    """50,000 unread apps (the many-packages phone made a 233 MB report of them): a
    finding keeps 100 rows of `missing` and counts the rest."""
    from checks.apps import trackers
    from checks.needs import MAX_MISSING, enforce
    from model.findings import Status

    packages = [f.pkg(f"com.example.app{i}") for i in range(250)]
    inp = f.inp(f.snap(packages))
    inp = type(inp)(snapshot=inp.snapshot, apks={}, knowledge=inp.knowledge,
                    apk_states={p.name: "unrecognised" for p in packages})
    r = enforce(trackers.META, trackers.evaluate(inp), inp)
    assert r.status is Status.INCONCLUSIVE
    assert len(r.missing) == MAX_MISSING == 100 and r.missing_cut == 150
    assert r.to_dict()["missing_cut"] == 150
    assert type(r).from_dict(r.to_dict()).missing_cut == 150

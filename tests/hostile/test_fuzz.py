"""Bounded fuzzing of what reads phone data, filling the gaps left by
tests/device/test_parsers_hypothesis.py (every adb parser, build_snapshot) and
tests/inspect/test_dex_unit.py (read_dex on random and mutated bytes):

- the gate's batch splitter on outputs that forge markers;
- `adb devices -l` parsing (device names come from the phone);
- the SMS row parser against the simulator's own renderer (a round trip);
- `sha256sum` output and capture loading with a tampered manifest;
- the DEX reader on mutations of valid DEX files;
- the AXML/zip path: `inspect_apk` (androguard) on mutated synthesized APKs;
- the terminal and HTML renderings of arbitrary text.

Each test has a fixed example budget (`FUZZ`) so the suite stays bounded in CI.
"""

from __future__ import annotations

import html
import html.parser
import io
import json
import random
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adb.capture import CaptureError, RawCapture, RawOutput, load_capture, save_capture
from adb.connection import parse_devices_l
from adb.gate import CommandResult, split_batch
from adb.parsers.content import parse_content_query
from adb.pull import parse_sha256sum

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

anytext = st.text(alphabet=st.characters(codec="utf-8"), max_size=80)
anybytes = st.binary(max_size=300)


@FUZZ
@given(outs=st.lists(st.tuples(anybytes, anybytes), min_size=1, max_size=6), cut=st.integers(0, 4000),
       forged=st.lists(st.integers(0, 9), max_size=4))
def test_batch_split_never_raises_and_keeps_one_result_per_command(outs, cut, forged):
    nonce = "0123456789abcdef"
    lines = [f"cmd{i}" for i in range(len(outs))]
    out, err = b"", b""
    for i, (o, e) in enumerate(outs):
        # the phone prints markers of its own, with a guessed nonce and a real one
        junk = b"".join(b"PAMARK_%s_%d_0\n" % (b"fedcba9876543210", k) for k in forged)
        out += o + junk + f"PAMARK_{nonce}_{i}_{i % 3}\n".encode()
        err += e + f"PAMARK_{nonce}_{i}\n".encode()
    whole = CommandResult("batch", out[:cut] if cut < len(out) else out, err, 0, "t", 0.0)
    results = split_batch(whole, lines, nonce)
    assert [r.command for r in results] == lines
    for i, r in enumerate(results):
        if r.error is None:
            assert r.stdout.startswith(outs[i][0]) and r.exit_code == i % 3


@FUZZ
@given(text=st.one_of(anytext, st.lists(st.sampled_from(
    ["127.0.0.1:5601", "device", "unauthorized", "no permissions", "product:x", "model:\x1b[2J",
     "usb:1-1", "transport_id:3", "\n", " ", "\t", "offline", "features:a,b"]), max_size=20).map(" ".join)))
def test_devices_list_parser_never_raises(text):
    for entry in parse_devices_l(text):
        assert entry.serial and entry.transport in ("usb", "tcp")
        entry.describe()


_COLUMNS = ("_id", "thread_id", "address", "date", "type", "read", "seen", "creator")
_VALUE = st.lists(st.sampled_from(list("ab1 ,=\n:_+") + ["Row: ", ", type=", "\nRow: 0 _id=", ", creator="]),
                  max_size=12).map("".join)


@FUZZ
@given(rows=st.lists(st.fixed_dictionaries({c: _VALUE for c in _COLUMNS}), max_size=4))
def test_sms_rows_round_trip(rows):
    """Rows printed as `content query` prints them (`Row: N k=v, k=v`, values raw) come
    back intact, whatever the values hold, unless a value forges the exact header of
    the next row (an ambiguity of the format itself, see SECURITY.md)."""
    for r in rows:
        r["_id"] = r["_id"].replace("\n", " ")
    text = "".join(f"Row: {n} " + ", ".join(f"{c}={r[c]}" for c in _COLUMNS) + "\n"
                   for n, r in enumerate(rows))
    res = parse_content_query(text, _COLUMNS, b"")
    assert res.error is None
    forged = any(f"\nRow: {k} _id=" in "\n" + ", ".join(r.values()) for r in rows for k in range(len(rows) + 1))
    if forged:
        return
    assert len(res.rows) == len(rows)
    # `date=, type=, type=` reads two ways: a value holding `, <column>=` is ambiguous too
    ambiguous = any(f", {c}=" in ", " + v or v.endswith("\n") for r in rows for v in r.values() for c in _COLUMNS)
    if not ambiguous:
        assert [dict(r) for r in res.rows] == rows


@FUZZ
@given(data=anybytes, paths=st.lists(st.text(max_size=20), max_size=3))
def test_sha256sum_parser_only_returns_asked_paths(data, paths):
    got = parse_sha256sum(data, paths)
    assert set(got) <= set(paths)
    assert all(len(v) == 64 for v in got.values())


@settings(max_examples=40, deadline=None)
@given(key=st.sampled_from(["schema", "outputs", "file", "sha256", "complete", "problems", "exit_code"]),
       value=st.one_of(st.none(), st.integers(), anytext, st.lists(st.integers(), max_size=2)))
def test_capture_with_a_tampered_manifest_is_refused_not_crashed(tmp_path_factory, key, value):
    folder = tmp_path_factory.mktemp("cap")
    raw = RawCapture("127.0.0.1:1", "2026-01-01T00:00:00.000Z",
                     (RawOutput("getprop", b"[a]: [b]\n", b"", 0, "t"),))
    save_capture(raw, folder)
    manifest = json.loads((folder / "manifest.json").read_text())

    def poke(node):
        if isinstance(node, dict):
            for k in list(node):
                if k == key:
                    node[k] = value
                else:
                    poke(node[k])
        elif isinstance(node, list):
            for x in node:
                poke(x)

    poke(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    try:
        loaded = load_capture(folder)
    except CaptureError:
        return
    assert isinstance(loaded, RawCapture)


@pytest.fixture(scope="module")
def valid_dex() -> bytes:
    from simulator.apkgen.dex import build_dex

    return build_dex(("com.tencent.stat.StatService", "a.B", "c.D$E"), ("MiAdBlacklistConfig", "x" * 40))


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), min_size=1, max_size=12),
       cut=st.one_of(st.none(), st.integers(0, 10_000)))
def test_dex_reader_on_mutated_valid_dex(valid_dex, flips, cut):
    from checks.dex import DexError, read_dex

    blob = bytearray(valid_dex)
    for pos, x in flips:
        blob[pos % len(blob)] ^= x
    if cut is not None:
        blob = blob[: cut % (len(blob) + 1)]
    try:
        read_dex(bytes(blob))
    except DexError:
        pass


@pytest.fixture(scope="module")
def knowledge():
    from checks import knowledge as kb

    return kb.load()


@pytest.fixture(scope="module")
def valid_apk() -> bytes:
    from simulator.apkgen import ApkSpec, ComponentSpec, synthesize_apk

    return synthesize_apk(ApkSpec(
        package="com.fuzz.me", label="Fuzz", permissions=("android.permission.INTERNET",),
        components=(ComponentSpec("service", ".S", actions=("a.b.C",)),),
        classes=("com.tencent.stat.StatService",), strings=("MiAdBlacklistConfig",)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(member=st.sampled_from(["AndroidManifest.xml", "classes.dex", "resources.arsc", "META-INF/CERT.RSA"]),
       seed=st.integers(0, 2**32 - 1), n=st.integers(1, 30))
def test_inspect_apk_on_mutated_members(tmp_path, knowledge, valid_apk, member, seed, n):
    """AXML, DEX, resources and signature blocks mutated inside an otherwise valid APK:
    inspect_apk (androguard) returns a report, never raises, extracts nothing."""
    from checks.inspect import inspect_apk

    rnd = random.Random(seed)
    src = zipfile.ZipFile(io.BytesIO(valid_apk))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = bytearray(src.read(info))
            if info.filename == member and data:
                for _ in range(n):
                    data[rnd.randrange(len(data))] = rnd.randrange(256)
            dst.writestr(info.filename, bytes(data))
    path = tmp_path / f"m-{seed}.apk"
    path.write_bytes(buf.getvalue())
    before = set(tmp_path.iterdir())
    report = inspect_apk(path, knowledge)
    assert report.sha256 and (report.error is None or report.error.startswith("could not inspect"))
    assert set(tmp_path.iterdir()) == before
    path.unlink()


@FUZZ
@given(text=st.text(max_size=60))
def test_terminal_text_has_no_control_characters(text):
    import unicodedata

    from audit.reports.terminal_text import plain

    out = plain(text)
    assert not any(unicodedata.category(c).startswith("C") and c != " " for c in out)


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, tuple(sorted(k for k, _ in attrs))))


def _tags(page: str) -> list[tuple]:
    p = _Tags()
    p.feed(page)
    return p.tags


@FUZZ
@given(text=st.text(min_size=1, max_size=60))
def test_html_report_phone_text_adds_no_tag_or_attribute(text):
    """The HTML of a report whose every phone string is `text` has exactly the tags and
    attribute names of the same report with plain text in their place."""
    from audit.reports import html_report

    page = html_report.render(_minimal_report("x" + text))
    assert _tags(page) == _tags(html_report.render(_minimal_report("xy")))


def _minimal_report(text: str) -> dict:
    from checks.registry import catalogue

    return {
        "schema": "phone-audit.report/1", "tool": {"name": "phone-audit", "version": "0.1.0"},
        "device": {"serial": text, "adb_serial": "x", "manufacturer": text, "model": text,
                   "android_release": "14", "sdk": 34, "build_fingerprint": text, "security_patch": "2026-01-01"},
        "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:00:01Z", "complete": True,
        "audit_id": 1, "problems": [], "stats": {"bytes_pulled": 0, "apks_from_cache": 0},
        "findings": [{"check": m.id, "title": m.title, "category": m.category, "status": "warn",
                      "severity": "low", "summary": text, "subjects": [text],
                      "evidence": [{"source": text, "detail": text}], "remediation": text,
                      "references": []} for m in catalogue()],
        "apps": [{"package": "a.b", "label": text, "version_name": text, "version_code": 1,
                  "system": False, "enabled": True, "installer": text, "trackers": [], "failures": []}],
    }

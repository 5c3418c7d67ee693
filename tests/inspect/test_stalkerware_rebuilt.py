"""A stalkerware family rebuilt per customer (new package name, new key) is still
recognised by what the upstream indicators say about it (issue 12 point 6): the
signer's subject (common-name pattern, organisation) and its C2 hosts, IPs and websites
in the code, matched as hosts (a host under it counts, a longer look-alike does not).

Expected values are read by hand from tests/inspect/upstream/stalkerware-ioc.yaml:
- KidsShield: certificate_cname_re ^Kids\\WSafety\\W[0-9]{2}-[0-9]{2}-[0-9]{2,4}\\W...$,
  certificate_organizations "Tesline-Service SRL";
- Mrecorder: certificate_organizations "mrecorder2", c2 domain dispatcher.mrecorder.com;
- Reptilicus: c2 domain cabinet.kfnm.ru;
- TheTruthSpy: c2 ip 69.64.74.239;
- Cocospy: c2 domain alog.umeng.com, which is the Umeng analytics SDK's (a shared host).
"""

from __future__ import annotations

import json

import pytest

from checks.inspect import inspect_apk_bytes
from checks.knowledge import load
from simulator.apkgen import ApkSpec, synthesize_apk
from tui.cli import main


@pytest.fixture(scope="module")
def kb():
    return load()


def _inspect(kb, **spec):
    spec.setdefault("package", "com.newcustomer.helper")
    return inspect_apk_bytes(synthesize_apk(ApkSpec(classes=("com.newcustomer.helper.Main",), **spec)), kb)


def _families(report) -> dict[str, tuple[str, str, str]]:
    return {h.name: (h.kind, h.value, h.file) for h in report.stalkerware}


def test_knowledge_keeps_every_upstream_indicator(kb):
    by_name = {a.name: a for a in kb.stalkerware}
    kids = by_name["KidsShield"]
    assert kids.certificate_subject_patterns == (
        r"^Kids\WSafety\W[0-9]{2}-[0-9]{2}-[0-9]{2,4}\W[0-9]{2}:[0-9]{2}:[0-9]{2}$",)
    assert kids.certificate_organizations == ("Tesline-Service SRL",)
    assert "spyt.co" in kids.distribution and "52.22.130.9" in kids.c2_ips
    assert "dispatcher.mrecorder.com" in by_name["Mrecorder"].c2_domains
    assert by_name["Mrecorder"].certificate_organizations == ("mrecorder2", "MobileRecorder")
    assert by_name["TheTruthSpy"].c2_ips[:2] == ("69.64.74.239", "69.64.81.166")
    # upstream spells the key "ip" in some entries: kept as well
    assert "72.167.46.196" in by_name["MobiStealth"].c2_ips


def test_certificate_subject_pattern_names_the_family(kb):
    r = _inspect(kb, signer="Kids Safety 03-11-2024 09:41:07")
    assert _families(r) == {"KidsShield": ("certificate-subject", "Kids Safety 03-11-2024 09:41:07",
                                           "signing certificate")}


def test_certificate_organisation_names_the_family(kb):
    r = _inspect(kb, signer="customer 4711", signer_organization="mrecorder2")
    assert _families(r) == {"Mrecorder": ("certificate-organization", "mrecorder2", "signing certificate")}


def test_a_name_near_the_pattern_is_not_the_family(kb):
    r = _inspect(kb, signer="Kids Safety app 03-11-2024 09:41:07", signer_organization="Mrecorder2 Holdings")
    assert _families(r) == {}


def test_c2_host_in_the_code_names_the_family(kb):
    r = _inspect(kb, strings=("https://cabinet.kfnm.ru/api/v3/upload?id=",))
    assert _families(r) == {"Reptilicus": ("host", "https://cabinet.kfnm.ru/api/v3/upload?id=", "classes.dex")}
    hit = r.stalkerware[0]
    assert "cabinet.kfnm.ru" in hit.category and "command-and-control" in hit.category


def test_a_host_under_a_c2_domain_counts(kb):
    r = _inspect(kb, strings=("wss://eu1.dispatcher.mrecorder.com:443/ws",))
    assert _families(r)["Mrecorder"][1] == "wss://eu1.dispatcher.mrecorder.com:443/ws"


def test_the_value_is_the_string_that_holds_the_host_among_strings_without_dots(kb):
    # only strings with a dot are scanned for hosts: the hit must still name its own
    # string, not a neighbour, with dotless and dotted strings before and after it
    r = _inspect(kb, strings=("Alpha without a dot", "b.c.d", "Charlie", "https://cabinet.kfnm.ru/x?y",
                              "delta", "e.f.g.h"))
    assert _families(r) == {"Reptilicus": ("host", "https://cabinet.kfnm.ru/x?y", "classes.dex")}

def test_c2_ip_in_the_code_names_the_family(kb):
    r = _inspect(kb, strings=("http://69.64.74.239:8080/post.php",))
    assert _families(r) == {"TheTruthSpy": ("ip", "http://69.64.74.239:8080/post.php", "classes.dex")}


@pytest.mark.parametrize("text", [
    "https://notkfnm.ru/x",                   # a longer host that merely ends in the letters
    "https://cabinet.kfnm.ru.example.net/",   # the letters as labels of another host
    "https://cabinet-kfnm.ru/",               # a hyphen makes another name
    "http://169.64.74.239/",                  # an IP that contains the IP
    "http://69.64.74.2390/",
    "10.69.64.74.239",
    "https://alog.umeng.com/app_logs",        # the Umeng SDK's host, listed by Cocospy
    "com.reptilicus.kfnm.ru.Main",            # not a host either, but a look-alike run
])
def test_look_alikes_and_shared_hosts_do_not_match(kb, text):
    r = _inspect(kb, strings=(text,))
    assert "Reptilicus" not in _families(r) and "TheTruthSpy" not in _families(r)
    assert "Cocospy" not in _families(r)


def test_inspect_command_names_the_rebuilt_family(tmp_path, capsys):
    path = tmp_path / "helper.apk"
    path.write_bytes(synthesize_apk(ApkSpec(package="com.newcustomer.helper",
                                            strings=("https://cabinet.kfnm.ru/api",))))
    # exit 1: `inspect` on stalkerware is a finding (README, exit codes)
    assert main(["inspect", str(path), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["stalkerware"] == ["Reptilicus (command-and-control host cabinet.kfnm.ru in classes.dex)"]


#: every `shared_host` of checks/knowledge/indicators.toml, with the family whose upstream
#: indicators list it and the hosts listed (read by hand from
#: tests/inspect/upstream/stalkerware-ioc.yaml): services ordinary apps use too
SHARED = {
    "umeng.com": ("Cocospy", ("alog.umeng.com",)),  # the Umeng analytics SDK
    "appjiagu.com": ("Cocospy", ("appjiagu.com", "b.appjiagu.com", "s.appjiagu.com")),  # 360 Jiagu packer
    "apprtc.appspot.com": ("KidsShield", ("apprtc.appspot.com",)),  # WebRTC's demo signalling server
    "hike.in": ("Tracku", ("hike.in",)),  # Hike Messenger, listed as a website
}


def test_the_shared_hosts_are_the_ones_listed_here(kb):
    """A maintainer adding or dropping a shared host updates this table (and the
    knowledge README's list) with the family that lists it."""
    assert sorted(kb.shared_hosts) == sorted(SHARED)
    by_name = {a.name: a for a in kb.stalkerware}
    for shared, (family, listed) in SHARED.items():
        app = by_name[family]
        hosts = set(app.c2_domains) | set(app.websites) | set(app.distribution)
        assert set(listed) <= hosts, (shared, family)


@pytest.mark.parametrize("shared", sorted(SHARED))
def test_a_shared_host_never_names_a_family_alone(kb, shared):
    """Every host upstream lists under a shared host, in code as URLs and as bare
    hosts: no family is named. The family's own host beside it still names it."""
    family, listed = SHARED[shared]
    strings = tuple(f"https://{h}/api/v1" for h in listed) + listed
    assert _families(_inspect(kb, strings=strings)) == {}
    own = {"Cocospy": "www.spyic.com", "KidsShield": "kidsshield.net", "Tracku": "izkid.com"}[family]
    got = _families(_inspect(kb, strings=strings + (f"https://{own}/x",)))
    assert set(got) == {family} and own in got[family][1]

"""Stalkerware families recognised by more than their package name and key.

A stalkerware vendor rebuilds its app per customer: a new package name and a fresh
signing key defeat the package and certificate-SHA-1 lists. What stays is what the
upstream indicators (AssoEchap, `checks/knowledge/stalkerware.json`) also record:

- the signer's subject: a common name that follows the vendor's pattern
  (`certificate_subject_patterns`, regular expressions as upstream writes them) or the
  vendor's organisation name (`certificate_organizations`, compared without regard to
  case or runs of spaces);
- the hosts its code talks to: C2 domains and IPs, websites and download hosts, found
  in the DEX strings.

Hosts are matched as a host means it, not as text: `example.com` is found in
`https://api.example.com/upload` (a host under it) but not in `notexample.com` or
`example.com.evil.net` (other hosts that merely contain the letters). Every run of host
characters in the strings is taken as one candidate host and looked up, with each of its
parent domains, in a set: one regular-expression pass over the text whatever the number
of indicators. An IP address matches only as a whole host.

Hosts in `Knowledge.shared_hosts` (an analytics SDK, a packer's service that some family
also contacts) and the hosts of known tracker SDKs never name a family on their own.

Pure: this module reads values and returns `Hit`s; nothing here talks to a phone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from checks.matching import MAX_VALUE_CHARS, DexIndex
from model.apk_report import Hit
from model.knowledge import Knowledge, StalkerwareApp

__all__ = ["HostTable", "host_table", "match_hosts", "match_certificate", "hit_id", "candidate_hosts"]

#: a dotted run of host characters (lower case: the text is lowered first). The
#: lookbehind and possessive quantifiers keep it linear: without them every word with
#: no dot is retried from each of its letters (0.71 s on a 2 MB DEX text, now 0.09 s)
_HOST_RUN = re.compile(r"(?<![a-z0-9-])[a-z0-9-]++(?:\.[a-z0-9-]++)+")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
#: subject names longer than this are cut before a pattern sees them (X.509 caps CN at 64)
MAX_NAME_CHARS = 256

#: Hit.kind per indicator field, and the words the evidence uses for it
KINDS = {
    "c2_domains": ("host", "command-and-control host"),
    "c2_ips": ("ip", "command-and-control IP address"),
    "websites": ("host", "website"),
    "distribution": ("host", "download host"),
}


def hit_id(app: StalkerwareApp) -> str:
    """The Hit id of a family: `stalkerware.<name>`."""
    return "stalkerware." + re.sub(r"[^a-z0-9]+", "-", app.name.lower()).strip("-")


@dataclass(frozen=True)
class HostTable:
    """host (lower case) -> ((family index, field), ...), built once per knowledge base."""

    domains: dict[str, tuple[tuple[int, str], ...]]
    ips: dict[str, tuple[tuple[int, str], ...]]
    #: the last two labels of every domain: a dotted run whose own last two labels are
    #: not here cannot match (every candidate ends with them), so it costs one lookup
    tails: frozenset[str] = frozenset()


def _is_ip(host: str) -> bool:
    return _IPV4.fullmatch(host) is not None


def _under(host: str, parents: Iterable[str]) -> bool:
    return any(host == p or host.endswith("." + p) for p in parents)


_TABLES: dict[tuple, HostTable] = {}


def host_table(kb: Knowledge) -> HostTable:
    """The host indicators of every family, without shared and tracker hosts (built
    once per knowledge base and process)."""
    key = (kb.version, kb.stalkerware, kb.shared_hosts, tuple(t.hosts for t in kb.trackers))
    table = _TABLES.get(key)
    if table is None:
        if len(_TABLES) > 4:
            _TABLES.clear()
        table = _TABLES[key] = _build_table(kb)
    return table


def _build_table(kb: Knowledge) -> HostTable:
    shared = {h.lower().strip(".") for h in kb.shared_hosts}
    shared |= {h.lower().strip(".") for t in kb.trackers for h in t.hosts}
    domains: dict[str, list[tuple[int, str]]] = {}
    ips: dict[str, list[tuple[int, str]]] = {}
    for i, app in enumerate(kb.stalkerware):
        for fieldname in KINDS:
            for raw in getattr(app, fieldname):
                host = raw.strip().lower().strip(".")
                if not host or "." not in host:
                    continue
                table = ips if _is_ip(host) else domains
                if table is domains and _under(host, shared):
                    continue
                entry = (i, fieldname)
                if entry not in table.setdefault(host, []):
                    table[host].append(entry)
    return HostTable({k: tuple(v) for k, v in domains.items()}, {k: tuple(v) for k, v in ips.items()},
                     frozenset(_tail(h) for h in domains))


def _tail(host: str) -> str:
    """The last two labels of a dotted name ("a.b.example.com" -> "example.com")."""
    return ".".join(host.rsplit(".", 2)[-2:])


def candidate_hosts(run: str) -> list[str]:
    """The host `run` and each parent domain of it with at least two labels."""
    labels = run.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def _clip(value: str) -> str:
    return value if len(value) <= MAX_VALUE_CHARS else value[: MAX_VALUE_CHARS - 1] + "…"


def match_hosts(index: DexIndex, kb: Knowledge, file: str) -> list[Hit]:
    """One Hit per family whose hosts appear in this DEX's strings (the first found,
    in text order), its value the whole string that holds the host."""
    table = host_table(kb)
    if not table.domains and not table.ips:
        return []
    # A host run holds a dot and never crosses the NUL between two strings, so only the
    # strings with a dot are scanned (a tenth of a DEX's text, or less): the same runs,
    # in the same text order, at a small part of the regex's cost over the whole text
    dotted = [i for i, s in enumerate(index.strings) if "." in s]
    low = "\0".join(index.strings[i] for i in dotted).lower()
    found: dict[int, Hit] = {}
    for m in _HOST_RUN.finditer(low):
        run = m.group()
        if _is_ip(run):
            entries = table.ips.get(run, ())
            matched = run
        elif _tail(run) not in table.tails:
            continue
        else:
            entries, matched = (), ""
            for cand in candidate_hosts(run):
                entries = table.domains.get(cand, ())
                if entries:
                    matched = cand
                    break
        for fam, fieldname in entries:
            if fam in found:
                continue
            # lowering keeps every NUL in place, so the count names the string
            n = low.count("\0", 0, m.start())
            whole = index.strings[dotted[n]] if n < len(dotted) else run
            kind, words = KINDS[fieldname]
            app = kb.stalkerware[fam]
            found[fam] = Hit(id=hit_id(app), name=app.name, kind=kind,
                             value=_clip(whole), file=file,
                             category=f"{words} {matched}")
        if len(found) == len(kb.stalkerware):
            break
    return [found[k] for k in sorted(found)]


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def match_certificate(common_names: Iterable[str], organizations: Iterable[str],
                      kb: Knowledge) -> list[Hit]:
    """One Hit per family whose certificate subject pattern matches a signer's common
    name, or whose organisation is a signer's organisation."""
    cns = [c[:MAX_NAME_CHARS] for c in common_names if c]
    orgs = {_norm(o[:MAX_NAME_CHARS]): o for o in organizations if o}
    hits: list[Hit] = []
    for app in kb.stalkerware:
        hit = None
        for pattern in app.certificate_subject_patterns:
            rx = _compiled(pattern)
            cn = next((c for c in cns if rx is not None and rx.search(c)), None)
            if cn is not None:
                hit = Hit(id=hit_id(app), name=app.name, kind="certificate-subject",
                          value=_clip(cn), file="signing certificate",
                          category=f"subject common name matching {pattern}")
                break
        if hit is None:
            for org in app.certificate_organizations:
                if _norm(org) in orgs:
                    hit = Hit(id=hit_id(app), name=app.name, kind="certificate-organization",
                              value=_clip(orgs[_norm(org)]), file="signing certificate",
                              category=f"subject organisation {org}")
                    break
        if hit is not None:
            hits.append(hit)
    return hits

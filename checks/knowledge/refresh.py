"""Regenerate knowledge-base data files from upstream files. Never reaches the network.

Usage::

    python -m checks.knowledge.refresh [--stalkerware ioc.yaml] [--exodus exodus_trackers.json]

`--stalkerware FILE`: the `ioc.yaml` of AssoEchap/stalkerware-indicators (CC-BY-4.0).
Rewrites `stalkerware.json` beside this module: for each entry its name, other names,
type, packages, signing-certificate SHA-1s (upper-case hex), certificate subject
patterns (`certificate_cname_re`, regular expressions over the signer's common name),
certificate organisations, websites, distribution hosts and C2 domains and IPs (upstream
writes both `c2.ips` and `c2.ip`; both are kept), with the licence attribution inside
the file. Nothing upstream says about a family is dropped: a family rebuilt per
customer under a new package name and key is still known by these.

`--exodus FILE` (also `--exodus-json`): an export of the Exodus Privacy trackers API
(`{"trackers": {number: {name, code_signature, website, categories, ...}}}`; a recent one
is the file `mobsf/signatures/exodus_trackers` of the `mobsf` wheel on PyPI). *Merges*
it into `trackers.toml` (`merge_exodus`): ids are never deleted or renamed; new Exodus
trackers are added; an entry whose Exodus number is gone is marked
`withdrawn = "YYYY-MM-DD"`; an upstream rename keeps the old id and records the new
name's id in `aliases`; entries of other sources (vendor SDK documentation) are kept
and only gain namespaces. Prints what changed: added, signatures changed, renamed,
withdrawn, kept-but-not-upstream. Without `--exodus`, trackers.toml is left alone.

Fetch the upstream files yourself (git clone, a browser); this module only reads them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from checks.knowledge import DATA_DIR

EXODUS_SOURCE = "https://reports.exodus-privacy.eu.org/en/trackers/"
STALKERWARE_SOURCE = "https://github.com/AssoEchap/stalkerware-indicators"
STALKERWARE_ATTRIBUTION = (
    '"Stalkerware indicators" by Echap (https://github.com/AssoEchap/stalkerware-indicators), '
    "licensed CC-BY-4.0 (https://creativecommons.org/licenses/by/4.0/). "
    "Converted to this file's format by phone-audit (fields kept: name, names, type, "
    "packages, certificates, certificate_cname_re as certificate_subject_patterns, "
    "certificate_organizations, websites, distribution, c2 domains and ips)."
)


def convert_stalkerware(entries: list[dict]) -> dict:
    """The stalkerware.json document for a parsed ioc.yaml."""
    apps = []
    for e in entries:
        if not isinstance(e, dict) or not e.get("name"):
            continue
        c2 = e.get("c2") if isinstance(e.get("c2"), dict) else {}
        apps.append({
            "name": str(e["name"]),
            "names": [str(n) for n in e.get("names") or ()],
            "type": str(e.get("type") or "stalkerware"),
            "packages": [str(p) for p in e.get("packages") or ()],
            "certificates": [str(c).upper() for c in e.get("certificates") or ()],
            "certificate_subject_patterns": [str(r) for r in e.get("certificate_cname_re") or ()],
            "certificate_organizations": [str(o) for o in e.get("certificate_organizations") or ()],
            "websites": [str(w) for w in e.get("websites") or ()],
            "distribution": [str(d) for d in e.get("distribution") or ()],
            "c2_domains": [str(d) for d in c2.get("domains") or ()],
            "c2_ips": list(dict.fromkeys(str(i) for i in [*(c2.get("ips") or ()), *(c2.get("ip") or ())])),
        })
    return {
        "source": STALKERWARE_SOURCE,
        "license": "CC-BY-4.0",
        "attribution": STALKERWARE_ATTRIBUTION,
        "apps": apps,
    }


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_str(x) for x in v) + "]"
    return _toml_str(str(v))


def dump_tables(header: str, table: str, rows: list[dict]) -> str:
    """A TOML document of `[[table]]` rows of strings, bools and string lists."""
    out = [header.rstrip() + "\n"]
    for row in rows:
        out.append(f"\n[[{table}]]\n")
        for k, v in row.items():
            if (v in ("", (), [], None) or v is False or (k == "exodus_id" and not v)) and k not in ("id", "name"):
                continue
            out.append(f"{k} = {_toml_value(v)}\n")
    return "".join(out)


TRACKERS_HEADER = """\
# Tracker SDKs recognised by DEX namespace (class-name prefixes, dotted).
# Facts from the Exodus Privacy tracker list (https://reports.exodus-privacy.eu.org/en/trackers/,
# readable copy: MuntashirAkon/AppManager app/src/main/res/values/trackers.xml) and, for the
# Chinese vendor SDKs, the NKSC 2021 assessment and public SDK documentation (each entry's
# `source`). phone-audit's own table: ids are stable slugs `tracker.<slug>`.
# Merge a newer Exodus export with `python -m checks.knowledge.refresh --exodus FILE`: ids are
# never deleted or renamed (`withdrawn`, `aliases`). A namespace beginning with "." matches
# anywhere in a class name (Exodus' unanchored signatures). Pages: `description`, `collects`,
# `company`, `sources` (without them, wording from the categories, checks/knowledge/pages.py).
"""

_REGEX_CHARS = re.compile(r"[*+?()\[\]{}$\\]")
#: the order fields are written in, so a refresh's diff is small
FIELD_ORDER = ("id", "name", "aliases", "withdrawn", "categories", "namespaces", "excludes", "hosts",
               "vendor", "company", "statistics", "website", "description", "collects",
               "source", "sources", "exodus_id")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unnamed"


def exodus_signature_prefixes(signature: str) -> tuple[list[str], list[str]]:
    """(namespaces, parts not convertible) of an Exodus code signature.

    Exodus searches each `|`-separated regex anywhere in a class name. A part that is a
    dotted name means "class names starting with it" (kept as written: `com.tencent.lbs`
    also covers `com.tencent.lbsapi`, as in Exodus); a part beginning with a dot
    (`.tealium.`) means "containing it", kept with its leading dot for the matcher's
    fragment search. Anything else with regex syntax is returned as not convertible.
    """
    out: list[str] = []
    bad: list[str] = []
    for raw in signature.split("|"):
        part = raw.strip()
        if part.startswith("^"):
            part = part[1:]
        part = part.replace("\\.", ".")
        if not part:
            continue
        if _REGEX_CHARS.search(part) or (not part.startswith(".") and "." not in part.rstrip(".")):
            bad.append(raw)
            continue
        out.append(part)
    # a namespace covered by a shorter one of the same tracker adds nothing
    kept = [p for p in out if not any(q != p and p.startswith(q) and not q.startswith(".") for q in out)]
    return sorted(set(kept)), bad


def _stem(ns: str) -> str:
    return ns.rstrip(".")


def _overlap(a: list[str], b: list[str]) -> int:
    """How many namespaces of `a` cover or are covered by one of `b`."""
    return sum(1 for x in a if any(_stem(x).startswith(_stem(y)) or _stem(y).startswith(_stem(x)) for y in b))


def _covers(a: str, b: str) -> bool:
    """Does namespace `a` match every class `b` matches (and `a` != `b`)?"""
    return a != b and not a.startswith(".") and _stem(b).startswith(_stem(a)) and (
        a.endswith(".") <= (b.endswith(".") or len(_stem(b)) > len(_stem(a))))


def _follow_upstream(before: list[str], upstream: list[str]) -> list[str]:
    """An Exodus-sourced row's namespaces after a refresh: Exodus' own, plus the local ones
    Exodus neither covers (a local addition such as `com.braze.`) nor narrowed (a local
    namespace covering an Exodus one, such as `com.google.android.gms.ads.` over Exodus'
    `com.google.android.gms.ads.AdView`, is what Exodus narrowed: dropped)."""
    local = [n for n in before if n not in upstream
             and not any(_covers(u, n) or _stem(u) == _stem(n) for u in upstream)
             and not any(_covers(n, u) for u in upstream)]
    return list(upstream) + local


def _is_exodus_row(row: dict) -> bool:
    return str(row.get("source", "")).startswith(EXODUS_SOURCE) or bool(row.get("exodus_id"))


@dataclass
class MergeReport:
    """What one refresh changed, for the person running it."""

    added: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[str], list[str]]] = field(default_factory=list)  # id, before, after
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # id, old name, new name
    withdrawn: list[str] = field(default_factory=list)
    linked: list[tuple[str, int]] = field(default_factory=list)  # existing id, Exodus number
    not_upstream: list[str] = field(default_factory=list)  # kept rows Exodus does not list
    unconverted: list[tuple[int, str]] = field(default_factory=list)
    no_code_signature: list[int] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"added {len(self.added)}: " + ", ".join(self.added)]
        out.append(f"signatures changed {len(self.changed)}:")
        out += [f"  {i}: {' | '.join(b) or '-'}  ->  {' | '.join(a)}" for i, b, a in self.changed]
        out.append(f"renamed upstream (id kept, new id as alias) {len(self.renamed)}:")
        out += [f"  {i}: {o!r} -> {n!r}" for i, o, n in self.renamed]
        out.append(f"withdrawn {len(self.withdrawn)}: " + ", ".join(self.withdrawn))
        out.append(f"linked to their Exodus entry {len(self.linked)}")
        out.append(f"kept, not in this export {len(self.not_upstream)}: " + ", ".join(self.not_upstream))
        out.append(f"signature parts not convertible {len(self.unconverted)}: "
                   + ", ".join(f"{n}:{p!r}" for n, p in self.unconverted))
        out.append(f"Exodus entries without a code signature (network only, skipped) {len(self.no_code_signature)}")
        return out


def _find_row(t: dict, tid: int, prefixes: list[str], rows: list[dict], taken: set[int]) -> int | None:
    """Index of the existing row that is this Exodus tracker, or None."""
    free = [(i, r) for i, r in enumerate(rows) if i not in taken]
    for i, r in free:
        if int(r.get("exodus_id", 0) or 0) == tid:
            return i
    slug = _slug(str(t.get("name") or ""))
    for i, r in free:
        if not r.get("exodus_id") and slug and (slug == _slug(str(r.get("name", ""))) or r["id"] == f"tracker.{slug}"):
            return i
    best, best_n = None, 0
    for i, r in free:
        if r.get("exodus_id"):
            continue
        n = _overlap(prefixes, list(r.get("namespaces") or ()))
        # an Exodus-claimed row wins a tie over one of another source
        if n > best_n or (n == best_n and n and best is not None and _is_exodus_row(r) and not _is_exodus_row(rows[best])):
            best, best_n = i, n
    return best


def merge_exodus(doc: dict, existing: list[dict], today: str) -> tuple[list[dict], MergeReport]:
    """Merge an Exodus API export into the tracker rows. Never deletes or renames an id.

    - An Exodus tracker already in the base (same Exodus number; else, for a row not yet
      linked, same name or overlapping namespaces) updates that row: an Exodus-sourced row
      takes Exodus' name, categories and signature; a row of another source (a vendor's
      documentation) keeps its own and gains Exodus' namespaces. A new name keeps the old
      id; the id the new name would have is recorded in `aliases`.
    - A new Exodus tracker is added as `tracker.<slug of its name>`.
    - A row linked to an Exodus number the export no longer has is marked
      `withdrawn = today` (kept, so old ids resolve, but no longer matched).
    - Every other row is kept as it is. Local fields (description, collects, excludes,
      hosts, statistics, ...) are never touched.
    """
    rows = [dict(r) for r in existing]
    report = MergeReport()
    taken: set[int] = set()
    ids = {r["id"] for r in rows}
    seen_exodus: set[int] = set()
    trackers = sorted((doc.get("trackers") or {}).items(), key=lambda kv: int(kv[0]))
    for key, t in trackers:
        tid = int(t.get("id") or key)
        prefixes, bad = exodus_signature_prefixes(str(t.get("code_signature") or ""))
        report.unconverted += [(tid, b) for b in bad]
        if not prefixes:
            if not bad:
                report.no_code_signature.append(tid)
            continue
        seen_exodus.add(tid)
        name = str(t.get("name") or f"exodus-{tid}")
        cats = [_slug(c) for c in t.get("categories") or ()]
        page = f"{EXODUS_SOURCE}{tid}/"
        i = _find_row(t, tid, prefixes, rows, taken)
        if i is None:
            new_id = f"tracker.{_slug(name)}"
            if new_id in ids:
                new_id = f"tracker.{_slug(name)}-exodus-{tid}"
            ids.add(new_id)
            rows.append({"id": new_id, "name": name, "categories": cats or ["analytics"],
                         "namespaces": prefixes, "website": str(t.get("website") or ""),
                         "source": page, "exodus_id": tid})
            taken.add(len(rows) - 1)
            report.added.append(new_id)
            continue
        taken.add(i)
        row = rows[i]
        before = list(row.get("namespaces") or ())
        if not row.get("exodus_id"):
            report.linked.append((row["id"], tid))
        row["exodus_id"] = tid
        if _is_exodus_row(existing[i]) if i < len(existing) else True:
            after = _follow_upstream(before, prefixes)
            if name != row.get("name"):
                alias = f"tracker.{_slug(name)}"
                if alias != row["id"] and alias not in ids:
                    row["aliases"] = sorted(set(row.get("aliases") or ()) | {alias})
                if _slug(name) != _slug(str(row.get("name", ""))):
                    report.renamed.append((row["id"], str(row.get("name", "")), name))
                row["name"] = name
            if cats:
                row["categories"] = cats
            if t.get("website") and not row.get("website"):
                row["website"] = str(t["website"])
            row["source"] = page
        else:
            after = sorted(set(before) | set(prefixes), key=lambda n: (n not in before, n))
            row["sources"] = sorted(set(row.get("sources") or [row.get("source", "")]) - {""} | {page})
        row["namespaces"] = after
        if row.get("withdrawn"):
            row.pop("withdrawn")
        if set(after) != set(before):
            report.changed.append((row["id"], before, after))
    for i, row in enumerate(rows):
        if i in taken:
            continue
        eid = int(row.get("exodus_id", 0) or 0)
        if eid and eid not in seen_exodus:
            if not row.get("withdrawn"):
                row["withdrawn"] = today
                report.withdrawn.append(row["id"])
        else:
            report.not_upstream.append(row["id"])
    ordered = [{k: r[k] for k in FIELD_ORDER if k in r} | {k: v for k, v in r.items() if k not in FIELD_ORDER}
               for r in rows]
    return ordered, report


def refresh_trackers(exodus_file: Path, out_dir: Path, today: str) -> MergeReport:
    """Merge `exodus_file` into `out_dir/trackers.toml` in place; the report of changes."""
    with open(exodus_file, encoding="utf-8") as fh:
        exodus = json.load(fh)
    path = out_dir / "trackers.toml"
    existing = tomllib.loads(path.read_text(encoding="utf-8")).get("tracker", [])
    rows, report = merge_exodus(exodus, existing, today)
    path.write_text(dump_tables(TRACKERS_HEADER, "tracker", rows), encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checks.knowledge.refresh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stalkerware", metavar="FILE", help="AssoEchap ioc.yaml")
    parser.add_argument("--exodus", "--exodus-json", dest="exodus", metavar="FILE", help="Exodus trackers API export")
    parser.add_argument("--out", metavar="DIR", default=str(DATA_DIR), help="data folder (default: the package's)")
    parser.add_argument("--date", default=date.today().isoformat(), help="date written in `withdrawn` (default: today)")
    args = parser.parse_args(argv)
    if not args.stalkerware and not args.exodus:
        parser.error("give --stalkerware FILE and/or --exodus FILE")
    out = Path(args.out)
    if args.stalkerware:
        import yaml  # only this offline tool needs it

        with open(args.stalkerware, encoding="utf-8") as fh:
            entries = yaml.safe_load(fh) or []
        doc = convert_stalkerware(entries)
        (out / "stalkerware.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"stalkerware.json: {len(doc['apps'])} entries")
    if args.exodus:
        report = refresh_trackers(Path(args.exodus), out, args.date)
        print("trackers.toml:")
        print("\n".join("  " + line for line in report.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

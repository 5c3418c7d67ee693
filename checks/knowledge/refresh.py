"""Regenerate knowledge-base data files from upstream files. Never reaches the network.

Usage::

    python -m checks.knowledge.refresh --stalkerware ioc.yaml [--exodus-json trackers.json]

`--stalkerware FILE`: the `ioc.yaml` of AssoEchap/stalkerware-indicators (CC-BY-4.0).
Rewrites `stalkerware.json` beside this module: for each entry its name, other names,
type, packages, signing-certificate SHA-1s (upper-case hex) and websites, with the
licence attribution inside the file.

`--exodus-json FILE`: an export of the Exodus Privacy trackers API
(`{"trackers": {id: {name, code_signature, network_signature, website, categories}}}`).
Rewrites `trackers.toml`: every Exodus tracker whose code signature can be expressed as
dotted class-name prefixes becomes an entry `tracker.<slug>` (signatures that are
regular expressions beyond a plain prefix are left out), and the entries that did not
come from Exodus (source not an Exodus URL: the Chinese vendor SDKs) are kept as they
are. Without `--exodus-json`, trackers.toml is left alone.

Fetch the upstream files yourself (git clone, a browser); this module only reads them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

from checks.knowledge import DATA_DIR

EXODUS_SOURCE = "https://reports.exodus-privacy.eu.org/en/trackers/"
STALKERWARE_SOURCE = "https://github.com/AssoEchap/stalkerware-indicators"
STALKERWARE_ATTRIBUTION = (
    '"Stalkerware indicators" by Echap (https://github.com/AssoEchap/stalkerware-indicators), '
    "licensed CC-BY-4.0 (https://creativecommons.org/licenses/by/4.0/). "
    "Converted to this file's format by phone-audit (fields kept: name, names, type, "
    "packages, certificates, websites)."
)


def convert_stalkerware(entries: list[dict]) -> dict:
    """The stalkerware.json document for a parsed ioc.yaml."""
    apps = []
    for e in entries:
        if not isinstance(e, dict) or not e.get("name"):
            continue
        apps.append({
            "name": str(e["name"]),
            "names": [str(n) for n in e.get("names") or ()],
            "type": str(e.get("type") or "stalkerware"),
            "packages": [str(p) for p in e.get("packages") or ()],
            "certificates": [str(c).upper() for c in e.get("certificates") or ()],
            "websites": [str(w) for w in e.get("websites") or ()],
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
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_str(x) for x in v) + "]"
    return _toml_str(str(v))


def dump_tables(header: str, table: str, rows: list[dict]) -> str:
    """A TOML document of `[[table]]` rows of strings, bools and string lists."""
    out = [header.rstrip() + "\n"]
    for row in rows:
        out.append(f"\n[[{table}]]\n")
        for k, v in row.items():
            if v in ("", (), [], None) and k not in ("id", "name"):
                continue
            out.append(f"{k} = {_toml_value(v)}\n")
    return "".join(out)


TRACKERS_HEADER = """\
# Tracker SDKs recognised by DEX namespace (class-name prefixes, dotted).
# Facts from the Exodus Privacy tracker list (https://reports.exodus-privacy.eu.org/en/trackers/,
# readable copy: MuntashirAkon/AppManager app/src/main/res/values/trackers.xml) and, for the
# Chinese vendor SDKs, the NKSC 2021 assessment and public SDK documentation (each entry's
# `source`). phone-audit's own table: ids are stable slugs `tracker.<slug>`.
# Regenerate the Exodus part with `python -m checks.knowledge.refresh --exodus-json FILE`.
"""

_PREFIX = re.compile(r"[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*\.?")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unnamed"


def exodus_signature_prefixes(signature: str) -> list[str]:
    """Dotted prefixes of an Exodus code signature, or [] if it is a real regex."""
    out = []
    for part in signature.split("|"):
        part = part.strip().replace("\\.", ".")
        if part.startswith("^"):
            part = part[1:]
        if part and _PREFIX.fullmatch(part) and "." in part.rstrip("."):
            out.append(part)
    return out


def convert_exodus(doc: dict, existing: list[dict]) -> list[dict]:
    """Tracker rows from an Exodus API export, plus the non-Exodus rows of `existing`."""
    rows: list[dict] = []
    used: set[str] = set()
    keep = [r for r in existing if not str(r.get("source", "")).startswith(EXODUS_SOURCE)]
    kept_ids = {r["id"] for r in keep}
    for tid, t in sorted((doc.get("trackers") or {}).items(), key=lambda kv: str(kv[0])):
        prefixes = exodus_signature_prefixes(str(t.get("code_signature") or ""))
        if not prefixes:
            continue
        slug = _slug(str(t.get("name") or tid))
        while f"tracker.{slug}" in used or f"tracker.{slug}" in kept_ids:
            slug += "-x"
        used.add(f"tracker.{slug}")
        rows.append({
            "id": f"tracker.{slug}",
            "name": str(t.get("name") or slug),
            "categories": [_slug(c) for c in t.get("categories") or ()] or ["analytics"],
            "namespaces": prefixes,
            "website": str(t.get("website") or ""),
            "source": f"{EXODUS_SOURCE}{tid}/",
        })
    return rows + keep


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checks.knowledge.refresh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stalkerware", metavar="FILE", required=True, help="AssoEchap ioc.yaml")
    parser.add_argument("--exodus-json", metavar="FILE", help="Exodus trackers API export")
    parser.add_argument("--out", metavar="DIR", default=str(DATA_DIR), help="data folder (default: the package's)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    import yaml  # only this offline tool needs it

    with open(args.stalkerware, encoding="utf-8") as fh:
        entries = yaml.safe_load(fh) or []
    doc = convert_stalkerware(entries)
    (out / "stalkerware.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"stalkerware.json: {len(doc['apps'])} entries")
    if args.exodus_json:
        with open(args.exodus_json, encoding="utf-8") as fh:
            exodus = json.load(fh)
        existing = tomllib.loads((out / "trackers.toml").read_text(encoding="utf-8")).get("tracker", [])
        rows = convert_exodus(exodus, existing)
        (out / "trackers.toml").write_text(dump_tables(TRACKERS_HEADER, "tracker", rows), encoding="utf-8")
        print(f"trackers.toml: {len(rows)} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())

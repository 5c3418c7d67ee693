"""What phone-audit keeps of the personal data it reads: one policy per field, applied once.

The audit reads three kinds of rows that name people: SMS metadata (`content query
--uri content://sms`), accounts (`dumpsys account`) and the computers trusted for USB
debugging (`dumpsys adb`). No check needs who a person
writes to or what their account is called, so `minimise_raw` rewrites those raw outputs,
right after collection and before anything is written (capture files, snapshot,
history, reports), into a smaller form the same parsers still read:

    field              policy   why
    SMS type           keep     counts per box (sent, inbox, ...) are the SMS evidence
    SMS creator        keep     counts per app; "written by the vendor service" is the verdict
    SMS _id            vendor   names a vendor-written row in evidence; on other rows it
                                would only tell their order, so it is dropped
    SMS address        vendor   kept only on rows written by a known vendor SMS service
                                (the registration number the vendor texts, shown as
                                evidence); every other address is dropped
    SMS date           vendor   kept only on rows written by a known vendor SMS service
    SMS thread_id,     drop     no check reads them
      read, seen
    account name       drop     replaced by `account-N` (N counts rows, so the number of
                                accounts of a type stays right); names are e-mail addresses
    account type       keep     "signed in to the vendor" is decided by the type
    adb key comment    drop     `user@host` after each key `dumpsys adb` prints names a
                                person and their computer
    adb key            finger-  each key trusted for USB debugging is replaced by its MD5
                       print    fingerprint (what the phone's own dialog shows), which
                                the check compares with this computer's
    adb key last       keep     when another computer last used adb on the phone is the
      connection                evidence
    netstats ident     drop     `ident=[...]` names the Wi-Fi network (SSID) and the SIM;
                                replaced by `ident=[dropped]`, traffic per uid is kept
    other lines of     drop     only the `Accounts:` list is parsed
      dumpsys account

So an SMS row not written by a vendor service keeps only its box and its writing app:
those rows are counts per box and per app, nothing more. They are also put in one
fixed order (vendor rows first, as the provider listed them; then the others sorted
by box and app), because the provider's order is the order the messages came in.

Why not the addresses of a vendor registration number instead of a vendor service: the
NCSC report does not name the number Xiaomi's registration SMS goes to, and no public
source we found does, so the knowledge base has the services only (checks/knowledge/
stores.toml). No check compares addresses across rows, so no keyed hash is kept either.

`POLICY_VERSION` is written into a capture's manifest, so a capture says it was
minimised and how. `minimise_raw` is idempotent: an old capture loaded with
`--capture-in` passes through it again and comes out the same as a new one.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import replace

from adb.capture import RawCapture, RawOutput
from adb.parsers import commands as C
from adb.parsers.accounts import parse_dumpsys_account
from adb.parsers.content import parse_content_query

POLICY_VERSION = "phone-audit.minimise/3"  # 3: dumpsys adb keys (issue 15)

#: field -> (policy, why); the table above as data, read by tests and the docs
POLICY: dict[str, tuple[str, str]] = {
    "sms.type": ("keep", "counts per box"),
    "sms.creator": ("keep", "counts per app; vendor-written rows"),
    "sms._id": ("vendor", "row number in evidence, only on rows a known vendor SMS service wrote"),
    "sms.address": ("vendor", "only on rows a known vendor SMS service wrote"),
    "sms.date": ("vendor", "only on rows a known vendor SMS service wrote"),
    "sms.thread_id": ("drop", "no check reads it"),
    "sms.read": ("drop", "no check reads it"),
    "sms.seen": ("drop", "no check reads it"),
    "account.name": ("drop", "replaced by account-N; names are e-mail addresses"),
    "account.type": ("keep", "vendor sign-in is decided by the type"),
    "adb_key.comment": ("drop", "user@host names a person and their computer"),
    "adb_key.key": ("fingerprint", "replaced by its MD5 fingerprint, as the phone's dialog shows it"),
    "adb_key.last_connection": ("keep", "when another computer last used adb is the evidence"),
    "netstats.ident": ("drop", "names the Wi-Fi network (SSID) and the SIM (subscriber id); "
                               "traffic is summed per uid over every network"),
}


def _kept_value(field: str, value: str | None, vendor_row: bool) -> str | None:
    policy = POLICY.get("sms." + field, ("drop", ""))[0]
    if policy == "keep" or (policy == "vendor" and vendor_row):
        return value
    return None


def minimise_sms_output(out: RawOutput, vendors: frozenset[str]) -> RawOutput:
    """One SMS content query rewritten to the kept columns; errors are kept as read."""
    try:
        argv = shlex.split(out.command)
        columns = tuple(argv[argv.index("--projection") + 1].split(":"))
    except (ValueError, IndexError):
        return replace(out, stdout=b"")
    if out.error:
        return replace(out, stdout=b"")
    res = parse_content_query(out.stdout, columns, out.stderr)
    if res.error is not None:
        # the error text is the evidence for "could not be read"; rows are not kept
        return replace(out, stdout=b"") if res.rows else out
    kept = []
    for row in res.rows:
        vendor_row = (row.get("creator") or "") in vendors
        kept.append((vendor_row, [(col, _kept_value(col, row.get(col), vendor_row)) for col in columns]))
    # vendor rows first in the provider's order; the others, now only (box, app), sorted,
    # so their order no longer tells when each came in (sorted() is stable: idempotent)
    kept.sort(key=lambda vr: (0, "", "") if vr[0] else
              (1, dict(vr[1]).get("type") or "", dict(vr[1]).get("creator") or ""))
    lines = []
    for n, (_vendor, cells) in enumerate(kept):
        # a dropped value reads back as NULL, which the SMS parser treats as absent
        text = ", ".join(f"{col}={'NULL' if v is None else v}" for col, v in cells)
        lines.append(f"Row: {n} {text}")
    if not lines:
        # what `content query` prints for no rows: the answer stays an answer (the
        # ledger reads an empty one as "not understood")
        return replace(out, stdout=b"No result found.\n")
    return replace(out, stdout=("\n".join(lines) + "\n").encode("utf-8"))


def minimise_account_output(out: RawOutput) -> RawOutput:
    """`dumpsys account` reduced to its account list, names replaced by `account-N`."""
    accounts = parse_dumpsys_account(out.stdout)
    lines = [f"Accounts: {len(accounts)}"]
    for n, acc in enumerate(accounts, 1):
        kind = acc.type.replace("}", "").replace(",", "")
        lines.append(f"  Account {{name=account-{n}, type={kind}}}")
    return replace(out, stdout=("\n".join(lines) + "\n").encode("utf-8"))


def minimise_adb_output(out: RawOutput) -> RawOutput:
    """`dumpsys adb` with fingerprints for keys and no `user@host` (an answer that is not
    the adb dump keeps only its error stream: its text is not understood, so not kept)."""
    from adb.parsers.adb_keys import minimised_dump, parse_dumpsys_adb

    dump = parse_dumpsys_adb(out.stdout)
    if dump is None:
        return replace(out, stdout=b"")
    return replace(out, stdout=minimised_dump(dump).encode("utf-8"))
def minimise_netstats_output(out: RawOutput) -> RawOutput:
    """`dumpsys netstats detail` with every `ident=[...]` (Wi-Fi name, SIM id) replaced by
    `ident=[dropped]`; the `uid= set= tag=` after it and every bucket line are kept."""
    lines = out.stdout.split(b"\n")
    for n, line in enumerate(lines):
        i = line.find(b"ident=")
        if i < 0:
            continue
        j = line.rfind(b" uid=", i)
        lines[n] = line[:i] + b"ident=[dropped]" + (line[j:] if j >= 0 else b"")
    return replace(out, stdout=b"\n".join(lines))


def minimise_raw(raw: RawCapture, vendor_packages: Iterable[str]) -> RawCapture:
    """The capture with every personal field reduced by `POLICY` (see the module text).

    `vendor_packages`: the knowledge base's vendor SMS services (adb does not import
    checks, so the caller passes them); only their rows keep address and date."""
    vendors = frozenset(vendor_packages)
    sms_prefix = C.line(("content", "query", "--uri", C.SMS_URI))
    account_cmd = C.line(C.DUMPSYS_ACCOUNT)
    adb_cmd = C.line(C.DUMPSYS_ADB)
    netstats_cmd = C.line(C.DUMPSYS_NETSTATS)
    outputs = []
    for out in raw.outputs:
        if out.command.startswith(sms_prefix):
            out = minimise_sms_output(out, vendors)
        elif out.command == account_cmd:
            out = minimise_account_output(out)
        elif out.command == adb_cmd:
            out = minimise_adb_output(out)
        elif out.command == netstats_cmd:
            out = minimise_netstats_output(out)
        outputs.append(out)
    return replace(raw, outputs=tuple(outputs), minimised=POLICY_VERSION)

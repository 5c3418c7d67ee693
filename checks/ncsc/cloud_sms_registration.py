"""ncsc.cloud-sms-registration: a vendor SIM-activation or cloud service that can register
the phone number by sending an SMS in the background.

The NCSC saw Xiaomi Cloud send an encrypted SMS on activation and remove it from the sent
messages. Without root a removed SMS cannot be seen, so the check shows what can be seen:
which vendor service holds SEND_SMS, whether it is enabled, whether a vendor account is
signed in, and what the SMS provider's metadata (never a body) still lists.
"""

from __future__ import annotations

from collections import Counter

from checks.commands import cmd_dumpsys_package
from checks.coverage import incomplete_evidence
from checks.dates import ms_to_iso
from checks.packages import SEND_SMS
from checks.references import NKSC_REPORT, PM_DISABLE_NOTE
from checks.wording import displays
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('pm list packages', 'dumpsys package', 'dumpsys account', 'sms'),
    apk_scope='all',
    id="ncsc.cloud-sms-registration",
    title="Vendor service that registers the phone number by hidden SMS",
    category="ncsc",
    severity=Severity.HIGH,
    looks_at=(
        "Vendor SIM-activation and cloud services (e.g. com.xiaomi.simactivate.service, "
        "com.miui.cloudservice): whether they hold SEND_SMS and are enabled; whether a vendor "
        "account is signed in (`dumpsys account`); the SMS provider's metadata (box, address, "
        "date, writing package; never message text)."
    ),
    why=(
        "The NCSC found that turning on Xiaomi Cloud makes the phone send an encrypted SMS "
        "abroad to register your number, and that the message is then removed from your sent "
        "messages: you pay for and never see it, and cannot know what it carried."
    ),
    remediation=(
        "If you do not use the vendor's cloud, sign out of the vendor account (Settings > "
        "accounts) and turn the cloud service off. You can take away the service's SMS right "
        "in Settings > Apps > the service > Permissions > SMS, or disable it with `adb shell "
        "pm disable-user --user 0 PACKAGE`. " + PM_DISABLE_NOTE + " An SMS already sent "
        "cannot be called back, and a message removed from the phone cannot be recovered "
        "without root; your operator's bill lists the numbers you sent SMS to."
    ),
    references=(NKSC_REPORT, "https://developer.android.com/reference/android/Manifest.permission#SEND_SMS"),
)

SMS_QUERY = "adb shell content query --uri content://sms --projection _id:type:address:date:creator"


def _sms_evidence(snap, service_pkgs: set[str]) -> tuple[str, list[Evidence]]:
    """A sentence and evidence on what the SMS provider's metadata shows."""
    sms = snap.sms
    note = ("A message the phone removes after sending leaves no trace in the SMS provider, so "
            "this cannot show whether a hidden registration SMS was sent.")
    if not sms.readable:
        return ("The SMS provider could not be read. " + note,
                [Evidence("SMS provider", "could not be read", SMS_QUERY)])
    boxes = Counter(m.box for m in sms.messages)
    by_vendor = [m for m in sms.messages if m.creator and m.creator in service_pkgs]
    sent = boxes.get("sent", 0)
    detail = ", ".join(f"{box}: {n}" for box, n in sorted(boxes.items())) or "no messages"
    ev = [Evidence("SMS provider (metadata only)", detail, SMS_QUERY)]
    for m in by_vendor[:10]:
        when = ms_to_iso(m.date) or m.date or "unknown date"
        ev.append(Evidence("SMS provider (metadata only)",
                           f"{m.box} message #{m.id} to {m.address or 'unknown'} on {when}, written by {m.creator}",
                           SMS_QUERY))
    text = f"The SMS provider lists {sent} sent message{'s' if sent != 1 else ''}"
    text += (f", {len(by_vendor)} of them written by the vendor service. " if by_vendor
             else ", none written by a vendor service. ")
    return text + note, ev


def evaluate(inp: AuditInput) -> Finding:
    snap, kb = inp.snapshot, inp.knowledge
    services = [s for s in getattr(kb, "vendor_sms_services", ()) or ()]
    senders = [s for s in services if s.role in ("sim-activation", "cloud")]
    present = [(s, snap.package(s.package)) for s in senders]
    present = [(s, p) for s, p in present if p is not None and p.installed]
    if not present:
        if not snap.complete:
            return finding(META, Status.INCONCLUSIVE,
                           "The audit stopped before the package list was read completely, so vendor "
                           "SMS services may have been missed.", evidence=incomplete_evidence(snap))
        return finding(META, Status.NOT_APPLICABLE,
                       "No vendor SIM-activation or cloud service known to register the number by SMS "
                       "is on this phone.")

    account_types: dict[str, set[str]] = {}
    for s in services:
        if s.account_type:
            account_types.setdefault(s.vendor, set()).add(s.account_type)
    accounts_unknown = any("dumpsys account" in pr.command for pr in snap.problems)

    evidence: list[Evidence] = []
    active, no_account, unknown, idle = [], [], [], []
    for s, p in present:
        sends = p.holds(SEND_SMS)
        types = account_types.get(s.vendor, set())
        signed = [a for a in snap.accounts if a.type in types]
        evidence.append(Evidence(
            "dumpsys package",
            f"{p.name} ({s.vendor} {s.role}): {'enabled' if p.enabled else 'disabled'}, "
            f"{'holds SEND_SMS' if sends else 'does not hold SEND_SMS'}",
            cmd_dumpsys_package(p.name),
        ))
        if not (p.enabled and sends):
            idle.append(p.name)
        elif signed:
            active.append(p.name)
        elif accounts_unknown:
            unknown.append(p.name)
        else:
            no_account.append(p.name)
    vendors = sorted({s.vendor for s, _ in present})
    for v in vendors:
        types = account_types.get(v, set())
        signed = [a for a in snap.accounts if a.type in types]
        evidence.append(Evidence(
            "dumpsys account",
            f"{len(signed)} {v} account(s) signed in" + (f" (type {', '.join(sorted(types))})" if types else ""),
            "adb shell dumpsys account",
        ))
    sms_text, sms_ev = _sms_evidence(snap, {p.name for _, p in present})
    evidence += sms_ev

    if active:
        return finding(
            META, Status.FAIL,
            f"{displays(active, inp.apks)} can send SMS in the background and you are signed in to a "
            f"{'/'.join(v.capitalize() for v in vendors)} account: this is the set-up in which the NCSC saw a hidden SMS "
            f"register the phone number. {sms_text}",
            subjects=active, evidence=evidence,
        )
    if unknown:
        return finding(
            META, Status.INCONCLUSIVE,
            f"{displays(unknown, inp.apks)} can send SMS, but the accounts on the phone could not be read, so it "
            f"is unknown whether the service is active. {sms_text}",
            subjects=unknown, evidence=evidence + incomplete_evidence(snap),
        )
    if no_account:
        return finding(
            META, Status.WARN,
            f"{displays(no_account, inp.apks)} can send SMS in the background; no vendor account is signed in, "
            f"so the registration is not expected to happen until you sign in. {sms_text}",
            subjects=no_account, evidence=evidence,
        )
    return finding(
        META, Status.PASS,
        f"Vendor SMS services are present but disabled or without the right to send SMS "
        f"({displays(idle, inp.apks)}). {sms_text}",
        subjects=idle, evidence=evidence,
    )

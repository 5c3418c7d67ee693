"""apps.sms-access: apps other than the default SMS app and the telephony core that can
read, receive or send SMS."""

from __future__ import annotations

from checks.commands import cmd_dumpsys_package
from checks.packages import is_preinstalled
from checks.user_settings import unless_every_user_read, value_by_user
from checks.wording import label, names
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('pm list packages', 'dumpsys package', 'settings secure'),
    apk_scope='none',
    id="apps.sms-access",
    title="Apps with access to SMS",
    category="apps",
    severity=Severity.HIGH,
    looks_at=(
        "Which packages hold READ_SMS, SEND_SMS, RECEIVE_SMS, RECEIVE_MMS or RECEIVE_WAP_PUSH "
        "in any user of the phone (a work profile too; on Android 5 the grantedPermissions list), "
        "apart from that user's default SMS app and the telephony core (phone, telephony provider, "
        "MMS service, cell broadcasts)."
    ),
    why=(
        "SMS carry login codes and private messages, and sending them costs money. An app "
        "that reads SMS can take over accounts protected by SMS codes; one that sends SMS can "
        "subscribe you to paid services or report on you."
    ),
    remediation=(
        "Settings > Apps > the app > Permissions > SMS > Don't allow. Pre-installed vendor "
        "apps may lose features; the permission can be given back at any time."
    ),
    references=("https://developer.android.com/guide/topics/permissions/default-handlers",),
)

SMS_PERMISSIONS = tuple(
    "android.permission." + p for p in ("READ_SMS", "SEND_SMS", "RECEIVE_SMS", "RECEIVE_MMS", "RECEIVE_WAP_PUSH")
)
#: the platform's telephony core: SMS is their job
CORE = frozenset({
    "com.android.phone",
    "com.android.providers.telephony",
    "com.android.mms.service",
    "com.android.shell",
    "com.android.cellbroadcastreceiver",
    "com.android.cellbroadcastreceiver.module",
    "com.google.android.cellbroadcastreceiver",
    "com.android.cellbroadcastservice",
    "com.google.android.cellbroadcastservice",
    "com.android.bluetooth",  # MAP profile: shows SMS on a car kit
    "com.android.stk",
})


def _users_holding(p) -> set[int]:
    """The users in which `p` holds an SMS permission: install permissions hold in every
    user it is installed for, runtime grants in the user they were made in."""
    users: set[int] = set()
    install = any(perm in p.install_permissions for perm in SMS_PERMISSIONS)
    if p.installed and (install or any(perm in p.runtime_permissions for perm in SMS_PERMISSIONS)):
        users.add(0)
    if install or any(perm in p.other_user_runtime_permissions for perm in SMS_PERMISSIONS):
        users.update(p.other_users)
    return users or {0}


def evaluate(inp: AuditInput) -> Finding:
    return unless_every_user_read(META, _evaluate(inp), inp)


def _evaluate(inp: AuditInput) -> Finding:
    snap = inp.snapshot
    extra_core = set((getattr(inp.knowledge, "extra", None) or {}).get("sms_core_packages", ()))
    core = CORE | extra_core
    # each user has its own default SMS app: being user 0's default excuses nothing in a
    # work profile, and the other way round
    defaults = {0: snap.default_sms_app} | value_by_user(snap, "sms_default_application")
    third, vendor, disabled, ev = [], [], [], []
    for p in snap.packages:
        if not p.installed_anywhere or p.name in core:
            continue
        held = [perm.rsplit(".", 1)[-1] for perm in SMS_PERMISSIONS if p.holds(perm)]
        if not held or all(defaults.get(u) == p.name for u in _users_holding(p)):
            continue
        pre = is_preinstalled(p)
        # a disabled app cannot run, so it cannot use SMS (ncsc.cloud-sms-registration
        # judges a disabled SIM-activation service the same way); its rights stay in the
        # evidence, in case it is enabled again
        if p.enabled:
            (vendor if pre else third).append(p.name)
        else:
            disabled.append(p.name)
        where = f", in user {', '.join(map(str, p.other_users))}" if p.other_users else ""
        ev.append(Evidence("dumpsys package", f"{p.name} ({'pre-installed' if pre else 'installed by the user'}"
                           f"{'' if p.enabled else ', disabled'}{where}): {', '.join(held)}",
                           cmd_dumpsys_package(p.name)))
    if snap.default_sms_app:
        ev.append(Evidence("settings", f"default SMS app: {snap.default_sms_app}",
                           "adb shell settings get secure sms_default_application"))
    for user, app in sorted(defaults.items()):
        if user and app:
            ev.append(Evidence("settings", f"default SMS app in user {user}: {app}",
                               f"adb shell settings --user {user} get secure sms_default_application"))
    if third:
        return finding(META, Status.FAIL,
                       f"{names([label(n, inp.apks) for n in third])} can read or send your SMS without being your SMS app.",
                       subjects=third + vendor, evidence=ev)
    if vendor:
        return finding(META, Status.WARN,
                       f"{names([label(n, inp.apks) for n in vendor])} (pre-installed) can read or send SMS without being your SMS app.",
                       subjects=vendor, evidence=ev)
    if not snap.complete:
        return finding(META, Status.INCONCLUSIVE, "The audit stopped before the package list was read completely.")
    off = (f" {names([label(n, inp.apks) for n in disabled])} {'holds' if len(disabled) == 1 else 'hold'} SMS "
           f"rights but {'is' if len(disabled) == 1 else 'are'} disabled, so cannot use them." if disabled else "")
    return finding(META, Status.PASS, "Only your SMS app and the phone's telephony core can use SMS." + off,
                   evidence=ev)

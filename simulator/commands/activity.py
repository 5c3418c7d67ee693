"""What the simulated phone records of app use, in the formats Android prints:

- `dumpsys netstats detail` as NetworkStatsService lays it out (Dev / Xt / UID / UID tag
  stats; `ident=[...] uid=N set=S tag=0xT` keys, then `st=... rb=... rp=... tb=... tp=...
  op=...` buckets of 2 hours, "History since boot");
- `dumpsys usagestats` as UsageStatsService does (a `user=0` line, the daily, weekly,
  monthly and yearly `packages` lists of `package=... totalTimeUsed=... lastTimeUsed=...`);
- `cmd role get-role-holders ROLE` as RoleManagerShellCommand does (holders joined by `;`);
- the `time=+...ago` of the SEND_SMS op, for `appops get PKG SEND_SMS`.

Everything comes from the profile's `[activity]` table; a profile without one prints
dumps with nothing in them, as a freshly booted phone does.
"""

from __future__ import annotations

from simulator.commands.result import fail, ok

BUCKET = 7200


def _ident(t) -> str:
    if t.network == "MOBILE":
        return "[{type=MOBILE, subType=COMBINED, subscriberId=246011...., metered=true, defaultNetwork=true}]"
    return '[{type=WIFI, subType=COMBINED, networkId="Home-5G", metered=false, defaultNetwork=true}]'


def _buckets(rx: int, tx: int, last: int) -> list[str]:
    """Two buckets: a third of the bytes 4 hours before the last one, the rest in it."""
    last -= last % BUCKET
    early_rx, early_tx = rx // 3, tx // 3
    rows = []
    if early_rx or early_tx:
        rows.append(f"st={last - 2 * BUCKET} rb={early_rx} rp={early_rx // 1400 + 1} "
                    f"tb={early_tx} tp={early_tx // 1400 + 1} op=0")
    rows.append(f"st={last} rb={rx - early_rx} rp={(rx - early_rx) // 1400 + 1} "
                f"tb={tx - early_tx} tp={(tx - early_tx) // 1400 + 1} op=0")
    return rows


def dump_netstats(phone) -> str:
    act = phone.profile.activity
    total_rx = sum(t.rx_bytes for t in act.traffic)
    total_tx = sum(t.tx_bytes for t in act.traffic)
    last = max((t.last_bucket for t in act.traffic), default=phone.base_time)
    wifi = '[{type=WIFI, subType=COMBINED, networkId="Home-5G", metered=false, defaultNetwork=true}]'
    lines = ["Active interfaces:", f"  iface=wlan0 ident={wifi}", "Active UID interfaces:",
             f"  iface=wlan0 ident={wifi}", "Dev stats:", "  Pending bytes: 0", "  History since boot:",
             f"    ident={wifi} uid=-1 set=ALL tag=0x0", "      NetworkStatsHistory: bucketDuration=3600"]
    lines += ["        " + r for r in _buckets(total_rx, total_tx, last)]
    lines += ["Xt stats:", "  Pending bytes: 0", "  History since boot:",
              f"    ident={wifi} uid=-1 set=ALL tag=0x0", "      NetworkStatsHistory: bucketDuration=3600"]
    lines += ["        " + r for r in _buckets(total_rx, total_tx, last)]
    lines += ["UID stats:", "  Pending bytes: 0", "  History since boot:"]
    tagged = []
    for t in sorted(act.traffic, key=lambda t: (t.uid, t.network)):
        # the foreground share and the background share are separate sets of one uid
        fg_rx, fg_tx = t.rx_bytes // 2, t.tx_bytes // 2
        for set_name, rx, tx in (("DEFAULT", t.rx_bytes - fg_rx, t.tx_bytes - fg_tx), ("FOREGROUND", fg_rx, fg_tx)):
            if not (rx or tx):
                continue
            lines.append(f"    ident={_ident(t)} uid={t.uid} set={set_name} tag=0x0")
            lines.append(f"      NetworkStatsHistory: bucketDuration={BUCKET}")
            lines += ["        " + r for r in _buckets(rx, tx, t.last_bucket)]
        # a tagged socket's bytes are also in the untagged rows above
        tagged.append(f"    ident={_ident(t)} uid={t.uid} set=DEFAULT tag=0xffffff01")
        tagged.append(f"      NetworkStatsHistory: bucketDuration={BUCKET}")
        tagged += ["        " + r for r in _buckets(t.rx_bytes // 4, t.tx_bytes // 4, t.last_bucket)]
    lines += ["UID tag stats:", "  Pending bytes: 0", "  History since boot:"] + tagged
    return "\n".join(lines) + "\n"


def dump_usagestats(phone) -> str:
    act = phone.profile.activity
    lines = ["user=0 ", "  Last 24 hour events (timeRange=\"...\")", ""]
    for interval in ("daily", "weekly", "monthly", "yearly"):
        lines.append(f"  In-memory {interval} stats")
        lines.append('  timeRange="..." ')
        lines.append("    packages")
        for name, (last, total) in sorted(act.usage.items()):
            lines.append(f'      package={name} totalTimeUsed="{total}" lastTimeUsed="{last}" '
                         f'totalTimeVisible="{total}" lastTimeVisible="{last}" totalTimeFS="00:00" '
                         f'lastTimeFS="1970-01-01 00:00:00" appLaunchCount=3 ')
        lines.append("")
        lines.append("    ChooserCounts")
        lines.append("")
    # AppIdleHistory: one line a package of user 0 (used ones "active", others "rare")
    lines.append("  App Standby States:")
    for pkg in phone.profile.packages:
        if not pkg.installed:
            continue
        bucket, reason = ("10", "u-mba") if pkg.name in act.usage else ("40", "d")
        lines.append(f"    package={pkg.name} u=0 bucket={bucket} reason={reason} used=+12d3h usedByUser=+12d3h "
                     f"usedScr=+2d1h lastPred=-- activeLeft=0 wsLeft=0 lastJob=-- idle=n")
    return "\n".join(lines) + "\n"


def role(ctx, args: list[str]):
    """`cmd role get-role-holders ROLE`; the role's writers are refused (read-only phone)."""
    if ctx.phone.profile.sdk < 29:
        return fail("cmd: Can't find service: role\n", 20)  # RoleManager came with Android 10
    if not args:
        return fail("Error: no command specified\n", 255)
    if args[0] != "get-role-holders":
        if args[0] in ("add-role-holder", "remove-role-holder", "clear-role-holders"):
            return fail("Security exception: the simulated phone is read-only\n", 255)
        return fail(f"Unknown command: {args[0]}\n", 255)
    if len(args) < 2:
        return fail("Error: Argument expected after \"get-role-holders\"\n", 255)
    profile = ctx.phone.profile
    holders = profile.activity.roles.get(args[1])
    if holders is None and args[1] == "android.app.role.SMS":
        sms = profile.settings.get("secure", {}).get("sms_default_application")
        holders = (sms,) if sms else ()
    return ok(";".join(holders or ()) + "\n")


def sms_time_suffix(phone, package: str, op: str) -> str:
    """`; time=+2h13m ago` for a SEND_SMS op the profile says was used, else ""."""
    if op != "SEND_SMS":
        return ""
    ago = phone.profile.activity.sms_sent.get(package)
    if ago is None:
        return ""
    d, rest = divmod(int(ago), 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    text = "".join(f"{v}{u}" for v, u in ((d, "d"), (h, "h"), (m, "m"), (s, "s")) if v) or "0ms"
    return f"; time=+{text} ago"

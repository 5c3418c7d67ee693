"""Processes and logs: toybox `ps`, `logcat`, and `bu` (adb backup's helper).

`ps` lists a fixed set of Android daemons plus the app processes of the profile's
running packages (the packages in [device] `running`, else the system UI, phone and
Play services when installed). Columns and widths are toybox's: the Android default
is `-o USER:12,PID,PPID,VSZ:7,RSS:6,WCHAN:10,ADDR:10,S,NAME`; the header pads every
field, rows do not pad the last one.

`logcat -d` prints the profile's log lines ([device] `logcat`, a file in the profile
folder), none by default; the simulated phone never clears its log.

`bu backup` / `bu restore` wait for the user to confirm on the phone's screen; the
simulated user never does, so nothing is written and nothing restored (a full
backup holds personal data; a restore would change the phone).
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.commands.result import ok

#: the shell user's own processes, last in the list as on a phone
SHELL_PID = 30500
PS_PID = 30512


@dataclass(frozen=True)
class Proc:
    user: str
    uid: int
    pid: int
    ppid: int
    vsz: int
    rss: int
    state: str
    name: str
    label: str


#: (user, uid, pid, ppid, vsz KiB, rss KiB, name, SELinux label)
_DAEMONS = (
    ("root", 0, 1, 0, 10902248, 7556, "init", "u:r:init:s0"),
    ("root", 0, 2, 0, 0, 0, "[kthreadd]", "u:r:kernel:s0"),
    ("root", 0, 420, 1, 10810196, 2680, "ueventd", "u:r:ueventd:s0"),
    ("logd", 1036, 651, 1, 10886008, 4944, "logd", "u:r:logd:s0"),
    ("system", 1000, 652, 1, 10772864, 2324, "servicemanager", "u:r:servicemanager:s0"),
    ("system", 1000, 701, 1, 10849408, 13964, "surfaceflinger", "u:r:surfaceflinger:s0"),
    ("root", 0, 742, 1, 15101408, 140652, "zygote64", "u:r:zygote:s0"),
    ("root", 0, 743, 1, 1716560, 121980, "zygote", "u:r:zygote:s0"),
    ("system", 1000, 1204, 742, 16652848, 301436, "system_server", "u:r:system_server:s0"),
    ("shell", 2000, 5182, 1, 10810744, 3316, "adbd", "u:r:adbd:s0"),
)

DEFAULT_RUNNING = ("com.android.systemui", "com.android.phone", "com.google.android.gms")

_SYSTEM_USERS = {0: "root", 1000: "system", 1001: "radio", 1002: "bluetooth", 1036: "logd", 2000: "shell"}


def user_name(uid: int) -> str:
    """Android's name for a uid of user 0: u0_a123 for apps, else the AID name."""
    if uid >= 10000:
        return f"u0_a{uid - 10000}"
    return _SYSTEM_USERS.get(uid, str(uid))


def processes(phone) -> list[Proc]:
    """Every process `ps -A` shows, in pid order (cached per phone)."""
    cached = phone.render_cache.get("ps")
    if cached is not None:
        return cached
    procs = [Proc(u, uid, pid, ppid, vsz, rss, "S", name, label)
             for u, uid, pid, ppid, vsz, rss, name, label in _DAEMONS]
    wanted = phone.profile.running if phone.profile.running is not None else DEFAULT_RUNNING
    pid = 1800
    for name in wanted:
        pkg = phone.profile.package(name)
        if pkg is None or not pkg.enabled or not pkg.installed:
            continue
        label = "u:r:platform_app:s0:c512,c768" if pkg.uid < 10000 or pkg.system else "u:r:untrusted_app:s0:c512,c768"
        procs.append(Proc(user_name(pkg.uid), pkg.uid, pid, 742, 14877436, 98432, "S", name, label))
        pid += 37
    procs.append(Proc("shell", 2000, SHELL_PID, 5182, 10788436, 3012, "S", "sh", "u:r:shell:s0"))
    procs.append(Proc("shell", 2000, PS_PID, SHELL_PID, 10809924, 3556, "R", "ps", "u:r:shell:s0"))
    procs.sort(key=lambda p: p.pid)  # toybox walks /proc in pid order
    phone.render_cache["ps"] = procs
    return procs


# name -> (width: negative is left-aligned, value of a Proc)
_FIELDS = {
    "USER": (-12, lambda p: p.user),
    "UID": (5, lambda p: str(p.uid)),
    "PID": (5, lambda p: str(p.pid)),
    "PPID": (5, lambda p: str(p.ppid)),
    "VSZ": (7, lambda p: str(p.vsz)),
    "VSIZE": (7, lambda p: str(p.vsz)),
    "RSS": (6, lambda p: str(p.rss)),
    "WCHAN": (-10, lambda p: "0"),
    "ADDR": (10, lambda p: "0"),
    "S": (-1, lambda p: p.state),
    "NAME": (-27, lambda p: p.name),
    "CMD": (-27, lambda p: p.name),
    "ARGS": (-27, lambda p: p.name),
    "CMDLINE": (-27, lambda p: p.name),
    "COMM": (-15, lambda p: p.name.strip("[]")),
    "LABEL": (-30, lambda p: p.label),
}
_TITLES = {"VSIZE": "VSZ"}
DEFAULT_FIELDS = ("USER", "PID", "PPID", "VSZ", "RSS", "WCHAN", "ADDR", "S", "NAME")


def _cell(text: str, width: int, last: bool) -> str:
    if last and width < 0:
        return text  # toybox does not pad the last left-aligned field of a row
    if len(text) > abs(width) and width < 0:
        text = text[:abs(width) - 1] + "+"
    return f"{text:<{-width}}" if width < 0 else f"{text:>{width}}"


def ps(ctx, argv, stdin):
    """toybox ps [-A|-e] [-o FIELD,...] [-p PID,...]; without -A/-e only the shell's own."""
    args = argv[1:]
    fields: list[str] = []
    pids: set[int] | None = None
    everyone = False
    i = 0
    while i < len(args):
        a = args[i]
        if a[:2] in ("-o", "-p"):
            if len(a) > 2:
                value, i = a[2:], i + 1
            elif i + 1 < len(args):
                value, i = args[i + 1], i + 2
            else:
                return ok(stderr=f"ps: Missing argument to '{a[1]}'\n", code=1)
            if a[1] == "o":
                for name in value.replace(" ", ",").split(","):
                    if not name:
                        continue
                    if name.split(":")[0].split("=")[0].upper() not in _FIELDS:
                        return ok(stderr=f"ps: bad -o {name}\n", code=1)
                    fields.append(name)
            else:
                try:
                    pids = (pids or set()) | {int(x) for x in value.split(",") if x}
                except ValueError:
                    return ok(stderr=f"ps: bad -p {value}\n", code=1)
            continue
        if a.startswith("-") and set(a[1:]) <= set("AeZ"):
            everyone |= bool(set(a[1:]) & set("Ae"))
            if "Z" in a:
                fields = ["LABEL"] + (fields or list(DEFAULT_FIELDS))
            i += 1
            continue
        if a.startswith("-"):
            return ok(stderr=f"ps: Unknown option '{a}'\n", code=1)
        return ok(stderr=f"ps: bad -p {a}\n", code=1)  # toybox takes bare words as nothing else
    spec = []
    for name in fields or DEFAULT_FIELDS:
        base, _, title = name.partition("=")
        key, _, width = base.partition(":")
        key = key.upper()
        w = _FIELDS[key][0]
        if width.isdigit():
            w = -int(width) if w < 0 else int(width)
        spec.append((title or _TITLES.get(key, key), w, _FIELDS[key][1]))
    rows = processes(ctx.phone)
    if pids is not None:
        rows = [p for p in rows if p.pid in pids]
    elif not everyone:
        rows = [p for p in rows if p.user == "shell" and p.pid in (SHELL_PID, PS_PID)]
    # the header pads every field, the last too
    header = " ".join(f"{t:<{-w}}" if w < 0 else f"{t:>{w}}" for t, w, _ in spec)
    lines = [header]
    for p in rows:
        lines.append(" ".join(_cell(get(p), w, k == len(spec) - 1) for k, (_t, w, get) in enumerate(spec)))
    return ok("\n".join(lines) + "\n")


def logcat(ctx, argv, stdin):
    """`logcat -d` (dump and exit): the profile's log lines; -c never clears."""
    args = argv[1:]
    if "-c" in args or "--clear" in args:
        return ok()
    return ok(ctx.phone.profile.logcat)


def bu(ctx, argv, stdin):
    """`bu backup|restore ...`: the user never confirms, so nothing is backed up or restored."""
    args = argv[1:]
    while args[:1] == ["--user"] or (args and args[0] == "-user"):
        args = args[2:]
    if not args or args[0] not in ("backup", "restore"):
        return ok(stderr=BU_USAGE)
    return ok()


#: abbreviated: the real usage text goes on to list every backup option
BU_USAGE = "Usage: bu [--user USER_ID] backup|restore ...\n"


def remount(ctx, argv, stdin):
    """`adb remount` runs this over shell (feature remount_shell); the shell user may not."""
    return ok(stderr='Not running as root. Try "adb root" first.\n', code=1)

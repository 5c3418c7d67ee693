"""Small security facts: `getenforce`, `id`, `which su`, `ls` of su paths, root apps."""

from __future__ import annotations

import re

from adb.parsers._text import as_text

#: Packages of root managers and one-click root tools, by published package name.
ROOT_PACKAGES = frozenset(
    {
        "com.topjohnwu.magisk", "io.github.vvb2060.magisk", "io.github.huskydg.magisk",
        "me.weishu.kernelsu", "me.bmax.apatch", "eu.chainfire.supersu",
        "com.koushikdutta.superuser", "com.noshufou.android.su", "com.noshufou.android.su.elite",
        "com.thirdparty.superuser", "com.yellowes.su", "com.kingroot.kinguser",
        "com.kingo.root", "com.smedialink.oneclickroot", "com.zhiqupk.root.global",
        "com.alephzain.framaroot", "com.devadvance.rootcloak", "com.devadvance.rootcloakplus",
        "de.robv.android.xposed.installer", "org.lsposed.manager", "com.saurik.substrate",
        "com.formyhm.hideroot", "com.amphoras.hidemyroot", "com.zachspong.temprootremovejb",
    }
)

#: Paths where su binaries are commonly placed.
SU_PATHS = (
    "/system/bin/su", "/system/xbin/su", "/sbin/su", "/su/bin/su",
    "/data/local/xbin/su", "/data/local/bin/su", "/system/app/Superuser.apk",
)


def parse_getenforce(data: str | bytes) -> str | None:
    """"Enforcing" / "Permissive" / "Disabled", or None when the output is anything else."""
    v = as_text(data).strip()
    return v if v in ("Enforcing", "Permissive", "Disabled") else None


def parse_id_is_root(data: str | bytes) -> bool | None:
    """`uid=0(root) ...` -> True; another uid -> False; unreadable -> None."""
    m = re.search(r"\buid=(\d+)", as_text(data))
    if not m:
        return None
    return m.group(1) == "0"


def parse_which(data: str | bytes, exit_code: int | None) -> tuple[str, ...]:
    """Absolute paths `which` printed (exit 0 only)."""
    if exit_code not in (0, None):
        return ()
    return tuple(line.strip() for line in as_text(data).split("\n") if line.strip().startswith("/"))


def ls_found(path: str, stdout: str | bytes, stderr: str | bytes, exit_code: int | None) -> bool:
    """Whether `ls PATH` shows that the path exists (exit 0, no "No such file")."""
    if exit_code not in (0, None):
        return False
    text = as_text(stdout) + as_text(stderr)
    if "No such file" in text or "not found" in text:
        return False
    return path in as_text(stdout) or bool(as_text(stdout).strip())

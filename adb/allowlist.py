"""The read-only commands phone-audit may send to a phone, as data.

Each `Rule` names a program and the argument shapes it may be called with. A shape is
a tuple of slots; a slot is a literal word, a typed placeholder (`Slot`), or a set of
optional flags (`Flags`). `check(argv)` accepts an argv only if some shape of its
program matches every argument; anything else raises `CommandNotAllowed` before a byte
is sent. Phone-supplied values (package names, paths, keys) must match strict patterns.

`split_command_line` / `check_command_line` do the inverse on a logged shell line (a
batch joined with `;` and echo markers), so tests can prove what reached the phone.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Sequence


class CommandNotAllowed(Exception):
    """The command is not on the read-only allowlist; nothing was sent."""


@dataclass(frozen=True)
class Slot:
    """One argument of a given kind (see `KINDS`); `many` = one or more of them."""

    kind: str
    many: bool = False


@dataclass(frozen=True)
class Flags:
    """Zero or more of these flags, each at most once, in any order."""

    allowed: frozenset[str]


Element = str | Slot | Flags


@dataclass(frozen=True)
class Rule:
    program: str
    shapes: tuple[tuple[Element, ...], ...]


#: the `stat -c` format of the APK files (adb.parsers.apk_stat.STAT_FORMAT, the same text)
APK_STAT_FORMAT = "%i %s %Y %n"

#: Android package names (and the `which` target): letters, digits, `_` and `.`.
PACKAGE_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.]{0,254}")
#: system property / settings keys as they appear in the wild (MIUI/EMUI use `-` and `:`)
KEY_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:@\-]{0,254}")
OP_RE = re.compile(r"[A-Z][A-Z0-9_]{0,80}|[0-9]{1,3}")
SMS_URI_RE = re.compile(r"content://sms(/(inbox|sent|outbox|draft|failed|queued))?")
#: the markers `Gate.run_many` puts between batched commands (nonce, index, `$?`)
#: a role name as RoleManager spells it (`cmd role get-role-holders ROLE`)
ROLE_RE = re.compile(r"android\.app\.role\.[A-Z_]{1,64}")
MARKER_RE = re.compile(r"PAMARK_[0-9a-f]{8,32}_[0-9]{1,5}(_\$\?)?")

#: Columns of the SMS provider that may be read. `body` and `subject` (the content of
#: messages) are not among them, on purpose: the auditor reads metadata only.
SMS_COLUMNS = frozenset(
    {
        "_id", "thread_id", "address", "person", "date", "date_sent", "protocol",
        "read", "seen", "status", "type", "creator", "service_center", "locked",
        "sub_id", "error_code", "reply_path_present",
    }
)

#: Where APKs live; only these may be hashed or pulled.
APK_ROOTS = (
    "/system/", "/product/", "/vendor/", "/system_ext/", "/data/app/", "/apex/",
    "/odm/", "/oem/", "/india/", "/my_",
)

PM_LIST_FLAGS = frozenset({"-f", "-i", "-U", "-u", "-s", "-3", "-d", "-e", "--show-versioncode"})


def _plain_path(value: str) -> bool:
    """An absolute device path without NUL, newline, or `..` components."""
    if not value.startswith("/") or len(value) > 1024:
        return False
    if any(c in value for c in "\x00\n\r"):
        return False
    return ".." not in value.split("/")


def is_apk_path(value: str) -> bool:
    """A path under one of the APK locations (`APK_ROOTS`)."""
    return _plain_path(value) and any(value.startswith(r) for r in APK_ROOTS)


def _projection_ok(value: str) -> bool:
    cols = value.split(":")
    return bool(value) and all(c in SMS_COLUMNS for c in cols) and len(set(cols)) == len(cols)


KINDS = {
    "package": lambda v: PACKAGE_RE.fullmatch(v) is not None,
    "name": lambda v: PACKAGE_RE.fullmatch(v) is not None,
    "key": lambda v: KEY_RE.fullmatch(v) is not None,
    "namespace": lambda v: v in ("global", "secure", "system"),
    # a user id as `settings --user N` takes it (0 the owner, 10+ work profiles, ...)
    "user": lambda v: v.isascii() and v.isdigit() and len(v) <= 4,
    "op": lambda v: OP_RE.fullmatch(v) is not None,
    "path": _plain_path,
    "apk_path": is_apk_path,
    "sms_uri": lambda v: SMS_URI_RE.fullmatch(v) is not None,
    "sms_projection": _projection_ok,
    "marker": lambda v: MARKER_RE.fullmatch(v) is not None,
    "role": lambda v: ROLE_RE.fullmatch(v) is not None,
}

_DUMPSYS_SERVICES = ("account", "device_policy", "accessibility", "notification", "appops",
                     "adb")  # adb: issue 15, the computers trusted for USB debugging

RULES: tuple[Rule, ...] = (
    Rule("getprop", ((), (Slot("key"),))),
    Rule(
        "pm",
        (
            ("list", "packages", Flags(PM_LIST_FLAGS)),
            ("path", Slot("package")),
        ),
    ),
    Rule("cmd", (("package", "list", "packages", Flags(PM_LIST_FLAGS)),
                 # a query: who holds a role (add/remove/clear are not listed)
                 ("role", "get-role-holders", Slot("role")))),
    Rule(
        "dumpsys",
        (("package",), ("package", Slot("package")))
        + tuple((s,) for s in _DUMPSYS_SERVICES)
        # activity evidence: per-uid network use, last use of each app (issue 15)
        + (("netstats", "detail"), ("usagestats",)),
    ),
    Rule(
        "settings",
        (("list", Slot("namespace")), ("get", Slot("namespace"), Slot("key")),
         ("--user", Slot("user"), "list", Slot("namespace"))),
    ),
    Rule(
        "content",
        (
            # --projection is required: without it the provider returns every column,
            # message bodies included.
            ("query", "--uri", Slot("sms_uri"), "--projection", Slot("sms_projection")),
        ),
    ),
    Rule("appops", (("get", Slot("package")), ("get", Slot("package"), Slot("op")),
                    ("get", "--user", Slot("user"), Slot("package"), Slot("op")))),
    Rule("getenforce", ((),)),
    Rule("id", ((),)),
    Rule("which", ((Slot("name"),),)),
    Rule("sha256sum", ((Slot("apk_path", many=True),),)),
    Rule("ls", ((Slot("path"),), ("-la", "/data/local/tmp"))),
    # the warm re-audit: what the kernel says of APK files (inode, size, mtime, name),
    # in the one format adb.parsers.apk_stat reads
    Rule("stat", ((Slot("path"),), ("-c", APK_STAT_FORMAT, Slot("apk_path", many=True)))),
    Rule("echo", ((Slot("marker"),),)),
    # issue 15: phone state the forensic tools read
    Rule("ps", ((), ("-A", "-o", "USER,PID,PPID,NAME"))),
    Rule("cat", (("/proc/mounts",),)),
)

_BY_PROGRAM = {r.program: r for r in RULES}


def _match(shape: tuple[Element, ...], args: Sequence[str]) -> bool:
    i = 0
    for n, el in enumerate(shape):
        if isinstance(el, str):
            if i >= len(args) or args[i] != el:
                return False
            i += 1
        elif isinstance(el, Slot):
            check = KINDS[el.kind]
            if i >= len(args) or not check(args[i]):
                return False
            i += 1
            if el.many:
                while i < len(args) and check(args[i]):
                    i += 1
        else:  # Flags: consumes the rest of the flag-looking words
            seen: set[str] = set()
            while i < len(args) and args[i] in el.allowed and args[i] not in seen:
                seen.add(args[i])
                i += 1
    return i == len(args)


def is_allowed(argv: Sequence[str]) -> bool:
    """True if this argv is a permitted read-only command."""
    if not argv or not all(isinstance(a, str) for a in argv):
        return False
    rule = _BY_PROGRAM.get(argv[0])
    if rule is None:
        return False
    return any(_match(shape, argv[1:]) for shape in rule.shapes)


def check(argv: Sequence[str]) -> None:
    """Raise `CommandNotAllowed` unless `argv` is on the allowlist."""
    if not is_allowed(argv):
        shown = " ".join(shlex.quote(str(a)) for a in argv)[:300]
        raise CommandNotAllowed(f"not a permitted read-only command: {shown}")


def quote_argv(argv: Sequence[str]) -> str:
    """The shell line for an argv: every word shlex-quoted."""
    return " ".join(shlex.quote(a) for a in argv)


def split_command_line(line: str) -> list[list[str]]:
    """Split a shell line into the argvs it runs (`;`, `&&`, `||` separate commands).

    The only redirection accepted is `>&2` after an `echo MARKER` (the batch markers of
    `Gate.run_many` on stderr). Raises ValueError for anything else a shell would treat
    specially (pipes, other redirections, substitutions, unbalanced quotes).
    """
    lex = shlex.shlex(line, posix=True, punctuation_chars=";&|<>")
    lex.whitespace_split = True
    tokens = list(lex)
    commands: list[list[str]] = [[]]
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in (";", "&&", "||"):
            commands.append([])
        elif tok == ">&" and i + 1 < len(tokens) and tokens[i + 1] == "2":
            cur = commands[-1]
            if len(cur) != 2 or cur[0] != "echo" or not MARKER_RE.fullmatch(cur[1]):
                raise ValueError("redirection outside a batch marker")
            i += 1
        elif tok and set(tok) <= set(";&|<>"):
            raise ValueError(f"shell operator {tok!r}")
        else:
            commands[-1].append(tok)
        i += 1
    if _expands(line):
        raise ValueError("substitution")
    return [c for c in commands if c]


def _expands(line: str) -> bool:
    """Whether sh would expand anything in `line` outside single quotes: a backtick or
    a `$` other than the `$?` of the batch markers. Inside single quotes (where
    shlex.quote puts every phone-supplied word) `$(...)` is literal text."""
    quote = ""
    i = 0
    while i < len(line):
        ch = line[i]
        if quote == "'":
            if ch == "'":
                quote = ""
        elif ch == "\\":
            i += 1  # the next character is literal
        elif ch == "'" and not quote:
            quote = "'"
        elif ch == '"':
            quote = "" if quote == '"' else '"'
        elif ch == "`" or (ch == "$" and line[i + 1:i + 2] != "?"):
            return True
        i += 1
    return False


def check_command_line(line: str) -> list[list[str]]:
    """Check every command of a logged shell line; returns the argvs or raises."""
    try:
        argvs = split_command_line(line)
    except ValueError as e:
        raise CommandNotAllowed(f"not a plain command line ({e}): {line[:300]!r}") from None
    for argv in argvs:
        check(argv)
    return argvs

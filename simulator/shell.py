"""A small /system/bin/sh for the simulated phone.

Enough of mksh for what an auditor (and adbutils) sends: words with single quotes,
double quotes and backslashes; `$?`, `$NAME`, `${NAME}`; lists joined by `;`, `&&`,
`||`, newlines and `|` pipes; `!`; redirections to /dev/null and `2>&1`; globbing over
the phone's files. Commands are looked up in `simulator.commands.COMMANDS`;
unknown ones answer like mksh: `/system/bin/sh: NAME: inaccessible or not found`, 127.

Parsing is separate from running so that `$?` is expanded when a command runs.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from simulator.command_match import canonical, derive
from simulator.model import STDERR, STDOUT, ShellResult

if TYPE_CHECKING:
    from simulator.phone import PhoneModel

SH = "/system/bin/sh"
PATH_DIRS = (
    "/product/bin", "/apex/com.android.runtime/bin", "/apex/com.android.art/bin",
    "/system_ext/bin", "/system/bin", "/system/xbin", "/odm/bin", "/vendor/bin", "/vendor/xbin",
)
DEFAULT_ENV = {
    "PATH": ":".join(PATH_DIRS),
    "HOME": "/",
    "SHELL": SH,
    "USER": "shell",
    "LOGNAME": "shell",
    "HOSTNAME": "localhost",
    "TMPDIR": "/data/local/tmp",
    "ANDROID_DATA": "/data",
    "ANDROID_ROOT": "/system",
    "EXTERNAL_STORAGE": "/sdcard",
}


class ShellSyntaxError(Exception):
    """The command line cannot be parsed (message as mksh would print it)."""


# --------------------------------------------------------------------------- parse

# A word is a list of segments: ("lit", text, quoted) or ("var", name, quoted).
Segment = tuple[str, str, bool]


@dataclass
class Redirect:
    fd: int  # 0, 1 or 2
    op: str  # ">", ">>", "<", ">&"
    target: list[Segment]


@dataclass
class SimpleCommand:
    words: list[list[Segment]] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)
    #: the source text of this command, trimmed (for [commands] verbatim matches)
    source: str = ""


@dataclass
class Pipeline:
    commands: list[SimpleCommand]
    negate: bool = False


@dataclass
class AndOr:
    #: first pipeline, then (operator, pipeline) pairs with operator "&&" or "||"
    first: Pipeline
    rest: list[tuple[str, Pipeline]] = field(default_factory=list)


_META = set(";&|<>\n")
_SPACE = " \t"


def _lex(line: str) -> list[tuple]:
    """Tokens: ("word", segments, start, end), ("op", text, start, end), ("redir", fd, op, start, end)."""
    toks: list[tuple] = []
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c in _SPACE:
            i += 1
            continue
        if c == "#":
            while i < n and line[i] != "\n":
                i += 1
            continue
        if c == "\n" or c == ";":
            if line.startswith(";;", i):
                raise ShellSyntaxError("syntax error: ';;' unexpected")
            toks.append(("op", ";", i, i + 1))
            i += 1
            continue
        if c in "&|":
            if line.startswith(c * 2, i):
                toks.append(("op", c * 2, i, i + 2))
                i += 2
            elif c == "&" and line.startswith("&>", i):
                toks.append(("redir", 1, "&>", i, i + 2))
                i += 2
            else:
                toks.append(("op", c, i, i + 1))
                i += 1
            continue
        if c in "()":
            raise ShellSyntaxError(f"syntax error: '{c}' unexpected")
        # redirections, possibly with a leading fd digit
        j = i
        fd = None
        if c.isdigit() and i + 1 < n and line[i + 1] in "<>":
            fd = int(c)
            j = i + 1
        if line[j] in "<>":
            if line.startswith(">>", j):
                op, k = ">>", j + 2
            elif line.startswith(">&", j):
                op, k = ">&", j + 2
            elif line[j] == ">":
                op, k = ">", j + 1
            else:
                op, k = "<", j + 1
            if fd is None:
                fd = 0 if op == "<" else 1
            toks.append(("redir", fd, op, i, k))
            i = k
            continue
        # a word
        segs: list[Segment] = []
        start = i
        buf = ""

        def flush(quoted: bool) -> None:
            nonlocal buf
            if buf:
                segs.append(("lit", buf, quoted))
                buf = ""

        while i < n and line[i] not in _SPACE and line[i] not in _META and line[i] not in "()":
            c = line[i]
            if c == "\\":
                flush(False)
                if i + 1 < n:
                    if line[i + 1] != "\n":  # backslash-newline joins lines
                        segs.append(("lit", line[i + 1], True))
                    i += 2
                else:
                    i += 1
                continue
            if c == "'":
                flush(False)
                end = line.find("'", i + 1)
                if end < 0:
                    raise ShellSyntaxError("syntax error: unterminated quoted string")
                segs.append(("lit", line[i + 1 : end], True))
                i = end + 1
                continue
            if c == '"':
                flush(False)
                i += 1
                inner = ""
                closed = False
                while i < n:
                    d = line[i]
                    if d == '"':
                        closed = True
                        i += 1
                        break
                    if d == "\\" and i + 1 < n and line[i + 1] in '$`"\\\n':
                        if line[i + 1] != "\n":
                            inner += line[i + 1]
                        i += 2
                        continue
                    if d == "$":
                        name, i2 = _var_name(line, i)
                        if name is not None:
                            if inner:
                                segs.append(("lit", inner, True))
                                inner = ""
                            segs.append(("var", name, True))
                            i = i2
                            continue
                    inner += d
                    i += 1
                if not closed:
                    raise ShellSyntaxError("syntax error: unterminated quoted string")
                segs.append(("lit", inner, True))
                continue
            if c == "$":
                name, i2 = _var_name(line, i)
                if name is not None:
                    flush(False)
                    segs.append(("var", name, False))
                    i = i2
                    continue
            if c == "`":
                raise ShellSyntaxError("syntax error: command substitution is not supported")
            buf += c
            i += 1
        flush(False)
        toks.append(("word", segs, start, i))
    return toks


def _var_name(line: str, i: int) -> tuple[str | None, int]:
    """The variable referenced at line[i] == "$", and the index after it."""
    n = len(line)
    if i + 1 >= n:
        return None, i
    c = line[i + 1]
    if c in "?$#!0123456789":
        return c, i + 2
    if c == "{":
        end = line.find("}", i + 2)
        if end < 0:
            raise ShellSyntaxError("syntax error: missing '}'")
        return line[i + 2 : end], end + 1
    if c.isalpha() or c == "_":
        j = i + 1
        while j < n and (line[j].isalnum() or line[j] == "_"):
            j += 1
        return line[i + 1 : j], j
    if c == "(":
        raise ShellSyntaxError("syntax error: command substitution is not supported")
    return None, i


def parse(line: str) -> list[AndOr]:
    """Parse a command line into and-or lists (raises ShellSyntaxError)."""
    toks = _lex(line)
    lists: list[AndOr] = []
    pos = 0

    def parse_command() -> SimpleCommand:
        nonlocal pos
        cmd = SimpleCommand()
        start = end = None
        while pos < len(toks) and toks[pos][0] in ("word", "redir"):
            t = toks[pos]
            if start is None:
                start = t[-2]
            if t[0] == "word":
                cmd.words.append(t[1])
                end = t[3]
                pos += 1
            else:
                if pos + 1 >= len(toks) or toks[pos + 1][0] != "word":
                    raise ShellSyntaxError("syntax error: unexpected redirection without a target")
                target = toks[pos + 1]
                op = t[2]
                if op == "&>":
                    cmd.redirects.append(Redirect(1, ">", target[1]))
                    cmd.redirects.append(Redirect(2, ">&", [("lit", "1", False)]))
                else:
                    cmd.redirects.append(Redirect(t[1], op, target[1]))
                end = target[3]
                pos += 2
        if start is None:
            bad = toks[pos][1] if pos < len(toks) else "newline"
            raise ShellSyntaxError(f"syntax error: '{bad}' unexpected")
        cmd.source = line[start:end].strip()
        return cmd

    def parse_pipeline() -> Pipeline:
        nonlocal pos
        negate = False
        if pos < len(toks) and toks[pos][0] == "word" and toks[pos][1] == [("lit", "!", False)]:
            negate = True
            pos += 1
        cmds = [parse_command()]
        while pos < len(toks) and toks[pos][0] == "op" and toks[pos][1] == "|":
            pos += 1
            cmds.append(parse_command())
        return Pipeline(cmds, negate)

    while pos < len(toks):
        if toks[pos][0] == "op" and toks[pos][1] == ";":
            if line[toks[pos][2]] == ";":  # a ";" with no command before it
                raise ShellSyntaxError("syntax error: ';' unexpected")
            pos += 1
            continue
        ao = AndOr(parse_pipeline())
        while pos < len(toks) and toks[pos][0] == "op" and toks[pos][1] in ("&&", "||"):
            op = toks[pos][1]
            pos += 1
            while pos < len(toks) and toks[pos][0] == "op" and toks[pos][1] == ";" and line[toks[pos][2]] == "\n":
                pos += 1
            ao.rest.append((op, parse_pipeline()))
        lists.append(ao)
        if pos < len(toks):
            t = toks[pos]
            if t[0] == "op" and t[1] in (";", "&"):
                pos += 1
            else:
                raise ShellSyntaxError(f"syntax error: '{t[1]}' unexpected")
    return lists


# --------------------------------------------------------------------------- run


@dataclass
class ShellContext:
    """What a command sees: the phone, the environment, the last exit status."""

    phone: "PhoneModel"
    env: dict[str, str]
    status: int = 0


#: handler(ctx, argv, stdin) -> ShellResult
Handler = Callable[[ShellContext, list[str], bytes], ShellResult]


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


def _expand_word(ctx: ShellContext, segs: list[Segment], glob: bool = True) -> list[str]:
    fields: list[str] = [""]
    quoted_any = False
    literal_any = False
    pattern_chars = False
    for kind, text, quoted in segs:
        if kind == "lit":
            fields[-1] += text
            literal_any = True
            quoted_any |= quoted
            if not quoted and any(ch in text for ch in "*?["):
                pattern_chars = True
            continue
        if text == "?":
            value = str(ctx.status)
        elif text == "$":
            value = "4242"
        elif text == "#":
            value = "0"
        elif text == "0":
            value = SH
        else:
            value = ctx.env.get(text, "")
        if quoted:
            fields[-1] += value
            quoted_any = True
            continue
        parts = value.split()
        if not parts:
            continue
        if value[0].isspace() and fields[-1]:
            fields.append("")
        fields[-1] += parts[0]
        for p in parts[1:]:
            fields.append(p)
        if value[-1].isspace():
            fields.append("")
    if fields and fields[-1] == "" and len(fields) > 1:
        fields.pop()
    if fields == [""] and not quoted_any and not literal_any:
        return []
    if glob and pattern_chars and len(fields) == 1:
        matches = _glob(ctx.phone, fields[0])
        if matches:
            return matches
    return fields


def _glob(phone: "PhoneModel", pattern: str) -> list[str]:
    """Expand an absolute glob pattern over the phone's files (no match: nothing)."""
    if not pattern.startswith("/"):
        return []
    parts = [p for p in pattern.split("/") if p]
    paths = ["/"]
    for part in parts:
        nxt = []
        for base in paths:
            if any(ch in part for ch in "*?["):
                entries = phone.listdir(base) or []
                for name, _st in entries:
                    if name.startswith(".") and not part.startswith("."):
                        continue
                    if fnmatch.fnmatchcase(name, part):
                        nxt.append(base.rstrip("/") + "/" + name)
            else:
                cand = base.rstrip("/") + "/" + part
                if phone.stat(cand) is not None:
                    nxt.append(cand)
        paths = nxt
        if not paths:
            return []
    return sorted(paths)


def resolve_command(ctx: ShellContext, name: str) -> tuple[str, str | None]:
    """("builtin"|"command"|"file"|"missing", path) for a command name."""
    from simulator.commands import COMMANDS, SHELL_BUILTINS

    if "/" in name:
        folder, base = name.rsplit("/", 1)
        if folder in PATH_DIRS and base in COMMANDS and folder == "/system/bin":
            return "command", name
        st = ctx.phone.stat(name)
        if st is not None:
            return "file", name
        return "missing", None
    if name in SHELL_BUILTINS:
        return "builtin", name
    for d in ctx.env.get("PATH", "").split(":"):
        if d == "/system/bin" and name in COMMANDS:
            return "command", f"/system/bin/{name}"
        st = ctx.phone.stat(f"{d}/{name}") if d else None
        if st is not None and not (st.mode & 0o040000):
            return "file", f"{d}/{name}"
    return "missing", None


def _run_simple(ctx: ShellContext, cmd: SimpleCommand, stdin: bytes) -> ShellResult:
    from simulator.commands import COMMANDS, SHELL_BUILTINS

    verbatim = ctx.phone.profile.commands.get(cmd.source)
    argv: list[str] = []
    for w in cmd.words:
        argv.extend(_expand_word(ctx, w))
    if verbatim is None and argv:
        # the same request spelled another way (flag order, cmd SERVICE, --user 0)
        key = canonical(argv)
        verbatim = ctx.phone.command_index().get(key) or derive(ctx.phone.command_index(), key)
    if verbatim is not None:
        res = ShellResult(verbatim.stdout, verbatim.stderr, verbatim.exit_code)
    elif not argv:
        res = ShellResult()
    else:
        name = argv[0]
        kind, path = resolve_command(ctx, name)
        if kind == "builtin":
            res = SHELL_BUILTINS[name](ctx, argv, stdin)
        elif kind == "command":
            res = COMMANDS[path.rsplit("/", 1)[1]](ctx, argv, stdin)
        elif kind == "file":
            res = ShellResult(stderr=f"{SH}: {name}: can't execute: Permission denied\n".encode(), exit_code=126)
        else:
            res = ShellResult(stderr=f"{SH}: {name}: inaccessible or not found\n".encode(), exit_code=127)
    out = _apply_redirects(ctx, cmd, res)
    if isinstance(res, _ExitResult):
        out = _ExitResult(out.stdout, out.stderr, out.exit_code, out.order)
    return out


def _result(pieces: list[tuple[int, bytes]], exit_code: int) -> ShellResult:
    """A ShellResult from (fd, bytes) writes in order."""
    pieces = [p for p in pieces if p[1]]
    out = b"".join(data for fd, data in pieces if fd == STDOUT)
    err = b"".join(data for fd, data in pieces if fd == STDERR)
    return ShellResult(out, err, exit_code, tuple(pieces))


def _apply_redirects(ctx: ShellContext, cmd: SimpleCommand, res: ShellResult) -> ShellResult:
    pieces = list(res.pieces())
    for r in cmd.redirects:
        target = " ".join(_expand_word(ctx, r.target, glob=False))
        if r.op == ">&":
            if r.fd == 2 and target == "1":
                pieces = [(STDOUT, data) for _fd, data in pieces]
            elif r.fd == 1 and target == "2":
                pieces = [(STDERR, data) for _fd, data in pieces]
            continue
        if r.op == "<":
            if target != "/dev/null" and ctx.phone.stat(target) is None:
                pieces.append((STDERR, f"{SH}: can't open {target}: No such file or directory\n".encode()))
                return _result(pieces, 1)
            continue
        if target == "/dev/null":
            if r.fd in (1, 2):
                pieces = [p for p in pieces if p[0] != r.fd]
            continue
        return ShellResult(b"", f"{SH}: can't create {target}: Read-only file system\n".encode(), 1)
    return _result(pieces, res.exit_code)


def run(phone: "PhoneModel", line: str, env: dict[str, str] | None = None) -> ShellResult:
    """Run a command line on the phone as /system/bin/sh -c would."""
    verbatim = phone.profile.commands.get(line.strip())
    if verbatim is not None:
        return ShellResult(verbatim.stdout, verbatim.stderr, verbatim.exit_code)
    try:
        lists = parse(line)
    except ShellSyntaxError as e:
        return ShellResult(stderr=f"{SH}: {e}\n".encode(), exit_code=1)
    ctx = ShellContext(phone=phone, env=dict(env or DEFAULT_ENV))
    pieces: list[tuple[int, bytes]] = []
    try:
        for ao in lists:
            status = _run_pipeline(ctx, ao.first, pieces)
            ctx.status = status
            for op, pl in ao.rest:
                if (op == "&&" and status == 0) or (op == "||" and status != 0):
                    status = _run_pipeline(ctx, pl, pieces)
                    ctx.status = status
    except _Exit as e:
        ctx.status = e.code
    return _result(pieces, ctx.status & 0xFF)


def _run_pipeline(ctx: ShellContext, pl: Pipeline, pieces: list[tuple[int, bytes]]) -> int:
    """Run one pipeline, appending what reaches the terminal to `pieces` in order."""
    if len(pl.commands) == 1:
        # One command: its own writes, in its own order.
        res = _run_simple(ctx, pl.commands[0], b"")
        pieces.extend(res.pieces())
        if isinstance(res, _ExitResult):
            raise _Exit(res.exit_code)
        code = res.exit_code
        return (0 if code else 1) if pl.negate else code
    data = b""
    code = 0
    for cmd in pl.commands:
        res = _run_simple(ctx, cmd, data)
        # Each stage's stderr reaches the terminal; only the last stage's stdout does.
        pieces.append((STDERR, res.stderr))
        data = res.stdout
        code = res.exit_code
    pieces.append((STDOUT, data))
    if pl.negate:
        code = 0 if code else 1
    return code


class _ExitResult(ShellResult):
    """Returned by the `exit` builtin: the script stops after it."""


def make_exit(code: int) -> ShellResult:
    return _ExitResult(b"", b"", code)

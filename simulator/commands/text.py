"""toybox text tools over files and stdin: head, tail, wc, base64, find.

Formats follow toybox (the /system/bin of Android 6 and later): `wc` pads its counts
to 7 columns unless one count was asked for; `head`/`tail` print "==> NAME <==" before
each of several files; `base64` wraps at 76 columns; `find` prints one path a line,
with an error line for folders the shell user may not read.
"""

from __future__ import annotations

import base64 as _b64
import binascii
import fnmatch
import posixpath

from simulator.commands.result import ok
from simulator.model import STDERR, STDOUT, ShellResult

#: Largest file these tools read whole; the simulator's files are small, a bound
#: keeps a hostile profile from making one command hold gigabytes.
MAX_READ = 64 * 1024 * 1024


def _inputs(ctx, tool: str, operands: list[str], stdin: bytes):
    """(name, bytes or None, error line) for each operand; stdin when there are none."""
    if not operands:
        yield "-", stdin, None
        return
    for op in operands:
        if op == "-":
            yield op, stdin, None
            continue
        node = ctx.phone.node(op)
        if node is None:
            yield op, None, f"{tool}: {op}: No such file or directory\n"
        elif node.is_dir:
            yield op, None, f"{tool}: {op}: Is a directory\n"
        elif ctx.phone.size_of(node) > MAX_READ:
            yield op, None, f"{tool}: {op}: File too large\n"
        else:
            data = ctx.phone.read_bytes(op)
            if data is None:
                yield op, None, f"{tool}: {op}: Permission denied\n"
            else:
                yield op, data, None


def _count_option(args: list[str], default: int) -> tuple[int, bool, bool, list[str], str | None]:
    """-n N / -nN / -N / -c N for head and tail: (count, by_bytes, from_start, operands,
    error); `tail -n +N` (from_start) starts at line N."""
    count, by_bytes, operands = default, False, []
    from_start = False
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-n", "-c"):
            if i + 1 >= len(args):
                return count, by_bytes, from_start, operands, f"Missing argument to '{a[1]}'"
            value, by_bytes = args[i + 1], a == "-c"
            i += 2
        elif a.startswith(("-n", "-c")) and len(a) > 2:
            value, by_bytes = a[2:], a[1] == "c"
            i += 1
        elif len(a) > 1 and a[0] == "-" and a[1:].isdigit():
            value = a[1:]
            i += 1
        else:
            operands.append(a)
            i += 1
            continue
        from_start = value.startswith("+")
        try:
            count = int(value)
        except ValueError:
            return count, by_bytes, from_start, operands, f"not integer: {value}"
    return count, by_bytes, from_start, operands, None


def _head_or_tail(ctx, argv, stdin, tail: bool):
    tool = "tail" if tail else "head"
    count, by_bytes, from_start, operands, problem = _count_option(argv[1:], 10)
    if problem:
        return ok(stderr=f"{tool}: {problem}\n", code=1)
    out, err, code = [], [], 0
    many = len(operands) > 1
    for k, (name, data, error) in enumerate(_inputs(ctx, tool, operands, stdin)):
        if error:
            err.append(error)
            code = 1
            continue
        if many:
            out.append(f"{chr(10) if k else ''}==> {name} <==\n".encode())
        n = abs(count)
        if tail and from_start:
            start = max(n - 1, 0)
            out.append(data[start:] if by_bytes else b"".join(data.splitlines(keepends=True)[start:]))
            continue
        if by_bytes:
            out.append(data[-n:] if tail and n else (b"" if tail else data[:n]))
            continue
        lines = data.splitlines(keepends=True)
        out.append(b"".join(lines[-n:] if tail and n else ([] if tail else lines[:n])))
    return ok(b"".join(out), "".join(err), code)


def head(ctx, argv, stdin):
    return _head_or_tail(ctx, argv, stdin, tail=False)


def tail(ctx, argv, stdin):
    return _head_or_tail(ctx, argv, stdin, tail=True)


def wc(ctx, argv, stdin):
    """toybox wc [-lwcm] [FILE...]: lines, words, bytes (chars with -m)."""
    flags, operands = "", []
    for a in argv[1:]:
        if len(a) > 1 and a[0] == "-" and set(a[1:]) <= set("lwcm"):
            flags += a[1:]
        else:
            operands.append(a)
    order = [f for f in "lwmc" if f in flags] or ["l", "w", "c"]
    # toybox show_lengths(): a lone count is not padded; several are %7d.
    width = 0 if len(order) == 1 else 7
    out, err, code = [], [], 0
    totals = dict.fromkeys(order, 0)
    for name, data, error in _inputs(ctx, "wc", operands, stdin):
        if error:
            err.append(error)
            code = 1
            continue
        counts = {"l": data.count(b"\n"), "w": len(data.split()), "c": len(data),
                  "m": len(data.decode("utf-8", errors="replace"))}
        fields = " ".join(f"{counts[f]:{width}d}" for f in order)
        out.append(fields + (f" {name}" if operands else "") + "\n")
        for f in order:
            totals[f] += counts[f]
    if len(operands) > 1:
        out.append(" ".join(f"{totals[f]:{width}d}" for f in order) + " total\n")
    return ok("".join(out), "".join(err), code)


def base64(ctx, argv, stdin):
    """toybox base64 [-di] [-w COLUMNS] [FILE]: encode (wrapped at 76) or decode."""
    decode, ignore, wrap, operands = False, False, 76, []
    args = argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-w" and i + 1 < len(args):
            try:
                wrap = int(args[i + 1])
            except ValueError:
                return ok(stderr=f"base64: not integer: {args[i + 1]}\n", code=1)
            i += 2
            continue
        if len(a) > 1 and a[0] == "-" and set(a[1:]) <= set("di"):
            decode |= "d" in a
            ignore |= "i" in a
        else:
            operands.append(a)
        i += 1
    out, err, code = [], [], 0
    for _name, data, error in _inputs(ctx, "base64", operands[:1], stdin):
        if error:
            err.append(error)
            code = 1
            continue
        if decode:
            text = b"".join(data.split())
            if ignore:
                text = bytes(ch for ch in text if chr(ch).isalnum() or ch in b"+/=")
            try:
                out.append(_b64.b64decode(text + b"=" * (-len(text) % 4)))
            except (binascii.Error, ValueError):
                err.append("base64: bad input\n")
                code = 1
        else:
            encoded = _b64.b64encode(data)
            if wrap > 0:
                encoded = b"\n".join(encoded[j:j + wrap] for j in range(0, len(encoded), wrap))
            out.append(encoded + b"\n" if encoded else b"")
    return ok(b"".join(out), "".join(err), code)


def find(ctx, argv, stdin):
    """toybox find [PATH...] [-name PAT] [-iname PAT] [-type f|d] [-maxdepth N] [-mindepth N] [-print]."""
    phone = ctx.phone
    args = argv[1:]
    paths = []
    while args and not args[0].startswith("-"):
        paths.append(args.pop(0))
    paths = paths or ["."]
    tests: list = []
    maxdepth, mindepth = None, 0
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-print":
            i += 1
            continue
        if a in ("-name", "-iname", "-type", "-maxdepth", "-mindepth", "-path"):
            if i + 1 >= len(args):
                return ok(stderr=f"find: '{a}' needs 1 arg\n", code=1)
            value = args[i + 1]
            if a == "-name":
                tests.append(lambda p, node, v=value: fnmatch.fnmatchcase(posixpath.basename(p) or p, v))
            elif a == "-iname":
                tests.append(lambda p, node, v=value.lower(): fnmatch.fnmatchcase((posixpath.basename(p) or p).lower(), v))
            elif a == "-path":
                tests.append(lambda p, node, v=value: fnmatch.fnmatchcase(p, v))
            elif a == "-type":
                if value not in ("f", "d"):
                    return ok(stderr=f"find: bad -type '{value}'\n", code=1)
                tests.append(lambda p, node, v=value: node.is_dir == (v == "d"))
            else:
                try:
                    depth = int(value)
                except ValueError:
                    return ok(stderr=f"find: not integer: {value}\n", code=1)
                if a == "-maxdepth":
                    maxdepth = depth
                else:
                    mindepth = depth
            i += 2
            continue
        return ok(stderr=f"find: Unknown option '{a}'\n", code=1)
    # Errors go out between the paths, where find meets them (write order).
    pieces: list[tuple[int, bytes]] = []
    code = 0
    # adb shell starts in /, so "." is the root
    for start in paths:
        root = "/" if start == "." else start
        if phone.node(root) is None:
            pieces.append((STDERR, f"find: {start}: No such file or directory\n".encode()))
            code = 1
            continue
        stack = [(start, root, 0)]
        while stack:
            shown, real, depth = stack.pop()
            node = phone.node(real)
            if depth >= mindepth and all(t(shown, node) for t in tests):
                pieces.append((STDOUT, (shown + "\n").encode()))
            if not node.is_dir or (maxdepth is not None and depth >= maxdepth):
                continue
            if not phone.can_list(real):
                pieces.append((STDERR, f"find: {shown}: Permission denied\n".encode()))
                code = 1
                continue
            names = sorted(phone.children.get(node.path, ()), reverse=True)
            for name in names:
                stack.append((shown.rstrip("/") + "/" + name if shown != "/" else "/" + name,
                              posixpath.join(node.path, name), depth + 1))
    out = b"".join(data for fd, data in pieces if fd == STDOUT)
    err = b"".join(data for fd, data in pieces if fd == STDERR)
    return ShellResult(out, err, code, tuple(pieces))

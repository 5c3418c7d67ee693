"""File commands over the phone's files: ls, stat, cat, md5sum, sha1sum, sha256sum, sha512sum (toybox style)."""

from __future__ import annotations

import datetime as _dt
import hashlib
import posixpath
import stat as _stat

from simulator.commands.result import ok


def _fmt_time(ts: int, fmt: str) -> str:
    return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).strftime(fmt)


def _split_flags(args: list[str]) -> tuple[set[str], list[str]]:
    flags, operands = set(), []
    dashdash = False
    for a in args:
        if not dashdash and a == "--":
            dashdash = True
        elif not dashdash and a.startswith("-") and len(a) > 1:
            flags.update(a[1:])
        else:
            operands.append(a)
    return flags, operands


def _long_line(phone, node, name: str, widths: tuple[int, int, int, int]) -> str:
    size = phone.size_of(node)
    return (
        f"{_stat.filemode(node.mode)} {1 if not node.is_dir else 2:>{widths[0]}} "
        f"{node.owner:<{widths[1]}} {node.group:<{widths[2]}} {size:>{widths[3]}} "
        f"{_fmt_time(node.mtime, '%Y-%m-%d %H:%M')} {name}\n"
    )


def _long_lines(phone, items: list[tuple[object, str]]) -> str:
    widths = (
        1,
        max((len(n.owner) for n, _ in items), default=1),
        max((len(n.group) for n, _ in items), default=1),
        max((len(str(phone.size_of(n))) for n, _ in items), default=1),
    )
    return "".join(_long_line(phone, n, name, widths) for n, name in items)


def ls(ctx, argv, stdin):
    phone = ctx.phone
    flags, operands = _split_flags(argv[1:])
    long_ = "l" in flags
    if not operands:
        operands = ["/"]  # adb shell starts in /
    out, err, code = [], [], 0
    files, dirs = [], []
    for op in operands:
        node = phone.node(op)
        if node is None:
            err.append(f"ls: {op}: No such file or directory\n")
            code = 1
        elif node.is_dir and "d" not in flags:
            dirs.append((op, node))
        else:
            files.append((node, op))
    if files:
        out.append(_long_lines(phone, files) if long_ else "".join(f"{name}\n" for _, name in files))
    for k, (op, node) in enumerate(dirs):
        if not phone.can_list(node.path):
            err.append(f"ls: {op}: Permission denied\n")
            code = 1
            continue
        if len(operands) > 1:
            if out:
                out.append("\n")
            out.append(f"{op}:\n")
        names = sorted(phone.children.get(node.path, ()))
        if "a" not in flags:
            names = [n for n in names if not n.startswith(".")]
        if long_:
            items = [(phone.nodes[posixpath.join(node.path, n)], n) for n in names]
            if "a" in flags:  # toybox lists the folder itself and its parent first
                parent = phone.nodes.get(posixpath.dirname(node.path)) or node
                items = [(node, "."), (parent, "..")] + items
            blocks = sum((phone.size_of(n) + 4095) // 4096 * 4 for n, _ in items)
            out.append(f"total {blocks}\n" + _long_lines(phone, items))
        else:
            out.append("".join(f"{n}\n" for n in names))
    return ok("".join(out), "".join(err), code)


_IDS = {"root": 0, "system": 1000, "shell": 2000}


def _stat_format(phone, node, op: str, fmt: str) -> str:
    """toybox stat -c FORMAT: %n %s %a %A %F %u %U %g %G %Y %y %b %B %i %h %%."""
    size = phone.size_of(node)
    kind = "directory" if node.is_dir else ("regular empty file" if size == 0 else "regular file")
    t = _fmt_time(node.mtime, "%Y-%m-%d %H:%M:%S") + ".000000000 +0000"
    values = {
        "n": op, "s": str(size), "a": f"{node.mode & 0o7777:o}", "A": _stat.filemode(node.mode),
        "F": kind, "u": str(_IDS.get(node.owner, 0)), "U": node.owner,
        "g": str(_IDS.get(node.group, 0)), "G": node.group, "Y": str(node.mtime), "y": t,
        "b": str((size + 511) // 512), "B": "512", "h": "2" if node.is_dir else "1",
        "i": str(int(hashlib.md5(node.path.encode()).hexdigest()[:6], 16)), "%": "%",
    }
    out, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            out.append(values.get(fmt[i + 1], "?"))
            i += 2
        else:
            out.append(fmt[i])
            i += 1
    return "".join(out) + "\n"


def stat(ctx, argv, stdin):
    phone = ctx.phone
    args = argv[1:]
    fmt = None
    for i, a in enumerate(args):
        if a in ("-c", "--format") and i + 1 < len(args):
            fmt = args[i + 1]
            args = args[:i] + args[i + 2:]
            break
        if a.startswith("--format="):
            fmt = a.split("=", 1)[1]
            args = args[:i] + args[i + 1:]
            break
    _flags, operands = _split_flags(args)
    if not operands:
        return ok(stderr="stat: Needs 1 argument\n", code=1)
    out, err, code = [], [], 0
    for op in operands:
        node = phone.node(op)
        if node is None:
            err.append(f"stat: '{op}': No such file or directory\n")
            code = 1
            continue
        if fmt is not None:
            out.append(_stat_format(phone, node, op, fmt))
            continue
        size = phone.size_of(node)
        kind = "directory" if node.is_dir else ("regular empty file" if size == 0 else "regular file")
        uid = {"root": 0, "system": 1000, "shell": 2000}.get(node.owner, 0)
        gid = {"root": 0, "system": 1000, "shell": 2000}.get(node.group, 0)
        t = _fmt_time(node.mtime, "%Y-%m-%d %H:%M:%S") + ".000000000 +0000"
        inode = int(hashlib.md5(node.path.encode()).hexdigest()[:6], 16)
        out.append(
            f"  File: {op}\n"
            f"  Size: {size}\t Blocks: {(size + 511) // 512}\t IO Blocks: 4096\t{kind}\n"
            f"Device: fd05h/64773d\t Inode: {inode}\t Links: {2 if node.is_dir else 1}\n"
            f"Access: ({node.mode & 0o7777:04o}/{_stat.filemode(node.mode)})\t"
            f"Uid: ({uid:5d}/{node.owner:>8})\tGid: ({gid:5d}/{node.group:>8})\n"
            f"Access: {t}\nModify: {t}\nChange: {t}\n"
        )
    return ok("".join(out), "".join(err), code)


def _not_a_file(phone, tool: str, op: str) -> str | None:
    """The toybox error line when `op` is missing or a folder (cat, sha256sum, md5sum
    read files only); None when it is a file."""
    node = phone.node(op)
    if node is None:
        return f"{tool}: {op}: No such file or directory\n"
    if node.is_dir:
        return f"{tool}: {op}: Is a directory\n"
    return None


def cat(ctx, argv, stdin):
    phone = ctx.phone
    _flags, operands = _split_flags(argv[1:])
    if not operands:
        return ok(stdin)
    out, err, code = [], [], 0
    for op in operands:
        if op == "-":
            out.append(stdin)
            continue
        if op == "/proc/mounts" and phone.node(op) is None:
            from simulator.commands.mounts import proc_mounts

            out.append(proc_mounts(phone).encode())
            continue
        problem = _not_a_file(phone, "cat", op)
        if problem:
            err.append(problem)
            code = 1
        else:
            data = phone.read_bytes(op)
            if data is None:
                err.append(f"cat: {op}: Permission denied\n")
                code = 1
            else:
                out.append(data)
    return ok(b"".join(out), "".join(err), code)


def _hashsum(ctx, argv, stdin, algo: str):
    phone = ctx.phone
    name = argv[0].rsplit("/", 1)[-1]
    _flags, operands = _split_flags(argv[1:])
    if not operands:
        return ok(f"{hashlib.new(algo, stdin).hexdigest()}  -\n")
    out, err, code = [], [], 0
    for op in operands:
        problem = _not_a_file(phone, name, op)
        if problem:
            err.append(problem)
            code = 1
        else:
            digest = phone.digest(op, algo)
            if digest is None:
                err.append(f"{name}: {op}: Permission denied\n")
                code = 1
            else:
                out.append(f"{digest}  {op}\n")
    return ok("".join(out), "".join(err), code)


def sha256sum(ctx, argv, stdin):
    return _hashsum(ctx, argv, stdin, "sha256")


def md5sum(ctx, argv, stdin):
    return _hashsum(ctx, argv, stdin, "md5")


def sha1sum(ctx, argv, stdin):
    return _hashsum(ctx, argv, stdin, "sha1")


def sha512sum(ctx, argv, stdin):
    return _hashsum(ctx, argv, stdin, "sha512")

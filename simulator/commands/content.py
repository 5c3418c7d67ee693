"""`content query --uri URI [--projection a:b] [--where W] [--sort S]` over [[content]] tables.

Output as frameworks/base cmds/content prints it: `Row: N k=v, k=v` (0-based, raw
values, NULL for missing), `No result found.`; provider errors go to stderr with
exit status 0, as the real command does. `--where` understands comparisons
(=, ==, !=, <>, <, >, <=, >=, IS [NOT] NULL) joined by AND / OR; values may be
numbers, bare words or quoted strings.
"""

from __future__ import annotations

import re

from simulator.commands.result import fail, ok
from simulator.model import ShellResult

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")|(?P<op><=|>=|!=|<>|==|=|<|>)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*|-?\d+(?:\.\d+)?))"
)


class _SqlError(Exception):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out, i = [], 0
    text = text.strip()
    while i < len(text):
        m = _TOKEN.match(text, i)
        if not m or m.end() == i:
            rest = text[i:].strip()
            raise _SqlError(f'near "{rest.split()[0] if rest else text}": syntax error')
        kind = m.lastgroup
        val = m.group(kind)
        if kind == "str":
            val = val[1:-1].replace(val[0] * 2, val[0])
        out.append((kind, val))
        i = m.end()
        while i < len(text) and text[i].isspace():
            i += 1
    return out


def _num(v: str | None):
    if v is None:
        return None
    try:
        return float(v)
    except ValueError:
        return None


def _compare(a: str | None, op: str, b: str) -> bool:
    if a is None:
        return False
    na, nb = _num(a), _num(b)
    x, y = (na, nb) if na is not None and nb is not None else (a, b)
    return {
        "=": x == y, "==": x == y, "!=": x != y, "<>": x != y,
        "<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y,
    }[op]


def _parse_where(text: str, columns: tuple[str, ...]):
    """[[cond, ...], ...]: OR of ANDs; cond = (column, op, value|None)."""
    toks = _tokens(text)
    groups: list[list[tuple]] = [[]]
    i = 0
    while i < len(toks):
        kind, col = toks[i]
        if kind != "word" or _num(col) is not None:
            raise _SqlError(f'near "{col}": syntax error')
        if columns and col not in columns:
            raise _SqlError(f"no such column: {col}")
        if i + 1 >= len(toks):
            raise _SqlError("incomplete input")
        k2, v2 = toks[i + 1]
        if k2 == "word" and v2.upper() == "IS":
            neg = i + 2 < len(toks) and toks[i + 2][1].upper() == "NOT"
            j = i + 3 if neg else i + 2
            if j >= len(toks) or toks[j][1].upper() != "NULL":
                raise _SqlError('near "IS": syntax error')
            groups[-1].append((col, "IS NOT NULL" if neg else "IS NULL", None))
            i = j + 1
        elif k2 == "op":
            if i + 2 >= len(toks) or toks[i + 2][0] == "op":
                raise _SqlError("incomplete input")
            groups[-1].append((col, v2, toks[i + 2][1]))
            i += 3
        else:
            raise _SqlError(f'near "{v2}": syntax error')
        if i < len(toks):
            conj = toks[i][1].upper()
            if conj == "AND":
                i += 1
            elif conj == "OR":
                groups.append([])
                i += 1
            else:
                raise _SqlError(f'near "{toks[i][1]}": syntax error')
            if i >= len(toks):
                raise _SqlError("incomplete input")
    return groups


def _matches(row, groups) -> bool:
    for conds in groups:
        good = True
        for col, op, val in conds:
            v = row.get(col)
            if op == "IS NULL":
                good = v is None
            elif op == "IS NOT NULL":
                good = v is not None
            else:
                good = _compare(v, op, val)
            if not good:
                break
        if good:
            return True
    return False


def _sort_key(value: str | None):
    n = _num(value)
    # NULL < numbers < text, as SQLite orders mixed storage classes
    if value is None:
        return (0, 0, "")
    if n is not None:
        return (1, n, "")
    return (2, 0, value)


def _provider_error(authority: str, exc: str) -> ShellResult:
    return ok(stderr=f"Error while accessing provider:{authority}\n{exc}\n", code=0)


def query(phone, uri: str, projection: list[str] | None, where: str | None, sort: str | None):
    uri_n = uri.rstrip("/")
    authority = uri_n[len("content://"):].split("/", 1)[0] if uri_n.startswith("content://") else ""
    table = next((t for t in phone.profile.content if t.uri == uri_n), None)
    if table is None:
        known = any(t.uri[len("content://"):].split("/", 1)[0] == authority for t in phone.profile.content)
        if not known:
            return _provider_error(
                authority or uri,
                f"java.lang.IllegalStateException: Could not find provider: {authority or uri}\n"
                "\tat com.android.commands.content.Content$Command.execute(Content.java:522)\n"
                "\tat com.android.commands.content.Content.main(Content.java:735)\n"
                "\tat com.android.internal.os.RuntimeInit.nativeFinishInit(Native Method)\n"
                "\tat com.android.internal.os.RuntimeInit.main(RuntimeInit.java:338)",
            )
        rows = []
        columns: tuple[str, ...] = ()
    else:
        rows = list(table.rows)
        columns = table.columns
    if where:
        try:
            groups = _parse_where(where, columns if rows else ())
        except _SqlError as e:
            return _provider_error(authority, f"android.database.sqlite.SQLiteException: {e} (code 1 SQLITE_ERROR)")
        rows = [r for r in rows if _matches(r, groups)]
    if sort:
        keys = []
        for part in sort.split(","):
            words = part.split()
            if not words or len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
                return _provider_error(authority, f'android.database.sqlite.SQLiteException: near "{part.strip()}": syntax error (code 1 SQLITE_ERROR)')
            if rows and words[0] not in columns:
                return _provider_error(authority, f"android.database.sqlite.SQLiteException: no such column: {words[0]} (code 1 SQLITE_ERROR)")
            keys.append((words[0], len(words) == 2 and words[1].upper() == "DESC"))
        for col, desc in reversed(keys):
            rows.sort(key=lambda r, c=col: _sort_key(r.get(c)), reverse=desc)
    if not rows:
        return ok("No result found.\n")
    cols = projection if projection else list(columns)
    lines = []
    for n, row in enumerate(rows):
        fields = ", ".join(f"{c}={row.get(c, 'NULL')}" for c in cols)
        lines.append(f"Row: {n} {fields}\n")
    return ok("".join(lines))


def content(ctx, argv, stdin):
    args = argv[1:]
    if not args or args[0] in ("help", "-h"):
        return ok("usage: adb shell content [subcommand] [options]\n\n"
                  "usage: adb shell content query --uri <URI> [--user <USER_ID>] "
                  "[--projection <PROJECTION>] [--where <WHERE>] [--sort <SORT_ORDER>]\n")
    verb = args[0]
    if verb != "query":
        if verb in ("insert", "update", "delete", "call", "read", "write", "gettype"):
            return fail("[ERROR] the simulated phone is read-only\n", 1)
        return fail(f"[ERROR] Unsupported operation: {verb}\n", 1)
    opts: dict[str, str] = {}
    i = 1
    while i < len(args):
        a = args[i]
        if a in ("--uri", "--user", "--projection", "--where", "--sort"):
            if i + 1 >= len(args):
                return fail(f"[ERROR] Argument expected after \"{a}\"\n", 1)
            opts[a] = args[i + 1]
            i += 2
        else:
            return fail(f"[ERROR] Unsupported argument: {a}\n", 1)
    if "--uri" not in opts:
        return fail("[ERROR] Content provider URI not specified\n", 1)
    projection = [c for c in opts["--projection"].split(":") if c] if "--projection" in opts else None
    return query(ctx.phone, opts["--uri"], projection, opts.get("--where"), opts.get("--sort"))

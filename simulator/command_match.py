"""Which profile [commands] answer a command asks for, whatever way it is spelled.

A profile's verbatim answer for `pm list packages -f -i -U` must also answer
`pm list packages -U -f -i`, `pm list packages -fiU`, `cmd package list packages -f -i -U`,
`/system/bin/pm list packages --user 0 -f -i -U` and the same through abb: they are
the same request to the same service, and a phone answers them alike. `canonical()`
reduces a command's words to one key:

- the program by its name, not its path; `cmd package|settings|appops` as `pm`,
  `settings`, `appops` (the same binder service's shell command);
- `--user 0` dropped (the simulated phone has user 0 only, the default);
- for programs whose options are order-free flags (pm, ls, ps, id), the flags as a
  set, clusters split (`-fiU` is `-f -i -U`), options that take a value kept with
  their value; the other words stay in order.

Commands with pipes, lists or redirections match only by their exact text.

`derive()` goes one step further for `pm list packages`: a verbatim answer that shows
more fields than asked for (`-f -i -U`) also answers a request for fewer (`-f`,
`-i -U`, none) with the same filters, by dropping the fields from each line; a
request for a field the verbatim answer lacks, or with other filters (`-u`, `-3`,
`-d`, ...), is not derived, since the answer cannot be known from it.
"""

from __future__ import annotations

import re

from simulator.commands.user_option import without_user

#: cmd SERVICE -> the program that is the same service's shell command
_SERVICE_PROGRAMS = {"package": "pm", "settings": "settings", "appops": "appops"}

#: programs whose flags may come in any order, and their options that take a value
_VALUED = {
    "pm": {"--user", "--uid"},
    "ls": set(),
    "ps": {"-o", "-p", "-O", "-k", "-u", "-U", "-g", "-G", "-t", "-s", "-P"},
    "id": set(),
}


def canonical(argv: list[str]) -> tuple[str, ...] | None:
    """The key for `argv`, or None for an empty command."""
    if not argv:
        return None
    words = list(argv)
    words[0] = words[0].rsplit("/", 1)[-1]
    if words[0] == "cmd" and len(words) > 1 and words[1] in _SERVICE_PROGRAMS:
        words = [_SERVICE_PROGRAMS[words[1]]] + words[2:]
    out, _user = without_user(words[1:], only="0")
    name = words[0]
    valued = _VALUED.get(name)
    if valued is None:
        return (name, *out)
    flags: set[str] = set()
    options: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(out):
        w = out[i]
        if w in valued and i + 1 < len(out):
            options.append(f"{w}={out[i + 1]}")
            i += 2
            continue
        if w.startswith("--") and len(w) > 2:
            flags.add(w)
        elif w.startswith("-") and len(w) > 1 and w[1:].isalnum():
            flags.update(f"-{ch}" for ch in w[1:])
        else:
            rest.append(w)
        i += 1
    return (name, *rest, "flags:" + ",".join(sorted(flags)), *sorted(options))


def index(commands) -> dict[tuple[str, ...], object]:
    """canonical key -> reply, for every [commands] entry that is one simple command."""
    from simulator import shell

    out: dict[tuple[str, ...], object] = {}
    for line, reply in commands.items():
        try:
            lists = shell.parse(line)
        except shell.ShellSyntaxError:
            continue
        if len(lists) != 1 or lists[0].rest or len(lists[0].first.commands) != 1:
            continue
        simple = lists[0].first.commands[0]
        if simple.redirects or lists[0].first.negate:
            continue
        argv = ["".join(text for _kind, text, _quoted in word) for word in simple.words]
        if any(kind == "var" for word in simple.words for kind, _t, _q in word):
            continue  # a key with $VARS has no fixed words
        key = canonical(argv)
        if key is not None:
            out.setdefault(key, reply)
    return out


# -- pm list packages projections ---------------------------------------------------------

#: display flags of `pm list packages` (what each line shows); every other flag filters
_DISPLAY = {"-f", "-i", "-U", "--show-versioncode"}
#: AOSP PackageManagerShellCommand.runListPackages prints the fields in this order
_PM_LINE = re.compile(r"package:(?:(?P<path>/\S*)=)?(?P<name>[^\s=]+)"
                      r"(?: versionCode:(?P<vc>\d+))?(?:  installer=(?P<inst>\S+))?(?: uid:(?P<uid>\d+))?")


def _split_key(key: tuple[str, ...]) -> tuple[tuple[str, ...], set[str], tuple[str, ...]]:
    """(words before the flags, flags, words after) of a canonical key."""
    for i, word in enumerate(key):
        if word.startswith("flags:"):
            flags = set(filter(None, word[6:].split(",")))
            return key[:i], flags, key[i + 1:]
    return key, set(), ()


def derive(commands_by_key: dict, key: tuple[str, ...] | None):
    """A reply for a `pm list packages` request made from a verbatim answer that
    shows at least the fields asked for, with the same filters; None otherwise."""
    if not key or key[:3] != ("pm", "list", "packages"):
        return None
    head, flags, tail = _split_key(key)
    wanted, filters = flags & _DISPLAY, flags - _DISPLAY
    for other, reply in commands_by_key.items():
        o_head, o_flags, o_tail = _split_key(other)
        if (o_head, o_tail) != (head, tail) or o_flags - _DISPLAY != filters:
            continue
        shown = o_flags & _DISPLAY
        if not wanted < shown:
            continue
        lines = reply.stdout.decode("utf-8", errors="replace").splitlines()
        out = []
        for line in lines:
            m = _PM_LINE.fullmatch(line)
            groups = {"-f": "path", "-i": "inst", "-U": "uid", "--show-versioncode": "vc"}
            if m is None or any(m[groups[f]] is None for f in wanted):
                break
            out.append(_pm_line(m, wanted))
        else:
            return type(reply)(stdout="".join(out).encode(), stderr=reply.stderr, exit_code=reply.exit_code)
    return None


def _pm_line(m: re.Match, flags: set[str]) -> str:
    text = "package:"
    if "-f" in flags:
        text += f"{m['path']}="
    text += m["name"]
    if "--show-versioncode" in flags:
        text += f" versionCode:{m['vc']}"
    if "-i" in flags:
        text += f"  installer={m['inst']}"
    if "-U" in flags:
        text += f" uid:{m['uid']}"
    return text + "\n"

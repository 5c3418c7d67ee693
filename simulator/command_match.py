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
"""

from __future__ import annotations

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
    out: list[str] = []
    i = 1
    while i < len(words):
        if words[i] == "--user" and i + 1 < len(words) and words[i + 1] == "0":
            i += 2
            continue
        out.append(words[i])
        i += 1
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

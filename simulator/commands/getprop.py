"""`getprop` (all properties, sorted, `[key]: [value]`) and `getprop KEY [DEFAULT]`."""

from __future__ import annotations

from simulator.commands.result import ok


def render_all(phone) -> str:
    """Every property, sorted by name, as a phone prints them."""
    cached = phone.render_cache.get("getprop")
    if cached is None:
        props = phone.profile.props
        cached = "".join(f"[{k}]: [{props[k]}]\n" for k in sorted(props))
        phone.render_cache["getprop"] = cached
    return cached


def getprop(ctx, argv, stdin):
    args = [a for a in argv[1:] if a not in ("-T", "-Z")]
    if not args:
        return ok(render_all(ctx.phone))
    value = ctx.phone.profile.props.get(args[0])
    if value is None:
        value = args[1] if len(args) > 1 else ""
    return ok(value + "\n")

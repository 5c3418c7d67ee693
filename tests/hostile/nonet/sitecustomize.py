"""Loaded by every Python process of a hostile-suite scan (PYTHONPATH points here):
records each socket connect and name lookup, so a test can prove the auditor (and its
inspection workers) talk to nothing but the adb server.

Writes JSON lines to $PHONE_AUDIT_NET_LOG: {"pid", "event", "family", "address"}.
"""

import json
import os
import sys

_LOG = os.environ.get("PHONE_AUDIT_NET_LOG")


def _hook(event, args):
    if event not in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname",
                     "socket.gethostbyaddr", "socket.sendto", "socket.bind"):
        return
    try:
        if event in ("socket.connect", "socket.sendto", "socket.bind"):
            sock, address = args[0], args[-1]
            family = int(getattr(sock, "family", -1))
        else:
            family, address = -1, args[0] if args else None
        entry = {"pid": os.getpid(), "event": event, "family": family,
                 "address": address if isinstance(address, (str, int)) else list(address)
                 if isinstance(address, tuple) else repr(address)}
        with open(_LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, default=repr) + "\n")
    except Exception:  # a broken recorder must not change what the auditor does
        pass


if _LOG:
    sys.addaudithook(_hook)

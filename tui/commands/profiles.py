"""`phone-audit profiles`: not built yet."""

import sys


def add_arguments(parser):
    pass


def run(args) -> int:
    print("phone-audit profiles: not built yet", file=sys.stderr)
    return 2

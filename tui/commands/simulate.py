"""`phone-audit simulate`: not built yet."""

import sys


def add_arguments(parser):
    pass


def run(args) -> int:
    print("phone-audit simulate: not built yet", file=sys.stderr)
    return 2

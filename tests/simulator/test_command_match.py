"""A profile's [commands] answer holds for every spelling of the same request.

`pm list packages -f -i -U` asked with its flags in another order or clustered, as
`cmd package ...` (the same binder service), with `--user 0` (the default user), by
path, or through `abb_exec:` must get the profile's verbatim answer, not the
simulator's rendering of the package table.
"""

from __future__ import annotations

import pytest

from simulator import SimulatedPhone
from simulator.phone import PhoneModel
from simulator.transport import A_CLSE, A_OKAY, A_OPEN, A_WRTE
from support.rawhost import RawHost

# AOSP runListPackages puts two spaces before "installer="
VERBATIM = "package:/data/app/verbatim/base.apk=com.verbatim  installer=null uid:10001\n"
LS = "total 0\n-rw-r--r-- 1 root root 0 2009-01-01 00:00 only-in-the-profile\n"

PROFILE = f"""
[device]

[props]
"ro.product.model" = "Toy"

[[packages]]
name = "com.rendered"

[commands]
"pm list packages -f -i -U" = {{ stdout = "{VERBATIM.strip()}\\n" }}
"ls -l /vendor" = {{ stdout = "{LS.replace(chr(10), chr(92) + 'n')}" }}
"getprop ro.product.model | cat" = {{ stdout = "piped\\n" }}
"""


@pytest.fixture(scope="module")
def phone(tmp_path_factory):
    folder = tmp_path_factory.mktemp("toy")
    (folder / "profile.toml").write_text(PROFILE)
    return PhoneModel.load(folder, apk_cache_dir=tmp_path_factory.mktemp("apks"))


@pytest.mark.parametrize("line", [
    "pm list packages -f -i -U",
    "pm list packages -U -i -f",
    "pm list packages -fiU",
    "pm list packages -f -iU --user 0",
    "pm list packages --user 0 -i -f -U",
    "/system/bin/pm list packages -i -U -f",
    "cmd package list packages -U -f -i",
    "cmd package list packages -f -i -U --user 0",
])
def test_every_spelling_gets_the_verbatim_answer(phone, line):
    r = phone.run_shell(line)
    assert (r.stdout.decode(), r.exit_code) == (VERBATIM, 0)


def test_other_requests_are_not_taken_for_it(phone):
    # other flags, another user, or a filter ask for something else
    for line in ("pm list packages -f -i -U -u", "pm list packages -f -i -U --user 10",
                 "pm list packages -f -i -U com.x", "pm list packages -f -i -U -3"):
        assert phone.run_shell(line).stdout.decode() != VERBATIM, line
    assert "com.rendered" in phone.run_shell("pm list packages -f -i -U -u").stdout.decode()


def test_ls_flags_any_order(phone):
    for line in ("ls -l /vendor", "ls /vendor -l", "/system/bin/ls -l /vendor"):
        assert phone.run_shell(line).stdout.decode() == LS, line


def test_compound_keys_match_only_exactly(phone):
    assert phone.run_shell("getprop ro.product.model | cat").stdout == b"piped\n"
    assert phone.run_shell("getprop ro.product.model|cat").stdout == b"Toy\n"


def test_abb_exec_gets_the_verbatim_answer(phone):
    with SimulatedPhone(phone) as p:
        host = RawHost(p.port)
        host.connect()
        host.send(A_OPEN, 4, 0, b"abb_exec:package\0list\0packages\0-i\0-U\0-f\0")
        assert host.recv()[0] == A_OKAY
        data = b""
        while True:
            command, arg0, _, payload = host.recv()
            if command == A_WRTE:
                data += payload
                host.send(A_OKAY, 4, arg0)
            elif command == A_CLSE:
                break
        host.close()
    assert data.decode() == VERBATIM


@pytest.mark.parametrize("line, expected", [
    ("pm list packages -f", "package:/data/app/verbatim/base.apk=com.verbatim\n"),
    ("pm list packages -U -i", "package:com.verbatim  installer=null uid:10001\n"),
    ("cmd package list packages", "package:com.verbatim\n"),
    ("pm list packages --user 0 -i", "package:com.verbatim  installer=null\n"),
])
def test_fewer_fields_are_derived_from_the_verbatim_answer(phone, line, expected):
    # AOSP runListPackages: "package:" [PATH "="] NAME [" versionCode:" N] ["  installer=" X] [" uid:" N]
    assert phone.run_shell(line).stdout.decode() == expected


def test_more_fields_or_other_filters_are_not_derived(phone):
    # the verbatim answer has no version codes, and says nothing of uninstalled or
    # disabled packages: those requests fall back to the profile's package table
    for line in ("pm list packages --show-versioncode", "pm list packages -u -i -f", "pm list packages -d"):
        assert "com.verbatim" not in phone.run_shell(line).stdout.decode(), line

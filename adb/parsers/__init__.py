"""Pure parsers: raw command output -> frozen values.

One module per kind of output (`getprop`, `pm`, `dumpsys_package`, `settings`,
`appops`, `accounts`, `device_policy`, `accessibility`, `content`, `security`). Every
parser takes `str | bytes`, never raises, and tolerates OEM variations, CRLF and
bytes that are not UTF-8 (decoded with U+FFFD replacement, see `adb.capture.decode`).
`adb.parsers.build_snapshot` runs them over a whole capture.
"""

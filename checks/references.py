"""Reference URLs and remediation notes shared by several checks.

Pure: nothing here talks to a phone.
"""

from __future__ import annotations


#: the Lithuanian NKSC assessment (2021-08-23), archived copy
NKSC_REPORT = (
    "https://web.archive.org/web/20210922130630/"
    "https://www.nksc.lt/doc/en/analysis/2021-08-23_5G-CN-analysis_env3.pdf"
)


REGISTER_2021 = "https://www.theregister.com/2021/09/22/xiaomi_phone_handset_censorship_lithuania/"


EXODUS_TRACKERS = "https://reports.exodus-privacy.eu.org/en/trackers/"
STALKERWARE_IOC = "https://github.com/AssoEchap/stalkerware-indicators"
ADB_DOCS = "https://developer.android.com/tools/adb"
PM_DISABLE_NOTE = (
    "Disabling is reversible (`adb shell pm enable PACKAGE`) and may break features that "
    "depend on the app; a factory reset re-enables every pre-installed app, and system "
    "updates may too."
)

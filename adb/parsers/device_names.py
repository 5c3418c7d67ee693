"""The name a person knows their phone by ("Mi 10T Pro"), not its model code ("M2007J3SG").

Most phones say it in a property; which one depends on the maker (`MARKETING_PROPS`,
first found wins). For phones that report only a code, a small table (`BY_MODEL`) names
the ones the built-in profiles and common bench phones use. Its source is Google Play's
public list of supported devices (retail branding, marketing name, device, model:
https://support.google.com/googleplay/answer/1727131, the "supported devices" CSV),
checked against each maker's own model pages. The property wins over the table: the
table only fills a gap, and a code it does not know stays the code.

Pure: this reads property values, it does not talk to a phone.
"""

from __future__ import annotations

from typing import Mapping

#: properties that carry the marketing name, in the order they are trusted
MARKETING_PROPS = (
    "ro.product.marketname",          # Xiaomi (MIUI 12.5 and later), Redmi, POCO
    "ro.product.vendor.marketname",   # Xiaomi, on the vendor partition
    "ro.product.model.name",          # some Xiaomi and Motorola builds
    "ro.config.marketing_name",       # Huawei, Honor
    "ro.vendor.oplus.market.name",    # OnePlus, OPPO, realme (ColorOS / OxygenOS 12+)
    "ro.oppo.market.name",            # OPPO (older ColorOS)
    "ro.display.series",              # OnePlus (OxygenOS 10 / 11)
    "ro.vivo.market.name",            # vivo
    "ro.product.odm.marketname",
)

#: model code (ro.product.model) -> marketing name, for phones whose properties carry none
BY_MODEL = {
    "M2007J3SG": "Mi 10T Pro",
    "M2007J3SY": "Mi 10T",
    "M2007J3SP": "Mi 10T Pro",
    "M2002J9G": "Mi 10 Lite 5G",
    "M2001J2G": "Mi 10",
    "M2102J20SG": "POCO X3 Pro",
    "ANA-NX9": "HUAWEI P40",
    "ANA-AN00": "HUAWEI P40",
    "ELS-NX9": "HUAWEI P40 Pro",
    "ELS-N39": "HUAWEI P40 Pro+",
    "JNY-LX1": "HUAWEI P40 lite",
    "KB2001": "OnePlus 8T",
    "KB2003": "OnePlus 8T",
    "KB2005": "OnePlus 8T",
    "KB2000": "OnePlus 8T",
    "IN2013": "OnePlus 8",
    "IN2023": "OnePlus 8 Pro",
}

#: a marketing name longer than this is not a name (a hostile phone can say anything)
LONGEST = 60


def marketing_name(props: Mapping[str, str], model: str | None) -> str | None:
    """The phone's marketing name, or None when neither its properties nor the table
    give one (or it is only the model code again)."""
    for key in MARKETING_PROPS:
        value = (props.get(key) or "").strip()
        if value and len(value) <= LONGEST and value != (model or ""):
            return value
    return BY_MODEL.get((model or "").strip())

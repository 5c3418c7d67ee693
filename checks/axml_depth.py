"""A linear pre-scan of a binary AndroidManifest.xml (Android's AXML) for its
element nesting depth, before androguard sees it.

androguard's parse time grows with the square of the depth (a manifest of 100,000
nested elements took minutes); a real manifest nests fewer than ten levels. The scan
walks the chunk headers only (type u16, header size u16, chunk size u32, little
endian): +1 per START_ELEMENT, -1 per END_ELEMENT, stopping as soon as the depth
passes the limit. It never builds anything per element.
"""

from __future__ import annotations

import struct

#: deepest element nesting accepted (real manifests: under 10)
MAX_XML_DEPTH = 200

_XML = 0x0003
_START_ELEMENT = 0x0102
_END_ELEMENT = 0x0103


def axml_too_deep(data: bytes, limit: int = MAX_XML_DEPTH) -> bool:
    """True when the elements of `data` (AXML) nest deeper than `limit`. Malformed
    chunk headers end the scan (androguard then judges the file)."""
    if len(data) < 8:
        return False
    kind, header, _ = struct.unpack_from("<HHI", data, 0)
    if kind != _XML:
        return False
    pos, depth, end = header or 8, 0, len(data)
    while pos + 8 <= end:
        kind, _, size = struct.unpack_from("<HHI", data, pos)
        if size < 8:
            return False
        if kind == _START_ELEMENT:
            depth += 1
            if depth > limit:
                return True
        elif kind == _END_ELEMENT:
            depth -= 1
        pos += size
    return False

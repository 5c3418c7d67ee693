"""The bounded zip reader (checks/bounded_zip.py): androguard, given the whole file, is the
oracle for what the small view it now gets must still tell."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from checks.bounded_zip import ApkRejected, CheckedZip
from checks.inspect import _limits, inspect_apk


def test_real_apks_give_what_androguard_reads_from_the_whole_file(real_apks, knowledge):
    import loguru
    from androguard.core.apk import APK

    loguru.logger.disable("androguard")
    v2_only = 0
    for path in real_apks:
        oracle = APK(str(path))
        ours = inspect_apk(path, knowledge)
        assert ours.error is None, (path.name, ours.error)
        assert ours.package == oracle.get_package()
        assert ours.label == (oracle.get_app_name() or None)
        assert ours.permissions == tuple(sorted(set(oracle.get_permissions())))
        assert ours.cert_sha256 == tuple(c.sha256.hex() for c in oracle.get_certificates())
        assert ours.cert_sha256, path.name
        if oracle.is_signed_v2() and not oracle.get_signature_names():
            v2_only += 1
    # the signing block copied into the view is what these are signed with
    assert v2_only >= 1


def _zip(entries, method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


def test_read_inflates_in_chunks_and_stops_at_the_cap():
    # 3 MiB of text (several 1 MiB chunks of input and output), then a cap one byte short
    text = b"".join(b"line %d\n" % i for i in range(400_000))
    assert len(text) > 3 << 20
    for method in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        raw = _zip([("AndroidManifest.xml", b"m"), ("big.txt", text)], method)
        z = CheckedZip(io.BytesIO(raw), len(raw), _limits())
        assert z.read("big.txt", len(text)) == text
        with pytest.raises(ApkRejected, match=f"declares {len(text)} bytes"):
            z.read("big.txt", len(text) - 1)


def test_read_refuses_a_stream_longer_than_declared():
    # the directory says 10 bytes, the deflate stream holds 5 MiB: stopped at cap + 1 bytes
    raw = bytearray(_zip([("AndroidManifest.xml", b"m"), ("x.bin", bytes(10))]))
    zf = zipfile.ZipFile(io.BytesIO(bytes(raw)))
    info = zf.getinfo("x.bin")
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = c.compress(bytes(5 << 20)) + c.flush()
    head = 30 + len(b"x.bin")
    start = info.header_offset + head
    assert len(stream) > info.compress_size
    # keep every size field (a lie); the new stream overwrites the old one and the
    # central directory after it, which is then written back at its new place
    tail = bytes(raw[start + info.compress_size:])
    new = bytes(raw[:start]) + stream + tail
    delta = len(stream) - info.compress_size
    new = bytearray(new)
    for pos in range(len(new) - 4):
        if new[pos:pos + 4] == b"PK\x01\x02":
            n = struct.unpack_from("<H", new, pos + 28)[0]
            if bytes(new[pos + 46:pos + 46 + n]) == b"x.bin":
                struct.pack_into("<I", new, pos + 20, len(stream))
    struct.pack_into("<I", new, info.header_offset + 18, len(stream))
    eocd = new.rfind(b"PK\x05\x06")
    struct.pack_into("<I", new, eocd + 16, zf.start_dir + delta)
    z = CheckedZip(io.BytesIO(bytes(new)), len(new), _limits())
    with pytest.raises(ApkRejected, match="x.bin: inflates to more than 1000 bytes"):
        z.read("x.bin", 1000)


def test_signing_block_and_androguard_view_have_caps(real_apks):
    """On a real v2-signed APK: the signing block is found where the format puts it
    (its 16-byte magic is its last bytes), and refused over a cap; the view for
    androguard is refused when its entries together are over theirs."""
    from checks.inspect import MANIFEST

    signed = []
    for path in real_apks:
        with path.open("rb") as f:
            z = CheckedZip(f, path.stat().st_size, _limits())
            block = z.signing_block(16 << 20)
            if block is None:
                continue
            signed.append(path.name)
            assert block.endswith(b"APK Sig Block 42")
            assert struct.unpack_from("<Q", block)[0] == len(block) - 8
            with pytest.raises(ApkRejected, match=f"APK signing block of {len(block)} bytes"):
                z.signing_block(len(block) - 1)
            size = z.infos[MANIFEST].file_size
            with pytest.raises(ApkRejected, match="over 10 bytes together"):
                z.androguard_view([MANIFEST], size, 10, 16 << 20)
            view = z.androguard_view([MANIFEST], size, size, 16 << 20)
            assert block in view
    assert signed

"""Stable test certificates: same DER in every process, distinct per signer, sound X.509/RSA."""

from __future__ import annotations

import datetime
import hashlib
import os
import subprocess
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from simulator.apkgen import signer_certificate
from simulator.apkgen.sign import manifest_section, signer_key


def test_certificate_is_stable_across_processes(tmp_path):
    here = hashlib.sha256(signer_certificate("xiaomi-platform")).hexdigest()
    code = ("import hashlib, sys; from simulator.apkgen import signer_certificate; "
            "sys.stdout.write(hashlib.sha256(signer_certificate('xiaomi-platform')).hexdigest())")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                       env=dict(os.environ, PYTHONHASHSEED="7"))
    assert r.returncode == 0, r.stderr
    assert r.stdout == here


def test_certificate_fields():
    der = signer_certificate("huawei-platform")
    cert = x509.load_der_x509_certificate(der)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "huawei-platform"
    assert cert.issuer == cert.subject
    assert cert.not_valid_before_utc == datetime.datetime(2008, 1, 1, tzinfo=datetime.timezone.utc)
    assert cert.not_valid_after_utc.year == 2049
    assert 0 < cert.serial_number < 2**63
    key = cert.public_key()
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048 and key.public_numbers().e == 65537
    cert.verify_directly_issued_by(cert)  # self-signature is valid
    assert signer_key("huawei-platform").public_key().public_numbers() == key.public_numbers()


def test_signers_have_distinct_keys_and_serials():
    certs = [x509.load_der_x509_certificate(signer_certificate(n)) for n in ("a", "b", "phone-audit-test")]
    assert len({c.public_key().public_numbers().n for c in certs}) == 3
    assert len({c.serial_number for c in certs}) == 3


def test_key_signs_deterministically_and_verifies():
    key = signer_key("phone-audit-test")
    s1 = key.sign(b"data", padding.PKCS1v15(), hashes.SHA256())
    assert s1 == key.sign(b"data", padding.PKCS1v15(), hashes.SHA256())
    key.public_key().verify(s1, b"data", padding.PKCS1v15(), hashes.SHA256())
    # the private numbers are a real RSA key (p*q = n, d inverts e)
    numbers = key.private_numbers()
    assert numbers.p * numbers.q == numbers.public_numbers.n
    assert (numbers.d * 65537) % ((numbers.p - 1) * (numbers.q - 1)) == 1


def test_long_and_empty_signer_names_still_make_certificates():
    long_name = "vendor-" + "x" * 100
    cert = x509.load_der_x509_certificate(signer_certificate(long_name))
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == long_name[:64]
    assert signer_certificate(long_name) != signer_certificate(long_name[:64])
    assert x509.load_der_x509_certificate(signer_certificate("")).public_key().key_size == 2048


def test_manifest_lines_wrap_at_72_bytes():
    name = "assets/" + "n" * 150
    section = manifest_section(name, hashlib.sha256(b"").digest())
    lines = section.split(b"\r\n")
    assert all(len(line) <= 72 for line in lines)
    assert lines[0] == b"Name: " + name.encode()[:66]
    joined = section.replace(b"\r\n ", b"")
    assert joined.startswith(b"Name: " + name.encode() + b"\r\nSHA-256-Digest: ")


# Profiles, knowledge entries and caches on other machines name these certificates by
# fingerprint, so the derivation must never drift. Change only on purpose (and say so).
GOLDEN_CERT_SHA256 = {
    "phone-audit-test": "959be9f1b18321709f430099a8cbeb633cb8ab7b924279cd33784586c21a6376",
    "xiaomi-platform": "0c75400056dde0e9b4c70805a8720285259ea55a578f838d3d1099552d8d975d",
}


def test_certificates_match_the_published_fingerprints():
    for name, fingerprint in GOLDEN_CERT_SHA256.items():
        assert hashlib.sha256(signer_certificate(name)).hexdigest() == fingerprint, name

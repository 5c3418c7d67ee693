"""Stable test certificates and v1 (JAR) signing for synthesized APKs.

Each signer name maps to one RSA-2048 key and one self-signed X.509 certificate that
are the same on every run and every machine: the key's primes come from a
deterministic search seeded by SHA-256 of the name (a small-prime sieve, then
Miller-Rabin), the certificate has fixed validity dates and a serial derived from the
name, and RSA PKCS#1 v1.5 signatures are deterministic. These are *test* keys: anyone
can re-derive the private key from the name, which is exactly what lets a profile say
"signed by xiaomi-platform" and every simulator produce the same certificate.

The v1 signature is the classic JAR layout: META-INF/MANIFEST.MF (a SHA-256 digest per
entry), META-INF/CERT.SF (digests of the manifest and of each of its sections) and
META-INF/CERT.RSA (a detached PKCS#7 SignedData over CERT.SF carrying the certificate).
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

__all__ = ["signer_certificate", "signer_key", "jar_signature_files", "manifest_section"]

_KEY_BITS = 2048
_E = 65537
_DOMAIN = b"phone-audit stable test key v1\x00"
_NOT_BEFORE = datetime.datetime(2008, 1, 1, tzinfo=datetime.timezone.utc)
# The last instant X.509 writes as UTCTime; later dates switch encodings.
_NOT_AFTER = datetime.datetime(2049, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc)
_CREATED_BY = "1.0 (phone-audit apkgen)"


def _small_primes(limit: int) -> list[int]:
    sieve = bytearray([1]) * limit
    sieve[0:2] = b"\x00\x00"
    for i in range(2, int(limit**0.5) + 1):
        if sieve[i]:
            sieve[i * i :: i] = bytes(len(range(i * i, limit, i)))
    return [i for i in range(limit) if sieve[i]]


_PRIMES = _small_primes(1 << 16)[1:]  # odd primes only: candidates are odd


class _Stream:
    """Deterministic byte stream: SHA-256(seed || counter) blocks."""

    def __init__(self, seed: bytes) -> None:
        self.seed, self.counter = seed, 0

    def read(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            out += hashlib.sha256(self.seed + self.counter.to_bytes(8, "big")).digest()
            self.counter += 1
        return bytes(out[:n])


def _is_probable_prime(n: int, stream: _Stream, rounds: int = 6) -> bool:
    # Six random-base rounds after a base-2 Fermat test exceed FIPS 186-4 (table C.3:
    # five rounds for 1024-bit primes of a 2048-bit RSA key, error below 2**-100).
    if n < 2:
        return False
    if pow(2, n - 1, n) != 1:  # cheap Fermat filter before the full test
        return False
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    nbytes = (n.bit_length() + 7) // 8
    for _ in range(rounds):
        a = 2 + int.from_bytes(stream.read(nbytes), "big") % (n - 3)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(stream: _Stream, bits: int) -> int:
    """The first probable prime at or after a stream-drawn odd number with its top two bits set.

    A window of odd candidates is sieved by every prime below 2**16 first, so only
    about one candidate in ten reaches the (costly) modular exponentiations.
    """
    window = 4096  # odd candidates per window; a 1024-bit prime is ~355 odd numbers apart
    while True:
        start = int.from_bytes(stream.read(bits // 8), "big") | (3 << (bits - 2)) | 1
        alive = bytearray([1]) * window  # alive[i] <=> start + 2*i may be prime
        for p in _PRIMES:
            # first i with start + 2i = 0 (mod p): i = -start * inverse(2) (mod p)
            first = (-start * ((p + 1) // 2)) % p
            alive[first::p] = bytes(len(range(first, window, p)))
        for i in range(window):
            if not alive[i]:
                continue
            candidate = start + 2 * i
            if candidate.bit_length() != bits:
                break
            if (candidate - 1) % _E == 0:
                continue
            if _is_probable_prime(candidate, stream):
                return candidate


@functools.lru_cache(maxsize=None)
def signer_key(signer: str) -> rsa.RSAPrivateKey:
    """The deterministic RSA-2048 private key for a signer name (cached per process)."""
    stream = _Stream(hashlib.sha256(_DOMAIN + signer.encode("utf-8", "surrogatepass")).digest())
    half = _KEY_BITS // 2
    p = _prime(stream, half)
    q = _prime(stream, half)
    while q == p:  # astronomically unlikely; keeps the key valid regardless
        q = _prime(stream, half)
    p, q = max(p, q), min(p, q)
    d = pow(_E, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p=p, q=q, d=d,
        dmp1=rsa.rsa_crt_dmp1(d, p), dmq1=rsa.rsa_crt_dmq1(d, q), iqmp=rsa.rsa_crt_iqmp(p, q),
        public_numbers=rsa.RSAPublicNumbers(_E, p * q),
    )
    # The numbers are consistent by construction; OpenSSL's check would redo the primality work.
    return numbers.private_key(unsafe_skip_rsa_key_validation=True)


def _common_name(signer: str) -> str:
    # X.509 caps commonName at 64 characters and forbids an empty one; the key and the
    # serial still come from the full name, so distinct signers stay distinct.
    cn = signer[:64]
    return cn if cn else "(unnamed signer)"


#: the subject organisation (O=) of a test certificate unless the spec names another
DEFAULT_ORGANIZATION = "phone-audit test signer"


@functools.lru_cache(maxsize=None)
def _certificate(signer: str, organization: str = DEFAULT_ORGANIZATION) -> x509.Certificate:
    key = signer_key(signer)
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, _common_name(signer)),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization or DEFAULT_ORGANIZATION),
    ])
    digest = hashlib.sha256(b"phone-audit serial\x00" + signer.encode("utf-8", "surrogatepass")).digest()
    serial = (int.from_bytes(digest[:8], "big") >> 1) or 1  # positive and < 2**63
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(_NOT_BEFORE)
        .not_valid_after(_NOT_AFTER)
        .sign(key, hashes.SHA256())
    )


def signer_certificate(signer: str, organization: str = DEFAULT_ORGANIZATION) -> bytes:
    """DER of the stable self-signed test certificate for `signer` (CN = the name,
    O = `organization`; the key depends on the signer's name alone)."""
    return _certificate(signer, organization).public_bytes(serialization.Encoding.DER)


def _header_line(key: str, value: str) -> bytes:
    """One manifest attribute line, wrapped at 72 bytes as the JAR format requires."""
    raw = f"{key}: {value}".encode("utf-8")
    parts = [raw[:72]]
    rest = raw[72:]
    while rest:
        parts.append(b" " + rest[:71])
        rest = rest[71:]
    return b"\r\n".join(parts) + b"\r\n"


def manifest_section(name: str, sha256_digest: bytes) -> bytes:
    """The MANIFEST.MF section of one entry, blank line included."""
    return (
        _header_line("Name", name)
        + _header_line("SHA-256-Digest", base64.b64encode(sha256_digest).decode("ascii"))
        + b"\r\n"
    )


def jar_signature_files(entries: list[tuple[str, bytes]], signer: str,
                        organization: str = DEFAULT_ORGANIZATION) -> list[tuple[str, bytes]]:
    """META-INF/MANIFEST.MF, CERT.SF and CERT.RSA for entries given as (name, SHA-256 of content)."""
    main = _header_line("Manifest-Version", "1.0") + _header_line("Created-By", _CREATED_BY) + b"\r\n"
    sections = [manifest_section(name, digest) for name, digest in entries]
    manifest = main + b"".join(sections)

    def b64sha(data: bytes) -> str:
        return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")

    sf = bytearray()
    sf += _header_line("Signature-Version", "1.0")
    sf += _header_line("Created-By", _CREATED_BY)
    sf += _header_line("SHA-256-Digest-Manifest", b64sha(manifest))
    sf += _header_line("SHA-256-Digest-Manifest-Main-Attributes", b64sha(main))
    sf += b"\r\n"
    for (name, _), section in zip(entries, sections):
        sf += _header_line("Name", name) + _header_line("SHA-256-Digest", b64sha(section)) + b"\r\n"
    sf = bytes(sf)

    pkcs7_der = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(sf)
        .add_signer(_certificate(signer, organization), signer_key(signer), hashes.SHA256())
        .sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.NoAttributes, pkcs7.PKCS7Options.Binary],
        )
    )
    return [("META-INF/MANIFEST.MF", manifest), ("META-INF/CERT.SF", sf), ("META-INF/CERT.RSA", pkcs7_der)]

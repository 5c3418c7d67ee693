"""adbd's host authentication on a secure build (`ro.adb.secure=1`).

After the host's CNXN, adbd sends AUTH TOKEN with 20 random bytes. The host answers
AUTH SIGNATURE: an RSA PKCS#1 v1.5 signature whose DigestInfo is SHA-1 and whose
"digest" is the token itself (adbd verifies with `RSA_verify(NID_sha1, token, ...)`,
it does not hash the token again). A signature by a key the phone trusts
(/data/misc/adb/adb_keys) gets the CNXN; any other gets a fresh token. When the host
has no more keys to try it sends AUTH RSAPUBLICKEY, its public key in adb's own
format, and the phone shows "Allow USB debugging?"; only if the user allows does the
CNXN come.

adb's public key format (`android_pubkey` in AOSP): base64 of a 524-byte struct of
little-endian words, {u32 modulus_size_words (64), u32 n0inv, u8 n[256] (LE),
u8 rr[256] (LE), u32 exponent}, then " user@host"; the AUTH payload ends with NUL.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

#: adbd's TOKEN_SIZE
TOKEN_SIZE = 20
#: 2048-bit keys: 64 words of modulus
MODULUS_WORDS = 64
_MODULUS_BYTES = MODULUS_WORDS * 4
_KEY_STRUCT = struct.Struct(f"<II{_MODULUS_BYTES}s{_MODULUS_BYTES}sI")
#: a public key line is about 720 characters; refuse anything far beyond it
MAX_KEY_TEXT = 4096


def new_token() -> bytes:
    """A fresh random token for AUTH TOKEN."""
    return os.urandom(TOKEN_SIZE)


def parse_public_key(text: bytes | str) -> rsa.RSAPublicKey | None:
    """The RSA key in an adb public key ("BASE64 user@host", NUL-terminated or not).

    None for anything that is not a well-formed 2048-bit adb key: the bytes come from
    a host, and a malformed key is simply not a key the user could allow.
    """
    if isinstance(text, str):
        text = text.encode("ascii", errors="replace")
    if len(text) > MAX_KEY_TEXT:
        return None
    words = text.split(b"\0", 1)[0].split()
    if not words:
        return None
    try:
        blob = base64.b64decode(words[0], validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(blob) != _KEY_STRUCT.size:
        return None
    size_words, _n0inv, modulus, _rr, exponent = _KEY_STRUCT.unpack(blob)
    if size_words != MODULUS_WORDS or exponent < 3 or exponent % 2 == 0:
        return None
    n = int.from_bytes(modulus, "little")
    if n.bit_length() < 2040 or n % 2 == 0:
        return None
    try:
        return rsa.RSAPublicNumbers(exponent, n).public_key()
    except ValueError:
        return None


def key_id(key: rsa.RSAPublicKey) -> tuple[int, int]:
    """What identifies a key for the trusted set: (modulus, exponent)."""
    numbers = key.public_numbers()
    return numbers.n, numbers.e


def verify(key: rsa.RSAPublicKey, token: bytes, signature: bytes) -> bool:
    """Whether `signature` is `key`'s adb signature over `token`."""
    if len(token) != TOKEN_SIZE or len(signature) > _MODULUS_BYTES:
        return False
    try:
        key.verify(signature, token, padding.PKCS1v15(), Prehashed(hashes.SHA1()))
    except (InvalidSignature, ValueError):
        return False
    return True


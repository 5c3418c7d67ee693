"""Captures sealed to a public key, for captures that leave the bench.

`phone-audit scan --capture FILE --capture-to-key KEY` writes the capture (the folder
`adb.capture.save_capture` and `audit.apk_sidecar` make) as one encrypted file: the
folder's files in an uncompressed tar archive, encrypted in the age format (the
format androidqf uses) by pyrage, the Python binding of the `rage` implementation.
KEY is an age public key (`age1...`) or a recipients file (one key a line, `#`
comments), as `age -r` / `age -R` take them. Only the holder of a matching identity
(`AGE-SECRET-KEY-1...`, the file `age-keygen` writes) can open it:
`phone-audit scan --capture-in FILE --identity IDENTITY_FILE`.

The plaintext folder is written first to a private temporary folder (0700, removed
afterwards), because the runner writes a capture as a folder; only the sealed file is
left where the user asked. Opening goes the other way: decrypted in memory, then only
the files a capture holds (manifest, stream files, APK reports; flat names checked
against the capture's own naming rule) are written to a private temporary folder that
`adb.capture.load_capture` then verifies hash by hash as for any capture. Whoever has
the public key can seal an archive, so an opened archive is as hostile as a phone.
"""

from __future__ import annotations

import contextlib
import io
import tarfile
import tempfile
from pathlib import Path
from typing import Iterator

import pyrage

from adb.capture import _SAFE_NAME, CaptureError
from adb.locked import private_dir, write_private
from audit import apk_sidecar

#: The first line of every age file (age-encryption.org/v1); how a sealed capture is told apart.
AGE_MAGIC = b"age-encryption.org/"
#: The largest sealed capture opened (the gate caps one answer at 32 MiB; a capture is
#: a few dozen answers, nearly all small). Read and decrypted in memory, so bounded.
MAX_SEALED_BYTES = 512 << 20
#: The files a capture folder holds besides its stream files.
_NAMED_FILES = ("manifest.json", apk_sidecar.FILENAME)


class SealError(CaptureError):
    """A key, an identity or a sealed capture that cannot be used; the message says which."""


def _key_lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def recipients(spec: str) -> list[object]:
    """The age recipients named by `spec`: one `age1...` key, or a recipients file."""
    if spec.startswith("age1"):
        lines = [spec.strip()]
        where = "the key given"
    else:
        try:
            lines = _key_lines(Path(spec).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as e:
            raise SealError(f"--capture-to-key: {spec!r} is neither an age public key (age1...) "
                            f"nor a readable recipients file ({type(e).__name__})") from None
        where = spec
    if not lines:
        raise SealError(f"--capture-to-key: {where} holds no public key")
    out = []
    for n, line in enumerate(lines, 1):
        try:
            out.append(pyrage.x25519.Recipient.from_str(line))
        except pyrage.RecipientError:
            # never echo the line: a secret key pasted here by mistake must not be printed
            raise SealError(f"--capture-to-key: key {n} in {where} is not an age public key "
                            "(age1...)") from None
    return out


def identities(path: Path) -> list[object]:
    """The age identities (`AGE-SECRET-KEY-1...` lines) in the file at `path`."""
    try:
        lines = _key_lines(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise SealError(f"--identity: {path} cannot be read ({type(e).__name__})") from None
    out = []
    for n, line in enumerate(lines, 1):
        try:
            out.append(pyrage.x25519.Identity.from_str(line))
        except pyrage.IdentityError:
            raise SealError(f"--identity: line {n} of {path} is not an age identity "
                            "(AGE-SECRET-KEY-1...)") from None
    if not out:
        raise SealError(f"--identity: {path} holds no age identity")
    return out


def is_sealed(path: Path) -> bool:
    """Whether `path` is a file that starts as an age file does."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(AGE_MAGIC)) == AGE_MAGIC
    except OSError:  # a folder (the plain capture), or nothing there
        return False


def _allowed(name: str) -> bool:
    return name in _NAMED_FILES or bool(_SAFE_NAME.fullmatch(name))


def seal(folder: Path, out: Path, to: list[object]) -> None:
    """Pack the capture files of `folder` into one archive encrypted to `to`, at `out` (0600)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for p in sorted(Path(folder).iterdir()):
            if not (p.is_file() and _allowed(p.name)):
                continue
            data = p.read_bytes()
            info = tarfile.TarInfo(p.name)
            info.size = len(data)
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(data))
    sealed = pyrage.encrypt(buf.getvalue(), to)
    private_dir(Path(out).parent)
    tmp = Path(out).with_name(Path(out).name + ".tmp")
    write_private(tmp, sealed)
    tmp.replace(out)


def unseal(path: Path, ids: list[object], into: Path) -> Path:
    """Decrypt the sealed capture at `path` with `ids` and write its files into `into`."""
    try:
        size = Path(path).stat().st_size
        if size > MAX_SEALED_BYTES:
            raise SealError(f"{path} is {size} bytes, more than a capture can be "
                            f"({MAX_SEALED_BYTES >> 20} MiB); not opened")
        data = Path(path).read_bytes()
    except OSError as e:
        raise SealError(f"{path} cannot be read ({type(e).__name__})") from None
    try:
        plain = pyrage.decrypt(data, ids)
    except pyrage.DecryptError as e:  # no matching key, a malformed header, a cut file
        raise SealError(f"{path} cannot be opened with the identity given (--identity): "
                        f"it was sealed to another key, or it is damaged "
                        f"({type(e).__name__}); nothing was read or changed") from None
    private_dir(into)
    try:
        with tarfile.open(fileobj=io.BytesIO(plain), mode="r:") as tar:
            for member in tar:
                if not (member.isfile() and _allowed(member.name)):
                    raise SealError(f"{path} holds an entry that is not a capture file; not opened")
                fh = tar.extractfile(member)
                write_private(into / member.name, fh.read() if fh else b"")
    except tarfile.TarError as e:
        raise SealError(f"{path} decrypts, but is not a capture archive ({type(e).__name__})") from None
    return into


@contextlib.contextmanager
def private_temp() -> Iterator[Path]:
    """A 0700 temporary folder, removed on leaving, for a capture's plaintext."""
    with tempfile.TemporaryDirectory(prefix="phone-audit-capture-") as tmp:
        yield private_dir(Path(tmp))

"""Synthesize real APK files from a profile's description, byte-identical across runs.

    from simulator.apkgen import ApkSpec, ComponentSpec, synthesize_apk
    apk = synthesize_apk(ApkSpec(package="com.example", classes=("com.example.Main",)))

An APK is a zip holding a binary AndroidManifest.xml (`axml`), classes*.dex (`dex`),
optional incompressible padding, and a v1 JAR signature by a stable test certificate
derived from the signer's name (`sign`). Assembly is in `build`.
"""

# Bumped whenever the bytes produced for a given spec change (caches key on it).
APKGEN_VERSION = "1"

from .build import synthesize_apk, synthesize_apk_to
from .sign import signer_certificate
from .spec import ApkSpec, ComponentSpec

__all__ = ["APKGEN_VERSION", "ApkSpec", "ComponentSpec", "synthesize_apk", "synthesize_apk_to", "signer_certificate"]

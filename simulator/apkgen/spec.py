"""What an APK to synthesize looks like: `ApkSpec` and its `ComponentSpec`s.

Profiles describe APKs in these terms (see docs/profile-format.md,
`[packages.apk]`); `simulator.apkgen.synthesize_apk` turns one into real bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ApkSpec", "ComponentSpec", "COMPONENT_KINDS"]

COMPONENT_KINDS = ("activity", "service", "receiver", "provider")


@dataclass(frozen=True)
class ComponentSpec:
    """One manifest component (<activity>, <service>, <receiver> or <provider>).

    `name` is written verbatim (".Relative" names stay relative, as aapt leaves them).
    `categories` adds <category> entries to the same intent-filter as `actions`;
    `authorities` is a provider's android:authorities (default: package + "." + the
    class's simple name, since a provider without one is not installable).
    """

    kind: str
    name: str
    permission: str | None = None
    actions: tuple[str, ...] = ()
    exported: bool | None = None
    categories: tuple[str, ...] = ()
    authorities: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in COMPONENT_KINDS:
            raise ValueError(f"component kind must be one of {COMPONENT_KINDS}, not {self.kind!r}")


@dataclass(frozen=True)
class ApkSpec:
    """Everything that determines a synthesized APK; equal specs give identical bytes.

    `label` is stored verbatim (it may be hostile text). `size` pads the APK with an
    incompressible STORED `assets/filler.bin` to about that many bytes in total.
    DEX files: `dex_count` > 0 forces that many (classes split in order); otherwise
    `max_classes_per_dex` > 0 splits into as many as needed; otherwise one.
    `debuggable` and `shared_user_id` add android:debuggable / android:sharedUserId
    when not None; a None `version_name`, `min_sdk` or `target_sdk` leaves that
    attribute out. `size` is limited to just under 4 GiB (no zip64).
    `label_ref` writes android:label as a reference to string/app_name in
    resources.arsc (as aapt2 does for `@string/app_name`) instead of a raw string;
    `resource_strings` and `resource_locales` grow that table to a real app's size
    (see `simulator.apkgen.arsc.build_arsc`). `dex_strings`, when given, holds the
    extra strings of each DEX file in order (instead of `strings` all in classes.dex).
    """

    package: str
    version_code: int = 1
    version_name: str | None = "1.0"
    label: str | None = None
    min_sdk: int | None = 21
    target_sdk: int | None = 29
    permissions: tuple[str, ...] = ()
    components: tuple[ComponentSpec, ...] = ()
    classes: tuple[str, ...] = ()
    strings: tuple[str, ...] = ()
    signer: str = "phone-audit-test"
    size: int = 0
    dex_count: int = 0
    max_classes_per_dex: int = 0
    debuggable: bool | None = None
    shared_user_id: str | None = None
    signer_organization: str | None = None
    extra_entries: tuple[tuple[str, bytes], ...] = ()
    label_ref: bool = False
    resource_strings: int = 0
    resource_locales: tuple[str, ...] = ()
    dex_strings: tuple[tuple[str, ...], ...] = ()

"""Every APK the built-in phones serve is a real APK to Google's tools and to androguard.

Each package of each built-in profile has its APK synthesized (as the simulator serves
it); `aapt dump badging` must read package and versions, `dexdump` must list the classes
the profile declares, and androguard must give package, versions, the declared
permissions and the signer's certificate.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess

import loguru
import pytest

from simulator.apkgen import signer_certificate
from simulator.phone import PhoneModel
from simulator.profile import builtin_profiles

loguru.logger.disable("androguard")

AAPT = shutil.which("aapt")
DEXDUMP = shutil.which("dexdump")


@pytest.mark.parametrize("profile_name", [name for name, _ in builtin_profiles()])
def test_every_builtin_apk_parses(profile_name, tmp_path):
    from androguard.core.apk import APK

    if not (AAPT and DEXDUMP):
        pytest.fail("aapt and dexdump are needed (.ci/run installs them)")
    model = PhoneModel.load(profile_name, apk_cache_dir=tmp_path / "apks")
    checked = 0
    for pkg in model.profile.packages:
        path = model.apk_file(pkg.name)
        assert path is not None and path.is_file(), pkg.name

        badging = subprocess.run([AAPT, "dump", "badging", str(path)], capture_output=True, text=True, timeout=60)
        assert badging.returncode == 0, (pkg.name, badging.stderr)
        assert f"package: name='{pkg.name}' versionCode='{pkg.version_code}'" in badging.stdout, pkg.name

        apk = APK(str(path))
        assert apk.get_package() == pkg.name
        assert str(apk.get_androidversion_code()) == str(pkg.version_code)
        declared = set(pkg.apk.permissions) if pkg.apk else set()
        assert declared <= set(apk.get_permissions()), pkg.name
        certs = apk.get_certificates_der_v2() or [c.dump() for c in apk.get_certificates()]
        assert certs, pkg.name
        if pkg.apk and pkg.apk.signer:
            want = hashlib.sha256(signer_certificate(pkg.apk.signer)).hexdigest()
            assert want in {hashlib.sha256(c).hexdigest() for c in certs}, pkg.name

        if pkg.apk and pkg.apk.classes:
            dump = subprocess.run([DEXDUMP, str(path)], capture_output=True, text=True, timeout=60)
            listed = {m.group(1)[1:-1].replace("/", ".")
                      for m in re.finditer(r"Class descriptor\s*:\s*'([^']+)'", dump.stdout)}
            assert set(pkg.apk.classes) <= listed, pkg.name
        checked += 1
    assert checked >= 120

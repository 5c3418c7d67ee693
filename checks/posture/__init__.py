"""The phone's security posture (`os.*` checks): patch level, verified boot, SELinux,
encryption, root traces, package verification, adb over the network."""

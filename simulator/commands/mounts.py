"""`/proc/mounts` of the simulated phone: the kernel's mount table, one mount a line
(`device mount-point type options 0 0`), as `cat /proc/mounts` prints it to the shell.

Android 10+ (SDK 29) phones are system-as-root with dynamic partitions: the system
image is `/` on a device-mapper block, with `/vendor`, `/product`, `/system_ext` (11+)
beside it. Older phones mount `/system` from a named partition over a read-only
rootfs. Every system partition is read-only unless the profile's [device] `rw_mounts`
names it (a userdebug build after `adb remount`, or a rooted phone).
"""

from __future__ import annotations


def _opts(rw: bool, rest: str) -> str:
    return ("rw," if rw else "ro,") + rest


def proc_mounts(phone) -> str:
    cached = phone.render_cache.get("proc_mounts")
    if cached is not None:
        return cached
    rw = set(phone.profile.rw_mounts)
    sdk = phone.profile.sdk
    lines = []
    if sdk >= 29:
        lines.append(f"/dev/block/dm-4 / ext4 {_opts('/' in rw or '/system' in rw, 'seclabel,relatime')} 0 0")
    else:
        lines.append(f"rootfs / rootfs {_opts('/' in rw, 'seclabel')} 0 0")
    lines += [
        "tmpfs /dev tmpfs rw,seclabel,nosuid,relatime,size=3858708k,nr_inodes=964677,mode=755 0 0",
        "devpts /dev/pts devpts rw,seclabel,relatime,mode=600,ptmxmode=000 0 0",
        "proc /proc proc rw,relatime,gid=3009,hidepid=invisible 0 0",
        "sysfs /sys sysfs rw,seclabel,relatime 0 0",
        "selinuxfs /sys/fs/selinux selinuxfs rw,relatime 0 0",
        "tmpfs /mnt tmpfs rw,seclabel,nosuid,nodev,noexec,relatime,size=3858708k,nr_inodes=964677,mode=755,gid=1000 0 0",
    ]
    if sdk < 29:
        lines.append("/dev/block/bootdevice/by-name/system /system ext4 "
                     f"{_opts('/system' in rw, 'seclabel,relatime,data=ordered')} 0 0")
    parts = [("/vendor", "dm-5"), ("/product", "dm-6")] + ([("/system_ext", "dm-7")] if sdk >= 30 else [])
    if "/odm" in rw:
        parts.append(("/odm", "dm-8"))
    for mount_point, dev in parts:
        lines.append(f"/dev/block/{dev} {mount_point} ext4 {_opts(mount_point in rw, 'seclabel,relatime')} 0 0")
    lines += [
        "tmpfs /apex tmpfs rw,seclabel,nosuid,nodev,noexec,relatime,size=3858708k,nr_inodes=964677,mode=755 0 0",
        "/dev/block/loop3 /apex/com.android.tzdata@339990000 ext4 ro,dirsync,seclabel,nodev,noatime 0 0",
        "/dev/block/by-name/metadata /metadata ext4 rw,seclabel,nosuid,nodev,noatime,discard 0 0",
        "/dev/block/dm-38 /data f2fs rw,lazytime,seclabel,nosuid,nodev,noatime,background_gc=on,"
        "discard,no_heap,user_xattr,inline_xattr,acl,inline_data,inline_dentry,extent_cache,"
        "mode=adaptive,active_logs=6,reserve_root=32768,resuid=0,resgid=1065,inlinecrypt,"
        "alloc_mode=default,checkpoint_merge,fsync_mode=nobarrier 0 0",
        "/dev/fuse /mnt/user/0/emulated fuse rw,lazytime,nosuid,nodev,noexec,noatime,user_id=0,"
        "group_id=0,allow_other 0 0",
    ]
    text = "\n".join(lines) + "\n"
    phone.render_cache["proc_mounts"] = text
    return text

#!/usr/bin/env bash
# Build the pristine test system: Debian (bookworm by default) with mmdebstrap, given the
# traits of Canonical's Ubuntu EC2 image that the playbooks deal with (ubuntu-traits/, and
# ansible/image/README.md "The test system's traits"), on a disk laid out as that image's, and
# booted once as an EC2 instance's first boot: cloud-init with a NoCloud seed standing for the
# instance metadata, then a login with the build key. The result is that disk: the AMI's
# snapshot, from which every test run starts (testsystem.sh prepare copies it).
# usage: build-rootfs.sh OUT.raw
#   env: DEBIAN_MIRROR (default: this machine's), DEBIAN_SUITE, TESTSYSTEM_GIB (the volume,
#   default 3), VERIFY_ACCEL (tcg or kvm, for the first boot), BUILD_BOOT_TIMEOUT (s, 900)
#   writes: OUT.raw, and the build's key pair OUT.raw.build-key and OUT.raw.build-key.pub
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ $# = 1 ] || die "usage: $0 OUT.raw"
require_root "building the Ansible test system"
out=$1
mirror=${DEBIAN_MIRROR:-$("$here/debian-mirror.sh")}
suite=${DEBIAN_SUITE:-bookworm}
gib=${TESTSYSTEM_GIB:-3}
[[ $gib =~ ^[1-9][0-9]?$ ]] || die "TESTSYSTEM_GIB must be a number of GiB (1 to 99), not '$gib'"

for tool in mmdebstrap qemu-system-x86_64 ssh ssh-keygen partx; do
  command -v "$tool" >/dev/null || die "$tool is missing: make deps installs it"
done

mkdir -p "$(dirname "$out")"
base=$(cd "$(dirname "$out")" && pwd -P)
# The tree mmdebstrap fills, then the volume made from it: rootfs.build.raw, mounted at
# rootfs.build while the build works in it (remove_rootfs knows that pair).
tree=$base/rootfs.build-tree mnt=$base/rootfs.build disk=$base/rootfs.build.raw key=$base/rootfs.build-key
check_path "$tree"
loop= qemu=
cleanup() {
  if [ -n "$qemu" ]; then kill "$qemu" 2>/dev/null || true; wait "$qemu" 2>/dev/null || true; fi
  remove_rootfs "$tree"
  remove_rootfs "$mnt"
  rm -rf "$key" "$key.pub"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup

# --- the system ---------------------------------------------------------------------------
# What an Ubuntu cloud image already has and the roles rely on: python3 (Ansible),
# python3-apt (the apt module), sudo (become), openssh-server, systemd, udev (networkd needs it
# to see NICs); the kernel is Debian's generic flavour, whose disk and NIC drivers are modules
# as in Ubuntu's linux-aws (the cloud flavour lacks AHCI, e1000 and the LSI drivers
# altogether). Ubuntu's cloud image has these too: cloud-init, netplan, rsyslog (auth.log),
# chrony, curl, growpart (cloud-guest-utils), dbus, iproute2, dosfstools (the ESP), AppArmor
# (its profiles compiled into /var/cache/apparmor at the build's boot, as on the instance:
# without it every copy's first boot compiles them, 8-13 s under TCG before sysinit.target).
# GRUB comes with the disk.
# zstd: initramfs-tools compresses with it (COMPRESS=zstd, Debian's and Ubuntu's default) when
# it is there, as on Ubuntu (its initrd is zstd; initramfs-tools-core recommends it), else with
# gzip (measured: update-initramfs 3.1 s against 2.7 s, the initrd 8.7 MB against 7.9 MB).
# One mmdebstrap run installs them all with apt (without recommends, its default); no package's
# maintainer script can start a daemon meanwhile (its own policy-rc.d). Measured here: 84 s,
# where debootstrap and a second apt run took 116 s. Kept as debootstrap leaves them: /usr
# merged without the usrmerge package (its hook), the package lists (the disk's apt tasks need
# them), and dpkg's and apt's logs (the install's history, which the finalize role removes).
packages=python3,python3-apt,sudo,openssh-server,passwd,systemd,systemd-sysv,udev,ca-certificates,initramfs-tools
packages+=,linux-image-amd64,cloud-init,netplan.io,rsyslog,chrony,curl,cloud-guest-utils,dbus,iproute2,dosfstools,apparmor,zstd
echo "mmdebstrap $suite from $mirror" >&2
mmdebstrap --variant=minbase --include="$packages" \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr --skip=cleanup/apt/lists,cleanup/reproducible \
  "$suite" "$tree" "$mirror" >"$tree.log" 2>&1 || { tail -n 30 "$tree.log" >&2; exit 1; }
rm -f "$tree.log"

# Test stand only: no package's maintainer script may start a daemon from the chroot onto
# the host (the playbooks only enable services; they start them where systemd runs).
printf '#!/bin/sh\nexit 101\n' >"$tree/usr/sbin/policy-rc.d"
chmod 0755 "$tree/usr/sbin/policy-rc.d"

# The traits (ubuntu-traits/README.md). Debian's 10_linux goes aside for the one that knows
# GRUB_FORCE_PARTUUID.
chroot "$tree" dpkg-divert --quiet --local --rename --divert /usr/local/lib/testsystem/10_linux.debian \
  --add /etc/grub.d/10_linux
tar -C "$here/ubuntu-traits" --exclude=README.md --owner=0 --group=0 -cf - . | tar -C "$tree" -xf -
chroot "$tree" groupadd --system lxd
chroot "$tree" useradd --system --no-create-home --shell /usr/sbin/nologin ec2-instance-connect
chroot "$tree" systemctl enable --quiet grub-initrd-fallback.service hibinit-agent.service \
  snap.amazon-ssm-agent.amazon-ssm-agent.service
# The Amazon Time Sync Service, as the EC2 User Guide configures it on Ubuntu.
printf '\n# Amazon Time Sync Service\nserver 169.254.169.123 prefer iburst minpoll 4 maxpoll 4\n' \
  >>"$tree/etc/chrony/chrony.conf"

# --- the disk: Canonical's layout (livecd-rootfs, ubuntu-cpc disk-image-uefi.binary) -------
# GPT with a BIOS boot partition (14), an ESP (15) and the root (1) labelled cloudimg-rootfs.
partuuid=$(cat /proc/sys/kernel/random/uuid)
rm -f "$disk"
truncate -s "${gib}G" "$disk"
sfdisk -q "$disk" <<SFDISK
label: gpt
${disk}14 : start=2048, size=8192, type=21686148-6449-6E6F-744E-656564454649
${disk}15 : start=10240, size=217088, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
${disk}1 : start=227328, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=$partuuid
SFDISK
printf 'GRUB_FORCE_PARTUUID=%s\n' "$partuuid" >"$tree/etc/default/grub.d/40-force-partuuid.cfg"
printf 'LABEL=cloudimg-rootfs\t/\text4\tdiscard,errors=remount-ro\t0 1\nLABEL=UEFI\t/boot/efi\tvfat\tumask=0077\t0 1\n' \
  >"$tree/etc/fstab"
mkdir -p "$tree/boot/efi"
loop=$(attach_disk "$disk")
mke2fs -q -t ext4 -L cloudimg-rootfs -d "$tree" "${loop}p1"
remove_rootfs "$tree"
mkdir -p "$mnt"
mount "${loop}p1" "$mnt"
chroot_mount "$mnt"
chroot "$mnt" mkfs.vfat -F 32 -n UEFI "${loop}p15" >/dev/null

# GRUB for BIOS and UEFI, as on Canonical's disk (UEFI's at the first boot: some kernels that
# run this build cannot mount FAT); the debconf answer names the build's disk, as on an
# instance (there: its EBS volume's by-id path).
in_chroot() { chroot "$mnt" env DEBIAN_FRONTEND=noninteractive "$@"; }
printf 'grub-pc grub-pc/install_devices multiselect %s\n' "$loop" | in_chroot debconf-set-selections
in_chroot apt-get install -y -qq grub-pc grub-efi-amd64-bin >/dev/null
in_chroot grub-install --target=i386-pc "$loop" 2>&1 | grep -v '^Installation finished' >&2 || true
in_chroot update-grub
grep -q 'panic=-1' "$mnt/boot/grub/grub.cfg" || die "update-grub wrote no initrd-less entries (10_linux)"
# Package lists come with the disk, so the first apt task need not fetch them.
in_chroot apt-get update -qq >&2
in_chroot apt-get clean

# The build's first boot: the NoCloud seed stands for EC2's metadata (instance id, host name,
# the build key pair's public key); no user data, as the release passes none.
ssh-keygen -q -t ed25519 -N '' -C build-key -f "$key"
mkdir -p "$mnt/var/lib/cloud/seed/nocloud"
cat >"$mnt/var/lib/cloud/seed/nocloud/meta-data" <<META
instance-id: i-0$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
local-hostname: ip-172-31-$((RANDOM % 256))-$((RANDOM % 254 + 1))
public-keys:
  - $(cat "$key.pub")
META
: >"$mnt/var/lib/cloud/seed/nocloud/user-data"
chroot_umount "$mnt"
umount "$mnt"
losetup -d "$loop"
loop=

# --- the first boot -----------------------------------------------------------------------
# cloud-init makes the user ubuntu with the key (and root's forced-command copy), the host
# keys, the host name; the build logs in with its key and becomes root once, as Ansible does,
# leaving its scratch directory; journal, auth.log, wtmp and the random seed keep the visit.
# GRUB first tries the initrd-less boot (the virtio disk's driver is a module: it panics and
# reboots) and then boots with the initramfs.
# A free port on the loopback interface, for the first boot's ssh.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
accel=(-accel tcg)
[ "${VERIFY_ACCEL:-tcg}" != kvm ] || accel=(-accel kvm -cpu host)
echo "first boot of the test system under QEMU (${VERIFY_ACCEL:-tcg}); console: $base/rootfs.build-console.log" >&2
nice -n 10 qemu-system-x86_64 "${accel[@]}" -m 2048 -smp 2 -display none -no-user-config \
  -drive "file=$disk,format=raw,if=virtio" \
  -nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$port-:22" \
  -serial "file:$base/rootfs.build-console.log" </dev/null >"$base/rootfs.build-qemu.log" 2>&1 &
qemu=$!
ssh_build() {
  ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=20 \
    -o BatchMode=yes -o IdentitiesOnly=yes -i "$key" -p "$port" ubuntu@127.0.0.1 "$@"
}
deadline=$((SECONDS + ${BUILD_BOOT_TIMEOUT:-900}))
until ssh_build 'cloud-init status --wait >/dev/null; mkdir -p ~/.ansible/tmp && sudo -n true' </dev/null 2>/dev/null; do
  kill -0 $qemu 2>/dev/null || die "QEMU ended during the first boot: $(tail -n 3 "$base/rootfs.build-qemu.log")"
  [ $SECONDS -lt $deadline ] || { kill $qemu; die "no login with the build key within ${BUILD_BOOT_TIMEOUT:-900} s (console: $base/rootfs.build-console.log)"; }
  sleep 5
done
# The ESP (mounted from fstab): GRUB at UEFI's removable path, no NVRAM entry needed.
efi=$(ssh_build 'sudo -n grub-install --target=x86_64-efi --efi-directory=/boot/efi --removable --no-nvram 2>&1' </dev/null) ||
  die "grub-install for UEFI failed at the first boot: $efi"
ssh_build 'sudo -n systemctl poweroff' </dev/null || true
wait $qemu || true
qemu=
grep -q 'Kernel panic' "$base/rootfs.build-console.log" ||
  echo "warning: the initrd-less attempt did not panic (console: $base/rootfs.build-console.log)" >&2

# The seed stands for the metadata service: it is not part of the instance's disk.
loop=$(attach_disk "$disk")
mount "${loop}p1" "$mnt"
rm -rf "$mnt/var/lib/cloud/seed/nocloud"
umount "$mnt"
losetup -d "$loop"
loop=

mv "$key" "$out.build-key"
mv "$key.pub" "$out.build-key.pub"
mv "$disk" "$out"
du -h "$out" | cut -f1 | sed "s|^|$out: |" >&2

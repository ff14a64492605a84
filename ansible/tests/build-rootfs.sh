#!/usr/bin/env bash
# Build the pristine test system: Debian (bookworm by default) with debootstrap, given the
# traits of an Ubuntu cloud image that the playbooks deal with, packed as a tar so that every
# run starts from the same state without bootstrapping again.
# usage: build-rootfs.sh OUT.tar     env: DEBIAN_MIRROR (default: this machine's), DEBIAN_SUITE
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ $# = 1 ] || die "usage: $0 OUT.tar"
require_root "building the Ansible test system"
out=$1
mirror=${DEBIAN_MIRROR:-$("$here/debian-mirror.sh")}
suite=${DEBIAN_SUITE:-bookworm}

if ! command -v debootstrap >/dev/null; then
  echo "installing debootstrap" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
fi

mkdir -p "$(dirname "$out")"
work=$(cd "$(dirname "$out")" && pwd -P)/rootfs.build
check_path "$work"
trap 'remove_rootfs "$work"' EXIT
remove_rootfs "$work"

# What an Ubuntu cloud image already has and the roles rely on: python3 (Ansible),
# python3-apt (the apt module), sudo (become), openssh-server, systemd (enabling units);
# and what makes it bootable like the AMI, so that ansible/image/disk.sh can turn it into a
# disk: a kernel with its initramfs, systemd as init, udev (networkd needs it to see NICs).
# The kernel: Debian's generic flavour, whose disk and NIC drivers are modules as in Ubuntu's
# linux-aws (its cloud flavour lacks AHCI, e1000 and the LSI drivers altogether).
echo "debootstrap $suite from $mirror" >&2
debootstrap --variant=minbase \
  --include=python3,python3-apt,sudo,openssh-server,passwd,systemd,systemd-sysv,udev,ca-certificates,initramfs-tools,linux-image-amd64 \
  "$suite" "$work" "$mirror" >"$work.log" 2>&1 || { tail -n 30 "$work.log" >&2; exit 1; }
rm -f "$work.log"

# Test stand only: no package's maintainer script may start a daemon from the chroot onto
# the host (the playbooks only enable services; they start them where systemd runs).
printf '#!/bin/sh\nexit 101\n' >"$work/usr/sbin/policy-rc.d"
chmod 0755 "$work/usr/sbin/policy-rc.d"

# Ubuntu-like fixtures: /etc/netplan, cloud-init's configuration directory, the cloud
# image's drop-in that disables password logins, and the default user with an authorized key, passwordless sudo and the scratch
# directory an Ansible run over SSH leaves behind.
mkdir -p "$work/etc/netplan" "$work/etc/cloud/cloud.cfg.d"
printf 'PasswordAuthentication no\n' >"$work/etc/ssh/sshd_config.d/60-cloudimg-settings.conf"
chroot "$work" useradd --create-home --shell /bin/bash --groups sudo ubuntu
printf 'ubuntu ALL=(ALL) NOPASSWD:ALL\n' >"$work/etc/sudoers.d/90-cloud-init-users"
chmod 0440 "$work/etc/sudoers.d/90-cloud-init-users"
install -d -m 0700 "$work/home/ubuntu/.ssh" "$work/home/ubuntu/.ansible" "$work/home/ubuntu/.ansible/tmp"
printf 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKv4FfRS8JcAJ0Xu0UYwH8OqRj4kM1cR2mJ7nXG0l8pM build-key\n' \
  >"$work/home/ubuntu/.ssh/authorized_keys"
chmod 0600 "$work/home/ubuntu/.ssh/authorized_keys"
chroot "$work" chown -R ubuntu:ubuntu /home/ubuntu/.ssh /home/ubuntu/.ansible

# Package lists come with the tar, so the first apt task need not fetch them.
chroot_mount "$work"
chroot "$work" apt-get update -qq >&2
chroot "$work" apt-get clean
chroot_umount "$work"

tar -C "$work" --numeric-owner -cf "$out.tmp" .
mv "$out.tmp" "$out"
du -h "$out" | cut -f1 | sed "s|^|$out: |" >&2

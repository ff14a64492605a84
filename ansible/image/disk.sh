#!/usr/bin/env bash
# The raw disk of a test system (ansible/tests/testsystem.sh prepare: the local stand-in for the
# build instance, after the playbooks): its volume, as the AMI takes the instance's root
# volume. The test system is unmounted (its volume's loop device detached) and stays so.
#
#   disk.sh ROOTFS OUT.raw
#
# The volume carries its GRUB (BIOS and UEFI), partition table and file systems as the test
# system's build made them (build-rootfs.sh) and the playbooks left them: GRUB boots through
# the system's own grub.cfg. Prints {"file","size","seconds"} on stdout.
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "disk.sh: $*" >&2; exit 2; }

[ $# = 2 ] || die "usage: disk.sh ROOTFS OUT.raw"
root=$1 out=$2
t0=$SECONDS
[ -d "$root" ] && [ -f "$root.raw" ] || die "$root: not a test system (no volume $root.raw): make it with make ansible-testsystem"
[ "$(id -u)" = 0 ] || die "needs root, to unmount the test system"
command -v jq >/dev/null || die "jq is missing: make deps installs it"
"$here/../tests/testsystem.sh" disk "$root" "$out" || exit 2
jq -n --arg file "$out" --argjson size "$(stat -c %s "$out")" --argjson seconds $((SECONDS - t0)) \
  '{file: $file, size: $size, seconds: $seconds}'

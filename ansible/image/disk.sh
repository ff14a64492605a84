#!/usr/bin/env bash
# Make a bootable raw disk from a root file system tree (the local test system that stands in
# for the build instance, after the playbooks): an MBR partition table with one ext4 root,
# GRUB in BIOS mode (as Ubuntu's AMIs boot), and the tree's own kernel and initramfs.
#
#   disk.sh ROOTFS OUT.raw        env: DISK_HEADROOM_MB (free space in the root, default 512)
#
# Built without loop devices, mounts or an appliance VM: mke2fs writes the tree straight into
# the partition (-d, at the partition's offset), and GRUB's own boot sector and core image go
# in front of it. The core image carries its configuration (root by UUID, /vmlinuz and
# /initrd.img, the links the kernel package keeps current), so nothing is added to the tree.
# Prints {"file","size","seconds"} on stdout.
set -eu -o pipefail
die() { echo "disk.sh: $*" >&2; exit 2; }

[ $# = 2 ] || die "usage: disk.sh ROOTFS OUT.raw"
root=$1 out=$2
headroom=${DISK_HEADROOM_MB:-512}
grub_dir=/usr/lib/grub/i386-pc
t0=$SECONDS

[ -d "$root/etc" ] || die "$root: not a root file system"
[ -e "$root/vmlinuz" ] && [ -e "$root/initrd.img" ] ||
  die "$root has no /vmlinuz and /initrd.img: install a kernel into it (linux-image-cloud-amd64)"
[ "$(id -u)" = 0 ] || die "needs root, to read every file of $root"
for tool in mke2fs sfdisk grub-mkimage jq; do
  command -v "$tool" >/dev/null || die "$tool is missing: make image-deps installs it"
done
[ -f "$grub_dir/boot.img" ] || die "$grub_dir/boot.img is missing: make image-deps installs grub-pc-bin"
if awk -v r="$(cd "$root" && pwd -P)" 'index($5, r "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
  die "$root has file systems mounted inside it (/proc, /dev, ...): unmount them first"
fi

# The partition starts at 1 MiB (room for GRUB's core image) and holds the tree plus headroom.
used_mb=$(du -sx --block-size=1M "$root" | cut -f1)
part_mb=$(( used_mb + used_mb / 10 + headroom ))
uuid=$(cat /proc/sys/kernel/random/uuid)
tmp=$out.tmp
rm -f "$tmp"
truncate -s $(( (part_mb + 1) * 1024 * 1024 )) "$tmp"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$tmp"
mke2fs -q -t ext4 -L sandbox-root -U "$uuid" -d "$root" -E offset=$(( 1024 * 1024 )) "$tmp" "${part_mb}M"

# GRUB: boot.img in the MBR's code area (the partition table stays), the core image in the gap
# after it (boot.img looks for it in sector 1; its own block list counts its sectors).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/grub.cfg" <<CFG
set timeout=0
search --no-floppy --fs-uuid --set=root $uuid
linux /vmlinuz root=UUID=$uuid rw console=tty0 console=ttyS0,115200
initrd /initrd.img
boot
CFG
grub-mkimage -O i386-pc -o "$work/core.img" -c "$work/grub.cfg" -p /boot/grub \
  biosdisk part_msdos ext2 search search_fs_uuid linux gzio normal configfile echo
[ "$(stat -c %s "$work/core.img")" -lt $(( 2047 * 512 )) ] || die "GRUB's core image does not fit before the partition"
dd if="$grub_dir/boot.img" of="$tmp" bs=440 count=1 conv=notrunc status=none
dd if="$work/core.img" of="$tmp" bs=512 seek=1 conv=notrunc status=none
mv "$tmp" "$out"
jq -n --arg file "$out" --argjson size "$(stat -c %s "$out")" --argjson seconds $((SECONDS - t0)) \
  '{file: $file, size: $size, seconds: $seconds}'

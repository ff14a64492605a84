# Shared by the test-system scripts (sourced, not run): root checks, mounting a chroot's
# kernel file systems so that it can always be taken down again, even after a failure, and
# the tests' reporting (ok / not ok lines, then "N passed, N failed").

die() { echo "$*" >&2; exit 1; }

require_root() {
  [ "$(id -u)" = 0 ] || die "$1 needs root (mmdebstrap, chroot and mounts): run it as root or with sudo"
}

# Paths with white space would be escaped in /proc/self/mountinfo; refuse them rather than
# risk missing a mount when unmounting.
check_path() {
  case "$1" in *[[:space:]]*) die "path with white space not supported: $1" ;; esac
}

# Mount points below $1 (not $1 itself: a test system's root is its volume), deepest first.
mounts_under() {
  awk -v root="$1" 'index($5, root "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

# apt, dpkg's maintainer scripts, systemctl and netplan inside the chroot need /proc, /sys
# and /dev. /dev is bound recursively (for /dev/pts and /dev/shm) but as a slave, so that
# unmounting it here never propagates back to the host.
chroot_mount() {
  local root=$1
  check_path "$root"
  mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
  mountpoint -q "$root/sys" || mount -t sysfs -o ro sysfs "$root/sys"
  if ! mountpoint -q "$root/dev"; then
    mount --rbind /dev "$root/dev"
    mount --make-rslave "$root/dev"
  fi
  disk_links "$root"
}

# udev's /dev/disk links for the disk of a test system's volume, where this machine has no
# udev: update-grub names the root by them (root=UUID=...; without, the loop device's name).
# On a tmpfs seen in the chroot only (its /dev is a slave: nothing reaches this machine's /dev
# but the empty mount point).
disk_links() {
  local root=$1 source disk part kind value
  source=$(findmnt -no SOURCE "$root" 2>/dev/null) || return 0
  [[ $source == /dev/loop*p* ]] || return 0
  mountpoint -q "$root/dev/disk" && return 0
  disk=${source%p*}
  mkdir -p "$root/dev/disk"
  mount -t tmpfs -o mode=0755 tmpfs "$root/dev/disk"
  for part in "$disk"p*; do
    for kind in UUID PARTUUID LABEL; do
      value=$(blkid -o value -s "$kind" "$part") || continue
      [ -n "$value" ] || continue
      mkdir -p "$root/dev/disk/by-${kind,,}"
      ln -sf "../../${part#/dev/}" "$root/dev/disk/by-${kind,,}/$value"
    done
  done
}

# Stop whatever still runs inside the chroot (started by us through it), then unmount
# everything below it (its root stays). Safe to call when nothing is mounted.
chroot_umount() {
  local root=$1 pid r m pids=()
  [ -d "$root" ] || return 0
  root=$(cd "$root" && pwd -P)
  for pid in /proc/[0-9]*; do
    r=$(readlink "$pid/root" 2>/dev/null) || continue
    if [ "$r" = "$root" ] || [ "${r#"$root"/}" != "$r" ]; then pids+=("${pid#/proc/}"); fi
  done
  if [ ${#pids[@]} -gt 0 ]; then
    echo "stopping processes left in $root: ${pids[*]}" >&2
    kill -TERM "${pids[@]}" 2>/dev/null || true
    sleep 1
    kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
  for m in $(mounts_under "$root"); do
    umount "$m" 2>/dev/null || umount -l "$m"
  done
  if [ -n "$(mounts_under "$root")" ]; then
    echo "still mounted below $root:" >&2
    mounts_under "$root" >&2
    return 1
  fi
}

# A disk image as a loop device with its partitions (/dev/loopNpM); prints the device. Where
# the kernel does not scan the partition table itself (some VMs' kernels), partx adds them.
attach_disk() {
  local dev
  dev=$(losetup -f --show -P "$1")
  [ -b "${dev}p1" ] || partx -a "$dev"
  echo "$dev"
}

# Detach the loop devices of a disk image (their partitions go with them).
detach_disk() {
  local dev
  for dev in $(losetup -j "$1" -O NAME -n); do losetup -d "$dev"; done
}

# Remove a root file system: a tree, or a test system's volume mounted there (its disk image
# beside it, ROOT.raw), never crossing into a file system still mounted inside it.
remove_rootfs() {
  local root=$1
  if [ -e "$root" ]; then
    chroot_umount "$root"
    if mountpoint -q "$root"; then umount "$root"; fi
    rm -rf --one-file-system "$root"
  fi
  if [ -e "$root.raw" ]; then
    detach_disk "$root.raw"
    rm -f "$root.raw"
  fi
}

# --- reporting ---------------------------------------------------------------------------
passed=0 failed=0 t0=$SECONDS
pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "not ok - $1"; }
# check NAME COMMAND...: one assertion; its output is shown only when it fails.
check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name"; printf '%s\n' "$out" | tail -n 15 | sed 's/^/    /'; fi
}
# finish TEST: the summary line; fails when an assertion did.
finish() {
  echo "$1: $((SECONDS - t0)) s"
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
}

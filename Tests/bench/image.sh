#!/usr/bin/env bash
# bench-image: `make demo` end to end with real images (TCG), timed by phase from its state
# files, then what verify-image measured: boot seconds per cell of the matrix, systemd's account
# of the full cell's boot, and each image's size against the bytes its guest uses and against
# gzip -6 of the disk's used blocks. Compared with the targets of ansible/image/README.md.
#   usage: image.sh BUILD-DIR ANSIBLE-ROOTFS-DISK BIN-DIR   (root; the emulator is started by the demo)
set -euo pipefail
. "$(dirname "$0")/pairs.sh"
build=$1 rootfs_disk=$2 bin=$3
id=bench-image-$(date -u +%Y%m%d-%H%M%S)
state=$build/$id log=$build/$id.log
mkdir -p "$build"
t0=$(date +%s) load0=$(load)
# As a user runs it: the demo makes its tools, venvs and test system itself, side by side.
if ! make --no-print-directory demo DEMO_ASSET_ID="$id" >"$log" 2>&1; then
  tail -n 30 "$log"
  echo "bench-image: make demo failed (log: $log)" >&2
  exit 1
fi
t_end=$(date +%s)
mtime() { local f latest=0 t; for f in "$@"; do [ -e "$f" ] && t=$(stat -c %Y "$f") && [ "$t" -gt "$latest" ] && latest=$t; done; echo "$latest"; }

# Phase ends, from the files each step writes when it is done.
t_tools=$(mtime "$bin"/aws-sign-request)
t_rootfs=$(mtime "$rootfs_disk")
t_system=$(mtime "$build/ansible/testsystem-inventory.ini")
t_install=$(mtime "$state/password.stamp")
t_ami=$(mtime "$state/ami.json")
t_exports=$(mtime "$state"/export-*.json)
t_verified=$(mtime "$state/sha256sums.stamp")
# Cached only when the demo did not make it again (it does when its inputs changed).
cached=cached
[ "$t_rootfs" -lt "$t0" ] || cached=built
echo "bench-image: make demo (test system $cached) $((t_end - t0)) s in all ($load0 at the start, $(load) at the end)"
# A file older than the run (cached) counts as made at its start.
since0() { local t=$1; [ "$t" -ge "$t0" ] || t=$t0; echo $((t - t0)); }
echo "  side by side: the tools built at $(since0 "$t_tools") s, the test system's disk at $(since0 "$t_rootfs") s"
printf '  %-40s %5d s\n' "tools, venvs, test system (side by side)" $((t_system - t0)) \
  "install (install.yml, reset-password.yml)" $((t_install - t_system)) \
  "AMI (disk.sh, CreateImage)" $((t_ami - t_install)) \
  "exports (ExportImage of every format)" $((t_exports - t_ami))
# Verification: what the release waits for once the last export (the booted VMDK, the slowest to
# convert) is there. The other formats are downloaded while it is still converting.
printf '  %-40s %5d s (target: at most 240 s)\n' "verification after the last export" $((t_verified - t_exports))
printf '  %-40s %5d s\n' "assets.md" $((t_end - t_verified))
first_download=$(for f in "$state"/download-*.json; do echo $(($(stat -c %Y "$f") - $(jq .seconds "$f"))); done | sort -n | head -n 1)
echo "  from the first download (while the last export converts) to SHA256SUMS: $((t_verified - first_download)) s"
sed -n 's/^verify-image: \(.* took .*\)/  verify-image: \1/p; s/^verify: \(.* boots in .*\)/  \1/p' "$log"

booted=$(jq -r 'select(.cells) | .format' "$state"/verify-*.json)
jq -r '.cells[] | "  cell \(.name) (\(.role), \(.firmware), \(.disk), \(.nic)): \(.result), \(.answer) after \(.answerSeconds) s, login prompt \(.loginPromptSeconds) s, \(.seconds) s in all; kernel at \(.timeline.kernel) s, root switch \(.timeline.rootSwitch) s"' \
  "$state/verify-$booted.json"
jq -r '"  systemd-analyze (full cell): \(.boot.systemd); slowest: " + ([.boot.blame[:6][] | "\(.unit) \(.seconds) s"] | join(", "))' "$state/verify-$booted.json"

# Sizes: each file against the bytes used in the guest, the VMDK against gzip -6 of the used
# blocks (e2image -ra: the root file system's used blocks, the rest a hole).
used=$(jq -r .usedBytes "$state/verify-$booted.json")
root_start=$(partx -g -o START -n 1 "$state/disk.raw")
gz=$(e2image -ra -o $((root_start * 512)) "$state/disk.raw" - 2>/dev/null | gzip -6 | wc -c)
echo "  used in the guest: $used bytes; gzip -6 of the used blocks: $gz bytes"
for f in "$state"/verify-*.json; do
  jq -r --argjson used "$used" --argjson gz "$gz" '"  \(.format): \(.size) bytes, \(.size / $used * 100 | round / 100)x used"
    + (if .format == "vmdk" then ", \(.size / $gz * 100 | round / 100)x gzip -6 (target: at most 1.1x)"
       else " (target: at most 1.5x, or the README says why)" end)' "$f"
done
rm -rf "$state/images" "$state/disk.raw"

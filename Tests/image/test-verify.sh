#!/usr/bin/env bash
# make test-image: verify-image's boot matrix and checks (ansible/image/verify.sh) on an image
# built from the local test system after both playbooks, on one made wrong on purpose, where
# every fault must show up as its own failed check, and on one whose kernel panics. Prints
# measurements, then "N passed, N failed". The good image reaches verify.sh the way a release's
# does: the emulator exports it as VMDK and VHD (instanceDisk), and `make verify-image` downloads
# both, boots the VMDK through three cells (one of each role: the full checks, the second copy,
# a probe; make demo boots every claimed cell), proves the VHD the same disk
# (check-format.sh), and writes SHA256SUMS into the bucket.
#   env: ANSIBLE_VENV, ROOTFS_DISK (the pristine test system), WORK (scratch), KEEP=1 keeps WORK,
#   EMULATOR_ENV (the emulator, running), BIN (the built tools), VERIFY_CELLS (the good image's
#   cells; default: bios-virtio uefi-ahci bios-vmware, the roles at make test's time budget),
#   ALLOW_SKIPS=1 lets a run without root pass (otherwise it fails)
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/ansible/tests/lib.sh"
: "${ANSIBLE_VENV:?}" "${ROOTFS_DISK:?}" "${WORK:?}" "${EMULATOR_ENV:?}" "${BIN:?}"
if [ "$(id -u)" != 0 ] && [ "${ALLOW_SKIPS:-}" = 1 ]; then
  echo "test-image: SKIPPED (ALLOW_SKIPS=1): it needs root (chroot, mounts, a loop device)"
  exit 0
fi
require_root "the image test (chroot, mounts, a loop device); ALLOW_SKIPS=1 skips it"
export ANSIBLE_CONFIG=$top/ansible/ansible.cfg ANSIBLE_NOCOLOR=1
venv=$(cd "$ANSIBLE_VENV" && pwd)

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd -P)
rootfs=$WORK/rootfs mnt=$WORK/mnt
set -a; . "$EMULATOR_ENV"; set +a
BIN=$(cd "$BIN" && pwd)
sign() { "$BIN/aws-sign-request" "$@"; }
equals() { [ "$1" = "$2" ] || { echo "expected '$2', got '$1'"; return 1; }; }
# The emulator's settings (POST /_emulator/config).
emulator() {
  jq -n --arg url "$AWS_ENDPOINT_URL/_emulator/config" --arg body "$1" \
    '{service: "s3", url: $url, headers: {"Content-Type": "application/json"}, body: $body}' | sign --filter .status >/dev/null
}
s3() {  # s3 METHOD PATH [BODY]
  jq -n --arg m "$1" --arg path "$2" --arg body "${3:-}" '{service: "s3", method: $m, path: $path, body: $body}' | sign
}
id=test-image-$$ bucket=test-image-$$
cleanup() {
  mountpoint -q "$mnt" && umount "$mnt"
  chroot_umount "$rootfs" || true
  emulator '{"instanceDisk": null}' || true
  if [ -d "$top/build/$id" ]; then
    "$BIN/list-assets" --asset-id "$id" --bucket "$bucket" | "$BIN/purge-assets" --yes --asset-id "$id" >/dev/null 2>&1 || true
    for key in "images/$id/SHA256SUMS" "images/$id/data-science-sandbox-$id.vmdk.sha256" \
               "images/$id/data-science-sandbox-$id.vhd.sha256"; do
      s3 DELETE "/$bucket/$key" >/dev/null 2>&1 || true
    done
    s3 DELETE "/$bucket" >/dev/null 2>&1 || true
    rm -rf "${top:?}/build/$id"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One cell of each role, UEFI among them: what the matrix's machinery does, within make test's
# 20 minutes (every claimed cell is make demo's and each release's).
VERIFY_CELLS=${VERIFY_CELLS:-bios-virtio uefi-ahci bios-vmware}
export VERIFY_CELLS
SANDBOX_DEFAULT_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)
export SANDBOX_DEFAULT_PASSWORD

# --- bad input: exit 2 and one line, before QEMU runs ---------------------------------------
bad_input() {
  local rc=0 err
  err=$(env -u SANDBOX_DEFAULT_PASSWORD "$top/ansible/image/verify.sh" /dev/null raw 2>&1 >/dev/null) || rc=$?
  [ $rc = 2 ] && [ "$(wc -l <<<"$err")" = 1 ] || { echo "exit $rc: $err"; return 1; }
  err=$("$top/ansible/image/verify.sh" "$WORK/none.qcow2" 2>&1 >/dev/null) && return 1 || rc=$?
  [ $rc = 2 ] || { echo "exit $rc: $err"; return 1; }
}
check "verify.sh: bad input exits 2 with one line" bad_input

# --- the image: the test system after both playbooks, with a build key to refuse ------------
"$top/ansible/tests/testsystem.sh" prepare "$ROOTFS_DISK" "$rootfs" "$WORK/inventory.ini"
rm -f "$WORK/build-key" "$WORK/build-key.pub"
ssh-keygen -q -t ed25519 -N '' -C build-key -f "$WORK/build-key"
install -m 0600 -o 1000 -g 1000 "$WORK/build-key.pub" "$rootfs/home/ubuntu/.ssh/authorized_keys"
for playbook in install.yml reset-password.yml; do
  t=$SECONDS
  "$top/ansible/tests/testsystem.sh" run "$rootfs" "$venv/bin/ansible-playbook" -i "$WORK/inventory.ini" \
    "$top/ansible/$playbook" >"$WORK/${playbook%.yml}.log" 2>&1 || { tail -n 30 "$WORK/${playbook%.yml}.log"; fail "$playbook"; finish test-image; exit 1; }
  echo "$playbook: $((SECONDS - t)) s"
done
t=$SECONDS
"$top/ansible/image/disk.sh" "$rootfs" "$WORK/good.raw" >/dev/null
echo "measure: disk build $((SECONDS - t)) s"
# Sizes per format are make bench-image's; the emulator's export makes the VMDK here.
echo "measure: raw $(stat -c %s "$WORK/good.raw") bytes (allocated $(du -k "$WORK/good.raw" | cut -f1) KiB)"

# --- made wrong on purpose: one fault per check -------------------------------------------
cp --sparse=always "$WORK/good.raw" "$WORK/bad.raw"
mkdir -p "$mnt"
mount -o loop,offset=$(( $(partx -g -o START -n 1 "$WORK/bad.raw") * 512 )) "$WORK/bad.raw" "$mnt"  # the root: partition 1
ssh-keygen -A -f "$mnt"                                           # host keys shipped
rm "$mnt"/etc/ssh/ssh_host_rsa_key* "$mnt"/etc/systemd/system/multi-user.target.wants/sandbox-ssh-keygen-rsa.service  # but no RSA key, and none made
echo 0123456789abcdef0123456789abcdef >"$mnt/etc/machine-id"      # one machine-id for all copies
chage --root "$mnt" --lastday $(( $(date +%s) / 86400 )) ubuntu    # password not expired
sed -i 's/^User=jupyter$/User=ubuntu/' "$mnt/etc/systemd/system/jupyter.service"   # Jupyter as ubuntu
install -d -m 0700 -o 1000 -g 1000 "$mnt/home/ubuntu/.ssh"        # the build's key left in
install -m 0600 -o 1000 -g 1000 "$WORK/build-key.pub" "$mnt/home/ubuntu/.ssh/authorized_keys"
chmod 0644 "$mnt"/etc/netplan/*.yaml                              # netplan readable by all
sed -i 's/^\( *\)dhcp-identifier: mac$/&\n\1optional: true/' "$mnt"/etc/netplan/90-*.yaml  # wait-online stalls
rm "$mnt"/etc/systemd/system/systemd-networkd-wait-online.service.d/90-sandbox.conf  # (its full timeout)
sed -i 's/^\(docker:.*\)ubuntu/\1/' "$mnt/etc/group"              # ubuntu not in docker
sed -i 's/^After=local-fs.target .*/After=local-fs.target/' "$mnt/etc/systemd/system/sandbox-growroot.service"  # growroot before logins
umount "$mnt"
# A kernel panic: an init that exits at once ("Attempted to kill init!").
cp --sparse=always "$WORK/good.raw" "$WORK/panic.raw"
mount -o loop,offset=$(( $(partx -g -o START -n 1 "$WORK/panic.raw") * 512 )) "$WORK/panic.raw" "$mnt"
rm "$mnt/sbin/init"
cp "$mnt/bin/false" "$mnt/sbin/init"
umount "$mnt"
# No bootable disk at all: zeros (the firmware finds nothing; GRUB's menu never shows).
truncate -s 64M "$WORK/zero.raw"

# --- the bad images, beside the good one's export and matrix --------------------------------
# One cell each (the bad image boots it twice: the second copy is the one whose host key and
# machine-id must differ), one guest at a time: the good image's matrix runs beside them.
verify() {
  local name=$1 rc=0
  VERIFY_CELLS=bios-virtio VERIFY_PARALLEL=1 VERIFY_BUILD_KEY=$WORK/build-key VERIFY_LOG_DIR=$WORK/logs-$name \
    "$top/ansible/image/verify.sh" "$WORK/$name" >"$WORK/$name.json" 2>"$WORK/$name.err" || rc=$?
  echo "$rc" >"$WORK/$name.rc"
  echo "verify $name: exit $rc: $(cat "$WORK/$name.json")"
}
# What a run leaves running is listed as soon as it ends (zero.left).
(verify panic.raw; verify bad.raw; verify zero.raw; pgrep -af "verify.sh $WORK/zero.raw" >"$WORK/zero.left") \
  >"$WORK/bad.log" 2>&1 &
bad_pid=$!

# --- the good image, exported by the emulator and verified by make verify-image ---------------
mkdir -p "$top/build/$id"
s3 PUT "/$bucket" "<CreateBucketConfiguration><LocationConstraint>$AWS_REGION</LocationConstraint></CreateBucketConfiguration>" >/dev/null
emulator "$(jq -cn --arg disk "$WORK/good.raw" '{instanceDisk: $disk, exportSeconds: 0}')"
t=$SECONDS
rc=0
# PREFLIGHT=: this bucket and export role are bare stand-ins that make preflight rightly refuses.
VERIFY_BUILD_KEY=$WORK/build-key make -C "$top" --no-print-directory release NO_BUILD=1 SKIP_INSTALL=1 VERIFY_DOWNLOADS=1 \
  FORMATS="vmdk vhd" ASSET_ID="$id" VM_BUCKET="$bucket" EXPORT_ROLE=vmimport SOURCE_CIDR=198.51.100.7/32 PREFLIGHT= \
  >"$WORK/release.log" 2>&1 || rc=$?
echo "measure: release with verify-image (vmdk through the matrix, vhd proven the same) $((SECONDS - t)) s"
sed -n 's/^verify-image: \(.* took .*\)/measure: \1/p; s/^verify: \(.* boots in .*\)/measure: \1/p' "$WORK/release.log"
state=$top/build/$id
file=data-science-sandbox-$id.vmdk
for f in vmdk vhd; do
  cp "$state/verify-$f.json" "$WORK/good.$f.json" 2>/dev/null || cp "$state/verify-$f.failed.json" "$WORK/good.$f.json" ||
    echo '{}' >"$WORK/good.$f.json"
  echo "verify good.$f (exported, downloaded): $(cat "$WORK/good.$f.json")"
done
echo "$rc" >"$WORK/good.vmdk.rc"
cp "$WORK/release.log" "$WORK/good.vmdk.err"
t=$SECONDS
wait "$bad_pid" || true
echo "measure: the bad images' boots ended $((SECONDS - t)) s after the release"
cat "$WORK/bad.log"

all_checks=(boots-to-ssh password-login-forces-change new-password-login network build-key-refused
  build-key-nowhere netplan-mode docker-for-ubuntu jupyter-password jupyter-user unique-host-keys
  unique-machine-ids unique-jupyter-passwords jupyter-password-on-console console-screen-last ec2-agents-off
  hostname-sandbox grub-install-device root-fills-disk apparmor-no-denials host-keys-every-type first-boot-jobs-after-logins
  vmdk-stream vmdk-grain-tables readable)
good_ok() {
  local c
  [ "$(cat "$WORK/good.vmdk.rc")" = 0 ] || { tail -n 20 "$WORK/good.vmdk.err"; return 1; }
  for c in "${all_checks[@]}"; do
    [ "$(jq -r --arg c "$c" '.checks[$c]' "$WORK/good.vmdk.json")" = ok ] || { echo "$c: not ok"; return 1; }
  done
  jq -e '.format == "vmdk" and (.sha256 | length == 64) and .size > 0 and .bootSeconds > 0
    and .usedBytes > 0 and .ratio == ((.size / .usedBytes * 100 | round) / 100)' "$WORK/good.vmdk.json"
}
check "the good image (vmdk) passes every check" good_ok
# The matrix: every claimed cell booted once, each with its time; one ran every check, one more
# was the second copy, the rest stopped at their first answer; systemd's account of the boot.
claimed=${VERIFY_CELLS:-$(sed -n 's/^VERIFY_CELLS_CLAIMED="\(.*\)"$/\1/p' "$top/ansible/image/verify.sh")}
matrix() {
  jq -e --arg claimed "$claimed" '($claimed | split(" ")) as $cells
    | [.cells[].name] == $cells
    and all(.cells[]; .result == "ok" and .seconds > 0 and .answerSeconds > 0 and (.firmware | length > 0)
      and (.disk | length > 0) and (.nic | length > 0) and .timeline.kernel >= 0)
    and ([.cells[].role] == ["full", "unique"] + [range(2; $cells | length) | "probe"])
    and all(.cells[]; .role == "probe" or .answer == "ssh")
    and all($cells[]; . as $c | $checks["boot-" + $c] == "ok")
    and (.boot.systemd.userspace > 0) and (.boot.blame | length > 0)' \
    --argjson checks "$(jq .checks "$WORK/good.vmdk.json")" "$WORK/good.vmdk.json"
}
check "the good image went through each claimed cell once (${claimed// /, }), each ok with its time" matrix
for c in $claimed; do
  echo "measure: $c $(jq -r --arg c "$c" '.cells[] | select(.name == $c) | "\(.role): \(.answer) after \(.answerSeconds) s (login prompt \(.loginPromptSeconds) s), \(.seconds) s in all"' "$WORK/good.vmdk.json")"
done
echo "measure: systemd-analyze $(jq -c .boot.systemd "$WORK/good.vmdk.json"); slowest $(jq -c '.boot.blame[:5]' "$WORK/good.vmdk.json")"
same_disk() {
  jq -e --slurpfile booted "$WORK/good.vmdk.json" '.format == "vhd" and .sameAs.format == "vmdk"
    and .checks == {"vhd-footer": "ok", "vhd-bat": "ok", "readable": "ok", "same-size": "ok", "same-content": "ok"}
    and .usedBytes == $booted[0].usedBytes and .ratio > 0 and (.cells | not)' "$WORK/good.vhd.json"
}
check "the VHD was not booted, but proven the VMDK's disk (structure, size, content)" same_disk
echo "measure: sizes $(jq -r '"\(.format) \(.size) bytes (\(.ratio)x the \(.usedBytes) bytes used in the guest)"' "$WORK/good.vmdk.json" "$WORK/good.vhd.json" | paste -sd';')"

# The download is the exported image, whole: its own SHA-256 is the one verify-image reported
# and put beside it in the bucket, its size the export's, its content the disk exported.
downloaded() {
  local sum
  sum=$(sha256sum "$state/images/$file" | cut -d' ' -f1)
  equals "$(jq -r .sha256 "$WORK/good.vmdk.json")" "$sum" &&
    equals "$(jq '.[0].Size' "$state/export-vmdk.json")" "$(stat -c %s "$state/images/$file")" &&
    qemu-img compare -q "$WORK/good.raw" "$state/images/$file"
}
check "verify-image's download is the exported image (sha256, size, content)" downloaded
sums_published() {
  local f name line sums=
  for f in vmdk vhd; do
    name=data-science-sandbox-$id.$f
    line="$(sha256sum "$state/images/$name" | cut -d' ' -f1)  $name"
    # Whole files: the line and its newline (a command substitution would drop the newline).
    equals "$(s3 GET "/$bucket/images/$id/$name.sha256" | jq --arg want "$line"$'\n' '.body == $want')" true || return 1
    sums+=$line$'\n'
  done
  equals "$(s3 GET "/$bucket/images/$id/SHA256SUMS" | jq --arg want "$sums" '.body == $want')" true
}
check "SHA256SUMS and each image's .sha256 are in the bucket beside the images" sums_published
assets_rows() {
  local f
  for f in vmdk vhd; do
    grep -qF "| data-science-sandbox-$id.$f | \`$(jq -r .sha256 "$WORK/good.$f.json")\` | $(jq -r '"\(.size) | \(.usedBytes) | \(.ratio)"' "$WORK/good.$f.json") |" \
      "$state/assets.md" || { echo "no row for $f"; cat "$state/assets.md"; return 1; }
  done
}
check "assets.md shows each verified image's SHA-256, size, used bytes and ratio" assets_rows

check "the bad image exits 1" test "$(cat "$WORK/bad.raw.rc")" = 1
for c in password-login-forces-change unique-host-keys unique-machine-ids jupyter-user build-key-refused \
         build-key-nowhere netplan-mode docker-for-ubuntu network first-boot-jobs-after-logins host-keys-every-type; do
  check "the bad image fails $c" bash -c "r=\$(jq -r --arg c '$c' '.checks[\$c]' '$WORK/bad.raw.json'); echo \"\$r\"; [ \"\$r\" != ok ] && [ \"\$r\" != null ]"
done
# The panic ends its boot at once, named from the console, long before the timeout.
panic_seen() {
  jq -e '.checks["boot-bios-virtio"] | startswith("the console shows:") and test("Kernel panic")' "$WORK/panic.raw.json" &&
    jq -e '.cells[0].seconds < 300' "$WORK/panic.raw.json"
}
check "a kernel panic fails the boot from the console, without waiting for ssh" panic_seen
no_boot_seen() {
  jq -e '.checks["boot-bios-virtio"] | startswith("the console shows:") and test("No bootable device")' "$WORK/zero.raw.json"
}
check "a disk with nothing to boot fails from the console" no_boot_seen
check "verify.sh leaves no process behind (its Enter at GRUB's menu, on a boot that never shows it)" \
  bash -c "cat '$WORK/zero.left'; [ ! -s '$WORK/zero.left' ]"

if [ "$failed" = 0 ] && [ "${KEEP:-}" != 1 ]; then
  cleanup
  remove_rootfs "$rootfs"
  rm -rf "$WORK"/*.raw  # logs-<image>.raw/ are folders
fi
finish test-image

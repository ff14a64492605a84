# The checks of test-ansible.sh that read the test system as the image it becomes (sourced):
# how it boots, what it must not carry from the build, what its first boot does on another
# hypervisor and on EC2. Each is a function for `check`; $rootfs is the test system (its root
# file system mounted there), $WORK the test's scratch directory, $BUILD_KEY_PUB the build's
# public key (build-rootfs.sh).

# chroot with a throwaway /run and whatever it needs (files copied in): the boot-time scripts
# write there, and files under the test system's /run/systemd would make its systemctl look
# for a running systemd.
with_run() {
  unshare --mount --propagation private sh -c 'root=$1; shift; mount -t tmpfs tmpfs "$root/run" &&
    mkdir -p "$root/run/cloud-init" "$root/run/sshd" && "$@"' _ "$rootfs" "$@"
}

# A fake sysfs with the DMI and hypervisor files the EC2 test reads, inside the test system
# (the scripts run in its chroot); prints its path there. Scratch under /tmp/sandbox-test,
# removed by clear_scratch.
fake_sysfs() {
  local dir=/tmp/sandbox-test/sysfs-$1
  rm -rf "$rootfs$dir"
  mkdir -p "$rootfs$dir/class/dmi/id" "$rootfs$dir/hypervisor"
  case $1 in
    ec2-nitro) echo "Amazon EC2" >"$rootfs$dir/class/dmi/id/sys_vendor"
               echo "EC2E1916-9099-7CAF-FD21-012345ABCDEF" >"$rootfs$dir/class/dmi/id/product_uuid" ;;
    ec2-xen)   echo "Xen" >"$rootfs$dir/class/dmi/id/sys_vendor"
               echo "ec2e1916-9099-7caf-fd21-012345abcdef" >"$rootfs$dir/hypervisor/uuid" ;;
    qemu)      echo "QEMU" >"$rootfs$dir/class/dmi/id/sys_vendor"
               echo "6a0b2f3c-1d4e-4f56-8a9b-0c1d2e3f4a5b" >"$rootfs$dir/class/dmi/id/product_uuid" ;;
  esac
  echo "$dir"
}
clear_scratch() { rm -rf "$rootfs/tmp/sandbox-test"; }

grub_cfg=/boot/grub/grub.cfg

# --- 1. the boot -------------------------------------------------------------------------
# GRUB boots every kernel through its initramfs: no initrd-less attempt (GRUB_FORCE_PARTUUID),
# which panics wherever the disk's driver is a module, and names the root by UUID.
grub_boots_initramfs() {
  local cfg=$rootfs$grub_cfg
  ! grep -nE '^[[:space:]]*set partuuid=|panic=-1' "$cfg" || return 1
  # The root by its file system's UUID, not by a device name that differs on each machine.
  ! grep -nE '^[[:space:]]*linux[[:space:]].* root=/dev/' "$cfg" || return 1
  awk '/^[ \t]*linux[ \t]/ { pending = $0; next }
       pending != "" && /^[ \t]*initrd[ \t]/ { pending = ""; next }
       pending != "" && /^[ \t]*}/ { print "no initrd for: " pending; bad = 1; pending = "" }
       END { exit bad }' "$cfg"
}

# --- 2. the build key --------------------------------------------------------------------
# Its fingerprint in no authorized_keys file (cloud-init put it in ubuntu's, and with
# disable_root in root's behind a forced command), and no /root/.ssh.
build_key_nowhere() {
  local fp file found=
  fp=$(ssh-keygen -lf "$BUILD_KEY_PUB" | awk '{ print $2 }')
  [ -n "$fp" ] || { echo "no fingerprint of $BUILD_KEY_PUB"; return 1; }
  while IFS= read -r -d '' file; do
    if grep -qF " $fp " <<<"$(ssh-keygen -lf "$file" 2>/dev/null)"; then found+=" ${file#"$rootfs"}"; fi
  done < <(find "$rootfs/root" "$rootfs/home" "$rootfs/etc/ssh" -name 'authorized_keys*' -type f -print0)
  [ -z "$found" ] || { echo "the build key is in:$found"; return 1; }
  [ ! -e "$rootfs/root/.ssh" ] || { echo "/root/.ssh is there"; return 1; }
}

# --- 4. per-machine leftovers --------------------------------------------------------------
hostname_sandbox() {
  [ "$(cat "$rootfs/etc/hostname")" = sandbox ] || { echo "/etc/hostname: $(cat "$rootfs/etc/hostname")"; return 1; }
  grep -qE '^127\.0\.1\.1[[:space:]]+sandbox([[:space:]]|$)' "$rootfs/etc/hosts" || { cat "$rootfs/etc/hosts"; return 1; }
}

# debconf's answer for GRUB's install device names no disk in the image (a first-boot unit
# names the disk it booted from).
grub_install_device_cleared() {
  local value
  value=$(echo 'GET grub-pc/install_devices' | chroot "$rootfs" debconf-communicate grub-pc | cut -d' ' -f2-)
  [ -z "$value" ] || { echo "grub-pc/install_devices: $value"; return 1; }
  chroot "$rootfs" systemctl is-enabled sandbox-grub-install-device.service
}

# The build's logs: the journal, auth.log, syslog, wtmp, btmp, lastlog, apt's history, cloud-init's
# and the SSM agent's logs, and no rotated copies.
logs_cleared() {
  local found
  found=$(cd "$rootfs/var/log" && find . -type f \( -size +0 -o -name '*.gz' -o -name '*.[0-9]' -o -name '*.old' \) | sort)
  [ -z "$found" ] || { echo "not empty: $(tr '\n' ' ' <<<"$found")"; return 1; }
}

# What a machine keeps of itself: systemd's random seed and credential secret, Docker's engine
# id and its network store (the default bridge), the build NIC's netplan config (its MAC).
machine_state_cleared() {
  local found= path
  for path in var/lib/systemd/random-seed var/lib/systemd/credential.secret var/lib/docker/engine-id \
      var/lib/docker/network/files/local-kv.db var/lib/docker/buildkit etc/netplan/50-cloud-init.yaml; do
    [ ! -e "$rootfs/$path" ] || found+=" /$path"
  done
  [ -z "$found" ] || { echo "left:$found"; return 1; }
}

# --- 5. the console ------------------------------------------------------------------------
# Every kernel line ends with the screen as the last console (the kernel's /dev/console) after
# the serial port; GRUB shows a menu for a few seconds on the screen and the serial port.
grub_console_and_menu() {
  local cfg=$rootfs$grub_cfg
  awk '/^[ \t]*linux[ \t]/ {
         n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^console=/) c[++n] = $i
         if (n < 2 || c[n] !~ /^console=tty[0-9]+$/ || c[n - 1] !~ /^console=ttyS0/) { print "consoles: " $0; bad = 1 }
       }
       END { exit bad }' "$cfg" || return 1
  grep -qE '^[[:space:]]*set timeout=([1-9]|10)$' "$cfg" || { grep -n 'timeout' "$cfg"; return 1; }
  ! grep -qE 'timeout_style=hidden' "$cfg" || { echo "the menu is hidden"; return 1; }
  grep -qE '^terminal_output .*console' "$cfg" && grep -qE '^terminal_output .*serial' "$cfg" ||
    { grep -n terminal "$cfg"; return 1; }
}

# --- 6. the network wait ------------------------------------------------------------------
# systemd-networkd-wait-online waits for any one interface, for a short while.
wait_online_any() {
  local conf
  conf=$(cat "$rootfs"/etc/systemd/system/systemd-networkd-wait-online.service.d/*.conf 2>/dev/null) ||
    { echo "no drop-in"; return 1; }
  grep -qx 'ExecStart=' <<<"$conf" &&
    grep -qE '^ExecStart=/[^ ]*systemd-networkd-wait-online .*--any( |$)' <<<"$conf" &&
    grep -qE -- '--timeout=([1-9]|[12][0-9]|30)( |$)' <<<"$conf" || { echo "$conf"; return 1; }
}

# --- 7. Jupyter ---------------------------------------------------------------------------
# The image holds no Jupyter password (each machine makes its own at its first boot), and
# JupyterLab starts only after that.
jupyter_no_shared_password() {
  local cfg=$rootfs/home/jupyter/.jupyter/jupyter_server_config.json
  ! grep -qs 'hashed_password' "$cfg" || { echo "a password hash is in the image"; return 1; }
  [ ! -e "$rootfs/var/lib/sandbox/jupyter" ] || { echo "a machine's password is in the image"; return 1; }
  chroot "$rootfs" systemctl is-enabled sandbox-jupyter-password.service &&
    grep -qx 'Requires=sandbox-jupyter-password.service' "$rootfs/etc/systemd/system/jupyter.service" &&
    grep -qx 'ExecStartPre=+/usr/local/lib/sandbox/jupyter-password hash' "$rootfs/etc/systemd/system/jupyter.service"
}

# The first boot's password, as the units make it: shown on the console's login screen and at
# login before JupyterLab's start hashes it (logins do not wait for the hash), a login with it
# works, the next boot keeps it, and once the user has set another it is shown nowhere.
# (Changes the test system: run last.)
jupyter_machine_password() {
  local pw again issue=/etc/issue.d/sandbox-jupyter.issue
  with_run chroot "$rootfs" /usr/local/lib/sandbox/jupyter-password || return 1
  pw=$(cat "$rootfs/var/lib/sandbox/jupyter/password") || return 1
  [ ${#pw} -ge 12 ] || { echo "a short password (${#pw})"; return 1; }
  grep -qF "$pw" "$rootfs$issue" || { echo "not on the console's login screen ($issue)"; return 1; }
  [ "$(stat -c %a "$rootfs$issue")" = 600 ] || { echo "$issue is readable by others"; return 1; }
  grep -qF "$pw" <<<"$(chroot "$rootfs" /etc/update-motd.d/60-jupyter)" || { echo "not in the login message"; return 1; }
  with_run chroot "$rootfs" /usr/local/lib/sandbox/jupyter-password hash || return 1
  printf '%s' "$pw" | jupyter_password_is || { echo "the stored hash does not take it"; return 1; }
  grep -qF "$pw" <<<"$(chroot "$rootfs" /etc/update-motd.d/60-jupyter)" || { echo "not in the login message once hashed"; return 1; }
  with_run chroot "$rootfs" /usr/local/lib/sandbox/jupyter-password || return 1
  with_run chroot "$rootfs" /usr/local/lib/sandbox/jupyter-password hash || return 1
  again=$(cat "$rootfs/var/lib/sandbox/jupyter/password")
  [ "$pw" = "$again" ] || { echo "the next boot made another password"; return 1; }
  # The user sets a password of their own (jupyter server password writes a new hash).
  printf 'their-own-password' | chroot "$rootfs" runuser -u jupyter -- /home/jupyter/venv/bin/python \
    /usr/local/lib/sandbox/jupyter-set-password.py /home/jupyter/.jupyter/jupyter_server_config.json >/dev/null
  with_run chroot "$rootfs" /usr/local/lib/sandbox/jupyter-password || return 1
  [ ! -e "$rootfs$issue" ] || { echo "still on the login screen after the change"; return 1; }
  ! grep -qF "$pw" <<<"$(chroot "$rootfs" /etc/update-motd.d/60-jupyter)" || { echo "still in the login message"; return 1; }
  [ ! -e "$rootfs/var/lib/sandbox/jupyter/password" ] || { echo "the old password is still stored"; return 1; }
}
jupyter_password_is() {
  local hash
  hash=$(jq -r '.IdentityProvider.hashed_password' "$rootfs/home/jupyter/.jupyter/jupyter_server_config.json")
  chroot "$rootfs" runuser -u jupyter -- /home/jupyter/venv/bin/python -c '
import sys
from jupyter_server.auth.security import passwd_check
sys.exit(0 if passwd_check(sys.argv[1], sys.stdin.read()) else 1)' "$hash"
}

# --- 8. sshd ------------------------------------------------------------------------------
# The playbooks leave the packaged sshd_config as they found it (openssh's upgrades keep it
# through ucf; $SSHD_CONFIG_MD5 is its sum before the first run), and the sandbox's drop-in
# sorts first, so that it wins over the cloud image's and cloud-init's.
sshd_config_packaged() {
  local have
  have=$(md5sum <"$rootfs/etc/ssh/sshd_config" | cut -d' ' -f1)
  [ "$have" = "$SSHD_CONFIG_MD5" ] || { echo "sshd_config changed:"; head -n 5 "$rootfs/etc/ssh/sshd_config"; return 1; }
  [ "$(cd "$rootfs/etc/ssh/sshd_config.d" && ls -1 -- *.conf | head -n 1)" = 00-sandbox.conf ] ||
    { ls "$rootfs/etc/ssh/sshd_config.d"; return 1; }
}

# sshd -T after the boot-time setup: password logins on a hypervisor (cloud-init disabled: no
# metadata), none where cloud-init runs (EC2's metadata: the user's key pair).
sshd_passwords_when() {
  local key=$WORK/sshd-T-key
  [ -f "$key" ] || ssh-keygen -q -t ed25519 -N '' -f "$key"
  with_run sh -c 'root=$1; [ "$2" = off ] || : >"$root/run/cloud-init/enabled"
    chroot "$root" /usr/local/lib/sandbox/boot-config &&
    chroot "$root" /usr/sbin/sshd -T -h /dev/stdin <"$3"' _ "$rootfs" "$1" "$key" |
    grep -x "passwordauthentication $2"
}
sshd_passwords_off_ec2() { sshd_passwords_when ec2 no; }
sshd_passwords_on_hypervisor() { sshd_passwords_when off yes; }

# --- 9. EC2's agents, the time source, the root partition -------------------------------------
# The generator masks the EC2 agents where DMI does not say EC2, and only there.
ec2_agents_masked_off_ec2() {
  local platform out unit masked status=0
  for platform in qemu ec2-nitro ec2-xen; do
    out=/tmp/sandbox-test/generator-$platform
    mkdir -p "$rootfs$out/normal" "$rootfs$out/early" "$rootfs$out/late"
    SANDBOX_SYSFS=$(fake_sysfs $platform) chroot "$rootfs" /etc/systemd/system-generators/sandbox-ec2-agents \
      "$out/normal" "$out/early" "$out/late" || status=1
    for unit in amazon-ssm-agent.service snap.amazon-ssm-agent.amazon-ssm-agent.service hibinit-agent.service \
        ssh.service.d/ec2-instance-connect.conf; do
      masked=no
      [ "$(readlink "$rootfs$out/early/$unit")" != /dev/null ] || masked=yes
      case $platform:$masked in
        qemu:no) echo "$unit not masked off EC2"; status=1 ;;
        ec2-*:yes) echo "$unit masked on EC2 ($platform)"; status=1 ;;
      esac
    done
  done
  clear_scratch
  return $status
}

# The Amazon Time Sync Service is a chrony source on EC2 only.
chrony_aws_source_on_ec2_only() {
  local platform status=0
  ! grep -rqs '169\.254\.169\.123' "$rootfs/etc/chrony" || { echo "a static AWS time source is left"; return 1; }
  for platform in qemu ec2-nitro; do
    with_run sh -c 'SANDBOX_SYSFS=$2 chroot "$1" /usr/local/lib/sandbox/boot-config || exit 1
      cat "$1"/run/sandbox/chrony/*.sources 2>/dev/null; exit 0' _ "$rootfs" "$(fake_sysfs $platform)" \
      >"$WORK/chrony-$platform" || status=1
  done
  clear_scratch
  ! grep -q 169.254.169.123 "$WORK/chrony-qemu" || { echo "the AWS source off EC2"; status=1; }
  grep -q 169.254.169.123 "$WORK/chrony-ec2-nitro" || { echo "no AWS source on EC2"; status=1; }
  grep -qrx 'sourcedir /run/sandbox/chrony' "$rootfs/etc/chrony" || { echo "chrony does not read /run/sandbox/chrony"; status=1; }
  return $status
}

# No AppArmor profile is compiled again at each copy's first boot: each one apparmor.service loads
# (every file at the top of /etc/apparmor.d but those disabled) has its compiled copy in every
# cache directory the build's boot made (one per kernel's features), not older than the profile
# or its local include (apparmor_parser(8), --skip-read-cache), and that copy is what the profile
# compiles to now (the include's rules in it).
apparmor_cache_current() {
  local dir profile name cached src status=0
  compgen -G "$rootfs/var/cache/apparmor/*/.features" >/dev/null || { echo "no AppArmor cache (the build's boot makes it)"; return 1; }
  mkdir -p "$rootfs/tmp/sandbox-test"
  for dir in "$rootfs"/var/cache/apparmor/*/; do
    [ -f "$dir.features" ] || continue
    for profile in "$rootfs"/etc/apparmor.d/*; do
      name=${profile##*/}
      [ -f "$profile" ] && [ "$name" != README ] && [ ! -e "$rootfs/etc/apparmor.d/disable/$name" ] || continue
      cached=$dir$name
      [ -f "$cached" ] || { echo "$name: no compiled copy in ${dir#"$rootfs"}"; status=1; continue; }
      for src in "$profile" "$rootfs/etc/apparmor.d/local/$name"; do
        [ ! "$src" -nt "$cached" ] || { echo "${src#"$rootfs"} is newer than ${cached#"$rootfs"}"; status=1; }
      done
      chroot "$rootfs" apparmor_parser --skip-kernel-load --skip-cache --kernel-features "${dir#"$rootfs"}.features" \
        --ofile /tmp/sandbox-test/compiled "/etc/apparmor.d/$name" &&
        cmp -s "$rootfs/tmp/sandbox-test/compiled" "$cached" || { echo "$name: its compiled copy is not what it compiles to"; status=1; }
    done
  done
  clear_scratch
  return $status
}

# Off EC2 the root partition and its file system grow to the disk at boot (EC2's cloud-init
# grows them there): the volume is made larger and the unit's script run. The file system grows
# online, which needs CAP_SYS_RESOURCE; where this test runs without it, the script must have
# grown the partition and got as far as resize2fs, and the file system's growth is checked at
# boot (ansible/image/verify.sh, root-fills-disk). (Changes the test system: run last.)
root_grows() {
  local dev disk before after out rc=0 start size sectors
  dev=$(findmnt -no SOURCE "$rootfs")
  disk=${dev%p1}
  before=$(df -B1 --output=size "$rootfs" | tail -n 1)
  truncate -s +512M "$rootfs.raw"
  losetup -c "$disk"
  out=$(chroot "$rootfs" /usr/local/lib/sandbox/growroot 2>&1) || rc=$?
  read -r start <"/sys/class/block/${dev#/dev/}/start"
  read -r size <"/sys/class/block/${dev#/dev/}/size"
  read -r sectors <"/sys/class/block/${disk#/dev/}/size"
  # GPT keeps 33 sectors for its backup at the end; partitions are aligned to 1 MiB.
  [ $((sectors - start - size)) -lt 2048 ] || { echo "the partition ends $((sectors - start - size)) sectors before the disk: $out"; return 1; }
  grep -q '^ExecCondition=.*on-ec2' "$rootfs/etc/systemd/system/sandbox-growroot.service" || return 1
  if has_cap_sys_resource; then
    after=$(df -B1 --output=size "$rootfs" | tail -n 1)
    [ $rc = 0 ] && [ "$after" -gt $((before + 400 * 1024 * 1024)) ] || { echo "root: $before -> $after bytes: $out"; return 1; }
  else
    grep -q 'on-line resizing required' <<<"$out" || { echo "resize2fs was not reached: $out"; return 1; }
  fi
}
has_cap_sys_resource() { (( ($(awk '/^CapEff/ { print "0x" $2 }' /proc/self/status) >> 24) & 1 )); }

# --- free space -----------------------------------------------------------------------------
# No deleted data in the root file system's free blocks (the install wrote and removed apt's
# packages and pip's caches; the pristine system already holds some 250 MB of it): they are
# zero, as on the volume the AMI is taken from. Allowed: as many blocks as ext4 keeps from
# every writer (reserved_clusters: at most 16 MiB), which the zeroing cannot reach in a chroot
# (/sys is read only) and the loop device does not always trim (measured: 45 to 775 blocks left).
free_space_zero() {
  local dev allowed
  sync
  dev=$(findmnt -no SOURCE "$rootfs")
  allowed=$(cat "/sys/fs/ext4/$(basename "$(readlink -f "$dev")")/reserved_clusters")
  python3 "$here/free-blocks-zero.py" "$dev" "$allowed"
}

#!/usr/bin/env bash
# make test-ansible: lint the playbooks, run install.yml and reset-password.yml twice against
# a fresh copy of the local Debian test system (chroot connection), and check the result
# from outside. Prints "N passed, N failed" last.
#   env: ANSIBLE_VENV (the venv with ansible and ansible-lint), ROOTFS_DISK (pristine test
#   system's disk, with its build key ROOTFS_DISK.build-key.pub), WORK (scratch directory for this run), KEEP=1 keeps the test system afterwards,
#   ALLOW_SKIPS=1 lets a run without root pass after the lint (otherwise it fails).
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
ansible_dir=$(cd "$here/.." && pwd)
. "$here/lib.sh"
. "$here/image-checks.sh"

: "${ANSIBLE_VENV:?}" "${ROOTFS_DISK:?}" "${WORK:?}"
BUILD_KEY_PUB=$ROOTFS_DISK.build-key.pub
venv=$(cd "$ANSIBLE_VENV" && pwd)
export ANSIBLE_CONFIG=$ansible_dir/ansible.cfg ANSIBLE_NOCOLOR=1

# --- lint (needs no root) ---------------------------------------------------------------
# On PATH, as ansible-lint wants to find the ansible of its own venv.
lint() { (cd "$ansible_dir" && PATH=$venv/bin:$PATH ansible-lint --offline --profile production -q \
  install.yml reset-password.yml roles); }
check "ansible-lint --profile production is clean" lint

# Without root the playbooks cannot run: a failure, unless ALLOW_SKIPS=1 asks for a counted skip.
if [ "$(id -u)" != 0 ]; then
  why="the playbook test needs root (mmdebstrap, chroot and mounts)"
  if [ "${ALLOW_SKIPS:-}" = 1 ]; then
    echo "test-ansible: SKIPPED the playbook test (ALLOW_SKIPS=1): it needs root (mmdebstrap, chroot and mounts)"
    [ -z "${SKIP_LOG:-}" ] || echo "test-ansible: $why" >>"$SKIP_LOG"
  else
    fail "$why: run make test-ansible as root, or set ALLOW_SKIPS=1 to accept the lint alone"
  fi
  finish test-ansible
  exit
fi

if ! command -v jq >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >&2
fi

# --- a fresh test system --------------------------------------------------------------
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd -P)
rootfs=$WORK/rootfs
inventory=$WORK/inventory.ini
"$here/testsystem.sh" prepare "$ROOTFS_DISK" "$rootfs" "$inventory"
trap 'chroot_umount "$rootfs"' EXIT
trap 'exit 130' INT TERM
chroot_mount "$rootfs"
SSHD_CONFIG_MD5=$(md5sum <"$rootfs/etc/ssh/sshd_config" | cut -d' ' -f1)
echo "test system ready: $((SECONDS - t0)) s"

# A new random default password, given only through the environment.
SANDBOX_DEFAULT_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)
export SANDBOX_DEFAULT_PASSWORD
export ANSIBLE_LOG_PATH=$WORK/ansible.log
rm -f "$ANSIBLE_LOG_PATH"

# play RUN PLAYBOOK: run one playbook, keep its output, print its recap.
play() {
  local log=$WORK/$1-${2%.yml}.log rc=0 t=$SECONDS
  (cd "$WORK" && "$venv/bin/ansible-playbook" -i "$inventory" "$ansible_dir/$2") >"$log" 2>&1 || rc=$?
  echo "$1 $2: rc=$rc, $((SECONDS - t)) s, $(grep -E '^testsystem +:' "$log" | sed 's/  */ /g')"
  if [ $rc != 0 ]; then
    tail -n 40 "$log" | sed 's/^/    /'
    return 1
  fi
}

# changed=0 in a playbook's recap; otherwise name the tasks that changed.
unchanged() {
  local log=$1
  grep -qE '^testsystem +:.* changed=0 ' "$log" && return 0
  grep -B1 -E '^changed:' "$log" >&2 || true
  return 1
}

in_root() { chroot "$rootfs" "$@"; }
as_jupyter() { chroot "$rootfs" runuser -u jupyter -- "$@"; }
netplan_file=$rootfs/etc/netplan/90-sandbox-any-ethernet.yaml

# The real thing, writing to /run (a throwaway one).
netplan_generate() { with_run chroot "$rootfs" netplan generate; }

# The netplan file as data: DHCP by MAC on any e* NIC, and nothing optional.
netplan_as_wanted() {
  "$venv/bin/python" - "$netplan_file" <<'PY'
import sys, yaml
nics = yaml.safe_load(open(sys.argv[1]))["network"]["ethernets"]
(nic,) = nics.values()
assert nic["match"] == {"name": "e*"}, nic
assert nic["dhcp4"] is True and nic.get("dhcp-identifier") == "mac", nic
assert "optional" not in nic, nic
PY
}

# The Jupyter user: no sudo (group or rule), not in the docker group.
jupyter_unprivileged() {
  local groups
  groups=$(in_root id -nG jupyter) || return 1
  echo "groups: $groups"
  ! printf '%s\n' $groups | grep -qxE 'sudo|admin|wheel|docker' || return 1
  ! grep -rqsE '^[[:space:]]*jupyter[[:space:]]' "$rootfs/etc/sudoers" "$rootfs/etc/sudoers.d"
}

no_leftovers() {
  local found
  found=$(cd "$rootfs" && find var/lib/apt/lists -maxdepth 1 -type f ! -name lock;
    find var/cache/apt/archives -name '*.deb'; find root home -maxdepth 3 \( -path '*/.cache/pip' \
    -o -name .bash_history -o -name .python_history \))
  [ -z "$found" ] || { echo "left: $found"; return 1; }
}

# The drivers of the disks and NICs users' hypervisors present (QEMU/KVM, VirtualBox, VMware,
# Hyper-V, EC2's NVMe and Xen disks), Hyper-V's keyboard, the SCSI disk driver and the root's
# file system, in every installed kernel's initramfs or built into the kernel: without them the
# root disk is never found off EC2. And nothing else: no other file system or Ethernet driver
# (MODULES=most's, which make the initramfs 37 MB that GRUB reads through the firmware).
hypervisor_drivers=(ahci ata_piix mptspi mptsas vmw_pvscsi sym53c8xx hv_storvsc virtio_blk virtio_scsi nvme
  xen-blkfront sd_mod ext4 crc32c_generic e1000 e1000e vmxnet3 hv_netvsc virtio_net hyperv-keyboard)
not_in_initramfs=(btrfs xfs nfs igb r8169 tg3)
initramfs_has_drivers() {
  local dir ver files missing=() extra=() m
  for dir in "$rootfs"/lib/modules/*/; do
    ver=$(basename "$dir")
    files=$(chroot "$rootfs" lsinitramfs "/boot/initrd.img-$ver") || { echo "no initramfs for $ver"; return 1; }
    for m in "${hypervisor_drivers[@]}"; do
      grep -qE "/$m\.ko(\.[a-z]+)?$" <<<"$files" || grep -qE "/$m\.ko(\.[a-z]+)?$" "$dir/modules.builtin" ||
        missing+=("$m")
    done
    for m in "${not_in_initramfs[@]}"; do
      ! grep -qE "/$m\.ko(\.[a-z]+)?$" <<<"$files" || extra+=("$m")
    done
    [ ${#missing[@]} = 0 ] || { echo "$ver: not in the initramfs: ${missing[*]}"; return 1; }
    [ ${#extra[@]} = 0 ] || { echo "$ver: in the initramfs, not needed: ${extra[*]}"; return 1; }
  done
}

# The default password is hashed as pam_unix hashes a user's own new one (the method named on
# common-password's pam_unix line: yescrypt on Debian 12 and Ubuntu 22.04+), and it is the
# default password: crypt(3) of it with that hash gives the hash (read from a pipe, never a
# command line).
default_password_hashed_by_pam() {
  local method prefix hash
  method=$(awk '$1 == "password" && /pam_unix\.so/' "$rootfs/etc/pam.d/common-password" |
    grep -oEw 'yescrypt|sha512|sha256|md5|blowfish' | head -n 1)
  case $method in yescrypt) prefix='$y$' ;; sha512) prefix='$6$' ;; sha256) prefix='$5$' ;; *) echo "pam_unix's method: '$method'"; return 1 ;; esac
  hash=$(awk -F: '$1 == "ubuntu" { print $2 }' "$rootfs/etc/shadow")
  [[ $hash == "$prefix"* ]] || { echo "ubuntu's hash is ${hash:0:12}…, pam_unix makes $prefix ($method)"; return 1; }
  printf '%s\n' "$SANDBOX_DEFAULT_PASSWORD" |
    chroot "$rootfs" perl -e 'chomp(my $p = <STDIN>); my $h = (getpwnam("ubuntu"))[1]; exit(crypt($p, $h) eq $h ? 0 : 1)' ||
    { echo "the hash is not the default password's"; return 1; }
}

assertions() {
  local run=$1
  # First: the checks after it write into the test system (and delete again).
  check "$run: the root file system's free blocks hold no deleted file data (zeroed)" free_space_zero
  check "$run: the default password is hashed as pam_unix hashes a new one" default_password_hashed_by_pam
  check "$run: chage -l says the password must be changed" \
    bash -c "LC_ALL=C chroot '$rootfs' chage -l ubuntu | grep -E '^Last password change[[:space:]]*: password must be changed'"
  check "$run: sshd -T says passwordauthentication yes on a hypervisor (despite the drop-in)" sshd_passwords_on_hypervisor
  check "$run: sshd -T says passwordauthentication no where cloud-init runs (EC2: the key pair)" sshd_passwords_off_ec2
  check "$run: sshd_config is the package's; the sandbox's drop-in sorts first" sshd_config_packaged
  check "$run: the cloud image's drop-in is still there" \
    grep -qx 'PasswordAuthentication no' "$rootfs/etc/ssh/sshd_config.d/60-cloudimg-settings.conf"
  check "$run: cloud-init on EC2 keeps the password locked and lifts its expiry for key logins" \
    bash -c "grep -q 'chage, --lastday, \"-1\", ubuntu' '$rootfs/etc/cloud/cloud.cfg.d/92-sandbox-ec2.cfg' &&
      ! grep -rqs 'lock_passwd: false' '$rootfs/etc/cloud/cloud.cfg.d'"
  check "$run: no /home/ubuntu/.ssh" test ! -e "$rootfs/home/ubuntu/.ssh"
  check "$run: the build key is in no authorized_keys, no /root/.ssh" build_key_nowhere
  check "$run: no ~/.ansible of ubuntu or root" \
    test ! -e "$rootfs/home/ubuntu/.ansible" -a ! -e "$rootfs/root/.ansible"
  check "$run: id -nG ubuntu includes docker" bash -c "chroot '$rootfs' id -nG ubuntu | tr ' ' '\n' | grep -qx docker"
  check "$run: dpkg -s docker.io says installed" \
    bash -c "chroot '$rootfs' dpkg -s docker.io | grep -qx 'Status: install ok installed'"
  check "$run: Docker starts on first use: docker.socket enabled, docker and containerd not at boot" \
    bash -c "chroot '$rootfs' systemctl is-enabled docker.socket && ! chroot '$rootfs' systemctl is-enabled docker.service &&
             ! chroot '$rootfs' systemctl is-enabled containerd.service"
  check "$run: jupyter lab --version works in the venv" as_jupyter /home/jupyter/venv/bin/jupyter lab --version
  check "$run: jupyter is enabled" in_root systemctl is-enabled jupyter
  check "$run: the unit runs JupyterLab as jupyter on all interfaces, port 49494, in ~/notebooks" \
    bash -c "grep -qx 'User=jupyter' '$rootfs/etc/systemd/system/jupyter.service' &&
             grep -q -- '--ServerApp.ip=\* --ServerApp.port=49494 .*--ServerApp.root_dir=/home/jupyter/notebooks' \
               '$rootfs/etc/systemd/system/jupyter.service' && test -d '$rootfs/home/jupyter/notebooks'"
  check "$run: the jupyter user has no sudo and is not in the docker group" jupyter_unprivileged
  check "$run: no Jupyter password in the image; each machine makes its own before JupyterLab starts" \
    jupyter_no_shared_password
  check "$run: the login message tells how to change the Jupyter password" \
    bash -c "chroot '$rootfs' /etc/update-motd.d/60-jupyter | grep -q 'jupyter server password'"
  check "$run: the netplan config has mode 0600" \
    bash -c "[ \"\$(stat -c %a '$rootfs/etc/netplan/90-sandbox-any-ethernet.yaml')\" = 600 ]"
  check "$run: netplan: DHCP by MAC on any e* NIC, nothing optional" netplan_as_wanted
  check "$run: netplan generate succeeds" netplan_generate
  check "$run: systemd-networkd-wait-online waits for any interface, briefly" wait_online_any
  check "$run: /etc/machine-id is empty" bash -c "[ -f '$rootfs/etc/machine-id' ] && [ ! -s '$rootfs/etc/machine-id' ]"
  check "$run: no /var/lib/dbus/machine-id" test ! -e "$rootfs/var/lib/dbus/machine-id" -a ! -L "$rootfs/var/lib/dbus/machine-id"
  check "$run: no SSH host keys" bash -c "! compgen -G '$rootfs/etc/ssh/ssh_host_*'"
  check "$run: the host key units are enabled, Ed25519 and ECDSA before ssh.service, RSA after it and not awaited by the boot's end" bash -c "
    chroot '$rootfs' systemctl is-enabled sandbox-ssh-keygen sandbox-ssh-keygen-rsa &&
    grep -qx 'Before=ssh.service' '$rootfs/etc/systemd/system/sandbox-ssh-keygen.service' &&
    grep -qx 'After=ssh.service' '$rootfs/etc/systemd/system/sandbox-ssh-keygen-rsa.service' &&
    grep -qx 'Type=exec' '$rootfs/etc/systemd/system/sandbox-ssh-keygen-rsa.service'"
  check "$run: host name sandbox in /etc/hostname and /etc/hosts" hostname_sandbox
  check "$run: GRUB's install device names no disk; a unit sets the boot disk's" grub_install_device_cleared
  check "$run: no logs of the build (journal, auth.log, wtmp, apt, cloud-init, SSM)" logs_cleared
  check "$run: no random seed, credential secret, Docker engine id or network store, build NIC config" \
    machine_state_cleared
  check "$run: no apt cache or lists, pip caches or histories" no_leftovers
  check "$run: core dumps off (limits, sysctl, systemd)" bash -c "grep -qE '^\*[[:space:]]+hard[[:space:]]+core[[:space:]]+0' \
    '$rootfs/etc/security/limits.d/90-sandbox-no-core.conf' &&
    grep -qx 'kernel.core_pattern = |/bin/false' '$rootfs/etc/sysctl.d/90-sandbox-no-core.conf' &&
    grep -qx 'DefaultLimitCORE=0' '$rootfs/etc/systemd/system.conf.d/90-sandbox-no-core.conf'"
  check "$run: every kernel's initramfs holds the hypervisors' disk and NIC drivers, and no others" initramfs_has_drivers
  check "$run: GRUB boots every kernel through its initramfs (no initrd-less attempt)" grub_boots_initramfs
  check "$run: GRUB: the serial port first, the screen the last console; a menu for a few seconds" \
    grub_console_and_menu
  check "$run: cloud-init falls back off EC2" grep -q 'datasource_list: \[Ec2, NoCloud, None\]' \
    "$rootfs/etc/cloud/cloud.cfg.d/91-sandbox-datasources.cfg"
  check "$run: EC2's agents are masked off EC2, and only there" ec2_agents_masked_off_ec2
  check "$run: every AppArmor profile's compiled copy is current (none compiled at each copy's first boot)" apparmor_cache_current
  check "$run: the Amazon Time Sync Service is a source on EC2 only" chrony_aws_source_on_ec2_only
}

# --- first run: from the pristine system --------------------------------------------------
ok1=true
play run1 install.yml && play run1 reset-password.yml || ok1=false
if $ok1; then pass "run 1: both playbooks succeed"; else fail "run 1: both playbooks succeed"; fi
$ok1 && assertions "run 1"

# --- second run: nothing left to change -------------------------------------------------
if $ok1; then
  ok2=true
  play run2 install.yml && play run2 reset-password.yml || ok2=false
  if $ok2; then pass "run 2: both playbooks succeed"; else fail "run 2: both playbooks succeed"; fi
  if $ok2; then
    check "run 2: install.yml reports changed=0" unchanged "$WORK/run2-install.log"
    check "run 2: reset-password.yml reports changed=0" unchanged "$WORK/run2-reset-password.log"
    assertions "run 2"
  fi
fi

# --- a machine's first boot (changes the test system: last) -------------------------------
if ${ok2:-false}; then
  check "first boot: a Jupyter password of this machine, shown until the user sets their own" jupyter_machine_password
  check "first boot off EC2: the root partition and file system grow to the disk" root_grows
  has_cap_sys_resource || echo "note: without CAP_SYS_RESOURCE here, only the partition's growth and the call of" \
    "resize2fs were checked; the file system's growth is checked at boot (verify.sh, root-fills-disk)"
fi

# --- the password leaks nowhere -----------------------------------------------------------
# grep reads it from a pipe: it must not show up on a command line either.
# Exit status 1 is "not found"; 0 (found) and 2 (could not read) both fail.
no_leak() {
  local rc=0
  grep -rqF --devices=skip -f <(printf '%s\n' "$SANDBOX_DEFAULT_PASSWORD") "$@" || rc=$?
  [ $rc = 1 ]
}
check "the password is in no Ansible output or log" no_leak "$WORK"/*.log
check "the password is stored in plain text nowhere on the test system" \
  no_leak "$rootfs"/etc "$rootfs"/home "$rootfs"/root "$rootfs"/tmp "$rootfs"/var/log

chroot_umount "$rootfs"
trap - EXIT
check "nothing stays mounted below the test system" test -z "$(mounts_under "$rootfs")"
if [ "$failed" = 0 ] && [ "${KEEP:-}" != 1 ]; then
  remove_rootfs "$rootfs"
fi
finish test-ansible

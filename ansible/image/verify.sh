#!/usr/bin/env bash
# Boot a VM image under QEMU through a matrix of firmware and device sets (the hypervisors users
# run it in), and check what a user of it sees. Every boot is a throwaway overlay: the file is
# never written. One cell runs every check; a second boot (the next cell) is the copy whose host
# keys and machine-id must differ; every other cell stops at its first answer.
#
#   verify.sh IMAGE [FORMAT]     FORMAT: vmdk, vhd or raw (default: from the file name)
#   verify.sh --remote HOST1 HOST2   two running copies (instances of an AMI: make verify-ami),
#                                    checked over the network on ports 22 and 49494
#   env: SANDBOX_DEFAULT_PASSWORD (required), VERIFY_CELLS (the cells to boot, the first runs
#        every check; default: VERIFY_CELLS_CLAIMED below), VERIFY_PARALLEL (cells side by side,
#        default: the cores), VERIFY_SMP (vCPUs per guest, 1), VERIFY_ACCEL (tcg, default; kvm only
#        where it works: on some machines /dev/kvm exists but guests hang), VERIFY_BUILD_KEY (the
#        build's key, private or public: its fingerprint must be in no authorized_keys, and a
#        login with a private one must fail), VERIFY_LOGIN_KEY (--remote: the private key of the
#        instances' key pair; on EC2 the key pair is the way in and passwords are off),
#        VERIFY_TIMEOUT (s per boot, default 600),
#        VERIFY_NETWORK_BOUND (s systemd-networkd-wait-online may take, default 60), VERIFY_LOG_DIR
#        (serial consoles, default a temporary directory), VERIFY_MEMORY (MiB, 2048)
#   stdout: {"format","sha256","size","bootSeconds","usedBytes","cells":[…],"boot":{…},
#            "checks":{"name":"ok" | "why not"}}   (ansible/image/README.md)
#           (--remote: format "ami", sha256 and size null, bootSeconds until ssh answered)
#   exit: 0 every check ok, 1 a check failed, 2 bad input (before anything runs)
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
usage() { echo "verify.sh: $*" >&2; exit 2; }

# The cells the image claims (ansible/image/README.md, "The boot matrix"): FIRMWARE-DEVICES.
# Not uefi-vmware: Debian's OVMF has no PVSCSI driver (it finds no disk and tries PXE), VMware's
# own UEFI firmware does; bios-vmware proves the guest's side of those devices.
# The order packs two slots: the full cell holds one while the unique cell and the two shortest
# probes follow each other on the other; the next probe starts as the full cell ends, so it is
# the longest, IDE (its kernel starts latest: SeaBIOS reads GRUB's files by PIO). Replayed on
# three measured matrices, this order ends 8-12 s sooner than IDE as the first probe.
VERIFY_CELLS_CLAIMED="bios-virtio uefi-ahci bios-vmware bios-ahci bios-ide uefi-virtio"
# Every cell there is: SeaBIOS or OVMF (UEFI), and the disk controller and NIC of QEMU/KVM,
# VirtualBox's default, an IDE (PIIX) machine, and VMware.
declare -A disk_dev=([virtio]=virtio-blk-pci [ahci]=ahci [ide]=piix-ide [vmware]=pvscsi)
declare -A nic_dev=([virtio]=virtio-net-pci [ahci]=e1000 [ide]=e1000 [vmware]=vmxnet3)
declare -A firmware_name=([bios]=seabios [uefi]=ovmf)
ovmf_code=/usr/share/OVMF/OVMF_CODE_4M.fd ovmf_vars=/usr/share/OVMF/OVMF_VARS_4M.fd
# What on a serial console means the boot went wrong, whatever answers later: the firmware
# finding nothing to boot (SeaBIOS, OVMF; OVMF trying PXE: it found no bootable disk), a panic, the initramfs giving up on the root or its
# init, systemd's emergency mode, GRUB booting its initrd fallback.
console_failures='No bootable device|No bootable option or device was found|>>Start PXE over IPv4|Kernel panic|ALERT! |Dropping to a shell|Target filesystem doesn.t have requested|emergency mode|Give root password for maintenance|initrdless boot failed|Attempting with initrd'

remote=()
if [ "${1:-}" = --remote ]; then
  [ $# = 3 ] || usage "usage: verify.sh --remote HOST1 HOST2"
  remote=("$2" "$3") image="$2 $3" format=ami
else
  [ $# -ge 1 ] && [ $# -le 2 ] || usage "usage: verify.sh IMAGE [vmdk|vhd|raw] | --remote HOST1 HOST2"
  image=$1
  format=${2:-${image##*.}}
  case "$format" in
    vmdk) qemu_format=vmdk ;;
    vhd) qemu_format=vpc ;;
    raw | img) format=raw qemu_format=raw ;;
    *) usage "$image: unknown format '$format' (vmdk, vhd or raw)" ;;
  esac
  [ -f "$image" ] && [ -r "$image" ] || usage "$image: no such readable file"
fi
[ ${#SANDBOX_DEFAULT_PASSWORD} -ge 8 ] 2>/dev/null ||
  usage "set SANDBOX_DEFAULT_PASSWORD (the image's default password) in the environment"
accel=${VERIFY_ACCEL:-tcg}
case "$accel" in tcg | kvm) ;; *) usage "VERIFY_ACCEL must be tcg or kvm, not '$accel'" ;; esac
[ -z "${VERIFY_BUILD_KEY:-}" ] || [ -r "$VERIFY_BUILD_KEY" ] || usage "VERIFY_BUILD_KEY: no such file: $VERIFY_BUILD_KEY"
build_fp=
if [ -n "${VERIFY_BUILD_KEY:-}" ]; then
  build_fp=$(ssh-keygen -lf "$VERIFY_BUILD_KEY" 2>/dev/null | awk '{ print $2 }') ||
    usage "VERIFY_BUILD_KEY: $VERIFY_BUILD_KEY is no SSH key"
fi
login_key=${VERIFY_LOGIN_KEY:-}
if [ -n "$login_key" ]; then
  [ ${#remote[@]} != 0 ] || usage "VERIFY_LOGIN_KEY is for --remote (instances of the AMI)"
  [ -r "$login_key" ] || usage "VERIFY_LOGIN_KEY: no such file: $login_key"
fi
number() { [[ $2 =~ ^[1-9][0-9]*$ ]] || usage "$1 must be a positive number, not '$2'"; echo "$2"; }
timeout_s=$(number VERIFY_TIMEOUT "${VERIFY_TIMEOUT:-600}")
network_bound=$(number VERIFY_NETWORK_BOUND "${VERIFY_NETWORK_BOUND:-60}")
parallel=$(number VERIFY_PARALLEL "${VERIFY_PARALLEL:-$(nproc)}")
smp=$(number VERIFY_SMP "${VERIFY_SMP:-1}")
memory=$(number VERIFY_MEMORY "${VERIFY_MEMORY:-2048}")
if [ ${#remote[@]} = 0 ]; then
  read -ra cells <<<"${VERIFY_CELLS:-$VERIFY_CELLS_CLAIMED}"
  [ ${#cells[@]} -gt 0 ] || usage "VERIFY_CELLS is empty: name at least one cell, e.g. bios-virtio"
  for cell in "${cells[@]}"; do
    fw=${cell%%-*} devices=${cell#*-}
    [ -n "${firmware_name[$fw]:-}" ] && [ -n "${disk_dev[$devices]:-}" ] ||
      usage "VERIFY_CELLS: unknown cell '$cell' (FIRMWARE-DEVICES: bios or uefi, and virtio, ahci, ide or vmware)"
  done
else
  cells=(ami-1 ami-2)
fi
tools=(sshpass expect ssh ssh-keyscan curl jq)
[ ${#remote[@]} != 0 ] || tools+=(qemu-system-x86_64 qemu-img od)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || usage "$tool is missing: make deps installs it"
done
if [ ${#remote[@]} = 0 ]; then
  if [[ " ${cells[*]}" == *" uefi-"* ]] && { [ ! -r "$ovmf_code" ] || [ ! -r "$ovmf_vars" ]; }; then
    usage "$ovmf_code is missing (UEFI cells): make deps installs ovmf"
  fi
  info=$(qemu-img info --output=json "$image") || usage "$image: qemu-img cannot read it"
  actual=$(jq -r .format <<<"$info") virtual_size=$(jq '."virtual-size"' <<<"$info")
  [ "$actual" = "$qemu_format" ] || usage "$image: qemu-img says $actual, not $qemu_format ($format)"
fi

work=$(mktemp -d)
logs=${VERIFY_LOG_DIR:-$work}
mkdir -p "$logs"
cleanup() {
  local pid job
  for job in $(jobs -p); do kill "$job" 2>/dev/null || true; done
  for pid in "$work"/*.qemu-pid; do [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Checks go to a file, one "name<TAB>result" a line: cells run in subshells side by side.
ok() { printf '%s\tok\n' "$1" >>"$work/checks"; }
no() { printf '%s\t%s\n' "$1" "$2" >>"$work/checks"; echo "verify: $1: $2" >&2; }
now() { echo "${EPOCHREALTIME/,/.}"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# A free loopback port below the kernel's ephemeral range: a port in that range may be the
# local end of any client's connection, which the probe (nothing listens) does not see and
# QEMU's forward then cannot bind. A listener that starts between probe and boot is left, and
# reported as a boot failure.
free_port() {
  local port low
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range
  [ "$low" -gt 11000 ] || low=32768
  while :; do
    port=$((10000 + RANDOM % (low - 10000)))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# GRUB's menu counts down (platforms_grub_timeout) before it boots the default entry: Enter on
# the serial console, once the countdown shows (within 120 s), boots it at once, as a user who
# wants that entry does. The menu is still shown (and logged). press_enter_at_menu CONSOLE PID
# ends with PID (the boot's QEMU pipeline), so that no boot leaves it behind.
press_enter_at_menu() {
  local i
  for ((i = 0; i < 600; i++)); do
    if grep -aq 'executed automatically in' "$1" 2>/dev/null; then printf '\r'; return; fi
    kill -0 "$2" 2>/dev/null || return 0
    sleep 0.2
  done
}

# boot CELL N: copy N of the image in CELL, its ssh and Jupyter forwarded to loopback ports, its
# serial console in $logs/console-CELL-N.log (raw) and .timed (each line with the host's time;
# its input from $work/CELL-N.keys), the firmware's own messages (its debug port, 0x402) in
# $logs/firmware-CELL-N.log, its NIC's traffic in $work (to see its DHCP request). --remote:
# copy N is the Nth host.
host= ssh_port= jupyter_port= started= console= qemu_pid=
boot() {
  local cell=$1 n=$2 role=$3 fw devices drive accel_args=(-accel tcg) firmware=() name=$1-$2 grow=0
  started=$(now)
  if [ ${#remote[@]} != 0 ]; then
    host=${remote[$((n - 1))]} ssh_port=22 jupyter_port=49494 console=
    return
  fi
  fw=${cell%%-*} devices=${cell#*-}
  host=127.0.0.1 ssh_port=$(free_port) jupyter_port=$(free_port)
  console=$logs/console-$name.log
  [ "$accel" = kvm ] && accel_args=(-accel kvm -cpu host)
  if [ "$fw" = uefi ]; then
    cp "$ovmf_vars" "$work/$name.vars"
    firmware=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$ovmf_code" -drive "if=pflash,format=raw,unit=1,file=$work/$name.vars")
  fi
  # A log left by an earlier run would be read before QEMU truncates it.
  rm -f "$console" "$console.timed" "$logs/firmware-$name.log"
  # A throwaway overlay; for the full copy 1 GiB larger than the image: the user's larger virtual
  # disk, which the first boot off EC2 grows the root into (root-fills-disk).
  [ "$role" != full ] || grow=$((1024 * 1024 * 1024))
  qemu-img create -q -f qcow2 -b "$(realpath "$image")" -F "$qemu_format" "$work/$name.qcow2" \
    "$((virtual_size + grow))"
  drive=(-drive "file=$work/$name.qcow2,format=qcow2,if=none,id=disk0")
  case $devices in
    virtio) drive+=(-device virtio-blk-pci,drive=disk0) ;;
    ahci) drive+=(-device ahci,id=sata -device ide-hd,drive=disk0,bus=sata.0) ;;
    ide) drive+=(-device ide-hd,drive=disk0,bus=ide.0) ;;
    vmware) drive+=(-device pvscsi,id=scsi -device scsi-hd,drive=disk0,bus=scsi.0) ;;
  esac
  # -no-reboot: a panic (Ubuntu's initrd-less boot sets panic=-1) ends QEMU instead of looping.
  # The serial console's input: a FIFO held open here (QEMU's open then does not wait for a
  # writer), written once by press_enter_at_menu.
  rm -f "$work/$name.keys"
  mkfifo "$work/$name.keys"
  (exec {keys}<>"$work/$name.keys"
   pipeline=$BASHPID
   press_enter_at_menu "$console" "$pipeline" >&"$keys" 2>/dev/null &
   qemu-system-x86_64 "${accel_args[@]}" -m "$memory" -smp "$smp" -display none -no-user-config -no-reboot \
    -monitor none -pidfile "$work/$name.qemu-pid" "${firmware[@]}" "${drive[@]}" \
    -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$ssh_port-:22,hostfwd=tcp:127.0.0.1:$jupyter_port-:49494" \
    -device "${nic_dev[$devices]},netdev=net0" -object "filter-dump,id=dump0,netdev=net0,file=$work/$name.pcap" \
    -chardev "file,id=firmware0,path=$logs/firmware-$name.log" -device isa-debugcon,iobase=0x402,chardev=firmware0 \
    -chardev "stdio,id=serial0,signal=off,logfile=$console" -serial chardev:serial0 <"$work/$name.keys" 2>"$logs/qemu-$name.log" |
    while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >"$console.timed") &
  qemu_pid=$!
}

# Ends the copy booted last, when it is a local guest: QEMU and the console's reader are the
# child of the pipeline's subshell (also when it has not written its pid file yet); the reader
# ends with it.
stop() {
  [ -n "$qemu_pid" ] || return 0
  local tries=0
  while kill -0 "$qemu_pid" 2>/dev/null; do
    if [ $tries -lt 100 ]; then pkill -TERM -P "$qemu_pid" -f '^qemu-system-x86_64 ' 2>/dev/null || true
    else pkill -KILL -P "$qemu_pid" 2>/dev/null || true; fi  # after 20 s: whatever is left
    tries=$((tries + 1))
    sleep 0.2
  done
  wait "$qemu_pid" 2>/dev/null || true
  qemu_pid=
}

ssh_answers() {
  [ "$(timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1" && head -c 4 <&3' "$host" "$ssh_port" 2>/dev/null)" = SSH- ]
}
# The guest asked for its DHCP lease (a DHCPREQUEST, option 53 = 3, follows the server's offer):
# its NIC sends and receives.
dhcp_done() {
  od -An -v -tx1 "$1" 2>/dev/null | tr -s ' \n' '  ' | grep -q ' 35 01 03 '
}

# wait_answer KIND: until the copy booted last answers, or fails. KIND login: sshd answers and
# (local copies) the serial console shows a login prompt: logins are open (getty starts after
# systemd-user-sessions, which ends the boot's pam_nologin; before it, sshd refuses ubuntu's
# password). KIND first: sshd answers, or the serial console shows a login prompt once the NIC
# has its lease. Sets answer (ssh | login-prompt) and answer_s, login_s (seconds since QEMU
# started); on a failure prints why and returns 1.
answer= answer_s= login_s=
wait_answer() {
  local kind=$1 name=$2 bad
  answer= answer_s= login_s=
  while :; do
    if [ -n "$console" ]; then
      if bad=$(grep -ahEm1 "$console_failures" "$console" "$logs/firmware-$name.log" 2>/dev/null); then
        echo "the console shows: $(tr -d '\r' <<<"$bad" | cut -c1-160)"
        return 1
      fi
      if [ -z "$login_s" ] && tr -d '\r' 2>/dev/null <"$console" | grep -aqE '^[A-Za-z0-9._-]+ login: '; then
        login_s=$(since "$started")
      fi
      kill -0 "$qemu_pid" 2>/dev/null || { echo "QEMU ended: $(tail -n 2 "$logs/qemu-$name.log" | tr '\n' ' ')"; return 1; }
    fi
    if { [ "$kind" = first ] || [ -z "$console" ] || [ -n "$login_s" ]; } && ssh_answers; then
      answer=ssh answer_s=$(since "$started")
      return 0
    fi
    if [ -n "$login_s" ] && [ -n "$console" ] && ! dhcp_done "$work/$name.pcap"; then
      if [ "$(since "$started" | cut -d. -f1)" -ge "$((${login_s%.*} + network_bound))" ]; then
        echo "a login prompt, but no DHCP request from the NIC in $network_bound s (no driver for it?)"
        return 1
      fi
    elif [ "$kind" = first ] && [ -n "$login_s" ]; then
      answer=login-prompt answer_s=$(since "$started")
      return 0
    fi
    if [ "$(since "$started" | cut -d. -f1)" -ge "$timeout_s" ]; then
      if [ "$kind" = first ]; then echo "no answer within $timeout_s s (sshd, or a login prompt on the serial console with a DHCP lease)"
      elif [ -n "$login_s" ] || [ -z "$console" ]; then echo "sshd did not answer within $timeout_s s"
      else echo "no login prompt on the serial console within $timeout_s s (logins not open)"; fi
      return 1
    fi
    sleep 1
  done
}

# Seconds since QEMU started at which the console's timed log first matches: the kernel's start
# (the host time of its first stamped lines less their stamp), /init, systemd after the root switch.
timeline() {
  local timed=$1.timed
  [ -s "$timed" ] || { echo '{}'; return; }
  awk -v t0="$started" '
    function put(k, v) { if (!(k in at)) { at[k] = v } }
    match($0, /^[0-9.]+ \[ *[0-9]+\.[0-9]+\]/) {
      split(substr($0, RSTART, RLENGTH), f, /[ \[\]]+/)
      if (n++ < 200 && (!("kernel" in at) || f[1] - f[2] - t0 < at["kernel"])) at["kernel"] = f[1] - f[2] - t0
    }
    /Run \/init as init process/ { put("init", $1 - t0) }
    /Welcome to |systemd\[1\]: systemd [0-9]+ running in system mode/ { if ("init" in at) put("rootSwitch", $1 - t0) }
    END {
      printf "{"; sep = ""
      for (k in at) { printf "%s\"%s\": %.1f", sep, k, at[k]; sep = ", " }
      print "}"
    }' "$timed"
}

ssh_opts=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=30)
# A command as ubuntu on the copy booted last: with the key pair's key where that is the way in
# (EC2), else logged in with the new password (sshpass reads SSHPASS). One connection serves them
# all (a login costs seconds under TCG); end_logins ends it.
mux=(-o ControlMaster=auto -o "ControlPath=$work/ssh-%C" -o ControlPersist=300)
on() {
  if [ -n "$login_key" ]; then
    ssh "${ssh_opts[@]}" "${mux[@]}" -o BatchMode=yes -o IdentitiesOnly=yes -i "$login_key" \
      -p "$ssh_port" "ubuntu@$host" "$@" </dev/null
  else
    SSHPASS=$VERIFY_NEW_PASSWORD sshpass -e ssh "${ssh_opts[@]}" "${mux[@]}" -o PubkeyAuthentication=no \
      -p "$ssh_port" "ubuntu@$host" "$@"
  fi
}
end_logins() { ssh "${mux[@]}" -p "$ssh_port" -O exit "ubuntu@$host" >/dev/null 2>&1 || true; }

# The first login on the copy booted last: the default password, then the forced change
# (password-change.exp's exit code). A connection cut before the prompt is tried again, as a
# person would: sshd answers early in the first boot and may be restarted after (cloud-init's
# set_passwords restarts it).
password_change() {
  local rc tries=0
  while rc=0; "$here/password-change.exp" "$ssh_port" ubuntu "$host" || rc=$?; [ $rc = 3 ] && [ $((tries += 1)) -lt 3 ]; do
    sleep 10
  done
  return $rc
}

# The first login of the full copy, checked.
first_login() {
  local rc=0
  password_change || rc=$?
  case $rc in
    0) ok "password-login-forces-change" ;;
    3) no "password-login-forces-change" "no login prompt, or no answer after the password" ;;
    4) no "password-login-forces-change" "the default password was refused" ;;
    5) no "password-login-forces-change" "the default password logged in without a forced change (not expired)"
       # Still a login: the remaining checks run with the default password.
       VERIFY_NEW_PASSWORD=$SANDBOX_DEFAULT_PASSWORD
       return 0 ;;
    *) no "password-login-forces-change" "the password change failed (expect exit $rc)" ;;
  esac
  return $rc
}

# The first login. Where the key pair is the way in (EC2): it works without a password change,
# and the default password is refused.
login() {
  [ -n "$login_key" ] || { first_login; return; }
  if SSHPASS=$SANDBOX_DEFAULT_PASSWORD sshpass -e ssh "${ssh_opts[@]}" -o PubkeyAuthentication=no \
       -o NumberOfPasswordPrompts=1 -p "$ssh_port" "ubuntu@$host" true </dev/null 2>/dev/null; then
    no password-login-refused "a login with the default password worked"
  else ok password-login-refused; fi
  if on true; then ok key-login; else no key-login "no login with the key pair's key"; return 1; fi
}

# The JupyterLab password as its user sees it: in the login message (pam_motd keeps the last one
# in /run/motd.dynamic).
jupyter_password() {
  local motd
  motd=$(on 'cat /run/motd.dynamic' 2>/dev/null) || return 0
  awk -F 'made for this machine at its first boot: ' 'NF > 1 { print $2; exit }' <<<"$motd"
}

# Until the command succeeds (services still starting), at most $1 seconds.
retry_on() {
  local limit=$1 deadline
  shift
  deadline=$((SECONDS + limit))
  until on "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 3
  done
}

jupyter_login() {  # jupyter_login BASE-URL PASSWORD
  local base=$1 jar=$work/jar xsrf code
  rm -f "$jar"
  curl -fsS -c "$jar" -o /dev/null "$base/login" || return 1
  xsrf=$(awk '$6 == "_xsrf" { print $7 }' "$jar")
  [ -n "$xsrf" ] || { echo "no _xsrf cookie from /login" >&2; return 1; }
  # The password goes to curl on stdin (a config file on fd 0), never on its command line.
  local pw=${2//\\/\\\\}
  pw=${pw//\"/\\\"}
  code=$(printf 'data-urlencode = "password=%s"\n' "$pw" |
    curl -sS -b "$jar" -c "$jar" -o /dev/null -w '%{http_code}' -K - \
      --data-urlencode "_xsrf=$xsrf" "$base/login?next=%2Fapi%2Fstatus")
  [ "$code" = 302 ] || { echo "login answered $code (302 when the password is accepted)" >&2; return 1; }
  [ "$(curl -sS -b "$jar" -o /dev/null -w '%{http_code}' "$base/api/status")" = 200 ]
}

# What must differ between two copies of the image, as "NAME VALUE" lines (each NAME is a
# check unique-NAMEs), from the copy booted last. A local copy needs no login: the Jupyter
# password is on its console's login screen (the full cell checks that it is the one the login
# message shows), and systemd says on the console when it makes the machine-id from the random
# generator ("Initializing machine ID from random generator.", its wording since systemd 219 at
# least), which it does only when the image ships none (machine-id(5)): two such copies differ.
# An instance (--remote) is logged in and its /etc/machine-id read.
unique_names=(host-key machine-id jupyter-password)
unique_facts() {
  echo "host-key $(ssh-keyscan -T 30 -t ed25519 -p "$ssh_port" "$host" 2>/dev/null | awk '{ print $3 }')"
  if [ -n "$console" ]; then
    echo "jupyter-password $(tr -d '\r' <"$console" | sed -n 's/^JupyterLab: .* password: \([^ ]*\)$/\1/p' | tail -n 1)"
    ! grep -aq 'systemd\[1\]: Initializing machine ID from random generator' "$console" || echo "machine-id random"
    return 0
  fi
  [ -n "$VERIFY_NEW_PASSWORD" ] || return 0
  echo "machine-id $(on 'cat /etc/machine-id' 2>/dev/null)"
  echo "jupyter-password $(jupyter_password)"
}

# Run as root on the guest: "read", then each key (ssh-keygen -l, and its file) of the files sshd
# reads authorized keys from, for every account, and of /etc/skel and /etc/ssh.
authorized_keys_files='set -f
patterns=$(sshd -T | sed -n "s/^authorizedkeysfile //p") && [ -n "$patterns" ] || exit 1
echo read
x=$(printf "\001")
getent passwd | while IFS=: read -r user _ uid _ _ home _; do
  for f in $patterns; do
    f=${f//\%\%/$x} f=${f//\%h/$home} f=${f//\%u/$user} f=${f//\%U/$uid} f=${f//$x/%}
    [[ $f == /* ]] || f=$home/$f
    [ ! -f "$f" ] || ssh-keygen -lf "$f" | sed "s|\$| $f|"
  done
done
find /etc/skel /etc/ssh -name "authorized_keys*" -type f -exec ssh-keygen -lf {} \;'

# Every functional check, on the copy booted last.
full_checks() {
  if on true; then ok new-password-login; else no new-password-login "login with the new password failed"; fi

  # A DHCP address on an e* NIC, and systemd-networkd-wait-online, when something waited for it,
  # neither failed nor waited longer than the bound (its own run time: the boot before it is slow
  # under TCG; a stall is its full 120 s timeout).
  local net wait_from wait_to wait_state nic
  net=$(on 'systemctl show -P ExecMainStartTimestampMonotonic systemd-networkd-wait-online.service;
    systemctl show -P ExecMainExitTimestampMonotonic systemd-networkd-wait-online.service;
    systemctl is-failed systemd-networkd-wait-online.service || true;
    ip -4 -o addr show scope global dynamic | awk "{ print \$2 }" | grep "^e" | head -n 1' || true)
  { read -r wait_from; read -r wait_to; read -r wait_state; read -r nic; } <<<"$net" || true
  if [ -z "${nic:-}" ]; then no network "no IPv4 address by DHCP on an e* interface"
  elif [ "${wait_state:-}" = failed ]; then no network "systemd-networkd-wait-online failed (timed out)"
  elif [ "${wait_from:-0}" != 0 ] && { [ -z "${wait_to:-}" ] || [ "$wait_to" = 0 ]; }; then
    no network "systemd-networkd-wait-online still waiting after the login (a stall: its timeout is 120 s)"
  elif [ "${wait_from:-0}" != 0 ] && [ $(((wait_to - wait_from) / 1000000)) -gt "$network_bound" ]; then
    no network "systemd-networkd-wait-online waited $(((wait_to - wait_from) / 1000000)) s (bound $network_bound s)"
  else ok network; echo "verify: $nic has its DHCP address; wait-online: $(((${wait_to:-0} - ${wait_from:-0}) / 1000)) ms" >&2; fi

  if [ -n "${VERIFY_BUILD_KEY:-}" ]; then
    if ssh "${ssh_opts[@]}" -o BatchMode=yes -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no \
         -o IdentitiesOnly=yes -i "$VERIFY_BUILD_KEY" -p "$ssh_port" "ubuntu@$host" true </dev/null 2>/dev/null; then
      no build-key-refused "a login with the build's key succeeded"
    else ok build-key-refused; fi
  fi
  # The build's key pair: its fingerprint in no file sshd reads keys from (cloud-init wrote it
  # for ubuntu, and for root behind a forced command): AuthorizedKeysFile for every account, its
  # tokens expanded and relative to the home (sshd_config(5)); nor in /etc/skel (new accounts'
  # copies) or /etc/ssh. Not a walk of the whole file system: under TCG that took 7.5 s of the
  # full cell. Off EC2 root has no key at all (systemd's tmpfiles make an empty /root/.ssh at
  # boot).
  if [ -n "$build_fp" ]; then
    local fps
    fps=$(on "sudo -n bash -c $(printf %q "$authorized_keys_files")" 2>/dev/null || true)
    if [ "$(head -n 1 <<<"$fps")" != read ]; then no build-key-nowhere "sshd's authorized keys files could not be read"
    elif grep -qF " $build_fp " <<<"$fps"; then no build-key-nowhere "the build key is in an authorized keys file: $(grep -F " $build_fp " <<<"$fps" | head -n 1)"
    elif [ -z "$login_key" ] && on 'sudo -n test -s /root/.ssh/authorized_keys'; then
      no build-key-nowhere "root has authorized keys"
    else ok build-key-nowhere; fi
  fi

  local modes
  modes=$(on 'stat -c "%a %n" /etc/netplan/*.yaml' || true)
  if [ -z "$modes" ]; then no netplan-mode "no /etc/netplan/*.yaml"
  elif grep -qv '^600 ' <<<"$modes"; then no netplan-mode "not 0600: $(grep -v '^600 ' <<<"$modes" | tr '\n' ' ')"
  else ok netplan-mode; fi

  # Jupyter: answers, takes this machine's password (as its login message shows it), and runs
  # as a user without sudo or docker.
  local jupyter=http://$host:$jupyter_port deadline owner groups jupyter_pw
  deadline=$((SECONDS + 240))
  until curl -fsS -o /dev/null "$jupyter/login" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || break
    sleep 1
  done
  jupyter_pw=$(jupyter_password)
  if [ -z "$jupyter_pw" ]; then no jupyter-password "the login message shows no Jupyter password"
  elif jupyter_login "$jupyter" "$jupyter_pw" 2>"$work/jupyter.err"; then ok jupyter-password
  else no jupyter-password "no login with the password the login message shows: $(tr '\n' ' ' <"$work/jupyter.err")"; fi
  owner=$(on 'pid=$(systemctl show -P MainPID jupyter); [ "$pid" != 0 ] && ps -o user= -p "$pid"' || true)
  owner=${owner// /}
  if [ -z "$owner" ]; then no jupyter-user "jupyter.service is not running"
  elif [ "$owner" = root ] || [ "$owner" = ubuntu ]; then no jupyter-user "Jupyter runs as $owner"
  else
    groups=$(on "id -nG $owner; sudo -n -l -U $owner 2>/dev/null | grep -c '^ *(' || true" || true)
    if grep -qwE 'sudo|admin|wheel|docker' <<<"$(head -n 1 <<<"$groups")"; then
      no jupyter-user "Jupyter's user $owner is in: $(head -n 1 <<<"$groups")"
    elif [ "$(tail -n 1 <<<"$groups")" != 0 ]; then no jupyter-user "Jupyter's user $owner may use sudo"
    else ok jupyter-user; fi
  fi

  # After Jupyter (the first docker command starts Docker: it would share Jupyter's start).
  # Retried while Docker starts; not being in the docker group, or "permission denied", is final.
  local docker
  docker=$(retry_on 180 'id -nG | tr " " "\n" | grep -qx docker || { echo "ubuntu is not in the docker group"; exit 0; }
    out=$(docker info --format "{{.ServerVersion}}" 2>&1) && { echo "ok $out"; exit 0; }
    case $out in *"permission denied"*) echo "$out"; exit 0 ;; esac; echo "$out" >&2; exit 1' 2>"$work/docker.err" ||
    tail -n 1 "$work/docker.err")
  if [[ $docker == "ok "* ]]; then ok docker-for-ubuntu
  else no docker-for-ubuntu "docker info as ubuntu failed: $(tail -n 1 <<<"$docker")"; fi

  # Where the boot's seconds went (systemd's own account, once the boot has finished: the
  # first boot's own units run at idle priority, after logins and services), and the bytes the
  # guest's file system uses.
  on 'for i in $(seq 60); do systemctl is-system-running --wait >/dev/null 2>&1; s=$?; [ $s != 1 ] || [ "$(systemctl is-system-running)" != starting ] && break; sleep 2; done
    echo "analyze $(systemd-analyze 2>/dev/null | head -n 1)"
    echo "used $(df -B1 --output=used / | tail -n 1)"
    systemd-analyze blame --no-pager 2>/dev/null | head -n 12 | sed "s/^/blame /"
    echo "jupyter $(sudo -n journalctl -u jupyter -o short-monotonic --no-pager 2>/dev/null | grep -m1 "is running at" |
      sed -nE "s/^\[ *([0-9.]+)\].*/\1/p")"' >"$work/analyze" 2>/dev/null || true

  # No service was refused by its own AppArmor profile during the boot (what the image set up
  # for it outside the paths its package's profile allows: chronyd's boot-time sources).
  local denied
  denied=$(on 'kernel=$(sudo -n journalctl -b -k -o cat --no-pager) || exit 1; echo read
    printf "%s\n" "$kernel" | grep "apparmor=\"DENIED\""' || true)
  if [ "$(head -n 1 <<<"$denied")" != read ]; then no apparmor-no-denials "the kernel's messages could not be read"
  elif [ "$denied" = read ]; then ok apparmor-no-denials
  else no apparmor-no-denials "$(sed -n 2p <<<"$denied" | grep -oE 'profile="[^"]*" name="[^"]*"') ($(($(wc -l <<<"$denied") - 1)) in all)"; fi

  # Off EC2 (a local image), once the boot has finished: the screen is the last console, EC2's
  # agents are off, the machine is called sandbox, GRUB's install device is the disk it booted
  # from, the root fills the overlay (1 GiB larger than the image), and the console's login
  # screen shows the Jupyter password.
  if [ ${#remote[@]} = 0 ]; then
    local facts
    facts=$(on 'for c in $(cat /proc/cmdline); do case $c in console=*) last=$c;; esac; done; echo "$last"
      for u in snap.amazon-ssm-agent.amazon-ssm-agent.service amazon-ssm-agent.service hibinit-agent.service; do
        systemctl is-active --quiet "$u" && echo "active $u"; done; echo "host $(hostname)"
      disk=$(lsblk -no PKNAME "$(findmnt -no SOURCE /)")
      dev=$(echo "GET grub-pc/install_devices" | sudo -n env DEBIAN_FRONTEND=noninteractive debconf-communicate grub-pc | cut -d" " -f2-)
      echo "grub $disk $(readlink -f "$dev")"
      part=$(findmnt -no SOURCE /); p=/sys/class/block/${part##*/}
      echo "root $(( $(cat /sys/class/block/$disk/size) - $(cat $p/start) - $(cat $p/size) )) $(( $(cat $p/size) * 512 )) $(stat -f -c "%b %S" / | awk "{ print \$1 * \$2 }")"
      for t in ed25519 ecdsa rsa; do sudo -n test -s /etc/ssh/ssh_host_${t}_key || echo "nokey $t"; done
      echo "rsa-maker $(systemctl show -P SubState sandbox-ssh-keygen-rsa.service)"
      echo "open systemd-user-sessions.service $(systemctl show -P ActiveEnterTimestampMonotonic systemd-user-sessions.service)"
      for u in ssh.service ssh.socket; do echo "sshd $u $(systemctl show -P ActiveEnterTimestampMonotonic $u)"; done
      for u in sandbox-growroot.service sandbox-grub-install-device.service; do echo "job $u $(systemctl show -P ExecMainStartTimestampMonotonic $u)"; done' || true)
    if [ "$(head -n 1 <<<"$facts")" != console=tty0 ]; then no console-screen-last "last console: $(head -n 1 <<<"$facts")"
    else ok console-screen-last; fi
    if grep -q '^active ' <<<"$facts"; then no ec2-agents-off "$(grep '^active ' <<<"$facts" | tr '\n' ' ')"
    else ok ec2-agents-off; fi
    if grep -qx 'host sandbox' <<<"$facts"; then ok hostname-sandbox
    else no hostname-sandbox "$(grep '^host ' <<<"$facts")"; fi
    if awk '/^grub / { exit !($3 == "/dev/" $2) }' <<<"$facts"; then ok grub-install-device
    else no grub-install-device "$(grep '^grub ' <<<"$facts")"; fi
    # The partition must end at the disk's end (GPT's backup and 1 MiB alignment aside) and the
    # file system fill it.
    if awk '/^root / { exit !($2 < 2048 && $4 > $3 * 0.9) }' <<<"$facts"; then ok root-fills-disk
    else no root-fills-disk "sectors after the root, partition bytes, file system bytes: $(grep '^root ' <<<"$facts")"; fi
    # The RSA key may still be on its way: its unit runs outside the boot's jobs, and the
    # checks do not wait for its prime search.
    if ! grep -q '^root ' <<<"$facts"; then no host-keys-every-type "the machine's facts could not be read"
    elif grep -qE '^nokey (ed25519|ecdsa)$' <<<"$facts" || { grep -qx 'nokey rsa' <<<"$facts" && ! grep -qx 'rsa-maker running' <<<"$facts"; }; then
      no host-keys-every-type "none made: $(sed -n 's/^nokey //p' <<<"$facts" | tr '\n' ' ')(sandbox-ssh-keygen-rsa.service: $(sed -n 's/^rsa-maker //p' <<<"$facts"))"
    else ok host-keys-every-type; fi
    # The first boot's own jobs wait until logins are open: each unit's start against
    # systemd-user-sessions' activation and sshd's (its socket's where it is socket-activated, as
    # on Ubuntu 24.04: the service then starts with the first connection), in microseconds
    # since the boot.
    local late
    late=$(awk '/^open / { open = $3 } /^sshd / && $3 > 0 && (!sshd || $3 < sshd) { sshd = $3 } /^job / { job[$2] = $3; n++ }
      END { if (!open || !sshd || n < 2) { print "no activation or start times"; exit }
            if (sshd > open) open = sshd
            for (j in job) if (job[j] == 0 || job[j] < open) print j " at " job[j] }' <<<"$facts")
    if [ -z "$late" ]; then ok first-boot-jobs-after-logins
    else no first-boot-jobs-after-logins "started before logins were open ($(grep -E '^(open|sshd) ' <<<"$facts" | cut -d' ' -f2- | tr '\n' ' ')): $(tr '\n' ' ' <<<"$late")"; fi
    if [ -n "$jupyter_pw" ] && grep -qF "$jupyter_pw" "$console"; then ok jupyter-password-on-console
    else no jupyter-password-on-console "the console's login screen does not show it"; fi
  fi
}

# A panic of emulation, not of the image: under TCG on a busy host, QEMU's timer thread can miss
# the kernel's early IO-APIC timer check (hardware virtualization never does). Booted again, once.
emulation_panic='IO-APIC \+ timer doesn.t work'

# run_cell CELL N ROLE: boot copy N in CELL and check it. ROLE full: every check; unique: read
# what must differ between copies (unique_facts; an instance of the AMI logged in first) into
# $work/ids-N; probe: stop at the first answer. Writes $work/cell-N.json.
run_cell() {
  local cell=$1 n=$2 role=$3 name=$1-$2 result=ok kind=first t_end bad
  [ "$role" = probe ] || kind=login
  boot "$cell" "$n" "$role"
  echo "verify: $name ($role): booting" >&2
  local retried=null answered=
  if wait_answer "$kind" "$name" >"$work/$name.why"; then answered=1
  elif grep -qE "$emulation_panic" "$work/$name.why"; then
    retried=$(jq -Rn --arg why "$(cat "$work/$name.why")" '$why')
    echo "verify: $name: booting again after $retried" >&2
    stop
    mv "$console" "$console.first"
    boot "$cell" "$n" "$role"
    ! wait_answer "$kind" "$name" >"$work/$name.why" || answered=1
  fi
  if [ -n "$answered" ]; then
    echo "verify: $name: $answer after $answer_s s" >&2
    if [ "$role" != probe ]; then
      if [ "$role" = full ]; then
        if login; then full_checks; fi
      elif [ -z "$console" ]; then
        local rc=0
        if [ -n "$login_key" ]; then on true || rc=1
        else password_change || rc=$?; fi
        case $rc in 0) ;; 5) VERIFY_NEW_PASSWORD=$SANDBOX_DEFAULT_PASSWORD ;; *) VERIFY_NEW_PASSWORD= ;; esac
      fi
      unique_facts >"$work/ids-$n" || true
    fi
  else
    result=$(cat "$work/$name.why")
  fi
  end_logins
  t_end=$(since "$started")
  # A failure that shows on the console later (the login came, then a panic) still counts.
  if [ "$result" = ok ] && [ -n "$console" ] && bad=$(grep -aEm1 "$console_failures" "$console"); then
    result="the console shows: $(tr -d '\r' <<<"$bad" | cut -c1-160)"
  fi
  stop
  if [ "$result" = ok ]; then ok "boot-$cell"; else no "boot-$cell" "$result"; fi
  local fw=${cell%%-*} devices=${cell#*-}
  jq -cn --arg name "$cell" --arg role "$role" --arg result "$result" --arg answer "$answer" \
    --arg firmware "${firmware_name[$fw]:-}" --arg disk "${disk_dev[$devices]:-}" --arg nic "${nic_dev[$devices]:-}" \
    --argjson answerSeconds "${answer_s:-null}" --argjson loginPromptSeconds "${login_s:-null}" \
    --argjson seconds "$t_end" --argjson timeline "$(timeline "$console")" --argjson retried "$retried" \
    --argjson jupyter "$( ([ "$role" = full ] && awk '/^jupyter [0-9.]+$/ { print $2 }' "$work/analyze" 2>/dev/null) | grep . || echo null)" \
    '{name: $name, role: $role, result: $result, seconds: $seconds, answer: (if $answer == "" then null else $answer end),
      answerSeconds: $answerSeconds, loginPromptSeconds: $loginPromptSeconds,
      timeline: ($timeline + (if $answerSeconds then {($answer): $answerSeconds} else {} end))}
     + (if $jupyter and $timeline.kernel then {jupyterSeconds: ($timeline.kernel + $jupyter | . * 10 | round / 10)} else {} end)
     + (if $retried then {bootedAgainAfter: $retried} else {} end)
     + (if $firmware == "" then {} else {firmware: $firmware, disk: $disk, nic: $nic} end)' >"$work/cell-$n.json"
}

VERIFY_NEW_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)x7
export VERIFY_NEW_PASSWORD SANDBOX_DEFAULT_PASSWORD

sha256=null size=null
if [ ${#remote[@]} = 0 ]; then
  echo "verify: $image ($format): cells ${cells[*]} under QEMU ($accel), $parallel side by side" >&2
  size=$(stat -c %s "$image")
else echo "verify: checking $image over the network" >&2; fi

# The full cell first (it takes longest), then the copy that must differ from it (the second
# cell, or the first one again), then the rest, as many side by side as VERIFY_PARALLEL says.
t0=$SECONDS
plan=("${cells[0]} 1 full" "${cells[1]:-${cells[0]}} 2 unique")
for ((i = 2; i < ${#cells[@]}; i++)); do plan+=("${cells[$i]} $((i + 1)) probe"); done
for entry in "${plan[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
  read -r cell n role <<<"$entry"
  run_cell "$cell" "$n" "$role" &
  # The first guest boots alone for a moment: two starting at once share the disk cache cold.
  [ "$n" != 1 ] || [ "$parallel" = 1 ] || sleep 2
done
# Meanwhile, at the lowest CPU priority (the guests first), the file's own format
# (check-format.sh: its structure, its SHA-256).
[ ${#remote[@]} != 0 ] || nice -n 19 "$here/check-format.sh" "$image" "$format" >"$work/format.json" 2>/dev/null || true
wait
if [ ${#remote[@]} = 0 ]; then
  if sha256=$(jq -e .sha256 "$work/format.json" 2>/dev/null); then
    jq -r '.checks | to_entries[] | "\(.key)\t\(.value)"' "$work/format.json" >>"$work/checks"
  else no format "check-format.sh could not read $image"; fi
fi
echo "verify: ${#plan[@]} boots in $((SECONDS - t0)) s" >&2

# What must differ between the two copies.
for fact in "${unique_names[@]}"; do
  v1=$(awk -v f="$fact" '$1 == f { print $2 }' "$work/ids-1" 2>/dev/null || true)
  v2=$(awk -v f="$fact" '$1 == f { print $2 }' "$work/ids-2" 2>/dev/null || true)
  if [ "$fact" = machine-id ] && [ ${#remote[@]} = 0 ]; then
    lacking=()
    [ "$v1" = random ] || lacking+=(1)
    [ "$v2" = random ] || lacking+=(2)
    if [ ${#lacking[@]} = 0 ]; then ok unique-machine-ids
    else no unique-machine-ids "the console of copy ${lacking[*]} does not show systemd making the machine-id from the random generator (one shipped in the image?)"; fi
  elif [ -z "$v1" ] || [ -z "$v2" ]; then no "unique-${fact}s" "no $fact from one of the two copies"
  elif [ "$v1" = "$v2" ]; then no "unique-${fact}s" "both copies have $fact $v1 (shipped in the image)"
  else ok "unique-${fact}s"; fi
done
# The full cell's ssh answer, for what a user waits for (boots-to-ssh keeps its old name).
boot_seconds=$(jq '.answerSeconds' "$work/cell-1.json" 2>/dev/null || echo null)
if [ "$(jq -r .answer "$work/cell-1.json" 2>/dev/null)" = ssh ]; then ok boots-to-ssh
else no boots-to-ssh "$(jq -r .result "$work/cell-1.json" 2>/dev/null)${VERIFY_LOG_DIR:+ (console: $logs/console-${cells[0]}-1.log)}"; fi

# systemd-analyze's account of the full cell's boot: kernel, initrd, userspace, and the units
# that took longest.
boot=$(awk '
  /^analyze / { for (i = 2; i <= NF; i++) if ($i ~ /^\((kernel|initrd|userspace|firmware|loader)\)$/) {
      k = substr($i, 2, length($i) - 2); t = ($(i - 2) ~ /min$/ ? $(i - 2) : "") $(i - 1)
      printf "%s\"%s\": %s", (n++ ? ", " : "{\"systemd\": {"), k, secs(t) } }
  /^blame / { b[++m] = sprintf("{\"unit\": \"%s\", \"seconds\": %s}", $NF, secs(join(2, NF - 1))) }
  function join(a, z,   s, i) { s = ""; for (i = a; i <= z; i++) s = s $i; return s }
  function secs(t,   v, r) {  # systemd spans: 1min 2.5s, 850ms, 3.2s
    v = 0
    if (match(t, /[0-9.]+min/)) v += 60 * substr(t, RSTART, RLENGTH - 3)
    if (match(t, /[0-9.]+ms/)) v += substr(t, RSTART, RLENGTH - 2) / 1000
    else if (match(t, /[0-9.]+s/)) v += substr(t, RSTART, RLENGTH - 1)
    return sprintf("%.2f", v)
  }
  END {
    printf "%s", (n ? "}" : "{\"systemd\": null")
    printf ", \"blame\": ["; for (i = 1; i <= m; i++) printf "%s%s", (i > 1 ? ", " : ""), b[i]; print "]}"
  }' "$work/analyze" 2>/dev/null || echo '{"systemd": null, "blame": []}')
used=$(awk '/^used +[0-9]+$/ { print $2 }' "$work/analyze" 2>/dev/null || true)

# A check two cells make (boot-CELL when one cell boots twice) keeps its failure.
checks=$(jq -Rn 'reduce (inputs | split("\t")) as [$name, $result] ({};
  if (.[$name] // "ok") == "ok" then .[$name] = $result else . end)' "$work/checks")
jq -cn --arg format "$format" --argjson sha256 "$sha256" --argjson size "$size" --argjson bootSeconds "$boot_seconds" \
  --argjson usedBytes "${used:-null}" --argjson boot "$boot" --argjson checks "$checks" \
  --slurpfile cells <(for ((i = 1; i <= ${#plan[@]}; i++)); do cat "$work/cell-$i.json"; done) \
  '{format: $format, sha256: $sha256, size: $size, bootSeconds: $bootSeconds, usedBytes: $usedBytes,
    ratio: (if $size and $usedBytes then ($size / $usedBytes * 100 | round / 100) else null end),
    cells: $cells, boot: $boot, checks: $checks}'
jq -e 'all(.[]; . == "ok")' <<<"$checks" >/dev/null

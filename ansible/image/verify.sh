#!/usr/bin/env bash
# Boot a VM image under QEMU, twice from the same file (two copies, each with its own
# throwaway overlay; the file is never written), and check what a user of it sees.
#
#   verify.sh IMAGE [FORMAT]     FORMAT: vmdk, vhd or raw (default: from the file name)
#   verify.sh --remote HOST1 HOST2   two running copies (instances of an AMI: make verify-ami),
#                                    checked over the network on ports 22 and 49494
#   env: SANDBOX_DEFAULT_PASSWORD (required), VERIFY_ACCEL (tcg, default; kvm only where it
#        works: on some machines /dev/kvm exists but guests hang), VERIFY_BUILD_KEY (the
#        build's key, private or public: its fingerprint must be in no authorized_keys, and a
#        login with a private one must fail), VERIFY_LOGIN_KEY (--remote: the private key of
#        the instances' key pair; on EC2 the key pair is the way in and passwords are off),
#        VERIFY_TIMEOUT (s, default 600),
#        VERIFY_NETWORK_BOUND (s systemd-networkd-wait-online may take, default 60), VERIFY_LOG_DIR
#        (serial consoles, default a temporary directory), VERIFY_MEMORY (MiB, 2048)
#   stdout: {"format","sha256","size","bootSeconds","checks":{"name":"ok" | "why not"}}
#           (--remote: format "ami", sha256 and size null, bootSeconds until ssh answered)
#   exit: 0 every check ok, 1 a check failed, 2 bad input (before anything runs)
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
usage() { echo "verify.sh: $*" >&2; exit 2; }

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
timeout_s=${VERIFY_TIMEOUT:-600}
network_bound=${VERIFY_NETWORK_BOUND:-60}
tools=(sshpass expect ssh ssh-keyscan curl jq sha256sum)
[ ${#remote[@]} != 0 ] || tools+=(qemu-system-x86_64 qemu-img)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || usage "$tool is missing: make image-deps installs it"
done
if [ ${#remote[@]} = 0 ]; then
  actual=$(qemu-img info --output=json "$image" | jq -r .format) || usage "$image: qemu-img cannot read it"
  [ "$actual" = "$qemu_format" ] || usage "$image: qemu-img says $actual, not $qemu_format ($format)"
fi

work=$(mktemp -d)
logs=${VERIFY_LOG_DIR:-$work}
mkdir -p "$logs"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

declare -A checks=()
ok() { checks[$1]=ok; }
no() { checks[$1]=$2; echo "verify: $1: $2" >&2; }

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

# boot N: one copy of the image, its ssh and Jupyter forwarded to loopback ports (--remote:
# copy N is the Nth host, running already).
declare -A host=() ssh_port=() jupyter_port=() started=()
boot() {
  local n=$1 accel_args=(-accel tcg)
  started[$n]=$SECONDS
  if [ ${#remote[@]} != 0 ]; then
    host[$n]=${remote[$((n - 1))]} ssh_port[$n]=22 jupyter_port[$n]=49494
    return
  fi
  host[$n]=127.0.0.1
  [ "$accel" = kvm ] && accel_args=(-accel kvm -cpu host)
  ssh_port[$n]=$(free_port)
  jupyter_port[$n]=$(free_port)
  # A throwaway overlay, 1 GiB larger than the image: the user's larger virtual disk, which
  # the first boot off EC2 grows the root into (root-fills-disk).
  qemu-img create -q -f qcow2 -b "$(realpath "$image")" -F "$qemu_format" "$work/overlay-$n.qcow2" \
    "$(( $(qemu-img info --output=json "$image" | jq '."virtual-size"') + 1024 * 1024 * 1024 ))"
  qemu-system-x86_64 "${accel_args[@]}" -m "${VERIFY_MEMORY:-2048}" -smp 2 -display none -no-user-config \
    -drive "file=$work/overlay-$n.qcow2,format=qcow2,if=virtio" \
    -nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:${ssh_port[$n]}-:22,hostfwd=tcp:127.0.0.1:${jupyter_port[$n]}-:49494" \
    -serial "file:$logs/console-$n.log" </dev/null >"$logs/qemu-$n.log" 2>&1 &
  pids+=($!)
}

# Seconds until sshd answers on copy N, or nothing after the timeout.
wait_ssh() {
  local n=$1
  while [ $((SECONDS - started[$n])) -lt "$timeout_s" ]; do
    [ ${#remote[@]} != 0 ] || kill -0 "${pids[$((n - 1))]}" 2>/dev/null || { echo "verify: QEMU $n ended: $(tail -n 3 "$logs/qemu-$n.log")" >&2; return 1; }
    if [ "$(timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1" && head -c 4 <&3' "${host[$n]}" "${ssh_port[$n]}" 2>/dev/null)" = SSH- ]; then
      echo $((SECONDS - started[$n]))
      return
    fi
    sleep 1
  done
  return 1
}

ssh_opts=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=30)
# A command as ubuntu on copy N: with the key pair's key where that is the way in (EC2),
# else logged in with the new password (sshpass reads SSHPASS).
on() {
  local n=$1
  shift
  if [ -n "$login_key" ]; then
    ssh "${ssh_opts[@]}" -o BatchMode=yes -o IdentitiesOnly=yes -i "$login_key" \
      -p "${ssh_port[$n]}" "ubuntu@${host[$n]}" "$@" </dev/null
  else
    SSHPASS=$VERIFY_NEW_PASSWORD sshpass -e ssh "${ssh_opts[@]}" -o PubkeyAuthentication=no \
      -p "${ssh_port[$n]}" "ubuntu@${host[$n]}" "$@"
  fi
}

# The first login on copy N: the default password, then the forced change.
first_login() {
  local n=$1 rc=0
  "$here/password-change.exp" "${ssh_port[$n]}" ubuntu "${host[$n]}" || rc=$?
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

# The first login on copy N. Where the key pair is the way in (EC2): it works without a
# password change, and the default password is refused.
login() {
  local n=$1
  [ -n "$login_key" ] || { first_login "$n"; return; }
  if SSHPASS=$SANDBOX_DEFAULT_PASSWORD sshpass -e ssh "${ssh_opts[@]}" -o PubkeyAuthentication=no \
       -o NumberOfPasswordPrompts=1 -p "${ssh_port[$n]}" "ubuntu@${host[$n]}" true </dev/null 2>/dev/null; then
    no password-login-refused "a login with the default password worked"
  else ok password-login-refused; fi
  if on "$n" true; then ok key-login; else no key-login "no login with the key pair's key"; return 1; fi
}

# The JupyterLab password of copy N as its user sees it: in the login message (pam_motd keeps
# the last one in /run/motd.dynamic).
jupyter_password_of() {
  local motd
  motd=$(on "$1" 'cat /run/motd.dynamic' 2>/dev/null) || return 0
  awk -F 'made for this machine at its first boot: ' 'NF > 1 { print $2; exit }' <<<"$motd"
}

# Until the command succeeds on copy N (services still starting), at most $2 seconds.
retry_on() {
  local n=$1 limit=$2 deadline
  shift 2
  deadline=$((SECONDS + limit))
  until on "$n" "$@"; do
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

VERIFY_NEW_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)x7
export VERIFY_NEW_PASSWORD SANDBOX_DEFAULT_PASSWORD

boot 1
sha256=null size=null
if [ ${#remote[@]} = 0 ]; then
  echo "verify: $image ($format): booting two copies under QEMU ($accel)" >&2
  sha256=\"$(sha256sum "$image" | cut -d' ' -f1)\"
  size=$(stat -c %s "$image")
else echo "verify: checking $image over the network" >&2; fi

boot_seconds=null
if s1=$(wait_ssh 1); then
  boot_seconds=$s1
  ok boots-to-ssh
  echo "verify: copy 1: ssh answers after $s1 s" >&2
else
  no boots-to-ssh "sshd did not answer within $timeout_s s${VERIFY_LOG_DIR:+ (console: $logs/console-1.log)}"
fi
# The second copy boots while the first is checked (not beside its boot: under TCG on a busy
# machine two boots side by side starve each other).
boot 2

if [ "$boot_seconds" != null ] && login 1; then
  if on 1 true; then ok new-password-login; else no new-password-login "login with the new password failed"; fi

  # A DHCP address on an e* NIC, and systemd-networkd-wait-online neither failed nor waited
  # longer than the bound (its own run time: the boot before it is slow under TCG; a stall is
  # its full 120 s timeout).
  net=$(on 1 'systemctl show -P ExecMainStartTimestampMonotonic systemd-networkd-wait-online.service;
    systemctl show -P ExecMainExitTimestampMonotonic systemd-networkd-wait-online.service;
    systemctl is-failed systemd-networkd-wait-online.service || true;
    ip -4 -o addr show scope global dynamic | awk "{ print \$2 }" | grep "^e" | head -n 1' || true)
  { read -r wait_from; read -r wait_to; read -r wait_state; read -r nic; } <<<"$net" || true
  if [ -z "${nic:-}" ]; then no network "no IPv4 address by DHCP on an e* interface"
  elif [ "${wait_state:-}" = failed ]; then no network "systemd-networkd-wait-online failed (timed out)"
  elif [ -z "${wait_to:-}" ] || [ "$wait_to" = 0 ]; then
    no network "systemd-networkd-wait-online still waiting after the login (a stall: its timeout is 120 s)"
  elif [ $(((wait_to - wait_from) / 1000000)) -gt "$network_bound" ]; then
    no network "systemd-networkd-wait-online waited $(((wait_to - wait_from) / 1000000)) s (bound $network_bound s)"
  else ok network; echo "verify: $nic has its DHCP address; wait-online took $(((wait_to - wait_from) / 1000)) ms" >&2; fi

  if [ -n "${VERIFY_BUILD_KEY:-}" ]; then
    if ssh "${ssh_opts[@]}" -o BatchMode=yes -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no \
         -o IdentitiesOnly=yes -i "$VERIFY_BUILD_KEY" -p "${ssh_port[1]}" "ubuntu@${host[1]}" true </dev/null 2>/dev/null; then
      no build-key-refused "a login with the build's key succeeded"
    else ok build-key-refused; fi
  fi
  # The build's key pair: its fingerprint in no authorized_keys file (cloud-init wrote it for
  # ubuntu, and for root behind a forced command); off EC2 root has no key at all (systemd's
  # tmpfiles make an empty /root/.ssh at boot).
  if [ -n "$build_fp" ]; then
    fps=$(on 1 'sudo -n find / -xdev -name "authorized_keys*" -type f -exec ssh-keygen -lf {} \; 2>/dev/null' || true)
    if grep -qF " $build_fp " <<<"$fps"; then no build-key-nowhere "the build key is in an authorized_keys file"
    elif [ -z "$login_key" ] && on 1 'sudo -n test -s /root/.ssh/authorized_keys'; then
      no build-key-nowhere "root has authorized keys"
    else ok build-key-nowhere; fi
  fi

  modes=$(on 1 'stat -c "%a %n" /etc/netplan/*.yaml' || true)
  if [ -z "$modes" ]; then no netplan-mode "no /etc/netplan/*.yaml"
  elif grep -qv '^600 ' <<<"$modes"; then no netplan-mode "not 0600: $(grep -v '^600 ' <<<"$modes" | tr '\n' ' ')"
  else ok netplan-mode; fi

  # Retried while Docker starts; not being in the docker group, or "permission denied", is final.
  docker=$(retry_on 1 180 'id -nG | tr " " "\n" | grep -qx docker || { echo "ubuntu is not in the docker group"; exit 0; }
    out=$(docker info --format "{{.ServerVersion}}" 2>&1) && { echo "ok $out"; exit 0; }
    case $out in *"permission denied"*) echo "$out"; exit 0 ;; esac; echo "$out" >&2; exit 1' 2>"$work/docker.err" ||
    tail -n 1 "$work/docker.err")
  if [[ $docker == "ok "* ]]; then ok docker-for-ubuntu
  else no docker-for-ubuntu "docker info as ubuntu failed: $(tail -n 1 <<<"$docker")"; fi

  # Jupyter: answers, takes this machine's password (as its login message shows it), and runs
  # as a user without sudo or docker.
  jupyter=http://${host[1]}:${jupyter_port[1]}
  deadline=$((SECONDS + 240))
  until curl -fsS -o /dev/null "$jupyter/login" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || break
    sleep 3
  done
  jupyter_pw1=$(jupyter_password_of 1)
  if [ -z "$jupyter_pw1" ]; then no jupyter-password "the login message shows no Jupyter password"
  elif jupyter_login "$jupyter" "$jupyter_pw1" 2>"$work/jupyter.err"; then ok jupyter-password
  else no jupyter-password "no login with the password the login message shows: $(tr '\n' ' ' <"$work/jupyter.err")"; fi
  owner=$(on 1 'pid=$(systemctl show -P MainPID jupyter); [ "$pid" != 0 ] && ps -o user= -p "$pid"' || true)
  owner=${owner// /}
  if [ -z "$owner" ]; then no jupyter-user "jupyter.service is not running"
  elif [ "$owner" = root ] || [ "$owner" = ubuntu ]; then no jupyter-user "Jupyter runs as $owner"
  else
    groups=$(on 1 "id -nG $owner; sudo -n -l -U $owner 2>/dev/null | grep -c '^ *(' || true" || true)
    if grep -qwE 'sudo|admin|wheel|docker' <<<"$(head -n 1 <<<"$groups")"; then
      no jupyter-user "Jupyter's user $owner is in: $(head -n 1 <<<"$groups")"
    elif [ "$(tail -n 1 <<<"$groups")" != 0 ]; then no jupyter-user "Jupyter's user $owner may use sudo"
    else ok jupyter-user; fi
  fi
  id1=$(on 1 'cat /etc/machine-id' || true)

  # Off EC2 (a local image): the screen is the last console, EC2's agents are off, the machine
  # is called sandbox, GRUB's install device is the disk it booted from, and the console's
  # login screen shows the Jupyter password.
  if [ ${#remote[@]} = 0 ]; then
    facts=$(on 1 'for c in $(cat /proc/cmdline); do case $c in console=*) last=$c;; esac; done; echo "$last"
      for u in snap.amazon-ssm-agent.amazon-ssm-agent.service amazon-ssm-agent.service hibinit-agent.service; do
        systemctl is-active --quiet "$u" && echo "active $u"; done; echo "host $(hostname)"
      disk=$(lsblk -no PKNAME "$(findmnt -no SOURCE /)")
      dev=$(echo "GET grub-pc/install_devices" | sudo -n env DEBIAN_FRONTEND=noninteractive debconf-communicate grub-pc | cut -d" " -f2-)
      echo "grub $disk $(readlink -f "$dev")"
      part=$(findmnt -no SOURCE /); p=/sys/class/block/${part##*/}
      echo "root $(( $(cat /sys/class/block/$disk/size) - $(cat $p/start) - $(cat $p/size) )) $(( $(cat $p/size) * 512 )) $(stat -f -c "%b %S" / | awk "{ print \$1 * \$2 }")"' || true)
    if [ "$(head -n 1 <<<"$facts")" != console=tty0 ]; then no console-screen-last "last console: $(head -n 1 <<<"$facts")"
    else ok console-screen-last; fi
    if grep -q '^active ' <<<"$facts"; then no ec2-agents-off "$(grep '^active ' <<<"$facts" | tr '\n' ' ')"
    else ok ec2-agents-off; fi
    if grep -qx 'host sandbox' <<<"$facts"; then ok hostname-sandbox
    else no hostname-sandbox "$(grep '^host ' <<<"$facts")"; fi
    if awk '/^grub / { exit !($3 == "/dev/" $2) }' <<<"$facts"; then ok grub-install-device
    else no grub-install-device "$(grep '^grub ' <<<"$facts")"; fi
    # The overlay is 1 GiB larger than the image: the partition must end at the disk's end (GPT's
    # backup and 1 MiB alignment aside) and the file system fill it.
    if awk '/^root / { exit !($2 < 2048 && $4 > $3 * 0.9) }' <<<"$facts"; then ok root-fills-disk
    else no root-fills-disk "sectors after the root, partition bytes, file system bytes: $(grep '^root ' <<<"$facts")"; fi
    if [ -n "$jupyter_pw1" ] && grep -qF "$jupyter_pw1" "$logs/console-1.log"; then ok jupyter-password-on-console
    else no jupyter-password-on-console "the console's login screen does not show it"; fi
  fi
fi

# The second copy: its own host keys and machine-id.
if s2=$(wait_ssh 2); then
  echo "verify: copy 2: ssh answers after $s2 s" >&2
  key1=$(ssh-keyscan -T 30 -t ed25519 -p "${ssh_port[1]}" "${host[1]}" 2>/dev/null | awk '{ print $3 }')
  key2=$(ssh-keyscan -T 30 -t ed25519 -p "${ssh_port[2]}" "${host[2]}" 2>/dev/null | awk '{ print $3 }')
  if [ -z "$key1" ] || [ -z "$key2" ]; then no unique-host-keys "no ed25519 host key from one copy"
  elif [ "$key1" = "$key2" ]; then no unique-host-keys "both copies have the same SSH host key (shipped in the image)"
  else ok unique-host-keys; fi
  rc=0
  if [ -n "$login_key" ]; then on 2 true || rc=$?
  else "$here/password-change.exp" "${ssh_port[2]}" ubuntu "${host[2]}" >/dev/null 2>&1 || rc=$?; fi
  if [ $rc = 0 ] || [ $rc = 5 ]; then  # 5: not expired (reported above); logged in all the same
    id2=$(on 2 'cat /etc/machine-id' || true)
    if [ -z "${id1:-}" ] || [ -z "$id2" ]; then no unique-machine-ids "a copy has no machine-id"
    elif [ "$id1" = "$id2" ]; then no unique-machine-ids "both copies have machine-id $id1 (shipped in the image)"
    else ok unique-machine-ids; fi
    jupyter_pw2=$(jupyter_password_of 2)
    if [ -z "${jupyter_pw1:-}" ] || [ -z "$jupyter_pw2" ]; then no unique-jupyter-passwords "a copy shows no Jupyter password"
    elif [ "$jupyter_pw1" = "$jupyter_pw2" ]; then no unique-jupyter-passwords "both copies have the same Jupyter password"
    else ok unique-jupyter-passwords; fi
  else no unique-machine-ids "no login on the second copy"; fi
else
  no unique-host-keys "the second copy did not boot to ssh"
fi

failed=0
for name in "${!checks[@]}"; do [ "${checks[$name]}" = ok ] || failed=1; done
args=()
for name in "${!checks[@]}"; do args+=(--arg "$name" "${checks[$name]}"); done
jq -cn --arg format "$format" --argjson sha256 "$sha256" --argjson size "$size" --argjson bootSeconds "$boot_seconds" \
  "${args[@]}" '{format: $format, sha256: $sha256, size: $size, bootSeconds: $bootSeconds,
    checks: ($ARGS.named | del(.format, .sha256, .size, .bootSeconds))}'
exit $failed

#!/usr/bin/env bash
# Wait until HOST's ssh port answers with an SSH banner, so the playbooks' first connection
# does not fail on an instance that is still booting; give up after TIMEOUT seconds (exit 1).
# usage: wait-ssh.sh HOST TIMEOUT
set -euo pipefail
[ $# -eq 2 ] && [ -n "$1" ] && [[ $2 =~ ^[0-9]+$ ]] || { echo "usage: wait-ssh.sh HOST TIMEOUT_SECONDS" >&2; exit 2; }
host=$1 deadline=$((SECONDS + $2)) delay=1
banner() { timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/22" && head -c 4 <&3' "$host" 2>/dev/null || true; }
until [ "$(banner)" = SSH- ]; do
  [ $SECONDS -lt $deadline ] || { echo "wait-ssh: ssh on $host did not answer within $2 s" >&2; exit 1; }
  echo "wait-ssh: waiting for ssh on $host" >&2
  sleep $delay; delay=$((delay < 8 ? delay * 2 : 15))
done

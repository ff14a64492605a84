#!/usr/bin/env bash
# The Ansible inventory of one release instance, from its instance.json: the instance's address,
# user and the key beside it (key.pem, or the KeyFile named in keypair.json), with its host key
# accepted once into known_hosts beside the inventory. Written to a temporary name and renamed.
# usage: inventory.sh INSTANCE_JSON INVENTORY
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: inventory.sh INSTANCE_JSON INVENTORY" >&2; exit 2; }
instance=$1 out=$2 dir=$(dirname "$1")

host=$(jq -r '[.Host, .PublicIp, .PublicDnsName] | map(select(. != null and . != "")) | first // empty' "$instance")
user=$(jq -r '.User // "ubuntu"' "$instance")
name=$(jq -r '.InstanceId // "sandbox"' "$instance")
if [ -f "$dir/key.pem" ]; then key=$dir/key.pem
elif [ -f "$dir/keypair.json" ]; then key=$(jq -r '.KeyFile // empty' "$dir/keypair.json")
else key=; fi
[ -n "$host" ] || { echo "$instance: no Host, PublicIp or PublicDnsName" >&2; exit 1; }
[ -n "$key" ] && [ -f "$key" ] || { echo "$dir: no key.pem, nor a KeyFile in keypair.json that exists" >&2; exit 1; }
key=$(realpath "$key") absdir=$(realpath "$dir")

cat >"$out.tmp" <<INI
# Generated from $instance by ansible/inventory.sh; remade when it changes.
[sandbox]
$name ansible_host=$host ansible_user=$user ansible_ssh_private_key_file=$key

[sandbox:vars]
# A new instance's host key is unknown: accept it once, keep it beside this file.
ansible_ssh_common_args='-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=$absdir/known_hosts'
INI
mv "$out.tmp" "$out"
echo "$out: $name ansible_host=$host ansible_user=$user" >&2

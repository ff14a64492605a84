#!/usr/bin/env bash
# ami-export against the emulator:
# 1. Renaming a 256 MiB exported object: `ami-export rename` (CopyObject on the server) versus
#    `aws s3 cp` down and back up, alternating; medians, ratio, and the bytes through the client.
# 2. Three formats with 20 s exports: one format alone, the three side by side, the three --sequential.
set -euo pipefail
. "$(dirname "$0")/pairs.sh"
bin=$1 aws=$2 url=$3 runs=${RENAME_RUNS:-3} seconds=${EXPORT_SECONDS:-20}
config() { curl -sf -X POST "$url/_emulator/config" -d "$1" >/dev/null; }
trap 'config "{\"exportSeconds\":3,\"exportBytes\":1048576}"' EXIT
ms() { date +%s%N; }
id=bench-$$ bucket=bench-export-$$
"$aws" s3 mb "s3://$bucket" >/dev/null
instance=$("$aws" ec2 run-instances --image-id ami-0a2b3c4d5e6f70001 --instance-type t3.micro --query 'Instances[0].InstanceId' --output text)
image_id=$("$bin/ami-export" image --instance-id "$instance" --name "sandbox-$id" --asset-id "$id" -r --filter .ImageId 2>/dev/null)

# 1. rename
size=$((256 << 20))
config "{\"exportSeconds\":0.2,\"exportBytes\":$size}"
key=$("$bin/ami-export" export --image-id "$image_id" --format raw --bucket "$bucket" --prefix rename/ --asset-id "$id-r" \
  --name a -r --filter '.[0].Key' 2>/dev/null)
"$bin/ami-export" rename --bucket "$bucket" --key "$key" --to rename/a.raw >/dev/null 2>&1
ours=() theirs=() through=()
for _ in $(seq "$runs"); do
  t0=$(ms)
  "$bin/ami-export" rename --bucket "$bucket" --key rename/a.raw --to rename/b.raw 2>"/tmp/$id.err" >/dev/null
  t1=$(ms)
  through+=($(grep -o '[0-9]* body bytes' "/tmp/$id.err" | cut -d' ' -f1))
  "$aws" s3 cp --quiet "s3://$bucket/rename/b.raw" - | "$aws" s3 cp --quiet --expected-size "$size" - "s3://$bucket/rename/a.raw"
  "$aws" s3 rm --quiet "s3://$bucket/rename/b.raw"
  t2=$(ms)
  ours+=($(( (t1 - t0) / 1000 ))) theirs+=($(( (t2 - t1) / 1000 )))
done
rm -f "/tmp/$id.err"
m1=$(median "${ours[@]}") m2=$(median "${theirs[@]}") b=$(median "${through[@]}")
awk -v a="$m1" -v b="$m2" -v n="$runs" -v bytes="$b" -v size="$size" -v key="$key" -v load="$(load)" \
  -v ratio="$(pair_ratio "${ours[*]}" "${theirs[*]}")" 'BEGIN {
  printf "bench-export: rename of a 256 MiB export (%s), %d alternating pairs (%s)\n", key, n, load
  printf "  ami-export rename (server-side copy)  median %8.1f ms, %d body bytes through the client (XML only; 0 image bytes)\n", a/1000, bytes
  printf "  aws s3 cp down and up, then rm        median %8.1f ms, %d image bytes through the client\n", b/1000, 2*size
  printf "  ratio %s (target: at least 5x)\n", ratio }'

# 2. three formats side by side versus one after the other
config "{\"exportSeconds\":$seconds,\"exportBytes\":1048576}"
run() { local t0; t0=$(ms); "$bin/ami-export" export --image-id "$image_id" --bucket "$bucket" "$@" >/dev/null 2>&1; echo $(( ($(ms) - t0) / 1000000 )); }
one=$(run --format vmdk --prefix one/ --asset-id "$id-1")
side=$(run --format vmdk --format vhd --format raw --prefix side/ --asset-id "$id-3")
seq=$(run --format vmdk --format vhd --format raw --sequential --prefix seq/ --asset-id "$id-s")
awk -v one="$one" -v side="$side" -v seq="$seq" -v s="$seconds" -v load="$(load)" 'BEGIN {
  printf "bench-export: vmdk+vhd+raw with %d s emulated exports (%s)\n", s, load
  printf "  one format              %6.1f s\n", one/1000
  printf "  three side by side      %6.1f s  (%.2fx one export; target: at most 1.15x)\n", side/1000, side/one
  printf "  three --sequential      %6.1f s  (%.2fx one export)\n", seq/1000, seq/one }'

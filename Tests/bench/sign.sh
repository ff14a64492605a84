#!/usr/bin/env bash
# One DescribeImages through aws-sign-request versus `aws ec2 describe-images`, whole
# processes, alternating pairs, against the same emulator; prints both medians, the median of
# the pairs' ratios with its spread, and the machine's load.
set -euo pipefail
. "$(dirname "$0")/pairs.sh"
bin=$1 aws=$2 runs=${3:-25}
request='{"service":"ec2","headers":{"Content-Type":"application/x-www-form-urlencoded; charset=utf-8"},"body":"Action=DescribeImages&Version=2016-11-15&Owner.1=099720109477"}'
ours=() theirs=()
ms() { date +%s%N; }
for _ in $(seq "$runs"); do
  t0=$(ms); "$bin/aws-sign-request" <<<"$request" >/dev/null; t1=$(ms)
  "$aws" ec2 describe-images --owners 099720109477 >/dev/null; t2=$(ms)
  ours+=($(( (t1 - t0) / 1000 ))) theirs+=($(( (t2 - t1) / 1000 )))
done
m1=$(median "${ours[@]}") m2=$(median "${theirs[@]}")
awk -v a="$m1" -v b="$m2" -v n="$runs" -v load="$(load)" -v ratio="$(pair_ratio "${ours[*]}" "${theirs[*]}")" 'BEGIN {
  printf "bench-sign: DescribeImages, %d alternating pairs (%s)\n", n, load
  printf "  aws-sign-request        median %8.1f ms\n", a/1000
  printf "  aws ec2 describe-images median %8.1f ms\n", b/1000
  printf "  ratio %s (target: at least 20x)\n", ratio }'

#!/usr/bin/env bash
# A deploy without changes (the common re-run), whole processes, alternating: cfn-deploy versus
# `aws cloudformation deploy`, against the same emulator and stack; prints both medians, the
# ratio and cfn-deploy's peak memory. The emulator's ValidateTemplate runs cfn-lint (about a
# second), which only cfn-deploy calls, so the ratio understates the tools' own difference.
set -euo pipefail
. "$(dirname "$0")/pairs.sh"
bin=$1 aws=$2 runs=${3:-5}
stack=Bench-Cfn-$$ template=stacks/ec2-instance.yaml
# Every parameter given, defaults too: moto compares the given set, not the resolved one.
group=$("$bin/aws-sign-request" -r --filter '.json.securityGroupInfo[0].groupId' \
  <<<'{"service":"ec2","body":"Action=DescribeSecurityGroups&Version=2016-11-15&Filter.1.Name=group-name&Filter.1.Value.1=default"}')
params=(ImageId=ami-0a2b3c4d5e6f70001 KeyName=sandbox-bench-abcdef SecurityGroupId="$group" Owner=bench AssetId=bench
  InstanceType=t3.large RootVolumeSize=30 RootDeviceName=/dev/sda1 VpcId= SubnetId=
  ProjectName=data-science-sandbox AssetTagKey=asset-id)
"$bin/cfn-deploy" --stack "$stack" --template "$template" "${params[@]/#/--param=}" >/dev/null 2>&1
ours=() theirs=()
ms() { date +%s%N; }
for _ in $(seq "$runs"); do
  t0=$(ms); "$bin/cfn-deploy" --stack "$stack" --template "$template" "${params[@]/#/--param=}" >/dev/null 2>&1; t1=$(ms)
  "$aws" cloudformation deploy --stack-name "$stack" --template-file "$template" --no-fail-on-empty-changeset \
    --parameter-overrides "${params[@]}" >/dev/null 2>&1; t2=$(ms)
  ours+=($(( (t1 - t0) / 1000 ))) theirs+=($(( (t2 - t1) / 1000 )))
done
rss=$(/usr/bin/time -f %M "$bin/cfn-deploy" --stack "$stack" --template "$template" "${params[@]/#/--param=}" 2>&1 >/dev/null | tail -1)
"$bin/cfn-deploy" --delete --stack "$stack" >/dev/null 2>&1
m1=$(median "${ours[@]}") m2=$(median "${theirs[@]}")
awk -v a="$m1" -v b="$m2" -v n="$runs" -v rss="$rss" -v load="$(load)" -v ratio="$(pair_ratio "${ours[*]}" "${theirs[*]}")" 'BEGIN {
  printf "bench-cfn: deploy without changes, %d alternating pairs (%s)\n", n, load
  printf "  cfn-deploy                   median %8.1f ms, peak RSS %d KiB\n", a/1000, rss
  printf "  aws cloudformation deploy    median %8.1f ms\n", b/1000
  printf "  ratio %s\n", ratio }'

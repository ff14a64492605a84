#!/usr/bin/env bash
# list-assets over a seeded account (2,500 objects, 60 stacks, AMIs, snapshots, exports, key
# pairs) versus the same listing done with aws CLI calls: the six listings, then the resources
# of each matched stack. Each side is one process group, timed whole, alternating; prints the
# medians and the ratio, and checks that both sides found everything.
set -euo pipefail
. "$(dirname "$0")/pairs.sh"
bin=$1 aws=$2 python=$3 runs=${4:-5}
id="bench-assets-$$" bucket="bench-assets-$$" work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "bench-assets: seeding $id (takes ~15 s)" >&2
"$python" Tests/seed_assets.py --asset-id "$id" --bucket "$bucket" > "$work/seed.json"
expected=$("$python" -c 'import json,sys; print(sum(len(v) for v in json.load(open(sys.argv[1])).values()))' "$work/seed.json")

theirs() { # the CLI equivalent, sequential as a script would run it
  local f="Name=tag:asset-id,Values=$id"
  "$aws" ec2 describe-images --owners self --filters "$f" > "$work/images.json"
  "$aws" ec2 describe-snapshots --owner-ids self --filters "$f" > "$work/snapshots.json"
  "$aws" ec2 describe-export-image-tasks --filters "$f" > "$work/exports.json"
  "$aws" ec2 describe-key-pairs --filters "$f" > "$work/keys.json"
  "$aws" cloudformation describe-stacks > "$work/stacks.json"
  "$aws" s3api list-objects-v2 --bucket "$bucket" --prefix "images/$id/" > "$work/objects.json"
  date +%s%N > "$work/six-done"
  "$python" -c "$matched" "$work/stacks.json" "$id" | while read -r stack; do "$aws" cloudformation list-stack-resources --stack-name "$stack"; done > "$work/resources.json"
}

# The stacks tagged with the asset-id (DescribeStacks has no tag filter).
matched='import json, sys
for s in json.load(open(sys.argv[1]))["Stacks"]:
    if any(t["Key"] == "asset-id" and t["Value"] == sys.argv[2] for t in s.get("Tags", [])): print(s["StackId"])'

ms() { date +%s%N; }
ours=() full=() six=()
for _ in $(seq "$runs"); do
  t0=$(ms); "$bin/list-assets" --asset-id "$id" --bucket "$bucket" > "$work/ours.json"; t1=$(ms)
  (theirs); t2=$(ms)
  ours+=($(( (t1 - t0) / 1000 ))) full+=($(( (t2 - t1) / 1000 ))) six+=($(( ($(cat "$work/six-done") - t1) / 1000 )))
done

found=$("$python" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$work/ours.json")
cli=$("$python" - "$work" "$id" <<'PY'
import json, sys
work, asset = sys.argv[1], sys.argv[2]
def load(name): return json.load(open(f"{work}/{name}.json"))
stacks = [s for s in load("stacks")["Stacks"] if any(t["Key"] == "asset-id" and t["Value"] == asset for t in s.get("Tags", []))]
print(len(load("images")["Images"]) + len(load("snapshots")["Snapshots"]) + len(load("keys")["KeyPairs"])
      + len([t for t in load("exports")["ExportImageTasks"] if t["Status"] == "active"]) + len(stacks)
      + len(load("objects").get("Contents", [])))
PY
)
rss=$( { /usr/bin/time -f %M "$bin/list-assets" --asset-id "$id" --bucket "$bucket" > /dev/null; } 2>&1 )
"$bin/list-assets" --asset-id "$id" --bucket "$bucket" | "$bin/purge-assets" --yes > /dev/null

m1=$(median "${ours[@]}") m2=$(median "${full[@]}") m3=$(median "${six[@]}")
awk -v a="$m1" -v b="$m2" -v c="$m3" -v n="$runs" -v found="$found" -v cli="$cli" -v expected="$expected" -v rss="$rss" \
  -v load="$(load)" -v ratio="$(pair_ratio "${ours[*]}" "${full[*]}")" -v ratio6="$(pair_ratio "${ours[*]}" "${six[*]}")" 'BEGIN {
  printf "bench-assets: list-assets over %d seeded assets, %d alternating pairs (%s)\n", expected, n, load
  printf "  list-assets                        median %8.1f ms  (%d assets, max RSS %d KB)\n", a/1000, found, rss
  printf "  aws CLI, same listing              median %8.1f ms  (%d assets + the resources of each stack)\n", b/1000, cli
  printf "  aws CLI, the six listings only     median %8.1f ms\n", c/1000
  printf "  ratio %s (target: at least 10x); without stack resources %s\n", ratio, ratio6
  if (found != expected || cli != expected) { printf "  INCOMPLETE: expected %d\n", expected; exit 1 } }'

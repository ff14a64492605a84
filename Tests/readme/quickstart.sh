#!/usr/bin/env bash
# The README's quick start, run as a person pastes it, against the emulator; then three everyday
# compositions: jq over typed output, a pipeline across two tools, list → purge dry run → purge.
# The commands are read from the README's first sh block under "## Quick start", so the README
# cannot drift from what is tested. What differs from a real account: the emulator's environment
# (endpoint, keys, Region); the VM bucket stack deployed into it first (once per account, "A
# release on a real account"); SKIP_INSTALL=1 (the emulator's instances run no operating system,
# so no playbooks); NO_BUILD=1 (the block's own `make build` comes first); the asset-id 1.2.0
# replaced by one of this run; the password typed on stdin. Run from the repository's top, with
# the emulator running (EMULATOR_ENV); BIN is where `make build` puts the tools. One line per
# check, "N passed, N failed" last; exit 1 on a failure.
set -uo pipefail
: "${EMULATOR_ENV:?}" "${BIN:?}"
readme=${README:-README.md}
set -a; . "$EMULATOR_ENV"; set +a
export SKIP_INSTALL=1 NO_BUILD=1
run=$$
id=qs-$run
password="quickstart-$RANDOM-$RANDOM"
vm_stack=DATA-SCIENCE-SANDBOX-VM-Bucket
logs=$(mktemp -d)
passed=0 failed=0
check() {  # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok - $name"; else failed=$((failed + 1)); echo "not ok - $name"; fi
}
equals() { [ "$1" = "$2" ] || { echo "  expected '$2', got '$1'" >&2; return 1; }; }
ec2() {  # ec2 QUERY: one EC2 query request for aws-sign-request
  printf '{"service":"ec2","headers":{"Content-Type":"application/x-www-form-urlencoded"},"body":"%s"}' \
    "Version=2016-11-15&$1"
}
kinds() {  # how many assets of each kind the asset-id has
  "$BIN/list-assets" --asset-id "$id" -c --filter 'map(.Kind) | group_by(.) | map({(.[0]): length}) | add // {}'
}
made_stack=
cleanup() {
  "$BIN/list-assets" --asset-id "$id" 2>/dev/null | "$BIN/purge-assets" --yes --asset-id "$id" >/dev/null 2>&1
  rm -rf "build/$id"
  # The VM bucket stack goes again when this run made it: the CodeBuild tests need an account without it.
  [ -z "$made_stack" ] || "$BIN/cfn-deploy" </dev/null --delete --stack $vm_stack >/dev/null 2>&1
  rm -rf "$logs"
}
trap cleanup EXIT

# --- Before the quick start: the VM bucket stack, by a pipeline of two cfn-deploy ----------------
if ! "$BIN/cfn-deploy" </dev/null --describe --stack $vm_stack >/dev/null 2>&1; then made_stack=1; fi
bucket=$("$BIN/cfn-deploy" --stack $vm_stack --template stacks/vm-bucket.yaml 2>"$logs/stack.err" \
  | "$BIN/cfn-deploy" --describe -r --filter .Outputs.BucketName 2>>"$logs/stack.err")
check "pipeline: cfn-deploy --stack … --template … | cfn-deploy --describe gives the VM bucket" [ -n "$bucket" ]

# --- The quick start, line by line in one shell --------------------------------------------------
block=$(awk '/^## Quick start/ { on = 1; next } on && /^## / { exit }
  on && /^```sh$/ { inside = 1; next } inside && /^```$/ { exit } inside' "$readme")
commands=()
while IFS= read -r line; do
  line=${line%%  #*}  # a comment after two spaces
  line=${line%"${line##*[! ]}"}
  [ -z "$line" ] || commands+=("${line//1.2.0/$id}")
done <<<"$block"
expected='make build|export PATH=|list-assets --asset-id|read |make release |list-assets --asset-id|make purge '
check "the quick start is the README's block of ${#commands[@]} commands, in the order tested here" equals \
  "$(printf '%s\n' "${commands[@]}" | grep -oE '^(make build|export PATH=|list-assets --asset-id|read |make release |make purge )' \
    | paste -sd '|')" "$expected"
n=0
for command in "${commands[@]}"; do
  n=$((n + 1))
  started=$SECONDS
  eval "$command" <<<"$password" >"$logs/$n.out" 2>"$logs/$n.err"; rc=$?
  check "quick start: ${command//$id/1.2.0} ($((SECONDS - started)) s)" equals "$rc" 0
  [ $rc -eq 0 ] || tail -n 20 "$logs/$n.err" | sed 's/^/  /' >&2
  case $command in
    "export PATH="*)
      check "and the tools are found by name" equals "$(command -v list-assets)" "$PWD/.build/release/list-assets" ;;
    "list-assets --asset-id '*'"*)
      check "and it prints a JSON array (stdout is no terminal)" jq -e 'type == "array"' "$logs/$n.out" >/dev/null ;;
    read*)
      check "and the typed password is exported, on no command line" equals "$(printenv SANDBOX_DEFAULT_PASSWORD)" "$password" ;;
    "make release "*)
      check "and it leaves the AMI, its snapshot, three images and their export tasks" \
        equals "$(kinds)" '{"ami":1,"export-image-task":3,"s3-object":3,"snapshot":1}' ;;
    "list-assets --asset-id $id |"*)
      check "and it prints the three images' CloudFront addresses" equals \
        "$(grep -cE "^https://[^/]+/images/$id/data-science-sandbox-$id\.(vmdk|vhd|raw)$" "$logs/$n.out")" 3 ;;
    "make purge "*)
      check "and the dry run lists what it would remove, removing nothing" equals \
        "$(grep -c '"would remove"' "$logs/$n.out")+$(kinds)" '5+{"ami":1,"export-image-task":3,"s3-object":3,"snapshot":1}' ;;
  esac
done

# --- jq over typed output: numbers and booleans are JSON's, lists always arrays --------------------
snapshots=$(ec2 "Action=DescribeSnapshots&Owner.1=self&Filter.1.Name=tag%3Aasset-id&Filter.1.Value.1=$id" | aws-sign-request)
check "jq: DescribeSnapshots gives encrypted as a boolean, volumeSize as a number" equals \
  "$(jq -c '[.json.snapshotSet[] | [(.encrypted | type), (.volumeSize | type)]]' <<<"$snapshots")" '[["boolean","number"]]'
check "jq: select(.encrypted) picks none of the release's unencrypted snapshots" equals \
  "$(jq '[.json.snapshotSet[] | select(.encrypted)] | length' <<<"$snapshots")" 0
listing=$(jq -n --arg path "/$bucket" '{service: "s3", method: "GET", path: $path, query: {"list-type": "2", prefix: "none/"}}' \
  | aws-sign-request)
check "jq: an empty ListObjectsV2 has Contents [], IsTruncated false, KeyCount 0" equals \
  "$(jq -c '[[.json.Contents[].Key], .json.IsTruncated, .json.KeyCount]' <<<"$listing")" '[[],false,0]'
check "jq: list-assets' sizes are numbers, summed by jq" equals \
  "$(list-assets --asset-id "$id" --kinds s3-object | jq -c '[(map(.Size | type) | unique), (map(.Size) | add > 0)]')" \
  '[["number"],true]'

# --- A pipeline across two tools: what keypair made, tag-assets reads -----------------------------
tagged=$(keypair create --asset-id "$id" --key-file "$logs/key.pem" 2>"$logs/keypair.err" | tag-assets --asset-id "$id" 2>"$logs/tag.err")
check "pipeline: keypair create | tag-assets tags the new pair (KeyPairId)" equals \
  "$(jq -r '.[]' <<<"$tagged" 2>/dev/null)" "$(list-assets --asset-id "$id" --kinds key-pair -r --filter '.[].Id')"

# --- list → purge dry run → purge ------------------------------------------------------------------
before=$(kinds)
list-assets --asset-id "$id" | purge-assets --asset-id "$id" >"$logs/dry.out" 2>"$logs/dry.err"; rc=$?
check "purge: the dry run exits 0, every line would remove or would untag" equals \
  "$rc+$(jq -r .Outcome "$logs/dry.out" | sort -u | paste -sd ,)" "0+would remove,would untag"
check "and removes nothing" equals "$(kinds)" "$before"
list-assets --asset-id "$id" | purge-assets --asset-id "$id" --yes >"$logs/yes.out" 2>"$logs/yes.err"; rc=$?
check "purge --yes exits 0, every line removed or untagged" equals \
  "$rc+$(jq -r .Outcome "$logs/yes.out" | sort -u | paste -sd ,)" "0+removed,untagged"
check "and list-assets finds nothing left" equals "$(list-assets --asset-id "$id" -c)" "[]"

echo "quickstart: $passed passed, $failed failed"
[ $failed -eq 0 ]

#!/usr/bin/env bash
# End to end: `make release` against the emulator, run, interrupted and refused as a person would.
# Needs the emulator running (EMULATOR_ENV) and the tools built (BIN). Prints one line per
# check and a closing "N passed, N failed". Whatever happens, the exit trap stops the releases
# it started and removes what they made.
set -uo pipefail
: "${EMULATOR_ENV:?}" "${BIN:?}"
set -a; . "$EMULATOR_ENV"; set +a
logs=$(mktemp -d)
run=$$
bucket=e2e-images-$run
passed=0 failed=0
check() {  # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok - $name"; else failed=$((failed + 1)); echo "not ok - $name"; fi
}
equals() { [ "$1" = "$2" ] || { echo "  expected '$2', got '$1'" >&2; return 1; }; }
sign() { "$BIN/aws-sign-request" "$@"; }
control() {  # control PATH [JSON]: the emulator's control endpoints (GET, or POST with a body)
  jq -n --arg url "$AWS_ENDPOINT_URL/_emulator/$1" --arg body "${2:-}" \
    '{service: "s3", url: $url} + if $body == "" then {method: "GET"}
      else {headers: {"Content-Type": "application/json"}, body: $body} end' \
    | sign -c --filter .json
}
emulator() { control config "$1" >/dev/null; }
requests() { control requests | jq .count; }
count() { "$BIN/list-assets" --asset-id "$1" -r --filter "map(select(.Kind == \"$2\")) | length"; }
instances() {  # how many instances the asset-id ever had (terminated ones included)
  local form="Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3Aasset-id&Filter.1.Value.1=$1"
  sign -r --filter '[.json.reservationSet[].instancesSet[]] | length' \
    <<<"{\"service\":\"ec2\",\"headers\":{\"Content-Type\":\"application/x-www-form-urlencoded\"},\"body\":\"$form\"}"
}

export VM_BUCKET=$bucket  # where list-assets looks for the images
sign <<<"{\"service\":\"s3\",\"method\":\"PUT\",\"path\":\"/$bucket\",\"body\":\"<CreateBucketConfiguration><LocationConstraint>$AWS_REGION</LocationConstraint></CreateBucketConfiguration>\"}" >/dev/null
export SANDBOX_DEFAULT_PASSWORD="e2e-$RANDOM-$RANDOM-password"
export_seconds=$(control config | jq .exportSeconds)
# PREFLIGHT=: this bucket and export role are bare stand-ins that make preflight rightly refuses;
# preflight runs in the release under the release role (Tests/codebuild) and in make demo.
release_args=(--no-print-directory release SKIP_INSTALL=1 NO_BUILD=1 VM_BUCKET="$bucket" EXPORT_ROLE=vmimport
  FORMATS="vmdk vhd" SOURCE_CIDR=198.51.100.7/32 PREFLIGHT=)
release() { make "${release_args[@]}" "$@"; }
background=  # a release running in the background, in its own process group
start_release() {  # start_release ID LOG: job control gives it a process group that SIGINT reaches
  # with SIGINT and SIGTERM at their defaults, as a terminal's foreground job has them: when this
  # script was started in the background of a shell without job control (`make test &`, CI
  # runners), it inherits SIGINT ignored, and so would the release (make keeps an ignored signal
  # ignored), which then ran to its end and exited 0.
  set -m; env --default-signal=INT,TERM make "${release_args[@]}" ASSET_ID="$1" >"$2" 2>&1 & background=$!; set +m
}
signal_release() {  # signal_release SIGNAL: signal the whole group, as a terminal or CodeBuild would
  kill -"$1" -- -"$background" 2>/dev/null; wait "$background"; local rc=$?; background=; return $rc
}
cleanup() {
  [ -z "$background" ] || { kill -TERM -- -"$background" 2>/dev/null; wait "$background"; }
  emulator "{\"faultRate\":0,\"exportSeconds\":$export_seconds}"
  for dir in build/e2e-*-"$run"; do
    [ -d "$dir" ] || continue
    "$BIN/list-assets" --asset-id "${dir#build/}" | "$BIN/purge-assets" --yes --asset-id "${dir#build/}" >/dev/null 2>&1
    rm -rf "$dir"
  done
  "$BIN/cfn-deploy" </dev/null --delete --stack DATA-SCIENCE-SANDBOX-RELEASE-CODEBUILD >/dev/null 2>&1
  sign <<<"{\"service\":\"s3\",\"method\":\"DELETE\",\"path\":\"/$bucket\"}" >/dev/null 2>&1
  rm -rf "$logs"
}
trap cleanup EXIT
no_leftovers() {  # no stack, key pair or security group of the asset-id, no half-written state file
  equals "$(count "$1" stack)+$(count "$1" key-pair)+$(count "$1" security-group)+$(ls "build/$1"/*.tmp 2>/dev/null | wc -l)" "0+0+0+0"
}
clean_result() {  # exactly one AMI, its snapshot, the two images, the two export tasks
  local kinds
  kinds=$("$BIN/list-assets" --asset-id "$1" -c --filter 'map(.Kind) | group_by(.) | map({(.[0]): length}) | add')
  equals "$kinds" '{"ami":1,"export-image-task":2,"s3-object":2,"snapshot":1}'
}
images_result() {  # one AMI, its snapshot and the two images (cancelled export tasks stay on record)
  local kinds
  kinds=$("$BIN/list-assets" --asset-id "$1" -c \
    --filter 'map(select(.Kind != "export-image-task") | .Kind) | group_by(.) | map({(.[0]): length}) | add')
  equals "$kinds" '{"ami":1,"s3-object":2,"snapshot":1}'
}
refused() {  # refused RC LOG: exit 2 with exactly one line on stderr
  equals "$1+$(wc -l <"$2")" "2+1"
}
explained() {  # explained RC LOG PATTERN: exit 2, and the first line on stderr says why
  equals "$1+$(head -n 1 "$2" | grep -cE "$3")" "2+1"
}

# --- Refused at the edge: exit 2, one line, nothing run, nothing sent ---------------------------
before=$(requests)
make --no-print-directory -n release ASSET_ID="x\$(shell touch $logs/pwned)" >/dev/null 2>"$logs/shell.err"
check "ASSET_ID with \$(shell …) is refused under make -n (exit 2, one line)" refused $? "$logs/shell.err"
check "and its \$(shell …) did not run" [ ! -e "$logs/pwned" ]
make --no-print-directory release NO_BUILD=1 ASSET_ID="\$\$(touch $logs/pwned)" >/dev/null 2>"$logs/subst.err"
check "ASSET_ID with \$\$(…) is refused, and nothing ran" refused $? "$logs/subst.err"
check "and its command did not run" [ ! -e "$logs/pwned" ]
release ASSET_ID=../../e2e-escape-$run >/dev/null 2>"$logs/dots.err"
check "ASSET_ID=../../x is refused" refused $? "$logs/dots.err"
check "and nothing was written outside build/" [ ! -e "../e2e-escape-$run" ]
release ASSET_ID=e2e-quote-$run VM_BUCKET="b\",x:env.AWS_SECRET_ACCESS_KEY,y:\"" >/dev/null 2>"$logs/quote.err"
check "a quote in VM_BUCKET is refused" refused $? "$logs/quote.err"
release ASSET_ID=e2e-size-$run COPY_THRESHOLD=lots >/dev/null 2>"$logs/size.err"
check "COPY_THRESHOLD=lots is refused" refused $? "$logs/size.err"
make "${release_args[@]}" ASSET_ID=e2e-cidr-$run SOURCE_CIDR= >/dev/null 2>"$logs/cidr.err"
check "no SOURCE_CIDR: exit 2, saying SOURCE_CIDR or ALLOW_ANY_SOURCE=1" \
  explained $? "$logs/cidr.err" "SOURCE_CIDR.*ALLOW_ANY_SOURCE=1"
make "${release_args[@]}" ASSET_ID=e2e-cidr-$run SOURCE_CIDR=0.0.0.0/0 >/dev/null 2>"$logs/any.err"
check "SOURCE_CIDR=0.0.0.0/0 without ALLOW_ANY_SOURCE=1 is refused" explained $? "$logs/any.err" "ALLOW_ANY_SOURCE=1"
make "${release_args[@]}" ASSET_ID=e2e-sg-$run SOURCE_CIDR= SOURCE_SECURITY_GROUP=sg-0123456789abcdef0 \
  >/dev/null 2>"$logs/sg.err"
check "SOURCE_SECURITY_GROUP without VPC_ID and SUBNET_ID is refused, saying so" explained $? "$logs/sg.err" "VPC_ID"
make "${release_args[@]}" ASSET_ID=e2e-sg-$run SOURCE_SECURITY_GROUP=sg-0123456789abcdef0 VPC_ID=vpc-0123456789abcdef0 \
  SUBNET_ID=subnet-0123456789abcdef0 >/dev/null 2>"$logs/sg-cidr.err"
check "SOURCE_SECURITY_GROUP and SOURCE_CIDR together are refused" explained $? "$logs/sg-cidr.err" "not both"
make --no-print-directory purge NO_BUILD=1 ASSET_ID=e2e-purge-$run CONFIRM=1 >/dev/null 2>"$logs/confirm.err"
check "purge CONFIRM=1 is refused, not a silent dry run" refused $? "$logs/confirm.err"
check "and says CONFIRM=yes" grep -q "CONFIRM=yes" "$logs/confirm.err"
check "none of these sent a request" equals "$(requests)" "$before"
make --no-print-directory show-assets NO_BUILD=1 ASSET_ID='1.2.[0-9]' >/dev/null 2>"$logs/bracket.err"
check "show-assets ASSET_ID='1.2.[0-9]' is refused, saying the wildcards are * and ?" \
  explained $? "$logs/bracket.err" "wildcards \\* .* and \\? "
make --no-print-directory purge NO_BUILD=1 ASSET_ID=e2e-purge-$run >/dev/null 2>"$logs/dry.err"; rc=$?
check "a purge dry run exits 0 and says how to confirm" equals "$rc+$(grep -c 'CONFIRM=yes' "$logs/dry.err")" "0+1"
stack_name() {
  make --no-print-directory -s --eval 'e2e-stack-name: ; @echo $(EC2_STACK)' e2e-stack-name ASSET_ID="$1"
}
check "1.2.0, 1_2_0 and 1-2-0 have three stacks" equals \
  "$(for id in 1.2.0 1_2_0 1-2-0; do stack_name $id; done | sort -u | wc -l)" 3
# make demo and make bench-sign run inside with_emulator: an emulator already running stays running.
make --no-print-directory -s --eval 'e2e-probe: ; @$(call with_emulator,help)' e2e-probe >/dev/null 2>&1; rc=$?
check "with_emulator (demo, bench-sign) leaves the running emulator running" \
  equals "$rc+$(control health | jq .ready)" "0+true"
check "make help shows no unresolved make variable" \
  equals "$(make --no-print-directory help EMULATOR_PORT=5123 | grep -cF '$(')" 0

# REGION reaches every target that talks to AWS: a key pair in us-east-1 is shown and purged there.
id=e2e-region-$run
"$BIN/keypair" create --region us-east-1 --asset-id $id --key-file "$logs/$id.pem" >"$logs/$id.json"
rm -f "$logs/$id.pem"  # only the pair is needed; the secrets check below reads every log
pair=$(jq -r .KeyPairId "$logs/$id.json")
make --no-print-directory show-assets NO_BUILD=1 ASSET_ID=$id REGION=us-east-1 >"$logs/$id-show.txt" 2>&1; rc=$?
check "make show-assets REGION=us-east-1 lists that Region, in its REGION column" \
  equals "$rc+$(grep -c "^key-pair  *$pair .* us-east-1$" "$logs/$id-show.txt")" "0+1"
check "and without REGION, the default Region's list does not have it" \
  equals "$(make --no-print-directory -s show-assets NO_BUILD=1 ASSET_ID=$id | grep -c "$pair")" 0
make --no-print-directory purge NO_BUILD=1 ASSET_ID=$id REGION=us-east-1 CONFIRM=yes >/dev/null 2>&1; rc=$?
check "make purge REGION=us-east-1 removes it there" \
  equals "$rc+$("$BIN/list-assets" --region us-east-1 --asset-id $id --kinds key-pair -r --filter length)" "0+0"

# --- A whole release, then again -----------------------------------------------------------------
id=e2e-full-$run
release ASSET_ID=$id >"$logs/full.log" 2>&1; rc=$?
check "a full release with two formats exits 0" equals "$rc" 0
check "it leaves exactly the AMI, its snapshot, the images and the export tasks" clean_result $id
check "the images are named after the release" equals "$("$BIN/list-assets" --asset-id $id --kinds s3-object -c --filter 'map(.Id) | sort')" \
  "[\"images/$id/data-science-sandbox-$id.vhd\",\"images/$id/data-science-sandbox-$id.vmdk\"]"
check "a finished release keeps teardown.stamp, not the instance's files" equals \
  "$(cd build/$id && ls -d teardown.stamp keypair.json stack.json instance.json key.pem 2>/dev/null)" teardown.stamp
before=$(requests)
release ASSET_ID=$id >"$logs/again.log" 2>&1; rc=$?
check "a second run exits 0 and sends no request (no key pair, stack or instance)" equals "$rc+$(requests)" "0+$before"

# --- Nothing ships unverified: images that fail verify-image are neither public nor reported -----
# (the placeholder bytes are no bootable image: verify.sh refuses or fails them)
id=e2e-unverified-$run
VERIFY_TIMEOUT=5 release ASSET_ID=$id VERIFY_DOWNLOADS=1 MAKE_PUBLIC=1 FORMATS=vmdk >"$logs/unverified.log" 2>&1; rc=$?
check "a release whose image fails verify-image fails" equals "$rc+$(grep -c '^release: failed' "$logs/unverified.log")" "2+1"
check "and it neither made the AMI public nor wrote assets.md" \
  equals "$(ls build/$id/public.stamp build/$id/assets.md 2>/dev/null | wc -l)+$(grep -c make-public "$logs/unverified.log")" "0+0"
check "and its image stayed in the staging prefix, which CloudFront does not serve" equals \
  "$("$BIN/list-assets" --asset-id $id --kinds s3-object -c --filter 'map(.Id | split("/")[0])')" '["staging"]'

# --- A plain failure (faults that exhaust the retries), then a resume ---------------------------
id=e2e-fail-$run
emulator "{\"faultRate\":1,\"faultLimit\":$(( $(control requests | jq .faulted) + 3 ))}"
AWS_MAX_ATTEMPTS=3 release ASSET_ID=$id >"$logs/fail.log" 2>&1; rc=$?
emulator '{"faultRate":0,"faultLimit":null}'
check "a failure exits 2 and says failed" equals "$rc+$(grep -c '^release: failed' "$logs/fail.log")" "2+1"
check "the failure leaves no stack, key pair or temporary file" no_leftovers $id
release ASSET_ID=$id >"$logs/fail-resume.log" 2>&1; rc=$?
check "the release after the failure completes" equals "$rc" 0
check "and leaves exactly one of everything" clean_result $id

# --- Signals at each step: the teardown runs, the exit is 143 (130), the next run completes ----
interrupt() {  # interrupt ID SIGNAL WHEN: start a release, signal it once WHEN succeeds, then resume
  local id=$1 signal=$2 when=$3 rc
  start_release "$id" "$logs/$id.log"
  for _ in $(seq 1500); do  # 30 s at most
    eval "$when" && break
    kill -0 "$background" 2>/dev/null || break
    sleep 0.02
  done
  check "$id: the release reached the point to signal" eval "$when"
  signal_release "$signal"; rc=$?
  local expected=$([ "$signal" = INT ] && echo 130 || echo 143)
  check "$id: SIG$signal exits $expected and says interrupted" \
    equals "$rc+$(grep -c "^release: interrupted (SIG$signal)" "$logs/$id.log")" "$expected+1"
  check "$id: no stack, key pair or temporary file is left" no_leftovers "$id"
  release ASSET_ID="$id" >"$logs/$id-resume.log" 2>&1; rc=$?
  check "$id: the release after SIG$signal completes" equals "$rc" 0
}
for stage in source-ami keypair stack instance ami; do
  signal=TERM; [ $stage != stack ] || signal=INT
  id=e2e-$stage-$run
  interrupt $id $signal "[ -f build/$id/$stage.json ]"
  if [ $stage = ami ]; then
    check "$id: the resume made no second instance" equals "$(instances $id)" 1
    check "$id: and exactly one AMI and the images" images_result $id
  else
    check "$id: and leaves exactly one of everything" clean_result $id
  fi
done

# During the exports (they take exportSeconds) and during the teardown beside them.
emulator '{"exportSeconds":4}'
id=e2e-exports-$run
interrupt $id TERM "grep -q 'ami-export export' $logs/$id.log && sleep 1"
check "$id: the resume exported only: no key pair, stack, instance or AMI step" \
  equals "$(grep -cE 'keypair create|cfn-deploy .*--stack EC2|ami-export image' "$logs/$id-resume.log")" 0
check "$id: no second instance" equals "$(instances $id)" 1
check "$id: exactly one AMI and the images" images_result $id
id=e2e-teardown-$run
interrupt $id TERM "grep -q -- '--delete --stack' $logs/$id.log"
check "$id: no second instance" equals "$(instances $id)" 1
check "$id: exactly one AMI and the images" images_result $id
emulator "{\"exportSeconds\":$export_seconds}"

# Throttling, SlowDown and dropped connections on 30% of the requests: still one of everything.
id=e2e-faults-$run
emulator '{"faultRate":0.3,"faultKinds":["throttling","slowdown","drop"]}'
AWS_MAX_ATTEMPTS=8 release ASSET_ID=$id >"$logs/faults.log" 2>&1; rc=$?
emulator '{"faultRate":0}'
check "with 30% faults the release completes" equals "$rc" 0
check "with 30% faults there are no duplicates" clean_result $id

# The release in CodeBuild (make start-release, the real buildspec under the release role):
# Tests/codebuild/test_release_project.py.

# --- The README's other promises: KEEP_ON_ERROR=1, make teardown, MAKE_PUBLIC=1, show-assets, purge CONFIRM=yes
id=e2e-keep-$run
KEEP_ON_ERROR=1 start_release "$id" "$logs/$id.log"
for _ in $(seq 1500); do { [ -f "build/$id/stack.json" ] || ! kill -0 "$background" 2>/dev/null; } && break; sleep 0.02; done
signal_release TERM; rc=$?
check "$id: KEEP_ON_ERROR=1 and SIGTERM: exit 143, the stack and key pair are kept" \
  equals "$rc+$(count $id stack)+$(count $id key-pair)" "143+1+1"
make --no-print-directory teardown NO_BUILD=1 ASSET_ID=$id >"$logs/$id-teardown.log" 2>&1; rc=$?
check "$id: make teardown removes them" equals "$rc+$(count $id stack)+$(count $id key-pair)" "0+0+0"
release ASSET_ID=$id MAKE_PUBLIC=1 >"$logs/$id-public.log" 2>&1; rc=$?
ami=$(jq -r .ImageId "build/$id/ami.json" 2>/dev/null)
public=$(sign -r --filter '.json.imagesSet[0].isPublic' <<<"{\"service\":\"ec2\",\"headers\":{\"Content-Type\":
  \"application/x-www-form-urlencoded\"},\"body\":\"Action=DescribeImages&Version=2016-11-15&ImageId.1=$ami\"}")
check "$id: the release with MAKE_PUBLIC=1 completes and its AMI is public" equals "$rc+$public" "0+true"
make --no-print-directory show-assets NO_BUILD=1 ASSET_ID=$id >"$logs/$id-show.txt" 2>&1; rc=$?
check "$id: make show-assets lists the AMI" equals "$rc+$(grep -qF "$ami" "$logs/$id-show.txt" && echo listed)" "0+listed"
make --no-print-directory purge NO_BUILD=1 ASSET_ID=$id CONFIRM=yes >"$logs/$id-refused.log" 2>&1; rc=$?
check "$id: make purge CONFIRM=yes keeps the published AMI and its two images (exit 2)" \
  equals "$rc+$(count $id ami)+$(count $id s3-object)" "2+1+2"
make --no-print-directory purge NO_BUILD=1 ASSET_ID=$id CONFIRM=yes INCLUDE_PUBLISHED=1 >"$logs/$id-purge.log" 2>&1; rc=$?
check "$id: with INCLUDE_PUBLISHED=1 it removes everything it lists" \
  equals "$rc+$("$BIN/list-assets" --asset-id $id -r --filter length)" "0+0"

# No secret in any output, log or state file.
secrets_absent() {
  ! grep -rqF -e "$AWS_SECRET_ACCESS_KEY" -e "$SANDBOX_DEFAULT_PASSWORD" -e "PRIVATE KEY" "$logs" build/e2e-*-"$run"/
}
check "no secret key, private key or password in any output" secrets_absent

[ $failed -eq 0 ] || { echo "logs of the failed run:"; tail -n 30 "$logs"/*.log; }
echo "e2e: $passed passed, $failed failed"
[ $failed -eq 0 ]

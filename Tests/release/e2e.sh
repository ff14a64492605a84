#!/usr/bin/env bash
# End to end: `make release` against the emulator, run and interrupted as a person would.
# Needs the emulator running (EMULATOR_ENV) and the tools built (BIN). Prints one line per
# check and a closing "N passed, N failed".
set -uo pipefail
: "${EMULATOR_ENV:?}" "${BIN:?}"
set -a; . "$EMULATOR_ENV"; set +a
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
passed=0 failed=0
check() {  # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok - $name"; else failed=$((failed + 1)); echo "not ok - $name"; fi
}
equals() { [ "$1" = "$2" ] || { echo "  expected '$2', got '$1'" >&2; return 1; }; }
sign() { "$BIN/aws-sign-request" "$@"; }
emulator() { sign -c --filter .json <<<"{\"service\":\"s3\",\"url\":\"$AWS_ENDPOINT_URL/_emulator/config\",\"headers\":{\"Content-Type\":\"application/json\"},\"body\":$(jq -c tojson <<<"$1")}" >/dev/null; }
count() { "$BIN/list-assets" --asset-id "$1" -r --filter "map(select(.kind == \"$2\")) | length"; }

bucket=e2e-images-$$
export VM_BUCKET=$bucket  # where list-assets looks for the images
sign <<<"{\"service\":\"s3\",\"method\":\"PUT\",\"path\":\"/$bucket\",\"body\":\"<CreateBucketConfiguration><LocationConstraint>$AWS_REGION</LocationConstraint></CreateBucketConfiguration>\"}" >/dev/null
export SANDBOX_DEFAULT_PASSWORD="e2e-$RANDOM-$RANDOM-password"
release() { make --no-print-directory release SKIP_INSTALL=1 NO_BUILD=1 VM_BUCKET="$bucket" EXPORT_ROLE=vmimport FORMATS="vmdk vhd" "$@"; }
no_leftovers() {  # no stack and no key pair of the asset-id
  equals "$(count "$1" stack)+$(count "$1" key-pair)" "0+0"
}
clean_result() {  # exactly one AMI, its snapshot, the two images, the two export tasks
  local kinds
  kinds=$("$BIN/list-assets" --asset-id "$1" -c --filter 'map(.kind) | group_by(.) | map({(.[0]): length}) | add')
  equals "$kinds" '{"ami":1,"export-image-task":2,"s3-object":2,"snapshot":1}'
}

# A whole release, then what it left behind.
id=e2e-full-$$
release ASSET_ID=$id >"$logs/full.log" 2>&1; rc=$?
check "a full release with two formats exits 0" equals "$rc" 0
check "it leaves exactly the AMI, its snapshot, the images and the export tasks" clean_result $id
check "the images are named after the release" equals "$("$BIN/list-assets" --asset-id $id --kinds s3-object -c --filter 'map(.id) | sort')" \
  "[\"images/$id/data-science-sandbox-$id.vhd\",\"images/$id/data-science-sandbox-$id.vmdk\"]"
release ASSET_ID=$id >"$logs/again.log" 2>&1
check "a second run does nothing new" clean_result $id

# SIGTERM at each stage boundary: the teardown runs, and the next run completes.
for stage in source-ami keypair stack instance ami; do
  id=e2e-term-$stage-$$
  setsid make --no-print-directory release SKIP_INSTALL=1 NO_BUILD=1 VM_BUCKET="$bucket" EXPORT_ROLE=vmimport \
    FORMATS="vmdk vhd" ASSET_ID=$id >"$logs/term-$stage.log" 2>&1 &
  pid=$!
  for _ in $(seq 1500); do  # until the step's file appears (30 s at most)
    [ -f "build/$id/$stage.json" ] || ! kill -0 $pid 2>/dev/null && break
    sleep 0.02
  done
  check "the release reached $stage.json" [ -f "build/$id/$stage.json" ]
  kill -TERM -- -$pid 2>/dev/null
  wait $pid; rc=$?
  check "SIGTERM after $stage.json stops the release (exit $rc)" [ $rc -ne 0 ]
  check "SIGTERM after $stage.json leaves no stack and no key pair" no_leftovers $id
  release ASSET_ID=$id >"$logs/resume-$stage.log" 2>&1; rc=$?
  check "the release after SIGTERM at $stage.json completes" equals "$rc" 0
  check "and leaves exactly one AMI" clean_result $id
done

# Throttling, SlowDown and dropped connections on 30% of the requests: still one of everything.
id=e2e-faults-$$
emulator '{"faultRate":0.3,"faultKinds":["throttling","slowdown","drop"]}'
AWS_MAX_ATTEMPTS=8 release ASSET_ID=$id >"$logs/faults.log" 2>&1; rc=$?
emulator '{"faultRate":0}'
check "with 30% faults the release completes" equals "$rc" 0
check "with 30% faults there are no duplicates" clean_result $id

# The release in CodeBuild: start-release starts the project named in its stack and follows it.
"$BIN/cfn-deploy" </dev/null --stack DATA-SCIENCE-SANDBOX-RELEASE-CODEBUILD --template stacks/release-codebuild.yaml \
  --param SourceLocation=https://git.example.invalid/sandbox-release.git --param VMBucketName="$bucket" \
  --param ExportRoleName=vmimport --param CdnDomain=d111111abcdef8.cloudfront.net \
  --param "DefaultPasswordSecretArn=arn:aws:secretsmanager:$AWS_REGION:123456789012:secret:sandbox-password" \
  >/dev/null 2>"$logs/codebuild-stack.log"
make --no-print-directory start-release NO_BUILD=1 ASSET_ID=e2e-codebuild-$$ MAKE_PUBLIC=1 >"$logs/start-release.json" 2>"$logs/start-release.log"; rc=$?
check "start-release follows the build to its end" equals "$rc+$(jq -r .buildStatus "$logs/start-release.json")" "0+SUCCEEDED"
check "start-release passes ASSET_ID and MAKE_PUBLIC" equals \
  "$(jq -c '[.environment.environmentVariables[]? | select(.name == "ASSET_ID" or .name == "MAKE_PUBLIC") | .value] | sort' "$logs/start-release.json")" \
  "[\"1\",\"e2e-codebuild-$$\"]"

make --no-print-directory start-release NO_BUILD=1 ASSET_ID=e2e-EMULATOR-FAIL-$$ >"$logs/start-release-failed.json" 2>"$logs/start-release-failed.log"; rc=$?
check "start-release fails when the build fails (make exits 2 for the recipe's 1)" equals "$rc+$(jq -r .buildStatus "$logs/start-release-failed.json")" "2+FAILED"

# No secret in any output, log or state file.
secrets_absent() {
  ! grep -rqF -e "$AWS_SECRET_ACCESS_KEY" -e "$SANDBOX_DEFAULT_PASSWORD" -e "PRIVATE KEY" "$logs" build/e2e-*-$$/
}
check "no secret key, private key or password in any output" secrets_absent

for id in $(ls -d build/e2e-*-$$ 2>/dev/null | xargs -n1 basename); do
  "$BIN/list-assets" --asset-id "$id" | "$BIN/purge-assets" --yes >/dev/null 2>&1
  rm -rf "build/$id"
done
[ $failed -eq 0 ] || { echo "logs of the failed run:"; tail -n 30 "$logs"/*.log; }
echo "e2e: $passed passed, $failed failed"
[ $failed -eq 0 ]

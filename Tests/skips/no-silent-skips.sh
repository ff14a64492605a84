#!/usr/bin/env bash
# make test-skips: a test that cannot run must fail, not pass. Runs already built tests with
# what they need taken away (the SigV4 suite, the emulator's env file, the botocore vectors and
# answers):
# each run must fail with the reason; with ALLOW_SKIPS=1 it must pass and count its skips.
#   env: SCRATCH (the build folder), and the test environment of make test-swift.
set -u -o pipefail
scratch=${SCRATCH:-.build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '[{"not": "a vector"' >"$work/malformed.json"
failed=0

# expect NAME FILTER REASON VAR=VALUE...: the filtered tests fail naming REASON, and pass with
# ALLOW_SKIPS=1 with at least one counted skip.
expect() {
  local name=$1 filter=$2 reason=$3 out n status
  shift 3
  out=$(env "$@" ALLOW_SKIPS= swift test --skip-build --scratch-path "$scratch" --filter "$filter" 2>&1)
  if [ $? -eq 0 ]; then
    echo "not ok - $name: the tests passed without it"; failed=$((failed + 1))
  elif ! grep -qF "$reason" <<<"$out"; then
    echo "not ok - $name: they failed, but not saying '$reason'"; failed=$((failed + 1))
    tail -n 20 <<<"$out" | sed 's/^/    /'
  else
    echo "ok - $name: fails, saying '$reason'"
  fi
  rm -f "$work/skips"
  out=$(env "$@" ALLOW_SKIPS=1 SKIP_LOG="$work/skips" swift test --skip-build --scratch-path "$scratch" --filter "$filter" 2>&1)
  status=$?
  n=$(cat "$work/skips" 2>/dev/null | wc -l)
  if [ $status -ne 0 ] || [ "$n" -eq 0 ]; then
    echo "not ok - $name with ALLOW_SKIPS=1: exit or skip count wrong ($n skips)"; failed=$((failed + 1))
    tail -n 20 <<<"$out" | sed 's/^/    /'
  else
    echo "ok - $name with ALLOW_SKIPS=1: passes, $n skips counted"
  fi
}

expect "no SigV4 suite" SigV4SuiteTests "no SigV4 test suite at SIGV4_SUITE" SIGV4_SUITE="$work/none"
expect "no emulator env file" TagAssetsTests "no emulator: $work/none is missing" EMULATOR_ENV="$work/none"
expect "no botocore vectors" BotocoreComparisonTests "no botocore vector file" BOTOCORE_VECTORS="$work/none"
expect "no botocore answers" XMLAnswersTests "no botocore answer file" XML_ANSWERS="$work/none"

# A malformed vector file is a failure even with ALLOW_SKIPS=1, named as malformed.
out=$(env BOTOCORE_VECTORS="$work/malformed.json" ALLOW_SKIPS=1 swift test --skip-build --scratch-path "$scratch" \
  --filter BotocoreComparisonTests 2>&1)
if [ $? -ne 0 ] && grep -qF "is malformed" <<<"$out"; then
  echo "ok - a malformed vector file fails, also with ALLOW_SKIPS=1"
else
  echo "not ok - a malformed vector file did not fail as malformed"; failed=$((failed + 1))
  tail -n 20 <<<"$out" | sed 's/^/    /'
fi

echo "no-silent-skips: $failed failed"
[ "$failed" -eq 0 ]

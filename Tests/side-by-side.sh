#!/usr/bin/env bash
# make test's parts side by side: each GOAL runs in a make of its own, all at once, each in a
# process group of its own (SIGINT and SIGTERM to this script reach every one of them). A goal's
# output goes to LOGS/GOAL.log and is printed whole when the goal ends, so that the output of
# parts running at once does not interleave; then one line says whether it passed and how long it
# took. Exit 0 when every goal passed, else 1 after naming the ones that failed.
# Usage: side-by-side.sh LOGS GOAL...   (MAKE: the make to run, as make passes it)
set -uo pipefail
logs=$1; shift
mkdir -p "$logs"
declare -A goal_of started_at
groups=()
stop() {  # the signal to every part still running, then wait for them to end
  for pid in "${groups[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
  wait
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
# Job control gives each part its process group; without it they would also ignore SIGINT.
set -m
for goal in "$@"; do
  "${MAKE:-make}" --no-print-directory "$goal" >"$logs/$goal.log" 2>&1 &
  groups+=("$!"); goal_of[$!]=$goal; started_at[$!]=$SECONDS
done
set +m
failed=()
for _ in "$@"; do
  wait -n -p pid; status=$?
  goal=${goal_of[$pid]}
  cat "$logs/$goal.log"
  if [ "$status" -eq 0 ]; then
    echo "make test: $goal passed after $((SECONDS - started_at[$pid])) s" >&2
  else
    failed+=("$goal")
    echo "make test: $goal FAILED (exit $status) after $((SECONDS - started_at[$pid])) s; its log: $logs/$goal.log" >&2
  fi
done
[ ${#failed[@]} -eq 0 ] || { echo "make test: failed: ${failed[*]}" >&2; exit 1; }

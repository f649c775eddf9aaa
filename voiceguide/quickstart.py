"""A warm start's first sound before the rest of voiceguide loads: the lead-in, cached as PCM.

Loading the routine (pydantic), numpy and the mixer takes about half a second here. The
lead-in ("Starting in 3. 2. 1.") lasts longer than that, so on a warm start it is played
straight from a small file keyed by everything that shapes it, while the rest loads; the
player then carries on from the lead-in's end, on time. After loading, the lead-in is
computed properly and the file rewritten if it differs (a voice changed, a cache cleared).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from voiceguide import __version__
from voiceguide.alsa import silence_alsa
from voiceguide.limits import SAMPLE_RATE
from voiceguide.paths import default_cache_dir, voices_file

FORMAT = 1


@dataclass(frozen=True)
class QuickStart:
    key: str
    playing: Any
    """simpleaudio's PlayObject, to be stopped by whoever takes over."""
    started_at: float
    """time.monotonic() when it started."""
    samples: int


def start_key(source: str, *, voice: str | None, rate: int | None) -> str | None:
    """What the lead-in depends on: the routine's bytes (its language and rate), the voice
    asked for, the rate, voiceguide's version, and the voices this machine has."""
    try:
        path = Path(source)
        if path.is_file():
            text = path.read_bytes()
        else:
            text = (resources.files("voiceguide") / "routines" / f"{source}.yaml").read_bytes()
        voices = voices_file("pyttsx3").read_bytes()
    except OSError:
        return None
    digest = hashlib.sha256()
    for part in (str(FORMAT), __version__, repr(voice), repr(rate)):
        digest.update(part.encode() + b"\0")
    digest.update(text + b"\0" + voices)
    return digest.hexdigest()


def _path(key: str) -> Path:
    return default_cache_dir() / "starts" / f"{key}.pcm"


def play_cached(key: str) -> QuickStart | None:
    """Start playing the cached lead-in, if there is one and the device opens; else None."""
    try:
        data = _path(key).read_bytes()
    except OSError:
        return None
    if not data or len(data) % 2:
        return None
    silence_alsa()
    try:
        import simpleaudio

        playing = simpleaudio.play_buffer(data, 1, 2, SAMPLE_RATE)
    except Exception:  # no device, no simpleaudio: the normal path reports it properly
        return None
    return QuickStart(key, playing, time.monotonic(), len(data) // 2)


def remember(key: str, pcm: bytes) -> None:
    """Store the lead-in for the next start (atomically; a failure only costs speed)."""
    path = _path(key)
    try:
        if path.exists() and path.read_bytes() == pcm:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(fd, "wb") as f:
            f.write(pcm)
        os.replace(tmp, path)
    except OSError:
        pass


_EARLY: QuickStart | None = None
VALUE_OPTIONS = {"--profile", "--count-interval"}
"""`play`'s options that take a value and leave the lead-in as it is."""
CHECKED_LATER = {"--from", "--only", "--engine", "--no-lead-in", "-h", "--help", "--"}
"""Options whose value can only be checked once the routine is loaded (a wrong section
should not be preceded by half a lead-in), or that mean there is nothing to start."""


def start_early(argv: list[str]) -> None:
    """Before the command line library loads (a quarter of a second here): if this is
    `voiceguide play` with a lead-in cached, start it now. Anything unexpected in the
    arguments leaves it to the normal path, which parses them properly."""
    global _EARLY
    if not argv or argv[0] != "play":
        return
    routine: str | None = None
    values: dict[str, str] = {}
    args = iter(argv[1:])
    for arg in args:
        name, _, inline = arg.partition("=")
        if name in CHECKED_LATER:
            return
        if name in ("--voice", "--rate", *VALUE_OPTIONS):
            value = inline or next(args, None)
            if value is None:
                return
            values[name] = value
        elif arg.startswith("-"):
            continue  # a flag
        elif routine is None:
            routine = arg
        else:
            return
    if routine is None:
        return
    try:
        rate = int(values["--rate"]) if "--rate" in values else None
    except ValueError:
        return
    key = start_key(routine, voice=values.get("--voice"), rate=rate)
    if key is not None:
        _EARLY = play_cached(key)


def take_early(key: str | None) -> QuickStart | None:
    """The lead-in `start_early` began, if it is the one for `key` (else it is stopped)."""
    global _EARLY
    early, _EARLY = _EARLY, None
    if early is not None and early.key != key:
        early.playing.stop()
        return None
    return early

"""A warm start's first sound before the rest of voiceguide loads: the lead-in, cached as PCM.

Loading the routine (pydantic), the speech engine and the mixer takes about half a second
here. The lead-in ("Starting in 3. 2. 1.") lasts longer than that, so on a warm start `play`
starts the output with it straight from a small file keyed by everything that shapes it:
the entry point itself for a plain `play ROUTINE` (early.py), before the command line has
loaded; else `play`, as soon as its options are parsed. The player then carries on after it
in the same stream.
Once loaded, the lead-in is computed properly and the file rewritten if it differs (a voice
changed, a cache cleared).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from pathlib import Path

from voiceguide.errors import VoiceguideError
from voiceguide.paths import default_cache_dir, voices_dir, voices_file
from voiceguide.routine.builtin import builtin_bytes

FORMAT = 1


def peek_language(source: str) -> str:
    """The routine's `language:` read from its text without loading it (a guess for starting
    the speech engine early; the loaded routine decides)."""
    match = re.search(rb"(?m)^language:\s*[\"']?([A-Za-z0-9-]+)", _routine_bytes(source) or b"")
    return match.group(1).decode() if match else "en"


def _routine_bytes(source: str) -> bytes | None:
    try:
        path = Path(source)
        if path.is_file():
            return path.read_bytes()
    except OSError:
        return None
    return builtin_bytes(source)


def start_key(source: str, *, voice: str | None, rate: int | None, engine: str) -> str | None:
    """What the lead-in depends on: the routine's bytes (its language and rate), the voice
    and engine asked for, the rate, the installed voiceguide (by the file its words come
    from: an upgrade installs it anew; reading the version from the package metadata costs
    20 ms here), and the voices this machine has (espeak-ng's remembered list, the voices
    folder's files). A voice package installed since is not seen here: that start plays the
    old lead-in once, then it is rewritten."""
    text = _routine_bytes(source)
    if text is None:
        return None
    digest = hashlib.sha256()
    for part in (str(FORMAT), _installed(), repr(voice), repr(rate), engine):
        digest.update(part.encode() + b"\0")
    digest.update(text + b"\0" + _read_or_empty(voices_file("pyttsx3")))
    try:
        folder = sorted(os.scandir(voices_dir()), key=lambda e: e.name)
        digest.update(repr([(e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in folder]).encode())
    except OSError:
        pass
    return digest.hexdigest()


def _installed() -> str:
    """Which voiceguide is installed, cheaply: the sizes and times of the files that hold the
    sentences it adds (the lead-in among them): the language packs."""
    try:
        folder = sorted(os.scandir(Path(__file__).parent.parent / "languages"), key=lambda e: e.name)
        return repr([(e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in folder if e.name.endswith(".py")])
    except OSError:
        return ""


def _read_or_empty(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _path(key: str) -> Path:
    return default_cache_dir() / "starts" / f"{key}.pcm"


def cached_lead_in(key: str | None) -> bytes | None:
    """The lead-in remembered under `key` (16-bit mono PCM), if any."""
    if key is None:
        return None
    try:
        data = _path(key).read_bytes()
    except OSError:
        return None
    return data if data and len(data) % 2 == 0 else None


def remember(key: str, pcm: bytes) -> None:
    """Store the lead-in for the next start (atomically; a failure only costs speed)."""
    from voiceguide.files import write_bytes_atomic

    path = _path(key)
    with contextlib.suppress(OSError, VoiceguideError):
        if path.exists() and path.read_bytes() == pcm:
            return
        write_bytes_atomic(path, pcm, overwrite=True)

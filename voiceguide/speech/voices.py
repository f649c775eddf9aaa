"""The voices there are: each engine's, listed (and remembered for a day where listing costs a
worker start), for `voiceguide voices` and for choosing a routine's voice."""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import asdict, fields, replace

from voiceguide.errors import MissingPart, UsageError, VoiceguideError
from voiceguide.files import write_text_atomic
from voiceguide.paths import voices_file
from voiceguide.speech.base import SpeechEngine, VoiceInfo
from voiceguide.speech.cache import ClipCache
from voiceguide.speech.registry import AUTO, ENGINE_CHOICES, ENGINES, listed_engines, make_engine

VOICE_LIST_MAX_AGE_S = 24 * 3600.0
VOICE_FIELDS = {field.name for field in fields(VoiceInfo)}


def list_voices(engine: SpeechEngine, cache: ClipCache) -> list[VoiceInfo]:
    """The engine's voices, remembered for a day where asking costs a worker start (espeak-ng's);
    an engine that finds them at once (Piper's are files) is asked each time, so a voice just
    installed is there."""
    kind = ENGINES[engine.name]
    if kind.voices_from_files:
        return engine.voices()
    remembered = voices_file(kind.voice_list, cache.root)
    try:
        if time.time() - remembered.stat().st_mtime < VOICE_LIST_MAX_AGE_S:
            listed = json.loads(remembered.read_text())
            # A list from before a field existed is asked for again, not filled with blanks.
            if all(set(v) == VOICE_FIELDS for v in listed):
                return [VoiceInfo(**{**v, "languages": tuple(v["languages"])}) for v in listed]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    voices = engine.voices()
    with contextlib.suppress(VoiceguideError):  # a read-only cache only costs time
        write_text_atomic(remembered, json.dumps([asdict(v) for v in voices]), overwrite=True)
    return voices


def installed_voices(language: str | None = None, engine: str = AUTO) -> list[VoiceInfo]:
    """The voices `voiceguide voices` lists: the engine's, or with `auto` every installed
    engine's (Piper's first), only those for `language` (a prefix such as en or de-AT) if given."""
    cache = ClipCache()
    found: list[VoiceInfo] = []
    for kind in listed_engines(engine):
        speaker = make_engine(kind.name)
        try:
            found += [replace(v, engine=kind.name) for v in list_voices(speaker, cache)]
        finally:
            speaker.close()
    if language:
        wanted = language.casefold()
        found = [v for v in found if any(lang.casefold().startswith(wanted) for lang in v.languages)]
    if not found and language:  # a language nothing speaks: the option was wrong, not the machine
        raise UsageError(f"--language {language}: no installed voice speaks it; `voiceguide voices` lists them all")
    if not found:
        raise MissingPart(
            f"no voices (engines: {', '.join(ENGINE_CHOICES)}); on Debian or Ubuntu: apt-get install espeak-ng"
        )
    return found

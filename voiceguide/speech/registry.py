"""Which speech engines exist, and choosing a voice by name, id or language."""

from __future__ import annotations

import difflib
from collections.abc import Callable

from voiceguide.errors import MissingPart, UsageError
from voiceguide.speech.base import SpeechEngine, VoiceInfo


def _pyttsx3() -> SpeechEngine:
    from voiceguide.speech.pyttsx3_engine import Pyttsx3Engine

    return Pyttsx3Engine()


def _espeak() -> SpeechEngine:
    from voiceguide.speech.pyttsx3_engine import EspeakEngine

    return EspeakEngine()


ENGINES: dict[str, Callable[[], SpeechEngine]] = {"pyttsx3": _pyttsx3, "espeak": _espeak}
"""pyttsx3 is the default; "espeak" calls the same library directly and is faster."""
DEFAULT_ENGINE = "pyttsx3"


def make_engine(name: str = DEFAULT_ENGINE) -> SpeechEngine:
    try:
        factory = ENGINES[name]
    except KeyError:
        raise UsageError(f"no speech engine {name!r} (engines: {', '.join(ENGINES)})") from None
    return factory()


def choose_voice(voices: list[VoiceInfo], wanted: str | None, language: str) -> VoiceInfo:
    """The voice named by `wanted` (id, name or language, any case), or the best for `language`."""
    if not voices:
        raise MissingPart("no voices are installed (on Debian or Ubuntu: apt-get install espeak-ng)")
    if wanted:
        key = wanted.casefold()
        for match in (
            lambda v: v.id.casefold() == key or v.name.casefold() == key,
            lambda v: key in (lang.casefold() for lang in v.languages),
            lambda v: v.id.casefold().endswith("/" + key),
        ):
            found = [v for v in voices if match(v)]
            if found:
                return found[0]
        names = [v.name for v in voices] + [v.id for v in voices]
        close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.5)
        hint = f"; close matches: {', '.join(close)}" if close else "; `voiceguide voices` lists them"
        raise UsageError(f"no voice {wanted!r}{hint}")
    lang = language.casefold()
    base = lang.split("-")[0]
    for match in (
        lambda v: lang in (x.casefold() for x in v.languages),
        lambda v: v.id.casefold().endswith("/" + lang) or v.id.casefold() == lang,
        lambda v: any(x.casefold().split("-")[0] == base for x in v.languages),
    ):
        found = [v for v in voices if match(v)]
        if found:
            return found[0]
    raise MissingPart(f"no voice speaks {language!r}; `voiceguide voices` lists them")

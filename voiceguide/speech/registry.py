"""Which speech engines exist, and choosing a voice by name, id or language."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

from voiceguide.errors import MissingPart, UsageError
from voiceguide.limits import AUTO_ENGINE
from voiceguide.speech.base import SpeechEngine, VoiceInfo


def _pyttsx3() -> SpeechEngine:
    from voiceguide.speech.pyttsx3_engine import Pyttsx3Engine

    return Pyttsx3Engine()


def _espeak() -> SpeechEngine:
    from voiceguide.speech.pyttsx3_engine import EspeakEngine

    return EspeakEngine()


def _piper() -> SpeechEngine:
    from voiceguide.speech.piper_voices import piper_installed

    if not piper_installed():
        raise MissingPart("the piper engine needs piper-tts (pip install piper-tts)")
    from voiceguide.speech.piper_engine import PiperEngine

    return PiperEngine()


ENGINES: dict[str, Callable[[], SpeechEngine]] = {"pyttsx3": _pyttsx3, "espeak": _espeak, "piper": _piper}
"""piper: neural voices; pyttsx3: espeak-ng through pyttsx3, every language; espeak: the same
voices called directly, faster."""
AUTO = AUTO_ENGINE
"""The best installed voice for the routine's language: Piper's if it has one, else pyttsx3's."""
FALLBACK_ENGINE = "pyttsx3"


def make_engine(name: str) -> SpeechEngine:
    try:
        factory = ENGINES[name]
    except KeyError:
        raise UsageError(f"no speech engine {name!r} (engines: {AUTO}, {', '.join(ENGINES)})") from None
    return factory()


def auto_engine(wanted: str | None, language: str) -> str:
    """The engine for `--engine auto`: Piper when piper-tts is installed and one of its voices
    is the one asked for (by name or file) or, with none asked for, speaks the language."""
    if wanted and wanted.endswith(".onnx"):
        return "piper"
    return "piper" if piper_voice_for(wanted, language) else FALLBACK_ENGINE


def piper_voice_for(wanted: str | None, language: str) -> str | None:
    """The id of the Piper voice `auto` picks for this request, or None (no such voice, or
    piper-tts missing). Looks at files only: nothing is imported or loaded."""
    from voiceguide.speech.piper_voices import installed_voices, piper_installed

    if not piper_installed():
        return None
    if wanted and wanted.endswith(".onnx"):
        return str(Path(wanted).absolute())
    try:
        return choose_voice([v.info() for v in installed_voices()], wanted, language).id
    except (UsageError, MissingPart):
        return None


def choose_voice(voices: list[VoiceInfo], wanted: str | None, language: str) -> VoiceInfo:
    """The voice named by `wanted` (id, name or language, any case), or the best for `language`."""
    if not voices:
        raise MissingPart("no voices are installed (on Debian or Ubuntu: apt-get install espeak-ng)")
    if wanted and wanted.endswith(".onnx"):
        found = [v for v in voices if v.id == wanted]
        if found:
            return found[0]
        raise UsageError(f"{wanted}: a Piper voice file is spoken by --engine piper (or auto)")
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

"""Which speech engines exist, and choosing a voice by name, id or language."""

from __future__ import annotations

import difflib
import importlib
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from voiceguide.errors import MissingPart, UsageError
from voiceguide.languages import base_language
from voiceguide.limits import AUTO_ENGINE
from voiceguide.speech.base import SpeechEngine, VoiceInfo


@dataclass(frozen=True)
class EngineKind:
    """One speech engine: what it is called, where its code lives, where its voices come from."""

    name: str
    about: str
    """A few words for `--engine`'s help."""
    engine_class: str
    """`module:Class` of its SpeechEngine; the module's `Backend` speaks inside a worker."""
    licence: str
    voice_list: str
    """The engine whose remembered list of voices this one shares (the same voices)."""
    voices_from_files: bool = False
    """Its voices are files found at once (Piper's); else a worker reports them when it starts,
    and the list is remembered for a day."""
    needs: str | None = None
    """The Python package it needs beyond voiceguide's own, if any."""
    install: str = ""

    def installed(self) -> bool:
        """Whether it can run here (without importing anything)."""
        return self.needs is None or importlib.util.find_spec(self.needs) is not None

    @property
    def module(self) -> str:
        return self.engine_class.partition(":")[0]


ESPEAK_LICENCE = "GPL-3.0 (espeak-ng)"
ENGINES: dict[str, EngineKind] = {
    kind.name: kind
    for kind in (
        EngineKind(
            "piper",
            "neural voices",
            "voiceguide.speech.piper_engine:PiperEngine",
            licence="GPL-3.0 (piper-tts); each voice has its own",
            voice_list="piper",
            voices_from_files=True,
            needs="piper",
            install="pip install piper-tts",
        ),
        EngineKind(
            "pyttsx3",
            "espeak-ng, every language",
            "voiceguide.speech.pyttsx3_engine:Pyttsx3Engine",
            licence=ESPEAK_LICENCE,
            voice_list="pyttsx3",
        ),
        EngineKind(
            "espeak",
            "the same voices as pyttsx3, faster",
            "voiceguide.speech.pyttsx3_engine:EspeakEngine",
            licence=ESPEAK_LICENCE,
            voice_list="pyttsx3",
        ),
    )
}
"""Every speech engine, best voice first: the one table the command line, the worker
processes and the voice list read."""
AUTO = AUTO_ENGINE
"""The best installed voice for the routine's language: Piper's if it has one, else pyttsx3's."""
FALLBACK_ENGINE = "pyttsx3"
ENGINE_CHOICES = (AUTO, *ENGINES)


@dataclass(frozen=True)
class VoiceChoice:
    """What the listener asked for; None means a voice for the routine's language."""

    voice: str | None = None
    engine: str = AUTO
    volume: float = 1.0


ANY_VOICE = VoiceChoice()
"""No voice asked for: the best installed for the routine's language."""


def engine_kind(name: str) -> EngineKind:
    """The table's entry for `name`; an unknown name is a UsageError that lists them."""
    try:
        return ENGINES[name]
    except KeyError:
        raise UsageError(f"no speech engine {name!r} (engines: {', '.join(ENGINE_CHOICES)})") from None


def make_engine(name: str) -> SpeechEngine:
    """A new engine of this kind (not started: nothing runs until it is asked for something)."""
    kind = engine_kind(name)
    if not kind.installed():
        raise MissingPart(f"the {name} engine needs {kind.needs} ({kind.install})")
    module, _, cls = kind.engine_class.partition(":")
    engine: SpeechEngine = getattr(importlib.import_module(module), cls)()
    return engine


def listed_engines(name: str = AUTO) -> list[EngineKind]:
    """The engines whose voices `voiceguide voices --engine NAME` lists: one per voice list,
    the installed ones, for auto."""
    if name != AUTO:
        return [engine_kind(name)]
    return [kind for kind in ENGINES.values() if kind.voice_list == kind.name and kind.installed()]


def auto_engine(wanted: str | None, language: str) -> str:
    """The engine for `--engine auto`: Piper when piper-tts is installed and one of its voices
    is the one asked for (by name or file) or, with none asked for, speaks the language."""
    if wanted and wanted.endswith(".onnx"):
        return "piper"
    return "piper" if piper_voice_for(wanted, language) else FALLBACK_ENGINE


def piper_voice_for(wanted: str | None, language: str) -> str | None:
    """The id of the Piper voice `auto` picks for this request, or None (no such voice, or
    piper-tts missing). Looks at files only: nothing is imported or loaded."""
    from voiceguide.speech.piper_voices import installed_voices

    if not ENGINES["piper"].installed():
        return None
    if wanted and wanted.endswith(".onnx"):
        return str(Path(wanted).absolute())
    try:
        return choose_voice([v.info() for v in installed_voices()], wanted, language).id
    except (UsageError, MissingPart):
        return None


_LATIN_AMERICA = (
    "mx",
    "ar",
    "co",
    "cl",
    "pe",
    "ve",
    "ec",
    "gt",
    "cu",
    "bo",
    "do",
    "hn",
    "py",
    "sv",
    "ni",
    "cr",
    "pa",
    "uy",
    "pr",
    "us",
)
_REGION_FAMILIES = {f"es-{country}": "es-419" for country in _LATIN_AMERICA}
"""Regions spoken by a voice of a wider region: Mexico's Spanish by Latin America's (es-419).
Without one, a region is spoken by its language's own voice (fr-CA by French French, fr-fr,
not by the Belgian voice that sorts first), then by any voice of the language."""


def choose_voice(voices: list[VoiceInfo], wanted: str | None, language: str, *, also: Sequence[str] = ()) -> VoiceInfo:
    """The voice named by `wanted` (id, name or language, any case), or the best for `language`;
    `also`: names of other engines' voices, suggested too when none matches."""
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
        names = [v.name for v in voices] + [v.id for v in voices] + list(also)
        close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.5)
        hint = f"; close matches: {', '.join(close)}" if close else "; `voiceguide voices` lists them"
        raise UsageError(f"no voice {wanted!r}{hint}")
    lang = language.casefold()
    base = base_language(lang)
    family = _REGION_FAMILIES.get(lang, "")
    for match in (
        lambda v: lang in (x.casefold() for x in v.languages),
        lambda v: v.id.casefold().endswith("/" + lang) or v.id.casefold() == lang,
        lambda v: family in (x.casefold() for x in v.languages),
        lambda v: any(x.casefold() in (base, f"{base}-{base}") for x in v.languages),
        lambda v: any(base_language(x) == base for x in v.languages),
    ):
        found = [v for v in voices if match(v)]
        if found:
            return found[0]
    raise MissingPart(f"no voice speaks {language!r}; `voiceguide voices` lists them")

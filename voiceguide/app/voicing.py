"""A routine voiced: its voice chosen and opened, every phrase's clip made or taken from the
cache, and the timeline laid out with the clips' real lengths (`voice_routine`), which both
back ends play; or, where no clips are wanted, laid out as the cache or the rate says
(`plan_timeline`, for the cue sheet and the card)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from voiceguide.errors import UsageError
from voiceguide.routine.language import Phrases
from voiceguide.routine.model import Routine
from voiceguide.speech import Clip, SpeechEngine, VoiceInfo, VoiceSettings, choose_voice, make_engine
from voiceguide.speech.cache import ClipCache
from voiceguide.speech.clips import LevelledStore, PhraseClips
from voiceguide.speech.registry import ANY_VOICE, AUTO, ENGINES, VoiceChoice, auto_engine
from voiceguide.speech.voices import list_voices
from voiceguide.timeline.compiler import compile_routine, phrases, resolved_rate
from voiceguide.timeline.estimate import estimate_speech_length
from voiceguide.timeline.events import Timeline
from voiceguide.timeline.options import CompileOptions

Progress = Callable[[str, int, int], None]
"""(stage, done, total); stages: "speech", "mixing", "encoding"."""


@dataclass(frozen=True)
class Speech:
    """Clips for every phrase of a routine, and the voice they were made with."""

    clips: dict[str, Clip]
    voice: VoiceInfo
    settings: VoiceSettings
    made: int
    levelled: LevelledStore | None = None


@dataclass
class Voice:
    """The voice a routine is spoken in: its engine (open: close it when done) and settings."""

    engine: SpeechEngine
    info: VoiceInfo
    settings: VoiceSettings
    phrases: Phrases

    def clips(self, texts: Iterable[str], cache: ClipCache) -> PhraseClips:
        return PhraseClips(texts, engine=self.engine, settings=self.settings, cache=cache, spoken=self.phrases.spoken)

    def close(self) -> None:
        self.engine.close()


def open_voice(
    routine: Routine,
    *,
    options: CompileOptions,
    choice: VoiceChoice,
    cache: ClipCache,
    engine: SpeechEngine | None = None,
) -> Voice:
    """The engine and voice for this routine: the one asked for, else the best installed for
    its language (a Piper voice if there is one, else espeak-ng's). `engine`, if given, is
    one already started for the choice; it is closed if the choice turns out otherwise."""
    wanted = choice.voice
    if wanted and wanted.endswith(".onnx"):
        wanted = str(Path(wanted).absolute())
    name = auto_engine(wanted, routine.language) if choice.engine == AUTO else choice.engine
    if engine is None or engine.name != name:
        if engine is not None:
            engine.close()
        engine = make_engine(name)
    try:
        voices = list_voices(engine, cache)
        if wanted and wanted.endswith(".onnx") and engine.name == "piper":
            voices = _with_file(voices, Path(wanted))
        info = choose_voice(voices, wanted, routine.language, also=_piper_names() if choice.engine == AUTO else ())
    except BaseException:
        engine.close()
        raise
    settings = VoiceSettings(info.id, resolved_rate(routine, options), choice.volume)
    return Voice(engine, info, settings, routine.phrase_table)


def _piper_names() -> list[str]:
    """The installed Piper voices' names, suggested when `auto` found no voice by the name asked
    for ("jo": did you mean "joe"?)."""
    from voiceguide.speech.piper_voices import installed_voices as piper_voices

    return [v.info().name for v in piper_voices()] if ENGINES["piper"].installed() else []


def _with_file(voices: list[VoiceInfo], path: Path) -> list[VoiceInfo]:
    from voiceguide.speech.piper_voices import voice_at

    found = voice_at(path)
    if found is None:
        raise UsageError(f"{path}: not a Piper voice (a NAME.onnx with NAME.onnx.json beside it)")
    return [found.info(), *voices]


def prepare_speech(
    routine: Routine,
    *,
    options: CompileOptions,
    choice: VoiceChoice = ANY_VOICE,
    cache: ClipCache | None = None,
    progress: Progress = lambda stage, done, total: None,
    on_made: Callable[[str, Clip], None] = lambda text, clip: None,
) -> Speech:
    """Synthesise (or take from the cache) every phrase the routine speaks; each one made is
    given to `on_made` as it comes."""
    cache = cache or ClipCache()
    voice = open_voice(routine, options=options, choice=choice, cache=cache)
    try:
        # Longest first, so the workers finish together: in alphabetical order the built-in
        # routine's last few phrases kept one worker busy for a second while the other idled.
        spoken = voice.phrases.spoken
        texts = sorted(phrases(routine, options=options), key=lambda text: (-len(spoken(text)), text))
        clips = voice.clips(texts, cache)
        found = clips.all(on_progress=lambda done, total: progress("speech", done, total), on_made=on_made)
    finally:
        voice.close()
    return Speech(found, voice.info, voice.settings, len(clips.missing), clips.levelled())


def measured_options(options: CompileOptions, voice: VoiceInfo, settings: VoiceSettings) -> CompileOptions:
    """The options, noting that speech lengths come from this voice's real clips."""
    return replace(
        options,
        speech_source=f"measured, voice {voice.name} ({voice.id}) at {settings.rate_wpm} wpm",
    )


def measured_timeline(routine: Routine, *, options: CompileOptions, speech: Speech) -> Timeline:
    """The timeline with the real clip lengths: the one the track holds."""
    return compile_routine(
        routine,
        options=measured_options(options, speech.voice, speech.settings),
        speech_length=lambda text: speech.clips[text].duration_s,
    )


@dataclass(frozen=True)
class VoicedTimeline:
    """A routine voiced: the timeline laid out with the clips' real lengths, and the speech."""

    timeline: Timeline
    speech: Speech


def voice_routine(
    routine: Routine,
    *,
    options: CompileOptions,
    choice: VoiceChoice = ANY_VOICE,
    cache: ClipCache | None = None,
    progress: Progress = lambda stage, done, total: None,
    on_made: Callable[[str, Clip], None] = lambda text, clip: None,
) -> VoicedTimeline:
    """Every phrase the routine speaks made (or taken from the cache; each one made given to
    `on_made`), and the timeline laid out with their lengths: what a track holds."""
    speech = prepare_speech(routine, options=options, choice=choice, cache=cache, progress=progress, on_made=on_made)
    return VoicedTimeline(measured_timeline(routine, options=options, speech=speech), speech)


def plan_timeline(
    routine: Routine,
    *,
    options: CompileOptions,
    choice: VoiceChoice | None = None,
    cache: ClipCache | None = None,
) -> Timeline:
    """The timeline for a cue sheet: with real clip lengths when the cache holds every clip
    for this voice (so it matches the track), else with lengths estimated from the rate."""
    if choice is not None:
        cache = cache or ClipCache()
        if _has_entries(cache.folder):
            voice = open_voice(routine, options=options, choice=choice, cache=cache)
            voice.close()  # only its settings are needed: the lengths come from the cache
            lengths = voice.clips(phrases(routine, options=options), cache).cached_lengths()
            if lengths is not None:
                return compile_routine(
                    routine,
                    options=measured_options(options, voice.info, voice.settings),
                    speech_length=lambda text: lengths[text],
                )
    estimate = estimate_speech_length(resolved_rate(routine, options))
    return compile_routine(routine, options=options, speech_length=estimate)


def _has_entries(folder: Path) -> bool:
    return folder.is_dir() and any(folder.iterdir())

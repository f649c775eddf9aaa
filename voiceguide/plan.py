"""From a routine to the timeline both back ends play: voice, clips, speech lengths, compile."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from voiceguide.compiler import CompileOptions, compile_routine, phrases, resolved_rate
from voiceguide.errors import CompileError
from voiceguide.estimate import estimate_speech_length
from voiceguide.model import Routine
from voiceguide.paths import voices_file
from voiceguide.speech import (
    Clip,
    SpeechEngine,
    VoiceInfo,
    VoiceSettings,
    choose_voice,
    make_engine,
)
from voiceguide.speech.cache import ClipCache, synthesize_all
from voiceguide.timeline import Timeline

Progress = Callable[[str, int, int], None]
"""(stage, done, total); stages: "speech", "mixing", "encoding"."""

VOICE_LIST_MAX_AGE_S = 24 * 3600.0


@dataclass(frozen=True)
class VoiceChoice:
    """What the listener asked for; None means a voice for the routine's language."""

    voice: str | None = None
    engine: str = "pyttsx3"
    volume: float = 1.0


@dataclass(frozen=True)
class Speech:
    """Clips for every phrase of a routine, and the voice they were made with."""

    clips: dict[str, Clip]
    voice: VoiceInfo
    settings: VoiceSettings
    made: int


def list_voices(engine: SpeechEngine, cache: ClipCache) -> list[VoiceInfo]:
    """The engine's voices, remembered for a day: asking costs a worker process start."""
    remembered = voices_file(engine.name, cache.root)
    try:
        if time.time() - remembered.stat().st_mtime < VOICE_LIST_MAX_AGE_S:
            return [VoiceInfo(v["id"], v["name"], tuple(v["languages"])) for v in json.loads(remembered.read_text())]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    voices = engine.voices()
    try:
        remembered.parent.mkdir(parents=True, exist_ok=True)
        tmp = remembered.with_suffix(".part")
        tmp.write_text(json.dumps([asdict(v) for v in voices]))
        tmp.replace(remembered)
    except OSError:
        pass  # a read-only cache only costs time
    return voices


def voice_settings(
    routine: Routine,
    *,
    options: CompileOptions,
    choice: VoiceChoice,
    engine: SpeechEngine,
    cache: ClipCache,
) -> tuple[VoiceInfo, VoiceSettings]:
    voice = choose_voice(list_voices(engine, cache), choice.voice, routine.language)
    return voice, VoiceSettings(voice.id, resolved_rate(routine, options), choice.volume)


def prepare_speech(
    routine: Routine,
    *,
    options: CompileOptions,
    choice: VoiceChoice = VoiceChoice(),
    cache: ClipCache | None = None,
    progress: Progress = lambda stage, done, total: None,
) -> Speech:
    """Synthesise (or take from the cache) every phrase the routine speaks."""
    cache = cache or ClipCache()
    engine = make_engine(choice.engine)
    try:
        voice, settings = voice_settings(routine, options=options, choice=choice, engine=engine, cache=cache)
        clips, made = synthesize_all(
            phrases(routine, options=options),
            engine=engine,
            settings=settings,
            cache=cache,
            on_progress=lambda done, total: progress("speech", done, total),
        )
    finally:
        engine.close()
    return Speech(clips, voice, settings, made)


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
            engine = make_engine(choice.engine)
            try:
                voice, settings = voice_settings(routine, options=options, choice=choice, engine=engine, cache=cache)
            finally:
                engine.close()
            lengths = {text: cache.length_s(engine.name, settings, text) for text in phrases(routine, options=options)}
            if all(length is not None for length in lengths.values()):
                return compile_routine(
                    routine,
                    options=measured_options(options, voice, settings),
                    speech_length=lambda text: lengths[text] or 0.0,
                )
    estimate = estimate_speech_length(resolved_rate(routine, options))
    return compile_routine(routine, options=options, speech_length=estimate)


def validate_routine(
    source: str,
    *,
    options: Sequence[CompileOptions],
    choice: VoiceChoice = VoiceChoice(),
    cache: ClipCache | None = None,
) -> str:
    """Check that the routine loads and lays out in time under each of `options`, with the
    real clips of the voice `render` would use (made now if need be, and cached for it):
    what passes here renders. Returns a summary; raises RoutineError or CompileError."""
    from voiceguide.loader import load_routine

    routine = load_routine(source)
    lengths: dict[str, float] = {}
    failures: dict[str, str] = {}
    for each in options:
        try:
            speech = prepare_speech(routine, options=each, choice=choice, cache=cache)
            lengths[each.profile] = measured_timeline(routine, options=each, speech=speech).total_s
        except CompileError as e:
            failures[each.profile] = str(e)
    if failures:
        messages = set(failures.values())
        if len(failures) == len(options) and len(messages) == 1:
            raise CompileError(f"{source}: {messages.pop()}")
        profile, message = next(iter(failures.items()))
        raise CompileError(f"{source} ({profile} profile): {message}")
    sections = len(routine.sections)
    timings = ", ".join(f"{profile} {_clock(seconds)}" for profile, seconds in lengths.items())
    return f"{sections} section{'s' if sections != 1 else ''}; {timings}"


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _has_entries(folder: Path) -> bool:
    return folder.is_dir() and any(folder.iterdir())

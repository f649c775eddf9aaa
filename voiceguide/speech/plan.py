"""From a routine to the timeline both back ends play: voice, clips, speech lengths, compile."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from voiceguide.errors import CompileError, MissingPart, UsageError, VoiceguideError, about
from voiceguide.files import write_text_atomic
from voiceguide.languages import base_language
from voiceguide.paths import voices_file
from voiceguide.routine.language import Phrases
from voiceguide.routine.model import Routine
from voiceguide.speech import (
    Clip,
    SpeechEngine,
    VoiceInfo,
    VoiceSettings,
    choose_voice,
    make_engine,
)
from voiceguide.speech.cache import ClipCache
from voiceguide.speech.clips import LevelledStore, PhraseClips
from voiceguide.speech.registry import (
    ANY_VOICE,
    AUTO,
    ENGINE_CHOICES,
    ENGINES,
    VoiceChoice,
    auto_engine,
    listed_engines,
)
from voiceguide.timeline.compiler import compile_routine, phrases, resolved_rate
from voiceguide.timeline.estimate import estimate_speech_length
from voiceguide.timeline.events import Timeline
from voiceguide.timeline.options import CompileOptions
from voiceguide.times import minutes_seconds

Progress = Callable[[str, int, int], None]
"""(stage, done, total); stages: "speech", "mixing", "encoding"."""

VOICE_LIST_MAX_AGE_S = 24 * 3600.0
VOICE_FIELDS = {field.name for field in fields(VoiceInfo)}


@dataclass(frozen=True)
class Speech:
    """Clips for every phrase of a routine, and the voice they were made with."""

    clips: dict[str, Clip]
    voice: VoiceInfo
    settings: VoiceSettings
    made: int
    levelled: LevelledStore | None = None


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
) -> Speech:
    """Synthesise (or take from the cache) every phrase the routine speaks."""
    cache = cache or ClipCache()
    voice = open_voice(routine, options=options, choice=choice, cache=cache)
    try:
        clips = voice.clips(sorted(phrases(routine, options=options)), cache)
        found = clips.all(on_progress=lambda done, total: progress("speech", done, total))
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


def builtin_summaries() -> list[tuple[str, str, int, float]]:
    """(name, title, sections, seconds at the standard profile) of each built-in routine."""
    from voiceguide.routine.loader import builtin_names, load_routine

    summaries = []
    for name in builtin_names():
        routine = load_routine(name)
        seconds = plan_timeline(routine, options=CompileOptions()).total_s
        summaries.append((name, routine.title, len(routine.sections), seconds))
    return summaries


def plan_routine(source: str, *, options: CompileOptions, choice: VoiceChoice | None = None) -> Timeline:
    """`plan_timeline` for a built-in's name or a routine file; compile errors name it."""
    from voiceguide.routine.loader import load_routine

    with about(source):
        return plan_timeline(load_routine(source), options=options, choice=choice)


def validate_routine(
    source: str,
    *,
    options: Sequence[CompileOptions],
    choice: VoiceChoice = ANY_VOICE,
    cache: ClipCache | None = None,
) -> tuple[str, list[str]]:
    """Check that the routine loads and lays out in time under each of `options`, with the
    real clips of the voice `render` would use (made now if need be, and cached for it):
    what passes here renders. Returns a summary, and notes on the words a listener will hear
    (a voice of another language, borrowed sentences, numbers that cannot agree); raises
    RoutineError or CompileError."""
    from voiceguide.routine.loader import load_routine
    from voiceguide.routine.wording import wording_notes

    routine = load_routine(source)
    lengths: dict[str, float] = {}
    failures: dict[str, str] = {}
    voice: VoiceInfo | None = None
    for each in options:
        try:
            speech = prepare_speech(routine, options=each, choice=choice, cache=cache)
            voice = speech.voice
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
    timings = ", ".join(f"{profile} {minutes_seconds(seconds)}" for profile, seconds in lengths.items())
    notes = wording_notes(routine)
    spoken_in = {base_language(lang) for lang in voice.languages} if voice else set()
    if voice is not None and base_language(routine.language) not in spoken_in:
        notes.insert(
            0,
            f"the voice {voice.name!r} speaks {', '.join(voice.languages)}, but the routine is in "
            f"{routine.language!r}: it will read the words with its own language's sounds",
        )
    return f"{sections} section{'s' if sections != 1 else ''}; {timings}", notes


def _has_entries(folder: Path) -> bool:
    return folder.is_dir() and any(folder.iterdir())

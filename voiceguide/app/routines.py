"""What `list`, `show` and `validate` ask of a routine: the built-ins' summaries, a routine's
plan, and whether it lays out and renders with the words a listener should hear."""

from __future__ import annotations

from collections.abc import Sequence

from voiceguide.app.voicing import plan_timeline, voice_routine
from voiceguide.errors import CompileError, about
from voiceguide.languages import base_language
from voiceguide.routine.loader import builtin_names, load_routine
from voiceguide.routine.wording import wording_notes
from voiceguide.speech import VoiceInfo
from voiceguide.speech.cache import ClipCache
from voiceguide.speech.registry import ANY_VOICE, VoiceChoice
from voiceguide.timeline.events import Timeline
from voiceguide.timeline.options import CompileOptions
from voiceguide.times import minutes_seconds


def builtin_summaries() -> list[tuple[str, str, int, float]]:
    """(name, title, sections, seconds at the standard profile) of each built-in routine."""
    summaries = []
    for name in builtin_names():
        routine = load_routine(name)
        seconds = plan_timeline(routine, options=CompileOptions()).total_s
        summaries.append((name, routine.title, len(routine.sections), seconds))
    return summaries


def plan_routine(source: str, *, options: CompileOptions, choice: VoiceChoice | None = None) -> Timeline:
    """`plan_timeline` for a built-in's name or a routine file; compile errors name it."""
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
    routine = load_routine(source)
    lengths: dict[str, float] = {}
    failures: dict[str, str] = {}
    voice: VoiceInfo | None = None
    for each in options:
        try:
            voiced = voice_routine(routine, options=each, choice=choice, cache=cache)
            voice = voiced.speech.voice
            lengths[each.profile] = voiced.timeline.total_s
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

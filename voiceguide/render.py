"""`render`: routine -> clips -> timeline -> mix -> MP3/M4B/WAV with chapters, tags, transcripts."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from voiceguide.compiler import CompileOptions, compile_routine, phrases, resolved_rate
from voiceguide.export import FORMATS, Tags, file_size, lrc, require_ffmpeg, webvtt, write_encoded, write_wav
from voiceguide.files import atomic_path, check_writable
from voiceguide.mix import MIX_RATE, TrackMixer
from voiceguide.model import Routine
from voiceguide.speech import Clip, VoiceSettings, choose_voice, make_engine
from voiceguide.speech.cache import ClipCache, synthesize_all
from voiceguide.timeline import Timeline

Progress = Callable[[str, int, int], None]
"""(stage, done, total): stages are "speech", "mixing", "encoding"."""

SAFETY_NOTE = (
    "Acupressure and similar routines ease symptoms; they do not diagnose or cure. "
    "See a doctor about sudden or lasting pain. Never press hard enough to hurt."
)


@dataclass(frozen=True)
class VoiceChoice:
    """What the listener asked for; None means the routine's language and rate."""

    voice: str | None = None
    engine: str = "pyttsx3"
    volume: float = 1.0


@dataclass(frozen=True)
class RenderResult:
    path: Path
    transcripts: tuple[Path, ...]
    timeline: Timeline
    duration_s: float
    size_bytes: int
    loudness_lufs: float
    gain_db: float
    clips_made: int


@dataclass(frozen=True)
class Speech:
    """Clips for every phrase of a routine, and the voice they were made with."""

    clips: dict[str, Clip]
    voice_name: str
    made: int


def prepare_speech(
    routine: Routine, *, options: CompileOptions, choice: VoiceChoice, cache: ClipCache, progress: Progress
) -> Speech:
    """Synthesise (or take from the cache) every phrase the routine speaks."""
    engine = make_engine(choice.engine)
    try:
        voice = choose_voice(engine.voices(), choice.voice, routine.language)
        settings = VoiceSettings(voice.id, resolved_rate(routine, options), choice.volume)
        clips, made = synthesize_all(
            phrases(routine, options=options),
            engine=engine,
            settings=settings,
            cache=cache,
            on_progress=lambda done, total: progress("speech", done, total),
        )
    finally:
        engine.close()
    return Speech(clips, f"{voice.name} ({voice.id})", made)


def measured_timeline(routine: Routine, *, options: CompileOptions, speech: Speech) -> Timeline:
    """The timeline with the real clip lengths: the one the track holds."""
    rate = resolved_rate(routine, options)
    options = replace(options, speech_source=f"measured, voice {speech.voice_name} at {rate} wpm")
    return compile_routine(routine, options=options, speech_length=lambda text: speech.clips[text].duration_s)


def default_output(name: str, fmt: str) -> Path:
    return Path("audio_out") / f"{name}.{fmt}"


def render(
    routine: Routine,
    *,
    output: Path,
    fmt: str = "mp3",
    options: CompileOptions = CompileOptions(),
    choice: VoiceChoice = VoiceChoice(),
    bitrate_kbps: int = 64,
    channels: int = 1,
    overwrite: bool = False,
    transcripts: bool = True,
    cache: ClipCache | None = None,
    progress: Progress = lambda stage, done, total: None,
) -> RenderResult:
    """Render the routine to `output`; nothing is written unless all of it succeeds."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    side_files = (output.with_suffix(".vtt"), output.with_suffix(".lrc")) if transcripts else ()
    for path in (output, *side_files):
        check_writable(path, overwrite=overwrite)  # before any work, not after it
    if fmt != "wav":
        require_ffmpeg()

    speech = prepare_speech(routine, options=options, choice=choice, cache=cache or ClipCache(), progress=progress)
    timeline = measured_timeline(routine, options=options, speech=speech)

    progress("mixing", 0, 1)
    mixer = TrackMixer(timeline, speech.clips, sample_rate=MIX_RATE)
    loudness = mixer.level()
    pcm = mixer.pcm()
    progress("mixing", 1, 1)

    progress("encoding", 0, 1)
    with atomic_path(output, overwrite=overwrite) as tmp:
        if fmt == "wav":
            write_wav(pcm, tmp, sample_rate=MIX_RATE)
        else:
            tags = Tags(
                title=routine.title,
                album=routine.source.title if routine.source and routine.source.title else "voiceguide routines",
                year=str(datetime.date.today().year),
                comment=SAFETY_NOTE,
            )
            write_encoded(pcm, tmp, fmt=fmt, sample_rate=MIX_RATE, chapters=timeline.chapters, tags=tags,
                          bitrate_kbps=bitrate_kbps, channels=channels)
        del pcm
        for path, text in zip(side_files, (webvtt(timeline), lrc(timeline)), strict=False):
            with atomic_path(path, overwrite=True) as side_tmp:
                side_tmp.write_text(text, encoding="utf-8")
    progress("encoding", 1, 1)

    import math

    return RenderResult(
        path=output,
        transcripts=side_files,
        timeline=timeline,
        duration_s=mixer.total_samples / MIX_RATE,
        size_bytes=file_size(output),
        loudness_lufs=loudness,
        gain_db=20 * math.log10(mixer.gain),
        clips_made=speech.made,
    )

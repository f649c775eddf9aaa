"""`render`: routine -> clips -> timeline -> mix -> MP3/M4B/WAV with chapters, tags, transcripts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from voiceguide.compiler import CompileOptions
from voiceguide.export import (
    FORMATS,
    Tags,
    lrc,
    require_ffmpeg,
    webvtt,
    write_encoded,
    write_wav,
)
from voiceguide.files import atomic_path, check_writable
from voiceguide.mix import MIX_RATE, TrackMixer
from voiceguide.model import Routine
from voiceguide.plan import Progress, VoiceChoice, measured_timeline, prepare_speech
from voiceguide.speech.cache import ClipCache
from voiceguide.timeline import Timeline

SAFETY_NOTE = (
    "Acupressure and similar routines ease symptoms; they do not diagnose or cure. "
    "See a doctor about sudden or lasting pain. Never press hard enough to hurt."
)


@dataclass(frozen=True)
class RenderResult:
    path: Path
    transcripts: tuple[Path, ...]
    timeline: Timeline
    duration_s: float
    size_bytes: int
    clips_made: int
    voice: str


def default_output(name: str, fmt: str) -> Path:
    return Path("audio_out") / f"{name}.{fmt}"


def render(
    routine: Routine,
    *,
    output: Path,
    fmt: str = "mp3",
    options: CompileOptions | None = None,
    choice: VoiceChoice | None = None,
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

    options = options or CompileOptions()
    speech = prepare_speech(routine, options=options, choice=choice or VoiceChoice(), cache=cache, progress=progress)
    timeline = measured_timeline(routine, options=options, speech=speech)

    progress("mixing", 0, 1)
    mixer = TrackMixer(timeline, speech.clips, sample_rate=MIX_RATE)
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
            write_encoded(
                pcm,
                tmp,
                fmt=fmt,
                sample_rate=MIX_RATE,
                chapters=timeline.chapters,
                tags=tags,
                bitrate_kbps=bitrate_kbps,
                channels=channels,
            )
        del pcm
        for path, text in zip(side_files, (webvtt(timeline), lrc(timeline)), strict=False):
            with atomic_path(path, overwrite=True) as side_tmp:
                side_tmp.write_text(text, encoding="utf-8")
    progress("encoding", 1, 1)
    return RenderResult(
        path=output,
        transcripts=side_files,
        timeline=timeline,
        duration_s=mixer.total_samples / MIX_RATE,
        size_bytes=output.stat().st_size,
        clips_made=speech.made,
        voice=f"{speech.voice.name} ({speech.voice.id})",
    )

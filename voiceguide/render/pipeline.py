"""`render`: routine -> clips -> timeline -> mix -> MP3/M4B/WAV with chapters, tags, transcripts."""

from __future__ import annotations

import datetime
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from voiceguide.app.voicing import Progress, voice_routine
from voiceguide.audio.mix import MIX_RATE, LevelAhead, TrackMixer
from voiceguide.errors import UsageError, VoiceguideError, about
from voiceguide.files import atomic_paths, check_writable, remove_stale
from voiceguide.languages import printed_for
from voiceguide.limits import PICTURE_PIXELS
from voiceguide.pictures.cache import Image
from voiceguide.pictures.draw import chapter_pictures
from voiceguide.render.cover import cover_jpeg
from voiceguide.render.encode import Encoding, require_ffmpeg, write_encoded, write_wav
from voiceguide.render.names import FORMATS, HOLDS_KEY, output_target, track_path, transcript_paths
from voiceguide.render.provenance import (
    DEFAULT_SETTINGS,
    Provenance,
    RenderSettings,
    UntrustedTrack,
    is_current,
    locate_source,
    made_from,
    provenance,
    recorded,
)
from voiceguide.render.tags import Labels, Tags, holds_json
from voiceguide.routine.loader import load_routine, routine_name
from voiceguide.routine.model import Routine
from voiceguide.speech.cache import ClipCache
from voiceguide.timeline.compiler import compile_routine, resolved_rate
from voiceguide.timeline.estimate import estimate_speech_length
from voiceguide.timeline.events import Timeline
from voiceguide.timeline.options import CompileOptions
from voiceguide.timeline.transcripts import lrc, webvtt


@dataclass(frozen=True)
class RenderResult:
    path: Path
    transcripts: tuple[Path, ...]
    timeline: Timeline
    duration_s: float
    size_bytes: int
    clips_made: int
    voice: str


PARTS_FOLDER = "parts"
"""In the cache: each MP3 part as encoded and checked (render/encode.py's `PartStore`), so a
warm render encodes nothing, and a render after an edit only the parts it touched."""


def render(
    routine: Routine,
    *,
    output: Path,
    settings: RenderSettings = DEFAULT_SETTINGS,
    fmt: str = "mp3",
    overwrite: bool = False,
    source: str | None = None,
    cache: ClipCache | None = None,
    progress: Progress = lambda stage, done, total: None,
) -> RenderResult:
    """Render the routine to `output` with `settings`; nothing is written unless all of it
    succeeds.

    Transcripts go beside it (x.mp3.vtt, x.mp3.lrc). Without `settings.transcripts`, ones left by
    an earlier render of the same file are removed (with `overwrite`), so none is stale.
    `source` is the routine's file, which is never overwritten. Without `overwrite`, an existing
    track that is already what this render makes raises UpToDate; one made otherwise, the
    refusal saying so."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    keep = Path(source) if source else None
    side_files = transcript_paths(output)
    options, choice, transcripts = settings.options, settings.choice, settings.transcripts
    made = provenance(source, settings, track=output, loaded=routine) if source else None
    if made is not None and source is not None and output.exists() and not overwrite:
        _refuse_or_keep(output, made, source)
    for path in (output, *side_files):
        check_writable(path, overwrite=overwrite, keep=keep)  # before any work, not after it
    if fmt != "wav":
        require_ffmpeg()

    encoding = Encoding(fmt, settings.bitrate_kbps, settings.channels)
    estimated = _estimated(routine, options) if fmt == "mp3" else None
    with ThreadPoolExecutor(1, thread_name_prefix="pictures") as drawing, LevelAhead(MIX_RATE) as levelling:
        # Drawn while the voice speaks (a cold render draws for most of a second, on a core
        # the speech workers share), from the chapters as laid out with estimated lengths; and
        # each phrase levelled for the mix as it is made.
        estimated_ids = [c.id for c in estimated.chapters] if estimated else []
        pictures = drawing.submit(_pictures, routine, estimated_ids) if fmt == "mp3" else None
        voiced = voice_routine(
            routine, options=options, choice=choice, cache=cache, progress=progress, on_made=levelling.add
        )
        timeline, speech = voiced.timeline, voiced.speech
        chapter_ids = [c.id for c in timeline.chapters]
        if pictures is not None and pictures.result()[0] != chapter_ids:
            pictures = drawing.submit(_pictures, routine, chapter_ids)

        progress("mixing", 0, 1)
        mixer = TrackMixer(timeline, speech.clips, sample_rate=MIX_RATE, levelled=levelling.over(speech.levelled))
        mixer.prepare()  # the sounds levelled; the track itself is mixed as it is encoded
        progress("mixing", 1, 1)

    progress("encoding", 0, 1)
    printed = printed_for(routine.language)
    written = [output, *(side_files if transcripts else ())]
    # The track and its transcripts replace what was there together, or not at all.
    with atomic_paths(written, overwrite=overwrite, keep=keep, hold_at="placing") as (tmp, *side_tmps):
        if fmt == "wav":
            write_wav(mixer, tmp)
        else:
            tags = Tags(
                title=timeline.title,
                album=routine.source.title if routine.source and routine.source.title else printed.album,
                year=str(datetime.date.today().year),
                comment=printed.safety,
                language=routine.language,
                extra={**(made.tags() if made else {}), HOLDS_KEY: holds_json(timeline)},
            )
            labels = Labels(tags, timeline.chapters, cover_jpeg(routine), pictures.result()[1] if pictures else {})
            write_encoded(
                mixer,
                tmp,
                encoding=encoding,
                labels=labels,
                memory=(cache or ClipCache()).root / PARTS_FOLDER,
                chapter_starts=[round(chapter.start_s * MIX_RATE) for chapter in timeline.chapters],
            )
        if transcripts:
            for side_tmp, text in zip(side_tmps, (webvtt(timeline), lrc(timeline)), strict=True):
                side_tmp.write_text(text, encoding="utf-8")
    if not transcripts:
        for path in side_files:
            remove_stale(path)  # an earlier render's, which would no longer match
    progress("encoding", 1, 1)
    return RenderResult(
        path=output,
        transcripts=side_files if transcripts else (),
        timeline=timeline,
        duration_s=mixer.total_samples / MIX_RATE,
        size_bytes=output.stat().st_size,
        clips_made=speech.made,
        voice=f"{speech.voice.name} ({speech.voice.id})",
    )


def _estimated(routine: Routine, options: CompileOptions) -> Timeline | None:
    """The timeline as laid out with estimated speech lengths: the real one has its chapters
    and about its length, unless the estimate does not fit where the voice does (then None)."""
    estimate = estimate_speech_length(resolved_rate(routine, options))
    try:
        return compile_routine(routine, options=options, speech_length=estimate)
    except VoiceguideError:
        return None


def _pictures(routine: Routine, chapter_ids: list[str]) -> tuple[list[str], dict[str, Image]]:
    """The chapters' pictures (the cover where a chapter has none), with the chapters' ids."""
    otherwise = Image(cover_jpeg(routine, size=PICTURE_PIXELS), "image/jpeg")
    return chapter_ids, chapter_pictures(routine, chapter_ids, otherwise=otherwise)


def render_source(
    source: str,
    *,
    output: Path | None = None,
    fmt: str | None = None,
    into_folder: bool = False,
    settings: RenderSettings = DEFAULT_SETTINGS,
    overwrite: bool = False,
    progress: Progress = lambda stage, done, total: None,
) -> RenderResult:
    """`render` for a built-in's name or a routine file, to `output` (default:
    audio_out/NAME.FORMAT; inside it if it is a folder, or `into_folder`) in `fmt` (default:
    the output's ending, else mp3); compile errors name the routine."""
    target, target_fmt = output_target(output, fmt, routine_name(source), folder=into_folder)
    routine = load_routine(source)
    with about(source):
        return render(
            routine,
            output=target,
            settings=settings,
            fmt=target_fmt,
            overwrite=overwrite,
            source=source,
            progress=progress,
        )


class UpToDate(Exception):
    """The track is already what this render would make: nothing to do."""

    def __init__(self, track: Path) -> None:
        super().__init__(f"{track}: up to date (made from this routine with these settings); --force renders it again")
        self.track = track


def _refuse_or_keep(target: Path, wanted: Provenance, source: str) -> None:
    """An existing track without --force: UpToDate if it is what this render would make, else
    the refusal, saying that it was made otherwise."""
    try:
        made = recorded(target) if target.is_file() else None
    except UntrustedTrack:  # tags voiceguide did not write: a file like any other
        made = None
    if made is None:
        return  # not one voiceguide says it made: the usual refusal (check_writable) says it exists
    if made.fingerprint == wanted.fingerprint and made_from(made, source, target):
        raise UpToDate(target)
    raise UsageError(
        f"{target}: already exists, made from an earlier version of the routine or other settings "
        "(use --force to replace it)"
    )


def render_missing(
    source: str, folder: Path, progress: Progress = lambda stage, done, total: None
) -> RenderResult | None:
    """Render the routine's MP3 into `folder` with the standard settings, unless it is there; if
    it is there but out of date (the routine changed since, or voiceguide did), render it
    again with the settings it was made with. The result, or None if nothing needed doing."""
    target = track_path(folder, routine_name(source))
    if not target.exists():
        return render_source(source, output=target, settings=DEFAULT_SETTINGS, progress=progress)
    made = recorded(target)  # UntrustedTrack for tags voiceguide did not write
    if made is None or not made_from(made, source, target) or is_current(target, made, source=source) is not False:
        return None  # (a track made from another routine is never rendered from what it names)
    return render_again(target, made, source, progress)


def render_again(
    target: Path, made: Provenance, source: str, progress: Progress = lambda stage, done, total: None
) -> RenderResult:
    """Render `target` afresh from `source` (the routine it names, found) with the settings it records."""
    return render_source(source, output=target, settings=made.settings, overwrite=True, progress=progress)


@dataclass(frozen=True)
class FolderCheck:
    """What `share` finds in a folder before serving it."""

    stale: list[tuple[Path, Provenance, str]]
    """Tracks whose routine (found where it was looked for) has changed since they were
    rendered (or voiceguide has)."""
    untrusted: list[UntrustedTrack]
    """Tracks whose tags voiceguide did not write: not shared."""
    unchecked: list[tuple[Path, Provenance, str]]
    """Tracks made from a routine it may not read (outside the folders it may, or gone), with
    why: shared as they are."""


def check_folder(folder: Path, within: list[Path]) -> FolderCheck:
    """Each MP3 in `folder` that says what made it: stale (its routine, a built-in or a file
    in `within`, has changed since), untrusted, or not checked (its routine is not there)."""
    check = FolderCheck([], [], [])
    for track in sorted(folder.glob("*.mp3")):
        try:
            made = recorded(track)
        except UntrustedTrack as e:
            check.untrusted.append(e)
            continue
        if made is None:
            continue
        source, problem = locate_source(made, within, track)
        if source is None:
            check.unchecked.append((track, made, problem))
        elif is_current(track, made, source=source) is False:
            check.stale.append((track, made, source))
    return check

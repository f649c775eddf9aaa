"""Writing the mixed track: MP3 or M4B through pydub and ffmpeg (tags, chapters), WAV, transcripts."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voiceguide.errors import AudioError, MissingPart
from voiceguide.mix import PEAK_CEILING_DBFS, gain_lines, spread_to_neighbours
from voiceguide.timeline import Chapter, Timeline

FORMATS = ("mp3", "m4b", "wav")
PEAK_BLOCK = 4096
"""Samples per stretch (about 0.1 s) over which a decoded track's true peak is measured, and
lowered where it overshoots."""
METER_MARGIN_DB = 0.2
"""True-peak meters differ by a tenth of a decibel or so (this one and ffmpeg's ebur128, measured):
the check aims that much under the ceiling, so any meter finds the track under it."""
OVERSHOOT_ROOM_DB = 1.0
"""How far under the ceiling an overshooting stretch is aimed: the encoder's overshoot moves a
little with the level it is given."""
ENCODE_TRIES = 6
"""Each try lowers only what overshot the last time; a few stretches may take their turn."""
MP3_ENCODER_DELAY = 1105
"""Samples LAME puts before the audio (576 + its 529-sample decoder delay)."""


@dataclass(frozen=True)
class Tags:
    title: str
    artist: str = "voiceguide"
    album: str = "voiceguide routines"
    genre: str = "Speech"
    year: str = ""
    comment: str = ""


def require_ffmpeg() -> None:
    if shutil.which("ffmpeg") is None:
        raise MissingPart("ffmpeg is not installed (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg)")


def ffmetadata(chapters: tuple[Chapter, ...]) -> str:
    """An FFMETADATA1 document with one [CHAPTER] per chapter, in milliseconds."""
    lines = [";FFMETADATA1"]
    for c in chapters:
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={round(c.start_s * 1000)}",
            f"END={round(c.end_s * 1000)}",
            f"title={_escape(c.title)}",
        ]
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    for ch in "\\=;#\n":
        value = value.replace(ch, "\\" + ch)
    return value


def write_encoded(
    pcm: bytearray,
    target: Path,
    *,
    fmt: str,
    sample_rate: int,
    chapters: tuple[Chapter, ...],
    tags: Tags,
    bitrate_kbps: int,
    channels: int = 1,
    peak_ceiling_dbfs: float = PEAK_CEILING_DBFS,
) -> None:
    """Encode, then decode what was written and check its true peak: lossy encoders overshoot
    the samples they are given. Where a stretch is over `peak_ceiling_dbfs`, that stretch
    (and no more) goes in again a little quieter, so the track keeps its loudness. Those
    stretches of `pcm` are lowered in place (the track is not held twice)."""
    ceiling = 10 ** ((peak_ceiling_dbfs - METER_MARGIN_DB) / 20)
    encoding = _Encoding(fmt, sample_rate, bitrate_kbps, channels)
    for _ in range(ENCODE_TRIES):
        _encode(pcm, target, encoding, chapters=chapters, tags=tags)
        peaks = decoded_true_peaks(target, sample_rate)
        if not peaks.size or float(peaks.max()) <= ceiling:
            return
        _lower(pcm, peaks, ceiling)
    raise AudioError(f"the {fmt} encoder kept overshooting {peak_ceiling_dbfs:g} dBFS true peak")


def _lower(pcm: bytearray, peaks: np.ndarray, ceiling: float) -> None:
    """Bring each `PEAK_BLOCK` of `pcm` whose decoded peak passed `ceiling` down to
    `OVERSHOOT_ROOM_DB` under it, in place, eased in and out over the blocks beside it (the
    decoder's samples line up with the encoder's to well within a block). Blocks under the
    ceiling are left as they are, so the track keeps its loudness."""
    samples = np.frombuffer(pcm, dtype="<i2")
    blocks = -(-samples.size // PEAK_BLOCK)
    need = np.ones(blocks, dtype=np.float32)
    known = min(blocks, peaks.size)
    aim = ceiling * 10 ** (-OVERSHOOT_ROOM_DB / 20)
    over = peaks[:known] > ceiling
    need[:known][over] = aim / peaks[:known][over]
    spread = spread_to_neighbours(need)
    knots = np.concatenate((spread[:1], spread, spread[-1:]))
    batch = 64  # blocks drawn at a time: a few MB of gains, whatever the track's length
    for first in range(0, blocks, batch):
        last = min(first + batch, blocks)
        here = knots[first : last + 2]  # these blocks' gains and their neighbours'
        if float(here.min()) < 1.0:
            lo, hi = first * PEAK_BLOCK, min(last * PEAK_BLOCK, samples.size)
            samples[lo:hi] = np.rint(samples[lo:hi] * gain_lines(here, PEAK_BLOCK)[: hi - lo]).astype("<i2")


_TAP_OFFSETS = np.arange(-15, 17)
_INTERPOLATOR = np.stack([np.sinc(_TAP_OFFSETS - f) * np.kaiser(32, 8.0) for f in (0.25, 0.5, 0.75)], axis=1).astype(
    np.float32
)
"""A 4x oversampling interpolator (32-tap windowed sinc), for the three points between two
samples: what a true-peak meter (ITU-R BS.1770) looks at."""


def decoded_true_peaks(path: Path, sample_rate: int, *, floor_dbfs: float = -3.0) -> np.ndarray:
    """The decoded file's true peak (4x oversampled, full scale 1.0) in each `PEAK_BLOCK` of
    samples, read as a stream (the whole track is never held). Only stretches whose samples
    reach `floor_dbfs` are oversampled: below it the answer only needs to be "under the
    ceiling", and a true peak sits within about 2 dB of the samples around it."""
    command = ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(sample_rate), "-"]
    read_size, pad = 16 * PEAK_BLOCK, 256  # the pad covers the interpolator's reach across reads
    threshold = 32768 * 10 ** ((floor_dbfs - 2.0) / 20)
    peaks: list[float] = []
    position = 0  # the track's sample index of `measured[0]`
    carry = np.zeros(pad, dtype=np.float32)
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as ffmpeg:
        assert ffmpeg.stdout is not None and ffmpeg.stderr is not None
        while True:
            data = ffmpeg.stdout.read(2 * read_size)
            read = np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.float32)
            # The last turn measures the tail the turn before held back, against quiet after it.
            joined = np.concatenate([carry, read if read.size else np.zeros(pad, dtype=np.float32)])
            measured = np.abs(joined[pad : len(joined) - pad])
            if measured.size:
                loud = np.flatnonzero(measured >= threshold)
                if loud.size:  # the points between each loud sample and its neighbours
                    starts = np.unique(np.concatenate([loud - 1, loud])) + pad  # index in `joined`
                    between = np.abs(joined[starts[:, None] + _TAP_OFFSETS[None, :]] @ _INTERPOLATOR).max(axis=1)
                    measured = measured.copy()
                    # A point is counted at the sample before it (the first, between turns, at 0).
                    np.maximum.at(measured, np.maximum(starts - pad, 0), between)
                edges = np.arange(-position % PEAK_BLOCK, measured.size, PEAK_BLOCK)
                if edges.size == 0 or edges[0] != 0:
                    edges = np.concatenate(([0], edges))
                block_peaks = np.maximum.reduceat(measured, edges).tolist()
                if position % PEAK_BLOCK:  # the first block began in the turn before
                    peaks[-1] = max(peaks[-1], block_peaks.pop(0))
                peaks.extend(block_peaks)
                position += measured.size
            if not read.size:
                break
            carry = joined[-2 * pad :]
        errors = ffmpeg.stderr.read().decode(errors="replace").strip()
    if ffmpeg.returncode != 0:
        raise AudioError(f"ffmpeg could not read back {path.name}: {errors[-200:]}")
    return np.array(peaks, dtype=np.float32) / 32768


@dataclass(frozen=True)
class _Encoding:
    fmt: str
    sample_rate: int
    bitrate_kbps: int
    channels: int


def _encode(pcm: bytearray, target: Path, encoding: _Encoding, *, chapters: tuple[Chapter, ...], tags: Tags) -> None:
    """Encode mono 16-bit PCM to MP3 (ID3v2.3, CTOC + CHAP) or M4B (AAC, chapters) at `target`."""
    from pydub import AudioSegment
    from pydub.exceptions import CouldntEncodeError

    require_ffmpeg()
    data: bytearray | memoryview = pcm
    if encoding.fmt == "mp3":
        # MP3 frames carry the encoder's delay, and players take the length from the frame
        # count: end the track that much early (it ends in the timeline's quiet tail), so the
        # length players show matches the timeline.
        data = memoryview(pcm)[: max(0, len(pcm) - 2 * MP3_ENCODER_DELAY)]
    segment = AudioSegment(data=data, sample_width=2, frame_rate=encoding.sample_rate, channels=1)
    with _private_tempdir() as folder:
        meta = Path(folder) / "chapters.txt"
        meta.write_text(ffmetadata(chapters), encoding="utf-8")
        # The second input must sit in `parameters`, with the bitrate after it: pydub puts its own
        # `bitrate=` before our `-i`, where ffmpeg would take it as an input option (docs/dependencies.md).
        parameters = ["-i", str(meta), "-map", "0:a", "-map_chapters", "1", "-map_metadata", "1"]
        parameters += [
            "-ar",
            str(encoding.sample_rate),
            "-ac",
            str(encoding.channels),
            "-b:a",
            f"{encoding.bitrate_kbps}k",
        ]
        if encoding.fmt == "m4b":
            parameters += ["-c:a", "aac", "-movflags", "+faststart"]
            ff_format = "ipod"
        else:
            parameters += ["-c:a", "libmp3lame"]
            ff_format = "mp3"
        metadata = {
            "title": tags.title,
            "artist": tags.artist,
            "album": tags.album,
            "genre": tags.genre,
        }
        if tags.year:
            metadata["date"] = tags.year
        if tags.comment:
            metadata["comment"] = tags.comment
        try:
            handle = segment.export(
                str(target),
                format=ff_format,
                parameters=parameters,
                tags=metadata,
                id3v2_version="3",
            )
            handle.close()
        except CouldntEncodeError as e:
            last = [line for line in str(e).splitlines() if line.strip()][-1:]
            raise AudioError(f"ffmpeg could not encode {target.name}: {' '.join(last)}") from None


def write_wav(pcm: bytearray, target: Path, *, sample_rate: int) -> None:
    with wave.open(str(target), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm)


@contextlib.contextmanager
def _private_tempdir() -> Iterator[str]:
    """pydub leaves its temp files behind when ffmpeg fails or on Ctrl-C; give it a folder of
    ours as the temp dir for the duration, and remove the folder whatever happens."""
    # In memory where the system has it: the temp WAV is as large as the whole track.
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    folder = tempfile.mkdtemp(prefix="voiceguide-", dir=shm)
    saved = tempfile.tempdir
    tempfile.tempdir = folder
    try:
        yield folder
    finally:
        tempfile.tempdir = saved
        shutil.rmtree(folder, ignore_errors=True)


def _vtt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"


def _lrc_time(seconds: float) -> str:
    cs = round(seconds * 100)
    minutes, cs = divmod(cs, 6000)
    return f"{minutes:02d}:{cs // 100:02d}.{cs % 100:02d}"


def webvtt(timeline: Timeline) -> str:
    """A WebVTT transcript: one cue per spoken phrase, timed to the track."""
    lines = ["WEBVTT", f"NOTE {timeline.title}", ""]
    for i, e in enumerate(timeline.speech(), 1):
        lines += [
            str(i),
            f"{_vtt_time(e.start_s)} --> {_vtt_time(e.end_s)}",
            e.text.replace("-->", "->"),
            "",
        ]
    return "\n".join(lines)


def lrc(timeline: Timeline) -> str:
    """An LRC transcript (players on phones show it as lyrics)."""
    minutes, secs = divmod(round(timeline.total_s), 60)
    lines = [f"[ti:{timeline.title}]", "[by:voiceguide]", f"[length:{minutes:02d}:{secs:02d}]"]
    lines += [f"[{_lrc_time(e.start_s)}]{' '.join(e.text.split())}" for e in timeline.speech()]
    return "\n".join(lines) + "\n"

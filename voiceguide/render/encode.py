"""Writing the mixed track: MP3 or M4B through pydub and ffmpeg (tags, chapters), WAV, transcripts."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voiceguide.audio.mix import PEAK_CEILING_DBFS, gain_lines, spread_to_neighbours
from voiceguide.errors import AudioError, MissingPart, VoiceguideError
from voiceguide.faults import hold
from voiceguide.files import atomic_path
from voiceguide.pictures.draw import Image
from voiceguide.render.tags import Tags, raise_if_disk_full, tag
from voiceguide.scratch import SCRATCH
from voiceguide.timeline.events import Chapter

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
MEMORY_FORMAT = 1
"""Bump when what the encode memory holds changes meaning."""
MP3_ENCODER_DELAY = 1105
"""Samples LAME puts before the audio (576 + its 529-sample decoder delay)."""


def require_ffmpeg() -> None:
    if shutil.which("ffmpeg") is None:
        raise MissingPart("ffmpeg is not installed (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg)")


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
    cover: bytes | None = None,
    pictures: dict[str, Image] | None = None,
    peak_ceiling_dbfs: float = PEAK_CEILING_DBFS,
    memory: Path | None = None,
) -> None:
    """Encode the audio, check it, then write it to `target` with its tags, chapters and
    `cover` (a JPEG); `pictures` by chapter id go into the chapters of an MP3.

    The check: decode what was encoded and read its true peak, since lossy encoders overshoot
    the samples they are given. Where a stretch is over `peak_ceiling_dbfs`, that stretch
    (and no more) goes in again a little quieter, so the track keeps its loudness. Those
    stretches of `pcm` are lowered in place (the track is not held twice).

    `memory` is a folder where what was lowered is kept, by the track's samples, the settings
    and the encoder: the same track encoded again (a warm render) is lowered the same way
    at once and encoded once, and not decoded, since the same encoder given the same samples
    writes the same stream, which was checked the first time."""
    require_ffmpeg()
    ceiling = 10 ** ((peak_ceiling_dbfs - METER_MARGIN_DB) / 20)
    encoding = _Encoding(fmt, sample_rate, bitrate_kbps, channels)
    remembered = _Remembered(memory, pcm, encoding, peak_ceiling_dbfs) if memory else None
    known = remembered.lowerings() if remembered else None
    with _quiet_finalisers(), _scratch_folder() as folder:
        audio = folder / f"audio.{'m4a' if fmt == 'm4b' else 'mp3'}"
        if known is not None:
            for need in known:
                _lower(pcm, need)
            xing = _encode(pcm, audio, encoding)
        else:
            lowerings: list[np.ndarray] = []
            for _ in range(ENCODE_TRIES):
                xing = _encode(pcm, audio, encoding)
                peaks = decoded_true_peaks(audio, sample_rate)
                if not peaks.size or float(peaks.max()) <= ceiling:
                    break
                lowerings.append(_needed(pcm, peaks, ceiling))
                _lower(pcm, lowerings[-1])
            else:
                raise AudioError(f"the {fmt} encoder kept overshooting {peak_ceiling_dbfs:g} dBFS true peak")
            if remembered:
                remembered.keep(lowerings)
        tag(audio, target, folder, fmt=fmt, xing=xing, chapters=chapters, tags=tags, cover=cover, pictures=pictures)


@contextlib.contextmanager
def _quiet_finalisers() -> Iterator[None]:
    """While encoding (every thread of it), what pydub leaves open after a failed write is
    closed without its finalisers' tracebacks: the failure itself is reported, once. Set once
    here, in the calling thread, so encoding threads never race to swap the hook."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        yield
    finally:
        gc.collect()  # what is left over goes now, still quietly
        sys.unraisablehook = hook


def _release_frames(error: BaseException) -> None:
    """Let go of what a failed library call's frames hold (its open files), now."""
    if error.__traceback__ is not None:
        traceback.clear_frames(error.__traceback__)
    error.__traceback__ = None


class _Remembered:
    """What an encode of these samples had lowered, kept in a folder by a key of everything
    the encoded stream depends on: the samples, the settings, the ceiling, the ffmpeg binary."""

    def __init__(self, folder: Path, pcm: bytearray, encoding: _Encoding, ceiling_dbfs: float) -> None:
        digest = hashlib.sha256(pcm)
        ffmpeg = shutil.which("ffmpeg") or ""
        try:
            stat = os.stat(ffmpeg)
            identity = f"{ffmpeg} {stat.st_size} {stat.st_mtime_ns}"
        except OSError:
            identity = ffmpeg
        digest.update(repr((MEMORY_FORMAT, encoding, ceiling_dbfs, METER_MARGIN_DB, identity)).encode())
        self.path = folder / f"{digest.hexdigest()}.npz"

    def lowerings(self) -> list[np.ndarray] | None:
        try:
            with np.load(self.path) as kept:
                return [kept[f"arr_{i}"] for i in range(len(kept.files))]
        except (OSError, ValueError, KeyError):
            return None

    def keep(self, lowerings: list[np.ndarray]) -> None:
        """Stored atomically; a cache that cannot be written only costs the next render time."""
        with contextlib.suppress(VoiceguideError), atomic_path(self.path, overwrite=True) as tmp, tmp.open("wb") as f:
            np.savez(f, *lowerings)  # in order: arr_0, arr_1, ...


def _needed(pcm: bytearray, peaks: np.ndarray, ceiling: float) -> np.ndarray:
    """The gain each `PEAK_BLOCK` of `pcm` needs: for a block whose decoded peak passed
    `ceiling`, enough to bring it `OVERSHOOT_ROOM_DB` under it; 1 for the rest."""
    blocks = -(-(len(pcm) // 2) // PEAK_BLOCK)
    need = np.ones(blocks, dtype=np.float32)
    known = min(blocks, peaks.size)
    aim = ceiling * 10 ** (-OVERSHOOT_ROOM_DB / 20)
    over = peaks[:known] > ceiling
    need[:known][over] = aim / peaks[:known][over]
    return need


def _lower(pcm: bytearray, need: np.ndarray) -> None:
    """Apply the blocks' gains to `pcm` in place, eased in and out over the blocks beside
    them (the decoder's samples line up with the encoder's to well within a block). Blocks
    that need no lowering are left as they are, so the track keeps its loudness."""
    samples = np.frombuffer(pcm, dtype="<i2")
    blocks = need.size
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


def _encode(pcm: bytearray, target: Path, encoding: _Encoding) -> bool:
    """Encode mono 16-bit PCM to an MP3 or AAC stream at `target`, untagged. Whether an MP3
    stream starts with a Xing header (with the encoder's delay, for gapless players).

    An MP3 is encoded in two halves at once where the track allows (`two_halves`): the encoder
    uses one core, and an encode is most of a render's time."""
    hold("encoding")
    if encoding.fmt != "mp3":
        _export(pcm, target, encoding)
        return False
    halves = two_halves(pcm)
    if halves is not None:
        _encode_halves(pcm, halves, target, encoding)
        return False
    # MP3 frames carry the encoder's delay, and players take the length from the frame
    # count: end the track that much early (it ends in the timeline's quiet tail), so the
    # length players show matches the timeline.
    _export(memoryview(pcm)[: max(0, len(pcm) - 2 * MP3_ENCODER_DELAY)], target, encoding)
    return True


@dataclass(frozen=True)
class Halves:
    """Where a track is cut to be encoded as two MP3 streams that play as one (in samples)."""

    start: int
    """The first sample encoded: the encoder's delay is taken from the opening quiet."""
    cut: int
    """One past the first half's last sample (the first half is whole frames)."""
    resume: int
    """The second half's first sample: one frame of quiet after the cut is left out."""
    end: int
    """One past the last sample encoded (the second half is whole frames too)."""


MP3_FRAME = 1152
CUT_QUIET_FRAMES = 3
"""The cut sits in digital silence this many frames deep on each side: the decoder joins the
two streams in the frames around it."""
JOIN_EXTRA = MP3_FRAME - MP3_ENCODER_DELAY
"""The joined streams decode to this many samples past the last one encoded."""


def two_halves(pcm: bytearray) -> Halves | None:
    """A cut near the middle of the track, in quiet, for encoding it as two MP3 streams.

    LAME turns `n` samples (`n` whole frames) into `n / 1152 + 1` frames, its delay of 1105
    samples (`MP3_ENCODER_DELAY`) in front. Written one after the other, with no tag between
    them, two such streams decode as one stream would, except that the second starts one
    frame later: so that frame of quiet is left out of the track at the cut (measured with
    ffmpeg: every sound in place to the sample, both halves). Neither stream has a Xing
    header, so every decoder plays the file alike, the delay included: it is taken from the
    track's opening quiet, and each sound decodes at its own sample. None if the track does
    not open and end with enough quiet, or has no quiet place near its middle to cut."""
    samples = np.frombuffer(pcm, dtype="<i2")
    start = MP3_ENCODER_DELAY
    if samples.size < 8 * 44100 or np.any(samples[:start]):
        return None
    # Which frames (counted from `start`) hold any sound, a few hundred frames at a time so
    # that no track-long temporary is made.
    frames = (samples.size - start) // MP3_FRAME
    sounding = np.zeros(frames, dtype=bool)
    for first in range(0, frames, 512):
        last = min(first + 512, frames)
        block = samples[start + first * MP3_FRAME : start + last * MP3_FRAME].reshape(-1, MP3_FRAME)
        sounding[first:last] = block.any(axis=1)
    # A cut at frame `c` needs frames c - reach .. c + reach (the left-out frame among them) quiet.
    reach = CUT_QUIET_FRAMES
    window = np.convolve(sounding, np.ones(2 * reach + 1, dtype=int), mode="valid")  # window[i]: frames i..i+2r
    quiet = np.flatnonzero(window == 0) + reach  # cut frames with quiet all around
    quiet = quiet[(quiet > reach) & (quiet < frames - reach - 1)]
    if quiet.size == 0:
        return None
    middle = frames // 2
    cut_frame = int(quiet[np.argmin(np.abs(quiet - middle))])
    cut = start + cut_frame * MP3_FRAME
    resume = cut + MP3_FRAME
    end = resume + (samples.size - JOIN_EXTRA - resume) // MP3_FRAME * MP3_FRAME
    if end <= resume or np.any(samples[end:]):
        return None  # the track ends in sound: no room for the encoder's frames
    return Halves(start, cut, resume, end)


def _encode_halves(pcm: bytearray, halves: Halves, target: Path, encoding: _Encoding) -> None:
    """Both halves at once (each in its own ffmpeg), then the second's frames after the first's."""
    from concurrent.futures import ThreadPoolExecutor

    view = memoryview(pcm)
    bare = ["-write_xing", "0", "-id3v2_version", "0"]  # frames only: nothing between the halves
    second = target.with_name(target.name + ".second")
    try:
        with ThreadPoolExecutor(2) as pool:
            first_done = pool.submit(_export, view[2 * halves.start : 2 * halves.cut], target, encoding, bare)
            second_done = pool.submit(_export, view[2 * halves.resume : 2 * halves.end], second, encoding, bare)
            first_done.result()
            second_done.result()
        with open(target, "ab") as joined, open(second, "rb") as rest:
            shutil.copyfileobj(rest, joined)
    finally:
        second.unlink(missing_ok=True)


def _export(data: bytearray | memoryview, target: Path, encoding: _Encoding, options: list[str] | None = None) -> None:
    """One ffmpeg encode through pydub's export, with its own parameters: the format, the
    codec, the bit rate, and output options (`options`, the channels)."""
    from pydub import AudioSegment
    from pydub.exceptions import CouldntEncodeError

    segment = AudioSegment(data=data, sample_width=2, frame_rate=encoding.sample_rate, channels=1)
    mp3 = encoding.fmt == "mp3"
    try:
        handle = segment.export(
            str(target),
            format="mp3" if mp3 else "ipod",
            codec="libmp3lame" if mp3 else "aac",
            bitrate=f"{encoding.bitrate_kbps}k",
            parameters=["-ac", str(encoding.channels), *(options or [])],
        )
        handle.close()
    except CouldntEncodeError as e:
        raise_if_disk_full(str(e), target)
        last = [line for line in str(e).splitlines() if line.strip()][-1:]
        raise AudioError(f"ffmpeg could not encode {target.name}: {' '.join(last)}") from None
    except OSError as e:
        # pydub writes the samples to a temporary file first (in the scratch folder) and
        # leaves its WAV writer open when that fails: let it go quietly (its __del__ would
        # print a traceback), and say which folder it was.
        where = e.filename or str(Path(tempfile.gettempdir()) / "pydub")
        error = OSError(e.errno, e.strerror, where)
        _release_frames(e)
        raise error from None


def write_wav(pcm: bytearray, target: Path, *, sample_rate: int) -> None:
    with wave.open(str(target), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm)


@contextlib.contextmanager
def _scratch_folder() -> Iterator[Path]:
    """A folder of this encode's own for its intermediate files, removed whatever happens (in
    the process's scratch folder, in memory where the system has it: the encoded stream is
    read back more than once)."""
    folder = tempfile.mkdtemp(prefix="encode-", dir=SCRATCH.path)
    try:
        yield Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

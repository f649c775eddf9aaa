"""Writing the mixed track: MP3 or M4B encoded by ffmpeg as it is mixed, checked, tagged; WAV."""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import wave
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np

from voiceguide.audio.mix import PCM_CHUNK, PEAK_CEILING_DBFS, gain_lines, spread_to_neighbours
from voiceguide.cores import cores
from voiceguide.errors import AudioError, MissingPart, VoiceguideError
from voiceguide.faults import hold
from voiceguide.files import atomic_path
from voiceguide.limits import BITRATE_KBPS
from voiceguide.render.tags import Labels, raise_if_disk_full, tag_m4b, write_tagged_mp3
from voiceguide.scratch import SCRATCH

PEAK_BLOCK = 4096
"""Samples per stretch (about 0.1 s) over which a decoded track's true peak is measured, and
lowered where it overshoots."""
METER_MARGIN_DB = 0.2
"""True-peak meters differ by a tenth of a decibel or so (this one and ffmpeg's ebur128, measured):
the check aims that much under the ceiling, so any meter finds the track under it."""
OVERSHOOT_ROOM_DB = 1.0
"""How far under the ceiling an overshooting stretch is aimed: the encoder's overshoot moves a
little with the level it is given."""
assert PCM_CHUNK % (64 * PEAK_BLOCK) == 0  # a chunk is lowered in whole batches of blocks (_Lowering)
ENCODE_TRIES = 6
"""Each try lowers only what overshot the last time; a few stretches may take their turn."""
MEMORY_FORMAT = 2
"""Bump when what the encode memory holds changes meaning (2: kept by the mix's identity)."""
MP3_ENCODER_DELAY = 1105
"""Samples LAME puts before the audio (576 + its 529-sample decoder delay)."""


def require_ffmpeg() -> None:
    if shutil.which("ffmpeg") is None:
        raise MissingPart("ffmpeg is not installed (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg)")


class Samples(Protocol):
    """A track's 16-bit mono samples, made a chunk at a time (`PCM_CHUNK` samples each), so the
    whole track is never held: `TrackMixer` mixes them, `PcmBuffer` holds them."""

    @property
    def sample_rate(self) -> int: ...

    @property
    def total_samples(self) -> int: ...

    def pcm_chunk(self, index: int) -> np.ndarray:
        """Samples [index * PCM_CHUNK, (index + 1) * PCM_CHUNK) of the track (fewer at its end),
        a fresh array each time (the encoder lowers it in place)."""
        ...

    def sounding(self) -> np.ndarray:
        """Spans [start, stop), one row each, outside which every sample is 0."""
        ...

    def identity(self) -> bytes:
        """The same identity, the same samples."""
        ...


class PcmBuffer:
    """`Samples` held in one buffer (16-bit little-endian mono)."""

    def __init__(self, pcm: bytes | bytearray, sample_rate: int) -> None:
        self._samples = np.frombuffer(pcm, dtype="<i2")
        self.sample_rate = sample_rate
        self.total_samples = self._samples.size

    def pcm_chunk(self, index: int) -> np.ndarray:
        return self._samples[index * PCM_CHUNK : (index + 1) * PCM_CHUNK].copy()

    def sounding(self) -> np.ndarray:
        edges = np.flatnonzero(np.diff(np.concatenate(([0], self._samples != 0, [0])).astype(np.int8)))
        return edges.reshape(-1, 2)

    def identity(self) -> bytes:
        return hashlib.sha256(self._samples.tobytes()).digest()


@dataclass(frozen=True)
class Encoding:
    """How a track is encoded: mp3 or m4b, its bit rate, mono or stereo."""

    fmt: str = "mp3"
    bitrate_kbps: int = BITRATE_KBPS
    channels: int = 1


def write_encoded(
    samples: Samples,
    target: Path,
    *,
    encoding: Encoding,
    labels: Labels,
    peak_ceiling_dbfs: float = PEAK_CEILING_DBFS,
    memory: Path | None = None,
    ahead: EncodersAhead | None = None,
) -> None:
    """Encode the samples, check them, then write them to `target` with their `labels`. The
    samples are made and handed to the encoder a chunk at a time: a five-hour track takes no
    more memory than a five-minute one.

    The check: decode what was encoded and read its true peak, since lossy encoders overshoot
    the samples they are given. Where a stretch is over `peak_ceiling_dbfs`, that stretch
    (and no more) goes in again a little quieter, so the track keeps its loudness.

    `memory` is a folder where what was lowered is kept, by the samples' identity, the settings
    and the encoder: the same track encoded again (a warm render) is lowered the same way
    at once and encoded once, and not decoded, since the same encoder given the same samples
    writes the same stream, which was checked the first time.

    `ahead`: encoders started for this encode before its samples were known; the encode's
    files are then kept in its folder (the caller closes it)."""
    require_ffmpeg()
    fmt = encoding.fmt
    with contextlib.nullcontext(ahead.folder) if ahead else _scratch_folder() as folder:
        audio = folder / f"audio.{'m4a' if fmt == 'm4b' else 'mp3'}"
        parts = _parts(samples, audio, encoding)
        cuts = [(part.start, part.stop) for part in parts]
        key = (encoding, samples.sample_rate, peak_ceiling_dbfs, cuts)
        remembered = _Remembered(memory, samples.identity(), key) if memory else None
        known = remembered.lowerings() if remembered else None
        hold("encoding")
        if known is not None:
            _encode_parts(samples, [_Lowering(need) for need in known], encoding, parts, ahead)
        else:
            needs = _encode_checked(samples, encoding, parts, peak_ceiling_dbfs, ahead)
            if remembered:
                remembered.keep(needs)
        _join(parts, audio)
        if fmt == "mp3":
            write_tagged_mp3(audio, target, labels)
        else:
            tag_m4b(audio, target, folder, labels)


class _Remembered:
    """What an encode of these samples had lowered, kept in a folder by a key of everything
    the encoded stream depends on: the samples' identity, the settings, the ceiling, where the
    track is cut into parts (each checked on its own), the ffmpeg binary."""

    def __init__(self, folder: Path, identity: bytes, settings: tuple[object, ...]) -> None:
        digest = hashlib.sha256(identity)
        ffmpeg = shutil.which("ffmpeg") or ""
        try:
            stat = os.stat(ffmpeg)
            encoder = f"{ffmpeg} {stat.st_size} {stat.st_mtime_ns}"
        except OSError:
            encoder = ffmpeg
        digest.update(repr((MEMORY_FORMAT, settings, METER_MARGIN_DB, encoder)).encode())
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


def _needed(total_samples: int, peaks: np.ndarray, ceiling: float) -> np.ndarray:
    """The gain each `PEAK_BLOCK` of the track needs: for a block whose decoded peak passed
    `ceiling`, enough to bring it `OVERSHOOT_ROOM_DB` under it; 1 for the rest."""
    blocks = -(-total_samples // PEAK_BLOCK)
    need = np.ones(blocks, dtype=np.float32)
    known = min(blocks, peaks.size)
    aim = ceiling * 10 ** (-OVERSHOOT_ROOM_DB / 20)
    over = peaks[:known] > ceiling
    need[:known][over] = aim / peaks[:known][over]
    return need


def _lowered_span(need: np.ndarray) -> tuple[int, np.ndarray]:
    """The first block `need` lowers, and the gains from it to the last it lowers."""
    lowered = np.flatnonzero(need < 1.0)
    first, last = (int(lowered[0]), int(lowered[-1]) + 1) if lowered.size else (0, 0)
    return first, need[first:last].copy()


def _touches(lowered: np.ndarray, start: int, stop: int) -> bool:
    """Whether blocks `lowered` (their gains below 1, after `spread_to_neighbours`) lower any of
    the track's samples [start, stop): a block's gain eases in from the centre of the block
    before it and out to the centre of the one after."""
    return bool(np.any(((lowered - 1) * PEAK_BLOCK < stop) & ((lowered + 2) * PEAK_BLOCK > start)))


class _Lowering:
    """One try's gains by `PEAK_BLOCK` (`_needed`), applied to the track a chunk at a time,
    eased in and out over the blocks beside them (the decoder's samples line up with the
    encoder's to well within a block). Blocks that need no lowering are left as they are, so
    the track keeps its loudness."""

    BATCH = 64
    """Blocks drawn at a time: a few MB of gains, whatever the track's length."""

    def __init__(self, need: np.ndarray) -> None:
        spread = spread_to_neighbours(need)
        self._knots = np.concatenate((spread[:1], spread, spread[-1:]))  # each block's gain, and its neighbours'
        self._blocks = need.size

    def touches(self, start: int, stop: int) -> bool:
        """Whether any of the track's samples [start, stop) is lowered."""
        return _touches(np.flatnonzero(self._knots[1:-1] < 1.0), start, stop)

    def apply(self, samples: np.ndarray, offset: int) -> None:
        """Lower `samples`, the track's from sample `offset` (a whole number of batches in), in place."""
        assert offset % (self.BATCH * PEAK_BLOCK) == 0
        first_block = offset // PEAK_BLOCK
        last_block = min(self._blocks, -(-(offset + samples.size) // PEAK_BLOCK))
        for first in range(first_block, last_block, self.BATCH):
            last = min(first + self.BATCH, last_block)
            here = self._knots[first : last + 2]
            if float(here.min()) < 1.0:
                lo, hi = first * PEAK_BLOCK - offset, min(last * PEAK_BLOCK - offset, samples.size)
                samples[lo:hi] = np.rint(samples[lo:hi] * gain_lines(here, PEAK_BLOCK)[: hi - lo]).astype("<i2")


_TAP_OFFSETS = np.arange(-15, 17)
_INTERPOLATOR = np.stack([np.sinc(_TAP_OFFSETS - f) * np.kaiser(32, 8.0) for f in (0.25, 0.5, 0.75)], axis=1).astype(
    np.float32
)
"""A 4x oversampling interpolator (32-tap windowed sinc), for the three points between two
samples: what a true-peak meter (ITU-R BS.1770) looks at."""


def decoded_true_peaks(path: Path, sample_rate: int, *, floor_dbfs: float = -3.0, offset: int = 0) -> np.ndarray:
    """The decoded file's true peak (4x oversampled, full scale 1.0) in each `PEAK_BLOCK` of
    samples, read as a stream (the whole track is never held). Only stretches whose samples
    reach `floor_dbfs` are oversampled: below it the answer only needs to be "under the
    ceiling", and a true peak sits within about 2 dB of the samples around it.

    `offset`: the track's sample that the file's first decoded sample is (a part of the track
    encoded alone); blocks are the track's, counted from its start (those before the file's are 0)."""
    command = ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(sample_rate), "-"]
    read_size, pad = 16 * PEAK_BLOCK, 256  # the pad covers the interpolator's reach across reads
    threshold = 32768 * 10 ** ((floor_dbfs - 2.0) / 20)
    peaks: list[float] = [0.0] * (offset // PEAK_BLOCK + (1 if offset % PEAK_BLOCK else 0))
    position = offset  # the track's sample index of `measured[0]`
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
class Part:
    """Samples [start, stop) of the track, encoded on their own to `target`."""

    start: int
    stop: int
    target: Path
    options: tuple[str, ...] = ()
    """ffmpeg's output options of this part's own."""
    decoded_from: int = 0
    """The track's sample that the part's first sample is, decoded on its own: a stream with no
    Xing header starts with the encoder's delay."""


def _parts(samples: Samples, audio: Path, encoding: Encoding) -> list[Part]:
    """How the track is encoded: an MP3 in parts where the track allows (`stream_cuts`), each
    part a stream of its own, written one after the other into `audio`; else in one piece."""
    if encoding.fmt != "mp3":
        return [Part(0, samples.total_samples, audio)]
    cuts = stream_cuts(samples, part_count(samples.total_samples / samples.sample_rate))
    if cuts is None:
        # One stream, with a Xing header (the encoder's delay, for gapless players). MP3
        # frames carry the encoder's delay, and players take the length from the frame count:
        # end the track that much early (it ends in the timeline's quiet tail), so the length
        # players show matches the timeline.
        return [Part(0, max(0, samples.total_samples - MP3_ENCODER_DELAY), audio)]
    return [
        Part(start, stop, _part_target(audio.parent, number), BARE_STREAM, start - MP3_ENCODER_DELAY)
        for number, (start, stop) in enumerate(cuts.parts)
    ]


BARE_STREAM = ("-write_xing", "0")
"""A part's output options: frames only, so nothing comes between the parts once joined."""


def _part_target(folder: Path, number: int) -> Path:
    return folder / f"part-{number:03d}.mp3"


class EncodersAhead:
    """MP3 encoders started before the track is known, each waiting on its input for the
    samples of a part (`_parts`), for the first `count` parts: an ffmpeg takes about 0.07 s of
    CPU to start, which is then spent while a warm render still loads the voice and the sounds
    on one core, not while the parts are encoded on every core. A part whose encoder waits here
    takes it; `close` stops the rest and removes the folder, where `write_encoded` then keeps
    its files too. One that cannot start (out of processes or pipe memory) is left to start
    when its part does."""

    def __init__(self, encoding: Encoding, sample_rate: int, count: int) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="encode-", dir=SCRATCH.path))
        self._waiting: dict[tuple[str, ...], subprocess.Popen[bytes]] = {}
        try:
            for number in range(count):
                part = Part(0, 0, _part_target(self.folder, number), BARE_STREAM)
                command = tuple(_ffmpeg_command(part, encoding, sample_rate))
                with contextlib.suppress(OSError):
                    self._waiting[command] = _start_encoder(list(command))
        except BaseException:
            self.close()
            raise

    @staticmethod
    def count_for(duration_s: float) -> int:
        """How many to start for a track of about `duration_s`: its parts, up to two for each
        core (as many more start as the first of them finish)."""
        return min(part_count(duration_s), 2 * cores())

    def __enter__(self) -> EncodersAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def take(self, command: list[str]) -> subprocess.Popen[bytes] | None:
        """The encoder started with this command, if one waits (each is taken once)."""
        return self._waiting.pop(tuple(command), None)

    def close(self) -> None:
        while self._waiting:  # (a part's thread may take one still, after a second Ctrl-C)
            with contextlib.suppress(KeyError):
                encoder = self._waiting.popitem()[1]
                encoder.kill()
                encoder.communicate()  # reaped, its pipes closed
        shutil.rmtree(self.folder, ignore_errors=True)


PART_MINUTES = 3.5
"""About this much of a track goes in each part (two at least, an even number, so two cores
share them evenly): a part that overshoots the ceiling is encoded again alone, and the parts
are encoded and checked as many at once as there are cores."""
MAX_PARTS = 32


def part_count(duration_s: float) -> int:
    return min(MAX_PARTS, 2 * max(1, round(duration_s / 60 / PART_MINUTES / 2)))


def _encode_parts(
    samples: Samples, lowerings: list[_Lowering], encoding: Encoding, parts: list[Part], ahead: EncodersAhead | None
) -> None:
    """Encode each part in an ffmpeg of its own, as many at once as there are cores, each fed
    its samples by a thread of its own as they are mixed (mixing releases the interpreter's
    lock, and the encoders wait on their pipes): a chunk at a time, so the track is never held
    whole.

    ffmpeg through a pipe, not pydub's `export()`: that needs the whole track in one
    `AudioSegment` and writes it to a temporary WAV file before ffmpeg starts."""
    encoders = _Encoders(ahead)
    _each_part(lambda part: _encode_part(samples, lowerings, encoding, part, encoders), parts, encoders)


T = TypeVar("T")


class _Encoders:
    """The encoders of one pass over the parts: the ones running, and whether the pass is
    stopping (another part failed, or Ctrl-C). A part's encoder is taken from those started
    `ahead` where one waits for it, else started now."""

    def __init__(self, ahead: EncodersAhead | None) -> None:
        self.running: set[subprocess.Popen[bytes]] = set()
        self.stopping = threading.Event()
        self._ahead = ahead

    def start(self, command: list[str]) -> subprocess.Popen[bytes]:
        encoder = (self._ahead.take(command) if self._ahead else None) or _start_encoder(command)
        self.running.add(encoder)
        return encoder

    def stop(self) -> None:
        """Stop the pass: every running encoder killed, so its feeding thread's next write fails
        and it returns."""
        self.stopping.set()
        for encoder in list(self.running):
            encoder.kill()


def _start_encoder(command: list[str]) -> subprocess.Popen[bytes]:
    pipe = subprocess.PIPE  # a chunk's worth of room (Linux): fewer turns between feeder and encoder
    return subprocess.Popen(command, stdin=pipe, stdout=subprocess.DEVNULL, stderr=pipe, pipesize=2 * PCM_CHUNK)


def _each_part(work: Callable[[Part], T], parts: list[Part], encoders: _Encoders) -> list[T]:
    """`work` done on each part, as many at once as there are cores; the results in order. On
    Ctrl-C, or a part that failed, the others stop too (`encoders.stop`)."""
    with ThreadPoolExecutor(min(len(parts), cores()), thread_name_prefix="encode") as pool:
        try:
            return list(pool.map(work, parts))
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            encoders.stop()
            raise


def _encode_checked(
    samples: Samples, encoding: Encoding, parts: list[Part], ceiling_dbfs: float, ahead: EncodersAhead | None
) -> list[np.ndarray]:
    """Encode each part, decode it and read its true peak, and encode it again lowered where it
    overshot `ceiling_dbfs`, until it does not: each part on its own, as many at once as there are
    cores, so a part that needs no second encode costs none. The lowerings of every try, for
    the whole track (`_needed`), in order."""
    ceiling = 10 ** ((ceiling_dbfs - METER_MARGIN_DB) / 20)
    overshooting = f"the {encoding.fmt} encoder kept overshooting {ceiling_dbfs:g} dBFS true peak"
    encoders = _Encoders(ahead)

    def check(part: Part) -> list[tuple[int, np.ndarray]]:
        """The part's own lowerings, one a try: the blocks from the first it lowers to the last
        (a five-hour track's whole-track lowering is 0.8 MB, and it has 32 parts)."""
        needs: list[np.ndarray] = []
        for _ in range(ENCODE_TRIES):
            if encoders.stopping.is_set():  # another part failed, or Ctrl-C: no new encoder
                return []
            _encode_part(samples, [_Lowering(need) for need in needs], encoding, part, encoders)
            peaks = decoded_true_peaks(part.target, samples.sample_rate, offset=part.decoded_from)
            if not peaks.size or float(peaks.max()) <= ceiling:
                return [_lowered_span(need) for need in needs]
            needs.append(_needed(samples.total_samples, peaks, ceiling))
        raise AudioError(overshooting)

    own = _each_part(check, parts, encoders)
    # One lowering a try for the whole track, each part's on its own blocks.
    blocks = -(-samples.total_samples // PEAK_BLOCK)
    needs = [np.ones(blocks, dtype=np.float32) for _ in range(max(map(len, own)))]
    for lowered in own:
        for need, (first, gains) in zip(needs, lowered, strict=False):
            np.minimum(need[first : first + gains.size], gains, out=need[first : first + gains.size])
    # A lowering eased across a cut changes a few samples of the part beside it (rare: a cut
    # sits in quiet): that part is encoded again with every part's lowerings, and checked, so
    # it holds what a warm render will give it.
    todo = [
        part
        for number, part in enumerate(parts)
        if any(
            _touches(
                first - 1 + np.flatnonzero(spread_to_neighbours(np.pad(gains, 1, constant_values=1)) < 1),
                part.start,
                part.stop,
            )
            for other in own[:number] + own[number + 1 :]
            for first, gains in other
        )
    ]
    for _ in range(ENCODE_TRIES):
        if not todo:
            return needs
        _encode_parts(samples, [_Lowering(need) for need in needs], encoding, todo, None)
        peaks = _decoded_peaks(todo, samples)
        if not peaks.size or float(peaks.max()) <= ceiling:
            return needs
        needs.append(_needed(samples.total_samples, peaks, ceiling))
        todo = [part for part in parts if _Lowering(needs[-1]).touches(part.start, part.stop)]
    raise AudioError(overshooting)


def _encode_part(
    samples: Samples,
    lowerings: list[_Lowering],
    encoding: Encoding,
    part: Part,
    encoders: _Encoders,
) -> None:
    with encoders.start(_ffmpeg_command(part, encoding, samples.sample_rate)) as encoder:
        try:
            _feed(samples, lowerings, part, encoder, encoders.stopping)
            assert encoder.stderr is not None
            said = encoder.stderr.read().decode(errors="replace")
        finally:
            encoder.wait()
            encoders.running.discard(encoder)
    # At `-v error` ffmpeg says nothing unless something failed, and a write that fails as the
    # file is closed (a full disk) is said, and exits 0.
    if encoder.returncode != 0 or said.strip():
        raise_if_disk_full(said, part.target)
        last = [line for line in said.splitlines() if line.strip()][-1:]
        raise AudioError(f"ffmpeg could not encode {part.target.name}: {' '.join(last) or 'it stopped'}")


def _ffmpeg_command(part: Part, encoding: Encoding, sample_rate: int) -> list[str]:
    rate = str(sample_rate)
    mp3 = encoding.fmt == "mp3"
    output = ["-c:a", "libmp3lame", "-id3v2_version", "0", "-f", "mp3"] if mp3 else ["-c:a", "aac", "-f", "ipod"]
    return [
        *("ffmpeg", "-v", "error", "-y", "-f", "s16le", "-ar", rate, "-ac", "1", "-i", "pipe:0"),
        *("-ac", str(encoding.channels), "-b:a", f"{encoding.bitrate_kbps}k", *output, *part.options, str(part.target)),
    ]


def _feed(
    samples: Samples, lowerings: list[_Lowering], part: Part, encoder: subprocess.Popen[bytes], stop: threading.Event
) -> None:
    """Mix the part's chunks, lower them, and write them to the encoder; then close its input.
    An encoder that stopped early stops the feeding: what it said is reported by the caller."""
    assert encoder.stdin is not None
    # The suppress outside: closing the pipe flushes what is buffered, and that write fails
    # too when the encoder has stopped (a full temporary folder).
    with contextlib.suppress(BrokenPipeError), encoder.stdin as pipe:
        for index in range(part.start // PCM_CHUNK, -(-part.stop // PCM_CHUNK)):
            if stop.is_set():
                return
            offset = index * PCM_CHUNK
            chunk = samples.pcm_chunk(index)
            for lowering in lowerings:
                lowering.apply(chunk, offset)
            pipe.write(chunk[max(0, part.start - offset) : part.stop - offset].data)


def _decoded_peaks(parts: list[Part], samples: Samples) -> np.ndarray:
    """The true peak of each block of the track, from decoding these parts (each alone, as many
    at once as there are cores); blocks of no part here are 0. A part decoded alone starts with
    the encoder's delay: its first decoded sample is the track's `start - MP3_ENCODER_DELAY`,
    and it ends in quiet, as the next part starts (`stream_cuts`)."""
    blocks = -(-samples.total_samples // PEAK_BLOCK)
    peaks = np.zeros(blocks, dtype=np.float32)

    def decode(part: Part) -> np.ndarray:
        return decoded_true_peaks(part.target, samples.sample_rate, offset=part.decoded_from)

    with ThreadPoolExecutor(min(len(parts), cores()), thread_name_prefix="check") as pool:
        for found in pool.map(decode, parts):
            found = found[:blocks]
            np.maximum(peaks[: found.size], found, out=peaks[: found.size])
    return peaks


def _join(parts: list[Part], audio: Path) -> None:
    """The parts' streams, one after the other, into `audio` (where a single part already is)."""
    if len(parts) == 1 and parts[0].target == audio:
        return
    with open(audio, "wb") as joined:
        for part in parts:
            with open(part.target, "rb") as stream:
                shutil.copyfileobj(stream, joined, 1 << 20)
            part.target.unlink()


@dataclass(frozen=True)
class Cuts:
    """Where a track is cut to be encoded as MP3 streams that play as one (in samples)."""

    parts: list[tuple[int, int]]
    """Each stream's samples [start, stop). The first starts at `MP3_ENCODER_DELAY` (the
    encoder's delay is taken from the opening quiet); each is whole frames; each after the first
    starts one frame of quiet after the one before it stops, which is left out."""


MP3_FRAME = 1152
CUT_QUIET_FRAMES = 3
"""A cut sits in digital silence this many frames deep on each side: the decoder joins the
two streams in the frames around it."""
SOUNDING_FRAME_COST = 3.5
"""LAME's time for a frame with sound in it, in quiet frames' (measured on the built-in routine:
0.67 s of CPU for two minutes of its speech, 0.19 s for two minutes of quiet). The cuts make
the parts equal work, not equal length: cut at its middle sample, the half of the built-in
routine with the introduction took 1.29 s and the other 1.02 s."""
JOIN_EXTRA = MP3_FRAME - MP3_ENCODER_DELAY
"""The joined streams decode to this many samples past the last one encoded."""


def stream_cuts(samples: Samples, count: int = 2) -> Cuts | None:
    """Cuts in quiet that split the track into `count` parts of about equal work for the
    encoder, each to be encoded as an MP3 stream of its own.

    LAME turns `n` samples (`n` whole frames) into `n / 1152 + 1` frames, its delay of 1105
    samples (`MP3_ENCODER_DELAY`) in front. Written one after the other, with no tag between
    them, two such streams decode as one stream would, except that the second starts one
    frame later: so that frame of quiet is left out of the track at each cut (measured with
    ffmpeg: every sound in place to the sample, both sides). No stream has a Xing header, so
    every decoder plays the file alike, the delay included: it is taken from the track's
    opening quiet, and each sound decodes at its own sample. None if the track does not open
    and end with enough quiet, or has no quiet place near each cut. Found from where the
    sounds lie, without making the track."""
    total = samples.total_samples
    start = MP3_ENCODER_DELAY
    spans = samples.sounding()
    spans = spans[spans[:, 1] > spans[:, 0]]
    if count < 2 or total < 8 * samples.sample_rate or np.any(spans[:, 0] < start):
        return None
    # Which frames (counted from `start`) hold any sound: +1 where a span starts, -1 after it
    # ends, summed. Every array here is a few bytes a frame (2 MB for five hours at most).
    frames = (total - start) // MP3_FRAME
    edges = np.zeros(frames + 1, dtype=np.int32)
    np.add.at(edges, np.minimum((spans[:, 0] - start) // MP3_FRAME, frames), 1)
    np.add.at(edges, np.minimum((spans[:, 1] - 1 - start) // MP3_FRAME + 1, frames), -1)
    heard = np.cumsum(edges, out=edges)[:frames] > 0  # frame i holds sound
    heard_before = edges  # reused: heard_before[i] is how many of frames 0..i-1 hold sound
    np.cumsum(heard, out=heard_before[1:])
    heard_before[0] = 0

    def work(upto: int) -> float:  # of frames 0..upto-1, for the encoder
        return upto + (SOUNDING_FRAME_COST - 1) * int(heard_before[upto])

    # A cut at frame `c` needs frames c - reach .. c + reach (the left-out frame among them)
    # quiet: the nearest such frame to where the work is shared out evenly, either way.
    reach = CUT_QUIET_FRAMES
    quiet = np.zeros(frames, dtype=bool)
    quiet[reach : frames - reach] = heard_before[2 * reach + 1 :] == heard_before[: -(2 * reach + 1)]
    quiet[: reach + 1] = quiet[frames - reach - 1 :] = False
    cut_frames: list[int] = []
    for number in range(1, count):
        middle = bisect.bisect_left(range(frames), work(frames) * number / count, key=lambda f: work(f + 1))
        before = middle - int(np.argmax(quiet[middle::-1])) if quiet[: middle + 1].any() else None
        after = middle + int(np.argmax(quiet[middle:])) if quiet[middle:].any() else None
        near = [c for c in (before, after) if c is not None and (not cut_frames or c > cut_frames[-1] + 1)]
        if not near:
            return None
        cut_frames.append(min(near, key=lambda c: abs(c - middle)))
    parts = []
    first = start
    for cut_frame in cut_frames:
        cut = start + cut_frame * MP3_FRAME
        parts.append((first, cut))
        first = cut + MP3_FRAME
    end = first + (total - JOIN_EXTRA - first) // MP3_FRAME * MP3_FRAME
    if end <= first or np.any(spans[:, 1] > end):
        return None  # the track ends in sound: no room for the encoder's frames
    parts.append((first, end))
    return Cuts(parts)


def write_wav(samples: Samples, target: Path) -> None:
    with wave.open(str(target), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(samples.sample_rate)
        for index in range(-(-samples.total_samples // PCM_CHUNK)):
            w.writeframes(samples.pcm_chunk(index).tobytes())


@contextlib.contextmanager
def _scratch_folder() -> Iterator[Path]:
    """A folder of this encode's own for its intermediate files, removed whatever happens (in
    the process's scratch folder: the encoded stream is read back more than once)."""
    folder = tempfile.mkdtemp(prefix="encode-", dir=SCRATCH.path)
    try:
        yield Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

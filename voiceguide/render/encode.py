"""Writing the mixed track: MP3 or M4B encoded as it is mixed, checked, tagged; WAV.

An MP3's parts are encoded by LAME and read back by mpg123 where they are installed (`make run`
installs both), else by ffmpeg: LAME's command line writes the very bytes ffmpeg's libmp3lame
does, and mpg123 decodes them to the same samples (to one step of 16 bits), but each starts in
a twentieth of ffmpeg's time, and mpg123 decodes in about 40 % of it (docs/dependencies.md).
ffmpeg encodes an M4B, a stereo MP3 and a track too short to cut (an MP3 of those is still
read back by mpg123)."""

from __future__ import annotations

import bisect
import contextlib
import errno
import hashlib
import itertools
import os
import shutil
import subprocess
import tempfile
import threading
import wave
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np

from voiceguide.audio.mix import LIMITER_BLOCK, PCM_CHUNK, PEAK_CEILING_DBFS, gain_lines, spread_to_neighbours
from voiceguide.cores import cores
from voiceguide.errors import AudioError, MissingPart, VoiceguideError
from voiceguide.faults import hold
from voiceguide.files import atomic_path
from voiceguide.limits import BITRATE_KBPS, CHAPTER_GRID, CHAPTER_QUIET_S, SAMPLE_RATE
from voiceguide.render.patch import FRAME_SAMPLES, fits, read_frames, spliced, stretches
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
ENCODE_TRIES = 6
"""Each try lowers only what overshot the last time; a few stretches may take their turn."""
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
    chapter_starts: Sequence[int] = (),
) -> None:
    """Encode the samples, check them, then write them to `target` with their `labels`. The
    samples are made and handed to the encoder a chunk at a time: a five-hour track takes no
    more memory than a five-minute one.

    The check: decode what was encoded and read its true peak, since lossy encoders overshoot
    the samples they are given. Where a stretch is over `peak_ceiling_dbfs`, that stretch
    (and no more) goes in again a little quieter, so the track keeps its loudness; in an MP3
    part, only the frames around it are encoded again (render/patch.py).

    An MP3 is encoded in parts, each checked on its own, cut at the track's chapters where it
    can be (`chapter_starts`, in samples: `chapter_cuts`). `memory` is a folder where each part
    is kept as encoded and checked (`PartStore`), by the samples it was made from: a part an
    earlier render made is copied, not encoded (a warm render encodes nothing), and after an
    edit only the parts it touched are encoded."""
    require_ffmpeg()
    fmt = encoding.fmt
    with _scratch_folder() as folder:
        audio = folder / f"audio.{'m4a' if fmt == 'm4b' else 'mp3'}"
        parts = _parts(samples, audio, encoding, chapter_starts)
        store = PartStore(memory, encoding, samples.sample_rate, peak_ceiling_dbfs) if memory else None
        hold("encoding")
        _encode_checked(samples, encoding, parts, peak_ceiling_dbfs, store)
        _join(parts, audio)
        if store:
            store.prune()
        if fmt == "mp3":
            write_tagged_mp3(audio, target, labels)
        else:
            tag_m4b(audio, target, folder, labels)


class PartStore:
    """Parts as encoded and checked (lowered where they overshot), each kept by a digest of
    the samples it was made from and everything else its stream depends on (the settings, the
    ceiling, the part's own options, the programs that encode and read it back): a part found
    here is copied instead of encoded, and is not checked again. The least recently used go
    once the store passes `BYTES`."""

    FORMAT = 2
    """Bump when what a part's stream depends on changes in a way the key does not show."""
    BYTES = 300_000_000
    """About ten hours of 64 kbit/s parts: a week of edits to a few routines."""

    def __init__(self, folder: Path, encoding: Encoding, sample_rate: int, ceiling_dbfs: float) -> None:
        self.folder = folder
        self.holds_any = _holds_any(folder)
        """Whether any part is kept: if none is, a part's key is found as it is encoded, not
        by mixing its samples once more first."""
        self._encoding = encoding
        self._sample_rate = sample_rate
        self._settings = repr((self.FORMAT, encoding, sample_rate, ceiling_dbfs, METER_MARGIN_DB))

    def key(self, part: Part, samples_digest: bytes) -> str:
        tools = (  # the encoder, and the reader the check trusts (to a step of 16 bits)
            _program(_encoder_command(part, self._encoding, self._sample_rate)[0]),
            _program(_decoder_command(part.target, self._sample_rate)[0]),
        )
        own = repr((part.options, part.start - part.decoded_from, part.target.suffix, tools))
        return hashlib.sha256(f"{self._settings}{own}".encode() + samples_digest).hexdigest()

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.audio"

    def fetch(self, key: str, target: Path) -> bool:
        """Copy the part kept under `key` to `target`, if there is one."""
        path = self.path(key)
        try:
            shutil.copyfile(path, target)
            os.utime(path)  # used: the last to go
        except OSError:
            return False
        return True

    def keep(self, key: str, encoded: Path) -> None:
        """Keep a checked part (atomically; a store that cannot be written only costs time), unless
        it is a big share of the store on its own (a long M4B, in one part)."""
        with contextlib.suppress(OSError, VoiceguideError):
            if encoded.stat().st_size > self.BYTES // 4:
                return
            with atomic_path(self.path(key), overwrite=True) as tmp:
                shutil.copyfile(encoded, tmp)

    def prune(self) -> None:
        """Remove the least recently used parts until the store is within `BYTES` (another
        process may be pruning too: a part already gone is passed over)."""
        kept = []
        with contextlib.suppress(OSError), os.scandir(self.folder) as entries:
            for entry in entries:
                if entry.name.endswith(".audio") and not entry.name.startswith("."):
                    with contextlib.suppress(OSError):
                        stat = entry.stat()
                        kept.append((stat.st_mtime_ns, stat.st_size, entry.path))
        total = 0
        for _, size, path in sorted(kept, reverse=True):
            total += size
            if total > self.BYTES:
                with contextlib.suppress(OSError):
                    os.unlink(path)


def _holds_any(folder: Path) -> bool:
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        return any(entry.name.endswith(".audio") and not entry.name.startswith(".") for entry in entries)
    return False


def _program(name: str) -> str:
    """Which program runs: its path, size and time (an upgrade may write other bytes)."""
    path = shutil.which(name) or name
    try:
        stat = os.stat(path)
    except OSError:
        return path
    return f"{path} {stat.st_size} {stat.st_mtime_ns}"


def _needed(length: int, peaks: np.ndarray, ceiling: float) -> np.ndarray:
    """The gain each `PEAK_BLOCK` of `length` samples needs: for a block whose decoded peak
    passed `ceiling`, enough to bring it `OVERSHOOT_ROOM_DB` under it; 1 for the rest."""
    blocks = -(-length // PEAK_BLOCK)
    need = np.ones(blocks, dtype=np.float32)
    known = min(blocks, peaks.size)
    aim = ceiling * 10 ** (-OVERSHOOT_ROOM_DB / 20)
    over = peaks[:known] > ceiling
    need[:known][over] = aim / peaks[:known][over]
    return need


class _Lowering:
    """One try's gains by `PEAK_BLOCK` (`_needed`), counted from the track's sample `origin` (a
    part's first decoded sample: the part is lowered the same wherever it sits in the track),
    applied a chunk at a time, eased in and out over the blocks beside them (the decoder's
    samples line up with the encoder's to well within a block). Blocks that need no lowering
    are left as they are, so the track keeps its loudness."""

    BATCH = 64
    """Blocks drawn at a time: a few MB of gains, whatever the part's length."""

    def __init__(self, need: np.ndarray, origin: int) -> None:
        spread = spread_to_neighbours(need)
        self._knots = np.concatenate((spread[:1], spread, spread[-1:]))  # each block's gain, and its neighbours'
        self._blocks = need.size
        self._origin = origin

    def apply(self, samples: np.ndarray, offset: int) -> None:
        """Lower `samples`, the track's from sample `offset`, in place."""
        start, stop = offset - self._origin, offset - self._origin + samples.size  # from the origin
        for first in range(max(0, start // PEAK_BLOCK), min(self._blocks, -(-stop // PEAK_BLOCK)), self.BATCH):
            last = min(first + self.BATCH, self._blocks)
            here = self._knots[first : last + 2]
            if float(here.min()) < 1.0:
                lo, hi = max(start, first * PEAK_BLOCK), min(stop, last * PEAK_BLOCK)
                gains = gain_lines(here, PEAK_BLOCK)[lo - first * PEAK_BLOCK : hi - first * PEAK_BLOCK]
                samples[lo - start : hi - start] = np.rint(samples[lo - start : hi - start] * gains).astype("<i2")


_TAP_OFFSETS = np.arange(-15, 17)
_INTERPOLATOR = np.stack([np.sinc(_TAP_OFFSETS - f) * np.kaiser(32, 8.0) for f in (0.25, 0.5, 0.75)], axis=1).astype(
    np.float32
)
"""A 4x oversampling interpolator (32-tap windowed sinc), for the three points between two
samples: what a true-peak meter (ITU-R BS.1770) looks at."""


def decoded_true_peaks(path: Path, sample_rate: int, *, floor_dbfs: float = -3.0, length: int = 0) -> np.ndarray:
    """The decoded file's true peak (4x oversampled, full scale 1.0) in each `PEAK_BLOCK` of
    samples, read as a stream (the whole track is never held). Only stretches whose samples
    reach `floor_dbfs` are oversampled: below it the answer only needs to be "under the
    ceiling", and a true peak sits within about 2 dB of the samples around it.

    At least `length` samples must decode (a part's own): mpg123 passes over what it cannot
    read, and says nothing."""
    command = _decoder_command(path, sample_rate)
    read_size, pad = 16 * PEAK_BLOCK, 256  # the pad covers the interpolator's reach across reads
    threshold = 32768 * 10 ** ((floor_dbfs - 2.0) / 20)
    peaks: list[float] = []
    position = 0  # the decoded sample index of `measured[0]`
    carry = np.zeros(pad, dtype=np.float32)
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as decoder:
        assert decoder.stdout is not None and decoder.stderr is not None
        while True:
            data = decoder.stdout.read(2 * read_size)
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
        errors = decoder.stderr.read().decode(errors="replace").strip()
    if decoder.returncode != 0 or position < length:
        said = errors[-200:] or f"{position} samples of {length}"
        raise AudioError(f"{Path(command[0]).name} could not read back {path.name}: {said}")
    return np.array(peaks, dtype=np.float32) / 32768


def _decoder_command(path: Path, sample_rate: int) -> list[str]:
    """mpg123 for an MP3 where it is installed, else ffmpeg: 16-bit mono (mixed down) at `sample_rate`."""
    mpg123 = shutil.which("mpg123") if path.suffix == ".mp3" else None
    if mpg123:
        return [mpg123, "--quiet", "--mono", "--rate", str(sample_rate), "--stdout", str(path)]
    return ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(sample_rate), "-"]


@dataclass(frozen=True)
class Part:
    """Samples [start, stop) of the track, encoded on their own to `target`."""

    start: int
    stop: int
    target: Path
    options: tuple[str, ...] = ()
    """ffmpeg's output options of this part's own. `BARE_STREAM` parts are the ones LAME
    encodes, where installed, with the same stream (`_encoder_command`)."""
    decoded_from: int = 0
    """The track's sample that the part's first sample is, decoded on its own: a stream with no
    Xing header starts with the encoder's delay."""


def _parts(samples: Samples, audio: Path, encoding: Encoding, chapter_starts: Sequence[int] = ()) -> list[Part]:
    """How the track is encoded: an MP3 in parts where the track allows, each part a stream of
    its own, written one after the other into `audio`: cut at its chapters (`chapter_cuts`), else
    into parts of equal work (`stream_cuts`); else in one piece."""
    if encoding.fmt != "mp3":
        return [Part(0, samples.total_samples, audio)]
    cuts = chapter_cuts(samples, chapter_starts) or stream_cuts(
        samples, part_count(samples.total_samples / samples.sample_rate)
    )
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


PART_MINUTES = 3.5
"""About this much of a track goes in each part (two at least, an even number, so two cores
share them evenly): the parts are encoded and checked as many at once as there are cores."""
MAX_PARTS = 32


def part_count(duration_s: float) -> int:
    return min(MAX_PARTS, 2 * max(1, round(duration_s / 60 / PART_MINUTES / 2)))


T = TypeVar("T")


class _Encoders:
    """The encoders of one pass over the parts: the ones running, and whether the pass is
    stopping (another part failed, or Ctrl-C)."""

    def __init__(self) -> None:
        self.running: set[subprocess.Popen[bytes]] = set()
        self.stopping = threading.Event()

    def start(self, command: list[str]) -> subprocess.Popen[bytes]:
        encoder = _start_encoder(command)
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
    samples: Samples,
    encoding: Encoding,
    parts: list[Part],
    ceiling_dbfs: float,
    store: PartStore | None,
) -> None:
    """Each part copied from the `store` where it holds the part's samples; else encoded,
    decoded to read its true peak, and where it overshot `ceiling_dbfs`, the stretch of frames
    around each overshoot encoded again, lowered, until it does not, and put in place
    (`_patched`; the whole part again where that cannot be done); then kept in the store. Each
    part on its own, as many at once as there are cores."""
    ceiling = 10 ** ((ceiling_dbfs - METER_MARGIN_DB) / 20)
    overshooting = f"the {encoding.fmt} encoder kept overshooting {ceiling_dbfs:g} dBFS true peak"
    encoders = _Encoders()

    def check(part: Part) -> None:
        key = None
        if store is not None and store.holds_any:
            # The part's samples mixed once more to find its key: a tenth of the encoder's work.
            found = hashlib.sha256()
            for piece in _pieces(samples, [], part, encoders.stopping):
                found.update(piece)
            key = store.key(part, found.digest())
            if not encoders.stopping.is_set() and store.fetch(key, part.target):
                return
        if encoders.stopping.is_set():  # another part failed, or Ctrl-C: no new encoder
            return
        # Nothing kept (a first render): its key found from the samples as they are encoded.
        digest = hashlib.sha256() if store is not None and key is None else None
        _encode_part(samples, [], encoding, part, encoders, digest)
        if store is not None and digest is not None:
            key = store.key(part, digest.digest())
        peaks = decoded_true_peaks(part.target, samples.sample_rate, length=_decoded_length(part))
        if peaks.size and float(peaks.max()) > ceiling:
            lowering = _Lowering(_needed(part.stop - part.decoded_from, peaks, ceiling), part.decoded_from)
            patched = _patched(samples, encoding, part, lowering, peaks > ceiling, under)
            if not patched and under(part, [lowering]) is False:  # no stretch could be made alone: all of it
                raise AudioError(overshooting)
        if store is not None and key is not None and not encoders.stopping.is_set():
            store.keep(key, part.target)

    def under(part: Part, lowerings: list[_Lowering]) -> bool | None:
        """Encode `part` lowered by `lowerings`, read its true peak, and again lowered where it
        overshot, until it does not: True then, False if it still overshot after
        `ENCODE_TRIES`, None if the pass stopped first."""
        lowerings = list(lowerings)
        for _ in range(ENCODE_TRIES):
            if encoders.stopping.is_set():
                return None
            _encode_part(samples, lowerings, encoding, part, encoders)
            peaks = decoded_true_peaks(part.target, samples.sample_rate, length=_decoded_length(part))
            if not peaks.size or float(peaks.max()) <= ceiling:
                return True
            lowerings.append(_Lowering(_needed(part.stop - part.decoded_from, peaks, ceiling), part.decoded_from))
        return False

    _each_part(check, parts, encoders)


def _decoded_length(part: Part) -> int:
    """How many samples the part must decode to, at least, counted from its first decoded
    sample: a bare stream decodes its encoder's delay too; a stream with a header (or an M4B)
    is trimmed by the decoder to about its samples, give or take a frame."""
    return part.stop - part.decoded_from - (0 if part.options == BARE_STREAM else MP3_FRAME)


def _patched(
    samples: Samples,
    encoding: Encoding,
    part: Part,
    lowering: _Lowering,
    over: np.ndarray,
    under: Callable[[Part, list[_Lowering]], bool | None],
) -> bool:
    """Where `part`'s blocks `over` overshot, only the stretches of frames around them made
    again (`under`: lowered until they do not overshoot) and put in place (render/patch.py);
    False, the part as it was, where that cannot be done (a part with no quiet around the
    overshoot, not a bare stream, or a stretch that alone still overshot after every try).
    True too if the pass stopped meanwhile."""
    if part.options != BARE_STREAM:
        return False
    stream = part.target.read_bytes()
    frames = read_frames(stream)
    blocks = np.flatnonzero(over).tolist()
    plan = stretches(frames, [(b * PEAK_BLOCK, (b + 1) * PEAK_BLOCK) for b in blocks]) if frames else None
    if frames is None or plan is None or part.start + (frames.count - 1) * MP3_FRAME != part.stop:
        return False
    made = []
    for number, (begin, end) in enumerate(plan):
        start = part.start + begin * MP3_FRAME  # frame `begin` decodes from 1105 samples before: patch.py
        target = part.target.with_name(f"{part.target.stem}-{number}{part.target.suffix}")
        stretch = Part(start, part.start + (end - 1) * MP3_FRAME, target, BARE_STREAM, start - MP3_ENCODER_DELAY)
        done = under(stretch, [lowering])
        if done is None:
            return True  # stopping: the part is not kept
        if not done:
            target.unlink(missing_ok=True)
            return False
        replacement = target.read_bytes()
        target.unlink()
        made_frames = read_frames(replacement)
        if made_frames is None or not fits(frames, (begin, end), made_frames):
            return False
        made.append(((begin, end), replacement))
    part.target.write_bytes(spliced(stream, frames, made))
    return True


def _encode_part(
    samples: Samples,
    lowerings: list[_Lowering],
    encoding: Encoding,
    part: Part,
    encoders: _Encoders,
    digest: hashlib._Hash | None = None,
) -> None:
    """Encode the part's samples, lowered; `digest`, if given, takes the samples as mixed."""
    command = _encoder_command(part, encoding, samples.sample_rate)
    with encoders.start(command) as encoder:
        try:
            _feed(samples, lowerings, part, encoder, encoders.stopping, digest)
            assert encoder.stderr is not None
            said = encoder.stderr.read().decode(errors="replace")
        finally:
            encoder.wait()
            encoders.running.discard(encoder)
    program = Path(command[0]).name
    # At `-v error` ffmpeg says nothing unless something failed, and a write that fails as the
    # file is closed (a full disk) is said, and exits 0. LAME always warns of its input library
    # (Debian's); a write that fails exits 1 with no cause given, and one that fails as the file
    # is closed is not even noticed: it exits 0, so what it wrote is measured.
    if program == "ffmpeg":
        failed = encoder.returncode != 0 or bool(said.strip())
    else:
        failed = encoder.returncode != 0 or _written_short(part, encoding, samples.sample_rate)
    if failed:
        raise_if_disk_full(said, part.target)
        if program != "ffmpeg" and shutil.disk_usage(part.target.parent).free < LAME_FULL_DISK_BYTES:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(part.target))
        last = [line for line in said.splitlines() if line.strip() and not line.startswith(LAME_NOISE)][-1:]
        raise AudioError(f"{program} could not encode {part.target.name}: {' '.join(last) or 'it stopped short'}")


LAME_NOISE = ("WARNING: libsndfile may ignore", "Compile without libsndfile")
"""What Debian's LAME says on every run."""
LAME_FULL_DISK_BYTES = 1 << 20
"""LAME says only "Error writing mp3 output", or nothing: where less than this is left in the
folder, the disk is taken to be full."""


def _written_short(part: Part, encoding: Encoding, sample_rate: int) -> bool:
    """Whether a bare MP3 stream holds fewer bytes than its frames take: `n` samples (whole
    frames) make `n / 1152 + 1` frames of a constant bit rate, each its share of the bit rate
    rounded down (or a byte more). (MPEG-1's rates, the mix's: under 32 kHz a frame is half as
    long, and nothing is measured.)"""
    if sample_rate < 32_000:
        return False
    frames = (part.stop - part.start) // MP3_FRAME + 1
    try:
        size = part.target.stat().st_size
    except OSError:
        return True
    return size < frames * (144_000 * encoding.bitrate_kbps // sample_rate)


def _encoder_command(part: Part, encoding: Encoding, sample_rate: int) -> list[str]:
    """LAME's own command where it is installed and the part is a mono MP3 stream with no
    header (`-t`: the same bytes as ffmpeg writes with `BARE_STREAM`, measured at 32 to 128
    kbit/s, 22.05 and 44.1 kHz; tests/test_render.py holds 32, 64 and 128 at 44.1); else
    ffmpeg's."""
    lame = shutil.which("lame") if (encoding.fmt, encoding.channels, part.options) == ("mp3", 1, BARE_STREAM) else None
    if lame:
        khz = f"{sample_rate / 1000:g}"
        return [
            *(lame, "--quiet", "-r", "-s", khz, "--bitwidth", "16", "--signed", "--little-endian"),
            *("--resample", khz, "-m", "m", "-b", str(encoding.bitrate_kbps), "--cbr", "-t", "-", str(part.target)),
        ]
    rate = str(sample_rate)
    mp3 = encoding.fmt == "mp3"
    output = ["-c:a", "libmp3lame", "-id3v2_version", "0", "-f", "mp3"] if mp3 else ["-c:a", "aac", "-f", "ipod"]
    return [
        *("ffmpeg", "-v", "error", "-y", "-f", "s16le", "-ar", rate, "-ac", "1", "-i", "pipe:0"),
        *("-ac", str(encoding.channels), "-b:a", f"{encoding.bitrate_kbps}k", *output, *part.options, str(part.target)),
    ]


def _feed(
    samples: Samples,
    lowerings: list[_Lowering],
    part: Part,
    encoder: subprocess.Popen[bytes],
    stop: threading.Event,
    digest: hashlib._Hash | None,
) -> None:
    """Mix the part's chunks, lower them, and write them to the encoder; then close its input.
    An encoder that stopped early stops the feeding: what it said is reported by the caller."""
    assert encoder.stdin is not None
    # The suppress outside: closing the pipe flushes what is buffered, and that write fails
    # too when the encoder has stopped (a full temporary folder).
    with contextlib.suppress(BrokenPipeError), encoder.stdin as pipe:
        for piece in _pieces(samples, lowerings, part, stop):
            if digest is not None:
                digest.update(piece)
            pipe.write(piece)


def _pieces(samples: Samples, lowerings: list[_Lowering], part: Part, stop: threading.Event) -> Iterator[memoryview]:
    """The part's samples as the encoder takes them (16-bit, lowered), a chunk's worth at a time;
    none more once `stop` is set."""
    for index in range(part.start // PCM_CHUNK, -(-part.stop // PCM_CHUNK)):
        if stop.is_set():
            return
        offset = index * PCM_CHUNK
        chunk = samples.pcm_chunk(index)
        for lowering in lowerings:
            lowering.apply(chunk, offset)
        yield chunk[max(0, part.start - offset) : part.stop - offset].data


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


MP3_FRAME = FRAME_SAMPLES
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
CHAPTER_LEAD = JOIN_EXTRA + CUT_QUIET_FRAMES * MP3_FRAME
"""How far before its first chapter a part starts (`chapter_cuts`): on the frame grid the first
part sets (`MP3_ENCODER_DELAY` past a multiple of a frame, where chapters start on one), with
`CUT_QUIET_FRAMES` of the chapter's quiet before the chapter."""
assert CHAPTER_GRID % MP3_FRAME == 0 and CHAPTER_GRID % LIMITER_BLOCK == 0
assert CHAPTER_QUIET_S * SAMPLE_RATE >= CHAPTER_LEAD + (CUT_QUIET_FRAMES + 1) * MP3_FRAME  # the quiet a cut needs
PART_SHORTEST_S = 45.0
"""A chapter shorter than this shares its part with the next one (`chapter_cuts`): each part is
an encoder to start (0.003 s of CPU for LAME, 0.07 s for ffmpeg) and, in a first render, a
decode to check. A routine of
hours in chapters of a minute or two has a part for each: a few seconds of starting more."""


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
    frames = _Frames.of(samples) if count >= 2 else None
    if frames is None:
        return None
    cut_frames: list[int] = []
    total_work = frames.work(frames.count)
    for number in range(1, count):
        middle = bisect.bisect_left(range(frames.count), total_work * number / count, key=lambda f: frames.work(f + 1))
        quiet = frames.quiet
        before = middle - int(np.argmax(quiet[middle::-1])) if quiet[: middle + 1].any() else None
        after = middle + int(np.argmax(quiet[middle:])) if quiet[middle:].any() else None
        near = [c for c in (before, after) if c is not None and (not cut_frames or c > cut_frames[-1] + 1)]
        if not near:
            return None
        cut_frames.append(min(near, key=lambda c: abs(c - middle)))
    return frames.cuts(cut_frames)


def chapter_cuts(samples: Samples, chapter_starts: Sequence[int]) -> Cuts | None:
    """Cuts just before chapters, each part one chapter or more: a chapter shorter than
    `PART_SHORTEST_S` shares the next one's part. None where fewer than two parts can be had.

    Chapters start on the compiler's grid (`CHAPTER_GRID`, whole MP3 frames), and each part
    starts the same number of samples before its first chapter (`CHAPTER_LEAD`): so a part
    holds the same samples, and encodes to the same stream, wherever an edit before it has
    moved it (`PartStore`). Whether a part ends before a chapter depends on the chapter before
    it alone, so an edit re-cuts no part but its own and, where it makes its chapter cross
    `PART_SHORTEST_S`, the one beside it."""
    frames = _Frames.of(samples)
    if frames is None:
        return None
    shortest = round(PART_SHORTEST_S * samples.sample_rate)
    cut_frames: list[int] = []
    for before, chapter in itertools.pairwise(chapter_starts):
        if chapter % MP3_FRAME or chapter - before < shortest:
            continue  # a short chapter shares the next one's part (or one off the grid: not the compiler's)
        cut = (chapter - CHAPTER_LEAD - MP3_FRAME - MP3_ENCODER_DELAY) // MP3_FRAME  # the frame left out
        if 0 <= cut < frames.count and frames.quiet[cut] and (not cut_frames or cut > cut_frames[-1] + 1):
            cut_frames.append(cut)
    return frames.cuts(cut_frames) if cut_frames else None


@dataclass(frozen=True)
class _Frames:
    """The track as MP3 frames counted from `MP3_ENCODER_DELAY`: which of them a cut may leave out."""

    count: int
    quiet: np.ndarray
    """Frame i may be left out at a cut: it and `CUT_QUIET_FRAMES` either side of it are digital silence."""
    heard_before: np.ndarray
    """How many of frames 0..i-1 hold sound."""
    total_samples: int
    sound_end: int
    """The sample after the last sound."""

    @staticmethod
    def of(samples: Samples) -> _Frames | None:
        """None if the track is short, or does not open with the encoder's delay in quiet."""
        total = samples.total_samples
        start = MP3_ENCODER_DELAY
        spans = samples.sounding()
        spans = spans[spans[:, 1] > spans[:, 0]]
        if total < 8 * samples.sample_rate or np.any(spans[:, 0] < start):
            return None
        # Which frames hold any sound: +1 where a span starts, -1 after it ends, summed. Every
        # array here is a few bytes a frame (2 MB for five hours at most).
        frames = (total - start) // MP3_FRAME
        edges = np.zeros(frames + 1, dtype=np.int32)
        np.add.at(edges, np.minimum((spans[:, 0] - start) // MP3_FRAME, frames), 1)
        np.add.at(edges, np.minimum((spans[:, 1] - 1 - start) // MP3_FRAME + 1, frames), -1)
        heard = np.cumsum(edges, out=edges)[:frames] > 0  # frame i holds sound
        heard_before = edges  # reused: heard_before[i] is how many of frames 0..i-1 hold sound
        np.cumsum(heard, out=heard_before[1:])
        heard_before[0] = 0
        # A cut at frame `c` needs frames c - reach .. c + reach (the left-out frame among them) quiet.
        reach = CUT_QUIET_FRAMES
        quiet = np.zeros(frames, dtype=bool)
        quiet[reach : frames - reach] = heard_before[2 * reach + 1 :] == heard_before[: -(2 * reach + 1)]
        quiet[: reach + 1] = quiet[frames - reach - 1 :] = False
        return _Frames(frames, quiet, heard_before, total, int(spans[:, 1].max()) if spans.size else 0)

    def work(self, upto: int) -> float:
        """The encoder's work for frames 0..upto-1."""
        return upto + (SOUNDING_FRAME_COST - 1) * int(self.heard_before[upto])

    def cuts(self, cut_frames: list[int]) -> Cuts | None:
        """The parts either side of these frames, each left out; None if the last part would
        end in sound (no room for the encoder's frames)."""
        parts = []
        first = MP3_ENCODER_DELAY
        for cut_frame in cut_frames:
            cut = MP3_ENCODER_DELAY + cut_frame * MP3_FRAME
            parts.append((first, cut))
            first = cut + MP3_FRAME
        end = first + (self.total_samples - JOIN_EXTRA - first) // MP3_FRAME * MP3_FRAME
        if end <= first or self.sound_end > end:
            return None
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

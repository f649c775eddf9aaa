"""The sound device, fed in order: one continuous stream, or simpleaudio buffers joined in quiet.

The player puts pieces of sound into a `Feed` (the pre-roll's quiet, the lead-in, the track
chunk by chunk); the output takes them as the device asks, and never waits for them: an
empty feed plays quiet. Every frame handed out is numbered, and the feed remembers which
track sample each frame carries, so the output can say what is being heard now (the frame at
the device's digital-to-analogue converter, its latency included) in the track's own terms.

`StreamOutput` (python-sounddevice, PortAudio) is one callback stream for the whole run:
nothing is ever cut or moved. Where PortAudio is missing, `buffers.BufferOutput`
(simpleaudio) stands in.

No numpy here: on a warm start the output opens and speaks before numpy has loaded.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from voiceguide.alsa import silence_alsa
from voiceguide.errors import AudioError, MissingPart
from voiceguide.limits import SAMPLE_RATE

Backend = Literal["auto", "sounddevice", "simpleaudio"]
BACKENDS: tuple[Backend, ...] = ("auto", "sounddevice", "simpleaudio")

STALL_S = 1.5
"""A playing stream whose callback has not run for this long (or four times its latency, if
more) has lost its device: a sound server that died, a headset gone out of range."""
DEVICE_WAIT_S = 0.5
"""How long stopping or closing the stream may wait on the device. A frozen sound server can
hold PortAudio's calls for a minute; past this, the stream is left to its fate."""

STREAM_LATENCY_S = 0.1
"""The stream's own buffer. The callback runs in Python beside the mixer, so it needs room
against a busy moment (at PortAudio's "low", 9 ms here, a loaded machine drops out); the view
and the keys allow for the latency, and pause drops what the device holds, so it costs
nothing a listener notices."""


@dataclass
class _Span:
    """Frames [start, start + length) of the output carry track samples from `track_at` on
    (`moves`), or quiet or the lead-in while the track stands at `track_at`."""

    start: int
    length: int
    track_at: int
    moves: bool


class Feed:
    """What the output plays next, in order; thread-safe. The device thread takes from it and
    never waits: what is missing is played as quiet (the track stands still meanwhile)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pieces: deque[tuple[memoryview, int, bool]] = deque()
        """(16-bit samples as bytes, track sample, moves) per piece."""
        self._taken_from_first = 0
        self._queued = 0
        self._spans: list[_Span] = []
        self._starts: list[int] = []
        self._given = 0
        self._track_next = 0
        self._sound_end = 0
        """The output frame after the last track sample handed out."""
        self._ended = False
        self._starved = 0

    def put(self, samples: bytes | bytearray | memoryview, track_at: int, *, moves: bool = True) -> None:
        """Queue `samples` (16-bit mono; an int16 array's `.data` will do): track samples from
        `track_at` on, or (not `moves`) a sound heard while the track stands at `track_at`."""
        data = memoryview(samples).cast("B")
        if not data.nbytes:
            return
        with self._lock:
            self._pieces.append((data, track_at, moves))
            self._queued += data.nbytes // 2
            self._ended = False

    def quiet(self, seconds: float, track_at: int, rate: int = SAMPLE_RATE) -> None:
        self.put(bytes(2 * round(seconds * rate)), track_at, moves=False)

    def end(self) -> None:
        """Nothing more will be put: once it is all heard, playing is done."""
        with self._lock:
            self._ended = True

    def clear(self, track_at: int | None = None) -> None:
        """Drop what is queued (a skip, a pause); what was handed out stays handed out. With
        `track_at` (a skip), quiet played from now on stands there, not where the track was."""
        with self._lock:
            self._pieces.clear()
            self._taken_from_first = 0
            self._queued = 0
            self._ended = False
            if track_at is not None:
                self._track_next = track_at

    def queued(self) -> int:
        with self._lock:
            return self._queued

    def take(self, frames: int) -> tuple[bytearray, int]:
        """The next `frames` frames as 16-bit bytes (quiet where nothing is queued) and the
        number of the first."""
        out = bytearray(2 * frames)
        with self._lock:
            first = self._given
            filled = 0
            while filled < frames and self._pieces:
                data, track_at, moves = self._pieces[0]
                offset = self._taken_from_first
                n = min(frames - filled, data.nbytes // 2 - offset)
                out[2 * filled : 2 * (filled + n)] = data[2 * offset : 2 * (offset + n)]
                self._record(first + filled, n, track_at + offset if moves else track_at, moves)
                filled += n
                self._queued -= n
                if moves:
                    self._track_next = track_at + offset + n
                if 2 * (offset + n) == data.nbytes:
                    self._pieces.popleft()
                    self._taken_from_first = 0
                else:
                    self._taken_from_first = offset + n
            if filled < frames:
                self._record(first + filled, frames - filled, self._track_next, False)
                if not self._ended:
                    self._starved += frames - filled
            self._given = first + frames
        return out, first

    def _record(self, start: int, length: int, track_at: int, moves: bool) -> None:
        if moves:
            self._sound_end = start + length
        last = self._spans[-1] if self._spans else None
        if last is not None and last.moves == moves and last.start + last.length == start:
            expected = last.track_at + last.length if moves else last.track_at
            if track_at == expected:  # the same piece, or quiet going on
                last.length += length
                return
        self._spans.append(_Span(start, length, track_at, moves))
        self._starts.append(start)
        if len(self._spans) > 4096:  # only the recent past is ever asked about
            del self._spans[:2048], self._starts[:2048]

    def track_sample(self, frame: int) -> int | None:
        """The track sample heard at output frame `frame` (where the track stands, in quiet)."""
        with self._lock:
            i = bisect.bisect_right(self._starts, frame) - 1
            if i < 0:
                return None
            span = self._spans[i]
            inside = min(max(frame - span.start, 0), span.length)
            return span.track_at + inside if span.moves else span.track_at

    def done(self, heard_frame: int | None) -> bool:
        """Ended, all handed out, and the last sound heard."""
        with self._lock:
            if not self._ended or self._pieces:
                return False
            return heard_frame is not None and heard_frame >= self._sound_end

    @property
    def starved(self) -> int:
        """Frames played as quiet because nothing was queued before the end: while they
        played, the track stood still, waiting (for speech still being synthesised)."""
        with self._lock:
            return self._starved

    @property
    def given(self) -> int:
        with self._lock:
            return self._given


@dataclass(frozen=True)
class LeadIn:
    """What is said before the track starts ("Starting in 3. 2. 1."). It is not part of the
    timeline, so the track's times stay the rendered file's; the track stands still meanwhile."""

    pcm: bytes
    """16-bit little-endian mono at the mix rate."""


class Output(Protocol):
    """A sound device playing a feed. `start` begins (or resumes) at once; `stop` silences at
    once, dropping what the device holds; `flush` drops what is queued but lets the device
    finish what it holds (a skip to track sample `track_at`: until the track is queued from
    there, the quiet stands there); `heard_frame` is the frame reaching the ear now."""

    feed: Feed
    playing: bool

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def flush(self, track_at: int) -> None: ...

    def heard_frame(self) -> int | None: ...

    def close(self) -> None: ...


def begin(output: Output, *, at: int, pre_roll_s: float, lead_in: LeadIn | None = None, start: bool = True) -> None:
    """Start the output afresh (or, not `start`, make it ready to): quiet for `pre_roll_s`, the
    lead-in if any, then whatever the player queues (the track from sample `at`)."""
    output.feed.clear()
    output.feed.quiet(pre_roll_s, at)
    if lead_in is not None:
        output.feed.put(lead_in.pcm, at, moves=False)
    if start:
        output.start()


def no_device(detail: str) -> MissingPart:
    return MissingPart(f"no sound device could be opened ({detail}); use `voiceguide render` to make an MP3 instead")


def open_output(backend: Backend = "auto", *, rate: int = SAMPLE_RATE) -> Output:
    """The output for `backend`; "auto" is the stream, or simpleaudio where PortAudio is missing.
    Opens the device at once, so a missing one is reported before anything else happens."""
    silence_alsa()  # PortAudio and simpleaudio both use alsa-lib, which prints when it fails
    if backend != "simpleaudio":
        try:
            return StreamOutput(rate=rate)
        except _NoPortAudio as e:
            if backend == "sounddevice":
                raise MissingPart(
                    f"the sound stream needs PortAudio ({e}); run `make run` "
                    "(Debian/Ubuntu: apt-get install libportaudio2)"
                ) from None
    from voiceguide.live.buffers import BufferOutput

    return BufferOutput(rate=rate)


class _NoPortAudio(Exception):
    pass


class StreamOutput:
    """One continuous PortAudio stream (python-sounddevice), fed from a callback."""

    def __init__(self, *, rate: int = SAMPLE_RATE) -> None:
        try:
            import sounddevice
        except (ImportError, OSError) as e:  # OSError: the library is there, PortAudio is not
            raise _NoPortAudio(str(e)) from None
        self._sd = sounddevice
        self.rate = rate
        self.feed = Feed()
        self.playing = False
        self._heard: deque[tuple[int, int, float]] = deque(maxlen=256)
        """(first frame, frames, monotonic time its first frame reaches the ear), per callback."""
        self._error: Exception | None = None
        self._last_callback = 0.0
        self._started = 0.0
        self._lost = False
        """The device stopped answering: PortAudio is not called again."""
        try:
            self._stream = sounddevice.RawOutputStream(
                samplerate=rate,
                channels=1,
                dtype="int16",
                callback=self._callback,
                latency=STREAM_LATENCY_S,
            )
        except Exception as e:  # sounddevice.PortAudioError, or ValueError for an unknown device
            raise no_device(str(e).strip() or type(e).__name__) from None

    def _callback(self, out: Any, frames: int, stream_time: Any, status: object) -> None:
        self._last_callback = time.monotonic()
        try:
            samples, first = self.feed.take(frames)
            out[:] = samples
            ahead = stream_time.outputBufferDacTime - stream_time.currentTime
            if not stream_time.currentTime or not 0 <= ahead < 2:  # some paths report no times
                ahead = self._stream.latency
            self._heard.append((first, frames, time.monotonic() + ahead))
        except Exception as e:  # PortAudio would stop the stream without a word: tell the player
            self._error = e
            out[:] = bytes(len(out))
            raise self._sd.CallbackAbort from e

    def start(self) -> None:
        if not self.playing and not self._lost:
            self._heard.clear()
            self._started = time.monotonic()
            self._device(self._stream.start, "start")
            self.playing = True

    def stop(self) -> None:
        if self.playing:
            self.playing = False
            self._device(self._stream.abort, "stop")  # drops what the device holds: silent at once

    def flush(self, track_at: int) -> None:
        self.feed.clear(track_at)

    def heard_frame(self) -> int | None:
        if self._error is not None:
            raise AudioError(f"the sound stream failed: {self._error}")
        now = time.monotonic()
        if self.playing and now - max(self._last_callback, self._started) > self._stall_s():
            self._lost = True
            self.playing = False
            raise AudioError(f"the sound device went away (no sound taken for {self._stall_s():g} s)")
        return heard_at(list(self._heard), now, self.rate)

    def _stall_s(self) -> float:
        return max(STALL_S, 4 * float(self._stream.latency))

    def close(self) -> None:
        self.stop()
        self._device(self._stream.close, "close")

    def _device(self, call: Callable[[], object], what: str) -> None:
        """Call PortAudio, waiting at most DEVICE_WAIT_S (a frozen sound server can hold the call
        for a minute); once the device is lost, not at all."""
        if self._lost:
            return
        done = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            try:
                call()
            except BaseException as e:  # handed to the caller below
                failure.append(e)
            finally:
                done.set()

        threading.Thread(target=run, name=f"voiceguide-stream-{what}", daemon=True).start()
        if not done.wait(DEVICE_WAIT_S):
            self._lost = True  # left to finish, or not, on its own: never waited on again
            return
        if failure:
            raise AudioError(f"the sound device failed to {what}: {failure[0]}") from None


def heard_at(records: list[tuple[int, int, float]], now: float, rate: int) -> int | None:
    """The frame at the ear at `now`, from (first frame, frames, time it is heard) records."""
    for first, frames, at in reversed(records):
        if at <= now:
            return first + min(frames, round((now - at) * rate))
    return None

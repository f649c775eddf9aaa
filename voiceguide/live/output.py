"""The sound device, fed in order: one continuous stream, or simpleaudio buffers joined in quiet.

The player puts pieces of sound into a `Feed` (the pre-roll's quiet, the lead-in, the track
chunk by chunk); the output takes them as the device asks, and never waits for them: an
empty feed plays quiet. Every frame handed out is numbered, and the feed remembers which
track sample each frame carries, so the output can say what is being heard now (the frame at
the device's digital-to-analogue converter, its latency included) in the track's own terms.

`StreamOutput` (python-sounddevice, PortAudio) is one callback stream for the whole run:
nothing is ever cut or moved. `BufferOutput` (simpleaudio) is the fallback where PortAudio
is missing: it plays one buffer at a time, paced by the clock, and joins buffers only where
the track has been quiet long enough to cover what a device holds, so a join cuts nothing.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np

from voiceguide.alsa import silence_alsa
from voiceguide.errors import MissingPart
from voiceguide.limits import SAMPLE_RATE

Backend = Literal["auto", "sounddevice", "simpleaudio"]
BACKENDS: tuple[Backend, ...] = ("auto", "sounddevice", "simpleaudio")

JOIN_QUIET_S = 0.35
"""simpleaudio buffers join only after this much quiet: a device may still hold up to its
latency of a buffer when the next one starts (Bluetooth: 150 to 300 ms), and that much of
the old buffer's end is lost."""
START_QUIET_S = 0.6
"""...and only where this much quiet follows: a sound server drops the start of a new stream
(measured through PulseAudio: 80 ms at its default latency, 0.52 s at 200 ms)."""
BUFFER_S = 6.0
"""simpleaudio buffers are about this long (from the first join after it)."""
MAX_BUFFER_S = 30.0
"""...and no longer: a track with no quiet that long is cut regardless."""
TIGHT_S = 0.1
"""A buffer this close to its time is played with what there is."""
TICK_S = 0.005
"""How often the simpleaudio thread looks whether a buffer has ended."""
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
        self._pieces: deque[tuple[np.ndarray, int, bool]] = deque()
        self._taken_from_first = 0
        self._queued = 0
        self._spans: list[_Span] = []
        self._starts: list[int] = []
        self._given = 0
        self._track_next = 0
        self._sound_end = 0
        """The output frame after the last track sample handed out."""
        self._ended = False

    def put(self, samples: np.ndarray, track_at: int, *, moves: bool = True) -> None:
        """Queue `samples` (int16): track samples from `track_at` on, or (not `moves`) a sound
        heard while the track stands at `track_at`."""
        if not samples.size:
            return
        with self._lock:
            self._pieces.append((samples, track_at, moves))
            self._queued += samples.size
            self._ended = False

    def quiet(self, seconds: float, track_at: int, rate: int = SAMPLE_RATE) -> None:
        self.put(np.zeros(round(seconds * rate), dtype=np.int16), track_at, moves=False)

    def end(self) -> None:
        """Nothing more will be put: once it is all heard, playing is done."""
        with self._lock:
            self._ended = True

    def clear(self) -> None:
        """Drop what is queued (a skip, a pause); what was handed out stays handed out."""
        with self._lock:
            self._pieces.clear()
            self._taken_from_first = 0
            self._queued = 0
            self._ended = False

    def queued(self) -> int:
        with self._lock:
            return self._queued

    def take(self, frames: int) -> tuple[np.ndarray, int]:
        """The next `frames` frames (quiet where nothing is queued) and the number of the first."""
        out = np.zeros(frames, dtype=np.int16)
        with self._lock:
            first = self._given
            filled = 0
            while filled < frames and self._pieces:
                samples, track_at, moves = self._pieces[0]
                offset = self._taken_from_first
                n = min(frames - filled, samples.size - offset)
                out[filled : filled + n] = samples[offset : offset + n]
                self._record(first + filled, n, track_at + offset if moves else track_at, moves)
                filled += n
                self._queued -= n
                if moves:
                    self._track_next = track_at + offset + n
                if offset + n == samples.size:
                    self._pieces.popleft()
                    self._taken_from_first = 0
                else:
                    self._taken_from_first = offset + n
            if filled < frames:
                self._record(first + filled, frames - filled, self._track_next, False)
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
    def given(self) -> int:
        with self._lock:
            return self._given


@dataclass(frozen=True)
class LeadIn:
    """What is said before the track starts ("Starting in 3. 2. 1."). It is not part of the
    timeline, so the track's times stay the rendered file's; the track stands still meanwhile."""

    samples: np.ndarray
    """int16 at the mix rate."""


class Output(Protocol):
    """A sound device playing a feed. `start` begins (or resumes) at once; `stop` silences at
    once, dropping what the device holds; `flush` drops what is queued but lets the device
    finish what it holds; `heard_frame` is the frame reaching the ear now."""

    feed: Feed
    playing: bool

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def flush(self) -> None: ...

    def heard_frame(self) -> int | None: ...

    def close(self) -> None: ...


def begin(output: Output, *, at: int, pre_roll_s: float, lead_in: LeadIn | None = None, start: bool = True) -> None:
    """Start the output afresh (or, not `start`, make it ready to): quiet for `pre_roll_s`, the
    lead-in if any, then whatever the player queues (the track from sample `at`)."""
    output.feed.clear()
    output.feed.quiet(pre_roll_s, at)
    if lead_in is not None:
        output.feed.put(lead_in.samples, at, moves=False)
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
        try:
            self._stream = sounddevice.OutputStream(
                samplerate=rate,
                channels=1,
                dtype="int16",
                callback=self._callback,
                latency=STREAM_LATENCY_S,
            )
        except Exception as e:  # sounddevice.PortAudioError, or ValueError for an unknown device
            raise no_device(str(e).strip() or type(e).__name__) from None

    def _callback(self, out: np.ndarray, frames: int, stream_time: Any, status: object) -> None:
        samples, first = self.feed.take(frames)
        out[:, 0] = samples
        ahead = stream_time.outputBufferDacTime - stream_time.currentTime
        if not stream_time.currentTime or not 0 <= ahead < 2:  # some paths report no times
            ahead = self._stream.latency
        self._heard.append((first, frames, time.monotonic() + ahead))

    def start(self) -> None:
        if not self.playing:
            self._heard.clear()
            self._stream.start()
            self.playing = True

    def stop(self) -> None:
        if self.playing:
            self._stream.abort()  # drops what the device holds: silent at once
            self.playing = False

    def flush(self) -> None:
        self.feed.clear()

    def heard_frame(self) -> int | None:
        return _heard_at(list(self._heard), time.monotonic(), self.rate)

    def close(self) -> None:
        self.stop()
        self._stream.close()


def _heard_at(records: list[tuple[int, int, float]], now: float, rate: int) -> int | None:
    """The frame at the ear at `now`, from (first frame, frames, time it is heard) records."""
    for first, frames, at in reversed(records):
        if at <= now:
            return first + min(frames, round((now - at) * rate))
    return None


class BufferOutput:
    """simpleaudio, one buffer at a time, each started as the one before ends. Every new
    buffer is a new stream, which a sound server starts a little late and whose first
    moments it may drop, so buffers join only inside quiet (`JOIN_QUIET_S` before the join,
    `START_QUIET_S` after it): nothing audible is cut, though each join moves what follows a
    little later (through PulseAudio: 30 to 40 ms, the time one stream takes to drain and the
    next to start)."""

    def __init__(self, *, rate: int = SAMPLE_RATE, clock: Callable[[], float] = time.monotonic) -> None:
        try:
            import simpleaudio
        except ImportError as e:
            raise MissingPart(
                f"simpleaudio is not installed ({e}); run `make run` or pip install simpleaudio"
            ) from None
        self._simpleaudio = simpleaudio
        self.rate = rate
        self.feed = Feed()
        self.playing = False
        self._clock = clock
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._playing_object: Any = None
        self._heard: list[tuple[int, int, float]] = []
        self._error: Exception | None = None
        self._play(np.zeros(round(0.01 * rate), dtype=np.int16))  # does the device open?

    def _play(self, samples: np.ndarray) -> Any:
        try:
            return self._simpleaudio.play_buffer(samples.astype("<i2").tobytes(), 1, 2, self.rate)
        except Exception as e:  # simpleaudio's error type is not exported (docs/dependencies.md)
            detail = str(e).split("--")[-1].replace("MSG:", "").strip() or type(e).__name__
            raise no_device(detail) from None

    def start(self) -> None:
        if self.playing:
            return
        self.playing = True
        self._wake.clear()
        self._thread = threading.Thread(target=self._run, name="voiceguide-buffers", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        pending = np.zeros(0, dtype=np.int16)  # taken from the feed, not yet played
        first = self.feed.given
        due = self._clock()  # the first buffer is wanted now
        try:
            while self.playing:
                pending = np.concatenate([pending, self._take_queued(MAX_BUFFER_S * self.rate - pending.size)])
                cut = _last_join(pending, minimum=round(BUFFER_S * self.rate), rate=self.rate)
                if cut is None and pending.size < MAX_BUFFER_S * self.rate and due - self._clock() > TIGHT_S:
                    self._wake.wait(0.02)  # more may come before this buffer is due
                    continue
                if cut is None:  # due now: the best join there is, or all of it
                    cut = _last_join(pending, minimum=1, rate=self.rate) or pending.size
                    if not cut:  # nothing at all: keep time with a moment of quiet
                        pending, cut = self.feed.take(round(TIGHT_S * self.rate))[0], round(TIGHT_S * self.rate)
                buffer, pending = pending[:cut], pending[cut:]
                while self._busy():  # the one before plays out: stopping it could cut its end
                    if self._wake.wait(TICK_S):
                        return  # stopped while waiting
                with self._lock:
                    if not self.playing:
                        return
                    self._playing_object = self._play(buffer)
                    started = self._clock()
                    self._heard.append((first, buffer.size, started))
                first += buffer.size
                due = started + buffer.size / self.rate  # when the next one is wanted
        except Exception as e:  # handed to the player through heard_frame
            self._error = e

    def _busy(self) -> bool:
        playing = self._playing_object
        return playing is not None and bool(playing.is_playing())

    def _take_queued(self, most: float) -> np.ndarray:
        """What the feed has queued, up to `most` frames (never its quiet for what is missing)."""
        n = min(self.feed.queued(), int(most))
        return self.feed.take(n)[0] if n > 0 else np.zeros(0, dtype=np.int16)

    def stop(self) -> None:
        with self._lock:
            self.playing = False
            self._wake.set()
            if self._playing_object is not None:
                self._playing_object.stop()
                self._playing_object = None
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        self._thread = None

    def flush(self) -> None:
        """simpleaudio cannot cut a buffer short gracefully: start again from the feed."""
        self.stop()
        self.feed.clear()
        self.start()

    def heard_frame(self) -> int | None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        with self._lock:
            return _heard_at(self._heard[-4:], self._clock(), self.rate)

    def close(self) -> None:
        self.stop()


def _last_join(samples: np.ndarray, *, minimum: int, rate: int) -> int | None:
    """The last place, at or after `minimum`, that has `JOIN_QUIET_S` of quiet before it and
    `START_QUIET_S` after it; None if there is none."""
    before, after = round(JOIN_QUIET_S * rate), round(START_QUIET_S * rate)
    if samples.size < minimum:
        return None
    bounds = np.concatenate(([-1], np.flatnonzero(samples), [samples.size]))  # beyond: unknown
    ends, starts = bounds[:-1] + 1, bounds[1:]  # each run of quiet: [end of a sound, start of the next)
    places = ends + before
    fits = (starts - ends >= before + after) & (places >= minimum) & (places <= samples.size)
    return int(places[fits][-1]) if fits.any() else None

"""What a sound device plays, in order: the feed, and what every output shares.

The player puts pieces of sound into a `Feed` (the pre-roll's quiet, the lead-in, the track
chunk by chunk); an output takes them as the device asks, and never waits for them: an
empty feed plays quiet. Every frame handed out is numbered, and the feed remembers which
track sample each frame carries, so the output can say what is being heard now (the frame at
the device's digital-to-analogue converter, its latency included) in the track's own terms.

No numpy here: on a warm start the output opens and speaks before numpy has loaded.
"""

from __future__ import annotations

import bisect
import threading
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from voiceguide.errors import MissingPart
from voiceguide.limits import SAMPLE_RATE


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


class SoundOutput(Protocol):
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


def begin(
    output: SoundOutput,
    *,
    at: int,
    pre_roll_s: float,
    lead_in: LeadIn | None = None,
    start: bool = True,
    opening: bytes = b"",
) -> None:
    """Start the output afresh (or, not `start`, make it ready to): quiet for `pre_roll_s`, the
    lead-in if any, then whatever the player queues (the track from sample `at`). An `opening`
    sound (16-bit mono: the start tone) is played at once, as the first part of the pre-roll."""
    output.feed.clear()
    output.feed.put(opening, at, moves=False)
    output.feed.quiet(max(0.0, pre_roll_s - len(opening) / 2 / SAMPLE_RATE), at)
    if lead_in is not None:
        output.feed.put(lead_in.pcm, at, moves=False)
    if start:
        output.start()


def no_device(detail: str) -> MissingPart:
    return MissingPart(f"no sound device could be opened ({detail}); use `voiceguide render` to make an MP3 instead")


def heard_at(records: list[tuple[int, int, float]], now: float, rate: int) -> int | None:
    """The frame at the ear at `now`, from (first frame, frames, time it is heard) records."""
    for first, frames, at in reversed(records):
        if at <= now:
            return first + min(frames, round((now - at) * rate))
    return None

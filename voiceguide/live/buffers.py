"""The fallback output: simpleaudio, one buffer at a time, joined only inside long quiet.

Every buffer is a new stream, which a sound server starts a little late and whose first
moments it may drop; stopping one early would cut what the device still holds of it. So
each buffer plays out, the next starts as it ends, and buffers join only where the track is
quiet for a while on both sides of the join: nothing audible is cut, though each join moves
what follows a little later (through PulseAudio: 30 to 40 ms).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from voiceguide.errors import MissingPart
from voiceguide.limits import SAMPLE_RATE
from voiceguide.live.feed import Feed, heard_at, no_device

JOIN_QUIET_S = 0.35
"""simpleaudio buffers join only this long after the sound before: the end of a buffer is
the device's last to play (Bluetooth holds 150 to 300 ms of it), and nothing may be pending
there when the next stream starts."""
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


class BufferOutput:
    """simpleaudio, one buffer at a time, each started as the one before ends."""

    def __init__(self, *, rate: int = SAMPLE_RATE) -> None:
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
        due = time.monotonic()  # the first buffer is wanted now
        try:
            while self.playing:
                pending = np.concatenate([pending, self._take_queued(MAX_BUFFER_S * self.rate - pending.size)])
                cut = last_join(pending, minimum=round(BUFFER_S * self.rate), rate=self.rate)
                if cut is None and pending.size < MAX_BUFFER_S * self.rate and due - time.monotonic() > TIGHT_S:
                    self._wake.wait(0.02)  # more may come before this buffer is due
                    continue
                if cut is None:  # due now: the best join there is, or all of it
                    cut = last_join(pending, minimum=1, rate=self.rate) or pending.size
                    if not cut:  # nothing at all: keep time with a moment of quiet
                        pending = np.frombuffer(self.feed.take(round(TIGHT_S * self.rate))[0], dtype="<i2")
                        cut = pending.size
                buffer, pending = pending[:cut], pending[cut:]
                while self._busy():  # the one before plays out: stopping it could cut its end
                    if self._wake.wait(TICK_S):
                        return  # stopped while waiting
                with self._lock:
                    if not self.playing:
                        return
                    self._playing_object = self._play(buffer)
                    started = time.monotonic()
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
        return np.frombuffer(self.feed.take(n)[0], dtype="<i2") if n > 0 else np.zeros(0, dtype=np.int16)

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

    def flush(self, track_at: int) -> None:
        """simpleaudio cannot cut a buffer short gracefully: start again from the feed."""
        self.stop()
        self.feed.clear(track_at)
        self.start()

    def heard_frame(self) -> int | None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        with self._lock:
            return heard_at(self._heard[-4:], time.monotonic(), self.rate)

    def close(self) -> None:
        self.stop()


def last_join(samples: np.ndarray, *, minimum: int, rate: int) -> int | None:
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

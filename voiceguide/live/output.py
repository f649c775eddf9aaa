"""The sound device, fed in order: one continuous stream, or simpleaudio buffers joined in quiet.

`StreamOutput` (python-sounddevice, PortAudio) is one callback stream for the whole run:
nothing is ever cut or moved. Where PortAudio is missing, `buffers.BufferOutput`
(simpleaudio) stands in. The feed they play, and what they share, is in `feed.py`.

No numpy here: on a warm start the output opens and speaks before numpy has loaded.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from voiceguide.errors import AudioError, MissingPart
from voiceguide.limits import SAMPLE_RATE
from voiceguide.live.alsa import silence_alsa
from voiceguide.live.feed import Feed, SoundOutput, heard_at, no_device
from voiceguide.live.settings import AudioLibrary

STALL_S = 1.5
"""A playing stream whose callback has not run for this long since it started (or four times
its latency, if more) has lost its device: a sound server that died, a headset gone out of
range."""
DEVICE_WAIT_S = 0.5
"""How long stopping or closing the stream may wait on the device. A frozen sound server can
hold PortAudio's calls for a minute; past this, the stream is left to its fate."""
STEADY_S = 1.0
"""A stream has been playing steadily once it has taken this much since it started."""
START_WAIT_S = 10.0
"""How long starting may take, and how long a started stream may take to ask for its first
samples: a test sound server at a Bluetooth-sized latency, just after another client, took
over 1.5 s to (which is slow, not lost)."""

DUCK_DB = 18.0
"""How far the voice is turned down while someone speaks over it (`play --listen`): their word
is then heard in near-quiet, and they hear that they are being listened to."""
DUCK_RAMP_S = 0.02
"""The voice goes down and up over this long: a step would click."""

STREAM_LATENCY_S = 0.1
"""The stream's own buffer. The callback runs in Python beside the mixer, so it needs room
against a busy moment (at PortAudio's "low", 9 ms here, a loaded machine drops out); the view
and the keys allow for the latency, and pause drops what the device holds, so it costs
nothing a listener notices."""


def open_output(library: AudioLibrary = "auto", *, rate: int = SAMPLE_RATE) -> SoundOutput:
    """The output through the audio `library`; "auto" is the stream, or simpleaudio where PortAudio is missing.
    Opens the device at once, so a missing one is reported before anything else happens."""
    silence_alsa()  # PortAudio and simpleaudio both use alsa-lib, which prints when it fails
    if library != "simpleaudio":
        try:
            return StreamOutput(rate=rate)
        except _NoPortAudio as e:
            if library == "sounddevice":
                raise MissingPart(
                    f"the sound stream needs PortAudio ({e}); run `make run` "
                    "(Debian/Ubuntu: apt-get install libportaudio2)"
                ) from None
    from voiceguide.live.buffers import BufferOutput  # numpy: only when it is the one used

    return BufferOutput(rate=rate)


class Monitor(Protocol):
    """Hears what the stream plays, as it plays it."""

    def played(self, samples: bytes | bytearray, first: int, ear_time: float) -> None:
        """A block the device took: the feed's number for its first frame, and the time that
        frame reaches the ear."""

    def stopped(self, ear_time: float) -> None:
        """The stream stopped at `ear_time`: what it was handed for later was never heard."""


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
        self._taken = 0
        """Frames the device has taken since the stream last started."""
        self._started = 0.0
        self._lost = False
        """The device stopped answering: PortAudio is not called again."""
        self._device_busy = threading.Lock()
        """Held while a call to PortAudio is in progress."""
        self.monitor: Monitor | None = None
        """Told what is played and when it stops (the echo canceller's reference, `play --listen`)."""
        self._handing = False
        """Whether what the callback plays is handed to the monitor: from a start until a stop."""
        self._handing_lock = threading.Lock()
        """Held while a block is handed over, and while a stop is marked: no block lands after it."""
        self._gain = 1.0
        self._target = 1.0
        """The voice's level, and where it is going (a duck)."""
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
        self._taken += frames
        try:
            samples, first = self.feed.take(frames)
            if self._gain != 1.0 or self._target != 1.0:
                samples = self._ducked(samples, frames)
            out[:] = samples
            ahead = stream_time.outputBufferDacTime - stream_time.currentTime
            if not stream_time.currentTime or not 0 <= ahead < 2:  # some paths report no times
                ahead = self._stream.latency
            at_ear = time.monotonic() + ahead
            self._heard.append((first, frames, at_ear))
            with self._handing_lock:
                monitor = self.monitor  # read once: listening may set it to None meanwhile
                if monitor is not None and self._handing:  # stopping: what it plays is dropped
                    monitor.played(samples, first, at_ear)
        except Exception as e:  # PortAudio would stop the stream without a word: tell the player
            self._error = e
            out[:] = bytes(len(out))
            raise self._sd.CallbackAbort from e

    def duck(self, down: bool) -> None:
        """Turn the voice down by DUCK_DB (someone is speaking), or back up."""
        self._target = 10 ** (-DUCK_DB / 20) if down else 1.0

    def _ducked(self, samples: bytearray, frames: int) -> bytearray:
        """`samples` at the voice's level, moving towards the duck's over DUCK_RAMP_S."""
        import numpy as np  # only ever here when listening, where numpy is loaded already

        step = (self._target - self._gain) / max(1, DUCK_RAMP_S * self.rate)
        ramp = np.clip(
            self._gain + step * np.arange(1, frames + 1), min(self._gain, self._target), max(self._gain, self._target)
        )
        self._gain = float(ramp[-1]) if frames else self._gain
        return bytearray((np.frombuffer(samples, dtype="<i2") * ramp).astype("<i2").tobytes())

    def start(self) -> None:
        if self.playing or self._lost:
            return
        self._heard.clear()
        self._taken = 0
        self._handing = True
        if not self._device(self._stream.start, "start", START_WAIT_S):
            self._lost = True
            raise AudioError(f"the sound device did not start within {START_WAIT_S:g} s")
        self._started = time.monotonic()  # the stall clock starts once the stream has
        self.playing = True

    def stop(self) -> None:
        if self.playing:
            self.playing = False
            with self._handing_lock:  # what it was handed for later is never heard
                self._handing = False
                monitor = self.monitor
                if monitor is not None:
                    monitor.stopped(time.monotonic())
            # Drops what the device holds: silent at once. A stop that does not return in time
            # (a frozen server) goes on by itself; the next call waits its turn.
            self._device(self._stream.abort, "stop", DEVICE_WAIT_S)

    def flush(self, track_at: int) -> None:
        self.feed.clear(track_at)

    def heard_frame(self) -> int | None:
        if self._error is not None:
            raise AudioError(f"the sound stream failed: {self._error}")
        now = time.monotonic()
        if self.playing and self._ended():
            self._lost = True
            self.playing = False
            raise AudioError("the sound device went away (its stream ended)")
        if self.playing and self._stalled(now):
            self._lost = True
            self.playing = False
            raise AudioError(f"the sound device went away (no sound taken for {self._stall_s():g} s)")
        return heard_at(list(self._heard), now, self.rate)

    def _ended(self) -> bool:
        """PortAudio ended the stream by itself: its device failed (a sound server killed, a
        card unplugged), which it notices within a tenth of a second. (Not asked while a call
        to PortAudio is in progress: it answers after that call.)"""
        return not self._device_busy.locked() and not self._stream.active

    def _stall_s(self) -> float:
        return max(STALL_S, 4 * float(self._stream.latency))

    def _stalled(self, now: float) -> bool:
        """The device took samples steadily and then stopped taking them, or never got going.
        The first second after a start does not count as steady: through a sound server, a
        (re)started stream takes its first buffers and may then wait over 1.5 s for more."""
        if self._taken < STEADY_S * self.rate:
            return now - self._started > START_WAIT_S
        return now - self._last_callback > self._stall_s()

    def close(self) -> None:
        self.stop()
        if self._device_busy.locked():  # a stop still stuck in the device: do not queue behind it
            self._lost = True
        if not self._device(self._stream.close, "close", DEVICE_WAIT_S):
            self._lost = True

    def _device(self, call: Callable[[], object], what: str, wait_s: float) -> bool:
        """Call PortAudio from a helper thread, one call at a time, waiting at most `wait_s`
        (a frozen sound server can hold a call for a minute). True if it returned in time;
        once the device is lost, nothing is called."""
        if self._lost:
            return False
        done = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            with self._device_busy:
                try:
                    call()
                except BaseException as e:  # handed to the caller below
                    failure.append(e)
                finally:
                    done.set()

        threading.Thread(target=run, name=f"voiceguide-stream-{what}", daemon=True).start()
        if not done.wait(wait_s):
            return False  # left to finish, or not, on its own
        if failure:
            raise AudioError(f"the sound device failed to {what}: {failure[0]}") from None
        return True

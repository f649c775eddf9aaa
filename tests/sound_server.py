"""A private PulseAudio server for the tests: a null sink, recorded from its monitor with parec.

Playback through it behaves like a desktop's (a real server's clock, buffering and latency,
which `PULSE_LATENCY_MSEC` raises to a Bluetooth headset's), with no sound card. ALSA
programs (aplay, PortAudio, simpleaudio) reach it through the ALSA pulse plugin, named in the
`.asoundrc` of a HOME made for it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

RATE = 44100
CONFIG = """\
load-module module-native-protocol-unix
load-module module-null-sink sink_name=vsink rate=44100 channels=1 format=s16le
set-default-sink vsink
load-module module-null-sink sink_name=room rate=16000 channels=1 format=s16le
set-default-source room.monitor
"""
"""`vsink` is the speaker, recorded from its monitor. `room` stands in for the air in front of
the microphone: what is played into it (a person's command, the speaker's echo) is what the
default source, its monitor, hears."""
ASOUNDRC = "pcm.!default { type pulse }\nctl.!default { type pulse }\n"


def available() -> bool:
    return all(shutil.which(c) for c in ("pulseaudio", "parec", "pactl", "aplay"))


class SoundServer:
    def __init__(self, root: Path) -> None:
        self.runtime = root / "run"
        self.home = root / "home"
        self.runtime.mkdir(mode=0o700, parents=True)
        self.home.mkdir(parents=True)
        (self.home / ".asoundrc").write_text(ASOUNDRC)
        config = root / "server.pa"
        config.write_text(CONFIG)
        self.log = root / "server.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                # No shared memory with clients: with it, this PulseAudio (16.1) aborted mid-run on
                # its memfd bug (gitlab.freedesktop.org/pulseaudio/pulseaudio/issues/824).
                [
                    "pulseaudio",
                    "-n",
                    "-F",
                    str(config),
                    "--exit-idle-time=-1",
                    "--daemonize=no",
                    "--disable-shm=yes",
                ],
                env={**os.environ, **self.env()},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 20
        while subprocess.run(
            ["pactl", "info"], env={**os.environ, **self.env()}, capture_output=True, timeout=30
        ).returncode:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"the PulseAudio test server did not start:\n{self.log.read_text()}")
            time.sleep(0.05)

    def env(self, latency_ms: int | None = None) -> dict[str, str]:
        """The environment a client needs to play through this server (and no other)."""
        env = {
            "HOME": str(self.home),
            "XDG_RUNTIME_DIR": str(self.runtime),
            "PULSE_SERVER": f"unix:{self.runtime / 'pulse' / 'native'}",
        }
        if latency_ms is not None:
            env["PULSE_LATENCY_MSEC"] = str(latency_ms)
        return env

    @contextlib.contextmanager
    def recording(self, source: str = "vsink.monitor") -> Iterator[Recording]:
        """Record `source` (the speaker) until the block ends (the sink runs on, quiet or not)."""
        recording = Recording(self.env(), source)
        try:
            yield recording
        finally:
            recording.stop()

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


class Recording:
    def __init__(self, env: dict[str, str], source: str = "vsink.monitor") -> None:
        self._process = subprocess.Popen(
            ["parec", "-d", source, f"--rate={RATE}", "--channels=1", "--format=s16le", "--latency-msec=20"],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._chunks: list[bytes] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for chunk in iter(lambda: self._process.stdout.read1(1 << 16), b""):  # type: ignore[union-attr]
            with self._lock:
                self._chunks.append(chunk)

    def seconds(self) -> float:
        with self._lock:
            return sum(len(c) for c in self._chunks) / 2 / RATE

    def wait_for_more(self, seconds: float, timeout: float = 30) -> None:
        """Block until `seconds` more have been recorded (the tail of what was played reaches
        the monitor through the server's latency)."""
        target = self.seconds() + seconds
        deadline = time.monotonic() + timeout
        while self.seconds() < target:
            if time.monotonic() > deadline:
                raise AssertionError(f"the recording stopped growing ({self.seconds():.1f} s)")
            time.sleep(0.02)

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(10)
        self._reader.join(10)

    def samples(self) -> np.ndarray:
        with self._lock:
            data = b"".join(self._chunks)
        return np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.float32) / 32768


def sound_starts(track: np.ndarray, *, quiet_s: float = 0.05) -> list[int]:
    """Where each sound of a track starts: the first sample after at least `quiet_s` of zeros."""
    loud = np.flatnonzero(track)
    if not loud.size:
        return []
    gaps = np.diff(loud) > quiet_s * RATE
    return [int(loud[0]), *(int(s) for s in loud[1:][gaps])]


def find(recording: np.ndarray, template: np.ndarray, lo: int, hi: int) -> tuple[int, float]:
    """Where `template` best matches `recording` starting within [lo, hi), and how well
    (normalised correlation: 1.0 is the same samples)."""
    lo, hi = max(0, lo), min(len(recording) - len(template), hi)
    if hi <= lo:
        return -1, 0.0
    window = recording[lo : hi + len(template)]
    n = 1 << (len(window) + len(template)).bit_length()
    corr = np.fft.irfft(np.fft.rfft(window, n) * np.conj(np.fft.rfft(template, n)), n)[: hi - lo]
    # The energy of each stretch the template is compared with, for the normalisation.
    energy = np.concatenate([[0.0], np.cumsum(window.astype(np.float64) ** 2)])
    stretch = energy[len(template) : len(template) + hi - lo] - energy[: hi - lo]
    own = float(np.sum(template.astype(np.float64) ** 2))
    # Near-silent stretches cannot hold the sound (and would divide rounding noise by nothing).
    score = np.where(stretch > 0.01 * own, corr / np.sqrt(np.maximum(stretch, 1e-30) * own), 0.0)
    best = int(np.argmax(score))
    return lo + best, float(score[best])


def sound_offsets(
    recording: np.ndarray, track: np.ndarray, *, search_s: float = 0.5, wait_s: float = 0.0
) -> list[tuple[float, float]]:
    """For each sound of `track`: how far (seconds) from its place it is in `recording`, with
    the track placed by its first sound, and how well it matched there. A sound missing or
    cut scores low.

    With `wait_s`, playing may have waited (up to that long each time) before a sound: each
    sound is looked for after the one before it, as late as that one was, and, if it is not
    within `search_s` of there, at the first place after that where it is whole."""
    starts = sound_starts(track)
    size = round(0.25 * RATE)
    template = track[starts[0] : starts[0] + size]
    origin, score = find(recording, template, 0, len(recording))
    results = [(0.0, score)]
    shift = origin - starts[0]
    late = 0
    window = round(search_s * RATE)
    for start in starts[1:]:
        template = track[start : start + size]
        expected = start + shift + late
        at, score = find(recording, template, expected - window, expected + window)
        beyond = expected + window
        while wait_s and score < WHOLE and beyond < expected + wait_s * RATE:
            # The first stretch after it that holds the sound whole: a wait put it there.
            at, score = find(recording, template, beyond, beyond + window)
            beyond += window
        if wait_s and score >= WHOLE:
            at, score = find(recording, template, at - window // 10, at + window // 10)  # its very place
            late = at - start - shift
        results.append(((at - start - shift) / RATE, score))
    return results


WHOLE = 0.95
"""A sound counts as present, whole, where it matches the render this well (1.0: the same samples)."""


@contextlib.contextmanager
def room_echo(server: SoundServer, latency_ms: int = 30, *, steady: bool = True) -> Iterator[None]:
    """The speaker heard by the microphone, as in a room: a loopback from the speaker's
    monitor into the room, `latency_ms` late, until the block ends.

    module-loopback re-adjusts its rate every 10 s to hold its latency (`adjust_time`), and on
    a loaded machine the echo's delay then moves by a few samples in steps. `steady` turns that
    off: the echo keeps its delay, as through one sound card (both ends of this loop run on the
    server's one clock). Not `steady`, the canceller learns the room far more slowly
    (docs/dependencies.md, "The harness's room"): the room for a test of its own voice."""
    adjust = ["adjust_time=0"] if steady else []
    loaded = subprocess.run(
        [
            "pactl",
            "load-module",
            "module-loopback",
            "source=vsink.monitor",
            "sink=room",
            f"latency_msec={latency_ms}",
            *adjust,
        ],
        env={**os.environ, **server.env()},
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    try:
        yield
    finally:
        subprocess.run(
            ["pactl", "unload-module", loaded.stdout.strip()], env={**os.environ, **server.env()}, timeout=30
        )

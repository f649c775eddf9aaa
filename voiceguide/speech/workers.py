"""Speech engines run in worker processes: one voice loaded per worker, phrases in, samples out.

Workers keep an engine's troubles away from the main process: pyttsx3's (docs/dependencies.md:
`runAndWait()` returning before the file is written, hangs, "Audio saved to" on stdout) and
a neural voice's start-up (loading the model once, not per phrase). A worker serves one
voice setting; one that hangs or crashes is killed and its phrase tried once more in a
fresh worker, then the failure is reported.

Each engine names a backend module with a `Backend` class (`voices()`, `speaker(settings)`),
imported only inside the worker, and made with the number of threads it may use (its share of
the cores: a worker started alone may use them all). The protocol, over two pipes of the worker's own: the
worker sends ("voices", [...]) when it starts; the parent sends the voice settings (or None
to stop); then phrases, each answered by ("clip", (frames, rate)) or ("error", message).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing import connection
from multiprocessing.connection import Connection
from typing import Any, Protocol

from voiceguide.cores import cores
from voiceguide.errors import SpeechError, debugging, traceback_if_debugging
from voiceguide.faults import worker_fault
from voiceguide.speech.base import Clip, VoiceInfo, VoiceSettings

PHRASE_TIMEOUT_S = 20.0
"""A phrase of a few sentences takes well under a second; twenty means it hung."""
START_TIMEOUT_S = 30.0
"""Extra time for a fresh worker's first answer: Python and pyttsx3 start-up."""
SHORT_CLIP_FRACTION = 0.5
LONG_CLIP_FACTOR = 2.5
LONG_CLIP_SLACK_S = 0.6
LOUDEST_SPEECH_DBFS = -6.0
NOISE_CROSSINGS = 0.42
"""Zero crossings per sample, in the sounding parts, above which a clip is noise."""
CLIP_TRIES = 3
"""A phrase is made this many times, each in a fresh worker, before a bad clip is an error."""
MAX_WORKERS = 2
"""Synthesis is CPU-bound; more workers than cores barely helps."""


class Backend(Protocol):
    """What a worker needs of an engine: its voices, and a way to speak with one setting."""

    def voices(self) -> list[VoiceInfo]: ...

    def preload(self, voice_id: str, *, idle: Callable[[], bool]) -> None:
        """Get ready to speak with this voice (load its model) before the settings come; any
        warming up beyond that only while `idle()` (no phrase is waiting yet)."""
        ...

    def speaker(self, settings: VoiceSettings) -> Callable[[str], tuple[bytes, int]]:
        """A function from a phrase to (mono 16-bit samples, sample rate)."""
        ...


def _serve(requests: Connection, replies: Connection, backend_name: str, threads: int) -> None:
    """The worker process: one engine; requests are phrases, replies are samples."""
    import importlib

    from voiceguide.speech.registry import ENGINES

    backend: Backend = importlib.import_module(ENGINES[backend_name].module).Backend(backend_name, threads)
    replies.send(("voices", backend.voices()))
    while True:
        try:
            fields = requests.recv()
        except EOFError:
            return
        if fields is None:
            return
        if isinstance(fields, tuple) and fields[0] == "preload":
            with contextlib.suppress(Exception):  # if it cannot load, speaking says why
                backend.preload(fields[1], idle=lambda: not requests.poll())
            continue
        break
    try:
        speak = backend.speaker(VoiceSettings(**fields))
    except Exception as e:  # every phrase is answered with it: one line, in the main process
        traceback_if_debugging()
        failure = f"{type(e).__name__}: {e}"

        def speak(text: str) -> tuple[bytes, int]:
            raise RuntimeError(failure)

    while True:
        try:
            text = requests.recv()
        except EOFError:
            return
        if text is None:
            return
        try:
            noise = worker_fault(text)
            if noise is not None:
                replies.send(("clip", (noise, 22050)))
                continue
            frames, rate = speak(text)
        except Exception as e:  # reported as one line; the parent retries in a fresh worker
            traceback_if_debugging()
            replies.send(("error", f"{type(e).__name__}: {e}"))
            continue
        if not any(frames):
            # Seen once in a few hundred phrases under load: an empty file despite the
            # notice. An error here gets the phrase retried in a fresh worker.
            replies.send(("error", f"empty audio for {text!r}"))
            continue
        replies.send(("clip", (frames, rate)))


def clip_problem(text: str, payload: tuple[bytes, int], settings: VoiceSettings, *, first: bool) -> str | None:
    """What is wrong with a new clip, or None if it is speech of about the right length.

    Far shorter than the phrase could be spoken: a lost tail or an empty file (seen once each
    under load; the estimate errs long by at most a third, so half of it is safe; checked on
    the first try only, as a short phrase may be quicker than estimated). Far longer, or noise
    (more zero crossings than any speech measured: 0.32 at most over 1,500 phrases, white noise
    0.5), or louder than speech ever is (-11 dBFS at most, measured): a voice that glitched, as
    Piper once made 3.3 s of loud noise for "45"."""
    import numpy as np

    from voiceguide.timeline.estimate import estimate_speech_length

    frames, rate = payload
    seconds = len(frames) / 2 / rate
    expected = estimate_speech_length(settings.rate_wpm)(text)
    if first and seconds < SHORT_CLIP_FRACTION * expected:
        return f"{seconds:.2f} s, where about {expected:.1f} s of speech was expected"
    if seconds > LONG_CLIP_FACTOR * expected + LONG_CLIP_SLACK_S:
        return f"{seconds:.1f} s, where about {expected:.1f} s of speech was expected"
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768
    blocks = samples[: len(samples) // 441 * 441].reshape(-1, 441)
    if not len(blocks):
        return None
    sounding = blocks[np.sqrt((blocks**2).mean(axis=1)) > 0.01]
    level = 10 * np.log10(float((samples**2).mean()) + 1e-12)
    if level > LOUDEST_SPEECH_DBFS:
        return f"noise at {level:.0f} dBFS, louder than speech"
    if len(sounding) and float((np.abs(np.diff(np.sign(sounding), axis=1)) > 0).mean()) > NOISE_CROSSINGS:
        return "noise, not speech"
    return None


class _Worker:
    """One worker process; `settings` is None until it is given a voice."""

    def __init__(self, backend: str, threads: int) -> None:
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        try:
            # Its stdout and stderr (where espeak and pyttsx3 print) go nowhere near ours,
            # unless a bug report wants them: then both go to our stderr.
            shown = _stderr_fd() if debugging() else subprocess.DEVNULL
            self.process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(request_r), str(reply_w), backend, str(threads)],
                pass_fds=(request_r, reply_w),
                stdin=subprocess.DEVNULL,
                stdout=shown,
                stderr=shown,
            )
        finally:
            os.close(request_r)
            os.close(reply_w)
        self.requests = Connection(request_w, readable=False)
        self.replies = Connection(reply_r, writable=False)
        self.voices: list[VoiceInfo] | None = None
        self.settings: VoiceSettings | None = None
        self.ahead = False
        """Started before its first phrase was known (`WorkerEngine.start`): it makes that
        phrase alone, with every core."""
        self.pending: str | None = None
        self.deadline = time.monotonic() + START_TIMEOUT_S

    def configure(self, settings: VoiceSettings) -> None:
        self.requests.send(dataclasses.asdict(settings))
        self.settings = settings

    def send(self, text: str) -> None:
        self.requests.send(text)
        self.pending = text
        if self.voices is not None:  # else it is still starting: the start-up deadline holds
            self.deadline = time.monotonic() + PHRASE_TIMEOUT_S

    def receive(self, what: str) -> tuple[str, Any]:
        """The next answer other than the start-up voice list (waits until the deadline)."""
        while True:
            if not self.replies.poll(max(0.0, self.deadline - time.monotonic())):
                self.process.kill()
                raise SpeechError(f"the speech engine hung ({what}); it was stopped")
            try:
                kind, payload = self.replies.recv()
            except (EOFError, OSError):
                code = self.process.wait()
                raise SpeechError(f"the speech engine crashed ({what}, exit code {code})") from None
            if kind != "voices":
                return kind, payload
            self.voices = list(payload)
            self.deadline = time.monotonic() + PHRASE_TIMEOUT_S  # started: the phrase's clock runs

    def wait_for_voices(self) -> list[VoiceInfo]:
        if self.voices is None:
            if not self.replies.poll(max(0.0, self.deadline - time.monotonic())):
                self.process.kill()
                raise SpeechError("the speech engine hung while starting; it was stopped")
            try:
                kind, payload = self.replies.recv()
            except (EOFError, OSError):
                raise SpeechError(f"the speech engine could not start (exit code {self.process.wait()})") from None
            self.voices = list(payload) if kind == "voices" else []
        return self.voices

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.requests.send(None)
        self.requests.close()
        self.replies.close()
        try:
            self.process.wait(2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _stderr_fd() -> int:
    """Our stderr's file descriptor (2 where it has none of its own: captured in a test)."""
    try:
        return sys.stderr.fileno()
    except (AttributeError, ValueError):  # io.UnsupportedOperation is a ValueError
        return 2


class WorkerEngine:
    """An engine whose phrases are spoken in worker processes, each running the `Backend` of
    the engine's module (speech/registry.py)."""

    name = ""
    max_workers = MAX_WORKERS

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or min(self.max_workers, cores())
        self._pool: list[_Worker] = []

    def start(self, preload: str | None = None) -> None:
        """Start a worker now, without waiting: it boots while the caller does other work,
        and loads the voice `preload` if given (its settings may come later). Alone, it may
        use every core for its first phrase."""
        if not self._pool:
            self._pool.append(_Worker(self.name, cores()))
            if preload is not None:
                self._pool[0].requests.send(("preload", preload))
                self._pool[0].ahead = True

    def voices(self) -> list[VoiceInfo]:
        """The installed voices, as a worker reports them when it starts (the worker is kept
        for the synthesis that usually follows)."""
        self.start()
        return self._pool[0].wait_for_voices()

    def synthesize(self, text: str, settings: VoiceSettings) -> Clip:
        return dict(self.synthesize_many([text], settings))[text]

    def synthesize_many(self, texts: Iterable[str], settings: VoiceSettings) -> Iterator[tuple[str, Clip]]:
        """Clips for the phrases, in the order they finish."""
        import numpy as np  # here, not at the top: starting a worker should not wait for numpy

        queue = deque(texts)
        if not queue:
            return
        wanted = min(self.workers, len(queue))
        # A worker started ahead (`start()`: a cold `play`) makes the first phrase alone, with
        # every core: another booting beside it would slow the phrase someone waits to hear.
        ahead = len(self._pool) == 1 and self._pool[0].ahead and self._pool[0].settings is None
        self._prepare(settings, 1 if ahead else wanted)
        answered = False
        tries: Counter[str] = Counter()
        while queue or any(w.pending for w in self._pool):
            if answered and len(self._pool) < wanted:
                self._prepare(settings, wanted)
            for worker in self._pool:
                if worker.pending is None and queue:
                    worker.send(queue.popleft())
            busy = [w for w in self._pool if w.pending is not None]
            wait_s = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = connection.wait([w.replies for w in busy], timeout=wait_s)
            for worker in busy:
                if worker.replies not in ready and time.monotonic() < worker.deadline:
                    continue
                text = worker.pending
                assert text is not None
                try:
                    kind, payload = worker.receive(repr(text))
                    if kind != "clip":
                        raise SpeechError(f"{self.name} failed on {text!r}: {payload}")
                    problem = clip_problem(text, payload, settings, first=not tries[text])
                    if problem:
                        raise SpeechError(
                            f"{self.name} keeps making a bad clip for {text!r} ({problem}), {CLIP_TRIES} times; "
                            "try another --voice or --rate"
                        )
                except SpeechError:
                    tries[text] += 1
                    self._replace(worker, settings)  # a fresh process: the only real reset
                    if tries[text] >= CLIP_TRIES:
                        raise
                    queue.appendleft(text)
                    continue
                worker.pending = None
                answered = True
                frames, rate = payload
                yield text, Clip(np.frombuffer(frames, dtype="<i2").copy(), rate)

    def close(self) -> None:
        for worker in self._pool:
            worker.close()
        self._pool = []

    def _prepare(self, settings: VoiceSettings, count: int) -> None:
        """`count` workers for these settings: idle ones are given the voice, others replaced."""
        keep = [w for w in self._pool if w.settings in (None, settings)]
        for worker in self._pool:
            if worker not in keep:
                worker.close()
        self._pool = keep[:count]
        for worker in keep[count:]:
            worker.close()
        while len(self._pool) < count:
            self._pool.append(_Worker(self.name, max(1, cores() // count)))  # they start side by side
        for worker in self._pool:
            if worker.settings is None:
                worker.configure(settings)

    def _replace(self, worker: _Worker, settings: VoiceSettings) -> None:
        worker.process.kill()
        worker.close()
        fresh = _Worker(self.name, max(1, cores() // len(self._pool)))
        fresh.configure(settings)
        self._pool[self._pool.index(worker)] = fresh


if __name__ == "__main__":
    # Ctrl-C in a terminal reaches the whole process group: the parent decides what happens
    # and stops its workers itself (a worker whose parent is gone sees its pipe close).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _serve(
        Connection(int(sys.argv[1]), writable=False),
        Connection(int(sys.argv[2]), readable=False),
        sys.argv[3],
        int(sys.argv[4]),
    )

"""pyttsx3 (espeak-ng on Linux) as a speech engine, run in a worker process.

The worker contains pyttsx3's known problems (PITFALLS.md): `runAndWait()` returning before
the file is written, property changes that do not stick, hangs, and "Audio saved to" on
stdout. One worker serves one voice setting; a hang or crash is killed, retried once,
then reported.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import threading
import wave
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from voiceguide.errors import SpeechError
from voiceguide.speech.base import Clip, VoiceInfo, VoiceSettings

PHRASE_TIMEOUT_S = 20.0
"""A phrase of a few sentences takes well under a second; twenty means it hung."""
START_TIMEOUT_S = 30.0


def _worker(requests: Connection, replies: Connection, settings: VoiceSettings | None) -> None:
    """Worker process: one pyttsx3 engine; requests are phrases, replies are samples."""
    import pyttsx3

    try:
        engine = pyttsx3.init("espeak")
        if settings is None:  # a listing worker
            voices = [VoiceInfo(v.id, v.name, tuple(v.languages or ())) for v in engine.getProperty("voices")]
            replies.send(("voices", voices))
            return
        engine.setProperty("voice", settings.voice_id)
        engine.setProperty("rate", settings.rate_wpm)
        engine.setProperty("volume", settings.volume)
        finished = threading.Event()
        engine.connect("finished-utterance", lambda name, completed: finished.set())
        replies.send(("ready", None))
    except Exception as e:  # reported to the parent as one line
        replies.send(("error", f"{type(e).__name__}: {e}"))
        return
    with tempfile.TemporaryDirectory(prefix="voiceguide-tts-") as folder:
        path = os.path.join(folder, "phrase.wav")
        while True:
            try:
                text = requests.recv()
            except EOFError:
                return
            if text is None:
                return
            finished.clear()
            if os.path.exists(path):
                os.unlink(path)
            engine.save_to_file(text, path)
            engine.runAndWait()  # one phrase per call: only the last queued command runs
            if not finished.wait(PHRASE_TIMEOUT_S) or not os.path.exists(path):
                replies.send(("error", f"no audio for {text!r}"))
                continue
            with wave.open(path, "rb") as w:
                replies.send(("clip", (w.readframes(w.getnframes()), w.getframerate())))


class Pyttsx3Engine:
    """The default engine: pyttsx3 with its espeak-ng driver, in a worker per voice setting."""

    name = "pyttsx3"

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: tuple[Connection, Connection] | None = None
        self._settings: VoiceSettings | None = None

    def voices(self) -> list[VoiceInfo]:
        process, (requests, replies) = self._spawn(None)
        try:
            kind, payload = self._receive(replies, process, START_TIMEOUT_S, "listing voices")
        finally:
            requests.close()
            replies.close()
            process.wait(5)
        if kind != "voices":
            raise SpeechError(f"pyttsx3 could not list voices: {payload}")
        return list(payload)

    def synthesize(self, text: str, settings: VoiceSettings) -> Clip:
        for attempt in (1, 2):
            try:
                requests, replies = self._worker_for(settings)
                requests.send(text)
                kind, payload = self._receive(replies, self._process, PHRASE_TIMEOUT_S, repr(text))
                if kind != "clip":
                    raise SpeechError(f"pyttsx3 failed on {text!r}: {payload}")
                frames, rate = payload
                return Clip(np.frombuffer(frames, dtype="<i2").copy(), rate)
            except SpeechError:
                self.close()  # a fresh worker for the retry: the only real reset
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._conn is not None:
            requests, replies = self._conn
            with contextlib.suppress(OSError):
                requests.send(None)
            requests.close()
            replies.close()
        if self._process is not None:
            try:
                self._process.wait(2)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = self._conn = self._settings = None

    def _worker_for(self, settings: VoiceSettings) -> tuple[Connection, Connection]:
        if self._settings != settings or self._conn is None or self._process is None:
            self.close()
            self._process, self._conn = self._spawn(settings)
            kind, payload = self._receive(self._conn[1], self._process, START_TIMEOUT_S, "starting")
            if kind != "ready":
                raise SpeechError(f"pyttsx3 could not start voice {settings.voice_id!r}: {payload}")
            self._settings = settings
        return self._conn

    @staticmethod
    def _spawn(settings: VoiceSettings | None) -> tuple[subprocess.Popen[bytes], tuple[Connection, Connection]]:
        """A worker as a plain child process talking over two pipes of its own: its stdout
        and stderr (where espeak and pyttsx3 print) go nowhere near ours."""
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        argument = json.dumps(None if settings is None else dataclasses.asdict(settings))
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(request_r), str(reply_w), argument],
                pass_fds=(request_r, reply_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        finally:
            os.close(request_r)
            os.close(reply_w)
        return process, (Connection(request_w, readable=False), Connection(reply_r, writable=False))

    @staticmethod
    def _receive(replies: Connection, process: subprocess.Popen[bytes], timeout: float, what: str) -> tuple[str, Any]:
        if not replies.poll(timeout):
            process.kill()
            raise SpeechError(f"the speech engine hung ({what}); it was stopped")
        try:
            reply: tuple[str, Any] = replies.recv()
        except (EOFError, OSError):
            code = process.poll()
            raise SpeechError(f"the speech engine crashed ({what}, exit code {code})") from None
        return reply


if __name__ == "__main__":
    _settings = json.loads(sys.argv[3])
    _worker(
        Connection(int(sys.argv[1]), writable=False),
        Connection(int(sys.argv[2]), readable=False),
        None if _settings is None else VoiceSettings(**_settings),
    )

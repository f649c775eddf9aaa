"""pyttsx3 (espeak-ng on Linux) as a speech engine: the design's engine, and the fallback
voice for every language. Runs in worker processes (workers.py).

Two engines share these voices: `pyttsx3` goes through pyttsx3's own save-to-file path;
`espeak` calls libespeak-ng directly through voiceguide's small binding (espeak_ng.py),
with the same voices and sound, several times faster.
"""

from __future__ import annotations

import os
import tempfile
import threading
import wave
from collections.abc import Callable
from typing import Any

from voiceguide.speech.base import VoiceInfo, VoiceSettings
from voiceguide.speech.registry import ESPEAK_LICENCE
from voiceguide.speech.workers import PHRASE_TIMEOUT_S, WorkerEngine


class Pyttsx3Engine(WorkerEngine):
    """pyttsx3 with its espeak-ng driver, one worker process per core."""

    name = "pyttsx3"


class EspeakEngine(WorkerEngine):
    """libespeak-ng called directly (synchronous mode) in the same kind of workers."""

    name = "espeak"


class Backend:
    """Inside a worker: the voice list and the speaker, through pyttsx3's espeak driver
    (`pyttsx3`) or voiceguide's own binding (`espeak`, which never loads pyttsx3)."""

    def __init__(self, name: str) -> None:
        self.name = name
        if name == "pyttsx3":
            import pyttsx3

            self.engine = pyttsx3.init("espeak")

    def voices(self) -> list[VoiceInfo]:
        if self.name == "pyttsx3":
            listed = [(v.id, v.name, tuple(v.languages or ())) for v in self.engine.getProperty("voices")]
        else:
            from voiceguide.speech.espeak_ng import list_voices

            listed = list_voices()
        return [
            VoiceInfo(
                voice_id,
                name,
                languages,
                engine=self.name,
                quality="formant synthesis",
                licence=ESPEAK_LICENCE,
                source="espeak-ng, installed with the system",
            )
            for voice_id, name, languages in listed
        ]

    def preload(self, voice_id: str) -> None:
        """Nothing to load ahead: espeak-ng's voices are ready at once."""

    def speaker(self, settings: VoiceSettings) -> Callable[[str], tuple[bytes, int]]:
        if self.name == "espeak":
            return _direct_espeak(settings)
        return _through_pyttsx3(self.engine, settings)


def _through_pyttsx3(engine: Any, settings: VoiceSettings) -> Callable[[str], tuple[bytes, int]]:
    """pyttsx3's own path: save_to_file + runAndWait, one phrase per call."""
    finished = threading.Event()
    engine.setProperty("voice", settings.voice_id)
    engine.setProperty("rate", settings.rate_wpm)
    engine.setProperty("volume", settings.volume)
    engine.connect("finished-utterance", lambda name, completed: finished.set())
    folder = tempfile.mkdtemp(prefix="voiceguide-tts-")
    path = os.path.join(folder, "phrase.wav")

    def speak(text: str) -> tuple[bytes, int]:
        finished.clear()
        if os.path.exists(path):
            os.unlink(path)
        engine.save_to_file(text, path)
        engine.runAndWait()  # one phrase per call: only the last queued command runs
        # runAndWait can return before the file is written (upstream #219): wait for the
        # driver's own end-of-utterance notice.
        if not finished.wait(PHRASE_TIMEOUT_S) or not os.path.exists(path):
            raise RuntimeError(f"no audio for {text!r}")
        with wave.open(path, "rb") as w:
            return w.readframes(w.getnframes()), w.getframerate()

    return speak


def _direct_espeak(settings: VoiceSettings) -> Callable[[str], tuple[bytes, int]]:
    """libespeak-ng in synchronous mode, through voiceguide's own binding: the same voices
    and the same sound as pyttsx3's espeak driver, without its event loop (which sleeps
    10 ms per turn) or a file per phrase."""
    from voiceguide.speech.espeak_ng import Synthesizer

    synthesizer = Synthesizer(settings.voice_id, settings.rate_wpm, settings.volume)
    return lambda text: (synthesizer.say(text), synthesizer.sample_rate)

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

from voiceguide.speech import espeak_ng
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

    def __init__(self, name: str, threads: int) -> None:
        self.name = name  # (espeak-ng speaks on one thread, whatever `threads` allows)
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

    def preload(self, voice_id: str, *, idle: Callable[[], bool]) -> None:
        """Nothing to load ahead: espeak-ng's voices are ready at once."""

    def speaker(self, settings: VoiceSettings) -> Callable[[str], tuple[bytes, int]]:
        if self.name == "espeak":
            return _direct_espeak(settings)
        return _through_pyttsx3(self.engine, settings)


def _through_pyttsx3(engine: Any, settings: VoiceSettings) -> Callable[[str], tuple[bytes, int]]:
    """pyttsx3's own path: save_to_file + runAndWait, one phrase per call.

    pyttsx3 runs espeak-ng in its asynchronous mode, where a rate or volume set is queued for
    espeak's own thread; when runAndWait ends its loop it cancels what espeak is doing, and a
    setting queued but not yet taken is thrown away with it (espeak goes back to its start-up
    200 words a minute). So each phrase is checked against the settings espeak really used,
    and said again with them set afresh if they were lost: a clip at the wrong speed is never
    handed back (or cached under the right one)."""
    finished = threading.Event()
    engine.setProperty("voice", settings.voice_id)
    _apply(engine, settings)
    engine.connect("finished-utterance", lambda name, completed: finished.set())
    folder = tempfile.mkdtemp(prefix="voiceguide-tts-")
    path = os.path.join(folder, "phrase.wav")

    def speak(text: str) -> tuple[bytes, int]:
        for attempt in range(SETTING_TRIES):
            said = say(text)
            if _in_effect(settings):
                if said[0] or attempt == SETTING_TRIES - 1:
                    return said
                continue  # with the other core busy, a phrase's file once came back empty
            # Set again through pyttsx3, they were lost again about one time in eight with the
            # other core busy (its loop's closing cancel throws them away before espeak takes
            # them): set them where no cancel follows, and wait until they are taken.
            espeak_ng.set_now(espeak_ng.RATE, settings.rate_wpm)
            espeak_ng.set_now(espeak_ng.VOLUME, round(settings.volume * 100))
        raise RuntimeError(f"espeak-ng did not take rate {settings.rate_wpm} and volume {settings.volume}")

    def say(text: str) -> tuple[bytes, int]:
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


SETTING_TRIES = 3
"""Phrases said again with the settings set afresh before the worker gives up (and is replaced)."""


def _apply(engine: Any, settings: VoiceSettings) -> None:
    engine.setProperty("rate", settings.rate_wpm)
    engine.setProperty("volume", settings.volume)


def _in_effect(settings: VoiceSettings) -> bool:
    """Did espeak-ng say the last phrase at `settings`' rate and volume?"""
    return espeak_ng.in_effect(espeak_ng.RATE) == settings.rate_wpm and espeak_ng.in_effect(espeak_ng.VOLUME) == round(
        settings.volume * 100
    )


def _direct_espeak(settings: VoiceSettings) -> Callable[[str], tuple[bytes, int]]:
    """libespeak-ng in synchronous mode, through voiceguide's own binding: the same voices
    and the same sound as pyttsx3's espeak driver, without its event loop (which sleeps
    10 ms per turn) or a file per phrase."""
    from voiceguide.speech.espeak_ng import Synthesizer

    synthesizer = Synthesizer(settings.voice_id, settings.rate_wpm, settings.volume)
    return lambda text: (synthesizer.say(text), synthesizer.sample_rate)

"""Piper (piper-tts, GPL-3.0) as a speech engine: neural voices that run offline on a CPU.

One worker process loads the voice's model once and speaks every phrase with it; ONNX
Runtime already uses every core for one phrase, so a second worker would only compete.
Only the worker imports piper and onnxruntime.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from voiceguide.errors import MissingPart
from voiceguide.speech.base import VoiceInfo, VoiceSettings
from voiceguide.speech.piper_voices import find_voice, installed_voices
from voiceguide.speech.workers import WorkerEngine

NATURAL_WPM = 190
"""The rate a Piper voice speaks at its natural length scale (1.0), on voiceguide's scale.
`--rate` means what it means for espeak-ng: measured on the built-in routine's sentences,
the packaged voice at 190 wpm matches espeak-ng at 170, 190 and 220 within a few percent
(tests/test_speech.py holds it to 10 %)."""
RATE_EXPONENT = 1.0
SENTENCE_PAUSE_S = 0.45
"""Quiet between the sentences of one phrase at the natural rate (Piper speaks each sentence
on its own); it scales with the rate like the speech."""
TRIM_LEVEL = 330
"""About -40 dBFS: each sentence's own leading and trailing quiet is cut before joining."""


def length_scale(rate_wpm: int) -> float:
    """Piper's length scale for a speech rate: above 1 is slower."""
    return float((NATURAL_WPM / rate_wpm) ** RATE_EXPONENT)


class PiperEngine(WorkerEngine):
    name = "piper"
    backend = "piper"
    max_workers = 1

    def voices(self) -> list[VoiceInfo]:
        """Found on disk here: no worker needs to start to list them."""
        return [v.info() for v in installed_voices()]


class Backend:
    """Inside the worker: loads one voice and speaks with it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def voices(self) -> list[VoiceInfo]:
        return [v.info() for v in installed_voices()]

    def speaker(self, settings: VoiceSettings) -> Callable[[str], tuple[bytes, int]]:
        from piper import PiperVoice, SynthesisConfig

        found = find_voice(settings.voice_id)
        if found is None:
            raise MissingPart(f"no Piper voice {settings.voice_id!r}")
        voice = PiperVoice.load(found.model, config_path=found.config)
        scale = length_scale(settings.rate_wpm)
        config = SynthesisConfig(length_scale=scale, volume=settings.volume)
        rate = voice.config.sample_rate
        pause = np.zeros(round(SENTENCE_PAUSE_S * scale * rate), dtype=np.int16)

        def speak(text: str) -> tuple[bytes, int]:
            sentences = [_trimmed(chunk.audio_int16_array) for chunk in voice.synthesize(text, config)]
            parts: list[np.ndarray] = []
            for sentence in (s for s in sentences if s.size):
                parts += [pause, sentence] if parts else [sentence]
            return (np.concatenate(parts) if parts else np.zeros(0, np.int16)).astype("<i2").tobytes(), rate

        return speak


def _trimmed(samples: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > TRIM_LEVEL)
    return samples[loud[0] : loud[-1] + 1] if loud.size else samples[:0]

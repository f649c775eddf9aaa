"""Piper (piper-tts, GPL-3.0) as a speech engine: neural voices that run offline on a CPU.

Each worker process loads the voice's model once and speaks phrase after phrase with it. A
render runs two workers (`MAX_WORKERS`, fewer on one core), each given its share of the
cores as ONNX Runtime threads: ONNX Runtime spreads one phrase over the cores less well than
two workers share them (measured on 2 cores, the built-in routine's 154 phrases: 17.1 s in
one worker with ONNX Runtime's default threads, 14.1 s in two of one thread each). A worker
started alone, for a cold `play`'s first phrase, uses every core.
Only the workers import piper and onnxruntime.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from voiceguide.errors import MissingPart
from voiceguide.speech.base import Clip, VoiceInfo, VoiceSettings
from voiceguide.speech.piper_voices import find_voice, installed_voices
from voiceguide.speech.workers import WorkerEngine

if TYPE_CHECKING:
    import numpy as np
    from piper import PiperVoice

SCALE_AT_1_WPM = 255.0
SCALE_OFFSET = 0.33
"""Piper's length scale for a rate is SCALE_AT_1_WPM / rate - SCALE_OFFSET, so that `--rate`
means what it means for espeak-ng. espeak-ng's speech lasts in proportion to 1/rate, while a
Piper phrase has a part that does not scale with the length scale (about a quarter of it at
the natural rate). Measured at 110, 170 and 250 wpm against espeak-ng's US English voice: the
built-in routine's sentences last 2 to 6 % longer with Piper, short plain sentences 4 to 9 %
shorter; tests/test_piper.py holds a mix of both within 10 %."""
MIN_SCALE = 0.25
SENTENCE_PAUSE_S = 0.45
"""Quiet between the sentences of one phrase at the natural rate (Piper speaks each sentence
on its own, and each is trimmed as every clip is); it scales with the rate like the speech."""


def length_scale(rate_wpm: int) -> float:
    """Piper's length scale for a speech rate: above 1 is slower."""
    return max(MIN_SCALE, SCALE_AT_1_WPM / rate_wpm - SCALE_OFFSET)


class PiperEngine(WorkerEngine):
    name = "piper"

    def voices(self) -> list[VoiceInfo]:
        """Found on disk here: no worker needs to start to list them."""
        return [v.info() for v in installed_voices()]


class Backend:
    """Inside the worker: loads one voice and speaks with it."""

    def __init__(self, name: str, threads: int) -> None:
        self.name = name
        self.threads = threads
        import piper  # noqa: F401  (now, while the parent is still loading the routine)

        self._loaded: dict[str, PiperVoice] = {}

    def voices(self) -> list[VoiceInfo]:
        return [v.info() for v in installed_voices()]

    def preload(self, voice_id: str, *, idle: Callable[[], bool]) -> None:
        """Load the voice, and run it once if no phrase is waiting yet: ONNX Runtime's first
        run of a model is several times slower than the next, so a warm-up while the routine
        still loads speeds the first phrase, but once that phrase is asked for, a warm-up
        would only stand in front of it (a cold `play` waits for its lead-in)."""
        voice = self._load(voice_id)
        if idle():
            for _ in voice.synthesize("Hm."):
                pass

    def _load(self, voice_id: str) -> PiperVoice:
        """The voice, loaded once. As `PiperVoice.load` does it, with one difference: ONNX
        Runtime's graph optimisations are off. They took 0.3 to 0.4 s of a 0.4 to 0.6 s load
        here and made synthesis no faster (measured: 21 to 22 times real time either way),
        and a cold `play` waits for the load before its first sound."""
        import json

        import onnxruntime
        from piper import PiperConfig, PiperVoice

        if voice_id not in self._loaded:
            found = find_voice(voice_id)
            if found is None:
                raise MissingPart(f"no Piper voice {voice_id!r}")
            options = onnxruntime.SessionOptions()
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            # Threads that wait for work sleep rather than spin: a worker started alone with
            # every core shares them with the ones started after it.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._loaded[voice_id] = PiperVoice(
                config=PiperConfig.from_dict(json.loads(found.config.read_text(encoding="utf-8"))),
                session=onnxruntime.InferenceSession(
                    str(found.model), sess_options=options, providers=["CPUExecutionProvider"]
                ),
            )
        return self._loaded[voice_id]

    def speaker(self, settings: VoiceSettings) -> Callable[[str], tuple[bytes, int]]:
        import numpy as np
        from piper import SynthesisConfig

        from voiceguide.speech.cache import trim_silence  # here: the parent never needs numpy

        voice = self._load(settings.voice_id)
        scale = length_scale(settings.rate_wpm)
        config = SynthesisConfig(length_scale=scale, volume=settings.volume)
        rate = voice.config.sample_rate
        pause = np.zeros(round(SENTENCE_PAUSE_S * scale * rate), dtype=np.int16)

        def speak(text: str) -> tuple[bytes, int]:
            sentences = [trim_silence(Clip(c.audio_int16_array, rate)).samples for c in voice.synthesize(text, config)]
            parts: list[np.ndarray] = []
            for sentence in (s for s in sentences if s.size):
                parts += [pause, sentence] if parts else [sentence]
            return (np.concatenate(parts) if parts else np.zeros(0, np.int16)).astype("<i2").tobytes(), rate

        return speak

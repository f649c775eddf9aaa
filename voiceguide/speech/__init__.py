"""Speech: engines that turn phrases into clips, the clip cache, voice choice, and a routine
voiced (`plan.py`: its clips and the timeline laid out with their real lengths)."""

from voiceguide.speech.base import Clip, SpeechEngine, VoiceInfo, VoiceSettings
from voiceguide.speech.registry import ENGINES, choose_voice, make_engine

__all__ = [
    "ENGINES",
    "Clip",
    "SpeechEngine",
    "VoiceInfo",
    "VoiceSettings",
    "choose_voice",
    "make_engine",
]

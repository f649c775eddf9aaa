"""Speech: engines that turn phrases into clips, the clip cache, the voices there are and
choosing one. It knows nothing of routines: `voiceguide.app.voicing` voices one."""

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

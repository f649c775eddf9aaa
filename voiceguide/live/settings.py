"""How a routine is played live: one value the command line builds and `play` passes whole.

Light (no numpy, no sound library): the quick start reads it before anything heavy loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from voiceguide.speech.registry import VoiceChoice
from voiceguide.timeline.options import CompileOptions

AudioLibrary = Literal["auto", "sounddevice", "simpleaudio"]
"""How sound reaches the device: one continuous sounddevice stream, or simpleaudio buffers."""
AUDIO_LIBRARIES: tuple[AudioLibrary, ...] = ("auto", "sounddevice", "simpleaudio")


@dataclass(frozen=True)
class PlaySettings:
    """Everything `play` is given besides the routine."""

    options: CompileOptions = field(default_factory=CompileOptions)
    choice: VoiceChoice = field(default_factory=VoiceChoice)
    lead_in: bool = True
    """Say "Starting in 3, 2, 1" first."""
    library: AudioLibrary = "auto"
    quiet: bool = False
    """One plain line per cue instead of the live view."""
    listen: bool = False
    """Obey spoken commands."""

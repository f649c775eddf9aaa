"""The speech engine interface and the values that cross it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    """The engine's own id (espeak: `gmw/en`); differs per platform, so match by name too."""
    name: str
    languages: tuple[str, ...]
    engine: str = ""
    quality: str = ""
    """"formant synthesis", or a neural voice's quality ("low", "medium", "high")."""
    licence: str = ""
    """The voice's own licence, from its model card (each voice carries its own)."""
    source: str = ""
    """Where it comes from: a package, the voices folder, a file."""


@dataclass(frozen=True)
class VoiceSettings:
    """Everything that changes how a phrase sounds: part of the cache key."""

    voice_id: str
    rate_wpm: int
    volume: float = 1.0


@dataclass(frozen=True)
class Clip:
    """One synthesised phrase: mono 16-bit samples, silence trimmed."""

    samples: np.ndarray
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


class SpeechEngine(Protocol):
    """Turns phrases into clips with one voice setting. Close it when done."""

    name: str

    def start(self, preload: str | None = None) -> None:
        """Begin starting up (a process, a library) without waiting; later calls use it.
        `preload` names a voice to get ready before its settings are known."""
        ...

    def voices(self) -> list[VoiceInfo]: ...

    def synthesize(self, text: str, settings: VoiceSettings) -> Clip: ...

    def synthesize_many(self, texts: Iterable[str], settings: VoiceSettings) -> Iterator[tuple[str, Clip]]:
        """Clips for many phrases, in the order they finish (engines may work in parallel)."""
        ...

    def close(self) -> None: ...

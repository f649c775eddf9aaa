"""Tones made in code (no downloaded assets): chimes, the tap knock, the tick, the end of a hold,
the blip that answers a spoken command, and the tone a live start sounds while its voice loads.

The one table of them: a tone's name, its length (the compiler lays tones out with it), its
loudness (the mixer levels it to that), whether an author can ask for it as a `chime`, and
how it is made (`synthesize`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Tone:
    seconds: float
    lufs: float
    """How loud it is mixed (speech is at -16)."""
    chime: bool = False
    """A routine may ask for it with `chime: NAME`."""


TONES: dict[str, Tone] = {
    "soft": Tone(1.2, -24.0, chime=True),
    "bell": Tone(1.6, -24.0, chime=True),
    "knock": Tone(0.08, -26.0),
    "tick": Tone(0.03, -34.0),
    "end": Tone(0.7, -24.0),
    "heard": Tone(0.16, -28.0),
    "confirm": Tone(0.3, -28.0),
    "start": Tone(0.45, -28.0),
}
TONE_SECONDS = {name: tone.seconds for name, tone in TONES.items()}
ChimeName = Literal["soft", "bell"]
"""The tones marked `chime` (a Literal, for the routine format's schema; checked below)."""
assert set(ChimeName.__args__) == {name for name, tone in TONES.items() if tone.chime}  # type: ignore[attr-defined]


def synthesize(name: str, sample_rate: int) -> np.ndarray:
    """The tone as float32 samples in [-1, 1] of exactly TONE_SECONDS[name]."""
    import numpy as np

    n = round(TONE_SECONDS[name] * sample_rate)
    t = np.arange(n, dtype=np.float64) / sample_rate

    def partials(freqs: list[float], amps: list[float], decay: float, delay: float = 0.0) -> np.ndarray:
        """Decaying sine partials that start `delay` seconds in."""
        local = np.clip(t - delay, 0.0, None)
        wave = sum(a * np.sin(2 * np.pi * f * local) for f, a in zip(freqs, amps, strict=True))
        return np.where(t >= delay, np.asarray(wave) * np.exp(-local * decay), 0.0)

    if name == "soft":  # a warm two-note chime
        wave = partials([523.25, 1046.5, 1569.75], [0.6, 0.25, 0.1], 3.0)
        wave = wave + partials([659.25, 1318.5], [0.5, 0.2], 3.0, delay=0.25)
    elif name == "bell":
        wave = partials([880.0, 1760.0, 2640.0, 3520.0], [0.5, 0.3, 0.15, 0.08], 2.5)
    elif name == "knock":  # a short, low wooden knock
        wave = partials([180.0, 360.0], [0.8, 0.3], 45.0)
    elif name == "tick":
        wave = partials([2000.0], [0.3], 120.0)
    elif name == "heard":  # a quick rising pair: "got it", after a spoken command
        wave = np.where(t < 0.07, partials([880.0], [0.5], 20.0), partials([1320.0], [0.5], 25.0, delay=0.07))
    elif name == "confirm":  # a falling pair, twice "heard"'s length: "stop? say it again"
        wave = np.where(t < 0.14, partials([1320.0], [0.5], 12.0), partials([660.0], [0.5], 12.0, delay=0.14))
    elif name == "end":  # a falling pair of notes: distinct from the chime
        wave = np.where(t < 0.3, partials([784.0], [0.6], 4.0), partials([523.25], [0.6], 5.0, delay=0.3))
    elif name == "start":  # "end" turned upside down, quicker: a rising pair, "here we go"
        wave = np.where(t < 0.2, partials([523.25], [0.6], 6.0), partials([784.0], [0.6], 6.0, delay=0.2))
    else:
        raise KeyError(name)
    attack = min(n, round(0.005 * sample_rate))
    wave[:attack] *= np.linspace(0.0, 1.0, attack)
    release = min(n, round(0.05 * sample_rate))
    wave[n - release :] *= np.linspace(1.0, 0.0, release)
    peak = float(np.max(np.abs(wave))) or 1.0
    return (wave / peak * 0.5).astype(np.float32)


LIVE_LEVEL = 0.5
"""Half a tone's own peak (itself half of full scale): a soft sound under the voice's level."""


@functools.cache
def live_pcm(name: str, sample_rate: int) -> bytes:
    """The tone as live playback sounds it on its own (a blip, the start tone): 16-bit mono, at
    `LIVE_LEVEL`."""
    samples = synthesize(name, sample_rate) * LIVE_LEVEL
    return (samples * 32767).astype("<i2").tobytes()

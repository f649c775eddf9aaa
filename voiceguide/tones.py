"""Tones made in code (no downloaded assets): chimes, the tap knock, the tick, the end of a hold."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

TONE_SECONDS: dict[str, float] = {
    "soft": 1.2,
    "bell": 1.6,
    "knock": 0.08,
    "tick": 0.03,
    "end": 0.7,
}
"""Each tone's length; the compiler lays tones out with these, the mixer makes them."""


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
    elif name == "end":  # a falling pair of notes: distinct from the chime
        wave = np.where(t < 0.3, partials([784.0], [0.6], 4.0), partials([523.25], [0.6], 5.0, delay=0.3))
    else:
        raise KeyError(name)
    attack = min(n, round(0.005 * sample_rate))
    wave[:attack] *= np.linspace(0.0, 1.0, attack)
    release = min(n, round(0.05 * sample_rate))
    wave[n - release :] *= np.linspace(1.0, 0.0, release)
    peak = float(np.max(np.abs(wave))) or 1.0
    return (wave / peak * 0.5).astype(np.float32)

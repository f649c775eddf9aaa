"""A linear echo canceller that lets a person's word through whole while the voice plays.

WebRTC's AEC3 (pywebrtc-audio) follows its linear filter with a suppressor that, whenever the
voice's echo is louder at the microphone than the person (the usual case: the speaker is
nearer the microphone than someone lying on the floor), takes the person out with the echo.
Through the corpus's rooms it left nothing of a command said near the microphone over the
voice, so nothing could be heard to start and the voice was never ducked. pywebrtc-audio does
not give out its linear filter's output, so this is one: a partitioned-block frequency-domain
NLMS filter (overlap-save, 10 ms blocks), the textbook design of the linear stage of Speex's
and WebRTC's cancellers, in numpy (0.2 ms of one core per 10 ms).

It subtracts its estimate of the echo and nothing else: what is left is the person, as the
microphone heard them, over what the filter cannot model of the room (about 30 dB under the
voice's echo once it has heard a few seconds of it).

A filter that goes on learning while someone speaks learns their voice as echo. `Canceller`
keeps the filter it had a moment ago, and `hold` goes back to it and stops learning: the
listener calls it when someone starts to speak, and `learn` when they stop.
"""

from __future__ import annotations

import collections

import numpy as np

BLOCK = 160
"""10 ms at 16 kHz: the listener's frame."""
ECHO_S = 0.64
"""How long an echo the filter models: the path from the output's buffer through the room
back to the microphone (a sound server's latency and a room's tail)."""
STEP = 0.6
"""The normalised step: how much of its error the filter corrects per block. Chosen on one
tuning take (higher diverged at 0.9, lower converged slower)."""
SMOOTHING = 0.9
"""How much of the far end's power estimate carries over to the next block."""
FLOOR = 1e-2
"""Added to the far end's power before dividing by it: a quiet far end (the pause between
phrases) is no reason for a large step."""
KEEP_BLOCKS = 40
"""`hold` goes back to a filter at least this old (0.4 s) of learning: from before the person's
first sound, which comes before the listener is sure someone speaks (only in its first 0.4 s
does it go back to a younger one)."""


class Canceller:
    """Feed it the microphone (`near`) and what the speaker played (`far`), 10 ms at a time."""

    def __init__(self, rate: int = 16000) -> None:
        if rate != 16000:
            raise ValueError("the canceller works at 16 kHz")
        parts = round(ECHO_S * rate / BLOCK)
        self._weights = np.zeros((parts, BLOCK + 1), complex)
        self._spectra = np.zeros((parts, BLOCK + 1), complex)
        """The far end's last `parts` blocks, newest first, each with the block before it."""
        self._previous = np.zeros(BLOCK)
        self._power = np.zeros(BLOCK + 1)
        self._learning = True
        self._kept: collections.deque[np.ndarray] = collections.deque(maxlen=3)
        self._blocks = 0
        self.estimate = np.zeros(BLOCK, np.int16)

    def process(self, near: np.ndarray, far: np.ndarray) -> np.ndarray:
        """The microphone's block without the voice's echo (int16 in, int16 out)."""
        x = far.astype(np.float64) / 32768
        y = near.astype(np.float64) / 32768
        spectrum = np.fft.rfft(np.concatenate([self._previous, x]))
        self._previous = x
        self._spectra = np.roll(self._spectra, 1, axis=0)
        self._spectra[0] = spectrum
        estimate = np.fft.irfft(np.einsum("kf,kf->f", self._weights, self._spectra))[BLOCK:]
        error = y - estimate
        self.estimate = np.clip(np.round(estimate * 32768), -32768, 32767).astype(np.int16)
        """The echo it took out of the last block."""
        if self._learning:
            self._learn(error)
        return np.clip(np.round(error * 32768), -32768, 32767).astype(np.int16)

    def _learn(self, error: np.ndarray) -> None:
        power = np.sum(np.abs(self._spectra) ** 2, axis=0)
        # Never under the power now, so that no step is larger than STEP: after a silence or an
        # un-duck the far end is suddenly 20 dB louder than its smoothed power says.
        self._power = np.maximum(SMOOTHING * self._power + (1 - SMOOTHING) * power, power)
        gradient = np.conj(self._spectra) * np.fft.rfft(np.concatenate([np.zeros(BLOCK), error]))
        constrained = np.fft.irfft(gradient / (self._power + FLOOR), axis=1)
        constrained[:, BLOCK:] = 0  # the overlap-save constraint: a filter no longer than a block per part
        self._weights += STEP * np.fft.rfft(constrained, axis=1)
        self._blocks += 1
        if self._blocks % (KEEP_BLOCKS // 2) == 0:
            self._kept.append(self._weights.copy())

    def hold(self) -> None:
        """Someone speaks: go back to the filter from before they started, and learn nothing
        from them."""
        if self._learning and self._kept:
            self._weights = self._kept[0].copy()
        self._learning = False

    def learn(self) -> None:
        """Nobody speaks: follow the room again. The filters kept from before stay good to go
        back to: nothing was learnt while it held."""
        self._learning = True

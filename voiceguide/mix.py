"""Mixing a timeline into PCM: every clip at its exact sample offset, then one gain for loudness.

The track is mixed in chunks, twice: once to measure loudness and peak, once to write 16-bit
samples with the gain applied. No full-length float buffer is ever held, so memory stays
near the size of the 16-bit track, and live playback can take the same chunks one by one.
"""

from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Iterator, Mapping

import numpy as np

from voiceguide.speech.base import Clip
from voiceguide.timeline import Timeline
from voiceguide.tones import synthesize

MIX_RATE = 44100
TARGET_LUFS = -16.0
"""The usual loudness for spoken audio on phones."""
PEAK_CEILING_DBFS = -1.0
LOUDNESS_TOLERANCE_LU = 0.2
LIMITER_CEILING_DBFS = -1.5
"""Each sound's own ceiling: half a dB below the track's, for where a knock meets a count."""
LIMITER_BLOCK = 256
ENERGY_STEP_S = 0.02
"""Resolution of the loudness bookkeeping, a fifth of a BS.1770 segment (whole samples at
22050 and 44100 Hz)."""
PCM_CHUNK = 1 << 18
K_WEIGHTING_TAIL_S = 0.05
"""The filter rings on briefly after a sound ends; its weighted copy keeps that tail."""
SEGMENT_S = 0.1
"""BS.1770 gating blocks are 400 ms with 75 % overlap: four 100 ms segments each."""


Key = tuple[str, str]
"""A sound: ("speech", text) or ("tone", name)."""


class TrackMixer:
    """Places a timeline's speech clips and tones on a sample grid, at one level.

    Levelling works on each distinct sound at the rate it was made at (espeak: 22050 Hz),
    so a routine's few hundred phrases are scaled, limited and measured once each, not the
    whole track; only the levelled sounds are kept at the mix rate.
    """

    def __init__(self, timeline: Timeline, clips: Mapping[str, Clip], *, sample_rate: int = MIX_RATE) -> None:
        self.sample_rate = sample_rate
        self.total_samples = round(timeline.total_s * sample_rate)
        self._native: dict[Key, tuple[np.ndarray, int]] = {}
        placed: list[tuple[int, Key]] = []
        for event in timeline.events:
            if event.kind == "silence":
                continue
            key = (event.kind, event.text)
            if key not in self._native:
                if event.kind == "speech":
                    clip = clips[event.text]
                    self._native[key] = (
                        clip.samples.astype(np.float32) / 32768.0,
                        clip.sample_rate,
                    )
                else:
                    self._native[key] = (synthesize(event.text, sample_rate), sample_rate)
            placed.append((round(event.start_s * sample_rate), key))
        placed.sort(key=lambda s: s[0])
        self._placed = placed
        self._starts = [start for start, _ in placed]
        self._weighted_native: dict[Key, np.ndarray] = {}
        self._sounds: dict[Key, np.ndarray] = {}
        self._energy: dict[Key, np.ndarray] = {}
        self._longest = 0
        self.gain = 1.0
        self.set_gain(1.0)

    def set_gain(self, gain: float) -> None:
        """Scale every sound by `gain`, limiting each so no peak passes the ceiling.

        Limiting each sound on its own is far cheaper than limiting the track, and sounds
        overlap only where a knock meets a count (pcm_chunks catches that).
        """
        ceiling = 10 ** (LIMITER_CEILING_DBFS / 20)
        self._sounds, self._energy = {}, {}
        for key, (samples, rate) in self._native.items():
            levelled = samples * gain
            envelope = limiter_gain(levelled, ceiling)
            if envelope is not None:
                levelled *= envelope
            # Linear interpolation never overshoots its neighbours: the ceiling still holds.
            self._sounds[key] = resample(levelled, rate, self.sample_rate)
            if self._weighted_native:  # loudness bookkeeping, once level() has asked for it
                weighted = self._weighted_native[key] * gain
                if envelope is not None:
                    weighted[: len(envelope)] *= envelope
                self._energy[key] = _running_energy(weighted, rate, self.sample_rate)
        self._longest = max((len(s) for s in self._sounds.values()), default=0)
        self.gain = gain

    def level(self, *, target_lufs: float = TARGET_LUFS) -> float:
        """Bring the mix to the target loudness with limited peaks; return the loudness reached."""
        if not self._weighted_native:
            self._weighted_native = {key: k_weight(samples, rate) for key, (samples, rate) in self._native.items()}
            self.set_gain(self.gain)
        loudness = self.measure()
        if not math.isfinite(loudness):
            return loudness
        previous = (20 * math.log10(self.gain), loudness)  # (gain in dB, loudness)
        gain_db = previous[0] + target_lufs - loudness
        for _ in range(3):  # the limiter makes loudness grow slower than gain: home in on it
            self.set_gain(10 ** (gain_db / 20))
            loudness = self.measure()
            if abs(loudness - target_lufs) < LOUDNESS_TOLERANCE_LU:
                break
            slope = (loudness - previous[1]) / (gain_db - previous[0]) if gain_db != previous[0] else 1.0
            previous = (gain_db, loudness)
            gain_db += (target_lufs - loudness) / max(slope, 0.2)
        return loudness

    def mix(self, start: int, stop: int) -> np.ndarray:
        """Float32 samples [start, stop) of the mix."""
        sounds = self._sounds
        stop = min(stop, self.total_samples)
        out = np.zeros(max(0, stop - start), dtype=np.float32)
        first = bisect.bisect_left(self._starts, start - self._longest)
        last = bisect.bisect_left(self._starts, stop)
        for at, key in self._placed[first:last]:
            samples = sounds[key]
            lo, hi = max(at, start), min(at + len(samples), stop)
            if lo < hi:
                out[lo - start : hi - start] += samples[lo - at : hi - at]
        return out

    def measure(self) -> float:
        """Integrated loudness (BS.1770, gated) of the mix as it stands, in LUFS.

        Each 100 ms segment's K-weighted energy is the sum of what each sound puts into it,
        read off that sound's running energy in 20 ms steps: no pass over the whole track.
        Sounds overlap only where a knock meets a count; the cross term there is negligible.
        """
        if not self._weighted_native:
            self._weighted_native = {key: k_weight(samples, rate) for key, (samples, rate) in self._native.items()}
            self.set_gain(self.gain)
        steps_per_segment = round(SEGMENT_S / ENERGY_STEP_S)
        segments = self.total_samples // round(SEGMENT_S * self.sample_rate)
        energy = np.zeros(segments + 2)
        for at, key in self._placed:
            cumulative = self._energy[key]  # the sound's energy over its first k steps, k = 0..n
            start = at / self.sample_rate / ENERGY_STEP_S  # in steps
            first = int(start) // steps_per_segment
            last = min(int(start + len(cumulative) - 1) // steps_per_segment, len(energy) - 1)
            edges = np.arange(first + 1, last + 1) * steps_per_segment - start
            taken = cumulative[np.clip(np.rint(edges).astype(int), 0, len(cumulative) - 1)]
            energy[first : last + 1] += np.diff(np.concatenate(([0.0], taken, [cumulative[-1]])))
        return _gated_loudness(energy[:segments] / round(SEGMENT_S * self.sample_rate))

    def pcm_chunks(self, chunk_samples: int = PCM_CHUNK) -> Iterator[np.ndarray]:
        """The mix as int16 chunks. Where sounds overlap past the ceiling (a knock on a count),
        the chunk is limited: the same chunks, the same samples, live or rendered."""
        ceiling = 10 ** (PEAK_CEILING_DBFS / 20)
        for start in range(0, self.total_samples, chunk_samples):
            chunk = self.mix(start, start + chunk_samples)
            if chunk.size and float(np.max(np.abs(chunk))) > ceiling:
                chunk = limit(chunk, ceiling)
            yield to_int16(chunk)

    def pcm(self) -> bytearray:
        """The whole mix as 16-bit little-endian mono PCM, in one buffer (no float copy of it)."""
        data = bytearray(self.total_samples * 2)
        view = np.frombuffer(data, dtype="<i2")
        at = 0
        for chunk in self.pcm_chunks():
            view[at : at + len(chunk)] = chunk
            at += len(chunk)
        return data


def _running_energy(weighted: np.ndarray, rate: int, mix_rate: int) -> np.ndarray:
    """Cumulative energy in ENERGY_STEP_S steps, as it will be at `mix_rate`."""
    step = round(ENERGY_STEP_S * rate)
    steps = -(-len(weighted) // step)
    padded = np.zeros(steps * step, dtype=np.float32)
    padded[: len(weighted)] = weighted
    blocks = padded.reshape(steps, step)
    per_step = np.einsum("ij,ij->i", blocks, blocks, dtype=np.float64) * (mix_rate / rate)
    return np.concatenate(([0.0], np.cumsum(per_step)))


def to_int16(samples: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(samples * 32767.0), -32768, 32767).astype("<i2")


def limit(samples: np.ndarray, ceiling: float) -> np.ndarray:
    """Peak-limit the samples so none passes `ceiling`."""
    gain = limiter_gain(samples, ceiling)
    return samples if gain is None else samples * gain


def limiter_gain(samples: np.ndarray, ceiling: float) -> np.ndarray | None:
    """A smooth gain, never above what any sample needs to stay under `ceiling`; None if
    nothing passes it.

    The gain is the minimum over each block and its neighbours, drawn as straight lines
    between block centres: every sample's line lies below its own block's minimum.
    """
    peak = np.abs(samples)
    if samples.size == 0 or float(peak.max()) <= ceiling:
        return None
    n = samples.size
    blocks = -(-n // LIMITER_BLOCK)
    padded = np.ones(blocks * LIMITER_BLOCK, dtype=np.float32)
    padded[:n] = np.minimum(1.0, ceiling / np.maximum(peak, 1e-9))
    per_block = padded.reshape(blocks, LIMITER_BLOCK).min(axis=1)
    spread = per_block.copy()
    spread[1:] = np.minimum(spread[1:], per_block[:-1])
    spread[:-1] = np.minimum(spread[:-1], per_block[1:])
    # Straight lines between block centres, drawn with repeats (much quicker than np.interp).
    half = LIMITER_BLOCK // 2
    knots = np.concatenate(([spread[0]], spread, [spread[-1]])).astype(np.float32)
    ramp = np.arange(LIMITER_BLOCK, dtype=np.float32) / LIMITER_BLOCK
    lines = knots[:-1, None] + (knots[1:] - knots[:-1])[:, None] * ramp  # from centre i-1 to centre i
    return lines.reshape(-1)[half : half + n]


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Float32 samples at `from_rate` redrawn at `to_rate` (linear interpolation)."""
    if from_rate == to_rate or samples.size == 0:
        return samples
    if to_rate == 2 * from_rate:  # espeak's 22050 Hz to 44100 Hz: the common case
        out = np.empty(2 * len(samples), dtype=np.float32)
        out[0::2] = samples
        out[1:-1:2] = (samples[:-1] + samples[1:]) / 2
        out[-1] = samples[-1]
        return out
    n_out = round(len(samples) * to_rate / from_rate)
    positions = np.arange(n_out, dtype=np.float64) * (from_rate / to_rate)
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


def _db(amplitude: float) -> float:
    return 20 * math.log10(amplitude) if amplitude > 0 else -math.inf


def k_weight(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """The sound through BS.1770's K-weighting (shelf + high-pass), with a short tail."""
    n = len(samples) + round(K_WEIGHTING_TAIL_S * sample_rate)
    size = 1 << max(0, (n - 1).bit_length())  # few distinct sizes, so responses are reused
    spectrum = np.fft.rfft(samples, size) * _k_weighting_response(size, sample_rate)
    return np.fft.irfft(spectrum, size)[:n].astype(np.float32)


@functools.lru_cache(maxsize=256)
def _k_weighting_response(size: int, sample_rate: int) -> np.ndarray:
    """H(f) of the K-weighting filter at the rfft bins of `size` samples."""
    w = 2 * np.pi * np.fft.rfftfreq(size, 1 / sample_rate) / sample_rate
    z = np.exp(-1j * w)

    def biquad(b: tuple[float, float, float], a: tuple[float, float, float]) -> np.ndarray:
        return np.asarray((b[0] + b[1] * z + b[2] * z**2) / (a[0] + a[1] * z + a[2] * z**2))

    # RBJ cookbook forms with BS.1770's parameters, valid at any sample rate.
    big_a, w0 = 10 ** (4.0 / 40), 2 * math.pi * 1500 / sample_rate
    alpha, cos = math.sin(w0) / (2 / math.sqrt(2)), math.cos(w0)
    shelf = biquad(
        (
            big_a * ((big_a + 1) + (big_a - 1) * cos + 2 * math.sqrt(big_a) * alpha),
            -2 * big_a * ((big_a - 1) + (big_a + 1) * cos),
            big_a * ((big_a + 1) + (big_a - 1) * cos - 2 * math.sqrt(big_a) * alpha),
        ),
        (
            (big_a + 1) - (big_a - 1) * cos + 2 * math.sqrt(big_a) * alpha,
            2 * ((big_a - 1) - (big_a + 1) * cos),
            (big_a + 1) - (big_a - 1) * cos - 2 * math.sqrt(big_a) * alpha,
        ),
    )
    w0 = 2 * math.pi * 38 / sample_rate
    alpha, cos = math.sin(w0) / (2 * 0.5), math.cos(w0)
    highpass = biquad(((1 + cos) / 2, -(1 + cos), (1 + cos) / 2), (1 + alpha, -2 * cos, 1 - alpha))
    return np.asarray(shelf * highpass)


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """BS.1770 integrated loudness of a whole signal (for checking a rendered track)."""
    seg = round(SEGMENT_S * sample_rate)
    weighted = k_weight(samples.astype(np.float32), sample_rate)[: len(samples)]
    whole = len(weighted) // seg
    rows = weighted[: whole * seg].reshape(whole, seg).astype(np.float64)
    return _gated_loudness(np.mean(rows * rows, axis=1))


def _gated_loudness(segment_powers: np.ndarray) -> float:
    if segment_powers.size < 4:
        return -math.inf
    blocks = np.convolve(segment_powers, np.ones(4) / 4, mode="valid")
    loud = blocks[-0.691 + 10 * np.log10(np.maximum(blocks, 1e-20)) > -70]
    if loud.size == 0:
        return -math.inf
    relative = -0.691 + 10 * math.log10(float(np.mean(loud))) - 10
    gated = loud[-0.691 + 10 * np.log10(loud) > relative]
    return -0.691 + 10 * math.log10(float(np.mean(gated)))

"""Mixing a timeline into PCM: every sound levelled on its own, then placed at its exact sample.

Each distinct sound (a phrase's clip, a tone) is brought to a fixed loudness and peak-limited
once, by itself: the level of any stretch of the track depends only on the sounds in it.
That keeps speech steady from phrase to phrase, makes levelling cost a few hundred short
sounds instead of the whole track, and lets live playback mix a section as soon as its own
clips exist, sample for sample what the rendered file holds. The track is produced in fixed
chunks, so no full-length float buffer is ever held.
"""

from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Protocol

import numpy as np

from voiceguide.cores import cores
from voiceguide.limits import SAMPLE_RATE
from voiceguide.speech.base import Clip
from voiceguide.timeline.events import Timeline
from voiceguide.tones import TONES, synthesize

if TYPE_CHECKING:
    from concurrent.futures import Future

MIX_RATE = SAMPLE_RATE
TARGET_LUFS = -16.0
"""The usual loudness for spoken audio on phones: what a routine's track measures, about."""
SPEECH_LUFS = -14.0
"""Each phrase's own loudness. The quiet between words and cues pulls a whole track about two
decibels below its phrases (measured on the built-in routine: -16.0 LUFS), so phrases sit that
much above the track's target. Tones sit well under the voice (tones.py): they mark time,
the voice carries the meaning."""
PEAK_CEILING_DBFS = -1.0
"""Every file's true peak at most, as decoded (the usual ceiling for spoken audio on phones)."""
LIMITER_CEILING_DBFS = -2.5
"""Each sound's own ceiling: 2.5 dB below the track's. Lossy encoders overshoot: a phrase
peaking at -2.5 dBFS came back from a 64 kbit/s MP3 at -0.4, and the built-in routine's MP3
at -0.7 (measured). The encoder checks what it wrote and lowers just the stretches that
overshoot, in an MP3 only the second or so around each (render/patch.py). A lower ceiling would
spare that only at -3.5 dBFS, where the limiting costs the speech 0.7 dB of loudness (and at
-3.0 one render in six still overshot: the overshoot is the codec's noise, up to 1.6 dB on a
block whose samples and true peak were both at -2.5)."""
LEVELLING_PASSES = 4
"""Limiting takes loudness off the peaks; each pass gives it back (two were not enough at -3 dBFS)."""
LIMITER_BLOCK = 256
LIMITER_REACH = 2 * LIMITER_BLOCK
"""How far a sound moves the limiter's gain: over its own block, and the two either side
(each block's gain is the lowest of its neighbours', drawn as lines between block centres)."""
PCM_CHUNK = 1 << 18
"""Samples per chunk (about 6 s): render and live playback cut the track at the same places."""
assert PCM_CHUNK % LIMITER_BLOCK == 0  # chunks start on the limiter's blocks: its gain is the same in any chunk
K_WEIGHTING_TAIL_S = 0.05
"""The filter rings on briefly after a sound ends; its weighted copy keeps that tail."""
SEGMENT_S = 0.1
"""BS.1770 gating blocks are 400 ms with 75 % overlap: four 100 ms segments each."""

LEVELLING_FORMAT = 2
"""Bump when levelling changes in a way the constants above do not show: kept levelled clips
are named by it."""

Key = tuple[str, str]
"""A sound: ("speech", text) or ("tone", name)."""


class Levelled(Protocol):
    """Where levelled phrases are kept between runs (16-bit, at the mix rate), by phrase."""

    def get(self, text: str, tag: str) -> np.ndarray | None: ...

    def put(self, text: str, tag: str, samples: np.ndarray, sample_rate: int) -> None: ...


def level_sound(samples: np.ndarray, sample_rate: int, target_lufs: float) -> np.ndarray:
    """The sound scaled so its own K-weighted loudness is `target_lufs`, peaks limited.

    Limiting takes a little loudness off the peaks, so the gain is corrected after it.
    """
    weighted = k_weight(samples, sample_rate)
    loudness = _mean_loudness(weighted)
    if not math.isfinite(loudness):
        return samples
    ceiling = 10 ** (LIMITER_CEILING_DBFS / 20)
    gain = 10 ** ((target_lufs - loudness) / 20)
    for _ in range(LEVELLING_PASSES):
        envelope = limiter_gain(samples * gain, ceiling)
        if envelope is None:
            break
        # The limiter's gain moves slowly: applying it to the weighted copy is all but exact.
        reached = _mean_loudness(weighted[: len(envelope)] * gain * envelope)
        gain *= 10 ** ((target_lufs - reached) / 20)
    return limit((samples * gain).astype(np.float32), ceiling)


def _mean_loudness(weighted: np.ndarray) -> float:
    power = float(np.mean(weighted.astype(np.float64) ** 2)) if weighted.size else 0.0
    return -0.691 + 10 * math.log10(power) if power > 0 else -math.inf


def levelled_tag(sample_rate: int) -> str:
    """What kept levelled phrases at this mix rate are named by (`Levelled`)."""
    return f"levelled-{LEVELLING_FORMAT}-{SPEECH_LUFS:g}-{LIMITER_CEILING_DBFS:g}-{sample_rate}"


def levelled_pcm(native: np.ndarray, rate: int, target_lufs: float, sample_rate: int) -> np.ndarray:
    """A sound (16-bit or float samples at `rate`) levelled to `target_lufs` and limited, as
    16-bit samples at `sample_rate`: what the mix places."""
    if native.dtype == np.int16:
        native = native.astype(np.float32) / 32768.0
    # Levelled at the sound's own rate, then limited again at the mix rate: the points the
    # resampler draws between samples may pass the ceiling a little (true peaks).
    levelled = resample(level_sound(native, rate, target_lufs), rate, sample_rate)
    return to_int16(limit(levelled, 10 ** (LIMITER_CEILING_DBFS / 20)))


class LevelAhead:
    """Phrases levelled for the mix on a thread of their own as the voice makes them (`add`).

    A first render's voice keeps every core busy until its last phrase; levelled after it, the
    built-in routine's phrases took 0.6 s more (1.0 s of CPU on two threads, which share the
    interpreter's lock while numpy is not working). Levelled as they come, that work shares
    the cores with the voice instead.

    `over` makes this the mixer's store of levelled phrases (`Levelled`): a phrase levelled
    here is handed over once (then forgotten: the mixer keeps its own copy) and put in the
    store the mixer would have been given, for the next render; one still waiting its turn is
    levelled by the mixer's thread that asks for it; any other is looked for in that store."""

    def __init__(self, sample_rate: int = MIX_RATE) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.sample_rate = sample_rate
        self._tag = levelled_tag(sample_rate)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="level-ahead")  # no thread until `add`
        self._made: dict[str, tuple[Clip, Future[np.ndarray]]] = {}
        self._kept: Levelled | None = None

    def add(self, text: str, clip: Clip) -> None:
        levelled = self._pool.submit(levelled_pcm, clip.samples, clip.sample_rate, SPEECH_LUFS, self.sample_rate)
        self._made[text] = (clip, levelled)

    def over(self, kept: Levelled | None) -> Levelled | None:
        """This, in front of `kept`, if any phrase was made; else `kept`."""
        self._kept = kept
        return self if self._made else kept

    def get(self, text: str, tag: str) -> np.ndarray | None:
        made = self._made.pop(text, None) if tag == self._tag else None
        if made is None:
            return self._kept.get(text, tag) if self._kept else None
        clip, levelled = made
        if levelled.cancel():  # not begun: level it here, beside the others
            pcm = levelled_pcm(clip.samples, clip.sample_rate, SPEECH_LUFS, self.sample_rate)
        else:
            pcm = levelled.result()
        self.put(text, tag, pcm, self.sample_rate)
        return pcm

    def put(self, text: str, tag: str, samples: np.ndarray, sample_rate: int) -> None:
        if self._kept:
            self._kept.put(text, tag, samples, sample_rate)

    def __enter__(self) -> LevelAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(cancel_futures=True)


class TrackMixer:
    """Places a timeline's sounds on a sample grid. Clips may arrive later (`add_clips`):
    live playback mixes what it has while the rest is synthesised."""

    def __init__(
        self,
        timeline: Timeline,
        clips: Mapping[str, Clip],
        *,
        sample_rate: int = MIX_RATE,
        levelled: Levelled | None = None,
    ) -> None:
        self.sample_rate = sample_rate
        self._levelled = levelled
        self._tag = levelled_tag(sample_rate)
        self._sounds: dict[Key, np.ndarray] = {}
        self._unlevelled: dict[Key, tuple[np.ndarray, int, float]] = {}
        """Sounds not yet levelled (16-bit for a clip, floats for a tone): each is levelled the
        first time the mix reaches it, so live playback can start before the whole routine's
        phrases are processed."""
        self._longest = 0
        self.add_clips(clips)
        self.set_timeline(timeline)

    def add_clips(self, clips: Mapping[str, Clip]) -> None:
        """Take the clips not yet known."""
        for text, clip in clips.items():
            key = ("speech", text)
            if key not in self._sounds and key not in self._unlevelled:
                self._add(key, clip.samples, clip.sample_rate, SPEECH_LUFS)

    def set_timeline(self, timeline: Timeline) -> None:
        """Place the timeline's sounds (every speech event's clip must have been added)."""
        self.total_samples = round(timeline.total_s * self.sample_rate)
        placed: list[tuple[int, Key]] = []
        for event in timeline.events:
            if event.kind == "silence":
                continue
            key = (event.kind, event.text)
            if event.kind == "tone" and key not in self._sounds and key not in self._unlevelled:
                self._add(key, synthesize(event.text, self.sample_rate), self.sample_rate, TONES[event.text].lufs)
            placed.append((round(event.start_s * self.sample_rate), key))
        placed.sort(key=lambda s: s[0])
        self._placed = placed
        self._starts = [start for start, _ in placed]

    def _add(self, key: Key, native: np.ndarray, rate: int, target_lufs: float) -> None:
        self._unlevelled[key] = (native, rate, target_lufs)
        self._longest = max(self._longest, round(len(native) * self.sample_rate / rate))

    def prepare(self) -> None:
        """Level every placed sound now, a thread a core (numpy lets go of the interpreter's
        lock while it filters and resamples; measured: 0.38 s against 0.54 s for the built-in
        routine's 158 phrases): after this the mixer only reads what it holds, so several
        threads may mix parts of the track at once."""
        from concurrent.futures import ThreadPoolExecutor

        waiting = [key for key in dict.fromkeys(key for _, key in self._placed) if key not in self._sounds]
        with ThreadPoolExecutor(cores(), thread_name_prefix="level") as pool:
            for _ in pool.map(self._sound, waiting):  # each key once: no two threads level one sound
                pass

    def sounding(self) -> np.ndarray:
        """Each placed sound's span of samples [start, stop), one row each: every sample outside
        them is 0."""
        starts = np.array(self._starts, dtype=np.int64)
        lengths = np.array([len(self._sound(key)) for _, key in self._placed], dtype=np.int64)
        return np.column_stack((starts, starts + lengths)).reshape(-1, 2)

    def speech(self, text: str) -> np.ndarray:
        """One phrase, levelled, at the mix rate (the live lead-in is played on its own)."""
        return self._sound(("speech", text))

    def _sound(self, key: Key) -> np.ndarray:
        sound = self._sounds.get(key)
        if sound is None:
            native, rate, target = self._unlevelled.pop(key)
            kept = self._levelled if key[0] == "speech" else None
            pcm = kept.get(key[1], self._tag) if kept else None  # kept by a render before, or levelled ahead
            if pcm is None:
                pcm = levelled_pcm(native, rate, target, self.sample_rate)
                if kept:
                    kept.put(key[1], self._tag, pcm, self.sample_rate)
            # As 16-bit samples whether just made or kept: the same sound either way.
            sound = self._sounds[key] = pcm.astype(np.float32) / 32767.0
        return sound

    def mix(self, start: int, stop: int) -> np.ndarray:
        """Float32 samples [start, stop) of the mix."""
        stop = min(stop, self.total_samples)
        out = np.zeros(max(0, stop - start), dtype=np.float32)
        first = bisect.bisect_left(self._starts, start - self._longest)
        last = bisect.bisect_left(self._starts, stop)
        for at, key in self._placed[first:last]:
            samples = self._sound(key)
            lo, hi = max(at, start), min(at + len(samples), stop)
            if lo < hi:
                out[lo - start : hi - start] += samples[lo - at : hi - at]
        return out

    def pcm_chunk(self, index: int) -> np.ndarray:
        """Chunk `index` of the track as int16. Where sounds overlap past the ceiling (a knock
        on a count) the chunk is limited: the same chunks, the same samples, live or rendered.

        The limiter sees `LIMITER_REACH` beyond each end of the chunk: a sample's gain depends
        only on the sounds within that reach, never on where the chunks are cut, so a stretch
        of the track moved by whole limiter blocks (a chapter on its grid, after an edit before
        it) is limited the same."""
        start = index * PCM_CHUNK
        stop = min(start + PCM_CHUNK, self.total_samples)
        if stop <= start:
            return np.zeros(0, dtype="<i2")
        reach = LIMITER_REACH
        chunk = self.mix(start - reach, stop + reach)
        ceiling = 10 ** (LIMITER_CEILING_DBFS / 20)  # the sounds' own: the encoder needs the room
        if max(float(chunk.max()), -float(chunk.min())) > ceiling:
            chunk = limit(chunk, ceiling)
        return to_int16(chunk[reach : reach + stop - start])

    def pcm_chunks(self) -> Iterator[np.ndarray]:
        for index in range(-(-self.total_samples // PCM_CHUNK)):
            yield self.pcm_chunk(index)

    def pcm(self) -> bytearray:
        """The whole mix as 16-bit little-endian mono PCM, in one buffer (no float copy of it)."""
        data = bytearray(self.total_samples * 2)
        view = np.frombuffer(data, dtype="<i2")
        at = 0
        for chunk in self.pcm_chunks():
            view[at : at + len(chunk)] = chunk
            at += len(chunk)
        return data


def to_int16(samples: np.ndarray) -> np.ndarray:
    scaled = samples * np.float32(32767.0)  # one temporary, rounded and clipped in place
    np.rint(scaled, out=scaled)
    np.clip(scaled, -32768, 32767, out=scaled)
    return scaled.astype("<i2")


def limit(samples: np.ndarray, ceiling: float) -> np.ndarray:
    """Peak-limit the samples so none passes `ceiling`."""
    gain = limiter_gain(samples, ceiling)
    return samples if gain is None else samples * gain


def limiter_gain(samples: np.ndarray, ceiling: float) -> np.ndarray | None:
    """A smooth gain, never above what any sample needs to stay under `ceiling`; None if
    nothing passes it."""
    peak = np.abs(samples)
    if samples.size == 0 or float(peak.max()) <= ceiling:
        return None
    n = samples.size
    blocks = -(-n // LIMITER_BLOCK)
    padded = np.ones(blocks * LIMITER_BLOCK, dtype=np.float32)
    padded[:n] = np.minimum(1.0, ceiling / np.maximum(peak, 1e-9))
    per_block = padded.reshape(blocks, LIMITER_BLOCK).min(axis=1)
    spread = spread_to_neighbours(per_block)
    return gain_lines(np.concatenate((spread[:1], spread, spread[-1:])), LIMITER_BLOCK)[:n]


def spread_to_neighbours(per_block: np.ndarray) -> np.ndarray:
    """Each block's gain lowered to its neighbours' where theirs is lower."""
    spread = per_block.copy()
    spread[1:] = np.minimum(spread[1:], per_block[:-1])
    spread[:-1] = np.minimum(spread[:-1], per_block[1:])
    return spread


def gain_lines(knots: np.ndarray, block: int) -> np.ndarray:
    """Straight lines between block centres, one gain a sample for `len(knots) - 2` blocks:
    `knots` holds those blocks' gains with the blocks either side of them at its ends. Where
    each gain is the lowest of its block and its neighbours, every sample's line lies below
    its own block's (drawn with repeats: much quicker than np.interp)."""
    knots = knots.astype(np.float32)
    ramp = np.arange(block, dtype=np.float32) / block
    lines = knots[:-1, None] + (knots[1:] - knots[:-1])[:, None] * ramp  # from centre i-1 to centre i
    half = block // 2
    return lines.reshape(-1)[half : half + (len(knots) - 2) * block]


_HALF_TAPS = 16
_HALF_BAND = (np.sinc(np.arange(-_HALF_TAPS + 1, _HALF_TAPS + 1) - 0.5) * np.kaiser(2 * _HALF_TAPS, 8.0)).astype(
    np.float32
)
"""The point halfway between two samples, from the 32 around it (a Kaiser-windowed sinc)."""


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Float32 samples at `from_rate` redrawn at `to_rate`, round(n * to_rate / from_rate) of
    them, with nothing added above the lower rate's Nyquist frequency."""
    if from_rate == to_rate or samples.size == 0:
        return samples
    if to_rate == 2 * from_rate:  # espeak's 22050 Hz to 44100 Hz: the common case
        # The points between the samples, from a windowed sinc: nothing is added above the
        # old Nyquist frequency, so an encoder's low-pass leaves the waveform (and its peaks) be.
        out = np.empty(2 * len(samples), dtype=np.float32)
        out[0::2] = samples
        out[1::2] = np.convolve(samples, _HALF_BAND[::-1])[_HALF_TAPS : _HALF_TAPS + len(samples)]
        return out
    # Any other ratio (a 16 or 24 kHz Piper voice): libsoxr's polyphase filter. Linear
    # interpolation left images of a 7 kHz tone 4 dB under it; this, none above -130 dB.
    import soxr

    n_out = round(len(samples) * to_rate / from_rate)
    out = soxr.resample(samples.astype(np.float32, copy=False), from_rate, to_rate, quality="HQ")
    if len(out) != n_out:
        out = np.pad(out, (0, max(0, n_out - len(out))))[:n_out]
    return np.asarray(out, dtype=np.float32)


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

"""A linear echo canceller that lets a person's word through whole while the voice plays.

WebRTC's AEC3 (pywebrtc-audio) follows its linear filter with a suppressor that, whenever the
voice's echo is louder at the microphone than the person (the usual case: the speaker is
nearer the microphone than someone lying on the floor), takes the person out with the echo.
Through the corpus's rooms it left nothing of a command said near the microphone over the
voice, so nothing could be heard to start and the voice was never ducked. pywebrtc-audio does
not give out its linear filter's output, so this is one: a partitioned-block frequency-domain
NLMS filter (overlap-save, 10 ms blocks), the textbook design of the linear stage of Speex's
and WebRTC's cancellers, in numpy (0.6 ms of one core per 10 ms of the voice here, 0.17 of it
`Drift`'s, and under 0.1 the short filter's, below; while the voice has been silent for
longer than the filter models, as in 40 % of the built-in routine, its FFTs are skipped, their
result known to be zero).

It subtracts its estimate of the echo and nothing else: what is left is the person, as the
microphone heard them, over what the filter cannot model of the room (about 30 dB under the
voice's echo once it has heard a few seconds of it).

A filter that goes on learning while someone speaks learns their voice as echo. `Canceller`
keeps the filter it had a moment ago, and `hold` goes back to it and stops learning: the
listener calls it when someone starts to speak, and `learn` when they stop.

Where the microphone and the speaker run on different clocks (a USB microphone and Bluetooth
headphones; the test's sound server, whose loopback drifts about 50 ppm), the echo comes a
little later, or earlier, every second: a sample a second there. The filter, adapting, stays a
fraction of a sample behind, and a fraction of a sample is enough to leave most of the echo.
`Drift` measures the echo's delay as the voice plays and follows it with a line; the filter's
model of the room moves by each whole sample (`Canceller._move`), and the reference is delayed
by the fraction. Two recordings of the test's sound server, replayed: 5 dB taken off the echo
without it and 15 with it; 1 and 4 on the other (whose echo the filter cannot model well
either way: the loopback resamples as it goes). A room whose clocks agree loses nothing to it.

The adaptive filter learns a room a few dB a second from speech, and learns it anew whenever
the echo's delay jumps (a sound server's stream started afresh after a pause: 60 samples through
the test's). Where the echo is mostly one path (a loopback, a speaker close to the microphone),
a second of the voice is enough to know it: each time `Drift` measures the delay, a short filter
there (64 taps) is fitted to that second at once (least squares), and takes over if it leaves
clearly less than the adaptive filter of the loud blocks that follow, and takes out 20 dB or
more (`_refit`, `_judge`). In a reverberant room it never does, and nothing changes.
"""

from __future__ import annotations

import collections
import itertools

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
FOLLOW_EVERY = 10
"""`Drift` measures the echo's delay every this many blocks (0.1 s)..."""
FOLLOW_WINDOW = 100
"""...over this many (1 s) of the microphone against the speaker."""
FOLLOW_LIKENESS = 0.8
"""The delay is taken only where the microphone is this like the speaker, delayed (normalised
correlation): the voice's echo, with nobody speaking over it and no quiet between phrases."""
LINE_POINTS = 300
"""The drift is followed by a line through the last this many delays measured..."""
LINE_BLOCKS = 300
"""...once they span this many blocks (3 s): before that, the delay is taken as it is."""
FOLLOW_MIN_CHANGE = 0.3
"""The reference is moved once `late` is this far (samples) from where it was held back."""
DRIFT_SURE = 4.0
"""A line's slope is taken for a drift only where it is this many times its standard error."""
DRIFT = 3.0
"""A delay this far (samples) from the line followed is not a drift: a measurement misled by
the voice's own pitch (a period off), or a jump (a sound server's stream started afresh)."""
ANCHOR_MEASURES = 5
"""A delay away from the line, measured this many times in a row, is where the line is
anchored from then on; the filter is not moved (a jump is learnt anew, as without `Drift`:
the voice's pitch can mislead a few measurements in a row)."""
SEARCH = 4800
"""The delays (samples, 0.3 s either way) the measurement looks through: an echo later than
that (the filter models 0.64 s) is cancelled, but its drift not followed."""
TAPS = 16
"""The length of the filter that delays the reference by a fraction of a sample."""

REFIT_TAPS = 64
"""The length (4 ms) of the short filter `Canceller` fits to the last second at once (least
squares): the echo's direct path and its first reflections."""
REFIT_BEFORE = 16
"""...from this many samples before the echo's delay as `Drift` measured it."""
JUDGE_BLOCKS = 10
"""The short filter is judged on this many loud blocks after it was fitted, where it or the
adaptive filter expects echo..."""
REFIT_GAIN_DB = 3.0
"""...and takes over only where it left at least this much less of them than the adaptive
filter did..."""
REFIT_TAKES_OUT_DB = 20.0
"""...and takes at least this much out: a room it models well (a direct path and little else,
as through the test's sound server: 35 to 50 dB there), not one moment of an adaptive filter
doing badly (a room's reverberation, or a drift it follows by fractions of a sample)."""

KEEP_BLOCKS = 40
"""`hold` goes back to a filter at least this old (0.4 s) of learning: from before the person's
first sound, which comes before the listener is sure someone speaks (only in its first 0.4 s
does it go back to a younger one)."""


class Drift:
    """How much later the echo comes than when `Drift` first measured it. Two clocks drift
    apart at a steady rate, so the delays measured are followed by a line (a fraction of a
    sample more each block)."""

    def __init__(self) -> None:
        self._near: collections.deque[np.ndarray] = collections.deque(maxlen=FOLLOW_WINDOW)
        self._far: collections.deque[np.ndarray] = collections.deque(maxlen=FOLLOW_WINDOW)
        self._history = np.zeros(BLOCK + TAPS - 1)
        """The speaker's last samples, the newest last."""
        self._first: float | None = None
        """The echo's delay when first measured (samples)."""
        self._measured: collections.deque[tuple[int, float]] = collections.deque(maxlen=LINE_POINTS)
        """(block, delay) measured since, on the line followed."""
        self._line = (0.0, 0.0)
        """The delay's drift per block, and the delay at block 0 (samples)."""
        self.held = 0.0
        """How much later (samples) the reference is held back, following `late` in steps of
        `FOLLOW_MIN_CHANGE`: a room's echoes mislead the measurements by a fraction of a
        sample, and a reference that wandered with them would cost the filter its model."""
        self._elsewhere: list[float] = []
        """Delays measured in a row, away from the line followed (and close to each other)."""
        self._blocks = 0
        self.measured: float | None = None
        """The echo's delay (samples, as played) if measured in the last block: the delay of the
        last second of the microphone against the speaker, where the one is clearly the other."""

    @property
    def late(self) -> float:
        """How much later the echo comes now than when first measured (samples)."""
        if self._first is None:
            return 0.0
        return self._line[0] * self._blocks + self._line[1] - self._first

    def reference(self, near: np.ndarray, far: np.ndarray, *, measure: bool, follow: bool) -> tuple[np.ndarray, int]:
        """`far` (float, full scale 1) delayed by the fraction of a sample the echo came later
        since first measured, and the whole samples, for the filter to move its model of the
        room by (`Canceller._move`). Until a drift is followed, `far` as it is; from then on, by
        the fraction and `TAPS` // 2 - 1 more, which the filter's model is moved back by.
        Measures the echo's delay again every `FOLLOW_EVERY` blocks if `measure` (what was played
        is known: `measured`), and follows it only if `follow` too (nobody is speaking over the
        voice)."""
        self._near.append(near)
        self._far.append(far)
        self._history = np.concatenate([self._history[far.size :], far])
        self._blocks += 1
        self.measured = None
        if measure and self._blocks % FOLLOW_EVERY == 0 and len(self._far) == FOLLOW_WINDOW:
            self._measure(follow=follow)
        if abs(self.late - self.held) > FOLLOW_MIN_CHANGE:
            self.held = self.late
        if self.held == 0.0:  # no drift followed (yet): the reference as it was played
            return far, 0
        whole = int(np.floor(self.held))
        kernel = _fraction(self.held - whole)  # which delays by TAPS // 2 - 1 more: moved back
        return np.convolve(self._history[-BLOCK - TAPS + 1 :], kernel, mode="valid"), whole - (TAPS // 2 - 1)

    def _measure(self, *, follow: bool) -> None:
        far = np.concatenate(self._far)
        if np.mean(far**2) < 1e-4:  # under -40 dBFS: too little of the voice to measure
            return
        self.measured = _delay(np.concatenate(self._near), far)
        if follow:
            self._follow(self.measured)

    def _follow(self, delay: float | None) -> None:
        if delay is None:
            self._elsewhere.clear()  # another delay counts only if measured in a row
            return
        middle = self._blocks - FOLLOW_WINDOW // 2  # the window's: when the delay was measured
        on_line = self._line[0] * middle + self._line[1]
        if self._first is not None and abs(delay - on_line) <= DRIFT:
            self._elsewhere.clear()
            self._measured.append((middle, delay))
            self._fit()
            return
        if self._elsewhere and abs(delay - self._elsewhere[0]) > DRIFT:
            self._elsewhere.clear()
        self._elsewhere.append(delay)
        if len(self._elsewhere) < ANCHOR_MEASURES:
            return
        self._elsewhere.clear()
        if self._first is None:
            self._first = delay
        else:  # anchored there from now on, as late as before and drifting as before
            jump = delay - on_line
            self._measured = collections.deque(((b, d + jump) for b, d in self._measured), maxlen=LINE_POINTS)
            self._first += jump
        self._measured.append((middle, delay))
        self._fit()

    def _fit(self) -> None:
        """The line through the delays measured: level where they show no drift beyond their
        scatter (a room's echoes mislead a measurement by a fraction of a sample), and level at
        the latest few (their median) until they span `LINE_BLOCKS`."""
        blocks, delays = np.array(self._measured).T
        if blocks[-1] - blocks[0] < LINE_BLOCKS:
            self._line = (0.0, float(np.median(delays[-5:])))
            return
        slope, at_zero = np.polyfit(blocks, delays, 1)
        scatter = np.std(delays - (slope * blocks + at_zero))
        spread = np.sqrt(np.sum((blocks - blocks.mean()) ** 2))
        if abs(slope) * spread > DRIFT_SURE * scatter:
            self._line = (float(slope), float(at_zero))
        else:
            self._line = (0.0, float(np.median(delays)))


def _delay(near: np.ndarray, far: np.ndarray) -> float | None:
    """How much later (samples, to a fraction) `far` comes back in `near`, if it clearly does."""
    n = 1 << (near.size + SEARCH).bit_length()
    spectrum = np.fft.rfft(near, n) * np.conj(np.fft.rfft(far, n))
    both = np.fft.irfft(spectrum, n)
    lags = np.concatenate([both[-SEARCH:], both[: SEARCH + 1]])
    best = int(np.argmax(lags))
    likeness = lags[best] / np.sqrt(np.sum(near**2) * np.sum(far**2) + 1e-18)
    if likeness < FOLLOW_LIKENESS or not 0 < best < lags.size - 1:
        return None
    before, at, after = lags[best - 1 : best + 2]
    return best - SEARCH + 0.5 * (before - after) / (before - 2 * at + after)


def _fraction(late: float) -> np.ndarray:
    """A windowed-sinc filter that delays by `late` (0 to 1) samples, and by `TAPS` // 2 - 1
    more: the samples it needs after the one it gives."""
    taps = np.arange(-TAPS // 2 + 1, TAPS // 2 + 1)
    kernel = np.sinc(taps - late) * np.hanning(TAPS + 2)[1:-1]
    return kernel / kernel.sum()


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
        self._quiet = 0
        """Blocks in a row whose input (with the block before it) was all zero."""
        self._power = np.zeros(BLOCK + 1)
        self._learning = True
        self._kept: collections.deque[np.ndarray] = collections.deque(maxlen=3)
        self._blocks = 0
        """Blocks learnt from."""
        self._drift = Drift()
        self._moved = 0
        """Samples the filter's model of the room has moved since it started (`_move`)."""
        self._inputs: collections.deque[np.ndarray] = collections.deque(maxlen=FOLLOW_WINDOW + parts)
        """The filter's inputs (the reference, as `Drift` delays it), the last second and the
        filter's length before it, for `_refit`..."""
        self._nears: collections.deque[np.ndarray] = collections.deque(maxlen=FOLLOW_WINDOW)
        """...and the microphone's, the last second."""
        self._delaying = False
        """Whether `Drift` delays the reference (by a fraction and `TAPS` // 2 - 1 more)."""
        self._candidate: tuple[int, np.ndarray] | None = None
        """The short filter last fitted, not yet judged: its first tap (in the filter's model
        of the room) and its taps, the earliest first..."""
        self._judged = np.zeros(4)
        """...and, over the blocks judged since: how many, the energy heard, what the adaptive
        filter left of it and what the short filter would have left."""
        self._candidate_age = 0
        """Blocks since the candidate was fitted."""
        self.estimate = np.zeros(BLOCK, np.int16)

    def process(self, near: np.ndarray, far: np.ndarray, *, learn: bool = True) -> np.ndarray:
        """The microphone's block without the voice's echo (int16 in, int16 out). Not `learn`:
        `far` is not what was played (it is not known), so nothing is learnt from the block."""
        y = near.astype(np.float64) / 32768
        learning = self._learning and learn
        x, late = self._drift.reference(y, far.astype(np.float64) / 32768, measure=learn, follow=learning)
        if late != self._moved:
            self._move(late - self._moved)
        if (self._drift.held != 0.0) != self._delaying:  # `Drift` starts (or stops) delaying the
            self._delaying = not self._delaying  # reference by a few samples more (or less):
            self._inputs.clear()  # what it gave before is no longer the filter's input
            self._candidate = None
        block = np.concatenate([self._previous, x])
        self._previous = x
        self._quiet = 0 if block.any() else self._quiet + 1
        quiet = self._quiet > len(self._spectra)  # every spectrum it holds is zero, and stays so
        if quiet:  # nothing played for the filter's length: no echo to estimate (0, as computed)
            estimate = np.zeros(BLOCK)
        else:
            self._spectra = np.roll(self._spectra, 1, axis=0)
            self._spectra[0] = np.fft.rfft(block)
            estimate = np.fft.irfft(np.einsum("kf,kf->f", self._weights, self._spectra))[BLOCK:]
        error = y - estimate
        self.estimate = np.clip(np.round(estimate * 32768), -32768, 32767).astype(np.int16)
        """The echo it took out of the last block."""
        if learning:
            self._learn(error, quiet=quiet)
        self._inputs.append(x)
        self._nears.append(y)
        self._candidate_age += 1
        if self._candidate is not None and learn:
            self._judge(y, estimate)
        free = self._candidate is None or self._candidate_age > FOLLOW_WINDOW  # or a second old
        if self._drift.measured is not None and free and len(self._inputs) == self._inputs.maxlen:
            self._refit(self._drift.measured)
        return np.clip(np.round(error * 32768), -32768, 32767).astype(np.int16)

    def _learn(self, error: np.ndarray, *, quiet: bool) -> None:
        """One step of the filter towards the block's `error`. `quiet`: the far end's spectra
        are all zero, and so is the step: the same numbers as computing it, without its FFTs
        (the voice is silent in 40 % of the built-in routine's blocks)."""
        if quiet:
            self._power = SMOOTHING * self._power
        else:
            power = np.sum(np.abs(self._spectra) ** 2, axis=0)
            # Never under the power now, so that no step is larger than STEP: after a silence or
            # an un-duck the far end is suddenly 20 dB louder than its smoothed power says.
            self._power = np.maximum(SMOOTHING * self._power + (1 - SMOOTHING) * power, power)
            gradient = np.conj(self._spectra) * np.fft.rfft(np.concatenate([np.zeros(BLOCK), error]))
            constrained = np.fft.irfft(gradient / (self._power + FLOOR), axis=1)
            constrained[:, BLOCK:] = 0  # the overlap-save constraint: a filter no longer than a block per part
            self._weights += STEP * np.fft.rfft(constrained, axis=1)
        self._blocks += 1
        if self._blocks % (KEEP_BLOCKS // 2) == 0:
            self._kept.append(self._weights.copy())

    def _refit(self, delay: float) -> None:
        """`Drift` has just measured the echo's `delay` over the last second, which was clearly
        the voice's echo. A short filter there is fitted to that second at once (least
        squares), to take over if it leaves clearly less of what comes next than the adaptive
        filter does (`_judge`). The adaptive filter learns a room a few dB a second from speech,
        and must learn it again whenever the echo's delay jumps (a sound server's stream started
        afresh: 60 samples after a pause through the test's), while a second of the voice shows
        where the echo is and how strong. Where a room's reverberation matters more than its
        direct path the short filter never wins, and the adaptive filter goes on alone."""
        y = np.concatenate(self._nears)
        x = np.concatenate(self._inputs)
        reach = x.size - y.size  # the filter's length: x[reach + n] is played with y[n]
        lag = delay - (self._drift.held - self._moved)  # where in the filter's model the echo is
        first = int(np.clip(round(lag) - REFIT_BEFORE, 0, reach - REFIT_TAPS))
        # Column u of the least-squares problem is played[u : u + y.size]: what tap
        # first + REFIT_TAPS - 1 - u meets. By FFT: numpy's dot of long vectors wakes BLAS's
        # threads, which then spin on the other core.
        played = x[reach - first - REFIT_TAPS + 1 : reach - first + y.size]
        size = 1 << (played.size + REFIT_TAPS).bit_length()
        spectrum = np.fft.rfft(played, size)
        cross = np.fft.irfft(spectrum * np.conj(np.fft.rfft(y, size)), size)[:REFIT_TAPS]
        head = np.fft.irfft(spectrum * np.conj(np.fft.rfft(played[: y.size], size)), size)[:REFIT_TAPS]
        matrix = np.empty((REFIT_TAPS, REFIT_TAPS))
        for shift in range(REFIT_TAPS):  # each diagonal: column u against column u + shift
            u = np.arange(REFIT_TAPS - shift)
            k = u[:-1]  # R[u + 1, v + 1] = R[u, v] + what the later end adds - what the earlier drops
            ends = played[y.size + k] * played[y.size + k + shift] - played[k] * played[k + shift]
            diagonal = head[shift] + np.concatenate([[0.0], np.cumsum(ends)])
            matrix[u, u + shift] = matrix[u + shift, u] = diagonal
        matrix += np.eye(REFIT_TAPS) * (1e-6 * matrix[0, 0] + 1e-12)
        self._candidate = (first, np.linalg.solve(matrix, cross)[::-1])
        self._judged[:] = 0
        self._candidate_age = 0

    def _judge(self, near: np.ndarray, estimate: np.ndarray) -> None:
        """Weigh the short filter last fitted against the adaptive filter (whose `estimate` of
        the echo left `near` less it) on the blocks that follow where either expects echo; once
        it has `JUDGE_BLOCKS` of them, take it over if it left clearly less and took out
        `REFIT_TAKES_OUT_DB`, or drop it."""
        assert self._candidate is not None
        first, fitted = self._candidate
        heard = float(np.sum(near**2))
        if heard < 1e-4 * BLOCK:
            return  # too quiet to judge by (under -40 dBFS)
        need = (first + REFIT_TAPS - 1) // BLOCK + 2  # blocks of input its taps reach back over
        recent = np.concatenate(list(itertools.islice(reversed(self._inputs), need))[::-1])
        if recent.size < BLOCK + first + REFIT_TAPS - 1:
            return
        windows = np.lib.stride_tricks.sliding_window_view(recent, REFIT_TAPS)
        start = recent.size - BLOCK - first - (REFIT_TAPS - 1)  # what the taps meet at near[0]
        echo = windows[start : start + BLOCK] @ fitted[::-1]
        if max(np.sum(echo**2), np.sum(estimate**2)) < 1e-4 * BLOCK:
            return  # neither expects echo here: nothing to tell them apart by
        self._judged += (1, heard, float(np.sum((near - estimate) ** 2)), float(np.sum((near - echo) ** 2)))
        blocks, heard, now, left = self._judged
        if blocks < JUDGE_BLOCKS:
            return
        self._candidate = None
        if left * 10 ** (REFIT_GAIN_DB / 10) >= now or left > heard * 10 ** (-REFIT_TAKES_OUT_DB / 10):
            return
        response = np.zeros(self._weights.shape[0] * BLOCK)
        response[first : first + REFIT_TAPS] = fitted
        self._weights = _partitioned(response, self._weights.shape[0])
        self._kept.clear()
        self._kept.append(self._weights.copy())

    def _move(self, samples: int) -> None:
        """The echo comes `samples` later than it did: move the filter's model of the room (and
        the models kept to go back to) by as much, so that nothing need be learnt again."""
        self._weights = _moved(self._weights, samples)
        if self._candidate is not None:  # moved as well, or dropped if out of the filter's reach
            first = self._candidate[0] + samples
            ok = 0 <= first <= self._weights.shape[0] * BLOCK - REFIT_TAPS
            self._candidate = (first, self._candidate[1]) if ok else None
        self._kept = collections.deque((_moved(w, samples) for w in self._kept), maxlen=self._kept.maxlen)
        self._moved += samples

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


def _moved(weights: np.ndarray, samples: int) -> np.ndarray:
    """A partitioned filter (each part's first `BLOCK` taps, in the frequency domain) whose
    impulse response is `weights`' `samples` later (earlier, if negative)."""
    response = np.fft.irfft(weights, axis=1)[:, :BLOCK].reshape(-1)
    moved = np.zeros_like(response)
    if abs(samples) >= response.size:
        pass  # moved out of the filter's reach: it learns the room anew
    elif samples >= 0:
        moved[samples:] = response[: response.size - samples]
    else:
        moved[:samples] = response[-samples:]
    return _partitioned(moved, weights.shape[0])


def _partitioned(response: np.ndarray, parts: int) -> np.ndarray:
    """An impulse response of `parts` blocks as the partitioned filter's weights."""
    blocks = np.concatenate([response.reshape(parts, BLOCK), np.zeros((parts, BLOCK))], axis=1)
    return np.fft.rfft(blocks, axis=1)

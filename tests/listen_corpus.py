"""The spoken-command corpus (tests/data/listen, made by scripts/make_listen_corpus.py) and the
scenes made from it: a take said in a room at a level, in quiet or over voiceguide's own voice
coming back from the speaker, with the microphone (`near`) and what was played (`far`) side
by side, 10 ms frames at 16 kHz, as the listener gets them.

Everything is seeded: the same take in the same scene is the same sound to the sample, so a
test through the real echo canceller and recogniser gives the same answer on every run.
"""

from __future__ import annotations

import functools
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voiceguide.live.hearing import FRAME, RATE, Ears, Heard, Recogniser, Verdict
from voiceguide.speech.base import SpeechEngine, VoiceSettings

CORPUS = Path(__file__).parent / "data" / "listen"
LEVELS_DB = (-6.0, -20.0)
"""A command's peak at the microphone: said near it, and from across the room."""
ECHO_DB = -6.0
"""The room returns the speaker's sound 6 dB under the level it plays at (its RMS, direct path
and tail together; about -6 dBFS at the voice's loudest), 30 ms later, with a reverberant tail. A
command said near the microphone (-6 dBFS) is then about 2 dB over the echo, one said across
the room (-20 dBFS) about 12 dB under it (RMS, at the median)."""
LOUD_ECHO_GAIN = 0.5
"""A loud speaker in a reverberant room: its direct path at half the level it plays, and a
tail (`impulse`) that returns 4 to 8 dB more than that, so the echo comes back about as loud
as the voice plays (1 dB louder at the median; its peaks, over full scale, clipped by the
microphone now and then): a command said near the microphone is about 4 dB under it, one said
across the room about 18 dB. (Until `ECHO_DB` was kept to, every scene over the voice was
in this room, though the corpus said it was `ECHO_DB`'s: CHANGES.md.)"""
ECHO_DELAY_S = 0.03
NOISE_DBFS = -66.0
"""The room's hiss and the microphone's own noise (RMS)."""
LEAD_S = 10.0
"""The voice before a command said over it: the echo canceller, which starts afresh in every
scene, has had this long to learn the room (a person hears a routine's opening first)."""
QUIET_LEAD_S = 1.0
TAIL_S = 1.5
OUTPUT_DELAY_S = 0.15
"""From the listener deciding to duck the voice to the quieter voice reaching the room: the
output's buffer (0.1 s) and more."""


@dataclass(frozen=True)
class Take:
    words: str
    voice: str
    take: str
    half: str
    """"tune" (thresholds are chosen on it) or "held-out" (judged on, never tuned on)."""
    samples: np.ndarray
    """float32, 16 kHz, trimmed to the sound, peak at -1 dBFS."""


@functools.cache
def _decode(path: Path) -> np.ndarray:
    pcm = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(RATE), "-"],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768


def takes(half: str | None = None) -> list[Take]:
    """Every take in the corpus, or those of one half."""
    index = json.loads((CORPUS / "takes.json").read_text())
    audio = _decode(CORPUS / "takes.flac")
    return [
        Take(t["words"], t["voice"], t["take"], t["half"], audio[t["start"] : t["start"] + t["length"]])
        for t in index["takes"]
        if half is None or t["half"] == half
    ]


def voice() -> np.ndarray:
    """A minute of the built-in routine as voiceguide says it (float32, 16 kHz)."""
    return _decode(CORPUS / "voice.flac")


@functools.cache
def voice_words() -> tuple[tuple[float, float, str], ...]:
    """What the voice says when in that minute: (start s, end s, words)."""
    return tuple((a, b, w) for a, b, w in json.loads((CORPUS / "voice.json").read_text()))


def impulse(*, gain: float, delay_s: float, decay_s: float, seed: int, level_db: float | None = None) -> np.ndarray:
    """A room's answer to a click: `delay_s` late at `gain`, with a noisy tail decaying over
    `decay_s`. The tail's samples are a tenth of `gain` each, so together they return more than
    the direct path (4 dB more at a `decay_s` of 0.03 s, 10 dB at 0.12 s). With `level_db`, the
    whole answer is scaled so that it returns that much of what is played (its power)."""
    rng = np.random.default_rng(seed)
    ir = np.zeros(round((delay_s + 5 * decay_s) * RATE), dtype=np.float32)
    direct = round(delay_s * RATE)
    ir[direct] = gain
    tail = np.arange(ir.size - direct - 1)
    ir[direct + 1 :] = rng.standard_normal(tail.size) * np.exp(-tail / (decay_s * RATE)) * gain * 0.1
    if level_db is not None:
        ir *= np.float32(10 ** (level_db / 20) / np.sqrt(np.sum(ir.astype(np.float64) ** 2)))
    return ir


def convolve(x: np.ndarray, ir: np.ndarray) -> np.ndarray:
    """`x` through the room `ir`, as long as `x`."""
    size = 1 << (x.size + ir.size).bit_length()
    return np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(ir, size), size)[: x.size].astype(np.float32)


def room(x: np.ndarray, *, gain: float, delay_s: float, decay_s: float, seed: int) -> np.ndarray:
    """`x` as a room returns it (`impulse`)."""
    return convolve(x, impulse(gain=gain, delay_s=delay_s, decay_s=decay_s, seed=seed))


class Loop:
    """The speaker's sound and its echo while the listener turns the voice down and up again.

    The room goes on returning what was played before a change at the level it was played
    at: the echo is the room's answer to what was played, not the undimmed echo scaled. (A
    linear echo canceller is fed exactly that; scaling the echo at once would ask it to follow
    a room that changes with every duck.)"""

    def __init__(self, far: np.ndarray, ir: np.ndarray | None, echo: np.ndarray | None = None) -> None:
        """`echo`, if given, is `far` through `ir` already."""
        self.far = far
        self.ir = ir
        self._echo = echo if echo is not None else np.zeros_like(far) if ir is None else convolve(far, ir)
        self._changes: list[tuple[int, float, np.ndarray]] = []
        """(from sample, gain, what of the sound before it still comes back from the room)."""
        self._heard = 0
        """The first sample not yet asked for."""

    def turn(self, at: int, gain: float) -> None:
        """From sample `at` on, the voice plays at `gain` (and any later turn is forgotten)."""
        earlier = [c for c in self._changes if c[0] < at]
        before = earlier[-1][1] if earlier else 1.0
        # The last turn before this one sets the gain up to it; older ones matter while their
        # tail still rings in what is yet to be heard.
        self._changes = [c for c in earlier[:-1] if c[0] + c[2].size > self._heard] + earlier[-1:]
        if gain == before or self.ir is None:
            self._changes.append((at, gain, np.zeros(0, np.float32)))
            return
        played = self.far[max(0, at - self.ir.size) : at]
        tail = np.convolve(played, self.ir)[played.size : played.size + self.ir.size]
        self._changes.append((at, gain, ((before - gain) * tail).astype(np.float32)))

    def frame(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """What the speaker played in samples lo..hi, and what came back of it."""
        self._heard = hi
        gains = np.ones(hi - lo, np.float32)
        for start, g, _ in self._changes:  # in order
            if start < hi:
                gains[max(0, start - lo) :] = g
        echo = self._echo[lo:hi] * gains
        for start, _, tail in self._changes:
            a, b = max(lo, start), min(hi, start + tail.size)
            if a < b:
                echo[a - lo : b - lo] += tail[a - start : b - start]
        return self.far[lo:hi] * gains, echo


def at_peak(x: np.ndarray, db: float) -> np.ndarray:
    return (x / max(1e-9, float(np.max(np.abs(x)))) * 10 ** (db / 20)).astype(np.float32)


@dataclass(frozen=True)
class Scene:
    """A take said into a room, with what the speaker played meanwhile."""

    take: Take
    level_db: float
    over_voice: bool
    person: np.ndarray
    """The command as it reaches the microphone."""
    far: np.ndarray
    """What the speaker played (zeros in quiet): the echo canceller's reference."""
    echo: np.ndarray
    """What of it came back to the microphone."""
    noise: np.ndarray
    start: int
    end: int
    """The samples in which the command sounds."""
    voice_from: float = 0.0
    """Where in the voice's minute the scene starts (s)."""
    ir: np.ndarray | None = None
    """The room between the speaker and the microphone (None in quiet)."""

    def said(self, frame: int) -> str:
        """What the voice was saying at the ear in 10 ms frame `frame` (the player knows this)."""
        if not self.over_voice:
            return ""
        t = self.voice_from + frame * FRAME / RATE
        return " ".join(w for a, b, w in voice_words() if a <= t <= b)

    def near(self) -> np.ndarray:
        """The microphone, with the voice never turned down: the person, the echo and the noise."""
        return self.person + self.echo + self.noise


def scene(take: Take, *, level_db: float, over_voice: bool, seed: int, loud: bool = False) -> Scene:
    """`take` said at `level_db` (peak) in a small room, after LEAD_S of quiet or of the voice:
    the voice coming back at `ECHO_DB`, or, `loud`, from a loud speaker (`LOUD_ECHO_GAIN`)."""
    rng = np.random.default_rng(seed)
    person_room = room(take.samples, gain=1.0, delay_s=0.0, decay_s=float(rng.uniform(0.02, 0.08)), seed=seed)
    said = at_peak(person_room, level_db)
    start = round((LEAD_S if over_voice else QUIET_LEAD_S) * RATE)
    length = start + said.size + round(TAIL_S * RATE)
    person = np.zeros(length, np.float32)
    person[start : start + said.size] = said
    noise = (rng.standard_normal(length) * 10 ** (NOISE_DBFS / 20)).astype(np.float32)
    if over_voice:
        piece = voice()
        at = int(rng.integers(0, piece.size - length))
        far = piece[at : at + length].copy()
        decay_s = float(rng.uniform(0.03, 0.08))
        level = None if loud else ECHO_DB
        ir = impulse(gain=LOUD_ECHO_GAIN, delay_s=ECHO_DELAY_S, decay_s=decay_s, seed=seed + 1, level_db=level)
        echo = convolve(far, ir)
        return Scene(take, level_db, over_voice, person, far, echo, noise, start, start + said.size, at / RATE, ir)
    quiet = np.zeros(length, np.float32)
    return Scene(take, level_db, over_voice, person, quiet, quiet, noise, start, start + said.size)


def frames(x: np.ndarray) -> np.ndarray:
    """float32 samples as int16 10 ms frames, one a row."""
    n = x.size // FRAME
    return (np.clip(x[: n * FRAME], -1, 1) * 32767).astype(np.int16).reshape(n, FRAME)


def listen(
    scene: Scene, hear: Callable[[np.ndarray, np.ndarray, str], object], *, duck_db: float | None = None
) -> list[tuple[int, object]]:
    """Feed the scene to `hear(near, far, said)` 10 ms at a time, as a live run does, and
    collect (frame, answer) for each answer that is not None. With `duck_db`, an answer whose
    `duck` is true turns the voice down by that much OUTPUT_DELAY_S later (in what is played
    and so in its echo), and one whose `duck` is false turns it up again: the loop a live run
    closes through the room."""
    n = scene.far.size // FRAME
    loop = Loop(scene.far, scene.ir, scene.echo if scene.ir is not None else None)
    delay = round(OUTPUT_DELAY_S * RATE)
    answers = []
    for i in range(n):
        lo, hi = i * FRAME, (i + 1) * FRAME
        far, echo = loop.frame(lo, hi)
        answer = hear(frames(scene.person[lo:hi] + echo + scene.noise[lo:hi])[0], frames(far)[0], scene.said(i))
        if answer is None:
            continue
        answers.append((i, answer))
        duck = getattr(answer, "duck", None)
        if duck_db is not None and duck is not None:
            loop.turn(hi + delay, 10 ** (-duck_db / 20) if duck else 1.0)
    return answers


def read_track(path: Path) -> np.ndarray:
    """A rendered track (any format ffmpeg reads) as float32 at 16 kHz."""
    return _decode(path)


def render_builtin(work: Path) -> tuple[Path, list[tuple[float, float, str]]]:
    """The built-in routine as `make run` says it (a WAV in `work`), and what it says when:
    (start s, end s, words) per phrase."""
    import sys

    track = work / "track.wav"
    render = ["render", "back-pain", "-f", "wav", "-o", str(track), "--force", "--no-transcripts"]
    subprocess.run([sys.executable, "-m", "voiceguide", *render], check=True, capture_output=True)
    shown = subprocess.run(
        [sys.executable, "-m", "voiceguide", "show", "back-pain", "--json"], check=True, capture_output=True, text=True
    )
    events = json.loads(shown.stdout)["events"]
    return track, [(e["start_s"], e["end_s"], e["spoken"] or e["text"]) for e in events if e["kind"] == "speech"]


def obeyed_in_quiet(pcm: np.ndarray, recognise: Recogniser) -> tuple[list[str], list[Heard]]:
    """The commands the listener obeys in `pcm` (int16, 16 kHz) said in quiet, nothing playing,
    and what the recogniser made of each utterance it was given."""
    quiet = np.zeros(RATE, dtype="<i2")  # the listener has been listening a while
    pcm = np.concatenate([quiet, pcm, quiet])
    heard: list[Heard] = []

    def hear(utterance: np.ndarray, said: str) -> Heard:
        heard.append(recognise(utterance, said))
        return heard[-1]

    ears = Ears(hear)
    silence = np.zeros(FRAME, "<i2")
    found = [ears.hear(pcm[i : i + FRAME], silence) for i in range(0, pcm.size - FRAME, FRAME)]
    return [v.words for v in found if isinstance(v, Verdict) and v.command is not None], heard


def synthesised(speaker: SpeechEngine, text: str, voice: str, level_db: float) -> np.ndarray:
    """`text` said by `speaker` (one of voiceguide's engines) with `voice`, 16 kHz int16, its
    peak at `level_db`: for phrases the recorded corpus does not hold."""
    import soxr

    clip = speaker.synthesize(text, VoiceSettings(voice, 160, 1.0))
    samples = soxr.resample(clip.samples.astype(np.float32) / 32768, clip.sample_rate, RATE)
    return (samples / np.max(np.abs(samples)) * 10 ** (level_db / 20) * 32767).astype("<i2")

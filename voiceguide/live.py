"""Live playback: the rendered track's own samples, played as they become final, paced by the clock.

`LiveTrack` synthesises the routine's phrases in the order they are heard, in the background,
and recompiles as clips arrive: everything before the first phrase still missing is final
(a cue's time depends only on the phrases before it), so the start can play while the rest
is made. `Player` plays that track chunk by chunk through a `Sink`, paced by a `Clock`, and
takes commands (pause, next, restart, quit) between ticks. Both the clock and the sink are
injected: the tests drive the scheduler with a fake clock, and the real run uses
`time.monotonic` and simpleaudio.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

import numpy as np

from voiceguide.alsa import silence_alsa
from voiceguide.compiler import CompileOptions, compile_routine, phrases, resolved_rate
from voiceguide.errors import AudioError, MissingPart, VoiceguideError
from voiceguide.estimate import estimate_speech_length
from voiceguide.mix import MIX_RATE, PCM_CHUNK, TrackMixer, to_int16
from voiceguide.model import Routine
from voiceguide.plan import VoiceChoice, measured_options, voice_settings
from voiceguide.quickstart import QuickStart, remember
from voiceguide.speech import Clip, SpeechEngine, make_engine
from voiceguide.speech.cache import ClipCache, trim_silence
from voiceguide.timeline import Chapter, Timeline

TICK_S = 0.02
"""How often the player looks at the clock and the keys while a chunk plays."""
RESTART_TWICE_S = 2.0
"""`p` pressed again within this time of the last `p` goes one section further back."""
LEAD_IN = "Starting in 3. 2. 1."


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class MonotonicClock:
    """The real clock: never wall time, which can jump."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class Sink(Protocol):
    """Where samples go. `play` starts at once and returns; `stop` silences at once."""

    def play(self, samples: np.ndarray) -> None: ...

    def stop(self) -> None: ...


class Command(Enum):
    PAUSE = "pause"
    """Pause, or resume if paused."""
    NEXT = "next"
    RESTART = "restart"
    """Back to the start of the section being heard."""
    PREVIOUS = "previous"
    """Back to the start of the section before the one being heard."""
    QUIT = "quit"


@dataclass(frozen=True)
class Outcome:
    """How a live run ended."""

    finished: bool
    stopped_at: str | None = None
    """Where the listener quit, in words (the section and the time), or None."""


# -- the sound device -------------------------------------------------------------------------


class SimpleaudioSink:
    """simpleaudio, one buffer at a time. Opening the device is checked up front."""

    def __init__(self, sample_rate: int = MIX_RATE, *, probe: bool = True) -> None:
        silence_alsa()
        try:
            import simpleaudio
        except ImportError as e:
            raise MissingPart(
                f"simpleaudio is not installed ({e}); run `make run` or pip install simpleaudio"
            ) from None
        self._simpleaudio = simpleaudio
        self.sample_rate = sample_rate
        self._playing: object | None = None
        if probe:
            self.play(np.zeros(round(0.01 * sample_rate), dtype=np.int16))  # does the device open?

    def adopt(self, playing: object) -> None:
        """Take charge of a sound already playing (the quick start), so `stop` stops it."""
        self.stop()
        self._playing = playing

    def play(self, samples: np.ndarray) -> None:
        self.stop()
        try:
            self._playing = self._simpleaudio.play_buffer(samples.astype("<i2").tobytes(), 1, 2, self.sample_rate)
        except Exception as e:  # simpleaudio's error type is not exported (docs/dependencies.md)
            detail = str(e).split("--")[-1].replace("MSG:", "").strip() or type(e).__name__
            raise MissingPart(
                f"no sound device could be opened ({detail}); use `voiceguide render` to make an MP3 instead"
            ) from None

    def stop(self) -> None:
        if self._playing is not None:
            self._playing.stop()  # type: ignore[attr-defined]
            self._playing = None


# -- the track, final as far as its clips go ---------------------------------------------------


@dataclass(frozen=True)
class TrackState:
    """What the player can rely on at this moment."""

    timeline: Timeline
    ready_samples: int
    """Samples [0, ready) are final."""
    complete: bool


class LiveTrack:
    """The routine's track, mixed from cached clips at once and from new ones as they come."""

    def __init__(
        self,
        routine: Routine,
        *,
        options: CompileOptions,
        choice: VoiceChoice,
        cache: ClipCache,
        lead_in: bool = True,
        engine: SpeechEngine | None = None,
    ) -> None:
        self.routine = routine
        self.options = options
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._error: VoiceguideError | None = None
        self._engine = engine or make_engine(choice.engine)
        self.voice, self.settings = voice_settings(
            routine, options=options, choice=choice, engine=self._engine, cache=cache
        )
        self._cache = cache
        ordered = _in_order_heard(routine, options)
        wanted = ([LEAD_IN] if lead_in else []) + ordered
        self._clips: dict[str, Clip] = {}
        for text in wanted:
            clip = cache.get(self._engine.name, self.settings, text)
            if clip is not None:
                self._clips[text] = clip
        self._missing = [t for t in wanted if t not in self._clips]
        self.lead_in: np.ndarray | None = None
        self._mixer: TrackMixer | None = None
        self._state = self._refresh()
        self._changed = threading.Condition(self._lock)
        self._worker: threading.Thread | None = None
        if self._missing:
            self._worker = threading.Thread(target=self._synthesise, name="voiceguide-synthesis", daemon=True)
            self._worker.start()
        else:
            self._engine.close()

    # The background thread: the missing phrases, in the order they are heard.
    def _synthesise(self) -> None:
        try:
            for text, raw in self._engine.synthesize_many(self._missing, self.settings):
                if self._closing.is_set():
                    return
                clip = trim_silence(raw)
                self._cache.put(self._engine.name, self.settings, text, clip)
                with self._lock:
                    self._clips[text] = clip
                    self._state = self._refresh()
                    self._changed.notify_all()
        except Exception as e:  # handed to the player, which raises it in the main thread
            if self._closing.is_set():
                return  # stopping (Ctrl-C, quit): the workers went away on purpose
            with self._lock:
                self._error = e if isinstance(e, VoiceguideError) else VoiceguideError(f"speech failed: {e}")
                self._changed.notify_all()
        finally:
            self._engine.close()

    def _refresh(self) -> TrackState:
        """Recompile with the clips known so far (missing ones count as zero length, so they
        cannot cause a false overrun) and find how far the track is final."""
        known = self._clips
        timeline = compile_routine(
            self.routine,
            options=measured_options(self.options, self.voice, self.settings),
            speech_length=lambda text: known[text].duration_s if text in known else 0.0,
        )
        missing = [e.start_s for e in timeline.events if e.kind == "speech" and e.text not in known]
        complete = not missing
        placeable = Timeline(
            timeline.title,
            tuple(e for e in timeline.events if e.kind != "speech" or e.text in known),
            timeline.chapters,
            timeline.total_s,
            timeline.settings,
        )
        if self._mixer is None:
            self._mixer = TrackMixer(placeable, known)
        else:
            self._mixer.add_clips(known)
            self._mixer.set_timeline(placeable)
        if self.lead_in is None and LEAD_IN in known:
            self.lead_in = to_int16(self._mixer.speech(LEAD_IN))
        total = round(timeline.total_s * MIX_RATE)
        ready = total if complete else round(min(missing) * MIX_RATE)
        return TrackState(timeline, ready, complete)

    def state(self) -> TrackState:
        with self._lock:
            if self._error is not None:
                raise self._error
            return self._state

    def wait_until(self, predicate: Callable[[TrackState], bool], timeout: float) -> TrackState:
        """Block until the state satisfies `predicate` (or the timeout passes)."""
        with self._lock:
            self._changed.wait_for(lambda: self._error is not None or predicate(self._state), timeout)
            if self._error is not None:
                raise self._error
            return self._state

    def chunk(self, index: int) -> np.ndarray:
        """Chunk `index` of the track (the caller checks it is final first)."""
        with self._lock:
            assert self._mixer is not None
            return self._mixer.pcm_chunk(index)

    def close(self) -> None:
        self._closing.set()
        if self._worker is not None and self._worker.is_alive():
            self._worker.join(5)  # it sees the flag after the phrase in hand
        self._engine.close()


def _in_order_heard(routine: Routine, options: CompileOptions) -> list[str]:
    """The routine's phrases, first heard first (laid out with estimated lengths)."""
    estimate = estimate_speech_length(resolved_rate(routine, options))
    wanted = phrases(routine, options=options)
    try:
        timeline = compile_routine(routine, options=options, speech_length=estimate)
    except VoiceguideError:  # an estimate may overrun where the real voice fits
        return sorted(wanted)
    seen = dict.fromkeys(e.text for e in timeline.events if e.kind == "speech")
    return [*seen, *sorted(wanted - seen.keys())]


# -- the scheduler ------------------------------------------------------------------------------


class Source(Protocol):
    def state(self) -> TrackState: ...

    def wait_until(self, predicate: Callable[[TrackState], bool], timeout: float) -> TrackState: ...

    def chunk(self, index: int) -> np.ndarray: ...


@dataclass(frozen=True)
class Position:
    """Where the listener is, for the view."""

    sample: int
    timeline: Timeline
    paused: bool


class Player:
    """Plays a track's chunks through a sink, each at its due time on the clock."""

    def __init__(
        self,
        source: Source,
        *,
        sink: Sink,
        clock: Clock,
        commands: queue.Queue[Command] | None = None,
        on_tick: Callable[[Position], None] = lambda position: None,
        sample_rate: int = MIX_RATE,
        stall_timeout_s: float = 60.0,
    ) -> None:
        self.source = source
        self.sink = sink
        self.clock = clock
        self.commands: queue.Queue[Command] = commands or queue.Queue()
        self.on_tick = on_tick
        self.rate = sample_rate
        self.stall_timeout_s = stall_timeout_s
        self._ahead: tuple[int, np.ndarray] | None = None
        self.stopped_at: int | None = None
        """The sample being heard when the listener quit."""

    def play(
        self,
        *,
        start_sample: int = 0,
        lead_in: np.ndarray | None = None,
        lead_in_playing: tuple[float, int] | None = None,
    ) -> bool:
        """Play to the end (True) or until told to quit (False). The lead-in is played first,
        or, when `lead_in_playing` = (start time, samples), already is (the quick start)."""
        try:
            first = start_sample // PCM_CHUNK
            if lead_in_playing is not None:
                started, samples = lead_in_playing
                if self._wait_out(started + samples / self.rate, 0, None, ahead=first) is Command.QUIT:
                    self.stopped_at = start_sample
                    return False
            elif (
                lead_in is not None
                and lead_in.size
                and self._play_piece(lead_in, self.clock.now(), 0, None, ahead=first) is Command.QUIT
            ):
                self.stopped_at = start_sample
                return False
            return self._play_track(start_sample)
        finally:
            self.sink.stop()

    def _play_track(self, pos: int) -> bool:
        anchor: tuple[float, int] | None = None  # (clock time, sample) that fixes every due time
        while True:
            state = self.source.state()
            total = round(state.timeline.total_s * self.rate)
            if state.complete and pos >= total:
                return True
            index = pos // PCM_CHUNK
            if not _final(state, index):
                state = self.source.wait_until(_final_through((index + 1) * PCM_CHUNK), self.stall_timeout_s)
                if not _final(state, index):
                    raise AudioError("speech synthesis fell too far behind playback")
                anchor = None  # a stall shifts everything after it
            piece = self._chunk(index)[pos - index * PCM_CHUNK :]
            if anchor is None:  # (re)starting: now, with the first piece in hand
                anchor = (self.clock.now(), pos)
            due = anchor[0] + (pos - anchor[1]) / self.rate
            command = self._play_piece(piece, due, pos, state.timeline, ahead=index + 1)
            if command is None:
                pos += len(piece)
                continue
            heard = pos + max(0, round((self.clock.now() - due) * self.rate))
            if command is Command.PAUSE:
                command = self._paused(heard, state.timeline)
            if command is Command.QUIT:
                self.stopped_at = heard
                return False
            pos = heard if command is Command.PAUSE else self._seek(command, heard, state.timeline)  # PAUSE: resumed
            anchor = None

    def _chunk(self, index: int) -> np.ndarray:
        ahead = self._ahead
        self._ahead = None
        return ahead[1] if ahead is not None and ahead[0] == index else self.source.chunk(index)

    def _mix_ahead(self, index: int) -> None:
        """Mix chunk `index` now, while the one before it plays, so it is ready on time."""
        if self._ahead is not None and self._ahead[0] == index:
            return
        state = self.source.state()
        if index * PCM_CHUNK < round(state.timeline.total_s * self.rate) and _final(state, index):
            self._ahead = (index, self.source.chunk(index))

    def _play_piece(
        self, piece: np.ndarray, due: float, pos: int, timeline: Timeline | None, *, ahead: int | None = None
    ) -> Command | None:
        """Start the piece at its due time and wait it out, ticking; a command cuts it short."""
        wait = due - self.clock.now()
        if wait > 0:
            self.clock.sleep(wait)
        self.sink.play(piece)
        return self._wait_out(due + len(piece) / self.rate, pos, timeline, due, ahead=ahead)

    def _wait_out(
        self, end: float, pos: int, timeline: Timeline | None, due: float | None = None, *, ahead: int | None = None
    ) -> Command | None:
        """Tick until `end`, the end of what is playing; a command cuts it short. The chunk
        `ahead` is mixed on the way, once the sound is under way."""
        due = self.clock.now() if due is None else due
        while (left := end - self.clock.now()) > 0:
            if timeline is not None:
                self.on_tick(Position(pos + round((self.clock.now() - due) * self.rate), timeline, False))
            command = self._command()
            if command is not None:
                self.sink.stop()
                return command
            if ahead is not None:
                self._mix_ahead(ahead)
                ahead = None
            self.clock.sleep(min(left, TICK_S))
        return None

    def _paused(self, heard: int, timeline: Timeline) -> Command:
        while True:
            self.on_tick(Position(heard, timeline, True))
            command = self._command()
            if command in (Command.PAUSE, Command.QUIT):
                return command
            self.clock.sleep(TICK_S)

    def _seek(self, command: Command, heard: int, timeline: Timeline) -> int:
        starts = [round(c.start_s * self.rate) for c in timeline.chapters]
        current = max((i for i, s in enumerate(starts) if s <= heard), default=0)
        if command is Command.NEXT:
            target = current + 1
            if target >= len(starts):
                return round(timeline.total_s * self.rate)
            return starts[target]
        return starts[max(0, current - 1)] if command is Command.PREVIOUS else starts[current]

    def _command(self) -> Command | None:
        try:
            return self.commands.get_nowait()
        except queue.Empty:
            return None


def _final(state: TrackState, index: int) -> bool:
    """Is chunk `index` final (every sound that reaches into it known)?"""
    return state.complete or state.ready_samples >= (index + 1) * PCM_CHUNK


def _final_through(sample: int) -> Callable[[TrackState], bool]:
    return lambda state: state.complete or state.ready_samples >= sample


def chapter_at(timeline: Timeline, seconds: float) -> Chapter:
    return next((c for c in reversed(timeline.chapters) if c.start_s <= seconds), timeline.chapters[0])


def describe_position(timeline: Timeline, sample: int, rate: int = MIX_RATE) -> str:
    """Where `sample` is, for a person: "2. Behind the knees, at 3:10 (resume with --from knees)"."""
    seconds = sample / rate
    chapter = chapter_at(timeline, seconds)
    minutes, secs = divmod(round(seconds), 60)
    section = chapter.id.split(".")[0]
    resume = f" (resume with --from {section})" if section not in ("intro", "outro") else ""
    return f"{chapter.title}, at {minutes}:{secs:02d}{resume}"


def keys_from(stream: Iterator[str], commands: queue.Queue[Command], now: Callable[[], float] = time.monotonic) -> None:
    """Turn key presses into commands until a quit. `p` restarts the section; each further
    `p` within RESTART_TWICE_S of the one before goes one more section back. The rule is
    applied here, where each key's time is known, not when the player gets to it."""
    mapping = {" ": Command.PAUSE, "n": Command.NEXT, "p": Command.RESTART, "q": Command.QUIT}
    last_restart = -math.inf
    for key in stream:
        command = mapping.get(key.lower())
        if command is Command.RESTART:
            pressed = now()
            if pressed - last_restart < RESTART_TWICE_S:
                command = Command.PREVIOUS
            last_restart = pressed
        if command is not None:
            commands.put(command)
            if command is Command.QUIT:
                return


def play_routine(
    routine: Routine,
    *,
    options: CompileOptions,
    choice: VoiceChoice,
    cache: ClipCache,
    sink: Sink,
    on_tick: Callable[[Position], None],
    commands: queue.Queue[Command],
    lead_in: bool = True,
    engine: SpeechEngine | None = None,
    quick: QuickStart | None = None,
    quick_key: str | None = None,
) -> Outcome:
    """Play the routine live, to the end or until the listener quits.

    `quick` is a lead-in already playing from the quick-start cache; `quick_key` is where
    to remember this run's lead-in for the next start.
    """
    track = LiveTrack(routine, options=options, choice=choice, cache=cache, lead_in=lead_in, engine=engine)
    try:
        if lead_in and track.lead_in is None:
            track.wait_until(lambda s: track.lead_in is not None, 30.0)
        if lead_in and quick_key is not None and track.lead_in is not None:
            remember(quick_key, track.lead_in.astype("<i2").tobytes())
        player = Player(track, sink=sink, clock=MonotonicClock(), commands=commands, on_tick=on_tick)
        if quick is not None:
            finished = player.play(lead_in_playing=(quick.started_at, quick.samples))
        else:
            finished = player.play(lead_in=track.lead_in if lead_in else None)
        if player.stopped_at is None:
            return Outcome(finished)
        return Outcome(finished, describe_position(track.state().timeline, player.stopped_at))
    finally:
        track.close()

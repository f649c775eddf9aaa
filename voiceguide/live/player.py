"""The player: keeps the output fed with the track and follows what the listener hears.

The output plays on by itself; the player tops its feed up a chunk ahead, reads back which
track sample is at the listener's ear (the device's latency included), shows it, and takes
the keys: pause stops the sound at once and resumes from the same sample after a moment of
quiet; next, restart and previous move the feed; quit says where it stopped.
"""

from __future__ import annotations

import bisect
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from voiceguide.audio.mix import MIX_RATE, PCM_CHUNK
from voiceguide.errors import AudioError, Interrupted
from voiceguide.limits import PRE_ROLL_S
from voiceguide.live.feed import LeadIn, SoundOutput, begin
from voiceguide.live.keys import Command, Request, Spoken
from voiceguide.live.track import TrackState
from voiceguide.timeline.events import Chapter, Timeline
from voiceguide.times import minutes_seconds
from voiceguide.tones import live_pcm

TICK_S = 0.02
"""How often the player looks at the output and the keys."""
ACKNOWLEDGE = "heard"
"""The tone that answers a spoken command (a skip, a resume) before the track goes on."""
CONFIRM = "confirm"
"""The tone that answers a spoken "stop": the sound stops and waits; "stop" again ends."""


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class MonotonicClock:
    """The real clock: never wall time, which can jump."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True)
class Outcome:
    """How a live run ended."""

    finished: bool
    stopped_at: str | None = None
    """Where the listener quit, in words (the section and the time), or None."""


@dataclass(frozen=True)
class Position:
    """Where the listener is, for the view."""

    sample: int
    timeline: Timeline
    paused: bool
    waiting: bool = False
    """The track stands still in quiet: the next sound is still being synthesised."""


class TrackSource(Protocol):
    """The track: how far it is final, and its samples chunk by chunk."""

    def state(self) -> TrackState: ...

    def chunk(self, index: int) -> np.ndarray: ...


class Player:
    """Plays a track through an output, from a sample to the end or until the listener quits."""

    def __init__(
        self,
        source: TrackSource,
        *,
        output: SoundOutput,
        clock: Clock,
        commands: queue.Queue[Request] | None = None,
        on_tick: Callable[[Position], None] = lambda position: None,
        pre_roll_s: float = PRE_ROLL_S,
        stall_timeout_s: float = 60.0,
    ) -> None:
        self.source = source
        self.output = output
        self.clock = clock
        self.commands: queue.Queue[Request] = commands or queue.Queue()
        self._spoken = False
        """The command being carried out was said aloud: answer it with ACKNOWLEDGE."""
        self.on_tick = on_tick
        self.pre_roll_s = pre_roll_s
        self.stall_timeout_s = stall_timeout_s
        self.stopped_at: int | None = None
        """The sample being heard when the listener quit."""
        self.confirming = False
        """Paused by a spoken "stop": "stop" again ends, "continue" plays on."""
        self._next = 0
        """The next track sample to queue."""
        self._starved_since: float | None = None
        self._starved_frames = 0
        """The output's count of frames played as quiet for want of track, at the last tick."""

    def play(self, *, start_sample: int = 0, lead_in: LeadIn | None = None) -> bool:
        """Play to the end (True) or until told to quit (False). Unless the output is already
        playing (a quick start began it), it starts with the pre-roll; then the lead-in."""
        if self.output.playing:
            self._next = start_sample
            if lead_in is not None:  # the start tone is playing, or the quiet after it
                self.output.feed.put(lead_in.pcm, start_sample, moves=False)
            self._starved_frames = self.output.feed.starved  # the quiet before was the start's, no wait
        else:
            self._start_at(start_sample, lead_in)
        heard = start_sample
        state = self.source.state()
        try:
            while True:
                state = self._top_up()
                heard = self._heard(heard)
                self.on_tick(Position(heard, state.timeline, False, self._waited()))
                if self.output.feed.done(self.output.heard_frame()):
                    return True
                command = self._command()
                if command is Command.QUIT and self._spoken:  # misheard, it would end the routine:
                    command = Command.HALT  # it pauses, and "stop" said again (or q) ends it
                    self.confirming = True
                if command in (Command.PAUSE, Command.HALT):
                    quiet_since = self._hush(heard)
                    if self.confirming:
                        self._say_confirm(heard)
                    command = self._paused(heard, state.timeline)
                    self.confirming = False
                    if command is not Command.QUIT:  # resumed: from the same sample
                        awake = self.clock.now() - quiet_since  # the pre-roll's work, done already
                        self._start_at(heard, self._acknowledgement(), max(0.0, self.pre_roll_s - awake))
                if command is Command.QUIT:
                    self.stopped_at = heard
                    return False
                if command in (Command.NEXT, Command.RESTART, Command.PREVIOUS):
                    self._next = heard = self._seek(command, heard, state.timeline)
                    self.output.flush(heard)
                    if self._spoken:
                        self.output.feed.put(_tone_pcm(ACKNOWLEDGE), heard, moves=False)
                    self._top_up()  # at once: the device would otherwise play quiet for want of track
                    self._waited()  # ...and a moment of it, if any, is the skip's, not a wait
                self.clock.sleep(TICK_S)
        except AudioError as e:  # the device went away: say where to pick up again
            raise AudioError(f"{e} while playing {describe_position(state.timeline, heard)}") from None
        except Interrupted as e:  # Ctrl-C: where it stopped goes with it, to be said as `q` says it
            self.stopped_at = heard
            e.add_note(describe_position(state.timeline, heard))
            raise
        finally:
            self.output.stop()

    def _start_at(self, sample: int, lead_in: LeadIn | None = None, pre_roll_s: float | None = None) -> None:
        """Start the sound (or, playing quiet, go on): the pre-roll, the lead-in, then the track
        from `sample`, its first chunk queued before the output starts taking."""
        self._next = sample
        pre_roll_s = self.pre_roll_s if pre_roll_s is None else pre_roll_s
        begin(self.output, at=sample, pre_roll_s=pre_roll_s, lead_in=lead_in, start=False)
        self._top_up()
        self.output.start()
        self._starved_frames = self.output.feed.starved  # the quiet before was not a wait

    def _hush(self, heard: int) -> float:
        """Silence at once (what the device holds is dropped), then keep it playing quiet with
        the track standing at `heard`: a device left idle goes to sleep (a Bluetooth link, a
        sound server suspending its sink) and drops the first sound after it, which is what the
        pre-roll is for, so while it keeps playing a resume needs none. When the quiet began."""
        self.output.stop()
        self.output.feed.clear(heard)
        self.output.start()
        return self.clock.now()

    def _top_up(self) -> TrackState:
        """Queue the track's next chunks while less than a chunk is waiting, as far as the
        track is final; end the feed after the last."""
        feed = self.output.feed
        state = self.source.state()
        total = round(state.timeline.total_s * MIX_RATE)
        while feed.queued() < PCM_CHUNK:
            if state.complete and self._next >= total:
                feed.end()
                break
            index = self._next // PCM_CHUNK
            if not _final(state, index):
                self._check_stall(feed.queued())
                break
            self._starved_since = None
            piece = self.source.chunk(index)[self._next - index * PCM_CHUNK :]
            feed.put(piece.data, self._next)
            self._next += piece.size
        return state

    def _waited(self) -> bool:
        """Has the output played quiet for want of track since the last look?"""
        starved = self.output.feed.starved
        waited, self._starved_frames = starved > self._starved_frames, starved
        return waited

    def _check_stall(self, queued: int) -> None:
        if queued:
            return
        now = self.clock.now()
        if self._starved_since is None:
            self._starved_since = now
        elif now - self._starved_since > self.stall_timeout_s:
            raise AudioError("speech synthesis fell too far behind playback")

    def _heard(self, default: int) -> int:
        frame = self.output.heard_frame()
        sample = None if frame is None else self.output.feed.track_sample(frame)
        return default if sample is None else sample

    def _paused(self, heard: int, timeline: Timeline) -> Command:
        """Wait for a resume (PAUSE, RESUME) or a quit; other commands wait with the sound."""
        while True:
            self.on_tick(Position(heard, timeline, True))
            self.output.heard_frame()  # playing quiet: a device lost meanwhile is found here
            command = self._command()
            if command in (Command.PAUSE, Command.RESUME, Command.QUIT):
                return command
            self.clock.sleep(TICK_S)

    def _seek(self, command: Command, heard: int, timeline: Timeline) -> int:
        starts = chapter_starts(timeline)
        current = timeline.chapters.index(chapter_at(timeline, heard))
        if command is Command.NEXT:
            target = current + 1
            if target >= len(starts):
                return round(timeline.total_s * MIX_RATE)
            return starts[target]
        return starts[max(0, current - 1)] if command is Command.PREVIOUS else starts[current]

    def _command(self) -> Command | None:
        try:
            request = self.commands.get_nowait()
        except queue.Empty:
            return None
        self._spoken = isinstance(request, Spoken)
        return request.command if isinstance(request, Spoken) else request

    def _say_confirm(self, heard: int) -> None:
        """The falling tone that asks for "stop" again, played into the pause."""
        begin(self.output, at=heard, pre_roll_s=0.0, lead_in=LeadIn(_tone_pcm(CONFIRM)))

    def _acknowledgement(self) -> LeadIn | None:
        """The short sound that answers a spoken command, played before the track goes on."""
        return LeadIn(_tone_pcm(ACKNOWLEDGE)) if self._spoken else None


def _tone_pcm(name: str) -> bytes:
    return live_pcm(name, MIX_RATE)


def _final(state: TrackState, index: int) -> bool:
    """Is chunk `index` final (every sound that reaches into it known)?"""
    return state.complete or state.ready_samples >= (index + 1) * PCM_CHUNK


def chapter_starts(timeline: Timeline) -> list[int]:
    """The sample each chapter starts at: where a skip puts the track."""
    return [round(c.start_s * MIX_RATE) for c in timeline.chapters]


def chapter_at(timeline: Timeline, sample: int) -> Chapter:
    """The chapter track sample `sample` is in. Counted in samples, as a skip counts: a track
    standing at the start a skip went to is in that chapter, even where that sample is a few
    microseconds before the chapter's `start_s`."""
    starts = chapter_starts(timeline)
    return timeline.chapters[max(0, bisect.bisect_right(starts, sample) - 1)]


def describe_position(timeline: Timeline, sample: int) -> str:
    """Where `sample` is, for a person: "2. Behind the knees (right knee), at 3:10 (resume with
    --from knees:right)"."""
    seconds = sample / MIX_RATE
    chapter = chapter_at(timeline, sample)
    place = chapter.id.replace(".", ":")  # a side's chapter, "knees.right", is --from knees:right
    resume = f" (resume with --from {place})" if chapter.id not in ("intro", "outro") else ""
    return f"{chapter.title}, at {minutes_seconds(seconds)}{resume}"

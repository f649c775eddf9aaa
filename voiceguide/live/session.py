"""A live run: the routine's track, the output and the player, put together."""

from __future__ import annotations

import queue
from collections.abc import Callable
from dataclasses import dataclass

from voiceguide.audio.mix import MIX_RATE
from voiceguide.live.feed import SoundOutput
from voiceguide.live.keys import Request
from voiceguide.live.player import MonotonicClock, Outcome, Player, Position, describe_position
from voiceguide.live.quickstart import remember
from voiceguide.live.settings import PlaySettings
from voiceguide.live.track import LiveTrack
from voiceguide.routine.model import Routine
from voiceguide.speech import SpeechEngine
from voiceguide.speech.cache import ClipCache

LEAD_IN_WAIT_S = 30.0
"""How long the lead-in may take to synthesise on a cold start."""


@dataclass(frozen=True)
class HeadStart:
    """What `play` did before the routine was read: a speech engine started ahead for the
    routine's likely voice, and where to remember this run's lead-in for the next quick start."""

    engine: SpeechEngine | None = None
    quick_key: str | None = None


def play_routine(
    routine: Routine,
    *,
    settings: PlaySettings,
    cache: ClipCache,
    output: SoundOutput,
    on_tick: Callable[[Position], None],
    commands: queue.Queue[Request],
    head_start: HeadStart = HeadStart(),
) -> Outcome:
    """Play the routine live, to the end or until the listener quits.

    The options' `pre_roll_s` is played before the lead-in, and again after
    each pause. If `output` is already playing, a quick start began it with the cached
    lead-in.
    """
    options, lead_in = settings.options, settings.lead_in
    engine, quick_key = head_start.engine, head_start.quick_key
    track = LiveTrack(routine, options=options, choice=settings.choice, cache=cache, lead_in=lead_in, engine=engine)
    try:
        if lead_in and track.lead_in is None:
            track.wait_until(lambda s: track.lead_in is not None, LEAD_IN_WAIT_S)
        if quick_key is not None and track.lead_in is not None:
            remember(quick_key, track.lead_in.pcm)
        player = Player(
            track,
            output=output,
            clock=MonotonicClock(),
            commands=commands,
            on_tick=on_tick,
            pre_roll_s=options.pre_roll_s,
        )
        # The plan starts with its own pre-roll of quiet (as a rendered file does); the
        # output plays that same quiet before the lead-in, so the track goes on from after it.
        start = round(options.pre_roll_s * MIX_RATE)
        finished = player.play(start_sample=start, lead_in=track.lead_in if lead_in else None)
        if player.stopped_at is None:
            return Outcome(finished)
        return Outcome(finished, describe_position(track.state().timeline, player.stopped_at))
    finally:
        track.close()
